"""The generated maps in a real browser: headless Chromium (Debian) driven by Playwright.

Networking is cut: every request that is not the page's own file is aborted
and recorded, and the tests assert that none was attempted. Each map is
checked for console errors, for the number of features Leaflet drew per layer
(against the data), for the brownfield popup with its contribution charts, and
for the HTML injection in a site name running nothing. A screenshot of each
map goes to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from test_maps_data import XSS, all_layers

from seriana_gis import symbology as sym
from seriana_gis.maps import write_office_site, write_overview_map, write_review_map

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ALERT_HOOK = """
window.__alerts = [];
window.alert = function (m) { window.__alerts.push(String(m)); };
window.confirm = function (m) { window.__alerts.push(String(m)); return false; };
window.prompt = function (m) { window.__alerts.push(String(m)); return null; };
"""
COUNT_DRAWN = """
(id) => {
  const map = seriana.map, layer = seriana.layers[id];
  if (!layer) return -1;
  if (!map.hasLayer(layer)) map.addLayer(layer);
  // a feature is one layer, or a group (a footprint with its marker) whose parts are all drawn
  const drawn = (l) => l._map === map && (l._renderer || (l.getLayers && l.getLayers().every(drawn)));
  return layer.getLayers().filter(drawn).length;
}
"""
#: How many features of a layer are a footprint drawn with a circle marker.
COUNT_MARKED = """
(id) => {
  const layer = seriana.layers[id];
  return layer.getLayers().filter(
    (l) => l.getLayers && l.getLayers().some((p) => p instanceof L.CircleMarker)
  ).length;
}
"""


@dataclass
class PageLog:
    """What a page did: requests, console errors, uncaught errors, dialogs."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self, page: Any, allowed: set[str]) -> None:
        assert self.blocked == [], f"network requests attempted: {self.blocked}"
        assert set(self.requests) <= allowed, f"unexpected requests: {self.requests}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"
        assert page.evaluate("window.__alerts") == []


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        msg = "Debian chromium not found at /usr/bin/chromium: run scripts/system-deps.sh"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    contexts = []

    def opener(path: Path, *, wait_layers: bool = True) -> tuple[Any, PageLog]:
        log = PageLog()
        ctx = browser.new_context(viewport={"width": 1366, "height": 800})
        contexts.append(ctx)

        def route(r: Any) -> None:
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                log.blocked.append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        page.add_init_script(ALERT_HOOK)
        page.on("request", lambda req: log.requests.append(req.url))
        page.on(
            "console",
            lambda msg: log.errors.append(msg.text) if msg.type in ("error", "assert") else None,
        )
        page.on("pageerror", lambda exc: log.errors.append(f"uncaught: {exc}"))

        def on_dialog(d: Any) -> None:
            log.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)
        page.goto(path.resolve().as_uri())
        if wait_layers:
            page.wait_for_function("window.seriana && seriana.map && seriana.map._loaded")
        return page, log

    yield opener
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return all_layers()


@pytest.fixture(scope="module")
def review_path(tmp_path_factory: pytest.TempPathFactory, layers: dict[str, Any]) -> Path:
    return write_review_map(layers, tmp_path_factory.mktemp("maps") / "review.html")


def _hover_feature(page: Any, layer_id: str, site_id: str) -> tuple[float, float]:
    """Zoom onto a site and move the mouse over it; return the screen point."""
    point = page.evaluate(
        """([lid, sid]) => {
          const layer = seriana.layers[lid];
          let target = null;
          layer.eachLayer((l) => { if (l.feature.properties.id === sid) target = l; });
          const c = target.getBounds ? target.getBounds().getCenter() : target.getLatLng();
          seriana.map.setView(c, 17, { animate: false });
          const p = seriana.map.latLngToContainerPoint(c);
          const r = seriana.map.getContainer().getBoundingClientRect();
          return [r.left + p.x, r.top + p.y];
        }""",
        [layer_id, site_id],
    )
    page.mouse.move(point[0], point[1])
    return point[0], point[1]


def _click_feature(page: Any, layer_id: str, site_id: str) -> None:
    """Zoom onto a site and click it with the mouse (canvas hit detection)."""
    x, y = _hover_feature(page, layer_id, site_id)
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup-content .seriana-popup")


def _fill_of(page: Any, layer_id: str, site_id: str) -> str:
    return page.evaluate(
        """([lid, sid]) => {
          let fill = null;
          seriana.layers[lid].eachLayer((l) => {
            if (l.feature.properties.id !== sid) return;
            // a footprint drawn with its marker: the marker's colour
            const parts = l.getLayers ? l.getLayers() : [l];
            fill = parts.find((p) => p instanceof L.CircleMarker).options.fillColor;
          });
          return fill;
        }""",
        [layer_id, site_id],
    )


def test_review_map_draws_every_feature(
    open_page: Any, review_path: Path, layers: dict[str, Any], artifacts_dir: Path
) -> None:
    page, log = open_page(review_path)
    page.screenshot(path=str(artifacts_dir / "maps_review.png"))
    expected = {
        "municipalities": len(layers["municipalities"]),
        "teb_lines": len(layers["teb_lines"]),
        "teb_stops": len(layers["teb_stops"]),
        "tourism_assets": len(layers["tourism_assets"]),
        "destinations": len(layers["destinations"]),
        "roads": 3,  # primary (its reverse twin dropped), secondary, trunk ramp; not residential
        "isochrones_bgy": 2,
        "isochrones_bergamo": 2,
        "brownfields": len(layers["brownfields"]),
    }
    assert sorted(page.evaluate("Object.keys(seriana.layers)")) == sorted(expected)
    drawn = {lid: page.evaluate(COUNT_DRAWN, lid) for lid in expected}
    assert drawn == expected
    # every footprint is drawn with its marker (a site stays visible at valley scale)
    assert page.evaluate(COUNT_MARKED, "brownfields") == len(layers["brownfields"])
    # the controls of the issue are on the map
    for selector in (
        ".leaflet-control-layers",
        ".seriana-switch",
        ".leaflet-control-scale",
        ".leaflet-control-zoom-fullscreen",
        ".leaflet-control-search",
        ".polyline-measure-unicode-icon",
    ):
        assert page.query_selector(selector) is not None, selector
    log.assert_clean(page, {review_path.resolve().as_uri()})


def test_layer_control_starts_collapsed(open_page: Any, review_path: Path) -> None:
    page, log = open_page(review_path)
    control = page.locator(".leaflet-control-layers")
    assert "leaflet-control-layers-expanded" not in (control.get_attribute("class") or "")
    box = control.bounding_box()
    assert box is not None and box["width"] <= 60 and box["height"] <= 60  # an icon
    control.hover()
    page.wait_for_selector(".leaflet-control-layers-expanded")
    assert page.get_by_label("Main roads").is_visible()
    log.assert_clean(page, {review_path.resolve().as_uri()})


def test_switch_colours_sites_by_best_use_score_or_status(
    open_page: Any, review_path: Path, layers: dict[str, Any]
) -> None:
    page, log = open_page(review_path)
    sites = layers["brownfields"].set_index("id")
    site = "BF00003"
    # best use on by default: the fixed colour of the site's best use
    assert page.locator(".seriana-switch input[value='best_use']").is_checked()
    assert (
        _fill_of(page, "brownfields", site)
        == sym.CATEGORY_COLOURS["best_use"][sites.loc[site, "best_use"]]
    )
    legend = page.locator(".seriana-legend[data-layer='brownfields'] .seriana-legend-title")
    assert legend.text_content() == "Brownfields: best use"
    # one profile's score: the fixed class of its (rounded) score
    page.get_by_label("Services score").check()
    expected = sym.score_classes().colour_of(round(sites.loc[site, "score_services"], 3))
    assert _fill_of(page, "brownfields", site) == expected
    assert legend.text_content() == "Brownfields: services score"
    # status: one choice at a time, the others unchecked
    page.get_by_label("Status", exact=True).check()
    assert (
        _fill_of(page, "brownfields", site)
        == sym.CATEGORY_COLOURS["status"][sites.loc[site, "status"]]
    )
    checked = page.eval_on_selector_all(
        ".seriana-switch input", "els => els.filter((e) => e.checked).map((e) => e.value)"
    )
    assert checked == ["status"]
    log.assert_clean(page, {review_path.resolve().as_uri()})


def test_legends_follow_layer_visibility_and_fit(open_page: Any, review_path: Path) -> None:
    page, log = open_page(review_path)

    def shown(lid: str) -> bool:
        return bool(
            page.evaluate(
                "(id) => document.querySelector(`.seriana-legend[data-layer='${id}']`)"
                ".style.display !== 'none'",
                lid,
            )
        )

    assert shown("brownfields") and not shown("roads")
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Main roads").check()
    assert shown("roads")
    page.get_by_label("Brownfields", exact=True).uncheck()
    assert not shown("brownfields")
    page.get_by_label("Main roads").uncheck()
    assert not shown("roads")
    # the legends stay inside the window (scrolling within their box)
    box = page.locator(".seriana-legends").bounding_box()
    view = page.viewport_size
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= view["height"]
    assert box["x"] + box["width"] <= view["width"]
    log.assert_clean(page, {review_path.resolve().as_uri()})


def test_compact_popup_never_taller_than_the_window(
    open_page: Any, review_path: Path, artifacts_dir: Path
) -> None:
    page, log = open_page(review_path)
    _click_feature(page, "brownfields", "BF00001")
    popup = page.locator(".leaflet-popup-content .seriana-popup")
    assert popup.locator(".seriana-popup-title").text_content() == "Cotonificio Honegger 1"
    # first: best use, the three scores, why
    assert popup.locator(".seriana-best").text_content().startswith("Best use: ")
    rows = popup.locator("tr.seriana-profile")
    assert rows.count() == 3
    assert popup.locator("tr.seriana-profile-best").count() == 1
    assert "Rank" in (popup.locator(".seriana-why").first.text_content() or "")
    # the details are folded: present but closed
    folds = popup.locator("details")
    assert folds.count() == 5  # site details, travel times, 3 profiles' criteria
    assert all(not d for d in page.eval_on_selector_all("details", "els => els.map((d) => d.open)"))
    text = popup.text_content() or ""
    assert "Partly reused" in text and "partly_reused" not in text
    view = page.viewport_size
    box = page.locator(".leaflet-popup").bounding_box()
    assert box is not None and box["height"] <= 400
    assert box["y"] >= 0 and box["y"] + box["height"] <= view["height"]
    page.screenshot(path=str(artifacts_dir / "maps_review_popup.png"))
    # every fold opened: the popup scrolls inside the window instead of growing past it
    page.eval_on_selector_all("details", "els => els.forEach((d) => { d.open = true; })")
    page.evaluate(
        "() => { const p = seriana.map._popup; p.options.maxHeight = seriana.map.getSize().y - 90; p.update(); }"
    )
    box = page.locator(".leaflet-popup").bounding_box()
    assert box is not None and box["height"] <= view["height"]
    labels = popup.locator("details").nth(1).text_content() or ""
    assert "Car to Orio al Serio airport" in labels and "wait" not in labels
    assert popup.locator("svg.seriana-contrib").count() == 3
    assert popup.locator("rect.seriana-bar").count() == 12
    page.screenshot(path=str(artifacts_dir / "maps_review_popup_open.png"))
    log.assert_clean(page, {review_path.resolve().as_uri()})


def test_sites_are_above_stops_and_named_when_zoomed_in(
    open_page: Any, tmp_path: Path, layers: dict[str, Any]
) -> None:
    # a TEB stop on the very point of a site marker
    sites = layers["brownfields"].copy()
    sites["geometry"] = sites.geometry.centroid
    stops = layers["teb_stops"].copy()
    stops.loc[stops.index[0], "geometry"] = sites.geometry.iloc[2]
    path = write_review_map(
        {**layers, "brownfields": sites, "teb_stops": stops}, tmp_path / "r.html"
    )
    page, log = open_page(path)
    # at the opening zoom no site name is written; the town names are
    assert page.locator(".seriana-label").count() == 0
    towns = page.locator(".seriana-town-name")
    assert sorted(towns.all_text_contents()) == sorted(layers["municipalities"]["name"])
    # a click on the shared point opens the site, not the stop
    _click_feature(page, "brownfields", "BF00002")
    title = page.locator(".leaflet-popup-content .seriana-popup-title")
    assert title.text_content() == sites["name"].iloc[2]
    # zoomed in (zoom 17 here), every site is named beside its marker
    names = page.locator(".seriana-label").all_text_contents()
    assert sorted(names) == sorted(sites["name"])
    label = page.locator(".seriana-label", has_text=sites["name"].iloc[2]).bounding_box()
    view = page.viewport_size
    assert label is not None and 0 <= label["x"] <= view["width"]
    # zoomed out again, the names go
    page.evaluate("seriana.map.setZoom(12, { animate: false })")
    page.wait_for_function("document.querySelectorAll('.seriana-label').length === 0")
    log.assert_clean(page, {path.resolve().as_uri()})


def test_overview_map(
    open_page: Any, tmp_path: Path, layers: dict[str, Any], artifacts_dir: Path
) -> None:
    path = write_overview_map(layers, tmp_path / "overview.html")
    page, log = open_page(path)
    page.screenshot(path=str(artifacts_dir / "maps_overview.png"))
    drawn = {name: page.evaluate(COUNT_DRAWN, f"overview_{name}") for name in layers}
    assert drawn == {name: len(gdf) for name, gdf in layers.items()}
    log.assert_clean(page, {path.resolve().as_uri()})


def test_office_site_pages(
    open_page: Any, tmp_path: Path, layers: dict[str, Any], artifacts_dir: Path
) -> None:
    index = write_office_site(layers, tmp_path / "office")
    page, log = open_page(index, wait_layers=False)
    links = page.eval_on_selector_all("a", "els => els.map((a) => a.getAttribute('href'))")
    assert "sites/BF00000.html" in links and "municipalities/016002.html" in links
    assert page.get_by_text(XSS).count() == 1  # shown as text in the table
    page.screenshot(path=str(artifacts_dir / "maps_office_index.png"), full_page=True)
    log.assert_clean(page, {index.resolve().as_uri()})

    counts = layers["brownfields"]["municipality"].value_counts()
    towns = layers["municipalities"]
    name = counts.index[0]
    istat = towns.loc[towns["name"] == name, "istat"].iloc[0]
    town = tmp_path / "office" / "municipalities" / f"{istat}.html"
    page, log = open_page(town)
    assert page.evaluate(COUNT_DRAWN, "brownfields") == int(counts.iloc[0])
    # the page's municipality outlined and named in bold
    assert page.locator(".seriana-town-here").text_content() == name
    weight = page.evaluate(
        """(code) => { let w = null; seriana.layers.municipalities.eachLayer((l) => {
             if (l.feature.properties.istat === code) w = l.options.weight; }); return w; }""",
        istat,
    )
    assert weight == 3.5
    page.screenshot(path=str(artifacts_dir / "maps_office_municipality.png"))
    log.assert_clean(page, _site_files(tmp_path / "office"))

    sheet = tmp_path / "office" / "sites" / "BF00000.html"
    page, log = open_page(sheet)
    assert page.evaluate(COUNT_DRAWN, "brownfields") == 1
    assert page.locator("h1").text_content() == XSS
    assert page.locator("svg.seriana-contrib").count() == 3
    # the sheet's map is shorter than the window: the legends stay inside it and clear
    # of the "colour sites by" switch (they once covered it)
    legend = page.locator(".seriana-legends").bounding_box()
    switch = page.locator(".seriana-switch").bounding_box()
    frame = page.locator(".folium-map").bounding_box()
    assert legend is not None and switch is not None and frame is not None
    assert (
        legend["y"] >= frame["y"] and legend["y"] + legend["height"] <= frame["y"] + frame["height"]
    )
    apart = (
        legend["y"] >= switch["y"] + switch["height"]
        or switch["y"] >= legend["y"] + legend["height"]
        or legend["x"] >= switch["x"] + switch["width"]
        or switch["x"] >= legend["x"] + legend["width"]
    )
    assert apart, (legend, switch)
    page.screenshot(path=str(artifacts_dir / "maps_office_sheet.png"), full_page=True)
    log.assert_clean(page, _site_files(tmp_path / "office"))


def _site_files(root: Path) -> set[str]:
    return {p.resolve().as_uri() for p in root.rglob("*") if p.is_file()}


def test_office_site_opens_from_a_copy_and_an_unzipped_archive(
    open_page: Any, tmp_path: Path, layers: dict[str, Any]
) -> None:
    """The shared assets are relative: the site works wherever the folder goes."""
    import shutil
    import zipfile

    made = tmp_path / "made"
    write_office_site(layers, made)
    copy = tmp_path / "elsewhere" / "copy of the site"
    shutil.copytree(made, copy)
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(made.rglob("*")):
            zf.write(f, f.relative_to(made).as_posix())
    unzipped = tmp_path / "unzipped è"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(unzipped)
    shutil.rmtree(made)  # nothing may point back at the original
    for root in (copy, unzipped):
        for rel in ("review.html", "municipalities/016000.html", "sites/BF00001.html"):
            page, log = open_page(root / rel)
            assert page.evaluate(COUNT_DRAWN, "municipalities") >= 1
            assert page.evaluate(COUNT_DRAWN, "brownfields") >= 1
            log.assert_clean(page, _site_files(root))


def test_before_suitability_points_and_tools(
    open_page: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    """Point sites without results: one status layer, popups without charts; tools work."""
    from test_maps_data import brownfields, municipalities

    sites = brownfields(5, results=False, polygons=False)
    path = write_review_map(
        {"municipalities": municipalities(), "brownfields": sites}, tmp_path / "early.html"
    )
    page, log = open_page(path)
    assert sorted(page.evaluate("Object.keys(seriana.layers)")) == [
        "brownfields",
        "municipalities",
    ]
    assert page.evaluate(COUNT_DRAWN, "brownfields") == 5
    assert page.query_selector(".seriana-switch") is None  # nothing to switch between
    _click_feature(page, "brownfields", "BF00002")
    popup = page.locator(".leaflet-popup-content .seriana-popup")
    assert popup.locator(".seriana-popup-title").text_content() == "Cartiera Pigna 2"
    assert popup.locator("svg.seriana-contrib").count() == 0
    page.evaluate("seriana.map.closePopup()")

    # measure tool: click two points; the running total is labelled
    page.locator("#polyline-measure-control").click()
    box = page.locator(".folium-map").bounding_box()
    x, y = box["x"] + 300, box["y"] + 500
    for dx in (0, 100, 200):
        page.mouse.move(x + dx, y, steps=3)
        if dx != 100:
            page.mouse.click(x + dx, y)
    total = page.locator(".polyline-measure-tooltip-total").last.text_content() or ""
    # 200 px at zoom 17 and latitude ≈ 45.77°: 200 × 156,543 m × cos(45.77°) / 2^17 ≈ 167 m
    metres = re.search(r"(\d+)\s*m", total.replace("\xa0", " "))
    assert metres is not None and 160 <= int(metres.group(1)) <= 172, total
    page.screenshot(path=str(artifacts_dir / "maps_review_measure.png"))
    page.locator("#polyline-measure-control").click()

    # fullscreen button toggles the map's fullscreen state
    page.locator(".leaflet-control-zoom-fullscreen").click()
    page.wait_for_function("seriana.map._isFullscreen === true")
    log.assert_clean(page, {path.resolve().as_uri()})
