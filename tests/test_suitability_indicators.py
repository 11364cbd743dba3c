"""Indicators computed from other layers, and the spatial exclusion constraint."""

from __future__ import annotations

import math
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from rasterio.io import MemoryFile
from shapely.geometry import Point, box

from seriana_gis._errors import ConfigError, CRSError, DataError
from seriana_gis.suitability import parse_profile, score_profile, score_sites
from seriana_gis.suitability.indicators import (
    compute_indicators,
    containing_value,
    count_within,
    distance_to_nearest,
    raster_value,
)

CRS = "EPSG:32632"
SITES = gpd.GeoDataFrame(
    {"id": ["s0", "s1", "s2"], "area_m2": [1.0, 2.0, 3.0]},
    geometry=[Point(0, 0), Point(100, 0), Point(1000, 0)],
    crs=CRS,
).set_index("id")
STOPS = gpd.GeoDataFrame(geometry=[Point(0, 50), Point(1000, 300)], crs=CRS)


def test_distance_to_nearest() -> None:
    # s0 -> (0,50): 50; s1 -> (0,50): sqrt(100^2 + 50^2); s2 -> (1000,300): 300
    d = distance_to_nearest(SITES, STOPS, name="teb_stops")
    np.testing.assert_allclose(d, [50.0, math.hypot(100, 50), 300.0])
    assert list(d.index) == ["s0", "s1", "s2"]


def test_count_within() -> None:
    # within 120 m: s0 sees (0,50); s1 sees (0,50) at 111.8 m; s2 sees nothing (300 m)
    assert count_within(SITES, STOPS, distance_m=120).tolist() == [1, 1, 0]
    assert count_within(SITES, STOPS, distance_m=300).tolist() == [1, 1, 1]


def test_containing_value() -> None:
    munis = gpd.GeoDataFrame(
        {"old_age_index": [150.0, 210.0]},
        geometry=[box(-50, -50, 500, 50), box(500, -50, 900, 50)],
        crs=CRS,
    )
    v = containing_value(SITES, munis, column="old_age_index")
    assert v.iloc[0] == 150 and v.iloc[1] == 150 and math.isnan(v.iloc[2])  # s2 outside
    with pytest.raises(ConfigError, match="no column 'old_age'.*'old_age_index'"):
        containing_value(SITES, munis, column="old_age")


def test_raster_value() -> None:
    # 2 x 2 cells of 500 m, top-left at (-250, 250): s0 and s1 in the top-left cell (7),
    # s2 outside on the right (x = 1000 > 750) -> NaN
    data = np.array([[[7, 8], [9, -1]]], dtype="float32")
    profile = {
        "driver": "GTiff",
        "width": 2,
        "height": 2,
        "count": 1,
        "dtype": "float32",
        "crs": CRS,
        "transform": Affine(500, 0, -250, 0, -500, 250),
        "nodata": -1,
    }
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write(data)
        with mem.open() as src:
            v = raster_value(SITES, src, name="slope")
            with pytest.raises(ConfigError, match="band 2 does not exist"):
                raster_value(SITES, src, band=2)
    assert v.iloc[0] == 7 and v.iloc[1] == 7 and math.isnan(v.iloc[2])


def test_crs_mismatch_and_plain_frames() -> None:
    with pytest.raises(CRSError, match="reproject"):
        distance_to_nearest(SITES, STOPS.to_crs("EPSG:3003"))
    with pytest.raises(CRSError, match="geographic"):
        distance_to_nearest(SITES.to_crs(4326), STOPS.to_crs(4326))
    with pytest.raises(DataError, match="GeoDataFrame"):
        distance_to_nearest(SITES.drop(columns="geometry"), STOPS)


def test_compute_indicators_and_exclusion_layer() -> None:
    prof = parse_profile(
        {
            "name": "p",
            "criteria": {
                "teb": {
                    "indicator": {"kind": "distance_to", "layer": "teb_stops"},
                    "direction": "cost",
                    "weight": 1,
                },
                "stops": {
                    "indicator": {"kind": "count_within", "layer": "teb_stops", "distance_m": 120},
                    "direction": "benefit",
                    "weight": 1,
                },
            },
            "constraints": {"exclude_intersecting": ["flood"]},
        },
        name="p",
    )
    frame = compute_indicators(SITES, {"p": prof}, layers={"teb_stops": STOPS})
    assert {"dist_teb_stops_m", "n_teb_stops_120m"} <= set(frame.columns)
    assert "dist_teb_stops_m" not in SITES.columns
    flood = gpd.GeoDataFrame(geometry=[box(900, -10, 1100, 10)], crs=CRS)
    out = score_profile(frame, prof, layers={"flood": flood})
    assert out["excluded_p"].tolist() == ["", "", "intersects flood"]
    assert out["rank_p"].tolist()[:2] == [1, 2]
    with pytest.raises(ConfigError, match="layer 'flod' was not given.*'flood'"):
        wrong = replace(prof, constraints=replace(prof.constraints, exclude_intersecting=("flod",)))
        score_profile(frame, wrong, layers={"flood": flood})


def test_containing_value_on_a_shared_boundary_takes_the_first_polygon() -> None:
    munis = gpd.GeoDataFrame(
        {"v": [1.0, 2.0]}, geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=CRS
    )
    on_edge = gpd.GeoDataFrame(geometry=[Point(10, 5)], crs=CRS)
    assert containing_value(on_edge, munis, column="v").tolist() == [1.0]


def test_a_given_layer_replaces_a_stale_column_and_a_missing_one_uses_it() -> None:
    prof = parse_profile(
        {
            "name": "p",
            "criteria": {
                "teb": {
                    "indicator": {"kind": "distance_to", "layer": "teb_stops"},
                    "direction": "cost",
                    "weight": 1,
                }
            },
        },
        name="p",
    )
    stale = SITES.assign(dist_teb_stops_m=[9.0, 9.0, 9.0])
    fresh = score_sites(stale, {"p": prof}, layers={"teb_stops": STOPS})
    np.testing.assert_allclose(fresh["dist_teb_stops_m"], [50.0, math.hypot(100, 50), 300.0])
    kept = score_sites(stale, {"p": prof})
    assert kept["dist_teb_stops_m"].tolist() == [9.0, 9.0, 9.0]


def test_distance_and_count_to_selected_features_only():
    import geopandas as gpd
    import pytest
    from shapely.geometry import LineString, Point

    from seriana_gis._errors import ConfigError
    from seriana_gis.suitability.indicators import compute_indicators
    from seriana_gis.suitability.profile import parse_profile

    sites = gpd.GeoDataFrame(
        {"area_m2": [1.0, 2.0]}, geometry=[Point(0, 0), Point(0, 500)], crs="EPSG:32632",
        index=["a", "b"],
    )  # fmt: skip
    roads = gpd.GeoDataFrame(
        {"highway": ["motorway", "residential", "trunk"]},
        geometry=[
            LineString([(-1000, 1000), (1000, 1000)]),  # y = 1000: 1000 m from a, 500 from b
            LineString([(-1000, 10), (1000, 10)]),  # y = 10: excluded by the filter
            LineString([(300, -1000), (300, 1000)]),  # x = 300: 300 m from both
        ],
        crs="EPSG:32632",
    )
    raw = {
        "criteria": {
            "quiet": {
                "indicator": {"kind": "distance_to", "layer": "roads",
                              "where": {"highway": ["motorway", "trunk"]}},
                "direction": "benefit", "standardisation": "linear_minmax", "weight": 1,
            },
            "near": {
                "indicator": {"kind": "count_within", "layer": "roads", "distance_m": 400,
                              "where": {"highway": "motorway"}},
                "direction": "cost", "standardisation": "linear_minmax", "weight": 1,
            },
        }
    }  # fmt: skip
    profile = parse_profile(raw, name="t")
    out = compute_indicators(sites, {"t": profile}, layers={"roads": roads})
    # nearest motorway or trunk: the trunk at x = 300 for both (the residential road ignored)
    assert out["dist_roads_motorway_trunk_m"].tolist() == [300.0, 300.0]
    # motorways within 400 m: none from a (1000 m), none from b (500 m)
    assert out["n_roads_motorway_400m"].tolist() == [0, 0]

    bad = {"criteria": {"x": {**raw["criteria"]["quiet"]}}}
    bad["criteria"]["x"]["indicator"] = {"kind": "distance_to", "layer": "roads",
                                         "where": {"kind": ["motorway"]}}  # fmt: skip
    with pytest.raises(ConfigError, match="layer 'roads' has no column 'kind'. Columns: highway"):
        compute_indicators(sites, {"t": parse_profile(bad, name="t")}, layers={"roads": roads})
    bad["criteria"]["x"]["indicator"]["where"] = {"highway": ["footway"]}
    with pytest.raises(ConfigError, match="no feature of layer 'roads' has highway in"):
        compute_indicators(sites, {"t": parse_profile(bad, name="t")}, layers={"roads": roads})
    bad["criteria"]["x"]["indicator"]["where"] = ["motorway"]
    with pytest.raises(ConfigError, match="expected a mapping of column to value"):
        parse_profile(bad, name="t")
