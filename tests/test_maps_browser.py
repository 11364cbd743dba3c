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
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
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


def test_review_map_draws_every_feature(
    open_page: Any, review_path: Path, layers: dict[str, Any], artifacts_dir: Path
) -> None:
    page, log = open_page(review_path)
    page.screenshot(path=str(artifacts_dir / "maps_review.png"))
    n_sites = len(layers["brownfields"])
    expected = {
        "municipalities": len(layers["municipalities"]),
        "teb_lines": len(layers["teb_lines"]),
        "teb_stops": len(layers["teb_stops"]),
        "tourism_assets": len(layers["tourism_assets"]),
        "destinations": len(layers["destinations"]),
        "roads": 3,  # primary (its reverse twin dropped), secondary, trunk ramp; not residential
        "isochrones_bgy": 2,
        "isochrones_bergamo": 2,
        **{f"brownfields_{p}": n_sites for p in ("logistics", "services", "social_housing")},
        "brownfields_best_use": n_sites,
        "brownfields_status": n_sites,
    }
    assert sorted(page.evaluate("Object.keys(seriana.layers)")) == sorted(expected)
    drawn = {lid: page.evaluate(COUNT_DRAWN, lid) for lid in expected}
    assert drawn == expected
    # the controls of the issue are on the map
    for selector in (
        ".leaflet-control-layers",
        ".leaflet-control-scale",
        ".leaflet-control-zoom-fullscreen",
        ".leaflet-control-search",
        ".polyline-measure-unicode-icon",
    ):
        assert page.query_selector(selector) is not None, selector
    log.assert_clean(page, {review_path.resolve().as_uri()})


def test_legends_follow_layer_visibility(open_page: Any, review_path: Path) -> None:
    page, log = open_page(review_path)

    def shown(lid: str) -> bool:
        return bool(
            page.evaluate(
                "(id) => document.querySelector(`.seriana-legend[data-layer='${id}']`)"
                ".style.display !== 'none'",
                lid,
            )
        )

    assert shown("brownfields_logistics") and not shown("roads")
    page.get_by_label("Main roads").check()
    assert shown("roads")
    page.get_by_label("Brownfields: logistics score").uncheck()
    assert not shown("brownfields_logistics")
    page.get_by_label("Main roads").uncheck()
    assert not shown("roads")
    log.assert_clean(page, {review_path.resolve().as_uri()})


def test_click_opens_popup_with_contributions(
    open_page: Any, review_path: Path, artifacts_dir: Path
) -> None:
    page, log = open_page(review_path)
    _click_feature(page, "brownfields_logistics", "BF00001")
    popup = page.locator(".leaflet-popup-content .seriana-popup")
    assert popup.locator(".seriana-popup-title").text_content() == "Cotonificio Honegger 1"
    text = popup.text_content() or ""
    for label in ("Municipality", "Former use", "Car to Orio al Serio airport", "rank 5–95 %"):
        assert label in text
    # categorical values in words, not identifiers
    assert "partly_reused" not in text and "Partly reused" in text
    assert popup.locator("svg.seriana-contrib").count() == 3
    assert popup.locator("rect.seriana-bar").count() == 12
    assert popup.locator(".seriana-profile[data-profile='social_housing']").count() == 1
    page.screenshot(path=str(artifacts_dir / "maps_review_popup.png"))
    log.assert_clean(page, {review_path.resolve().as_uri()})


def test_injection_in_site_name_runs_nothing(open_page: Any, review_path: Path) -> None:
    page, log = open_page(review_path)
    # hovering shows the tooltip (wait for it: the page may be slow on a loaded machine)
    _hover_feature(page, "brownfields_logistics", "BF00000")
    tooltip = page.wait_for_selector(".leaflet-tooltip", timeout=10_000)
    assert tooltip.text_content() == XSS
    _click_feature(page, "brownfields_logistics", "BF00000")
    title = page.locator(".leaflet-popup-content .seriana-popup-title")
    assert title.text_content() == XSS
    # search by name: the tip shows the name as text; choosing it opens the popup
    page.evaluate("seriana.map.closePopup()")
    page.locator(".leaflet-control-search .search-button").click()
    page.locator(".leaflet-control-search input.search-input").press_sequentially("<img")
    page.wait_for_selector(".search-tip")
    assert page.locator(".search-tip").first.text_content() == XSS
    page.locator(".search-tip").first.click()
    page.wait_for_selector(".leaflet-popup-content .seriana-popup")
    assert title.text_content() == XSS
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0
    log.assert_clean(page, {review_path.resolve().as_uri()})


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
    istat = towns.loc[towns["name"] == counts.index[0], "istat"].iloc[0]
    town = tmp_path / "office" / "municipalities" / f"{istat}.html"
    page, log = open_page(town)
    own = int(counts.iloc[0])
    assert page.evaluate(COUNT_DRAWN, "brownfields_logistics") == own
    page.screenshot(path=str(artifacts_dir / "maps_office_municipality.png"))
    log.assert_clean(page, {town.resolve().as_uri()})

    sheet = tmp_path / "office" / "sites" / "BF00000.html"
    page, log = open_page(sheet)
    assert page.evaluate(COUNT_DRAWN, "brownfields_logistics") == 1
    assert page.locator("h1").text_content() == XSS
    assert page.locator("svg.seriana-contrib").count() == 3
    page.screenshot(path=str(artifacts_dir / "maps_office_sheet.png"), full_page=True)
    log.assert_clean(page, {sheet.resolve().as_uri()})


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
        "brownfields_status",
        "municipalities",
    ]
    assert page.evaluate(COUNT_DRAWN, "brownfields_status") == 5
    _click_feature(page, "brownfields_status", "BF00002")
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
