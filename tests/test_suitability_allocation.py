"""Allocation: checked against brute force on small cases."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from seriana_gis._errors import ConfigError
from seriana_gis.suitability import allocate, load_allocation
from seriana_gis.suitability.allocation import Target, parse_allocation

USES = {
    "logistics": {"per_ha": {"industry": 50}},
    "services": {"per_ha": {"services": 150}},
    "housing": {"per_ha": {"dwellings": 70}},
}


def _config(targets: dict[str, Any], tolerance: float = 0.0) -> Any:
    return parse_allocation({"targets": targets, "uses": USES, "tolerance": tolerance})


def _brute_force(frame: pd.DataFrame, config: Any) -> tuple[float, float]:
    """Smallest total relative shortfall, then the largest total score, by enumeration."""
    uses = list(config.uses.values())
    tnames = list(config.targets)
    best: tuple[float, float] | None = None
    options = [None, *range(len(uses))]
    for combo in itertools.product(options, repeat=len(frame)):
        out = dict.fromkeys(tnames, 0.0)
        total = 0.0
        ok = True
        for i, u in enumerate(combo):
            if u is None:
                continue
            s = frame[f"score_{uses[u].profile}"].iloc[i]
            if np.isnan(s):
                ok = False
                break
            total += s
            for t, d in uses[u].per_ha.items():
                out[t] += d * frame["area_m2"].iloc[i] / 1e4
        if not ok:
            continue
        if any(
            config.targets[t].max is not None and out[t] > config.targets[t].max for t in tnames
        ):
            continue
        tol = config.tolerance
        short = sum(
            max(config.targets[t].value - tol - out[t], 0) / config.targets[t].value for t in tnames
        )
        if (
            best is None
            or short < best[0] - 1e-7
            or (abs(short - best[0]) <= 1e-7 and total > best[1])
        ):
            best = (short, total)
    assert best is not None
    return best


def _frame(scores: list[tuple[float, float, float]], areas: list[float]) -> pd.DataFrame:
    arr = np.array(scores, dtype=float)
    return pd.DataFrame(
        {
            "score_logistics": arr[:, 0],
            "score_services": arr[:, 1],
            "score_housing": arr[:, 2],
            "area_m2": areas,
        },
        index=[f"bf{i}" for i in range(len(areas))],
    )


score = hst.one_of(hst.floats(0, 1), hst.just(float("nan")))


@settings(max_examples=30, deadline=None)
@given(
    scores=hst.lists(hst.tuples(score, score, score), min_size=1, max_size=5),
    areas=hst.lists(hst.floats(1_000, 80_000), min_size=5, max_size=5),
    targets=hst.tuples(hst.floats(50, 600), hst.floats(50, 900), hst.floats(10, 300)),
    cap=hst.one_of(hst.none(), hst.floats(600, 1500)),
    tolerance=hst.sampled_from([0.0, 1.0, 25.0]),
)
def test_allocation_matches_brute_force(
    scores: list[tuple[float, float, float]],
    areas: list[float],
    targets: tuple[float, float, float],
    cap: float | None,
    tolerance: float,
) -> None:
    frame = _frame(scores, areas[: len(scores)])
    config = _config(
        {
            "industry": {"value": targets[0]},
            "services": {"value": targets[1], "max": cap if cap and cap >= targets[1] else None},
            "dwellings": {"value": targets[2]},
        },
        tolerance,
    )
    res = allocate(frame, config)
    short, total = _brute_force(frame, config)
    t = res.targets
    got_short = float((np.maximum(t["target"] - tolerance - t["achieved"], 0) / t["target"]).sum())
    assert got_short == pytest.approx(short, abs=1e-5)
    assert res.total_score == pytest.approx(total, abs=1e-6)
    # the result is self-consistent: each site one use at most, only where scored
    for site, row in res.assignment.iterrows():
        if pd.notna(row["use"]):
            assert not np.isnan(frame.loc[site, f"score_{row['use']}"])
    assert res.reached == bool(short <= 1e-7)


def test_unreachable_targets_are_reported_with_the_shortfall() -> None:
    # two sites of 1 ha; bf0 can take logistics (50 industry jobs) or services (150),
    # bf1 only logistics; nothing can take housing.
    frame = _frame([(0.9, 0.8, np.nan), (0.7, np.nan, np.nan)], [10_000, 10_000])
    config = _config({"industry": 50, "services": 1000, "dwellings": {"value": 10}})
    res = allocate(frame, config)
    assert not res.reached
    # relative shortfalls (services, industry, dwellings):
    #   bf0 services, bf1 logistics: .85 + 0 + 1 = 1.85   <- best
    #   bf0 logistics, bf1 logistics: 1 + 0 + 1 = 2
    #   bf0 services, bf1 none: .85 + 1 + 1 = 2.85
    assert res.assignment["use"].tolist() == ["services", "logistics"]
    assert res.targets.loc["services", "shortfall"] == pytest.approx(850)
    assert res.targets.loc["industry", "shortfall"] == 0
    assert res.targets.loc["dwellings", "shortfall"] == pytest.approx(10)
    assert res.targets["reached"].tolist() == [True, False, False]
    assert "services short by 850 of 1,000 (85.0 %)" in res.message
    assert res.total_score == pytest.approx(0.8 + 0.7)


def test_a_shortfall_within_the_tolerance_counts_as_reached() -> None:
    # one 1 ha site for services gives 150 jobs: 0.5 short of 150.5
    frame = _frame([(np.nan, 0.5, np.nan)], [10_000])
    strict = allocate(
        frame, _config({"services": 150.5, "industry": 0, "dwellings": 0}, tolerance=0.0)
    )
    assert not strict.reached and strict.targets.loc["services", "shortfall"] == pytest.approx(0.5)
    lenient = allocate(
        frame, _config({"services": 150.5, "industry": 0, "dwellings": 0}, tolerance=1.0)
    )
    assert lenient.reached and lenient.targets.loc["services", "shortfall"] == 0


def test_reachable_targets_and_determinism() -> None:
    frame = _frame([(0.9, 0.2, 0.1), (0.1, 0.9, 0.3), (0.2, 0.3, 0.8)], [20_000] * 3)
    config = _config({"industry": 100, "services": 300, "dwellings": 140})
    res = allocate(frame, config)
    assert res.reached and res.message.startswith("All targets reached")
    assert res.assignment["use"].tolist() == ["logistics", "services", "housing"]
    assert res.total_score == pytest.approx(2.6)
    again = allocate(frame, config)
    pd.testing.assert_frame_equal(res.assignment, again.assignment)


def test_shipped_scenario_loads() -> None:
    cfg = load_allocation()
    # the job targets come from analyses/job_loss.yaml: the study's 5,000 jobs, half and half
    valley = ("lower_valley", "parre_ponte_nossa", "upper_valley")
    assert cfg.targets["service_jobs@valley"].value == 2500
    assert cfg.targets["service_jobs@valley"].zones == valley
    assert cfg.targets["industry_jobs@valley"].value == 2500
    assert cfg.targets["industry_jobs@valley"].zones == (*valley, "bergamo_area")
    assert cfg.targets["industry_jobs@valley"].counts == "industry_jobs"
    assert {u.profile for u in cfg.uses.values()} == {"logistics", "services", "social_housing"}
    assert all(u.source for u in cfg.uses.values())


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (
            {"targets": {"jobs": 1}, "uses": {"x": {"per_ha": {"job": 3}}}},
            "unknown target 'job'.*'jobs'",
        ),
        ({"targets": {"jobs": -1}, "uses": {"x": {"per_ha": {"jobs": 3}}}}, "≥ 0"),
        (
            {"targets": {"jobs": {"value": 5, "max": 2}}, "uses": {"x": {"per_ha": {"jobs": 1}}}},
            "below",
        ),
        (
            {"targets": {"jobs": 1}, "uses": {"x": {"per_ha": {"jobs": 1}, "profil": "y"}}},
            "'profile'",
        ),
        ({"target": {}, "uses": {}}, "unknown key 'target'"),
    ],
)
def test_bad_allocation_files(raw: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        parse_allocation(raw)


def test_missing_score_or_area_column() -> None:
    frame = _frame([(0.5, 0.5, 0.5)], [1000.0])
    config = _config({"industry": 1, "services": 1, "dwellings": 1})
    with pytest.raises(ConfigError, match="score_housing"):
        allocate(frame.drop(columns="score_housing"), config)
    with pytest.raises(ConfigError, match="area column"):
        allocate(frame.drop(columns="area_m2"), config)


def test_targets_by_zone_count_only_their_zones_sites() -> None:
    # three sites of 1 ha; logistics yields 50 industry jobs per ha
    frame = _frame([(0.9, np.nan, np.nan), (0.5, np.nan, np.nan), (0.8, np.nan, np.nan)], [1e4] * 3)
    frame["zone"] = ["b", "a", "a"]
    config = _config({"industry": 100, "services": 0, "dwellings": 0}).with_targets(
        [Target("industry@a", 100.0, measure="industry", zones=("a",))]
    )
    res = allocate(frame, config)
    # by hand: only bf1 and bf2 (zone a) count; both are needed for 100 jobs; bf0 (zone b,
    # the best score) adds nothing to the target but its score, so it is used too
    assert res.reached
    assert res.targets.loc["industry@a", "achieved"] == pytest.approx(100.0)
    assert res.assignment["industry@a"].tolist() == [0.0, 50.0, 50.0]
    assert "industry" not in res.targets.index  # the territory's target was replaced


def test_targets_by_zone_need_the_zone_column() -> None:
    frame = _frame([(0.9, np.nan, np.nan)], [1e4])
    config = _config({"industry": 1, "services": 0, "dwellings": 0}).with_targets(
        [Target("industry@a", 1.0, measure="industry", zones=("a",))]
    )
    with pytest.raises(ConfigError, match="zone"):
        allocate(frame, config)


def test_job_targets_and_a_target_of_the_same_measure_clash(tmp_path: Any) -> None:
    import shutil

    from seriana_gis.suitability.profile import default_analyses_dir

    shutil.copy(default_analyses_dir() / "job_loss.yaml", tmp_path / "job_loss.yaml")
    (tmp_path / "a.yaml").write_text(
        "job_targets: job_loss.yaml\ntargets: {service_jobs: 10}\n"
        "uses: {s: {per_ha: {service_jobs: 1}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="remove it from 'targets'"):
        load_allocation(tmp_path / "a.yaml")


def test_a_site_in_no_zone_counts_for_no_zone_target() -> None:
    # bf0 lies outside the study area (no zone): it cannot count for zone a's target
    frame = _frame([(0.9, np.nan, np.nan), (0.5, np.nan, np.nan), (0.8, np.nan, np.nan)], [1e4] * 3)
    frame["zone"] = pd.array([None, "a", "a"], dtype="string")
    config = _config({"industry": 100, "services": 0, "dwellings": 0}).with_targets(
        [Target("industry@a", 100.0, measure="industry", zones=("a",))]
    )
    res = allocate(frame, config)
    assert res.reached
    assert res.assignment["industry@a"].tolist() == [0.0, 50.0, 50.0]
