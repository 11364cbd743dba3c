"""Layer metadata (title, abstract, licence, attribution) from the provenance table.

QGIS 3.22 reads a GeoPackage layer's metadata from ``gpkg_metadata`` rows
whose ``md_standard_uri`` is ``http://mrcc.com/qgis.dtd``, referenced from
``gpkg_metadata_reference`` with ``reference_scope = 'table'`` and the layer's
table name (``QgsOgrProvider::loadMetadata``); the row holds the QGIS metadata
XML (the body of a ``.qmd`` file). The same XML is embedded in the project as
each layer's ``<resourceMetadata>`` and written as ``.qmd`` sidecars beside
GeoJSON, Shapefile and GeoTIFF outputs, which QGIS loads as default metadata.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..layers.schemas import SCHEMAS
from .qml import DOCTYPE, QGIS_VERSION

#: Extra titles of layers that are not in the database schemas.
EXTRA_TITLES = {
    "isochrones": "Isochrones: areas reachable within a travel time of each destination",
}


@dataclass(frozen=True)
class LayerMetadata:
    """What QGIS shows in a layer's Information and Metadata panels."""

    identifier: str
    title: str
    abstract: str
    licences: tuple[str, ...]
    rights: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    crs_authid: str = "EPSG:32632"


def _unique(values: Sequence[object]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            continue
        text = str(v).strip()
        if text and text not in out:
            out.append(text)
    return tuple(out)


def layer_metadata(
    layer: str,
    provenance: pd.DataFrame,
    *,
    table: str | None = None,
    columns: Sequence[str] = (),
    crs_authid: str = "EPSG:32632",
    title: str | None = None,
) -> LayerMetadata:
    """Metadata of one layer from its schema and its rows of the provenance table.

    Parameters
    ----------
    layer
        Layer name in the database (the provenance table's ``layer`` column).
    provenance
        The provenance table (``layer, source, licence, attribution, edition,
        retrieved, feature_count, config_hash``); missing columns are tolerated.
    table
        The exported table's name when it differs from ``layer`` (a part of a
        mixed-geometry layer).
    columns
        The layer's columns, listed in the abstract with their meanings.
    crs_authid
        The CRS of the exported data.
    title
        The title, when the layer has no schema (a raster).

    Returns
    -------
    LayerMetadata
        Title from the schema, an abstract naming sources, editions and dates and
        the rows' notes (what an accessibility run assumed: its period), licences and
        attributions from the provenance rows.
    """
    schema = SCHEMAS.get(layer)
    if title is None:
        title = (
            schema.title
            if schema
            else EXTRA_TITLES.get(layer, layer.replace("_", " ").capitalize())
        )
    if table and table != layer:
        title = f"{title} ({table.removeprefix(layer).strip('_')})"
    rows = (
        provenance[provenance["layer"].astype(str) == layer]
        if "layer" in provenance.columns
        else provenance.iloc[0:0]
    )

    def col(name: str) -> list[object]:
        return list(rows[name]) if name in rows.columns else []

    parts = [f"{title}. Seriana Valley territorial database (seriana_gis)."]
    for _, row in rows.iterrows():
        bits = [str(row.get("source", "")).strip()]
        edition = row.get("edition")
        if edition is not None and not pd.isna(edition) and str(edition).strip():
            bits.append(f"edition {edition}")
        retrieved = row.get("retrieved")
        if retrieved is not None and not pd.isna(retrieved) and str(retrieved).strip():
            bits.append(f"retrieved {retrieved}")
        if bits[0]:
            parts.append("Source: " + ", ".join(bits) + ".")
        # what the layer's results assume (an accessibility run's period: road times and
        # TEB headway of the same hour, or a mix said so)
        note = row.get("note")
        if note is not None and not pd.isna(note) and str(note).strip():
            parts.append(f"Note: {str(note).strip()}")
    if schema:
        described = [c for c in schema.columns if not columns or c.name in columns]
        if described:
            parts.append(
                "Columns: "
                + "; ".join(
                    f"{c.name}: {c.meaning}" + (f" ({c.unit})" if c.unit else "") for c in described
                )
                + "."
            )
    return LayerMetadata(
        identifier=table or layer,
        title=title,
        abstract=" ".join(parts),
        licences=_unique(col("licence")),
        rights=_unique(col("attribution")),
        keywords=("Seriana Valley", "Bergamo", "territorial planning", layer),
        crs_authid=crs_authid,
    )


def metadata_element(md: LayerMetadata, *, tag: str = "qgis") -> ET.Element:
    """The QGIS metadata XML (``QgsLayerMetadata::writeMetadataXml``) as an element."""
    root = ET.Element(tag)
    if tag == "qgis":
        root.set("version", QGIS_VERSION)
    ET.SubElement(root, "identifier").text = md.identifier
    ET.SubElement(root, "parentidentifier").text = "seriana_gis"
    ET.SubElement(root, "language").text = "ENG"
    ET.SubElement(root, "type").text = "dataset"
    ET.SubElement(root, "title").text = md.title
    ET.SubElement(root, "abstract").text = md.abstract
    keywords = ET.SubElement(root, "keywords", vocabulary="gmd:topicCategory")
    for word in md.keywords:
        ET.SubElement(keywords, "keyword").text = word
    ET.SubElement(root, "links")
    ET.SubElement(root, "fees")
    for right in md.rights:
        ET.SubElement(root, "rights").text = right
    for licence in md.licences:
        ET.SubElement(root, "license").text = licence
    ET.SubElement(root, "encoding").text = "UTF-8"
    crs = ET.SubElement(root, "crs")
    srs = ET.SubElement(crs, "spatialrefsys")
    ET.SubElement(srs, "authid").text = md.crs_authid
    ET.SubElement(root, "extent")
    return root


def metadata_xml(md: LayerMetadata) -> str:
    """The QGIS metadata document (what a ``.qmd`` file holds)."""
    root = metadata_element(md)
    ET.indent(root, space="  ")
    return f"{DOCTYPE}\n{ET.tostring(root, encoding='unicode')}\n"
