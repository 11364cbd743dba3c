"""The QGIS GeoPackage: every layer, its default style and its metadata.

Written tables:

- one table per exported layer (:mod:`seriana_gis.export.tables`), with
  ``gpkg_contents.identifier`` = title and ``description`` = abstract;
- ``layer_styles`` (the QGIS convention: ``f_table_catalog, f_table_schema,
  f_table_name, f_geometry_column, styleName, styleQML, styleSLD,
  useAsDefault, description, owner, ui, update_time``) with every style of
  every layer, one of them ``useAsDefault`` per layer, so that QGIS applies it
  when the layer is added;
- ``gpkg_metadata`` and ``gpkg_metadata_reference`` (the GeoPackage metadata
  extension) holding each layer's QGIS metadata XML, the form QGIS 3.22 reads;
- ``provenance``: a copy of the provenance table;
- ``qgis_projects`` (when a project is given): the QGIS project stored in the
  GeoPackage, as QGIS's own "Save to GeoPackage" does (``name``, JSON
  ``metadata``, ``content`` = the ``.qgz`` bytes as hexadecimal text). QGIS
  resolves its relative sources against the GeoPackage's folder, so the same
  project XML serves the ``.qgz`` beside it and the stored copy.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyogrio

from .metadata import metadata_xml
from .qml import style_qml
from .tables import ExportTable

#: Geometry column name of the tables written by GDAL's GeoPackage driver.
GEOMETRY_COLUMN = "geom"

#: ``md_standard_uri`` of QGIS metadata in ``gpkg_metadata`` (what QGIS looks for).
QGIS_METADATA_URI = "http://mrcc.com/qgis.dtd"

_METADATA_DDL = (
    """CREATE TABLE IF NOT EXISTS gpkg_metadata (
    id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
    md_scope TEXT NOT NULL DEFAULT 'dataset',
    md_standard_uri TEXT NOT NULL,
    mime_type TEXT NOT NULL DEFAULT 'text/xml',
    metadata TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (
    reference_scope TEXT NOT NULL,
    table_name TEXT,
    column_name TEXT,
    row_id_value INTEGER,
    timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    md_file_id INTEGER NOT NULL,
    md_parent_id INTEGER,
    CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
    CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_extensions (
    table_name TEXT,
    column_name TEXT,
    extension_name TEXT NOT NULL,
    definition TEXT NOT NULL,
    scope TEXT NOT NULL,
    CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""",
)


def layer_styles_frame(tables: Sequence[ExportTable], *, now: datetime) -> pd.DataFrame:
    """The ``layer_styles`` rows of the exported tables (first style of each is the default)."""
    rows = []
    for t in tables:
        for i, style in enumerate(t.styles):
            rows.append(
                {
                    "f_table_catalog": "",
                    "f_table_schema": "",
                    "f_table_name": t.table,
                    "f_geometry_column": GEOMETRY_COLUMN,
                    "styleName": style.name,
                    "styleQML": style_qml(style),
                    "styleSLD": "",
                    "useAsDefault": i == 0,
                    "description": style.description,
                    "owner": "seriana_gis",
                    "ui": "",
                    "update_time": now,
                }
            )
    frame = pd.DataFrame(rows)
    frame["update_time"] = pd.to_datetime(frame["update_time"], utc=True)
    return frame


def write_geopackage(
    tables: Sequence[ExportTable],
    provenance: pd.DataFrame,
    path: str | Path,
    *,
    project: tuple[str, bytes] | None = None,
) -> None:
    """Write the QGIS GeoPackage to ``path`` (a fresh file; use through ``atomic_path``).

    Parameters
    ----------
    tables
        The exported tables (:func:`seriana_gis.export.tables.export_tables`).
    provenance
        The provenance table, copied as the ``provenance`` table.
    path
        Where to write; must not exist.
    project
        ``(name, qgz bytes)`` of a QGIS project to store in ``qgis_projects``.
    """
    path = Path(path)
    for i, t in enumerate(tables):
        pyogrio.write_dataframe(
            t.frame,
            path,
            layer=t.table,
            driver="GPKG",
            geometry_type=t.geometry_type,
            # GeoPackage 1.2: QGIS 3.22 (GDAL 3.6) warns that 1.4 is only partly supported
            dataset_options={"VERSION": "1.2"} if i == 0 else None,
            layer_options={
                "IDENTIFIER": t.metadata.title,
                "DESCRIPTION": t.metadata.abstract,
                "GEOMETRY_NAME": GEOMETRY_COLUMN,
            },
        )
    if len(provenance.columns):
        pyogrio.write_dataframe(
            provenance.reset_index(drop=True).astype(
                {c: "string" for c in provenance.columns if provenance[c].dtype == object}
            ),
            path,
            layer="provenance",
            driver="GPKG",
            layer_options={"IDENTIFIER": "Provenance of the layers"},
        )
    now = datetime.now(UTC).replace(microsecond=0)
    styles = layer_styles_frame(tables, now=now)
    if len(styles):
        pyogrio.write_dataframe(
            styles,
            path,
            layer="layer_styles",
            driver="GPKG",
            layer_options={"FID": "id", "IDENTIFIER": "QGIS layer styles"},
        )
    _write_metadata(tables, path, now=now)
    if project is not None:
        _write_project(path, *project, now=now)


def _write_project(path: Path, name: str, content: bytes, *, now: datetime) -> None:
    meta = json.dumps(
        {
            "last_modified_time": now.strftime("%Y-%m-%dT%H:%M:%S"),
            "last_modified_user": "seriana_gis",
        }
    )
    with contextlib.closing(sqlite3.connect(path)) as con, con:
        con.execute(
            "CREATE TABLE IF NOT EXISTS qgis_projects"
            "(name TEXT PRIMARY KEY, metadata BLOB, content BLOB)"
        )
        con.execute(
            "INSERT OR REPLACE INTO qgis_projects (name, metadata, content) VALUES (?, ?, ?)",
            (name, meta, content.hex()),
        )


def _write_metadata(tables: Sequence[ExportTable], path: Path, *, now: datetime) -> None:
    with contextlib.closing(sqlite3.connect(path)) as con, con:
        # GeoPackage DATETIME is 'YYYY-MM-DDTHH:MM:SS.SSSZ'; older GDAL warns on other forms
        con.execute(
            "UPDATE layer_styles SET update_time = ?",
            (now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),),
        )
        for ddl in _METADATA_DDL:
            con.execute(ddl)
        for name in ("gpkg_metadata", "gpkg_metadata_reference"):
            con.execute(
                "INSERT OR IGNORE INTO gpkg_extensions VALUES (?, NULL, 'gpkg_metadata', "
                "'http://www.geopackage.org/spec120/#extension_metadata', 'read-write')",
                (name,),
            )
        for t in tables:
            cur = con.execute(
                "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
                "VALUES ('dataset', ?, 'text/xml', ?)",
                (QGIS_METADATA_URI, metadata_xml(t.metadata)),
            )
            con.execute(
                "INSERT INTO gpkg_metadata_reference "
                "(reference_scope, table_name, md_file_id) VALUES ('table', ?, ?)",
                (t.table, cur.lastrowid),
            )
