"""Coordinate reference systems checked on entry: the codes, and the coordinates against them.

Three mistakes get through a plain reprojection: an unknown code, a
geographic CRS (degrees) given as the analysis CRS, and coordinates declared
in the wrong CRS (longitude/latitude declared as UTM metres, or the other way
round), which put a layer thousands of kilometres away or outside the valid
range of its CRS. :func:`parse_crs` and :func:`check_analysis_crs` refuse the
first two; :func:`check_coordinates` the third, and names the CRS the
coordinates most likely are in: of the CRSs used for Italian data
(:data:`CANDIDATES`), the one that puts the features in the study area.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from pyproj.exceptions import CRSError as ProjCRSError
from shapely.geometry.base import BaseGeometry

from .._errors import ConfigError, CRSError

#: CRSs Italian data come in, tried when the declared one does not fit.
CANDIDATES: tuple[tuple[str, str], ...] = (
    ("EPSG:4326", "WGS 84, longitude/latitude in degrees"),
    ("EPSG:32632", "WGS 84 / UTM zone 32N, metres"),
    ("EPSG:25832", "ETRS89 / UTM zone 32N, metres"),
    ("EPSG:6707", "RDN2008 / UTM zone 32N, metres"),
    ("EPSG:23032", "ED50 / UTM zone 32N, metres"),
    ("EPSG:3003", "Monte Mario / Italy zone 1 (Gauss-Boaga west), metres"),
    ("EPSG:3004", "Monte Mario / Italy zone 2 (Gauss-Boaga east), metres"),
    ("EPSG:32633", "WGS 84 / UTM zone 33N, metres"),
    ("EPSG:3857", "WGS 84 / Pseudo-Mercator (web maps), metres"),
)
#: A layer whose every feature lies farther than this from the study area is refused.
FAR_KM = 100.0
#: Features of a layer tested (the first ones; enough to tell a CRS).
_SAMPLE = 500


def parse_crs(value: object, *, where: str) -> pyproj.CRS:
    """A CRS from a code (``EPSG:32632``), else a :class:`ConfigError` naming ``where``."""
    try:
        return pyproj.CRS.from_user_input(value)
    except (ProjCRSError, TypeError, ValueError):
        msg = (
            f"{where}: {value!r} is not a coordinate reference system PROJ knows. Give an "
            "EPSG code such as EPSG:4326 (longitude/latitude) or EPSG:32632 (UTM 32N metres)."
        )
        raise ConfigError(msg) from None


def check_analysis_crs(value: object, *, where: str) -> str:
    """The analysis CRS, refused unless projected in metres.

    Parameters
    ----------
    value
        The configured CRS (``crs:`` of the study area).
    where
        The configuration file and key, for the message.

    Returns
    -------
    str
        The CRS as given.

    Raises
    ------
    ConfigError
        An unknown code, a geographic CRS or one whose unit is not the metre.
    """
    crs = parse_crs(value, where=where)
    unit = crs.axis_info[0].unit_name if crs.axis_info else "unknown"
    if not crs.is_projected or unit not in ("metre", "meter"):
        kind = "geographic (degrees)" if crs.is_geographic else f"in {unit}s"
        msg = (
            f"{where}: {value} ({crs.name}) is {kind}; distances, areas and travel times "
            "need a projected CRS in metres, such as EPSG:32632 (UTM zone 32N, the Seriana "
            "valley's) or EPSG:6707 (RDN2008 / UTM zone 32N)."
        )
        raise ConfigError(msg)
    return str(value)


def _points(gdf: gpd.GeoDataFrame) -> np.ndarray:
    geoms = gdf.geometry.iloc[:_SAMPLE]
    geoms = geoms[~(geoms.isna() | geoms.is_empty)]
    if len(geoms) == 0:
        return np.empty((0, 2))
    xy = shapely.get_coordinates(geoms.to_numpy())  # the vertices: enough to tell a CRS
    return xy[:: max(1, len(xy) // 2000)]


def _share_in(
    xy: np.ndarray, crs: pyproj.CRS, area: BaseGeometry, area_crs: pyproj.CRS, tol_m: float
) -> tuple[float, float]:
    """Share of points within ``tol_m`` of ``area`` read in ``crs``, and the nearest distance (m)."""
    with np.errstate(all="ignore"):
        tf = pyproj.Transformer.from_crs(crs, area_crs, always_xy=True)
        x, y = tf.transform(xy[:, 0], xy[:, 1], errcheck=False)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return 0.0, math.inf
    d = shapely.distance(area, shapely.points(np.column_stack([x[ok], y[ok]])))
    return float((d <= tol_m).sum() / len(xy)), float(d.min())


def _outside_area_of_use(xy: np.ndarray, crs: pyproj.CRS) -> str | None:
    """Where the coordinates lie if outside ``crs``'s range or area of use, else None."""
    why = _out_of_range(xy, crs)
    if why is not None:
        return why
    if crs.is_geographic:
        lon, lat = xy[:, 0], xy[:, 1]
    else:
        with np.errstate(all="ignore"):
            tf = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
            lon, lat = tf.transform(xy[:, 0], xy[:, 1], errcheck=False)
    aou = crs.area_of_use
    if aou is None:
        return None
    margin = 1.0  # degrees
    out = (
        (lon < aou.west - margin)
        | (lon > aou.east + margin)
        | (lat < aou.south - margin)
        | (lat > aou.north + margin)
    )
    if out.mean() > 0.5:
        i = int(np.argmax(out))
        return (
            f"they lie at longitude {lon[i]:.2f}, latitude {lat[i]:.2f}, outside the area "
            f"where this CRS is used (longitude {aou.west:g} to {aou.east:g}, latitude "
            f"{aou.south:g} to {aou.north:g})"
        )
    return None


def check_coordinates(
    gdf: gpd.GeoDataFrame,
    *,
    where: str,
    area: BaseGeometry | None = None,
    area_crs: str | pyproj.CRS | None = None,
    tolerance_m: float = 0.0,
) -> None:
    """Refuse coordinates that do not fit the layer's declared CRS, naming the likely one.

    Without ``area``: refuses values outside the declared CRS's range
    (degrees beyond ±180/±90, points it cannot transform). With ``area``:
    also refuses a layer every feature of which lies more than :data:`FAR_KM`
    from the study area (the usual sign of a wrong CRS, or of a file of another
    place). The message names, of :data:`CANDIDATES`, the CRS in whose area of
    use the coordinates fall and that puts them in the study area.

    Parameters
    ----------
    gdf
        The layer as read, in its declared CRS (not changed).
    where
        The layer and its source, for the message.
    area
        The study area, in ``area_crs``.
    area_crs
        The CRS of ``area``.
    tolerance_m
        How far outside ``area`` a feature may lie and still count as in it.

    Raises
    ------
    CRSError
        Naming the declared CRS, what is wrong, and the likely CRS if one fits.
    """
    if gdf.crs is None or len(gdf) == 0:
        return
    declared = pyproj.CRS.from_user_input(gdf.crs)
    xy = _points(gdf)
    if len(xy) == 0:
        return
    why = _out_of_range(xy, declared)
    if why is None and area is not None and area_crs is not None:
        target = pyproj.CRS.from_user_input(area_crs)
        share, nearest = _share_in(xy, declared, area, target, tolerance_m)
        if share > 0 or nearest <= FAR_KM * 1000:
            return
        why = (
            f"read that way, every feature lies {nearest / 1000:,.0f} km or more from the "
            "study area"
        )
        place = _outside_area_of_use(xy, declared)
        why += f"; {place}" if place else ""
    if why is None:
        return
    likely = _likely(xy, declared, area=area, area_crs=area_crs, tolerance_m=tolerance_m)
    code = declared.to_epsg()
    name = f"EPSG:{code}" if code else declared.name
    msg = (
        f"{where}: its coordinates do not fit the CRS it declares, {name} ({declared.name}): {why}."
    )
    if likely is not None:
        cand, label, how = likely
        msg += (
            f" They fit {cand} ({label}): {how}. Declare 'crs: {cand}' in this layer's source "
            "(or set the right CRS in QGIS: Layer > Set CRS, then save again)."
        )
    else:
        msg += (
            " Check that the file is of this study area, and that its coordinates are in the "
            "CRS declared ('crs: EPSG:...' in this layer's source, or Layer > Set CRS in QGIS)."
        )
    raise CRSError(msg)


def _out_of_range(xy: np.ndarray, crs: pyproj.CRS) -> str | None:
    """Why the coordinates cannot be in ``crs`` at all (degrees out of range, untransformable)."""
    if crs.is_geographic:
        bad = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
        if bad.any():
            x, y = xy[np.argmax(bad)]
            return f"values such as ({x:,.0f}, {y:,.0f}) are not longitudes and latitudes"
        return None
    with np.errstate(all="ignore"):
        tf = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        lon, lat = tf.transform(xy[:, 0], xy[:, 1], errcheck=False)
    if not (np.isfinite(lon) & np.isfinite(lat)).all():
        return "some coordinates are outside the range of this CRS"
    return None


def _likely(
    xy: np.ndarray,
    declared: pyproj.CRS,
    *,
    area: BaseGeometry | None,
    area_crs: str | pyproj.CRS | None,
    tolerance_m: float,
) -> tuple[str, str, str] | None:
    """The candidate CRS that fits the coordinates best, with why, or None."""
    best: tuple[float, str, str, str] | None = None
    for code, label in CANDIDATES:
        cand = pyproj.CRS.from_user_input(code)
        if cand.equals(declared) or _outside_area_of_use(xy, cand) is not None:
            continue
        if area is not None and area_crs is not None:
            target = pyproj.CRS.from_user_input(area_crs)
            share, _ = _share_in(xy, cand, area, target, max(tolerance_m, 5_000.0))
            if share < 0.5:
                continue
            how = f"read that way, {share:.0%} of the features fall in the study area"
        else:
            share, how = 0.5, "read that way, they lie where that CRS is used"
        if best is None or share > best[0]:
            best = (share, code, label, how)
        if area is None:
            break  # without an area, the first plausible one in the list
    return None if best is None else best[1:]
