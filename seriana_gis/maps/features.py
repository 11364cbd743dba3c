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
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

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


@dataclass(frozen=True)
class Dataset:
    """A layer serialised once for display: one GeoJSON feature text per row.

    Pages draw the whole layer or a subset of its rows (a municipality's
    sites, the features around a site) from the same texts, so a layer is
    serialised once for a whole office site.

    Attributes
    ----------
    keys
        The property names, in the order of each feature's value array.
    features
        One feature text per row of the source frame, its ``id`` member the
        row's position (``None`` for a row without geometry, left out of
        every collection).
    bounds
        Per row, the WGS84 bounds ``[south, west, north, east]`` (NaN when empty).
    """

    keys: tuple[str, ...]
    features: tuple[str | None, ...]
    bounds: np.ndarray

    def rows(self, rows: Any = None) -> np.ndarray:
        """Positions of the drawn rows among ``rows`` (a boolean mask or positions; all when ``None``)."""
        n = len(self.features)
        if rows is None:
            pos = np.arange(n)
        else:
            arr = np.asarray(rows)
            pos = np.flatnonzero(arr) if arr.dtype == bool else arr.astype(int)
        return np.array([i for i in pos if self.features[i] is not None], dtype=int)

    def text(self, rows: Any = None) -> str:
        """The FeatureCollection text of the rows (see :func:`feature_collection`)."""
        parts = [self.features[i] or "" for i in self.rows(rows)]
        keys = _safe(json.dumps(list(self.keys), ensure_ascii=False))
        head = f'{{"type":"FeatureCollection","keys":{keys},"features":['
        return head + ",".join(parts) + "]}"

    def box(self, rows: Any = None) -> list[float] | None:
        """The WGS84 bounds ``[south, west, north, east]`` of the rows, ``None`` when empty."""
        pos = self.rows(rows)
        if pos.size == 0:
            return None
        b = self.bounds[pos]
        return [
            float(b[:, 0].min()),
            float(b[:, 1].min()),
            float(b[:, 2].max()),
            float(b[:, 3].max()),
        ]


def _safe(text: str) -> str:
    """JSON text safe inside ``<script>`` (``<``, ``>``, ``&`` as ``\\u`` escapes)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def serialise(
    gdf: gpd.GeoDataFrame,
    *,
    layer: str,
    columns: Sequence[str],
    tolerance_m: float = SIMPLIFY_TOLERANCE_M,
) -> Dataset:
    """Serialise a layer once for display (see :class:`Dataset` and :func:`feature_collection`)."""
    geoms = display_geometry(gdf, layer=layer, tolerance_m=tolerance_m)
    empty = (geoms.isna() | geoms.is_empty).to_numpy()
    cols = [c for c in columns if c in gdf.columns and c != gdf.geometry.name]
    props = pd.DataFrame(gdf[cols]) if cols else pd.DataFrame(index=gdf.index)
    for c in cols:  # rounded once, to the decimals of the column's kind
        if pd.api.types.is_float_dtype(props[c]):
            props[c] = sym.round_column(c, props[c].to_numpy(dtype=float))
    arr = geoms.to_numpy()
    geo_text = shapely.to_geojson(np.where(empty, None, arr))
    rows = props.itertuples(index=False, name=None) if cols else ([] for _ in range(len(gdf)))
    features: list[str | None] = []
    for i, (g, row, skip) in enumerate(zip(geo_text, rows, empty, strict=True)):
        if skip:
            features.append(None)
            continue
        p = json.dumps([_clean(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        # "id": the row's position, by which a page selects the rows it draws
        features.append(_safe(f'{{"type":"Feature","id":{i},"geometry":{g},"properties":{p}}}'))
    b = shapely.bounds(np.where(empty, None, arr))  # minx, miny, maxx, maxy (NaN when empty)
    bounds = np.column_stack([b[:, 1], b[:, 0], b[:, 3], b[:, 2]]) if len(b) else np.empty((0, 4))
    return Dataset(keys=tuple(cols), features=tuple(features), bounds=bounds)


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
    ds = serialise(gdf, layer=layer, columns=columns, tolerance_m=tolerance_m)
    return ds.text(), len(ds.rows()), ds.box()


T = TypeVar("T")


class DatasetStore:
    """Serialised layers, each made once per frame, columns and tolerance.

    An office site draws the same layers on every page: the store serialises
    each once and every page takes the rows it draws. What a page derives
    from a whole layer (its popup, its legend's classes) is kept the same way
    (:meth:`derived`).
    """

    def __init__(self) -> None:
        self._made: dict[tuple[int, str, tuple[str, ...], float], tuple[Any, Dataset]] = {}
        self._derived: dict[tuple[int, Hashable], tuple[Any, Any]] = {}

    def derived(self, gdf: gpd.GeoDataFrame, key: Hashable, make: Callable[[], T]) -> T:
        """A value derived from a whole layer, made on first use.

        Parameters
        ----------
        gdf
            The layer (kept with the value, so its id is never reused meanwhile).
        key
            What is derived, with whatever else it depends on.
        make
            Makes the value from ``gdf``.
        """
        k = (id(gdf), key)
        found = self._derived.get(k)
        if found is None:
            found = (gdf, make())
            self._derived[k] = found
        return found[1]

    def get(
        self,
        gdf: gpd.GeoDataFrame,
        *,
        layer: str,
        columns: Sequence[str],
        tolerance_m: float = SIMPLIFY_TOLERANCE_M,
    ) -> Dataset:
        """The serialised layer (made on first use)."""
        key = (id(gdf), layer, tuple(columns), float(tolerance_m))
        found = self._made.get(key)
        if found is None:
            ds = serialise(gdf, layer=layer, columns=columns, tolerance_m=tolerance_m)
            # the frame is kept with its dataset, so its id is never reused meanwhile
            found = (gdf, ds)
            self._made[key] = found
        return found[1]
