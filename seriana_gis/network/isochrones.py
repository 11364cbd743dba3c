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
from .routing import RoadGraph, _as_arrays, _cached, get_engine, node_table

logger = logging.getLogger(__name__)


def _edge_arrays(G: RoadGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each edge's node positions, ``travel_time`` and geometry (straight where none)."""
    arrays = _as_arrays(G)
    if arrays is not None:
        e = arrays.edges
        return (
            e["u"].to_numpy(),
            e["v"].to_numpy(),
            e["travel_time"].to_numpy(dtype=np.float64),
            arrays.geometries(),
        )

    graph: nx.MultiDiGraph = G  # not arrays: a networkx graph

    def build() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        pos = {n: i for i, n in enumerate(graph.nodes)}
        table = node_table(G)
        rows = [
            (pos[u], pos[v], float(d["travel_time"]), d.get("geometry"))
            for u, v, d in graph.edges(data=True)
        ]
        u = np.array([r[0] for r in rows], dtype=np.int64)
        v = np.array([r[1] for r in rows], dtype=np.int64)
        geoms = np.array([r[3] for r in rows] + [None], dtype=object)[:-1]
        straight = np.flatnonzero([g is None for g in geoms])
        if len(straight):
            a, b = u[straight], v[straight]
            pts = np.stack(
                [
                    np.column_stack([table.x[a], table.y[a]]),
                    np.column_stack([table.x[b], table.y[b]]),
                ],
                1,
            )
            geoms[straight] = shapely.linestrings(pts)
        return u, v, np.array([r[2] for r in rows], dtype=np.float64), geoms

    out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = _cached(
        G, "isochrone_edges", build
    )
    return out


def reached_pieces(
    G: RoadGraph,
    node_times: np.ndarray,
    budget_s: float,
    *,
    direction: Literal["to", "from"] = "to",
) -> list[LineString]:
    """The parts of the edges of ``G`` within ``budget_s`` (see the module docs).

    Parameters
    ----------
    G
        The road graph or road arrays (``travel_time`` on its edges; not changed).
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
    u, v, t, geoms = _edge_arrays(G)
    du, dv = node_times[u], node_times[v]
    with np.errstate(divide="ignore", invalid="ignore"):
        if direction == "to":
            keep = dv <= budget_s
            f0 = np.where(t == 0, 0.0, np.maximum(0.0, 1.0 - (budget_s - dv) / t))
            f1 = np.ones(len(t))
        else:
            keep = du <= budget_s
            f0 = np.zeros(len(t))
            f1 = np.where(t == 0, 1.0, np.minimum(1.0, (budget_s - du) / t))
    whole = keep & (f0 <= 0.0) & (f1 >= 1.0)
    part = np.flatnonzero(keep & ~whole & (f1 > f0))
    pieces: list[LineString] = list(geoms[whole])
    pieces += [substring(geoms[i], f0[i], f1[i], normalized=True) for i in part]
    return pieces


def _distinct(pieces: list[LineString]) -> np.ndarray:
    """The pieces without repeats (both directions of a two-way street reached whole are the
    same line: buffering it once gives the same union in half the time)."""
    lines = shapely.normalize(np.array(pieces, dtype=object))
    _, first = np.unique(shapely.to_wkb(lines), return_index=True)
    return lines[np.sort(first)]


def isochrone_polygons(
    G: RoadGraph,
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
                geom = shapely.union_all(shapely.buffer(_distinct(pieces), buffer_m))
            else:  # only the node itself: a disc
                t = node_table(G)
                geom = shapely.Point(t.x[pos[0]], t.y[pos[0]]).buffer(buffer_m)
        rows.append({"minutes": m, "area_km2": geom.area / 1e6, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=node_table(G).crs)
