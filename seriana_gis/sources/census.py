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
    area_unit: m2       # or ha, when the area column is in hectares

``"*"`` in a value map catches every value not listed; without it an unlisted
value is an error that names it.
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

_MAPPING_KEYS = ("columns", "values", "defaults", "area_unit")
_AREA_FACTORS = {"m2": 1.0, "ha": 10_000.0, "km2": 1_000_000.0}


def load_mapping(path: str | Path) -> dict[str, Any]:
    """Read and check a column-mapping file; see the module docstring for its format."""
    p = Path(path)
    raw = read_yaml(p, what="column-mapping file")[0] or {}
    check_keys(raw, _MAPPING_KEYS, where=str(p))
    ours = tuple(c.name for c in SCHEMAS["brownfields"].columns)
    for section in ("columns", "values", "defaults"):
        block = raw.get(section, {}) or {}
        check_keys(block, ours, where=f"{p}, {section}")
    unit = raw.get("area_unit", "m2")
    if unit not in _AREA_FACTORS:
        msg = f"{p}: area_unit {unit!r} is not one of {', '.join(_AREA_FACTORS)}."
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
        unknown = sorted(
            {str(v) for v, m in zip(out[col], mapped, strict=True) if pd.notna(v) and pd.isna(m)}
        )
        if unknown and fallback is None:
            msg = (
                f"{source}: column {col!r} has value(s) {', '.join(map(repr, unknown[:10]))} that "
                f"the mapping's 'values.{col}' does not list. Add them, or add '\"*\": <value>' "
                "as a catch-all."
            )
            raise DataError(msg)
        out[col] = mapped.where(mapped.notna(), fallback)
    for col, value in (mapping.get("defaults", {}) or {}).items():
        if col not in out.columns:
            out[col] = value
        else:
            out[col] = out[col].where(out[col].notna(), value)
    factor = _AREA_FACTORS[mapping.get("area_unit", "m2")]
    if "area_m2" in out.columns:
        out["area_m2"] = pd.to_numeric(out["area_m2"], errors="raise") * factor
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

    gdf = read_vector(path, layer=layer, crs=crs, x=x, y=y)
    if mapping is not None:
        gdf = apply_mapping(gdf, load_mapping(mapping), source=str(path))
    if "id" in gdf.columns:
        gdf["id"] = gdf["id"].map(lambda v: None if pd.isna(v) else str(v))
    return gdf
