"""Junctions of a road graph: what kind each node is, and which edges pay its delay.

A car loses time at junctions: waiting at traffic signals, giving way on entry
to a roundabout, yielding at a priority junction when it arrives on the minor
road. The road model (:mod:`seriana_gis.network.model`) charges a delay per
junction kind; this module says, for every edge, how many delays of each kind
it pays.

Node kinds
----------
From OpenStreetMap tags where present, from the graph's shape otherwise:

- ``signals``: the node is tagged ``highway=traffic_signals``;
- ``roundabout``: an edge at the node is part of a roundabout
  (``junction=roundabout`` or ``circular``), or the node is tagged
  ``highway=mini_roundabout``;
- ``priority``: any other node with three or more distinct neighbours (a
  junction without signals or roundabout: the Italian default, where the minor
  road gives way or, between equal roads, traffic gives way to the right);
- ``none``: one or two neighbours (a dead end, a bend, a change of attributes).

Which edges pay
---------------
A delay belongs to a *node*, but a shortest-path search works on *edges*. A
node cost :math:`d_v` paid once by every path that passes through :math:`v`
is the same as adding :math:`d_v` to every edge *entering* :math:`v`: every
path through :math:`v` uses exactly one entering edge, so the cost of every
path changes by the same amount as with the node cost, and shortest paths are
exact. The path's last node (the destination) also pays its delay, its first
node (the origin) does not; both are the right convention for a trip that
starts at a junction and stops at one.

A delay that depends on the *approach* (the minor road yields, the major road
does not) is still a property of the entering edge, so it stays exact on the
same graph. A delay that depends on the *turn* (left across traffic, right,
straight on) depends on the entering and the leaving edge together and needs an
edge-expanded graph (one node per edge, one edge per allowed turn); turn
penalties are not modelled here.

- ``signals``: every edge entering a signal node pays one signal delay. On a
  graph simplified by :func:`simplify_road_graph`, signal nodes that osmnx
  merged into the middle of an edge are counted on that edge too (OSM maps
  signals on the junction node or on each approach; a node tagged
  ``traffic_signals:direction=forward|backward`` counts only for edges in that
  direction of the way).
- ``roundabout``: an edge entering a roundabout from outside it (not an edge of
  the ring itself) pays one roundabout delay; every edge entering a
  mini-roundabout node pays it. An edge that says how many roundabouts it
  enters along its way (:data:`ROUNDABOUTS_ON_WAY`: the links of a line network
  matched on OSM, :mod:`seriana_gis.network.link_controls`) pays that many
  instead.
- ``priority``: an edge entering a priority node pays one priority delay when
  it is a *minor approach*: it carries a ``stop`` or ``give_way`` sign (OSM
  node tags on the way, counted like signals), or its road class ranks below
  the node's main road, or two or more other roads at the node rank as high as
  it does (the edge does not simply continue one main road: it meets a T or an
  equal crossing). Edges entering a node whose highest-ranking other roads are
  ``motorway`` or ``trunk`` pay nothing: those are grade-separated merges, and
  the yield of a ramp is at its other end.
"""

# ruff: noqa: N803, N806  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numba
import numpy as np
import osmnx as ox
import pandas as pd

from ._columns import distinct_neighbours, per_unique

logger = logging.getLogger(__name__)

#: Junction kinds that carry a delay, in the order of the model's parameters.
JUNCTION_KINDS: tuple[str, ...] = ("signals", "roundabout", "priority")

#: Edge attribute holding the number of delays of each kind an edge pays.
JUNCTION_COLUMNS: dict[str, str] = {k: f"junction_{k}" for k in JUNCTION_KINDS}

#: Rank of each OSM road class, used to tell the main road of a junction.
CLASS_RANK: dict[str, float] = {
    "motorway": 8.0,
    "trunk": 7.0,
    "primary": 6.0,
    "secondary": 5.0,
    "tertiary": 4.0,
    "unclassified": 3.0,
    "residential": 3.0,
    "road": 3.0,
    "living_street": 2.0,
    "service": 1.0,
}
#: A ``*_link`` ranks just below its road class.
LINK_RANK_OFFSET = 0.5
#: Rank of a class that is not in :data:`CLASS_RANK`.
UNKNOWN_RANK = 3.0
#: Road classes whose junctions are grade-separated (merges pay no priority delay).
GRADE_SEPARATED: frozenset[str] = frozenset({"motorway", "trunk"})

#: OSM ``junction`` values of roundabout rings.
ROUNDABOUT_VALUES: frozenset[str] = frozenset({"roundabout", "circular"})
#: OSM node ``highway`` values of traffic signals, mini-roundabouts and yield signs.
SIGNAL_TAG = "traffic_signals"
MINI_ROUNDABOUT_TAG = "mini_roundabout"
YIELD_TAGS: frozenset[str] = frozenset({"stop", "give_way"})
#: OSM node tag giving the direction (of the way) a signal applies to.
SIGNAL_DIRECTION_TAG = "traffic_signals:direction"

#: Edge attributes counting the signal and yield nodes met along a simplified edge.
SIGNALS_ON_WAY = "signals_on_way"
YIELDS_ON_WAY = "yields_on_way"
#: Edge attribute counting the roundabouts entered along an edge, where known (the links of a
#: line network carry it from OSM: :mod:`seriana_gis.network.link_controls`).
ROUNDABOUTS_ON_WAY = "roundabouts_on_way"


def _values(value: object) -> list[str]:
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [p.strip() for p in str(value).split(";") if p.strip()]


def class_rank(highway: object) -> float:
    """The rank of a road class (the highest of a list), links half a step below.

    Parameters
    ----------
    highway
        An OSM ``highway`` value, a list of them, or a ``;``-joined string.

    Returns
    -------
    float
        From :data:`CLASS_RANK`; :data:`UNKNOWN_RANK` when no class is known.
    """
    ranks = []
    for cls in _values(highway):
        base = cls.removesuffix("_link")
        r = CLASS_RANK.get(base)
        if r is None:
            continue
        ranks.append(r - LINK_RANK_OFFSET if cls.endswith("_link") else r)
    return max(ranks) if ranks else UNKNOWN_RANK


def _base_classes(highway: object) -> set[str]:
    return {c.removesuffix("_link") for c in _values(highway)}


def _signal_counts_for(node: dict[str, Any], edge: dict[str, Any]) -> bool:
    """Whether a signal at ``node`` applies to ``edge`` entering it (direction tags)."""
    direction = str(node.get(SIGNAL_DIRECTION_TAG, "")).strip().lower()
    if direction in ("", "both", "nan", "none"):
        return True
    reversed_ = bool(edge.get("reversed", False))
    if direction == "forward":
        return not reversed_
    if direction == "backward":
        return reversed_
    return True


def mark_way_controls(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of an *unsimplified* OSM graph with the controls each edge meets at its head.

    Sets :data:`SIGNALS_ON_WAY` (1 when the edge's head node is a traffic signal
    that applies in the edge's direction) and :data:`YIELDS_ON_WAY` (1 when it
    is a ``stop`` or ``give_way`` sign) on every edge, so that osmnx's
    simplification can sum them along merged edges (:func:`simplify_road_graph`).

    Parameters
    ----------
    G
        An unsimplified graph (node attribute ``highway`` from OSM where tagged).

    Returns
    -------
    networkx.MultiDiGraph
        A new graph.
    """
    H = G.copy()
    for _, v, d in H.edges(data=True):
        node = H.nodes[v]
        tags = _values(node.get("highway"))
        d[SIGNALS_ON_WAY] = int(SIGNAL_TAG in tags and _signal_counts_for(node, d))
        d[YIELDS_ON_WAY] = int(any(t in YIELD_TAGS for t in tags))
    return H


def simplify_road_graph(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """osmnx's topological simplification, keeping count of the signals and yields merged away.

    Parameters
    ----------
    G
        An unsimplified OSM road graph (not changed).

    Returns
    -------
    networkx.MultiDiGraph
        :func:`osmnx.simplify_graph` of :func:`mark_way_controls` (``G``), with
        ``length``, :data:`SIGNALS_ON_WAY` and :data:`YIELDS_ON_WAY` summed
        along each merged edge.
    """
    marked = mark_way_controls(G)
    return ox.simplify_graph(
        marked, edge_attr_aggs={"length": sum, SIGNALS_ON_WAY: sum, YIELDS_ON_WAY: sum}
    )


#: Junction kinds of nodes, as codes (the index), in the order the rules try them.
NODE_KINDS: tuple[str, ...] = ("none", "signals", "roundabout", "priority")
_NONE, _SIGNALS, _ROUNDABOUT, _PRIORITY = range(4)
#: Bits of a road's class set: motorway, trunk, any other class.
_MOTORWAY_BIT, _TRUNK_BIT, _OTHER_BIT = 1, 2, 4


def _class_bits(highway: object) -> int:
    classes = _base_classes(highway)
    bits = 0
    if "motorway" in classes:
        bits |= _MOTORWAY_BIT
    if "trunk" in classes:
        bits |= _TRUNK_BIT
    if classes - GRADE_SEPARATED:
        bits |= _OTHER_BIT
    return bits


def _is_ring_value(junction: object) -> bool:
    return any(x in ROUNDABOUT_VALUES for x in _values(junction))


def _node_flags(
    n: int, tagged: Iterable[tuple[int, Mapping[str, Any]]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per node: a signal, whether it applies forward / backward along the way; a mini-roundabout."""
    sig, fwd, back, mini = (np.zeros(n, dtype=bool) for _ in range(4))
    for i, node in tagged:
        tags = _values(node.get("highway"))
        if SIGNAL_TAG in tags:
            sig[i] = True
            fwd[i] = _signal_counts_for(dict(node), {"reversed": False})
            back[i] = _signal_counts_for(dict(node), {"reversed": True})
        mini[i] = MINI_ROUNDABOUT_TAG in tags
    return sig, fwd, back, mini


def kind_codes(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    *,
    junction: Any,
    tagged: Sequence[tuple[int, Mapping[str, Any]]],
) -> np.ndarray:
    """The kind of every node as a code into :data:`NODE_KINDS` (see the module docs).

    Parameters
    ----------
    n
        Number of nodes.
    u, v
        Each edge's node positions.
    junction
        Each edge's ``junction`` value (a column: array, Series or categorical).
    tagged
        ``(position, tags)`` of the nodes with a ``highway`` tag.
    """
    ring = per_unique(_is_ring_value, junction, dtype=bool)
    ring_node = np.zeros(n, dtype=bool)
    ring_node[u[ring]] = True
    ring_node[v[ring]] = True
    sig, _, _, mini = _node_flags(n, tagged)
    loop = u != v
    kind = np.full(n, _NONE, dtype=np.int8)
    kind[distinct_neighbours(n, u[loop], v[loop]) >= 3] = _PRIORITY
    kind[mini | ring_node] = _ROUNDABOUT
    kind[sig] = _SIGNALS
    return kind


@numba.njit(cache=True)
def _minor_kernel(
    u: np.ndarray,
    v: np.ndarray,
    mine: np.ndarray,
    nb_ptr: np.ndarray,
    nb_w: np.ndarray,
    nb_rank: np.ndarray,
    nb_bits: np.ndarray,
    candidates: np.ndarray,
    out: np.ndarray,
) -> None:
    """Whether each candidate edge is a minor approach by class ranks (module docs)."""
    for e in candidates:
        top = -np.inf
        bits = 0
        any_other = False
        for j in range(nb_ptr[v[e]], nb_ptr[v[e] + 1]):
            if nb_w[j] == u[e]:
                continue
            any_other = True
            r = nb_rank[j]
            if r > top:
                top = r
                bits = nb_bits[j]
            elif r == top:
                bits |= nb_bits[j]
        if not any_other:
            continue
        if bits != 0 and (bits & 4) == 0:
            continue  # only motorway / trunk at the top: a grade-separated merge
        if mine[e] < top:
            out[e] = True
            continue
        count = 0
        for j in range(nb_ptr[v[e]], nb_ptr[v[e] + 1]):
            if nb_w[j] != u[e] and nb_rank[j] >= mine[e]:
                count += 1
        out[e] = count >= 2


def count_arrays(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    kind: np.ndarray,
    *,
    highway: Any,
    junction: Any,
    reversed_: Any,
    signals_on_way: np.ndarray,
    yields_on_way: np.ndarray,
    tagged: Sequence[tuple[int, Mapping[str, Any]]],
    roundabouts_on_way: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """How many delays of each kind every edge pays (see the module docs), as columns.

    Parameters
    ----------
    n
        Number of nodes.
    u, v
        Each edge's node positions.
    kind
        :func:`kind_codes`.
    highway, junction, reversed_
        Each edge's ``highway``, ``junction`` and ``reversed`` values (columns).
    signals_on_way, yields_on_way
        Each edge's :data:`SIGNALS_ON_WAY` and :data:`YIELDS_ON_WAY` (NaN where it has none).
    tagged
        ``(position, tags)`` of the nodes with a ``highway`` tag.
    roundabouts_on_way
        Each edge's :data:`ROUNDABOUTS_ON_WAY` (NaN where it has none; None: none has).

    Returns
    -------
    dict
        :data:`JUNCTION_KINDS` → one count per edge.
    """
    rank = per_unique(class_rank, highway, dtype=np.float64)
    bits = per_unique(_class_bits, highway, dtype=np.int64)
    ring = per_unique(_is_ring_value, junction, dtype=bool)
    # signals: counted along the way where the edge says so, else the head node's signal
    _, fwd, back, _ = _node_flags(n, tagged)
    rev = per_unique(lambda r: r is not None and bool(r), reversed_, dtype=bool)
    head_signal = (kind[v] == _SIGNALS) & np.where(rev, back[v], fwd[v])
    on_way = np.asarray(signals_on_way, dtype=np.float64)
    signals = np.where(np.isnan(on_way), head_signal, np.nan_to_num(on_way)).astype(np.int64)
    roundabout = ((kind[v] == _ROUNDABOUT) & (u != v) & ~ring).astype(np.int64)
    if roundabouts_on_way is not None:
        given = np.asarray(roundabouts_on_way, dtype=np.float64)
        roundabout = np.where(np.isnan(given), roundabout, np.nan_to_num(given)).astype(np.int64)
    # priority: a minor approach to a priority junction. Each node's distinct neighbours,
    # with the highest rank and every class of the roads between them
    loop = u != v
    pair = np.concatenate([v[loop], u[loop]]).astype(np.int64) * n + np.concatenate(
        [u[loop], v[loop]]
    )
    order = np.argsort(pair, kind="stable")
    pair = pair[order]
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]]) if len(pair) else pair[:0]
    nb_rank = np.maximum.reduceat(np.concatenate([rank[loop], rank[loop]])[order], starts)
    nb_bits = np.bitwise_or.reduceat(np.concatenate([bits[loop], bits[loop]])[order], starts)
    nb_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair[starts] // n, minlength=n), out=nb_ptr[1:])
    yields = np.nan_to_num(np.asarray(yields_on_way, dtype=np.float64)) > 0
    cand = (kind[v] == _PRIORITY) & loop
    priority = cand & yields
    _minor_kernel(
        u.astype(np.int64),
        v.astype(np.int64),
        rank,
        nb_ptr,
        (pair[starts] % n).astype(np.int64),
        nb_rank.astype(np.float64),
        nb_bits.astype(np.int64),
        np.flatnonzero(cand & ~yields).astype(np.int64),
        priority,
    )
    return {"signals": signals, "roundabout": roundabout, "priority": priority.astype(np.int64)}


def _graph_columns(
    G: nx.MultiDiGraph,
) -> tuple[
    list[tuple[Any, Any, Any]],
    np.ndarray,
    np.ndarray,
    Callable[[str], np.ndarray],
    list[tuple[int, Mapping[str, Any]]],
]:
    """A graph's edges as columns: keys, node positions, an attribute getter, tagged nodes."""
    pos = {node: i for i, node in enumerate(G.nodes)}
    edges = list(G.edges(keys=True, data=True))
    u = np.fromiter((pos[a] for a, _, _, _ in edges), dtype=np.int64, count=len(edges))
    v = np.fromiter((pos[b] for _, b, _, _ in edges), dtype=np.int64, count=len(edges))

    def column(name: str) -> np.ndarray:
        out = np.empty(len(edges), dtype=object)
        out[:] = [d.get(name) for _, _, _, d in edges]
        return out

    tagged = [(pos[node], d) for node, d in G.nodes(data=True) if d.get("highway") is not None]
    return [(a, b, k) for a, b, k, _ in edges], u, v, column, tagged


def _numeric(values: np.ndarray) -> np.ndarray:
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)


def node_kinds(G: nx.MultiDiGraph) -> dict[Hashable, str]:
    """The junction kind of every node (see the module docs; :func:`kind_codes` on the graph).

    Parameters
    ----------
    G
        A road graph (not changed).

    Returns
    -------
    dict
        Node id → ``signals``, ``roundabout``, ``priority`` or ``none``.
    """
    _, u, v, column, tagged = _graph_columns(G)
    codes = kind_codes(len(G), u, v, junction=column("junction"), tagged=tagged)
    return {node: NODE_KINDS[c] for node, c in zip(G.nodes, codes.tolist(), strict=True)}


def junction_counts(G: nx.MultiDiGraph) -> dict[tuple[Hashable, Hashable, Any], dict[str, int]]:
    """How many delays of each kind every edge pays (see the module docs; :func:`count_arrays`).

    Parameters
    ----------
    G
        A road graph (not changed). Uses node ``highway`` tags, edge
        ``highway``, ``junction``, :data:`SIGNALS_ON_WAY` and
        :data:`YIELDS_ON_WAY` where present.

    Returns
    -------
    dict
        ``(u, v, key)`` → ``{"signals": n, "roundabout": n, "priority": n}``.
    """
    keys, u, v, column, tagged = _graph_columns(G)
    n = len(G)
    kind = kind_codes(n, u, v, junction=column("junction"), tagged=tagged)
    counts = count_arrays(
        n,
        u,
        v,
        kind,
        highway=column("highway"),
        junction=column("junction"),
        reversed_=column("reversed"),
        signals_on_way=_numeric(column(SIGNALS_ON_WAY)),
        yields_on_way=_numeric(column(YIELDS_ON_WAY)),
        tagged=tagged,
        roundabouts_on_way=_numeric(column(ROUNDABOUTS_ON_WAY)),
    )
    lists = {k: counts[k].tolist() for k in JUNCTION_KINDS}
    return {e: {k: lists[k][i] for k in JUNCTION_KINDS} for i, e in enumerate(keys)}


def annotate_junctions(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``G`` with node ``junction_kind`` and edge ``junction_<kind>`` counts.

    Parameters
    ----------
    G
        A road graph (not changed).

    Returns
    -------
    networkx.MultiDiGraph
        A new graph; edge attributes :data:`JUNCTION_COLUMNS` hold the counts of
        :func:`junction_counts`, node attribute ``junction_kind`` the kind of
        :func:`node_kinds`.
    """
    H = G.copy()
    kinds = node_kinds(H)
    nx.set_node_attributes(H, kinds, "junction_kind")
    totals: Counter[str] = Counter()
    for (u, v, k), counts in junction_counts(H).items():
        d = H.edges[u, v, k]
        for kind, n in counts.items():
            d[JUNCTION_COLUMNS[kind]] = n
            totals[kind] += n
    logger.info(
        "junctions: %d signal, %d roundabout, %d priority node(s); edges pay %d signal, "
        "%d roundabout and %d priority delay(s)",
        sum(1 for x in kinds.values() if x == "signals"),
        sum(1 for x in kinds.values() if x == "roundabout"),
        sum(1 for x in kinds.values() if x == "priority"),
        totals["signals"],
        totals["roundabout"],
        totals["priority"],
    )
    return H
