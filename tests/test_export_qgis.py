"""The exports opened in real QGIS (Debian's python3-qgis, run as a separate process).

``tests/qgis_check.py`` runs under ``/usr/bin/python3`` with a clean
environment (no virtualenv on the path) and ``QT_QPA_PLATFORM=offscreen``; it
prints what QGIS sees as JSON. The expectations here come from the source
frames (counts, distinct values, data ranges, provenance rows) and from the
styling rules of issue 6 written out by hand, not from the export itself.
When PyQGIS is missing the tests fail in CI (``CI`` set) and skip locally.
``SERIANA_QGIS_PYTHON`` names another interpreter with PyQGIS.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import rasterio
from export_samples import expected_tables, make_raster, sample_layers, sample_provenance

from seriana_gis import symbology as sym
from seriana_gis.export import ExportResult, export_qgis

pytestmark = pytest.mark.qgis

#: The Python that imports PyQGIS (override with SERIANA_QGIS_PYTHON, e.g. for a QGIS install elsewhere).
SYSTEM_PYTHON = os.environ.get("SERIANA_QGIS_PYTHON", "/usr/bin/python3")
CHECKER = Path(__file__).with_name("qgis_check.py")
REPO = Path(__file__).resolve().parents[1]

#: What issue 6 asks of each layer's default style: renderer and attribute.
EXPECTED_RENDERER = {
    "municipalities": ("graduatedSymbol", "density"),
    "brownfields": ("categorizedSymbol", "best_use"),
    "teb_lines": ("categorizedSymbol", "status"),
    "teb_stops": ("categorizedSymbol", "status"),
    "tourism_assets": ("categorizedSymbol", "category"),
    "isochrones": ("graduatedSymbol", "minutes"),
    "destinations": ("singleSymbol", None),
    "road_edges": ("categorizedSymbol", sym.ROAD_CLASS_EXPRESSION),
    "road_nodes": ("singleSymbol", None),
}
#: Qt pen styles.
SOLID_LINE, DASH_LINE = 1, 2
#: QgsWkbTypes.GeometryType.
GEOMETRY_TYPE = {"points": 0, "lines": 1, "polygons": 2}


def qgis_env(tmp: Path) -> dict[str, str]:
    """A clean environment for the system Python: no virtualenv, offscreen Qt."""
    runtime = tmp / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(runtime),
    }


@pytest.fixture(scope="module")
def qgis_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch folder; skips (locally) or fails (CI) when PyQGIS is unavailable."""
    tmp = tmp_path_factory.mktemp("qgis")
    probe = None
    if Path(SYSTEM_PYTHON).exists():
        probe = subprocess.run(
            [SYSTEM_PYTHON, "-c", "import qgis.core"],
            env=qgis_env(tmp),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    if probe is None or probe.returncode != 0:
        detail = probe.stderr.strip().splitlines()[-1:] if probe else [f"no {SYSTEM_PYTHON}"]
        msg = (
            f"PyQGIS is not importable by {SYSTEM_PYTHON} ({' '.join(detail)}). "
            "Install Debian's python3-qgis and qgis-providers (scripts/system-deps.sh)."
        )
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return tmp


def run_checker(spec: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """Run ``qgis_check.py`` on ``spec`` and return its JSON report."""
    spec_path = tmp / "spec.json"
    spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(CHECKER), str(spec_path)],
        env=qgis_env(tmp),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report


@pytest.fixture(scope="module")
def exported(qgis_tmp: Path) -> tuple[dict[str, gpd.GeoDataFrame], ExportResult, Path]:
    """Every layer and a raster exported in every format to a folder with spaces and accents."""
    layers = sample_layers()
    raster = make_raster(qgis_tmp / "car bgy.tif")
    folder = qgis_tmp / "Valle Seriana" / "esportazione è ok"
    result = export_qgis(
        layers,
        sample_provenance(),
        folder,
        formats=("gpkg", "geojson", "csv", "geotiff", "shapefile"),
        rasters={"car_bgy_min": raster},
    )
    return layers, result, raster


#: Colours the styles draw (TEB lines, best uses), written here by hand (as in symbology).
TEB_RED = "#c8102e"
BEST_USE_COLOURS = {"logistics": "#7570b3", "services": "#1b9e77", "social_housing": "#d95f02"}


@pytest.fixture(scope="module")
def report(
    exported: tuple[Any, ExportResult, Path], qgis_tmp: Path, artifacts_dir: Path
) -> dict[str, Any]:
    layers, result, _ = exported
    folder = result.folder
    spec = {
        "gpkg": str(result.gpkg),
        "tables": list(expected_tables(layers)),
        "project": str(result.project),
        "stored_project": result.stored_project,
        "render": {
            "png": str(artifacts_dir / "export_qgis_project.png"),
            "colours": [TEB_RED, *BEST_USE_COLOURS.values()],
        },
        "layout": {
            "name": "A3 landscape",
            "png": str(artifacts_dir / "export_qgis_layout.png"),
            "colours": [TEB_RED, *BEST_USE_COLOURS.values()],
        },
        "vectors": [str(folder / "geojson" / f"{name}.geojson") for name in layers]
        + [str(folder / "shapefile" / f"{t}.shp") for t in expected_tables(layers)],
        "rasters": [str(folder / "rasters" / "car_bgy_min.tif")],
    }
    return run_checker(spec, qgis_tmp)


def layer_of(table: str) -> str:
    """The source layer of a table (the table itself for layers we have no rule for)."""
    return next((name for name in EXPECTED_RENDERER if table.startswith(name)), table)


def source_part(layers: dict[str, gpd.GeoDataFrame], table: str) -> gpd.GeoDataFrame:
    """The source features of a table, selected by geometry family from the source frame."""
    layer = layer_of(table)
    gdf = layers[layer]
    if table == layer:
        return gdf
    if layer == "isochrones":  # one table per destination
        return gdf[gdf["destination"] == table.removeprefix("isochrones_")]
    fam = table.removeprefix(layer + "_")
    word = {"points": "Point", "lines": "LineString", "polygons": "Polygon"}[fam]
    return gdf[gdf.geom_type.str.contains(word)]


def expected_renderer(layer: str, part: gpd.GeoDataFrame) -> tuple[str, str | None]:
    """Issue 6's default style of a layer; brownfields before suitability show their status."""
    if layer == "brownfields" and "best_use" not in part.columns:
        return ("categorizedSymbol", "status")
    return EXPECTED_RENDERER[layer]


def check_style(info: dict[str, Any], table: str, part: gpd.GeoDataFrame) -> None:
    """The default style QGIS applied matches issue 6 and the source data."""
    renderer, attr = expected_renderer(layer_of(table), part)
    r = info["renderer"]
    assert r["type"] == renderer, table
    if attr is None:
        return
    assert r["attr"] == attr, table
    if attr == sym.ROAD_CLASS_EXPRESSION:  # classes computed by QGIS from highway
        classes = sym.road_class(part["highway"]).fillna("other")
        assert sorted(r["categories"]) == sorted(classes.unique())
    elif renderer == "categorizedSymbol":
        # a feature without a value falls in the "all other values" category (value ""),
        # written only when the layer has such features
        missing = [""] if part[attr].isna().any() else []
        values = sorted(part[attr].dropna().astype(str).unique())
        assert sorted(r["categories"]) == sorted([*values, *missing]), table
        assert r["count"] == part[attr].nunique() + len(missing)
        # QGIS draws every feature (a feature no category matches is not drawn at all)
        assert r["drawn"] == len(part), table
    else:
        lo, hi = part[attr].min(), part[attr].max()
        assert r["ranges"][0][0] <= lo and r["ranges"][-1][1] >= hi, table
        for (a, b), (c, _) in zip(r["ranges"], r["ranges"][1:], strict=False):
            assert a < b and b == c  # contiguous increasing classes
        if attr == "minutes":  # one class per isochrone band
            assert [u for _, u in r["ranges"]] == sorted(part[attr].unique().astype(float))


def test_gpkg_layers_valid_counted_styled(exported: Any, report: dict[str, Any]) -> None:
    layers, result, _ = exported
    gpkg = report["gpkg"]
    assert set(gpkg) == set(expected_tables(layers))
    for table, count in expected_tables(layers).items():
        info = gpkg[table]
        assert info["valid"], table
        assert info["crs"] == "EPSG:32632"
        assert info["count"] == count
        fam = table.removeprefix(layer_of(table) + "_")
        if fam in GEOMETRY_TYPE:
            assert info["geometry_type"] == GEOMETRY_TYPE[fam]
        part = source_part(layers, table)
        check_style(info, table, part)
        # the number of classes or categories QGIS loaded is the number written
        written = result.default_style(table)
        assert info["renderer"].get("count", 0) == written.class_count
        # every style of the table is listed from layer_styles, and each one applies
        written_styles = [s for s in result.styles if s.table == table]
        stored = info["stored_styles"]
        assert stored["count"] == len(written_styles), table
        assert sorted(stored["names"]) == sorted(s.name for s in written_styles)
        assert all(a["ok"] for a in stored["applied"]), table
        assert sorted((a["type"], a["attr"] or None) for a in stored["applied"]) == sorted(
            (s.renderer, s.attribute) for s in written_styles
        )


def test_labels_and_dashes(report: dict[str, Any]) -> None:
    gpkg = report["gpkg"]
    assert gpkg["municipalities"]["labels"] == {"enabled": True, "field": "name"}
    assert gpkg["teb_stops"]["labels"] == {"enabled": True, "field": "name"}
    assert gpkg["teb_lines"]["renderer"]["pen_styles"] == {
        "existing": SOLID_LINE,
        "planned": DASH_LINE,
    }
    assert gpkg["isochrones_bgy"]["opacity"] == pytest.approx(0.6)
    # the brownfields are labelled with their names
    bf = next(v for k, v in gpkg.items() if k.startswith("brownfields"))
    assert bf["labels"] == {"enabled": True, "field": "name"}
    # planned stops hollow (white fill), existing ones filled in the TEB red
    stops = gpkg["teb_stops"]["renderer"]
    fills = dict(zip(stops["categories"], stops["colours"], strict=True))
    assert fills == {"existing": TEB_RED, "planned": "#ffffff"}


def test_gpkg_metadata_from_provenance(exported: Any, report: dict[str, Any]) -> None:
    layers, _, _ = exported
    prov = sample_provenance()
    for table in expected_tables(layers):
        md = report["gpkg"][table]["metadata"]
        rows = prov[prov["layer"] == layer_of(table)]
        assert md["title"], table
        assert md["licenses"] == list(dict.fromkeys(rows["licence"])), table
        assert md["rights"] == list(dict.fromkeys(rows["attribution"])), table
        for source in rows["source"]:
            assert source in md["abstract"]
        for note in rows["note"].dropna():  # QGIS shows the period the travel times assume
            assert f"Note: {note}" in md["abstract"]
    assert "ODbL 1.0" in report["gpkg"]["teb_lines"]["metadata"]["licenses"]
    assert "CC BY 4.0" in report["gpkg"]["municipalities"]["metadata"]["licenses"]


@pytest.mark.parametrize("which", ["project", "stored_project"])
def test_project_opens_grouped(exported: Any, report: dict[str, Any], which: str) -> None:
    """The .qgz beside the GeoPackage, and the copy stored in its qgis_projects table."""
    layers, _, raster = exported
    project = report[which]
    assert project["read"]
    assert project["crs"] == "EPSG:32632"
    assert [g["group"] for g in project["tree"]] == [
        "Brownfields",
        "Networks",
        "Accessibility",
        "Territory",
    ]
    by_source = {
        v["source"].split("layername=")[-1] if "layername=" in v["source"] else "raster": v
        for v in project["layers"].values()
    }
    expected = expected_tables(layers)
    assert set(by_source) == set(expected) | {"raster"}
    for table, count in expected.items():
        info = by_source[table]
        assert info["valid"] and info["crs"] == "EPSG:32632", table
        assert info["count"] == count
        check_style(info, table, source_part(layers, table))
        assert info["metadata"]["title"]
    rast = by_source["raster"]
    with rasterio.open(raster) as src:
        assert (rast["width"], rast["height"]) == (src.width, src.height)
    assert rast["valid"] and rast["crs"] == "EPSG:32632"
    assert rast["renderer"]["type"] == "singlebandpseudocolor"
    # the alternative styles are in the project's style manager
    bf = by_source["brownfields_points"]
    assert {"Best use", "Logistics score", "Status"} <= set(bf["styles"])
    assert bf["current_style"] == "Best use"
    # networks: stops over lines; territory: municipalities at the bottom
    names = {g["group"]: [c["layer"] for c in g["children"]] for g in project["tree"]}
    assert names["Networks"].index("TEB stops") < names["Networks"].index("TEB light rail")
    assert names["Territory"][-1] == "Municipalities"


def test_project_renders_styled(exported: Any, report: dict[str, Any]) -> None:
    """QGIS draws the project with the styles: TEB red and the best-use colours appear."""
    layers, _, _ = exported
    out = report["render"]
    assert Path(out["png"]).exists()
    assert out["drawn"] > 1000
    assert out["colours"][TEB_RED] > 0
    points = layers["brownfields"][layers["brownfields"].geom_type == "Point"]
    for use, colour in BEST_USE_COLOURS.items():
        if (points["best_use"] == use).any():
            assert out["colours"][colour] > 0, use


def test_every_field_has_an_alias(exported: Any, report: dict[str, Any]) -> None:
    """QGIS reads a human alias for every field of every layer (GeoPackage and project)."""
    layers, _, _ = exported
    project = {
        v["source"].split("layername=")[-1]: v
        for v in report["project"]["layers"].values()
        if "layername=" in v["source"]
    }
    for table in expected_tables(layers):
        for where in (report["gpkg"][table], project[table]):
            aliases = where["aliases"]
            fields = [f for f in where["fields"] if f != "fid"]
            assert fields and all(aliases[f] for f in fields), (table, aliases)
    bf = next(v for k, v in report["gpkg"].items() if k.startswith("brownfields"))["aliases"]
    assert bf["car_bgy_min"] == "Car to Orio al Serio airport (min)"
    assert bf["score_services"] == "Services score"
    assert bf["area_m2"] == "Area (m²)"


def test_project_title_abstract_attribution(exported: Any, report: dict[str, Any]) -> None:
    layers, _, _ = exported
    md = report["project"]["metadata"]
    assert md["title"] == "Seriana Valley: territorial database"
    assert md["author"].startswith("seriana_gis")
    prov = sample_provenance()
    for attribution in prov["attribution"].unique():
        assert attribution in md["abstract"]
    # the layers with their feature counts (the brownfields in one table per geometry)
    counted = re.findall(r"Brownfields \(aree dismesse\) \(\w+\) \((\d+)\)", md["abstract"])
    assert sum(map(int, counted)) == len(layers["brownfields"])
    # one isochrone layer per destination, named in words
    names = [v["name"] for v in report["project"]["layers"].values()]
    assert "Isochrones: Car to Orio al Serio airport" in names
    assert "Isochrones: Car to Bergamo railway station" in names


def test_print_layout_renders(exported: Any, report: dict[str, Any]) -> None:
    """The A3 landscape layout: title, map, legend, scale bar, north arrow, attribution, date."""
    layers, _, _ = exported
    assert report["project"]["layouts"] == ["A3 landscape"]
    lay = report["layout"]
    assert lay["found"] and lay["exported"]
    assert lay["page_mm"] == [420, 297]
    # QgsLayoutItemRegistry: page, map, picture (north arrow), 3 labels, legend, scale bar
    assert lay["items"] == [65638, 65639, 65640, 65641, 65641, 65641, 65642, 65646]
    labels = lay["labels"]
    assert "Seriana Valley: territorial database" in labels
    subtitle = next(t for t in labels if "printed" in t)
    attribution = next(t for t in labels if t.startswith("Data:"))
    assert re.search(r"printed \d{1,2} \w+ 20\d\d$", subtitle), subtitle  # the print date
    assert "ODbL" in attribution and "EPSG:32632" in attribution
    # 420 × 297 mm at 50 dpi: 826.8 × 584.6 px, which QGIS truncates; not blank;
    # the map draws the TEB and the sites' best uses
    assert lay["size_px"] == [826, 584]
    assert lay["drawn_fraction"] > 0.2
    assert lay["colours"][TEB_RED] > 0
    sites = layers["brownfields"]
    for use, colour in BEST_USE_COLOURS.items():
        if (sites["best_use"] == use).any():
            assert lay["colours"][colour] > 0, use


def test_same_class_same_colour_on_the_web_map_and_in_qgis(
    exported: Any, report: dict[str, Any]
) -> None:
    """The web map's colour of each best use and status is the one QGIS reads from the style."""
    from seriana_gis.maps import review_map
    from seriana_gis.maps.elements import render_html

    layers, _, _ = exported
    html = render_html(review_map(layers))
    spec = next(
        json.loads(m)
        for m in re.findall(r"seriana\.addLayer\((\{.*\}), (?:true|false)\);", html)
        if json.loads(m)["id"] == "brownfields"
    )
    web = {m["id"]: m["style"] for m in spec["modes"]}
    project = {
        v["source"].split("layername=")[-1]: v
        for v in report["project"]["layers"].values()
        if "layername=" in v["source"]
    }
    bf = next(v for k, v in report["gpkg"].items() if k.startswith("brownfields"))
    qgis = dict(zip(bf["renderer"]["categories"], bf["renderer"]["colours"], strict=True))
    # a site without a best use: QGIS's "all other values" category, the web map's "other"
    assert qgis.pop("", None) == web["best_use"]["other"]
    assert qgis == web["best_use"]["map"]
    # the TEB stops: the same red
    stops = project["teb_stops"]["renderer"]
    assert dict(zip(stops["categories"], stops["colours"], strict=True))["existing"] == TEB_RED
    assert sym.CATEGORY_COLOURS["status"]["existing"] == TEB_RED


def test_geojson_and_shapefile_in_qgis(exported: Any, report: dict[str, Any]) -> None:
    layers, result, _ = exported
    folder = result.folder
    vectors = report["vectors"]
    for name, gdf in layers.items():
        info = vectors[str(folder / "geojson" / f"{name}.geojson")]
        assert info["valid"] and info["crs"] == "EPSG:4326", name
        assert info["count"] == len(gdf)
    for table, count in expected_tables(layers).items():
        info = vectors[str(folder / "shapefile" / f"{table}.shp")]
        assert info["valid"] and info["crs"] == "EPSG:32632", table
        assert info["count"] == count
        short = result.shapefile_fields.get(table, {})
        part = source_part(layers, table)
        assert info["fields"] == [short.get(c, c) for c in part.columns if c != "geometry"]
        # the sidecar style works on the shortened names
        renderer, attr = EXPECTED_RENDERER[layer_of(table)]
        assert info["renderer"]["type"] == renderer
        if attr:
            assert info["renderer"]["attr"] == short.get(attr, attr)
        assert info["metadata"]["title"], table


def test_raster_in_qgis(exported: Any, report: dict[str, Any]) -> None:
    _, result, raster = exported
    info = report["rasters"][str(result.folder / "rasters" / "car_bgy_min.tif")]
    assert info["valid"] and info["crs"] == "EPSG:32632"
    with rasterio.open(raster) as src:
        assert (info["width"], info["height"]) == (src.width, src.height)
    assert info["renderer"]["type"] == "singlebandpseudocolor"
    assert info["renderer"]["count"] >= 2
    assert info["metadata"]["title"] == "Car to Orio al Serio airport (min)"


def test_embedded_default_layers_in_qgis(qgis_tmp: Path) -> None:
    """The authored default layers (layers/default/*.geojson), when present, export and open."""
    files = sorted((REPO / "layers" / "default").glob("*.geojson"))
    if not files:
        pytest.skip("layers/default/*.geojson not authored yet")
    layers = {f.stem: gpd.read_file(f).to_crs("EPSG:32632") for f in files}
    prov = pd.DataFrame(
        {
            "layer": list(layers),
            "source": ["seriana_gis embedded default"] * len(layers),
            "licence": ["ODbL 1.0"] * len(layers),
            "attribution": ["© OpenStreetMap contributors"] * len(layers),
        }
    )
    result = export_qgis(layers, prov, qgis_tmp / "default è")
    got = run_checker(
        {
            "gpkg": str(result.gpkg),
            "tables": list(expected_tables(layers)),
            "project": str(result.project),
        },
        qgis_tmp,
    )
    for table, count in expected_tables(layers).items():
        info = got["gpkg"][table]
        assert info["valid"] and info["count"] == count, table
        assert info["crs"] == "EPSG:32632"
        if layer_of(table) in EXPECTED_RENDERER:
            check_style(info, table, source_part(layers, table))
    assert got["project"]["read"]
    assert all(v["valid"] for v in got["project"]["layers"].values())


@pytest.mark.slow
def test_built_default_database_in_qgis(qgis_tmp: Path) -> None:
    """The Seriana default database, built offline and read back as the CLI will, opens in QGIS."""
    from seriana_gis import database
    from seriana_gis.build import build_database
    from seriana_gis.config import load_study_area

    db = qgis_tmp / "db è" / "seriana.gpkg"
    build_database(load_study_area(), path=db, cache_dir=qgis_tmp / "cache")
    layers = database.read_database(db)
    prov = database.read_provenance(db)
    result = export_qgis(
        layers, prov, qgis_tmp / "export of the build", formats=("gpkg", "shapefile")
    )
    got = run_checker(
        {
            "gpkg": str(result.gpkg),
            "tables": list(expected_tables(layers)),
            "stored_project": result.stored_project,
        },
        qgis_tmp,
    )
    for table, count in expected_tables(layers).items():
        info = got["gpkg"][table]
        assert info["valid"] and info["crs"] == "EPSG:32632", table
        assert info["count"] == count, table
        assert all(a["ok"] for a in info["stored_styles"]["applied"]), table
        rows = prov[prov["layer"] == layer_of(table)]
        assert info["metadata"]["licenses"] == list(dict.fromkeys(rows["licence"])), table
        if layer_of(table) in EXPECTED_RENDERER:
            check_style(info, table, source_part(layers, table))
    assert got["stored_project"]["read"]
    assert all(v["valid"] for v in got["stored_project"]["layers"].values())


#: The web map's grey of a missing value (symbology.MISSING), written here by hand.
MISSING_GREY = "#bdbdbd"
#: Classified renderers: QGIS's graduated one, and rules (a graduated style with an ELSE rule).
CLASSIFIED = ("graduatedSymbol", "RuleRenderer")


@pytest.fixture(scope="module")
def demo_report(demo_dir: Path, qgis_tmp: Path) -> tuple[dict[str, gpd.GeoDataFrame], dict]:
    """The demo's export (``seriana demo``, run once per session) as QGIS reads it."""
    gpkg = demo_dir / "exports" / "seriana.gpkg"
    tables = [name for name, geom in pyogrio.list_layers(gpkg) if geom is not None]
    frames = {t: gpd.read_file(gpkg, layer=t) for t in tables}
    return frames, run_checker({"gpkg": str(gpkg), "tables": tables}, qgis_tmp)


def test_demo_export_draws_every_feature_in_every_style(demo_report: Any) -> None:
    """Every stored style of every demo table draws every feature in QGIS (willRenderFeature).

    A classified style on a column with a missing value (a site excluded from a
    profile has no score; a site without a TEB leg no TEB time) draws those
    features in the web map's grey, with its words in the legend.
    """
    frames, report = demo_report
    with_missing = []
    for table, frame in frames.items():
        for style in report["gpkg"][table]["stored_styles"]["applied"]:
            assert style["ok"], (table, style["name"])
            assert style["drawn"] == len(frame), (table, style["name"], style["type"])
            attr = style["attr"]
            if style["type"] not in CLASSIFIED or not frame[attr].isna().any():
                continue
            with_missing.append(attr)
            legend = [tuple(entry) for entry in style["legend"]]
            assert (sym.missing_label(attr), MISSING_GREY) in legend, (table, attr, legend)
            assert legend[-1][0] == sym.missing_label(attr)  # after the classes
    # the demo has sites excluded from a profile and places without a TEB trip
    assert any(a.startswith("score_") for a in with_missing), with_missing
    assert any(a.startswith("transit_") and a.endswith("_min") for a in with_missing)
    assert sym.missing_label("score_logistics") == "Excluded from this profile"


#: Fields whose words the generic rule (underscores as spaces) already gets right:
#: one plain word or phrase, no unit, no code to spell out.
PLAIN_WORDS = {
    *("name", "municipality", "status", "ownership", "zone", "zones", "category", "line"),
    *("destination", "territory", "level", "kind", "mode", "source", "method"),
    *("former_use", "former_company", "planned_use", "committed_use", "geometry_quality"),
    *("source_date", "best_use"),
}


def generic_words(field: str) -> str:
    """The fallback alias: underscores as spaces, first letter capitalised."""
    text = field.replace("_", " ")
    return text[:1].upper() + text[1:]


def test_demo_export_aliases_are_words_not_field_names(demo_dir: Path, demo_report: Any) -> None:
    """No field of the demo export is aliased by the generic rule (bar plain words),
    and the web map's popups name each field as QGIS does."""
    frames, report = demo_report
    aliases = {t: report["gpkg"][t]["aliases"] for t in frames}
    generic = sorted(
        {
            field
            for table_aliases in aliases.values()
            for field, alias in table_aliases.items()
            if field != "fid" and alias == generic_words(field) and field not in PLAIN_WORDS
        }
    )
    assert generic == [], (
        f"fields aliased by the generic rule: {generic}; give them words (and a unit) in "
        "symbology.COLUMN_LABELS (fixed columns) or columns.label (derived ones)"
    )
    # units where the values have one
    bf = aliases["brownfields_polygons"]
    assert bf["snap_m"] == "Distance to the nearest road node (m)"
    assert bf["residents_300m"] == "Residents within 300 m"
    assert bf["alloc_service_jobs@valley"] == "Allocated service jobs (valley)"
    # the review map of the same demo labels its popup fields with the same words
    html = (demo_dir / "maps" / "review.html").read_text(encoding="utf-8")
    specs = [
        json.loads(m) for m in re.findall(r"seriana\.addLayer\((\{.*?\}), (?:true|false)\);", html)
    ]
    compared = 0
    for spec in specs:
        tables = [t for t in frames if t == spec["id"] or t.startswith(f"{spec['id']}_")]
        popup = spec.get("popup") or {}
        for label, field, *_ in [*popup.get("fields", []), *popup.get("travel", [])]:
            for table in tables:
                if field in aliases[table] and (spec["id"], field) != ("teb_lines", "id"):
                    assert aliases[table][field] == label, (table, field)
                    compared += 1
    assert compared > 30
