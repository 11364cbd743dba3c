"""Junction controls of a line layer's links, read from an OpenStreetMap road graph.

A strategic network drawn as a few dozen lines (the embedded default's
``roads.geojson``) has no traffic signals and no roundabouts: its nodes are
where its links meet, and the road model (:mod:`seriana_gis.network.junctions`)
can only infer priority junctions there from their degree. A car driving one
of those links in a city passes signals and roundabouts that the line does not
show. Where an OSM road graph covers a link, this module finds the OSM route a
car follows along it and counts what it passes, so that the link can carry
the counts (columns :data:`CONTROL_COLUMNS` of the layer, read by
:func:`seriana_gis.network.lines.graph_from_lines`).

Matching a link
---------------
1. The link must lie inside the OSM graph's coverage: both its ends inside the
   convex hull of the graph's nodes shrunk by ``margin_m`` (an extract cut at a
   city limit loses the roads near its edge). A link that leaves the coverage
   is not matched (its counts stay empty: the model infers its junctions from
   the line network as before).
2. Its ends snap to the nearest OSM node among the nodes of the edges in its
   *corridor* (the edges of which at least half the length lies within
   a half-width of the line): the same road, not a side street next to it.
   An end farther than ``max_snap_m`` from every corridor node leaves the link
   unmatched at that width.
3. The route is the shortest path from the first end to the last on the OSM
   graph, an edge weighing its length inside the corridor and
   ``off_corridor_factor`` times its length outside (so the route keeps to the
   drawn road and leaves it only where the line cuts a corner). Two-way links
   are routed in both directions (one-way streets and
   ``traffic_signals:direction`` make them differ).
4. A route whose length is not within a factor ``length_ratio`` of the link's
   drawn length (either way) is rejected as a bad match (the line and the OSM
   route do not describe the same road). One-way streets in a city centre make
   a route legitimately longer than the line (the return runs on a parallel
   street), hence a generous factor.
5. The half-widths ``corridors_m`` are tried in turn, the narrowest first, until
   every direction of the link matches: a line drawn close to its road matches
   on the road itself; one drawn farther from it (the embedded lines are good
   to a few hundred metres) needs a wider corridor.

Counting
--------
The route's count of each junction kind is the sum, over its edges, of what
:func:`seriana_gis.network.junctions.junction_counts` charges each edge on the
OSM graph: the signals it meets (along the way and at its head, in its
direction) and the roundabouts it enters. These are the delays the road model
would charge the same drive on the OSM graph itself, counted at the route's
last node and not at its first (as on the line network, where the link's head
node is its end). Priority junctions are not carried over: the line network's
own nodes keep their degree-inferred priority delays.
"""

# ruff: noqa: N803  (G: the networkx / osmnx name for graphs)

from __future__ import annotations

import itertools
import logging
from collections.abc import Hashable

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from .._errors import CRSError, DataError
from .graph import GRAPH_CRS
from .junctions import junction_counts
from .lines import CONTROL_COLUMNS, DIRECTIONS

logger = logging.getLogger(__name__)

#: Junction kinds carried by a link (the layer columns ``{kind}_{direction}`` of
#: :mod:`seriana_gis.network.lines`; ``forward``: the drawn direction, ``backward``: against it).
CONTROL_KINDS: tuple[str, ...] = tuple(CONTROL_COLUMNS)
COLUMNS: tuple[str, ...] = tuple(f"{k}_{d}" for k in CONTROL_KINDS for d in DIRECTIONS)

#: Matching defaults (see the module docs): corridor half-widths tried in turn (m).
CORRIDORS_M: tuple[float, ...] = (60.0, 120.0)
OFF_CORRIDOR_FACTOR = 4.0
MAX_SNAP_M = 200.0
MARGIN_M = 40.0
LENGTH_RATIO = 2.5


def _corridor_edges(
    edges: list[tuple[Hashable, Hashable, object]],
    geoms: np.ndarray,
    tree: shapely.STRtree,
    line: LineString,
    corridor_m: float,
) -> set[tuple[Hashable, Hashable, object]]:
    """Edges with at least half their length within ``corridor_m`` of ``line``."""
    buffer = line.buffer(corridor_m)
    near = tree.query(buffer)
    out = set()
    for i in near.tolist():
        g = geoms[i]
        total = shapely.length(g)
        if total <= 0:
            continue
        if shapely.length(shapely.intersection(g, buffer)) >= 0.5 * total:
            out.add(edges[i])
    return out


def _edge_geometry(G: nx.MultiDiGraph, u: Hashable, v: Hashable, d: dict[str, object]) -> object:
    geom = d.get("geometry")
    if geom is not None:
        return geom
    a, b = G.nodes[u], G.nodes[v]
    return LineString([(a["x"], a["y"]), (b["x"], b["y"])])


def _route(
    G: nx.MultiDiGraph,
    a: Hashable,
    b: Hashable,
    corridor: set[tuple[Hashable, Hashable, object]],
    off_corridor_factor: float,
) -> list[tuple[Hashable, Hashable, object]] | None:
    """The preferred route from ``a`` to ``b`` as edges ``(u, v, key)``, or None."""

    def weight(u: Hashable, v: Hashable, data: dict[object, dict[str, object]]) -> float:
        return min(
            float(d["length"]) * (1.0 if (u, v, k) in corridor else off_corridor_factor)  # type: ignore[arg-type]
            for k, d in data.items()
        )

    try:
        nodes = nx.shortest_path(G, a, b, weight=weight)
    except nx.NetworkXNoPath:
        return None
    out = []
    for u, v in itertools.pairwise(nodes):
        data = G[u][v]
        k = min(
            data,
            key=lambda k: (
                float(data[k]["length"]) * (1.0 if (u, v, k) in corridor else off_corridor_factor)
            ),
        )
        out.append((u, v, k))
    return out


def link_controls(
    lines: gpd.GeoDataFrame,
    G: nx.MultiDiGraph,
    *,
    corridors_m: tuple[float, ...] = CORRIDORS_M,
    off_corridor_factor: float = OFF_CORRIDOR_FACTOR,
    max_snap_m: float = MAX_SNAP_M,
    margin_m: float = MARGIN_M,
    length_ratio: float = LENGTH_RATIO,
) -> pd.DataFrame:
    """The signals and roundabout entries a car passes along each link (see the module docs).

    Parameters
    ----------
    lines
        Road links (LineStrings, with a CRS; an ``oneway`` column is honoured:
        true means only the drawn direction). Not changed.
    G
        An OSM road graph in EPSG:32632, simplified (as
        :func:`~seriana_gis.network.sources.graph_from_osm_file` builds it); not changed.
    corridors_m, off_corridor_factor, max_snap_m, margin_m, length_ratio
        Matching parameters (module docs).

    Returns
    -------
    pandas.DataFrame
        On ``lines``' index: the :data:`COLUMNS` (float; NaN where the link is
        not matched, or for ``backward`` on a one-way link), ``match_ratio``
        (route length over the link's drawn length, forward) and
        ``corridor_m`` (the half-width it matched at).

    Raises
    ------
    CRSError
        ``lines`` has no CRS, or ``G`` is not in EPSG:32632.
    DataError
        A geometry is not a LineString.
    """
    if lines.crs is None:
        msg = "link_controls: the line layer has no CRS; declare it (EPSG:4326 for GeoJSON)."
        raise CRSError(msg)
    if str(G.graph.get("crs", "")).upper() != GRAPH_CRS.upper():
        msg = f"link_controls: the OSM graph must be in {GRAPH_CRS}, got {G.graph.get('crs')!r}."
        raise CRSError(msg)
    projected = lines.to_crs(GRAPH_CRS)
    if not projected.geometry.geom_type.eq("LineString").all():
        msg = "link_controls: every link must be a single LineString."
        raise DataError(msg)
    counts = junction_counts(G)
    edges = list(G.edges(keys=True))
    geoms = np.array([_edge_geometry(G, u, v, G.edges[u, v, k]) for u, v, k in edges])
    tree = shapely.STRtree(geoms)
    node_ids = list(G.nodes)
    node_xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in node_ids], dtype=float)
    hull = shapely.convex_hull(shapely.multipoints(node_xy)).buffer(-margin_m)

    out = pd.DataFrame(np.nan, index=lines.index, columns=[*COLUMNS, "match_ratio", "corridor_m"])
    oneway = lines["oneway"] if "oneway" in lines.columns else pd.Series(False, index=lines.index)
    node_pos = {n: i for i, n in enumerate(node_ids)}
    for idx, line in zip(projected.index, projected.geometry, strict=True):
        ends = [line.coords[0][:2], line.coords[-1][:2]]
        if not all(hull.contains(shapely.points(p)) for p in ends):
            continue
        two_way = pd.isna(oneway.loc[idx]) or not bool(oneway.loc[idx])
        for width in corridors_m:
            corridor = _corridor_edges(edges, geoms, tree, line, width)
            if not corridor:
                continue
            cnodes = sorted({n for e in corridor for n in e[:2]}, key=node_pos.__getitem__)
            cxy = node_xy[[node_pos[n] for n in cnodes]]
            dist, near = cKDTree(cxy).query(ends)
            if float(np.max(dist)) > max_snap_m:
                continue
            a, b = cnodes[int(near[0])], cnodes[int(near[1])]
            directions = [("forward", a, b)] + ([("backward", b, a)] if two_way else [])
            found: dict[str, tuple[float, dict[str, int]]] = {}
            for direction, s, t in directions:
                route = _route(G, s, t, corridor, off_corridor_factor)
                if route is None:
                    break
                ratio = sum(float(G.edges[e]["length"]) for e in route) / max(line.length, 1.0)
                if not 1.0 / length_ratio <= ratio <= length_ratio:
                    break
                found[direction] = (
                    ratio,
                    {k: sum(counts[e][k] for e in route) for k in CONTROL_KINDS},
                )
            if len(found) < len(directions):
                continue  # every direction matches, or the link is not matched at this width
            for direction, (_, c) in found.items():
                for kind in CONTROL_KINDS:
                    out.loc[idx, f"{kind}_{direction}"] = c[kind]
            out.loc[idx, ["match_ratio", "corridor_m"]] = [found["forward"][0], width]
            break
    logger.info(
        "link controls: %d of %d link(s) matched on the OSM graph",
        int(out["match_ratio"].notna().sum()),
        len(out),
    )
    return out
