"""Monte Carlo robustness: reproducible, chunk-independent, exact quantiles."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from seriana_gis._errors import ConfigError
from seriana_gis.suitability import parse_profile, run_suitability
from seriana_gis.suitability.aggregate import aggregate
from seriana_gis.suitability.robustness import (
    _Extremes,
    _FastAggregator,
    _k_needed,
    _quantile_from_extremes,
    monte_carlo_ranks,
)


def _profile(name: str = "p", *, uncertain: bool = True, agg: str = "wlc") -> Any:
    aggregation: dict[str, Any] = {"method": agg}
    if agg == "owa":
        aggregation["order_weights"] = [0.5, 0.3, 0.2]
    return parse_profile(
        {
            "name": name,
            "criteria": {
                "a": {
                    "indicator": "x0",
                    "direction": "benefit",
                    "weight": 0.5,
                    **({"uncertainty": {"relative_sd": 0.2}} if uncertain else {}),
                },
                "b": {
                    "indicator": "x1",
                    "direction": "cost",
                    "standardisation": {"method": "linear_range", "low": 0, "high": 1},
                    "weight": 0.3,
                    **({"uncertainty": {"sd": 0.05}} if uncertain else {}),
                },
                "c": {"indicator": "x2", "direction": "benefit", "weight": 0.2},
            },
            "aggregation": aggregation,
        },
        name=name,
    )


RNG = np.random.default_rng(42)
SITES = pd.DataFrame(RNG.uniform(0, 1, (30, 3)), columns=["x0", "x1", "x2"])
RAW = SITES.to_numpy()


@pytest.mark.parametrize("agg", ["wlc", "topsis", "owa"])
def test_same_seed_same_result_and_chunking_does_not_matter(agg: str) -> None:
    prof = _profile(agg=agg)
    one = monte_carlo_ranks(RAW, prof, seed=7, n_draws=200, top_k=5)
    again = monte_carlo_ranks(RAW, prof, seed=7, n_draws=200, top_k=5)
    tiny = monte_carlo_ranks(RAW, prof, seed=7, n_draws=200, top_k=5, max_chunk_bytes=1)
    other = monte_carlo_ranks(RAW, prof, seed=8, n_draws=200, top_k=5)
    for r in (again, tiny):
        np.testing.assert_array_equal(r.mean_rank, one.mean_rank)
        np.testing.assert_array_equal(r.rank_p05, one.rank_p05)
        np.testing.assert_array_equal(r.rank_p95, one.rank_p95)
        np.testing.assert_array_equal(r.spearman, one.spearman)
    assert not np.array_equal(other.mean_rank, one.mean_rank)


def test_statistics_are_consistent() -> None:
    r = monte_carlo_ranks(RAW, _profile(), seed=1, n_draws=300, top_k=5)
    n = len(RAW)
    assert r.mean_rank.sum() == pytest.approx(n * (n + 1) / 2)  # no ties: ranks 1..n each draw
    assert np.all(r.rank_p05 <= r.mean_rank + 1e-9) or np.all(r.rank_p05 <= r.rank_p95)
    assert np.all((r.rank_p05 >= 1) & (r.rank_p95 <= n) & (r.rank_p05 <= r.rank_p95))
    assert r.p_top_k.sum() == pytest.approx(5.0)  # five sites in the top 5 of every draw
    assert np.all((r.spearman > -1) & (r.spearman <= 1 + 1e-12))


def test_tight_weights_and_no_uncertainty_reproduce_the_base_ranking() -> None:
    r = monte_carlo_ranks(RAW, _profile(uncertain=False), seed=3, n_draws=50, concentration=1e9)
    np.testing.assert_allclose(r.mean_rank, r.base_rank)
    np.testing.assert_allclose(r.rank_p05, r.base_rank)
    np.testing.assert_allclose(r.rank_p95, r.base_rank)
    assert r.spearman.min() == pytest.approx(1.0)
    assert r.kendall_tau == pytest.approx(1.0)
    assert set(np.unique(r.p_top_k)) <= {0.0, 1.0}


@settings(max_examples=40, deadline=None)
@given(
    n_draws=hst.integers(1, 300),
    chunk=hst.integers(1, 50),
    seed=hst.integers(0, 2**32 - 1),
)
def test_streamed_quantiles_equal_numpy(n_draws: int, chunk: int, seed: int) -> None:
    ranks = np.random.default_rng(seed).integers(1, 40, size=(n_draws, 6)).astype(np.int32)
    ext = _Extremes(*_k_needed(n_draws))
    for start in range(0, n_draws, chunk):
        ext.update(ranks[start : start + chunk])
    for q in (0.05, 0.95):
        np.testing.assert_allclose(
            _quantile_from_extremes(ext, q, n_draws), np.quantile(ranks, q, axis=0)
        )


def test_run_suitability_frames() -> None:
    sites = SITES.copy()
    sites["area_m2"] = np.linspace(100, 3000, len(sites))
    sites.loc[0, "x0"] = np.nan
    before = sites.copy()
    q = _profile("q", agg="topsis")
    res = run_suitability(sites, {"p": _profile(), "q": q}, seed=5, n_draws=100, top_k=3)
    pd.testing.assert_frame_equal(sites, before)
    assert {"mean_rank_p", "rank_p05_p", "rank_p95_p", "p_top3_p", "mean_rank_q"} <= set(
        res.robustness.columns
    )
    assert np.isnan(res.robustness.loc[0, "mean_rank_p"])  # flagged site is not ranked
    assert list(res.stability.index) == ["p", "q"]
    assert res.stability.loc["p", "n_sites"] == len(sites) - 1
    assert res.stability.loc["p", "n_draws"] == 100
    res2 = run_suitability(sites, {"q": q, "p": _profile()}, seed=5, n_draws=100, top_k=3)
    # a profile's draws do not depend on which other profiles are run
    pd.testing.assert_series_equal(res.robustness["mean_rank_p"], res2.robustness["mean_rank_p"])
    assert run_suitability(sites, {"p": _profile()}, n_draws=0).robustness.empty


def test_bad_monte_carlo_options() -> None:
    with pytest.raises(ConfigError, match="n_draws"):
        monte_carlo_ranks(RAW, _profile(), seed=1, n_draws=0)
    with pytest.raises(ConfigError, match="concentration"):
        monte_carlo_ranks(RAW, _profile(), seed=1, concentration=0)
    with pytest.raises(ConfigError, match="top_k"):
        monte_carlo_ranks(RAW, _profile(), seed=1, top_k=0)


@settings(max_examples=40, deadline=None)
@given(
    seed=hst.integers(0, 2**32 - 1),
    varying=hst.sets(hst.integers(0, 3), max_size=4),
    method=hst.sampled_from(["wlc", "topsis-observed", "topsis-absolute", "owa"]),
    coarse=hst.booleans(),
)
def test_fast_monte_carlo_aggregation_equals_the_reference(
    seed: int, varying: set[int], method: str, coarse: bool
) -> None:
    rng = np.random.default_rng(seed)
    n, m, c = 12, 4, 5
    base = rng.uniform(0, 1, (n, m))
    draws = rng.uniform(0, 1, (c, n, m))
    if coarse:  # many ties between criteria, to exercise OWA's stable ordering
        base, draws = np.round(base * 2) / 2, np.round(draws * 2) / 2
    full = np.broadcast_to(base, (c, n, m)).copy()
    for j in varying:
        full[..., j] = draws[..., j]
    w = rng.dirichlet(np.ones(m), size=c)
    w[:, 0] = 0.0 if seed % 3 == 0 else w[:, 0]  # a zero weight now and then
    name, _, ideal = method.partition("-")
    ow = (0.1, 0.2, 0.3, 0.4)
    fast = _FastAggregator(
        [base[:, j].copy() for j in range(m)],
        sorted(varying),
        method=name,
        order_weights=ow,
        ideal=ideal or "observed",
    )
    got = fast({j: draws[..., j] for j in varying}, w)
    expected = aggregate(full, w, method=name, order_weights=list(ow), ideal=ideal or "observed")
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_identical_sites_share_their_statistics() -> None:
    # sites 0 and 1 are identical, so in every draw they tie and share the better rank
    raw = np.vstack([RAW[:1], RAW[:1], RAW[1:10]])
    r = monte_carlo_ranks(raw, _profile(uncertain=False), seed=2, n_draws=120, top_k=3)
    assert r.mean_rank[0] == r.mean_rank[1]
    assert r.rank_p05[0] == r.rank_p05[1] and r.rank_p95[0] == r.rank_p95[1]
    assert r.p_top_k[0] == r.p_top_k[1]
    assert r.base_rank[0] == r.base_rank[1]


def test_municipality_summary() -> None:
    from seriana_gis.suitability import municipality_summary

    sites = SITES.iloc[:4].copy()
    sites["municipality"] = ["Albino", "Albino", "Nembro", "Nembro"]
    sites.loc[3, "x0"] = np.nan
    res = run_suitability(sites, {"p": _profile(uncertain=False)}, n_draws=0)
    out = municipality_summary(res, sites)
    score = res.scores["score_p"]
    assert out.loc["Albino", "n_sites"] == 2 and out.loc["Nembro", "n_scored_p"] == 1
    assert out.loc["Albino", "best_score_p"] == score.iloc[:2].max()
    assert out.loc["Albino", "best_site_p"] == score.iloc[:2].idxmax()
    assert out.loc["Nembro", "mean_score_p"] == score.iloc[2]
    assert out["n_best_p"].sum() == 3
    with pytest.raises(ConfigError, match="no column 'comune'"):
        municipality_summary(res, sites, column="comune")


def test_parallel_profiles_give_the_same_result() -> None:
    profiles = {"p": _profile(), "q": _profile("q", agg="owa")}
    one = run_suitability(SITES, profiles, seed=4, n_draws=60)
    two = run_suitability(SITES, profiles, seed=4, n_draws=60, n_jobs=2)
    pd.testing.assert_frame_equal(one.robustness, two.robustness)
    pd.testing.assert_frame_equal(one.stability, two.stability)


def test_result_table_joins_scores_and_robustness() -> None:
    res = run_suitability(SITES, {"p": _profile()}, seed=1, n_draws=20)
    assert list(res.table.columns) == [*res.scores.columns, *res.robustness.columns]
    assert res.table.index.equals(SITES.index)


@pytest.mark.parametrize("n", [2, 3, 17, 250])
def test_kendall_tau_b_counted_over_pairs_equals_scipy(n: int) -> None:
    # the pair count used up to KENDALL_PAIRS_MAX_N sites against scipy's algorithm,
    # with ties on both sides (integer draws) and without (floats)
    from scipy import stats

    from seriana_gis.suitability.robustness import kendall_tau_b

    rng = np.random.default_rng(n)
    for x, y in [
        (rng.integers(0, 5, n), rng.integers(0, 5, n)),
        (rng.normal(size=n), rng.normal(size=n)),
        (np.arange(n), np.arange(n)[::-1]),
    ]:
        want = stats.kendalltau(x, y).statistic
        got = kendall_tau_b(x, y)
        if np.isnan(want):
            assert np.isnan(got)
        else:
            assert got == pytest.approx(want, abs=1e-12)
