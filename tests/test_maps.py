"""Unit tests of seriana_gis.maps (no browser: see test_maps_browser.py)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, Point, Polygon, box
from test_maps_data import XSS, all_layers, brownfields, road_edges

from seriana_gis import symbology as sym
from seriana_gis._errors import ConfigError, CRSError, OutputExistsError
from seriana_gis.maps import (
    overview_map,
    review_map,
    write_office_site,
    write_overview_map,
    write_review_map,
)
from seriana_gis.maps.assets import inline_css_urls
from seriana_gis.maps.display import main_roads
from seriana_gis.maps.elements import render_html
from seriana_gis.maps.features import feature_collection
from seriana_gis.maps.office import _nearest_stop
from seriana_gis.maps.sheets import contribution_svg


class _Refs(HTMLParser):
    """Every resource reference of a page (script src, link href, img/iframe src, CSS urls)."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self.json_scripts: dict[str, str] = {}
        self._json_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "embed") and a.get("src"):
            self.refs.append(str(a["src"]))
        if tag == "link" and a.get("href"):
            self.refs.append(str(a["href"]))
        if tag == "style":
            self._in_style = True
        if tag == "script" and a.get("type") == "application/json":
            self._json_id = str(a.get("id"))
            self.json_scripts[self._json_id] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if tag == "script":
            self._json_id = None

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
        if self._json_id is not None:
            self.json_scripts[self._json_id] += data


def _parse(html: str) -> _Refs:
    p = _Refs()
    p.feed(html)
    return p


def _external(html: str) -> list[str]:
    p = _parse(html)
    found = [r for r in p.refs if re.match(r"^(https?:)?//", r.strip(), re.IGNORECASE)]
    for css in p.styles:
        found += re.findall(r"@import[^;]*", css)
        found += [u for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", css) if "//" in u[:8]]
    return found


def _layer_ids(html: str) -> list[str]:
    specs = re.findall(
        r"seriana\.addLayer\((\{.*\}), (?:true|false)\);\s*$", html, flags=re.MULTILINE
    )
    return [json.loads(s)["id"] for s in specs]


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return all_layers()


@pytest.fixture(scope="module")
def page(layers: dict[str, gpd.GeoDataFrame]) -> str:
    return render_html(review_map(layers))


def test_no_external_scripts_or_styles(page: str) -> None:
    assert _external(page) == []
    assert "cdn.jsdelivr" not in page
    assert "code.jquery.com" not in page
    # Leaflet and every plugin are inlined, with their npm provenance
    for pkg in ("leaflet", "leaflet.fullscreen", "leaflet-search", "leaflet.polylinemeasure"):
        assert f"/* npm:{pkg}/" in page


def test_external_reference_detector_sees_folium_defaults() -> None:
    import folium

    plain = folium.Map(tiles=None).get_root().render()
    assert any("leaflet" in r for r in _external(plain))


def test_tiles_are_opt_in_with_attribution(layers: dict[str, gpd.GeoDataFrame]) -> None:
    online = render_html(review_map(layers, tiles="OpenStreetMap"))
    assert "tile.openstreetmap.org" in online
    assert "OpenStreetMap" in online and "contributors" in online
    offline = render_html(review_map(layers))
    assert "tile.openstreetmap.org" not in offline
    assert "L.tileLayer" not in offline


def test_every_layer_present(page: str) -> None:
    assert _layer_ids(page) == [
        "municipalities",
        "isochrones_bergamo",
        "isochrones_bgy",
        "roads",
        "tourism_assets",
        "teb_lines",
        "teb_stops",
        "destinations",
        "brownfields",
    ]
    assert "seriana.addSearch(" in page and "seriana.addSwitch(" in page


def _spec(html: str, layer_id: str) -> dict[str, Any]:
    specs = re.findall(
        r"seriana\.addLayer\((\{.*\}), (?:true|false)\);\s*$", html, flags=re.MULTILINE
    )
    return next(s for s in map(json.loads, specs) if s["id"] == layer_id)


def test_one_switch_colours_the_sites(page: str) -> None:
    spec = _spec(page, "brownfields")
    assert [m["id"] for m in spec["modes"]] == [
        "best_use",
        "score_logistics",
        "score_services",
        "score_social_housing",
        "status",
    ]
    assert spec["mode"] == "best_use"  # best use on by default
    labels = [m["label"] for m in spec["modes"]]
    assert labels == [
        "Best use",
        "Logistics score",
        "Services score",
        "Social housing score",
        "Status",
    ]
    # every score on the same fixed 0-1 classes
    for m in spec["modes"][1:4]:
        assert m["style"]["breaks"] == [0.2, 0.4, 0.6, 0.8, 1.0]
        assert [e[1] for e in m["legend"]["entries"]] == list(sym.score_classes().labels)
    status = spec["modes"][4]["legend"]["entries"]
    assert [e[1] for e in status] == [
        "Dismissed",
        "Partly reused",
        "In redevelopment",
        "Status unknown",
    ]
    assert spec["front"] is True and spec["labels"]["min_zoom"] == 14


def test_popup_puts_best_use_scores_and_why_first(page: str) -> None:
    popup = _spec(page, "brownfields")["popup"]
    assert popup["best_use"] == "best_use"
    assert [p["label"] for p in popup["profiles"]] == ["Logistics", "Services", "Social housing"]
    assert popup["profiles"][0]["why"] == "why_logistics"
    # the transit wait leg is not a travel time to a destination called "bergamo_wait"
    assert [f[1] for f in popup["travel"]] == ["car_bgy_min", "transit_bergamo_min"]
    assert [f[0] for f in popup["travel"]] == [
        "Car to Orio al Serio airport (min)",
        "TEB to Bergamo railway station (min)",
    ]
    # the toy contributions add up to the score (a weighted sum): the note says so
    assert popup["profiles"][0]["note"].endswith("they add up to the score.")
    assert popup["values"]["status"]["in_redevelopment"] == "In redevelopment"


def test_contributions_that_do_not_add_up_are_explained() -> None:
    sites = brownfields(4)
    sites["score_services"] = sites["score_services"] * 0.8  # as OWA would
    html = render_html(review_map({"brownfields": sites}))
    notes = {p["name"]: p["note"] for p in _spec(html, "brownfields")["popup"]["profiles"]}
    assert "does not add them up" in notes["services"]
    assert notes["logistics"].endswith("they add up to the score.")


def test_values_rounded_once_in_the_data() -> None:
    sites = brownfields(2).assign(score_logistics=[0.8985, 0.12345], car_bgy_min=[23.25, 9.95])
    html = render_html(review_map({"brownfields": sites}))
    data = json.loads(_parse(html).json_scripts["seriana-data-brownfields"])
    keys = data["keys"]
    rows = [dict(zip(keys, f["properties"], strict=True)) for f in data["features"]]
    assert [r["score_logistics"] for r in rows] == [0.899, 0.123]
    assert [r["car_bgy_min"] for r in rows] == [23.3, 10.0]


def test_same_map_same_bytes(layers: dict[str, gpd.GeoDataFrame]) -> None:
    first = render_html(review_map(layers))
    second = render_html(review_map(layers))
    assert first == second
    # no random element ids (folium's are 32 hex digits)
    assert re.search(r"[0-9a-f]{32}", first) is None


def test_missing_layers_and_columns_are_left_out() -> None:
    assert _layer_ids(render_html(review_map({}))) == []
    only = {"brownfields": brownfields(3, results=False)}
    html = render_html(review_map(only))
    assert _layer_ids(html) == ["brownfields"]
    assert [m["id"] for m in _spec(html, "brownfields")["modes"]] == ["status"]
    assert "seriana.addSwitch(" not in html  # nothing to switch between
    muni = all_layers()["municipalities"].drop(columns=["population"])
    html = render_html(review_map({"municipalities": muni}))
    assert _layer_ids(html) == ["municipalities"]
    assert '"kind": "fixed"' in html  # outlines only


def test_unknown_indicator_is_a_config_error(layers: dict[str, gpd.GeoDataFrame]) -> None:
    with pytest.raises(ConfigError, match="populaton.*old_age_index"):
        review_map(layers, indicator="populaton")


def test_indicator_choropleth_breaks(layers: dict[str, gpd.GeoDataFrame]) -> None:
    html = render_html(review_map(layers, indicator="old_age_index"))
    # old-age index 155, 160, 170, 210 (sorted); quintile p sits at position 3p with
    # linear interpolation: 0.6 → 155+0.6·5 = 158; 1.2 → 160+0.2·10 = 162;
    # 1.8 → 160+0.8·10 = 168; 2.4 → 170+0.4·40 = 186; to two significant digits
    # 160, 160, 170, 190 (the repeated 160 merges); the maximum 210 stays 210
    assert '"breaks": [160.0, 170.0, 190.0, 210.0]' in html


def test_inputs_are_not_changed(layers: dict[str, gpd.GeoDataFrame]) -> None:
    before = {k: v.copy() for k, v in layers.items()}
    review_map(layers)
    overview_map(layers)
    for k, v in layers.items():
        assert_geodataframe_equal(v, before[k])


def test_xss_is_never_written_as_markup(page: str) -> None:
    assert XSS not in page
    data = json.loads(_parse(page).json_scripts["seriana-data-brownfields"])
    i = data["keys"].index("name")
    names = [f["properties"][i] for f in data["features"]]
    assert XSS in names  # the runtime gets the text intact and writes it with textContent


def test_layer_names_are_escaped() -> None:
    tourism = all_layers()["tourism_assets"].assign(category=["<b>x</b>", "museum", "trail"])
    brown = brownfields(3).rename(
        columns=lambda c: c.replace("logistics", "lo<i>g</i>") if "logistics" in c else c
    )
    html = render_html(review_map({"tourism_assets": tourism, "brownfields": brown}))
    assert "<b>x</b>" not in html and "<i>g</i>" not in html
    # the switch's labels are JSON for the runtime (written with textContent):
    # jinja writes "<" and ">" there as \u003c and \u003e
    assert "Lo\\u003ci\\u003eg\\u003c/i\\u003e score" in html


def test_coordinates_rounded_and_simplified() -> None:
    # a 100 m square with 50 collinear vertices per side and 0.4 m of jitter
    rng = np.random.default_rng(3)
    t = np.linspace(0, 100, 51)[:-1]
    x0, y0 = 560_000.0, 5_066_000.0
    ring = np.concatenate(
        [
            np.column_stack([x0 + t, np.full_like(t, y0)]),
            np.column_stack([np.full_like(t, x0 + 100), y0 + t]),
            np.column_stack([x0 + 100 - t, np.full_like(t, y0 + 100)]),
            np.column_stack([np.full_like(t, x0), y0 + 100 - t]),
        ]
    ) + rng.uniform(-0.4, 0.4, (200, 2))
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Polygon(ring)], crs="EPSG:32632")
    text, n, _ = feature_collection(gdf, layer="t", columns=["name"], tolerance_m=2.0)
    coords = json.loads(text)["features"][0]["geometry"]["coordinates"][0]
    assert n == 1
    assert len(coords) <= 8  # 4 corners (+ a few at most), closing point included
    for x, y in coords:
        assert round(x, 5) == x and round(y, 5) == y
    # tolerance 0 keeps every vertex
    text0, _, _ = feature_collection(gdf, layer="t", columns=[], tolerance_m=0)
    assert len(json.loads(text0)["features"][0]["geometry"]["coordinates"][0]) == 201


def test_brownfield_footprints_carry_a_marker_at_their_site_point() -> None:
    """Brownfields (anchored at site points) draw footprint + marker; other layers do not."""
    x0, y0 = 560_000.0, 5_066_000.0
    gdf = gpd.GeoDataFrame(
        {"name": ["square", "point"]},
        geometry=[box(x0, y0, x0 + 200, y0 + 100), Point(x0 + 500, y0)],
        crs="EPSG:32632",
    )
    feats = json.loads(feature_collection(gdf, layer="brownfields", columns=["name"])[0])
    square, point = (f["geometry"] for f in feats["features"])
    assert square["type"] == "GeometryCollection"
    poly, marker = square["geometries"]
    assert poly["type"] == "Polygon" and marker["type"] == "Point"
    centre = gpd.GeoSeries([Point(x0 + 100, y0 + 50)], crs=32632).to_crs(4326).iloc[0]
    assert marker["coordinates"] == pytest.approx([centre.x, centre.y], abs=1e-5)
    assert point["type"] == "Point"  # a point site stays a point
    other = json.loads(feature_collection(gdf, layer="tourism_assets", columns=[])[0])
    assert other["features"][0]["geometry"]["type"] == "Polygon"


def test_empty_geometries_are_skipped_and_nan_is_null() -> None:
    gdf = gpd.GeoDataFrame(
        {"v": [1.5, np.nan]},
        geometry=[LineString([(560_000, 5_066_000), (560_100, 5_066_000)]), Polygon()],
        crs="EPSG:32632",
    )
    text, n, _ = feature_collection(gdf, layer="t", columns=["v"])
    feats = json.loads(text)["features"]
    assert n == 1 and len(feats) == 1 and feats[0]["properties"] == [1.5]
    assert json.loads(text)["keys"] == ["v"]
    gdf2 = gdf.iloc[:1].assign(v=[np.nan])
    assert json.loads(feature_collection(gdf2, layer="t", columns=["v"])[0])["features"][0][
        "properties"
    ] == [None]


def test_missing_crs_is_an_error() -> None:
    gdf = brownfields(2).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="brownfields"):
        review_map({"brownfields": gdf})


def test_main_roads_by_hand() -> None:
    roads = main_roads(road_edges())
    # the primary road twin (2→1) and the residential street are dropped; the ramp is trunk
    assert list(roads["road_class"]) == ["primary", "secondary", "trunk"]
    assert list(roads["u"]) == [1, 2, 4]


def test_main_roads_draw_a_cut_link_as_one_line() -> None:
    # one two-way link "L1" cut into 3 pieces (nodes 0-10-11-1, both directions), a
    # one-way link "L2" in one piece, and an OSM-like edge without an id
    xs = [0.0, 250.0, 500.0, 700.0]
    pieces = [LineString([(xs[i], 0.0), (xs[i + 1], 0.0)]) for i in range(3)]
    nodes = [0, 10, 11, 1]
    rows = []
    for i, g in enumerate(pieces):
        rows.append((nodes[i], nodes[i + 1], "L1", g))
        rows.append((nodes[i + 1], nodes[i], "L1", LineString(g.coords[::-1])))
    rows.append((1, 2, "L2", LineString([(700.0, 0.0), (700.0, 300.0)])))
    rows.append((5, 6, None, LineString([(0.0, 100.0), (50.0, 100.0)])))
    edges = gpd.GeoDataFrame(
        {
            "u": [r[0] for r in rows],
            "v": [r[1] for r in rows],
            "key": 0,
            "id": [r[2] for r in rows],
            "name": ["Via Lunga"] * 6 + ["Via Corta", "osm street"],
            "highway": ["secondary"] * 6 + ["tertiary", "primary"],
        },
        geometry=[r[3] for r in rows],
        crs="EPSG:32632",
    )
    roads = main_roads(edges)
    assert list(roads["id"].fillna("-")) == ["L1", "L2", "-"]
    whole = roads.geometry.iloc[0]
    assert whole.geom_type == "LineString" and whole.length == pytest.approx(700.0)
    assert sorted(whole.boundary.geoms, key=lambda p: p.x) == [Point(0, 0), Point(700, 0)]
    assert roads.geometry.iloc[1].length == pytest.approx(300.0)
    assert list(roads["name"]) == ["Via Lunga", "Via Corta", "osm street"]


def test_css_images_inlined(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"\x89PNG")
    css = (
        ".a{background:url(images/a.png)} .b{background:url('missing.gif')} "
        ".c{background:url(https://example.org/x.png)} .d{behavior:url(#default#VML)}"
    )
    out = inline_css_urls(css, tmp_path)
    assert 'url("data:image/png;base64,iVBORw==")' in out
    assert "missing.gif" not in out and "example.org" not in out
    assert "url(#default#VML)" in out


def test_write_refuses_to_overwrite(tmp_path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    path = tmp_path / "review.html"
    write_review_map(layers, path)
    with pytest.raises(OutputExistsError, match="overwrite"):
        write_review_map(layers, path)
    write_review_map(layers, path, overwrite=True, indicator="density")
    assert '"property": "density"' in path.read_text("utf-8")
    write_overview_map(layers, tmp_path / "overview.html")
    with pytest.raises(OutputExistsError):
        write_overview_map(layers, tmp_path / "overview.html")


def test_office_site(tmp_path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    index = write_office_site(layers, tmp_path / "office")
    root = tmp_path / "office"
    pages = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html"))
    sites = [f"sites/BF{i:05d}.html" for i in range(6)]
    towns = [f"municipalities/0160{i:02d}.html" for i in range(4)]
    assert pages == sorted(["index.html", "review.html", *sites, *towns])
    text = index.read_text("utf-8")
    for href in ["review.html", *sites, *towns]:
        assert f'href="{href}"' in text
    assert XSS not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    sheet = (root / "sites" / "BF00000.html").read_text("utf-8")
    assert XSS not in sheet and "&lt;img src=x onerror=alert(1)&gt;" in sheet
    assert sheet.count('class="seriana-bar"') == 12  # 3 profiles × 4 criteria
    assert "Nearest TEB stop" in sheet and _external(sheet) == []
    for page in [*sites, *towns, "review.html"]:
        assert _external((root / page).read_text("utf-8")) == []
    with pytest.raises(OutputExistsError):
        write_office_site(layers, root)
    write_office_site(layers, root, overwrite=True)


def test_site_sheet_names_the_stop_of_the_travel_times() -> None:
    # the demo's Vertova sheets named "Vertova (planned) (planned)" 0 m away while
    # walk_teb_stop (the CSV) said Albino: the sheet must name a stop in service, once
    stops = gpd.GeoDataFrame(
        {
            "id": ["A", "C", "V"],
            "name": ["Albino", "Cene", "Vertova (planned)"],
            "status": ["existing", "existing", "planned"],
        },
        geometry=[Point(500, 0), Point(0, 300), Point(10, 0)],
        crs="EPSG:32632",
    )
    site = Point(0, 0)
    # nearest in service: Cene at 300 m, not the planned stop at 10 m
    assert _nearest_stop(site, stops) == ("Cene", "300 m")
    # the stop the travel times name wins, with its own distance
    assert _nearest_stop(site, stops, stop_id="A") == ("Albino", "500 m")
    # a footprint: distance from its site point, where walk_teb_min starts (the centre of a
    # 100 m square around the origin: 300 m to Cene, not 250 m from its edge)
    assert _nearest_stop(box(-50, -50, 50, 50), stops) == ("Cene", "300 m")
    # only planned stops: the nearest, its name saying "planned" once
    only = stops[stops["status"] == "planned"]
    assert _nearest_stop(site, only) == ("Vertova (planned)", "10 m")
    unnamed = only.assign(name="Vertova")
    assert _nearest_stop(site, unnamed) == ("Vertova (planned)", "10 m")


def _local_refs(page: Path) -> list[str]:
    return [r for r in _parse(page.read_text("utf-8")).refs if not r.startswith(("#", "data:"))]


def test_office_site_shares_one_copy_of_assets_and_data(
    tmp_path: Path, layers: dict[str, gpd.GeoDataFrame]
) -> None:
    shared = tmp_path / "shared"
    write_office_site(layers, shared)
    assert sorted(p.name for p in (shared / "assets").iterdir()) == [
        "seriana-maps.css",
        "seriana-maps.js",
    ]
    # one data script per drawn layer, each written once for the whole site
    assert sorted(p.stem for p in (shared / "data").iterdir()) == sorted(
        [
            "municipalities",
            "isochrones_bergamo",
            "isochrones_bgy",
            "roads",
            "tourism_assets",
            "teb_lines",
            "teb_stops",
            "destinations",
            "brownfields",
        ]
    )
    for page in shared.rglob("*.html"):
        text = page.read_text("utf-8")
        assert "/* npm:leaflet/" not in text  # not inlined
        for ref in _local_refs(page):  # every relative reference exists in the site
            assert not re.match(r"^[a-z]+:", ref), ref
            assert (page.parent / ref).resolve().is_file(), (page, ref)
    town = (shared / "municipalities" / "016002.html").read_text("utf-8")
    assert '<script src="../assets/seriana-maps.js">' in town
    # the town page draws its own sites only: rows of the shared dataset
    spec = _spec(town, "brownfields")
    own = np.flatnonzero(layers["brownfields"]["municipality"].to_numpy() == "Albino")
    assert spec["rows"] == [int(i) for i in own]
    assert _spec(town, "municipalities")["highlight"]["value"] == "016002"

    alone = tmp_path / "alone"
    write_office_site(layers, alone, self_contained=True)
    assert not (alone / "assets").exists() and not (alone / "data").exists()
    for page in alone.rglob("*.html"):
        assert _local_refs(page) == [], page
    size = {
        name: sum(p.stat().st_size for p in d.rglob("*") if p.is_file())
        for name, d in (("shared", shared), ("alone", alone))
    }
    assert size["shared"] * 3 < size["alone"]


def test_office_pages_share_classes_and_bytes(
    tmp_path: Path, layers: dict[str, gpd.GeoDataFrame]
) -> None:
    write_office_site(layers, tmp_path / "a", self_contained=True)
    write_office_site(layers, tmp_path / "b", self_contained=True)
    pages = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.html"))
    for rel in pages:  # the same inputs give the same bytes
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    # a municipality page draws its part of the valley with the valley's classes
    review = _spec((tmp_path / "a" / "review.html").read_text("utf-8"), "municipalities")
    town = _spec(
        (tmp_path / "a" / "municipalities" / "016000.html").read_text("utf-8"), "municipalities"
    )
    assert town["style"]["breaks"] == review["style"]["breaks"]


def test_travel_time_choropleth(layers: dict[str, gpd.GeoDataFrame]) -> None:
    muni = layers["municipalities"].assign(car_bgy_min=[20.0, 25.0, 30.0, 35.0])
    html = render_html(review_map({"municipalities": muni}, indicator="car_bgy_min"))
    assert "Car to Orio al Serio airport (min)" in html
    assert '"property": "car_bgy_min"' in html


def test_office_site_with_nothing(tmp_path: Path) -> None:
    write_office_site({}, tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*.html")) == ["index.html", "review.html"]


def test_contribution_svg_escapes_and_scales() -> None:
    svg = contribution_svg([("<script>", 0.5), ("b", 0.25), ("c", None)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    widths = [float(w) for w in re.findall(r'class="seriana-bar"[^>]*width="([\d.]+)"', svg)]
    assert widths == [200.0, 100.0, 0.0]
