"""Car and transit travel times from sites to destinations, and OD matrices.

Car
---
A site is snapped to its nearest road node (:func:`seriana_gis.network.snap_sites`):
from the point of its site point when its layer's schema anchors it there (the
brownfields, :mod:`seriana_gis.layers.site_point`), else a polygon or line from its
nearest point; the destination too. The car time is

.. math::

    t_\\text{car} = \\frac{d_\\text{snap}(o)}{v_a} + T(n_o, n_d) + \\frac{d_\\text{snap}(d)}{v_a}

with :math:`T` the shortest ``travel_time`` on the road graph and :math:`v_a`
the access speed of the straight-line snap legs (20 km/h by default, see
:mod:`seriana_gis.network.snap`). A snap over 500 m is flagged (``snap_flag``).

A **municipality** is represented by its town-centre node: no population-weighted
centre is available from the layers, so we take the road node *inside* the
municipality nearest to its site point (the centroid of its polygon, or a point
on its surface when the centroid falls outside), falling back to the nearest node anywhere.
The strategic network ends a link at every town centre, so this is the town
centre there; the nodes cut inside its links
(:data:`~seriana_gis.network.lines.LINK_INTERIOR`) are not candidates. No
access leg is added (the node *is* the origin); ``snap_m`` records the
centroid-node distance for transparency, and ``snap_flag`` is set only when no
road node lies inside the municipality (the fallback).

Transit
-------
A destination within ``max_walk_min`` on foot is walked to when that is quicker
than any tram trip (``_access_mode`` = ``walk_only``). Otherwise
:func:`combine_legs` minimises
:math:`t_\\text{access}(o, b) + t_\\text{wait} + t_\\text{ride}(b, a) + t_\\text{egress}(a, d)`
over boarding and alighting stops :math:`b \\ne a` (see
:mod:`seriana_gis.accessibility.transit` for each leg).

Unreachable
-----------
A time that cannot be computed is NaN with the reason in a ``*_reason`` column,
never zero: no road path (another component, a road closed by a scenario), no
stop within walking distance and no park and ride, a destination beyond walking
distance of every stop and without a feeder.
"""

# ruff: noqa: N803  (G: the networkx / osmnx name for graphs)

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from .. import columns as names
from .._errors import ConfigError, DataError, NetworkError
from ..config import DEFAULT_CRS, closest
from ..layers.schemas import SCHEMAS
from ..layers.site_point import site_points
from ..network import get_engine, node_table, od_matrix, snap_sites
from ..network.lines import link_ends
from ..network.routing import RoadGraph
from ..network.snap import ACCESS_SPEED_KPH, MAX_SNAP_M, OFF_NETWORK_M
from .period import graph_time_of_day, tram_peak
from .transit import TransitParams, ride_matrix, straight_walk_min, xy_of

logger = logging.getLogger(__name__)

#: Destination ``kind`` whose nearest member gives ``car_a4_min``.
JUNCTION_KIND = "motorway_junction"
A4 = names.NEAREST_A4
TEB = names.NEAREST_TEB
CAR_A4 = names.travel_time("car", A4)


def _check_layer(gdf: gpd.GeoDataFrame, *, layer: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"{layer}: expected a GeoDataFrame, got {type(gdf).__name__}."
        raise DataError(msg)
    if len(gdf) == 0:
        msg = f"the {layer} layer is empty; give at least one feature (or leave the layer out)."
        raise DataError(msg)
    if gdf.crs is None:
        msg = f"{layer}: the layer has no CRS; declare it (gdf.set_crs(...)) first."
        raise DataError(msg)
    geoms = gdf.geometry
    bad = geoms.isna() | geoms.is_empty
    if bad.any():
        ids = gdf.loc[bad, "id"].tolist() if "id" in gdf.columns else list(gdf.index[bad])
        msg = f"{layer}: features {ids[:10]} have no geometry; give them a position or drop them."
        raise DataError(msg)
    return gdf.to_crs(DEFAULT_CRS)


def locate_sites(
    G: RoadGraph,
    sites: gpd.GeoDataFrame,
    *,
    layer: str = "sites",
    access_speed_kph: float = ACCESS_SPEED_KPH,
    max_snap_m: float = MAX_SNAP_M,
) -> pd.DataFrame:
    """Attach sites to the road graph.

    Parameters
    ----------
    G
        The road graph (not changed).
    sites
        Points, lines or polygons (not changed).
    layer
        Name for messages; ``"municipalities"`` selects the town-centre rule
        of the module docs.
    access_speed_kph
        Speed :math:`v_a` of the snap leg.
    max_snap_m
        Snaps over this are flagged.

    Returns
    -------
    pandas.DataFrame
        On the sites' index: ``node``, ``snap_m``, ``access_s``, ``snap_flag``,
        ``snap_note``, and ``x``, ``y`` (the point walks start from: the site's
        representative point, or the town-centre node).
    """
    gdf = _check_layer(sites, layer=layer)
    if layer != "municipalities":
        schema = SCHEMAS.get(layer)
        snap = snap_sites(
            G,
            gdf,
            access_speed_kph=access_speed_kph,
            max_snap_m=max_snap_m,
            anchor=schema.anchor if schema is not None else "nearest",
        )
        xy = xy_of(gdf.geometry)
        return snap.assign(x=xy[:, 0], y=xy[:, 1])
    table = node_table(G)
    ids, nxy, tree = table.ids, table.xy, table.kdtree
    ends = link_ends(G)
    if ends is not None and ends.any():  # a town centre is where links end, not inside one
        ids, nxy = ids[ends], nxy[ends]
        tree = cKDTree(nxy)
    pts = shapely.points(nxy)
    rows = []
    for geom, anchor in zip(gdf.geometry, site_points(gdf.geometry), strict=True):
        inside = np.flatnonzero(shapely.contains(geom, pts))
        if len(inside):
            d = np.hypot(nxy[inside, 0] - anchor.x, nxy[inside, 1] - anchor.y)
            k = int(inside[int(np.argmin(d))])
            dist = float(d.min())
            note = ""
        else:
            dist0, k0 = tree.query((anchor.x, anchor.y))
            k, dist = int(k0), float(dist0)
            note = (
                f"no road node inside the municipality; nearest node {dist:,.0f} m from its centre"
            )
        # a centre node inside the municipality is its town centre by definition; flag only
        # a municipality the network does not enter
        flag = bool(note)
        rows.append((ids[k], dist, 0.0, flag, note, nxy[k, 0], nxy[k, 1]))
    return pd.DataFrame(
        rows,
        columns=["node", "snap_m", "access_s", "snap_flag", "snap_note", "x", "y"],
        index=gdf.index,
    )


def check_destinations(destinations: gpd.GeoDataFrame, ids: Sequence[str]) -> None:
    """Raise :class:`ConfigError` unless every id is in the ``destinations`` layer.

    Parameters
    ----------
    destinations
        The ``destinations`` layer (``id`` column).
    ids
        The ids asked for.
    """
    if "id" not in destinations.columns:
        msg = "destinations: no 'id' column; every destination needs an id (bgy, bergamo, ...)."
        raise DataError(msg)
    present = destinations["id"].astype(str).tolist()
    if not ids:
        msg = "no destination asked for; give at least one id, e.g. bgy or bergamo."
        raise ConfigError(msg)
    for i in ids:
        if str(i) not in present:
            hint = closest(str(i), present)
            did = f" Did you mean {hint[0]!r}?" if hint else ""
            msg = (
                f"unknown destination {i!r}.{did} The destinations layer has: "
                f"{', '.join(present)}. Fix the configuration's 'destinations' or "
                "--destinations, or add it to the destinations layer."
            )
            raise ConfigError(msg)


def destination_table(
    G: RoadGraph,
    destinations: gpd.GeoDataFrame,
    ids: Sequence[str] | None = None,
    *,
    access_speed_kph: float = ACCESS_SPEED_KPH,
) -> pd.DataFrame:
    """The destinations asked for, snapped to the road graph.

    Parameters
    ----------
    G
        The road graph (not changed).
    destinations
        The ``destinations`` layer (``id``, ``kind``, points). Not changed.
    ids
        The destination ids to keep (all when omitted).
    access_speed_kph
        Speed of the snap leg between the destination and its node.

    Returns
    -------
    pandas.DataFrame
        Indexed by destination id: ``kind``, ``node``, ``snap_m``, ``access_s``,
        ``snap_flag``, ``snap_note``, ``x``, ``y``.

    Raises
    ------
    ConfigError
        An id that is not in the layer (the message lists the ids present).
    """
    dest = _check_layer(destinations, layer="destinations")
    if "id" not in dest.columns:
        msg = "destinations: no 'id' column; every destination needs an id (bgy, bergamo, ...)."
        raise DataError(msg)
    present = dest["id"].astype(str).tolist()
    wanted = present if ids is None else [str(i) for i in ids]
    check_destinations(dest, wanted)
    sub = dest.assign(id=dest["id"].astype(str)).set_index("id").loc[wanted]
    sub = gpd.GeoDataFrame(sub, geometry=sub.geometry.name, crs=dest.crs)
    snap = snap_sites(G, sub, access_speed_kph=access_speed_kph)
    xy = xy_of(sub.geometry)
    kind = sub["kind"].astype(str) if "kind" in sub.columns else pd.Series("", index=sub.index)
    return snap.assign(kind=kind, x=xy[:, 0], y=xy[:, 1])


def _node_od_seconds(
    G: RoadGraph, o_nodes: Sequence[object], d_nodes: Sequence[object]
) -> np.ndarray:
    return od_matrix(G, list(o_nodes), list(d_nodes)).to_numpy(dtype=float)


def car_minutes(G: RoadGraph, origins: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Car minutes from located origins to located targets (:func:`locate_sites` tables).

    .. math:: t = (a_o + T(n_o, n_t) + a_t) / 60

    Parameters
    ----------
    G
        The road graph.
    origins, targets
        Tables with ``node`` and ``access_s``.

    Returns
    -------
    pandas.DataFrame
        Origins × targets, minutes; NaN where no road path exists.
    """
    t = _node_od_seconds(G, origins["node"].tolist(), targets["node"].tolist())
    t = t + origins["access_s"].to_numpy(dtype=float)[:, None]
    t = t + targets["access_s"].to_numpy(dtype=float)[None, :]
    return pd.DataFrame(t / 60.0, index=origins.index, columns=targets.index)


def walk_minutes(
    from_xy: np.ndarray,
    to_xy: np.ndarray,
    *,
    params: TransitParams,
    walk_graph: RoadGraph | None = None,
) -> np.ndarray:
    """Walking minutes between two sets of points.

    Without ``walk_graph``: :func:`~seriana_gis.accessibility.transit.straight_walk_min`
    (straight line × detour factor). With it: the straight snap legs to the
    nearest walk-network nodes plus the shortest network ``length`` between them,

    .. math:: t = \\frac{s_p + L(n_p, n_q) + s_q}{v_w}.

    Parameters
    ----------
    from_xy, to_xy
        Coordinates in EPSG:32632, shapes ``(n, 2)``, ``(m, 2)``.
    params
        Walking speed and detour factor.
    walk_graph
        A pedestrian graph in EPSG:32632 with edge ``length`` (optional).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, m)``, minutes (NaN where the walk network has no path or
        a point lies over ``OFF_NETWORK_M`` from every walk node).
    """
    a = np.asarray(from_xy, dtype=float).reshape(-1, 2)
    b = np.asarray(to_xy, dtype=float).reshape(-1, 2)
    if walk_graph is None:
        return straight_walk_min(a, b, params=params)
    pa = gpd.GeoDataFrame(geometry=shapely.points(a), crs=DEFAULT_CRS)
    pb = gpd.GeoDataFrame(geometry=shapely.points(b), crs=DEFAULT_CRS)
    sa = snap_sites(walk_graph, pa, access_speed_kph=params.walk_speed_kph, max_snap_m=np.inf)
    sb = snap_sites(walk_graph, pb, access_speed_kph=params.walk_speed_kph, max_snap_m=np.inf)
    length = od_matrix(walk_graph, sa["node"].tolist(), sb["node"].tolist(), weight="length")
    metres = length.to_numpy(dtype=float) + sa["snap_m"].to_numpy()[:, None]
    metres = metres + sb["snap_m"].to_numpy()[None, :]
    # a point beyond OFF_NETWORK_M from every walk node is not on this network
    off = (sa["snap_m"].to_numpy() > OFF_NETWORK_M)[:, None] | (
        sb["snap_m"].to_numpy() > OFF_NETWORK_M
    )[None, :]
    return np.where(off, np.nan, metres / (params.walk_speed_kph / 3.6) / 60.0)


def combine_legs(
    access_min: np.ndarray,
    ride_min: np.ndarray,
    egress_min: np.ndarray,
    *,
    wait_min: float,
    feeder_min: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best transit journey of each origin over boarding and alighting stops.

    .. math::

        t_i = \\min_{b \\ne a} \\; \\big[ A_{ib} + w + R_{ba} + E_a + F_a \\big]

    Parameters
    ----------
    access_min
        :math:`A`, shape ``(n, s)``: access minutes from origin ``i`` to stop ``b``
        (``inf`` where the stop is not used).
    ride_min
        :math:`R`, shape ``(s, s)``: in-vehicle minutes (NaN or ``inf`` where no ride).
    egress_min
        :math:`E`, shape ``(s,)``: egress minutes from stop ``a`` (``inf`` if none).
    wait_min
        :math:`w`, the wait at the boarding stop (half the headway).
    feeder_min
        :math:`F`, shape ``(s,)``: feeder wait + ride after alighting at ``a`` (0 if none).

    Returns
    -------
    tuple of numpy.ndarray
        ``total`` (``(n,)``, minutes, ``inf`` if no journey), ``board`` and
        ``alight`` (``(n,)`` stop positions, -1 if no journey).
    """
    acc = np.asarray(access_min, dtype=float)
    ride = np.where(np.isfinite(ride_min), np.asarray(ride_min, dtype=float), np.inf)
    np.fill_diagonal(ride, np.inf)
    tail = np.asarray(egress_min, dtype=float)
    if feeder_min is not None:
        tail = tail + np.asarray(feeder_min, dtype=float)
    # per (b, a): wait + ride + tail; per origin: min over b of acc + that
    leg = wait_min + ride + tail[None, :]
    best_a = np.argmin(leg, axis=1)
    best_leg = leg[np.arange(leg.shape[0]), best_a]
    tot = acc + best_leg[None, :]
    board = np.argmin(tot, axis=1)
    total = tot[np.arange(tot.shape[0]), board]
    alight = best_a[board]
    none = ~np.isfinite(total)
    return total, np.where(none, -1, board), np.where(none, -1, alight)


def _best_journey(
    access: np.ndarray,
    mode: np.ndarray,
    ride: np.ndarray,
    egress: np.ndarray,
    feeder_min: np.ndarray,
    direct: np.ndarray,
    *,
    params: TransitParams,
) -> tuple[np.ndarray, ...]:
    """The best journey of each origin with given access legs (see :func:`transit_table`).

    Returns ``total``, ``board``, ``alight`` (:func:`combine_legs`), ``tram``
    (a tram journey is taken), ``on_foot`` (walking all the way instead), ``ok``
    (either) and ``degenerate`` (the only stops reached by road are the
    destination's own: no tram leg).
    """
    tail = egress + feeder_min
    acc_d = access
    degenerate = np.zeros(len(access), dtype=bool)
    if np.isfinite(tail).any():
        # riding by road to the destination's own stop leaves no tram leg: not a transit trip
        own = int(np.argmin(tail))
        acc_d = access.copy()
        acc_d[:, own] = np.where(np.isin(mode[:, own], ["car", "feeder"]), np.inf, access[:, own])
        degenerate = np.asarray(
            np.isfinite(access).any(axis=1) & ~np.isfinite(acc_d).any(axis=1), dtype=bool
        )
    total, b, a = combine_legs(acc_d, ride, egress, wait_min=params.wait_min, feeder_min=feeder_min)
    tram = b >= 0
    on_foot = (direct <= params.max_walk_min) & ~(total <= direct)
    ok = tram | on_foot
    return total, b, a, tram & ~on_foot, on_foot, ok, degenerate


def transit_table(
    origins: pd.DataFrame,
    stops: gpd.GeoDataFrame,
    dests: pd.DataFrame,
    *,
    params: TransitParams,
    car_to_stops: pd.DataFrame | None = None,
    walk_graph: RoadGraph | None = None,
) -> pd.DataFrame:
    """Transit journeys, leg by leg, from located origins to each destination.

    Parameters
    ----------
    origins
        :func:`locate_sites` table (``x``, ``y``).
    stops
        :func:`~seriana_gis.accessibility.transit.tram_stops` (not changed).
    dests
        :func:`destination_table` (``x``, ``y``), indexed by destination id.
    params
        Speeds, headways, walking and park-and-ride rules, feeders.
    car_to_stops
        Car minutes origin × stop (``stops["id"]`` columns) for park and ride
        and the feeder bus; required when ``params.park_and_ride`` is true
        (without it there is no feeder bus either).
    walk_graph
        Optional pedestrian graph (else straight line × detour).

    Returns
    -------
    pandas.DataFrame
        On the origins' index, per destination ``d``: ``transit_{d}_min`` (total,
        any access), ``_access_min``, ``_access_mode`` (``walk``, ``feeder`` for
        a feeder bus, ``car`` for park and ride, or ``walk_only`` when walking
        all the way is quicker and within ``max_walk_min``: the whole trip is
        then the access leg, the other legs 0), ``_board``, ``_wait_min``,
        ``_ride_min``, ``_alight``, ``_egress_min`` (walk from the alighting stop
        to the destination or to the feeder), ``_feeder_wait_min``,
        ``_feeder_ride_min``, ``_reason`` (why the total is NaN, else empty);
        the best journey without a car, ``_nocar_min`` and
        ``_nocar_access_mode`` (``walk``, ``feeder`` or ``walk_only``); and the
        best journey reaching the stop on foot, ``_walk_access_min``.
    """
    ids = stops["id"].astype(str).to_numpy()
    sxy = np.column_stack([stops.geometry.x, stops.geometry.y])
    oxy = origins[["x", "y"]].to_numpy(dtype=float)
    n = len(origins)
    walk = walk_minutes(oxy, sxy, params=params, walk_graph=walk_graph)
    walk = np.where(np.isfinite(walk), walk, np.inf)
    walkable = walk <= params.max_walk_min
    access = np.where(walkable, walk, np.inf)
    mode = np.where(walkable, "walk", "")
    access_walk = access
    if params.park_and_ride and car_to_stops is None:
        msg = "park_and_ride needs car_to_stops (car minutes origin × stop)."
        raise NetworkError(msg)
    if car_to_stops is not None and (params.park_and_ride or params.feeder_bus):
        road = car_to_stops.loc[:, list(ids)].to_numpy(dtype=float)
        road = np.where(np.isfinite(road), road, np.inf)
        # park and ride, and the feeder bus, serve the stops no farther by road than the
        # nearest *existing* stop (plus a slack): a planned stop adds a choice and never
        # removes the stop used without it, so a scenario that adds stops cannot lengthen a
        # trip; and the traveller does not ride past that stop into the city
        existing = (
            stops["status"].astype(str).to_numpy() == "existing"
            if "status" in stops.columns
            else np.ones(len(ids), dtype=bool)
        )
        reference = road[:, existing] if existing.any() else road
        nearest_road = reference.min(axis=1, keepdims=True)
        candidate = (road <= nearest_road + params.park_and_ride_slack_min) & np.isfinite(road)
        # each stop is reached the quickest way: on foot, by feeder bus, or by car
        if params.feeder_bus:
            bus = road + params.feeder_bus_headway_min / 2.0
            use_bus = candidate & (bus < access)
            access = np.where(use_bus, bus, access)
            mode = np.where(use_bus, "feeder", mode)
    access_nocar, mode_nocar = access, mode
    if params.park_and_ride:
        car = road + params.park_and_ride_min
        use_car = candidate & (car < access)
        access = np.where(use_car, car, access)
        mode = np.where(use_car, "car", mode)
    ride = ride_matrix(stops, speed_kph=params.speed_kph).loc[list(ids), list(ids)].to_numpy()
    out: dict[str, object] = {}
    for d, row in dests.iterrows():
        leg = functools.partial(names.transit_leg, d)
        dxy = np.array([[row["x"], row["y"]]], dtype=float)
        eg_walk = walk_minutes(sxy, dxy, params=params, walk_graph=walk_graph)[:, 0]
        eg_walk = np.where(np.isfinite(eg_walk), eg_walk, np.inf)
        egress = np.where(eg_walk <= params.max_walk_min, eg_walk, np.inf)
        f_wait = np.zeros(len(ids))
        f_ride = np.zeros(len(ids))
        feeder = params.feeder_to(str(d))
        feeder_note = ""
        if feeder is not None:
            if feeder.via not in dests.index:
                msg = (
                    f"the feeder to {d!r} is boarded at destination {feeder.via!r}, which is not "
                    f"among the destinations computed ({', '.join(map(str, dests.index))}); add it."
                )
                raise ConfigError(msg)
            via = dests.loc[feeder.via]
            vxy = np.array([[via["x"], via["y"]]], dtype=float)
            to_via = walk_minutes(sxy, vxy, params=params, walk_graph=walk_graph)[:, 0]
            to_via = np.where(to_via <= params.max_walk_min, to_via, np.inf)
            via_total = to_via + feeder.headway_min / 2.0 + feeder.ride_min
            use = via_total < egress
            egress = np.where(use, to_via, egress)
            f_wait = np.where(use, feeder.headway_min / 2.0, 0.0)
            f_ride = np.where(use, feeder.ride_min, 0.0)
            feeder_note = f" or of {feeder.via!r} (feeder: {feeder.name or feeder.destination})"
        # walking all the way counts when quicker (a destination within walking distance)
        direct = walk_minutes(oxy, dxy, params=params, walk_graph=walk_graph)[:, 0]
        jr = _best_journey(access, mode, ride, egress, f_wait + f_ride, direct, params=params)
        total, b, a, tram, on_foot, ok, degenerate = jr
        nocar = _best_journey(
            access_nocar, mode_nocar, ride, egress, f_wait + f_ride, direct, params=params
        )
        by_foot = _best_journey(
            access_walk, mode, ride, egress, f_wait + f_ride, direct, params=params
        )
        bi = np.where(tram, b, 0)
        ai = np.where(tram, a, 0)
        rows = np.arange(n)

        def pick(
            values: np.ndarray, tram: np.ndarray = tram, on_foot: np.ndarray = on_foot
        ) -> np.ndarray:
            return np.where(tram, values, np.where(on_foot, 0.0, np.nan))

        out[names.travel_time("transit", d)] = np.where(
            tram, total, np.where(on_foot, direct, np.nan)
        )
        out[leg("access_min")] = np.where(on_foot, direct, pick(access[rows, bi]))
        out[leg("access_mode")] = np.where(tram, mode[rows, bi], np.where(on_foot, "walk_only", ""))
        out[leg("board")] = np.where(tram, ids[bi], "")
        out[leg("wait_min")] = pick(np.full(n, params.wait_min))
        out[leg("ride_min")] = pick(ride[bi, ai])
        out[leg("alight")] = np.where(tram, ids[ai], "")
        out[leg("egress_min")] = pick(egress[ai])
        out[leg("feeder_wait_min")] = pick(f_wait[ai])
        out[leg("feeder_ride_min")] = pick(f_ride[ai])
        n_total, n_b, _, n_tram, n_foot, _, _ = nocar
        out[leg("nocar_min")] = np.where(n_tram, n_total, np.where(n_foot, direct, np.nan))
        w_total, _, _, w_tram, w_foot, _, _ = by_foot
        out[leg("walk_access_min")] = np.where(w_tram, w_total, np.where(w_foot, direct, np.nan))
        out[leg("nocar_access_mode")] = np.where(
            n_tram,
            mode_nocar[rows, np.where(n_tram, n_b, 0)],
            np.where(n_foot, "walk_only", ""),
        )
        reasons = np.full(n, "", dtype=object)
        no_access: np.ndarray = np.asarray(~np.isfinite(access).any(axis=1), dtype=bool)
        nearest = walk.min(axis=1)
        for i in np.flatnonzero(~ok):
            if degenerate[i]:
                reasons[i] = (
                    "the TEB stop nearest by road is the one nearest the destination: there is "
                    "no tram leg, the trip is by car or bus"
                )
            elif no_access[i]:
                pr = (
                    "and no road path to any stop for park and ride"
                    if params.park_and_ride
                    else "and park and ride is off"
                )
                reasons[i] = (
                    f"nearest TEB stop is {nearest[i]:.0f} min on foot (over "
                    f"{params.max_walk_min:.0f}) {pr}"
                )
            elif not np.isfinite(egress).any():
                reasons[i] = (
                    f"{d!r} is over {params.max_walk_min:.0f} min on foot from every TEB stop"
                    f"{feeder_note}, and no feeder leg reaches it (TransitParams.feeders)"
                )
            else:
                reasons[i] = "no tram ride joins a usable boarding stop to a usable alighting stop"
        out[leg("reason")] = reasons
    return pd.DataFrame(out, index=origins.index)


def nearest_junction(
    G: RoadGraph, origins: pd.DataFrame, destinations: pd.DataFrame, *, mode: str
) -> dict[str, pd.Series]:
    """Minutes to the nearest motorway junction, the junction and why there is none.

    Parameters
    ----------
    G
        The graph the sites were located on (the road graph, or the lorry graph).
    origins
        :func:`locate_sites` of the sites on ``G``.
    destinations
        :func:`destination_table` on ``G``; its members of kind
        ``motorway_junction`` are the junctions.
    mode
        The mode of the column names (``car``, ``hgv``).

    Returns
    -------
    dict
        ``{mode}_a4_min``, ``{mode}_a4_junction`` and ``{mode}_a4_reason``.
    """
    minutes = names.travel_time(mode, A4)
    junction = names.travel_note(mode, A4, "junction")
    reason = names.travel_note(mode, A4, "reason")
    junctions = destinations[destinations["kind"] == JUNCTION_KIND]
    if not len(junctions):
        return {
            minutes: pd.Series(np.nan, index=origins.index),
            junction: pd.Series("", index=origins.index),
            reason: pd.Series(
                f"no destination of kind {JUNCTION_KIND!r} in the destinations layer",
                index=origins.index,
            ),
        }
    cj = car_minutes(G, origins, junctions)
    best = cj.min(axis=1, skipna=True)
    return {
        minutes: best,
        junction: cj.fillna(np.inf).idxmin(axis=1).where(best.notna(), ""),
        reason: pd.Series(
            np.where(best.isna(), "no road path to any motorway junction", ""), index=best.index
        ),
    }


def lorry_times(
    A: RoadGraph,
    H: RoadGraph,
    sites: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    *,
    layer: str = "sites",
    access_speed_kph: float = ACCESS_SPEED_KPH,
) -> pd.DataFrame:
    """Lorry minutes from each site to the nearest A4 junction over roads fit for lorries.

    The lorry leaves the site over the streets of ``A`` to the lorry-network node
    it reaches first, then keeps to ``H``:

    .. math::

        t_i = a_i + T_A(n_i, n_i^*) + \\min_j T_H(n_i^*, j), \\qquad
        n_i^* = \\arg\\min_{n \\in H} T_A(n_i, n)

    (:mod:`seriana_gis.network.hgv`, "How a site reaches the lorry network").

    Parameters
    ----------
    A
        Every street at lorry speeds (:func:`seriana_gis.network.hgv.lorry_streets`;
        not changed).
    H
        The lorry graph (:func:`seriana_gis.network.hgv.lorry_graph`; not changed).
    sites, destinations
        As for :func:`travel_times`.
    layer
        Layer name for messages.
    access_speed_kph
        Speed of the straight snap leg from the site to its node of ``A``.

    Returns
    -------
    pandas.DataFrame
        On the sites' index: ``hgv_a4_min``, ``hgv_a4_junction`` and
        ``hgv_a4_reason``.
    """
    minutes = names.travel_time("hgv", A4)
    junction = names.travel_note("hgv", A4, "junction")
    reason = names.travel_note("hgv", A4, "reason")
    origins = locate_sites(A, sites, layer=layer, access_speed_kph=access_speed_kph)
    dests = destination_table(H, destinations, access_speed_kph=access_speed_kph)
    junctions = dests[dests["kind"] == JUNCTION_KIND]
    index = origins.index
    if not len(junctions):  # the columns and the reason nearest_junction gives
        return pd.DataFrame(nearest_junction(H, origins, dests, mode="hgv"), index=index)
    on_h = list(node_table(H).ids)
    # lorry seconds from every lorry-network node to each junction (from the smaller side)
    to_j = _node_od_seconds(H, on_h, junctions["node"].tolist())
    to_j = to_j + junctions["access_s"].to_numpy(dtype=float)[None, :]
    to_j = np.where(np.isfinite(to_j), to_j, np.inf)
    best_j = to_j.min(axis=1)
    which_j = to_j.argmin(axis=1)
    # the streets from each site to every lorry-network node; the first one reached
    street = _node_od_seconds(A, origins["node"].tolist(), on_h)
    street = np.where(np.isfinite(street), street, np.inf)
    first = street.argmin(axis=1)
    rows = np.arange(len(index))
    total = origins["access_s"].to_numpy(dtype=float) + street[rows, first] + best_j[first]
    ok = np.isfinite(total)
    names_j = junctions.index.astype(str).to_numpy()
    return pd.DataFrame(
        {
            minutes: np.where(ok, total / 60.0, np.nan),
            junction: np.where(ok, names_j[which_j[first]], ""),
            reason: np.where(ok, "", "no road path to a motorway junction over lorry roads"),
        },
        index=index,
    )


def travel_times(
    G: RoadGraph,
    sites: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    *,
    destination_ids: Sequence[str] | None = None,
    stops: gpd.GeoDataFrame | None = None,
    params: TransitParams | None = None,
    layer: str = "sites",
    walk_graph: RoadGraph | None = None,
    access_speed_kph: float = ACCESS_SPEED_KPH,
) -> pd.DataFrame:
    """Every travel-time column of a layer of sites.

    Parameters
    ----------
    G
        The road graph (not changed).
    sites
        Brownfields, municipalities, tourism assets or any layer (not changed).
    destinations
        The ``destinations`` layer (not changed).
    destination_ids
        Destinations to compute (default: every one except motorway junctions).
    stops
        :func:`~seriana_gis.accessibility.transit.tram_stops`; no transit columns without it.
    params
        Transit parameters; when omitted, the defaults with the TEB headway of
        ``G``'s time of day (:mod:`seriana_gis.accessibility.period`).
    layer
        Layer name for messages; ``"municipalities"`` uses the town-centre rule.
    walk_graph
        Optional pedestrian graph for the walking legs.
    access_speed_kph
        Speed of the straight-line snap legs by car.

    Returns
    -------
    pandas.DataFrame
        On the sites' index: ``node``, ``snap_m``, ``snap_flag``, ``snap_note``;
        per destination ``car_{d}_min`` and ``car_{d}_reason``, the transit
        columns of :func:`transit_table`; ``car_a4_min`` / ``car_a4_junction`` /
        ``car_a4_reason`` (nearest destination of kind ``motorway_junction``);
        ``walk_teb_min`` / ``walk_teb_stop`` (walk to the nearest TEB stop,
        whatever its length).
    """
    params = params or TransitParams(peak=tram_peak(graph_time_of_day(G)))
    get_engine(G)  # checks the graph once (cached: later calls reuse it)
    origins = locate_sites(G, sites, layer=layer, access_speed_kph=access_speed_kph)
    all_dests = destination_table(G, destinations, access_speed_kph=access_speed_kph)
    if destination_ids is None:
        destination_ids = [
            str(i) for i in all_dests.index if all_dests.loc[i, "kind"] != JUNCTION_KIND
        ]
    check_destinations(destinations, destination_ids)
    dests = all_dests.loc[[str(d) for d in destination_ids]]
    # feeders boarded at destinations not asked for still need their position
    extra = [
        f.via
        for f in params.feeders
        if f.destination in dests.index and f.via not in dests.index and f.via in all_dests.index
    ]
    dests_ext = pd.concat([dests, all_dests.loc[extra]]) if extra else dests
    cols: dict[str, object] = {
        "node": origins["node"],
        "snap_m": origins["snap_m"],
        "snap_flag": origins["snap_flag"],
        "snap_note": origins["snap_note"],
    }
    car = car_minutes(G, origins, dests)
    for d in dests.index:
        t = car[d]
        cols[names.travel_time("car", d)] = t
        cols[names.travel_note("car", d, "reason")] = pd.Series(
            np.where(t.isna(), f"no road path from the site's node to {d!r}", ""), index=t.index
        )
    cols.update(nearest_junction(G, origins, all_dests, mode="car"))
    out = pd.DataFrame(cols, index=origins.index)
    if stops is not None and len(stops):
        sxy = np.column_stack([stops.geometry.x, stops.geometry.y])
        walk = walk_minutes(
            origins[["x", "y"]].to_numpy(dtype=float), sxy, params=params, walk_graph=walk_graph
        )
        safe = np.where(np.isfinite(walk), walk, np.inf)
        k = np.argmin(safe, axis=1)
        best_walk = safe[np.arange(len(k)), k]
        out[names.travel_time("walk", TEB)] = np.where(np.isfinite(best_walk), best_walk, np.nan)
        out[names.travel_note("walk", TEB, "stop")] = np.where(
            np.isfinite(best_walk), stops["id"].astype(str).to_numpy()[k], ""
        )
        car_to_stops = None
        if params.park_and_ride or params.feeder_bus:
            stop_gdf = gpd.GeoDataFrame(
                {"id": stops["id"].astype(str).to_numpy()},
                geometry=stops.geometry.to_numpy(),
                crs=stops.crs,
            ).set_index("id")
            # the stops' own snap flags are not reported (the car leg is timed all the same)
            stop_loc = snap_sites(G, stop_gdf, access_speed_kph=access_speed_kph, max_snap_m=np.inf)
            car_to_stops = car_minutes(G, origins, stop_loc)
            # a stop off this road network (another valley's line) is not reached by road
            car_to_stops.loc[:, stop_loc.index[stop_loc["snap_m"] > OFF_NETWORK_M]] = np.nan
        tt = transit_table(
            origins,
            stops,
            dests_ext,
            params=params,
            car_to_stops=car_to_stops,
            walk_graph=walk_graph,
        )
        wanted = set(map(str, dests.index))
        parsed = [names.parse(c, destinations=list(map(str, dests_ext.index))) for c in tt.columns]
        keep = [c.name for c in parsed if c is not None and c.destination in wanted]
        out = pd.concat([out, tt[keep]], axis=1)
    return out


def layer_od_matrix(
    G: RoadGraph,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    *,
    origin_id: str = "id",
    destination_id: str = "id",
    origin_layer: str = "origins",
    destination_layer: str = "destinations",
    access_speed_kph: float = ACCESS_SPEED_KPH,
) -> pd.DataFrame:
    """Car minutes between the features of any two layers.

    Parameters
    ----------
    G
        The road graph (not changed).
    origins, destinations
        Any two layers (not changed); municipalities use the town-centre rule.
    origin_id, destination_id
        Columns holding the feature ids (``istat`` for municipalities).
    origin_layer, destination_layer
        Layer names (``"municipalities"`` selects the town-centre rule).
    access_speed_kph
        Speed of the snap legs.

    Returns
    -------
    pandas.DataFrame
        Origin id × destination id, minutes (snap legs included); NaN where no path.
    """
    for gdf, col, name in (
        (origins, origin_id, origin_layer),
        (destinations, destination_id, destination_layer),
    ):
        if isinstance(gdf, gpd.GeoDataFrame) and len(gdf) and col not in gdf.columns:
            msg = f"{name}: no id column {col!r}; columns present: {', '.join(map(str, gdf.columns))}."
            raise DataError(msg)
    o = locate_sites(G, origins, layer=origin_layer, access_speed_kph=access_speed_kph)
    d = locate_sites(G, destinations, layer=destination_layer, access_speed_kph=access_speed_kph)
    m = car_minutes(G, o, d)
    m.index = pd.Index(origins[origin_id].astype(str).to_numpy(), name=origin_id)
    m.columns = pd.Index(destinations[destination_id].astype(str).to_numpy(), name=destination_id)
    return m
