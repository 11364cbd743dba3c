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
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import columns
from .._errors import ConfigError
from .._progress import task
from .profile import Profile
from .score import aggregate_profile, rank_desc, rank_desc_details, standardise_matrix

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


class _FastAggregator:
    """Aggregate chunks of draws without materialising ``(c, n, m)`` arrays.

    The fast path of the Monte Carlo, equal to
    :func:`~seriana_gis.suitability.aggregate.aggregate` (tested against it).
    Built once per profile from the standardised columns that do not vary
    between draws (``base_cols[j]``, shape ``(n,)``); the columns that do vary
    (criteria with an uncertainty) are given per chunk with shape ``(c, n)``.
    Terms of invariant columns become matrix products with the weight draws.
    """

    def __init__(
        self,
        base_cols: list[FloatArray],
        varying: list[int],
        *,
        method: str,
        order_weights: tuple[float, ...] | None,
        ideal: str,
    ) -> None:
        self.m = len(base_cols)
        self.n = base_cols[0].shape[0] if base_cols else 0
        self.var = list(varying)
        self.inv = [j for j in range(self.m) if j not in self.var]
        self.method = method
        self.ideal = ideal
        self.v = np.asarray(order_weights if order_weights is not None else [], dtype=np.float64)
        cols = base_cols
        inv = self.inv

        def stack(mats: list[FloatArray]) -> FloatArray:
            return np.vstack([mats[j] for j in inv]) if inv else np.zeros((0, self.n))

        if method == "wlc":
            self.a = stack(cols)
        elif method == "topsis":
            hi, lo = self._ends(cols)
            self.a = stack([(col - h) ** 2 for col, h in zip(cols, hi, strict=True)])
            self.b = stack([(col - lo_) ** 2 for col, lo_ in zip(cols, lo, strict=True)])
        else:
            # positions among the invariant columns only (stable descending order)
            self.base_pos = {j: self._positions(cols, j, inv) for j in range(self.m)}
            if not self.var:
                vpos = [self.v[self.base_pos[j]] for j in range(self.m)]
                self.a = np.vstack([vp * col for vp, col in zip(vpos, cols, strict=True)])
                self.b = np.vstack(vpos)
        self.cols = cols

    def _ends(self, cols: list[FloatArray]) -> tuple[list[Any], list[Any]]:
        if self.ideal == "observed":
            hi = [col.max(axis=-1, keepdims=True) for col in cols]
            lo = [col.min(axis=-1, keepdims=True) for col in cols]
        else:
            hi = [1.0] * len(cols)
            lo = [0.0] * len(cols)
        return hi, lo

    @staticmethod
    def _positions(cols: list[Any], j: int, among: list[int]) -> Any:
        pos: Any = np.zeros(cols[j].shape[-1], dtype=np.intp)
        for k in among:
            if k < j:
                pos = pos + (cols[k] >= cols[j])
            elif k > j:
                pos = pos + (cols[k] > cols[j])
        return pos

    def __call__(self, varying: dict[int, FloatArray], w: FloatArray) -> FloatArray:
        """Scores ``(c, n)`` for weight draws ``w`` ``(c, m)``."""
        c = w.shape[0]
        wi = w[:, self.inv]
        cols: list[Any] = list(self.cols)
        for j, col in varying.items():
            cols[j] = col
        if self.method == "wlc":
            out = wi @ self.a
            for j in self.var:
                out += w[:, j, None] * cols[j]
            return np.asarray(out, dtype=np.float64)
        if self.method == "topsis":
            w2 = w * w
            d_pos = (wi * wi) @ self.a
            d_neg = (wi * wi) @ self.b
            if self.var:
                hi, lo = self._ends(cols)
                for j in self.var:
                    d_pos += w2[:, j, None] * (cols[j] - hi[j]) ** 2
                    d_neg += w2[:, j, None] * (cols[j] - lo[j]) ** 2
            d_pos = np.sqrt(d_pos)
            d_neg = np.sqrt(d_neg)
            den = d_pos + d_neg
            return np.where(d_pos > 0, d_neg / np.where(den > 0, den, 1.0), 1.0)
        if not self.var:
            num = w @ self.a
            den = w @ self.b
        else:
            num = np.zeros((c, self.n))
            den = np.zeros((c, self.n))
            for j in range(self.m):
                if j in varying:
                    pos = self._positions(cols, j, [k for k in range(self.m) if k != j])
                else:
                    pos = self.base_pos[j] + self._positions(cols, j, self.var)
                uv = w[:, j, None] * self.v[pos]
                num += uv * cols[j]
                den += uv
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


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
        small = block.copy() if self.small is None else np.concatenate([self.small, block])
        if small.shape[0] > self.k_small:
            small.partition(self.k_small - 1, axis=0)
            small = small[: self.k_small].copy()
        self.small = small
        large = block.copy() if self.large is None else np.concatenate([self.large, block])
        if large.shape[0] > self.k_large:
            kth = large.shape[0] - self.k_large
            large.partition(kth, axis=0)
            large = large[kth:].copy()
        self.large = large


#: Up to this many sites Kendall's tau is counted over the pairs directly (a few MB);
#: beyond, :func:`scipy.stats.kendalltau` (whose import alone takes about 0.3 s).
KENDALL_PAIRS_MAX_N = 1_000


def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's tau-b between two rankings (ties counted as :func:`scipy.stats.kendalltau` does).

    .. math:: \\tau_b = \\frac{n_c - n_d}{\\sqrt{(n_0 - n_x)(n_0 - n_y)}}

    over the :math:`n_0` pairs, :math:`n_x` and :math:`n_y` of them tied in ``x`` and
    in ``y``. Up to :data:`KENDALL_PAIRS_MAX_N` values the pairs are counted directly;
    beyond, scipy's :math:`O(n \\log n)` algorithm.
    """
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    n = len(a)
    if n > KENDALL_PAIRS_MAX_N:
        from scipy import stats  # here: importing scipy.stats takes a good part of a second

        return float(stats.kendalltau(a, b).statistic)
    i, j = np.triu_indices(n, 1)
    sx = np.sign(a[i] - a[j])
    sy = np.sign(b[i] - b[j])
    n0 = len(i)
    denom = np.sqrt(float(n0 - np.count_nonzero(sx == 0)) * float(n0 - np.count_nonzero(sy == 0)))
    return float(np.dot(sx, sy) / denom) if denom > 0 else float("nan")


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
    n_var = len(uncertain) + (0 if profile.aggregation.method == "wlc" else 2)
    per_draw = n * 8 * (6 + 3 * n_var)
    chunk = int(max(1, min(n_draws, max_chunk_bytes // 2 // max(per_draw, 1))))
    # ranks are kept for several chunks before the quantile buffers are
    # updated (partitioning is cheaper in bulk)
    flush_rows = int(max(chunk, min(n_draws, max_chunk_bytes // 2 // (4 * n))))
    # one stream for the weights and one per criterion, so that the draws do
    # not depend on how they are chunked
    streams = _seed_sequences(seed, profile.name, 1 + m)
    rng_w = np.random.default_rng(streams[0])
    rng_v = [np.random.default_rng(ss) for ss in streams[1:]]

    k_small, k_large = _k_needed(n_draws)
    ext = _Extremes(k_small, k_large)
    pending: list[npt.NDArray[np.int32]] = []
    n_pending = 0
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
    scale = {j: np.sqrt((sd_rel[j] * raw[:, j]) ** 2 + sd_abs[j] ** 2) for j in sd_abs}
    agg = profile.aggregation
    fast = _FastAggregator(
        [np.ascontiguousarray(base_s[:, j]) for j in range(m)],
        sorted(scale),
        method=agg.method,
        order_weights=agg.order_weights,
        ideal=agg.ideal,
    )
    with task(f"Monte Carlo: {profile.name}", total=n_draws) as advance:
        done = 0
        while done < n_draws:
            c = min(chunk, n_draws - done)
            wd = np.zeros((c, m))
            wd[:, pos] = rng_w.dirichlet(alpha, size=c)
            varying: dict[int, FloatArray] = {}
            for j in scale:
                eps = rng_v[j].standard_normal((c, n))
                xd = raw[:, j] + eps * scale[j]
                crit = profile.criteria[j]
                varying[j] = crit.standardisation.apply(xd, direction=crit.direction)
            scores = fast(varying, wd)
            ranks, order, sorted_ranks, tied = rank_desc_details(scores, dtype=np.int32)
            rank_sum += ranks.sum(axis=0, dtype=np.int64)
            # the top k of each draw: a prefix of its sorted order (longer with ties)
            for d in range(c):
                top = order[d, : int(np.searchsorted(sorted_ranks[d], top_k, side="right"))]
                top_count[top] += 1
                overlap[done + d] = base_top[top].sum() / n_base_top
            # Spearman: Pearson correlation of the rank vectors; rb_c sums to zero,
            # so the draw's ranks need no centring in the cross product, and
            # without ties the ranks are 1..n with a known spread
            rf = ranks.astype(np.float64)
            ss = np.full(c, n * (n * n - 1) / 12.0)
            if tied.any():
                ss[tied] = np.einsum("ij,ij->i", rf[tied], rf[tied]) - rf[tied].sum(axis=1) ** 2 / n
            norms = np.sqrt(np.maximum(ss, 0.0)) * rb_norm
            with np.errstate(invalid="ignore", divide="ignore"):
                spearman[done : done + c] = np.where(norms > 0, (rf @ rb_c) / norms, 1.0)
            pending.append(ranks)
            n_pending += c
            done += c
            advance(c)
            if n_pending >= flush_rows or done == n_draws:
                ext.update(np.concatenate(pending) if len(pending) > 1 else pending[0])
                pending, n_pending = [], 0
    mean_rank = rank_sum / n_draws
    if n >= 2 and np.ptp(mean_rank) > 0 and np.ptp(rb) > 0:
        tau = kendall_tau_b(rb, mean_rank)
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
    names = (
        columns.mean_rank(profile),
        columns.rank_p05(profile),
        columns.rank_p95(profile),
        columns.p_top(profile, top_k),
    )
    cols = {name: np.full(len(index), np.nan) for name in names}
    if result is not None:
        values = (result.mean_rank, result.rank_p05, result.rank_p95, result.p_top_k)
        for name, v in zip(names, values, strict=True):
            cols[name][scored] = v
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
