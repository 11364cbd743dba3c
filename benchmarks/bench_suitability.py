"""Benchmark: suitability Monte Carlo, vectorised and chunked vs a per-site pandas loop.

Run by hand (not part of the test suite)::

    .venv/bin/python benchmarks/bench_suitability.py              # the full run
    .venv/bin/python benchmarks/bench_suitability.py --sites 20000 --draws 200

What is measured
----------------
* ``run_suitability`` on N synthetic sites (default 100,000) with the three
  shipped profiles (``analyses/*.yaml``: WLC with AHP weights, WLC, OWA;
  four criteria each, four of them with a value uncertainty) and D Monte
  Carlo draws per profile (default 1,000): scoring, ranking, mean rank,
  exact 5–95 % rank interval, P(top k), Spearman per draw. Wall time and
  process CPU time of one run, and the peak resident memory of the process.
* The same analysis written the way one would without vectorisation: for
  every draw, perturb the columns with pandas, then ``DataFrame.apply`` a
  per-site Python function (standardise each criterion, aggregate), then
  ``Series.rank``. It is timed on a subset (``--naive-sites`` sites x
  ``--naive-draws`` draws per profile) and extrapolated linearly in sites x
  draws to the full size; the extrapolation ignores the n log n of ranking
  and the memory of keeping every draw's ranks, so it flatters the loop.

The ratio is from one run on whatever the machine is doing at the time; the
numbers are recorded in benchmarks/README.md ("## Suitability").
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from seriana_gis.suitability import load_profiles, run_suitability
from seriana_gis.suitability.indicators import compute_indicators, drop_unavailable
from seriana_gis.suitability.profile import Constraints, Profile
from seriana_gis.suitability.score import score_profile


def synthetic_sites(n: int, *, seed: int = 0) -> pd.DataFrame:
    """N brownfields with plausible accessibility and municipality columns."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "car_bgy_min": rng.uniform(5, 55, n),
            "car_bergamo_min": rng.uniform(8, 60, n),
            "car_a4_min": rng.uniform(4, 50, n),
            "hgv_a4_min": rng.uniform(4, 60, n),
            "transit_bergamo_min": rng.uniform(15, 95, n),
            "walk_teb_min": rng.gamma(2.0, 8.0, n),
            "pop_15min": rng.lognormal(9.5, 0.8, n),
            "snap_m": rng.exponential(60, n),
            "area_m2": rng.lognormal(9.6, 1.0, n),
            # the indicators social_housing computes from other layers, precomputed
            "municipalities_old_age_index": rng.uniform(110, 260, n),
            "municipalities_pop_change_pct": rng.normal(0.0, 0.8, n),
            "dist_road_edges_motorway_motorway_link_trunk_trunk_link_m": rng.exponential(800, n),
            # and those logistics computes from footprints and municipal population
            "footprint_compactness": rng.uniform(0.15, 0.9, n),
            "residents_300m": rng.lognormal(5.5, 1.0, n),
            "residents_500m": rng.lognormal(6.5, 1.0, n),
            # the jobs lost within reach (economy job-loss scenario), precomputed
            "jobs_lost_reach": rng.uniform(0, 5_000, n),
            # the register's heritage vocabulary, in its proportions (21 / 3 / 1 of 25 sites)
            "heritage": rng.choice(
                ["none_known", "vincolo", "lombardia_beni_culturali"], size=n, p=[0.84, 0.12, 0.04]
            ),
        },
        index=pd.Index([f"bf{i:06d}" for i in range(n)], name="id"),
    )


# --- the per-site pandas implementation --------------------------------------


def _column(crit: Any) -> str:
    """The sites' column a criterion reads (a category criterion reads its raw text)."""
    ind = crit.indicator
    return str(ind.column) if ind.kind == "category" else str(ind.key)


def _raw_scalar(x: Any, crit: Any) -> float:
    """One site's raw value: a number, or a category's score from its table (plain Python)."""
    ind = crit.indicator
    if ind.kind != "category":
        return float(x)
    table = {str(k).strip().casefold(): float(v) for k, v in ind.scores}
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return table.get("*", math.nan)
    return table.get(str(x).strip().casefold(), table.get("*", math.nan))


def _criterion_score(row: pd.Series, crit: Any, lo: float, hi: float) -> float:
    """One criterion of one site, standardised; a missing value takes ``missing_score``."""
    x = _raw_scalar(row[_column(crit)], crit)
    if math.isnan(x) and crit.missing_score is not None:
        return float(crit.missing_score)
    return _std_scalar(x, crit, lo, hi)


def _bounds(vals: pd.DataFrame, crit: Any) -> tuple[float, float]:
    """Lowest and highest raw value of a criterion over the sites (for min-max scales)."""
    raw = [_raw_scalar(x, crit) for x in vals[_column(crit)]]
    return float(np.nanmin(raw)), float(np.nanmax(raw))


def _std_scalar(x: float, crit: Any, lo: float, hi: float) -> float:
    """One criterion of one site, in plain Python."""
    m, p, benefit = (
        crit.standardisation.method,
        crit.standardisation.params,
        crit.direction == "benefit",
    )
    if m == "linear_minmax":
        s = (x - lo) / (hi - lo) if hi > lo else 1.0
        return s if benefit or hi <= lo else 1.0 - s
    if m in ("linear_range", "fuzzy_linear"):
        a, b = (p["low"], p["high"]) if m == "linear_range" else (p["a"], p["b"])
        s = min(max((x - a) / (b - a), 0.0), 1.0)
    elif m == "fuzzy_sigmoid":
        t = min(max((x - p["a"]) / (p["b"] - p["a"]), 0.0), 1.0)
        s = math.cos((1 - t) * math.pi / 2) ** 2
    elif m == "fuzzy_j":
        z = min(x - p["b"], 0.0) / (p["b"] - p["a"])
        s = 1 / (1 + z * z)
    elif m == "step":
        return float(x >= p["threshold"]) if benefit else float(x <= p["threshold"])
    else:
        msg = f"the naive benchmark does not implement {m}"
        raise NotImplementedError(msg)
    return s if benefit else 1.0 - s


def naive_profile(
    df: pd.DataFrame, prof: Profile, *, n_draws: int, seed: int, concentration: float = 100.0
) -> pd.DataFrame:
    """Monte Carlo the way it is written without vectorisation: apply per site, per draw."""
    rng = np.random.default_rng(seed)
    cols = list(dict.fromkeys(_column(c) for c in prof.criteria))
    w0 = prof.weights
    ow = prof.aggregation.order_weights
    all_ranks = []
    for _ in range(n_draws):
        w = rng.dirichlet(concentration * w0)
        vals = df[cols].copy()
        for c in prof.criteria:
            u = c.uncertainty
            if u is not None:
                col = vals[_column(c)]
                sd = np.sqrt((u.relative_sd * col) ** 2 + u.sd**2)
                vals[_column(c)] = col + rng.standard_normal(len(col)) * sd
        bounds = [_bounds(vals, c) for c in prof.criteria]

        def site_score(row: pd.Series, w: np.ndarray = w, bounds: list = bounds) -> float:
            s = [_criterion_score(row, c, *b) for c, b in zip(prof.criteria, bounds, strict=True)]
            if prof.aggregation.method == "wlc":
                return sum(wj * sj for wj, sj in zip(w, s, strict=True))
            order = sorted(range(len(s)), key=lambda j: -s[j])
            assert ow is not None
            uv = [w[j] * ow[k] for k, j in enumerate(order)]
            den = sum(uv)
            return sum(x * s[j] for x, j in zip(uv, order, strict=True)) / den if den else 0.0

        scores = vals.apply(site_score, axis=1)
        all_ranks.append(scores.rank(ascending=False, method="min"))
    ranks = pd.concat(all_ranks, axis=1)
    return pd.DataFrame(
        {
            "mean_rank": ranks.mean(axis=1),
            "rank_p05": ranks.quantile(0.05, axis=1),
            "rank_p95": ranks.quantile(0.95, axis=1),
            "p_top": (ranks <= (prof.top_k or 10)).mean(axis=1),
        }
    )


def _check_naive_scores(df: pd.DataFrame, profiles: dict[str, Profile]) -> None:
    """The per-site code computes the same base scores as the library."""
    for prof in profiles.values():
        ref = score_profile(compute_indicators(df, {prof.name: prof}), prof)
        ref = ref[f"score_{prof.name}"].to_numpy()
        bounds = [_bounds(df, c) for c in prof.criteria]
        w, ow = prof.weights, prof.aggregation.order_weights
        got = []
        for _, row in df.iterrows():
            s = [_criterion_score(row, c, *b) for c, b in zip(prof.criteria, bounds, strict=True)]
            if prof.aggregation.method == "wlc":
                got.append(sum(wj * sj for wj, sj in zip(w, s, strict=True)))
            else:
                assert ow is not None
                order = sorted(range(len(s)), key=lambda j: -s[j])
                uv = [w[j] * ow[k] for k, j in enumerate(order)]
                got.append(sum(x * s[j] for x, j in zip(uv, order, strict=True)) / sum(uv))
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=100_000)
    ap.add_argument("--draws", type=int, default=1_000)
    ap.add_argument("--naive-sites", type=int, default=2_000)
    ap.add_argument("--naive-draws", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-chunk-mb", type=float, default=128.0)
    ap.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="profiles run in parallel threads (default: the library's, one per usable core)",
    )
    args = ap.parse_args(argv)

    # all sites pass the constraints: only the scoring is measured
    # (and the optional criteria, whose layers a benchmark does not give, are left out)
    profiles = {name: replace(p, constraints=Constraints()) for name, p in load_profiles().items()}
    profiles, _ = drop_unavailable(profiles)
    sites = synthetic_sites(args.sites)
    rss0 = _rss_mb()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}")
    print(
        f"{args.sites:,} sites x {len(profiles)} profiles x {args.draws:,} draws, "
        f"{args.jobs or 'default'} job(s)"
    )

    t0, c0 = time.perf_counter(), time.process_time()
    res = run_suitability(
        sites,
        profiles,
        seed=args.seed,
        n_draws=args.draws,
        max_chunk_bytes=args.max_chunk_mb * 1e6,
        n_jobs=args.jobs,
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"vectorised: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {_rss_mb():.0f} MB (before: {rss0:.0f} MB)"
    )
    print(res.stability.round(3).to_string())

    sub = sites.iloc[: args.naive_sites]
    _check_naive_scores(sub.iloc[:200], profiles)
    t0 = time.perf_counter()
    for i, prof in enumerate(profiles.values()):
        naive_profile(sub, prof, n_draws=args.naive_draws, seed=args.seed + i)
    naive = time.perf_counter() - t0
    scale = (args.sites / args.naive_sites) * (args.draws / args.naive_draws)
    naive_full = naive * scale
    print(
        f"per-site pandas: {naive:.1f} s for {args.naive_sites:,} sites x {args.naive_draws} draws "
        f"x {len(profiles)} profiles; extrapolated x{scale:,.0f} to {naive_full:,.0f} s "
        f"({naive_full / 3600:.1f} h)"
    )
    print(f"ratio (extrapolated per-site / vectorised): {naive_full / wall:,.0f}x")


if __name__ == "__main__":
    main()
