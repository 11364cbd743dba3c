"""The site point: the one point that stands for a site, whatever its geometry.

A brownfield may be a point (a user file, a census with coordinates) or a
footprint (an OpenStreetMap outline, an approximate square of the published
area). Routing, walking legs, map markers, exports and the OD matrix all need
one point per site; they take it from here, so that a site is the same place
in every output.

Rule: a point is itself; a polygon (or line) gives its centroid when the
centroid lies inside it, else a point on its surface
(:func:`shapely.point_on_surface`: an L- or U-shaped footprint whose centroid
falls in a courtyard or on a neighbour). For the register's approximate
footprints (a square of the published area around the best published
position) the site point is that published position.

Example
-------
>>> import shapely
>>> from seriana_gis.layers.site_point import site_xy
>>> site_xy([shapely.box(0, 0, 2, 2), shapely.Point(5, 5)]).tolist()
[[1.0, 1.0], [5.0, 5.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_POINT = 0


def site_points(
    geoms: gpd.GeoSeries | np.ndarray | Sequence[BaseGeometry | None],
) -> np.ndarray:
    """The site point of each geometry.

    Parameters
    ----------
    geoms
        Geometries in a projected CRS (centroids are taken in the given
        coordinates; EPSG:32632 in the pipeline). Missing or empty ones give
        ``None``.

    Returns
    -------
    numpy.ndarray
        Object array of shapely Points, in the input's order.
    """
    arr = geoms.to_numpy() if isinstance(geoms, gpd.GeoSeries) else np.asarray(geoms, dtype=object)
    out = np.empty(len(arr), dtype=object)
    missing = shapely.is_missing(arr) | shapely.is_empty(arr)
    todo = ~missing
    if not todo.any():
        return out
    g = arr[todo]
    is_point = shapely.get_type_id(g) == _POINT
    centre = shapely.centroid(g)
    inside = shapely.contains(g, centre) | is_point
    pts = np.where(is_point, g, np.where(inside, centre, shapely.point_on_surface(g)))
    out[todo] = pts
    return out


def site_xy(
    geoms: gpd.GeoSeries | np.ndarray | Sequence[BaseGeometry | None],
) -> np.ndarray:
    """Coordinates of :func:`site_points`, shape ``(n, 2)`` (NaN for a missing geometry)."""
    pts = site_points(geoms)
    xy = np.full((len(pts), 2), np.nan)
    ok = np.array([p is not None for p in pts], dtype=bool)
    if ok.any():
        xy[ok] = shapely.get_coordinates(pts[ok].astype(object)).reshape(-1, 2)
    return xy


def site_point_series(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """:func:`site_points` of a layer as a GeoSeries on its index and in its CRS."""
    return gpd.GeoSeries(site_points(gdf.geometry), index=gdf.index, crs=gdf.crs)
