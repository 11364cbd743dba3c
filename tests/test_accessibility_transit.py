"""The TEB transit model: stops and chainage, in-vehicle times, waiting, walking, journeys."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from accessibility_samples import CRS, X0, Y0, P, teb_lines, teb_stops
from shapely.geometry import LineString

from seriana_gis._errors import ConfigError, DataError
from seriana_gis.accessibility import (
    TransitParams,
    combine_legs,
    ride_matrix,
    tram_stops,
    transit_graph,
    transit_table,
)
from seriana_gis.accessibility.transit import (
    AIRPORT_BUS,
    COMMERCIAL_SPEED_KPH,
    Feeder,
    params_from_mapping,
    straight_walk_min,
)


def test_stops_chainage_and_ride_times_by_hand() -> None:
    stops = tram_stops(teb_lines(), teb_stops())
    assert stops["id"].tolist() == ["S1", "S2", "S3", "S4"]
    assert stops["chainage_m"].tolist() == pytest.approx([0, 2000, 4000, 6000])
    assert stops["offset_m"].max() == pytest.approx(0.0)
    # 36 km/h = 10 m/s: 2 km = 200 s = 3.333 min per link
    ride = ride_matrix(stops, speed_kph=36.0)
    assert ride.loc["S1", "S2"] == pytest.approx(200 / 60)
    assert ride.loc["S4", "S1"] == pytest.approx(600 / 60)
    assert ride.loc["S2", "S2"] == 0.0
    g = transit_graph(stops, speed_kph=36.0)
    assert g.number_of_edges() == 6  # 3 links, both ways
    assert g.edges["S2", "S3"]["ride_s"] == pytest.approx(200.0)


def test_stops_are_projected_on_the_line_and_a_reversed_line_is_fine() -> None:
    lines = teb_lines()
    lines.loc[0, "geometry"] = lines.geometry[0].reverse()
    stops = teb_stops()
    stops.loc[1, "geometry"] = P(2100, 400)  # 350 m off the line, 100 m further along
    out = tram_stops(lines, stops)
    assert out["chainage_m"].tolist() == pytest.approx([0, 2100, 4000, 6000])
    assert out.loc[1, "offset_m"] == pytest.approx(350.0)


def test_stop_order_must_follow_the_line() -> None:
    stops = teb_stops()
    stops.loc[[1, 2], "seq"] = [3, 2]
    with pytest.raises(DataError, match="does not lie beyond"):
        tram_stops(teb_lines(), stops)


def test_no_existing_line_or_missing_column() -> None:
    lines = teb_lines().assign(status="planned")
    with pytest.raises(DataError, match="no line has status 'existing'"):
        tram_stops(lines, teb_stops())
    with pytest.raises(DataError, match="missing column"):
        tram_stops(teb_lines(), teb_stops().drop(columns="seq"))


def test_extension_stops_are_placed_at_the_stated_spacing() -> None:
    out = tram_stops(teb_lines(), teb_stops(), with_extension=True, spacing_m=1200.0)
    ext = out[out["line"] == "T1_ext"]
    # 2.4 km / 1.2 km = 2 intervals: stops at 1.2 and 2.4 km beyond the T1 end (6 km)
    assert ext["chainage_m"].tolist() == pytest.approx([7200.0, 8400.0])
    assert (ext["status"] == "planned").all() and (ext["route"] == "T1").all()
    assert out["seq"].tolist() == [1, 2, 3, 4, 5, 6]
    ride = ride_matrix(out, speed_kph=36.0)
    assert ride.loc["S1", ext["id"].iloc[-1]] == pytest.approx(840.0 / 60)
    assert len(tram_stops(teb_lines(), teb_stops())) == 4  # switch off: no extension


def test_extension_uses_the_layer_stops_when_given() -> None:
    stops = pd.concat(
        [
            teb_stops(),
            gpd.GeoDataFrame(
                {
                    "id": ["X1"],
                    "name": ["Planned"],
                    "line": ["T1_ext"],
                    "seq": [1],
                    "status": ["planned"],
                },
                geometry=[P(7000, 50)],
                crs=CRS,
            ),
        ],
        ignore_index=True,
    )
    out = tram_stops(teb_lines(), stops, with_extension=True)
    assert out["id"].tolist()[-1] == "X1"
    assert out["chainage_m"].iloc[-1] == pytest.approx(7000.0)


def test_extension_far_from_the_line_end_is_an_error() -> None:
    lines = teb_lines()
    lines.loc[1, "geometry"] = LineString([(X0 + 9000, Y0 + 5000), (X0 + 11000, Y0 + 5000)])
    with pytest.raises(DataError, match="within 500 m"):
        tram_stops(lines, teb_stops(), with_extension=True)


def test_waiting_is_half_the_headway() -> None:
    assert TransitParams(peak=True).wait_min == pytest.approx(
        7.0 / 2
    )  # TEB peak: every 7 min (2020)
    assert TransitParams(peak=False).wait_min == pytest.approx(15.0 / 2)  # off-peak: 15 min (2023)
    # the default is the default period's: off_peak roads, off-peak tram
    assert TransitParams().wait_min == pytest.approx(15.0 / 2)
    assert TransitParams(headway_peak_min=12.0, peak=True).wait_min == pytest.approx(6.0)
    # the documented commercial speed: 12.5 km in 32 min
    assert pytest.approx(12.5 / (30 / 60)) == COMMERCIAL_SPEED_KPH  # 12.5 km in 30 min


def test_params_are_validated() -> None:
    with pytest.raises(ConfigError, match="speed_kph must be a positive"):
        TransitParams(speed_kph=0.0)
    with pytest.raises(ConfigError, match="detour_factor"):
        TransitParams(detour_factor=0.9)
    with pytest.raises(ConfigError, match="unknown key 'headway'.*Valid keys"):
        params_from_mapping({"headway": 5}, where="scenario.yaml, transit")
    p = params_from_mapping(
        {
            "peak": False,
            "feeders": [{"destination": "x", "via": "y", "headway_min": 30, "ride_min": 5}],
        },
        where="t",
    )
    assert p.wait_min == 7.5 and p.feeder_to("x") == Feeder("x", "y", 30.0, 5.0, "")


def test_straight_walk_rule() -> None:
    p = TransitParams()
    t = straight_walk_min(np.array([[0.0, 0.0]]), np.array([[300.0, 400.0]]), params=p)
    # 500 m × 1.3 at 4.8 km/h (80 m/min) = 8.125 min
    assert t[0, 0] == pytest.approx(500 * 1.3 / 80.0)


def test_combine_legs_matches_a_brute_force() -> None:
    rng = np.random.default_rng(3)
    n, s = 7, 5
    acc = rng.uniform(0, 30, (n, s))
    acc[acc > 25] = np.inf
    ride = rng.uniform(1, 20, (s, s))
    ride = (ride + ride.T) / 2
    eg = rng.uniform(0, 15, s)
    eg[1] = np.inf
    feeder = rng.uniform(0, 5, s)
    total, b, a = combine_legs(acc, ride, eg, wait_min=4.0, feeder_min=feeder)
    for i in range(n):
        best = min(
            (acc[i, bb] + 4.0 + ride[bb, aa] + eg[aa] + feeder[aa], bb, aa)
            for bb, aa in itertools.product(range(s), range(s))
            if bb != aa
        )
        assert total[i] == pytest.approx(best[0])
        if np.isfinite(best[0]):
            assert (b[i], a[i]) == best[1:]
    none, bn, an = combine_legs(np.full((1, s), np.inf), ride, eg, wait_min=1.0)
    assert np.isinf(none[0]) and bn[0] == -1 and an[0] == -1


def _origin(x: float, y: float) -> pd.DataFrame:
    return pd.DataFrame({"x": [X0 + x], "y": [Y0 + y]}, index=["o"])


def _dests() -> pd.DataFrame:
    return pd.DataFrame(
        {"x": [X0 + 0.0, X0 + 9000.0], "y": [Y0 + 0.0, Y0 + 50.0]}, index=["bergamo", "far"]
    )


def test_transit_legs_by_hand() -> None:
    stops = tram_stops(teb_lines(), teb_stops())
    p = TransitParams(
        speed_kph=36.0, headway_peak_min=10.0, peak=True, park_and_ride=False, feeders=()
    )
    tt = transit_table(_origin(2000, 300), stops, _dests(), params=p)
    r = tt.loc["o"]
    walk = 250 * 1.3 / 80.0  # to S2 at (2000, 50)
    egress = 50 * 1.3 / 80.0  # S1 (0, 50) to the station (0, 0)
    assert r["transit_bergamo_access_min"] == pytest.approx(walk)
    assert r["transit_bergamo_access_mode"] == "walk"
    assert (r["transit_bergamo_board"], r["transit_bergamo_alight"]) == ("S2", "S1")
    assert r["transit_bergamo_wait_min"] == pytest.approx(5.0)
    assert r["transit_bergamo_ride_min"] == pytest.approx(200 / 60)
    assert r["transit_bergamo_egress_min"] == pytest.approx(egress)
    assert r["transit_bergamo_min"] == pytest.approx(walk + 5.0 + 200 / 60 + egress)
    assert r["transit_bergamo_reason"] == ""
    # 'far' is 3 km from the last stop: over 20 min on foot, no feeder
    assert np.isnan(r["transit_far_min"])
    assert "no feeder" in r["transit_far_reason"]


def test_feeder_leg_by_hand() -> None:
    stops = tram_stops(teb_lines(), teb_stops())
    bus = Feeder(destination="far", via="bergamo", headway_min=20.0, ride_min=17.5, name="bus")
    p = TransitParams(
        speed_kph=36.0, headway_peak_min=10.0, peak=True, park_and_ride=False, feeders=(bus,)
    )
    r = transit_table(_origin(2000, 300), stops, _dests(), params=p).loc["o"]
    walk, egress = 250 * 1.3 / 80.0, 50 * 1.3 / 80.0
    assert r["transit_far_feeder_wait_min"] == pytest.approx(10.0)
    assert r["transit_far_feeder_ride_min"] == pytest.approx(17.5)
    assert r["transit_far_min"] == pytest.approx(walk + 5 + 200 / 60 + egress + 10 + 17.5)
    assert AIRPORT_BUS.destination == "bgy" and AIRPORT_BUS.via == "bergamo"


def test_far_origin_without_park_and_ride_is_flagged_not_zero() -> None:
    stops = tram_stops(teb_lines(), teb_stops())
    p = TransitParams(park_and_ride=False)
    r = transit_table(_origin(2000, 5000), stops, _dests(), params=p).loc["o"]
    assert np.isnan(r["transit_bergamo_min"]) and np.isnan(r["transit_bergamo_wait_min"])
    assert "park and ride is off" in r["transit_bergamo_reason"]


def test_park_and_ride_uses_the_stop_nearest_by_car() -> None:
    stops = tram_stops(teb_lines(), teb_stops())
    p = TransitParams(speed_kph=36.0, feeders=())
    car = pd.DataFrame([[9.0, 4.0, 6.0, 8.0]], index=["o"], columns=["S1", "S2", "S3", "S4"])
    r = transit_table(_origin(2000, 5000), stops, _dests(), params=p, car_to_stops=car).loc["o"]
    assert r["transit_bergamo_access_mode"] == "car" and r["transit_bergamo_board"] == "S2"
    assert r["transit_bergamo_access_min"] == pytest.approx(4.0 + 5.0)  # + park and ride
    # nearest by car is the destination's own stop: no tram leg, flagged
    car2 = pd.DataFrame([[1.0, 4.0, 6.0, 8.0]], index=["o"], columns=["S1", "S2", "S3", "S4"])
    r2 = transit_table(_origin(2000, 5000), stops, _dests(), params=p, car_to_stops=car2).loc["o"]
    assert np.isnan(r2["transit_bergamo_min"]) and "no tram leg" in r2["transit_bergamo_reason"]


def test_walking_all_the_way_when_quicker() -> None:
    stops = tram_stops(teb_lines(), teb_stops())
    p = TransitParams(park_and_ride=False, feeders=())
    r = transit_table(_origin(500, 0), stops, _dests(), params=p).loc["o"]
    # 500 m × 1.3 at 80 m/min = 8.125 min, quicker than any tram trip (the off-peak wait alone is 7.5)
    assert r["transit_bergamo_access_mode"] == "walk_only"
    assert r["transit_bergamo_min"] == pytest.approx(8.125)
    assert r["transit_bergamo_access_min"] == pytest.approx(8.125)
    assert r["transit_bergamo_wait_min"] == 0.0 and r["transit_bergamo_ride_min"] == 0.0
    assert r["transit_bergamo_board"] == "" and r["transit_bergamo_reason"] == ""


def test_feeder_bus_access_without_a_car_by_hand() -> None:
    """The best trip with any access (park and ride) beside the best without a car."""
    stops = tram_stops(teb_lines(), teb_stops())
    p = TransitParams(speed_kph=36.0, headway_peak_min=10.0, peak=True, feeders=())
    road = pd.DataFrame([[9.0, 4.0, 6.0, 8.0]], index=["o"], columns=["S1", "S2", "S3", "S4"])
    r = transit_table(_origin(2000, 5000), stops, _dests(), params=p, car_to_stops=road).loc["o"]
    egress = 50 * 1.3 / 80.0
    # park and ride at S2 (nearest by road): 4 + 5 min; wait 5; ride S2 -> S1 3.33 min
    assert r["transit_bergamo_access_mode"] == "car"
    assert r["transit_bergamo_min"] == pytest.approx(4 + 5 + 5 + 200 / 60 + egress)
    # without a car: the feeder bus to S2, half its 20 min headway + 4 min of road
    assert r["transit_bergamo_nocar_access_mode"] == "feeder"
    assert r["transit_bergamo_nocar_min"] == pytest.approx(10 + 4 + 5 + 200 / 60 + egress)
    # no feeder bus: no trip without a car (the stops are beyond walking distance)
    p2 = TransitParams(
        speed_kph=36.0, headway_peak_min=10.0, peak=True, feeders=(), feeder_bus=False
    )
    r2 = transit_table(_origin(2000, 5000), stops, _dests(), params=p2, car_to_stops=road)
    assert np.isnan(r2.loc["o", "transit_bergamo_nocar_min"])
    assert r2.loc["o", "transit_bergamo_min"] == pytest.approx(r["transit_bergamo_min"])


def test_what_the_extension_buys_by_access_mode_by_hand() -> None:
    """An origin beyond the line's end: the extension's gain without a car and with park and ride."""
    from seriana_gis.accessibility.scenarios import scenario_deltas

    p = TransitParams(speed_kph=36.0, headway_peak_min=10.0, peak=True, feeders=())
    origin = _origin(8400, 300)  # 250 m from the planned stop at chainage 8.4 km
    base_stops = tram_stops(teb_lines(), teb_stops())
    ext_stops = tram_stops(teb_lines(), teb_stops(), with_extension=True, spacing_m=1200.0)
    assert ext_stops["id"].tolist()[-2:] == ["T1_ext_01", "T1_ext_02"]
    road = pd.DataFrame(
        [[14.0, 11.0, 8.0, 5.0, 3.0, 2.0]],
        index=["o"],
        columns=["S1", "S2", "S3", "S4", "T1_ext_01", "T1_ext_02"],
    )
    base = transit_table(
        origin, base_stops, _dests(), params=p, car_to_stops=road[base_stops["id"]]
    )
    ext = transit_table(origin, ext_stops, _dests(), params=p, car_to_stops=road)
    egress = 50 * 1.3 / 80.0
    # base: S4 is the nearest stop by road (5 min) and 39 min on foot
    assert base.loc["o", "transit_bergamo_min"] == pytest.approx(5 + 5 + 5 + 10 + egress)
    assert base.loc["o", "transit_bergamo_nocar_min"] == pytest.approx(10 + 5 + 5 + 10 + egress)
    # extension: walk 250 m x 1.3 at 80 m/min to T1_ext_02, ride 8.4 km (14 min)
    walk = 250 * 1.3 / 80.0
    assert ext.loc["o", "transit_bergamo_nocar_access_mode"] == "walk"
    assert ext.loc["o", "transit_bergamo_nocar_min"] == pytest.approx(walk + 5 + 14 + egress)
    assert ext.loc["o", "transit_bergamo_min"] == pytest.approx(walk + 5 + 14 + egress)
    d = scenario_deltas(base, ext).loc["o"]
    assert d["delta_transit_bergamo_nocar_min"] == pytest.approx(walk + 14 - 10 - 5 - 10)
    assert d["delta_transit_bergamo_min"] == pytest.approx(walk + 14 - 5 - 5 - 10)
    assert d["delta_transit_bergamo_nocar_min"] < d["delta_transit_bergamo_min"] < 0


def test_walk_access_appears_with_a_stop_within_walking_distance() -> None:
    p = TransitParams(speed_kph=36.0, headway_peak_min=10.0, peak=True, feeders=())
    origin = _origin(8400, 300)
    road = pd.DataFrame(
        [[14.0, 11.0, 8.0, 5.0, 3.0, 2.0]],
        index=["o"],
        columns=["S1", "S2", "S3", "S4", "T1_ext_01", "T1_ext_02"],
    )
    base_stops = tram_stops(teb_lines(), teb_stops())
    ext_stops = tram_stops(teb_lines(), teb_stops(), with_extension=True, spacing_m=1200.0)
    base = transit_table(
        origin, base_stops, _dests(), params=p, car_to_stops=road[base_stops["id"]]
    )
    ext = transit_table(origin, ext_stops, _dests(), params=p, car_to_stops=road)
    # no stop within 20 min on foot before: NaN, not zero; then 250 m x 1.3 / 80 + 5 + 14 + egress
    assert np.isnan(base.loc["o", "transit_bergamo_walk_access_min"])
    assert ext.loc["o", "transit_bergamo_walk_access_min"] == pytest.approx(
        250 * 1.3 / 80 + 5 + 14 + 50 * 1.3 / 80
    )
