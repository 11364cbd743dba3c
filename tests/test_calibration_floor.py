"""The data floor: observations that contradict each other, computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seriana_gis.calibration import read_trips
from seriana_gis.calibration.fit import observations
from seriana_gis.calibration.floor import (
    data_floors,
    floor_lines,
    median_abs_error,
    scatter_lines,
    source_scatter,
)
from seriana_gis.config import default_layers_dir

COLS = ["trip_id", "origin", "destination", "time_of_day", "observed_min", "bound", "fitted"]


def _obs(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLS)


def test_floors_by_hand() -> None:
    obs = _obs(
        [
            ("T1", "dest:a", "dest:b", "off_peak", 15.0, "", True),
            ("T2", "dest:b", "dest:a", "off_peak", 10.0, "upper", True),  # reverse direction
            ("T3", "muni:C", "muni:D", "off_peak", 45.0, "", True),
            ("T4", "muni:D", "muni:C", "off_peak", 30.0, "", True),
            ("T5", "muni:C", "muni:D", "am_peak", 90.0, "", True),  # alone in its period
            ("T6", "muni:E", "muni:F", "off_peak", 30.0, "upper", True),
            ("T7", "muni:E", "muni:F", "off_peak", 20.0, "", True),  # inside the bound: no clash
            ("T8", "muni:G", "muni:H", "off_peak", 20.0, "lower", True),
            ("T9", "muni:G", "muni:H", "off_peak", 10.0, "", True),
            ("T10", "muni:G", "muni:H", "off_peak", 5.0, "", False),  # not fitted: ignored
        ]
    )
    floors = data_floors(obs).set_index("trip_ids")
    # G-H: at least 20 vs 10: (20 - 10) / (20 + 10) = 33.3 %, at 2*20*10/30 = 13.33 min
    # a-b: 15 vs under 10: 5 / 25 = 20 % at 12 min; C-D: 15 / 75 = 20 % at 36 min
    assert list(floors.index) == ["T8 / T9", "T1 / T2", "T3 / T4"]
    assert floors.loc["T8 / T9", "floor_pct"] == pytest.approx(100 / 3)
    assert floors.loc["T8 / T9", "time_min"] == pytest.approx(40 / 3)
    assert floors.loc["T1 / T2", "floor_pct"] == pytest.approx(20.0)
    assert floors.loc["T1 / T2", "time_min"] == pytest.approx(12.0)
    assert floors.loc["T1 / T2", "places"] == "dest:a <-> dest:b"
    assert floors.loc["T3 / T4", "floor_pct"] == pytest.approx(20.0)
    assert floors.loc["T3 / T4", "time_min"] == pytest.approx(36.0)
    # 12 min is 20 % off both: 12/15 - 1 = -20 %, 12/10 - 1 = +20 %
    lines = floor_lines(data_floors(obs), target_max_pct=25.0)
    assert "T1 / T2" in lines[2] and "15 vs <10 min" in lines[2] and ">= 20.0 %" in lines[2]
    assert lines[-1].endswith("under 33.3 % (target <= 25 %)")


def test_no_contradiction_no_lines() -> None:
    obs = _obs([("T1", "dest:a", "dest:b", "off_peak", 15.0, "", True)])
    assert len(data_floors(obs)) == 0
    assert floor_lines(data_floors(obs), target_max_pct=25.0) == []


def test_the_reference_trips_airport_bus() -> None:
    # RT007 (airport -> station nonstop bus, 15 min) and RT013 (the same, "circa 10", an
    # upper bound) contradict each other: 5 / 25 = 20 % at 12 min (numbers from the CSV)
    trips = read_trips(default_layers_dir() / "default" / "reference_trips.csv")
    floors = data_floors(observations(trips[trips["use_in_fit"] != "no"]))
    row = floors[floors["places"] == "dest:bergamo <-> dest:bgy"].iloc[0]
    assert row["trip_ids"] == "RT007 / RT013"
    assert row["floor_pct"] == pytest.approx(20.0)


def test_source_scatter_by_hand() -> None:
    obs = _obs(
        [
            ("T1", "muni:C", "muni:D", "off_peak", 45.0, "", True),
            ("T2", "muni:D", "muni:C", "off_peak", 30.0, "", True),  # reverse direction
            ("T3", "muni:C", "muni:D", "off_peak", 30.0, "", True),
            ("T4", "dest:a", "dest:b", "off_peak", 20.0, "", True),
            ("T5", "dest:a", "dest:b", "off_peak", 10.0, "", True),
            ("T6", "dest:a", "dest:b", "off_peak", 99.0, "upper", True),  # a bound: no time
            ("T7", "dest:a", "dest:b", "off_peak", 1.0, "", False),  # not fitted
            ("T8", "dest:a", "dest:b", "am_peak", 40.0, "", True),  # alone in its period
            ("T9", "muni:E", "muni:F", "off_peak", 25.0, "", True),  # alone
        ]
    )
    got = source_scatter(obs)
    assert got is not None
    # C-D: logs ln45, ln30, ln30 around their mean: (2/3 ln1.5)^2 + 2 (1/3 ln1.5)^2
    # = 2/3 ln^2 1.5 on 2 dof; a-b: ln20, ln10: 2 (ln2 / 2)^2 = ln^2 2 / 2 on 1 dof
    ss = 2 / 3 * np.log(1.5) ** 2 + np.log(2.0) ** 2 / 2
    assert (got.groups, got.dof) == (2, 3)
    assert got.sigma_log == pytest.approx(np.sqrt(ss / 3))
    # 95 % interval of s^2 from the chi-square table, 3 dof: 9.348 and 0.2158
    assert got.median_pct_low == pytest.approx(
        100 * median_abs_error(np.sqrt(ss / 9.348)), rel=1e-3
    )
    assert got.median_pct_high == pytest.approx(
        100 * median_abs_error(np.sqrt(ss / 0.2158)), rel=1e-3
    )
    assert got.median_pct_low < got.median_pct < got.median_pct_high
    line = scatter_lines(got, target_median_pct=12.0)[0]
    assert "2 trip(s)" in line and "3 degree(s)" in line and "target <= 12 %" in line


def test_median_abs_error_against_sampling() -> None:
    # independent reference: the median of |exp(-e) - 1| over a large normal sample
    rng = np.random.default_rng(7)
    for sigma in (0.05, 0.3, 0.8):
        e = rng.normal(0.0, sigma, 400_000)
        sampled = float(np.median(np.abs(np.exp(-e) - 1.0)))
        assert median_abs_error(sigma) == pytest.approx(sampled, rel=0.01)
    assert median_abs_error(0.0) == 0.0


def test_no_replicates_no_scatter() -> None:
    obs = _obs(
        [
            ("T1", "dest:a", "dest:b", "off_peak", 15.0, "", True),
            ("T2", "dest:b", "dest:a", "off_peak", 10.0, "upper", True),
        ]
    )
    assert source_scatter(obs) is None
    assert scatter_lines(None, target_median_pct=12.0) == []
