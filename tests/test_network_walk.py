"""Pedestrian graphs: OSM's walk network (footways, paths, crossings) and the walkable roads."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import osmnx as ox
import pytest

from seriana_gis._errors import DataError, NetworkError
from seriana_gis.network import od_matrix, walk_graph
from seriana_gis.network.walk import fetch_walk, walk_graph_from_osm_file


def roads() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    for n, (x, y) in enumerate([(0, 0), (100, 0), (200, 0), (100, 300)]):
        G.add_node(n, x=float(x), y=float(y))
    # a one-way street 0 -> 1, a two-way street 1 <-> 2, a trunk road 2 <-> 3, a mixed-class link 1 -> 3
    G.add_edge(0, 1, length=100.0, highway="residential", travel_time=20.0)
    G.add_edge(1, 2, length=100.0, highway="tertiary", travel_time=10.0)
    G.add_edge(2, 1, length=100.0, highway="tertiary", travel_time=10.0)
    G.add_edge(2, 3, length=320.0, highway="trunk", travel_time=12.0)
    G.add_edge(3, 2, length=320.0, highway="trunk", travel_time=12.0)
    G.add_edge(1, 3, length=400.0, highway=["trunk", "secondary"], travel_time=20.0)
    return G


def test_both_directions_no_trunk_lengths_kept():
    G = roads()
    W = walk_graph(G)
    assert W.graph["crs"] == "EPSG:32632"
    # against one-way traffic on foot: 1 -> 0 exists with the same 100 m
    assert W.has_edge(1, 0) and W[1][0][0]["length"] == 100.0
    # the trunk-only link 2 - 3 is closed to pedestrians; the mixed link 1 - 3 is not
    assert not W.has_edge(2, 3) and not W.has_edge(3, 2)
    assert W.has_edge(3, 1)
    # shortest walks by hand: 0 -> 2 = 100 + 100, 2 -> 0 = 200, 2 -> 3 = 100 + 400
    m = od_matrix(W, [0, 2, 2], [2, 0, 3], weight="length")
    assert m.iloc[0, 0] == 200.0 and m.iloc[1, 1] == 200.0 and m.iloc[2, 2] == 500.0
    # the input graph is not changed
    assert G.number_of_edges() == 6 and not G.has_edge(1, 0)


def test_only_motorways_is_an_error():
    G = nx.MultiDiGraph(crs="EPSG:32632")
    G.add_node(0, x=0.0, y=0.0)
    G.add_node(1, x=1000.0, y=0.0)
    G.add_edge(0, 1, length=1000.0, highway="motorway", travel_time=30.0)
    with pytest.raises(NetworkError, match="no walkable edge"):
        walk_graph(G)


# --- OpenStreetMap's pedestrian network (footways, paths, crossings, pedestrian streets) ---


def _osm_file(path: Path) -> Path:
    """Two streets joined by a footway shortcut, a one-way street, a motorway, a private path.

    Nodes on a line of latitude 45.6 (about 78 m per 0.001 degree of longitude).
    """
    nodes = {
        1: (9.600, 45.600),
        2: (9.602, 45.600),
        3: (9.604, 45.600),
        4: (9.600, 45.602),
        5: (9.604, 45.602),
        6: (9.606, 45.600),
    }
    ways = [
        (10, [1, 2, 3], {"highway": "residential"}),
        (11, [4, 5], {"highway": "residential", "oneway": "yes"}),
        (12, [1, 4], {"highway": "residential"}),
        (13, [3, 5], {"highway": "residential"}),
        (14, [2, 5], {"highway": "footway"}),  # a pedestrian shortcut
        (15, [3, 6], {"highway": "motorway"}),
        (16, [4, 2], {"highway": "path", "access": "private"}),
    ]
    root = ET.Element("osm", version="0.6", generator="test")
    for nid, (lon, lat) in nodes.items():
        ET.SubElement(root, "node", id=str(nid), lat=str(lat), lon=str(lon), version="1")
    for wid, refs, tags in ways:
        way = ET.SubElement(root, "way", id=str(wid), version="1")
        for r in refs:
            ET.SubElement(way, "nd", ref=str(r))
        for k, v in tags.items():
            ET.SubElement(way, "tag", k=k, v=v)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def test_osm_walk_network_uses_footways_both_ways(tmp_path: Path) -> None:
    W = walk_graph_from_osm_file(_osm_file(tmp_path / "w.osm"))
    assert W.graph["crs"] == "EPSG:32632"
    classes = {str(d["highway"]) for _, _, d in W.edges(data=True)}
    assert "footway" in classes
    assert "motorway" not in classes  # closed to pedestrians (osmnx's filter: "motor")
    assert "path" not in classes  # private
    # node 2 -> node 5 along the footway; independent reference: the great-circle length
    direct = ox.distance.great_circle(45.600, 9.602, 45.602, 9.604)
    assert od_matrix(W, [2], [5], weight="length").iloc[0, 0] == pytest.approx(direct, rel=1e-6)
    # every way is walked both ways, the one-way street 4 -> 5 too
    for u, v, d in W.edges(data=True):
        assert any(e["length"] == pytest.approx(d["length"]) for e in W[v][u].values())
    with pytest.raises(DataError, match="not found"):
        walk_graph_from_osm_file(tmp_path / "absent.osm")


@pytest.mark.shared_data
def test_bergamo_walk_network_has_the_pedestrian_ways(shared_data: Path) -> None:
    from seriana_gis.network import graph_from_osm_file

    W = walk_graph_from_osm_file(shared_data / "osm" / "bergamo_city_2021-04-17.osm.pbf")
    classes: dict[str, int] = {}
    for _, _, d in W.edges(data=True):
        for c in str(d["highway"]).strip("[]").replace("'", "").split(", "):
            classes[c] = classes.get(c, 0) + 1
    for c in ("footway", "pedestrian", "path", "steps"):
        assert classes.get(c, 0) > 0, c
    drive = graph_from_osm_file(shared_data / "osm" / "bergamo_city_2021-04-17.osm.pbf")
    # more walkable length than drivable (footways, pedestrian streets, paths, both ways)
    walk_km = sum(d["length"] for _, _, d in W.edges(data=True)) / 1000
    drive_km = sum(d["length"] for _, _, d in drive.edges(data=True)) / 1000
    assert walk_km > drive_km


@pytest.mark.shared_data
def test_fetch_walk_through_stub_then_cache(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from _overpass_stub import OverpassStub, overpass_json_from_osm
    from shapely.geometry import box

    from seriana_gis.network.graph import is_walkable

    response = overpass_json_from_osm(
        shared_data / "osm" / "bergamo_city_2021-04-17_highways.osm.bz2",
        bbox=(9.655, 45.678, 9.695, 45.706),
        keep=lambda t: "highway" in t and is_walkable(t),
    )
    cache = tmp_path / "cache"
    with OverpassStub(response) as stub:
        monkeypatch.setattr(ox.settings, "overpass_url", stub.url)
        W = fetch_walk(box(9.665, 45.685, 9.685, 45.700), cache_dir=cache)
        assert len(stub.queries) == 1 and "foot" in stub.queries[0]
        fetch_walk(box(9.665, 45.685, 9.685, 45.700), cache_dir=cache)
        assert len(stub.queries) == 1  # served from the disk cache
    assert any(str(d["highway"]) == "footway" for _, _, d in W.edges(data=True))
    assert nx.is_strongly_connected(W)
