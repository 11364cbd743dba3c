"""The road model's annotations and times on road arrays (the lean form, without networkx).

The rules are those of :mod:`seriana_gis.network.junctions` (junction kinds,
which edges pay which delay) and :mod:`seriana_gis.network.model` (road group,
setting, speed term, the travel time under a speed profile), applied to the
columns of a :class:`~seriana_gis.network.arrays.RoadArrays` instead of a
networkx graph's dictionaries. The per-value rules (``class_rank``,
``road_group``, ``speed_term``, ``parse_maxspeed``, the signal direction) are
the model's own functions, called once per distinct value; the per-node and
per-edge rules are restated on arrays, and the times come from the model's
:func:`~seriana_gis.network.model.edge_times`. Tests check every annotation and
time against the networkx path on the Bergamo snapshot.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numba
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from .arrays import RoadArrays, distinct_neighbours, per_unique, unique_rows
from .junctions import (
    GRADE_SEPARATED,
    JUNCTION_COLUMNS,
    MINI_ROUNDABOUT_TAG,
    ROUNDABOUT_VALUES,
    SIGNAL_TAG,
    SIGNALS_ON_WAY,
    YIELDS_ON_WAY,
    _base_classes,
    _signal_counts_for,
    _values,
    class_rank,
)
from .model import (
    BUILT_UP_MARKERS,
    BUILT_UP_RADIUS_M,
    FREE_FLOW,
    MOUNTAIN_MIN_LENGTH_M,
    MOUNTAIN_SINUOSITY,
    RURAL_MAXSPEED_KPH,
    SETTINGS,
    URBAN_CLASSES,
    URBAN_MAXSPEED_KPH,
    _explicit_setting,
    edge_times,
    road_group,
    speed_term,
)
from .profile import SPEED_TERMS, SpeedProfile, check_time_of_day
from .speeds import parse_maxspeed

logger = logging.getLogger(__name__)

#: Junction kinds as small integers (the order of precedence of ``node_kinds``).
_KINDS = ("none", "signals", "roundabout", "priority")
_NONE, _SIGNALS, _ROUNDABOUT, _PRIORITY = range(4)
#: Bits of a road's class set: motorway, trunk, any other class.
_MOTORWAY_BIT, _TRUNK_BIT, _OTHER_BIT = 1, 2, 4


def _column(frame: pd.DataFrame, name: str) -> Any:
    """An edge column as it is (a categorical stays one), or None everywhere when absent."""
    if name in frame.columns:
        col = frame[name]
        return col if isinstance(col.dtype, pd.CategoricalDtype) else col.to_numpy(dtype=object)
    return np.full(len(frame), None, dtype=object)


def _numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric edge column as floats (NaN where missing or absent)."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _is_ring(junction: object) -> bool:
    """Whether an edge is part of a roundabout ring (``junctions._is_ring`` on its value)."""
    return any(x in ROUNDABOUT_VALUES for x in _values(junction))


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


def _signal_flags(
    node_attrs: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per node: signals in its tags, and whether they apply forward / backward; mini-roundabout."""
    n = len(node_attrs)
    sig = np.zeros(n, dtype=bool)
    fwd = np.zeros(n, dtype=bool)
    back = np.zeros(n, dtype=bool)
    mini = np.zeros(n, dtype=bool)
    if "highway" not in node_attrs.columns:
        return sig, fwd, back, mini
    tagged = np.flatnonzero(node_attrs["highway"].notna().to_numpy())
    records = node_attrs.iloc[tagged].to_dict("records")
    for i, rec in zip(tagged.tolist(), records, strict=True):
        node = {k: val for k, val in rec.items() if not _missing(val)}
        tags = _values(node.get("highway"))
        if SIGNAL_TAG in tags:
            sig[i] = True
            fwd[i] = _signal_counts_for(node, {"reversed": False})
            back[i] = _signal_counts_for(node, {"reversed": True})
        mini[i] = MINI_ROUNDABOUT_TAG in tags
    return sig, fwd, back, mini


def node_kinds(net: RoadArrays) -> np.ndarray:
    """The junction kind of every node as an index into ``_KINDS`` (rules of ``junctions.node_kinds``)."""
    n = len(net)
    u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    ring = per_unique(_is_ring, _column(net.edges, "junction"), dtype=bool)
    ring_node = np.zeros(n, dtype=bool)
    ring_node[u[ring]] = True
    ring_node[v[ring]] = True
    sig, _, _, mini = _signal_flags(net.node_attrs)
    loop = u != v
    neighbours = distinct_neighbours(n, u[loop], v[loop])
    kind = np.full(n, _NONE, dtype=np.int8)
    kind[neighbours >= 3] = _PRIORITY
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
    """``_minor_approach`` by class ranks for the candidate edges (yield signs handled outside)."""
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


def junction_counts(net: RoadArrays, kind: np.ndarray) -> dict[str, np.ndarray]:
    """How many delays of each kind every edge pays (rules of ``junctions.junction_counts``)."""
    n, e = len(net), net.edges
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    highway = _column(e, "highway")
    rank = per_unique(class_rank, highway, dtype=np.float64)
    bits = per_unique(_class_bits, highway, dtype=np.int64)
    ring = per_unique(_is_ring, _column(e, "junction"), dtype=bool)
    # signals: counted along the way where the edge says so, else the head node's signal
    on_way = _numbers(e, SIGNALS_ON_WAY)
    _, fwd, back, _ = _signal_flags(net.node_attrs)
    rev = per_unique(lambda r: not _missing(r) and bool(r), _column(e, "reversed"), dtype=bool)
    head_signal = (kind[v] == _SIGNALS) & np.where(rev, back[v], fwd[v])
    signals = np.where(np.isnan(on_way), head_signal, np.nan_to_num(on_way)).astype(np.int64)
    roundabout = ((kind[v] == _ROUNDABOUT) & (u != v) & ~ring).astype(np.int64)
    # priority: a minor approach to a priority junction
    yields = np.nan_to_num(_numbers(e, YIELDS_ON_WAY))
    loop = u != v
    ends = np.concatenate([v[loop], u[loop]])
    other = np.concatenate([u[loop], v[loop]])
    # each node's distinct neighbours, with the highest rank and every class of the roads between
    pair = ends.astype(np.int64) * n + other
    order = np.argsort(pair, kind="stable")
    pair = pair[order]
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    nb_rank = np.maximum.reduceat(np.concatenate([rank[loop], rank[loop]])[order], starts)
    nb_bits = np.bitwise_or.reduceat(np.concatenate([bits[loop], bits[loop]])[order], starts)
    nb_node, nb_w = pair[starts] // n, pair[starts] % n
    nb_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(nb_node, minlength=n), out=nb_ptr[1:])
    priority = np.zeros(len(e), dtype=bool)
    cand = (kind[v] == _PRIORITY) & loop
    priority[cand & (yields > 0)] = True
    rest = np.flatnonzero(cand & ~(yields > 0))
    _minor_kernel(
        u.astype(np.int64),
        v.astype(np.int64),
        rank,
        nb_ptr,
        nb_w,
        nb_rank,
        nb_bits,
        rest.astype(np.int64),
        priority,
    )
    return {"signals": signals, "roundabout": roundabout, "priority": priority.astype(np.int64)}


def infer_settings(net: RoadArrays) -> np.ndarray:
    """The setting of every edge (rules of ``model.infer_settings``), as strings.

    Raises
    ------
    DataError
        An edge's ``setting`` is not a known setting.
    """
    e = net.edges
    highway, maxspeed = _column(e, "highway"), _column(e, "maxspeed")
    explicit = np.full(len(e), None, dtype=object)
    has_explicit = np.zeros(len(e), dtype=bool)
    if "setting" in e.columns:
        combos, inverse = unique_rows(_column(e, "setting"))
        checked = np.full(len(combos), None, dtype=object)
        for j, (val,) in enumerate(combos):
            i = int(np.flatnonzero(inverse == j)[0])
            ids = net.nodes.ids
            u_id, v_id = ids[e["u"].to_numpy()[i]], ids[e["v"].to_numpy()[i]]
            where = f"edge ({u_id}, {v_id}, {e['key'].to_numpy()[i]})"
            checked[j] = _explicit_setting(val, where=where)
        explicit = checked[inverse]
        has_explicit = np.array([x is not None for x in checked], dtype=bool)[inverse]

    def rule(h: object, ms: object) -> tuple[str, int, bool]:
        """(group, decided: 0 rural / 1 urban / 2 by nearby markers, a marker itself)."""
        classes = {c.removesuffix("_link") for c in _values(h)}
        group = road_group(h)
        limit = parse_maxspeed(ms)
        if group == "motorway":
            decided = 0
        elif limit is not None and limit <= URBAN_MAXSPEED_KPH:
            decided = 1
        elif limit is not None and limit >= RURAL_MAXSPEED_KPH:
            decided = 0
        elif classes and classes <= URBAN_CLASSES:
            decided = 1
        else:
            decided = 2
        return group, decided, bool(classes & BUILT_UP_MARKERS)

    combos, inverse = unique_rows(highway, maxspeed)
    rules = [rule(*c) for c in combos]
    group = np.array([r[0] for r in rules], dtype=object)[inverse]
    decided = np.array([r[1] for r in rules], dtype=np.int8)[inverse]
    marker = np.array([r[2] for r in rules], dtype=bool)[inverse]
    mid = _midpoints(net)
    urban = decided == 1
    pending = np.flatnonzero((decided == 2) & ~has_explicit)
    if marker.any() and len(pending):
        tree = cKDTree(mid[marker])
        near = tree.query_ball_point(mid[pending], r=BUILT_UP_RADIUS_M, return_length=True)
        urban[pending] = np.asarray(near) > 0
    setting = np.where(urban, "urban", "rural").astype(object)
    t = net.nodes
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    chord = np.hypot(t.x[u] - t.x[v], t.y[u] - t.y[v])
    length = pd.to_numeric(e["length"], errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)
    mountain = (
        (setting == "rural")
        & (group != "motorway")
        & (length >= MOUNTAIN_MIN_LENGTH_M)
        & (length >= MOUNTAIN_SINUOSITY * np.maximum(chord, 1.0))
    )
    setting[mountain] = "mountain"
    setting[has_explicit] = explicit[has_explicit]
    return setting


def _midpoints(net: RoadArrays) -> np.ndarray:
    """Each edge's midpoint: half way along its geometry, else between its nodes."""
    e = net.edges
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    t = net.nodes
    mid = np.column_stack([(t.x[u] + t.x[v]) / 2, (t.y[u] + t.y[v]) / 2])
    has = net.has_geometry()
    if has.any():
        geoms = net.geometries(straight=False)[has]
        pts = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
        mid[has] = shapely.get_coordinates(pts)
    return mid


def annotate_arrays(net: RoadArrays) -> RoadArrays:
    """What the model needs on every edge and node (``model.annotate_network`` on arrays).

    Adds ``free_flow_kph`` (the edge's ``speed_kph`` unless set), ``setting``,
    ``speed_term``, the junction counts and node ``junction_kind``.

    Raises
    ------
    DataError
        An edge's ``setting`` is not a known setting.
    """
    kind = node_kinds(net)
    counts = junction_counts(net, kind)
    setting = infer_settings(net)
    e = net.edges
    groups = per_unique(road_group, _column(e, "highway"))
    terms = per_unique(speed_term, groups, setting)
    free = pd.to_numeric(e["speed_kph"], errors="coerce").to_numpy(dtype=np.float64)
    if FREE_FLOW in e.columns:
        given = pd.to_numeric(e[FREE_FLOW], errors="coerce").to_numpy(dtype=np.float64)
        free = np.where(np.isnan(given), free, given)
    out = net.with_edges(
        **{
            FREE_FLOW: free,
            "setting": pd.Categorical(setting, categories=SETTINGS),
            "speed_term": pd.Categorical(terms, categories=SPEED_TERMS),
        },
        **{JUNCTION_COLUMNS[k]: counts[k] for k in counts},
    )
    out.node_attrs["junction_kind"] = np.array(_KINDS, dtype=object)[kind]
    out.graph["road_model"] = "annotated"
    tally = pd.Series(terms).value_counts()
    logger.info(
        "road model terms: %s", ", ".join(f"{t} {int(tally.get(t, 0))}" for t in SPEED_TERMS)
    )
    return out


def _is_annotated(net: RoadArrays) -> bool:
    needed = (FREE_FLOW, "setting", "speed_term", *JUNCTION_COLUMNS.values())
    return all(c in net.edges.columns and net.edges[c].notna().all() for c in needed)


def edge_terms(net: RoadArrays) -> pd.DataFrame:
    """The model's terms table (``model.edge_terms``) of annotated arrays, one row per edge."""
    e = net.edges
    index = {t: i for i, t in enumerate(SPEED_TERMS)}
    return pd.DataFrame(
        {
            "free_flow_s": e["length"].to_numpy(dtype=np.float64)
            / (e[FREE_FLOW].to_numpy(dtype=np.float64) / 3.6),
            "term": e["speed_term"].map(index).to_numpy(dtype=np.int64),
            "urban": (e["setting"] == "urban").to_numpy(dtype=bool),
            **{f"n_{k}": e[col].to_numpy(dtype=np.int64) for k, col in JUNCTION_COLUMNS.items()},
        }
    )


def apply_profile_arrays(
    net: RoadArrays, profile: SpeedProfile, *, time_of_day: str = "off_peak"
) -> RoadArrays:
    """``model.apply_speed_profile`` on arrays: the model's travel times under ``profile``.

    Returns
    -------
    RoadArrays
        New arrays with ``speed_kph`` (running speed), ``delay_s`` and
        ``travel_time`` (running time + delay, s) on every edge and the graph
        attributes ``speed_profile``, ``speed_profile_source``, ``time_of_day``.
    """
    check_time_of_day(time_of_day)
    net = net if _is_annotated(net) else annotate_arrays(net)
    run, delay = edge_times(edge_terms(net), profile, time_of_day=time_of_day)
    length = net.edges["length"].to_numpy(dtype=np.float64)
    free = net.edges[FREE_FLOW].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(run > 0, length / run * 3.6, free)
    out = net.with_edges(speed_kph=speed, delay_s=delay, travel_time=run + delay)
    out.graph["speed_profile"] = profile.name
    out.graph["speed_profile_source"] = profile.source
    out.graph["time_of_day"] = time_of_day
    out.graph["speed_model"] = profile
    return out


def retime_new_arrays(net: RoadArrays, new: np.ndarray) -> RoadArrays:
    """``model.retime_new_edges`` on arrays: time the edges where ``new`` holds.

    The new edges get the model's annotations (their own ``setting`` if they
    carry one, else inferred; no junction delay of their own) and the travel
    time of the arrays' profile and time of day. Arrays without a profile are
    returned as they are (their times are free flow).
    """
    profile = net.graph.get("speed_model")
    if not isinstance(profile, SpeedProfile) or not new.any():
        return net
    e = net.edges

    def numbers(col: str, default: np.ndarray) -> np.ndarray:
        if col not in e.columns:
            return default.copy()
        return pd.to_numeric(e[col], errors="coerce").to_numpy(dtype=np.float64).copy()

    speed = e["speed_kph"].to_numpy(dtype=np.float64).copy()
    free = numbers(FREE_FLOW, speed)
    free[new & np.isnan(free)] = speed[new & np.isnan(free)]
    setting = np.where(new, infer_settings(net), _column(e, "setting"))
    terms_now = per_unique(speed_term, per_unique(road_group, _column(e, "highway")), setting)
    term = np.where(new, terms_now, _column(e, "speed_term"))
    counts = {}
    for col in JUNCTION_COLUMNS.values():
        values = numbers(col, np.zeros(len(e)))
        values[new & np.isnan(values)] = 0.0  # no junction delay of their own
        counts[col] = values.astype(np.int64)
    out = net.with_edges(**{FREE_FLOW: free, "setting": setting, "speed_term": term}, **counts)
    run, delay = edge_times(
        edge_terms(out.subset(new, drop_isolated=False)),
        profile,
        time_of_day=str(net.graph.get("time_of_day")),
    )
    length = e["length"].to_numpy(dtype=np.float64)[new]
    with np.errstate(divide="ignore", invalid="ignore"):
        speed[new] = np.where(run > 0, length / run * 3.6, free[new])
    delay_all = numbers("delay_s", np.zeros(len(e)))
    delay_all[new] = delay
    tt = e["travel_time"].to_numpy(dtype=np.float64).copy()
    tt[new] = run + delay
    return out.with_edges(speed_kph=speed, delay_s=delay_all, travel_time=tt)
