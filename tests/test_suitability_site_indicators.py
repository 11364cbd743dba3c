"""Indicators of a site's own footprint and neighbourhood, checked by hand on small frames.

Footprint compactness, footprint area, the share inside a hazard layer, text
categories scored by a table, residents near the footprint (areal and
dasymetric weighting), and criteria that state a score for a missing value or
are optional when their layer is not given.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from seriana_gis._errors import ConfigError, DataError
from seriana_gis.suitability import parse_profile, run_suitability, score_profile
from seriana_gis.suitability.indicators import (
    category_scores,
    compute_indicators,
    drop_unavailable,
    footprint_measure,
    overlap_share,
)
from seriana_gis.suitability.residents import residents_within

CRS = "EPSG:32632"

# a disc-like 64-gon, a 100 m square, a 1:4 rectangle, an L, a point
L_SHAPE = Polygon([(0, 0), (300, 0), (300, 100), (100, 100), (100, 300), (0, 300)])
SHAPES = gpd.GeoDataFrame(
    {
        "id": ["disc", "square", "strip", "ell", "point"],
        "geometry_quality": ["osm_outline", "osm_outline", "osm_outline", "approx", "point"],
    },
    geometry=[
        Point(0, 0).buffer(50, quad_segs=64),
        box(0, 0, 100, 100),
        box(0, 0, 400, 100),
        L_SHAPE,
        Point(0, 0),
    ],
    crs=CRS,
).set_index("id")


def test_compactness_by_hand():
    got = footprint_measure(SHAPES, measure="compactness")
    # area over the area of the smallest enclosing circle:
    # square 100²/(π·(50√2)²) = 2/π; 1:4 strip 40,000/(π·(√(400²+100²)/2)²) = 160,000/(π·170,000);
    # L (area 50,000): the farthest corners (300, 0) and (0, 300) span a circle of
    # radius 150√2 about (150, 150), which also passes through (0, 0) and holds (300, 100)
    # (158 m from the centre): 50,000/(π·45,000)
    assert got["disc"] == pytest.approx(1.0, rel=2e-3)
    assert got["square"] == pytest.approx(2 / math.pi)
    assert got["strip"] == pytest.approx(160_000 / (math.pi * 170_000))
    assert got["ell"] == pytest.approx(50_000 / (math.pi * 45_000))
    assert math.isnan(got["point"])


def test_footprint_where_keeps_only_mapped_outlines():
    got = footprint_measure(
        SHAPES, measure="area_m2", where=(("geometry_quality", ("osm_outline",)),)
    )
    assert got["square"] == pytest.approx(10_000.0)
    assert got["strip"] == pytest.approx(40_000.0)
    assert math.isnan(got["ell"]) and math.isnan(got["point"])


def test_overlap_share_by_hand():
    flood = gpd.GeoDataFrame(geometry=[box(50, -10, 500, 60)], crs=CRS)
    got = overlap_share(SHAPES.drop(index="disc"), flood, name="flood")
    # square 0..100: x 50..100, y 0..60 -> 3,000 of 10,000; strip 0..400: 350 × 60 of 40,000;
    # L: x 50..300, y 0..60 -> 250 × 60 = 15,000 of 50,000; the point (0, 0) is outside
    assert got.tolist() == pytest.approx([0.3, 21_000 / 40_000, 0.3, 0.0])


def test_category_scores():
    sites = pd.DataFrame({"heritage": ["Listed", None, "industrial archaeology", "none"]})
    got = category_scores(
        sites,
        column="heritage",
        scores=(("listed", 1.0), ("industrial archaeology", 0.5), ("*", 0.0)),
    )
    assert got.tolist() == [1.0, 0.0, 0.5, 0.0]
    strict = category_scores(sites.iloc[[0, 1]], column="heritage", scores=(("listed", 1.0),))
    assert strict.iloc[0] == 1.0 and math.isnan(strict.iloc[1])
    with pytest.raises(DataError, match=r"site 2 has heritage 'industrial archaeology'.*listed"):
        category_scores(sites, column="heritage", scores=(("listed", 1.0),))
    free = pd.DataFrame(
        {
            "heritage": [
                "vincolo monumentale (1980)",
                "none known (recorded in the Lombardia Beni Culturali inventory)",
                "none known",
                None,
            ]
        }
    )
    got = category_scores(
        free,
        column="heritage",
        scores=(("vincolo", 1.0), ("beni culturali", 0.5), ("*", 0.0)),
        match="contains",
    )
    assert got.tolist() == [1.0, 0.5, 0.0, 0.0]
    with pytest.raises(ConfigError, match="no column 'heritag'"):
        category_scores(sites, column="heritag", scores=(("*", 1.0),))


# --- residents near a footprint ------------------------------------------------------------

# two 1 km × 1 km municipalities side by side: A (x 0..1000) with 1,000 residents,
# B (x 1000..2000) with 4,000
MUNIS = gpd.GeoDataFrame(
    {"name": ["A", "B"], "population": [1000, 4000]},
    geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
    crs=CRS,
)


def test_residents_by_areal_weighting_by_hand():
    # a 100 m square footprint centred on the boundary, ring out to 200 m:
    # ring area = (100 + 400)² - 4·(200² - π·200²/4) - 100² = rounded square minus the footprint
    site = gpd.GeoDataFrame(geometry=[box(950, 450, 1050, 550)], crs=CRS)
    ring = (500**2 - 4 * (200**2 - math.pi * 200**2 / 4)) - 100**2
    # half the ring in each municipality: densities 1,000 and 4,000 per km²
    expected = ring / 2 / 1e6 * 1000 + ring / 2 / 1e6 * 4000
    got = residents_within(site, MUNIS, distance_m=200)
    assert got.name == "residents_200m"
    assert got.iloc[0] == pytest.approx(expected, rel=1e-3)


def test_residents_dasymetric_with_a_residential_layer():
    # in A people live only in x 0..500 (density 1,000 / 0.5 km² = 2,000 per km²), in B only in
    # x 1500..2000; a point at (450, 500) with a 100 m ring: the part of the disc with x <= 500
    site = gpd.GeoDataFrame(geometry=[Point(450, 500)], crs=CRS)
    homes = gpd.GeoDataFrame(geometry=[box(0, 0, 500, 1000), box(1500, 0, 2000, 1000)], crs=CRS)
    # disc of radius 100 cut by the chord x = 500 at distance 50 from the centre:
    # cap area = r² acos(d/r) - d √(r² - d²); the homes hold disc - cap
    r, d = 100.0, 50.0
    cap = r * r * math.acos(d / r) - d * math.sqrt(r * r - d * d)
    expected = (math.pi * r * r - cap) / 1e6 * 2000
    got = residents_within(site, MUNIS, distance_m=100, residential=homes)
    assert got.iloc[0] == pytest.approx(expected, rel=1e-3)
    # uniform density would give the whole disc at 1,000 per km²
    flat = residents_within(site, MUNIS, distance_m=100)
    assert flat.iloc[0] == pytest.approx(math.pi * r * r / 1e6 * 1000, rel=1e-3)


def test_residents_fall_back_to_uniform_where_the_layer_has_no_homes():
    site = gpd.GeoDataFrame(geometry=[Point(1500, 500)], crs=CRS)
    homes = gpd.GeoDataFrame(geometry=[box(0, 0, 500, 1000)], crs=CRS)  # nothing in B
    got = residents_within(site, MUNIS, distance_m=100, residential=homes)
    assert got.iloc[0] == pytest.approx(math.pi * 100**2 / 1e6 * 4000, rel=1e-3)


def test_residents_need_a_population():
    site = gpd.GeoDataFrame(geometry=[Point(500, 500)], crs=CRS)
    with pytest.raises(ConfigError, match="no column 'pop'"):
        residents_within(site, MUNIS, distance_m=100, population="pop")


# --- missing scores and optional criteria ---------------------------------------------------


def _shape_profile(**extra):
    raw = {
        "name": "logi",
        "criteria": {
            "near": {
                "indicator": "minutes",
                "direction": "cost",
                "standardisation": {"method": "linear_range", "low": 0, "high": 40},
                "weight": 3,
                "unit": "min",
            },
            "shape": {
                "indicator": {
                    "kind": "footprint",
                    "measure": "compactness",
                    "where": {"geometry_quality": ["osm_outline"]},
                },
                "direction": "benefit",
                "standardisation": {"method": "linear_range", "low": 0.2, "high": 0.6},
                "weight": 1,
                "missing_score": 0.5,
            },
        },
    }
    raw["criteria"].update(extra)
    return parse_profile(raw, name="logi")


def test_missing_score_replaces_an_unknown_shape_instead_of_excluding():
    sites = SHAPES.assign(minutes=[20.0, 20.0, 20.0, 20.0, 20.0])
    frame = compute_indicators(sites, {"logi": _shape_profile()})
    out = score_profile(frame, _shape_profile())
    # near: 1 - 20/40 = 0.5 for all, weight .75; shape weight .25:
    # disc and square (2/π = .64 > .6) full; strip (0.2996 - .2)/.4; ell, point unknown: 0.5
    sq = 1.0
    st = (160_000 / (math.pi * 170_000) - 0.2) / 0.4
    expected = 0.375 + 0.25 * np.array([1.0, sq, st, 0.5, 0.5])
    np.testing.assert_allclose(out["score_logi"], expected, rtol=1e-3)
    assert (out["excluded_logi"] == "").all()
    assert "footprint compactness unknown" not in out.loc["ell", "why_logi"]


def test_optional_criterion_left_out_when_its_layer_is_not_given():
    flood = {
        "indicator": {"kind": "overlap_share", "layer": "flood_hazard"},
        "direction": "cost",
        "standardisation": {"method": "linear_range", "low": 0, "high": 0.5},
        "weight": 1,
        "optional": True,
    }
    prof = _shape_profile(flood=flood)
    kept, notes = drop_unavailable({"logi": prof}, layers={})
    assert kept["logi"].criterion_names == ["near", "shape"]
    np.testing.assert_allclose(kept["logi"].weights, [0.75, 0.25])
    assert notes == [
        "logi: optional criterion flood (needs 'flood_hazard') left out: not given; "
        "the others reweighted"
    ]
    given, notes = drop_unavailable(
        {"logi": prof}, layers={"flood_hazard": gpd.GeoDataFrame(geometry=[], crs=CRS)}
    )
    assert given["logi"] is prof and notes == []
    sites = SHAPES.assign(minutes=10.0)
    result = run_suitability(sites, {"logi": prof}, n_draws=0)
    assert result.notes == tuple(drop_unavailable({"logi": prof}, layers={})[1])
    assert "contrib_logi_flood" not in result.scores.columns


def test_optional_column_criterion_left_out_when_the_sites_lack_the_column():
    jobs = {
        "indicator": "jobs_lost_reach",
        "direction": "benefit",
        "standardisation": {"method": "linear_range", "low": 0, "high": 5000},
        "weight": 4,
        "optional": True,
    }
    prof = _shape_profile(jobs=jobs)
    sites = SHAPES.assign(minutes=20.0)
    result = run_suitability(sites, {"logi": prof}, n_draws=0)
    assert result.notes == (
        "logi: optional criterion jobs (needs column 'jobs_lost_reach', which seriana "
        "accessibility writes from the study area's job-loss scenario, see its warning) left "
        "out: the sites lack it; the others reweighted",
    )
    # near (3/4 of what is left) at 1 - 20/40, shape (1/4) full for the disc: by hand
    assert result.scores.loc[SHAPES.index[0], "score_logi"] == pytest.approx(0.75 * 0.5 + 0.25)
    # with the column, it counts: 4/8 of the weight, 2500 of 5000 → +0.25
    with_col = run_suitability(sites.assign(jobs_lost_reach=2500.0), {"logi": prof}, n_draws=0)
    assert with_col.notes == ()
    expected = (3 * 0.5 + 1 * 1.0 + 4 * 0.5) / 8
    assert with_col.scores.loc[SHAPES.index[0], "score_logi"] == pytest.approx(expected)
    # without optional, a missing column stays an error that names it
    required = _shape_profile(jobs={**jobs, "optional": False})
    with pytest.raises(ConfigError, match="no column 'jobs_lost_reach'"):
        run_suitability(sites, {"logi": required}, n_draws=0)


def test_a_required_criterion_without_its_layer_is_an_error():
    prof = _shape_profile(
        flood={
            "indicator": {"kind": "overlap_share", "layer": "flood_hazard"},
            "direction": "cost",
            "weight": 1,
        }
    )
    with pytest.raises(ConfigError, match="layer 'flood_hazard' was not given"):
        run_suitability(SHAPES.assign(minutes=10.0), {"logi": prof}, n_draws=0)


def test_owa_order_weights_are_resampled_when_a_criterion_is_left_out():
    raw = {
        "criteria": {
            n: {"indicator": n, "direction": "benefit", "weight": 1} for n in ("a", "b", "c", "d")
        },
        "aggregation": {"method": "owa", "order_weights": [0.1, 0.2, 0.3, 0.4]},
    }
    prof = parse_profile(raw, name="o").without(["d"])
    # cumulative 0, .1, .3, .6, 1 at 0, 1/4, 2/4, 3/4, 1, read at 0, 1/3, 2/3, 1:
    # Q(1/3) = .1 + (1/3 - 1/4)·.2/.25 = .1667, Q(2/3) = .3 + (2/3 - 1/2)·.3/.25 = .5
    np.testing.assert_allclose(prof.aggregation.order_weights, [1 / 6, 1 / 3, 0.5])
    np.testing.assert_allclose(prof.weights, [1 / 3] * 3)


@pytest.mark.shared_data
def test_residents_on_the_osm_residential_land_of_bergamo(shared_data):
    """Real data: ISTAT's Bergamo spread over OSM landuse=residential (2021 snapshot)."""
    import warnings

    import pyogrio

    from seriana_gis.sources import istat

    with warnings.catch_warnings():
        # GDAL's OSM driver reports the unclosed rings it drops, as RuntimeWarnings
        warnings.simplefilter("ignore", RuntimeWarning)
        homes = pyogrio.read_dataframe(
            shared_data / "osm" / "bergamo_city_2021-04-17.osm.pbf",
            layer="multipolygons",
            where="landuse = 'residential'",
            columns=["landuse"],
        )
    homes = homes.set_crs("EPSG:4326").to_crs(CRS)
    city = istat.boundaries(["016024"], year=2023).to_crs(CRS)
    pop = int(istat.population_by_age(["016024"], year=2023)["total"].sum())
    munis = gpd.GeoDataFrame(
        {"name": ["Bergamo"], "population": [pop]}, geometry=city.geometry.values, crs=CRS
    )
    # areal weighting keeps the total: a 20 km ring round the city holds all its residents,
    # with or without the residential layer
    centre = gpd.GeoDataFrame(geometry=[city.geometry.iloc[0].representative_point()], crs=CRS)
    for layer in (None, homes):
        total = residents_within(centre, munis, distance_m=20_000, residential=layer).iloc[0]
        assert total == pytest.approx(pop, rel=1e-3)
    # a block of flats in Borgo Palazzo against the woods of the Parco dei Colli north of
    # Città Alta: uniform density gives both the same; the residential land tells them apart
    pts = gpd.GeoDataFrame(
        geometry=[Point(9.6880, 45.6930), Point(9.6480, 45.7180)], crs="EPSG:4326"
    ).to_crs(CRS)
    flat = residents_within(pts, munis, distance_m=300)
    dasy = residents_within(pts, munis, distance_m=300, residential=homes)
    assert flat.iloc[0] == pytest.approx(flat.iloc[1], rel=1e-6)
    # (10.9 of Bergamo's 40.8 km² are residential land in the snapshot, so 3.8 times the
    # density on it; about half of the ring round the flats is residential land)
    assert dasy.iloc[0] > 1.5 * flat.iloc[0] and dasy.iloc[1] < 0.5 * flat.iloc[1]
