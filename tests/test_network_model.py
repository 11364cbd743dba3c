"""The road travel-time model: settings, terms, time-of-day profiles, sinuosity; by hand."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pytest
from shapely.geometry import LineString

from seriana_gis._errors import DataError
from seriana_gis.network.lines import graph_from_lines
from seriana_gis.network.model import (
    apply_speed_profile,
    edge_terms,
    edge_times,
    infer_settings,
    road_group,
    speed_term,
)
from seriana_gis.network.profile import SpeedProfile, prior_profile
from seriana_gis.network.speeds import DEFAULT_SPEEDS_KPH, add_speeds_and_times


def _profile(**changes: float) -> SpeedProfile:
    """The prior profile with some parameters changed (``group__name=value``)."""
    groups = {
        "speed_factors": dict(prior_profile().speed_factors),
        "junction_delays_s": dict(prior_profile().junction_delays_s),
        "am_peak_factors": dict(prior_profile().am_peak_factors),
    }
    for key, value in changes.items():
        group, name = key.split("__")
        groups[group][name] = value
    return SpeedProfile(**groups, name="test")


def _line_graph(*edges: tuple[str, str, dict]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    xy = {"A": (0, 0), "B": (1000, 0), "C": (2000, 0), "D": (1000, 50), "E": (1000, 3000)}
    for u, v, attrs in edges:
        for n in (u, v):
            G.add_node(n, x=xy[n][0], y=xy[n][1])
        G.add_edge(u, v, **attrs)
    return G


def test_road_groups_and_terms() -> None:
    assert road_group("motorway_link") == "motorway"
    assert road_group(["secondary", "trunk"]) == "main"
    assert road_group("primary_link") == "main"
    assert road_group("residential") == "local"
    assert road_group(None) == "local"
    assert speed_term("motorway", "urban") == "motorway"
    assert speed_term("main", "mountain") == speed_term("local", "mountain") == "mountain"
    assert speed_term("main", "urban") == "main_urban"
    assert speed_term("local", "rural") == "local_rural"


def test_settings_rules() -> None:
    G = _line_graph(
        ("A", "B", {"highway": "primary", "length": 1000.0, "setting": "Mountain"}),
        ("B", "A", {"highway": "primary", "length": 1000.0, "maxspeed": "IT:urban"}),
        ("B", "C", {"highway": "secondary", "length": 1000.0, "maxspeed": "90"}),
        ("C", "B", {"highway": "secondary", "length": 1000.0, "maxspeed": "70"}),
        ("A", "D", {"highway": "residential", "length": 1001.0}),
        ("D", "E", {"highway": "tertiary", "length": 4500.0}),
    )
    s = infer_settings(G)
    assert s[("A", "B", 0)] == "mountain"  # explicit, any case
    assert s[("B", "A", 0)] == "urban"  # IT:urban = 50
    assert s[("B", "C", 0)] == "rural"  # 90
    # 70 decides nothing; its midpoint (1500, 0) is 1001 m from the residential street's
    # midpoint (500, 25)... farther than 150 m: rural
    assert s[("C", "B", 0)] == "rural"
    assert s[("A", "D", 0)] == "urban"  # residential
    # D-E: 4.5 km of road for 2.95 km straight: sinuosity 1.53 >= 1.4, rural: mountain
    assert s[("D", "E", 0)] == "mountain"


def test_built_up_proxy_makes_a_road_urban() -> None:
    """A road is urban when a residential street's midpoint is within 150 m of its own."""

    def graph(street_y: float) -> nx.MultiDiGraph:
        G = nx.MultiDiGraph(crs="EPSG:32632")
        for n, x, y in (("A", 0, 0), ("B", 1000, 0), ("R", 400, street_y), ("S", 600, street_y)):
            G.add_node(n, x=x, y=y)
        G.add_edge("A", "B", highway="primary", length=1000.0)  # midpoint (500, 0)
        G.add_edge("R", "S", highway="residential", length=200.0)  # midpoint (500, street_y)
        return G

    assert infer_settings(graph(100.0))[("A", "B", 0)] == "urban"
    assert infer_settings(graph(149.0))[("A", "B", 0)] == "urban"
    assert infer_settings(graph(151.0))[("A", "B", 0)] == "rural"


def test_bad_setting_is_an_error() -> None:
    G = _line_graph(("A", "B", {"highway": "primary", "length": 1000.0, "setting": "suburb"}))
    with pytest.raises(DataError, match="suburb"):
        infer_settings(G)


def test_edge_times_by_hand() -> None:
    # 1 km urban secondary at 50 km/h, entering a node where it is the minor approach
    G = _line_graph(
        ("A", "B", {"highway": "tertiary", "length": 1000.0, "maxspeed": "50"}),
        ("C", "B", {"highway": "secondary", "length": 1000.0, "maxspeed": "50"}),
        ("B", "D", {"highway": "secondary", "length": 50.0, "maxspeed": "50"}),
    )
    G = add_speeds_and_times(G)
    terms = edge_terms(G).set_index(["u", "v"])
    p = _profile(
        speed_factors__local_urban=0.5,
        junction_delays_s__priority=6.0,
        am_peak_factors__urban=1.5,
        am_peak_factors__extraurban_main=1.2,
    )
    ab = terms.index.get_loc(("A", "B"))
    run, delay = edge_times(terms.reset_index(), p, time_of_day="free_flow")
    assert run[ab] == pytest.approx(72.0) and delay[ab] == 0.0  # 1000 m at 50 km/h
    run, delay = edge_times(terms.reset_index(), p, time_of_day="off_peak")
    assert run[ab] == pytest.approx(144.0)  # at 25 km/h
    assert delay[ab] == pytest.approx(6.0)  # minor approach to B (tertiary vs secondary)
    run, delay = edge_times(terms.reset_index(), p, time_of_day="am_peak")
    assert run[ab] == pytest.approx(216.0)  # x 1.5 (urban)
    assert delay[ab] == pytest.approx(9.0)  # delays take the urban peak factor


def test_extraurban_peak_factor_on_main_rural_roads_only() -> None:
    G = add_speeds_and_times(
        _line_graph(("A", "B", {"highway": "primary", "length": 1000.0, "maxspeed": "90"}))
    )
    p = _profile(speed_factors__main_rural=0.8, am_peak_factors__extraurban_main=1.25)
    H = apply_speed_profile(G, p, time_of_day="am_peak")
    d = H.edges["A", "B", 0]
    # 1000 m at 0.8 x 90 = 72 km/h: 50 s; x 1.25 = 62.5 s; running speed 57.6 km/h
    assert d["setting"] == "rural"
    assert d["travel_time"] == pytest.approx(62.5)
    assert d["speed_kph"] == pytest.approx(57.6)
    assert d["free_flow_kph"] == 90.0
    assert H.graph["time_of_day"] == "am_peak" and H.graph["speed_profile"] == "test"
    # a minor rural road (tertiary, 90) keeps its off-peak time at the peak
    G2 = add_speeds_and_times(
        _line_graph(("A", "B", {"highway": "tertiary", "length": 1000.0, "maxspeed": "90"}))
    )
    p2 = _profile(speed_factors__local_rural=0.8, am_peak_factors__extraurban_main=1.25)
    off = apply_speed_profile(G2, p2, time_of_day="off_peak").edges["A", "B", 0]
    peak = apply_speed_profile(G2, p2, time_of_day="am_peak").edges["A", "B", 0]
    assert off["travel_time"] == pytest.approx(50.0) and peak["travel_time"] == pytest.approx(50.0)


def test_apply_does_not_change_input_and_is_idempotent() -> None:
    G = add_speeds_and_times(
        _line_graph(("A", "B", {"highway": "secondary", "length": 1000.0, "maxspeed": "50"}))
    )
    before = dict(G.edges["A", "B", 0])
    p = _profile(speed_factors__local_urban=0.5)
    H = apply_speed_profile(G, p)
    assert dict(G.edges["A", "B", 0]) == before
    again = apply_speed_profile(H, p)
    assert again.edges["A", "B", 0]["travel_time"] == pytest.approx(144.0)
    assert apply_speed_profile(H, p, time_of_day="free_flow").edges["A", "B", 0][
        "travel_time"
    ] == pytest.approx(72.0)


def test_free_flow_equals_osmnx_speeds_and_travel_times() -> None:
    """On plain tags, free flow = osmnx.add_edge_speeds (our class table) + add_edge_travel_times."""
    G = nx.MultiDiGraph(crs="EPSG:32632")
    rows = [
        ("a", "b", "primary", None, 800.0),
        ("b", "c", "residential", None, 300.0),
        ("c", "d", "secondary", "70", 1200.0),
        ("d", "a", "tertiary", None, 640.0),
    ]
    for i, (u, v, hw, ms, length) in enumerate(rows):
        G.add_node(u, x=float(i), y=0.0)
        G.add_node(v, x=float(i + 1), y=0.0)
        attrs = {"highway": hw, "length": length}
        if ms:
            attrs["maxspeed"] = ms
        G.add_edge(u, v, **attrs)
    ours = apply_speed_profile(add_speeds_and_times(G), prior_profile(), time_of_day="free_flow")
    ref = ox.add_edge_travel_times(ox.add_edge_speeds(G.copy(), hwy_speeds=DEFAULT_SPEEDS_KPH))
    for u, v, k, d in ref.edges(keys=True, data=True):
        assert ours.edges[u, v, k]["travel_time"] == pytest.approx(d["travel_time"])
        assert ours.edges[u, v, k]["speed_kph"] == pytest.approx(d["speed_kph"])


def test_sinuosity_lengthens_embedded_links() -> None:
    lines = gpd.GeoDataFrame(
        {
            "id": ["L1", "L2"],
            "highway": ["secondary", "secondary"],
            "maxspeed": [None, 50.0],
            "sinuosity": [1.25, None],
            "setting": ["mountain", None],
        },
        geometry=[LineString([(0, 0), (4000, 0)]), LineString([(4000, 0), (4000, 1000)])],
        crs="EPSG:32632",
    )
    G = graph_from_lines(lines)
    lengths = {"L1": 0.0, "L2": 0.0}  # each link's pieces, one way
    for _, _, d in G.edges(data=True):
        lengths[d["id"]] += 0.0 if d["reversed"] else d["length"]
    assert lengths["L1"] == pytest.approx(5000.0)  # 4 km drawn x 1.25
    assert lengths["L2"] == pytest.approx(1000.0)  # empty = 1
    settings = {d["id"]: d["setting"] for _, _, d in G.edges(data=True)}
    assert settings == {"L1": "mountain", "L2": "urban"}
    H = apply_speed_profile(G, _profile(speed_factors__mountain=0.5), time_of_day="off_peak")
    # 5 km at 0.5 x 60 (secondary class default) = 30 km/h: 600 s; L1's end is a dead end
    t = [0.0, 0.0]  # L1 each way, over its pieces
    for _, _, d in H.edges(data=True):
        if d["id"] == "L1":
            t[d["reversed"]] += d["travel_time"]
    assert t == pytest.approx([600.0, 600.0])
    bad = lines.assign(sinuosity=[0.8, None])
    with pytest.raises(DataError, match="sinuosity"):
        graph_from_lines(bad)


def test_unknown_time_of_day() -> None:
    G = add_speeds_and_times(_line_graph(("A", "B", {"highway": "secondary", "length": 1000.0})))
    with pytest.raises(Exception, match="time of day"):
        apply_speed_profile(G, prior_profile(), time_of_day="pm_peak")


def test_embedded_network_is_annotated(study_area) -> None:  # type: ignore[no-untyped-def]
    from seriana_gis.sources.embedded import read_embedded

    G = graph_from_lines(read_embedded("roads"))
    terms = edge_terms(G)
    assert np.isfinite(terms["free_flow_s"]).all()
    # every speed term but local_rural is used by the strategic network
    assert {0, 1, 2, 3, 5} <= set(terms["term"])
