"""The QGIS project (``.qgz``) that opens the GeoPackage grouped, ordered and styled.

The ``.qgs`` XML is generated here (no PyQGIS in the package) and zipped as a
``.qgz`` beside the GeoPackage; data sources are relative
(``./seriana.gpkg|layername=municipalities``), so the folder can be moved or
shared as a whole. Groups, top to bottom: Brownfields, Networks, Accessibility,
Territory; within a group points are drawn over lines over polygons. Each layer
carries its default style, its other styles (switchable from the layer's
context menu, Styles) and its metadata.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import pyproj

from .metadata import LayerMetadata, metadata_element
from .qml import (
    DOCTYPE,
    QGIS_VERSION,
    raster_pipe_element,
    style_attributes,
    style_elements,
)
from .styles import RasterStyle
from .tables import CRS, ExportTable

#: Project title shown in QGIS.
TITLE = "Seriana Valley: territorial database"

_WKB = {"point": "Point", "line": "LineString", "polygon": "Polygon"}
_GEOMETRY = {"point": "Point", "line": "Line", "polygon": "Polygon"}


@dataclass(frozen=True)
class ProjectRaster:
    """A raster in the project: name, path relative to the project, style, metadata."""

    name: str
    relative_path: str
    style: RasterStyle
    metadata: LayerMetadata
    crs: str = CRS


def _srs(parent: ET.Element, authid: str) -> None:
    crs = pyproj.CRS.from_user_input(authid)
    srs = ET.SubElement(parent, "spatialrefsys")
    ET.SubElement(srs, "wkt").text = crs.to_wkt()
    ET.SubElement(srs, "srid").text = str(crs.to_epsg() or 0)
    ET.SubElement(srs, "authid").text = authid
    ET.SubElement(srs, "description").text = crs.name
    ET.SubElement(srs, "geographicflag").text = "true" if crs.is_geographic else "false"


def _layer_id(name: str) -> str:
    return f"{name}_seriana"


def _vector_maplayer(t: ExportTable, gpkg_name: str) -> ET.Element:
    default = t.styles[0]
    multi = t.frame.geom_type.str.startswith("Multi").any()
    wkb = ("Multi" if multi else "") + _WKB.get(t.geometry, "Unknown")
    ml = ET.Element(
        "maplayer",
        {
            "type": "vector",
            "geometry": _GEOMETRY.get(t.geometry, "Unknown geometry"),
            "wkbType": wkb,
        }
        | style_attributes(default),
    )
    ET.SubElement(ml, "id").text = _layer_id(t.table)
    ET.SubElement(ml, "datasource").text = f"./{gpkg_name}|layername={t.table}"
    ET.SubElement(ml, "layername").text = t.display_name
    _srs(ET.SubElement(ml, "srs"), CRS)
    ml.append(metadata_element(t.metadata, tag="resourceMetadata"))
    ET.SubElement(ml, "provider", encoding="UTF-8").text = "ogr"
    ml.extend(style_elements(default))
    manager = ET.SubElement(ml, "map-layer-style-manager", current=default.name)
    ET.SubElement(manager, "map-layer-style", name=default.name)
    for style in t.styles[1:]:
        holder = ET.SubElement(manager, "map-layer-style", name=style.name)
        body = ET.SubElement(holder, "qgis", styleCategories="Symbology|Labeling|Rendering")
        body.attrib.update(style_attributes(style))
        body.extend(style_elements(style))
    return ml


def _raster_maplayer(r: ProjectRaster) -> ET.Element:
    ml = ET.Element("maplayer", type="raster")
    ET.SubElement(ml, "id").text = _layer_id(f"raster_{r.name}")
    ET.SubElement(ml, "datasource").text = f"./{r.relative_path}"
    ET.SubElement(ml, "layername").text = r.style.name
    _srs(ET.SubElement(ml, "srs"), r.crs)
    ml.append(metadata_element(r.metadata, tag="resourceMetadata"))
    ET.SubElement(ml, "provider").text = "gdal"
    ml.append(raster_pipe_element(r.style))
    ET.SubElement(ml, "blendMode").text = "0"
    return ml


def project_xml(
    tables: Sequence[ExportTable],
    gpkg_name: str,
    *,
    rasters: Sequence[ProjectRaster] = (),
    hidden: Sequence[str] = ("road_nodes", "isochrones"),
) -> str:
    """The ``.qgs`` document.

    Parameters
    ----------
    tables
        The GeoPackage tables, in project order.
    gpkg_name
        The GeoPackage's file name, beside the project.
    rasters
        Rasters to add to the Accessibility group (after the vector layers).
    hidden
        Layers added unchecked: the road nodes clutter the map, and isochrones
        (like the rasters, always added unchecked) cover everything below them.

    Returns
    -------
    str
        The QGIS project XML.
    """
    root = ET.Element("qgis", projectname=TITLE, version=QGIS_VERSION)
    ET.SubElement(root, "homePath", path="")
    ET.SubElement(root, "title").text = TITLE
    _srs(ET.SubElement(root, "projectCrs"), CRS)

    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    groups: dict[str, ET.Element] = {}
    order: list[str] = []

    def group(name: str) -> ET.Element:
        if name not in groups:
            groups[name] = ET.SubElement(
                tree, "layer-tree-group", name=name, checked="Qt::Checked", expanded="1"
            )
            ET.SubElement(groups[name], "customproperties")
        return groups[name]

    layers_el = ET.Element("projectlayers")
    for t in tables:
        layer_id = _layer_id(t.table)
        ET.SubElement(
            group(t.group),
            "layer-tree-layer",
            id=layer_id,
            name=t.display_name,
            source=f"./{gpkg_name}|layername={t.table}",
            providerKey="ogr",
            checked="Qt::Unchecked" if t.layer in hidden else "Qt::Checked",
            expanded="1",
        )
        layers_el.append(_vector_maplayer(t, gpkg_name))
        order.append(layer_id)
    for r in rasters:
        layer_id = _layer_id(f"raster_{r.name}")
        ET.SubElement(
            group("Accessibility"),
            "layer-tree-layer",
            id=layer_id,
            name=r.style.name,
            source=f"./{r.relative_path}",
            providerKey="gdal",
            checked="Qt::Unchecked",
            expanded="0",
        )
        layers_el.append(_raster_maplayer(r))
        order.append(layer_id)
    root.append(layers_el)
    layer_order = ET.SubElement(root, "layerorder")
    for layer_id in order:
        ET.SubElement(layer_order, "layer", id=layer_id)

    bounds = [t.frame.total_bounds for t in tables if len(t.frame)]
    if bounds:
        canvas = ET.SubElement(root, "mapcanvas", name="theMapCanvas")
        ET.SubElement(canvas, "units").text = "meters"
        extent = ET.SubElement(canvas, "extent")
        for key, value in zip(
            ("xmin", "ymin", "xmax", "ymax"),
            (
                min(b[0] for b in bounds),
                min(b[1] for b in bounds),
                max(b[2] for b in bounds),
                max(b[3] for b in bounds),
            ),
            strict=True,
        ):
            ET.SubElement(extent, key).text = f"{value:.3f}"
        ET.SubElement(canvas, "rotation").text = "0"
        dest = ET.SubElement(canvas, "destinationsrs")
        _srs(dest, CRS)

    props = ET.SubElement(root, "properties")
    # QGIS 3.22 reads <projectCrs> only when projections are enabled
    srs_props = ET.SubElement(props, "SpatialRefSys")
    ET.SubElement(srs_props, "ProjectionsEnabled", type="int").text = "1"
    paths = ET.SubElement(props, "Paths")
    ET.SubElement(paths, "Absolute", type="bool").text = "false"
    ET.indent(root, space="  ")
    return f"{DOCTYPE}\n{ET.tostring(root, encoding='unicode')}\n"


def qgz_bytes(xml: str, *, qgs_name: str) -> bytes:
    """The project XML zipped as a ``.qgz`` (QGIS reads the ``.qgs`` member)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(qgs_name, xml.encode("utf-8"))
    return buffer.getvalue()
