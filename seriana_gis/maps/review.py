"""The review map: every layer of the territorial database on one offline page.

:func:`review_map` draws what the layers dictionary holds and leaves out what
is missing: municipalities as a choropleth of an indicator, brownfields
coloured by each suitability profile's score and by best use (or by status
before the suitability step has run), the TEB line and stops (planned ones
dashed or hollow), tourism assets by category, main roads, isochrones,
destinations; a layer control, legends that follow layer visibility,
fullscreen, search by site name, scale bar and measure tool.

Layer ids in the page (``seriana.layers[id]``): ``municipalities``,
``brownfields_{profile}``, ``brownfields_best_use``, ``brownfields_status``,
``teb_lines``, ``teb_stops``, ``tourism_assets``, ``roads``,
``isochrones_{destination}``, ``destinations``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from .. import columns as cols
from .. import symbology as sym
from .._errors import ConfigError
from .._io import check_writable, write_text
from . import style
from .elements import DataLayer, add_call, add_dataset, offline_map
from .features import SIMPLIFY_TOLERANCE_M, feature_collection

logger = logging.getLogger(__name__)

#: Municipal indicators a caller may name even before a layer has them.
KNOWN_INDICATORS = frozenset(sym.MUNICIPAL_INDICATORS)
#: Road classes drawn as main roads, and their colours.
MAIN_ROADS: dict[str, str] = sym.CATEGORY_COLOURS["road_class"]
_BROWNFIELD_FIELDS = [
    "municipality",
    "former_use",
    "former_company",
    "closure_year",
    "area_m2",
    "status",
    "planned_use",
    "heritage",
    "ownership",
    "source_title",
    "geometry_quality",
    "best_use",
]
_MUNICIPALITY_FIELDS = [
    "istat",
    "zone",
    "population",
    "area_km2",
    "density",
    "share_65_plus",
    "old_age_index",
    "dependency_ratio",
]


#: Columns shown as text; those of :data:`CATEGORICAL` in words (:func:`value_labels`).
TEXT_COLUMNS = frozenset({"id", "istat", "zone", "municipality", "ownership", "line", "kind"})
CATEGORICAL = ("status", "best_use", "former_use", "category", "road_class")


def popup_field(column: str, *, destinations: Mapping[str, str] | None = None) -> list[str]:
    """A popup field ``[label, column, format]``: the column's label and the runtime's format."""
    label = sym.column_label(column, destinations=destinations)
    text = column in TEXT_COLUMNS or column in CATEGORICAL
    return [label, column, "text" if text else sym.web_format(column)]


def value_labels(gdf: gpd.GeoDataFrame) -> dict[str, dict[str, str]]:
    """Categorical values in words, per column present, for the runtime's popups and tooltips."""
    out: dict[str, dict[str, str]] = {}
    for column in CATEGORICAL:
        if column in gdf.columns:
            values = {str(v) for v in gdf[column].dropna().unique()}
            out[column] = {v: sym.value_label(column, v) for v in sorted(values)}
    return out


def travel_fields(
    columns: list[str], *, destinations: Mapping[str, str] | None = None
) -> list[list[str]]:
    """Popup fields of the travel times ``{mode}_{dest}_min`` (legs and notes left out)."""
    return [
        popup_field(c.name, destinations=destinations) for c in cols.travel_time_columns(columns)
    ]


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


def _layer(layers: Mapping[str, Any], name: str) -> gpd.GeoDataFrame | None:
    gdf = layers.get(name)
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.empty:
        return None
    return gdf


def _spec(
    layer_id: str,
    dataset: str,
    style_: dict[str, Any],
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
    }


class _Builder:
    """Adds datasets and layers to one map, remembering counts and bounds."""

    def __init__(
        self, m: folium.Map, *, tolerance_m: float, destinations: Mapping[str, str]
    ) -> None:
        self.m = m
        self.tolerance_m = tolerance_m
        self.destinations = destinations
        self.bounds = _Bounds()
        self.focus = _Bounds()

    def dataset(self, name: str, gdf: gpd.GeoDataFrame, columns: list[str]) -> int:
        text, n, box = feature_collection(
            gdf, layer=name, columns=columns, tolerance_m=self.tolerance_m
        )
        add_dataset(self.m, name, text)
        self.bounds.add(box)
        if name in ("municipalities", "brownfields"):
            self.focus.add(box)
        return n

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


def _municipalities(
    b: _Builder, gdf: gpd.GeoDataFrame, indicator: str, classes: sym.Classes | None = None
) -> None:
    fields = [popup_field(c) for c in _MUNICIPALITY_FIELDS]
    fields += travel_fields(list(gdf.columns), destinations=b.destinations)
    b.dataset("municipalities", gdf, ["name", *[f[1] for f in fields]])
    if indicator in gdf.columns and pd.api.types.is_numeric_dtype(gdf[indicator]):
        st, entries = style.classes_style(
            indicator, classes if classes is not None else indicator_classes(gdf, indicator)
        )
        title = sym.column_label(indicator, destinations=b.destinations)
        name = f"Municipalities: {title}"
    else:
        logger.info("municipalities: no numeric column %r, drawing outlines", indicator)
        st, entries = {"kind": "fixed", "colour": "#ffffff"}, [["#ffffff", "Municipality", "fill"]]
        title, name = "Municipalities", "Municipalities"
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
    )
    b.layer(spec, name=name, show=True)


def profile_spec(p: cols.ProfileColumns) -> dict[str, Any]:
    """The popup specification of one profile for the map runtime."""
    return {
        "name": p.name,
        "label": cols.profile_label(p.name),
        "score": p.score,
        "rank": p.rank,
        "p05": p.p05,
        "p95": p.p95,
        "why": p.why,
        "contributions": [[crit.replace("_", " "), col] for crit, col in p.contributions],
    }


def brownfield_popup(
    columns: list[str],
    found: list[cols.ProfileColumns],
    *,
    destinations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The popup specification of a brownfield: attributes, travel times, profiles."""
    fields = [popup_field(c) for c in _BROWNFIELD_FIELDS]
    fields += travel_fields(columns, destinations=destinations)
    return {"title": "name", "fields": fields, "profiles": [profile_spec(p) for p in found]}


def brownfield_columns(columns: list[str], found: list[cols.ProfileColumns]) -> list[str]:
    """The brownfield columns a map carries."""
    travel = [c.name for c in cols.travel_time_columns(columns)]
    out = ["id", "name", *_BROWNFIELD_FIELDS, *travel]
    for p in found:
        out += p.columns
    return list(dict.fromkeys(out))


def _brownfields(b: _Builder, gdf: gpd.GeoDataFrame) -> list[str]:
    columns = list(gdf.columns)
    found = cols.profile_columns(columns)
    b.dataset("brownfields", gdf, brownfield_columns(columns, found))
    popup = brownfield_popup(columns, found, destinations=b.destinations)
    popup["values"] = value_labels(gdf)
    # outline in the fill colour: a site of 100 m stays a visible dot at valley scale
    common: dict[str, Any] = {
        "popup": popup,
        "tooltip": "name",
        "weight": 4.0,
        "opacity": 1.0,
        "fill_opacity": 0.9,
    }
    ids: list[str] = []
    first = True
    for p in found:
        if p.score is None:
            continue
        st, entries = style.classes_style(p.score, sym.score_classes())
        lid = f"brownfields_{p.name}"
        title = f"Brownfields: {cols.label(p.score)}"
        spec = _spec(lid, "brownfields", st, legend=style.legend(title, entries), **common)
        b.layer(spec, name=title, show=first)
        ids.append(lid)
        first = False
    if "best_use" in gdf.columns:
        st, entries = style.category_style("best_use", gdf["best_use"])
        title = "Brownfields: best use"
        spec = _spec(
            "brownfields_best_use", "brownfields", st, legend=style.legend(title, entries), **common
        )
        b.layer(spec, name=title, show=first)
        ids.append("brownfields_best_use")
        first = False
    if "status" in gdf.columns:
        st, entries = style.category_style("status", gdf["status"])
    else:
        st, entries = {"kind": "fixed", "colour": sym.OTHER}, [[sym.OTHER, "Site", "fill"]]
    title = "Brownfields: status"
    spec = _spec(
        "brownfields_status", "brownfields", st, legend=style.legend(title, entries), **common
    )
    b.layer(spec, name=title, show=first)
    ids.append("brownfields_status")
    return ids


def _teb(b: _Builder, lines: gpd.GeoDataFrame | None, stops: gpd.GeoDataFrame | None) -> None:
    status_style = {
        "kind": "category",
        "property": "status",
        "map": {"existing": sym.TEB, "planned": sym.TEB_PLANNED},
        "other": sym.TEB,
    }
    if lines is not None:
        b.dataset("teb_lines", lines, ["id", "name", "status"])
        entries = [[sym.TEB, "Existing", "line"], [sym.TEB_PLANNED, "Planned", "dash"]]
        spec = _spec(
            "teb_lines",
            "teb_lines",
            status_style,
            legend=style.legend("TEB light rail", entries),
            popup={
                "title": "name",
                "fields": [["Line", "id", "text"], ["Status", "status", "text"]],
            },
            tooltip="name",
            weight=4.0,
            dash={"property": "status", "value": "planned", "pattern": "8 6"},
        )
        b.layer(spec, name="TEB line", show=True)
    if stops is not None:
        b.dataset("teb_stops", stops, ["id", "name", "line", "seq", "municipality", "status"])
        entries = [
            [sym.TEB, "Existing stop", "point"],
            [sym.TEB_PLANNED, "Planned stop (hollow)", "point"],
        ]
        fields = [
            ["Line", "line", "text"],
            ["Order on the line", "seq", "int"],
            ["Municipality", "municipality", "text"],
            ["Status", "status", "text"],
        ]
        spec = _spec(
            "teb_stops",
            "teb_stops",
            status_style,
            legend=style.legend("TEB stops", entries),
            popup={"title": "name", "fields": fields},
            tooltip="name",
            weight=2.0,
            radius=4.5,
            fill_opacity=1.0,
            hollow={"property": "status", "value": "planned"},
        )
        b.layer(spec, name="TEB stops", show=True)


def _tourism(b: _Builder, gdf: gpd.GeoDataFrame) -> None:
    cols = ["id", "name", "category", "municipality", "length_km"]
    b.dataset("tourism_assets", gdf, cols)
    if "category" in gdf.columns:
        st, entries = style.category_style("category", gdf["category"], swatch="point")
    else:
        colour = sym.QUALITATIVE[0]
        st, entries = {"kind": "fixed", "colour": colour}, [[colour, "Asset", "point"]]
    fields = [
        ["Category", "category", "text"],
        ["Municipality", "municipality", "text"],
        ["Length (km)", "length_km", "num"],
    ]
    spec = _spec(
        "tourism_assets",
        "tourism_assets",
        st,
        legend=style.legend("Tourism assets", entries),
        popup={"title": "name", "fields": fields},
        tooltip="name",
        weight=2.0,
        radius=5.0,
        fill_opacity=0.8,
    )
    b.layer(spec, name="Tourism assets", show=True)


def main_roads(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The main roads of ``road_edges`` (motorway … secondary), one row per road link.

    The class is the first main class named in ``highway`` (which may hold a
    list, osmnx-style; ``*_link`` ramps take their road's class); the reverse
    twin of a two-way link is dropped.

    Parameters
    ----------
    edges
        The ``road_edges`` layer (not changed).

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame with a ``road_class`` column; empty without a ``highway`` column.
    """
    if "highway" not in edges.columns:
        return edges.iloc[0:0].assign(road_class=pd.Series(dtype="object"))
    pattern = r"\b(" + "|".join(MAIN_ROADS) + r")(?:_link)?\b"
    road_class = edges["highway"].astype(str).str.extract(pattern, expand=False)
    out = edges.assign(road_class=road_class)
    out = out[out["road_class"].notna()]
    if {"u", "v"}.issubset(out.columns):
        key = out["key"] if "key" in out.columns else 0
        lo = out[["u", "v"]].min(axis=1)
        hi = out[["u", "v"]].max(axis=1)
        twin = pd.DataFrame({"lo": lo, "hi": hi, "key": key}).duplicated()
        out = out[~twin.to_numpy()]
    return out


def _roads(b: _Builder, edges: gpd.GeoDataFrame) -> None:
    roads = main_roads(edges)
    if roads.empty:
        return
    b.dataset("roads", roads, ["name", "ref", "road_class"])
    st, entries = style.category_style("road_class", roads["road_class"], swatch="line")
    spec = _spec(
        "roads",
        "roads",
        st,
        legend=style.legend("Main roads", entries),
        tooltip="name",
        weight=1.5,
        opacity=0.8,
    )
    b.layer(spec, name="Main roads", show=False)


def _isochrones(b: _Builder, gdf: gpd.GeoDataFrame, names: dict[str, str]) -> None:
    if "minutes" not in gdf.columns:
        return
    groups = [("all", gdf)]
    if "destination" in gdf.columns:
        groups = [(str(d), g) for d, g in gdf.groupby("destination", sort=True)]
    for dest, group in groups:
        ordered = group.sort_values("minutes", ascending=False)
        lid = f"isochrones_{dest}"
        b.dataset(lid, ordered, ["destination", "minutes", "area_km2"])
        st, entries = style.classes_style("minutes", sym.band_classes(ordered["minutes"]))
        # isochrones are drawn on the road network: car times
        title = f"Isochrones: {cols.label(cols.travel_time('car', dest), destinations=names)}"
        spec = _spec(
            lid,
            lid,
            st,
            legend=style.legend(title, entries),
            popup={
                "title": "destination",
                "fields": [popup_field("minutes"), popup_field("area_km2")],
            },
            fill_opacity=0.35,
            weight=1.0,
        )
        b.layer(spec, name=title, show=False)


def _destinations(b: _Builder, gdf: gpd.GeoDataFrame) -> None:
    b.dataset("destinations", gdf, ["id", "name", "kind"])
    spec = _spec(
        "destinations",
        "destinations",
        {"kind": "fixed", "colour": sym.DESTINATIONS},
        legend=style.legend("Destinations", [[sym.DESTINATIONS, "Destination", "point"]]),
        popup={"title": "name", "fields": [["Id", "id", "text"], ["Kind", "kind", "text"]]},
        tooltip="name",
        radius=7.0,
        weight=2.0,
        fill_opacity=0.9,
        stroke="#ffffff",
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
    collapsed: bool = False,
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
        Whether the layer control starts collapsed.

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
    return build_map(
        layers,
        indicator=indicator,
        tiles=tiles,
        attribution=attribution,
        title=title,
        simplify_m=simplify_m,
        collapsed=collapsed,
    )


def build_map(
    layers: Mapping[str, Any],
    *,
    indicator: str = "population",
    tiles: str | None = None,
    attribution: str | None = None,
    title: str = "Seriana Valley: brownfield review",
    simplify_m: float = SIMPLIFY_TOLERANCE_M,
    collapsed: bool = False,
    focus: list[list[float]] | None = None,
    height: str = "100%",
    tools: bool = True,
    classes: sym.Classes | None = None,
) -> folium.Map:
    """:func:`review_map` with the options the office pages need.

    Parameters
    ----------
    layers, indicator, tiles, attribution, title, simplify_m, collapsed
        As for :func:`review_map`.
    focus
        Leaflet bounds ``[[south, west], [north, east]]`` to open on, instead
        of the municipalities and brownfields.
    height
        CSS height of the map.
    tools
        Whether to add the fullscreen, measure and search tools.
    classes
        Classes of the municipal indicator, when they come from a wider
        layer than the one drawn (an office page uses the whole valley's).

    Returns
    -------
    folium.Map
        The map.
    """
    municipalities = _layer(layers, "municipalities")
    _check_indicator(indicator, municipalities)
    m = offline_map(
        title=title,
        tiles=tiles,
        attribution=attribution,
        fullscreen=tools,
        measure=tools,
        height=height,
    )
    dest = _layer(layers, "destinations")
    layer_names: dict[str, str] = {}
    if dest is not None and {"id", "name"}.issubset(dest.columns):
        layer_names = dict(zip(dest["id"].astype(str), dest["name"].astype(str), strict=True))
    dest_names = cols.destination_labels(layer_names)
    b = _Builder(m, tolerance_m=simplify_m, destinations=dest_names)
    if municipalities is not None:
        _municipalities(b, municipalities, indicator, classes)
    iso = _layer(layers, "isochrones")
    if iso is not None:
        _isochrones(b, iso, dest_names)
    edges = _layer(layers, "road_edges")
    if edges is not None:
        _roads(b, edges)
    tourism = _layer(layers, "tourism_assets")
    if tourism is not None:
        _tourism(b, tourism)
    _teb(b, _layer(layers, "teb_lines"), None)
    brown = _layer(layers, "brownfields")
    brown_ids = _brownfields(b, brown) if brown is not None else []
    _teb(b, None, _layer(layers, "teb_stops"))
    if dest is not None:
        _destinations(b, dest)
    folium.LayerControl(collapsed=collapsed, position="topright").add_to(m)
    if brown_ids and tools:
        add_call(
            m,
            "addSearch",
            {
                "layer": brown_ids[0],
                "property": "name",
                "key": "id",
                "open": brown_ids,
                "zoom": 15,
                "placeholder": "Search site name…",
            },
        )
    box = focus or b.focus.leaflet() or b.bounds.leaflet()
    if box is not None:
        add_call(m, "fit", box)
    return m


def render_html(m: folium.Map) -> str:
    """The complete HTML page of a map."""
    return str(m.get_root().render())


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
