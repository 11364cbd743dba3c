"""The compiled routing engine: shortest travel times on compact arrays, on every core.

A :class:`RoutingEngine` holds a road graph as arrays: the node ids and
coordinates (:class:`NodeTable`) and a CSR matrix of the least weight over
parallel edges (self-loops dropped, since they never shorten a path), with its
transpose. It is built from a networkx graph (:meth:`RoutingEngine.from_graph`)
or straight from edge arrays (:meth:`RoutingEngine.from_arrays`, and
:meth:`RoutingEngine.from_layers` for the ``road_nodes``/``road_edges`` layers),
without a networkx graph in memory. Trees are grown by the compiled Dijkstra of
:mod:`seriana_gis.network._dijkstra`, in parallel threads without the GIL:

- from sources: one tree per source;
- to destinations: trees on the transposed matrix (the reversed graph), so one
  tree gives every node's time *to* a destination;
- for an origin-destination matrix, trees grow from the smaller side, and each
  stops once the other side's nodes are settled; only those columns are kept.

Engines are cached on the graph object (:func:`get_engine`) in networkx's own
per-graph cache (``G.__networkx_cache__``), which networkx empties whenever the
graph changes through its methods (``add_edge``, ``remove_node``, ...): a cache
hit costs a dictionary look-up, never a pass over the edges. After changing an
edge attribute in place (``G.edges[u, v, k]["travel_time"] = ...``), which
networkx cannot see, call :func:`forget_engine`. Inside the engine an unreachable
node has time ``numpy.inf``; the user-facing functions (:func:`travel_time_to`,
:func:`od_matrix`) return NaN there, never zero.
"""

# ruff: noqa: N803  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import contextlib
import logging
import math
import weakref
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from .._errors import DataError, NetworkError
from . import _dijkstra
from .graph import check_graph

if TYPE_CHECKING:
    from .arrays import RoadArrays

logger = logging.getLogger(__name__)

#: A road graph: networkx (the interchange format) or road arrays (large territories).
RoadGraph: TypeAlias = "nx.MultiDiGraph | RoadArrays"
#: What the routing functions accept: a road graph or its engine.
Routable: TypeAlias = "nx.MultiDiGraph | RoadArrays | RoutingEngine"


def _usable(x: object) -> bool:
    return isinstance(x, int | float) and math.isfinite(x) and x >= 0


def _as_ids(values: Iterable[Hashable] | np.ndarray) -> np.ndarray:
    """Node ids as an array: int64 when they are all integers, else objects."""
    ids = values if isinstance(values, np.ndarray) else np.array(list(values), dtype=object)
    if ids.dtype.kind in "iu":
        return ids.astype(np.int64, copy=False)
    ids = ids.astype(object, copy=False)
    if len(ids) and all(isinstance(i, int | np.integer) and not isinstance(i, bool) for i in ids):
        with contextlib.suppress(OverflowError):
            return ids.astype(np.int64)
    return ids


@dataclass(frozen=True, eq=False)
class NodeTable:
    """The nodes of a road graph as arrays, shared by its engines and the snapping code.

    Attributes
    ----------
    ids
        Node ids in matrix order (int64 when every id is an integer).
    x, y
        Coordinates (m, in ``crs``).
    crs
        The coordinates' CRS.
    """

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    crs: str

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph) -> NodeTable:
        """The nodes of ``G`` (not changed), in ``G.nodes`` order.

        Raises
        ------
        NetworkError
            If the graph has no nodes, no metric CRS, or a node without ``x``/``y``.
        """
        check_graph(G, check_edges=False)
        ids = _as_ids(G.nodes)
        xy = np.empty((len(ids), 2), dtype=np.float64)
        for i, (n, d) in enumerate(G.nodes(data=True)):
            try:
                xy[i] = d["x"], d["y"]
            except KeyError:
                msg = f"node {n!r} has no 'x'/'y' coordinates; every node needs them."
                raise NetworkError(msg) from None
        return cls(ids=ids, x=xy[:, 0].copy(), y=xy[:, 1].copy(), crs=str(G.graph["crs"]))

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def index(self) -> pd.Index:
        """The ids as an index named ``node`` (built once)."""
        return pd.Index(self.ids, name="node")

    @cached_property
    def xy(self) -> np.ndarray:
        """Coordinates, shape ``(n, 2)``."""
        return np.column_stack([self.x, self.y])

    @cached_property
    def kdtree(self) -> cKDTree:
        """A KD-tree on the coordinates (built once)."""
        return cKDTree(self.xy)

    @cached_property
    def _sorted(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Integer ids sorted, and their matrix positions (None for other ids): built once."""
        if self.ids.dtype.kind not in "iu" or not len(self.ids):
            return None
        order = np.argsort(self.ids, kind="stable")
        return self.ids[order], order

    def _sorted_positions(self, ids: np.ndarray | list[Hashable]) -> np.ndarray | None:
        """Positions of integer ids by binary search (-1 where absent); None when not applicable.

        A look-up of a few ids costs microseconds here, against tens for a pandas
        index look-up (which first turns the list into an index).
        """
        table = self._sorted
        if table is None:
            return None
        try:
            query = np.asarray(ids)
        except (TypeError, ValueError):
            return None
        if query.dtype.kind not in "iu" or query.ndim != 1:
            return None
        if query.dtype != table[0].dtype:
            if query.dtype.kind == "u" and len(query) and query.max() > np.iinfo(np.int64).max:
                return None
            query = query.astype(table[0].dtype)  # mixed integer types compare as floats
        sorted_ids, order = table
        # searching every id but the last gives a place in 0..n-1 (no clipping needed):
        # the id is there or nowhere
        at = sorted_ids[:-1].searchsorted(query)
        pos = order[at]
        pos[sorted_ids[at] != query] = -1
        return pos

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
        return self._lookup(nodes, what)[1]

    def locate(
        self, nodes: Iterable[Hashable], *, what: str = "node"
    ) -> tuple[np.ndarray, pd.Index]:
        """Matrix positions of node ids and the ids as a table axis, in one look-up.

        ``nodes``, ``what`` and the errors are as in :meth:`positions`. The axis
        holds the given ids in the given order (unnamed). Integer ids found by
        binary search are taken from :attr:`labels` at their positions: equal to
        the given ones and already typed, where building an index from a list of
        Python objects makes pandas infer their type (tens of microseconds, a good
        part of a small routing call).

        Returns
        -------
        positions : numpy.ndarray
            Integer positions.
        labels : pandas.Index
            The ids, for the rows or columns of a table.
        """
        ids, pos, searched = self._lookup(nodes, what)
        return pos, (self.labels[pos] if searched else pd.Index(ids))

    def _lookup(
        self, nodes: Iterable[Hashable], what: str
    ) -> tuple[np.ndarray | list[Hashable], np.ndarray, bool]:
        """The ids (array or list), their checked positions, and whether binary search found them."""
        ids = nodes if isinstance(nodes, np.ndarray) else list(nodes)
        if not len(ids):
            return ids, np.array([], dtype=np.int64), False
        pos = self._sorted_positions(ids)
        searched = pos is not None
        if pos is None:
            pos = self.index.get_indexer(ids)
        if pos.min() < 0:
            unknown = [ids[i] for i in np.flatnonzero(pos < 0)[:5]]
            msg = (
                f"{int((pos < 0).sum())} {what} id(s) are not nodes of the road graph "
                f"(e.g. {unknown}). Snap sites to the graph first (snap_sites) and pass "
                "the returned node ids."
            )
            raise NetworkError(msg)
        return ids, pos.astype(np.int64, copy=False), searched

    @cached_property
    def labels(self) -> pd.Index:
        """The ids as an unnamed index, sharing :attr:`index`'s data (rows and columns of tables)."""
        return self.index.rename(None)


def _least_arcs(
    n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """CSR matrices (forward, reversed) of the least weight per (u, v), self-loops dropped."""
    keep = u != v
    u, v, w = u[keep], v[keep], w[keep]

    def csr(a: np.ndarray, b: np.ndarray) -> sp.csr_matrix:
        order = np.lexsort((w, b, a))  # by a, then b, least weight first
        a_s, b_s, w_s = a[order], b[order], w[order]
        first = np.ones(len(a_s), dtype=bool)
        first[1:] = (a_s[1:] != a_s[:-1]) | (b_s[1:] != b_s[:-1])
        a_s, b_s, w_s = a_s[first], b_s[first], w_s[first]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(a_s, minlength=n), out=indptr[1:])
        idx_type = np.int32 if max(n, len(a_s)) < 2**31 - 1 else np.int64
        # explicit zeros are arcs: built from (data, indices, indptr), nothing is summed or dropped
        return sp.csr_matrix(
            (w_s.astype(np.float64), b_s.astype(idx_type), indptr.astype(idx_type)), shape=(n, n)
        )

    return csr(u, v), csr(v, u)


@dataclass(frozen=True, eq=False)
class RoutingEngine:
    """A road graph compiled to a CSR matrix of edge weights.

    Build with :meth:`from_graph`, :meth:`from_arrays`, :meth:`from_layers` or
    :func:`get_engine` (cached).

    Attributes
    ----------
    node_table
        The node ids and coordinates, in matrix order.
    matrix
        ``matrix[i, j]`` = least weight of an edge from node ``i`` to node ``j``.
    weight
        The edge attribute the matrix holds.
    """

    node_table: NodeTable
    matrix: sp.csr_matrix
    weight: str
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
        return cls._compile(G, node_table(G), weight)

    @classmethod
    def _compile(cls, G: nx.MultiDiGraph, nodes: NodeTable, weight: str) -> RoutingEngine:
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
        matrix, reverse = _least_arcs(
            len(nodes), np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), w
        )
        logger.debug("routing engine: %d nodes, %d arcs (%s)", len(nodes), matrix.nnz, weight)
        return cls(node_table=nodes, matrix=matrix, weight=weight, _reverse=reverse)

    @classmethod
    def from_arrays(
        cls,
        nodes: NodeTable,
        u: np.ndarray,
        v: np.ndarray,
        weights: np.ndarray,
        *,
        weight: str = "travel_time",
        source: str = "edge arrays",
    ) -> RoutingEngine:
        """An engine straight from edge arrays (no networkx graph).

        Parameters
        ----------
        nodes
            The nodes (ids and coordinates).
        u, v
            Each edge's start and end node **ids** (as in ``nodes.ids``).
        weights
            Each edge's weight (finite, >= 0); parallel edges keep the least.
        weight
            The name of the weight (``travel_time``, ``length``).
        source
            Named in messages.

        Returns
        -------
        RoutingEngine
            The engine.

        Raises
        ------
        NetworkError
            An edge refers to an unknown node or has no usable weight.
        """
        w = np.asarray(weights, dtype=np.float64)
        bad = ~(np.isfinite(w) & (w >= 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            msg = (
                f"{source}: {int(bad.sum())} edge(s) have no usable {weight!r} (e.g. edge "
                f"{u[i]!r} -> {v[i]!r}: {w[i]!r}); weights must be finite numbers >= 0. "
                "Add speeds and travel times first (seriana_gis.network.add_speeds_and_times)."
            )
            raise NetworkError(msg)
        iu = nodes.positions(u, what=f"{source}: edge start")
        iv = nodes.positions(v, what=f"{source}: edge end")
        matrix, reverse = _least_arcs(len(nodes), iu, iv, w)
        return cls(node_table=nodes, matrix=matrix, weight=weight, _reverse=reverse)

    @classmethod
    def from_layers(
        cls, nodes: pd.DataFrame, edges: pd.DataFrame, *, weight: str = "travel_time", crs: str
    ) -> RoutingEngine:
        """An engine straight from the ``road_nodes`` and ``road_edges`` layers (no networkx graph).

        Parameters
        ----------
        nodes
            ``osmid``, ``x``, ``y`` (a GeoDataFrame or a plain table; geometry not needed).
        edges
            ``u``, ``v`` and the ``weight`` column (geometry not needed).
        weight
            The edge column to minimise.
        crs
            The CRS of ``x``/``y`` (metric).

        Returns
        -------
        RoutingEngine
            The engine; equal to ``from_graph(gdfs_to_graph(nodes, edges))``.

        Raises
        ------
        DataError
            A layer lacks a column.
        NetworkError
            An edge refers to a node missing from ``nodes``, or has no usable weight.
        """
        for frame, cols, layer in (
            (nodes, ("osmid", "x", "y"), "road_nodes"),
            (edges, ("u", "v", weight), "road_edges"),
        ):
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                msg = f"{layer}: no column(s) {missing}; write the layers with graph_to_gdfs."
                raise DataError(msg)
        if len(nodes) == 0:
            msg = "road_nodes is empty; build the road graph of the study area first."
            raise NetworkError(msg)
        table = NodeTable(
            ids=_as_ids(nodes["osmid"].to_numpy()),
            x=nodes["x"].to_numpy(dtype=np.float64),
            y=nodes["y"].to_numpy(dtype=np.float64),
            crs=crs,
        )
        return cls.from_arrays(
            table,
            _as_ids(edges["u"].to_numpy()),
            _as_ids(edges["v"].to_numpy()),
            pd.to_numeric(edges[weight], errors="coerce").to_numpy(dtype=np.float64),
            weight=weight,
            source="road_edges",
        )

    @property
    def nodes(self) -> np.ndarray:
        """Node ids in matrix order."""
        return self.node_table.ids

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.node_table)

    def positions(self, nodes: Iterable[Hashable], *, what: str = "node") -> np.ndarray:
        """Matrix positions of node ids (see :meth:`NodeTable.positions`)."""
        return self.node_table.positions(nodes, what=what)

    def _trees(
        self,
        graph: sp.csr_matrix,
        sources: np.ndarray,
        *,
        limit: float,
        columns: np.ndarray | None = None,
        missing: float = np.inf,
        threads: int | None = None,
    ) -> np.ndarray:
        return _dijkstra.trees(
            graph.indptr,
            graph.indices,
            graph.data,
            np.asarray(sources, dtype=np.int64),
            columns=columns,
            limit=limit,
            missing=missing,
            threads=threads,
        )

    def times_from(
        self,
        sources: np.ndarray,
        *,
        limit: float = np.inf,
        columns: np.ndarray | None = None,
        missing: float = np.inf,
        threads: int | None = None,
    ) -> np.ndarray:
        """Times from each source position to every node (``inf`` if unreachable or over ``limit``).

        Parameters
        ----------
        sources
            Matrix positions.
        limit
            Stop growing trees beyond this weight.
        columns
            Only these node positions (each tree stops once they are settled).
        missing
            The value where there is no path (``inf``; NaN for user-facing tables).
        threads
            Threads (default: every usable core, :func:`seriana_gis._parallel.usable_cores`).

        Returns
        -------
        numpy.ndarray
            Shape ``(len(sources), n)``, or ``(len(sources), len(columns))``.
        """
        return self._trees(
            self.matrix, sources, limit=limit, columns=columns, missing=missing, threads=threads
        )

    def times_to(
        self,
        targets: np.ndarray,
        *,
        limit: float = np.inf,
        columns: np.ndarray | None = None,
        missing: float = np.inf,
        threads: int | None = None,
    ) -> np.ndarray:
        """Times from every node to each target position (``inf`` if unreachable).

        Parameters
        ----------
        targets
            Matrix positions.
        limit
            Stop growing trees beyond this weight.
        columns
            Only from these node positions.
        missing
            The value where there is no path.
        threads
            Threads (default: every usable core).

        Returns
        -------
        numpy.ndarray
            Shape ``(len(targets), n)`` (or ``len(columns)``): row ``i`` holds each
            node's time to target ``i``.
        """
        return self._trees(
            self._reverse, targets, limit=limit, columns=columns, missing=missing, threads=threads
        )

    def od(
        self,
        origins: np.ndarray,
        dests: np.ndarray,
        *,
        missing: float = np.inf,
        threads: int | None = None,
    ) -> np.ndarray:
        """Origin-destination times between matrix positions (``inf`` where no path).

        Trees grow from the smaller side (unique positions only) and keep only
        the other side's columns.

        Parameters
        ----------
        origins, dests
            Matrix positions.
        missing
            The value where there is no path.
        threads
            Threads (default: every usable core).

        Returns
        -------
        numpy.ndarray
            Shape ``(len(origins), len(dests))``.
        """
        o_unique, o_inv = np.unique(origins, return_inverse=True)
        d_unique, d_inv = np.unique(dests, return_inverse=True)
        if len(o_unique) <= len(d_unique):
            block = self.times_from(o_unique, columns=d_unique, missing=missing, threads=threads)
        else:
            block = self.times_to(d_unique, columns=o_unique, missing=missing, threads=threads).T
        in_order = (o_inv == np.arange(len(o_inv))).all() and (d_inv == np.arange(len(d_inv))).all()
        if in_order:  # unique and sorted already: no re-indexing copy
            return np.ascontiguousarray(block)
        return block[np.ix_(o_inv, d_inv)]


#: Where the engines and node table of a graph live in ``G.__networkx_cache__``.
_CACHE_KEY = "seriana_gis.routing"

#: Frozen graph views (networkx does not clear their cache when the base graph changes):
#: cached with a (nodes, edges) stamp, checked on every call.
_VIEW_CACHE: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[object, tuple[tuple[int, int], Any]]]
_VIEW_CACHE = weakref.WeakKeyDictionary()


def _cached(G: nx.MultiDiGraph, key: object, build: Any) -> Any:
    """``build()`` cached on ``G`` under ``key`` (see the module docs for invalidation)."""
    # ``nx.is_frozen(G)`` without its exception for the (common) graph that is not frozen
    if getattr(G, "frozen", False) or not isinstance(getattr(G, "__networkx_cache__", None), dict):
        stamp = (G.number_of_nodes(), G.number_of_edges())
        per_view = _VIEW_CACHE.setdefault(G, {})
        hit = per_view.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = build()
        per_view[key] = (stamp, value)
        return value
    entries = G.__networkx_cache__.setdefault(_CACHE_KEY, {})
    hit = entries.get(key)
    # networkx empties the cache on every structural change; the node count guards
    # against changes made behind its back (G._adj edited directly)
    if hit is not None and hit[0] == len(G):
        return hit[1]
    value = build()
    entries[key] = (len(G), value)
    return value


def forget_engine(G: nx.MultiDiGraph) -> None:
    """Drop the engines and node table cached on ``G``.

    Needed only after changing node or edge attributes in place (networkx
    cannot see such changes); adding or removing nodes and edges through
    networkx's methods clears the cache by itself.

    Parameters
    ----------
    G
        The graph.
    """
    cache = getattr(G, "__networkx_cache__", None)
    if isinstance(cache, dict):
        cache.pop(_CACHE_KEY, None)
    _VIEW_CACHE.pop(G, None)


def _as_arrays(G: object) -> RoadArrays | None:
    """``G`` if it is a :class:`~seriana_gis.network.arrays.RoadArrays`, else None."""
    from .arrays import RoadArrays

    return G if isinstance(G, RoadArrays) else None


def node_table(G: Routable | NodeTable) -> NodeTable:
    """The node ids and coordinates of ``G`` as arrays, built once and cached per graph.

    Parameters
    ----------
    G
        A road graph, an engine or a node table.

    Returns
    -------
    NodeTable
        The nodes in ``G.nodes`` order.
    """
    if isinstance(G, NodeTable):
        return G
    if isinstance(G, RoutingEngine):
        return G.node_table
    if not isinstance(G, nx.MultiDiGraph):  # a networkx graph first: the common case
        arrays = _as_arrays(G)
        if arrays is not None:
            return arrays.nodes
        check_graph(G, check_edges=False)  # raises: not a MultiDiGraph
    table: NodeTable = _cached(G, "nodes", lambda: NodeTable.from_graph(G))
    return table


def get_engine(G: Routable, *, weight: str = "travel_time") -> RoutingEngine:
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
        The engine. A cache hit is a dictionary look-up. The entry is dropped
        when the graph changes through networkx's methods; after changing edge
        weights in place, call :func:`forget_engine` first.

    Raises
    ------
    NetworkError
        If the graph is not routable on ``weight``, or ``G`` is an engine on another weight.
    """
    if isinstance(G, RoutingEngine):
        if G.weight != weight:
            msg = f"the engine routes on {G.weight!r}, not {weight!r}; pass the graph instead."
            raise NetworkError(msg)
        return G
    if not isinstance(G, nx.MultiDiGraph):  # a networkx graph first: the common case
        arrays = _as_arrays(G)
        if arrays is not None:
            return arrays.engine(weight)
        check_graph(G, weight=weight)  # raises: not a MultiDiGraph
    engine: RoutingEngine = _cached(
        G, ("engine", weight), lambda: RoutingEngine._compile(G, node_table(G), weight)
    )
    return engine


def travel_time_to(
    G: Routable,
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
    pos, cols = engine.node_table.locate(tgt, what="target")
    times = engine.times_to(pos, missing=np.nan).T  # a fresh array: no copy needed
    return pd.DataFrame(times, index=engine.node_table.index, columns=cols, copy=False)


def od_matrix(
    G: Routable,
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
    po, rows = engine.node_table.locate(o, what="origin")
    pd_, cols = engine.node_table.locate(d, what="destination")
    times = engine.od(po, pd_, missing=np.nan)
    return pd.DataFrame(times, index=rows, columns=cols, copy=False)


#: The reason given for a NaN time between two nodes.
NO_PATH_REASON = "no directed road path (the nodes lie in different strongly connected components)"


def od_table(
    G: Routable,
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
    G: Routable,
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
