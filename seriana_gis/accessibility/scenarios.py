"""Scenarios: the TEB extension switch and road links added, removed or slowed.

A scenario file (YAML, in ``analyses/scenarios/``) says what changes against
the base run:

.. code-block:: yaml

    name: ss671_closed
    description: The SS671 expressway closed between Seriate and Nembro.
    with_extension: false          # run the planned TEB extension (default: as the base run)
    transit: {headway_offpeak_min: 7}   # any TransitParams field (see transit.py)
    roads:
      - action: remove             # remove | slow | add
        select: {ref: SS671, name: "Strada Statale 671 della Valle Seriana (variante)"}
      - action: slow
        select: {id: [R029, R030]}
        speed_factor: 0.5          # or speed_kph: 30
      - action: add
        name: Variante di Nembro (new link)
        highway: primary
        maxspeed: 70               # else the class default (seriana_gis.network.speeds)
        oneway: false
        coordinates: [[9.745, 45.745], [9.760, 45.752]]   # lon/lat (crs: EPSG:4326 default)

Selectors match edges on ``id``, ``ref``, ``name``, ``highway`` or ``osmid``
(case-insensitive; a list matches any of its values; an OSM value joined with
``;`` matches any of its parts); every key given must match. A selector that
matches nothing is an error listing the values present. Removal keeps the nodes,
so sites cut off by it get NaN times with a reason, never a silent zero. An added
link runs between the graph nodes nearest its first and last coordinates (each
within ``snap_m``, 250 m by default); its length comes from its geometry and its
time from its speed: :math:`t = L / (v / 3.6)`.

The deltas of a scenario are scenario minus base for every time and catchment
column (``delta_car_bgy_min``, ``delta_pop_15min``, ...): negative times are
gains.
"""

# ruff: noqa: N803, N806  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import LineString

from .. import columns as names
from .._errors import ConfigError
from ..config import DEFAULT_CRS, check_keys, closest, read_yaml, yaml_bool
from ..network._columns import per_unique, unique_rows
from ..network.annotate import retime_new_arrays
from ..network.arrays import RoadArrays
from ..network.model import retime_new_edges
from ..network.routing import NodeTable, RoadGraph, _as_arrays, node_table
from ..network.speeds import DEFAULT_SPEEDS_KPH

logger = logging.getLogger(__name__)

_TOP_KEYS = ("name", "description", "with_extension", "transit", "roads")
_ROAD_KEYS = (
    "action",
    "select",
    "speed_kph",
    "speed_factor",
    "name",
    "ref",
    "highway",
    "maxspeed",
    "oneway",
    "coordinates",
    "crs",
    "snap_m",
)
_ACTIONS = ("remove", "slow", "add")
SELECT_KEYS = ("id", "ref", "name", "highway", "osmid")
#: Largest distance (m) between an added link's end and the node it joins.
ADD_SNAP_M = 250.0


@dataclass(frozen=True)
class RoadChange:
    """One change to the road graph (see the module docs)."""

    action: str
    select: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    speed_kph: float | None = None
    speed_factor: float | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)
    coordinates: tuple[tuple[float, float], ...] = ()
    crs: str = "EPSG:4326"
    snap_m: float = ADD_SNAP_M


@dataclass(frozen=True)
class Scenario:
    """A validated scenario.

    Attributes
    ----------
    name, description
        What it is.
    with_extension
        Run the planned TEB extension; ``None`` keeps the base run's choice.
    transit
        TransitParams overrides (raw mapping, validated when applied).
    roads
        Road changes, applied in order.
    """

    name: str
    description: str = ""
    with_extension: bool | None = None
    transit: Mapping[str, Any] = field(default_factory=dict)
    roads: tuple[RoadChange, ...] = ()


def _values(v: Any, *, where: str) -> tuple[str, ...]:
    if isinstance(v, list | tuple):
        if not v:
            msg = f"{where}: empty list; give at least one value."
            raise ConfigError(msg)
        return tuple(str(x) for x in v)
    if isinstance(v, str | int | float) and not isinstance(v, bool):
        return (str(v),)
    msg = f"{where}: expected a value or a list of values, got {v!r}."
    raise ConfigError(msg)


def _positive(v: Any, *, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v <= 0:
        msg = f"{where}: expected a positive number, got {v!r}."
        raise ConfigError(msg)
    return float(v)


def parse_scenario(raw: Any, *, where: str) -> Scenario:
    """Validate a parsed scenario mapping.

    Parameters
    ----------
    raw
        The YAML content.
    where
        The file, for messages.

    Returns
    -------
    Scenario
        The scenario.

    Raises
    ------
    ConfigError
        Unknown keys (the message lists the valid ones), bad values.
    """
    check_keys(raw, _TOP_KEYS, where=where, required=("name",))
    ext = raw.get("with_extension")
    if ext is not None:
        yaml_bool(ext, where=f"{where}, with_extension")
    transit = raw.get("transit", {}) or {}
    if not isinstance(transit, Mapping):
        msg = f"{where}: 'transit' must be a mapping of TransitParams fields."
        raise ConfigError(msg)
    roads_raw = raw.get("roads", []) or []
    if not isinstance(roads_raw, list):
        msg = f"{where}: 'roads' must be a list of changes (action: remove | slow | add)."
        raise ConfigError(msg)
    changes = []
    for i, ch in enumerate(roads_raw):
        w = f"{where}, roads[{i}]"
        check_keys(ch, _ROAD_KEYS, where=w, required=("action",))
        action = ch["action"]
        if action not in _ACTIONS:
            msg = f"{w}: unknown action {action!r}. Valid actions: {', '.join(_ACTIONS)}."
            raise ConfigError(msg)
        select: dict[str, tuple[str, ...]] = {}
        if action in ("remove", "slow"):
            sel = ch.get("select")
            if not sel:
                msg = f"{w}: '{action}' needs 'select' with one of {', '.join(SELECT_KEYS)}."
                raise ConfigError(msg)
            check_keys(sel, SELECT_KEYS, where=f"{w}.select")
            select = {k: _values(v, where=f"{w}.select.{k}") for k, v in sel.items()}
        speed_kph = speed_factor = None
        if action == "slow":
            if ("speed_kph" in ch) == ("speed_factor" in ch):
                msg = f"{w}: 'slow' needs exactly one of speed_kph (new speed) or speed_factor (e.g. 0.5)."
                raise ConfigError(msg)
            if "speed_kph" in ch:
                speed_kph = _positive(ch["speed_kph"], where=f"{w}.speed_kph")
            else:
                speed_factor = _positive(ch["speed_factor"], where=f"{w}.speed_factor")
        coords: tuple[tuple[float, float], ...] = ()
        attrs: dict[str, Any] = {}
        if action == "add":
            c = ch.get("coordinates")
            ok = isinstance(c, list) and len(c) >= 2
            ok = ok and all(isinstance(p, list | tuple) and len(p) == 2 for p in c)
            if not ok:
                msg = f"{w}: 'add' needs 'coordinates', a list of at least two [x, y] pairs."
                raise ConfigError(msg)
            coords = tuple((float(p[0]), float(p[1])) for p in c)
            hw = str(ch.get("highway", "primary"))
            if hw not in DEFAULT_SPEEDS_KPH:
                hint = closest(hw, tuple(DEFAULT_SPEEDS_KPH))
                msg = (
                    f"{w}: unknown highway class {hw!r}. Valid: {', '.join(DEFAULT_SPEEDS_KPH)}."
                    + (f" Did you mean {hint[0]!r}?" if hint else "")
                )
                raise ConfigError(msg)
            attrs = {
                "name": str(ch.get("name", f"scenario link {i + 1}")),
                "highway": hw,
                "oneway": yaml_bool(ch.get("oneway", False), where=f"{w}.oneway"),
            }
            if "ref" in ch:
                attrs["ref"] = str(ch["ref"])
            if "maxspeed" in ch:
                attrs["maxspeed"] = _positive(ch["maxspeed"], where=f"{w}.maxspeed")
        else:
            extra = [
                k
                for k in ("coordinates", "highway", "maxspeed", "oneway", "ref", "name")
                if k in ch
            ]
            if extra:
                msg = (
                    f"{w}: {', '.join(extra)} only apply to 'add'; remove them or use action: add."
                )
                raise ConfigError(msg)
        changes.append(
            RoadChange(
                action=action,
                select=select,
                speed_kph=speed_kph,
                speed_factor=speed_factor,
                attrs=attrs,
                coordinates=coords,
                crs=str(ch.get("crs", "EPSG:4326")),
                snap_m=_positive(ch["snap_m"], where=f"{w}.snap_m")
                if "snap_m" in ch
                else ADD_SNAP_M,
            )
        )
    return Scenario(
        name=str(raw["name"]),
        description=str(raw.get("description", "")),
        with_extension=ext,
        transit=dict(transit),
        roads=tuple(changes),
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    Scenario
        The scenario.

    Raises
    ------
    ConfigError
        Missing or unreadable file, invalid YAML, unknown keys.
    """
    p = Path(path)
    raw, _ = read_yaml(p, what="scenario file", hint="See analyses/scenarios/ for examples.")
    return parse_scenario(raw, where=str(p))


def _parts(value: Any) -> set[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return set()
    items = value if isinstance(value, list | tuple | set) else str(value).split(";")
    return {str(x).strip().casefold() for x in items}


def select_edges(
    G: nx.MultiDiGraph, select: Mapping[str, tuple[str, ...]], *, where: str = "select"
) -> list[tuple[Any, Any, Any]]:
    """The edges ``(u, v, key)`` matching a selector.

    Parameters
    ----------
    G
        The road graph.
    select
        Attribute → accepted values (see the module docs).
    where
        For messages.

    Returns
    -------
    list
        The matching edges (both directions of a two-way link).

    Raises
    ------
    ConfigError
        When nothing matches (the message lists close values present).
    """
    wanted = {k: {v.casefold() for v in vals} for k, vals in select.items()}
    hits = [
        (u, v, k)
        for u, v, k, d in G.edges(keys=True, data=True)
        if all(_parts(d.get(attr)) & vals for attr, vals in wanted.items())
    ]
    if not hits:
        _no_match(
            select,
            {a: {p for _, _, d in G.edges(data=True) for p in _parts(d.get(a))} for a in select},
            where=where,
        )
    return hits


def _no_match(
    select: Mapping[str, tuple[str, ...]], present: Mapping[str, set[str]], *, where: str
) -> None:
    """Raise the error of a selector that matches no link, with the closest values present."""
    hints = []
    for attr, vals in select.items():
        values = sorted(present[attr])
        near = [h for v in vals for h in closest(v, values)]
        hints.append(
            f"{attr}: {', '.join(near[:5]) if near else 'no close value'}"
            f" ({len(values)} values present)"
        )
    msg = (
        f"{where}: no road link matches {dict(select)}. Closest values present: "
        + "; ".join(hints)
        + "."
    )
    raise ConfigError(msg)


def _select_mask(
    net: RoadArrays, select: Mapping[str, tuple[str, ...]], *, where: str
) -> np.ndarray:
    """:func:`select_edges` on road arrays: one bool per edge."""
    mask = np.ones(net.n_edges, dtype=bool)
    present: dict[str, set[str]] = {}
    for attr, vals in select.items():
        wanted = {v.casefold() for v in vals}
        col = (
            net.edges[attr].to_numpy(dtype=object)
            if attr in net.edges.columns
            else np.full(net.n_edges, None, dtype=object)
        )
        mask &= per_unique(lambda x, w=wanted: bool(_parts(x) & w), col, dtype=bool)
        combos, _ = unique_rows(col)
        present[attr] = {p for (x,) in combos for p in _parts(x)}
    if not mask.any():
        _no_match(select, present, where=where)
    return mask


def _new_link(
    table: NodeTable, ch: RoadChange, *, where: str
) -> tuple[int, int, LineString, dict[str, Any]]:
    """An added link: its end nodes (positions), geometry and attributes (free-flow time)."""
    tf = pyproj.Transformer.from_crs(ch.crs, DEFAULT_CRS, always_xy=True)
    xy = np.array([tf.transform(x, y) for x, y in ch.coordinates])
    ends = []
    for label, p in (("first", xy[0]), ("last", xy[-1])):
        d = np.hypot(table.x - p[0], table.y - p[1])
        k = int(np.argmin(d))
        if d[k] > ch.snap_m:
            msg = (
                f"{where}: the {label} coordinate of the added link is {d[k]:,.0f} m from the "
                f"nearest road node (limit {ch.snap_m:,.0f} m); start and end the link at "
                "existing junctions, or raise snap_m."
            )
            raise ConfigError(msg)
        ends.append(k)
    u, v = ends
    if u == v:
        msg = (
            f"{where}: both ends of the added link snap to the same node {table.ids[u]!r}; "
            "draw it longer."
        )
        raise ConfigError(msg)
    coords = [(table.x[u], table.y[u]), *map(tuple, xy[1:-1]), (table.x[v], table.y[v])]
    geom = LineString(coords)
    speed = float(ch.attrs.get("maxspeed", DEFAULT_SPEEDS_KPH[str(ch.attrs["highway"])]))
    length = float(shapely.length(geom))
    attrs = {
        **ch.attrs,
        "id": f"scenario:{ch.attrs['name']}",
        "length": length,
        "speed_kph": speed,
        "travel_time": length / (speed / 3.6),
        "speed_source": "scenario",
    }
    return u, v, geom, attrs


def _add_link(H: nx.MultiDiGraph, ch: RoadChange, *, where: str) -> None:
    table = node_table(H)
    pu, pv, geom, attrs = _new_link(table, ch, where=where)
    u, v = (x.item() if isinstance(x, np.generic) else x for x in (table.ids[pu], table.ids[pv]))
    added = [(u, v, H.add_edge(u, v, **attrs, geometry=geom, reversed=False))]
    if not ch.attrs.get("oneway", False):
        added.append((v, u, H.add_edge(v, u, **attrs, geometry=geom.reverse(), reversed=True)))
    retime_new_edges(H, added)


def apply_road_changes(
    G: RoadGraph, changes: tuple[RoadChange, ...] | list[RoadChange]
) -> RoadGraph:
    """A copy of ``G`` with the road changes applied in order (``G`` is not changed).

    Parameters
    ----------
    G
        The road graph.
    changes
        The changes (:attr:`Scenario.roads`).

    Returns
    -------
    networkx.MultiDiGraph or RoadArrays
        The changed graph (arrays for arrays). Removing links keeps every node (a node may become
        unreachable: times from it are NaN with a reason).
    """
    arrays = _as_arrays(G)
    if arrays is not None:
        return _apply_arrays(arrays, changes)
    assert isinstance(G, nx.MultiDiGraph)
    H = G.copy()
    for i, ch in enumerate(changes):
        where = f"roads[{i}] ({ch.action})"
        if ch.action == "add":
            _add_link(H, ch, where=where)
            continue
        edges = select_edges(H, ch.select, where=where)
        if ch.action == "remove":
            H.remove_edges_from(edges)
            logger.info("%s: removed %d edge(s)", where, len(edges))
            continue
        for u, v, k in edges:
            d = H.edges[u, v, k]
            old = float(d["speed_kph"])
            new = ch.speed_kph if ch.speed_kph is not None else old * float(ch.speed_factor or 1.0)
            d["speed_kph"] = new
            # the junction delays of the road model stay (a slower road, the same junctions)
            d["travel_time"] = float(d["length"]) / (new / 3.6) + float(d.get("delay_s", 0.0))
            d["speed_source"] = "scenario"
        logger.info("%s: slowed %d edge(s)", where, len(edges))
    return H


#: Column patterns compared between a scenario and the base run.
def delta_columns(frame: pd.DataFrame) -> list[str]:
    """The numeric result columns a scenario delta is taken on (times and catchments)."""
    kinds = ("travel_time", "transit_leg", "catchment", "hansen")
    found = names.parse_all(frame.columns, profiles=())
    return [
        c.name for c in found if c.kind in kinds and pd.api.types.is_numeric_dtype(frame[c.name])
    ]


def scenario_deltas(base: pd.DataFrame, scenario: pd.DataFrame) -> pd.DataFrame:
    """Scenario minus base for every time and catchment column.

    .. math:: \\Delta x = x_\\text{scenario} - x_\\text{base}

    Parameters
    ----------
    base, scenario
        Result tables on the same index (not changed).

    Returns
    -------
    pandas.DataFrame
        ``delta_{column}`` per shared column (NaN where either side is NaN),
        and ``delta_note`` saying where a time appeared or disappeared.
    """
    cols = [c for c in delta_columns(base) if c in scenario.columns]
    out = pd.DataFrame(index=base.index)
    notes = pd.Series("", index=base.index, dtype=object)
    for c in cols:
        b = pd.to_numeric(base[c], errors="coerce")
        s = pd.to_numeric(scenario[c].reindex(base.index), errors="coerce")
        out[names.delta(c)] = s - b
        gained = b.isna() & s.notna()
        lost = b.notna() & s.isna()
        notes[gained] = notes[gained] + f"{c} newly available; "
        notes[lost] = notes[lost] + f"{c} lost; "
    out[names.DELTA_NOTE] = notes.str.rstrip("; ")
    return out


def _apply_arrays(
    net: RoadArrays, changes: tuple[RoadChange, ...] | list[RoadChange]
) -> RoadArrays:
    """:func:`apply_road_changes` on road arrays (the same changes, on columns)."""
    out = net
    for i, ch in enumerate(changes):
        where = f"roads[{i}] ({ch.action})"
        if ch.action == "add":
            u, v, geom, attrs = _new_link(out.nodes, ch, where=where)
            ends = [(u, v, geom, False)]
            if not ch.attrs.get("oneway", False):
                ends.append((v, u, geom.reverse(), True))
            e = out.edges
            rows = []
            for a, b, _, rev in ends:
                key = int(((e["u"] == a) & (e["v"] == b)).sum())
                rows.append({"u": a, "v": b, "key": key, **attrs, "reversed": rev})
            before = out.n_edges
            out = out.with_added_edges(
                pd.DataFrame(rows), [shapely.get_coordinates(g) for _, _, g, _ in ends]
            )
            new = np.zeros(out.n_edges, dtype=bool)
            new[before:] = True
            out = retime_new_arrays(out, new)
            continue
        mask = _select_mask(out, ch.select, where=where)
        if ch.action == "remove":
            out = out.subset(~mask, drop_isolated=False)
            logger.info("%s: removed %d edge(s)", where, int(mask.sum()))
            continue
        e = out.edges
        old = e["speed_kph"].to_numpy(dtype=np.float64)
        new_speed = (
            np.full(len(e), ch.speed_kph)
            if ch.speed_kph is not None
            else old * float(ch.speed_factor or 1.0)
        )
        delay = (
            pd.to_numeric(e["delay_s"], errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)
            if "delay_s" in e.columns
            else np.zeros(len(e))
        )
        # the junction delays of the road model stay (a slower road, the same junctions)
        tt = e["length"].to_numpy(dtype=np.float64) / (new_speed / 3.6) + delay
        source = e["speed_source"].to_numpy(dtype=object).copy()
        source[mask] = "scenario"
        out = out.with_edges(
            speed_kph=np.where(mask, new_speed, old),
            travel_time=np.where(mask, tt, e["travel_time"].to_numpy(dtype=np.float64)),
            speed_source=source,
        )
        logger.info("%s: slowed %d edge(s)", where, int(mask.sum()))
    return out
