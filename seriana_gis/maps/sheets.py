"""The HTML of the office site's text: the index page and the site sheets.

Every text from data is HTML-escaped; numbers are formatted by
:func:`seriana_gis.symbology.format_value` (the one rounding rule) and
categorical values written in words.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .. import columns as cols
from .. import symbology as sym
from .display import (
    ADDS_UP,
    CATEGORICAL,
    DOES_NOT_ADD_UP,
    SITE_FACTS,
    TEXT_COLUMNS,
    contributions_add_up,
)

PAGE_CSS = """
body { font: 14px/1.45 sans-serif; color: #222; }
.sheet { max-width: 920px; width: 100%; box-sizing: border-box; margin: 0 auto; padding: 12px 16px 40px; }
.sheet h1 { font-size: 22px; margin: 8px 0; }
.sheet h2 { font-size: 17px; margin: 18px 0 6px; border-bottom: 1px solid #ddd; }
.sheet table { border-collapse: collapse; }
.sheet th, .sheet td { text-align: left; padding: 2px 10px 2px 0; vertical-align: top; }
.sheet th { color: #555; font-weight: normal; }
.sheet nav a { margin-right: 14px; }
.sheet .note { color: #555; font-size: 12px; }
"""
#: Page layout of maps with text: the map (rendered last by folium) is moved up.
MAP_PAGE_CSS = """
body { display: flex; flex-direction: column; }
.sheet-nav { order: -2; padding: 6px 16px; }
.folium-map { order: -1; flex: none; }
"""
#: Site attributes on a sheet, in order (those present and filled are shown).
SHEET_FIELDS: tuple[str, ...] = (
    "id",
    *SITE_FACTS,
    "heritage_note",
    "geometry_quality",
    "source_title",
    "source_url",
    "source_date",
    "source_note",
    "best_use",
)


def esc(value: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(value), quote=True)


def cell(value: Any, column: str) -> str:
    """A value of ``column`` as text: categorical values in words, numbers by their kind."""
    text = sym.format_value(value)
    if text == "–":
        return text
    if column in CATEGORICAL:
        return sym.value_label(column, value)
    if column in TEXT_COLUMNS or isinstance(value, str):
        return str(value)
    return sym.format_value(value, sym.kind_of(column))


def rows_html(pairs: Sequence[tuple[str, str]]) -> str:
    """Table rows ``<tr><th>label</th><td>value</td></tr>``, escaped."""
    return "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs)


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
    row, label_w, bar_w = 18, 260, 200
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
        parts.append(f'<text x="0" y="{y + 12}" font-size="12">{esc(crit)}</text>')
        parts.append(
            f'<rect class="seriana-bar" x="{label_w}" y="{y + 3}" width="{width:.1f}" '
            f'height="{row - 6}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_w + bar_w + 4}" y="{y + 12}" font-size="12">'
            f"{esc(sym.format_value(v, 'score'))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def sheet_html(
    row: pd.Series,
    layer: pd.DataFrame,
    stop: tuple[str, str],
    links: Mapping[str, str],
    *,
    destinations: Mapping[str, str],
    criteria: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """The text of a site sheet: attributes, travel times, nearest stop, each profile.

    Parameters
    ----------
    row
        The site.
    layer
        The whole brownfields layer (its columns; whether contributions add up).
    stop
        Name of the nearest TEB stop and its distance, as text.
    links
        Link text → address of the navigation bar.
    destinations
        Destination id → short name.
    criteria
        ``(profile, criterion)`` → criterion label.
    """
    columns = list(layer.columns)
    attrs = [(sym.column_label(c), cell(row.get(c), c)) for c in SHEET_FIELDS if c in columns]
    attrs = [(k, v) for k, v in attrs if v != "–"]
    travel = [
        (cols.label(c.name, destinations=destinations), cell(row.get(c.name), c.name))
        for c in cols.travel_time_columns(columns)
    ]
    nav = "".join(f'<a href="{esc(href)}">{esc(text)}</a>' for text, href in links.items())
    parts = [
        f'<div class="sheet"><nav>{nav}</nav>',
        f"<h1>{esc(cell(row.get('name'), 'name'))}</h1>",
        f"<h2>Site</h2><table>{rows_html(attrs)}</table>",
    ]
    if travel:
        parts.append(f"<h2>Travel times</h2><table>{rows_html(travel)}</table>")
    parts.append(
        "<h2>Nearest TEB stop</h2>"
        f"<table>{rows_html([('stop', stop[0]), ('distance', stop[1])])}</table>"
    )
    labels = criteria or {}
    for p in cols.profile_columns(columns):
        rows = []
        if p.score:
            rows.append(("score", cell(row.get(p.score), p.score)))
        if p.rank:
            rows.append(("rank", cell(row.get(p.rank), p.rank)))
        if p.p05 and p.p95:
            interval = f"{cell(row.get(p.p05), p.p05)} – {cell(row.get(p.p95), p.p95)}"
            rows.append(("rank 5–95 % (Monte Carlo)", interval))
        if p.why and isinstance(row.get(p.why), str) and row.get(p.why):
            rows.append(("why this rank", str(row.get(p.why))))
        if p.excluded and isinstance(row.get(p.excluded), str) and row.get(p.excluded):
            rows.append(("not scored", str(row.get(p.excluded))))
        parts.append(
            f'<h2 data-profile="{esc(p.name)}">Profile: {esc(cols.profile_label(p.name))}</h2>'
            f"<table>{rows_html(rows)}</table>"
        )
        if p.contributions:
            items = []
            for crit, col in p.contributions:
                v = row.get(col)
                label = labels.get((p.name, crit), crit.replace("_", " "))
                items.append((label, None if pd.isna(v) else float(v)))
            parts.append(contribution_svg(items))
            note = ADDS_UP if contributions_add_up(layer, p) else DOES_NOT_ADD_UP
            parts.append(f'<p class="note">{esc(note)}</p>')
    parts.append("</div>")
    return "".join(parts)


def index_html(
    title: str,
    towns: Sequence[tuple[str, str, int]],
    sites: Sequence[tuple[str, pd.Series]],
    columns: Sequence[str],
) -> str:
    """The index page: the review map, the municipalities and the sites with their scores."""
    found = [p for p in cols.profile_columns(list(columns)) if p.score]
    town_rows = "".join(
        f'<tr><td><a href="{esc(href)}">{esc(name)}</a></td><td>{n}</td></tr>'
        for name, href, n in towns
    )
    heads = "".join(f"<th>{esc(cols.profile_label(p.name))}</th>" for p in found)
    best = cols.BEST_USE in columns
    site_rows = []
    for href, row in sites:
        scores = "".join(f"<td>{esc(cell(row.get(p.score), str(p.score)))}</td>" for p in found)
        use = f"<td>{esc(cell(row.get(cols.BEST_USE), cols.BEST_USE))}</td>" if best else ""
        site_rows.append(
            f'<tr><td><a href="{esc(href)}">{esc(cell(row.get("name"), "name"))}</a></td>'
            f"<td>{esc(cell(row.get('municipality'), 'municipality'))}</td>"
            f"<td>{esc(cell(row.get('area_m2'), 'area_m2'))}</td>"
            f"<td>{esc(cell(row.get('status'), 'status'))}</td>{use}{scores}</tr>"
        )
    best_head = "<th>best use</th>" if best else ""
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><style>{PAGE_CSS}</style></head><body>"
        f'<div class="sheet"><h1>{esc(title)}</h1>'
        '<p><a href="review.html">Review map of the whole valley</a></p>'
        f"<h2>Municipalities</h2><table><tr><th>municipality</th><th>sites</th></tr>{town_rows}"
        "</table><h2>Brownfields</h2><table><tr><th>site</th><th>municipality</th>"
        f"<th>area</th><th>status</th>{best_head}{heads}</tr>{''.join(site_rows)}</table>"
        "</div></body></html>\n"
    )
