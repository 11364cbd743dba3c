"""One period per run: the road times' time of day chooses the TEB headway, by hand."""

from __future__ import annotations

import logging

import pytest
import yaml
from accessibility_samples import layers, road_graph

from seriana_gis.accessibility import TransitParams, run_accessibility
from seriana_gis.accessibility.period import (
    TRAM_PERIOD,
    RunPeriod,
    graph_time_of_day,
    run_period,
    tram_peak,
)
from seriana_gis.accessibility.pipeline import run_transit_params
from seriana_gis.config import default_layers_dir, load_study_area
from seriana_gis.network.model import apply_speed_profile
from seriana_gis.network.profile import TIME_OF_DAY, prior_profile


def _sourced_headways() -> dict[str, float]:
    """The headways teb_service.yaml gives the model, read here without the package's reader."""
    raw = yaml.safe_load((default_layers_dir() / "default" / "teb_service.yaml").read_text("utf-8"))
    return {
        f["period"]: float(f["value"])
        for f in raw["facts"]
        if f["key"] == "headway_min" and f.get("used_by_model")
    }


def test_every_time_of_day_has_its_headway_period() -> None:
    assert set(TRAM_PERIOD) == set(TIME_OF_DAY)
    assert tram_peak("am_peak") and not tram_peak("off_peak") and not tram_peak("free_flow")
    assert run_period().label == "off_peak (road times and TEB weekday off-peak headway)"
    mix = RunPeriod("am_peak", peak=False)
    assert mix.mixed and mix.label == "MIXED: road times am_peak, TEB weekday off-peak headway"
    assert not run_period("am_peak", peak=True).mixed and run_period("free_flow", peak=True).mixed


def test_the_same_trip_waits_half_the_headway_of_its_period_by_hand() -> None:
    """B1 walks 250 m to S2, waits, rides 2 km to S1 at Bergamo, walks 50 m (accessibility_samples)."""
    headway = _sourced_headways()
    assert headway == {"weekday_peak": 7.0, "weekday_offpeak": 15.0}  # L'Eco 2020; Corriere 2023
    area = load_study_area()  # the embedded default's teb_service.yaml: 12.5 km in 30 min
    walk = 250 * 1.3 / 80.0 + 50 * 1.3 / 80.0  # straight line x 1.3 at 4.8 km/h (80 m/min)
    ride = 2.0 / 25.0 * 60  # 2 km at 25 km/h
    G = road_graph()
    trips = {}
    for tod, period in (("off_peak", "weekday_offpeak"), ("am_peak", "weekday_peak")):
        H = apply_speed_profile(G, prior_profile(), time_of_day=tod)
        assert graph_time_of_day(H) == tod
        # the command's and batch's parameters (the territory's facts), and the library's
        # defaults: both wait for the tram of the graph's period
        for params in (run_transit_params(H, area), None):
            res = run_accessibility(
                layers(), H, destinations=["bergamo"], params=params, rasters=False
            )
            r = res.tables["brownfields"].iloc[0]
            assert r["transit_bergamo_board"] == "S2" and r["transit_bergamo_alight"] == "S1"
            assert r["transit_bergamo_wait_min"] == pytest.approx(headway[period] / 2)
            assert r["transit_bergamo_min"] == pytest.approx(walk + headway[period] / 2 + ride)
            assert res.period == RunPeriod(tod, peak=period == "weekday_peak")
            assert not res.period.mixed and f"period: {res.period.label}" in res.notes
        trips[tod] = r["transit_bergamo_min"]
    assert trips["off_peak"] - trips["am_peak"] == pytest.approx((15.0 - 7.0) / 2)


def test_free_flow_and_an_untimed_graph_wait_for_the_off_peak_tram() -> None:
    G = road_graph()  # legal speeds, no speed profile: free flow
    assert graph_time_of_day(G) == "free_flow"
    H = apply_speed_profile(G, prior_profile(), time_of_day="free_flow")
    for graph in (G, H):
        res = run_accessibility(layers(), graph, destinations=["bergamo"], rasters=False)
        assert res.tables["brownfields"]["transit_bergamo_wait_min"].iloc[0] == pytest.approx(7.5)
        assert res.period == RunPeriod("free_flow", peak=False)


def test_an_override_of_the_headway_is_a_mixed_run_said_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    H = apply_speed_profile(road_graph(), prior_profile(), time_of_day="am_peak")
    with caplog.at_level(logging.WARNING):
        res = run_accessibility(
            layers(),
            H,
            destinations=["bergamo"],
            params=TransitParams(peak=False),
            rasters=False,
        )
    assert res.tables["brownfields"]["transit_bergamo_wait_min"].iloc[0] == pytest.approx(7.5)
    assert res.period.mixed and res.period.headway_period == "weekday_offpeak"
    assert "period: MIXED: road times am_peak, TEB weekday off-peak headway" in res.notes
    assert "mixed period" in caplog.text and "not of the same hour" in caplog.text
