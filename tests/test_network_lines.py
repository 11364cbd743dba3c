"""A road graph from a line layer (the shape of layers/default/roads.geojson)."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import pytest
from shapely.geometry import LineString, MultiLineString, Point

from seriana_gis._errors import CRSError, DataError
from seriana_gis.network import graph_from_lines, od_matrix

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
    G = graph_from_lines(lines, source="test layer")
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
    G = graph_from_lines(_square(), tolerance_m=0.1)
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
