"""Monte Carlo robustness of the rankings.

Each draw perturbs a profile's weights and, for criteria that declare an
uncertainty, their values; the sites are re-standardised, re-aggregated and
re-ranked. Over the draws we report, per site, the mean rank, the 5–95 %
rank interval and the probability of being in the top k, and per profile how
stable the ranking is.

Weights
    :math:`w^{(d)} \\sim \\mathrm{Dirichlet}(\\kappa w)`: centred on the
    profile's weights :math:`w` (:math:`E[w^{(d)}] = w`) with variance
    :math:`w_j (1 - w_j) / (\\kappa + 1)`; the concentration :math:`\\kappa`
    is stated per profile or per run (100 by default: a weight of 0.3 then
    varies with a standard deviation of about 0.046). Criteria with zero
    weight stay at zero.
Values
    :math:`x^{(d)}_{ij} = x_{ij} + \\varepsilon \\sqrt{(\\sigma_r x_{ij})^2 + \\sigma^2}`,
    :math:`\\varepsilon \\sim N(0, 1)` independent per site, criterion and
    draw, for a criterion declaring ``relative_sd`` :math:`\\sigma_r` and/or
    ``sd`` :math:`\\sigma`.
Stability
    Spearman's :math:`\\rho` between each draw's ranks and the base ranks
    (Pearson correlation of the rank vectors; mean, 5th percentile and
    minimum over the draws), Kendall's :math:`\\tau_b` between the base ranks
    and the mean ranks, and the mean share of the base top k that stays in
    the top k.

Draws are made in chunks so that memory is bounded by ``max_chunk_bytes``
whatever the number of draws; the 5 % and 95 % rank quantiles are exact
(numpy's ``linear`` definition), kept by streaming the few smallest and
largest ranks of each site. The weight draws and the value draws of each
criterion come from independent streams seeded from ``(seed, profile name)``,
so results do not depend on the chunk size nor on which other profiles are
run.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from .._errors import ConfigError
from .profile import Profile
from .score import aggregate_profile, rank_desc, standardise_matrix

FloatArray = npt.NDArray[np.float64]
#: Default Dirichlet concentration of the weight draws.
DEFAULT_CONCENTRATION = 100.0
#: The rank quantiles reported.
QUANTILES: tuple[float, float] = (0.05, 0.95)


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-site statistics over the draws, for the scored sites only.

    Attributes
    ----------
    mean_rank, rank_p05, rank_p95, p_top_k
        One value per scored site, in input order.
    spearman
        Spearman's rho of each draw against the base ranking.
    kendall_tau
        Kendall's tau-b between the base ranks and the mean ranks.
    top_k_overlap
        Mean share of the base top k still in the top k of a draw.
    """

    mean_rank: FloatArray
    rank_p05: FloatArray
    rank_p95: FloatArray
    p_top_k: FloatArray
    spearman: FloatArray
    kendall_tau: float
    top_k_overlap: float
    base_rank: npt.NDArray[np.int64]


def _seed_sequences(seed: int, name: str, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent streams for ``(seed, profile name)``."""
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(zlib.crc32(name.encode("utf-8")),))
    return ss.spawn(n)


class _Extremes:
    """Streaming k smallest / k largest values per column (exact quantiles)."""

    def __init__(self, k_small: int, k_large: int) -> None:
        self.k_small = k_small
        self.k_large = k_large
        self.small: npt.NDArray[np.int32] | None = None
        self.large: npt.NDArray[np.int32] | None = None

    def update(self, block: npt.NDArray[np.int32]) -> None:
        small = block if self.small is None else np.concatenate([self.small, block])
        if small.shape[0] > self.k_small:
            small = np.partition(small, self.k_small - 1, axis=0)[: self.k_small]
        self.small = small
        large = block if self.large is None else np.concatenate([self.large, block])
        if large.shape[0] > self.k_large:
            kth = large.shape[0] - self.k_large
            large = np.partition(large, kth, axis=0)[kth:]
        self.large = large


def _quantile_from_extremes(ext: _Extremes, q: float, n_total: int) -> FloatArray:
    """``np.quantile(all, q, axis=0)`` from the streamed extremes."""
    h = (n_total - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, n_total - 1)
    frac = h - lo
    assert ext.small is not None and ext.large is not None
    if hi < ext.k_small:
        srt = np.sort(ext.small, axis=0).astype(np.float64)
        a, b = srt[lo], srt[hi]
    else:
        srt = np.sort(ext.large, axis=0).astype(np.float64)
        offset = n_total - srt.shape[0]
        a, b = srt[lo - offset], srt[hi - offset]
    return np.asarray(a + frac * (b - a), dtype=np.float64)


def _k_needed(n_total: int) -> tuple[int, int]:
    lo05 = math.floor((n_total - 1) * QUANTILES[0])
    lo95 = math.floor((n_total - 1) * QUANTILES[1])
    return min(n_total, lo05 + 2), min(n_total, n_total - lo95)


def monte_carlo_ranks(
    raw: FloatArray,
    profile: Profile,
    *,
    seed: int,
    n_draws: int = 1000,
    concentration: float = DEFAULT_CONCENTRATION,
    top_k: int = 10,
    max_chunk_bytes: float = 128e6,
) -> MonteCarloResult:
    """Monte Carlo over weights and uncertain values for the scored sites.

    Parameters
    ----------
    raw
        Raw indicator values of the scored sites, ``(n_sites, n_criteria)``,
        all finite.
    profile
        The profile (standardisation, weights, aggregation, uncertainties).
    seed
        Seed of the draws; the same seed gives the same result.
    n_draws
        Number of draws (≥ 1).
    concentration
        Dirichlet concentration :math:`\\kappa` (> 0); larger is tighter.
    top_k
        The k of ``p_top_k``.
    max_chunk_bytes
        Memory budget of one chunk of draws.

    Returns
    -------
    MonteCarloResult
    """
    if n_draws < 1:
        msg = f"n_draws must be ≥ 1, got {n_draws}."
        raise ConfigError(msg)
    if not concentration > 0 or not math.isfinite(concentration):
        msg = f"the Dirichlet concentration must be a positive number, got {concentration}."
        raise ConfigError(msg)
    if top_k < 1:
        msg = f"top_k must be ≥ 1, got {top_k}."
        raise ConfigError(msg)
    n, m = raw.shape
    w = profile.weights
    base_s = standardise_matrix(raw, profile)
    base_rank = rank_desc(aggregate_profile(base_s, w, profile))
    pos = np.flatnonzero(w > 0)
    alpha = concentration * w[pos]
    uncertain = [
        (j, c.uncertainty)
        for j, c in enumerate(profile.criteria)
        if c.uncertainty is not None and (c.uncertainty.relative_sd > 0 or c.uncertainty.sd > 0)
    ]
    per_draw = n * (m * 8 * 4 if (uncertain or profile.aggregation.method != "wlc") else 8 * 6)
    chunk = int(max(1, min(n_draws, max_chunk_bytes // max(per_draw, 1))))
    # one stream for the weights and one per criterion, so that the draws do
    # not depend on how they are chunked
    streams = _seed_sequences(seed, profile.name, 1 + m)
    rng_w = np.random.default_rng(streams[0])
    rng_v = [np.random.default_rng(ss) for ss in streams[1:]]

    k_small, k_large = _k_needed(n_draws)
    ext = _Extremes(k_small, k_large)
    rank_sum = np.zeros(n)
    top_count = np.zeros(n)
    spearman = np.empty(n_draws)
    overlap = np.empty(n_draws)
    rb = base_rank.astype(np.float64)
    rb_c = rb - rb.mean()
    rb_norm = float(np.sqrt(rb_c @ rb_c))
    base_top = base_rank <= top_k
    n_base_top = max(int(base_top.sum()), 1)
    sd_abs = {j: u.sd for j, u in uncertain if u is not None}
    sd_rel = {j: u.relative_sd for j, u in uncertain if u is not None}
    done = 0
    while done < n_draws:
        c = min(chunk, n_draws - done)
        wd = np.zeros((c, m))
        wd[:, pos] = rng_w.dirichlet(alpha, size=c)
        if uncertain:
            s = np.broadcast_to(base_s, (c, n, m)).copy()
            for j, _u in uncertain:
                eps = rng_v[j].standard_normal((c, n))
                x = raw[:, j]
                scale = np.sqrt((sd_rel[j] * x) ** 2 + sd_abs[j] ** 2)
                xd = x + eps * scale
                crit = profile.criteria[j]
                s[..., j] = crit.standardisation.apply(xd, direction=crit.direction)
            scores = aggregate_profile(s, wd, profile)
        else:
            scores = aggregate_profile(base_s, wd, profile)
        ranks = rank_desc(scores)
        rank_sum += ranks.sum(axis=0)
        in_top = ranks <= top_k
        top_count += in_top.sum(axis=0)
        overlap[done : done + c] = (in_top & base_top).sum(axis=1) / n_base_top
        rc = ranks - ranks.mean(axis=1, keepdims=True)
        norms = np.sqrt((rc * rc).sum(axis=1)) * rb_norm
        with np.errstate(invalid="ignore", divide="ignore"):
            spearman[done : done + c] = np.where(norms > 0, (rc @ rb_c) / norms, 1.0)
        ext.update(ranks.astype(np.int32))
        done += c
    mean_rank = rank_sum / n_draws
    if n >= 2 and np.ptp(mean_rank) > 0 and np.ptp(rb) > 0:
        tau = float(stats.kendalltau(rb, mean_rank).statistic)
    else:
        tau = 1.0
    return MonteCarloResult(
        mean_rank=mean_rank,
        rank_p05=_quantile_from_extremes(ext, QUANTILES[0], n_draws),
        rank_p95=_quantile_from_extremes(ext, QUANTILES[1], n_draws),
        p_top_k=top_count / n_draws,
        spearman=spearman,
        kendall_tau=tau,
        top_k_overlap=float(overlap.mean()),
        base_rank=base_rank,
    )


def robustness_frame(
    index: pd.Index,
    scored: npt.NDArray[np.bool_],
    result: MonteCarloResult | None,
    *,
    profile: str,
    top_k: int,
) -> pd.DataFrame:
    """Per-site Monte Carlo columns on the full site index (NaN when not scored).

    Columns: ``mean_rank_{p}``, ``rank_p05_{p}``, ``rank_p95_{p}``,
    ``p_top{k}_{p}``.
    """
    cols = {
        f"mean_rank_{profile}": np.full(len(index), np.nan),
        f"rank_p05_{profile}": np.full(len(index), np.nan),
        f"rank_p95_{profile}": np.full(len(index), np.nan),
        f"p_top{top_k}_{profile}": np.full(len(index), np.nan),
    }
    if result is not None:
        cols[f"mean_rank_{profile}"][scored] = result.mean_rank
        cols[f"rank_p05_{profile}"][scored] = result.rank_p05
        cols[f"rank_p95_{profile}"][scored] = result.rank_p95
        cols[f"p_top{top_k}_{profile}"][scored] = result.p_top_k
    return pd.DataFrame(cols, index=index)


def stability_row(
    result: MonteCarloResult | None, *, n_draws: int, concentration: float, top_k: int
) -> dict[str, float]:
    """One row of the per-profile stability table."""
    if result is None:
        nan = float("nan")
        return {
            "n_sites": 0,
            "n_draws": n_draws,
            "concentration": concentration,
            "top_k": top_k,
            "spearman_mean": nan,
            "spearman_p05": nan,
            "spearman_min": nan,
            "kendall_tau": nan,
            "top_k_overlap": nan,
        }
    return {
        "n_sites": len(result.mean_rank),
        "n_draws": n_draws,
        "concentration": concentration,
        "top_k": top_k,
        "spearman_mean": float(result.spearman.mean()),
        "spearman_p05": float(np.quantile(result.spearman, 0.05)),
        "spearman_min": float(result.spearman.min()),
        "kendall_tau": result.kendall_tau,
        "top_k_overlap": result.top_k_overlap,
    }
