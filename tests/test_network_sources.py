"""Road graphs from live OSM (through a local Overpass stub) and from local OSM files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pytest
import shapely
from _overpass_stub import OverpassStub, overpass_json_from_osm
from shapely.geometry import box

from seriana_gis._errors import CRSError, DataError, SourceUnavailableError
from seriana_gis.network import fetch_roads, graph_from_osm_file
from seriana_gis.network.graph import is_drivable
from seriana_gis.network.sources import graph_from_osm_elements

BZ2 = "osm/bergamo_city_2021-04-17_highways.osm.bz2"
PBF = "osm/bergamo_city_2021-04-17.osm.pbf"
# around Bergamo railway station (Piazzale Marconi), inside the extract
STUB_BBOX = (9.655, 45.678, 9.695, 45.706)
QUERY_POLY = box(9.665, 45.685, 9.685, 45.700)


# --- osmnx's one-way rules, checked against osmnx itself on a hand-written file ---

NODES = {
    1: (9.60, 45.60),
    2: (9.601, 45.60),
    3: (9.602, 45.60),
    4: (9.602, 45.601),
    5: (9.60, 45.601),
}
WAYS: list[dict[str, Any]] = [
    {"id": 10, "nodes": [1, 2], "tags": {"highway": "residential"}},  # two-way
    {"id": 11, "nodes": [2, 3], "tags": {"highway": "primary", "oneway": "yes"}},
    {"id": 12, "nodes": [3, 4], "tags": {"highway": "secondary", "oneway": "-1"}},  # reversed
    {"id": 13, "nodes": [4, 5, 5], "tags": {"highway": "tertiary", "junction": "roundabout"}},
    {"id": 14, "nodes": [5, 1], "tags": {"highway": "unclassified", "oneway": "no"}},
]


def _write_osm_xml(path: Path) -> None:
    root = ET.Element("osm", version="0.6", generator="test")
    for nid, (lon, lat) in NODES.items():
        ET.SubElement(root, "node", id=str(nid), lat=str(lat), lon=str(lon), version="1")
    for w in WAYS:
        way = ET.SubElement(root, "way", id=str(w["id"]), version="1")
        for r in w["nodes"]:
            ET.SubElement(way, "nd", ref=str(r))
        for k, v in w["tags"].items():
            ET.SubElement(way, "tag", k=k, v=v)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def test_oneway_rules_match_osmnx(tmp_path: Path) -> None:
    nodes = {n: {"x": lon, "y": lat} for n, (lon, lat) in NODES.items()}
    ours = graph_from_osm_elements(nodes, [dict(w, nodes=list(w["nodes"])) for w in WAYS])
    # by hand: 10 and 14 both ways, 11 forward, 12 reversed (4->3), 13 forward (roundabout)
    expected = {(1, 2), (2, 1), (2, 3), (4, 3), (4, 5), (5, 1), (1, 5)}
    assert set(ours.edges()) == expected
    # and osmnx itself, on the same data written as OSM XML
    path = tmp_path / "tiny.osm"
    _write_osm_xml(path)
    ref = ox.graph_from_xml(path, simplify=False, retain_all=True)
    assert set(ref.edges()) == expected
    for u, v, d in ours.edges(data=True):
        r = ref.edges[u, v, 0]
        assert d["oneway"] == r["oneway"]
        assert d["reversed"] == r["reversed"]
        assert d["length"] == pytest.approx(r["length"], abs=1e-6)


def _write_osm_pbf(path: Path) -> None:
    import osmium

    writer = osmium.SimpleWriter(str(path))
    try:
        for nid, (lon, lat) in NODES.items():
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), version=1))
        for w in WAYS:
            writer.add_way(
                osmium.osm.mutable.Way(id=w["id"], nodes=w["nodes"], tags=w["tags"], version=1)
            )
    finally:
        writer.close()


def test_pbf_reader_matches_osmnx_xml_on_the_same_data(tmp_path: Path) -> None:
    _write_osm_xml(tmp_path / "tiny.osm")
    _write_osm_pbf(tmp_path / "tiny.osm.pbf")
    via_xml = graph_from_osm_file(tmp_path / "tiny.osm")
    via_pbf = graph_from_osm_file(tmp_path / "tiny.osm.pbf")
    assert set(via_pbf.edges(keys=True)) == set(via_xml.edges(keys=True))
    for e in via_xml.edges(keys=True):
        assert via_pbf.edges[e]["travel_time"] == pytest.approx(via_xml.edges[e]["travel_time"])


def test_graph_from_osm_file_xml_keeps_largest_scc(tmp_path: Path) -> None:
    path = tmp_path / "tiny.osm"
    _write_osm_xml(path)
    G = graph_from_osm_file(path)
    # by hand: node 3 has no way out (2->3 and 4->3 are one-way), node 4 no way in
    # (4->3 reversed, 4->5 roundabout): both fall outside the largest SCC {1, 2, 5}
    assert 3 not in G
    assert 4 not in G
    assert G.graph["scc_dropped_nodes"] == 2
    assert set(G.nodes) <= {1, 2, 5}
    assert G.graph["crs"] == "EPSG:32632"
    assert nx.is_strongly_connected(G)
    for _, _, d in G.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6))


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        graph_from_osm_file(tmp_path / "missing.osm.pbf")
    other = tmp_path / "roads.shp"
    other.write_text("x")
    with pytest.raises(DataError, match="unknown OSM file type"):
        graph_from_osm_file(other)
    junk = tmp_path / "junk.osm"
    junk.write_text("this is not xml")
    with pytest.raises(DataError, match="cannot be read"):
        graph_from_osm_file(junk)
    paths_only = tmp_path / "paths.osm"
    root = ET.Element("osm", version="0.6")
    for nid, (lon, lat) in list(NODES.items())[:2]:
        ET.SubElement(root, "node", id=str(nid), lat=str(lat), lon=str(lon))
    way = ET.SubElement(root, "way", id="1")
    ET.SubElement(way, "nd", ref="1")
    ET.SubElement(way, "nd", ref="2")
    ET.SubElement(way, "tag", k="highway", v="footway")
    ET.ElementTree(root).write(paths_only)
    with pytest.raises(DataError, match="no drivable road"):
        graph_from_osm_file(paths_only)


# --- the reference extract: .osm.bz2 through osmnx, .osm.pbf through pyosmium ---


@pytest.mark.shared_data
def test_bz2_and_pbf_give_the_same_drive_graph(shared_data: Path) -> None:
    Gx = graph_from_osm_file(shared_data / BZ2)
    Gp = graph_from_osm_file(shared_data / PBF)
    for G in (Gx, Gp):
        assert G.graph["crs"] == "EPSG:32632"
        assert nx.is_strongly_connected(G)
        assert 3000 < len(G) < 6000
        hw = {h for _, _, h in G.edges(data="highway") for h in (h if isinstance(h, list) else [h])}
        assert not hw & {"footway", "cycleway", "path", "steps", "service", "track", "pedestrian"}
    # the bz2 was cut from the pbf: the drivable graphs agree (identical on this snapshot)
    assert abs(len(Gx) - len(Gp)) <= 0.01 * len(Gx)
    assert abs(Gx.number_of_edges() - Gp.number_of_edges()) <= 0.01 * Gx.number_of_edges()
    common = set(Gx.edges(keys=False)) & set(Gp.edges(keys=False))
    assert len(common) >= 0.99 * Gx.number_of_edges()
    tt_x = sum(d for _, _, d in Gx.edges(data="travel_time"))
    tt_p = sum(d for _, _, d in Gp.edges(data="travel_time"))
    assert tt_p == pytest.approx(tt_x, rel=0.01)


# --- live OSM through osmnx, served by a local Overpass stub ---


@pytest.fixture(scope="module")
def stub_response(shared_data: Path) -> dict[str, Any]:
    return overpass_json_from_osm(
        shared_data / BZ2, bbox=STUB_BBOX, keep=lambda t: "highway" in t and is_drivable(t)
    )


@pytest.mark.shared_data
def test_fetch_roads_through_stub_then_cache(
    stub_response: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    with OverpassStub(stub_response) as stub:
        monkeypatch.setattr(ox.settings, "overpass_url", stub.url)
        G = fetch_roads(QUERY_POLY, cache_dir=cache)
        assert len(stub.queries) == 1
        assert '["highway"]' in stub.queries[0]
        assert "poly:" in stub.queries[0]
        again = fetch_roads(QUERY_POLY, cache_dir=cache)
        assert len(stub.queries) == 1  # second run served from the disk cache
    assert any(cache.iterdir())
    assert G.graph["crs"] == "EPSG:32632"
    assert nx.is_strongly_connected(G)
    assert len(G) > 50
    assert set(G.nodes) == set(again.nodes)
    for _, _, d in G.edges(data=True):
        assert d["travel_time"] > 0
    # nodes lie inside the polygon, or next to it (truncate_by_edge keeps a crossing edge's end)
    poly_utm = ox.projection.project_geometry(QUERY_POLY, to_crs="EPSG:32632")[0]
    far = [
        n for n, d in G.nodes(data=True) if poly_utm.distance(shapely.Point(d["x"], d["y"])) > 500
    ]
    assert not far
    # settings restored
    assert ox.settings.cache_folder != str(cache)
    # a projected GeoDataFrame works the same (reprojected to EPSG:4326 for the query)
    with OverpassStub(stub_response) as stub:
        area = gpd.GeoDataFrame(geometry=[QUERY_POLY], crs="EPSG:4326").to_crs("EPSG:32632")
        H = fetch_roads(area, cache_dir=tmp_path / "other", overpass_url=stub.url)
        assert len(stub.queries) == 1
    assert abs(len(H) - len(G)) <= 0.02 * len(G)


def test_fetch_roads_polygon_checks(tmp_path: Path) -> None:
    with pytest.raises(CRSError, match="no CRS"):
        fetch_roads(gpd.GeoSeries([QUERY_POLY]), cache_dir=tmp_path)
    with pytest.raises(CRSError, match="give the CRS"):
        fetch_roads(QUERY_POLY, cache_dir=tmp_path, crs=None)
    with pytest.raises(DataError, match="empty"):
        fetch_roads(gpd.GeoSeries([], crs="EPSG:4326"), cache_dir=tmp_path)
    with pytest.raises(DataError, match="Polygon or MultiPolygon, got Point"):
        fetch_roads(shapely.Point(9.67, 45.69), cache_dir=tmp_path)


def test_fetch_roads_unreachable_without_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OverpassStub({"elements": []}) as stub:
        url = stub.url
    monkeypatch.setattr(ox.settings, "overpass_url", url)  # server now closed
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(ox.settings, "requests_timeout", 5)
    with pytest.raises(SourceUnavailableError, match="cannot reach"):
        fetch_roads(QUERY_POLY, cache_dir=tmp_path / "c")


def test_fetch_roads_empty_area(tmp_path: Path) -> None:
    with OverpassStub({"version": 0.6, "elements": []}) as stub:
        with pytest.raises(DataError, match="no drivable road"):
            fetch_roads(QUERY_POLY, cache_dir=tmp_path / "c", overpass_url=stub.url)
        assert len(stub.queries) == 1
    assert ox.settings.overpass_url != stub.url  # the endpoint was set for the call only
