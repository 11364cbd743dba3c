"""Styles for the layers of the territorial database, in plain terms.

A :class:`LayerStyle` describes one style (renderer, attribute, classes or
categories, colours, labels); :func:`default_styles` chooses the styles of a
layer from its name and columns. :mod:`seriana_gis.export.qml` renders them
as QGIS XML, stored in the GeoPackage's ``layer_styles`` table, embedded in
the project, and written as ``.qml`` sidecars.

Choices, by layer:

- ``municipalities``: graduated colours on ``density`` (rounded quantile
  classes: the density is skewed), labels with ``name``; alternatives on
  ``share_65_plus``, ``old_age_index`` and ``dependency_ratio``.
- ``brownfields``: categories of ``best_use`` when present, then graduated
  colours on each ``score_{profile}``, categories of ``status``, and graduated
  colours on each travel time (``{mode}_{destination}_min``); the first is the default.
- ``teb_lines``: categories of ``status``, the planned extension dashed.
- ``teb_stops``: categories of ``status`` (planned stops hollow), labels with ``name``.
- ``tourism_assets``: categories of ``category``.
- ``isochrones``: graduated colours on ``minutes``, one class per band,
  the widest drawn first, 60 % opacity.
- ``destinations``: one star symbol, labels with ``name``.
- anything else: one symbol, plus any scores and travel times as alternatives.

Class breaks of scores and travel times are "nice" round numbers (steps of
1, 2, 2.5 or 5 × 10^k) covering the data range, so that a legend reads
10–20 min, not 9.73–19.2; municipal indicators use quantiles rounded to two
significant digits.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

#: Travel-time columns: ``{mode}_{destination}_min``.
TRAVEL_TIME_COLUMN = re.compile(r"^[a-z0-9]+_[a-z0-9_]+_min$")
#: Suitability scores: ``score_{profile}``.
SCORE_COLUMN = re.compile(r"^score_[a-z0-9_]+$")

Colour = tuple[int, int, int, int]

# Sequential ramps (light to dark), interpolated to the number of classes.
_RAMP_SCORE: tuple[Colour, ...] = (  # yellow-green-blue: higher score, darker
    (255, 255, 204, 255),
    (161, 218, 180, 255),
    (65, 182, 196, 255),
    (44, 127, 184, 255),
    (37, 52, 148, 255),
)
_RAMP_TIME: tuple[Colour, ...] = (  # green to red: shorter trip, greener
    (26, 152, 80, 255),
    (145, 207, 96, 255),
    (254, 224, 139, 255),
    (252, 141, 89, 255),
    (215, 48, 39, 255),
)
_RAMP_DENSITY: tuple[Colour, ...] = (
    (255, 255, 212, 255),
    (254, 217, 142, 255),
    (254, 153, 41, 255),
    (217, 95, 14, 255),
    (153, 52, 4, 255),
)

_CATEGORY_COLOURS: dict[str, dict[str, Colour]] = {
    "best_use": {
        "logistics": (117, 112, 179, 255),
        "services": (27, 158, 119, 255),
        "social_housing": (217, 95, 2, 255),
    },
    "category": {
        "ski_area": (31, 120, 180, 255),
        "heritage": (177, 89, 40, 255),
        "natural_site": (51, 160, 44, 255),
        "cycle_path": (255, 127, 0, 255),
        "trail": (227, 26, 28, 255),
        "museum": (106, 61, 154, 255),
        "other": (150, 150, 150, 255),
    },
    "status": {
        "existing": (200, 16, 46, 255),
        "planned": (200, 16, 46, 255),
        "dismissed": (165, 0, 38, 255),
        "partly_reused": (253, 174, 97, 255),
        "in_redevelopment": (116, 173, 209, 255),
        "unknown": (150, 150, 150, 255),
    },
}
_FALLBACK_COLOURS: tuple[Colour, ...] = (
    (228, 26, 28, 255),
    (55, 126, 184, 255),
    (77, 175, 74, 255),
    (152, 78, 163, 255),
    (255, 127, 0, 255),
    (166, 86, 40, 255),
    (247, 129, 191, 255),
    (153, 153, 153, 255),
)

_TITLES = {
    "density": "Population density (persons/km²)",
    "share_65_plus": "Share of residents aged 65+",
    "old_age_index": "Old-age index (%)",
    "dependency_ratio": "Dependency ratio (%)",
    "best_use": "Best use",
    "status": "Status",
    "category": "Category",
    "minutes": "Travel time (min)",
}


@dataclass(frozen=True)
class StyleClass:
    """One class of a graduated style (``lower`` ≤ value ≤ ``upper``) or one category (``value``)."""

    label: str
    colour: Colour
    lower: float | None = None
    upper: float | None = None
    value: str | None = None
    line_style: str = "solid"
    hollow: bool = False
    """Markers and fills drawn as an outline in ``colour`` (planned features)."""


@dataclass(frozen=True)
class LayerStyle:
    """A QGIS style for one layer, in plain terms.

    Attributes
    ----------
    name
        Style name shown in QGIS (``layer_styles.styleName``).
    geometry
        ``"point"``, ``"line"`` or ``"polygon"``.
    renderer
        ``"singleSymbol"``, ``"graduatedSymbol"`` or ``"categorizedSymbol"``
        (the QGIS renderer type names).
    attribute
        The classified column, or ``None`` for one symbol.
    classes
        Ranges (graduated) or categories (categorized); one entry for a single symbol.
    label_field
        Column whose values label the features, or ``None``.
    description
        One sentence for ``layer_styles.description``.
    order_by_descending
        Draw features in descending order of ``attribute`` (isochrones: widest first).
    opacity
        Layer opacity, 0–1.
    marker
        Marker shape for points (QGIS names: ``circle``, ``star``, ``square``).
    size
        Marker size, mm.
    line_width
        Line width, mm.
    """

    name: str
    geometry: str
    renderer: str
    attribute: str | None
    classes: tuple[StyleClass, ...]
    label_field: str | None = None
    description: str = ""
    order_by_descending: bool = False
    opacity: float = 1.0
    marker: str = "circle"
    size: float = 2.6
    line_width: float = 0.4

    @property
    def class_count(self) -> int:
        """Number of ranges or categories (0 for a single symbol)."""
        return 0 if self.renderer == "singleSymbol" else len(self.classes)


def geometry_family(geom_type: object) -> str | None:
    """Map a shapely geometry type to ``"point"``, ``"line"`` or ``"polygon"`` (or ``None``)."""
    if not isinstance(geom_type, str):  # a missing geometry: None or NaN
        return None
    if "Point" in geom_type:
        return "point"
    if "LineString" in geom_type:
        return "line"
    if "Polygon" in geom_type:
        return "polygon"
    return None


def layer_geometry(gdf: gpd.GeoDataFrame) -> str | None:
    """The geometry family of a layer: ``None`` without geometries, ``"mixed"`` for several."""
    families = {geometry_family(t) for t in gdf.geom_type.dropna().unique()} - {None}
    if len(families) == 1:
        return str(families.pop())
    return None if not families else "mixed"


def _round_sig(x: float, digits: int, how: str) -> float:
    """Round ``x`` to ``digits`` significant digits: down, up or to nearest."""
    if x == 0 or not math.isfinite(x):
        return x
    scale = 10.0 ** (math.floor(math.log10(abs(x))) - digits + 1)
    f = {"down": math.floor, "up": math.ceil}.get(how, round)
    return round(f(x / scale) * scale, 10)


def quantile_breaks(values: Iterable[float], *, classes: int = 5) -> list[float]:
    """Quantile class breaks rounded to two significant digits, covering ``values``.

    For skewed indicators (population density runs from tens to thousands of
    persons/km²), where equal intervals would put nearly every municipality in
    the first class. Inner breaks are the 1/k … (k-1)/k quantiles (linear
    interpolation) rounded to two significant digits; the ends are the minimum
    rounded down and the maximum rounded up; repeated breaks are merged.

    Parameters
    ----------
    values
        The data; NaN are ignored.
    classes
        Wanted number of classes (fewer when breaks coincide).

    Returns
    -------
    list of float
        Increasing breaks; ``[v, v]`` when all values are equal, ``[]`` when none.
    """
    arr = np.asarray(list(values), dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return []
    vmin, vmax = float(arr.min()), float(arr.max())
    if vmin == vmax:
        return [vmin, vmax]
    inner = np.quantile(arr, [i / classes for i in range(1, classes)])
    edges = [_round_sig(vmin, 2, "down")]
    edges += [_round_sig(float(q), 2, "nearest") for q in inner]
    edges.append(_round_sig(vmax, 2, "up"))
    out: list[float] = []
    for e in edges:
        if not out or e > out[-1]:
            out.append(e)
    if len(out) == 1:
        out.append(vmax)
    return out


def nice_breaks(values: Iterable[float], *, classes: int = 5) -> list[float]:
    """Round class breaks covering ``values``.

    Parameters
    ----------
    values
        The data; NaN are ignored.
    classes
        Wanted number of classes; the result has about that many.

    Returns
    -------
    list of float
        Increasing breaks; ``len - 1`` classes. One class ``[v, v]`` when all
        values are equal, an empty list when there are no values.
    """
    arr = np.asarray(list(values), dtype=float)
    arr = arr[np.isfinite(arr)]
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


def _interpolate(ramp: Sequence[Colour], n: int) -> list[Colour]:
    if n <= 1:
        return [ramp[len(ramp) // 2]] * n
    out: list[Colour] = []
    for i in range(n):
        pos = i * (len(ramp) - 1) / (n - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, len(ramp) - 1)
        t = pos - lo
        r, g, b, a = (round(ramp[lo][k] + (ramp[hi][k] - ramp[lo][k]) * t) for k in range(4))
        out.append((r, g, b, a))
    return out


def format_number(x: float) -> str:
    return f"{x:.10g}"


def graduated_style(
    gdf: gpd.GeoDataFrame,
    attribute: str,
    *,
    name: str,
    geometry: str,
    breaks: Sequence[float] | None = None,
    ramp: Sequence[Colour] = _RAMP_SCORE,
    unit: str = "",
    label_field: str | None = None,
    order_by_descending: bool = False,
    opacity: float = 1.0,
) -> LayerStyle:
    """A graduated-colour style on ``attribute`` with nice (or given) breaks.

    Parameters
    ----------
    gdf
        The layer; its ``attribute`` values set the breaks.
    attribute
        The numeric column to classify.
    name
        Style name.
    geometry
        ``"point"``, ``"line"`` or ``"polygon"``.
    breaks
        Class breaks; by default :func:`nice_breaks` of the column.
    ramp
        Colours from the lowest to the highest class.
    unit
        Appended to class labels (``" min"``).
    label_field
        Column to label features with.
    order_by_descending
        Draw the highest values first (under the others).
    opacity
        Layer opacity.

    Returns
    -------
    LayerStyle
        A ``graduatedSymbol`` style.
    """
    values = pd.to_numeric(gdf[attribute], errors="coerce")
    edges = list(breaks) if breaks is not None else nice_breaks(values)
    pairs = list(itertools.pairwise(edges))
    colours = _interpolate(ramp, len(pairs))
    classes = tuple(
        StyleClass(
            label=f"{format_number(lo)} – {format_number(hi)}{unit}",
            colour=c,
            lower=float(lo),
            upper=float(hi),
        )
        for (lo, hi), c in zip(pairs, colours, strict=True)
    )
    return LayerStyle(
        name=name,
        geometry=geometry,
        renderer="graduatedSymbol",
        attribute=attribute,
        classes=classes,
        label_field=label_field,
        description=f"Graduated colours on {attribute}",
        order_by_descending=order_by_descending,
        opacity=opacity,
    )


def categorized_style(
    gdf: gpd.GeoDataFrame,
    attribute: str,
    *,
    name: str,
    geometry: str,
    label_field: str | None = None,
    dashed: Mapping[str, str] | None = None,
    hollow: Collection[str] = (),
    line_width: float = 0.4,
) -> LayerStyle:
    """A categorized style: one category per distinct non-null value of ``attribute``.

    Parameters
    ----------
    gdf
        The layer.
    attribute
        The column whose values become categories.
    name
        Style name.
    geometry
        ``"point"``, ``"line"`` or ``"polygon"``.
    label_field
        Column to label features with.
    dashed
        Line style per value (``{"planned": "dash"}``) for line layers.
    hollow
        Values whose markers or fills are drawn as outlines only (``{"planned"}``).
    line_width
        Line width, mm.

    Returns
    -------
    LayerStyle
        A ``categorizedSymbol`` style; known values (best uses, tourism
        categories, statuses) keep their colours, others take a qualitative palette.
    """
    values = sorted({str(v) for v in gdf[attribute].dropna().unique()})
    known = _CATEGORY_COLOURS.get(attribute, {})
    order = [v for v in known if v in values] + [v for v in values if v not in known]
    fallback = iter(_FALLBACK_COLOURS * (len(order) // len(_FALLBACK_COLOURS) + 1))
    classes = tuple(
        StyleClass(
            label=v.replace("_", " ").capitalize(),
            colour=known[v] if v in known else next(fallback),
            value=v,
            line_style=(dashed or {}).get(v, "solid"),
            hollow=v in hollow,
        )
        for v in order
    )
    return LayerStyle(
        name=name,
        geometry=geometry,
        renderer="categorizedSymbol",
        attribute=attribute,
        classes=classes,
        label_field=label_field,
        description=f"Categories of {attribute}",
        line_width=line_width,
    )


def single_style(
    *,
    name: str,
    geometry: str,
    colour: Colour = (90, 90, 90, 255),
    label_field: str | None = None,
    marker: str = "circle",
    size: float = 2.6,
) -> LayerStyle:
    """One symbol for every feature (a ``marker`` of ``size`` mm for points)."""
    return LayerStyle(
        name=name,
        geometry=geometry,
        renderer="singleSymbol",
        attribute=None,
        classes=(StyleClass(label="", colour=colour),),
        label_field=label_field,
        description="One symbol",
        marker=marker,
        size=size,
    )


def column_title(column: str) -> str:
    """A readable title for a column (``car_bgy_min`` → "Travel time by car to bgy (min)")."""
    if column in _TITLES:
        return _TITLES[column]
    if SCORE_COLUMN.match(column):
        return f"Suitability score: {column.removeprefix('score_').replace('_', ' ')}"
    if TRAVEL_TIME_COLUMN.match(column):
        mode, _, rest = column.partition("_")
        return f"Travel time by {mode} to {rest.removesuffix('_min')} (min)"
    return column


def _numeric(gdf: gpd.GeoDataFrame, column: str) -> bool:
    return column in gdf.columns and pd.api.types.is_numeric_dtype(gdf[column])


def default_styles(
    layer: str, gdf: gpd.GeoDataFrame, *, geometry: str | None = None
) -> list[LayerStyle]:
    """The styles of a layer, the default first.

    Parameters
    ----------
    layer
        Layer name in the territorial database (``brownfields``), which chooses
        the styles; unknown names get one symbol plus any scores and travel times.
    gdf
        The layer's features (a single geometry family).
    geometry
        ``"point"``, ``"line"`` or ``"polygon"``; by default the family of
        ``gdf``'s geometries (``"point"`` when it has none).

    Returns
    -------
    list of LayerStyle
        At least one style; the first is the default.
    """
    geometry = geometry or layer_geometry(gdf) or "point"
    cols = list(gdf.columns)
    has_name = "name" in cols
    styles: list[LayerStyle] = []

    def graduated(
        column: str,
        *,
        ramp: Sequence[Colour] = _RAMP_SCORE,
        breaks: Sequence[float] | None = None,
        label_field: str | None = None,
        order_by_descending: bool = False,
        opacity: float = 1.0,
    ) -> LayerStyle:
        """Graduated colours on ``column``; travel times green (short) to red (long)."""
        time = TRAVEL_TIME_COLUMN.match(column) is not None or column == "minutes"
        return graduated_style(
            gdf,
            column,
            name=column_title(column),
            geometry=geometry,
            breaks=breaks,
            ramp=_RAMP_TIME if time else ramp,
            unit=" min" if time else "",
            label_field=label_field,
            order_by_descending=order_by_descending,
            opacity=opacity,
        )

    scores = [c for c in cols if SCORE_COLUMN.match(c) and _numeric(gdf, c)]
    times = [c for c in cols if TRAVEL_TIME_COLUMN.match(c) and _numeric(gdf, c)]

    if layer == "municipalities":
        label = "name" if has_name else None
        indicators = ("density", "share_65_plus", "old_age_index", "dependency_ratio")
        if not _numeric(gdf, "density"):
            styles.append(single_style(name="Municipalities", geometry=geometry, label_field=label))
        for column in indicators:
            if _numeric(gdf, column):  # skewed across the valley: quantile classes
                breaks = quantile_breaks(pd.to_numeric(gdf[column], errors="coerce"))
                styles.append(
                    graduated(column, ramp=_RAMP_DENSITY, label_field=label, breaks=breaks)
                )
    elif layer == "brownfields":
        if "best_use" in cols:
            styles.append(categorized_style(gdf, "best_use", name="Best use", geometry=geometry))
        styles.extend(graduated(c) for c in scores)
        if "status" in cols:
            styles.append(categorized_style(gdf, "status", name="Status", geometry=geometry))
        styles.extend(graduated(c) for c in times)
    elif layer in ("teb_lines", "teb_stops") and "status" in cols:
        styles.append(
            categorized_style(
                gdf,
                "status",
                name="Status",
                geometry=geometry,
                label_field="name" if layer == "teb_stops" and has_name else None,
                dashed={"planned": "dash"},
                hollow={"planned"},
                line_width=1.2,
            )
        )
    elif layer.startswith("tourism_assets") and "category" in cols:
        styles.append(categorized_style(gdf, "category", name="Category", geometry=geometry))
    elif layer == "isochrones" and _numeric(gdf, "minutes"):
        minutes = sorted({float(m) for m in gdf["minutes"].dropna()})
        breaks = sorted({0.0, *minutes}) if minutes and minutes[0] > 0 else minutes
        if len(breaks) == 1:
            breaks = [breaks[0], breaks[0]]
        styles.append(graduated("minutes", breaks=breaks, order_by_descending=True, opacity=0.6))
    elif layer == "destinations":
        styles.append(
            single_style(
                name="Destinations",
                geometry=geometry,
                colour=(0, 0, 0, 255),
                label_field="name" if has_name else None,
                marker="star",
                size=4.0,
            )
        )
    if not styles:
        styles.append(single_style(name=layer.replace("_", " ").capitalize(), geometry=geometry))
    if layer not in ("brownfields",):
        styles.extend(graduated(c) for c in scores + times)
    return styles


def rename_fields(style: LayerStyle, mapping: Mapping[str, str]) -> LayerStyle:
    """The same style on renamed columns (for Shapefile's ten-character field names)."""
    return dataclasses.replace(
        style,
        attribute=mapping.get(style.attribute, style.attribute) if style.attribute else None,
        label_field=mapping.get(style.label_field, style.label_field)
        if style.label_field
        else None,
    )


@dataclass(frozen=True)
class RasterStyle:
    """A pseudocolour style of a single-band travel-time raster."""

    name: str
    stops: tuple[tuple[float, Colour], ...]
    unit: str = " min"
    opacity: float = 0.8

    @property
    def class_count(self) -> int:
        """Number of colour-ramp items."""
        return len(self.stops)


def raster_style(vmin: float, vmax: float, *, name: str, unit: str = " min") -> RasterStyle:
    """A green-to-red pseudocolour ramp over nice breaks of ``[vmin, vmax]``."""
    breaks = nice_breaks([vmin, vmax])
    if not breaks:
        breaks = [0.0, 1.0]
    colours = _interpolate(_RAMP_TIME, len(breaks))
    return RasterStyle(name=name, stops=tuple(zip(breaks, colours, strict=True)), unit=unit)
