"""Trails and cycle paths from GPX or GeoJSON files, as ``tourism_assets`` rows.

A GPX file gives one row per track (its ``tracks`` layer; the elevation comes
from its ``track_points``); a GeoJSON (or any OGR line file) gives one row per
line feature. Each row gets a name (the track name, else a ``name`` or
``file`` column, else the file name), the category (``trail`` unless the
caller says ``cycle_path``), its length in km and, where the data carry
elevations, the total ascent in metres.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._errors import DataError
from .files import read_vector

#: Elevation changes below this (metres) between successive points are treated as GPS noise.
ASCENT_NOISE_M = 2.0


def _ascent(z: np.ndarray) -> float:
    """Total ascent of an elevation profile, ignoring changes below :data:`ASCENT_NOISE_M`.

    A simple hysteresis: the reference elevation moves only when the profile
    has risen or fallen by more than the threshold from it.
    """
    if z.size < 2 or np.isnan(z).all():
        return float("nan")
    z = z[~np.isnan(z)]
    ref = z[0]
    total = 0.0
    for value in z[1:]:
        if value - ref > ASCENT_NOISE_M:
            total += value - ref
            ref = value
        elif ref - value > ASCENT_NOISE_M:
            ref = value
    return float(total)


def _gpx(path: Path) -> gpd.GeoDataFrame:
    tracks = read_vector(path, layer="tracks")
    if len(tracks) == 0:
        msg = f"GPX file {path} has no tracks. Export the route as a track (trk) from your GPS app."
        raise DataError(msg)
    points = read_vector(path, layer="track_points")
    ascents = []
    for i in range(len(tracks)):
        sub = points[points["track_fid"] == i] if "track_fid" in points.columns else points
        ele = pd.to_numeric(sub.get("ele"), errors="coerce") if "ele" in sub.columns else None
        ascents.append(_ascent(ele.to_numpy(dtype=float)) if ele is not None else float("nan"))
    names = [
        n if isinstance(n, str) and n.strip() else f"{path.stem} {i + 1}"
        for i, n in enumerate(tracks.get("name", [None] * len(tracks)))
    ]
    return gpd.GeoDataFrame(
        {"name": names, "ascent_m": ascents, "file": path.name},
        geometry=tracks.geometry.to_numpy(),
        crs=tracks.crs,
    )


def _lines(path: Path) -> gpd.GeoDataFrame:
    gdf = read_vector(path)
    lines = gdf.geometry.geom_type.isin(("LineString", "MultiLineString"))
    if not lines.all():
        bad = list(gdf.index[~lines][:10])
        msg = f"{path}: features {bad} are not lines; a trail file must hold LineStrings."
        raise DataError(msg)
    if "name" in gdf.columns:
        names = gdf["name"].astype(str)
    elif "file" in gdf.columns:
        names = gdf["file"].astype(str).str.replace(r"\.gpx$", "", regex=True)
    else:
        names = pd.Series([f"{path.stem} {i + 1}" for i in range(len(gdf))], index=gdf.index)
    ascents = [
        _ascent(shapely.get_coordinates(g, include_z=True)[:, 2]) if g.has_z else float("nan")
        for g in gdf.geometry
    ]
    return gpd.GeoDataFrame(
        {"name": names.to_numpy(), "ascent_m": ascents, "file": path.name},
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )


def read_trails(
    path: str | Path,
    *,
    category: str = "trail",
    id_prefix: str | None = None,
    crs: str = "EPSG:32632",
) -> gpd.GeoDataFrame:
    """Read a GPX or line file as tourism-asset rows.

    Parameters
    ----------
    path
        A ``.gpx`` file, or a GeoJSON/GeoPackage/... of LineStrings (2D or 3D).
    category
        ``trail`` or ``cycle_path``.
    id_prefix
        Prefix of the generated ids (the file stem by default).
    crs
        The CRS of the result.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id``, ``name``, ``category``, ``length_km``, ``ascent_m``,
        ``source_note``; 2D line geometry in ``crs``.
    """
    p = Path(path)
    raw = _gpx(p) if p.suffix.lower() == ".gpx" else _lines(p)
    if raw.crs is None:
        msg = (
            f"{p} has no CRS; GPX is always WGS84, so re-export it, or give a GeoJSON (EPSG:4326)."
        )
        raise DataError(msg)
    flat = raw.set_geometry(shapely.force_2d(raw.geometry.to_numpy()), crs=raw.crs)
    if flat.crs is not None and flat.crs.to_epsg() == 4979:
        flat = flat.set_crs("EPSG:4326", allow_override=True)  # 3D WGS84 -> its 2D horizontal part
    flat = flat.to_crs(crs)
    prefix = id_prefix or p.stem
    return gpd.GeoDataFrame(
        {
            "id": [f"{prefix}_{i + 1:03d}" for i in range(len(flat))],
            "name": flat["name"].to_numpy(),
            "category": category,
            "length_km": flat.geometry.length.to_numpy() / 1000.0,
            "ascent_m": flat["ascent_m"].to_numpy(),
            "source_note": [f"GPS track from {f}" for f in flat["file"]],
        },
        geometry=flat.geometry.to_numpy(),
        crs=crs,
    )
