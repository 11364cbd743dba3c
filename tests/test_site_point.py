"""The site point: one point per site, the same in routing, maps and exports."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from seriana_gis.layers.site_point import site_point_series, site_points, site_xy


def test_points_polygons_and_lines_by_hand() -> None:
    u = Polygon([(0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30), (0, 30)])
    assert not u.contains(u.centroid)  # a U: the centroid lies in the gap
    geoms = [Point(5, 7), box(0, 0, 4, 2), u, LineString([(0, 0), (10, 0)]), None]
    pts = site_points(geoms)
    assert (pts[0].x, pts[0].y) == (5, 7)
    assert (pts[1].x, pts[1].y) == (2, 1)  # the centroid, inside
    assert u.contains(pts[2])  # a point on the surface, not the centroid
    assert pts[2].equals(u.point_on_surface())
    assert pts[3].distance(LineString([(0, 0), (10, 0)])) == pytest.approx(0.0)
    assert pts[4] is None
    xy = site_xy(geoms)
    assert xy.shape == (5, 2)
    assert xy[1].tolist() == [2.0, 1.0] and np.isnan(xy[4]).all()


def test_series_keeps_index_and_crs_and_does_not_change_input() -> None:
    gdf = gpd.GeoDataFrame(
        {"id": ["a", "b"]}, geometry=[box(0, 0, 2, 2), Point(9, 9)], index=[10, 20], crs=32632
    )
    before = gdf.copy()
    out = site_point_series(gdf)
    assert list(out.index) == [10, 20] and out.crs.equals(gdf.crs)
    assert out.geom_type.tolist() == ["Point", "Point"]
    assert gdf.equals(before)


def test_empty_geometry_gives_none() -> None:
    assert site_points([shapely.Polygon()])[0] is None


def test_locate_sites_routes_brownfields_from_their_site_point() -> None:
    """The brownfields schema anchors sites at their site point; other layers snap to the edge."""
    import networkx as nx

    from seriana_gis.accessibility.times import locate_sites

    G = nx.MultiDiGraph(crs="EPSG:32632")
    # node 1 sits 10 m west of the footprint's edge, node 2 200 m north of it
    G.add_node(1, x=990.0, y=0.0)
    G.add_node(2, x=1500.0, y=300.0)
    G.add_edge(1, 2, length=600.0, travel_time=60.0)
    G.add_edge(2, 1, length=600.0, travel_time=60.0)
    footprint = box(1000, -100, 2000, 100)  # centroid (1500, 0): 300 m from node 2, 510 from 1
    sites = gpd.GeoDataFrame({"id": ["a"]}, geometry=[footprint], crs=32632)
    site = locate_sites(G, sites, layer="brownfields")
    other = locate_sites(G, sites, layer="tourism_assets")
    assert site.loc[0, "node"] == 2 and site.loc[0, "snap_m"] == pytest.approx(300.0)
    assert other.loc[0, "node"] == 1 and other.loc[0, "snap_m"] == pytest.approx(10.0)
    assert (site.loc[0, "x"], site.loc[0, "y"]) == (1500.0, 0.0)
