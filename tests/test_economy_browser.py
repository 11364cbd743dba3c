"""The economy choropleths in a real browser (Chromium): drawn, legended, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_economy_geo import _munis
from test_maps_browser import COUNT_DRAWN, browser, open_page  # noqa: F401 (fixtures)

from seriana_gis.economy import load_published, load_scenario
from seriana_gis.economy.geo import economy_layer
from seriana_gis.maps import write_review_map

pytestmark = pytest.mark.browser


def test_economy_layers_draw_only_the_polygons_with_a_figure(
    open_page: Any,  # noqa: F811
    tmp_path: Path,
    artifacts_dir: Path,
) -> None:
    munis = _munis()
    economy = economy_layer(munis, published=load_published(), scenario=load_scenario())
    path = write_review_map({"municipalities": munis, "economy": economy}, tmp_path / "r.html")
    page, log = open_page(path)
    # the valley (manufacturing share, the scenario), the upper valley (textiles), the
    # lower and upper valley (employment change 1991-2005): nothing spread onto parts
    expected = {
        "economy_manufacturing_share": 1,
        "economy_textile_lq": 1,
        "economy_employment_change_pct": 2,
        "economy_jobs_lost": 1,
    }
    assert {lid: page.evaluate(COUNT_DRAWN, lid) for lid in expected} == expected
    page.locator(".leaflet-control-layers").hover()
    legend = page.locator(".seriana-legend[data-layer='economy_textile_lq']")
    assert "Textile specialisation" in legend.inner_text()
    assert legend.is_visible()
    page.screenshot(path=str(artifacts_dir / "economy_review.png"))
    log.assert_clean(page, {path.resolve().as_uri()})
