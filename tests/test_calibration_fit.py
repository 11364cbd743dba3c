"""Calibration recovers known parameters on a synthetic network with known observed times.

The observed times are computed here, independently of the model's code: edge
weights by the formula of :mod:`seriana_gis.network.model` written out in this
file, shortest paths by networkx.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from seriana_gis._errors import DataError
from seriana_gis.calibration import fit as fit_module
from seriana_gis.calibration.fit import (
    FitProblem,
    TripEvaluator,
    calibrate,
    evaluate,
    summarise,
)
from seriana_gis.network import od_matrix
from seriana_gis.network.model import annotate_network, apply_speed_profile
from seriana_gis.network.profile import SpeedProfile, parameters, prior_profile
from seriana_gis.network.speeds import add_speeds_and_times

TRUE = {
    "speed_factors": {
        "motorway": 0.9,
        "main_urban": 0.55,
        "main_rural": 0.8,
        "local_urban": 0.6,
        "local_rural": 0.7,
        "mountain": 0.5,
    },
    "junction_delays_s": {"signals": 25.0, "roundabout": 8.0, "priority": 6.0},
    "am_peak_factors": {"urban": 1.5, "extraurban_main": 1.2},
}


def synthetic_network() -> nx.MultiDiGraph:
    """A 4 x 4 grid (1 km) of every road group and setting, with signals and a roundabout."""
    G = nx.MultiDiGraph(crs="EPSG:32632")
    for i, j in itertools.product(range(4), range(4)):
        tags = {"highway": "traffic_signals"} if (i, j) in ((1, 1), (2, 2)) else {}
        G.add_node((i, j), x=1000.0 * i, y=1000.0 * j, **tags)

    def road(
        a: tuple[int, int], b: tuple[int, int], highway: str, setting: str, **kw: object
    ) -> None:
        for u, v in ((a, b), (b, a)):
            G.add_edge(u, v, highway=highway, setting=setting, length=1000.0, **kw)

    for j in range(4):  # rows: a motorway, urban main roads, rural local roads, a mountain road
        hw, setting, speed = [
            ("motorway", "rural", "130"),
            ("primary", "urban", "50"),
            ("tertiary", "rural", "90"),
            ("secondary", "mountain", None),
        ][j]
        for i in range(3):
            road((i, j), (i + 1, j), hw, setting, **({"maxspeed": speed} if speed else {}))
    for i in range(4):  # columns: urban local streets, a rural main road, a roundabout ring
        for j in range(3):
            if i == 3:
                road((i, j), (i, j + 1), "primary", "rural", maxspeed="90")
            else:
                road((i, j), (i, j + 1), "residential", "urban")
    # the node (3, 0) is a roundabout: a ring edge pair to a stub
    G.add_node("r", x=3300.0, y=-300.0)
    G.add_edge((3, 0), "r", highway="primary", junction="roundabout", length=400.0, setting="rural")
    G.add_edge("r", (3, 0), highway="primary", junction="roundabout", length=400.0, setting="rural")
    return annotate_network(add_speeds_and_times(G))


def true_weight(d: dict, time_of_day: str) -> float:
    """The model's edge time written out by hand (see seriana_gis.network.model)."""
    f = TRUE["speed_factors"][d["speed_term"]]
    run = d["length"] / (f * d["free_flow_kph"] / 3.6)
    delay = sum(
        d[f"junction_{k}"] * TRUE["junction_delays_s"][k] for k in TRUE["junction_delays_s"]
    )
    if time_of_day == "am_peak":
        if d["setting"] == "urban":
            m = TRUE["am_peak_factors"]["urban"]
        elif d["speed_term"] in ("motorway", "main_rural"):
            m = TRUE["am_peak_factors"]["extraurban_main"]
        else:  # minor rural and mountain roads keep their off-peak time
            m = 1.0
        return run * m + delay * TRUE["am_peak_factors"]["urban"]
    return run + delay


@pytest.fixture(scope="module")
def problem() -> FitProblem:
    G = synthetic_network()
    grid = [n for n in G.nodes if n != "r"]
    pairs = list(itertools.permutations(grid, 2))
    rows = []
    for period in ("off_peak", "am_peak"):
        H = G.copy()
        for _, _, d in H.edges(data=True):
            d["w"] = true_weight(d, period)
        for k, (a, b) in enumerate(pairs):
            if period == "am_peak" and k % 3:
                continue
            t = nx.shortest_path_length(H, a, b, weight="w") / 60.0
            rows.append((f"T{k:03d}", period, t, "", str(a), str(b), k))
    obs = pd.DataFrame(
        rows,
        columns=[
            "trip_id",
            "time_of_day",
            "observed_min",
            "bound",
            "origin",
            "destination",
            "_trip",
        ],
    )
    ev = TripEvaluator(G, [a for a, _ in pairs], [b for _, b in pairs], np.zeros(len(pairs)))
    return FitProblem(evaluator=ev, obs=obs)


def check_recovery(result: fit_module.CalibrationResult) -> None:
    """The fitted parameters are the true ones, and the times are reproduced."""
    for p in parameters():
        got = getattr(result.profile, p.group)[p.name]
        want = TRUE[p.group][p.name]
        assert got == pytest.approx(want, rel=0.05), p.label
    assert result.summary["after_median_abs_err_pct"] < 0.5
    assert result.summary["heldout_median_abs_err_pct"] < 1.0


@pytest.fixture(scope="module")
def result(problem: FitProblem) -> fit_module.CalibrationResult:
    return calibrate(problem, folds=3)


def test_calibration_recovers_known_parameters(result: fit_module.CalibrationResult) -> None:
    assert all(result.informed.values())
    check_recovery(result)
    assert result.summary["before_median_abs_err_pct"] > 20  # the priors were far off


def test_a_broken_fit_fails_the_check(problem: FitProblem, monkeypatch: pytest.MonkeyPatch) -> None:
    """Perturb what the fit returns: the recovery check catches it."""
    good = fit_module.fit

    def broken(*args: object, **kwargs: object) -> np.ndarray:
        x = good(*args, **kwargs)  # type: ignore[arg-type]
        x[1] *= 1.15  # main_urban 15 % off
        return x

    monkeypatch.setattr(fit_module, "fit", broken)
    with pytest.raises(AssertionError):
        check_recovery(calibrate(problem, folds=3))


def test_perturbed_parameters_miss_the_targets(
    problem: FitProblem, result: fit_module.CalibrationResult
) -> None:
    x = result.profile.vector()
    x[:6] *= 0.75  # every speed 25 % lower
    table = evaluate(problem, SpeedProfile.from_vector(x))
    # a running-time share s of a trip becomes s / 0.75: errors of up to 33 %
    assert table["err_pct"].abs().median() > 12.0
    good = evaluate(problem, result.profile)
    assert good["err_pct"].abs().max() < 2.0


def test_evaluator_agrees_with_the_routing_engine(problem: FitProblem) -> None:
    G = synthetic_network()
    profile = SpeedProfile(**TRUE, name="true")
    H = apply_speed_profile(G, profile, time_of_day="off_peak")
    ev = problem.evaluator
    nodes = list(G.nodes)
    o = [nodes[i] for i in ev.origins]
    d = [nodes[i] for i in ev.destinations]
    mat = od_matrix(H, sorted(set(o)), sorted(set(d)))
    expected = np.array([mat.loc[a, b] for a, b in zip(o, d, strict=True)]) / 60.0
    assert ev.minutes(profile, time_of_day="off_peak") == pytest.approx(expected)


def test_bounds_only_cost_when_violated(problem: FitProblem) -> None:
    obs = problem.obs.copy()
    obs.loc[0, "bound"] = "upper"
    obs.loc[0, "observed_min"] *= 2  # a generous upper bound: kept
    obs.loc[1, "bound"] = "lower"
    obs.loc[1, "observed_min"] *= 2  # a lower bound at twice the truth: violated by 50 %
    t = evaluate(FitProblem(problem.evaluator, obs), SpeedProfile(**TRUE, name="true"))
    assert t.loc[0, "err_pct"] == 0.0
    assert t.loc[1, "err_pct"] == pytest.approx(-50.0)
    s = summarise(
        t.rename(columns={"err_pct": "after_err_pct"}).assign(
            before_err_pct=t["err_pct"], heldout_err_pct=t["err_pct"]
        )
    )
    assert s["bound_observations"] == 2
    assert s["after_max_abs_err_pct"] == pytest.approx(50.0)


def test_priors_hold_parameters_no_trip_informs(problem: FitProblem) -> None:
    # only the off-peak observations: the peak factors stay at their prior
    off = FitProblem(problem.evaluator, problem.obs[problem.obs["time_of_day"] == "off_peak"])
    res = calibrate(off, folds=2)
    assert not res.informed["am_peak_factors.urban"]
    prior = {p.label: p.prior for p in parameters()}["am_peak_factors.urban"]
    assert res.profile.am_peak_factors["urban"] == pytest.approx(prior, abs=1e-3)
    assert res.profile.speed_factors["main_urban"] == pytest.approx(0.55, rel=0.03)


def test_unreachable_trip_and_bad_folds(problem: FitProblem) -> None:
    with pytest.raises(DataError, match="folds"):
        calibrate(problem, folds=1)
    G = synthetic_network()
    G.add_node("island", x=9000.0, y=9000.0)
    ev = TripEvaluator(G, [(0, 0)], ["island"], [0.0])
    obs = problem.obs.iloc[:1].assign(_trip=0)
    with pytest.raises(DataError, match="no road path"):
        calibrate(FitProblem(ev, obs), folds=2)


def test_prior_profile_is_the_start(result: fit_module.CalibrationResult) -> None:
    assert result.start.vector() == pytest.approx(prior_profile().vector())
