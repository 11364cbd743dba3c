"""Isochrone polygons around a graph node: the reached roads, cut and buffered.

An isochrone of ``T`` s around node ``s`` is the land within ``buffer_m`` of
the roads that reach ``s`` within ``T`` (``direction="to"``: a destination's
catchment) or are reached from it (``direction="from"``).

Edges are cut where the budget runs out, not kept or dropped whole. With ``d``
the node times (to ``s`` or from it, :class:`~seriana_gis.network.routing.RoutingEngine`)
and ``t`` an edge's ``travel_time``, the point at fraction ``f`` of edge ``u → v`` is

- ``direction="to"``: ``(1 − f)·t + d(v)`` from ``s``, so the part
  ``f ≥ 1 − (T − d(v)) / t`` is inside;
- ``direction="from"``: ``d(u) + f·t`` from ``s``, so the part ``f ≤ (T − d(u)) / t``
  is inside.

Edge geometries are used where present (straight lines between the nodes
otherwise). ``start_s`` takes a leg off every budget first (the egress from the
node to a destination point, say). The pieces are buffered by ``buffer_m`` and
merged: one (multi)polygon per time, larger times containing smaller ones.
"""

# ruff: noqa: N803  (G: the networkx / osmnx name for a graph)

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from typing import Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.ops import substring

from .._errors import NetworkError
from .routing import get_engine

logger = logging.getLogger(__name__)


def reached_pieces(
    G: nx.MultiDiGraph,
    node_times: np.ndarray,
    budget_s: float,
    *,
    direction: Literal["to", "from"] = "to",
) -> list[LineString]:
    """The parts of the edges of ``G`` within ``budget_s`` (see the module docs).

    Parameters
    ----------
    G
        The road graph (``travel_time`` on its edges; not changed).
    node_times
        Time of every node of ``G`` to (or from) the centre, in ``G.nodes`` order
        (``inf`` where unreachable), as the engine's trees give them.
    budget_s
        The time budget in s.
    direction
        ``"to"`` or ``"from"`` the centre.

    Returns
    -------
    list of shapely.LineString
        The reached edge parts.
    """
    pos = {n: i for i, n in enumerate(G.nodes)}
    pieces: list[LineString] = []
    for u, v, d in G.edges(data=True):
        t = float(d["travel_time"])
        du, dv = node_times[pos[u]], node_times[pos[v]]
        if direction == "to":
            if not dv <= budget_s:
                continue
            f0, f1 = (0.0 if t == 0 else max(0.0, 1.0 - (budget_s - dv) / t)), 1.0
        else:
            if not du <= budget_s:
                continue
            f0, f1 = 0.0, (1.0 if t == 0 else min(1.0, (budget_s - du) / t))
        geom = d.get("geometry")
        if geom is None:
            geom = LineString(
                [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
            )
        if f0 <= 0.0 and f1 >= 1.0:
            pieces.append(geom)
        elif f1 > f0:
            pieces.append(substring(geom, f0, f1, normalized=True))
    return pieces


def isochrone_polygons(
    G: nx.MultiDiGraph,
    node: Hashable,
    *,
    minutes: Sequence[float] = (10.0, 20.0, 30.0, 45.0),
    direction: Literal["to", "from"] = "to",
    buffer_m: float = 100.0,
    start_s: float = 0.0,
) -> gpd.GeoDataFrame:
    """Isochrone polygons around one node (see the module docs for the method).

    Parameters
    ----------
    G
        A routable road graph (not changed).
    node
        The centre node id (a destination's snapped node).
    minutes
        The isochrone times, in minutes.
    direction
        ``"to"``: the roads that reach ``node`` within the time; ``"from"``: the
        roads reached from it.
    buffer_m
        How far from a reached road the land counts as reached (m, > 0).
    start_s
        Seconds taken off every budget first (an access or egress leg, >= 0).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per time, sorted: ``minutes``, ``area_km2``, geometry (Polygon or
        MultiPolygon in the graph's CRS; empty when ``start_s`` exceeds the time).

    Raises
    ------
    NetworkError
        Unknown node, a graph without ``travel_time``, bad times, buffer or direction.
    """
    if direction not in ("to", "from"):
        msg = f"direction must be 'to' or 'from', got {direction!r}."
        raise NetworkError(msg)
    mins = sorted(float(m) for m in minutes)
    if not mins or any(not np.isfinite(m) or m <= 0 for m in mins):
        msg = f"minutes must be positive numbers, got {list(minutes)!r}."
        raise NetworkError(msg)
    if not buffer_m > 0:
        msg = f"buffer_m must be > 0, got {buffer_m!r}."
        raise NetworkError(msg)
    if not (np.isfinite(start_s) and start_s >= 0):
        msg = f"start_s must be a finite number >= 0, got {start_s!r}."
        raise NetworkError(msg)
    engine = get_engine(G, weight="travel_time")
    pos = engine.positions([node], what="centre")
    grow = engine.times_to if direction == "to" else engine.times_from
    times = grow(pos, limit=max(mins) * 60.0)[0]  # G.nodes order (the engine is built from G)
    rows = []
    for m in mins:
        budget = m * 60.0 - start_s
        if budget < 0:
            geom = shapely.Polygon()
        else:
            pieces = reached_pieces(G, times, budget, direction=direction)
            if pieces:
                geom = shapely.union_all(shapely.buffer(np.array(pieces, dtype=object), buffer_m))
            else:  # only the node itself: a disc
                x, y = G.nodes[node]["x"], G.nodes[node]["y"]
                geom = shapely.Point(x, y).buffer(buffer_m)
        rows.append({"minutes": m, "area_km2": geom.area / 1e6, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=G.graph["crs"])
