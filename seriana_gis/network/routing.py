"""The compiled routing engine: shortest travel times through scipy.sparse.csgraph.

A :class:`RoutingEngine` turns a road graph into a CSR matrix once (the
smallest ``travel_time`` over parallel edges; self-loops dropped, since they
never shorten a path) with the mapping between node ids and matrix rows, and
runs :func:`scipy.sparse.csgraph.dijkstra` (compiled, binary heap) on it:

- from sources: Dijkstra on the matrix, one tree per source;
- to destinations: Dijkstra on the transposed matrix (the reversed graph), so one
  tree gives every node's time *to* a destination;
- for an origin-destination matrix, trees are grown from the smaller side.

Engines are cached per graph object and weight (:func:`get_engine`); changing
the graph's node or edge count invalidates the cache entry. Inside the engine an
unreachable node has time ``numpy.inf``; the user-facing functions
(:func:`travel_time_to`, :func:`od_matrix`) return NaN there, never zero.
"""

# ruff: noqa: N803  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import contextlib
import logging
import math
import weakref
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .._errors import NetworkError
from .graph import check_graph

logger = logging.getLogger(__name__)

#: Trees are computed in chunks holding at most this many float64 cells (~64 MB).
MAX_CELLS_PER_CHUNK = 8_000_000


def _usable(x: object) -> bool:
    return isinstance(x, int | float) and math.isfinite(x) and x >= 0


@dataclass(frozen=True, eq=False)
class RoutingEngine:
    """A road graph compiled to a CSR matrix of edge weights.

    Build with :meth:`from_graph` or :func:`get_engine` (cached).

    Attributes
    ----------
    nodes
        Node ids in matrix order.
    matrix
        ``matrix[i, j]`` = least weight of an edge from ``nodes[i]`` to ``nodes[j]``.
    weight
        The edge attribute the matrix holds.
    """

    nodes: np.ndarray
    matrix: sp.csr_matrix
    weight: str
    _index: pd.Index = field(repr=False)
    _reverse: sp.csr_matrix = field(repr=False)

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph, *, weight: str = "travel_time") -> RoutingEngine:
        """Compile ``G`` (not changed) into an engine.

        Parameters
        ----------
        G
            A routable road graph (:func:`~seriana_gis.network.graph.check_graph`).
        weight
            The edge attribute to minimise (``travel_time`` in s, or ``length`` in m).

        Returns
        -------
        RoutingEngine
            The compiled engine.

        Raises
        ------
        NetworkError
            If the graph is not routable on ``weight``.
        """
        check_graph(G, weight=weight, check_edges=False)
        nodes = np.array(list(G.nodes), dtype=object)
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            nodes = nodes.astype(np.int64)
        index = pd.Index(nodes)
        n = len(nodes)
        pos = {node: i for i, node in enumerate(G.nodes)}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[Any] = []
        # one pass over the adjacency: least weight over parallel edges, self-loops dropped.
        # G._succ is the raw dict-of-dicts networkx's own algorithms read (no view objects).
        for u, nbrs in G._succ.items():
            iu = pos[u]
            for v, keydict in nbrs.items():
                if v == u:
                    continue
                if len(keydict) == 1:
                    for d in keydict.values():
                        best = d.get(weight)
                else:
                    ws = [d.get(weight) for d in keydict.values()]
                    if not all(_usable(x) for x in ws):
                        check_graph(G, weight=weight)  # raises, naming the edge
                    best = min(ws)
                rows.append(iu)
                cols.append(pos[v])
                vals.append(best)
        if not all(isinstance(x, int | float) for x in vals):
            check_graph(G, weight=weight)  # raises, naming the edge
        w = np.array(vals, dtype=np.float64)
        if len(w) and not (np.isfinite(w).all() and (w >= 0).all()):
            check_graph(G, weight=weight)
        r = np.array(rows, dtype=np.int64)
        c = np.array(cols, dtype=np.int64)
        # explicit zeros are edges for csgraph on sparse input; keep them as stored entries
        matrix = sp.csr_matrix((w, (r, c)), shape=(n, n))
        reverse = sp.csr_matrix((w, (c, r)), shape=(n, n))
        logger.debug("routing engine: %d nodes, %d arcs (%s)", n, len(w), weight)
        return cls(nodes=nodes, matrix=matrix, weight=weight, _index=index, _reverse=reverse)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    def positions(self, nodes: Iterable[Hashable], *, what: str = "node") -> np.ndarray:
        """Matrix positions of node ids.

        Parameters
        ----------
        nodes
            Node ids of the graph.
        what
            How to name the nodes in an error (``"origin"``, ``"destination"``).

        Returns
        -------
        numpy.ndarray
            Integer positions.

        Raises
        ------
        NetworkError
            If an id is not a node of the graph.
        """
        ids = list(nodes)
        pos = self._index.get_indexer(ids) if ids else np.array([], dtype=np.int64)
        if (pos < 0).any():
            unknown = [ids[i] for i in np.flatnonzero(pos < 0)[:5]]
            msg = (
                f"{int((pos < 0).sum())} {what} id(s) are not nodes of the road graph "
                f"(e.g. {unknown}). Snap sites to the graph first (snap_sites) and pass "
                "the returned node ids."
            )
            raise NetworkError(msg)
        return pos.astype(np.int64)

    def _trees(self, graph: sp.csr_matrix, sources: np.ndarray, limit: float) -> np.ndarray:
        out = np.empty((len(sources), self.n), dtype=np.float64)
        chunk = max(1, MAX_CELLS_PER_CHUNK // max(self.n, 1))
        for start in range(0, len(sources), chunk):
            idx = sources[start : start + chunk]
            out[start : start + len(idx)] = dijkstra(graph, directed=True, indices=idx, limit=limit)
        return out

    def times_from(self, sources: np.ndarray, *, limit: float = np.inf) -> np.ndarray:
        """Times from each source position to every node (``inf`` if unreachable or over ``limit``).

        Parameters
        ----------
        sources
            Matrix positions.
        limit
            Stop growing trees beyond this weight.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(sources), n)``.
        """
        return self._trees(self.matrix, np.asarray(sources, dtype=np.int64), limit)

    def times_to(self, targets: np.ndarray, *, limit: float = np.inf) -> np.ndarray:
        """Times from every node to each target position (``inf`` if unreachable).

        Parameters
        ----------
        targets
            Matrix positions.
        limit
            Stop growing trees beyond this weight.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(targets), n)``: row ``i`` holds every node's time to target ``i``.
        """
        return self._trees(self._reverse, np.asarray(targets, dtype=np.int64), limit)

    def od(self, origins: np.ndarray, dests: np.ndarray) -> np.ndarray:
        """Origin-destination times between matrix positions (``inf`` where no path).

        Trees grow from the smaller side (unique positions only).

        Parameters
        ----------
        origins, dests
            Matrix positions.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(origins), len(dests))``.
        """
        o_unique, o_inv = np.unique(origins, return_inverse=True)
        d_unique, d_inv = np.unique(dests, return_inverse=True)
        if len(o_unique) <= len(d_unique):
            block = self.times_from(o_unique)[:, d_unique]
        else:
            block = self.times_to(d_unique)[:, o_unique].T
        return block[np.ix_(o_inv, d_inv)]


_CACHE: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[str, tuple[tuple[int, int], RoutingEngine]]]
_CACHE = weakref.WeakKeyDictionary()


def get_engine(G: nx.MultiDiGraph | RoutingEngine, *, weight: str = "travel_time") -> RoutingEngine:
    """The routing engine of ``G``, compiled once and cached per graph object.

    Parameters
    ----------
    G
        A road graph, or an engine (returned as is).
    weight
        The edge attribute to minimise.

    Returns
    -------
    RoutingEngine
        The engine. The cache entry is rebuilt when the graph's node or edge
        count changes; after changing edge weights in place, build a new engine
        with :meth:`RoutingEngine.from_graph`.
    """
    if isinstance(G, RoutingEngine):
        if G.weight != weight:
            msg = f"the engine routes on {G.weight!r}, not {weight!r}; pass the graph instead."
            raise NetworkError(msg)
        return G
    if not isinstance(G, nx.MultiDiGraph):
        check_graph(G, weight=weight)
    stamp = (G.number_of_nodes(), G.number_of_edges())
    per_graph = _CACHE.setdefault(G, {})
    hit = per_graph.get(weight)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    engine = RoutingEngine.from_graph(G, weight=weight)
    per_graph[weight] = (stamp, engine)
    return engine


def _user_times(values: np.ndarray) -> np.ndarray:
    out = values.astype(np.float64, copy=True)
    out[~np.isfinite(out)] = np.nan
    return out


def travel_time_to(
    G: nx.MultiDiGraph | RoutingEngine,
    targets: Iterable[Hashable],
    *,
    weight: str = "travel_time",
) -> pd.DataFrame:
    """Shortest travel time from every node to each target node.

    Parameters
    ----------
    G
        A road graph or its engine.
    targets
        Target node ids.
    weight
        The edge attribute to minimise.

    Returns
    -------
    pandas.DataFrame
        Index: every node id (named ``node``); one column per target (named by its
        id), in the weight's unit (s for ``travel_time``). NaN where the node cannot
        reach the target (another strongly connected component).

    Raises
    ------
    NetworkError
        If a target is not a node, or no target is given.
    """
    engine = get_engine(G, weight=weight)
    tgt = list(targets)
    if not tgt:
        msg = "no target node given; pass at least one node id."
        raise NetworkError(msg)
    pos = engine.positions(tgt, what="target")
    times = _user_times(engine.times_to(pos)).T
    return pd.DataFrame(times, index=pd.Index(engine.nodes, name="node"), columns=tgt)


def od_matrix(
    G: nx.MultiDiGraph | RoutingEngine,
    origin_nodes: Iterable[Hashable],
    dest_nodes: Iterable[Hashable],
    *,
    weight: str = "travel_time",
) -> pd.DataFrame:
    """Shortest travel times between origin and destination nodes.

    Parameters
    ----------
    G
        A road graph or its engine.
    origin_nodes, dest_nodes
        Node ids (repeats allowed; each distinct node is routed once).
    weight
        The edge attribute to minimise.

    Returns
    -------
    pandas.DataFrame
        Rows: origins, columns: destinations, in input order; NaN where there is no
        directed path (never zero).

    Raises
    ------
    NetworkError
        If a node is unknown or a side is empty.
    """
    engine = get_engine(G, weight=weight)
    o, d = list(origin_nodes), list(dest_nodes)
    if not o or not d:
        msg = "od_matrix needs at least one origin and one destination node."
        raise NetworkError(msg)
    times = engine.od(engine.positions(o, what="origin"), engine.positions(d, what="destination"))
    return pd.DataFrame(_user_times(times), index=pd.Index(o), columns=pd.Index(d))


#: The reason given for a NaN time between two nodes.
NO_PATH_REASON = "no directed road path (the nodes lie in different strongly connected components)"


def od_table(
    G: nx.MultiDiGraph | RoutingEngine,
    origin_nodes: Iterable[Hashable],
    dest_nodes: Iterable[Hashable],
    *,
    weight: str = "travel_time",
) -> pd.DataFrame:
    """:func:`od_matrix` in long form, with the reason for every missing time.

    Parameters
    ----------
    G
        A road graph or its engine.
    origin_nodes, dest_nodes
        Node ids.
    weight
        The edge attribute to minimise.

    Returns
    -------
    pandas.DataFrame
        One row per origin-destination pair (origins outer, in input order):
        ``origin``, ``destination``, ``{weight}`` (NaN where there is no path),
        ``reason`` (empty, or :data:`NO_PATH_REASON`).

    Raises
    ------
    NetworkError
        If a node is unknown or a side is empty.
    """
    m = od_matrix(G, origin_nodes, dest_nodes, weight=weight)
    values = m.to_numpy().ravel()
    return pd.DataFrame(
        {
            "origin": np.repeat(m.index.to_numpy(), m.shape[1]),
            "destination": np.tile(m.columns.to_numpy(), m.shape[0]),
            weight: values,
            "reason": np.where(np.isnan(values), NO_PATH_REASON, ""),
        }
    )


def nodes_within(
    G: nx.MultiDiGraph | RoutingEngine,
    source: Hashable,
    limit_s: float,
    *,
    direction: Literal["from", "to"] = "from",
    weight: str = "travel_time",
) -> pd.Series:
    """The nodes reachable within ``limit_s`` of ``source`` (isochrone membership).

    Parameters
    ----------
    G
        A road graph or its engine.
    source
        The centre node id.
    limit_s
        The time budget (inclusive), in the weight's unit.
    direction
        ``"from"``: nodes reachable from ``source``; ``"to"``: nodes that reach
        ``source`` within the budget (a destination's catchment).
    weight
        The edge attribute to minimise.

    Returns
    -------
    pandas.Series
        Travel time of each member node (index: node id, sorted by time); the
        source itself is included with 0.

    Raises
    ------
    NetworkError
        If ``source`` is unknown, ``limit_s`` negative or not finite, or ``direction`` unknown.
    """
    if not np.isfinite(limit_s) or limit_s < 0:
        msg = f"limit_s must be a finite number >= 0, got {limit_s!r}."
        raise NetworkError(msg)
    if direction not in ("from", "to"):
        msg = f"direction must be 'from' or 'to', got {direction!r}."
        raise NetworkError(msg)
    engine = get_engine(G, weight=weight)
    pos = engine.positions([source], what="source")
    grow = engine.times_from if direction == "from" else engine.times_to
    times = grow(pos, limit=float(limit_s))[0]
    inside = np.flatnonzero(times <= limit_s)
    s = pd.Series(times[inside], index=pd.Index(engine.nodes[inside], name="node"), name=weight)
    return s.sort_values(kind="stable")
