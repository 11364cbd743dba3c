"""Criteria computed from other layers.

Each function takes the sites (a GeoDataFrame in a projected CRS, metres) and
another layer, and returns a Series on the sites' index:

- :func:`distance_to_nearest`: metres from each site to the nearest feature;
- :func:`count_within`: features within a distance of each site;
- :func:`containing_value`: a column of the polygon containing each site's
  representative point (the municipality's old-age index, say);
- :func:`raster_value`: a raster band's value at each site's representative
  point (slope from a DEM), through rasterio;
- :func:`overlap_share`: the share of each footprint inside a polygon layer
  (a flood-hazard area);
- :func:`residents_within` (:mod:`.residents`): residents estimated near
  each footprint.

And from the sites alone:

- :func:`footprint_measure`: the compactness or area of each footprint;
- :func:`category_scores`: a column of text values scored by a table
  (heritage listing → a score).

:func:`compute_indicators` adds every indicator the profiles ask for to a copy
of the sites frame, with the column names of
:attr:`seriana_gis.suitability.profile.Indicator.key`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .._errors import ConfigError, CRSError, DataError, SerianaError
from ..columns import COLUMN_ORIGINS, distance_to
from ..config import closest
from .profile import SITE_KINDS, Indicator, Profile

logger = logging.getLogger(__name__)


def _require_geo(frame: Any, *, what: str) -> Any:
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        msg = (
            f"{what} must be a GeoDataFrame (with geometry) to compute spatial indicators "
            "or constraints; got a plain DataFrame."
        )
        raise DataError(msg)
    if frame.crs is None:
        msg = f"{what} has no CRS; set it (gdf.set_crs(...)) before the analysis."
        raise CRSError(msg)
    return frame


def _check_pair(sites: Any, other: Any, *, name: str) -> None:
    _require_geo(sites, what="the sites")
    _require_geo(other, what=f"layer {name!r}")
    if not sites.crs.is_projected:
        msg = (
            f"the sites are in {sites.crs.to_string()}, a geographic CRS; distances need "
            "metres: reproject with sites.to_crs('EPSG:32632')."
        )
        raise CRSError(msg)
    if sites.crs != other.crs:
        msg = (
            f"layer {name!r} is in {other.crs.to_string()} but the sites are in "
            f"{sites.crs.to_string()}; reproject it with .to_crs({sites.crs.to_string()!r})."
        )
        raise CRSError(msg)


def distance_to_nearest(sites: Any, features: Any, *, name: str = "features") -> pd.Series:
    """Distance in metres from each site to the nearest feature.

    Parameters
    ----------
    sites, features
        GeoDataFrames in the same projected CRS. Polygon sites are measured
        from their boundary (0 when a feature touches or lies inside).
    name
        The layer's name, for messages.

    Returns
    -------
    pandas.Series
        Float metres on ``sites.index``; NaN when ``features`` is empty.
    """
    _check_pair(sites, features, name=name)
    geoms = features.geometry.to_numpy()
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    out = np.full(len(sites), np.nan)
    if len(geoms):
        tree = shapely.STRtree(geoms)
        (src, _dst), dist = tree.query_nearest(
            sites.geometry.to_numpy(), return_distance=True, all_matches=False
        )
        out[src] = dist
    return pd.Series(out, index=sites.index, name=distance_to(name))


def count_within(
    sites: Any, features: Any, *, distance_m: float, name: str = "features"
) -> pd.Series:
    """Number of features within ``distance_m`` metres of each site.

    Parameters
    ----------
    sites, features
        GeoDataFrames in the same projected CRS.
    distance_m
        Search distance (a feature at exactly this distance counts).
    name
        The layer's name, for messages.

    Returns
    -------
    pandas.Series
        Integer counts on ``sites.index``.
    """
    _check_pair(sites, features, name=name)
    if distance_m < 0:
        msg = f"count_within: distance_m must be ≥ 0, got {distance_m}."
        raise ConfigError(msg)
    tree = shapely.STRtree(features.geometry.to_numpy())
    src, _dst = tree.query(sites.geometry.to_numpy(), predicate="dwithin", distance=distance_m)
    counts = np.bincount(src, minlength=len(sites))
    return pd.Series(counts.astype(np.int64), index=sites.index, name=f"n_{name}")


def containing_value(
    sites: Any, polygons: Any, *, column: str, name: str = "municipalities"
) -> pd.Series:
    """The value of ``column`` of the polygon containing each site.

    The site's representative point (itself for a point) is used, so a site
    straddling a boundary takes the value of one polygon (the first in layer
    order when the point lies on a shared boundary). Sites outside every
    polygon get NaN (and are then flagged by the scorer).

    Parameters
    ----------
    sites, polygons
        GeoDataFrames in the same projected CRS.
    column
        The column of ``polygons`` to read.
    name
        The polygon layer's name, for messages.

    Returns
    -------
    pandas.Series
        On ``sites.index``.
    """
    _check_pair(sites, polygons, name=name)
    if column not in polygons.columns:
        hint = closest(column, [str(c) for c in polygons.columns])
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        msg = f"layer {name!r} has no column {column!r}.{did}"
        raise ConfigError(msg)
    pts = shapely.point_on_surface(sites.geometry.to_numpy())
    tree = shapely.STRtree(polygons.geometry.to_numpy())
    src, dst = tree.query(pts, predicate="intersects")
    values = pd.Series(np.nan, index=range(len(sites)), dtype="float64")
    if len(src):
        srt = np.lexsort((dst, src))  # by site, then by polygon in layer order
        first = pd.Series(dst[srt], index=src[srt])
        first = first[~first.index.duplicated(keep="first")]
        vals = pd.to_numeric(polygons[column].to_numpy()[first.to_numpy()], errors="coerce")
        values.iloc[first.index.to_numpy()] = np.asarray(vals, dtype=np.float64)
    return pd.Series(values.to_numpy(), index=sites.index, name=f"{name}_{column}")


def raster_value(sites: Any, dataset: Any, *, band: int = 1, name: str = "raster") -> pd.Series:
    """A raster band's value at each site's representative point.

    Parameters
    ----------
    sites
        GeoDataFrame in the raster's CRS.
    dataset
        An open rasterio dataset (``rasterio.open(path)``; the caller owns it).
    band
        1-based band number.
    name
        The raster's name, for messages.

    Returns
    -------
    pandas.Series
        Float values on ``sites.index``; NaN for nodata and for points outside
        the raster.
    """
    _require_geo(sites, what="the sites")
    if dataset.crs is None:
        msg = f"raster {name!r} has no CRS."
        raise CRSError(msg)
    if sites.crs != dataset.crs:
        msg = (
            f"raster {name!r} is in {dataset.crs.to_string()} but the sites are in "
            f"{sites.crs.to_string()}; reproject the sites or the raster."
        )
        raise CRSError(msg)
    if not 1 <= band <= dataset.count:
        msg = f"raster {name!r} has {dataset.count} band(s); band {band} does not exist."
        raise ConfigError(msg)
    pts = shapely.point_on_surface(sites.geometry.to_numpy())
    xy = shapely.get_coordinates(pts)
    out = np.full(len(sites), np.nan)
    left, bottom, right, top = dataset.bounds
    inside = (xy[:, 0] >= left) & (xy[:, 0] <= right) & (xy[:, 1] >= bottom) & (xy[:, 1] <= top)
    if inside.any():
        vals = np.array(
            [v[0] for v in dataset.sample([tuple(p) for p in xy[inside]], indexes=band)],
            dtype=np.float64,
        )
        nodata = dataset.nodatavals[band - 1]
        if nodata is not None:
            vals[vals == nodata] = np.nan
        out[inside] = vals
    return pd.Series(out, index=sites.index, name=f"raster_{name}_b{band}")


def overlap_share(sites: Any, polygons: Any, *, name: str = "polygons") -> pd.Series:
    """The share of each site's footprint that lies inside ``polygons``.

    Parameters
    ----------
    sites, polygons
        GeoDataFrames in the same projected CRS.
    name
        The polygon layer's name, for messages.

    Returns
    -------
    pandas.Series
        Fractions 0–1 on ``sites.index``: intersected area over footprint
        area; for a point site 1 inside the polygons and 0 outside.
    """
    _check_pair(sites, polygons, name=name)
    geoms = sites.geometry.to_numpy()
    mask = [g for g in polygons.geometry.to_numpy() if g is not None and not g.is_empty]
    if not mask:
        return pd.Series(0.0, index=sites.index, name=f"share_{name}")
    union = shapely.union_all(mask)
    area = shapely.area(geoms)
    inside = shapely.area(shapely.intersection(geoms, union))
    point_in = shapely.intersects(geoms, union).astype(np.float64)
    share = np.where(area > 0, inside / np.where(area > 0, area, 1.0), point_in)
    return pd.Series(np.clip(share, 0.0, 1.0), index=sites.index, name=f"share_{name}")


def footprint_measure(
    sites: Any, *, measure: str, where: tuple[tuple[str, tuple[str, ...]], ...] = ()
) -> pd.Series:
    """A measure of each site's own polygon.

    ``compactness`` is the footprint's area over that of its smallest
    enclosing circle, :math:`A / (\\pi r^2)`: 1 for a disc, :math:`2/\\pi
    \\approx 0.64` for a square, 0.30 for a 1:4 rectangle, less for an L or a
    strip. Unlike the perimeter-based Polsby–Popper index it does not fall
    when a mapped outline follows every jog of a wall, so detailed and
    schematic outlines compare fairly. ``area_m2`` is the polygon's area.

    Parameters
    ----------
    sites
        GeoDataFrame in a projected CRS.
    measure
        ``compactness`` or ``area_m2``.
    where
        Measure only the sites whose column holds one of the values (for
        example the footprints whose ``geometry_quality`` says they are
        mapped outlines, not squares drawn at a documented position); the
        others get NaN, and so do points.

    Returns
    -------
    pandas.Series
        On ``sites.index``.
    """
    _require_geo(sites, what="the sites")
    if not sites.crs.is_projected:
        msg = f"the sites are in {sites.crs.to_string()}; footprint measures need metres."
        raise CRSError(msg)
    geoms = sites.geometry.to_numpy()
    area = shapely.area(geoms)
    if measure == "compactness":
        radius = shapely.minimum_bounding_radius(geoms)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = area / (np.pi * radius * radius)
    else:
        value = area.astype(np.float64)
    value = np.where(area > 0, value, np.nan)
    keep = np.ones(len(sites), dtype=bool)
    for col, values in where:
        if col not in sites.columns:
            logger.warning(
                "footprint %s: the sites have no column %r, so no footprint is measured "
                "(every site counts as unknown)",
                measure,
                col,
            )
            keep[:] = False
            continue
        keep &= sites[col].astype(str).isin(values).to_numpy()
    return pd.Series(np.where(keep, value, np.nan), index=sites.index, name=f"footprint_{measure}")


def category_scores(
    sites: Any, *, column: str, scores: tuple[tuple[str, float], ...], match: str = "exact"
) -> pd.Series:
    """A column of text values scored by a table.

    Parameters
    ----------
    sites
        The sites.
    column
        Their column of values (``heritage``).
    scores
        ``(value, score)`` pairs; the value ``"*"`` scores every value not
        listed, missing ones included. Values are matched ignoring case and
        surrounding spaces.
    match
        ``exact``: the site's value is a key; ``contains``: the site's value
        contains a key (the first in table order wins), for free text such
        as ``"vincolo on the office building"``.

    Returns
    -------
    pandas.Series
        Float scores on ``sites.index``; NaN for a missing value when the
        table has no ``"*"``.

    Raises
    ------
    ConfigError
        The sites lack the column.
    DataError
        A value neither listed nor caught by ``"*"`` (the message lists the table).
    """
    if column not in sites.columns:
        hint = closest(column, [str(c) for c in sites.columns])
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        msg = f"indicator 'category': the sites have no column {column!r}.{did}"
        raise ConfigError(msg)
    table = {str(k).strip().casefold(): float(v) for k, v in scores}
    other = table.get("*")
    out = np.full(len(sites), np.nan)
    for i, v in enumerate(sites[column].tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[i] = np.nan if other is None else other
            continue
        key = str(v).strip().casefold()
        if match == "contains":
            hit = next((k for k in table if k != "*" and k in key), None)
            key = hit if hit is not None else key
        if key in table and key != "*":
            out[i] = table[key]
        elif other is not None:
            out[i] = other
        else:
            listed = ", ".join(k for k, _ in scores)
            msg = (
                f"indicator 'category': site {sites.index[i]!r} has {column} {v!r}, which the "
                f"scores do not list ({listed}); add it, or add '\"*\": <score>' for the rest."
            )
            raise DataError(msg)
    return pd.Series(out, index=sites.index, name=f"{column}_score")


def select_features(
    features: Any, where: tuple[tuple[str, tuple[str, ...]], ...], *, name: str
) -> Any:
    """The features of a layer whose columns hold the given values (all if ``where`` is empty).

    Raises
    ------
    ConfigError
        A column the layer lacks (the message lists its columns), or no feature matching.
    """
    out = features
    for col, values in where:
        if col not in out.columns:
            cols = ", ".join(str(c) for c in features.columns if c != "geometry")
            msg = f"indicator 'where': layer {name!r} has no column {col!r}. Columns: {cols}."
            raise ConfigError(msg)
        out = out[out[col].astype(str).isin(values)]
    if where and len(out) == 0:
        conds = "; ".join(f"{c} in {list(v)}" for c, v in where)
        msg = f"indicator 'where': no feature of layer {name!r} has {conds}."
        raise ConfigError(msg)
    return out


def _compute_one(
    sites: Any, ind: Indicator, *, layers: Mapping[str, Any], rasters: Mapping[str, Any]
) -> pd.Series:
    if ind.kind == "footprint":
        assert ind.measure is not None
        return footprint_measure(sites, measure=ind.measure, where=ind.where)
    if ind.kind == "category":
        assert ind.column is not None
        return category_scores(sites, column=ind.column, scores=ind.scores, match=ind.match)
    assert ind.layer is not None
    if ind.kind == "residents_within":
        from .residents import residents_within

        assert ind.distance_m is not None and ind.column is not None
        return residents_within(
            sites,
            layers[ind.layer],
            distance_m=ind.distance_m,
            residential=layers.get(ind.residential) if ind.residential else None,
            population=ind.column,
        )
    if ind.kind == "overlap_share":
        feats = select_features(layers[ind.layer], ind.where, name=ind.layer)
        return overlap_share(sites, feats, name=ind.layer)
    if ind.kind == "distance_to":
        feats = select_features(layers[ind.layer], ind.where, name=ind.layer)
        return distance_to_nearest(sites, feats, name=ind.layer)
    if ind.kind == "count_within":
        assert ind.distance_m is not None
        feats = select_features(layers[ind.layer], ind.where, name=ind.layer)
        return count_within(sites, feats, distance_m=ind.distance_m, name=ind.layer)
    if ind.kind == "municipality_value":
        assert ind.column is not None
        return containing_value(sites, layers[ind.layer], column=ind.column, name=ind.layer)
    return raster_value(sites, rasters[ind.layer], band=ind.band, name=ind.layer)


def given_hint(what: str, name: str) -> str:
    """How to give a layer or raster a profile reads, on the command line and from Python."""
    return (
        f"Give it on the command line with --{what} {name}=PATH (seriana suitability), or "
        f"from Python in {what}s={{{name!r}: ...}}."
    )


def compute_indicators(
    sites: pd.DataFrame,
    profiles: Mapping[str, Profile],
    *,
    layers: Mapping[str, Any] | None = None,
    rasters: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Add every indicator the profiles need to a copy of ``sites``.

    Column indicators must already be columns of ``sites``; computed ones
    (distance, count, municipality value, raster) are computed from the layer
    or raster when it is given, replacing a column of the same name (a stale
    result of an earlier run), and added under their
    :attr:`~seriana_gis.suitability.profile.Indicator.key`; when it is not
    given, an existing column of that name is used as it is.

    Parameters
    ----------
    sites
        The sites (a GeoDataFrame when any indicator is spatial).
    profiles
        Profile name → :class:`~seriana_gis.suitability.profile.Profile`.
    layers
        Vector layers by name (``teb_stops``, ``municipalities``, …).
    rasters
        Open rasterio datasets by name.

    Returns
    -------
    pandas.DataFrame
        A copy of ``sites`` with the added columns.

    Raises
    ------
    ConfigError
        A criterion names a column the sites do not have, or a layer or
        raster that was not given (the message lists what is available and
        the closest names).
    """
    layers = dict(layers or {})
    rasters = dict(rasters or {})
    out = sites.copy()
    columns = [str(c) for c in sites.columns]
    done: dict[str, Indicator] = {}
    for profile in profiles.values():
        for c in profile.criteria:
            ind = c.indicator
            where = f"{profile.where}, criteria.{c.name}.indicator"
            if ind.kind == "column":
                if ind.key not in out.columns:
                    hint = closest(ind.key, columns)
                    did = f" Did you mean {hint[0]!r}?" if hint else ""
                    msg = (
                        f"{where}: the sites have no column {ind.key!r}.{did} "
                        f"Available columns: {', '.join(columns)}."
                    )
                    raise ConfigError(msg)
                continue
            if ind.key in done:
                if done[ind.key] != ind:
                    msg = (
                        f"{where}: column {ind.key!r} is also computed by another criterion "
                        "with other options; give one of them other options or the same ones."
                    )
                    raise ConfigError(msg)
                continue
            if ind.kind == "footprint" and ind.key in sites.columns and not hasattr(sites, "crs"):
                # precomputed on a frame without geometry (a table of sites): use it
                continue
            if (
                ind.kind == "category"
                and ind.column not in sites.columns
                and c.missing_score is not None
            ):
                logger.warning(
                    "%s: the sites have no column %r; every site counts as unknown (%g)",
                    where,
                    ind.column,
                    c.missing_score,
                )
                out[ind.key] = np.nan
                done[ind.key] = ind
                continue
            if ind.kind in SITE_KINDS:
                out[ind.key] = _compute_one(sites, ind, layers=layers, rasters=rasters)
                done[ind.key] = ind
                continue
            pool = rasters if ind.kind == "raster" else layers
            assert ind.layer is not None
            if ind.layer not in pool and ind.key in sites.columns:
                # precomputed (by an earlier run, or by the caller): use it
                continue
            if ind.layer not in pool:
                what = "raster" if ind.kind == "raster" else "layer"
                hint = closest(ind.layer, tuple(pool))
                did = f" Did you mean {hint[0]!r}?" if hint else ""
                msg = (
                    f"{where}: {what} {ind.layer!r} was not given.{did} Given {what}s: "
                    f"{', '.join(pool) or 'none'}. {given_hint(what, ind.layer)}"
                )
                raise ConfigError(msg)
            try:
                out[ind.key] = _compute_one(sites, ind, layers=layers, rasters=rasters)
            except SerianaError as exc:  # name the profile file and the criterion
                raise type(exc)(f"{where}: {exc}") from None
            done[ind.key] = ind
    return out


def drop_unavailable(
    profiles: Mapping[str, Profile],
    *,
    layers: Mapping[str, Any] | None = None,
    rasters: Mapping[str, Any] | None = None,
    columns: Iterable[str] | None = None,
) -> tuple[dict[str, Profile], list[str]]:
    """The profiles without their ``optional`` criteria whose input is not there.

    Parameters
    ----------
    profiles
        Profile name → profile.
    layers, rasters
        What the run is given.
    columns
        The sites' columns: an optional criterion reading a column the sites
        lack is left out too (``jobs_lost_reach``, which ``seriana
        accessibility`` writes only where the job-loss scenario describes the
        study area). None: column criteria are not checked here.

    Returns
    -------
    tuple
        The profiles to run (a left-out criterion's weight shared out over the
        others in proportion, :meth:`Profile.without`), and one note per
        profile that lost a criterion, saying which and why.
    """
    given_layers = dict(layers or {})
    given_rasters = dict(rasters or {})
    have = None if columns is None else {str(c) for c in columns}
    out: dict[str, Profile] = {}
    notes: list[str] = []
    for name, prof in profiles.items():
        dropped: dict[str, str] = {}  # criterion -> what it needs, and why it is left out
        for c in prof.criteria:
            ind = c.indicator
            if not c.optional or (ind.kind in SITE_KINDS and ind.kind != "column"):
                continue
            if ind.kind == "column":
                if have is not None and ind.key not in have:
                    origin = COLUMN_ORIGINS.get(ind.key)
                    need = f"column {ind.key!r}" + (f", {origin}" if origin else "")
                    dropped[c.name] = f"(needs {need}) left out: the sites lack it"
                continue
            pool = given_rasters if ind.kind == "raster" else given_layers
            if ind.layer not in pool:
                dropped[c.name] = f"(needs {ind.layer!r}) left out: not given"
        if not dropped:
            out[name] = prof
            continue
        out[name] = prof.without(list(dropped))
        what = "; ".join(f"{c} {why}" for c, why in dropped.items())
        note = f"{name}: optional criterion {what}; the others reweighted"
        logger.warning(note)
        notes.append(note)
    return out, notes
