"""Validation on every load: one test per rule, each with a bad input that triggers it."""

from __future__ import annotations

import geopandas as gpd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point, Polygon, box

from seriana_gis._errors import CRSError, DataError, DataWarning, GeometryError
from seriana_gis.layers.validate import validate_layer

# Albino's town centre, roughly, in EPSG:32632 (metres) and EPSG:4326 (degrees).
X, Y = 560_700.0, 5_068_000.0


def brownfields(n: int = 3, *, crs: str | None = "EPSG:32632", **cols: object) -> gpd.GeoDataFrame:
    data: dict[str, object] = {
        "id": [f"S{i}" for i in range(n)],
        "name": [f"site {i}" for i in range(n)],
        "municipality": ["Albino"] * n,
        "former_use": ["textile"] * n,
        "area_m2": [1000.0 * (i + 1) for i in range(n)],
        "status": ["dismissed"] * n,
    }
    data.update(cols)
    geoms = [box(X + 100 * i, Y, X + 100 * i + 50, Y + 50) for i in range(n)]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=crs)


def test_clean_layer_passes_and_input_is_untouched():
    gdf = brownfields()
    before = gdf.copy()
    out = validate_layer(gdf, "brownfields", source="test.gpkg")
    assert out is not gdf
    assert list(out.columns[:6]) == [
        "id",
        "name",
        "municipality",
        "former_use",
        "area_m2",
        "status",
    ]
    assert_geodataframe_equal(gdf, before)


def test_missing_crs_names_the_file_and_the_fix():
    with pytest.raises(CRSError, match=r"census\.shp.*no coordinate reference system.*crs: EPSG"):
        validate_layer(brownfields(crs=None), "brownfields", source="census.shp")


def test_geographic_crs_is_reprojected():
    gdf = brownfields().to_crs("EPSG:4326")
    out = validate_layer(gdf, "brownfields", source="x")
    assert out.crs.to_epsg() == 32632
    # a 50 m square stays a 50 m square after the round trip
    assert out.geometry.area.iloc[0] == pytest.approx(2500.0, rel=1e-4)


def test_missing_required_columns_are_named():
    gdf = brownfields().drop(columns=["former_use", "status"])
    with pytest.raises(
        DataError, match=r"census\.gpkg.*lacks required column\(s\) former_use, status"
    ):
        validate_layer(gdf, "brownfields", source="census.gpkg")


def test_mistyped_column_is_named():
    gdf = brownfields(area_m2=["big", "small", "tiny"])
    with pytest.raises(DataError, match="area_m2 should be float"):
        validate_layer(gdf, "brownfields", source="x.gpkg")


def test_duplicate_ids_rejected():
    gdf = brownfields(id=["A", "B", "A"])
    with pytest.raises(DataError, match="duplicate 'id' values: A"):
        validate_layer(gdf, "brownfields", source="x")


def test_missing_id_rejected():
    gdf = brownfields(id=["A", None, "C"])
    with pytest.raises(DataError, match="have no 'id'"):
        validate_layer(gdf, "brownfields", source="x")


def test_empty_geometry_rejected_with_its_id():
    gdf = brownfields()
    gdf.loc[1, "geometry"] = Polygon()
    with pytest.raises(GeometryError, match="empty geometries for id S1"):
        validate_layer(gdf, "brownfields", source="x")


def test_invalid_geometry_repaired_with_a_warning_naming_it():
    gdf = brownfields()
    bowtie = Polygon([(X, Y), (X + 10, Y + 10), (X + 10, Y), (X, Y + 10)])
    gdf.loc[2, "geometry"] = bowtie
    with pytest.warns(DataWarning, match="repaired invalid geometries of id S2"):
        out = validate_layer(gdf, "brownfields", source="x")
    assert out.geometry.is_valid.all()
    # the bow-tie's two triangles, 25 m² each, survive the repair
    assert out.geometry.iloc[2].area == pytest.approx(50.0)


def test_unrepairable_geometry_rejected():
    gdf = brownfields()
    gdf.loc[0, "geometry"] = Polygon([(X, Y), (X + 10, Y), (X + 20, Y), (X, Y)])  # zero area
    with pytest.raises(GeometryError, match="cannot be repaired for id S0"):
        validate_layer(gdf, "brownfields", source="x")


def test_wrong_geometry_type_rejected():
    gdf = gpd.GeoDataFrame(
        {
            "id": ["T1"],
            "name": ["x"],
            "line": ["T1"],
            "seq": [1],
            "municipality": ["Albino"],
            "status": ["existing"],
        },
        geometry=[box(550_000, 5_060_000, 550_001, 5_060_001)],  # in the valley: a UTM 32N position
        crs="EPSG:32632",
    )
    with pytest.raises(DataError, match="Polygon not allowed for id T1; expected Point"):
        validate_layer(gdf, "teb_stops", source="x")


def test_empty_layer_rejected():
    with pytest.raises(DataError, match="has no features"):
        validate_layer(brownfields().iloc[0:0], "brownfields", source="x")


def test_features_outside_the_area_are_flagged_and_kept():
    gdf = brownfields(3)
    area = box(X - 10, Y - 10, X + 160, Y + 60)  # holds S0 and S1, not S2 (at X+200)
    with pytest.warns(DataWarning, match="1 feature\\(s\\) lie outside the study area: S2"):
        out = validate_layer(gdf, "brownfields", source="x", area=area)
    assert out["outside_study_area"].tolist() == [False, False, True]
    # a tolerance larger than the gap (40 m) takes S2 in
    out = validate_layer(gdf, "brownfields", source="x", area=area, area_tolerance_m=50)
    assert not out["outside_study_area"].any()


def test_points_are_valid_brownfields():
    gdf = brownfields(1)
    gdf["geometry"] = [Point(X, Y)]
    assert validate_layer(gdf, "brownfields", source="x").geom_type.iloc[0] == "Point"


# ------------------------------------------------------------------ vocabularies and values


def test_unknown_status_is_an_error_listing_the_vocabulary():
    gdf = brownfields(status=["dismissed", "abandoned", "Reused"])
    with pytest.raises(DataError) as err:
        validate_layer(gdf, "brownfields", source="register.gpkg")
    msg = str(err.value)
    assert "register.gpkg" in msg and "'status'" in msg
    assert "'Reused', 'abandoned'" in msg and "S1, S2" in msg
    for value in ("dismissed", "partly_reused", "in_redevelopment", "reused", "unknown"):
        assert value in msg


def test_committed_use_outside_its_vocabulary_is_an_error_listing_it():
    # free text where the vocabulary is wanted: the message names file, column, sites
    gdf = brownfields(committed_use=["housing", "homes and shops", None])
    with pytest.raises(DataError) as err:
        validate_layer(gdf, "brownfields", source="register.gpkg")
    msg = str(err.value)
    assert "register.gpkg" in msg and "'committed_use'" in msg
    assert "'homes and shops'" in msg and "(S1)" in msg
    for value in ("housing", "services", "industry", "logistics", "commercial", "mixed"):
        assert value in msg
    # the vocabulary and empty (nothing committed) pass, and are kept as given
    ok = brownfields(committed_use=["services", None, "mixed"])
    out = validate_layer(ok, "brownfields", source="register.gpkg")
    assert out["committed_use"].tolist()[::2] == ["services", "mixed"]
    assert out["committed_use"].isna().tolist() == [False, True, False]


@pytest.mark.parametrize("bad", [0.0, -250.0, float("nan")])
def test_area_must_be_positive(bad):
    gdf = brownfields(area_m2=[1000.0, bad, 3000.0])
    with pytest.raises(DataError, match=r"'area_m2'.*S1"):
        validate_layer(gdf, "brownfields", source="x.gpkg")


def test_area_may_be_empty_only_where_geometry_quality_says_it_is_unpublished():
    nan = float("nan")
    gdf = brownfields(
        area_m2=[nan, nan, 3000.0],
        geometry_quality=[
            "point_area_unpublished",
            "osm_outline_area_unpublished",
            "approximate_area_at_documented_location",
        ],
    )
    gdf.loc[0, "geometry"] = Point(X, Y)
    out = validate_layer(gdf, "brownfields", source="x")
    assert out["area_m2"].isna().tolist() == [True, True, False]
    # an empty area elsewhere is still an error, naming the site and the way out
    for quality in ("osm_outline", "approximate_area_at_documented_location", "point", None):
        bad = gdf.copy()
        bad.loc[1, "geometry_quality"] = quality
        with pytest.raises(DataError, match=r"'area_m2'.*for S1.*osm_outline_area_unpublished"):
            validate_layer(bad, "brownfields", source="x")
    # a published figure must still be positive, whatever the geometry quality says
    zero = gdf.assign(area_m2=[0.0, nan, 3000.0])
    with pytest.raises(DataError, match=r"'area_m2'.*for S0"):
        validate_layer(zero, "brownfields", source="x")


def test_geometry_quality_vocabulary_and_points_and_footprints_together():
    gdf = brownfields(
        geometry_quality=["osm_outline", "point", "approximate_area_at_documented_location"]
    )
    gdf.loc[1, "geometry"] = Point(X, Y + 500)  # a user file may mix points and footprints
    out = validate_layer(gdf, "brownfields", source="x")
    assert list(out.geom_type) == ["Polygon", "Point", "Polygon"]
    bad = gdf.assign(geometry_quality=["osm_outline", "traced by eye", "point"])
    with pytest.raises(DataError, match=r"'traced by eye'.*Allowed values: osm_outline"):
        validate_layer(bad, "brownfields", source="x")


def test_closure_year_with_gaps_reads_as_whole_numbers():
    """A GeoJSON year column with nulls arrives as float: whole numbers pass, as nullable ints."""
    gdf = brownfields(closure_year=[2004.0, float("nan"), 1971.0])
    out = validate_layer(gdf, "brownfields", source="x")
    assert str(out["closure_year"].dtype) == "Int64"
    assert out["closure_year"].tolist()[0] == 2004 and out["closure_year"].isna().tolist()[1]
    with pytest.raises(DataError, match="closure_year should be int"):
        validate_layer(
            brownfields(closure_year=[2004.5, 2005.0, 1971.0]), "brownfields", source="x"
        )
