"""The shipped profiles and scenario, end to end on a small synthetic valley."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, box

from seriana_gis.suitability import (
    allocate,
    load_allocation,
    load_profiles,
    municipality_summary,
    run_suitability,
)

CRS = "EPSG:32632"


def _valley() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(3)
    n = 12
    x = rng.uniform(0, 3000, n)
    sites = gpd.GeoDataFrame(
        {
            "name": [f"site {i}" for i in range(n)],
            "municipality": np.where(x < 1500, "Nembro", "Albino"),
            "status": ["reused"] + ["dismissed"] * (n - 1),
            "area_m2": rng.uniform(5_000, 90_000, n),
            "snap_m": rng.uniform(0, 1200, n),
            "car_bgy_min": rng.uniform(8, 35, n),
            "car_a4_min": rng.uniform(5, 30, n),
            "hgv_a4_min": rng.uniform(5, 40, n),
            "car_bergamo_min": rng.uniform(5, 30, n),
            "transit_bergamo_min": rng.uniform(18, 70, n),
            "walk_teb_min": rng.uniform(1, 60, n),
            "pop_15min": rng.uniform(50_000, 280_000, n),
            "jobs_lost_reach": rng.uniform(1_000, 4_000, n),
        },
        geometry=[Point(xi, 500) for xi in x],
        crs=CRS,
        index=pd.Index([f"BF{i:03d}" for i in range(n)], name="id"),
    )
    munis = gpd.GeoDataFrame(
        {
            "name": ["Nembro", "Albino"],
            "population": [11_000, 18_000],
            "old_age_index": [170.0, 190.0],
            "pop_change_pct": [-0.5, 0.2],
        },
        geometry=[box(0, 0, 1500, 1000), box(1500, 0, 3000, 1000)],
        crs=CRS,
    )
    sites.loc["BF004", "walk_teb_min"] = np.nan  # no path to a stop
    return sites, munis


def _roads() -> gpd.GeoDataFrame:
    """An expressway along y = 0 and a local road along y = 900."""
    return gpd.GeoDataFrame(
        {"highway": ["trunk", "residential"]},
        geometry=[LineString([(-100, 0), (3100, 0)]), LineString([(-100, 900), (3100, 900)])],
        crs=CRS,
    )


def test_shipped_profiles_and_scenario_run() -> None:
    sites, munis = _valley()
    before = sites.copy()
    res = run_suitability(
        sites,
        load_profiles(),
        seed=11,
        n_draws=200,
        layers={"municipalities": munis, "road_edges": _roads()},
    )
    pd.testing.assert_frame_equal(sites, before)
    sc = res.scores
    for p in ("logistics", "services", "social_housing"):
        assert f"score_{p}" in sc and f"mean_rank_{p}" in res.robustness
        assert sc[f"score_{p}"].dropna().between(0, 1).all()
        # snapped too far, or too small, or missing: a reason, never a score
        far = sites["snap_m"] > 1000
        assert (sc.loc[far, f"excluded_{p}"].str.contains("nearest road node")).all()
        assert sc.loc[far, f"score_{p}"].isna().all()
    assert "missing value of walk_teb_min" in sc.loc["BF004", "excluded_services"]
    # a site already reused is no logistics candidate, whatever its score
    assert "already reused (status: reused)" in sc.loc["BF000", "excluded_logistics"]
    assert np.isnan(sc.loc["BF000", "score_logistics"])
    # the old-age index comes from the municipality containing each site
    expected = np.where(sites.geometry.x < 1500, 170.0, 190.0)
    np.testing.assert_array_equal(sc["municipalities_old_age_index"], expected)
    # every site lies at y = 500: 500 m from the expressway (the local road is not heavy)
    heavy = "dist_road_edges_motorway_motorway_link_trunk_trunk_link_m"
    np.testing.assert_allclose(sc[heavy], 500.0)
    # residents: a 300 m disc wholly inside one 1.5 km² municipality holds
    # π·0.3² km² at its uniform density (11,000 or 18,000 per 1.5 km²)
    inside = ((x := sites.geometry.x) > 300) & (x < 1200) | (x > 1800) & (x < 2700)
    density = np.where(x < 1500, 11_000, 18_000) / 1.5
    np.testing.assert_allclose(
        sc.loc[inside, "residents_300m"], (np.pi * 0.09 * density)[inside], rtol=1e-3
    )
    assert res.notes == (
        "logistics: optional criterion flood (needs 'flood_hazard') left out: not given; "
        "the others reweighted",
        "services: optional criterion existing_services (needs 'services') left out: not "
        "given; the others reweighted",
    )
    scored = sc[[f"score_{p}" for p in res.profiles]].notna().any(axis=1)
    assert sc.loc[scored, "best_use"].notna().all()

    frame = pd.concat([sc, sites[["area_m2"]]], axis=1).assign(zone="lower_valley")
    alloc = allocate(frame, load_allocation())
    assert set(alloc.targets.index) == {
        "service_jobs@valley",
        "industry_jobs@valley",
        "social_dwellings",
    }
    assert alloc.reached == bool(alloc.targets["reached"].all())
    assert ("short by" in alloc.message) != alloc.reached
    summary = municipality_summary(res, sites)
    assert summary["n_sites"].sum() == len(sites)


def test_threads_and_memory_budget_do_not_change_the_result() -> None:
    from threadpoolctl import threadpool_info

    sites, munis = _valley()
    layers = {"municipalities": munis, "road_edges": _roads()}
    blas_before = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    one = run_suitability(sites, load_profiles(), seed=5, n_draws=120, layers=layers, n_jobs=1)
    # three profiles in three threads, each with a third of a tiny budget (chunks of one draw)
    three = run_suitability(
        sites, load_profiles(), seed=5, n_draws=120, layers=layers, n_jobs=3, max_chunk_bytes=1.0
    )
    pd.testing.assert_frame_equal(one.robustness, three.robustness)
    pd.testing.assert_frame_equal(one.stability, three.stability)
    # BLAS gets its own threads back after the run
    assert [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"] == blas_before
