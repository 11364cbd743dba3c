"""The TEB light rail as a transit graph: stops, in-vehicle times, waiting, walking.

Model
-----
A journey by transit is

.. math::

    t = t_\\text{access} + t_\\text{wait} + t_\\text{ride}(b, a) + t_\\text{egress}(a)
        \\;[+\\; t_\\text{feeder wait} + t_\\text{feeder ride}]

minimised over every boarding stop :math:`b` and alighting stop :math:`a \\ne b`
(:mod:`seriana_gis.accessibility.times` does the minimisation).

**Stops and in-vehicle time.** Each existing line of ``teb_lines`` is a route;
its stops (``teb_stops`` with ``line`` = the line id) are projected on the line
geometry to their chainage :math:`c` (m from the line's start), which must grow
with ``seq``. The in-vehicle time between consecutive stops is

.. math:: t_\\text{ride} = \\frac{|c_{k+1} - c_k|}{v_c},

with :math:`v_c` the *commercial* speed (dwell times included), by default
25.0 km/h: TEB T1 runs Bergamo FS - Albino, 12.5 km ("dodici chilometri e
mezzo", Cose di Bergamo, 2019), in 30 min off-peak (a timed run reported on
the MondoTram forum in June 2009: the best published figure found). The stops
and these edges form a directed graph (:func:`transit_graph`); ride times
between any two stops are its shortest paths (:func:`ride_matrix`). There are
no transfers between lines (TEB runs one line).

**Waiting** is half the headway, the expected wait of a passenger arriving at
random: :math:`t_\\text{wait} = h / 2`. Headways: 7 min at the weekday peak
("at the peak the frequency is 7 minutes a run, about 8 an hour", L'Eco di
Bergamo, February 2020, on TEB's plan to go to 5 minutes) and 15 min off-peak
("nei giorni feriali ... un tram ogni 15 minuti", Corriere della Sera Bergamo,
June 2023). A run waits at the headway of its own time of day: the weekday
peak one at ``am_peak``, the off-peak one otherwise
(:mod:`seriana_gis.accessibility.period`). Both are configurable
(:class:`TransitParams`). The embedded
default ships these facts with their sources in ``layers/default/teb_service.yaml``,
which ``seriana accessibility`` reads (:mod:`seriana_gis.accessibility.service`):
a territory's own file overrides these defaults.

**Walking** access and egress run at 4.8 km/h (≈ 1.33 m/s, the issue's figure
and a common planning value), over a walk network when one is given, else along
the straight line times a detour factor of 1.3 (a usual urban circuity; the
embedded strategic road network is car-only, so with it the straight-line rule
applies):

.. math:: t_\\text{walk} = \\frac{1.3\\, d_\\text{straight}}{4.8\\ \\text{km/h}}.

A walk longer than ``max_walk_min`` (20 min, ≈ 1.2 km straight line) is not
taken. A stop may also be reached by car (park and ride, when
``park_and_ride`` is on, the default): car time over the road graph to the
stop plus 5 min to park and reach the platform; each stop is reached the
quicker way. The candidate stops
are those no farther by car than the nearest *existing* stop (the usual
nearest-station rule; ``park_and_ride_slack_min`` widens it by that many
minutes, but on free-flow car speeds a slack lets the optimum drive into the
city, so the default is 0), and the journey takes the best of them. Planned
stops closer than the nearest existing one are added to the choice without
removing it, so switching the extension on can only shorten a journey. The
stop nearest the destination is never a park-and-ride stop (that trip has no
tram leg: NaN with a reason). Without park and ride such an origin has no
transit time (NaN with a reason). An egress leg beyond the walking limit needs a feeder.

**Access without a car.** Park and ride needs a car; many of the residents the
tram is for have none. A stop may also be reached by a *feeder bus*
(``feeder_bus``, on by default): the valley buses and shuttles that meet the
tram. Its access leg is half the bus headway (20 min: the SAB shuttles to the
TEB stops of Nembro and Alzano, L'Eco di Bergamo, June 2009) plus the road time
to the stop on the road model, a bus timed like a car between its stops (an
optimistic bound: a bus that stops takes longer); it may serve the same
candidate stops as park and ride. Besides the best journey with any access
(``transit_{d}_min``: on foot, by feeder bus or park and ride), every origin
gets the best journey *without a car* (``transit_{d}_nocar_min``, with
``transit_{d}_nocar_access_mode``: ``walk``, ``feeder`` or ``walk_only``) and
the best journey reaching the stop *on foot* (``transit_{d}_walk_access_min``;
NaN where no stop is within walking distance), so that each scenario delta
says which access it assumes: a planned stop within walking distance of a
town shows in ``walk_access`` even where the bus to the old terminus is as quick.

**Feeders.** A destination off the tram is reached by a stated feeder leg
(:class:`Feeder`): walk from the alighting stop to where the feeder is boarded,
wait half its headway, ride. Default: Orio al Serio airport (``bgy``) by the
ATB line 1 *Airport Bus* from Bergamo railway station (the TEB terminus
Bergamo FS is beside it): every 20 min, about 15-20 min station-airport by the
ATB timetable; we take the midpoint, 17.5 min.

**Planned extension.** With ``with_extension=True`` each planned line
(``status`` = ``planned``, e.g. ``T1_ext`` Albino-Vertova) that starts within
500 m of the end of an existing line is run through as its continuation (no
transfer). Its stops come from ``teb_stops`` (``line`` = its id) when the layer
has them; otherwise they are placed every ~1.2 km along it (``n = round(L /
1200 m)`` equal intervals, a stop at each interval end; the embedded default
has none, since no approved stop list is public: the stops discussed publicly,
Albino Comenduno/Desenzano, Cene, Gazzaniga, Fiorano al Serio, Vertova, are
roughly this far apart).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, MultiLineString, Point
from shapely.ops import linemerge

from .._errors import ConfigError, CRSError, DataError
from ..config import DEFAULT_CRS, check_keys, yaml_bool
from ..layers.site_point import site_xy
from ..network.profile import DEFAULT_TIME_OF_DAY
from .period import tram_peak

logger = logging.getLogger(__name__)

#: Commercial speed of TEB T1 (km/h): 12.5 km Bergamo FS - Albino in 30 min (teb_service.yaml).
COMMERCIAL_SPEED_KPH = 25.0
#: Headway at the weekday peak (min): 7 min a run (L'Eco di Bergamo, February 2020).
HEADWAY_PEAK_MIN = 7.0
#: Headway off-peak (min): a tram every 15 min on weekdays (Corriere della Sera Bergamo, 2023).
HEADWAY_OFFPEAK_MIN = 15.0
#: Walking speed (km/h).
WALK_SPEED_KPH = 4.8
#: Ratio of walked to straight-line distance where no walk network is loaded.
DETOUR_FACTOR = 1.3
#: Longest walk taken for access or egress (min).
MAX_WALK_MIN = 20.0
#: Time to park and reach the platform on a park-and-ride access leg (min).
PARK_AND_RIDE_MIN = 5.0
#: Park and ride may use any stop reached within this much more than the nearest stop (min).
PARK_AND_RIDE_SLACK_MIN = 0.0
#: Headway of the feeder buses to the tram (min): SAB shuttles every 20 min to the TEB stops of
#: Nembro and Alzano (L'Eco di Bergamo, "Dal 10 giugno tram fino ad Albino", June 2009).
FEEDER_BUS_HEADWAY_MIN = 20.0
#: Spacing of planned stops placed along a planned line that has none (m).
EXTENSION_STOP_SPACING_M = 1200.0
#: A planned line must start this close to the end of an existing line to extend it (m).
EXTENSION_JOIN_M = 500.0


@dataclass(frozen=True)
class Feeder:
    """A stated feeder leg to a destination that is off the tram.

    Attributes
    ----------
    destination
        The destination id it serves (``bgy``).
    via
        The destination id where the feeder is boarded (``bergamo``: the station forecourt).
    headway_min
        Its headway (min); the wait is half of it.
    ride_min
        Its in-vehicle time to the destination (min).
    name
        What it is, for the report.
    """

    destination: str
    via: str
    headway_min: float
    ride_min: float
    name: str = ""


#: ATB line 1 Airport Bus, Bergamo station - Orio al Serio: every 20 min, 15-20 min ride (ATB timetable).
AIRPORT_BUS = Feeder(
    destination="bgy",
    via="bergamo",
    headway_min=20.0,
    ride_min=17.5,
    name="ATB line 1 Airport Bus, Bergamo station - Orio al Serio (every 20 min, 15-20 min)",
)


@dataclass(frozen=True)
class TransitParams:
    """The parameters of the transit model (see the module docs for their sources).

    Attributes
    ----------
    speed_kph
        Commercial speed of the tram, dwell times included.
    headway_peak_min, headway_offpeak_min
        Headways at the peak and off-peak.
    peak
        Use the weekday peak headway, else the off-peak one. Default: the headway
        of the default time of day (off-peak, :mod:`seriana_gis.accessibility.period`);
        :func:`~seriana_gis.accessibility.run.run_accessibility` without parameters
        takes the headway of its road graph's time of day; parameters given to it keep
        their own, and on a graph of another period the run is mixed (it warns, and its
        ``period`` says so).
    walk_speed_kph
        Walking speed.
    detour_factor
        Walked / straight-line distance when no walk network is loaded.
    max_walk_min
        Longest access or egress walk.
    park_and_ride
        Reach a stop by car when it is beyond ``max_walk_min`` on foot.
    park_and_ride_min
        Parking and platform time added to a car access leg.
    park_and_ride_slack_min
        Stops reached by car within this much more than the nearest one may be used.
    feeder_bus
        Reach a stop by a feeder bus (no car): half its headway, then the road
        time to the stop (the same candidate stops as park and ride).
    feeder_bus_headway_min
        The feeder buses' headway.
    feeders
        Feeder legs to destinations off the tram.
    extension_spacing_m
        Spacing of the stops placed along a planned line without stops.
    source
        Where the speed and headways come from (for the provenance).
    """

    speed_kph: float = COMMERCIAL_SPEED_KPH
    headway_peak_min: float = HEADWAY_PEAK_MIN
    headway_offpeak_min: float = HEADWAY_OFFPEAK_MIN
    peak: bool = tram_peak(DEFAULT_TIME_OF_DAY)
    walk_speed_kph: float = WALK_SPEED_KPH
    detour_factor: float = DETOUR_FACTOR
    max_walk_min: float = MAX_WALK_MIN
    park_and_ride: bool = True
    park_and_ride_min: float = PARK_AND_RIDE_MIN
    park_and_ride_slack_min: float = PARK_AND_RIDE_SLACK_MIN
    feeder_bus: bool = True
    feeder_bus_headway_min: float = FEEDER_BUS_HEADWAY_MIN
    feeders: tuple[Feeder, ...] = field(default=(AIRPORT_BUS,))
    extension_spacing_m: float = EXTENSION_STOP_SPACING_M
    source: str = "built-in defaults (seriana_gis.accessibility.transit)"

    def __post_init__(self) -> None:
        positive = (
            "speed_kph",
            "headway_peak_min",
            "headway_offpeak_min",
            "walk_speed_kph",
            "feeder_bus_headway_min",
        )
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                msg = f"TransitParams.{name} must be a positive number, got {value!r}."
                raise ConfigError(msg)
        for name in (
            "max_walk_min",
            "park_and_ride_min",
            "park_and_ride_slack_min",
            "extension_spacing_m",
        ):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                msg = f"TransitParams.{name} must be a number >= 0, got {value!r}."
                raise ConfigError(msg)
        if not isinstance(self.detour_factor, int | float) or self.detour_factor < 1:
            msg = f"TransitParams.detour_factor must be >= 1 (walks are never shorter than the straight line), got {self.detour_factor!r}."
            raise ConfigError(msg)
        for f in self.feeders:
            if f.headway_min <= 0 or f.ride_min < 0:
                msg = f"feeder to {f.destination!r}: headway_min must be > 0 and ride_min >= 0."
                raise ConfigError(msg)

    @property
    def headway_min(self) -> float:
        """The headway in force (peak or off-peak)."""
        return self.headway_peak_min if self.peak else self.headway_offpeak_min

    @property
    def wait_min(self) -> float:
        """Expected wait, :math:`h / 2`."""
        return self.headway_min / 2.0

    def feeder_to(self, destination: str) -> Feeder | None:
        """The feeder serving ``destination``, if any."""
        for f in self.feeders:
            if f.destination == destination:
                return f
        return None


_PARAM_KEYS = (
    "speed_kph",
    "headway_peak_min",
    "headway_offpeak_min",
    "peak",
    "walk_speed_kph",
    "detour_factor",
    "max_walk_min",
    "park_and_ride",
    "park_and_ride_min",
    "park_and_ride_slack_min",
    "feeder_bus",
    "feeder_bus_headway_min",
    "feeders",
    "extension_spacing_m",
)
_FEEDER_KEYS = ("destination", "via", "headway_min", "ride_min", "name")


def params_from_mapping(
    raw: Mapping[str, Any], *, where: str, base: TransitParams | None = None
) -> TransitParams:
    """Transit parameters from a parsed YAML mapping (unknown keys are errors).

    Parameters
    ----------
    raw
        Keys of :class:`TransitParams`; ``feeders`` is a list of mappings with
        ``destination``, ``via``, ``headway_min``, ``ride_min`` and optional ``name``.
    where
        Where the mapping is, for messages.
    base
        Values for the keys not given (the defaults when omitted).

    Returns
    -------
    TransitParams
        The validated parameters.
    """
    check_keys(raw, _PARAM_KEYS, where=where)
    from dataclasses import replace

    values: dict[str, Any] = dict(raw)
    defaults = TransitParams()
    for key, value in values.items():
        default = getattr(defaults, key)
        if isinstance(default, bool):
            yaml_bool(value, where=f"{where}.{key}")
        elif isinstance(default, int | float) and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            msg = f"{where}.{key}: expected a number ≥ 0, got {value!r}."
            raise ConfigError(msg)
    if "feeders" in values:
        feeders = values["feeders"]
        if not isinstance(feeders, list):
            msg = f"{where}.feeders: expected a list of feeder mappings."
            raise ConfigError(msg)
        parsed = []
        for i, f in enumerate(feeders):
            check_keys(
                f,
                _FEEDER_KEYS,
                where=f"{where}.feeders[{i}]",
                required=("destination", "via", "headway_min", "ride_min"),
            )
            parsed.append(
                Feeder(
                    destination=str(f["destination"]),
                    via=str(f["via"]),
                    headway_min=float(f["headway_min"]),
                    ride_min=float(f["ride_min"]),
                    name=str(f.get("name", "")),
                )
            )
        values["feeders"] = tuple(parsed)
    return replace(base or TransitParams(), **values)


def _to_metric(gdf: gpd.GeoDataFrame, *, layer: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"{layer}: expected a GeoDataFrame, got {type(gdf).__name__}."
        raise DataError(msg)
    if gdf.crs is None:
        msg = f"{layer}: the layer has no CRS; declare it (gdf.set_crs(...)) first."
        raise CRSError(msg)
    return gdf.to_crs(DEFAULT_CRS)


def _single_line(geom: Any, *, where: str) -> LineString:
    if isinstance(geom, LineString):
        return geom
    if isinstance(geom, MultiLineString):
        merged = linemerge(geom)
        if isinstance(merged, LineString):
            return merged
    msg = f"{where}: the line geometry is not one continuous line; merge its parts first."
    raise DataError(msg)


def _require_columns(gdf: gpd.GeoDataFrame, cols: tuple[str, ...], *, layer: str) -> None:
    missing = [c for c in cols if c not in gdf.columns]
    if missing:
        msg = (
            f"{layer}: missing column(s) {', '.join(missing)}; columns present: "
            f"{', '.join(map(str, gdf.columns))}. See layers/README.md for the schema."
        )
        raise DataError(msg)


def tram_stops(
    teb_lines: gpd.GeoDataFrame,
    teb_stops: gpd.GeoDataFrame,
    *,
    with_extension: bool = False,
    spacing_m: float = EXTENSION_STOP_SPACING_M,
    municipalities: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The stops of the tram routes with their chainage along the route.

    Parameters
    ----------
    teb_lines
        Lines with ``id`` and ``status`` (``existing`` or ``planned``). Not changed.
    teb_stops
        Stops with ``id``, ``name``, ``line``, ``seq`` (and optionally ``status``). Not changed.
    with_extension
        Run planned lines that continue an existing line through as part of it.
    spacing_m
        Spacing of the stops placed along a planned line with no stops in ``teb_stops``.
    municipalities
        Optional; names the placed stops after the municipality they fall in.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per stop, in route order (EPSG:32632): ``id``, ``name``,
        ``line`` (the layer's line id), ``route`` (the service the stop is on),
        ``seq`` (1-based along the route), ``status``, ``chainage_m``
        (:math:`c`, m along the route from its start), ``offset_m`` (distance of
        the stop from the line) and the stop geometry.

    Raises
    ------
    DataError
        Missing columns, no existing line, a line without stops, stops whose
        chainage does not grow with ``seq``, a planned line far from any line end.
    """
    lines = _to_metric(teb_lines, layer="teb_lines")
    stops = _to_metric(teb_stops, layer="teb_stops")
    _require_columns(lines, ("id", "status"), layer="teb_lines")
    _require_columns(stops, ("id", "name", "line", "seq"), layer="teb_stops")
    existing = lines[lines["status"].astype(str) == "existing"]
    if len(existing) == 0:
        msg = (
            "teb_lines: no line has status 'existing'; the transit model needs at least one "
            f"running line (statuses present: {sorted(set(lines['status'].astype(str)))})."
        )
        raise DataError(msg)
    rows: list[dict[str, Any]] = []
    route_geoms: dict[str, LineString] = {}
    for _, line in existing.iterrows():
        lid = str(line["id"])
        geom = _single_line(line.geometry, where=f"teb_lines, line {lid!r}")
        own = stops[stops["line"].astype(str) == lid].sort_values("seq", kind="stable")
        if len(own) < 2:
            msg = (
                f"teb_stops: line {lid!r} has {len(own)} stop(s); a route needs at least two. "
                "Add its stops with line = the line id."
            )
            raise DataError(msg)
        chain = np.array([geom.project(p) for p in own.geometry])
        if chain[-1] < chain[0]:
            geom = LineString(list(geom.coords)[::-1])
            chain = np.array([geom.project(p) for p in own.geometry])
        steps = np.diff(chain)
        if (steps <= 0).any():
            k = int(np.flatnonzero(steps <= 0)[0])
            msg = (
                f"teb_stops, line {lid!r}: stop {own['id'].iloc[k + 1]!r} (seq "
                f"{own['seq'].iloc[k + 1]}) does not lie beyond stop {own['id'].iloc[k]!r} along "
                "the line geometry; check the seq order and the stop positions."
            )
            raise DataError(msg)
        route_geoms[lid] = geom
        for (_, s), c in zip(own.iterrows(), chain, strict=True):
            rows.append(
                {
                    "id": str(s["id"]),
                    "name": str(s["name"]),
                    "line": lid,
                    "route": lid,
                    "status": str(s.get("status", "existing")),
                    "chainage_m": float(c),
                    "offset_m": float(geom.distance(s.geometry)),
                    "geometry": s.geometry,
                }
            )
    if with_extension:
        planned = lines[lines["status"].astype(str) == "planned"]
        if len(planned) == 0:
            logger.warning("with_extension: teb_lines has no planned line; nothing to add")
        for _, line in planned.iterrows():
            rows.extend(
                _extension_stops(
                    line, stops, route_geoms, rows, spacing_m=spacing_m, munis=municipalities
                )
            )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=DEFAULT_CRS)
    out = out.sort_values(["route", "chainage_m"], kind="stable").reset_index(drop=True)
    out["seq"] = out.groupby("route").cumcount() + 1
    cols = ["id", "name", "line", "route", "seq", "status", "chainage_m", "offset_m", "geometry"]
    return out[cols]


def _extension_stops(
    line: pd.Series,
    stops: gpd.GeoDataFrame,
    route_geoms: Mapping[str, LineString],
    rows: list[dict[str, Any]],
    *,
    spacing_m: float,
    munis: gpd.GeoDataFrame | None,
) -> list[dict[str, Any]]:
    lid = str(line["id"])
    geom = _single_line(line.geometry, where=f"teb_lines, line {lid!r}")
    best: tuple[float, str, bool] | None = None
    for rid, rgeom in route_geoms.items():
        end = Point(rgeom.coords[-1])
        for reverse in (False, True):
            start = Point(geom.coords[-1] if reverse else geom.coords[0])
            d = float(start.distance(end))
            if best is None or d < best[0]:
                best = (d, rid, reverse)
    assert best is not None
    gap, route, reverse = best
    if gap > EXTENSION_JOIN_M:
        msg = (
            f"teb_lines: planned line {lid!r} starts {gap:,.0f} m from the end of the nearest "
            f"existing line ({route!r}); an extension must start within {EXTENSION_JOIN_M:.0f} m "
            "of a line end. Fix its geometry, or leave with_extension off."
        )
        raise DataError(msg)
    if reverse:
        geom = LineString(list(geom.coords)[::-1])
    last = max(r["chainage_m"] for r in rows if r["route"] == route)
    base = route_geoms[route].length
    own = stops[stops["line"].astype(str) == lid]
    out: list[dict[str, Any]] = []
    if len(own):
        for _, s in own.iterrows():
            pos = float(geom.project(s.geometry))
            out.append(
                {
                    "id": str(s["id"]),
                    "name": str(s["name"]),
                    "line": lid,
                    "route": route,
                    "status": str(s.get("status", "planned")),
                    "chainage_m": base + gap + pos,
                    "offset_m": float(geom.distance(s.geometry)),
                    "geometry": s.geometry,
                }
            )
    else:
        if spacing_m <= 0:
            msg = f"spacing_m must be > 0 to place stops along {lid!r}, got {spacing_m}."
            raise ConfigError(msg)
        n = max(1, round(geom.length / spacing_m))
        for k in range(1, n + 1):
            pos = geom.length * k / n
            pt = geom.interpolate(pos)
            where = ""
            if munis is not None and len(munis):
                m = munis.to_crs(DEFAULT_CRS)
                hit = m[m.contains(pt)]
                if len(hit) and "name" in hit.columns:
                    where = f" ({hit['name'].iloc[0]})"
            out.append(
                {
                    "id": f"{lid}_{k:02d}",
                    "name": f"{lid} planned stop {k}{where}",
                    "line": lid,
                    "route": route,
                    "status": "planned",
                    "chainage_m": base + gap + pos,
                    "offset_m": 0.0,
                    "geometry": pt,
                }
            )
        logger.info(
            "%s: no planned stops in teb_stops; placed %d every %.0f m (schematic)",
            lid,
            n,
            geom.length / n,
        )
    if out and min(r["chainage_m"] for r in out) <= last:
        msg = f"teb_stops: the stops of {lid!r} do not lie beyond the end of route {route!r}."
        raise DataError(msg)
    return out


def transit_graph(stops: gpd.GeoDataFrame, *, speed_kph: float) -> nx.DiGraph:
    """The tram as a directed graph of stops with in-vehicle times.

    Parameters
    ----------
    stops
        As returned by :func:`tram_stops` (``id``, ``route``, ``chainage_m``). Not changed.
    speed_kph
        Commercial speed :math:`v_c`.

    Returns
    -------
    networkx.DiGraph
        Nodes: stop ids (with ``x``, ``y``, ``route``). Edges both ways between
        consecutive stops of a route, with ``length`` (m, :math:`|\\Delta c|`) and
        ``ride_s`` = length / :math:`v_c`.
    """
    if speed_kph <= 0:
        msg = f"speed_kph must be positive, got {speed_kph}."
        raise ConfigError(msg)
    g = nx.DiGraph(speed_kph=speed_kph)
    for _, s in stops.iterrows():
        g.add_node(str(s["id"]), x=s.geometry.x, y=s.geometry.y, route=str(s["route"]))
    for _, grp in stops.groupby("route", sort=False):
        grp = grp.sort_values("chainage_m", kind="stable")
        ids = grp["id"].astype(str).tolist()
        ch = grp["chainage_m"].to_numpy(dtype=float)
        for k in range(len(ids) - 1):
            length = float(ch[k + 1] - ch[k])
            ride = length / (speed_kph / 3.6)
            g.add_edge(ids[k], ids[k + 1], length=length, ride_s=ride)
            g.add_edge(ids[k + 1], ids[k], length=length, ride_s=ride)
    return g


def ride_matrix(stops: gpd.GeoDataFrame, *, speed_kph: float) -> pd.DataFrame:
    """In-vehicle minutes between every two stops (shortest paths of :func:`transit_graph`).

    Parameters
    ----------
    stops
        As returned by :func:`tram_stops`. Not changed.
    speed_kph
        Commercial speed.

    Returns
    -------
    pandas.DataFrame
        Stop id × stop id, minutes; 0 on the diagonal, NaN between routes.
    """
    g = transit_graph(stops, speed_kph=speed_kph)
    ids = list(g.nodes)
    pos = {n: i for i, n in enumerate(ids)}
    u = [pos[a] for a, _ in g.edges]
    v = [pos[b] for _, b in g.edges]
    w = [d["ride_s"] for _, _, d in g.edges(data=True)]
    mat = csr_matrix((w, (u, v)), shape=(len(ids), len(ids)))
    t = dijkstra(mat, directed=True) / 60.0
    t[~np.isfinite(t)] = np.nan
    return pd.DataFrame(t, index=pd.Index(ids, name="from_stop"), columns=pd.Index(ids))


def straight_walk_min(
    from_xy: np.ndarray, to_xy: np.ndarray, *, params: TransitParams
) -> np.ndarray:
    """Walking minutes along the straight line times the detour factor.

    .. math:: t = \\frac{f\\, \\lVert p - q \\rVert}{v_w}

    Parameters
    ----------
    from_xy, to_xy
        Coordinates (m, EPSG:32632), shapes ``(n, 2)`` and ``(m, 2)``.
    params
        Supplies :math:`f` (``detour_factor``) and :math:`v_w` (``walk_speed_kph``).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, m)``, minutes.
    """
    a = np.asarray(from_xy, dtype=float).reshape(-1, 2)
    b = np.asarray(to_xy, dtype=float).reshape(-1, 2)
    d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
    return d * params.detour_factor / (params.walk_speed_kph / 3.6) / 60.0


def xy_of(geoms: gpd.GeoSeries) -> np.ndarray:
    """Coordinates of the site points of geometries (:func:`~seriana_gis.layers.site_point.site_xy`).

    Parameters
    ----------
    geoms
        Geometries in a metric CRS.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 2)``.
    """
    return site_xy(geoms)
