"""A road graph from a line layer (the shape of layers/default/roads.geojson)."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import pytest
from shapely.geometry import LineString, MultiLineString, Point

from seriana_gis._errors import CRSError, DataError
from seriana_gis.config import default_layers_dir
from seriana_gis.network import graph_from_lines, od_matrix
from seriana_gis.network.lines import LINK_INTERIOR, line_node_count, road_arrays_from_lines
from seriana_gis.network.model import apply_speed_profile
from seriana_gis.network.profile import SPEED_TERMS, SpeedProfile, load_speed_profile
from seriana_gis.sources.embedded import read_embedded

X0, Y0 = 550_000.0, 5_060_000.0


def _layer(rows: list[dict[str, object]], *, crs: str = "EPSG:32632") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def _square() -> gpd.GeoDataFrame:
    # A(0,0) -1000 m- B(1000,0) -1000 m- C(1000,1000) -> back to A along the diagonal
    # (oneway C->A); B's second endpoint is drawn 0.4 m off, to be merged
    a, b, c = (X0, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 1000)
    return _layer(
        [
            {"id": "ab", "name": "SP35", "ref": "SP35", "highway": "primary",
             "maxspeed": 90.0, "oneway": False, "geometry": LineString([a, b])},
            {"id": "bc", "name": None, "ref": None, "highway": "secondary",
             "maxspeed": None, "oneway": False,
             "geometry": LineString([(b[0] + 0.3, b[1] + 0.25), c])},
            {"id": "ca", "name": "SS671", "ref": "SS671", "highway": "trunk",
             "maxspeed": None, "oneway": True, "geometry": LineString([c, a])},
        ]
    )  # fmt: skip


def test_nodes_merged_lengths_speeds_oneway() -> None:
    lines = _square()
    G = graph_from_lines(lines, max_piece_m=None, source="test layer")  # one edge per link
    assert len(G) == 3  # 6 endpoints -> 3 nodes (B merged within 1 m)
    assert G.number_of_edges() == 5  # ab both ways, bc both ways, ca one way
    assert G.graph["crs"] == "EPSG:32632"
    assert G.graph["scc_dropped_nodes"] == 0
    by_id = {d["id"]: (u, v, d) for u, v, d in G.edges(data=True) if not d["reversed"]}
    u, v, ab = by_id["ab"]
    # merged B sits at the mean of (1000, 0) and (1000.3, 0.25)
    assert G.nodes[v]["x"] == pytest.approx(X0 + 1000.15)
    assert G.nodes[v]["y"] == pytest.approx(Y0 + 0.125)
    assert ab["length"] == pytest.approx(np.hypot(1000.15, 0.125))
    assert ab["speed_kph"] == 90.0 and ab["speed_source"] == "maxspeed"
    assert ab["travel_time"] == pytest.approx(ab["length"] / 25.0)
    _, _, bc = by_id["bc"]
    assert bc["speed_kph"] == 60.0 and bc["speed_source"] == "default:secondary"
    assert "name" not in bc  # null stays absent, not "None"
    cu, cv, ca = by_id["ca"]
    assert ca["length"] == pytest.approx(1000 * np.sqrt(2))
    assert ca["speed_kph"] == 100.0  # trunk default
    assert not G.has_edge(cv, cu) or all(d["id"] != "ca" for d in G.get_edge_data(cv, cu).values())
    # A->C: via B (1000.15 m at 90, then ~1000 m at 60) = 40.0 + 60.0 s; the diagonal is one-way C->A
    od = od_matrix(G, [u, cu], [cu, u])
    expected_ac = ab["length"] / 25.0 + bc["length"] / (60 / 3.6)
    assert od.iloc[0, 0] == pytest.approx(expected_ac)
    assert od.iloc[1, 1] == pytest.approx(1000 * np.sqrt(2) / (100 / 3.6))
    assert len(lines) == 3 and lines.crs.equals("EPSG:32632")  # input unchanged
    assert list(lines["id"]) == ["ab", "bc", "ca"]


def test_tolerance_controls_merging() -> None:
    G = graph_from_lines(_square(), tolerance_m=0.1, max_piece_m=None)
    # B no longer merged: by hand the strongly connected components are {A, B}
    # (ab two-way) and {B', C} (bc two-way), joined only by the one-way C->A: one is kept
    assert len(G) == 2
    assert G.graph["scc_dropped_nodes"] == 2


def test_wgs84_layer_lengths_in_utm() -> None:
    lon_lat = [(9.67, 45.69), (9.70, 45.70)]
    lines = _layer(
        [{"highway": "trunk", "oneway": False, "geometry": LineString(lon_lat)}], crs="EPSG:4326"
    )
    G = graph_from_lines(lines)
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32632", always_xy=True)
    (x1, y1), (x2, y2) = (to_utm.transform(*p) for p in lon_lat)
    lengths = [d["length"] for _, _, d in G.edges(data=True)]
    assert lengths == [pytest.approx(np.hypot(x2 - x1, y2 - y1))] * 2
    assert G.edges[0, 1, 0]["id"] == 0  # no id column: the layer's index


def test_multilinestring_parts_and_string_oneway() -> None:
    a, b, c = (X0, Y0), (X0 + 100, Y0), (X0 + 200, Y0)
    lines = _layer(
        [
            {"highway": "tertiary", "oneway": "no", "geometry": MultiLineString([[a, b], [b, c]])},
            {"highway": "tertiary", "oneway": "yes", "geometry": LineString([c, a])},
        ]
    )
    G = graph_from_lines(lines)
    assert len(G) == 3
    assert G.number_of_edges() == 5
    assert nx.is_strongly_connected(G)


def test_bad_layers() -> None:
    with pytest.raises(DataError, match="empty"):
        graph_from_lines(_square().iloc[:0])
    no_crs = gpd.GeoDataFrame({"highway": ["primary"]}, geometry=[LineString([(0, 0), (1, 1)])])
    with pytest.raises(CRSError, match="no CRS"):
        graph_from_lines(no_crs)
    with pytest.raises(DataError, match="'highway'"):
        graph_from_lines(_square().drop(columns="highway"))
    pts = _layer([{"id": "p", "highway": "primary", "geometry": Point(X0, Y0)}])
    with pytest.raises(DataError, match=r"\['p'\].*LineStrings"):
        graph_from_lines(pts)
    bad = _square()
    bad["oneway"] = bad["oneway"].astype(object)
    bad.loc[0, "oneway"] = "maybe"
    with pytest.raises(DataError, match="feature 'ab'.*oneway"):
        graph_from_lines(bad)


# -- links cut into pieces -----------------------------------------------------------------


def _hand_profile() -> SpeedProfile:
    """Round numbers: mountain roads at 0.8 of free flow, a signal costs 30 s, peak x1.5."""
    factors = dict.fromkeys(SPEED_TERMS, 1.0) | {"mountain": 0.8}
    delays = {"signals": 30.0, "roundabout": 10.0, "priority": 5.0}
    return SpeedProfile(factors, delays, {"urban": 1.5, "extraurban_main": 1.2}, name="hand")


def test_one_link_cut_in_four_times_by_hand() -> None:
    # A (0,0) -> B (1000,0): drawn 1000 m, real 1500 m (sinuosity 1.5), secondary without
    # maxspeed (60 km/h class default), setting left to the rules: rural (no houses near)
    # and, as a whole link, mountain (1500 m >= 500 m and 1500 / 1000 >= 1.4); two signals
    # passed going A->B, one going B->A
    lines = _layer(
        [
            {"id": "r", "highway": "secondary", "sinuosity": 1.5, "signals_forward": 2,
             "signals_backward": 1, "geometry": LineString([(X0, Y0), (X0 + 1000, Y0)])},
        ]
    )  # fmt: skip
    G = graph_from_lines(lines, max_piece_m=300.0)  # 1000 / 300 -> 4 pieces of 250 m
    assert len(G) == 5 and G.number_of_edges() == 8
    a, b = 0, 1  # the link ends keep the first ids; the nodes cut inside follow
    assert [G.nodes[n][LINK_INTERIOR] for n in range(5)] == [False, False, True, True, True]
    assert [G.nodes[n]["x"] - X0 for n in (2, 3, 4)] == pytest.approx([250.0, 500.0, 750.0])
    assert all(G.nodes[n]["junction_kind"] == "none" for n in G)
    for _, _, d in G.edges(data=True):
        assert d["drawn_length"] == pytest.approx(250.0)
        assert d["length"] == pytest.approx(375.0)
        assert d["setting"] == "mountain" and d["id"] == "r"
    # by hand: free flow 1500 m at 60 km/h = 90 s; off-peak running 1500 / (0.8 * 60 / 3.6)
    # = 112.5 s, plus 2 x 30 s A->B and 1 x 30 s B->A; at the peak a mountain road keeps
    # its running time and the delays take the urban factor 1.5
    expected = {
        "free_flow": (90.0, 90.0),
        "off_peak": (112.5 + 60.0, 112.5 + 30.0),
        "am_peak": (112.5 + 90.0, 112.5 + 45.0),
    }
    for tod, (ab, ba) in expected.items():
        for net in (G, road_arrays_from_lines(lines, max_piece_m=300.0)):
            H = apply_speed_profile(net, _hand_profile(), time_of_day=tod)
            od = od_matrix(H, [a, b, 2], [a, b])
            assert od.loc[a, b] == pytest.approx(ab), (tod, type(net))
            assert od.loc[b, a] == pytest.approx(ba), (tod, type(net))
    # from the first cut node (250 m drawn from A): the signals of each direction are paid
    # at the link's last node in that direction, so 3 x 375 m + both A->B signals to B,
    # 375 m + the B->A signal back to A
    H = apply_speed_profile(G, _hand_profile(), time_of_day="off_peak")
    od = od_matrix(H, [2], [a, b])
    assert od.loc[2, b] == pytest.approx(3 * 375 / (0.8 * 60 / 3.6) + 60.0)
    assert od.loc[2, a] == pytest.approx(375 / (0.8 * 60 / 3.6) + 30.0)


def test_uncut_classes_and_bad_piece_length() -> None:
    # ab: 1000.15 m drawn (B merged at its mean) -> ceil(1000.15 / 250) = 5 pieces;
    # bc: from (1000.15, 0.125) to (1000, 1000) = 999.88 m -> 4; ca: trunk, never cut
    lines = _square()
    G = graph_from_lines(lines)
    cut = {d["id"]: 0 for _, _, d in G.edges(data=True)}
    for _, _, d in G.edges(data=True):
        if not d["reversed"]:
            cut[d["id"]] += 1
    assert cut == {"ab": 5, "bc": 4, "ca": 1}
    assert len(G) == 3 + 4 + 3
    with pytest.raises(DataError, match="max_piece_m"):
        graph_from_lines(lines, max_piece_m=0.0)
    with pytest.raises(DataError, match="max_piece_m"):
        road_arrays_from_lines(lines, max_piece_m=float("nan"))


def test_cutting_the_embedded_network_keeps_times_between_link_ends() -> None:
    # independent reference: the network with one edge per link, through networkx
    roads = read_embedded("roads")
    profile = load_speed_profile(default_layers_dir() / "default" / "speeds.yaml")
    whole = graph_from_lines(roads, max_piece_m=None)
    cut = graph_from_lines(roads)
    arrays = road_arrays_from_lines(roads)
    ends = list(whole.nodes)
    assert len(ends) == 77 and len(cut) == len(arrays) > 5 * len(ends)
    assert all(cut.nodes[n][LINK_INTERIOR] is False for n in ends)  # same ids, same places
    assert all(cut.nodes[n]["x"] == whole.nodes[n]["x"] for n in ends)
    inside = [n for n in cut if cut.nodes[n][LINK_INTERIOR]]
    assert all(cut.nodes[n]["junction_kind"] == "none" for n in inside)
    assert all(len(set(cut.predecessors(n)) | set(cut.successors(n))) == 2 for n in inside)
    assert max(d["drawn_length"] for _, _, d in cut.edges(data=True) if d["id"] not in
               {r for r, h in zip(roads["id"], roads["highway"], strict=True)
                if h.startswith(("motorway", "trunk"))}) <= 250.0 + 1e-6  # fmt: skip
    for tod in ("free_flow", "off_peak", "am_peak"):
        ref = dict(
            nx.all_pairs_dijkstra_path_length(
                apply_speed_profile(whole, profile, time_of_day=tod), weight="travel_time"
            )
        )
        expected = np.array([[ref[a][b] for b in ends] for a in ends])
        for net in (cut, arrays):
            od = od_matrix(apply_speed_profile(net, profile, time_of_day=tod), ends, ends)
            np.testing.assert_allclose(od.to_numpy(), expected, rtol=1e-9, err_msg=tod)


def test_line_node_count_estimates_the_nodes() -> None:
    # the square as drawn: 3 links; ab 1000 m -> 4 pieces (3 nodes inside), bc from
    # (1000.3, 0.25) to (1000, 1000), 999.75 m -> 4 (3 inside), the trunk ca not cut. The
    # graph has one more: merging B's ends makes ab 1000.15 m, 5 pieces (an estimate)
    assert line_node_count(_square()) == 3 + 3 + 3
    assert len(graph_from_lines(_square())) == 10
    assert line_node_count(_square(), max_piece_m=None) == 3
