"""QGIS-ready exports: a styled GeoPackage with a project, and GeoJSON, CSV, GeoTIFF, Shapefile.

:func:`export_qgis` writes, into one folder:

- ``seriana.gpkg`` (``formats`` containing ``"gpkg"``): every layer in
  EPSG:32632, each with its styles in ``layer_styles`` (the default one applied
  when the layer is added in QGIS) and its metadata (title, abstract, licence,
  attribution from the provenance table) in ``gpkg_metadata``; plus the
  ``provenance`` table;
- ``seriana.qgz`` beside it: the QGIS project, layers grouped (Brownfields,
  Networks, Accessibility, Territory) and ordered, rasters included; the same
  project is stored in the GeoPackage's ``qgis_projects`` table (QGIS: Browser,
  GeoPackage, Projects), so the ``.gpkg`` alone is enough;
- ``rasters/{name}.tif`` with a ``.qml`` style and ``.qmd`` metadata beside
  (``"geotiff"``, or ``"gpkg"`` when rasters are given, since the project uses them);
- ``geojson/{layer}.geojson`` (``"geojson"``): EPSG:4326, RFC 7946;
  with ``.qml`` and ``.qmd`` sidecars, as for Shapefiles, which QGIS loads;
- ``csv/{layer}_rankings.csv`` and ``csv/{layer}_travel_times.csv`` (``"csv"``);
- ``shapefile/{table}.shp`` and ``shapefile/field_names.csv`` (``"shapefile"``).

Layers mixing points, lines and polygons (``tourism_assets``) become one table
per geometry family (``tourism_assets_points``, ...) in the GeoPackage and the
Shapefiles; :attr:`ExportResult.tables` says which.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from .._errors import ConfigError, DataError, OutputExistsError
from .._io import atomic_path, current_version, write_text
from . import formats as fmt
from .gpkg import write_geopackage
from .metadata import layer_metadata, metadata_xml
from .project import ProjectRaster, project_info, project_xml, qgz_bytes
from .qml import raster_qml, style_qml
from .styles import column_title, raster_style, rename_fields
from .tables import ExportTable, check_layers, export_tables, index_to_columns

__all__ = ["FORMATS", "ExportResult", "StyleSummary", "export_qgis"]

logger = logging.getLogger(__name__)

#: The formats :func:`export_qgis` can write.
FORMATS = ("gpkg", "geojson", "csv", "geotiff", "shapefile")

#: File name of the GeoPackage when a folder is given.
GPKG_NAME = "seriana.gpkg"

_RASTER_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


@dataclass(frozen=True)
class StyleSummary:
    """One style written for a table: what QGIS should show."""

    table: str
    name: str
    renderer: str
    attribute: str | None
    class_count: int
    default: bool
    label_field: str | None = None


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_qgis` wrote.

    Attributes
    ----------
    folder
        The export folder.
    gpkg
        The GeoPackage, or ``None`` when not asked for.
    project
        The QGIS project (``.qgz``), or ``None``; the same project is stored in
        the GeoPackage (:attr:`stored_project`).
    files
        Every file written, in writing order.
    tables
        Layer → its tables in the GeoPackage and Shapefiles (several for a
        layer mixing geometry families).
    styles
        Every style written to ``layer_styles`` (and the project).
    shapefile_fields
        Table → {original column: Shapefile field} for the shortened names.
    notes
        What was skipped and why (no rankings to write, ...).
    """

    folder: Path
    gpkg: Path | None
    project: Path | None
    files: tuple[Path, ...]
    tables: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    styles: tuple[StyleSummary, ...] = ()
    shapefile_fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def stored_project(self) -> str | None:
        """The URI QGIS opens the project stored in the GeoPackage with."""
        if self.gpkg is None or self.project is None:
            return None
        return f"geopackage:{self.gpkg}?projectName={self.project.stem}"

    def default_style(self, table: str) -> StyleSummary:
        """The default style of ``table``."""
        for s in self.styles:
            if s.table == table and s.default:
                return s
        raise KeyError(table)


def _check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = (formats,)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        msg = (
            f"unknown export format(s) {', '.join(map(repr, unknown))}. "
            f"Choose among {', '.join(FORMATS)}."
        )
        raise ConfigError(msg)
    if not formats:
        msg = f"no export format asked for. Choose one or more of {', '.join(FORMATS)}."
        raise ConfigError(msg)
    return tuple(dict.fromkeys(formats))


def _check_rasters(
    rasters: Mapping[str, str | os.PathLike[str]] | None,
) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for name, path in (rasters or {}).items():
        if not _RASTER_NAME.match(name):
            msg = (
                f"raster name {name!r} cannot be a file name. "
                "Use letters, digits, '_' and '-' only (e.g. 'car_bgy_min')."
            )
            raise DataError(msg)
        if not Path(path).is_file():
            msg = f"raster {name!r}: file {path} not found. Pass the path of an existing GeoTIFF."
            raise DataError(msg)
        out[name] = Path(path)
    return out


def export_qgis(
    layers: Mapping[str, gpd.GeoDataFrame],
    provenance: pd.DataFrame,
    folder_or_path: str | os.PathLike[str],
    *,
    formats: Sequence[str] = ("gpkg",),
    overwrite: bool = False,
    rasters: Mapping[str, str | os.PathLike[str]] | None = None,
    csv_italian: bool = False,
) -> ExportResult:
    """Write the QGIS GeoPackage and project, and the other formats asked for.

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame (``municipalities``, ``brownfields``, ...,
        ``isochrones``); styles follow the names and the columns present.
        Layers are reprojected to EPSG:32632 when needed and never changed;
        named index levels (osmnx's ``osmid``, ``u, v, key``) are written as columns.
    provenance
        The database's provenance table (``layer, source, licence,
        attribution, edition, retrieved, ...``), the source of the metadata.
    folder_or_path
        The export folder, or the GeoPackage path (``.gpkg``) whose folder
        receives everything else. Spaces and accented letters are fine.
    formats
        Any of ``"gpkg"``, ``"geojson"``, ``"csv"``, ``"geotiff"``, ``"shapefile"``.
    overwrite
        Replace existing files. Without it nothing is written when any
        output exists.
    rasters
        Name → GeoTIFF path of travel-time rasters (``{"car_bgy_min": ...}``),
        copied with a style and added to the project.
    csv_italian
        CSV files for spreadsheets set to Italian (``;`` and a decimal comma).

    Returns
    -------
    ExportResult
        The files written, the tables and styles, the Shapefile field names.

    Raises
    ------
    ConfigError
        If a format is unknown.
    DataError
        If there is nothing to export, or a layer or raster is unusable.
    CRSError
        If a layer has no CRS.
    OutputExistsError
        If an output exists and ``overwrite`` is false (nothing is written).
    """
    chosen = _check_formats(formats)
    raster_paths = _check_rasters(rasters)
    if not layers and not raster_paths:
        msg = "nothing to export: no layers and no rasters were given. Build the database first."
        raise DataError(msg)
    if "gpkg" in chosen and not layers:
        msg = "the GeoPackage export needs at least one layer; pass layers or drop 'gpkg'."
        raise DataError(msg)
    check_layers(layers)
    layers = {name: index_to_columns(gdf) for name, gdf in layers.items()}
    tables = export_tables(layers, provenance)

    target = Path(folder_or_path)
    if target.suffix.lower() == ".gpkg":
        folder, gpkg_path = target.parent, target
    else:
        folder, gpkg_path = target, target / GPKG_NAME
    project_path = gpkg_path.with_suffix(".qgz")

    plan = _Plan()
    # rasters first: the project refers to them
    project_rasters: list[ProjectRaster] = []
    if raster_paths and ("geotiff" in chosen or "gpkg" in chosen):
        project_rasters = _plan_rasters(plan, raster_paths, provenance, folder)
    if "gpkg" in chosen:
        info = project_info(tables, provenance)
        xml = project_xml(tables, gpkg_path.name, rasters=project_rasters, info=info)
        qgz = qgz_bytes(xml, qgs_name=f"{project_path.stem}.qgs")
        stored = (project_path.stem, qgz)
        plan.add([gpkg_path], partial(_gpkg, tables, provenance, gpkg_path, stored))
        plan.add([project_path], partial(_bytes, project_path, qgz))
    if "geojson" in chosen:
        _plan_geojson(plan, layers, tables, provenance, folder / "geojson")
    if "csv" in chosen:
        _plan_csv(plan, layers, folder / "csv", italian=csv_italian)
    if "shapefile" in chosen:
        _plan_shapefile(plan, tables, folder / "shapefile")

    planned = [p for paths, _ in plan.steps for p in paths]
    existing = [p for p in planned if p.exists()]
    if existing and not overwrite:
        more = f" (and {len(existing) - 1} more of the {len(planned)} export files)"
        msg = (
            f"{existing[0]} already exists{more if len(existing) > 1 else ''} and would be "
            "replaced. Pass --overwrite (overwrite=True) to replace the export, "
            "or choose another output folder."
        )
        raise OutputExistsError(msg)

    written: list[Path] = []
    for paths, write in plan.steps:
        write()
        # under a command's staging the file sits in its staged copy until the commit
        written.extend(p for p in paths if current_version(p).exists())
        logger.info("wrote %s", ", ".join(str(p) for p in paths))

    return ExportResult(
        folder=folder,
        gpkg=gpkg_path if "gpkg" in chosen else None,
        project=project_path if "gpkg" in chosen else None,
        files=tuple(written),
        tables=_tables_by_layer(tables),
        styles=_summaries(tables),
        shapefile_fields=plan.shapefile_fields,
        notes=tuple(plan.notes),
    )


@dataclass
class _Plan:
    """The files to write, each with its writer, planned before anything is written."""

    steps: list[tuple[list[Path], Callable[[], object]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    shapefile_fields: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, paths: list[Path], write: Callable[[], object]) -> None:
        """Plan ``write``, which writes ``paths``."""
        self.steps.append((paths, write))

    def sidecar(self, data: Path, suffix: str, text: str) -> None:
        """A style (``.qml``) or metadata (``.qmd``) file beside ``data``, which QGIS loads."""
        path = data.with_suffix(suffix)
        self.add([path], partial(write_text, path, text))


def _plan_rasters(
    plan: _Plan, rasters: Mapping[str, Path], provenance: pd.DataFrame, folder: Path
) -> list[ProjectRaster]:
    """Plan each raster's GeoTIFF copy with its style and metadata; return them for the project."""
    out = []
    for name, source in rasters.items():
        vmin, vmax, authid = fmt.raster_range(source)
        crs = authid or "EPSG:32632"
        style = raster_style(vmin, vmax, name=column_title(name))
        md = layer_metadata(name, provenance, crs_authid=crs, title=style.name)
        tif = folder / "rasters" / f"{name}.tif"
        plan.add([tif], partial(fmt.copy_geotiff, source, tif))
        plan.sidecar(tif, ".qml", raster_qml(style))
        plan.sidecar(tif, ".qmd", metadata_xml(md))
        relative = tif.relative_to(folder).as_posix()
        out.append(ProjectRaster(name, relative, style=style, metadata=md, crs=crs))
    return out


def _plan_geojson(
    plan: _Plan,
    layers: Mapping[str, gpd.GeoDataFrame],
    tables: Sequence[ExportTable],
    provenance: pd.DataFrame,
    folder: Path,
) -> None:
    """Plan one GeoJSON per layer, with a style (single-family layers) and metadata beside."""
    for layer, gdf in layers.items():
        out = folder / f"{layer}.geojson"
        plan.add([out], partial(fmt.write_geojson, gdf, out))
        parts = [t for t in tables if t.layer == layer]
        if len(parts) == 1:  # a style applies to one geometry family
            plan.sidecar(out, ".qml", style_qml(parts[0].styles[0]))
        md = layer_metadata(layer, provenance, columns=list(gdf.columns), crs_authid="EPSG:4326")
        plan.sidecar(out, ".qmd", metadata_xml(md))


def _plan_csv(
    plan: _Plan, layers: Mapping[str, gpd.GeoDataFrame], folder: Path, *, italian: bool = False
) -> None:
    """Plan the rankings and travel-time tables of the layers that have them."""
    before = len(plan.steps)
    for layer, gdf in layers.items():
        for kind, columns, build in (
            ("rankings", fmt.ranking_columns(gdf), fmt.rankings_table),
            ("travel_times", fmt.travel_time_columns(gdf), fmt.travel_times_table),
        ):
            if columns:
                out = folder / f"{layer}_{kind}.csv"
                plan.add([out], partial(_csv, build, gdf, out, italian=italian))
    if len(plan.steps) == before:
        plan.notes.append("csv: no layer has scores, ranks, best use or travel times; none written")


def _plan_shapefile(plan: _Plan, tables: Sequence[ExportTable], folder: Path) -> None:
    """Plan one Shapefile per table, the shortened names reported and mapped."""
    for t in tables:
        shp = folder / f"{t.table}.shp"
        safe = fmt.shapefile_frame(t.frame)
        renamed = safe.renamed
        if renamed:
            plan.shapefile_fields[t.table] = renamed
            plan.notes.append(
                f"shapefile {t.table}: field names shortened: "
                + ", ".join(f"{a} → {b}" for a, b in renamed.items())
            )
        if safe.cut:
            plan.notes.append(
                f"shapefile {t.table}: texts cut to {fmt.DBF_TEXT_BYTES} bytes "
                "(the GeoPackage and GeoJSON keep them whole): "
                + ", ".join(f"{n} in {col}" for col, n in safe.cut.items())
            )
        parts = [shp.with_suffix(ext) for ext in fmt.SHAPEFILE_PARTS]
        plan.add(parts, partial(_shapefile, t.frame, shp, t.geometry_type))
        plan.sidecar(shp, ".qml", style_qml(rename_fields(t.styles[0], renamed)))
        plan.sidecar(shp, ".qmd", metadata_xml(t.metadata))
    mapping = folder / "field_names.csv"
    plan.add([mapping], partial(_csv, fmt.field_names_table, plan.shapefile_fields, mapping))


def _csv(
    build: Callable[[Any], pd.DataFrame], data: Any, path: Path, *, italian: bool = False
) -> None:
    fmt.write_csv(build(data), path, italian=italian)


def _gpkg(
    tables: Sequence[ExportTable],
    provenance: pd.DataFrame,
    path: Path,
    project: tuple[str, bytes],
) -> None:
    with atomic_path(path) as tmp:
        write_geopackage(tables, provenance, tmp, project=project)


def _bytes(path: Path, content: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(content)


def _shapefile(frame: gpd.GeoDataFrame, path: Path, geometry_type: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt.write_shapefile(frame, path, geometry_type=geometry_type)


def _tables_by_layer(tables: Sequence[ExportTable]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for t in tables:
        out.setdefault(t.layer, []).append(t.table)
    return {k: tuple(v) for k, v in out.items()}


def _summaries(tables: Sequence[ExportTable]) -> tuple[StyleSummary, ...]:
    return tuple(
        StyleSummary(
            table=t.table,
            name=s.name,
            renderer=s.renderer,
            attribute=s.attribute,
            class_count=s.class_count,
            default=i == 0,
            label_field=s.label_field,
        )
        for t in tables
        for i, s in enumerate(t.styles)
    )
