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
  mini-roundabout node pays it.
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
from collections.abc import Hashable
from typing import Any

import networkx as nx
import osmnx as ox

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


def _is_ring(data: dict[str, Any]) -> bool:
    return any(v in ROUNDABOUT_VALUES for v in _values(data.get("junction")))


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


def _neighbour_ranks(G: nx.MultiDiGraph, v: Hashable) -> dict[Hashable, tuple[float, set[str]]]:
    """Each distinct neighbour of ``v`` with the rank and classes of the road between them."""
    out: dict[Hashable, tuple[float, set[str]]] = {}
    for a, b, d in (*G.in_edges(v, data=True), *G.out_edges(v, data=True)):
        w = a if b == v else b
        if w == v:
            continue
        r = class_rank(d.get("highway"))
        cls = _base_classes(d.get("highway"))
        if w in out:
            old_r, old_c = out[w]
            out[w] = (max(old_r, r), old_c | cls)
        else:
            out[w] = (r, cls)
    return out


def node_kinds(G: nx.MultiDiGraph) -> dict[Hashable, str]:
    """The junction kind of every node (see the module docs).

    Parameters
    ----------
    G
        A road graph (not changed).

    Returns
    -------
    dict
        Node id → ``signals``, ``roundabout``, ``priority`` or ``none``.
    """
    kinds: dict[Hashable, str] = {}
    ring_nodes: set[Hashable] = set()
    for u, v, d in G.edges(data=True):
        if _is_ring(d):
            ring_nodes.update((u, v))
    for v, nd in G.nodes(data=True):
        tags = _values(nd.get("highway"))
        if SIGNAL_TAG in tags:
            kinds[v] = "signals"
        elif MINI_ROUNDABOUT_TAG in tags or v in ring_nodes:
            kinds[v] = "roundabout"
        elif len({w for w in nx.all_neighbors(G, v) if w != v}) >= 3:
            kinds[v] = "priority"
        else:
            kinds[v] = "none"
    return kinds


def _minor_approach(
    G: nx.MultiDiGraph, u: Hashable, v: Hashable, d: dict[str, Any], ranks: dict[Hashable, Any]
) -> bool:
    if int(d.get(YIELDS_ON_WAY, 0) or 0) > 0:
        return True
    mine = class_rank(d.get("highway"))
    others = [rc for w, rc in ranks.items() if w != u]
    if not others:
        return False
    top = max(r for r, _ in others)
    top_classes = set().union(*(c for r, c in others if r == top))
    if top_classes and top_classes <= GRADE_SEPARATED:
        return False
    if mine < top:
        return True
    return sum(1 for r, _ in others if r >= mine) >= 2


def junction_counts(G: nx.MultiDiGraph) -> dict[tuple[Hashable, Hashable, Any], dict[str, int]]:
    """How many delays of each kind every edge pays (see the module docs).

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
    kinds = node_kinds(G)
    rank_cache: dict[Hashable, dict[Hashable, Any]] = {}
    out: dict[tuple[Hashable, Hashable, Any], dict[str, int]] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        kind = kinds[v]
        counts = dict.fromkeys(JUNCTION_KINDS, 0)
        on_way = d.get(SIGNALS_ON_WAY)
        if on_way is not None and on_way == on_way:
            counts["signals"] = int(on_way)
        elif kind == "signals" and _signal_counts_for(G.nodes[v], d):
            counts["signals"] = 1
        if kind == "roundabout" and u != v and not _is_ring(d):
            counts["roundabout"] = 1
        elif kind == "priority" and u != v:
            if v not in rank_cache:
                rank_cache[v] = _neighbour_ranks(G, v)
            if _minor_approach(G, u, v, d, rank_cache[v]):
                counts["priority"] = 1
        out[(u, v, k)] = counts
    return out


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
