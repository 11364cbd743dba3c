"""The road model's annotations and times on road arrays (the lean form, without networkx).

One model, two containers: the rules live in :mod:`seriana_gis.network.junctions`
(junction kinds, which edges pay which delay: :func:`~seriana_gis.network.junctions.kind_codes`,
:func:`~seriana_gis.network.junctions.count_arrays`) and :mod:`seriana_gis.network.model`
(settings: :func:`~seriana_gis.network.model.setting_arrays`; times:
:func:`~seriana_gis.network.model.edge_times`), written on columns; the
networkx functions of those modules pass a graph's columns, this module passes
the columns of a :class:`~seriana_gis.network.arrays.RoadArrays`. Tests check
every annotation and time against the networkx path on the Bergamo snapshot.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ._columns import per_unique
from .arrays import RoadArrays
from .junctions import (
    JUNCTION_COLUMNS,
    NODE_KINDS,
    ROUNDABOUTS_ON_WAY,
    SIGNALS_ON_WAY,
    YIELDS_ON_WAY,
    count_arrays,
    kind_codes,
)
from .model import (
    FREE_FLOW,
    SETTINGS,
    edge_times,
    road_group,
    setting_arrays,
    speed_term,
)
from .profile import SPEED_TERMS, SpeedProfile, check_time_of_day

logger = logging.getLogger(__name__)


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


def _tagged(node_attrs: pd.DataFrame) -> list[tuple[int, dict[str, Any]]]:
    """``(position, tags)`` of the nodes with a ``highway`` tag (missing values left out)."""
    if "highway" not in node_attrs.columns:
        return []
    at = np.flatnonzero(node_attrs["highway"].notna().to_numpy())
    records = node_attrs.iloc[at].to_dict("records")
    return [
        (i, {k: x for k, x in rec.items() if not _missing(x)})
        for i, rec in zip(at.tolist(), records, strict=True)
    ]


def node_kinds(net: RoadArrays) -> np.ndarray:
    """The junction kind of every node, as codes into ``junctions.NODE_KINDS``."""
    e = net.edges
    return kind_codes(
        len(net),
        e["u"].to_numpy(),
        e["v"].to_numpy(),
        junction=_column(e, "junction"),
        tagged=_tagged(net.node_attrs),
    )


def junction_counts(net: RoadArrays, kind: np.ndarray) -> dict[str, np.ndarray]:
    """How many delays of each kind every edge pays (``junctions.count_arrays`` on the columns)."""
    e = net.edges
    return count_arrays(
        len(net),
        e["u"].to_numpy(),
        e["v"].to_numpy(),
        kind,
        highway=_column(e, "highway"),
        junction=_column(e, "junction"),
        reversed_=_column(e, "reversed"),
        signals_on_way=_numbers(e, SIGNALS_ON_WAY),
        yields_on_way=_numbers(e, YIELDS_ON_WAY),
        tagged=_tagged(net.node_attrs),
        roundabouts_on_way=_numbers(e, ROUNDABOUTS_ON_WAY),
    )


def infer_settings(net: RoadArrays) -> np.ndarray:
    """The setting of every edge (``model.setting_arrays`` on the columns), as strings.

    Raises
    ------
    DataError
        An edge's ``setting`` is not a known setting.
    """
    e, t = net.edges, net.nodes
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    ids, keys = t.ids, e["key"].to_numpy()
    return setting_arrays(
        highway=_column(e, "highway"),
        maxspeed=_column(e, "maxspeed"),
        explicit=_column(e, "setting"),
        length=np.nan_to_num(_numbers(e, "length")),
        chord=np.hypot(t.x[u] - t.x[v], t.y[u] - t.y[v]),
        midpoints=_midpoints(net),
        where=lambda i: f"edge ({ids[u[i]]}, {ids[v[i]]}, {keys[i]})",
    )


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
    out.node_attrs["junction_kind"] = np.array(NODE_KINDS, dtype=object)[kind]
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
