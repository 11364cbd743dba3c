"""QGIS XML for the styles: ``.qml`` documents and the elements the project embeds.

:func:`style_qml` renders a :class:`~seriana_gis.export.styles.LayerStyle` as a
QGIS 3 ``.qml`` document (renderer, labels, opacity), the form QGIS reads from
the ``layer_styles`` table and from ``.qml`` sidecars; :func:`style_elements`
gives the same elements for a project's ``<maplayer>``. Symbol-layer properties
are written as ``<Option type="Map">`` (the QGIS 3 form), checked against
QGIS 3.22 by ``tests/test_export_qgis.py``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from .styles import Colour, LayerStyle, RasterStyle, StyleClass, format_number

#: The QGIS version written into the documents (the oldest the tests open them with).
QGIS_VERSION = "3.22.16-Białowieża"

DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"


def _colour(c: Colour) -> str:
    return ",".join(str(v) for v in c)


def _options(parent: ET.Element, props: Mapping[str, str]) -> None:
    opts = ET.SubElement(parent, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(opts, "Option", name=key, type="QString", value=value)


_LAYER_ATTRS = {"pass": "0", "enabled": "1", "locked": "0"}


def _symbol(
    parent: ET.Element, name: str, style: LayerStyle, cls: StyleClass, *, kind: str | None = None
) -> None:
    kind = kind or {"point": "marker", "line": "line"}.get(style.geometry, "fill")
    sym = ET.SubElement(
        parent,
        "symbol",
        type=kind,
        name=name,
        alpha="1",
        clip_to_extent="1",
        force_rhr="0",
    )
    colour = _colour(cls.colour)
    # hollow: white marker with an outline in the class colour, or an unfilled polygon
    fill_colour = "255,255,255,255" if cls.hollow else colour
    if kind == "marker":
        marker = ET.SubElement(sym, "layer", _LAYER_ATTRS | {"class": "SimpleMarker"})
        _options(
            marker,
            {
                "name": style.marker,
                "color": fill_colour,
                "outline_color": colour if cls.hollow else "35,35,35,255",
                "outline_style": "solid",
                "outline_width": "0.6" if cls.hollow else "0.3",
                "outline_width_unit": "MM",
                "size": f"{style.size:g}",
                "size_unit": "MM",
                "angle": "0",
            },
        )
    elif kind == "line":
        line = ET.SubElement(sym, "layer", _LAYER_ATTRS | {"class": "SimpleLine"})
        _options(
            line,
            {
                "line_color": colour,
                "line_style": cls.line_style,
                "line_width": f"{cls.width if cls.width is not None else style.line_width:g}",
                "line_width_unit": "MM",
                "capstyle": "round",
                "joinstyle": "round",
                "use_custom_dash": "0",
            },
        )
    else:
        fill = ET.SubElement(sym, "layer", _LAYER_ATTRS | {"class": "SimpleFill"})
        _options(
            fill,
            {
                "color": colour,
                "style": "no" if cls.hollow else "solid",
                "outline_color": colour if cls.hollow or style.centroid_marker else "60,60,60,255",
                "outline_style": "solid",
                "outline_width": _outline_width(style, cls),
                "outline_width_unit": "MM",
            },
        )
        if style.centroid_marker:
            # a marker at the centroid keeps a small footprint visible at valley scale
            centroid = ET.SubElement(sym, "layer", _LAYER_ATTRS | {"class": "CentroidFill"})
            _options(centroid, {"point_on_surface": "1", "point_on_all_parts": "0"})
            _symbol(centroid, f"@{name}@1", style, cls, kind="marker")


def _outline_width(style: LayerStyle, cls: StyleClass) -> str:
    if cls.hollow:
        return "0.6"
    return f"{style.line_width:g}" if style.centroid_marker else "0.26"


def renderer_element(style: LayerStyle) -> ET.Element:
    """The ``<renderer-v2>`` element of a style."""
    r = ET.Element(
        "renderer-v2",
        type=style.renderer,
        symbollevels="0",
        forceraster="0",
        enableorderby="1" if style.order_by_descending else "0",
    )
    symbols = ET.Element("symbols")
    if style.renderer == "singleSymbol":
        _symbol(symbols, "0", style, style.classes[0])
    elif style.renderer == "graduatedSymbol":
        r.set("attr", str(style.attribute))
        r.set("graduatedMethod", "GraduatedColor")
        ranges = ET.SubElement(r, "ranges")
        for i, cls in enumerate(style.classes):
            ET.SubElement(
                ranges,
                "range",
                lower=f"{cls.lower:.15f}",
                upper=f"{cls.upper:.15f}",
                label=cls.label,
                render="true",
                symbol=str(i),
            )
            _symbol(symbols, str(i), style, cls)
    elif style.renderer == "RuleRenderer":
        # a graduated style with an ELSE rule: QGIS's graduated renderer skips a
        # feature no range holds (a missing value); the ELSE rule draws it
        rules = ET.SubElement(r, "rules", key=f"{style.attribute}:rules")
        classes = [*style.classes, *([style.missing] if style.missing else [])]
        for i, cls in enumerate(classes):
            is_else = cls is style.missing
            ET.SubElement(
                rules,
                "rule",
                filter="ELSE"
                if is_else
                else cls.filter_expression(str(style.attribute), first=i == 0),
                key=f"{style.attribute}:{i}",
                symbol=str(i),
                label=cls.label,
            )
            _symbol(symbols, str(i), style, cls)
    else:
        r.set("attr", str(style.attribute))
        cats = ET.SubElement(r, "categories")
        for i, cls in enumerate(style.classes):
            ET.SubElement(
                cats,
                "category",
                value=str(cls.value),
                label=cls.label,
                render="true",
                symbol=str(i),
            )
            _symbol(symbols, str(i), style, cls)
    r.append(symbols)
    if style.renderer in ("graduatedSymbol", "categorizedSymbol"):
        source = ET.SubElement(r, "source-symbol")
        _symbol(source, "0", style, StyleClass(label="", colour=(150, 150, 150, 255)))
    if style.renderer == "graduatedSymbol":
        method = ET.SubElement(r, "classificationMethod", id="Custom")
        ET.SubElement(
            method,
            "labelFormat",
            format="%1 – %2",
            labelprecision="1",
            trimtrailingzeroes="1",
        )
    if style.order_by_descending:
        order = ET.SubElement(r, "orderby")
        clause = ET.SubElement(order, "orderByClause", asc="0", nullsFirst="0")
        clause.text = f'"{style.attribute}"'
    return r


def labeling_element(style: LayerStyle) -> ET.Element | None:
    """The ``<labeling>`` element of a style with labels, else ``None``."""
    if style.label_field is None:
        return None
    lab = ET.Element("labeling", type="simple")
    settings = ET.SubElement(lab, "settings", calloutType="simple")
    text = ET.SubElement(
        settings,
        "text-style",
        fieldName=style.label_field,
        isExpression="0",
        fontSize=f"{style.label_size or (9 if style.geometry == 'polygon' else 8):g}",
        fontSizeUnit="Point",
        textColor="40,40,40,255",
        textOpacity="1",
        fontWeight="50",
        fontItalic="0",
        multilineHeight="1",
    )
    ET.SubElement(
        text,
        "text-buffer",
        bufferDraw="1",
        bufferSize="0.8",
        bufferSizeUnits="MM",
        bufferColor="255,255,255,255",
        bufferOpacity="0.8",
        bufferNoFill="1",
        bufferJoinStyle="128",
    )
    ET.SubElement(settings, "text-format", wrapChar="", multilineAlign="3", decimals="3")
    placement = {"polygon": "1", "line": "2"}.get(style.geometry, "6")
    ET.SubElement(
        settings,
        "placement",
        placement=placement,
        centroidInside="1",
        centroidWhole="0",
        dist="1",
        distUnits="MM",
        priority="5",
        placementFlags="10",
        predefinedPositionOrder="TR,TL,BR,BL,R,L,TSR,BSR",
    )
    ET.SubElement(
        settings,
        "rendering",
        drawLabels="1",
        obstacle="1",
        obstacleFactor="1",
        obstacleType="1",
        displayAll="0",
        upsidedownLabels="0",
        scaleVisibility="0",
        scaleMin="0",
        scaleMax="0",
        zIndex="0",
        limitNumLabels="0",
        maxNumLabels="2000",
        mergeLines="0",
        labelPerPart="0",
    )
    return lab


def aliases_element(style: LayerStyle) -> ET.Element:
    """The ``<aliases>`` element: each field's name in words."""
    el = ET.Element("aliases")
    for i, (field, alias) in enumerate(style.aliases):
        ET.SubElement(el, "alias", field=field, index=str(i), name=alias)
    return el


def style_elements(style: LayerStyle) -> list[ET.Element]:
    """The style's elements, as children of a QML ``<qgis>`` or a project ``<maplayer>``."""
    out = [renderer_element(style)]
    lab = labeling_element(style)
    if lab is not None:
        out.append(lab)
    if style.aliases:
        out.append(aliases_element(style))
    opacity = ET.Element("layerOpacity")
    opacity.text = f"{style.opacity:g}"
    blend = ET.Element("blendMode")
    blend.text = "0"
    out.extend([blend, opacity])
    return out


def style_attributes(style: LayerStyle) -> dict[str, str]:
    """Attributes of the ``<qgis>`` or ``<maplayer>`` element that belong to the style."""
    return {"labelsEnabled": "1" if style.label_field else "0"}


def _document(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return f"{DOCTYPE}\n{ET.tostring(root, encoding='unicode')}\n"


def style_qml(style: LayerStyle) -> str:
    """The style as a QGIS ``.qml`` document (symbology and labels)."""
    root = ET.Element(
        "qgis",
        {"version": QGIS_VERSION, "styleCategories": "Symbology|Labeling|Fields|Rendering"}
        | style_attributes(style),
    )
    root.extend(style_elements(style))
    geometry_code = {"point": "0", "line": "1", "polygon": "2"}.get(style.geometry, "3")
    ET.SubElement(root, "layerGeometryType").text = geometry_code
    return _document(root)


# ---------------------------------------------------------------------------
# Rasters


def raster_pipe_element(style: RasterStyle) -> ET.Element:
    """The ``<pipe>`` element of a raster style (band 1, interpolated colour ramp)."""
    lo, hi = style.stops[0][0], style.stops[-1][0]
    pipe = ET.Element("pipe")
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        type="singlebandpseudocolor",
        band="1",
        opacity=f"{style.opacity:g}",
        alphaBand="-1",
        classificationMin=format_number(lo),
        classificationMax=format_number(hi),
        nodataColor="",
    )
    ET.SubElement(renderer, "rasterTransparency")
    shader = ET.SubElement(renderer, "rastershader")
    ramp = ET.SubElement(
        shader,
        "colorrampshader",
        colorRampType="INTERPOLATED",
        classificationMode="1",
        clip="0",
        minimumValue=format_number(lo),
        maximumValue=format_number(hi),
        labelPrecision="0",
    )
    for value, colour in style.stops:
        ET.SubElement(
            ramp,
            "item",
            value=format_number(value),
            label=f"{format_number(value)}{style.unit}",
            color="#{:02x}{:02x}{:02x}".format(*colour[:3]),
            alpha=str(colour[3]),
        )
    ET.SubElement(pipe, "brightnesscontrast", brightness="0", contrast="0", gamma="1")
    ET.SubElement(pipe, "huesaturation", saturation="0", grayscaleMode="0", colorizeOn="0")
    ET.SubElement(pipe, "rasterresampler", maxOversampling="2")
    return pipe


def raster_qml(style: RasterStyle) -> str:
    """The raster style as a QGIS ``.qml`` document."""
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology|Rendering")
    root.append(raster_pipe_element(style))
    ET.SubElement(root, "blendMode").text = "0"
    return _document(root)
