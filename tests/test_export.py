"""Unit tests of seriana_gis.export (run in the virtualenv; QGIS itself in test_export_qgis.py)."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
from export_samples import expected_tables, make_raster, sample_layers, sample_provenance
from geopandas.testing import assert_geodataframe_equal

from seriana_gis._errors import ConfigError, CRSError, DataError, OutputExistsError
from seriana_gis.export import export_qgis
from seriana_gis.export.formats import shapefile_names
from seriana_gis.export.qml import style_qml
from seriana_gis.export.styles import default_styles, rename_fields
from seriana_gis.export.tables import split_by_geometry

ALL_FORMATS = ("gpkg", "geojson", "csv", "geotiff", "shapefile")


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "Valle Seriana" / "esportazione è ok"


# --- class breaks, names, splitting -------------------------------------------------


def test_shapefile_names_by_hand() -> None:
    names = shapefile_names(["id", "transit_bergamo_min", "transit_bergamo_max", "name"])
    assert names == {
        "id": "id",
        "transit_bergamo_min": "transit_be",
        "transit_bergamo_max": "transit__1",
        "name": "name",
    }


def test_split_by_geometry_counts_families() -> None:
    gdf = sample_layers()["tourism_assets"]
    parts = split_by_geometry("tourism_assets", gdf)
    assert {k: len(v) for k, v in parts.items()} == expected_tables({"tourism_assets": gdf})
    assert sum(len(v) for v in parts.values()) == len(gdf)
    single = sample_layers()["teb_lines"]
    assert list(split_by_geometry("teb_lines", single)) == ["teb_lines"]


# --- styles ----------------------------------------------------------------------


def test_brownfields_default_is_best_use_categories() -> None:
    gdf = sample_layers()["brownfields"]
    points = gdf[gdf.geom_type == "Point"]
    styles = default_styles("brownfields", points)
    assert styles[0].renderer == "categorizedSymbol"
    assert styles[0].attribute == "best_use"
    # one category per best use, and the "all other values" one ("") for the sites without
    assert points["best_use"].isna().any()
    assert {c.value for c in styles[0].classes} == {*points["best_use"].dropna(), ""}
    other = next(c for c in styles[0].classes if c.value == "")
    assert other.label == "None (excluded from every profile)"
    names = {s.attribute for s in styles}
    assert {"score_logistics", "score_services", "car_bgy_min", "transit_bergamo_min"} <= names


def test_teb_planned_extension_is_dashed() -> None:
    style = default_styles("teb_lines", sample_layers()["teb_lines"])[0]
    root = ET.fromstring(style_qml(style).split("\n", 1)[1])
    cats = {c.get("value"): c.get("symbol") for c in root.iter("category")}
    line_style = {}
    for sym in root.find("renderer-v2/symbols"):  # type: ignore[union-attr]
        opts = {o.get("name"): o.get("value") for o in sym.iter("Option")}
        line_style[sym.get("name")] = opts["line_style"]
    assert line_style[cats["planned"]] == "dash"
    assert line_style[cats["existing"]] == "solid"


def test_graduated_qml_covers_the_data() -> None:
    gdf = sample_layers()["municipalities"]
    style = default_styles("municipalities", gdf)[0]
    root = ET.fromstring(style_qml(style).split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer is not None
    assert renderer.get("type") == "graduatedSymbol"
    assert renderer.get("attr") == "density"
    ranges = [
        (float(r.get("lower", "nan")), float(r.get("upper", "nan"))) for r in renderer.iter("range")
    ]
    assert len(ranges) == style.class_count == len(renderer.find("symbols"))  # type: ignore[arg-type]
    assert ranges[0][0] <= gdf["density"].min()
    assert ranges[-1][1] >= gdf["density"].max()
    assert root.get("labelsEnabled") == "1"
    assert root.find("labeling/settings/text-style").get("fieldName") == "name"  # type: ignore[union-attr]


def _rules(qml: str) -> list[tuple[str | None, str | None, str | None]]:
    """``(filter, label, fill colour)`` of each rule of a rule-based style."""
    root = ET.fromstring(qml.split("\n", 1)[1])
    colours = {
        s.get("name"): next(o.get("value") for o in s.iter("Option") if o.get("name") == "color")
        for s in root.findall("renderer-v2/symbols/symbol")
    }
    return [
        (r.get("filter"), r.get("label"), colours[r.get("symbol")])
        for r in root.findall("renderer-v2/rules/rule")
    ]


def test_graduated_style_draws_missing_values_with_an_else_rule() -> None:
    """A score with an excluded site: one rule per fixed class, then ELSE in the web map's grey."""
    gdf = sample_layers()["brownfields"]
    points = gdf[gdf.geom_type == "Point"].copy()
    points.loc[points.index[0], "score_logistics"] = np.nan
    styles = {s.attribute: s for s in default_styles("brownfields", points)}
    style = styles["score_logistics"]
    assert style.renderer == "RuleRenderer"
    assert style.class_count == 6
    f = '"score_logistics"'
    # classes 0-0.2 ... 0.8-1, lower edge held by the first class only (as QGIS's ranges)
    assert _rules(style_qml(style)) == [
        (f"{f} >= 0.0 AND {f} <= 0.2", "0.0 – 0.2", "255,255,204,255"),
        (f"{f} > 0.2 AND {f} <= 0.4", "0.2 – 0.4", "161,218,180,255"),
        (f"{f} > 0.4 AND {f} <= 0.6", "0.4 – 0.6", "65,182,196,255"),
        (f"{f} > 0.6 AND {f} <= 0.8", "0.6 – 0.8", "44,127,184,255"),
        (f"{f} > 0.8 AND {f} <= 1.0", "0.8 – 1.0", "37,52,148,255"),
        ("ELSE", "Excluded from this profile", "189,189,189,255"),
    ]
    # a column every feature has a class for keeps QGIS's graduated renderer
    assert styles["score_services"].renderer == "graduatedSymbol"
    assert styles["score_services"].missing is None
    # a travel time without a value: the time's words
    times = _rules(style_qml(styles["transit_bergamo_min"]))
    assert times[-1][:2] == ("ELSE", "No time (no trip by this mode)")


def test_rule_style_follows_renamed_shapefile_fields() -> None:
    gdf = sample_layers()["brownfields"]
    points = gdf[gdf.geom_type == "Point"]
    style = next(
        s for s in default_styles("brownfields", points) if s.attribute == "transit_bergamo_min"
    )
    renamed = rename_fields(style, {"transit_bergamo_min": "transit_be"})
    filters = [r[0] for r in _rules(style_qml(renamed))]
    assert filters[-1] == "ELSE"
    assert all(x.startswith('"transit_be" >') and "transit_bergamo" not in x for x in filters[:-1])


def test_isochrone_classes_are_the_bands() -> None:
    gdf = sample_layers()["isochrones"]
    style = default_styles("isochrones", gdf)[0]
    assert [c.upper for c in style.classes] == sorted(set(gdf["minutes"].astype(float)))
    assert style.order_by_descending


# --- the GeoPackage --------------------------------------------------------------


def test_gpkg_tables_styles_metadata(out_dir: Path) -> None:
    layers = sample_layers()
    prov = sample_provenance()
    result = export_qgis(layers, prov, out_dir)
    gpkg = out_dir / "seriana.gpkg"
    assert result.gpkg == gpkg
    assert result.project == out_dir / "seriana.qgz"
    expected = expected_tables(layers)
    listed = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert set(expected) | {"layer_styles", "provenance"} == listed
    for table, count in expected.items():
        info = pyogrio.read_info(gpkg, layer=table)
        assert info["features"] == count, table
        assert info["crs"] == "EPSG:32632"
    with closing(sqlite3.connect(gpkg)) as con:
        styles = pd.read_sql("SELECT * FROM layer_styles", con)
        meta = pd.read_sql(
            "SELECT r.table_name, m.metadata, m.md_standard_uri FROM gpkg_metadata m "
            "JOIN gpkg_metadata_reference r ON r.md_file_id = m.id "
            "WHERE r.reference_scope = 'table'",
            con,
        )
        contents = dict(con.execute("SELECT table_name, identifier FROM gpkg_contents").fetchall())
    # one default style per table, on the table's real geometry column
    defaults = styles[styles["useAsDefault"].astype(bool)]
    assert sorted(defaults["f_table_name"]) == sorted(expected)
    for table in expected:
        geom = pyogrio.read_info(gpkg, layer=table)["geometry_name"]
        assert set(styles.loc[styles["f_table_name"] == table, "f_geometry_column"]) == {geom}
    assert set(styles["f_table_schema"]) == {""}
    assert len(styles) == len(result.styles)
    # QGIS metadata per table, licences and attributions from the provenance rows
    assert set(meta["md_standard_uri"]) == {"http://mrcc.com/qgis.dtd"}
    assert sorted(meta["table_name"]) == sorted(expected)
    for table, xml in zip(meta["table_name"], meta["metadata"], strict=True):
        layer = next(name for name in layers if table.startswith(name))
        rows = prov[prov["layer"] == layer]
        root = ET.fromstring(xml.split("\n", 1)[1])
        assert [e.text for e in root.findall("license")] == list(dict.fromkeys(rows["licence"]))
        assert [e.text for e in root.findall("rights")] == list(dict.fromkeys(rows["attribution"]))
        assert root.findtext("title") == contents[table]
        for source in rows["source"]:
            assert source in (root.findtext("abstract") or "")
        for note in rows["note"].dropna():  # the period the travel times assume
            assert f"Note: {note}" in (root.findtext("abstract") or "")
    bf_meta = meta[meta["table_name"].str.startswith("brownfields")]["metadata"]
    assert len(bf_meta) and all("period off_peak" in xml for xml in bf_meta)


def test_inputs_are_not_changed(out_dir: Path) -> None:
    layers = sample_layers()
    before = {k: v.copy() for k, v in layers.items()}
    prov = sample_provenance()
    prov_before = prov.copy()
    export_qgis(layers, prov, out_dir, formats=ALL_FORMATS)
    for name, gdf in layers.items():
        assert_geodataframe_equal(gdf, before[name])
    pd.testing.assert_frame_equal(prov, prov_before)


def test_other_crs_is_reprojected(out_dir: Path) -> None:
    layers = {"teb_lines": sample_layers()["teb_lines"].to_crs("EPSG:4326")}
    export_qgis(layers, sample_provenance(), out_dir)
    back = gpd.read_file(out_dir / "seriana.gpkg", layer="teb_lines")
    assert back.crs.to_epsg() == 32632
    ref = sample_layers()["teb_lines"]
    assert np.allclose(back.length, ref.length, rtol=1e-6)


def test_refuses_to_overwrite(out_dir: Path) -> None:
    export_qgis(sample_layers(), sample_provenance(), out_dir)
    gpkg = out_dir / "seriana.gpkg"
    before = gpkg.read_bytes()
    with pytest.raises(OutputExistsError, match="--overwrite"):
        export_qgis(sample_layers(), sample_provenance(), out_dir, formats=("gpkg", "csv"))
    assert gpkg.read_bytes() == before
    assert not (out_dir / "csv").exists()  # nothing written when anything exists
    export_qgis(sample_layers(), sample_provenance(), out_dir, overwrite=True)
    assert not list(out_dir.glob(".*tmp*"))


def test_gpkg_path_names_the_file(tmp_path: Path) -> None:
    target = tmp_path / "è qui" / "valle.gpkg"
    result = export_qgis(sample_layers(), sample_provenance(), target)
    assert result.gpkg == target and target.exists()
    assert result.project == target.with_suffix(".qgz") and result.project.exists()


# --- the project -----------------------------------------------------------------


def test_project_groups_and_sources(out_dir: Path) -> None:
    layers = sample_layers()
    result = export_qgis(layers, sample_provenance(), out_dir)
    with zipfile.ZipFile(out_dir / "seriana.qgz") as zf:
        assert zf.namelist() == ["seriana.qgs"]
        root = ET.fromstring(zf.read("seriana.qgs").decode("utf-8").split("\n", 1)[1])
    groups = root.findall("layer-tree-group/layer-tree-group")
    assert [g.get("name") for g in groups] == [
        "Brownfields",
        "Networks",
        "Accessibility",
        "Territory",
    ]
    sources = [e.text for e in root.iter("datasource")]
    assert sorted(sources) == sorted(
        f"./seriana.gpkg|layername={t}" for t in expected_tables(layers)
    )
    networks = [e.get("source", "").split("=")[-1] for e in groups[1]]
    assert networks.index("teb_stops") < networks.index("teb_lines")  # points over lines
    territory = [e.get("source", "").split("=")[-1] for e in groups[3]]
    assert territory[-1] == "municipalities"  # polygons at the bottom
    assert root.find("properties/Paths/Absolute").text == "false"  # type: ignore[union-attr]
    # the same project is stored in the GeoPackage (qgis_projects, hex of the .qgz bytes)
    with closing(sqlite3.connect(out_dir / "seriana.gpkg")) as con:
        rows = con.execute("SELECT name, content FROM qgis_projects").fetchall()
    assert [name for name, _ in rows] == ["seriana"]
    assert result.stored_project == f"geopackage:{out_dir / 'seriana.gpkg'}?projectName=seriana"
    assert bytes.fromhex(rows[0][1]) == (out_dir / "seriana.qgz").read_bytes()


# --- other formats ---------------------------------------------------------------


def test_geojson_is_rfc7946(out_dir: Path) -> None:
    layers = sample_layers()
    export_qgis(layers, sample_provenance(), out_dir, formats=("geojson",))
    assert not (out_dir / "seriana.gpkg").exists()
    for name, gdf in layers.items():
        path = out_dir / "geojson" / f"{name}.geojson"
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert "crs" not in doc
        assert len(doc["features"]) == len(gdf)
        back = gpd.read_file(path)
        assert back.crs.to_epsg() == 4326
        ref = gdf.to_crs("EPSG:4326")
        assert np.allclose(back.total_bounds, ref.total_bounds, atol=1e-6)
        # Seriana Valley: about 9.6-9.9 E, 45.6-45.9 N
        minx, miny, maxx, maxy = back.total_bounds
        assert 9.0 < minx < maxx < 10.5 and 45.0 < miny < maxy < 46.5


def test_csv_rankings_and_travel_times(out_dir: Path) -> None:
    bf = sample_layers()["brownfields"]
    export_qgis({"brownfields": bf}, sample_provenance(), out_dir, formats=("csv",))
    ranks = pd.read_csv(out_dir / "csv" / "brownfields_rankings.csv", dtype={"id": str})
    assert list(ranks["rank_logistics"]) == sorted(bf["rank_logistics"])
    assert list(ranks["id"]) == list(bf.sort_values("rank_logistics")["id"])
    assert {"score_logistics", "score_services", "rank_services", "best_use"} <= set(ranks.columns)
    times = pd.read_csv(out_dir / "csv" / "brownfields_travel_times.csv")
    assert list(times.columns) == [
        "id",
        "name",
        "municipality",
        "car_bgy_min",
        "transit_bergamo_min",
    ]
    assert times["transit_bergamo_min"].isna().sum() == bf["transit_bergamo_min"].isna().sum()


def test_csv_note_when_nothing_to_write(out_dir: Path) -> None:
    result = export_qgis(
        {"teb_lines": sample_layers()["teb_lines"]}, sample_provenance(), out_dir, formats=("csv",)
    )
    assert result.files == ()
    assert any("csv" in n for n in result.notes)


def test_shapefile_names_reported_and_mapped(out_dir: Path) -> None:
    layers = sample_layers()
    result = export_qgis(layers, sample_provenance(), out_dir, formats=("shapefile",))
    mapping = pd.read_csv(out_dir / "shapefile" / "field_names.csv")
    from_file = {
        table: dict(zip(g["field"], g["shapefile_field"], strict=True))
        for table, g in mapping.groupby("layer")
    }
    assert from_file == result.shapefile_fields
    for table, count in expected_tables(layers).items():
        shp = out_dir / "shapefile" / f"{table}.shp"
        info = pyogrio.read_info(shp)
        assert info["features"] == count
        assert all(len(f) <= 10 for f in info["fields"])
        assert (shp.with_suffix(".cpg")).exists() and shp.with_suffix(".qml").exists()
    # every long column of the source is reported with its short name
    long_cols = {c for c in layers["brownfields"].columns if len(c) > 10}
    assert set(result.shapefile_fields["brownfields_points"]) == long_cols
    fields = pyogrio.read_info(out_dir / "shapefile" / "brownfields_points.shp")["fields"]
    assert set(result.shapefile_fields["brownfields_points"].values()) <= set(fields)


def test_geotiff_copy_with_style(out_dir: Path, tmp_path: Path) -> None:
    raster = make_raster(tmp_path / "car bgy è.tif")
    result = export_qgis(
        sample_layers(),
        sample_provenance(),
        out_dir,
        formats=("gpkg",),
        rasters={"car_bgy_min": raster},
    )
    copy = out_dir / "rasters" / "car_bgy_min.tif"
    assert copy in result.files
    with rasterio.open(raster) as a, rasterio.open(copy) as b:
        assert np.array_equal(a.read(1), b.read(1))
        assert b.crs.to_epsg() == 32632
    qml = ET.fromstring(copy.with_suffix(".qml").read_text(encoding="utf-8").split("\n", 1)[1])
    items = [float(i.get("value", "nan")) for i in qml.iter("item")]
    assert items[0] <= 3.0 and items[-1] >= 3 + 99 * 0.5  # nodata (-1) excluded
    with zipfile.ZipFile(out_dir / "seriana.qgz") as zf:
        assert "./rasters/car_bgy_min.tif" in zf.read("seriana.qgs").decode("utf-8")


# --- errors ----------------------------------------------------------------------


def test_unknown_format() -> None:
    with pytest.raises(ConfigError, match="gpkg, geojson"):
        export_qgis(sample_layers(), sample_provenance(), "x", formats=("kml",))


def test_layer_without_crs(out_dir: Path) -> None:
    gdf = sample_layers()["teb_lines"].set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="teb_lines.*set_crs"):
        export_qgis({"teb_lines": gdf}, sample_provenance(), out_dir)


def test_not_a_geodataframe(out_dir: Path) -> None:
    with pytest.raises(DataError, match="GeoDataFrame"):
        export_qgis({"table": pd.DataFrame({"a": [1]})}, sample_provenance(), out_dir)  # type: ignore[dict-item]


def test_bad_layer_name(out_dir: Path) -> None:
    with pytest.raises(DataError, match="table name"):
        export_qgis({"teb lines": sample_layers()["teb_lines"]}, sample_provenance(), out_dir)


def test_missing_raster(out_dir: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        export_qgis(
            sample_layers(), sample_provenance(), out_dir, rasters={"car": out_dir / "x.tif"}
        )


def test_nothing_to_export(out_dir: Path) -> None:
    with pytest.raises(DataError, match="nothing to export"):
        export_qgis({}, sample_provenance(), out_dir)


def test_empty_layer_and_missing_geometry(out_dir: Path) -> None:
    layers = sample_layers()
    layers["brownfields"] = layers["brownfields"].iloc[0:0]
    stops = layers["teb_stops"].copy()
    stops.loc[0, "geometry"] = None
    layers["teb_stops"] = stops
    result = export_qgis(layers, sample_provenance(), out_dir, formats=("gpkg", "shapefile"))
    gpkg = out_dir / "seriana.gpkg"
    info = pyogrio.read_info(gpkg, layer="brownfields")
    # no geometry to infer from: the schema's first type (Point) is declared
    assert (info["features"], info["geometry_type"]) == (0, "Point")
    assert pyogrio.read_info(gpkg, layer="teb_stops")["features"] == len(stops)
    assert result.default_style("brownfields").class_count == 0
    assert pyogrio.read_info(out_dir / "shapefile" / "brownfields.shp")["geometry_type"] == "Point"


def test_without_provenance(out_dir: Path) -> None:
    """An empty provenance table still exports: titles from the schemas, no licences."""
    export_qgis({"teb_lines": sample_layers()["teb_lines"]}, pd.DataFrame(), out_dir)
    with closing(sqlite3.connect(out_dir / "seriana.gpkg")) as con:
        (xml,) = con.execute("SELECT metadata FROM gpkg_metadata").fetchone()
    root = ET.fromstring(xml.split("\n", 1)[1])
    assert root.findtext("title") == "TEB light-rail lines (existing and planned)"
    assert root.findall("license") == []
    assert "provenance" not in {name for name, _ in pyogrio.list_layers(out_dir / "seriana.gpkg")}


def test_shapefile_long_texts_cut_and_reported(out_dir: Path) -> None:
    lines = sample_layers()["teb_lines"].copy()
    long_text = "Prolungamento è previsto " * 20  # 500 characters, accents are 2 bytes in UTF-8
    lines["source_note"] = [long_text, "short"]
    result = export_qgis({"teb_lines": lines}, sample_provenance(), out_dir, formats=("shapefile",))
    back = gpd.read_file(out_dir / "shapefile" / "teb_lines.shp")
    cut = back["source_not"].iloc[0]
    assert long_text.startswith(cut)
    assert 254 - 2 < len(cut.encode("utf-8")) <= 254
    assert back["source_not"].iloc[1] == "short"
    assert any("1 in source_note" in n for n in result.notes)


def test_named_index_becomes_columns(out_dir: Path) -> None:
    """osmnx frames keep their keys in the index; the exports keep them as columns."""
    edges = sample_layers()["road_edges"].set_index(["u", "v", "key"])
    nodes = sample_layers()["road_nodes"].set_index("osmid")
    export_qgis(
        {"road_edges": edges, "road_nodes": nodes},
        sample_provenance(),
        out_dir,
        formats=("gpkg", "geojson"),
    )
    back = gpd.read_file(out_dir / "seriana.gpkg", layer="road_edges")
    assert list(back[["u", "v", "key"]].itertuples(index=False, name=None)) == list(edges.index)
    fields = pyogrio.read_info(out_dir / "geojson" / "road_nodes.geojson")["fields"]
    assert "osmid" in fields
    assert edges.index.names == ["u", "v", "key"]  # the input keeps its index
