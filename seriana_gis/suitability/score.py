"""Scoring: constraints, standardisation, aggregation, ranks and best use.

For a profile ``p`` with criteria ``c`` :func:`score_profile` returns, on the
sites' index:

``excluded_{p}``
    Empty for a scored site; otherwise every reason it was not scored,
    joined by ``"; "`` (area below the minimum, too far from the nearest road node,
    intersecting an excluded layer, a test of ``exclude_where`` on its own
    columns, a missing criterion value). A missing value is never scored as
    zero: it excludes the site unless the criterion states a
    ``missing_score``, the standardised value it then takes.
``contrib_{p}_{c}``
    The criterion's contribution :math:`w_c s_{ic}` (weight times
    standardised value). Under WLC the contributions sum to the score; under
    TOPSIS and OWA they show each criterion's weighted standing but do not
    sum to it.
``score_{p}``
    The aggregated suitability in [0, 1] (NaN when not scored).
``rank_{p}``
    1 for the best scored site; ties share the best rank (``min`` method);
    missing (``<NA>``) when not scored, so an excluded site never ranks above
    a scored one.
``why_{p}``
    Why this rank, in words: the criteria that help and hurt the site most,
    with its values (:mod:`seriana_gis.suitability.explain`); for a site not
    scored, ``"excluded: "`` and the reasons.

Standardisations that depend on the other sites (``linear_minmax``,
``ideal`` without a width) are computed over the scored sites only.
:func:`best_use` compares the profiles' scores: ``best_use`` is the profile
with the highest score, ``best_use_margin`` its lead over the second best
(NaN when only one profile scored the site).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import columns
from .._errors import ConfigError, DataError
from ..config import closest
from .aggregate import aggregate
from .exclusions import exclusion_reasons
from .explain import why_texts
from .indicators import _require_geo, compute_indicators, drop_unavailable, given_hint
from .profile import Profile

FloatArray = npt.NDArray[np.float64]


def _column(frame: pd.DataFrame, name: str, *, where: str, why: str) -> pd.Series:
    if name not in frame.columns:
        cols = [str(c) for c in frame.columns]
        hint = closest(name, cols)
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        msg = f"{where}: {why} needs column {name!r}, which the sites do not have.{did}"
        raise ConfigError(msg)
    raw = frame[name]
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    bad = values.isna() & raw.notna()
    if bad.any():
        examples = ", ".join(f"{i!r}: {raw[i]!r}" for i in raw.index[bad][:3])
        msg = (
            f"{where}: column {name!r} must hold numbers, but {int(bad.sum())} value(s) are "
            f"not ({examples}); fix the data or the column mapping."
        )
        raise DataError(msg)
    return values


def constraint_reasons(
    sites: pd.DataFrame, profile: Profile, *, layers: Mapping[str, Any] | None = None
) -> list[list[str]]:
    """Why each site is excluded from ``profile`` by its constraints.

    Parameters
    ----------
    sites
        The sites (a GeoDataFrame when the profile excludes by intersection).
    profile
        The profile.
    layers
        Polygon layers named by ``constraints.exclude_intersecting``.

    Returns
    -------
    list of list of str
        One list of reasons per site (empty when it passes).
    """
    cons = profile.constraints
    where = f"{profile.where}, constraints"
    reasons = exclusion_reasons(sites, cons.exclude_where, where=f"{where}.exclude_where")
    if cons.min_area_m2 is not None:
        area = _column(sites, cons.area_column, where=where, why="min_area_m2").to_numpy()
        for i in np.flatnonzero(np.isnan(area)):
            reasons[i].append(f"area unknown ({cons.area_column} missing)")
        for i in np.flatnonzero(area < cons.min_area_m2):
            reasons[i].append(f"area {area[i]:,.0f} m² < minimum {cons.min_area_m2:,.0f} m²")
    if cons.max_snap_m is not None:
        snap = _column(sites, cons.snap_column, where=where, why="max_snap_m").to_numpy()
        for i in np.flatnonzero(np.isnan(snap)):
            reasons[i].append(
                f"distance to the nearest road node unknown ({cons.snap_column} missing)"
            )
        for i in np.flatnonzero(snap > cons.max_snap_m):
            # the snap distance is to the nearest node of the graph, not to a road: a site on a
            # street the (skeletal) graph leaves out is far from its nodes, not from any road
            reasons[i].append(
                f"nearest road node {snap[i]:,.0f} m away > maximum {cons.max_snap_m:,.0f} m "
                "(travel times unreliable)"
            )
    if cons.exclude_intersecting:
        import shapely

        _require_geo(sites, what="the sites")
        given = dict(layers or {})
        for name in cons.exclude_intersecting:
            if name not in given:
                hint = closest(name, tuple(given))
                did = f" Did you mean {hint[0]!r}?" if hint else ""
                msg = (
                    f"{where}.exclude_intersecting: layer {name!r} was not given.{did} "
                    f"Given layers: {', '.join(given) or 'none'}. {given_hint('layer', name)}"
                )
                raise ConfigError(msg)
            poly = _require_geo(given[name], what=f"layer {name!r}")
            if poly.crs != sites.crs:
                from .._errors import CRSError

                msg = (
                    f"layer {name!r} is in {poly.crs.to_string()} but the sites are in "
                    f"{sites.crs.to_string()}; reproject it with .to_crs(...)."
                )
                raise CRSError(msg)
            tree = shapely.STRtree(poly.geometry.to_numpy())
            src, _ = tree.query(sites.geometry.to_numpy(), predicate="intersects")
            for i in np.unique(src):
                reasons[int(i)].append(f"intersects {name}")
    return reasons


def raw_matrix(sites: pd.DataFrame, profile: Profile) -> FloatArray:
    """The raw indicator values, ``(n_sites, n_criteria)`` float (NaN when missing)."""
    cols = []
    for c in profile.criteria:
        cols.append(
            _column(
                sites,
                c.indicator.key,
                where=f"{profile.where}, criteria.{c.name}",
                why="the indicator",
            ).to_numpy()
        )
    return np.column_stack(cols) if cols else np.empty((len(sites), 0))


def standardise_matrix(raw: FloatArray, profile: Profile) -> FloatArray:
    """Standardise each column of ``raw`` (``(..., n_sites, m)``) by its criterion.

    A missing value takes the criterion's ``missing_score`` when it states
    one (and stays NaN otherwise: such sites are excluded before scoring).
    """
    out = np.empty_like(raw, dtype=np.float64)
    for j, c in enumerate(profile.criteria):
        col = c.standardisation.apply(raw[..., j], direction=c.direction)
        if c.missing_score is not None:
            col = np.where(np.isnan(raw[..., j]), c.missing_score, col)
        out[..., j] = col
    return out


def aggregate_profile(s: FloatArray, w: FloatArray, profile: Profile) -> FloatArray:
    """Aggregate standardised values ``s`` with weights ``w`` as the profile says."""
    agg = profile.aggregation
    return aggregate(s, w, method=agg.method, order_weights=agg.order_weights, ideal=agg.ideal)


def rank_desc(
    scores: npt.ArrayLike, *, dtype: type[np.integer[Any]] = np.int64
) -> npt.NDArray[Any]:
    """Ranks of ``scores`` along the last axis, 1 for the highest, ties sharing the best rank."""
    return rank_desc_details(scores, dtype=dtype)[0]


def rank_desc_details(
    scores: npt.ArrayLike, *, dtype: type[np.integer[Any]] = np.int64
) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp], npt.NDArray[Any], npt.NDArray[np.bool_]]:
    """:func:`rank_desc` with its by-products.

    Returns
    -------
    ranks
        As :func:`rank_desc`.
    order
        The indices sorting each row by descending score.
    sorted_ranks
        ``ranks`` in that order (non-decreasing along the last axis).
    tied
        Per row (leading axes), whether any two scores are equal.
    """
    a = np.asarray(scores, dtype=np.float64)
    # the order among equal scores does not matter (they get the same rank),
    # so the fast unstable sort is fine; reversing an ascending sort avoids
    # negating the scores
    order = np.argsort(a, axis=-1)[..., ::-1]
    srt = np.take_along_axis(a, order, axis=-1)
    n = a.shape[-1]
    pos = np.broadcast_to(np.arange(1, n + 1, dtype=dtype), a.shape)
    tied = srt[..., 1:] == srt[..., :-1]
    row_tied = tied.any(axis=-1)
    if row_tied.any():
        new = np.ones(a.shape, dtype=bool)
        new[..., 1:] = ~tied
        pos = np.maximum.accumulate(np.where(new, pos, 0), axis=-1).astype(dtype, copy=False)
    ranks = np.empty(a.shape, dtype=dtype)
    np.put_along_axis(ranks, order, pos, axis=-1)
    return ranks, order, pos, row_tied


def score_profile(
    sites: pd.DataFrame, profile: Profile, *, layers: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Score, rank and explain every site for one profile.

    Parameters
    ----------
    sites
        The sites with one column per indicator (see
        :func:`~seriana_gis.suitability.indicators.compute_indicators` for
        computed ones).
    profile
        The profile.
    layers
        Polygon layers for ``constraints.exclude_intersecting``.

    Returns
    -------
    pandas.DataFrame
        On ``sites.index``: ``excluded_{p}``, ``contrib_{p}_{c}`` per
        criterion, ``score_{p}``, ``rank_{p}`` (see the module docstring).
    """
    p = profile.name
    reasons = constraint_reasons(sites, profile, layers=layers)
    raw = raw_matrix(sites, profile)
    # a value a constraint already reported missing ("area unknown") is not said again
    cons = profile.constraints
    said = {cons.area_column} if cons.min_area_m2 is not None else set()
    said |= {cons.snap_column} if cons.max_snap_m is not None else set()
    for j, c in enumerate(profile.criteria):
        if c.missing_score is not None or c.indicator.key in said:
            continue
        for i in np.flatnonzero(~np.isfinite(raw[:, j])):
            reasons[i].append(f"missing value of {c.indicator.key} (criterion {c.name})")
    ok = np.fromiter((not r for r in reasons), dtype=bool, count=len(reasons))
    n, m = raw.shape
    contrib = np.full((n, m), np.nan)
    score = np.full(n, np.nan)
    rank = pd.array([pd.NA] * n, dtype="Int64")
    s = np.empty((0, m))
    if ok.any():
        w = profile.weights
        s = standardise_matrix(raw[ok], profile)
        contrib[ok] = s * w
        score[ok] = aggregate_profile(s, w, profile)
        rank[ok] = rank_desc(score[ok])
    data: dict[str, Any] = {columns.excluded(p): ["; ".join(r) if r else "" for r in reasons]}
    for j, c in enumerate(profile.criteria):
        data[columns.contribution(p, c.name)] = contrib[:, j]
    data[columns.score(p)] = score
    data[columns.rank(p)] = rank
    data[columns.why(p)] = why_texts(raw, s, profile, scored=ok, reasons=reasons)
    return pd.DataFrame(data, index=sites.index)


def best_use(scores: pd.DataFrame, profiles: Sequence[str]) -> pd.DataFrame:
    """The best-scoring profile per site and its margin over the second best.

    Parameters
    ----------
    scores
        A frame with ``score_{p}`` for each profile ``p``.
    profiles
        The profile names to compare.

    Returns
    -------
    pandas.DataFrame
        ``best_use`` (profile name, ``<NA>`` when no profile scored the site;
        ties go to the first profile listed) and ``best_use_margin`` (best
        minus second-best score, NaN with fewer than two scores).
    """
    names = list(profiles)
    mat = np.column_stack([scores[columns.score(p)].to_numpy(dtype=np.float64) for p in names])
    filled = np.where(np.isnan(mat), -np.inf, mat)
    best = np.argmax(filled, axis=1)
    any_scored = [bool(v) for v in np.asarray(np.isfinite(filled).any(axis=1))]
    use = pd.array(
        [names[b] if a else pd.NA for b, a in zip(best.tolist(), any_scored, strict=True)],
        dtype="string",
    )
    srt = -np.sort(-filled, axis=1)
    if len(names) >= 2:
        two = np.isfinite(srt[:, 1])
        margin = np.full(len(scores), np.nan)
        margin[two] = srt[two, 0] - srt[two, 1]
    else:
        margin = np.full(len(scores), np.nan)
    return pd.DataFrame(
        {columns.BEST_USE: use, columns.BEST_USE_MARGIN: margin}, index=scores.index
    )


def score_sites(
    sites: pd.DataFrame,
    profiles: Mapping[str, Profile],
    *,
    layers: Mapping[str, Any] | None = None,
    rasters: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Score every profile and choose the best use of each site.

    Parameters
    ----------
    sites
        The brownfields joined with their indicator columns.
    profiles
        Profile name → profile.
    layers, rasters
        Other layers for computed indicators and intersection constraints.

    Returns
    -------
    pandas.DataFrame
        A new frame on ``sites.index``: the indicators computed from other
        layers (see :func:`computed_keys`), then for each profile the columns
        of :func:`score_profile`, then ``best_use`` and ``best_use_margin``.
        Column indicators, the sites' own columns, are not repeated.
    """
    if not profiles:
        msg = "no profiles given; load them with seriana_gis.suitability.load_profiles()."
        raise ConfigError(msg)
    profiles, _ = drop_unavailable(profiles, layers=layers, rasters=rasters, columns=sites.columns)
    frame = compute_indicators(sites, profiles, layers=layers, rasters=rasters)
    return score_frame(frame, profiles, layers=layers)


def computed_keys(profiles: Mapping[str, Profile]) -> list[str]:
    """The columns of the indicators computed from other layers, in profile order."""
    keys: list[str] = []
    for prof in profiles.values():
        for c in prof.criteria:
            if c.indicator.kind != "column" and c.indicator.key not in keys:
                keys.append(c.indicator.key)
    return keys


def score_frame(
    frame: pd.DataFrame, profiles: Mapping[str, Profile], *, layers: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """:func:`score_sites` on a frame that already holds every indicator column."""
    if not profiles:
        msg = "no profiles given; load them with seriana_gis.suitability.load_profiles()."
        raise ConfigError(msg)
    added = computed_keys(profiles)
    parts = [pd.DataFrame(frame[added])] if added else []
    for name, prof in profiles.items():
        if name != prof.name:
            msg = f"profile registered as {name!r} is named {prof.name!r}; use the same name."
            raise ConfigError(msg)
        parts.append(score_profile(frame, prof, layers=layers))
    out = pd.concat(parts, axis=1)
    return pd.concat([out, best_use(out, list(profiles))], axis=1)
