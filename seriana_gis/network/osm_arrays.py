"""Road arrays straight from an OSM file: the osmnx graph, built without networkx.

:func:`road_arrays_from_osm_file` reads the drivable ways of an OSM file
(``.osm.pbf``, or OSM XML: ``.osm``, ``.osm.bz2``, ``.xml``; pyosmium reads
them all) and builds, as arrays (:class:`~seriana_gis.network.arrays.RoadArrays`),
the graph :func:`~seriana_gis.network.sources.graph_from_osm_file` builds as a
networkx graph, step by step with the same rules:

1. the ways that pass the filter (osmnx's ``drive``), their located nodes,
   consecutive repeated nodes removed; osmnx's one-way rules (``oneway`` values,
   roundabouts, ``-1`` reverses the way); two-way ways get an edge each way, the
   reverse ones ``reversed=True``; edge ``length`` the great-circle distance
   (:func:`osmnx.distance.great_circle`); the way's useful tags on its edges
   (``graph_from_osm_elements``);
2. the traffic signals and yield signs each edge meets at its head
   (:func:`~seriana_gis.network.junctions.mark_way_controls`);
3. osmnx's topological simplification (:func:`osmnx.simplify_graph`, rules
   restated in :func:`_endpoints` and :func:`_paths`): interstitial nodes
   removed, each chain of edges merged into one edge whose attributes are the
   unique values along it (a list when they differ), ``length`` and the signal
   and yield counts summed, the chain's nodes as its geometry; isolated rings
   removed;
4. projection to EPSG:32632 (pyproj, as geopandas projects), free-flow speeds
   and times (:mod:`seriana_gis.network.speeds`), the largest strongly connected
   component;
5. the road model's annotations (:mod:`seriana_gis.network.annotate`).

Memory is a few hundred bytes per node (the ways' node lists, then the
arrays), never a Python object per node or edge: a 2-million-node territory
builds in well under the 6 GB the issue allows (``benchmarks/README.md``).
"""

from __future__ import annotations

import logging
import os
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numba
import numpy as np
import osmnx as ox
import pandas as pd
import pyproj

from .._errors import DataError, NetworkError
from ._columns import distinct_neighbours, unique_rows
from .arrays import RoadArrays
from .graph import GRAPH_CRS, is_drivable
from .junctions import (
    SIGNAL_TAG,
    SIGNALS_ON_WAY,
    YIELD_TAGS,
    YIELDS_ON_WAY,
    _signal_counts_for,
    _values,
)
from .routing import NodeTable
from .sources import ONEWAY_VALUES, REVERSED_VALUES, _node_tags, _way_tags, osm_file
from .speeds import default_speed, parse_maxspeed

logger = logging.getLogger(__name__)


@dataclass
class OsmWays:
    """The ways of an OSM file that pass a filter, with their located nodes, as arrays.

    Attributes
    ----------
    way_ids
        OSM way ids.
    tags
        Each way's tags (all of them: the filter and the one-way rules read them).
    refs, offsets
        Way ``i``'s located node ids are ``refs[offsets[i]:offsets[i + 1]]``.
    node_ids, lon, lat
        Every located node the ways use (sorted by id).
    node_tags
        Useful tags of the nodes that have some (osmnx's ``useful_tags_node``).
    """

    way_ids: np.ndarray
    tags: list[dict[str, str]]
    refs: np.ndarray
    offsets: np.ndarray
    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    node_tags: dict[int, dict[str, str]]


def read_osm_ways(
    path: str | os.PathLike[str], *, keep: Callable[[Mapping[str, object]], bool] = is_drivable
) -> OsmWays:
    """Read the ways of an OSM file that pass ``keep``, and their node locations.

    pyosmium reads the file by its name: ``.osm.pbf``, OSM XML (``.osm``,
    ``.xml``), compressed or not (``.bz2``, ``.gz``). Only the objects with a
    ``highway`` key (and nodes with one of the useful node tags) reach Python;
    node locations are kept by pyosmium's location cache, in C++.

    Parameters
    ----------
    path
        The OSM file.
    keep
        Which ways to keep, from their tags (the ``drive`` filter by default).

    Returns
    -------
    OsmWays

    Raises
    ------
    DataError
        The file cannot be read by pyosmium.
    """
    import osmium

    p = Path(path)
    node_keys = _node_tags()
    way_ids = array("q")
    refs = array("q")
    lons = array("d")
    lats = array("d")
    counts = array("q")
    tags: list[dict[str, str]] = []
    node_tags: dict[int, dict[str, str]] = {}
    dropped = 0
    wanted = set(node_keys)
    try:
        fp = (
            osmium.FileProcessor(str(p), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway", *node_keys))
        )
        for item in fp:
            obj: Any = item
            if obj.is_node():
                t = {tag.k: tag.v for tag in obj.tags if tag.k in wanted}
                if t:
                    node_tags[obj.id] = t
                continue
            t = {tag.k: tag.v for tag in obj.tags}
            if "highway" not in t or not keep(t):
                continue
            n = 0
            for nr in obj.nodes:
                loc = nr.location
                if loc.valid():
                    refs.append(nr.ref)
                    lons.append(loc.lon)
                    lats.append(loc.lat)
                    n += 1
                else:
                    dropped += 1
            way_ids.append(obj.id)
            counts.append(n)
            tags.append(t)
    except RuntimeError as exc:
        msg = f"{p}: cannot be read as an OSM file by pyosmium ({exc})."
        raise DataError(msg) from exc
    if dropped:
        logger.info("%s: %d way node reference(s) without location skipped", p, dropped)
    ref_arr = np.frombuffer(refs, dtype=np.int64) if len(refs) else np.empty(0, np.int64)
    node_ids, first = np.unique(ref_arr, return_index=True)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(np.frombuffer(counts, dtype=np.int64), out=offsets[1:]) if len(counts) else None
    lon = np.frombuffer(lons, dtype=np.float64)[first] if len(lons) else np.empty(0)
    lat = np.frombuffer(lats, dtype=np.float64)[first] if len(lats) else np.empty(0)
    return OsmWays(
        way_ids=np.frombuffer(way_ids, dtype=np.int64).copy(),
        tags=tags,
        refs=ref_arr.copy(),
        offsets=offsets,
        node_ids=node_ids,
        lon=lon,
        lat=lat,
        node_tags=node_tags,
    )


@dataclass
class _Segments:
    """The unsimplified directed edges, in the order a MultiDiGraph would get them."""

    one_way: np.ndarray  # per way

    u: np.ndarray  # node positions
    v: np.ndarray
    way: np.ndarray  # index into the ways
    reversed_: np.ndarray

    def subset(self, keep: np.ndarray) -> _Segments:
        """The segments where ``keep`` is True, in the same order."""
        return replace(
            self, u=self.u[keep], v=self.v[keep], way=self.way[keep], reversed_=self.reversed_[keep]
        )


#: Which unsimplified segments to keep, from their end nodes (positions into
#: ``OsmWays.node_ids``) and their ways (positions into ``OsmWays.way_ids``).
SegmentFilter = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _segments(
    ways: OsmWays, pos_of: Callable[[np.ndarray], np.ndarray], *, bidirectional: bool = False
) -> _Segments:
    """Directed edges of the ways (``graph_from_osm_elements``'s rules), in insertion order.

    ``bidirectional``: every way both ways, one-way or not (a pedestrian network).
    """
    refs, offsets = ways.refs, ways.offsets
    n_ways = len(ways.way_ids)
    way_of = np.repeat(np.arange(n_ways), np.diff(offsets))
    # consecutive repeats removed
    keep = np.ones(len(refs), dtype=bool)
    keep[1:] = (refs[1:] != refs[:-1]) | (way_of[1:] != way_of[:-1])
    refs, way_of = refs[keep], way_of[keep]
    counts = np.bincount(way_of, minlength=n_ways)
    starts = np.zeros(n_ways + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    one_way = np.zeros(n_ways, dtype=bool)
    flip = np.zeros(n_ways, dtype=bool)
    for i, t in enumerate([] if bidirectional else ways.tags):
        ow = t.get("oneway")
        one_way[i] = ow in ONEWAY_VALUES or t.get("junction") == "roundabout"
        flip[i] = one_way[i] and ow in REVERSED_VALUES
    # reverse the node order of the ways drawn against their direction
    idx = np.arange(len(refs))
    w = way_of
    rev = flip[w]
    idx[rev] = starts[w[rev]] + starts[w[rev] + 1] - 1 - idx[rev]
    refs = refs[idx]
    same = way_of[1:] == way_of[:-1]
    a, b, sw = refs[:-1][same], refs[1:][same], way_of[:-1][same]
    usable = counts >= 2  # ways of one node give no edge
    fwd = usable[sw]
    a, b, sw = a[fwd], b[fwd], sw[fwd]
    back = ~one_way[sw]
    # insertion order: way by way, its forward edges then its reverse ones
    u = np.concatenate([a, b[back]])
    v = np.concatenate([b, a[back]])
    way = np.concatenate([sw, sw[back]])
    reversed_ = np.concatenate([np.zeros(len(a), bool), np.ones(int(back.sum()), bool)])
    order = np.lexsort((reversed_, way))  # stable: pairs keep their order within each part
    u, v, way, reversed_ = u[order], v[order], way[order], reversed_[order]
    return _Segments(
        one_way=one_way,
        u=pos_of(u),
        v=pos_of(v),
        way=way,
        reversed_=reversed_,
    )


def _endpoints(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """osmnx's ``_is_endpoint`` rules 1-3 for every node (no relaxation).

    A node is an endpoint when it loops to itself, has no incoming or no
    outgoing edge, or does not have exactly two neighbours and a degree of 2 or 4.
    """
    selfloop = np.zeros(n, dtype=bool)
    selfloop[u[u == v]] = True
    indeg = np.bincount(v, minlength=n)
    outdeg = np.bincount(u, minlength=n)
    deg = indeg + outdeg
    neighbours = distinct_neighbours(n, u, v)
    through = (neighbours == 2) & ((deg == 2) | (deg == 4))
    return selfloop | (outdeg == 0) | (indeg == 0) | ~through


@numba.njit(cache=True)
def _paths_kernel(
    succ_ptr: np.ndarray,
    succ: np.ndarray,
    endpoint: np.ndarray,
    starts: np.ndarray,
    firsts: np.ndarray,
    out: np.ndarray,
    out_ptr: np.ndarray,
) -> int:
    """osmnx's ``_build_path`` for each (endpoint, successor) start; returns the quirk count.

    Path ``i`` goes to ``out[out_ptr[i]:out_ptr[i + 1]]``. A path follows the
    only successor not yet on it until it meets an endpoint; when none is
    left, it closes on its first node if that is a successor (a loop), else
    stops there (an OSM digitisation quirk osmnx logs).
    """
    n = len(endpoint)
    stamp = np.full(n, -1, dtype=np.int64)
    k = 0
    quirks = 0
    for i in range(len(starts)):
        e = starts[i]
        s = firsts[i]
        out_ptr[i] = k
        out[k] = e
        out[k + 1] = s
        k += 2
        stamp[e] = i
        stamp[s] = i
        nxt = -1
        for j in range(succ_ptr[s], succ_ptr[s + 1]):
            if stamp[succ[j]] != i:
                nxt = succ[j]
                break
        if nxt >= 0:
            cur = nxt
            out[k] = cur
            k += 1
            stamp[cur] = i
            while not endpoint[cur]:
                cand = -1
                n_cand = 0
                for j in range(succ_ptr[cur], succ_ptr[cur + 1]):
                    if stamp[succ[j]] != i:
                        n_cand += 1
                        cand = succ[j]
                if n_cand == 1:
                    cur = cand
                    out[k] = cur
                    k += 1
                    stamp[cur] = i
                elif n_cand == 0:
                    closes = False
                    for j in range(succ_ptr[cur], succ_ptr[cur + 1]):
                        if succ[j] == e:
                            closes = True
                    if closes:
                        out[k] = e
                        k += 1
                    else:
                        quirks += 1
                    break
                else:
                    return -1  # osmnx: "Impossible simplify pattern"
    out_ptr[len(starts)] = k
    return quirks


def _paths(
    n: int, u: np.ndarray, v: np.ndarray, endpoint: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The chains osmnx's simplification merges: node paths (flat) and their offsets."""
    # distinct successors of each node, in the order their first edge was added
    key = u.astype(np.int64) * n + v
    _, first = np.unique(key, return_index=True)
    first.sort()
    su, sv = u[first], v[first]
    order = np.argsort(su, kind="stable")
    su, sv = su[order], sv[order]
    succ_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(su, minlength=n), out=succ_ptr[1:])
    start_mask = endpoint[su] & ~endpoint[sv]
    starts, firsts = su[start_mask], sv[start_mask]
    bound = 3 * len(starts) + 2 * int((~endpoint).sum()) + 1
    out = np.empty(bound, dtype=np.int64)
    out_ptr = np.empty(len(starts) + 1, dtype=np.int64)
    quirks = _paths_kernel(succ_ptr, sv.astype(np.int64), endpoint, starts, firsts, out, out_ptr)
    if quirks < 0:
        msg = "osmnx's simplification meets an impossible pattern (a node with two ways on)."
        raise NetworkError(msg)
    if quirks:
        logger.warning("simplification: %d unexpected pattern(s) handled (as osmnx)", quirks)
    return out[: out_ptr[-1]], out_ptr


def _first_edge(
    n: int, u: np.ndarray, v: np.ndarray
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A look-up of the first edge added between two nodes (what ``G.get_edge_data(a, b)`` gives first)."""
    key = u.astype(np.int64) * n + v
    uniq, first = np.unique(key, return_index=True)

    def lookup(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        at = np.searchsorted(uniq, a.astype(np.int64) * n + b)
        return first[at]

    return lookup


def _merge(values: list[Any]) -> Any:
    """osmnx's merge of one attribute along a chain: the value, or a list of the unique ones."""
    if len(set(values)) == 1:
        return values[0]
    return list(set(values))


def _chain_attribute(
    codes: np.ndarray, uniques: np.ndarray, pair_ptr: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One attribute of every merged edge, from the values along its chain.

    ``codes`` holds each chain edge's value as an index into ``uniques`` (-1:
    the edge has no such attribute, left out as osmnx leaves it out), chain by
    chain in path order; chain ``i``'s edges are ``codes[pair_ptr[i]:pair_ptr[i + 1]]``
    (at least one). Returns each chain's code (-1: none) into the returned
    values, which are ``uniques`` followed by the merged ones (osmnx's list of the
    unique values, held as a tuple).
    """
    n_paths = len(pair_ptr) - 1
    starts = pair_ptr[:-1]
    big = np.iinfo(np.int64).max
    lo = np.minimum.reduceat(np.where(codes >= 0, codes, big), starts) if n_paths else codes[:0]
    hi = np.maximum.reduceat(np.where(codes >= 0, codes, -1), starts) if n_paths else codes[:0]
    out = np.where(hi >= 0, lo, -1).astype(np.int64)
    values = list(uniques)
    merged_at: dict[tuple[Any, ...], int] = {}
    for p in np.flatnonzero((hi >= 0) & (lo != hi)).tolist():
        chain = codes[pair_ptr[p] : pair_ptr[p + 1]]
        value = _merge([uniques[i] for i in chain[chain >= 0].tolist()])
        key = tuple(value) if isinstance(value, list) else (value,)
        if key not in merged_at:
            merged_at[key] = len(values)
            values.append(tuple(value) if isinstance(value, list) else value)
        out[p] = merged_at[key]
    held = np.empty(len(values), dtype=object)
    held[:] = values
    return out, held


def _controls(
    ways: OsmWays, node_ids: np.ndarray, v: np.ndarray, reversed_: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Signals and yields met at each edge's head (``mark_way_controls``'s rule)."""
    n = len(node_ids)
    sig_fwd = np.zeros(n, dtype=bool)
    sig_back = np.zeros(n, dtype=bool)
    yields = np.zeros(n, dtype=bool)
    tagged = np.array([i for i in ways.node_tags if "highway" in ways.node_tags[i]], dtype=np.int64)
    if len(tagged):
        order = np.argsort(node_ids)
        at = np.minimum(np.searchsorted(node_ids, tagged, sorter=order), n - 1)
        hit = node_ids[order[at]] == tagged
        for osm_id, p in zip(tagged[hit].tolist(), order[at[hit]].tolist(), strict=True):
            node = ways.node_tags[osm_id]
            tags = _values(node.get("highway"))
            if SIGNAL_TAG in tags:
                sig_fwd[p] = _signal_counts_for(node, {"reversed": False})
                sig_back[p] = _signal_counts_for(node, {"reversed": True})
            yields[p] = any(t in YIELD_TAGS for t in tags)
    signals = np.where(reversed_, sig_back[v], sig_fwd[v]).astype(np.int64)
    return signals, yields[v].astype(np.int64)


def road_arrays_from_osm_file(path: str | os.PathLike[str]) -> RoadArrays:
    """The drivable road graph of an OSM file as arrays, without networkx.

    Equal to :func:`~seriana_gis.network.sources.graph_from_osm_file` on the
    same file (same nodes, edges, attributes and travel times; the module docs
    list the steps), at a fraction of its memory.

    Parameters
    ----------
    path
        An OSM PBF file (``.osm.pbf``) or OSM XML file (``.osm``, ``.osm.bz2``,
        ``.xml``), as :func:`~seriana_gis.network.sources.graph_from_osm_file` takes.
        Way node references missing from the file (cut extracts) are skipped.

    Returns
    -------
    RoadArrays
        EPSG:32632, free-flow speeds and times, the largest strongly connected
        component, the road model's annotations.

    Raises
    ------
    DataError
        The file is missing, of an unknown type or unreadable, or holds no drivable road.
    """
    p = osm_file(path, known_type=True)
    return road_arrays_from_ways(read_osm_ways(p), source=str(p))


def road_arrays_from_ways(
    ways: OsmWays, *, source: str, keep_segments: SegmentFilter | None = None
) -> RoadArrays:
    """Steps 1-5 of the module docs on ways already read (see :func:`road_arrays_from_osm_file`).

    ``keep_segments``: which unsimplified edges to keep before the simplification
    (a download truncated to its study area, :mod:`seriana_gis.network.overpass_arrays`).
    """
    from .annotate import annotate_arrays

    raw = _simplified(ways, source=source, keep_segments=keep_segments)
    raw = raw.with_edges(**_free_flow(raw.edges))
    net, report = raw.largest_scc()
    log = logger.warning if report["dropped_nodes"] > 0.05 * len(raw) else logger.info
    log(
        "%s: kept the largest strongly connected component (%d nodes, %d edges); dropped %d "
        "smaller component(s) with %d nodes and %d edges",
        source,
        report["kept_nodes"],
        report["kept_edges"],
        report["dropped_components"],
        report["dropped_nodes"],
        report["dropped_edges"],
    )
    net.graph["source"] = source
    return annotate_arrays(net)


def _free_flow(edges: pd.DataFrame) -> dict[str, Any]:
    """``add_speeds_and_times`` on columns: ``maxspeed`` or the class default."""

    def speed_of(maxspeed: object, highway: object) -> tuple[float, str]:
        speed = parse_maxspeed(maxspeed)
        if speed is not None:
            return float(speed), "maxspeed"
        speed, cls = default_speed(highway)
        return float(speed), f"default:{cls}"

    empty = np.full(len(edges), None, dtype=object)
    combos, inverse = unique_rows(
        edges["maxspeed"].to_numpy(dtype=object) if "maxspeed" in edges else empty,
        edges["highway"].to_numpy(dtype=object) if "highway" in edges else empty,
    )
    pairs = [speed_of(*c) for c in combos]
    speed = np.array([s for s, _ in pairs], dtype=np.float64)[inverse]
    length = edges["length"].to_numpy(dtype=np.float64)
    return {
        "speed_kph": speed,
        "speed_source": np.array([src for _, src in pairs], dtype=object)[inverse],
        "travel_time": length / (speed / 3.6),
    }


def _simplified(
    ways: OsmWays, *, source: str, walk: bool = False, keep_segments: SegmentFilter | None = None
) -> RoadArrays:
    """Steps 1-3 and the projection: the simplified graph of the ways, as arrays.

    ``walk``: every way both ways, no signal or yield counts (a pedestrian network,
    simplified by plain :func:`osmnx.simplify_graph`). ``keep_segments``: the
    unsimplified edges kept (all by default).
    """
    seg = _segments(ways, lambda ids: np.searchsorted(ways.node_ids, ids), bidirectional=walk)
    if keep_segments is not None:
        seg = seg.subset(keep_segments(seg.u, seg.v, seg.way))
    m = len(seg.u)
    if m == 0:
        what = "way open to pedestrians" if walk else "drivable road"
        msg = f"{source} holds no {what} with two located nodes."
        raise DataError(msg)
    # nodes in the order a MultiDiGraph meets them (each edge adds u, then v)
    seq = np.empty(2 * m, dtype=np.int64)
    seq[0::2], seq[1::2] = seg.u, seg.v
    used, first = np.unique(seq, return_index=True)
    order = used[np.argsort(first)]
    remap = np.full(len(ways.node_ids), -1, dtype=np.int64)
    remap[order] = np.arange(len(order))
    u, v = remap[seg.u], remap[seg.v]
    node_ids, lon, lat = ways.node_ids[order], ways.lon[order], ways.lat[order]
    n = len(order)
    length = ox.distance.great_circle(lat[u], lon[u], lat[v], lon[v])
    length[np.isnan(length)] = 0.0
    no_controls = (np.zeros(m, np.int64), np.zeros(m, np.int64))
    signals, yields = no_controls if walk else _controls(ways, node_ids, v, seg.reversed_)

    # osmnx's simplification
    endpoint = _endpoints(n, u, v)
    flat, ptr = _paths(n, u, v, endpoint)
    n_paths = len(ptr) - 1
    inner = np.ones(len(flat), dtype=bool)
    inner[ptr[:-1]] = False
    inner[ptr[1:] - 1] = False
    removed = np.zeros(n, dtype=bool)
    removed[flat[inner]] = True
    link = np.ones(max(len(flat) - 1, 0), dtype=bool)
    link[ptr[1:-1] - 1] = False  # no pair across two paths
    a, b = flat[:-1][link], flat[1:][link]
    pair_path = np.repeat(np.arange(n_paths), np.diff(ptr) - 1)
    seg_of_pair = _first_edge(n, u, v)(a, b)
    pu, pv = flat[ptr[:-1]], flat[ptr[1:] - 1]

    direct = np.flatnonzero(~removed[u] & ~removed[v])
    merged = np.flatnonzero(~removed[pu] & ~removed[pv])
    columns: dict[str, Any] = {}

    pair_ptr = np.zeros(n_paths + 1, dtype=np.int64)
    np.cumsum(np.diff(ptr) - 1, out=pair_ptr[1:])

    def both(per_seg_codes: np.ndarray, uniques: np.ndarray) -> pd.Categorical:
        chains, values = _chain_attribute(per_seg_codes[seg_of_pair], uniques, pair_ptr)
        codes = np.concatenate([per_seg_codes[direct], chains[merged]])
        return pd.Categorical.from_codes(codes, categories=pd.Index(values, dtype=object))

    way_ids = ways.way_ids
    w_codes, w_uniques = pd.factorize(way_ids)
    columns["osmid"] = both(w_codes[seg.way], np.asarray(w_uniques, dtype=object))
    useful = [t for t in _way_tags() if any(t in tg for tg in ways.tags)]
    for tag in useful:
        vals = pd.Series([tg.get(tag) for tg in ways.tags], dtype=object)
        codes, uniques = pd.factorize(vals, use_na_sentinel=True)
        columns[tag] = both(codes[seg.way], np.asarray(uniques, dtype=object))
    tf = np.array([False, True], dtype=object)
    columns["oneway"] = both(seg.one_way.astype(np.int64)[seg.way], tf)
    columns["reversed"] = both(seg.reversed_.astype(np.int64), tf)
    columns["length"] = np.concatenate(
        [
            length[direct],
            np.bincount(pair_path, weights=length[seg_of_pair], minlength=n_paths)[merged],
        ]
    )
    for name, values in () if walk else ((SIGNALS_ON_WAY, signals), (YIELDS_ON_WAY, yields)):
        sums = np.bincount(pair_path, weights=values[seg_of_pair], minlength=n_paths)
        columns[name] = np.concatenate([values[direct], sums[merged].astype(np.int64)])

    eu = np.concatenate([u[direct], pu[merged]])
    ev = np.concatenate([v[direct], pv[merged]])
    # geometries: the chains' nodes (the direct edges have none)
    counts = np.concatenate([np.zeros(len(direct), np.int64), np.diff(ptr)[merged]])
    offsets = np.zeros(len(eu) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    kept_path = np.zeros(n_paths, dtype=bool)
    kept_path[merged] = True
    take = flat[np.repeat(kept_path, np.diff(ptr))]

    # projection (as geopandas projects: pyproj, x/y order)
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", GRAPH_CRS, always_xy=True)
    x, y = to_utm.transform(lon, lat)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    coords = np.column_stack([x[take], y[take]]) if len(take) else np.empty((0, 2))

    edges = pd.DataFrame({"u": eu, "v": ev, **columns})
    edges["key"] = edges.groupby(["u", "v"], sort=False).cumcount().to_numpy(dtype=np.int64)
    node_rows = pd.DataFrame.from_dict(
        {int(i): ways.node_tags[int(i)] for i in node_ids if int(i) in ways.node_tags},
        orient="index",
    )
    node_attrs = node_rows.reindex(node_ids).reset_index(drop=True)
    table = NodeTable(ids=node_ids, x=x, y=y, crs=GRAPH_CRS)
    graph = {"crs": GRAPH_CRS, "created_with": "seriana_gis (pyosmium, arrays)", "simplified": True}
    net = RoadArrays(table, node_attrs, edges, coords, offsets, graph)
    # drop the removed nodes, then osmnx's isolated rings (components without an endpoint)
    keep_nodes = ~removed
    net = net._with_nodes(keep_nodes, net.edges, net.coords, net.offsets)
    return _without_rings(net)


def _without_rings(net: RoadArrays) -> RoadArrays:
    """osmnx's ``_remove_rings``: drop the weakly connected components without an endpoint."""
    from scipy.sparse import csgraph, csr_matrix

    n = len(net)
    u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    endpoint = _endpoints(n, u, v)
    m = csr_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n))
    _, labels = csgraph.connected_components(m, directed=True, connection="weak")
    has_end = np.zeros(labels.max() + 1 if n else 0, dtype=bool)
    has_end[labels[endpoint]] = True
    keep = has_end[labels]
    if keep.all():
        return net
    edge_keep = keep[u] & keep[v]
    out = net.subset(edge_keep, drop_isolated=False)
    return out._with_nodes(keep, out.edges, out.coords, out.offsets)


def walk_arrays_from_osm_file(path: str | os.PathLike[str]) -> RoadArrays:
    """osmnx's ``walk`` network of an OSM file as arrays (``walk_graph_from_osm_file`` without networkx).

    ``path``: ``.osm.pbf`` or OSM XML (``.osm``, ``.osm.bz2``, ``.xml``).

    Every walkable way (:func:`~seriana_gis.network.graph.is_walkable`) but the
    trunk roads closed to pedestrians (:func:`~seriana_gis.network.walk.closed_to_walkers`,
    as on the networkx path) in both directions, simplified, in EPSG:32632, its
    largest strongly connected component; edges carry ``length`` (m) and ``highway``.

    Raises
    ------
    DataError
        The file is missing, of an unknown type or unreadable, or holds no walkable way.
    """
    from .graph import is_walkable
    from .walk import closed_to_walkers

    p = osm_file(path, known_type=True)
    ways = read_osm_ways(
        p, keep=lambda t: is_walkable(t) and not closed_to_walkers(t.get("highway"))
    )
    return walk_arrays_from_ways(ways, source=str(p))


def walk_arrays_from_ways(
    ways: OsmWays, *, source: str, keep_segments: SegmentFilter | None = None
) -> RoadArrays:
    """The pedestrian network of ways already read (see :func:`walk_arrays_from_osm_file`)."""
    net = _simplified(ways, source=source, walk=True, keep_segments=keep_segments)
    keep = [c for c in ("u", "v", "key", "length", "highway") if c in net.edges.columns]
    net = replace(net, edges=net.edges[keep], node_attrs=net.node_attrs.iloc[:, :0])
    net, _ = net.largest_scc()
    net.graph["source"] = f"pedestrian network of {source}"
    return net
