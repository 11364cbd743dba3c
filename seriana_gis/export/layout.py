"""The print layout of the QGIS project: an A3 landscape sheet ready to print.

:func:`layout_element` writes the ``<Layouts>`` element of the ``.qgs``: one
layout, "A3 landscape", with the title, a subtitle stamped with the print date
(a QGIS expression, evaluated when printed, so the project file itself stays the
same from run to run), the map, its legend, a scale bar, a north arrow and the
attribution of the data. The item types and attributes are those QGIS 3.22
writes (``QgsLayoutItemRegistry``: page 65638, map 65639, picture 65640, label
65641, legend 65642, scale bar 65646); ``tests/test_export_qgis.py`` opens the
project in QGIS and exports the layout to PNG.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

#: Page size, millimetres (A3 landscape).
PAGE_W, PAGE_H = 420.0, 297.0
#: The map frame: x, y, width, height, millimetres.
MAP_BOX = (10.0, 30.0, 300.0, 257.0)
#: The north arrow shipped with QGIS (a resource path every QGIS 3 has).
NORTH_ARROW = ":/images/north_arrows/layout_default_north_arrow.svg"
LAYOUT_NAME = "A3 landscape"

_PAGE, _MAP, _PICTURE, _LABEL, _LEGEND, _SCALEBAR = (
    "65638",
    "65639",
    "65640",
    "65641",
    "65642",
    "65646",
)
_NAMESPACE = uuid.UUID("7d0c1f61-5b5e-4c55-9d67-0f3c2b9a4e11")


@dataclass(frozen=True)
class LegendLayer:
    """A project layer shown in the legend."""

    layer_id: str
    name: str
    source: str
    provider: str = "ogr"


def _uuid(name: str) -> str:
    """A stable item id (the same project gives the same file)."""
    return "{" + str(uuid.uuid5(_NAMESPACE, name)) + "}"


def _colour(parent: ET.Element, tag: str, r: int, g: int, b: int, a: int = 255) -> None:
    ET.SubElement(parent, tag, red=str(r), green=str(g), blue=str(b), alpha=str(a))


def _object(parent: ET.Element) -> None:
    obj = ET.SubElement(parent, "LayoutObject")
    props = ET.SubElement(obj, "dataDefinedProperties")
    opts = ET.SubElement(props, "Option", type="Map")
    ET.SubElement(opts, "Option", type="QString", value="", name="name")
    ET.SubElement(opts, "Option", name="properties")
    ET.SubElement(opts, "Option", type="QString", value="collection", name="type")
    custom = ET.SubElement(obj, "customproperties")
    ET.SubElement(custom, "Option")


def _item(
    parent: ET.Element,
    kind: str,
    key: str,
    box: tuple[float, float, float, float],
    *,
    z: int,
    frame: bool = False,
    background: bool = False,
    **attrs: str,
) -> ET.Element:
    x, y, w, h = box
    item_id = _uuid(key)
    el = ET.SubElement(
        parent,
        "LayoutItem",
        {
            "type": kind,
            "uuid": item_id,
            "templateUuid": item_id,
            "id": key,
            "position": f"{x:g},{y:g},mm",
            "positionOnPage": f"{x:g},{y:g},mm",
            "size": f"{w:g},{h:g},mm",
            "zValue": str(z),
            "frame": "true" if frame else "false",
            "background": "true" if background else "false",
            "visibility": "1",
            "opacity": "1",
            "referencePoint": "0",
            "itemRotation": "0",
            "blendMode": "0",
            "positionLock": "false",
            "excludeFromExports": "0",
            "groupUuid": "",
            "outlineWidthM": "0.3,mm",
            "frameJoinStyle": "miter",
        }
        | attrs,
    )
    _colour(el, "FrameColor", 60, 60, 60)
    _colour(el, "BackgroundColor", 255, 255, 255)
    _object(el)
    return el


def _label(
    parent: ET.Element,
    key: str,
    box: tuple[float, float, float, float],
    text: str,
    *,
    size: int,
    bold: bool = False,
    z: int,
) -> None:
    el = _item(
        parent,
        _LABEL,
        key,
        box,
        z=z,
        labelText=text,
        htmlState="0",
        marginX="0",
        marginY="0",
        halign="1",  # Qt::AlignLeft
        valign="32",  # Qt::AlignTop
    )
    weight = 75 if bold else 50
    # a Qt font description: family, points, pixels, style hint, weight, italic, ...
    ET.SubElement(el, "LabelFont", description=f"DejaVu Sans,{size},-1,5,{weight},0,0,0,0,0")
    _colour(el, "FontColor", 30, 30, 30)


def fit_extent(
    bounds: Sequence[float], *, width_mm: float, height_mm: float, margin: float = 0.04
) -> tuple[float, float, float, float]:
    """``bounds`` (xmin, ymin, xmax, ymax) widened to the frame's proportions, with a margin."""
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    w, h = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
    w, h = w * (1 + 2 * margin), h * (1 + 2 * margin)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    if w / h < width_mm / height_mm:
        w = h * width_mm / height_mm
    else:
        h = w * height_mm / width_mm
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def layout_element(
    *,
    title: str,
    subtitle: str,
    attribution: str,
    bounds: Sequence[float],
    legend: Sequence[LegendLayer],
) -> ET.Element:
    """The ``<Layouts>`` element with the A3 landscape print layout.

    Parameters
    ----------
    title
        The sheet's title.
    subtitle
        A line under it; the print date is added to it.
    attribution
        The sources and licences of the data, printed in the corner.
    bounds
        ``(xmin, ymin, xmax, ymax)`` in the project CRS to show (the sites and
        municipalities); widened to the map frame's proportions.
    legend
        The layers of the legend, top first.

    Returns
    -------
    xml.etree.ElementTree.Element
        ``<Layouts>``.
    """
    layouts = ET.Element("Layouts")
    lay = ET.SubElement(
        layouts, "Layout", name=LAYOUT_NAME, units="mm", printResolution="300", worldFileMap=""
    )
    ET.SubElement(lay, "Snapper", snapToGrid="0", snapToGuides="1", snapToItems="1", tolerance="5")
    ET.SubElement(
        lay, "Grid", resolution="10", resUnits="mm", offsetX="0", offsetY="0", offsetUnits="mm"
    )
    pages = ET.SubElement(lay, "PageCollection")
    _item(pages, _PAGE, "page", (0.0, 0.0, PAGE_W, PAGE_H), z=0, background=True)
    ET.SubElement(pages, "GuideCollection", visible="1")

    mx, my, mw, mh = MAP_BOX
    xmin, ymin, xmax, ymax = fit_extent(bounds, width_mm=mw, height_mm=mh)
    map_el = _item(
        lay,
        _MAP,
        "map",
        MAP_BOX,
        z=1,
        frame=True,
        background=True,
        keepLayerSet="false",
        followPreset="false",
        followPresetName="",
        drawCanvasItems="true",
        mapRotation="0",
        mapFlags="0",
        isTemporal="0",
        labelMargin="0,mm",
    )
    ET.SubElement(
        map_el,
        "Extent",
        xmin=f"{xmin:.3f}",
        ymin=f"{ymin:.3f}",
        xmax=f"{xmax:.3f}",
        ymax=f"{ymax:.3f}",
    )
    ET.SubElement(map_el, "LayerSet")
    ET.SubElement(map_el, "AtlasMap", atlasDriven="0", scalingMode="2", margin="0.1")
    map_uuid = _uuid("map")

    _label(lay, "title", (10.0, 7.0, 400.0, 12.0), title, size=22, bold=True, z=2)
    printed = f"{subtitle} · printed [% format_date(now(), 'd MMMM yyyy') %]"
    _label(lay, "subtitle", (10.0, 20.0, 400.0, 8.0), printed, size=11, z=3)

    leg = _item(
        lay,
        _LEGEND,
        "legend",
        (318.0, 30.0, 92.0, 190.0),
        z=4,
        title="Legend",
        map_uuid=map_uuid,
        columnCount="1",
        resizeToContents="1",
        symbolWidth="7",
        symbolHeight="4",
        boxSpace="2",
        columnSpace="2",
        wrapChar="",
        titleAlignment="1",
        legendFilterByAtlas="0",
        legendFilterByMap="1",
        splitLayer="0",
        equalColumnWidth="0",
    )
    tree = ET.SubElement(leg, "layer-tree-group")
    ET.SubElement(ET.SubElement(tree, "customproperties"), "Option")
    for layer in legend:
        node = ET.SubElement(
            tree,
            "layer-tree-layer",
            id=layer.layer_id,
            name=layer.name,
            source=layer.source,
            providerKey=layer.provider,
            checked="Qt::Checked",
            expanded="1",
        )
        ET.SubElement(ET.SubElement(node, "customproperties"), "Option")

    _label(lay, "attribution", (318.0, 226.0, 92.0, 61.0), attribution, size=7, z=5)

    _item(
        lay,
        _SCALEBAR,
        "scale bar",
        (mx + 5.0, my + mh - 16.0, 80.0, 12.0),
        z=6,
        background=True,
        mapUuid=map_uuid,
        style="Single Box",
        unitType="kilometers",
        unitLabel="km",
        numMapUnitsPerScaleBarUnit="1000",
        numSegments="2",
        numSegmentsLeft="0",
        numSubdivisions="1",
        segmentSizeMode="1",  # fit the segment to round numbers between the widths below
        minBarWidth="30",
        maxBarWidth="70",
        numUnitsPerSegment="5",
        segmentMillimeters="30",
        height="3",
        labelBarSpace="3",
        boxContentSpace="1",
        alignment="0",
        outlineWidth="0.3",
    )
    _item(
        lay,
        _PICTURE,
        "north arrow",
        (mx + mw - 18.0, my + 4.0, 14.0, 20.0),
        z=7,
        file=NORTH_ARROW,
        mode="0",  # SVG
        mapUuid=map_uuid,
        northMode="0",  # grid north (the map is in UTM)
        northOffset="0",
        pictureRotation="0",
        resizeMode="0",
        anchorPoint="0",
        svgFillColor="255,255,255,255",
        svgBorderColor="0,0,0,255",
        svgBorderWidth="0.2",
    )
    return layouts
