"""The official census of dismissed areas, mapped to the ``brownfields`` schema.

The Regione Lombardia census of *aree dismesse* (and any municipal or
consultant's register) comes with its own column names and codes. A small
column-mapping YAML file says which source column feeds each of our columns,
how to recode values, and which constants to fill in:

.. code-block:: yaml

    columns:            # our column: the source column
      id: ID_AREA
      name: DENOMINAZ
      municipality: COMUNE
      former_use: ATT_PREC
      area_m2: SUP_MQ
      status: STATO
    values:             # recoding of source values (matching ignores case and spaces)
      former_use: {TESSILE: textile, CEMENTIFICIO: cement, CARTIERA: paper, MECCANICA: mechanical, "*": other}
      status: {DISMESSA: dismissed, "PARZIALMENTE RIUTILIZZATA": partly_reused, "*": unknown}
    defaults:           # constants for columns the source lacks
      source_note: Regione Lombardia, censimento aree dismesse 2008-2010
    area_unit: m2       # or ha, km2: the unit of areas written without one
    decimal: ","        # the file writes 12.500 for twelve thousand five hundred
    thousands: "."      # optional: by default the other of "." and ","

``"*"`` in a value map catches every value not listed; without it an unlisted
value is an error that names it, its row, and the values the map lists. A
recoded value must belong to our column's vocabulary (``status``: see
:data:`~seriana_gis.layers.schemas.SCHEMAS`).

Numbers are read as the file writes them (:mod:`seriana_gis.sources.numbers`):
a CSV is read as text, and every numeric column of the schema (``area_m2``,
...) is parsed under the declared ``decimal`` / ``thousands`` convention; an
area may carry its unit (``12.500 mq``, ``1,25 ha``). Without a declared
convention a value that reads two ways (``12.500``) or holds a comma is an
error naming its row and column, and so is an area that is zero or negative.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from .._errors import ConfigError, DataError
from ..config import check_keys, read_yaml
from ..layers.schemas import SCHEMAS
from .numbers import (
    AREA_UNITS,
    NumberFormat,
    NumberFormatError,
    number_format,
    parse_area,
    parse_number,
)

_MAPPING_KEYS = ("columns", "values", "defaults", "area_unit", "decimal", "thousands")
_SCHEMA = SCHEMAS["brownfields"]


def load_mapping(path: str | Path) -> dict[str, Any]:
    """Read and check a column-mapping file; see the module docstring for its format."""
    p = Path(path)
    hint = (
        "Write it (census column names under 'columns:', see the user guide, section 2.3, and "
        "layers/README.md), or correct 'mapping:' in the brownfields source of the study-area "
        "configuration (a path relative to the configuration file)."
    )
    raw = read_yaml(p, what="column-mapping file", hint=hint)[0] or {}
    check_keys(raw, _MAPPING_KEYS, where=str(p))
    ours = tuple(c.name for c in SCHEMAS["brownfields"].columns)
    for section in ("columns", "values", "defaults"):
        block = raw.get(section, {}) or {}
        check_keys(block, ours, where=f"{p}, {section}")
    unit = raw.get("area_unit", "m2")
    if unit not in AREA_UNITS:
        msg = f"{p}: area_unit {unit!r} is not one of {', '.join(AREA_UNITS)}."
        raise ConfigError(msg)
    number_format(raw, where=str(p))
    for col, table in (raw.get("values", {}) or {}).items():
        if not isinstance(table, Mapping):
            msg = f"{p}, values.{col}: expected a mapping of source value to our value."
            raise ConfigError(msg)
        vocabulary = _SCHEMA.column(col).values  # noqa: PD011
        wrong = sorted({str(v) for v in table.values() if vocabulary and v not in vocabulary})
        if wrong:
            msg = (
                f"{p}, values.{col}: {', '.join(map(repr, wrong))} is not a {col} we know; "
                f"map the source values to one of: {', '.join(vocabulary)}."
            )
            raise ConfigError(msg)
    return raw


def _norm(value: object) -> str:
    return " ".join(str(value).split()).casefold()


def apply_mapping(
    gdf: gpd.GeoDataFrame, mapping: Mapping[str, Any], *, source: str
) -> gpd.GeoDataFrame:
    """Rename, recode and complete a census layer so that it fits the ``brownfields`` schema.

    Parameters
    ----------
    gdf
        The census as read.
    mapping
        The checked mapping (:func:`load_mapping`).
    source
        The file, for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame with our column names; source columns not mapped are kept.
    """
    columns: Mapping[str, str] = mapping.get("columns", {}) or {}
    absent = {ours: theirs for ours, theirs in columns.items() if theirs not in gdf.columns}
    if absent:
        wanted = ", ".join(f"{t!r} (for {o})" for o, t in absent.items())
        present = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        msg = (
            f"{source}: the column-mapping names source column(s) {wanted} that the file "
            f"lacks. Columns in the file: {present}. Fix the 'columns' section of the mapping."
        )
        raise DataError(msg)
    out = gdf.rename(columns={theirs: ours for ours, theirs in columns.items()})
    for col, table in (mapping.get("values", {}) or {}).items():
        if col not in out.columns:
            continue
        lookup = {_norm(k): v for k, v in table.items()}
        fallback = lookup.get("*")
        mapped = out[col].map(lambda v, lk=lookup: lk.get(_norm(v)) if pd.notna(v) else None)
        unknown = [
            i
            for i, (v, m) in enumerate(zip(out[col], mapped, strict=True))
            if pd.notna(v) and pd.isna(m)
        ]
        if unknown and fallback is None:
            values = sorted({str(out[col].iloc[i]) for i in unknown})
            listed = ", ".join(str(k) for k in table if k != "*")
            vocabulary = _SCHEMA.column(col).values  # noqa: PD011
            ours = f" (mapped to one of {', '.join(vocabulary)})" if vocabulary else ""
            more = f"; unlisted values in all: {', '.join(map(repr, values[:10]))}"
            msg = (
                f"{source}: {_row(out, unknown[0], source)}, column {columns.get(col, col)!r} "
                f"({col}): value {str(out[col].iloc[unknown[0]])!r} is not in the mapping's "
                f"'values.{col}', which lists: {listed}"
                f"{more if len(values) > 1 else ''}. Add it{ours}, or add "
                "'\"*\": <value>' as a catch-all."
            )
            raise DataError(msg)
        out[col] = mapped.where(mapped.notna(), fallback)
    for col, value in (mapping.get("defaults", {}) or {}).items():
        if col not in out.columns:
            out[col] = value
        else:
            out[col] = out[col].where(out[col].notna(), value)
    return parse_numbers(
        out,
        fmt=number_format(mapping, where=source),
        area_unit=str(mapping.get("area_unit", "m2")),
        source=source,
        names=columns,
    )


def _row(frame: pd.DataFrame, i: int, source: str) -> str:
    """Where row ``i`` (0-based position) is, in the user's terms: CSV line or feature."""
    where = f"line {i + 2}" if source.lower().endswith((".csv", ".txt")) else f"feature {i + 1}"
    if "id" in frame.columns and pd.notna(frame["id"].iloc[i]):
        where += f" (id {frame['id'].iloc[i]})"
    return where


def parse_numbers(
    gdf: gpd.GeoDataFrame,
    *,
    fmt: NumberFormat,
    area_unit: str = "m2",
    source: str,
    names: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Parse the numeric columns of the ``brownfields`` schema as the file writes them.

    Parameters
    ----------
    gdf
        The census with our column names (text or numbers).
    fmt
        The file's number convention.
    area_unit
        The unit of areas written without one (``m2``, ``ha``, ``km2``).
    source
        The file, for messages.
    names
        Our column → the source column, to name both in messages.

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame: ``area_m2`` in square metres, other float columns as
        floats, integer columns as ``Int64``.

    Raises
    ------
    DataError
        A value that is not a number under ``fmt`` or reads two ways, an
        integer column holding a fraction, an area that is zero or negative;
        the message names the row (CSV line or feature, and the id) and the
        column.
    """
    out = gdf.copy()
    names = names or {}
    for column in _SCHEMA.columns:
        col = column.name
        if column.type not in ("int", "float") or col not in out.columns:
            continue
        label = f"{names[col]!r} ({col})" if col in names else repr(col)
        values = []
        for i, v in enumerate(out[col].tolist()):
            try:
                x = (
                    parse_area(v, fmt=fmt, unit=area_unit)
                    if col == "area_m2"
                    else parse_number(v, fmt=fmt)
                )
            except NumberFormatError as exc:
                msg = (
                    f"{source}: {_row(out, i, source)}, column {label}: {str(v)!r} {exc} "
                    f"(number convention: {fmt.describe()})."
                )
                raise DataError(msg) from None
            if col == "area_m2" and x <= 0:
                msg = (
                    f"{source}: {_row(out, i, source)}, column {label}: area {str(v)!r} is not "
                    "positive. Fix it, or leave it empty to take the area of the footprint."
                )
                raise DataError(msg)
            if column.type == "int" and x == x and x != int(x):
                msg = (
                    f"{source}: {_row(out, i, source)}, column {label}: {str(v)!r} is not a "
                    "whole number."
                )
                raise DataError(msg)
            values.append(x)
        series = pd.Series(values, index=out.index, dtype="float64")
        out[col] = series.astype("Int64") if column.type == "int" else series
    return out


def fill_area(gdf: gpd.GeoDataFrame, *, source: str) -> gpd.GeoDataFrame:
    """Fill a missing ``area_m2`` from polygon footprints (in a metric CRS).

    Points with no area are an error naming the site ids: a point carries no area.
    """
    out = gdf.copy()
    if "area_m2" not in out.columns:
        out["area_m2"] = float("nan")
    area = pd.to_numeric(out["area_m2"], errors="coerce").astype(float)
    missing = area.isna()
    polys = out.geometry.geom_type.isin(("Polygon", "MultiPolygon"))
    area[missing & polys] = out.geometry[missing & polys].area
    if (missing & ~polys).any():
        ids = (
            out.loc[missing & ~polys, "id"] if "id" in out.columns else out.index[missing & ~polys]
        )
        msg = (
            f"{source}: site(s) {', '.join(map(str, list(ids)[:10]))} are points without an area. "
            "Give area_m2 (or map the census area column), or draw footprints."
        )
        raise DataError(msg)
    out["area_m2"] = area
    return out


def read_census(
    path: str | Path,
    *,
    mapping: str | Path | None = None,
    layer: str | None = None,
    crs: str | None = None,
    x: str | None = None,
    y: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a census or register of dismissed areas and map it to our schema.

    Parameters
    ----------
    path
        Any OGR-readable file, or a CSV with coordinate columns.
    mapping
        The column-mapping YAML; omit when the file already uses our column names.
    layer, crs, x, y
        As for :func:`~seriana_gis.sources.files.read_vector`.

    Returns
    -------
    geopandas.GeoDataFrame
        Not yet validated (the build validates every layer the same way).
    """
    from .files import read_vector

    gdf = read_vector(path, layer=layer, crs=crs, x=x, y=y, as_text=True)
    if mapping is not None:
        gdf = apply_mapping(gdf, load_mapping(mapping), source=str(path))
    else:
        gdf = parse_numbers(gdf, fmt=NumberFormat(), source=str(path))
    if "id" in gdf.columns:
        gdf["id"] = gdf["id"].map(lambda v: None if pd.isna(v) else str(v))
    return gdf
