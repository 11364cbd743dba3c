"""Reading user files: any OGR-readable vector file, or a CSV with coordinates.

Every failure becomes one :class:`~seriana_gis._errors.DataError` naming the
file (and layer) and saying how to fix it: a missing file, an unknown layer in
a multi-layer file (the message lists the layers), a corrupt or unsupported
file, a CSV without its coordinate columns or with non-numeric coordinates.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from .._errors import CRSError, DataError
from ..layers.crs import check_coordinates

logger = logging.getLogger(__name__)

_X_NAMES = ("x", "lon", "lng", "longitude", "easting", "est", "coord_x")
_Y_NAMES = ("y", "lat", "latitude", "northing", "nord", "coord_y")


def _find(columns: list[str], wanted: str | None, names: tuple[str, ...]) -> str | None:
    if wanted is not None:
        return wanted if wanted in columns else None
    lowered = {c.lower(): c for c in columns}
    for n in names:
        if n in lowered:
            return lowered[n]
    return None


def read_csv_points(
    path: str | Path,
    *,
    x: str | None = None,
    y: str | None = None,
    crs: str | None = None,
    as_text: bool = False,
) -> gpd.GeoDataFrame:
    """Read a CSV with coordinate columns as a point layer.

    Parameters
    ----------
    path
        The CSV file (UTF-8; comma or semicolon separated, as Italian
        spreadsheets often write it).
    x, y
        The coordinate columns; guessed from common names (``x``/``lon``/
        ``longitude``/``easting``, ``y``/``lat``/``latitude``/``northing``) when omitted.
    crs
        The CRS of the coordinates. Required: a CSV cannot carry one.
    as_text
        Keep every column other than the coordinates as text, as written
        (``"12.500"`` stays ``"12.500"``), for a reader that parses numbers
        under a declared convention (:mod:`seriana_gis.sources.numbers`).
        Otherwise pandas reads numbers with a dot decimal point.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    p = Path(path)
    try:
        df = pd.read_csv(
            p, sep=None, engine="python", encoding="utf-8-sig", dtype=str if as_text else None
        )
    except FileNotFoundError:
        msg = f"{p} not found. Check the path in the configuration or on the command line."
        raise DataError(msg) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"cannot read CSV {p}: {exc}. Save it as UTF-8 CSV with a header row."
        raise DataError(msg) from None
    cols = [str(c) for c in df.columns]
    xc, yc = _find(cols, x, _X_NAMES), _find(cols, y, _Y_NAMES)
    if xc is None or yc is None:
        msg = (
            f"CSV {p}: cannot find the coordinate columns (x={x or 'guessed'}, "
            f"y={y or 'guessed'}). Columns present: {', '.join(cols)}. Name them with "
            "'x:' and 'y:' in the layer's source (configuration) or --x/--y."
        )
        raise DataError(msg)
    if crs is None:
        msg = (
            f"CSV {p} has no coordinate reference system. Declare it with 'crs: EPSG:4326' "
            "(longitude/latitude) or 'crs: EPSG:32632' (UTM 32N metres) in the layer's source."
        )
        raise CRSError(msg)
    xs = pd.to_numeric(df[xc], errors="coerce")
    ys = pd.to_numeric(df[yc], errors="coerce")
    bad = df.index[xs.isna() | ys.isna()]
    if len(bad):
        rows = ", ".join(str(i + 2) for i in bad[:10])
        msg = (
            f"CSV {p}: non-numeric or missing coordinates in columns {xc}/{yc} on line(s) {rows}. "
            "Use a dot as decimal separator and fill every coordinate."
        )
        raise DataError(msg)
    geometry = gpd.points_from_xy(xs, ys)
    return gpd.GeoDataFrame(df.drop(columns=[xc, yc]), geometry=geometry, crs=crs)


def read_vector(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    x: str | None = None,
    y: str | None = None,
    as_text: bool = False,
) -> gpd.GeoDataFrame:
    """Read any OGR-readable vector file, or a CSV with coordinates.

    Parameters
    ----------
    path
        The file (GeoPackage, Shapefile, GeoJSON, FlatGeobuf, KML, GPX, CSV, ...).
    layer
        The layer of a multi-layer file; required when the file has several.
    crs
        A CRS to declare when the file has none (never used to override one).
    x, y
        Coordinate columns of a CSV.
    as_text
        For a CSV, keep the columns other than the coordinates as written
        (see :func:`read_csv_points`); other formats carry their field types.

    Returns
    -------
    geopandas.GeoDataFrame
        As read; validation is the caller's job (:func:`~seriana_gis.layers.validate_layer`).
    """
    p = Path(path)
    if not p.exists():
        msg = f"{p} not found. Check the path in the configuration or on the command line."
        raise DataError(msg)
    if p.suffix.lower() in (".csv", ".txt"):
        gdf = read_csv_points(p, x=x, y=y, crs=crs, as_text=as_text)
        check_coordinates(gdf, where=str(p))
        return gdf
    try:
        layers = pyogrio.list_layers(p)
    except Exception as exc:  # pyogrio raises several DataSourceError flavours
        msg = (
            f"cannot open {p} as a vector file ({exc}). The file may be corrupt or in an "
            "unsupported format: open it in QGIS and save it as GeoPackage."
        )
        raise DataError(msg) from None
    names = [str(n) for n in layers[:, 0]]
    if layer is None and len(names) > 1:
        msg = f"{p} holds several layers ({', '.join(names)}); say which with 'layer:' or --layer."
        raise DataError(msg)
    if layer is not None and layer not in names:
        msg = f"{p} has no layer {layer!r}. Layers in the file: {', '.join(names)}."
        raise DataError(msg)
    try:
        gdf = gpd.read_file(p, layer=layer, engine="pyogrio")
    except Exception as exc:
        msg = (
            f"cannot read {p}{f' layer {layer}' if layer else ''}: {exc}. The file may be corrupt."
        )
        raise DataError(msg) from None
    if gdf.crs is None and crs is not None:
        gdf = gdf.set_crs(crs)
    check_coordinates(gdf, where=f"{p}{f' layer {layer}' if layer else ''}")
    return gdf
