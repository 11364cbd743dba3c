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
  colours on each travel time (``{mode}_{destination}_min``); the first is the
  default. Drawn to be seen: footprints with a thick outline and a marker at
  their centroid, labelled with their names.
- ``teb_lines``: categories of ``status``, the planned extension dashed.
- ``teb_stops``: categories of ``status`` (planned stops hollow), labels with ``name``.
- ``tourism_assets``: categories of ``category``.
- ``economy``: graduated colours on each employment indicator that has a
  figure (manufacturing share, textile specialisation, employment change,
  the scenario's jobs lost), 60 % opacity, labels with ``name``.
- ``isochrones_{destination}`` (one table per destination): graduated colours
  on ``minutes``, one class per band, the widest drawn first, 60 % opacity.
- ``road_edges``: categories of the road class computed from ``highway``
  (motorway … tertiary, other), widths by class.
- ``destinations``: one star symbol, labels with ``name``.
- anything else: one symbol, plus any scores and travel times as alternatives.

Colours, classes and labels come from :mod:`seriana_gis.symbology`, as on the
web maps: scores on the fixed 0–1 classes, travel times on round steps (a
legend reads 10–20 min, not 9.73–19.2), municipal indicators on quantiles
rounded to two significant digits, categories in their fixed colours.

Every feature is drawn. QGIS draws a feature only when a category or a range
matches it, so a layer with features no class holds (a site excluded from a
profile has no score, a site without a TEB trip no TEB time) gets the web
map's missing-value symbol and legend entry for them
(:func:`seriana_gis.symbology.missing_label`): a categorized style as its
"all other values" category, a graduated one as QGIS's rule-based renderer
(``RuleRenderer``: one rule per class, then an ELSE rule), since QGIS's
graduated renderer has no "all other values". A graduated style whose every
feature falls in a class stays QGIS's graduated renderer (editable as classes).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from .. import columns as cols
from .. import symbology as sym

Colour = sym.Colour


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
    width: float | None = None
    """Line width of this class, mm (``None``: the style's)."""

    def filter_expression(self, attribute: str, *, first: bool) -> str:
        """A QGIS expression selecting the features of this range of a graduated style.

        A value ``v`` is in the range when ``lower < v <= upper`` (``lower <= v``
        for the ``first`` range): the rule of :class:`seriana_gis.symbology.Classes`
        and of QGIS's graduated renderer. A missing value is in no range.
        """
        field = '"' + attribute.replace('"', '""') + '"'
        lower = ">=" if first else ">"
        return f"{field} {lower} {self.lower!r} AND {field} <= {self.upper!r}"


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
        ``"singleSymbol"``, ``"graduatedSymbol"``, ``"categorizedSymbol"`` or
        ``"RuleRenderer"`` (the QGIS renderer type names; a graduated style
        with a ``missing`` symbol is written as rules).
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
    centroid_marker
        Polygons also drawn as a marker at their centroid, in the class
        colour: a site of a few thousand square metres stays visible at
        valley scale (brownfields).
    label_size
        Label font size, points (``None``: 8, or 9 on polygons).
    aliases
        ``(field, alias)`` of the layer's fields, in words.
    missing
        The symbol of the features no range holds (a missing value, or one
        outside every range) in a ``RuleRenderer`` style: the web map's
        grey and its legend words.
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
    centroid_marker: bool = False
    label_size: float | None = None
    aliases: tuple[tuple[str, str], ...] = ()
    missing: StyleClass | None = None

    @property
    def class_count(self) -> int:
        """Number of ranges, rules or categories (0 for a single symbol)."""
        if self.renderer == "singleSymbol":
            return 0
        return len(self.classes) + (self.missing is not None)


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


def format_number(x: float) -> str:
    """A number in a QGIS document: up to ten significant digits."""
    return f"{x:.10g}"


def graduated_style(
    attribute: str,
    classes: sym.Classes,
    *,
    name: str,
    geometry: str,
    label_field: str | None = None,
    order_by_descending: bool = False,
    opacity: float = 1.0,
    values: Iterable[Any] | None = None,
) -> LayerStyle:
    """A graduated-colour style on ``attribute`` with the given classes.

    Parameters
    ----------
    attribute
        The numeric column to classify.
    classes
        Edges, colours and labels (:mod:`seriana_gis.symbology`: the same
        classes the web maps draw).
    name
        Style name.
    geometry
        ``"point"``, ``"line"`` or ``"polygon"``.
    label_field
        Column to label features with.
    order_by_descending
        Draw the highest values first (under the others).
    opacity
        Layer opacity.
    values
        The layer's values of ``attribute``. When one is missing or outside
        every class, the features no class holds are drawn in
        :data:`~seriana_gis.symbology.MISSING` and the legend says what they
        are (:func:`~seriana_gis.symbology.missing_label`), as on the web maps.

    Returns
    -------
    LayerStyle
        A ``graduatedSymbol`` style, or a ``RuleRenderer`` one (a rule per
        class, then an ELSE rule) when some value falls in no class.
    """
    pairs = list(itertools.pairwise(classes.edges))
    style_classes = tuple(
        StyleClass(label=label, colour=sym.rgba(colour), lower=float(lo), upper=float(hi))
        for (lo, hi), colour, label in zip(pairs, classes.colours, classes.labels, strict=True)
    )
    missing = None
    if values is not None and not classes.holds(values).all():
        missing = StyleClass(label=sym.missing_label(attribute), colour=sym.rgba(sym.MISSING))
    return LayerStyle(
        name=name,
        geometry=geometry,
        renderer="graduatedSymbol" if missing is None else "RuleRenderer",
        missing=missing,
        attribute=attribute,
        classes=style_classes,
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
    widths: Mapping[str, float] | None = None,
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
    widths
        Line width per value, mm (roads by class), over ``line_width``.

    Returns
    -------
    LayerStyle
        A ``categorizedSymbol`` style; colours and labels from
        :func:`seriana_gis.symbology.category_colours` and
        :func:`~seriana_gis.symbology.value_label`, as on the web maps.
    """
    colours = sym.category_colours(attribute, gdf[attribute].dropna())
    classes = tuple(
        StyleClass(
            label=sym.value_label(attribute, v),
            colour=sym.rgba(colour),
            value=v,
            line_style=(dashed or {}).get(v, "solid"),
            hollow=v in hollow,
            width=(widths or {}).get(v),
        )
        for v, colour in colours.items()
    )
    if gdf[attribute].isna().any():
        # QGIS draws a feature only when a category matches it; the category with an
        # empty value is its "all other values" one: missing values drawn as on the web map
        classes = (
            *classes,
            StyleClass(label=sym.missing_label(attribute), colour=sym.rgba(sym.OTHER), value=""),
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
    """A readable title for a column (``car_bgy_min`` → "Car to Orio al Serio airport (min)")."""
    if column == "density":
        return "Population density (residents/km²)"
    return sym.column_label(column)


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
    columns = list(gdf.columns)
    has_name = "name" in columns
    styles: list[LayerStyle] = []

    def graduated(
        column: str,
        classes: sym.Classes,
        *,
        label_field: str | None = None,
        order_by_descending: bool = False,
        opacity: float = 1.0,
    ) -> LayerStyle:
        return graduated_style(
            column,
            classes,
            name=column_title(column),
            geometry=geometry,
            label_field=label_field,
            order_by_descending=order_by_descending,
            opacity=opacity,
            values=gdf[column],
        )

    scores = [c for c in columns if cols.is_score(c) and _numeric(gdf, c)]
    times = [c.name for c in cols.travel_time_columns(columns) if _numeric(gdf, c.name)]
    score_styles = [graduated(c, sym.score_classes()) for c in scores]
    time_styles = [graduated(c, sym.time_classes(gdf[c])) for c in times]

    if layer == "municipalities":
        label = "name" if has_name else None
        indicators = ("density", "share_65_plus", "old_age_index", "dependency_ratio")
        if not _numeric(gdf, "density"):
            styles.append(single_style(name="Municipalities", geometry=geometry, label_field=label))
        for column in indicators:
            if _numeric(gdf, column):  # skewed across the valley: quantile classes
                classes = sym.municipal_classes(gdf[column])
                styles.append(graduated(column, classes, label_field=label))
    elif layer == "brownfields":
        if cols.BEST_USE in columns:
            styles.append(categorized_style(gdf, cols.BEST_USE, name="Best use", geometry=geometry))
        styles.extend(score_styles)
        if "status" in columns:
            styles.append(categorized_style(gdf, "status", name="Status", geometry=geometry))
        styles.extend(time_styles)
        styles = [_prominent(s, has_name=has_name) for s in styles]
    elif layer == "road_edges" and "highway" in columns:
        styles.append(road_style(gdf, geometry=geometry))
    elif layer in ("teb_lines", "teb_stops") and "status" in columns:
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
    elif layer.startswith("tourism_assets") and "category" in columns:
        styles.append(categorized_style(gdf, "category", name="Category", geometry=geometry))
    elif layer == "economy":
        from ..economy.geo import INDICATORS

        label = "name" if has_name else None
        for column in INDICATORS:
            if _numeric(gdf, column) and gdf[column].notna().any():
                classes = sym.municipal_classes(gdf[column])
                styles.append(graduated(column, classes, label_field=label, opacity=0.6))
    elif layer.startswith("isochrones") and _numeric(gdf, "minutes"):
        classes = sym.band_classes(gdf["minutes"])
        styles.append(graduated("minutes", classes, order_by_descending=True, opacity=0.6))
    elif layer == "destinations":
        styles.append(
            single_style(
                name="Destinations",
                geometry=geometry,
                colour=sym.rgba(sym.DESTINATIONS),
                label_field="name" if has_name else None,
                marker="star",
                size=4.0,
            )
        )
    if not styles:
        styles.append(single_style(name=layer.replace("_", " ").capitalize(), geometry=geometry))
    if layer not in ("brownfields",):
        styles.extend(score_styles + time_styles)
    return styles


def _prominent(style: LayerStyle, *, has_name: bool) -> LayerStyle:
    """A brownfield style drawn to be seen: big markers, thick outlines, names."""
    return dataclasses.replace(
        style,
        size=4.2,
        line_width=0.7,
        centroid_marker=style.geometry == "polygon",
        label_field="name" if has_name else None,
        label_size=9.0,
    )


def road_style(gdf: gpd.GeoDataFrame, *, geometry: str = "line") -> LayerStyle:
    """Roads by class, minor roads thin and light.

    The class is :func:`seriana_gis.symbology.road_class` of ``highway``,
    computed by QGIS with :data:`~seriana_gis.symbology.ROAD_CLASS_EXPRESSION`;
    colours and widths from :data:`~seriana_gis.symbology.CATEGORY_COLOURS`
    and :data:`~seriana_gis.symbology.ROAD_WIDTHS_MM`, as on the web maps.
    """
    present = sym.road_class(gdf["highway"]).fillna("other")
    colours = sym.category_colours("road_class", present)
    order = [c for c in sym.CATEGORY_COLOURS["road_class"] if c in colours]
    classes = tuple(
        StyleClass(
            label=sym.value_label("road_class", c),
            colour=sym.rgba(colours[c]),
            value=c,
            width=sym.ROAD_WIDTHS_MM[c],
        )
        for c in order
    )
    return LayerStyle(
        name="Road class",
        geometry=geometry,
        renderer="categorizedSymbol",
        attribute=sym.ROAD_CLASS_EXPRESSION,
        classes=classes,
        description="Roads by class (motorway, trunk, primary, secondary, tertiary, other)",
    )


def field_aliases(
    columns: Sequence[str], *, destinations: Mapping[str, str] | None = None
) -> tuple[tuple[str, str], ...]:
    """``(field, alias)`` for every column but the geometry: its name in words."""
    return tuple(
        (c, sym.column_label(c, destinations=destinations))
        for c in columns
        if c not in ("geometry", "geom")
    )


def rename_fields(style: LayerStyle, mapping: Mapping[str, str]) -> LayerStyle:
    """The same style on renamed columns (for Shapefile's ten-character field names)."""
    return dataclasses.replace(
        style,
        attribute=mapping.get(style.attribute, style.attribute) if style.attribute else None,
        label_field=mapping.get(style.label_field, style.label_field)
        if style.label_field
        else None,
        aliases=tuple((mapping.get(f, f), a) for f, a in style.aliases),
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
    """A green-to-red pseudocolour ramp over round edges of ``[vmin, vmax]`` (:data:`~seriana_gis.symbology.TIMES`)."""
    edges = sym.nice_edges([vmin, vmax]) or [0.0, 1.0]
    colours = [sym.rgba(c) for c in sym.ramp(sym.TIMES, len(edges))]
    return RasterStyle(name=name, stops=tuple(zip(edges, colours, strict=True)), unit=unit)
