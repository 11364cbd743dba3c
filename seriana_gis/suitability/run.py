"""The one-call suitability analysis: :func:`run_suitability`."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import columns
from .._errors import ConfigError
from .._parallel import blas_threads, usable_cores
from .indicators import compute_indicators, drop_unavailable
from .profile import Profile
from .robustness import (
    DEFAULT_CONCENTRATION,
    MonteCarloResult,
    monte_carlo_ranks,
    robustness_frame,
    stability_row,
)
from .score import raw_matrix, score_frame

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SuitabilityResult:
    """Everything :func:`run_suitability` computes.

    Attributes
    ----------
    scores
        On the sites' index: computed indicator columns; per profile ``p``
        ``excluded_{p}``, ``contrib_{p}_{criterion}``, ``score_{p}``,
        ``rank_{p}``; then ``best_use`` and ``best_use_margin``.
    robustness
        On the sites' index, per profile: ``mean_rank_{p}``, ``rank_p05_{p}``,
        ``rank_p95_{p}``, ``p_top{k}_{p}`` (NaN for sites not scored). Empty
        when ``n_draws`` is 0.
    stability
        One row per profile: ``n_sites``, ``n_draws``, ``concentration``,
        ``top_k``, ``spearman_mean``, ``spearman_p05``, ``spearman_min``,
        ``kendall_tau`` (base vs mean ranks), ``top_k_overlap``.
    profiles
        The profiles used (without the optional criteria whose layer was not
        given).
    seed
        The seed of the Monte Carlo draws.
    notes
        What the run had to leave out, in words (optional criteria without
        their layer).
    """

    scores: pd.DataFrame
    robustness: pd.DataFrame
    stability: pd.DataFrame
    profiles: Mapping[str, Profile] = field(default_factory=dict)
    seed: int = 0
    notes: tuple[str, ...] = ()

    @property
    def table(self) -> pd.DataFrame:
        """``scores`` and ``robustness`` side by side, one row per site."""
        return pd.concat([self.scores, self.robustness], axis=1)


def run_suitability(
    sites: pd.DataFrame,
    profiles: Mapping[str, Profile],
    *,
    seed: int = 0,
    n_draws: int = 1000,
    concentration: float | None = None,
    top_k: int | None = None,
    layers: Mapping[str, Any] | None = None,
    rasters: Mapping[str, Any] | None = None,
    max_chunk_bytes: float = 128e6,
    n_jobs: int | None = None,
) -> SuitabilityResult:
    """Score, rank and test the robustness of the sites for every profile.

    Parameters
    ----------
    sites
        The brownfields joined with their accessibility columns
        (``car_bgy_min``, ``walk_teb_min``, ``area_m2``, ``snap_m``, …); a
        GeoDataFrame when a profile computes spatial indicators or excludes by
        intersection. Not modified.
    profiles
        Profile name → :class:`~seriana_gis.suitability.profile.Profile`
        (see :func:`~seriana_gis.suitability.profile.load_profiles`).
    seed
        Seed of the Monte Carlo draws; the same seed gives the same result.
    n_draws
        Monte Carlo draws per profile; 0 skips the robustness analysis.
    concentration
        Dirichlet concentration of the weight draws for profiles that do not
        state one (default 100).
    top_k
        The k of "probability of being in the top k" for profiles that do
        not state one (default 10).
    layers
        Vector layers by name for computed indicators (``teb_stops``,
        ``municipalities``) and exclusion polygons (``flood_hazard``).
    rasters
        Open rasterio datasets by name for raster indicators.
    max_chunk_bytes
        Memory budget of the Monte Carlo draws in progress, shared by the
        profiles running at the same time (so memory does not grow with ``n_jobs``).
    n_jobs
        Profiles run at the same time, in threads (default: one per usable core,
        at most one per profile). The result does not depend on it. While the
        draws run, BLAS is held to one thread per profile
        (:func:`seriana_gis._parallel.blas_threads`):
        its products are small, and with BLAS's own threads competing for the
        cores the full benchmark took 89 s against 55 s on one thread (issue 16).

    Returns
    -------
    SuitabilityResult

    Raises
    ------
    ConfigError
        A profile names a column, layer or raster that is not there.

    Examples
    --------
    >>> from seriana_gis.suitability import load_profiles, run_suitability
    >>> result = run_suitability(sites, load_profiles(), seed=1, n_draws=1000)  # doctest: +SKIP
    >>> result.scores.sort_values("rank_logistics").head()  # doctest: +SKIP
    """
    if n_draws < 0:
        msg = f"n_draws must be ≥ 0, got {n_draws}."
        raise ConfigError(msg)
    profiles, notes = drop_unavailable(
        profiles, layers=layers, rasters=rasters, columns=sites.columns
    )
    for name, prof in profiles.items():
        if prof.is_relative:
            logger.warning(
                "%s standardises on the sites at hand (min-max, an ideal without a width or "
                "TOPSIS's observed ideal): adding or removing a site can reorder the others; "
                "state a scale (linear_range, fuzzy_*) in %s",
                name,
                prof.where,
            )
    frame = compute_indicators(sites, profiles, layers=layers, rasters=rasters)
    scores = score_frame(frame, profiles, layers=layers)
    rob_parts: list[pd.DataFrame] = []
    rows: dict[str, dict[str, float]] = {}
    settings: dict[str, tuple[float, int, npt.NDArray[np.bool_]]] = {}
    for name, prof in profiles.items():
        conc = prof.concentration or concentration or DEFAULT_CONCENTRATION
        k = prof.top_k or top_k or 10
        settings[name] = (conc, k, scores[columns.score(name)].notna().to_numpy())

    def one(name: str) -> MonteCarloResult | None:
        conc, k, scored = settings[name]
        if n_draws == 0 or not scored.any():
            return None
        prof = profiles[name]
        result = monte_carlo_ranks(
            raw_matrix(frame, prof)[scored],
            prof,
            seed=seed,
            n_draws=n_draws,
            concentration=conc,
            top_k=k,
            max_chunk_bytes=budget,
        )
        logger.info(
            "%s: %d sites, %d draws, mean Spearman %.3f",
            name,
            int(scored.sum()),
            n_draws,
            float(np.mean(result.spearman)),
        )
        return result

    jobs = max(1, min(n_jobs or usable_cores(), len(profiles)))
    budget = max_chunk_bytes / jobs
    with blas_threads(1):
        if jobs > 1:
            # numpy releases the GIL in sorting, ufuncs and BLAS, so threads
            # overlap; every profile has its own random streams, so the result
            # does not depend on n_jobs
            # each thread runs in a copy of this context, so progress reaches the reporter
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(contextvars.copy_context().run, one, n) for n in profiles]
                results = dict(zip(profiles, [f.result() for f in futures], strict=True))
        else:
            results = {name: one(name) for name in profiles}
    for name, result in results.items():
        conc, k, scored = settings[name]
        if n_draws > 0:
            rob_parts.append(robustness_frame(sites.index, scored, result, profile=name, top_k=k))
        rows[name] = stability_row(result, n_draws=n_draws, concentration=conc, top_k=k)
    robustness = pd.concat(rob_parts, axis=1) if rob_parts else pd.DataFrame(index=sites.index)
    stability = pd.DataFrame.from_dict(rows, orient="index")
    stability.index.name = "profile"
    return SuitabilityResult(
        scores=scores,
        robustness=robustness,
        stability=stability,
        profiles=dict(profiles),
        seed=seed,
        notes=tuple(notes),
    )


def municipality_summary(
    result: SuitabilityResult, sites: pd.DataFrame, *, column: str = "municipality"
) -> pd.DataFrame:
    """Summarise a run per municipality (for reports and the CLI).

    Parameters
    ----------
    result
        The output of :func:`run_suitability`.
    sites
        The sites the run scored (for their municipality column).
    column
        The column naming each site's municipality.

    Returns
    -------
    pandas.DataFrame
        One row per municipality: ``n_sites``; per profile ``p``
        ``n_scored_{p}``, ``mean_score_{p}``, ``best_score_{p}``,
        ``best_site_{p}`` (index label of the best site); and
        ``n_best_{p}``, the number of sites whose best use is ``p``.

    Raises
    ------
    ConfigError
        When ``sites`` has no ``column``.
    """
    if column not in sites.columns:
        msg = f"municipality_summary: the sites have no column {column!r}; pass column=..."
        raise ConfigError(msg)
    scores = result.scores
    key = sites[column].reindex(scores.index)
    parts: dict[str, pd.Series] = {"n_sites": key.groupby(key).size()}
    for p in result.profiles:
        s = scores[columns.score(p)]
        g = s.groupby(key)
        parts[f"n_scored_{p}"] = g.count()
        parts[f"mean_score_{p}"] = g.mean()
        parts[f"best_score_{p}"] = g.max()
        parts[f"best_site_{p}"] = s.dropna().groupby(key.loc[s.dropna().index]).idxmax()
        parts[f"n_best_{p}"] = (scores[columns.BEST_USE] == p).fillna(False).groupby(key).sum()
    out = pd.DataFrame(parts)
    out.index.name = column
    return out
