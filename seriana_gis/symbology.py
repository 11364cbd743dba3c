"""One symbology for the web maps and the QGIS styles: palettes, colours, labels, classes, rounding.

:mod:`seriana_gis.maps` (the browser runtime) and :mod:`seriana_gis.export`
(QGIS styles) both draw from here, so a class, a category or a value looks and
reads the same on every page and in QGIS.

- **Palettes** (ColorBrewer, Brewer 2003; colorbrewer2.org) as ``#rrggbb``:
  :data:`SCORES` (YlGnBu) for suitability, :data:`TIMES` (RdYlGn reversed:
  green near, red far) for travel times and isochrones, :data:`MUNICIPAL`
  (Blues) for municipal indicators, away from the red of the TEB.
- **Categories**: :data:`CATEGORY_COLOURS` fixes the colour of each known
  value (best use, status, tourism category, road class); other values take
  :data:`QUALITATIVE` in sorted order, the same way everywhere
  (:func:`category_colours`).
- **Labels** of categorical values: :func:`value_label` ("in redevelopment").
- **Classes**: scores on the fixed 0–1 classes :data:`SCORE_EDGES`, on every
  page; municipal indicators on quantile classes of the whole layer rounded
  to two significant digits (:func:`quantile_edges`); travel times on round
  steps (:func:`nice_edges`); isochrones one class per band
  (:func:`band_classes`). A value ``v`` falls in the first class whose upper
  edge is ``>= v`` (QGIS and the map runtime agree on this).
- **Rounding**: :func:`round_half_up` to :data:`DECIMALS` of the value's kind
  (:func:`kind_of`), once, before a value leaves the package (map data, pages,
  CSV, workbook); formatting an already rounded value adds no second rounding.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from . import columns as cols

Colour = tuple[int, int, int, int]

#: Suitability scores, low → high (ColorBrewer YlGnBu, 5 classes).
SCORES: tuple[str, ...] = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
#: Travel times and isochrones, near → far (ColorBrewer RdYlGn, 5 classes, reversed).
TIMES: tuple[str, ...] = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
#: Municipal indicators, low → high (ColorBrewer Blues, the 5 lighter of 6 classes).
MUNICIPAL: tuple[str, ...] = ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd")
#: Values without a fixed colour (ColorBrewer Dark2, then Set1 without its red).
QUALITATIVE: tuple[str, ...] = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#377eb8",
    "#984ea3",
    "#666666",
)
#: A missing value.
MISSING = "#bdbdbd"
#: Categories beyond the palette.
OTHER = "#969696"
#: Context layers.
TEB = "#c8102e"
TEB_PLANNED = "#fdae61"
DESTINATIONS = "#000000"
OUTLINE = "#525252"
TOWN_HIGHLIGHT = "#08306b"
#: Outline of a site marker (a thin dark ring keeps light classes visible).
SITE_OUTLINE = "#252525"

#: Fixed colours of categorical values, by column.
CATEGORY_COLOURS: dict[str, dict[str, str]] = {
    "best_use": {
        "logistics": "#7570b3",
        "services": "#1b9e77",
        "social_housing": "#d95f02",
    },
    # brownfields (BrBG: derelict brown to redeveloped teal) and the TEB
    "status": {
        "dismissed": "#8c510a",
        "partly_reused": "#dfc27d",
        "in_redevelopment": "#35978f",
        "reused": "#01665e",
        "unknown": "#969696",
        "existing": TEB,
        "planned": TEB_PLANNED,
    },
    "category": {
        "ski_area": "#1f78b4",
        "heritage": "#b15928",
        "natural_site": "#33a02c",
        "cycle_path": "#ff7f00",
        "trail": "#e31a1c",
        "museum": "#6a3d9a",
        "other": OTHER,
    },
    "road_class": {
        "motorway": "#3d3d3d",
        "trunk": "#4f4f4f",
        "primary": "#6b6b6b",
        "secondary": "#969696",
        "tertiary": "#b5b5b5",
        "other": "#d9d9d9",
    },
}
#: A road's class: the first main class its OSM ``highway`` tag names (``*_link``
#: ramps take their road's class; a list such as "['secondary', 'tertiary']" its first).
ROAD_CLASS_PATTERN = r"\b(motorway|trunk|primary|secondary|tertiary)(?:_link)?\b"
#: The same rule as a QGIS expression (``other`` for the rest).
ROAD_CLASS_EXPRESSION = (
    'coalesce(nullif(regexp_substr("highway", '
    "'\\\\b(motorway|trunk|primary|secondary|tertiary)(?:_link)?\\\\b'), ''), 'other')"
)
#: Line widths of the road classes, millimetres (QGIS; the web map draws 2.5 px per mm).
ROAD_WIDTHS_MM: dict[str, float] = {
    "motorway": 1.0,
    "trunk": 0.8,
    "primary": 0.6,
    "secondary": 0.45,
    "tertiary": 0.3,
    "other": 0.15,
}

#: Labels of categorical values that ``_`` → space does not make readable.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "status": {"unknown": "status unknown"},
    "category": {"natural_site": "natural site", "ski_area": "ski area"},
    "road_class": {"other": "other roads"},
}

#: Human names of columns outside the derived-column contract.
COLUMN_LABELS: dict[str, str] = {
    "name": "Name",
    "municipality": "Municipality",
    "former_use": "Former use",
    "area_m2": "Area (m²)",
    "status": "Status",
    "ownership": "Ownership",
    "former_company": "Former company",
    "closure_year": "Closed in",
    "planned_use": "Planned use",
    "committed_use": "Committed use",
    "heritage": "Heritage listing",
    "heritage_note": "Heritage: what is listed",
    "source_title": "Published source",
    "source_url": "Source address",
    "source_date": "Source date",
    "osm_id": "OpenStreetMap element",
    "source_note": "Source",
    "geometry_quality": "Geometry quality",
    "population": "Population (residents)",
    "density": "Density (residents/km²)",
    "share_65_plus": "Share aged 65+",
    "old_age_index": "Old-age index (65+ per 100 aged 0–14)",
    "dependency_ratio": "Dependency ratio (%)",
    "area_km2": "Area (km²)",
    "pop_change_pct": "Population change since the year before (%)",
    "istat": "ISTAT code",
    "zone": "Zone",
    "category": "Category",
    "length_km": "Length (km)",
    "minutes": "Travel time (min)",
    "destination": "Destination",
    "mode": "Mode",
    "highway": "Road class (OSM)",
    "road_class": "Road class",
    "ref": "Road number",
    "maxspeed": "Speed limit (km/h)",
    "line": "Line",
    "seq": "Order on the line",
    "kind": "Kind",
    "manufacturing_share": "Manufacturing share of employees",
    "textile_lq": "Textile specialisation (location quotient vs the province)",
    "employment_change_pct": "Employment change (%)",
    "jobs_lost": "Jobs lost (job-loss scenario)",
    "jobs_lost_reach": "Jobs lost within 30 min (job-loss scenario)",
    "territory": "Territory",
    "level": "Level",
    "zones": "Zones",
    "id": "ID",
    "source": "Source",
    "method": "Method",
    "length_m": "Length (m)",
    "outside_study_area": "Outside the study area",
    "pop_0_14": "Residents aged 0–14",
    "pop_15_64": "Residents aged 15–64",
    "pop_65_plus": "Residents aged 65+",
    # where a feature joins the road network (seriana_gis.accessibility.times)
    "road_node": "Nearest road node (ID)",
    "snap_m": "Distance to the nearest road node (m)",
    "snap_flag": "Far from the road network (long access leg)",
    "snap_note": "Road access note",
    # the road network (osmnx's names and the road model's, seriana_gis.network.model)
    "osmid": "Road node ID",
    "x": "Easting (m)",
    "y": "Northing (m)",
    "junction_kind": "Junction delay kind (signals, roundabout, priority, none)",
    "link_interior": "Cut inside a link (not a junction)",
    "u": "From road node (ID)",
    "v": "To road node (ID)",
    "key": "Parallel link number",
    "length": "Length (m)",
    "drawn_length": "Drawn length (m)",
    "sinuosity": "Sinuosity (length over the straight distance)",
    "setting": "Setting (urban, rural, mountain)",
    "oneway": "One-way",
    "reversed": "Against the drawn direction",
    "free_flow_kph": "Free-flow speed (km/h)",
    "speed_kph": "Running speed (km/h)",
    "speed_source": "Speed from",
    "speed_term": "Speed term (road group and setting)",
    "travel_time": "Travel time (s)",
    "delay_s": "Junction delays (s)",
    "junction_signals": "Traffic-signal delays paid",
    "junction_roundabout": "Roundabout delays paid",
    "junction_priority": "Priority-junction delays paid",
    "signals_on_way": "Traffic signals along the link",
    "roundabouts_on_way": "Roundabouts entered along the link",
    "yields_on_way": "Stop and give-way signs along the link",
}

#: Municipal indicators a map can be coloured by (before a layer has them).
MUNICIPAL_INDICATORS: tuple[str, ...] = (
    "population",
    "density",
    "share_65_plus",
    "old_age_index",
    "dependency_ratio",
    "area_km2",
)
#: The map runtime's number formats (``js/seriana.js``), by kind.
WEB_FORMATS: dict[str, str] = {
    "score": "score",
    "min": "min",
    "share": "pct",
    "int": "int",
    "m2": "m2",
    "m": "m",
    "year": "year",
}

#: Decimals each kind of value is rounded to.
DECIMALS: dict[str, int] = {
    "score": 3,
    "min": 1,
    "share": 3,
    "int": 0,
    "m2": 0,
    "m": 0,
    "year": 0,
    "km2": 2,
    "km": 1,
    "tenth": 1,
    "num": 2,
}
#: The kind of the columns outside the contract.
COLUMN_KINDS: dict[str, str] = {
    "population": "int",
    "density": "int",
    "share_65_plus": "share",
    "old_age_index": "tenth",
    "dependency_ratio": "tenth",
    "area_km2": "km2",
    "area_m2": "m2",
    "pop_change_pct": "num",
    "length_km": "km",
    "minutes": "min",
    "seq": "int",
    "snap_m": "m",
    "closure_year": "year",
    "manufacturing_share": "share",
    "textile_lq": "num",
    "employment_change_pct": "tenth",
    "jobs_lost": "int",
    "jobs_lost_reach": "int",
    "score": "score",  # a score without its profile (allocation, comparisons)
}

#: Fixed score class edges on the 0–1 scale, for every page and QGIS.
SCORE_EDGES: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


# ---------------------------------------------------------------------------
# Colours


def rgba(colour: str, alpha: int = 255) -> Colour:
    """``#rrggbb`` as ``(r, g, b, a)`` integers (QGIS's form)."""
    h = colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha


def hex_colour(c: Colour) -> str:
    """``(r, g, b, a)`` as ``#rrggbb``."""
    return "#{:02x}{:02x}{:02x}".format(*c[:3])


def ramp(palette: Sequence[str], n: int) -> list[str]:
    """``n`` colours along ``palette``, interpolated in RGB (its own colours when ``n`` matches)."""
    if n <= 0:
        return []
    if n == 1:
        return [palette[len(palette) - 1]]
    stops = [rgba(c) for c in palette]
    out = []
    for i in range(n):
        pos = i * (len(stops) - 1) / (n - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, len(stops) - 1)
        t = pos - lo
        r, g, b, a = (round(stops[lo][k] + (stops[hi][k] - stops[lo][k]) * t) for k in range(4))
        out.append(hex_colour((r, g, b, a)))
    return out


def category_colours(column: str, values: Iterable[Any]) -> dict[str, str]:
    """Colour of each distinct value: the fixed one, else the qualitative palette in sorted order.

    Parameters
    ----------
    column
        The classified column (``best_use``, ``status``, ``category``,
        ``road_class``: their known values keep fixed colours).
    values
        The values present; missing ones are ignored.

    Returns
    -------
    dict
        Value → ``#rrggbb``, known values first (in :data:`CATEGORY_COLOURS`
        order), then the others sorted; past the palette they share :data:`OTHER`.
    """
    present = sorted({str(v) for v in values if v is not None and not is_missing(v)})
    known = CATEGORY_COLOURS.get(column, {})
    out = {v: known[v] for v in known if v in present}
    palette = iter([c for c in QUALITATIVE if c not in out.values()])
    for v in present:
        if v not in out:
            out[v] = next(palette, OTHER)
    return out


def is_missing(v: Any) -> bool:
    """Whether a value is missing (None, NaN, NA, NaT)."""
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------
# Labels


def road_class(highway: Iterable[Any]) -> pd.Series:
    """The class of each road (:data:`ROAD_CLASS_PATTERN`); missing when not a main road."""
    values = pd.Series(list(highway), dtype="object").astype(str)
    return values.str.extract(ROAD_CLASS_PATTERN, expand=False)


def missing_label(column: str) -> str:
    """The legend label of a feature without a value in ``column``.

    Drawn in :data:`OTHER` by a categorical style, in :data:`MISSING` by classes.
    A site without a best use was excluded from every profile, a site without a score
    from that profile (each says why in ``excluded_{profile}``); a feature without a
    travel time has no trip of that mode (no road route, no TEB leg; a
    ``{mode}_{dest}_reason`` column says why where the run writes one).
    """
    if column == cols.BEST_USE:
        return "None (excluded from every profile)"
    parsed = cols.parse(column)
    if parsed is not None and parsed.kind == "score":
        return "Excluded from this profile"
    if parsed is not None and parsed.unit == "min":
        return "No time (no trip by this mode)"
    return "No value"


def value_label(column: str, value: Any) -> str:
    """A categorical value in words, first letter capitalised ("In redevelopment", "Social housing")."""
    text = str(value)
    if column == cols.BEST_USE:
        return cols.profile_label(text)
    text = VALUE_LABELS.get(column, {}).get(text, text.replace("_", " "))
    return text[:1].upper() + text[1:]


def column_label(
    column: str,
    *,
    destinations: Mapping[str, str] | None = None,
    profiles: Mapping[str, str] | None = None,
    criteria: Mapping[tuple[str, str], str] | None = None,
    unit: bool = True,
) -> str:
    """A column's name in words, for fields, aliases and legend titles.

    Columns outside the contract from :data:`COLUMN_LABELS`; derived columns,
    computed indicators and the allocation's by :func:`seriana_gis.columns.label`
    (with the unit when ``unit``); any other with underscores as spaces.
    """
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    text = cols.label(
        column,
        destinations=destinations,
        profiles=profiles,
        criteria=criteria,
        unit=unit,
        plain=COLUMN_LABELS,
    )
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------
# Rounding


def kind_of(column: str) -> str:
    """The kind of a column's values (a key of :data:`DECIMALS`)."""
    if column in COLUMN_KINDS:
        return COLUMN_KINDS[column]
    parsed = cols.parse(column)
    if parsed is None:
        return "num"
    kind = parsed.base.kind if parsed.kind == "delta" and parsed.base else parsed.kind
    if parsed.unit == "min":
        return "min"
    return {
        "score": "score",
        "contribution": "score",
        "best_use_margin": "score",
        "catchment": "int",
        "hansen": "int",
        "rank": "int",
        "rank_p05": "int",
        "rank_p95": "int",
        "mean_rank": "tenth",
        "p_top": "share",
    }.get(kind, "num")


def web_format(column: str) -> str:
    """The map runtime's format of a column's values (``score``, ``min``, ``pct``, ..., ``num``)."""
    return WEB_FORMATS.get(kind_of(column), "num")


def round_half_up(value: float, decimals: int) -> float:
    """``value`` rounded half away from zero on its shortest decimal form (0.8985 → 0.899)."""
    if not math.isfinite(value):
        return value
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))


def round_array(values: Any, decimals: int) -> np.ndarray:
    """:func:`round_half_up` of every value of an array (NaN kept), vectorised."""
    x = np.asarray(values, dtype=float)
    scale = 10.0**decimals
    y = np.abs(x) * scale
    out = np.sign(x) * np.floor(y + 0.5) / scale
    frac = y - np.floor(y)
    # values whose binary form sits next to a half: settle them on their decimal form
    near = np.isfinite(x) & (np.abs(frac - 0.5) < 1e-6)
    for i in np.flatnonzero(near.ravel()):
        out.flat[i] = round_half_up(float(x.flat[i]), decimals)
    return np.where(np.isfinite(x), out + 0.0, x)


def round_column(column: str, values: Any) -> np.ndarray:
    """The values of ``column`` rounded to the decimals of its kind (:func:`kind_of`)."""
    return round_array(values, DECIMALS[kind_of(column)])


def round_frame(
    frame: pd.DataFrame,
    *,
    sources: Mapping[str, str] | None = None,
    whole_as_int: bool = False,
) -> pd.DataFrame:
    """A copy of ``frame`` with every float column rounded to the decimals of its kind.

    Parameters
    ----------
    frame
        The table (not changed).
    sources
        Column → the column whose kind it has (a comparison's ``score_x@base``
        has the kind of ``score_x``); by default each column's own.
    whole_as_int
        Columns of a whole-number kind (residents, ranks, m²) as nullable
        integers, so that a file reads ``279831``, not ``279831.0``.
    """
    out = frame.copy()
    for c in out.columns:
        if isinstance(c, str) and pd.api.types.is_float_dtype(out[c]):
            source = (sources or {}).get(c, c)
            decimals = DECIMALS[kind_of(source)]
            values = round_array(out[c].to_numpy(dtype=float), decimals)
            whole = whole_as_int and decimals == 0
            out[c] = pd.array(values, dtype="Int64") if whole else values
    return out


def format_value(value: Any, kind: str = "num") -> str:
    """A value as text: rounded to its kind's decimals, thousands separated, with its unit."""
    if value is None or is_missing(value):
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    v = float(value)
    if not math.isfinite(v):
        return "–"
    d = DECIMALS.get(kind, 2)
    if kind == "year":
        return f"{round_half_up(v, 0):.0f}"
    text = f"{round_half_up(v, d):,.{d}f}"
    if kind == "share":
        return f"{round_half_up(100 * v, 1):.1f} %"
    suffix = {"min": " min", "m2": " m²", "m": " m", "km2": " km²"}.get(kind, "")
    return text + suffix


# ---------------------------------------------------------------------------
# Classes


@dataclass(frozen=True)
class Classes:
    """Graduated classes: ``len(edges) - 1`` classes, each with a colour and a label.

    A value ``v`` is in class ``i`` when ``edges[i] < v <= edges[i + 1]``
    (the first class also holds ``edges[0]``).
    """

    edges: tuple[float, ...]
    colours: tuple[str, ...]
    labels: tuple[str, ...]

    @property
    def upper(self) -> list[float]:
        """The upper edge of each class."""
        return list(self.edges[1:])

    def holds(self, values: Iterable[Any]) -> np.ndarray:
        """Whether each value falls in a class (``edges[0] <= v <= edges[-1]``); a missing one never."""
        x = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").to_numpy(float)
        if len(self.edges) < 2:
            return np.zeros(x.shape, dtype=bool)
        return np.asarray((x >= self.edges[0]) & (x <= self.edges[-1]))

    def colour_of(self, value: float) -> str:
        """The colour of a value (:data:`MISSING` when missing; the end classes past the edges)."""
        if value is None or not math.isfinite(value):
            return MISSING
        for colour, upper in zip(self.colours, self.upper, strict=True):
            if value <= upper:
                return colour
        return self.colours[-1]


def edge_text(x: float) -> str:
    """A class edge as text: up to ten significant digits, thousands separated."""
    if x == int(x) and abs(x) >= 1000:
        return f"{int(x):,}"
    return f"{x:.10g}"


def classes(edges: Sequence[float], palette: Sequence[str], *, unit: str = "") -> Classes:
    """Classes between consecutive ``edges``, coloured along ``palette``, labelled ``lo – hi``."""
    pairs = list(itertools.pairwise(float(e) for e in edges))
    colours = ramp(palette, len(pairs))
    labels = [f"{edge_text(lo)} – {edge_text(hi)}{unit}" for lo, hi in pairs]
    return Classes(tuple(float(e) for e in edges), tuple(colours), tuple(labels))


def score_classes() -> Classes:
    """The fixed score classes 0–0.2 … 0.8–1 on :data:`SCORES`."""
    pairs = list(itertools.pairwise(SCORE_EDGES))
    labels = tuple(f"{lo:.1f} – {hi:.1f}" for lo, hi in pairs)
    return Classes(SCORE_EDGES, SCORES, labels)


def _finite(values: Iterable[Any]) -> np.ndarray:
    arr = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").to_numpy(float)
    return arr[np.isfinite(arr)]


def round_significant(x: float, digits: int, how: str = "nearest") -> float:
    """``x`` to ``digits`` significant digits: ``down``, ``up`` or to the ``nearest``."""
    if x == 0 or not math.isfinite(x):
        return x
    scale = 10.0 ** (math.floor(math.log10(abs(x))) - digits + 1)
    f = {"down": math.floor, "up": math.ceil}.get(how, round)
    return round(f(x / scale) * scale, 10)


def quantile_edges(values: Iterable[Any], *, classes: int = 5) -> list[float]:
    """Quantile class edges rounded to two significant digits, covering ``values``.

    For skewed indicators (population density runs from tens to thousands of
    residents/km², where equal intervals would put nearly every municipality
    in the first class). Inner edges are the 1/k … (k-1)/k quantiles (linear
    interpolation) rounded to two significant digits; the ends are the
    minimum rounded down and the maximum rounded up; repeated edges merge.

    Returns
    -------
    list of float
        Increasing edges; ``[v, v]`` when all values are equal, ``[]`` when none.
    """
    arr = _finite(values)
    if arr.size == 0:
        return []
    vmin, vmax = float(arr.min()), float(arr.max())
    if vmin == vmax:
        return [vmin, vmax]
    inner = np.quantile(arr, [i / classes for i in range(1, classes)])
    edges = [round_significant(vmin, 2, "down")]
    edges += [round_significant(float(q), 2) for q in inner]
    edges.append(round_significant(vmax, 2, "up"))
    out: list[float] = []
    for e in edges:
        if not out or e > out[-1]:
            out.append(e)
    if len(out) == 1:
        out.append(vmax)
    return out


def nice_edges(values: Iterable[Any], *, classes: int = 5) -> list[float]:
    """Round class edges (steps of 1, 2, 2.5 or 5 × 10^k) covering ``values``.

    Returns
    -------
    list of float
        Increasing edges, about ``classes`` classes; ``[v, v]`` when all values
        are equal, ``[]`` when there is none.
    """
    arr = _finite(values)
    if arr.size == 0:
        return []
    vmin, vmax = float(arr.min()), float(arr.max())
    if vmin == vmax:
        return [vmin, vmax]
    raw = (vmax - vmin) / max(classes, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * magnitude >= raw)
    start = math.floor(vmin / step) * step
    stop = math.ceil(vmax / step) * step
    count = round((stop - start) / step)
    return [round(start + i * step, 10) for i in range(count + 1)]


def municipal_classes(values: Iterable[Any]) -> Classes:
    """Quantile classes of a municipal indicator over the whole layer, on :data:`MUNICIPAL`."""
    return classes(quantile_edges(values), MUNICIPAL)


def time_classes(values: Iterable[Any]) -> Classes:
    """Round travel-time classes, green (near) to red (far)."""
    return classes(nice_edges(values), TIMES, unit=" min")


def band_classes(minutes: Iterable[Any]) -> Classes:
    """One class per isochrone band (0 – 15 min, 15 – 30 min, ...), green to red."""
    bands = sorted({float(m) for m in _finite(minutes)})
    edges = [0.0, *bands] if bands and bands[0] > 0 else bands
    if len(edges) == 1:
        edges = [edges[0], edges[0]]
    return classes(edges, TIMES, unit=" min")
