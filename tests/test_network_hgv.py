"""Roads fit for lorries and lorry times, checked by hand on small graphs."""

# ruff: noqa: N803  (G, H: the networkx names for graphs)

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest

from seriana_gis._errors import NetworkError
from seriana_gis.accessibility import run_accessibility, travel_times
from seriana_gis.accessibility.times import lorry_times
from seriana_gis.network.hgv import lorry_fit, lorry_graph, lorry_streets


@pytest.mark.parametrize(
    ("tags", "fit", "why"),
    [
        ({"highway": "motorway"}, True, "motorway or trunk road"),
        ({"highway": "trunk", "setting": "urban"}, True, "motorway or trunk road"),
        ({"highway": "primary", "setting": "rural"}, True, "main road outside built-up areas"),
        ({"highway": "primary", "setting": "urban"}, False, "main road through a built-up area"),
        ({"highway": "secondary", "maxspeed": "50"}, False, "main road through a built-up area"),
        ({"highway": "secondary", "maxspeed": "IT:urban"}, False, "through a built-up area"),
        ({"highway": "secondary", "maxspeed": "70"}, True, "main road outside built-up areas"),
        ({"highway": "secondary"}, True, "main road outside built-up areas"),
        ({"highway": "tertiary"}, False, "minor road"),
        ({"highway": "residential", "hgv": "designated"}, True, "hgv=designated"),
        ({"highway": "trunk", "hgv": "no"}, False, "hgv=no"),
        ({"highway": "primary", "hgv": "destination"}, False, "hgv=destination"),
        ({"highway": "primary", "maxweight": "3.5"}, False, "maxweight 3.5 t"),
        ({"highway": "primary", "maxweight": "7.5 t"}, False, "maxweight 7.5 t"),
        ({"highway": "primary", "maxweight": "3500 kg"}, False, "maxweight 3.5 t"),
        ({"highway": "primary", "maxweight": "44"}, True, "main road outside built-up areas"),
        ({"highway": ["tertiary", "secondary"]}, True, "main road outside built-up areas"),
    ],
)
def test_lorry_fit(tags, fit, why):
    got, reason = lorry_fit(tags)
    assert got is fit
    assert why in reason


def _edge(G, u, v, *, highway, length, speed, delay=0.0, **tags):
    tt = length / (speed / 3.6) + delay
    for a, b in ((u, v), (v, u)):
        G.add_edge(a, b, highway=highway, length=length, speed_kph=speed, travel_time=tt, **tags)


def _graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    for n, x in enumerate([0, 10_000, 15_000, 16_000, 20_000]):
        G.add_node(n, x=float(x), y=0.0)
    _edge(G, 0, 1, highway="motorway", length=10_000, speed=130)
    _edge(G, 1, 2, highway="primary", length=5_000, speed=90, delay=30.0, setting="rural")
    _edge(G, 2, 3, highway="secondary", length=1_000, speed=50, setting="urban")
    _edge(G, 3, 4, highway="tertiary", length=4_000, speed=50)
    return G


def test_lorry_graph_by_hand():
    G = _graph()
    H = lorry_graph(G)
    # the town crossing and the minor road are gone, and node 3 and 4 with them
    assert set(H.nodes) == {0, 1, 2}
    # motorway capped at 80 km/h: 10 km in 450 s; primary at 70: 5 km in 257.14 s + 30 s delay
    assert H[0][1][0]["travel_time"] == pytest.approx(10_000 / (80 / 3.6))
    assert H[0][1][0]["speed_kph"] == 80.0
    assert H[1][2][0]["travel_time"] == pytest.approx(5_000 / (70 / 3.6) + 30.0)
    t = nx.shortest_path_length(H, 0, 2, weight="travel_time")
    assert t == pytest.approx(450.0 + 5_000 * 3.6 / 70 + 30.0)
    assert H.graph["lorry_dropped_edges"] == 4
    # the input is not changed
    assert G[0][1][0]["travel_time"] == pytest.approx(10_000 / (130 / 3.6))
    assert G.number_of_edges() == 8


def test_slower_roads_keep_their_speed():
    G = nx.MultiDiGraph(crs="EPSG:32632")
    G.add_node(0, x=0.0, y=0.0)
    G.add_node(1, x=1000.0, y=0.0)
    _edge(G, 0, 1, highway="trunk", length=1_000, speed=50)
    H = lorry_graph(G)
    assert H[0][1][0]["travel_time"] == pytest.approx(72.0)


def test_no_lorry_road_is_a_network_error():
    G = nx.MultiDiGraph(crs="EPSG:32632")
    G.add_node(0, x=0.0, y=0.0)
    G.add_node(1, x=1000.0, y=0.0)
    _edge(G, 0, 1, highway="residential", length=1_000, speed=30)
    with pytest.raises(NetworkError, match="no road of the network is fit for lorries"):
        lorry_graph(G)


def test_lorry_rule_on_the_embedded_network():
    from seriana_gis.network import graph_from_lines

    path = Path(__file__).resolve().parent.parent / "layers" / "default" / "roads.geojson"
    G = graph_from_lines(gpd.read_file(path).to_crs("EPSG:32632"), source="embedded")
    H = lorry_graph(G)
    refs = {str(d.get("ref")) for _, _, d in H.edges(data=True)}
    classes = {d.get("highway") for _, _, d in H.edges(data=True)}
    # the A4 and the SS671 expressway are lorry roads; the tertiary town links are not
    assert {"A4", "SS671"} <= refs
    assert "tertiary" not in classes and "motorway" in classes
    assert H.number_of_edges() < G.number_of_edges()


def test_lorry_times_to_the_a4_by_hand():
    # the synthetic territory of accessibility_samples: a main road y = 0 (primary,
    # 60 km/h, nodes N0..N5 every 2 km), a tertiary spur from N2 north to N6
    # (4 km, 3 km); the A4 junction on N4
    from accessibility_samples import P, destinations, road_graph

    G = road_graph()
    sites = gpd.GeoDataFrame(
        {"id": ["B1", "B2"], "name": ["by the main road", "up the spur"]},
        geometry=[P(2000, 300), P(4000, 3000)],
        crs="EPSG:32632",
    ).set_index("id")
    cars = travel_times(G, sites, destinations(), destination_ids=["bergamo"])
    lorries = lorry_times(
        lorry_streets(G), lorry_graph(G), sites, destinations(), layer="brownfields"
    )
    # B1: 300 m to N1 at 20 km/h (0.9 min), then 6 km of main road at 60 km/h (under the cap)
    assert lorries.loc["B1", "hgv_a4_min"] == pytest.approx(0.9 + 6.0)
    assert lorries.loc["B1", "hgv_a4_junction"] == "a4_x"
    assert cars.loc["B1", "car_a4_min"] == pytest.approx(0.9 + 6.0)
    # B2: a car takes the spur (6 min) then N2 -> N4 (4 min); the lorry takes the same
    # tertiary spur to the first lorry road it reaches (N2, 30 km/h is under its cap),
    # then the main road: 10 min too
    assert cars.loc["B2", "car_a4_min"] == pytest.approx(10.0)
    assert lorries.loc["B2", "hgv_a4_min"] == pytest.approx(6.0 + 4.0)


def test_a_lorry_keeps_to_the_lorry_roads_once_on_them():
    # the main road (primary, 60 km/h, nodes every 2 km, A4 junction at x = 8 km) and a
    # tertiary street at 50 km/h from N1 (2, 0) km to N4 (8, 0) km through a town at
    # (5, 0.5) km: 6.08 km, quicker for a car than 6 km of main road... at 60 km/h it is
    # not, so the street is given 90 km/h (a fast town bypass the lorry may not use)
    from accessibility_samples import P, destinations, road_lines
    from shapely.geometry import LineString

    from seriana_gis.network import graph_from_lines

    lines = road_lines()
    town = gpd.GeoDataFrame(
        {"id": ["TOWN"], "name": ["Town street"], "ref": [None], "highway": ["tertiary"],
         "maxspeed": [90.0], "oneway": [False]},
        geometry=[LineString([P(2000, 0), P(5000, 500), P(8000, 0)])],
        crs=lines.crs,
    )  # fmt: skip
    G = graph_from_lines(pd.concat([lines, town], ignore_index=True), source="test roads")
    site = gpd.GeoDataFrame({"id": ["B1"]}, geometry=[P(2000, 300)], crs=lines.crs).set_index("id")
    cars = travel_times(G, site, destinations(), destination_ids=["bergamo"])
    lorries = lorry_times(lorry_streets(G), lorry_graph(G), site, destinations())
    town_km = 2 * math.hypot(3.0, 0.5)
    # the car takes the town street: 0.9 min snap + 6.08 km at 90 km/h
    assert cars.loc["B1", "car_a4_min"] == pytest.approx(0.9 + town_km / 90 * 60)
    # the lorry is on the lorry network at N1 already: 6 km of main road at 60 km/h
    assert lorries.loc["B1", "hgv_a4_min"] == pytest.approx(0.9 + 6.0)


def test_lorries_are_never_quicker_than_cars_on_the_embedded_default():
    # the same streets at speeds no higher, then a subset of the roads (once, lorries
    # reached the lorry network by a straight 20 km/h leg, quicker than the calibrated
    # town streets: 12 min to the A4 from Ranica against 20 by car)
    from seriana_gis.network import graph_from_lines
    from seriana_gis.network.model import apply_speed_profile
    from seriana_gis.network.profile import default_profile_path, load_speed_profile
    from seriana_gis.sources.embedded import embedded_dir, read_embedded

    profile = load_speed_profile(default_profile_path(embedded_dir()))
    G = apply_speed_profile(graph_from_lines(read_embedded("roads"), source="embedded"), profile)
    sites = read_embedded("brownfields").set_index("id")
    dest = read_embedded("destinations")
    cars = travel_times(G, sites, dest, destination_ids=["bergamo"])
    lorries = lorry_times(lorry_streets(G), lorry_graph(G), sites, dest)
    both = cars["car_a4_min"].notna() & lorries["hgv_a4_min"].notna()
    assert both.sum() >= 25
    diff = lorries.loc[both, "hgv_a4_min"] - cars.loc[both, "car_a4_min"]
    assert (diff >= -0.01).all(), diff[diff < -0.01]


def test_accessibility_run_adds_lorry_times_to_the_brownfields():
    from accessibility_samples import layers, road_graph

    result = run_accessibility(layers(), road_graph(), rasters=False)
    bf = result.layers["brownfields"]
    assert bf["hgv_a4_min"].iloc[0] == pytest.approx(0.9 + 6.0)
    assert "hgv_a4_min" not in result.layers["municipalities"].columns
