"""Snapping sites (points or polygons) to the nearest node of a road graph.

A point is snapped to the graph node nearest to it. With ``anchor="nearest"``
(the default) a polygon is snapped to the node nearest to the polygon itself,
i.e. to its nearest *boundary* point (the distance is 0 when a node lies inside
the polygon): a ski area or a park is reached from the road along its edge, not
from its middle. Lines are treated like polygons (nearest point of the line).
With ``anchor="site_point"`` every geometry is snapped from its site point
(:func:`seriana_gis.layers.site_point.site_points`): the layers whose schema
says so (the brownfields, whose approximate footprints have no real edges)
are routed from the one point that stands for the site everywhere.

The search uses a KD-tree (:class:`scipy.spatial.cKDTree`) on the node
coordinates. For a polygon it first finds the node nearest to the polygon's
site point (distance ``d0``); every node nearer to the polygon than
``d0`` lies within ``d0 + r`` of that point, ``r`` being the largest distance
from the point to the polygon's vertices, so those candidates are measured
exactly and the nearest is kept.

The snap leg (straight line from the site to its node) is timed at
``access_speed_kph``, 20 km/h by default: a car on driveways, yards and local
streets missing from the graph, with the straight line standing in for a longer
real path. Snaps longer than ``max_snap_m`` (500 m) are flagged: the time of
such a site is unreliable (the site lies outside the network's coverage).
A point farther than ``OFF_NETWORK_M`` (2 km) from every node is off the
network altogether: the TEB stops of another valley, a walk network cut to one
town. The transit legs (walks to and from stops, car and feeder legs to
stops) are not timed through such a snap; the embedded skeleton's stops lie
at most about 560 m from its nodes (730 m before its links were cut into
pieces of at most 250 m, :mod:`seriana_gis.network.lines`).
"""

# ruff: noqa: N803  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._errors import CRSError, DataError, NetworkError
from ..layers.site_point import site_xy
from .routing import Routable, node_table

logger = logging.getLogger(__name__)

#: Default speed (km/h) of the straight-line leg between a site and its node.
ACCESS_SPEED_KPH = 20.0
#: Snaps longer than this (m) are flagged.
MAX_SNAP_M = 500.0
#: A point farther than this (m) from every node is off the network: no leg is timed through it.
OFF_NETWORK_M = 2_000.0
#: Where a feature is attached: see the module docs.
ANCHORS = ("nearest", "site_point")


def snap_sites(
    G: Routable,
    sites: gpd.GeoDataFrame,
    *,
    access_speed_kph: float = ACCESS_SPEED_KPH,
    max_snap_m: float = MAX_SNAP_M,
    anchor: str = "nearest",
) -> pd.DataFrame:
    """Snap each site to its nearest graph node and time the access leg.

    Parameters
    ----------
    G
        A routable road graph in a metric CRS (not changed), or its engine. After
        :func:`~seriana_gis.network.graph.keep_largest_scc` every node is
        reachable, so the nearest node is the nearest reachable one.
    sites
        Points, lines or polygons with a CRS (reprojected to the graph's CRS; not changed).
    access_speed_kph
        Speed of the straight-line leg from the site to its node.
    max_snap_m
        Snaps longer than this are flagged.
    anchor
        ``"nearest"``: the node nearest to any part of the geometry;
        ``"site_point"``: the node nearest to the site point (see the module docs).

    Returns
    -------
    pandas.DataFrame
        On the sites' index: ``node`` (node id), ``snap_m`` (m, 0 for a polygon
        containing a node under ``anchor="nearest"``), ``access_s`` (``snap_m`` at ``access_speed_kph``),
        ``snap_flag`` (True when ``snap_m > max_snap_m``), ``snap_note`` (why a
        row is flagged, else empty).

    Raises
    ------
    DataError
        Empty layer, or empty geometries.
    CRSError
        The layer has no CRS.
    NetworkError
        The graph is not usable (no nodes, no metric CRS), or an unknown ``anchor``.
    """
    nodes_xy = node_table(G)  # only the nodes and the CRS are needed (cached per graph)
    if anchor not in ANCHORS:
        msg = f"unknown snap anchor {anchor!r}; use one of {', '.join(ANCHORS)}."
        raise NetworkError(msg)
    if access_speed_kph <= 0 or not np.isfinite(access_speed_kph):
        msg = f"access_speed_kph must be a positive number, got {access_speed_kph!r}."
        raise NetworkError(msg)
    if not isinstance(sites, gpd.GeoDataFrame) or len(sites) == 0:
        msg = "the sites layer is empty; give at least one point or polygon to snap."
        raise DataError(msg)
    if sites.crs is None:
        msg = "the sites layer has no CRS; declare it (gdf.set_crs(...)) before snapping."
        raise CRSError(msg)
    geoms = sites.geometry.to_crs(nodes_xy.crs)
    empty = geoms.isna() | geoms.is_empty
    if empty.any():
        msg = (
            f"sites {list(sites.index[empty])[:10]} have empty geometries; "
            "give them a position or remove them before snapping."
        )
        raise DataError(msg)

    xy = nodes_xy.xy
    tree = nodes_xy.kdtree
    garr = geoms.to_numpy()
    from_point = (shapely.get_type_id(garr) == 0) | (anchor == "site_point")
    seed = site_xy(garr)
    d0, i0 = tree.query(seed)
    dist = np.asarray(d0, dtype=float).copy()
    idx = np.asarray(i0, dtype=np.int64).copy()
    for k in np.flatnonzero(~from_point):
        g = garr[k]
        coords = shapely.get_coordinates(g)
        r = float(np.sqrt(((coords - seed[k]) ** 2).sum(axis=1)).max())
        cand = np.array(tree.query_ball_point(seed[k], d0[k] + r + 1e-9), dtype=np.int64)
        dd = shapely.distance(g, shapely.points(xy[cand]))
        j = int(np.argmin(dd))
        dist[k], idx[k] = float(dd[j]), int(cand[j])

    flag = dist > max_snap_m
    notes = np.where(
        flag,
        [f"nearest road node is {d:,.0f} m away (over {max_snap_m:,.0f} m)" for d in dist],
        "",
    )
    nodes = nodes_xy.ids[idx]
    out = pd.DataFrame(
        {
            "node": nodes,
            "snap_m": dist,
            "access_s": dist / (access_speed_kph / 3.6),
            "snap_flag": flag,
            "snap_note": notes,
        },
        index=sites.index,
    )
    if flag.any():  # flagged in the output; callers decide whether to warn
        logger.debug(
            "%d site(s) lie more than %.0f m from the nearest road node: %s",
            int(flag.sum()),
            max_snap_m,
            list((sites["id"] if "id" in sites.columns else sites.index)[flag])[:10],
        )
    return out
