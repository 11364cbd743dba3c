"""The road travel-time model: what makes a real car time, on any road graph.

The time of an edge :math:`e` from :math:`u` to :math:`v` is its running time
plus the junction delays it pays on entering :math:`v`:

.. math::

    t_e = \\frac{L_e}{f_{k(e)}\\, v_e}\\; m_{s(e)} + m_\\text{urban} \\sum_j n_{e,j}\\, d_j

- :math:`L_e` the link length (m): the geometry's length, times the link's
  ``sinuosity`` on the embedded network (its bends, see
  :func:`seriana_gis.network.lines.graph_from_lines`);
- :math:`v_e` the free-flow speed: ``maxspeed`` or the class default
  (:mod:`seriana_gis.network.speeds`), kept in ``free_flow_kph``;
- :math:`f_k` the speed factor of the edge's term :math:`k(e)` (road group ×
  setting, below);
- :math:`n_{e,j}` how many delays of junction kind :math:`j` (signals,
  roundabout, priority) the edge pays and :math:`d_j` the delay (s): see
  :mod:`seriana_gis.network.junctions`;
- :math:`m` the time-of-day multipliers: 1 off-peak; at the morning peak
  :math:`m_{s(e)}` is the urban peak factor in built-up areas, the
  ``extraurban_main`` one on motorways and main roads outside them, 1 on minor
  rural and mountain roads, and the delays take the urban one. ``free_flow``
  sets every :math:`f = 1` and every :math:`d = 0`.

The parameters live in a :class:`~seriana_gis.network.profile.SpeedProfile`.

Road groups and settings
------------------------
The group of an edge comes from its highest OSM class: ``motorway``
(motorway and its links), ``main`` (trunk, primary and their links),
``local`` (everything else). Its setting is ``urban`` (inside a built-up
area), ``rural`` or ``mountain``:

1. an edge attribute ``setting`` with one of these values wins (the embedded
   network carries one per link; a user's road file may too);
2. a ``maxspeed`` of 50 km/h or less means urban (50 is the limit in built-up
   areas, Codice della Strada art. 142), 90 or more means rural (a signed 70
   occurs on both urban through roads and rural roads and decides nothing);
3. ``residential``, ``living_street`` and ``service`` streets are urban;
4. otherwise an edge is urban when a residential or living street lies within
   :data:`BUILT_UP_RADIUS_M` of its midpoint (houses stand on residential
   streets: where there are none, the road runs through open country), else rural;
5. a rural edge of the main or local group whose length is at least
   :data:`MOUNTAIN_MIN_LENGTH_M` and whose sinuosity (length over the straight
   distance between its ends) is at least :data:`MOUNTAIN_SINUOSITY` is
   mountain: hairpins and bends are what make a mountain road slow. (An
   elevation model would tell grades too; without one, the shape is the
   evidence. Mark edges ``setting: mountain`` to override.)

The terms (:data:`~seriana_gis.network.profile.SPEED_TERMS`) are ``motorway``
(any setting), ``mountain`` (main or local), and ``main_urban``,
``main_rural``, ``local_urban``, ``local_rural``.

osmnx conventions
-----------------
Edges keep osmnx's names and formula: ``speed_kph`` (here the running speed
:math:`f_k v_e m_s`) and ``travel_time`` in seconds, ``length / (speed_kph /
3.6)`` as in :func:`osmnx.add_edge_travel_times`, plus the delays (``delay_s``).
:func:`osmnx.add_edge_speeds` is not used for the free-flow speeds because it
reads neither the Italian implicit limits (``IT:urban``) nor a setting; the
tests check that on plain tags the free-flow speeds equal its output with our
class table.
"""

# ruff: noqa: N803, N806  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .._errors import DataError
from ._columns import unique_rows
from .junctions import JUNCTION_COLUMNS, JUNCTION_KINDS, _values, annotate_junctions
from .profile import SPEED_TERMS, SpeedProfile, check_time_of_day
from .speeds import parse_maxspeed

if TYPE_CHECKING:
    from .routing import RoadGraph

logger = logging.getLogger(__name__)

#: Settings of a road.
SETTINGS: tuple[str, ...] = ("urban", "rural", "mountain")
#: Road classes of each group (a ``*_link`` belongs to its road's group).
MOTORWAY_CLASSES: frozenset[str] = frozenset({"motorway"})
MAIN_CLASSES: frozenset[str] = frozenset({"trunk", "primary"})
#: Road classes that only run inside built-up areas.
URBAN_CLASSES: frozenset[str] = frozenset({"residential", "living_street", "service"})
#: Classes whose presence marks a built-up area nearby.
BUILT_UP_MARKERS: frozenset[str] = frozenset({"residential", "living_street"})
#: An edge with a residential street this close to its midpoint is urban (m).
BUILT_UP_RADIUS_M = 150.0
#: Highest ``maxspeed`` that means urban, lowest that means rural (km/h).
URBAN_MAXSPEED_KPH = 50.0
RURAL_MAXSPEED_KPH = 90.0
#: A rural edge this sinuous and this long is a mountain road.
MOUNTAIN_SINUOSITY = 1.4
MOUNTAIN_MIN_LENGTH_M = 500.0

#: Edge attributes the model writes.
FREE_FLOW = "free_flow_kph"
_TERM_INDEX = {t: i for i, t in enumerate(SPEED_TERMS)}


def road_group(highway: object) -> str:
    """``motorway``, ``main`` or ``local`` from an OSM ``highway`` value (the highest class).

    Parameters
    ----------
    highway
        A class, a list of classes, or a ``;``-joined string.
    """
    classes = {c.removesuffix("_link") for c in _values(highway)}
    if classes & MOTORWAY_CLASSES:
        return "motorway"
    if classes & MAIN_CLASSES:
        return "main"
    return "local"


def speed_term(group: str, setting: str) -> str:
    """The speed-factor term of a road group in a setting (see the module docs)."""
    if group == "motorway":
        return "motorway"
    if setting == "mountain":
        return "mountain"
    return f"{group}_{setting}"


def _explicit_setting(value: object, *, where: str) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().lower()
    if text in ("", "nan", "none"):
        return None
    if text not in SETTINGS:
        msg = f"{where}: setting {value!r} is not one of {', '.join(SETTINGS)} (or empty)."
        raise DataError(msg)
    return text


def _chord(G: nx.MultiDiGraph, u: Hashable, v: Hashable) -> float:
    a, b = G.nodes[u], G.nodes[v]
    return math.hypot(float(a["x"]) - float(b["x"]), float(a["y"]) - float(b["y"]))


def _midpoint(
    G: nx.MultiDiGraph, u: Hashable, v: Hashable, d: dict[str, object]
) -> tuple[float, float]:
    geom = d.get("geometry")
    if geom is not None and hasattr(geom, "interpolate"):
        p = geom.interpolate(0.5, normalized=True)
        return float(p.x), float(p.y)
    a, b = G.nodes[u], G.nodes[v]
    return (float(a["x"]) + float(b["x"])) / 2, (float(a["y"]) + float(b["y"])) / 2


def setting_arrays(
    *,
    highway: Any,
    maxspeed: Any,
    explicit: Any,
    length: np.ndarray,
    chord: np.ndarray,
    midpoints: np.ndarray,
    where: Callable[[int], str],
) -> np.ndarray:
    """The setting of every edge from its columns (the rules of the module docs).

    Parameters
    ----------
    highway, maxspeed, explicit
        Each edge's ``highway``, ``maxspeed`` and ``setting`` values (columns:
        arrays, Series or categoricals; None where absent).
    length, chord
        Each edge's length and the straight distance between its nodes (m).
    midpoints
        Each edge's midpoint, shape ``(m, 2)``: half way along its geometry.
    where
        Names edge ``i`` in an error message.

    Returns
    -------
    numpy.ndarray
        ``urban``, ``rural`` or ``mountain`` per edge (objects).

    Raises
    ------
    DataError
        An edge's ``setting`` is not a known setting.
    """
    m = len(length)
    combos, inverse = unique_rows(explicit)
    checked = np.empty(len(combos), dtype=object)
    for j, (value,) in enumerate(combos):
        first = int(np.flatnonzero(inverse == j)[0])
        checked[j] = _explicit_setting(value, where=where(first))
    given = checked[inverse] if m else np.empty(0, dtype=object)
    has_given = np.array([x is not None for x in checked], dtype=bool)[inverse]

    def rule(h: object, ms: object) -> tuple[str, int, bool]:
        """(group, 0 rural / 1 urban / 2 urban if a built-up marker is near, a marker itself)."""
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
    urban = decided == 1
    pending = np.flatnonzero((decided == 2) & ~has_given)
    if marker.any() and len(pending):
        tree = cKDTree(midpoints[marker])
        near = tree.query_ball_point(midpoints[pending], r=BUILT_UP_RADIUS_M, return_length=True)
        urban[pending] = np.asarray(near) > 0
    setting = np.where(urban, "urban", "rural").astype(object)
    mountain = (
        (setting == "rural")
        & (group != "motorway")
        & (length >= MOUNTAIN_MIN_LENGTH_M)
        & (length >= MOUNTAIN_SINUOSITY * np.maximum(chord, 1.0))
    )
    setting[mountain] = "mountain"
    setting[has_given] = given[has_given]
    return setting


def infer_settings(G: nx.MultiDiGraph) -> dict[tuple[Hashable, Hashable, object], str]:
    """The setting of every edge: ``urban``, ``rural`` or ``mountain`` (rules in the module docs).

    Parameters
    ----------
    G
        A road graph in a metric CRS (not changed).

    Returns
    -------
    dict
        ``(u, v, key)`` → setting.

    Raises
    ------
    DataError
        An edge's ``setting`` attribute is not a known setting.
    """
    edges = list(G.edges(keys=True, data=True))

    def column(name: str) -> np.ndarray:
        out = np.empty(len(edges), dtype=object)
        out[:] = [d.get(name) for _, _, _, d in edges]
        return out

    settings = setting_arrays(
        highway=column("highway"),
        maxspeed=column("maxspeed"),
        explicit=column("setting"),
        length=np.array([float(d.get("length", 0.0)) for _, _, _, d in edges], dtype=float),
        chord=np.array([_chord(G, u, v) for u, v, _, _ in edges], dtype=float),
        midpoints=np.array([_midpoint(G, u, v, d) for u, v, _, d in edges], dtype=float).reshape(
            -1, 2
        ),
        where=lambda i: f"edge ({edges[i][0]}, {edges[i][1]}, {edges[i][2]})",
    )
    return {(u, v, k): str(x) for (u, v, k, _), x in zip(edges, settings, strict=True)}


def annotate_network(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``G`` with what the model needs on every edge.

    Adds ``free_flow_kph`` (the free-flow speed: the edge's ``speed_kph``
    unless already set), ``setting`` (:func:`infer_settings`), ``speed_term``
    and the junction counts ``junction_signals``, ``junction_roundabout``,
    ``junction_priority`` (:func:`~seriana_gis.network.junctions.annotate_junctions`).

    Parameters
    ----------
    G
        A road graph with free-flow ``speed_kph`` on its edges (not changed).

    Returns
    -------
    networkx.MultiDiGraph
    """
    H = annotate_junctions(G)
    settings = infer_settings(H)
    counts: Counter[str] = Counter()
    for (u, v, k), setting in settings.items():
        d = H.edges[u, v, k]
        if FREE_FLOW not in d:
            d[FREE_FLOW] = float(d["speed_kph"])
        d["setting"] = setting
        d["speed_term"] = speed_term(road_group(d.get("highway")), setting)
        counts[d["speed_term"]] += 1
    logger.info("road model terms: %s", ", ".join(f"{t} {counts[t]}" for t in SPEED_TERMS))
    H.graph["road_model"] = "annotated"
    return H


def _is_annotated(G: nx.MultiDiGraph) -> bool:
    needed = (FREE_FLOW, "setting", "speed_term", *JUNCTION_COLUMNS.values())
    return all(all(c in d for c in needed) for _, _, d in G.edges(data=True))


def edge_terms(G: nx.MultiDiGraph) -> pd.DataFrame:
    """What the model needs per edge, as a table (annotating ``G`` first when needed).

    Parameters
    ----------
    G
        A road graph (not changed).

    Returns
    -------
    pandas.DataFrame
        One row per edge in ``G.edges(keys=True)`` order: ``u``, ``v``, ``key``,
        ``free_flow_s`` (:math:`L_e / v_e`), ``term`` (index into
        :data:`~seriana_gis.network.profile.SPEED_TERMS`), ``urban`` (bool), and
        ``n_signals``, ``n_roundabout``, ``n_priority``.
    """
    H = G if _is_annotated(G) else annotate_network(G)
    rows = []
    for u, v, k, d in H.edges(keys=True, data=True):
        rows.append(
            (
                u,
                v,
                k,
                float(d["length"]) / (float(d[FREE_FLOW]) / 3.6),
                _TERM_INDEX[str(d["speed_term"])],
                str(d["setting"]) == "urban",
                *(int(d[JUNCTION_COLUMNS[j]]) for j in JUNCTION_KINDS),
            )
        )
    cols = ["u", "v", "key", "free_flow_s", "term", "urban"] + [f"n_{j}" for j in JUNCTION_KINDS]
    return pd.DataFrame(rows, columns=cols)


def edge_times(
    terms: pd.DataFrame, profile: SpeedProfile, *, time_of_day: str
) -> tuple[np.ndarray, np.ndarray]:
    """Running time and delay (s) of every edge of :func:`edge_terms` under a profile.

    Parameters
    ----------
    terms
        As returned by :func:`edge_terms`.
    profile
        The parameters.
    time_of_day
        ``free_flow``, ``off_peak`` or ``am_peak``.

    Returns
    -------
    tuple of numpy.ndarray
        Running time and junction delay per edge (s); the travel time is their sum.
    """
    check_time_of_day(time_of_day)
    free = terms["free_flow_s"].to_numpy(dtype=float)
    if time_of_day == "free_flow":
        return free.copy(), np.zeros(len(terms))
    factors = np.array([profile.speed_factors[t] for t in SPEED_TERMS], dtype=float)
    run = free / factors[terms["term"].to_numpy(dtype=int)]
    delays = np.array([profile.junction_delays_s[j] for j in JUNCTION_KINDS], dtype=float)
    counts = terms[[f"n_{j}" for j in JUNCTION_KINDS]].to_numpy(dtype=float)
    delay = counts @ delays
    if time_of_day == "am_peak":
        urban = terms["urban"].to_numpy(dtype=bool)
        term = terms["term"].to_numpy(dtype=int)
        main = np.isin(term, [_TERM_INDEX["motorway"], _TERM_INDEX["main_rural"]])
        peak_u = float(profile.am_peak_factors["urban"])
        peak_m = float(profile.am_peak_factors["extraurban_main"])
        run = run * np.where(urban, peak_u, np.where(main, peak_m, 1.0))
        delay = delay * peak_u
    return run, delay


def apply_speed_profile(
    G: RoadGraph, profile: SpeedProfile, *, time_of_day: str = "off_peak"
) -> RoadGraph:
    """A copy of ``G`` whose ``travel_time`` follows the model under ``profile``.

    Parameters
    ----------
    G
        A road graph with ``length`` and free-flow ``speed_kph`` (or an already
        annotated graph); not changed. Road arrays
        (:class:`~seriana_gis.network.arrays.RoadArrays`) get the same times
        through :func:`seriana_gis.network.annotate.apply_profile_arrays`.
    profile
        The parameters (:func:`~seriana_gis.network.profile.load_speed_profile`).
    time_of_day
        ``free_flow``, ``off_peak`` (default) or ``am_peak``.

    Returns
    -------
    networkx.MultiDiGraph or RoadArrays
        A new graph (arrays for arrays) with the annotations of :func:`annotate_network` and, on every
        edge, ``speed_kph`` (running speed), ``delay_s``, ``travel_time``
        (running time + delay, s); graph attributes ``speed_profile`` (the
        profile's name), ``speed_profile_source`` and ``time_of_day``.
    """
    check_time_of_day(time_of_day)
    from .routing import _as_arrays

    arrays = _as_arrays(G)
    if arrays is not None:  # the same model on arrays (large territories, no networkx)
        from .annotate import apply_profile_arrays

        return apply_profile_arrays(arrays, profile, time_of_day=time_of_day)
    assert isinstance(G, nx.MultiDiGraph)
    H = G.copy() if _is_annotated(G) else annotate_network(G)
    terms = edge_terms(H)
    run, delay = edge_times(terms, profile, time_of_day=time_of_day)
    lengths = {}
    for (u, v, k), r, dl in zip(
        terms[["u", "v", "key"]].itertuples(index=False, name=None), run, delay, strict=True
    ):
        d = H.edges[u, v, k]
        length = float(d["length"])
        lengths[(u, v, k)] = length
        d["speed_kph"] = length / r * 3.6 if r > 0 else float(d[FREE_FLOW])
        d["delay_s"] = float(dl)
        d["travel_time"] = float(r + dl)
    H.graph["speed_profile"] = profile.name
    H.graph["speed_profile_source"] = profile.source
    H.graph["time_of_day"] = time_of_day
    H.graph["speed_model"] = profile
    return H


def retime_new_edges(G: nx.MultiDiGraph, edges: list[tuple[Hashable, Hashable, object]]) -> None:
    """Time edges added to a graph already timed by :func:`apply_speed_profile` (in place).

    The new edges get the annotations of :func:`annotate_network` (their own
    ``setting`` if they carry one, else inferred; no junction delay of their
    own) and the travel time of the graph's profile and time of day. A graph
    without a profile is left as it is (its times are free flow).

    Parameters
    ----------
    G
        The graph, changed in place (a scenario's copy).
    edges
        ``(u, v, key)`` of the added edges.
    """
    profile = G.graph.get("speed_model")
    if not isinstance(profile, SpeedProfile) or not edges:
        return
    settings = infer_settings(G)
    for u, v, k in edges:
        d = G.edges[u, v, k]
        d.setdefault(FREE_FLOW, float(d["speed_kph"]))
        d["setting"] = settings[(u, v, k)]
        d["speed_term"] = speed_term(road_group(d.get("highway")), d["setting"])
        for col in JUNCTION_COLUMNS.values():
            d.setdefault(col, 0)
    terms = edge_terms(G.edge_subgraph(edges))
    run, delay = edge_times(terms, profile, time_of_day=str(G.graph.get("time_of_day")))
    for (u, v, k), r, dl in zip(
        terms[["u", "v", "key"]].itertuples(index=False, name=None), run, delay, strict=True
    ):
        d = G.edges[u, v, k]
        d["speed_kph"] = float(d["length"]) / r * 3.6 if r > 0 else float(d[FREE_FLOW])
        d["delay_s"] = float(dl)
        d["travel_time"] = float(r + dl)


def profile_note(G: nx.MultiDiGraph) -> str:
    """One line saying which profile and time of day produced ``G``'s travel times."""
    name = G.graph.get("speed_profile")
    if name is None:
        return "road times: free-flow speeds (no speed profile applied)"
    return (
        f"road times: speed profile {name!r} ({G.graph.get('speed_profile_source', '?')}), "
        f"time of day {G.graph.get('time_of_day', '?')}"
    )
