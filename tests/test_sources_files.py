"""Reading user files: OGR files, CSV with coordinates, the census with a column mapping."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from seriana_gis._errors import ConfigError, CRSError, DataError
from seriana_gis.layers.validate import validate_layer
from seriana_gis.sources.census import fill_area, read_census
from seriana_gis.sources.files import read_csv_points, read_vector

MAPPING = """\
columns:
  id: ID_AREA
  name: DENOMINAZ
  municipality: COMUNE
  former_use: ATT_PREC
  area_m2: SUP_HA
  status: STATO
values:
  former_use: {TESSILE: textile, "CEMENTIFICIO": cement, "*": other}
  status: {DISMESSA: dismissed, "PARZIALMENTE RIUTILIZZATA": partly_reused}
defaults:
  source_note: test census
area_unit: ha
"""


def census_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "ID_AREA": [101, 102, 103],
            "DENOMINAZ": ["Ex cotonificio", "Ex cementeria", "Ex officina"],
            "COMUNE": ["Albino", "Alzano Lombardo", "Nembro"],
            "ATT_PREC": ["tessile", "CEMENTIFICIO", "meccanica"],
            "SUP_HA": [2.5, 10.0, 0.4],
            "STATO": ["Dismessa", "parzialmente  riutilizzata", "DISMESSA"],
        },
        geometry=[Point(560_700, 5_068_000), Point(556_500, 5_064_300), Point(558_300, 5_065_600)],
        crs="EPSG:32632",
    )


def test_census_with_mapping_fits_the_schema(tmp_path):
    path = tmp_path / "aree dismesse è.gpkg"  # spaces and accents in the path
    census_gdf().to_file(path, layer="aree_dismesse")
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    out = read_census(path, mapping=tmp_path / "map.yaml")
    out = validate_layer(out, "brownfields", source=str(path))
    assert out["id"].tolist() == ["101", "102", "103"]
    assert out["former_use"].tolist() == ["textile", "cement", "other"]
    assert out["status"].tolist() == ["dismissed", "partly_reused", "dismissed"]
    # hectares to square metres
    assert out["area_m2"].tolist() == [25_000.0, 100_000.0, 4_000.0]
    assert (out["source_note"] == "test census").all()


def test_unlisted_value_without_catch_all_is_named(tmp_path):
    gdf = census_gdf()
    gdf.loc[0, "STATO"] = "bonificata"
    path = tmp_path / "c.gpkg"
    gdf.to_file(path)
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    with pytest.raises(
        DataError,
        match=r"feature 1 \(id 101\), column 'STATO' \(status\): value 'bonificata' is not in "
        r"the mapping's 'values.status', which lists: DISMESSA, PARZIALMENTE RIUTILIZZATA\. "
        r"Add it \(mapped to one of dismissed, partly_reused, in_redevelopment, reused",
    ):
        read_census(path, mapping=tmp_path / "map.yaml")


def test_mapping_naming_an_absent_column(tmp_path):
    path = tmp_path / "c.gpkg"
    census_gdf().drop(columns="SUP_HA").to_file(path)
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    with pytest.raises(DataError, match=r"'SUP_HA' \(for area_m2\).*Columns in the file: ID_AREA"):
        read_census(path, mapping=tmp_path / "map.yaml")


def test_mapping_with_unknown_key(tmp_path):
    (tmp_path / "map.yaml").write_text("colums: {}\n", encoding="utf-8")
    path = tmp_path / "c.gpkg"
    census_gdf().to_file(path)
    with pytest.raises(ConfigError, match="Did you mean 'columns'"):
        read_census(path, mapping=tmp_path / "map.yaml")


def test_csv_with_coordinates(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("id;name;lon;lat\nA;Ex Honegger;9.7965;45.7597\n", encoding="utf-8")
    gdf = read_csv_points(path, crs="EPSG:4326")
    assert gdf.geometry.iloc[0].x == pytest.approx(9.7965)
    assert gdf.columns.tolist() == ["id", "name", "geometry"]


def test_csv_without_crs_says_how_to_declare_it(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("id,x,y\nA,1,2\n", encoding="utf-8")
    with pytest.raises(CRSError, match="crs: EPSG:4326"):
        read_csv_points(path)


def test_csv_with_bad_coordinates_names_the_line(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("id,x,y\nA,1,2\nB,9;7,45\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line\(s\) 3"):
        read_csv_points(path, crs="EPSG:4326", x="x", y="y")


def test_csv_without_coordinate_columns(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("id,est_x,nord_y\nA,1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="cannot find the coordinate columns.*est_x"):
        read_csv_points(path, crs="EPSG:4326")


def test_corrupt_file_gives_one_clear_message(tmp_path):
    path = tmp_path / "broken.gpkg"
    path.write_bytes(b"this is not a geopackage" * 10)
    with pytest.raises(DataError, match="cannot open .*broken.gpkg.*corrupt"):
        read_vector(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_vector(tmp_path / "nope.shp")


def test_multi_layer_file_needs_a_layer_name(tmp_path):
    path = tmp_path / "two.gpkg"
    census_gdf().to_file(path, layer="a")
    census_gdf().to_file(path, layer="b")
    with pytest.raises(DataError, match=r"several layers \(a, b\)"):
        read_vector(path)
    with pytest.raises(DataError, match="no layer 'c'. Layers in the file: a, b"):
        read_vector(path, layer="c")
    assert len(read_vector(path, layer="b")) == 3


def test_declared_crs_fills_a_missing_one(tmp_path):
    path = tmp_path / "nocrs.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},'
        '"geometry":{"type":"Point","coordinates":[560700,5068000]}}]}',
        encoding="utf-8",
    )
    # a GeoJSON without 'crs' member is WGS84 by the RFC; a shapefile without .prj has none
    shp = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.read_file(path).set_crs(None, allow_override=True).to_file(shp)
    Path(str(shp)[:-4] + ".prj").unlink(missing_ok=True)
    assert read_vector(shp).crs is None
    assert read_vector(shp, crs="EPSG:32632").crs.to_epsg() == 32632


def test_points_without_area_are_an_error_polygons_get_their_footprint():
    gdf = gpd.GeoDataFrame(
        {"id": ["P", "Q"], "area_m2": [None, None]},
        geometry=[box(0, 0, 20, 10), Point(0, 0)],
        crs="EPSG:32632",
    )
    with pytest.raises(DataError, match="Q are points without an area"):
        fill_area(gdf, source="x")
    out = fill_area(gdf.iloc[:1], source="x")
    assert out["area_m2"].tolist() == [200.0]


# --- numbers as the census writes them -------------------------------------------------

CSV_MAPPING = """\
columns: {id: ID, name: NOME, municipality: COMUNE, former_use: USO, area_m2: SUP, status: STATO}
values:
  status: {DISMESSA: dismissed, RIUTILIZZATA: reused}
"""


def _census_csv(tmp_path: Path, areas: list[str], *, mapping: str = CSV_MAPPING) -> Path:
    rows = "".join(
        f'{i + 1};Area {i + 1};Nembro;textile;"{a}";DISMESSA;9.74;45.74\n'
        for i, a in enumerate(areas)
    )
    (tmp_path / "aree.csv").write_text(
        "ID;NOME;COMUNE;USO;SUP;STATO;lon;lat\n" + rows, encoding="utf-8"
    )
    (tmp_path / "map.yaml").write_text(mapping, encoding="utf-8")
    return tmp_path / "aree.csv"


def _areas(tmp_path: Path, areas: list[str], mapping: str) -> list[float]:
    path = _census_csv(tmp_path, areas, mapping=mapping)
    out = read_census(path, mapping=tmp_path / "map.yaml", crs="EPSG:4326")
    return out["area_m2"].tolist()


def test_italian_numbers_parse_when_declared(tmp_path):
    # 12.500 is twelve thousand five hundred, 12500,75 has a decimal comma,
    # 20.000,0 both; mq and ha after the number are units (1,25 ha = 12,500 m²)
    got = _areas(
        tmp_path,
        ["12.500", "12500,75", "20.000,0", "1.234.567", "3.000 mq", "1,25 ha", "7 500"],
        CSV_MAPPING + 'decimal: ","\n',
    )
    assert got == [12_500.0, 12_500.75, 20_000.0, 1_234_567.0, 3_000.0, 12_500.0, 7_500.0]


def test_english_numbers_parse_when_declared(tmp_path):
    got = _areas(tmp_path, ["12,500", "12500.75", "2.5 ha"], CSV_MAPPING + 'decimal: "."\n')
    assert got == [12_500.0, 12_500.75, 25_000.0]


def test_area_unit_applies_to_bare_numbers_only(tmp_path):
    got = _areas(tmp_path, ["2,5", "8.000 m²"], CSV_MAPPING + 'decimal: ","\narea_unit: ha\n')
    assert got == [25_000.0, 8_000.0]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("12.500", r"'12\.500' is ambiguous: 12\.500 with a decimal point, or 12500"),
        ("12500,75", "'12500,75' has a comma"),
        ("20.000,0", r"'20\.000,0' has a comma"),
    ],
)
def test_undeclared_convention_is_an_error_naming_row_and_column(tmp_path, value, why):
    path = _census_csv(tmp_path, ["5000", value])
    with pytest.raises(
        DataError,
        match=rf"aree\.csv: line 3 \(id 2\), column 'SUP' \(area_m2\): {why}.*decimal: \",\"",
    ):
        read_census(path, mapping=tmp_path / "map.yaml", crs="EPSG:4326")


def test_undeclared_unambiguous_numbers_parse(tmp_path):
    # more than three digits before the dot, or a leading zero, cannot be a thousands group
    assert _areas(tmp_path, ["12500.75", "0.500 ha", "9000"], CSV_MAPPING) == [
        12_500.75,
        5_000.0,
        9_000.0,
    ]


def test_csv_without_mapping_is_checked_too(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(
        "id;name;municipality;former_use;area_m2;status;lon;lat\n"
        "A;Ex mill;Nembro;textile;12.500;dismissed;9.74;45.74\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"line 2 \(id A\), column 'area_m2': '12\.500' is ambig"):
        read_census(path, crs="EPSG:4326")


@pytest.mark.parametrize("value", ["12.5", "1.23.456", "12,5,0"])
def test_malformed_numbers_under_a_declared_convention(tmp_path, value):
    path = _census_csv(tmp_path, [value], mapping=CSV_MAPPING + 'decimal: ","\n')
    with pytest.raises(DataError, match=r"line 2 \(id 1\), column 'SUP' \(area_m2\)"):
        read_census(path, mapping=tmp_path / "map.yaml", crs="EPSG:4326")


@pytest.mark.parametrize("value", ["0", "-1.200", "0,0 ha"])
def test_non_positive_areas_are_rejected(tmp_path, value):
    path = _census_csv(tmp_path, ["4.000", value], mapping=CSV_MAPPING + 'decimal: ","\n')
    with pytest.raises(DataError, match=r"line 3 \(id 2\), column 'SUP' \(area_m2\).*not positive"):
        read_census(path, mapping=tmp_path / "map.yaml", crs="EPSG:4326")


def test_numeric_fields_of_a_geopackage_pass_unchanged(tmp_path):
    # a GeoPackage carries real numbers: the convention applies only to text
    path = tmp_path / "c.gpkg"
    census_gdf().to_file(path)
    (tmp_path / "map.yaml").write_text(MAPPING + 'decimal: ","\n', encoding="utf-8")
    out = read_census(path, mapping=tmp_path / "map.yaml")
    assert out["area_m2"].tolist() == [25_000.0, 100_000.0, 4_000.0]


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ('decimal: ";"\n', r"decimal ';' is not one of"),
        ('thousands: "."\n', "thousands is declared without decimal"),
        ('decimal: ","\nthousands: ","\n', "decimal and thousands separators are both ','"),
    ],
)
def test_bad_number_convention_in_the_mapping(tmp_path, extra, why):
    path = _census_csv(tmp_path, ["1"], mapping=CSV_MAPPING + extra)
    with pytest.raises(ConfigError, match=rf"map\.yaml: {why}"):
        read_census(path, mapping=tmp_path / "map.yaml", crs="EPSG:4326")


def test_status_recoded_outside_our_vocabulary_lists_it(tmp_path):
    mapping = CSV_MAPPING.replace("RIUTILIZZATA: reused", "RIUTILIZZATA: recycled")
    path = _census_csv(tmp_path, ["1"], mapping=mapping)
    with pytest.raises(
        ConfigError,
        match=r"values\.status: 'recycled' is not a status we know; map the source values to "
        r"one of: dismissed, partly_reused, in_redevelopment, reused",
    ):
        read_census(path, mapping=tmp_path / "map.yaml", crs="EPSG:4326")


def test_unlisted_status_in_a_csv_names_the_line(tmp_path):
    path = _census_csv(tmp_path, ["1", "2"])
    text = path.read_text(encoding="utf-8").replace(
        '2;Area 2;Nembro;textile;"2";DISMESSA', '2;Area 2;Nembro;textile;"2";bonificata'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        DataError,
        match=r"line 3 \(id 2\), column 'STATO' \(status\): value 'bonificata'.*lists: DISMESSA, RIUTILIZZATA",
    ):
        read_census(path, mapping=tmp_path / "map.yaml", crs="EPSG:4326")
