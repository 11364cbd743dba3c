"""The static site for the inter-municipal office.

:func:`write_office_site` writes into one folder, all opening from disk with
no network (from the folder, or from a copy or an unzipped archive of it):

- ``index.html``: links to everything, with a table of the sites;
- ``review.html``: the review map (:func:`seriana_gis.maps.review_map`);
- ``municipalities/<istat>.html``: one map per municipality (its sites over
  the valley's layers, the municipality outlined and named in bold);
- ``sites/<id>.html``: one sheet per brownfield: its map, attributes, travel
  times, nearest TEB stop, score, rank, rank interval, why, and criterion
  contributions per profile;
- ``assets/``: one shared copy of Leaflet, its plugins and our runtime, and
  ``data/``: one script per layer, each written once and used by every page.

With ``self_contained=True`` every page carries its own assets and the data it
draws (the layers around it), so that it can travel alone; the site is then
much larger (issue 14: 26 MB for the 60 pages of the demo).

Every layer is serialised once for the whole site and every page draws rows
of it (:class:`seriana_gis.maps.features.DatasetStore`); municipal colours use
the whole valley's classes on every page.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from .. import columns as names
from .. import symbology as sym
from .._errors import OutputExistsError
from .._io import write_text
from ..layers.site_point import site_points
from .display import destination_names, display_layers
from .elements import RawHTML, figure, render_html, shared_assets
from .features import DatasetStore, to_metric
from .review import MapContext, SharedData, build_map, indicator_classes
from .sheets import MAP_PAGE_CSS, PAGE_CSS, index_html, sheet_html

logger = logging.getLogger(__name__)

#: Context kept around a municipality or a site (metres).
CONTEXT_M = 2000.0
_SLUG = re.compile(r"[^A-Za-z0-9_-]+")
#: The column naming the TEB stop a site walks to (``walk_teb_stop``).
WALK_TEB_STOP = names.travel_note("walk", names.NEAREST_TEB, "stop")


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


def _nearest_stop(
    site: Any, stops: gpd.GeoDataFrame | None, *, stop_id: Any = None
) -> tuple[str, str]:
    """The TEB stop a site sheet names, and its straight-line distance from the site point.

    The stop the site's travel times name (``walk_teb_stop``) when the layer has it, so that
    the sheet and the CSV speak of the same stop; else the nearest stop in service, a planned
    stop only when the layer has no other (the base results never walk to a planned stop).
    A planned stop's name says so once. The distance is from the site point
    (:mod:`seriana_gis.layers.site_point`), where ``walk_teb_min`` starts, not from
    the footprint's edge, so the sheet's distance and walk time describe one leg.
    """
    if stops is None or stops.empty:
        return "–", "–"
    metric = to_metric(stops, layer="teb_stops")
    dist = metric.distance(site_points([site])[0]).to_numpy(dtype=float)
    planned = (
        (stops["status"].astype(str) == "planned").to_numpy()
        if "status" in stops.columns
        else np.zeros(len(stops), dtype=bool)
    )
    named = (
        (stops["id"].astype(str) == str(stop_id)).to_numpy()
        if "id" in stops.columns and isinstance(stop_id, str) and stop_id
        else np.zeros(len(stops), dtype=bool)
    )
    if named.any():
        i = int(np.flatnonzero(named)[0])
    else:
        i = int(np.where(planned & (~planned).any(), np.inf, dist).argmin())
    name = str(stops.iloc[i]["name"]) if "name" in stops.columns else str(stops.index[i])
    if planned[i] and "planned" not in name.lower():
        name += " (planned)"
    return name, sym.format_value(float(dist[i]), "m")


class _Site:
    """What every page of one office site shares."""

    def __init__(
        self,
        layers: Mapping[str, Any],
        *,
        indicator: str,
        tiles: str | None,
        attribution: str | None,
        self_contained: bool,
        criteria: Mapping[tuple[str, str], str] | None,
    ) -> None:
        self.layers = layers
        self.display = display_layers(layers)
        self.store = DatasetStore()
        self.shared = None if self_contained else SharedData()
        self.indicator = indicator
        self.tiles = tiles
        self.attribution = attribution
        self.criteria = criteria
        self.destinations = destination_names(layers)
        towns = self.display.get("municipalities")
        self.classes = None
        if (
            towns is not None
            and indicator in towns.columns
            and pd.api.types.is_numeric_dtype(towns[indicator])
        ):
            self.classes = indicator_classes(towns, indicator)
        # metric geometries once, for the self-contained pages' surroundings
        self.metric = {
            name: to_metric(gdf, layer=name).geometry.to_numpy()
            for name, gdf in self.display.items()
            if self_contained and name != "brownfields"
        }

    def context(self, *, root: str, rows: dict[str, Any], highlight: str | None) -> MapContext:
        return MapContext(
            display=self.display,
            store=self.store,
            shared=self.shared,
            root=root,
            rows=rows,
            highlight=highlight,
            classes=self.classes,
            criteria=self.criteria,
        )

    def around(self, area: Any) -> dict[str, Any]:
        """Rows of each layer meeting ``area`` (self-contained pages only; else every row)."""
        return {name: shapely.intersects(geoms, area) for name, geoms in self.metric.items()}

    def build(self, ctx: MapContext, **options: Any) -> Any:
        return build_map(
            self.layers,
            ctx,
            indicator=self.indicator,
            tiles=self.tiles,
            attribution=self.attribution,
            **options,
        )


def _wgs_bounds(gdf: gpd.GeoDataFrame, *, layer: str) -> np.ndarray:
    """Per row, ``[south, west, north, east]`` in WGS84."""
    b = to_metric(gdf, layer=layer).to_crs("EPSG:4326").bounds.to_numpy()
    return np.column_stack([b[:, 1], b[:, 0], b[:, 3], b[:, 2]])


def _leaflet(b: np.ndarray) -> list[list[float]]:
    return [[float(b[0]), float(b[1])], [float(b[2]), float(b[3])]]


def write_office_site(
    layers: Mapping[str, Any],
    folder: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    indicator: str = "population",
    tiles: str | None = None,
    attribution: str | None = None,
    title: str = "Seriana Valley: brownfields",
    self_contained: bool = False,
    criteria: Mapping[tuple[str, str], str] | None = None,
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
        Replace files that exist; without it nothing is written when any exists.
    indicator, tiles, attribution, criteria
        As for :func:`seriana_gis.maps.review_map`.
    title
        Title of the index page.
    self_contained
        Every page with its own copy of the assets and of the data it draws
        (a page that travels alone), instead of one shared copy for the site.

    Returns
    -------
    pathlib.Path
        The index page.

    Raises
    ------
    OutputExistsError
        If a file exists and ``overwrite`` is false (checked before writing anything).
    """
    root = Path(folder)
    site = _Site(
        layers,
        indicator=indicator,
        tiles=tiles,
        attribution=attribution,
        self_contained=self_contained,
        criteria=criteria,
    )
    display = site.display
    brown = display.get("brownfields")
    towns = display.get("municipalities")
    stops = display.get("teb_stops")
    pages: dict[Path, Callable[[], str] | None] = {root / "index.html": None}

    def review() -> str:
        return render_html(site.build(site.context(root="", rows={}, highlight=None)))

    pages[root / "review.html"] = review

    town_links: list[tuple[str, str, int]] = []
    town_keys: dict[str, str] = {}
    if towns is not None:
        keys = towns["istat"].astype(str) if "istat" in towns.columns else towns["name"].astype(str)
        metric_towns = to_metric(towns, layer="municipalities").geometry.to_numpy()
        bounds = _wgs_bounds(towns, layer="municipalities")
        for k, (slug, key) in enumerate(zip(_slugs(list(keys)), keys, strict=True)):
            name = str(towns["name"].iloc[k]) if "name" in towns.columns else slug
            town_keys[name] = key
            own = np.zeros(0, dtype=bool)
            if brown is not None and "municipality" in brown.columns:
                own = (brown["municipality"].astype(str) == name).to_numpy()
            href = f"municipalities/{slug}.html"
            town_links.append((name, href, int(own.sum())))
            rows = site.around(box(*metric_towns[k].bounds).buffer(CONTEXT_M))
            if brown is not None:
                rows["brownfields"] = own
            ctx = site.context(root="../", rows=rows, highlight=key)
            pages[root / href] = _town_page(site, ctx, name, _leaflet(bounds[k]))

    site_links: list[tuple[str, pd.Series]] = []
    if brown is not None:
        keys = brown["id"].astype(str) if "id" in brown.columns else brown.index.astype(str)
        metric = to_metric(brown, layer="brownfields").geometry.to_numpy()
        for k, slug in enumerate(_slugs(list(keys))):
            row = brown.iloc[k]
            href = f"sites/{slug}.html"
            site_links.append((href, row))
            links = {"← index": "../index.html", "review map": "../review.html"}
            town = str(row.get("municipality"))
            for name, town_href, _ in town_links:
                if name == town:
                    links[f"map of {name}"] = "../" + town_href
            geom = metric[k]
            rows = site.around(geom.buffer(CONTEXT_M))
            rows["brownfields"] = np.arange(len(brown)) == k
            ctx = site.context(root="../", rows=rows, highlight=town_keys.get(town))
            focus = gpd.GeoDataFrame(geometry=[geom.buffer(300)], crs="EPSG:32632")
            box_ = _leaflet(_wgs_bounds(focus, layer="site")[0])
            sheet = sheet_html(
                row,
                brown,
                _nearest_stop(geom, stops, stop_id=row.get(WALK_TEB_STOP)),
                links,
                destinations=site.destinations,
                criteria=criteria,
            )
            pages[root / href] = _site_page(site, ctx, row, box_, sheet)

    planned = list(pages)
    if site.shared is not None:
        planned += [root / "assets" / name for name in shared_assets()]
        planned += [root / "data" / f"{name}.js" for name in display]
    if not overwrite:
        for path in planned:
            if path.exists():
                msg = (
                    f"{path} already exists and would be replaced. Pass --overwrite "
                    "(overwrite=True) to replace the office site, or choose another folder."
                )
                raise OutputExistsError(msg)
    columns = list(brown.columns) if brown is not None else []
    for path, make in pages.items():
        text = index_html(title, town_links, site_links, columns) if make is None else make()
        write_text(path, text, overwrite=True)
    if site.shared is not None:
        shared_files = {root / "assets" / n: t for n, t in shared_assets().items()}
        shared_files |= {root / n: t for n, t in site.shared.scripts().items()}
        for path, text in shared_files.items():
            write_text(path, text, overwrite=True)
    logger.info("office site: %d pages in %s", len(pages), root)
    return root / "index.html"


def _town_page(site: _Site, ctx: MapContext, name: str, focus: list[list[float]]) -> Any:
    def make() -> str:
        m = site.build(ctx, title=f"{name}: brownfields", focus=focus, height="94vh")
        nav = (
            '<div class="sheet-nav"><a href="../index.html">← index</a> '
            '<a href="../review.html">review map</a></div>'
        )
        fig = figure(m)
        fig.header.add_child(RawHTML(f"<style>{PAGE_CSS}{MAP_PAGE_CSS}</style>"), name="sheet_css")
        fig.html.add_child(RawHTML(nav), name="sheet_nav")
        return render_html(m)

    return make


def _site_page(
    site: _Site, ctx: MapContext, row: pd.Series, focus: list[list[float]], sheet: str
) -> Any:
    def make() -> str:
        m = site.build(
            ctx,
            title=f"{sym.format_value(row.get('name'))}: site sheet",
            focus=focus,
            height="55vh",
            tools=False,
        )
        fig = figure(m)
        fig.header.add_child(RawHTML(f"<style>{PAGE_CSS}{MAP_PAGE_CSS}</style>"), name="sheet_css")
        fig.html.add_child(RawHTML(sheet), name="sheet")
        return render_html(m)

    return make
