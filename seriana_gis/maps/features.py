"""Layers → compact GeoJSON for display.

Display geometry is simplified in EPSG:32632 at :data:`SIMPLIFY_TOLERANCE_M`
(Douglas–Peucker with topology preserved, a shape that would vanish keeps its
original form) and its WGS84 coordinates are rounded to :data:`DECIMALS`
decimals: 1e-5° is 1.1 m of latitude and 0.78 m of longitude at 45.8° N, so
positions stay within a metre of the data. Property values are rounded once,
to the decimals of their kind (:func:`seriana_gis.symbology.round_column`), so a
page shows the same figure as the CSV, the workbook and every other page.

A layer whose schema anchors its features at their site point (the brownfields,
:mod:`seriana_gis.layers.site_point`) is drawn as its footprint *and* a marker at
the site point (a GeoJSON GeometryCollection per feature): a footprint of a few
thousand square metres vanishes at valley scale, the marker does not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import symbology as sym
from .._errors import CRSError
from ..layers.schemas import SCHEMAS
from ..layers.site_point import site_points

#: Display simplification tolerance, metres (EPSG:32632).
SIMPLIFY_TOLERANCE_M = 2.0
#: Decimals of WGS84 coordinates (1e-5° ≈ 1 m).
DECIMALS = 5
#: The metric CRS of the project.
METRIC_CRS = "EPSG:32632"


def to_metric(gdf: gpd.GeoDataFrame, *, layer: str) -> gpd.GeoDataFrame:
    """``gdf`` in EPSG:32632 (a copy when reprojected); a missing CRS is an error."""
    if gdf.crs is None:
        msg = (
            f"layer {layer!r} has no CRS. Set it with gdf.set_crs('EPSG:32632') "
            "(the territorial database is in EPSG:32632) before drawing a map."
        )
        raise CRSError(msg)
    return gdf if gdf.crs.equals(METRIC_CRS) else gdf.to_crs(METRIC_CRS)


def display_geometry(
    gdf: gpd.GeoDataFrame, *, layer: str, tolerance_m: float = SIMPLIFY_TOLERANCE_M
) -> gpd.GeoSeries:
    """Simplified WGS84 geometries rounded to :data:`DECIMALS` decimals.

    Parameters
    ----------
    gdf
        A layer with a CRS (not changed).
    layer
        Its name, for error messages.
    tolerance_m
        Simplification tolerance in metres; 0 keeps every vertex.

    Returns
    -------
    geopandas.GeoSeries
        On ``gdf``'s index, in EPSG:4326.
    """
    geom = to_metric(gdf, layer=layer).geometry
    arr = geom.to_numpy()
    if tolerance_m > 0:
        simple = shapely.simplify(arr, tolerance_m, preserve_topology=True)
        lost = shapely.is_empty(simple) & ~shapely.is_empty(arr)
        arr = np.where(lost, arr, simple)
    schema = SCHEMAS.get(layer)
    if schema is not None and schema.anchor == "site_point":
        arr = _with_markers(arr, site_points(geom))
    wgs = gpd.GeoSeries(arr, index=gdf.index, crs=METRIC_CRS).to_crs("EPSG:4326")
    rounded = shapely.transform(wgs.to_numpy(), lambda xy: np.round(xy, DECIMALS))
    return gpd.GeoSeries(rounded, index=gdf.index, crs="EPSG:4326")


def _with_markers(arr: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Footprints with their site point added (points and missing geometries unchanged)."""
    out = arr.copy()
    for k, (g, p) in enumerate(zip(arr, points, strict=True)):
        if p is not None and g is not None and shapely.get_type_id(g) != 0:
            out[k] = shapely.GeometryCollection([g, p])
    return out


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def feature_collection(
    gdf: gpd.GeoDataFrame,
    *,
    layer: str,
    columns: Sequence[str],
    tolerance_m: float = SIMPLIFY_TOLERANCE_M,
) -> tuple[str, int, list[float] | None]:
    """The display GeoJSON text of ``gdf`` with the given property columns.

    Features with an empty or missing geometry are left out. Feature
    properties are written as arrays of values in the order of the
    collection's ``keys`` member (the map runtime turns them back into
    objects), which keeps maps with many features small. The text is safe
    to embed in a ``<script type="application/json">`` element (``<``, ``>``
    and ``&`` are written as JSON ``\\u`` escapes).

    Parameters
    ----------
    gdf
        A layer with a CRS (not changed).
    layer
        Its name, for error messages.
    columns
        The columns to carry as properties (those absent are skipped).
    tolerance_m
        Simplification tolerance in metres.

    Returns
    -------
    tuple
        The GeoJSON text, the number of features written, and the WGS84 bounds
        ``[south, west, north, east]`` (``None`` when empty).
    """
    geoms = display_geometry(gdf, layer=layer, tolerance_m=tolerance_m)
    keep = ~(geoms.isna() | geoms.is_empty)
    geoms = geoms[keep]
    cols = [c for c in columns if c in gdf.columns and c != gdf.geometry.name]
    props = pd.DataFrame(gdf.loc[keep.to_numpy(), cols])
    for c in cols:  # rounded once, to the decimals of the column's kind
        if pd.api.types.is_float_dtype(props[c]):
            props[c] = sym.round_column(c, props[c].to_numpy(dtype=float))
    geo_text = shapely.to_geojson(geoms.to_numpy())
    rows = props.itertuples(index=False, name=None) if cols else ([] for _ in range(len(geoms)))
    parts = []
    for g, row in zip(geo_text, rows, strict=True):
        p = json.dumps([_clean(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        parts.append(f'{{"type":"Feature","geometry":{g},"properties":{p}}}')
    keys = json.dumps(cols, ensure_ascii=False)
    text = f'{{"type":"FeatureCollection","keys":{keys},"features":[' + ",".join(parts) + "]}"
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    if len(geoms) == 0:
        return text, 0, None
    minx, miny, maxx, maxy = geoms.total_bounds
    return text, len(geoms), [float(miny), float(minx), float(maxy), float(maxx)]
