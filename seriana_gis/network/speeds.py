"""Free-flow speeds and travel times of road links.

Where a link carries a usable ``maxspeed`` (OpenStreetMap tag, or the column of
the embedded road layer) that value is its free-flow speed, as osmnx does. Where
it does not, the speed comes from the road class (``highway``) through the table
below.

Italian default speeds by road class
------------------------------------

The legal limits come from the Codice della Strada (D.Lgs. 285/1992, art. 142,
c. 1): 130 km/h on motorways (*autostrade*), 110 km/h on extra-urban main roads
(*strade extraurbane principali*, type B), 90 km/h on secondary extra-urban and
local extra-urban roads (types C and F), 50 km/h in built-up areas (*centri
abitati*), where municipalities may also set 30 km/h zones.

A class default is used only for links *without* ``maxspeed``, so it stands for
the speed a car keeps on a typical untagged link of that class in the valley,
not for the highest legal limit:

=================  ===========  =========  ==================================================
``highway``        legal limit  default    why this value
=================  ===========  =========  ==================================================
motorway           130          130        A4 and valley motorway sections are signed at the
                                           legal limit; OSM tags almost every motorway link.
motorway_link      (40–80)      60         junction ramps are signed 40–80 km/h.
trunk              110          100        SS671 / SS42 type B sections: 110 legal, with
                                           90 km/h stretches near junctions and tunnels.
trunk_link         (40–60)      50         ramps of the expressway junctions.
primary            90 / 50      70         SS/SP main roads alternate extra-urban (90) and
                                           town crossings (50); about half of each.
primary_link       (40)         40         turning slips.
secondary          90 / 50      60         SP through the valley towns: mostly inside
                                           built-up areas, partly extra-urban.
secondary_link     (40)         40         turning slips.
tertiary           90 / 50      50         municipal connectors, mostly built-up.
tertiary_link      (30)         30         turning slips.
unclassified       90 / 50      40         minor roads, narrow, often without centre line.
residential        50 (30)      30         urban streets: 50 legal, many 30 zones; junctions
                                           and parked cars keep free flow near 30.
living_street      (10–30)      15         *zona residenziale*, walking pace to 30 km/h.
service            (–)          20         access roads (kept only in ``drive_service``).
road / unknown     –            30         class not known: assume an urban street.
=================  ===========  =========  ==================================================

``maxspeed`` values understood: numbers (``50``), with units (``50 km/h``,
``30 mph``), the Italian implicit zones (``IT:urban`` 50, ``IT:rural`` 90,
``IT:trunk`` 110, ``IT:motorway`` 130, ``IT:living_street`` 15), ``walk`` (6)
and ``;``-separated or list values (their mean, as osmnx). ``none``,
``signals`` and anything else fall back to the class default. A merged link whose
``highway`` is a list takes the mean of its classes' defaults.

``travel_time`` (s) = ``length`` (m) / (``speed_kph`` / 3.6).
"""

# ruff: noqa: N803, N806  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable

import networkx as nx

from .._errors import NetworkError

logger = logging.getLogger(__name__)

#: Free-flow speed (km/h) of a link without ``maxspeed``, by OSM road class.
DEFAULT_SPEEDS_KPH: dict[str, float] = {
    "motorway": 130.0,
    "motorway_link": 60.0,
    "trunk": 100.0,
    "trunk_link": 50.0,
    "primary": 70.0,
    "primary_link": 40.0,
    "secondary": 60.0,
    "secondary_link": 40.0,
    "tertiary": 50.0,
    "tertiary_link": 30.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 15.0,
    "service": 20.0,
    "road": 30.0,
}

#: Speed (km/h) of a link whose class is missing or not in :data:`DEFAULT_SPEEDS_KPH`.
FALLBACK_SPEED_KPH = 30.0

#: Italian implicit ``maxspeed`` zone values (Codice della Strada art. 142).
IMPLICIT_MAXSPEED_KPH: dict[str, float] = {
    "it:urban": 50.0,
    "it:rural": 90.0,
    "it:trunk": 110.0,
    "it:motorway": 130.0,
    "it:living_street": 15.0,
    "it:zone30": 30.0,
    "walk": 6.0,
}

_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*$", re.IGNORECASE)
_MPH = 1.609344


def _parse_one(value: str) -> float | None:
    text = value.strip().lower()
    if text in IMPLICIT_MAXSPEED_KPH:
        return IMPLICIT_MAXSPEED_KPH[text]
    m = _NUMBER.match(text)
    if m is None:
        return None
    speed = float(m.group(1))
    if m.group(2) and m.group(2).lower() == "mph":
        speed *= _MPH
    return speed if speed > 0 else None


def parse_maxspeed(value: object) -> float | None:
    """Read a ``maxspeed`` value as km/h, or ``None`` when it gives no usable speed.

    Parameters
    ----------
    value
        A number, an OSM ``maxspeed`` string, a ``;``-separated string or a list of
        either (a link merged by osmnx's simplification).

    Returns
    -------
    float or None
        The speed in km/h (the mean of the usable parts of a multiple value).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        speed = float(value)
        return speed if math.isfinite(speed) and speed > 0 else None
    parts: Iterable[object]
    if isinstance(value, str):
        parts = value.split(";")
    elif isinstance(value, list | tuple):
        parts = value
    else:
        return None
    speeds = []
    for part in parts:
        s = parse_maxspeed(part) if not isinstance(part, str) else _parse_one(part)
        if s is not None:
            speeds.append(s)
    return sum(speeds) / len(speeds) if speeds else None


def default_speed(highway: object) -> tuple[float, str]:
    """The default free-flow speed of a road class and the class it was read from.

    Parameters
    ----------
    highway
        An OSM ``highway`` value, or a list of them (mean of their defaults).

    Returns
    -------
    tuple of (float, str)
        Speed in km/h, and the class label used (``"unknown"`` when not in the table).
    """
    classes = highway if isinstance(highway, list | tuple) else [highway]
    known = [str(c) for c in classes if isinstance(c, str) and c in DEFAULT_SPEEDS_KPH]
    if not known:
        return FALLBACK_SPEED_KPH, "unknown"
    return sum(DEFAULT_SPEEDS_KPH[c] for c in known) / len(known), "|".join(sorted(set(known)))


def add_speeds_and_times(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Return a copy of ``G`` with ``speed_kph``, ``speed_source`` and ``travel_time`` on every edge.

    Parameters
    ----------
    G
        A road graph whose edges have ``length`` (m) and, where known, ``highway``
        and ``maxspeed``.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph; ``speed_source`` is ``"maxspeed"`` or ``"default:<class>"``.

    Raises
    ------
    NetworkError
        If an edge has no usable ``length``.
    """
    H = G.copy()
    sources: Counter[str] = Counter()
    for u, v, k, data in H.edges(keys=True, data=True):
        length = data.get("length")
        if not isinstance(length, int | float) or not math.isfinite(length) or length < 0:
            msg = (
                f"edge ({u}, {v}, {k}) has no usable 'length' ({length!r}); "
                "lengths in metres are needed to compute travel times. Build the graph "
                "with seriana_gis.network (or osmnx, which adds 'length')."
            )
            raise NetworkError(msg)
        speed = parse_maxspeed(data.get("maxspeed"))
        if speed is not None:
            source = "maxspeed"
        else:
            speed, cls = default_speed(data.get("highway"))
            source = f"default:{cls}"
        data["speed_kph"] = float(speed)
        data["speed_source"] = source
        data["travel_time"] = float(length) / (speed / 3.6)
        sources["maxspeed" if source == "maxspeed" else "default"] += 1
    logger.info(
        "speeds: %d edge(s) from maxspeed, %d from the class defaults",
        sources["maxspeed"],
        sources["default"],
    )
    return H
