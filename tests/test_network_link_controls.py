"""Junction controls of line-layer links: matched on an OSM-like graph, read by the road model."""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString

from seriana_gis._errors import CRSError, DataError
from seriana_gis.network import graph_from_lines
from seriana_gis.network.junctions import JUNCTION_COLUMNS
from seriana_gis.network.lines import road_arrays_from_lines
from seriana_gis.network.link_controls import COLUMNS, link_controls
from seriana_gis.network.model import apply_speed_profile
from seriana_gis.network.profile import prior_profile

X0, Y0 = 550_000.0, 5_060_000.0


def _osm_like() -> nx.MultiDiGraph:
    """A main road 0-1-2-3 along y = 0 (500 m apart) and a side street 0-4-5-3 to the north.

    Node 1 carries a traffic signal for the forward direction of the way only
    (``traffic_signals:direction=forward``); node 2 is a mini-roundabout; the side
    street has a signal at 4 (every direction). Both roads are two-way; the
    reverse edges are ``reversed=True``, as osmnx marks them.
    """
    G = nx.MultiDiGraph(crs="EPSG:32632")
    xy = {0: (0, 0), 1: (500, 0), 2: (1000, 0), 3: (1500, 0), 4: (-100, 300), 5: (1600, 300)}
    for n, (x, y) in xy.items():
        G.add_node(n, x=X0 + x, y=Y0 + y)
    G.nodes[1].update(highway="traffic_signals", **{"traffic_signals:direction": "forward"})
    G.nodes[2]["highway"] = "mini_roundabout"
    G.nodes[4]["highway"] = "traffic_signals"
    for path, cls in (([0, 1, 2, 3], "primary"), ([0, 4, 5, 3], "residential")):
        for a, b in itertools.pairwise(path):
            length = float(np.hypot(xy[a][0] - xy[b][0], xy[a][1] - xy[b][1]))
            G.add_edge(a, b, length=length, highway=cls, reversed=False)
            G.add_edge(b, a, length=length, highway=cls, reversed=True)
    return G


def _line(coords: list[tuple[float, float]], **props: object) -> dict[str, object]:
    return {"geometry": LineString([(X0 + x, Y0 + y) for x, y in coords]), **props}


def test_counts_along_the_matched_route_each_direction() -> None:
    lines = gpd.GeoDataFrame(
        [
            _line([(0, 20), (1500, 20)], id="main", oneway=False),  # drawn 20 m off the road
            _line([(0, 20), (1500, 20)], id="one", oneway=True),
            _line([(0, 2000), (1500, 2000)], id="far", oneway=False),  # outside the coverage
        ],
        geometry="geometry",
        crs="EPSG:32632",
    )
    out = link_controls(lines, _osm_like(), margin_m=0.0)
    # forward 0->1->2->3: the signal at 1 applies forward (1), the mini-roundabout at 2 (1);
    # backward 3->2->1->0: the mini-roundabout at 2 (1), the signal at 1 not backward (0).
    # The side street's signal (node 4) is off the route.
    main = out.iloc[0]
    assert (main["signals_forward"], main["roundabout_forward"]) == (1, 1)
    assert (main["signals_backward"], main["roundabout_backward"]) == (0, 1)
    assert main["match_ratio"] == pytest.approx(1500 / 1500)
    assert main["corridor_m"] == 60.0
    one = out.iloc[1]
    assert (one["signals_forward"], one["roundabout_forward"]) == (1, 1)
    assert np.isnan(one["signals_backward"]) and np.isnan(one["roundabout_backward"])
    assert out.iloc[2][list(COLUMNS)].isna().all()  # not matched: stays empty


def test_route_keeps_to_the_drawn_road() -> None:
    # a line drawn along the side street (0-4-5-3): its route is the side street, which
    # passes the signal at 4 both ways (2332 m), although the main road is shorter (1500 m)
    lines = gpd.GeoDataFrame(
        [_line([(5, 10), (-100, 300), (1600, 300), (1495, 10)], id="side")],
        geometry="geometry",
        crs="EPSG:32632",
    )
    out = link_controls(lines, _osm_like(), margin_m=0.0)
    side = out.iloc[0]
    # forward 0->4->5->3: signal at 4; backward 3->5->4->0: signal at 4; no roundabout
    assert (side["signals_forward"], side["signals_backward"]) == (1, 1)
    assert (side["roundabout_forward"], side["roundabout_backward"]) == (0, 0)
    # a length ratio that rejects the route (drawn 2332 m) leaves the link unmatched
    strict = link_controls(lines, _osm_like(), margin_m=0.0, length_ratio=1.0 - 1e-9)
    assert strict[list(COLUMNS)].isna().all().all()


def _two_links(**controls: object) -> gpd.GeoDataFrame:
    # A(0,0) -1000 m- B(1000,0) -1000 m- C(2000,0), both primary 90 km/h, two-way
    rows = [
        {"id": "ab", "highway": "primary", "maxspeed": 90.0, "oneway": False, **controls,
         "geometry": LineString([(X0, Y0), (X0 + 1000, Y0)])},
        {"id": "bc", "highway": "primary", "maxspeed": 90.0, "oneway": False,
         "geometry": LineString([(X0 + 1000, Y0), (X0 + 2000, Y0)])},
    ]  # fmt: skip
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:32632")


@pytest.mark.parametrize("lean", [False, True])
def test_model_reads_the_link_counts(lean: bool) -> None:
    lines = _two_links(
        signals_forward=2, signals_backward=0, roundabout_forward=1, roundabout_backward=3
    )
    build = road_arrays_from_lines if lean else graph_from_lines
    profile = prior_profile()  # signals 15 s, roundabout 7.5 s, factors 1
    G = apply_speed_profile(build(lines, source="t"), profile)
    edges = G.edges if lean else nx.to_pandas_edgelist(G)
    # each link is cut into 4 pieces: the whole link in each direction is their sum
    cols = [JUNCTION_COLUMNS["signals"], JUNCTION_COLUMNS["roundabout"], "travel_time"]
    edges = edges.assign(reversed=edges["reversed"].astype(bool))
    links = edges.groupby(["id", "reversed"])[cols].sum()
    assert (edges.groupby(["id", "reversed"]).size() == 4).all()
    ab, ba, bc = links.loc[("ab", False)], links.loc[("ab", True)], links.loc[("bc", False)]
    assert (ab[JUNCTION_COLUMNS["signals"]], ab[JUNCTION_COLUMNS["roundabout"]]) == (2, 1)
    assert (ba[JUNCTION_COLUMNS["signals"]], ba[JUNCTION_COLUMNS["roundabout"]]) == (0, 3)
    # by hand: 1000 m at 90 km/h = 40 s, + 2 x 15 s + 1 x 7.5 s; back: 40 + 3 x 7.5 s
    assert ab["travel_time"] == pytest.approx(40 + 30 + 7.5)
    assert ba["travel_time"] == pytest.approx(40 + 22.5)
    # the link without counts keeps the network's rules: B and C have 2 and 1 neighbours
    assert (bc[JUNCTION_COLUMNS["signals"]], bc[JUNCTION_COLUMNS["roundabout"]]) == (0, 0)
    assert bc["travel_time"] == pytest.approx(40.0)


@pytest.mark.parametrize("value", [-1, 1.5, "two"])
def test_bad_counts_are_refused(value: object) -> None:
    lines = _two_links(signals_backward=value)
    with pytest.raises(DataError, match=r"feature 'ab'.*'signals_backward'.*whole number"):
        graph_from_lines(lines)


def test_inputs_unchanged_and_bad_inputs() -> None:
    G = _osm_like()
    lines = gpd.GeoDataFrame(
        [_line([(0, 20), (1500, 20)], id="main")], geometry="geometry", crs="EPSG:32632"
    )
    before_lines, before_edges = lines.copy(), list(G.edges(keys=True, data=True))
    link_controls(lines, G, margin_m=0.0)
    assert lines.equals(before_lines)
    assert list(G.edges(keys=True, data=True)) == before_edges
    with pytest.raises(CRSError, match="no CRS"):
        link_controls(gpd.GeoDataFrame(geometry=list(lines.geometry)), G)
    wgs = G.copy()
    wgs.graph["crs"] = "EPSG:4326"
    with pytest.raises(CRSError, match="EPSG:32632"):
        link_controls(lines, wgs)
    multi = gpd.GeoDataFrame(
        geometry=[lines.geometry.iloc[0].union(LineString([(X0, Y0 + 900), (X0 + 9, Y0 + 900)]))],
        crs="EPSG:32632",
    )
    with pytest.raises(DataError, match="single LineString"):
        link_controls(multi, G)
