"""Validation of every layer on load.

:func:`validate_layer` is called by every reader, whatever the source: it
checks the CRS (a missing one is an error, never a guess; any other is
reprojected to EPSG:32632), the required columns and their types, empty and
invalid geometries (repaired with a warning, or rejected), duplicate ids, and
flags features outside the study area. It returns a new GeoDataFrame and never
changes its input.
"""

from __future__ import annotations

import logging
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from .._errors import CRSError, DataError, DataWarning, GeometryError
from .crs import check_coordinates
from .schemas import SCHEMAS, TYPE_KINDS, Column, LayerSchema

logger = logging.getLogger(__name__)

_MAX_LISTED = 10


def _ids(values: pd.Index | pd.Series | list[object]) -> str:
    vals = [str(v) for v in list(values)]
    more = f" and {len(vals) - _MAX_LISTED} more" if len(vals) > _MAX_LISTED else ""
    return ", ".join(vals[:_MAX_LISTED]) + more


def _integral(series: pd.Series) -> bool:
    """Floats that are whole numbers where present (an int column with gaps reads as float)."""
    if series.dtype.kind != "f":
        return False
    vals = series.dropna().to_numpy(dtype=float)
    return bool(np.isfinite(vals).all() and (vals == np.round(vals)).all())


def _column_ok(series: pd.Series, type_: str) -> bool:
    kinds = TYPE_KINDS[type_]
    if series.dtype.kind in kinds:
        return True
    if type_ == "int" and _integral(series):
        return True
    if type_ == "str":
        non_null = series.dropna()
        return bool(non_null.map(lambda v: isinstance(v, str)).all())
    if type_ == "bool" and series.dtype == object:
        return bool(series.dropna().map(lambda v: isinstance(v, bool | np.bool_)).all())
    return False


def _describe(series: pd.Series) -> str:
    sample = series.dropna().head(3).tolist()
    return f"{series.dtype} (e.g. {sample})"


def _same_family(geom: BaseGeometry, allowed: tuple[str, ...]) -> BaseGeometry | None:
    """Keep the parts of a repaired geometry whose type is allowed."""
    if geom.geom_type in allowed:
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [
            g for g in geom.geoms if g.geom_type in allowed or f"Multi{g.geom_type}" in allowed
        ]
        if not parts:
            return None
        polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
        if polys and "MultiPolygon" in allowed:
            merged = shapely.union_all(polys)
            return merged if merged.geom_type in allowed else shapely.MultiPolygon([merged])
        lines = [p for p in parts if "LineString" in p.geom_type]
        if lines and "MultiLineString" in allowed:
            return shapely.line_merge(shapely.union_all(lines))
        return parts[0]
    if f"Multi{geom.geom_type}" in allowed:
        return geom
    return None


def _empty_allowed(out: pd.DataFrame, c: Column) -> pd.Series:
    """Rows on which ``c`` may be empty: those its ``empty_when`` column says why."""
    if c.empty_when is None or c.empty_when[0] not in out.columns:
        return pd.Series(False, index=out.index)
    other, allowed = c.empty_when
    return out[other].isin(allowed)


def _check_values(out: pd.DataFrame, s: LayerSchema, *, where: str, ids: pd.Series) -> None:
    """Vocabulary and sign checks of the columns that declare them."""
    for c in s.columns:
        if c.name not in out.columns:
            continue
        col = out[c.name]
        if c.values:  # noqa: PD011 (the schema's vocabulary, not a pandas .values)
            bad = col.notna() & ~col.isin(c.values)
            if bad.any():
                found = sorted({str(v) for v in col[bad]})
                msg = (
                    f"{where}: column {c.name!r} has value(s) {', '.join(map(repr, found))} "
                    f"outside its vocabulary ({_ids(ids[bad])}). Allowed values: "
                    f"{', '.join(c.values)}. Recode them in the source or in the column mapping."
                )
                raise DataError(msg)
        if c.positive:
            num = pd.to_numeric(col, errors="coerce").astype(float)
            may_be_empty = _empty_allowed(out, c)
            # in a required column an empty value fails too, unless the row says why
            bad = (
                ~(num > 0) & ~(col.isna() & may_be_empty)
                if c.required
                else col.notna() & ~(num > 0)
            )
            if bad.any():
                why = ""
                if c.empty_when is not None:
                    other, allowed = c.empty_when
                    why = (
                        f", or, where none is published, leave it empty and set {other} to "
                        f"{' or '.join(allowed)}"
                    )
                msg = (
                    f"{where}: column {c.name!r} must be greater than 0, but is "
                    f"{', '.join(str(v) for v in col[bad].head(_MAX_LISTED))} for "
                    f"{_ids(ids[bad])}. Give the published figure ({c.unit or 'a number'}){why}."
                )
                raise DataError(msg)


def validate_layer(
    gdf: gpd.GeoDataFrame | pd.DataFrame,
    schema: str | LayerSchema,
    *,
    source: str,
    crs: str = "EPSG:32632",
    area: BaseGeometry | None = None,
    area_tolerance_m: float = 0.0,
) -> gpd.GeoDataFrame:
    """Check a layer against its schema and return a clean copy in ``crs``.

    Parameters
    ----------
    gdf
        The layer as read.
    schema
        The schema, or the name of a layer in :data:`~seriana_gis.layers.schemas.SCHEMAS`.
    source
        Where the layer comes from (a file path, ``embedded default``, ``OpenStreetMap``);
        named in every message.
    crs
        The CRS to return the layer in.
    area
        The study area (union of the configured municipalities) in ``crs``. When given,
        features outside it are flagged in ``outside_study_area`` (if the schema has
        that column) and named in a warning.
    area_tolerance_m
        How far outside ``area`` a feature may lie before it is flagged.

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame: schema columns first, extra columns kept after them.

    Raises
    ------
    DataError
        Missing or mistyped columns, values outside a column's vocabulary or not positive
        where the schema says so, no features, duplicate ids, wrong geometry types.
    CRSError
        The layer has no CRS, or coordinates that do not fit it
        (:func:`~seriana_gis.layers.crs.check_coordinates`).
    GeometryError
        Empty geometries, or invalid ones that cannot be repaired.
    """
    s = SCHEMAS[schema] if isinstance(schema, str) else schema
    where = f"layer {s.name!r} from {source}"
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        msg = f"{where} has no geometry column; give a spatial file or a CSV with x/y columns."
        raise DataError(msg)
    if len(gdf) == 0:
        msg = f"{where} has no features. Check the file, its layer name and any filter."
        raise DataError(msg)
    if gdf.crs is None:
        msg = (
            f"{where} has no coordinate reference system. Declare it: add 'crs: EPSG:4326' "
            "(or the right code) to this layer's source in the study-area configuration, "
            "ship the .prj beside a shapefile, or set it in QGIS (Layer > Set CRS) and re-save."
        )
        raise CRSError(msg)
    check_coordinates(gdf, where=where, area=area, area_crs=crs, tolerance_m=area_tolerance_m)
    out = gdf.copy()
    if out.crs is not None and not out.crs.equals(crs):
        logger.debug("%s: reprojecting from %s to %s", where, out.crs.to_string(), crs)
        out = out.to_crs(crs)

    missing = [c.name for c in s.required if c.name not in out.columns]
    if missing:
        present = ", ".join(str(c) for c in out.columns if c != out.geometry.name)
        msg = (
            f"{where} lacks required column(s) {', '.join(missing)}. Columns present: "
            f"{present}. Rename them in the source, or map them with a column-mapping file."
        )
        raise DataError(msg)
    wrong = [
        f"{c.name} should be {c.type} but is {_describe(out[c.name])}"
        for c in s.columns
        if c.name in out.columns and not _column_ok(out[c.name], c.type)
    ]
    if wrong:
        msg = (
            f"{where} has mistyped column(s): "
            + "; ".join(wrong)
            + ". Fix the values in the source."
        )
        raise DataError(msg)

    for c in s.columns:
        if c.type == "int" and c.name in out.columns and out[c.name].dtype.kind == "f":
            out[c.name] = out[c.name].astype("Int64")  # whole numbers with gaps: nullable int

    id_col = s.id_column
    ids = out[id_col] if id_col and id_col in out.columns else pd.Series(out.index, index=out.index)
    if id_col and id_col in out.columns:
        null_ids = out.index[out[id_col].isna()]
        if len(null_ids):
            msg = f"{where}: {len(null_ids)} feature(s) have no {id_col!r} (rows {_ids(null_ids)})."
            raise DataError(msg)
        dup = ids[ids.duplicated(keep=False)]
        if len(dup):
            msg = (
                f"{where} has duplicate {id_col!r} values: {_ids(sorted(set(dup.astype(str))))}. "
                "Every feature needs its own id."
            )
            raise DataError(msg)

    _check_values(out, s, where=where, ids=ids)

    geom = out.geometry
    empty = geom.isna() | geom.is_empty
    if empty.any():
        msg = (
            f"{where} has empty geometries for {id_col or 'rows'} {_ids(ids[empty])}. "
            "Give those features a geometry or remove them."
        )
        raise GeometryError(msg)
    invalid = ~geom.is_valid
    if invalid.any():
        repaired: list[BaseGeometry | None] = [
            _same_family(shapely.make_valid(g), s.geometry) for g in geom[invalid]
        ]
        bad = [i for i, g in zip(ids[invalid], repaired, strict=True) if g is None or g.is_empty]
        if bad:
            msg = (
                f"{where} has invalid geometries that cannot be repaired for "
                f"{id_col or 'rows'} {_ids(bad)}. Redraw them (QGIS: Vector > Geometry Tools > "
                "Check Validity)."
            )
            raise GeometryError(msg)
        out.loc[invalid, out.geometry.name] = gpd.GeoSeries(
            repaired, index=out.index[invalid], crs=out.crs
        )
        msg = f"{where}: repaired invalid geometries of {id_col or 'rows'} {_ids(ids[invalid])}."
        warnings.warn(msg, DataWarning, stacklevel=2)
        logger.warning(msg)

    wrong_type = ~out.geometry.geom_type.isin(s.geometry)
    if wrong_type.any():
        types = sorted(set(out.geometry.geom_type[wrong_type]))
        msg = (
            f"{where}: geometry type(s) {', '.join(types)} not allowed for "
            f"{id_col or 'rows'} {_ids(ids[wrong_type])}; expected {', '.join(s.geometry)}."
        )
        raise DataError(msg)

    if area is not None:
        zone = area.buffer(area_tolerance_m) if area_tolerance_m > 0 else area
        outside = ~out.geometry.intersects(zone)
        if "outside_study_area" in {c.name for c in s.columns}:
            out["outside_study_area"] = outside.to_numpy()
        if outside.any():
            msg = (
                f"{where}: {int(outside.sum())} feature(s) lie outside the study area: "
                f"{_ids(ids[outside])}. They are kept and flagged."
            )
            warnings.warn(msg, DataWarning, stacklevel=2)
            logger.warning(msg)

    order = [c.name for c in s.columns if c.name in out.columns]
    rest = [c for c in out.columns if c not in order and c != out.geometry.name]
    return out[[*order, *rest, out.geometry.name]]
