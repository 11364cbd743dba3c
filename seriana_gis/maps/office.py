"""The static site for the inter-municipal office.

:func:`write_office_site` writes into one folder, all opening from disk with
no network:

- ``index.html``: links to everything, with a table of the sites;
- ``review.html``: the review map (:func:`seriana_gis.maps.review_map`);
- ``municipalities/<istat>.html``: one map per municipality (its sites, the
  layers around it);
- ``sites/<id>.html``: one sheet per brownfield: its map, attributes, travel
  times, nearest TEB stop, score, rank, rank interval and criterion
  contributions per profile.

Every text from data is HTML-escaped.
"""

from __future__ import annotations

import html
import logging
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from .. import columns as cols
from .. import symbology as sym
from .._errors import OutputExistsError
from .._io import write_text
from .elements import RawHTML, figure
from .features import display_geometry, to_metric
from .review import build_map, indicator_classes, render_html

logger = logging.getLogger(__name__)

#: Context kept around a municipality or a site (metres).
CONTEXT_M = 2000.0
_SLUG = re.compile(r"[^A-Za-z0-9_-]+")

_PAGE_CSS = """
body { font: 14px/1.45 sans-serif; color: #222; }
.sheet { max-width: 920px; width: 100%; box-sizing: border-box; margin: 0 auto; padding: 12px 16px 40px; }
.sheet h1 { font-size: 22px; margin: 8px 0; }
.sheet h2 { font-size: 17px; margin: 18px 0 6px; border-bottom: 1px solid #ddd; }
.sheet table { border-collapse: collapse; }
.sheet th, .sheet td { text-align: left; padding: 2px 10px 2px 0; vertical-align: top; }
.sheet th { color: #555; font-weight: normal; }
.sheet nav a { margin-right: 14px; }
"""
#: Page layout of maps with text: the map (rendered last by folium) is moved up.
_MAP_PAGE_CSS = """
body { display: flex; flex-direction: column; }
.sheet-nav { order: -2; padding: 6px 16px; }
.folium-map { order: -1; flex: none; }
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: Any, kind: str = "num") -> str:
    return sym.format_value(value, kind)


def _value(value: Any, column: str) -> str:
    """A categorical value in words ("In redevelopment"), ``–`` when missing."""
    text = _fmt(value)
    return text if text == "–" else sym.value_label(column, value)


def _slugs(values: list[str]) -> list[str]:
    """File-name-safe, unique slugs."""
    seen: dict[str, int] = {}
    out = []
    for v in values:
        base = _SLUG.sub("_", v).strip("_")[:60] or "item"
        n = seen.get(base.lower(), 0)
        seen[base.lower()] = n + 1
        out.append(base if n == 0 else f"{base}_{n + 1}")
    return out


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in pairs)


def contribution_svg(items: list[tuple[str, float | None]]) -> str:
    """A small horizontal bar chart of criterion contributions, as inline SVG.

    Parameters
    ----------
    items
        ``(criterion, contribution)``; missing contributions draw no bar.

    Returns
    -------
    str
        An ``<svg>`` element; labels are escaped.
    """
    row, label_w, bar_w = 18, 150, 220
    finite = [abs(v) for _, v in items if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    parts = [
        f'<svg class="seriana-contrib" width="{label_w + bar_w + 60}" '
        f'height="{row * len(items) + 4}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (crit, v) in enumerate(items):
        y = i * row + 2
        val = v if v is not None and math.isfinite(v) else 0.0
        width = bar_w * abs(val) / top if top > 0 else 0.0
        colour = "#c0392b" if val < 0 else "#2c7fb8"
        parts.append(f'<text x="0" y="{y + 12}" font-size="12">{_esc(crit)}</text>')
        parts.append(
            f'<rect class="seriana-bar" x="{label_w}" y="{y + 3}" width="{width:.1f}" '
            f'height="{row - 6}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_w + bar_w + 4}" y="{y + 12}" font-size="12">'
            f"{_esc(_fmt(v, 'score'))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _around(layers: Mapping[str, Any], area: Any) -> dict[str, Any]:
    """The layers clipped (by intersection, not cut) to a metric area."""
    out: dict[str, Any] = {}
    for name, gdf in layers.items():
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.empty:
            continue
        if name == "brownfields":
            continue
        metric = to_metric(gdf, layer=name)
        out[name] = gdf[metric.intersects(area).to_numpy()]
    return out


def _bounds(gdf: gpd.GeoDataFrame, *, layer: str) -> list[list[float]]:
    geo = display_geometry(gdf, layer=layer, tolerance_m=0)
    minx, miny, maxx, maxy = geo.total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def _nearest_stop(site: Any, stops: gpd.GeoDataFrame | None) -> tuple[str, str]:
    if stops is None or stops.empty:
        return "–", "–"
    metric = to_metric(stops, layer="teb_stops")
    dist = metric.distance(site)
    i = int(dist.to_numpy().argmin())
    row = stops.iloc[i]
    name = str(row["name"]) if "name" in stops.columns else str(stops.index[i])
    if "status" in stops.columns and row["status"] == "planned":
        name += " (planned)"
    return name, _fmt(float(dist.iloc[i]), "m")


def _sheet_html(
    row: pd.Series,
    found: list[cols.ProfileColumns],
    columns: list[str],
    stop: tuple[str, str],
    links: dict[str, str],
    destinations: Mapping[str, str],
) -> str:
    attrs = [
        ("id", _fmt(row.get("id"))),
        ("municipality", _fmt(row.get("municipality"))),
        ("former use", _fmt(row.get("former_use"))),
        ("former company", _fmt(row.get("former_company"))),
        ("closed", _fmt(row.get("closure_year"), "year")),
        ("area", _fmt(row.get("area_m2"), "m2")),
        ("status", _value(row.get("status"), "status")),
        ("planned use", _fmt(row.get("planned_use"))),
        ("heritage", _fmt(row.get("heritage"))),
        ("ownership", _fmt(row.get("ownership"))),
        ("source", _fmt(row.get("source_title"))),
        ("source address", _fmt(row.get("source_url"))),
        ("source date", _fmt(row.get("source_date"))),
        ("notes", _fmt(row.get("source_note"))),
        ("geometry", _fmt(row.get("geometry_quality"))),
        ("best use", _value(row.get("best_use"), "best_use")),
    ]
    attrs = [(k, v) for k, v in attrs if v != "–" or k in ("id", "municipality")]
    travel = [
        (cols.label(c.name, destinations=destinations), _fmt(row.get(c.name), "min"))
        for c in cols.travel_time_columns(columns)
    ]
    nav = "".join(f'<a href="{_esc(href)}">{_esc(text)}</a>' for text, href in links.items())
    parts = [
        f'<div class="sheet"><nav>{nav}</nav>',
        f"<h1>{_esc(_fmt(row.get('name')))}</h1>",
        f"<h2>Site</h2><table>{_rows(attrs)}</table>",
    ]
    if travel:
        parts.append(f"<h2>Travel times</h2><table>{_rows(travel)}</table>")
    parts.append(
        f"<h2>Nearest TEB stop</h2><table>{_rows([('stop', stop[0]), ('distance', stop[1])])}"
        "</table>"
    )
    for p in found:
        rows = []
        if p.score:
            rows.append(("score", _fmt(row.get(p.score), "score")))
        if p.rank:
            rows.append(("rank", _fmt(row.get(p.rank), "int")))
        if p.p05 and p.p95:
            interval = f"{_fmt(row.get(p.p05), 'int')} – {_fmt(row.get(p.p95), 'int')}"
            rows.append(("rank 5–95 % (Monte Carlo)", interval))
        if p.why and isinstance(row.get(p.why), str) and row.get(p.why):
            rows.append(("why this rank", str(row.get(p.why))))
        parts.append(
            f'<h2 data-profile="{_esc(p.name)}">Profile: {_esc(cols.profile_label(p.name))}</h2>'
            f"<table>{_rows(rows)}</table>"
        )
        if p.contributions:
            items = []
            for crit, col in p.contributions:
                v = row.get(col)
                items.append((crit.replace("_", " "), None if pd.isna(v) else float(v)))
            parts.append(contribution_svg(items))
    parts.append("</div>")
    return "".join(parts)


def _index_html(
    title: str,
    towns: list[tuple[str, str, int]],
    sites: list[tuple[str, pd.Series]],
    found: list[cols.ProfileColumns],
) -> str:
    town_rows = "".join(
        f'<tr><td><a href="{_esc(href)}">{_esc(name)}</a></td><td>{n}</td></tr>'
        for name, href, n in towns
    )
    heads = "".join(f"<th>{_esc(cols.profile_label(p.name))}</th>" for p in found if p.score)
    site_rows = []
    for href, row in sites:
        scores = "".join(
            f"<td>{_esc(_fmt(row.get(p.score), 'score'))}</td>" for p in found if p.score
        )
        site_rows.append(
            f'<tr><td><a href="{_esc(href)}">{_esc(_fmt(row.get("name")))}</a></td>'
            f"<td>{_esc(_fmt(row.get('municipality')))}</td>"
            f"<td>{_esc(_fmt(row.get('area_m2'), 'm2'))}</td>"
            f"<td>{_esc(_value(row.get('status'), 'status'))}</td>{scores}</tr>"
        )
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{_esc(title)}</title><style>{_PAGE_CSS}</style></head><body>"
        f'<div class="sheet"><h1>{_esc(title)}</h1>'
        '<p><a href="review.html">Review map of the whole valley</a></p>'
        f"<h2>Municipalities</h2><table><tr><th>municipality</th><th>sites</th></tr>{town_rows}"
        "</table><h2>Brownfields</h2><table><tr><th>site</th><th>municipality</th>"
        f"<th>area</th><th>status</th>{heads}</tr>{''.join(site_rows)}</table>"
        "</div></body></html>\n"
    )


def write_office_site(
    layers: Mapping[str, Any],
    folder: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    indicator: str = "population",
    tiles: str | None = None,
    attribution: str | None = None,
    title: str = "Seriana Valley: brownfields",
) -> Path:
    """Write the office site: index, review map, municipality maps, site sheets.

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame, as for :func:`seriana_gis.maps.review_map`.
        Not changed.
    folder
        The folder to write into (created if needed).
    overwrite
        Replace pages that exist; without it nothing is written when any page exists.
    indicator, tiles, attribution
        As for :func:`seriana_gis.maps.review_map`.
    title
        Title of the index page.

    Returns
    -------
    pathlib.Path
        The index page.

    Raises
    ------
    OutputExistsError
        If a page exists and ``overwrite`` is false (checked before writing anything).
    """
    root = Path(folder)
    pages: dict[Path, Any] = {}
    brown = layers.get("brownfields")
    if not isinstance(brown, gpd.GeoDataFrame):
        brown = None
    towns = layers.get("municipalities")
    if not isinstance(towns, gpd.GeoDataFrame):
        towns = None
    stops = layers.get("teb_stops")
    stops = stops if isinstance(stops, gpd.GeoDataFrame) and not stops.empty else None
    columns = list(brown.columns) if brown is not None else []
    found = cols.profile_columns(columns)
    dest = layers.get("destinations")
    names: dict[str, str] = {}
    if isinstance(dest, gpd.GeoDataFrame) and {"id", "name"}.issubset(dest.columns):
        names = dict(zip(dest["id"].astype(str), dest["name"].astype(str), strict=True))
    destinations = cols.destination_labels(names)
    # one set of classes for every page: the whole valley's
    classes = None
    if (
        towns is not None
        and indicator in towns.columns
        and pd.api.types.is_numeric_dtype(towns[indicator])
    ):
        classes = indicator_classes(towns, indicator)

    def review() -> str:
        return render_html(
            build_map(
                layers, indicator=indicator, tiles=tiles, attribution=attribution, classes=classes
            )
        )

    pages[root / "index.html"] = None
    pages[root / "review.html"] = review

    town_links: list[tuple[str, str, int]] = []
    if towns is not None and not towns.empty:
        keys = towns["istat"].astype(str) if "istat" in towns.columns else towns["name"].astype(str)
        metric_towns = to_metric(towns, layer="municipalities")
        for slug, (i, town) in zip(_slugs(list(keys)), towns.iterrows(), strict=True):
            name = str(town.get("name", slug))
            own = brown
            if brown is not None and "municipality" in brown.columns:
                own = brown[brown["municipality"].astype(str) == name]
            href = f"municipalities/{slug}.html"
            town_links.append((name, href, 0 if own is None else len(own)))
            area = box(*metric_towns.geometry.loc[i].bounds).buffer(CONTEXT_M)
            pages[root / href] = _town_page(
                layers, own, towns.loc[[i]], area, name, indicator, tiles, attribution, classes
            )

    site_links: list[tuple[str, pd.Series]] = []
    if brown is not None and not brown.empty:
        keys = brown["id"].astype(str) if "id" in brown.columns else brown.index.astype(str)
        metric = to_metric(brown, layer="brownfields")
        for slug, (i, site) in zip(_slugs(list(keys)), brown.iterrows(), strict=True):
            href = f"sites/{slug}.html"
            site_links.append((href, site))
            geom = metric.geometry.loc[i]
            links = {"← index": "../index.html", "review map": "../review.html"}
            for name, town_href, _ in town_links:
                if name == str(site.get("municipality")):
                    links[f"map of {name}"] = "../" + town_href
            pages[root / href] = _site_page(
                layers,
                brown.loc[[i]],
                geom,
                found,
                columns,
                _nearest_stop(geom, stops),
                links,
                tiles,
                attribution,
                destinations,
            )

    if not overwrite:
        for path in pages:
            if path.exists():
                msg = (
                    f"{path} already exists and would be replaced. Pass --overwrite "
                    "(overwrite=True) to replace the office site, or choose another folder."
                )
                raise OutputExistsError(msg)
    index = _index_html(title, town_links, site_links, found)
    for path, make in pages.items():
        text = index if make is None else make()
        write_text(path, text, overwrite=True)
    logger.info("office site: %d pages in %s", len(pages), root)
    return root / "index.html"


def _town_page(
    layers: Mapping[str, Any],
    own: gpd.GeoDataFrame | None,
    town: gpd.GeoDataFrame,
    area: Any,
    name: str,
    indicator: str,
    tiles: str | None,
    attribution: str | None,
    classes: sym.Classes | None,
) -> Any:
    def make() -> str:
        local = _around(layers, area)
        if own is not None:
            local["brownfields"] = own
        m = build_map(
            local,
            indicator=indicator,
            tiles=tiles,
            attribution=attribution,
            title=f"{name}: brownfields",
            focus=_bounds(town, layer="municipalities"),
            height="94vh",
            classes=classes,
        )
        nav = (
            '<div class="sheet-nav"><a href="../index.html">← index</a> '
            '<a href="../review.html">review map</a></div>'
        )
        fig = figure(m)
        fig.header.add_child(
            RawHTML(f"<style>{_PAGE_CSS}{_MAP_PAGE_CSS}</style>"), name="sheet_css"
        )
        fig.html.add_child(RawHTML(nav), name="sheet_nav")
        return render_html(m)

    return make


def _site_page(
    layers: Mapping[str, Any],
    site: gpd.GeoDataFrame,
    geom: Any,
    found: list[cols.ProfileColumns],
    columns: list[str],
    stop: tuple[str, str],
    links: dict[str, str],
    tiles: str | None,
    attribution: str | None,
    destinations: Mapping[str, str],
) -> Any:
    def make() -> str:
        area = geom.buffer(CONTEXT_M)
        local = _around(layers, area)
        local["brownfields"] = site
        row = site.iloc[0]
        m = build_map(
            local,
            tiles=tiles,
            attribution=attribution,
            title=f"{_fmt(row.get('name'))}: site sheet",
            focus=_bounds(gpd.GeoDataFrame(geometry=[geom.buffer(300)], crs=32632), layer="site"),
            height="55vh",
            tools=False,
            collapsed=True,
        )
        fig = figure(m)
        fig.header.add_child(
            RawHTML(f"<style>{_PAGE_CSS}{_MAP_PAGE_CSS}</style>"), name="sheet_css"
        )
        sheet = _sheet_html(row, found, columns, stop, links, destinations)
        fig.html.add_child(RawHTML(sheet), name="sheet")
        return render_html(m)

    return make
