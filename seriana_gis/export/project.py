"""The QGIS project (``.qgz``) that opens the GeoPackage grouped, ordered and styled.

The ``.qgs`` XML is generated here (no PyQGIS in the package) and zipped as a
``.qgz`` beside the GeoPackage; data sources are relative
(``./seriana.gpkg|layername=municipalities``), so the folder can be moved or
shared as a whole. Groups, top to bottom: Brownfields, Networks, Accessibility,
Territory; within a group points are drawn over lines over polygons. Each layer
carries its default style, its other styles (switchable from the layer's
context menu, Styles), its field aliases and its metadata. The project has a
title, an abstract naming its layers and sources, an author and the data's
attribution (:class:`ProjectInfo`), and an A3 landscape print layout
(:mod:`seriana_gis.export.layout`).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pyproj

from .layout import LegendLayer, layout_element
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
#: The project's author, unless the caller names one.
AUTHOR = "seriana_gis, territorial-planning toolkit for the Seriana Valley"
#: Layers in the print layout's legend, top first (those exported).
LEGEND_LAYERS = ("brownfields", "teb_stops", "teb_lines", "road_edges", "municipalities")


@dataclass(frozen=True)
class ProjectInfo:
    """What QGIS shows in Project Properties, Metadata, and the print layout prints."""

    title: str = TITLE
    abstract: str = ""
    author: str = AUTHOR
    creation: str = ""
    """ISO 8601 date-time (the data's latest retrieval date: the same data, the same file)."""
    attribution: str = ""
    subtitle: str = "Dismissed industrial areas and their best use"


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
        body = ET.SubElement(holder, "qgis", styleCategories="Symbology|Labeling|Fields|Rendering")
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


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def project_info(tables: Sequence[ExportTable], provenance: pd.DataFrame) -> ProjectInfo:
    """The project's title, abstract, date and attribution, from its tables and provenance.

    The abstract lists the layers with their feature counts and the sources;
    the attribution joins each source's attribution and licence; the date is
    the latest retrieval date of the data (so the same data give the same file).
    """
    counts = ", ".join(f"{t.display_name} ({len(t.frame)})" for t in tables)
    attributions: list[str] = []
    if {"attribution", "licence"}.issubset(provenance.columns):
        for a, lic in zip(provenance["attribution"], provenance["licence"], strict=True):
            text = _text(a) + (f" ({_text(lic)})" if _text(lic) else "")
            if _text(a) and text not in attributions:
                attributions.append(text)
    dates = []
    if "retrieved" in provenance.columns:
        dates = sorted(_text(v) for v in provenance["retrieved"] if _text(v))
    abstract = (
        "The territorial database of the Seriana Valley (province of Bergamo): the "
        "dismissed industrial areas with their suitability for logistics, services and "
        "social housing, the TEB light rail, roads, tourism assets, destinations and "
        f"travel times, in EPSG:32632. Layers: {counts}. "
        + (f"Data: {'; '.join(attributions)}." if attributions else "")
    )
    attribution = "Data: " + "; ".join(attributions) if attributions else "Data: see layer metadata"
    attribution += ". Map: EPSG:32632 (UTM zone 32N). Made with seriana_gis."
    return ProjectInfo(
        abstract=abstract.strip(),
        creation=dates[-1] if dates else "",
        attribution=attribution,
    )


def _metadata(root: ET.Element, info: ProjectInfo) -> None:
    md = ET.SubElement(root, "projectMetadata")
    for tag in ("identifier", "parentidentifier", "language", "type"):
        ET.SubElement(md, tag)
    ET.SubElement(md, "title").text = info.title
    ET.SubElement(md, "abstract").text = info.abstract
    ET.SubElement(md, "links")
    ET.SubElement(md, "author").text = info.author
    ET.SubElement(md, "creation").text = info.creation


def project_xml(
    tables: Sequence[ExportTable],
    gpkg_name: str,
    *,
    rasters: Sequence[ProjectRaster] = (),
    hidden: Sequence[str] = ("road_nodes", "isochrones"),
    info: ProjectInfo | None = None,
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
    info
        Title, abstract, author, date and attribution.

    Returns
    -------
    str
        The QGIS project XML.
    """
    info = info or ProjectInfo()
    root = ET.Element("qgis", projectname=info.title, version=QGIS_VERSION)
    ET.SubElement(root, "homePath", path="")
    ET.SubElement(root, "title").text = info.title
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

    _metadata(root, info)
    if bounds:
        focus = [
            t.frame.total_bounds
            for t in tables
            if t.layer in ("brownfields", "municipalities") and len(t.frame)
        ]
        legend = [
            LegendLayer(_layer_id(t.table), t.display_name, f"./{gpkg_name}|layername={t.table}")
            for name in LEGEND_LAYERS
            for t in tables
            if t.layer == name
        ]
        box = focus or bounds
        root.append(
            layout_element(
                title=info.title,
                subtitle=info.subtitle,
                attribution=info.attribution,
                bounds=(
                    min(b[0] for b in box),
                    min(b[1] for b in box),
                    max(b[2] for b in box),
                    max(b[3] for b in box),
                ),
                legend=legend,
            )
        )

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
