"""The printable atlas: one A4 page per site, drawn offline with matplotlib.

Each page has the site's name and municipality, a map of its surroundings
(municipal outlines, main roads by class, the TEB line and stops, the other
sites small, the site itself large in its best use's colour, a scale bar and a
north arrow), its scores and ranks per profile, its best use and why, and its
main attributes and travel times. Colours, labels and numbers come from
:mod:`seriana_gis.symbology`, as on the web maps and in QGIS.

The PDF is written with matplotlib's own PDF backend (no network, no
browser); its document dates are left out, so the same inputs give the same
file.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from .. import columns as cols
from .. import symbology as sym
from .._io import atomic_path, check_writable
from ..maps.display import main_roads

if TYPE_CHECKING:  # matplotlib is imported when an atlas is drawn (it is slow to import)
    from matplotlib.figure import Figure

#: A4 portrait, inches.
PAGE = (8.27, 11.69)
#: Half width of the map around a site, metres.
MAP_RADIUS_M = 1500.0
_CRS = "EPSG:32632"


def _metric(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if gdf is None or gdf.empty or gdf.crs is None:
        return None
    return gdf if gdf.crs.equals(_CRS) else gdf.to_crs(_CRS)


def _scale_bar(ax: Any, x0: float, y0: float, length: float) -> None:
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3, solid_capstyle="butt")
    ax.text(x0 + length / 2, y0 + 60, f"{length / 1000:g} km", ha="center", fontsize=8)


def _north(ax: Any, x: float, y: float) -> None:
    ax.annotate(
        "N",
        xy=(x, y),
        xytext=(x, y - 260),
        ha="center",
        fontsize=10,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black"},
    )


def _draw_map(ax: Any, site: pd.Series, layers: Mapping[str, gpd.GeoDataFrame | None]) -> None:
    geom = site.geometry
    cx, cy = geom.centroid.x, geom.centroid.y
    r = MAP_RADIUS_M
    ax.set_xlim(cx - r, cx + r)
    ax.set_ylim(cy - r, cy + r)
    ax.set_aspect("equal")
    ax.set_facecolor("#f4f4f0")
    towns = layers.get("municipalities")
    if towns is not None:
        towns.boundary.plot(ax=ax, color=sym.OUTLINE, linewidth=0.6)
    roads = layers.get("roads")
    if roads is not None:
        for cls_, group in roads.groupby("road_class"):
            group.plot(
                ax=ax,
                color=sym.CATEGORY_COLOURS["road_class"].get(str(cls_), sym.OTHER),
                linewidth=sym.ROAD_WIDTHS_MM.get(str(cls_), 0.2) * 2.0,
            )
    lines = layers.get("teb_lines")
    if lines is not None:
        lines.plot(ax=ax, color=sym.TEB, linewidth=2.0)
    stops = layers.get("teb_stops")
    if stops is not None:
        stops.plot(ax=ax, color=sym.TEB, markersize=18, edgecolor="white", zorder=4)
    others = layers.get("brownfields")
    if others is not None:
        pts = others.geometry.representative_point()
        ax.scatter(pts.x, pts.y, s=14, color="#7f7f7f", edgecolor="white", zorder=5)
    use = site.get(cols.BEST_USE)
    colour = sym.CATEGORY_COLOURS["best_use"].get(str(use), sym.OTHER)
    gpd.GeoSeries([geom], crs=_CRS).plot(
        ax=ax, color=colour, edgecolor=sym.SITE_OUTLINE, linewidth=1.2, zorder=6
    )
    pt = geom.representative_point()
    ax.scatter([pt.x], [pt.y], s=90, color=colour, edgecolor=sym.SITE_OUTLINE, zorder=7)
    _scale_bar(ax, cx - r + 150, cy - r + 150, 1000.0)
    _north(ax, cx + r - 150, cy + r - 120)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def _text_block(fig: Figure, y: float, heading: str, lines: list[str]) -> float:
    fig.text(0.07, y, heading, fontsize=11, fontweight="bold")
    y -= 0.022
    for line in lines:
        for part in textwrap.wrap(line, 105) or [""]:
            fig.text(0.07, y, part, fontsize=8.5)
            y -= 0.016
    return y - 0.01


def site_page(
    site: pd.Series,
    layers: Mapping[str, gpd.GeoDataFrame | None],
    *,
    columns: list[str],
    destinations: Mapping[str, str],
) -> Figure:
    """The atlas page of one site."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=PAGE)  # no pyplot: no display, no global state
    name = sym.format_value(site.get("name"))
    fig.text(0.07, 0.955, name, fontsize=16, fontweight="bold")
    town = sym.format_value(site.get("municipality"))
    status = site.get("status")
    sub = [town, sym.format_value(site.get("area_m2"), "m2")]
    if status is not None and not pd.isna(status):
        sub.append(sym.value_label("status", status))
    fig.text(0.07, 0.935, " · ".join(sub), fontsize=10, color="#444444")
    ax = fig.add_axes((0.07, 0.50, 0.86, 0.42))
    _draw_map(ax, site, layers)

    y = 0.47
    use = site.get(cols.BEST_USE)
    if use is not None and not pd.isna(use):
        fig.text(0.07, y, f"Best use: {sym.value_label(cols.BEST_USE, use)}", fontsize=11)
        y -= 0.03
    found = [p for p in cols.profile_columns(columns) if p.score]
    if found:
        rows = []
        for p in found:
            rank = sym.format_value(site.get(p.rank), "int") if p.rank else "–"
            if p.p05 and p.p95:
                rank += (
                    f" ({sym.format_value(site.get(p.p05), 'int')}–"
                    f"{sym.format_value(site.get(p.p95), 'int')})"
                )
            rows.append(
                [cols.profile_label(p.name), sym.format_value(site.get(p.score), "score"), rank]
            )
        table = fig.add_axes((0.07, y - 0.025 * (len(rows) + 1), 0.55, 0.025 * (len(rows) + 1)))
        table.axis("off")
        t = table.table(
            cellText=rows, colLabels=["profile", "score", "rank (5–95 %)"], loc="upper left"
        )
        t.auto_set_font_size(False)
        t.set_fontsize(9)
        y -= 0.025 * (len(rows) + 1) + 0.02
        why = []
        for p in found:
            text = site.get(p.why) if p.why else None
            if isinstance(text, str) and text:
                why.append(f"{cols.profile_label(p.name)}: {text}")
            excluded = site.get(p.excluded) if p.excluded else None
            if isinstance(excluded, str) and excluded:
                why.append(f"{cols.profile_label(p.name)}, not scored: {excluded}")
        if why:
            y = _text_block(fig, y, "Why", why)
    facts = []
    for c in ("former_use", "former_company", "closure_year", "planned_use", "ownership"):
        if c in columns and not pd.isna(site.get(c)):
            value = site.get(c)
            shown = (
                sym.value_label(c, value)
                if c == "former_use"
                else sym.format_value(value, sym.kind_of(c))
            )
            facts.append(f"{sym.column_label(c)}: {shown}")
    for tt in cols.travel_time_columns(columns):
        facts.append(
            f"{cols.label(tt.name, destinations=destinations)}: "
            f"{sym.format_value(site.get(tt.name), 'min')}"
        )
    if facts:
        _text_block(fig, y, "Site", facts)
    fig.text(
        0.07,
        0.02,
        "Seriana Valley brownfields atlas (seriana_gis). Map: EPSG:32632; "
        "data as in the workbook's Provenance sheet.",
        fontsize=7,
        color="#555555",
    )
    return fig


def write_atlas(
    layers: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    destinations: Mapping[str, str] | None = None,
) -> Path:
    """Write the atlas: one page per brownfield, in the order of the layer.

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame (``brownfields`` required; ``municipalities``,
        ``road_edges``, ``teb_lines``, ``teb_stops`` drawn when present). Not changed.
    path
        The PDF to write.
    overwrite
        Replace an existing file.
    destinations
        Destination id → short name for the travel times.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    target = Path(path)
    check_writable(target, overwrite=overwrite)
    brown = _metric(layers.get("brownfields"))
    edges = _metric(layers.get("road_edges"))
    context = {
        "municipalities": _metric(layers.get("municipalities")),
        "roads": _metric(main_roads(edges)) if edges is not None else None,
        "teb_lines": _metric(layers.get("teb_lines")),
        "teb_stops": _metric(layers.get("teb_stops")),
        "brownfields": brown,
    }
    columns = list(brown.columns) if brown is not None else []
    sites = list(brown.iterrows()) if brown is not None else []
    # no document dates: the same inputs give the same file
    metadata = {"Creator": "seriana_gis", "CreationDate": None}
    from matplotlib.backends.backend_pdf import PdfPages

    with atomic_path(target, overwrite=overwrite) as tmp, PdfPages(tmp, metadata=metadata) as pdf:
        for _, site in sites:
            pdf.savefig(site_page(site, context, columns=columns, destinations=destinations or {}))
    return target
