"""Road graph conventions: speeds, connectivity, layers, GraphML, the drive filter."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pyproj
import pytest
from shapely.geometry import LineString

from seriana_gis._errors import DataError, NetworkError, OutputExistsError
from seriana_gis.network import (
    check_graph,
    gdfs_to_graph,
    graph_to_gdfs,
    keep_largest_scc,
    load_graph,
    normalise_graph,
    save_graph,
)
from seriana_gis.network.graph import DRIVE_FILTER, is_drivable, parse_overpass_filter
from seriana_gis.network.speeds import (
    DEFAULT_SPEEDS_KPH,
    add_speeds_and_times,
    default_speed,
    parse_maxspeed,
)

# --- speeds ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", 50.0),
        (70, 70.0),
        ("30 mph", 30 * 1.609344),
        ("90 km/h", 90.0),
        ("IT:urban", 50.0),
        ("IT:rural", 90.0),
        ("IT:motorway", 130.0),
        ("50;70", 60.0),
        (["50", "90"], 70.0),
        (["50", "none"], 50.0),
        ("none", None),
        ("signals", None),
        (None, None),
        (float("nan"), None),
        ("0", None),
    ],
)
def test_parse_maxspeed(value: object, expected: float | None) -> None:
    got = parse_maxspeed(value)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_default_speeds_follow_the_codice_della_strada() -> None:
    # the legal ceilings (art. 142): nothing above 130, urban classes not above 50
    assert max(DEFAULT_SPEEDS_KPH.values()) == 130.0
    assert DEFAULT_SPEEDS_KPH["motorway"] == 130.0
    assert DEFAULT_SPEEDS_KPH["trunk"] <= 110.0
    for cls in ("tertiary", "residential", "living_street", "unclassified"):
        assert DEFAULT_SPEEDS_KPH[cls] <= 50.0
    # road classes rank as their function
    order = ["motorway", "trunk", "primary", "secondary", "tertiary", "residential"]
    speeds = [DEFAULT_SPEEDS_KPH[c] for c in order]
    assert speeds == sorted(speeds, reverse=True)
    assert default_speed(["primary", "secondary"]) == (65.0, "primary|secondary")
    assert default_speed("bus_guideway") == (30.0, "unknown")


def test_add_speeds_and_times_by_hand() -> None:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    G.add_edge(1, 2, length=1000.0, highway="primary", maxspeed="90")
    G.add_edge(2, 1, length=1000.0, highway="residential")
    G.add_edge(2, 3, length=500.0, highway=["secondary", "tertiary"], maxspeed=None)
    H = add_speeds_and_times(G)
    assert H.edges[1, 2, 0]["travel_time"] == pytest.approx(40.0)  # 1 km at 90 km/h
    assert H.edges[2, 1, 0]["travel_time"] == pytest.approx(120.0)  # 1 km at 30 km/h
    assert H.edges[2, 3, 0]["speed_kph"] == 55.0  # mean of 60 and 50
    assert H.edges[2, 3, 0]["travel_time"] == pytest.approx(500 / (55 / 3.6))
    assert H.edges[1, 2, 0]["speed_source"] == "maxspeed"
    assert H.edges[2, 1, 0]["speed_source"] == "default:residential"
    assert "travel_time" not in G.edges[1, 2, 0]  # input unchanged
    G.add_edge(3, 1, highway="primary")
    with pytest.raises(NetworkError, match="length"):
        add_speeds_and_times(G)


# --- connectivity ---


def _line_graph(edges: list[tuple[int, int]]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    for u, v in edges:
        G.add_node(u, x=float(u), y=0.0)
        G.add_node(v, x=float(v), y=0.0)
        G.add_edge(u, v, length=100.0, travel_time=10.0)
    return G


def test_keep_largest_scc_reports_what_was_dropped() -> None:
    # 1<->2<->3 strongly connected; 3->4 dead end; 5<->6 an island; 7->1 source only
    G = _line_graph([(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (5, 6), (6, 5), (7, 1)])
    H, report = keep_largest_scc(G)
    assert set(H.nodes) == {1, 2, 3}
    assert report.kept_nodes == 3 and report.kept_edges == 4
    assert report.dropped_nodes == 4  # 4, 5, 6, 7
    assert report.dropped_edges == 4  # 3->4, 5->6, 6->5, 7->1
    assert report.dropped_components == 3  # {4}, {5, 6}, {7}
    assert report.dropped_length_m == 400.0
    assert H.graph["scc_dropped_nodes"] == 4
    assert "dropped 3 smaller component(s) with 4 nodes and 4 edges" in str(report)
    assert len(G) == 7  # input unchanged
    with pytest.raises(NetworkError, match="no nodes"):
        keep_largest_scc(nx.MultiDiGraph())


def test_keep_largest_scc_component_count_by_hand() -> None:
    G = _line_graph([(1, 2), (2, 1), (3, 4)])
    _, report = keep_largest_scc(G)
    # components: {1, 2}, {3}, {4}: two dropped
    assert report.dropped_components == 2
    assert report.dropped_nodes == 2


def test_normalise_projects_and_adds_times() -> None:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=9.67, y=45.69)
    G.add_node(2, x=9.68, y=45.69)
    G.add_edge(1, 2, length=779.0, highway="secondary")
    G.add_edge(2, 1, length=779.0, highway="secondary")
    H = normalise_graph(G, source="test")
    assert H.graph["crs"] == "EPSG:32632"
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32632", always_xy=True)
    for n in (1, 2):
        x, y = to_utm.transform(G.nodes[n]["x"], G.nodes[n]["y"])
        assert (H.nodes[n]["x"], H.nodes[n]["y"]) == (pytest.approx(x), pytest.approx(y))
    assert H.edges[1, 2, 0]["travel_time"] == pytest.approx(779 / (60 / 3.6))
    assert G.graph["crs"] == "EPSG:4326"
    with pytest.raises(NetworkError, match="crs"):
        normalise_graph(nx.MultiDiGraph(), source="x")


def test_check_graph_errors() -> None:
    G = _line_graph([(1, 2), (2, 1)])
    check_graph(G)
    G.edges[1, 2, 0]["travel_time"] = float("nan")
    with pytest.raises(NetworkError, match=r"\(1, 2, 0\)"):
        check_graph(G)
    G.edges[1, 2, 0]["travel_time"] = -1.0
    with pytest.raises(NetworkError, match="travel_time"):
        check_graph(G)
    bare = nx.MultiDiGraph(crs="EPSG:32632")
    bare.add_edge(1, 2, travel_time=1.0)
    with pytest.raises(NetworkError, match="'x'/'y'"):
        check_graph(bare)


# --- layers and GraphML ---


def _routable() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    pts = {10: (500_000.0, 5_060_000.0), 11: (500_300.0, 5_060_000.0), 12: (500_300.0, 5_060_400.0)}
    for n, (x, y) in pts.items():
        G.add_node(n, x=x, y=y)
    G.add_edge(10, 11, osmid=[5, 6], highway="primary", name="Via Roma", length=300.0)
    G.add_edge(11, 10, osmid=[5, 6], highway="primary", name="Via Roma", length=300.0)
    G.add_edge(11, 12, osmid=7, highway="residential", length=400.0, maxspeed="30")
    G.add_edge(12, 11, osmid=7, highway="residential", length=400.0, maxspeed="30")
    G.add_edge(12, 10, osmid=8, highway="tertiary", length=500.0, oneway=True)
    G.add_edge(10, 11, osmid=9, highway="residential", length=320.0)  # parallel edge
    return normalise_graph(G, source="hand-built")


def test_graph_to_gdfs_and_back() -> None:
    G = _routable()
    nodes, edges = graph_to_gdfs(G)
    assert {"osmid", "x", "y", "geometry"} <= set(nodes.columns)
    assert list(edges.columns[:6]) == ["u", "v", "key", "length", "speed_kph", "travel_time"]
    assert len(nodes) == 3 and len(edges) == 6
    assert nodes.crs.equals("EPSG:32632") and edges.crs.equals("EPSG:32632")
    assert set(edges["way_id"]) == {"5;6", 7, 8, 9}
    H = gdfs_to_graph(nodes, edges)
    assert set(H.edges(keys=True)) == set(G.edges(keys=True))
    for u, v, k, d in G.edges(keys=True, data=True):
        assert H.edges[u, v, k]["travel_time"] == pytest.approx(d["travel_time"])
        assert H.edges[u, v, k]["length"] == pytest.approx(d["length"])
    for n, d in G.nodes(data=True):
        assert (H.nodes[n]["x"], H.nodes[n]["y"]) == (d["x"], d["y"])
    with pytest.raises(DataError, match="missing from road_nodes"):
        gdfs_to_graph(nodes[nodes["osmid"] != 12], edges)
    with pytest.raises(DataError, match="no features"):
        gdfs_to_graph(nodes.iloc[:0], edges)


def test_graphml_round_trip(tmp_path: Path) -> None:
    G = _routable()
    path = save_graph(G, tmp_path / "roads.graphml")
    with pytest.raises(OutputExistsError):
        save_graph(G, path)
    H = load_graph(path)
    assert H.graph["crs"] == "EPSG:32632"
    assert H.graph["scc_dropped_nodes"] == 0
    assert set(H.edges(keys=True)) == set(G.edges(keys=True))
    tt = np.array([H.edges[e]["travel_time"] for e in G.edges(keys=True)])
    np.testing.assert_allclose(tt, [G.edges[e]["travel_time"] for e in G.edges(keys=True)])
    with pytest.raises(DataError, match="not found"):
        load_graph(tmp_path / "none.graphml")
    bare = nx.MultiDiGraph(crs="EPSG:32632")
    bare.add_node(1, x=0.0, y=0.0)
    bare.add_node(2, x=1.0, y=0.0)
    bare.add_edge(1, 2, length=1.0)
    ox.save_graphml(bare, tmp_path / "bare.graphml")
    with pytest.raises(NetworkError, match="travel_time"):
        load_graph(tmp_path / "bare.graphml")


def test_graph_to_gdfs_from_lines_layer() -> None:
    lines = gpd.GeoDataFrame(
        {"highway": ["primary"]},
        geometry=[LineString([(500_000, 5_060_000), (500_100, 5_060_000)])],
        crs="EPSG:32632",
    )
    from seriana_gis.network import graph_from_lines

    nodes, edges = graph_to_gdfs(graph_from_lines(lines))
    assert len(nodes) == 2 and len(edges) == 2
    assert edges["length"].tolist() == [100.0, 100.0]


# --- the drive filter ---


def test_drive_filter_is_osmnx_drive_filter() -> None:
    assert parse_overpass_filter(ox._overpass._get_network_filter("drive")) == DRIVE_FILTER


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "primary"}, True),
        ({"highway": "residential", "oneway": "yes"}, True),
        ({"highway": "footway"}, False),
        ({"highway": "service"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "residential", "motor_vehicle": "no"}, False),
        ({"highway": "tertiary", "area": "yes"}, False),
        ({"highway": "track"}, False),
        ({"railway": "tram"}, False),
        ({"highway": "motorway_link"}, True),
    ],
)
def test_is_drivable(tags: dict[str, str], expected: bool) -> None:
    assert is_drivable(tags) is expected
