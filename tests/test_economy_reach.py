"""Jobs lost within reach, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seriana_gis._errors import DataError
from seriana_gis.economy import jobs_lost_within_reach, municipal_weights
from seriana_gis.economy.scenario import ScenarioLosses


def test_decay_and_cutoff_by_hand() -> None:
    od = pd.DataFrame({"s1": [0.0, 15.0, 30.0], "s2": [31.0, np.nan, 15.0]}, index=["a", "b", "c"])
    w = pd.Series({"a": 100.0, "b": 40.0, "c": 80.0})
    out = jobs_lost_within_reach(od, w, max_minutes=30, half_life_min=15)
    # s1: 100 + 40 / 2 + 80 / 4 = 140; s2: 0 (beyond 30) + 0 (no path) + 80 / 2 = 40
    assert out["s1"] == pytest.approx(140.0)
    assert out["s2"] == pytest.approx(40.0)
    assert out.name == "jobs_lost_reach"


def test_territory_losses_spread_by_population_for_the_criterion() -> None:
    losses = ScenarioLosses(
        level="territory", losses=pd.Series({"valley": 1000}), zones={"valley": "low+up"}
    )
    pop = pd.Series({"a": 300.0, "b": 100.0, "c": 600.0, "z": 5000.0})
    zone_of = {"a": "low", "b": "up", "c": "low", "z": "city"}
    w = municipal_weights(losses, population=pop, zone_of=zone_of)
    assert w.to_dict() == pytest.approx({"a": 300.0, "b": 100.0, "c": 600.0})
    with pytest.raises(DataError, match="population"):
        municipal_weights(losses)


def test_a_municipality_missing_from_the_od_matrix_is_an_error() -> None:
    od = pd.DataFrame({"s1": [1.0]}, index=["a"])
    with pytest.raises(DataError, match="no row for municipality"):
        jobs_lost_within_reach(od, pd.Series({"b": 1.0}))


def test_reach_from_the_municipalities_layer() -> None:
    from seriana_gis.economy.reach import reach_from_layers
    from seriana_gis.economy.scenario import parse_scenario

    scenario = parse_scenario(
        {
            "total_jobs": 100,
            "territory": "v",
            "territories": {"v": ["low"]},
            "split": {"service_jobs": {"share": 1.0}},
            "reach": {"max_minutes": 30, "half_life_min": 15},
        }
    )
    munis = pd.DataFrame(
        {"istat": ["a", "b", "c"], "zone": ["low", "low", "city"], "population": [300, 100, 900]}
    )
    od = pd.DataFrame({"s": [0.0, 15.0, 0.0]}, index=["a", "b", "c"])
    # 100 jobs spread 75 / 25 by population over a and b; c is outside the territory
    out = reach_from_layers(od, munis, scenario)
    assert out["s"] == pytest.approx(75.0 + 25.0 / 2)
