"""The roads fit for lorries, and lorry travel times on them.

A logistics site is only as good as the way its lorries reach the motorway. A
planner's rule of thumb, written here for any road graph in the osmnx
convention:

Which roads
-----------
An edge is **fit for lorries** when

1. its OpenStreetMap ``hgv`` tag does not forbid through lorries: ``no``,
   ``destination``, ``delivery``, ``local``, ``private``, ``agricultural`` or
   ``forestry`` make it unfit (the lorry may only reach a destination on it,
   which the site's access leg covers), ``yes``, ``designated`` or
   ``permissive`` make it fit whatever its class; and its ``maxweight``, when
   tagged, is above :data:`LORRY_WEIGHT_T` tonnes;
2. otherwise by class and setting: motorways and trunk roads (and their
   links) always; primary and secondary roads (and links) unless their
   ``setting`` is ``urban``, i.e. they cross a built-up area (a town centre);
   tertiary and lower classes never (municipal connectors and streets).

The ``setting`` is the road model's (:mod:`seriana_gis.network.model`: an
attribute of each link of the embedded network, derived for OSM from
``maxspeed`` and nearby residential streets). Where an edge has none, a
``maxspeed`` of 50 km/h or less marks it urban (50 is the limit in built-up
areas, Codice della Strada art. 142 c. 1).

On the embedded skeletal network this keeps the A4, the SS671 expressway and
the Bergamo ring road, the main roads between towns, and drops the old valley
road (SP35) and the city streets where they cross the towns. On OpenStreetMap
the same rule reads the real classes, settings and ``hgv`` tags.

Lorry speeds
------------
A goods vehicle over 12 t may not exceed 80 km/h on motorways and 70 km/h on
other roads outside built-up areas (Codice della Strada art. 142 c. 3); an
edge's speed is capped accordingly (:data:`LORRY_SPEED_CAPS_KPH`) and its
junction delays, if any, are kept.

How a site reaches the lorry network
------------------------------------
A lorry leaves the site over the streets of the whole road network, timed by
the road model at lorry speeds (:func:`lorry_streets`), to the first node of
the lorry network it reaches (the quickest to reach), and stays on the lorry
network from there to the junction. A site in a town centre pays for the
streets it crosses at the road model's town speeds and junction delays; a
site on an industrial road next to an expressway junction does not. The lorry
time is never shorter than the car time: the same streets at speeds no
higher, then a subset of the roads. (Before, the site reached the nearest
lorry node by a straight leg at 20 km/h, quicker than the calibrated town
streets a car was timed on: lorry times came out shorter than car times.)

Limits: OpenStreetMap maps lorry bans unevenly (the Bergamo snapshot of 2021
tags ten ways), so the class and setting carry most of the rule; a main road
through a town is not recognised as urban where the model's setting misses
it; and the streets a lorry leaves by are not checked for height or weight limits.
"""

# ruff: noqa: N803, N806  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from .._errors import NetworkError
from ._columns import per_unique
from .arrays import RoadArrays
from .graph import keep_largest_scc
from .routing import RoadGraph, _as_arrays
from .speeds import parse_maxspeed

logger = logging.getLogger(__name__)

#: Classes fit for lorries in any setting.
ALWAYS_FIT: frozenset[str] = frozenset({"motorway", "motorway_link", "trunk", "trunk_link"})
#: Classes fit for lorries outside built-up areas.
FIT_OUTSIDE_TOWNS: frozenset[str] = frozenset(
    {"primary", "primary_link", "secondary", "secondary_link"}
)
#: ``hgv`` values that forbid through lorries, and those that allow them.
HGV_FORBIDS: frozenset[str] = frozenset(
    {"no", "destination", "delivery", "local", "private", "agricultural", "forestry"}
)
HGV_ALLOWS: frozenset[str] = frozenset({"yes", "designated", "permissive"})
#: A ``maxweight`` at or below this (tonnes) keeps lorries out.
LORRY_WEIGHT_T = 7.5
#: Speed caps of goods vehicles over 12 t (Codice della Strada art. 142 c. 3), km/h.
LORRY_SPEED_CAPS_KPH: dict[str, float] = {"motorway": 80.0, "other": 70.0}
#: Edge attributes read beside the class (OSM tags kept by the road readers).
HGV_TAGS: tuple[str, ...] = ("hgv", "maxweight")


def _values(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    items = value if isinstance(value, list | tuple | set) else str(value).split(";")
    return [str(v).strip().lower() for v in items if str(v).strip()]


def _weight_t(value: object) -> float | None:
    """A ``maxweight`` in tonnes (``7.5``, ``7.5 t``, ``3500 kg``), None when not a number."""
    for v in _values(value):
        text = v.replace(",", ".").replace(" ", "")
        factor = 0.001 if text.endswith("kg") else 1.0
        text = text.removesuffix("kg").removesuffix("t")
        try:
            return float(text) * factor
        except ValueError:
            continue
    return None


def is_urban(data: Mapping[str, object]) -> bool:
    """Whether an edge crosses a built-up area: its ``setting``, else ``maxspeed`` ≤ 50."""
    setting = data.get("setting")
    if isinstance(setting, str) and setting:
        return setting == "urban"
    speed = parse_maxspeed(data.get("maxspeed"))
    return speed is not None and speed <= 50.0


def lorry_fit(data: Mapping[str, object]) -> tuple[bool, str]:
    """Whether lorries may use an edge, and why (see the module docs).

    Parameters
    ----------
    data
        The edge's attributes (``highway``, optional ``hgv``, ``maxweight``,
        ``setting``, ``maxspeed``).

    Returns
    -------
    tuple
        ``(fit, reason)``, the reason in words.
    """
    hgv = _values(data.get("hgv"))
    if any(h in HGV_FORBIDS for h in hgv):
        return False, f"hgv={'/'.join(hgv)}"
    weight = _weight_t(data.get("maxweight"))
    if weight is not None and weight <= LORRY_WEIGHT_T:
        return False, f"maxweight {weight:g} t"
    if any(h in HGV_ALLOWS for h in hgv):
        return True, f"hgv={'/'.join(hgv)}"
    classes = set(_values(data.get("highway")))
    if classes & ALWAYS_FIT:
        return True, "motorway or trunk road"
    if classes & FIT_OUTSIDE_TOWNS:
        if is_urban(data):
            return False, "main road through a built-up area"
        return True, "main road outside built-up areas"
    return False, "minor road"


def _is_motorway(highway: object) -> bool:
    """Whether an OSM ``highway`` value (or list) names a motorway or its link."""
    return bool(set(_values(highway)) & {"motorway", "motorway_link"})


def _capped(
    travel_time: Any, length: Any, speed: Any, motorway: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Travel times and speeds at the lorry limit, for one edge or arrays of them.

    :math:`t = L / v + \\text{delays}`: where the speed is over the cap, the running
    part is replaced at the capped speed and the delays kept. Returns the times,
    the speeds and where they were capped.
    """
    cap = np.where(motorway, LORRY_SPEED_CAPS_KPH["motorway"], LORRY_SPEED_CAPS_KPH["other"])
    speed = np.asarray(speed, dtype=np.float64)
    length = np.asarray(length, dtype=np.float64)
    slow = (speed > cap) & np.isfinite(length)
    with np.errstate(divide="ignore", invalid="ignore"):
        capped = travel_time + length * 3.6 * (1 / cap - 1 / speed)
    return np.where(slow, capped, travel_time), np.where(slow, cap, speed), slow


def _at_lorry_speed(d: Mapping[str, Any]) -> dict[str, Any]:
    """An edge's attributes with its running speed capped at the lorry limit."""
    data = dict(d)
    tt, speed, slow = _capped(
        float(d.get("travel_time", math.nan)),
        float(d.get("length", math.nan)),
        float(d.get("speed_kph", math.nan)),
        _is_motorway(d.get("highway")),
    )
    if slow:
        data["travel_time"], data["speed_kph"] = float(tt), float(speed)
    return data


def lorry_streets(G: RoadGraph) -> RoadGraph:
    """Every edge of ``G`` at lorry speeds: the streets a lorry takes to reach the lorry network.

    Parameters
    ----------
    G
        A road graph (or road arrays) as for :func:`lorry_graph` (not changed).

    Returns
    -------
    networkx.MultiDiGraph or RoadArrays
        A new graph with the nodes and edges of ``G``, ``speed_kph`` capped at
        :data:`LORRY_SPEED_CAPS_KPH` and ``travel_time`` raised to match.
    """
    arrays = _as_arrays(G)
    if arrays is not None:
        return _capped_arrays(arrays)
    assert isinstance(G, nx.MultiDiGraph)
    A = nx.MultiDiGraph(**G.graph)
    A.add_nodes_from(G.nodes(data=True))
    A.add_edges_from((u, v, k, _at_lorry_speed(d)) for u, v, k, d in G.edges(keys=True, data=True))
    return A


def lorry_graph(G: RoadGraph) -> RoadGraph:
    """The part of ``G`` fit for lorries, at lorry speeds.

    Parameters
    ----------
    G
        A road graph in the osmnx convention with ``highway``, ``length``,
        ``speed_kph`` and ``travel_time`` on its edges (not changed).

    Returns
    -------
    networkx.MultiDiGraph or RoadArrays
        A new graph (road arrays for road arrays): the lorry-fit edges (:func:`lorry_fit`), their largest
        strongly connected component, ``speed_kph`` capped at
        :data:`LORRY_SPEED_CAPS_KPH` and ``travel_time`` raised to match (any
        junction delay in it kept); graph attributes ``lorry_edges`` and
        ``lorry_dropped_edges`` count what was kept and dropped.

    Raises
    ------
    NetworkError
        No edge of ``G`` is fit for lorries.
    """
    arrays = _as_arrays(G)
    if arrays is not None:
        return _lorry_arrays(arrays)
    assert isinstance(G, nx.MultiDiGraph)
    H = nx.MultiDiGraph(**G.graph)
    H.add_nodes_from(G.nodes(data=True))
    dropped = 0
    for u, v, k, d in G.edges(keys=True, data=True):
        fit, _ = lorry_fit(d)
        if not fit:
            dropped += 1
            continue
        H.add_edge(u, v, key=k, **_at_lorry_speed(d))
    H.remove_nodes_from([n for n in list(H.nodes) if H.degree(n) == 0])
    if H.number_of_edges() == 0:
        msg = (
            "no road of the network is fit for lorries (motorway, trunk, or primary and "
            "secondary roads outside built-up areas); the lorry times cannot be computed."
        )
        raise NetworkError(msg)
    H, _report = keep_largest_scc(H, source="lorry network")
    H.graph["lorry_edges"] = H.number_of_edges()
    H.graph["lorry_dropped_edges"] = dropped
    logger.info(
        "lorry network: %d of %d edges (minor roads and main roads through towns dropped)",
        H.number_of_edges(),
        G.number_of_edges(),
    )
    return H


#: The edge attributes :func:`lorry_fit` reads.
_FIT_COLUMNS = ("highway", "hgv", "maxweight", "setting", "maxspeed")


def _capped_arrays(net: RoadArrays) -> RoadArrays:
    """:func:`lorry_streets` on road arrays: every edge at lorry speeds."""
    e = net.edges
    highway = (
        e["highway"].to_numpy(dtype=object) if "highway" in e.columns else np.full(len(e), None)
    )
    tt, speed, _ = _capped(
        e["travel_time"].to_numpy(dtype=np.float64),
        pd.to_numeric(e["length"], errors="coerce").to_numpy(dtype=np.float64),
        pd.to_numeric(e["speed_kph"], errors="coerce").to_numpy(dtype=np.float64),
        per_unique(_is_motorway, highway, dtype=bool),
    )
    return net.with_edges(travel_time=tt, speed_kph=speed)


def _lorry_arrays(net: RoadArrays) -> RoadArrays:
    """:func:`lorry_graph` on road arrays: the same rule, once per distinct attribute combination."""
    e = net.edges
    cols = [
        e[c].to_numpy(dtype=object) if c in e.columns else np.full(len(e), None)
        for c in _FIT_COLUMNS
    ]
    fit = per_unique(
        lambda *vals: lorry_fit(dict(zip(_FIT_COLUMNS, vals, strict=True)))[0], *cols, dtype=bool
    )
    if not fit.any():
        msg = (
            "no road of the network is fit for lorries (motorway, trunk, or primary and "
            "secondary roads outside built-up areas); the lorry times cannot be computed."
        )
        raise NetworkError(msg)
    lorry = _capped_arrays(net).subset(fit)
    H, _ = lorry.largest_scc()
    H.graph["lorry_edges"] = H.n_edges
    H.graph["lorry_dropped_edges"] = int((~fit).sum())
    logger.info(
        "lorry network: %d of %d edges (minor roads and main roads through towns dropped)",
        H.n_edges,
        net.n_edges,
    )
    return H
