"""The review map: every layer of the territorial database on one offline page.

:func:`review_map` draws what the layers dictionary holds and leaves out what
is missing: municipalities as a choropleth of an indicator with their names,
the brownfields above everything else with one "colour sites by" switch (best
use, on by default; each profile's score on the fixed 0–1 classes; status),
compact popups (best use, the scores and why first, the details folded) and
names from zoom 14; the TEB line and stops (planned ones dashed or hollow),
tourism assets by category, main roads by class, isochrones per destination,
destinations; a collapsed layer control, legends that follow layer
visibility, fullscreen, search by site name, scale bar and measure tool.

Layer ids in the page (``seriana.layers[id]``): ``municipalities``,
``isochrones_{destination}``, ``roads``, ``tourism_assets``, ``teb_lines``,
``teb_stops``, ``destinations``, ``brownfields`` (its colourings are
``seriana.specs.brownfields.modes``: ``best_use``, ``score_{profile}``,
``status``), and ``economy_{indicator}`` (manufacturing share, textile
specialisation, employment change, the scenario's jobs lost) from the
``economy`` layer.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import folium
import geopandas as gpd
import pandas as pd

from .. import columns as cols
from .. import symbology as sym
from .._errors import ConfigError
from .._io import check_writable, write_text
from . import style
from .display import (
    BROWNFIELD_FIELDS,
    LABEL_LAT,
    LABEL_LON,
    MUNICIPALITY_FIELDS,
    brownfield_columns,
    brownfield_popup,
    destination_names,
    display_layers,
    popup_field,
    popup_fields,
    travel_fields,
)
from .elements import (
    DataLayer,
    LayerControl,
    add_call,
    add_dataset,
    add_dataset_script,
    dataset_script,
    offline_map,
    render_html,
)
from .features import SIMPLIFY_TOLERANCE_M, Dataset, DatasetStore

logger = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = [
    "BROWNFIELD_FIELDS",
    "KNOWN_INDICATORS",
    "MapContext",
    "SharedData",
    "build_map",
    "indicator_classes",
    "render_html",
    "review_map",
    "write_map",
    "write_review_map",
]

#: Municipal indicators a caller may name even before a layer has them.
KNOWN_INDICATORS = frozenset(sym.MUNICIPAL_INDICATORS)
#: Zoom from which site names are written beside their markers.
SITE_LABEL_ZOOM = 14
#: Title of the switch that colours the sites.
SWITCH_TITLE = "Colour sites by"


@dataclass
class SharedData:
    """The shared data scripts of an office site: one per dataset, written once.

    Attributes
    ----------
    used
        Dataset name → the serialised layer every page draws rows of.
    """

    used: dict[str, Dataset] = field(default_factory=dict)

    def add(self, name: str, ds: Dataset) -> None:
        """Record a dataset a page draws (the same one on every page)."""
        known = self.used.get(name)
        if known is not None and known is not ds:
            msg = f"internal error: two different datasets named {name!r} in one office site"
            raise RuntimeError(msg)
        self.used[name] = ds

    def scripts(self) -> dict[str, str]:
        """``data/<name>.js`` → its text, for every dataset used."""
        return {f"data/{n}.js": dataset_script(n, ds.text()) for n, ds in sorted(self.used.items())}


@dataclass
class MapContext:
    """What the pages of an office site share, and what one page draws.

    Attributes
    ----------
    display
        The display layers (:func:`seriana_gis.maps.display.display_layers`), made once.
    store
        Serialised layers, made once.
    shared
        The shared data scripts and assets of an office site; ``None`` to
        embed each page's assets and data (a page that travels alone).
    root
        Relative path from the page to the site's root (``""``, ``"../"``),
        where the shared ``assets/`` and ``data/`` folders are.
    rows
        Display layer → the rows this page draws (a boolean mask or positions);
        all rows when absent.
    highlight
        The ISTAT code of the municipality the page is about.
    classes
        Classes of the municipal indicator (the whole valley's).
    criteria
        ``(profile, criterion)`` → criterion label for the popups.
    """

    display: dict[str, gpd.GeoDataFrame]
    store: DatasetStore = field(default_factory=DatasetStore)
    shared: SharedData | None = None
    root: str = ""
    rows: Mapping[str, Any] = field(default_factory=dict)
    highlight: str | None = None
    classes: sym.Classes | None = None
    criteria: Mapping[tuple[str, str], str] | None = None


@dataclass
class _Bounds:
    boxes: list[list[float]] = field(default_factory=list)

    def add(self, box: list[float] | None) -> None:
        if box is not None:
            self.boxes.append(box)

    def leaflet(self) -> list[list[float]] | None:
        if not self.boxes:
            return None
        s = min(b[0] for b in self.boxes)
        w = min(b[1] for b in self.boxes)
        n = max(b[2] for b in self.boxes)
        e = max(b[3] for b in self.boxes)
        return [[s, w], [n, e]]


def _spec(
    layer_id: str,
    dataset: str,
    style_: dict[str, Any] | None,
    *,
    legend: dict[str, Any] | None = None,
    popup: dict[str, Any] | None = None,
    tooltip: str | None = None,
    weight: float = 1.0,
    fill_opacity: float = 0.7,
    opacity: float = 0.9,
    radius: float = 6.0,
    stroke: str | None = None,
    dash: dict[str, Any] | None = None,
    hollow: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": layer_id,
        "data": dataset,
        "style": style_,
        "legend": legend,
        "popup": popup,
        "tooltip": tooltip,
        "weight": weight,
        "fill_opacity": fill_opacity,
        "opacity": opacity,
        "radius": radius,
        "stroke": stroke,
        "dash": dash,
        "hollow": hollow,
        **extra,
    }


class _Builder:
    """Adds datasets and layers to one map, remembering bounds."""

    def __init__(
        self,
        m: folium.Map,
        ctx: MapContext,
        *,
        tolerance_m: float,
        destinations: Mapping[str, str],
    ) -> None:
        self.m = m
        self.ctx = ctx
        self.tolerance_m = tolerance_m
        self.destinations = destinations
        self.bounds = _Bounds()
        self.focus = _Bounds()

    def dataset(self, name: str, gdf: gpd.GeoDataFrame, columns: list[str]) -> dict[str, Any]:
        """Make the dataset available to the page; return the spec keys that select its rows."""
        ds = self.ctx.store.get(gdf, layer=name, columns=columns, tolerance_m=self.tolerance_m)
        rows = self.ctx.rows.get(name)
        box = ds.box(rows)
        self.bounds.add(box)
        if name in ("municipalities", "brownfields"):
            self.focus.add(box)
        if self.ctx.shared is None:
            add_dataset(self.m, name, ds.text(rows))
            return {}
        self.ctx.shared.add(name, ds)
        add_dataset_script(self.m, name, f"{self.ctx.root}data/{name}.js")
        return {} if rows is None else {"rows": [int(i) for i in ds.rows(rows)]}

    def derived(self, gdf: gpd.GeoDataFrame, key: Hashable, make: Callable[[], T]) -> T:
        """What every page derives alike from a whole layer, made once for the site."""
        return self.ctx.store.derived(gdf, key, make)

    def layer(self, spec: dict[str, Any], *, name: str, show: bool) -> None:
        DataLayer(spec, name=name, show=show).add_to(self.m)


def _check_indicator(indicator: str, municipalities: gpd.GeoDataFrame | None) -> None:
    if indicator in KNOWN_INDICATORS or cols.is_travel_time(indicator):
        return
    if municipalities is not None and indicator in municipalities.columns:
        return
    numeric = []
    if municipalities is not None:
        numeric = [
            c
            for c in municipalities.columns
            if c != municipalities.geometry.name
            and not str(c).startswith("_")
            and pd.api.types.is_numeric_dtype(municipalities[c])
        ]
    choices = sorted(set(numeric) | KNOWN_INDICATORS)
    msg = (
        f"indicator {indicator!r} is not a column of layer 'municipalities'. "
        f"Choose one of: {', '.join(choices)}, or a travel-time column such as car_bgy_min."
    )
    raise ConfigError(msg)


def indicator_classes(gdf: gpd.GeoDataFrame, indicator: str) -> sym.Classes:
    """The classes of a municipal indicator over the whole layer (travel times on round steps)."""
    if cols.is_travel_time(indicator):
        return sym.time_classes(gdf[indicator])
    return sym.municipal_classes(gdf[indicator])


def _municipality_fields(gdf: gpd.GeoDataFrame, destinations: Mapping[str, str]) -> list[list[str]]:
    columns = list(gdf.columns)
    fields = popup_fields(columns, MUNICIPALITY_FIELDS)
    return fields + travel_fields(columns, destinations=destinations)


def _municipalities(b: _Builder, gdf: gpd.GeoDataFrame, indicator: str) -> None:
    columns = list(gdf.columns)
    fields = b.derived(gdf, "fields", lambda: _municipality_fields(gdf, b.destinations))
    carried = ["name", "istat", LABEL_LAT, LABEL_LON, *[f[1] for f in fields]]
    if indicator in columns:
        carried.append(indicator)
    rows = b.dataset("municipalities", gdf, list(dict.fromkeys(carried)))
    if indicator in columns and pd.api.types.is_numeric_dtype(gdf[indicator]):
        classes = b.ctx.classes or indicator_classes(gdf, indicator)
        st, entries = style.classes_style(indicator, classes, values=gdf[indicator])
        title = sym.column_label(indicator, destinations=b.destinations)
        name = f"Municipalities: {title}"
    else:
        logger.info("municipalities: no numeric column %r, drawing outlines", indicator)
        st, entries = {"kind": "fixed", "colour": "#ffffff"}, [["#ffffff", "Municipality", "fill"]]
        title, name = "Municipalities", "Municipalities"
    highlight = None
    if b.ctx.highlight is not None and "istat" in columns:
        highlight = {
            "property": "istat",
            "value": b.ctx.highlight,
            "colour": sym.TOWN_HIGHLIGHT,
            "weight": 3.5,
        }
    spec = _spec(
        "municipalities",
        "municipalities",
        st,
        legend=style.legend(title, entries),
        popup={"title": "name", "fields": fields},
        tooltip="name",
        stroke=sym.OUTLINE,
        fill_opacity=0.55,
        weight=1.0,
        highlight=highlight,
        town_labels="name" if "name" in columns else None,
        **rows,
    )
    b.layer(spec, name=name, show=True)


def _brownfield_modes(gdf: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """The ways of colouring the sites: best use, each profile's score, status."""
    modes = []
    if cols.BEST_USE in gdf.columns:
        st, entries = style.category_style(cols.BEST_USE, gdf[cols.BEST_USE], swatch="point")
        modes.append(
            {
                "id": "best_use",
                "label": "Best use",
                "style": st,
                "legend": _legend("Best use", entries),
            }
        )
    for p in cols.profile_columns(list(gdf.columns)):
        if p.score is None:
            continue
        st, entries = style.classes_style(
            p.score, sym.score_classes(), swatch="point", values=gdf[p.score]
        )
        label = cols.label(p.score)
        modes.append(
            {"id": p.score, "label": label, "style": st, "legend": _legend(label, entries)}
        )
    if "status" in gdf.columns:
        st, entries = style.category_style("status", gdf["status"], swatch="point")
    else:
        st, entries = {"kind": "fixed", "colour": sym.OTHER}, [[sym.OTHER, "Site", "point"]]
    modes.append(
        {"id": "status", "label": "Status", "style": st, "legend": _legend("Status", entries)}
    )
    return modes


def _legend(title: str, entries: list[list[str]]) -> dict[str, Any]:
    return style.legend(f"Brownfields: {title[:1].lower()}{title[1:]}", entries)


def _brownfields(b: _Builder, gdf: gpd.GeoDataFrame) -> bool:
    carried, popup, modes = b.derived(
        gdf,
        "brownfields",
        lambda: (
            brownfield_columns(list(gdf.columns)),
            brownfield_popup(gdf, destinations=b.destinations, criteria=b.ctx.criteria),
            _brownfield_modes(gdf),
        ),
    )
    rows = b.dataset("brownfields", gdf, carried)
    spec = _spec(
        "brownfields",
        "brownfields",
        None,
        popup=popup,
        tooltip="name",
        weight=1.2,
        opacity=1.0,
        fill_opacity=0.9,
        radius=7.0,
        stroke=sym.SITE_OUTLINE,
        modes=modes,
        mode=modes[0]["id"],
        front=True,
        labels={"property": "name", "min_zoom": SITE_LABEL_ZOOM},
        **rows,
    )
    b.layer(spec, name="Brownfields", show=True)
    return len(modes) > 1


def _teb_lines(b: _Builder, lines: gpd.GeoDataFrame) -> None:
    rows = b.dataset("teb_lines", lines, ["id", "name", "status"])
    st, _ = style.category_style("status", lines.get("status", []))
    entries = [[sym.TEB, "Existing", "line"], [sym.TEB_PLANNED, "Planned", "dash"]]
    spec = _spec(
        "teb_lines",
        "teb_lines",
        st | {"other": sym.TEB},
        legend=style.legend("TEB light rail", entries),
        popup={"title": "name", "fields": [["Line", "id", "text"], ["Status", "status", "text"]]},
        tooltip="name",
        weight=4.0,
        dash={"property": "status", "value": "planned", "pattern": "8 6"},
        **rows,
    )
    b.layer(spec, name="TEB line", show=True)


def _teb_stops(b: _Builder, stops: gpd.GeoDataFrame) -> None:
    rows = b.dataset("teb_stops", stops, ["id", "name", "line", "seq", "municipality", "status"])
    st, _ = style.category_style("status", stops.get("status", []))
    entries = [
        [sym.TEB, "Existing stop", "point"],
        [sym.TEB_PLANNED, "Planned stop (hollow)", "point"],
    ]
    columns = list(stops.columns)
    spec = _spec(
        "teb_stops",
        "teb_stops",
        st | {"other": sym.TEB},
        legend=style.legend("TEB stops", entries),
        popup={
            "title": "name",
            "fields": popup_fields(columns, ("line", "seq", "municipality", "status")),
        },
        tooltip="name",
        weight=1.5,
        radius=4.0,
        fill_opacity=1.0,
        stroke="#ffffff",
        hollow={"property": "status", "value": "planned"},
        **rows,
    )
    b.layer(spec, name="TEB stops", show=True)


def _tourism(b: _Builder, gdf: gpd.GeoDataFrame) -> None:
    rows = b.dataset("tourism_assets", gdf, ["id", "name", "category", "municipality", "length_km"])
    if "category" in gdf.columns:
        st, entries = style.category_style("category", gdf["category"], swatch="point")
    else:
        colour = sym.QUALITATIVE[0]
        st, entries = {"kind": "fixed", "colour": colour}, [[colour, "Asset", "point"]]
    columns = list(gdf.columns)
    spec = _spec(
        "tourism_assets",
        "tourism_assets",
        st,
        legend=style.legend("Tourism assets", entries),
        popup={
            "title": "name",
            "fields": popup_fields(columns, ("category", "municipality", "length_km")),
            "values": {"category": {v: sym.value_label("category", v) for v in st.get("map", {})}},
        },
        tooltip="name",
        weight=2.0,
        radius=4.5,
        fill_opacity=0.8,
        **rows,
    )
    b.layer(spec, name="Tourism assets", show=False)


def _roads(b: _Builder, roads: gpd.GeoDataFrame) -> None:
    rows = b.dataset("roads", roads, ["name", "ref", "road_class"])
    st, entries = style.category_style("road_class", roads["road_class"], swatch="line")
    spec = _spec(
        "roads",
        "roads",
        st,
        legend=style.legend("Main roads", entries),
        tooltip="name",
        weight=1.8,
        opacity=0.8,
        widths={k: round(v * 2.5, 2) for k, v in sym.ROAD_WIDTHS_MM.items()},
        **rows,
    )
    b.layer(spec, name="Main roads", show=False)


def _isochrones(b: _Builder, name: str, gdf: gpd.GeoDataFrame) -> None:
    rows = b.dataset(name, gdf, ["destination", "minutes", "area_km2"])
    dest = name.removeprefix("isochrones_")
    st, entries = b.derived(
        gdf, "classes", lambda: style.classes_style("minutes", sym.band_classes(gdf["minutes"]))
    )
    # isochrones are drawn on the road network: car times
    title = f"Isochrones: {cols.label(cols.travel_time('car', dest), destinations=b.destinations)}"
    spec = _spec(
        name,
        name,
        st,
        legend=style.legend(title, entries),
        popup={"title": "destination", "fields": [popup_field("minutes"), popup_field("area_km2")]},
        fill_opacity=0.35,
        weight=1.0,
        **rows,
    )
    b.layer(spec, name=title, show=False)


def _economy(b: _Builder, name: str, gdf: gpd.GeoDataFrame) -> None:
    """A choropleth of one employment indicator (``economy_{indicator}``), hidden at first."""
    column = name.removeprefix("economy_")
    fields = popup_fields(list(gdf.columns), ["level", "zones", column, "source"])
    rows = b.dataset(name, gdf, ["name", *[f[1] for f in fields]])
    st, entries = b.derived(
        gdf,
        "classes",
        lambda: style.classes_style(column, sym.municipal_classes(gdf[column]), values=gdf[column]),
    )
    title = sym.column_label(column)
    spec = _spec(
        name,
        name,
        st,
        legend=style.legend(title, entries),
        popup={"title": "name", "fields": fields},
        tooltip="name",
        stroke=sym.OUTLINE,
        fill_opacity=0.6,
        weight=1.5,
        **rows,
    )
    b.layer(spec, name=f"Economy: {title}", show=False)


def _destinations(b: _Builder, gdf: gpd.GeoDataFrame) -> None:
    rows = b.dataset("destinations", gdf, ["id", "name", "kind"])
    spec = _spec(
        "destinations",
        "destinations",
        {"kind": "fixed", "colour": sym.DESTINATIONS},
        legend=style.legend("Destinations", [[sym.DESTINATIONS, "Destination", "point"]]),
        popup={"title": "name", "fields": popup_fields(list(gdf.columns), ["id", "kind"])},
        tooltip="name",
        radius=6.0,
        weight=2.0,
        fill_opacity=0.9,
        stroke="#ffffff",
        **rows,
    )
    b.layer(spec, name="Destinations", show=True)


def review_map(
    layers: Mapping[str, Any],
    *,
    indicator: str = "population",
    tiles: str | None = None,
    attribution: str | None = None,
    title: str = "Seriana Valley: brownfield review",
    simplify_m: float = SIMPLIFY_TOLERANCE_M,
    collapsed: bool = True,
    criteria: Mapping[tuple[str, str], str] | None = None,
) -> folium.Map:
    """The review map of the territorial database.

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame (``municipalities``, ``brownfields``,
        ``teb_lines``, ``teb_stops``, ``tourism_assets``, ``destinations``,
        ``road_edges``, ``isochrones``). Missing or empty layers and columns
        are left out of the map. Not changed.
    indicator
        Municipal column of the choropleth (``population``, ``old_age_index``,
        ``density``, ``share_65_plus``, ``dependency_ratio``, a travel-time
        column ``car_bgy_min`` …). A known indicator missing from the layer
        draws plain outlines.
    tiles
        ``None`` (default) for a plain background that needs no network; or a
        tile provider name such as ``"OpenStreetMap"``, or a URL template with
        ``attribution``.
    attribution
        Attribution of a tile URL template.
    title
        Page title.
    simplify_m
        Display simplification tolerance in metres (coordinates are rounded
        to 1e-5°, about a metre).
    collapsed
        Whether the layer control starts collapsed (an icon that opens it).
    criteria
        ``(profile, criterion)`` → label of the criterion in the popups
        (a profile file's ``label:``); criterion ids otherwise.

    Returns
    -------
    folium.Map
        A map whose HTML needs no network (unless ``tiles`` is given).

    Raises
    ------
    ConfigError
        If ``indicator`` is neither a known indicator nor a municipal column.
    CRSError
        If a layer has no CRS.
    """
    ctx = MapContext(display=display_layers(layers), criteria=criteria)
    return build_map(
        layers,
        ctx,
        indicator=indicator,
        tiles=tiles,
        attribution=attribution,
        title=title,
        simplify_m=simplify_m,
        collapsed=collapsed,
    )


def build_map(
    layers: Mapping[str, Any],
    ctx: MapContext,
    *,
    indicator: str = "population",
    tiles: str | None = None,
    attribution: str | None = None,
    title: str = "Seriana Valley: brownfield review",
    simplify_m: float = SIMPLIFY_TOLERANCE_M,
    collapsed: bool = True,
    focus: list[list[float]] | None = None,
    height: str = "100%",
    tools: bool = True,
) -> folium.Map:
    """:func:`review_map` with the options the office pages need.

    Parameters
    ----------
    layers
        The database's layers (for the destinations' names).
    ctx
        The display layers and what this page draws of them.
    indicator, tiles, attribution, title, simplify_m, collapsed
        As for :func:`review_map`.
    focus
        Leaflet bounds ``[[south, west], [north, east]]`` to open on, instead
        of the municipalities and brownfields drawn.
    height
        CSS height of the map.
    tools
        Whether to add the fullscreen, measure and search tools.

    Returns
    -------
    folium.Map
        The map.
    """
    display = ctx.display
    municipalities = display.get("municipalities")
    _check_indicator(indicator, municipalities)
    m = offline_map(
        title=title,
        tiles=tiles,
        attribution=attribution,
        fullscreen=tools,
        measure=tools,
        height=height,
        assets=None if ctx.shared is None else f"{ctx.root}assets/",
    )
    dest = layers.get("destinations")
    names = (
        ctx.store.derived(dest, "names", lambda: destination_names(layers))
        if isinstance(dest, gpd.GeoDataFrame)
        else destination_names(layers)
    )
    b = _Builder(m, ctx, tolerance_m=simplify_m, destinations=names)
    if municipalities is not None:
        _municipalities(b, municipalities, indicator)
    for name, gdf in display.items():
        if name.startswith("economy_"):
            _economy(b, name, gdf)
    for name, gdf in display.items():
        if name.startswith("isochrones_"):
            _isochrones(b, name, gdf)
    builders = (
        ("roads", _roads),
        ("tourism_assets", _tourism),
        ("teb_lines", _teb_lines),
        ("teb_stops", _teb_stops),
        ("destinations", _destinations),
    )
    for name, build in builders:
        if name in display:
            build(b, display[name])
    has_sites = "brownfields" in display
    switch = _brownfields(b, display["brownfields"]) if has_sites else False
    LayerControl(collapsed=collapsed, position="topright").add_to(m)
    if switch:
        add_call(m, "addSwitch", {"layer": "brownfields", "title": SWITCH_TITLE})
    if has_sites and tools:
        add_call(
            m,
            "addSearch",
            {
                "layer": "brownfields",
                "property": "name",
                "key": "id",
                "zoom": 15,
                "placeholder": "Search site name…",
            },
        )
    box = focus or b.focus.leaflet() or b.bounds.leaflet()
    if box is not None:
        add_call(m, "fit", box)
    return m


def write_map(m: folium.Map, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a map's page atomically, refusing to replace a file unless ``overwrite``."""
    return write_text(path, render_html(m), overwrite=overwrite)


def write_review_map(
    layers: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    **options: Any,
) -> Path:
    """Write :func:`review_map` to ``path`` (one self-contained HTML file).

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame, as for :func:`review_map`.
    path
        The HTML file to write.
    overwrite
        Replace an existing file.
    **options
        Keyword options of :func:`review_map`.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is false.
    """
    check_writable(Path(path), overwrite=overwrite)
    return write_map(review_map(layers, **options), path, overwrite=overwrite)
