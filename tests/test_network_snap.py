"""Snapping sites to road nodes, against hand computations and a brute force."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from seriana_gis._errors import CRSError, DataError, NetworkError
from seriana_gis.network import snap_sites

X0, Y0 = 550_000.0, 5_060_000.0


def _grid(n: int = 5, step: float = 100.0) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    for i in range(n):
        for j in range(n):
            G.add_node(i * n + j, x=X0 + i * step, y=Y0 + j * step)
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n:
                    a, b = i * n + j, (i + di) * n + (j + dj)
                    G.add_edge(a, b, length=step, travel_time=step / 10)
                    G.add_edge(b, a, length=step, travel_time=step / 10)
    return G


def test_points_by_hand() -> None:
    G = _grid()
    sites = gpd.GeoDataFrame(
        {"name": ["on node", "between", "far"]},
        geometry=[Point(X0 + 100, Y0 + 200), Point(X0 + 30, Y0 + 40), Point(X0 + 1000, Y0)],
        index=["s1", "s2", "s3"],
        crs="EPSG:32632",
    )
    out = snap_sites(G, sites, access_speed_kph=36.0)
    assert list(out.index) == ["s1", "s2", "s3"]
    assert out.loc["s1", "node"] == 1 * 5 + 2 and out.loc["s1", "snap_m"] == 0.0
    assert out.loc["s2", "node"] == 0 and out.loc["s2", "snap_m"] == pytest.approx(50.0)
    assert out.loc["s2", "access_s"] == pytest.approx(5.0)  # 50 m at 10 m/s
    assert out.loc["s3", "node"] == 4 * 5 and out.loc["s3", "snap_m"] == pytest.approx(600.0)
    assert list(out["snap_flag"]) == [False, False, True]
    assert "600 m" in out.loc["s3", "snap_note"] and out.loc["s1", "snap_note"] == ""
    assert sites.columns.tolist() == ["name", "geometry"]  # input unchanged


def test_polygon_snaps_to_its_nearest_boundary_point() -> None:
    G = _grid()
    # a big site east of the grid: its representative point is 1 km from any node,
    # but its west edge runs 120 m east of the last column of nodes (x = 400)
    site = box(X0 + 520, Y0 - 300, X0 + 2500, Y0 + 700)
    inside = box(X0 + 150, Y0 + 150, X0 + 250, Y0 + 260)  # holds node (2, 2)
    sites = gpd.GeoDataFrame(geometry=[site, inside], crs="EPSG:32632")
    out = snap_sites(G, sites)
    assert out.loc[0, "snap_m"] == pytest.approx(120.0)
    assert out.loc[0, "node"] in {4 * 5 + j for j in range(5)}
    assert not out.loc[0, "snap_flag"]
    assert out.loc[1, "node"] == 2 * 5 + 2 and out.loc[1, "snap_m"] == 0.0
    assert out.loc[0, "access_s"] == pytest.approx(120 / (20 / 3.6))  # default 20 km/h


def test_site_point_anchor_snaps_from_the_site_point() -> None:
    """Same sites as above with anchor="site_point": the distance is from the centroid."""
    G = _grid()
    site = box(X0 + 520, Y0 - 300, X0 + 2500, Y0 + 700)  # centroid (X0 + 1510, Y0 + 200)
    # an L-shaped footprint whose centroid falls outside it: a point on its surface instead
    ell = Polygon(
        [(X0 + 130, Y0 + 130), (X0 + 390, Y0 + 130), (X0 + 390, Y0 + 150), (X0 + 150, Y0 + 150),
         (X0 + 150, Y0 + 390), (X0 + 130, Y0 + 390)]
    )  # fmt: skip
    sites = gpd.GeoDataFrame(geometry=[site, ell, Point(X0 + 30, Y0 + 40)], crs="EPSG:32632")
    out = snap_sites(G, sites, anchor="site_point")
    assert out.loc[0, "node"] == 4 * 5 + 2  # node (400, 200), nearest to the centroid
    assert out.loc[0, "snap_m"] == pytest.approx(1110.0) and out.loc[0, "snap_flag"]
    p = ell.point_on_surface()
    assert not ell.contains(ell.centroid)
    xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)])
    d = np.hypot(xy[:, 0] - p.x, xy[:, 1] - p.y)
    assert out.loc[1, "snap_m"] == pytest.approx(d.min())
    assert out.loc[2, "node"] == 0 and out.loc[2, "snap_m"] == pytest.approx(50.0)
    with pytest.raises(NetworkError, match="unknown snap anchor 'middle'"):
        snap_sites(G, sites, anchor="middle")


def test_polygons_against_brute_force() -> None:
    rng = np.random.default_rng(3)
    G = _grid(8, 75.0)
    nodes = np.array(list(G.nodes))
    pts = shapely.points([(d["x"], d["y"]) for _, d in G.nodes(data=True)])
    polys = []
    for _ in range(40):
        cx, cy = X0 + rng.uniform(-300, 900), Y0 + rng.uniform(-300, 900)
        w, h = rng.uniform(5, 400, size=2)
        ang = rng.uniform(0, np.pi)
        p = Polygon([(-w, -h), (w, -h), (w * 0.3, h), (-w, h * 0.6)])
        polys.append(
            shapely.affinity.translate(shapely.affinity.rotate(p, ang, use_radians=True), cx, cy)
        )
    sites = gpd.GeoDataFrame(geometry=polys, crs="EPSG:32632")
    out = snap_sites(G, sites)
    for i, poly in enumerate(polys):
        d = shapely.distance(poly, pts)
        assert out.loc[i, "snap_m"] == pytest.approx(d.min(), abs=1e-9)
        assert d[np.flatnonzero(nodes == out.loc[i, "node"])[0]] == pytest.approx(d.min(), abs=1e-9)


def test_reprojects_sites() -> None:
    G = _grid()
    wgs = gpd.GeoSeries([Point(X0 + 30, Y0 + 40)], crs="EPSG:32632").to_crs("EPSG:4326")
    out = snap_sites(G, gpd.GeoDataFrame(geometry=wgs))
    assert out.loc[0, "snap_m"] == pytest.approx(50.0, abs=1e-3)


def test_bad_input() -> None:
    G = _grid()
    with pytest.raises(DataError, match="empty"):
        snap_sites(G, gpd.GeoDataFrame(geometry=[], crs="EPSG:32632"))
    with pytest.raises(CRSError, match="no CRS"):
        snap_sites(G, gpd.GeoDataFrame(geometry=[Point(0, 0)]))
    with pytest.raises(DataError, match=r"\['b'\].*empty geometries"):
        snap_sites(
            G,
            gpd.GeoDataFrame(geometry=[Point(X0, Y0), Point()], index=["a", "b"], crs="EPSG:32632"),
        )
    with pytest.raises(NetworkError, match="access_speed_kph"):
        snap_sites(
            G, gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs="EPSG:32632"), access_speed_kph=0
        )
    with pytest.raises(NetworkError, match="no nodes"):
        snap_sites(
            nx.MultiDiGraph(crs="EPSG:32632"),
            gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:32632"),
        )


def test_an_engine_built_from_the_layers_snaps_like_the_graph() -> None:
    import pandas as pd

    from seriana_gis.network import RoutingEngine

    G = _grid()
    nodes = pd.DataFrame(
        [(n, d["x"], d["y"]) for n, d in G.nodes(data=True)], columns=["osmid", "x", "y"]
    )
    edges = pd.DataFrame(
        [(u, v, d["travel_time"]) for u, v, d in G.edges(data=True)],
        columns=["u", "v", "travel_time"],
    )
    lean = RoutingEngine.from_layers(nodes, edges, crs="EPSG:32632")
    sites = gpd.GeoDataFrame(
        geometry=[Point(X0 + 30, Y0 + 40), box(X0 + 520, Y0 - 300, X0 + 2500, Y0 + 700)],
        crs="EPSG:32632",
    )
    pd.testing.assert_frame_equal(snap_sites(lean, sites), snap_sites(G, sites))
