"""Car isochrones around destinations, as polygons.

Method
------
For a destination :math:`d` (snapped to node :math:`n_d` with snap leg
:math:`a_d`), every node :math:`v` gets its time *to* the destination,
:math:`t_v = T(v, n_d) + a_d` (the reversed-graph tree of
:func:`seriana_gis.network.travel_time_to`). A point at fraction :math:`f` along
a directed edge :math:`u \\to v` of travel time :math:`\\tau` reaches the
destination in :math:`(1 - f)\\,\\tau + t_v`, so the part of the edge within a
budget :math:`B` is

.. math:: f \\ge 1 - \\frac{B - t_v}{\\tau} \\quad (B \\ge t_v).

The reachable parts of every edge (their geometry, or the straight segment),
plus the reachable nodes, are buffered by ``buffer_m`` (200 m by default: land
within a short walk or drive of a reachable road) and unioned into one polygon
per destination and budget. Partial edges matter on a skeletal network, where
one link may be several kilometres long.
"""

# ruff: noqa: N803  (G: the networkx / osmnx name for graphs)

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString
from shapely.ops import substring

from .._errors import ConfigError
from ..config import DEFAULT_CRS
from ..network import travel_time_to

#: Default isochrone budgets (min).
ISOCHRONE_MINUTES: tuple[float, ...] = (10.0, 20.0, 30.0, 45.0)
#: Buffer around reachable roads (m).
BUFFER_M = 200.0


def isochrone_polygon(
    G: nx.MultiDiGraph,
    node_times_s: pd.Series,
    budget_s: float,
    *,
    buffer_m: float = BUFFER_M,
) -> shapely.Geometry:
    """The area within ``budget_s`` of a destination, from every node's time to it.

    Parameters
    ----------
    G
        The road graph (not changed).
    node_times_s
        :math:`t_v` in seconds on the node ids (NaN where unreachable).
    budget_s
        :math:`B`, seconds.
    buffer_m
        Buffer around the reachable roads and nodes.

    Returns
    -------
    shapely.Geometry
        A (Multi)Polygon; empty when nothing is within the budget.
    """
    pieces: list[shapely.Geometry] = []
    for u, v, d in G.edges(data=True):
        tv = node_times_s.get(v, np.nan)
        if not np.isfinite(tv) or tv > budget_s:
            continue
        tau = float(d["travel_time"])
        geom = d.get("geometry")
        if geom is None:
            geom = LineString(
                [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
            )
        f0 = 0.0 if tau <= 0 else max(0.0, 1.0 - (budget_s - tv) / tau)
        pieces.append(geom if f0 <= 0 else substring(geom, f0, 1.0, normalized=True))
    for n, tn in node_times_s.items():
        if np.isfinite(tn) and tn <= budget_s:
            pieces.append(shapely.Point(G.nodes[n]["x"], G.nodes[n]["y"]))
    if not pieces:
        return shapely.Polygon()
    return shapely.union_all(shapely.buffer(np.array(pieces, dtype=object), buffer_m))


def isochrones(
    G: nx.MultiDiGraph,
    dests: pd.DataFrame,
    *,
    minutes: Sequence[float] = ISOCHRONE_MINUTES,
    buffer_m: float = BUFFER_M,
) -> gpd.GeoDataFrame:
    """Car isochrones around each destination.

    Parameters
    ----------
    G
        The road graph (not changed).
    dests
        :func:`~seriana_gis.accessibility.times.destination_table` (``node``,
        ``access_s``), indexed by destination id.
    minutes
        Budgets (min), e.g. 10, 20, 30, 45.
    buffer_m
        Buffer around reachable roads (m).

    Returns
    -------
    geopandas.GeoDataFrame
        The ``isochrones`` layer: ``destination``, ``minutes``, ``area_km2``,
        ``method``, geometry (EPSG:32632); one row per destination and budget.
    """
    if not minutes or any((not np.isfinite(m)) or m <= 0 for m in minutes):
        msg = f"isochrone minutes must be positive numbers, got {list(minutes)!r}."
        raise ConfigError(msg)
    if buffer_m < 0:
        msg = f"buffer_m must be >= 0, got {buffer_m}."
        raise ConfigError(msg)
    nodes = dests["node"].tolist()
    times = travel_time_to(G, nodes)
    rows = []
    for (d, row), col in zip(dests.iterrows(), range(len(nodes)), strict=True):
        t = times.iloc[:, col] + float(row["access_s"])
        for m in sorted(minutes):
            geom = isochrone_polygon(G, t, float(m) * 60.0, buffer_m=buffer_m)
            rows.append(
                {
                    "destination": str(d),
                    "minutes": float(m),
                    "area_km2": float(geom.area) / 1e6,
                    "method": f"reachable road parts buffered {buffer_m:g} m, union",
                    "geometry": geom,
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=DEFAULT_CRS)
