"""Other export formats: GeoJSON, CSV, GeoTIFF and Shapefile.

Each writer takes already prepared data and a final path and writes through
:func:`seriana_gis._io.atomic_path`; :func:`seriana_gis.export.export_qgis`
plans every path first and refuses to start if any exists without
``overwrite``.

- GeoJSON: one file per layer, EPSG:4326, RFC 7946 (GDAL's ``RFC7946=YES``:
  right-hand-rule rings, 7 decimals, no ``crs`` member).
- CSV: ``{layer}_rankings.csv`` (id, name, municipality, scores, ranks, best
  use; sorted by the first rank) and ``{layer}_travel_times.csv`` (id, name,
  municipality and every ``{mode}_{destination}_min``), UTF-8, values rounded
  to the decimals of their kind; for Italian spreadsheets, ``;`` and a decimal
  comma (``csv_italian``).
- GeoTIFF: a copy of each raster (translated when it is not a GeoTIFF).
- Shapefile: one set per table, UTF-8 (``.cpg``); column names longer than
  ten characters are shortened, reported, and listed in ``field_names.csv``;
  texts longer than the DBF limit (254 bytes) are cut and reported.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import rasterio.shutil

from .. import columns as cols
from .. import symbology as sym
from .._errors import DataError
from .._io import atomic_path

#: The files of one Shapefile, by extension.
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")

_ID_COLUMNS = ("id", "istat", "name", "municipality")


def write_geojson(gdf: gpd.GeoDataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``gdf`` as RFC 7946 GeoJSON in EPSG:4326 to ``path`` (atomically)."""
    frame = gdf.to_crs("EPSG:4326")
    with atomic_path(path) as tmp:
        pyogrio.write_dataframe(
            frame,
            tmp,
            driver="GeoJSON",
            layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"},
        )


def ranking_columns(gdf: pd.DataFrame) -> list[str]:
    """Identifier columns plus scores, ranks and best use, or ``[]`` when there are none."""
    kinds = ("score", "rank", "rank_p05", "rank_p95")
    results = [c.name for c in cols.parse_all(gdf.columns) if c.kind in kinds]
    if cols.BEST_USE in gdf.columns:
        results.append(cols.BEST_USE)
    if not results:
        return []
    return [c for c in _ID_COLUMNS if c in gdf.columns] + results


def travel_time_columns(gdf: pd.DataFrame) -> list[str]:
    """Identifier columns plus every travel-time column, or ``[]`` when there are none."""
    times = [c.name for c in cols.travel_time_columns(gdf.columns)]
    if not times:
        return []
    return [c for c in _ID_COLUMNS if c in gdf.columns] + times


def rankings_table(gdf: pd.DataFrame) -> pd.DataFrame:
    """The ranking columns, sorted by the first ``rank_`` column (ties and gaps last)."""
    columns = ranking_columns(gdf)
    table = pd.DataFrame(gdf[columns])
    ranks = [c.name for c in cols.parse_all(columns) if c.kind == "rank"]
    if ranks:
        table = table.sort_values(ranks[0], kind="stable", na_position="last")
    return table.reset_index(drop=True)


def travel_times_table(gdf: pd.DataFrame) -> pd.DataFrame:
    """The travel-time columns, in the layer's order."""
    return pd.DataFrame(gdf[travel_time_columns(gdf)]).reset_index(drop=True)


def write_csv(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    italian: bool = False,
    round_values: bool = True,
) -> None:
    """Write ``table`` as CSV without the index (atomically), values rounded to their kind.

    Parameters
    ----------
    table
        The table; its float columns are rounded to the decimals of their kind
        (:func:`seriana_gis.symbology.round_frame`: scores 3, minutes 1, ...).
    path
        The file to write.
    italian
        For spreadsheets set to Italian: ``;`` between fields, a decimal comma,
        and a byte-order mark so that the accents read right; otherwise ``,``,
        a decimal point and plain UTF-8.
    round_values
        ``False`` for a table whose headers are words and whose values were
        rounded already.
    """
    out = sym.round_frame(table, whole_as_int=True) if round_values else table
    with atomic_path(path) as tmp:
        if italian:
            out.to_csv(tmp, index=False, sep=";", decimal=",", encoding="utf-8-sig")
        else:
            out.to_csv(tmp, index=False, encoding="utf-8")


def raster_range(path: str | os.PathLike[str]) -> tuple[float, float, str | None]:
    """Minimum and maximum of band 1 (nodata excluded) and the raster's CRS as ``EPSG:n``.

    Raises
    ------
    DataError
        If the raster cannot be read or holds no valid value.
    """
    try:
        with rasterio.open(path) as src:
            band = src.read(1, masked=True)
            epsg = src.crs.to_epsg() if src.crs else None
    except rasterio.errors.RasterioIOError as exc:
        msg = f"raster {path} cannot be read ({exc}). Pass the path of a GeoTIFF."
        raise DataError(msg) from exc
    values = np.ma.compressed(band).astype(float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        msg = f"raster {path} has no valid cell in band 1. Check its nodata value."
        raise DataError(msg)
    return float(values.min()), float(values.max()), f"EPSG:{epsg}" if epsg else None


def copy_geotiff(source: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Copy a GeoTIFF to ``path``, translating other raster formats to GeoTIFF."""
    with rasterio.open(source) as src:
        driver = src.driver
    with atomic_path(path) as tmp:
        if driver == "GTiff":
            shutil.copyfile(source, tmp)
        else:
            rasterio.shutil.copy(source, tmp, driver="GTiff")


def shapefile_names(columns: Sequence[str]) -> dict[str, str]:
    """Shapefile field names (at most ten characters, unique) for ``columns``.

    Names that fit are kept; longer ones are cut to ten characters, and a clash
    is resolved with a numeric suffix (``transit_be`` then ``transit__1``).
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = col[:10]
        k = 1
        while name.lower() in used:
            suffix = f"_{k}"
            name = col[: 10 - len(suffix)] + suffix
            k += 1
        used.add(name.lower())
        out[col] = name
    return out


#: Longest text a DBF field holds, in bytes.
DBF_TEXT_BYTES = 254


@dataclass(frozen=True)
class ShapefileFrame:
    """A layer made Shapefile-safe, with what had to change.

    Attributes
    ----------
    frame
        Booleans as integers (0/1), datetimes as ISO strings, texts cut to
        :data:`DBF_TEXT_BYTES` bytes of UTF-8, columns renamed.
    renamed
        Original column → Shapefile field, for the names that changed.
    cut
        Original column → number of values cut to fit the DBF limit.
    """

    frame: gpd.GeoDataFrame
    renamed: dict[str, str]
    cut: dict[str, int]


def _cut(value: object) -> object:
    if not isinstance(value, str):
        return value
    raw = value.encode("utf-8")
    if len(raw) <= DBF_TEXT_BYTES:
        return value
    return raw[:DBF_TEXT_BYTES].decode("utf-8", errors="ignore")


def shapefile_frame(gdf: gpd.GeoDataFrame) -> ShapefileFrame:
    """The layer with Shapefile-safe columns, and what had to change (see :class:`ShapefileFrame`).

    Texts longer than the DBF limit are cut here, on a character boundary, so
    that the cut is reported instead of left to a GDAL warning.
    """
    attrs = [c for c in gdf.columns if c != gdf.geometry.name]
    names = shapefile_names(attrs)
    frame = gdf.copy()
    cut: dict[str, int] = {}
    for col in attrs:
        if pd.api.types.is_bool_dtype(frame[col]):
            frame[col] = frame[col].astype("int8")
        elif pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].dt.strftime("%Y-%m-%dT%H:%M:%S")
        elif frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
            shortened = frame[col].map(_cut)
            n = int((shortened.ne(frame[col]) & frame[col].notna()).sum())
            if n:
                cut[col] = n
                frame[col] = shortened
    frame = frame.rename(columns=names)
    renamed = {old: new for old, new in names.items() if old != new}
    return ShapefileFrame(frame=frame, renamed=renamed, cut=cut)


def write_shapefile(
    gdf: gpd.GeoDataFrame, path: str | os.PathLike[str], *, geometry_type: str | None = None
) -> ShapefileFrame:
    """Write one Shapefile set at ``path`` (``.shp``); each part replaced atomically.

    Parameters
    ----------
    gdf
        One geometry family.
    path
        The ``.shp`` path; the other parts go beside it.
    geometry_type
        GDAL geometry type to declare when ``gdf`` has no geometry (empty layer).

    Returns
    -------
    ShapefileFrame
        What was written and what had to change.
    """
    target = Path(path)
    safe = shapefile_frame(gdf)
    frame = safe.frame
    with tempfile.TemporaryDirectory(prefix=".shp-", dir=target.parent) as tmpdir:
        tmp_shp = Path(tmpdir) / target.name
        pyogrio.write_dataframe(
            frame,
            tmp_shp,
            driver="ESRI Shapefile",
            encoding="UTF-8",
            geometry_type=geometry_type,
        )
        for ext in SHAPEFILE_PARTS:
            part = tmp_shp.with_suffix(ext)
            if part.exists():
                with atomic_path(target.with_suffix(ext)) as tmp:
                    shutil.move(part, tmp)
    return safe


def field_names_table(renamed: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """The Shapefile field-name mapping as rows ``layer, field, shapefile_field``."""
    rows = [
        {"layer": layer, "field": old, "shapefile_field": new}
        for layer, mapping in renamed.items()
        for old, new in mapping.items()
    ]
    return pd.DataFrame(rows, columns=["layer", "field", "shapefile_field"])
