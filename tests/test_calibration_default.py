"""The calibrated profile the embedded default ships: current, reproducible, and a fit.

``layers/default/speeds.yaml`` is written by ``make calibrate-default`` from
``layers/default/reference_trips.csv``. Its record must match the trips file
(rerun the target after changing the trips), its recorded errors must be what
the profile gives on the trips today, and moving its parameters away from the
fit must make the errors worse (a fit that is not a fit would not).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from seriana_gis.build import load_territory, road_graph
from seriana_gis.calibration import build_problem, evaluate, read_trips
from seriana_gis.calibration.floor import source_scatter
from seriana_gis.calibration.report import file_sha256
from seriana_gis.config import default_layers_dir
from seriana_gis.network.profile import SpeedProfile, load_speed_profile, parameters

DEFAULT = default_layers_dir() / "default"


@pytest.fixture(scope="module")
def shipped() -> SpeedProfile:
    return load_speed_profile(DEFAULT / "speeds.yaml")


@pytest.fixture(scope="module")
def problem(study_area):  # type: ignore[no-untyped-def]
    t = load_territory(study_area)
    G, _ = road_graph(t)
    trips = read_trips(DEFAULT / "reference_trips.csv")
    prob, _ = build_problem(G, trips, t.layers["municipalities"], t.layers["destinations"])
    return prob


def _stats(table: pd.DataFrame) -> tuple[float, float]:
    table = table[table["fitted"]]  # trips marked use_in_fit: no are reported, not in the figures
    typical = table["bound"] == ""
    return float(table.loc[typical, "err_pct"].abs().median()), float(table["err_pct"].abs().max())


def test_the_shipped_profile_is_fitted_to_the_shipped_trips(shipped: SpeedProfile) -> None:
    rec = shipped.calibration
    assert rec["trips"] == "layers/default/reference_trips.csv"
    assert rec["trips_sha256"] == file_sha256(DEFAULT / "reference_trips.csv"), (
        "reference_trips.csv changed since the profile was fitted: run make calibrate-default"
    )


def test_recorded_errors_are_reproduced(shipped: SpeedProfile, problem) -> None:  # type: ignore[no-untyped-def]
    median, largest = _stats(evaluate(problem, shipped))
    assert median == pytest.approx(shipped.calibration["median_abs_error_pct"]["after"], abs=0.1)
    assert largest == pytest.approx(shipped.calibration["max_abs_error_pct"]["after"], abs=0.1)


def test_recorded_source_scatter_is_reproduced(shipped: SpeedProfile, problem) -> None:  # type: ignore[no-untyped-def]
    rec = shipped.calibration["source_scatter_median_pct"]
    got = source_scatter(evaluate(problem, shipped))
    assert got is not None
    assert (rec["trips"], rec["dof"]) == (got.groups, got.dof)
    assert rec["estimate"] == pytest.approx(got.median_pct, abs=0.05)
    assert rec["low_95"] == pytest.approx(got.median_pct_low, abs=0.05)
    # the median target asks for less error than the true times would show (best estimate)
    assert rec["estimate"] > 12.0


def test_perturbed_parameters_fit_worse(shipped: SpeedProfile, problem) -> None:  # type: ignore[no-untyped-def]
    base = evaluate(problem, shipped)
    fitted = base["fitted"].to_numpy(dtype=bool)
    sse = float(np.sum(np.log1p(base["err_pct"][fitted] / 100) ** 2))
    x = shipped.vector()
    for j, factor in (
        (1, 0.8),
        (1, 1.2),
        (2, 0.8),
        (2, 1.2),
        (3, 0.8),
        (3, 1.2),
    ):  # main_urban, main_rural, local_urban, each 20 % down and up (within the bounds)
        y = x.copy()
        y[j] = min(y[j] * factor, parameters()[j].upper)
        if y[j] == x[j]:
            continue  # at its upper bound: only the move down is possible
        worse = evaluate(problem, replace(SpeedProfile.from_vector(y), name="perturbed"))
        assert float(np.sum(np.log1p(worse["err_pct"][fitted] / 100) ** 2)) > sse
