"""Isochrone polygons around a node, against hand-built geometry and node membership."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from seriana_gis._errors import NetworkError
from seriana_gis.network import graph_from_osm_file, nodes_within
from seriana_gis.network.isochrones import isochrone_polygons

X0, Y0 = 550_000.0, 5_060_000.0


def _road(*, oneway: bool = False) -> nx.MultiDiGraph:
    """Nodes every 1 km along x, 100 s per km (36 km/h)."""
    G = nx.MultiDiGraph(crs="EPSG:32632")
    for i in range(4):
        G.add_node(i, x=X0 + 1000 * i, y=Y0)
    for i in range(3):
        G.add_edge(i, i + 1, length=1000.0, travel_time=100.0)
        if not oneway:
            G.add_edge(i + 1, i, length=1000.0, travel_time=100.0)
    return G


def _line(x0: float, x1: float) -> LineString:
    return LineString([(X0 + x0, Y0), (X0 + x1, Y0)])


def _same(geom: shapely.Geometry, expected: shapely.Geometry, r: float) -> bool:
    """Equal up to the polygonal approximation of the round caps (1% of a disc of radius r);
    a cut misplaced by 1 m would differ by 2·r m²."""
    return bool(geom.symmetric_difference(expected).area < 0.01 * np.pi * r**2)


def test_edges_cut_where_the_budget_ends() -> None:
    iso = isochrone_polygons(_road(), 0, minutes=[4, 2], buffer_m=50)
    assert list(iso["minutes"]) == [2.0, 4.0]
    # by hand (10 m/s): 2 min = 120 s to node 0 reaches back to x = 1200 m; 4 min to 2400 m
    for geom, expected in zip(iso.geometry, [_line(0, 1200), _line(0, 2400)], strict=True):
        assert _same(geom, expected.buffer(50), 50)
    assert iso["area_km2"].iloc[0] == pytest.approx((1200 * 100 + np.pi * 50**2) / 1e6, rel=1e-3)
    assert iso.crs.equals("EPSG:32632")


def test_direction_on_a_one_way_road() -> None:
    G = _road(oneway=True)  # traffic flows 0 -> 3 only
    # to node 2 within 150 s: node 1 (100 s), half of edge 0->1: x = 500 .. 2000
    to = isochrone_polygons(G, 2, minutes=[2.5], buffer_m=10).geometry.iloc[0]
    assert _same(to, _line(500, 2000).buffer(10), 10)
    # from node 2: only onward, x = 2000 .. 3000 (the road ends there)
    fr = isochrone_polygons(G, 2, minutes=[2.5], direction="from", buffer_m=10).geometry.iloc[0]
    assert _same(fr, _line(2000, 3000).buffer(10), 10)
    # from node 3 nothing is reachable: the disc around the node
    end = isochrone_polygons(G, 3, minutes=[1], direction="from", buffer_m=10).geometry.iloc[0]
    assert end.symmetric_difference(Point(X0 + 3000, Y0).buffer(10)).area < 1e-6


def test_start_leg_comes_off_the_budget() -> None:
    iso = isochrone_polygons(_road(), 0, minutes=[0.1, 2], start_s=10.0, buffer_m=20)
    assert iso.geometry.iloc[0].is_empty  # 6 s < the 10 s leg
    assert iso["area_km2"].iloc[0] == 0.0
    assert _same(iso.geometry.iloc[1], _line(0, 1100).buffer(20), 20)


def test_nested() -> None:
    iso = isochrone_polygons(_road(), 1, minutes=[1, 2, 3, 5], buffer_m=30)
    for a, b in itertools.pairwise(iso.geometry):
        assert shapely.difference(a, b).area < 1e-6


def test_two_way_street_is_buffered_once() -> None:
    """Both directions of a two-way edge reached whole are one line: buffered once, same shape."""
    from seriana_gis.network.isochrones import _distinct

    pieces = [_line(0, 1000), _line(1000, 0), _line(1000, 2000), _line(1000, 1500)]
    kept = _distinct(pieces)
    assert len(kept) == 3  # the reversed copy of the first street goes, the part stays
    # the isochrone over the two-way road is what buffering each reached street once gives
    iso = isochrone_polygons(_road(), 0, minutes=[4], buffer_m=50).geometry.iloc[0]
    assert _same(iso, _line(0, 2400).buffer(50), 50)


def test_bad_input() -> None:
    G = _road()
    with pytest.raises(NetworkError, match="minutes"):
        isochrone_polygons(G, 0, minutes=[0])
    with pytest.raises(NetworkError, match="buffer_m"):
        isochrone_polygons(G, 0, buffer_m=0)
    with pytest.raises(NetworkError, match="start_s"):
        isochrone_polygons(G, 0, start_s=-1)
    with pytest.raises(NetworkError, match="direction"):
        isochrone_polygons(G, 0, direction="up")  # type: ignore[arg-type]
    with pytest.raises(NetworkError, match="not nodes"):
        isochrone_polygons(G, 99)


@pytest.mark.shared_data
def test_polygon_holds_exactly_the_member_nodes_on_bergamo(shared_data: Path) -> None:
    G = graph_from_osm_file(shared_data / "osm/bergamo_city_2021-04-17_highways.osm.bz2")
    rng = np.random.default_rng(5)
    node = rng.choice(np.array(list(G.nodes)))
    iso = isochrone_polygons(G, node, minutes=[3], buffer_m=25).geometry.iloc[0]
    inside = set(nodes_within(G, node, 180.0, direction="to").index)
    # every member node is covered; a non-member node may be covered only if it lies
    # within 25 m of a reached road part
    pts = {n: Point(d["x"], d["y"]) for n, d in G.nodes(data=True)}
    assert all(iso.covers(pts[n]) for n in inside)
    outside = [n for n in G.nodes if n not in inside and iso.covers(pts[n])]
    assert len(outside) < 0.1 * len(inside)
