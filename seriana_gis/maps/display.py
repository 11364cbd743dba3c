"""What the maps draw: display layers made once, and the fields their popups show.

:func:`display_layers` turns the database's layers into the layers a map draws,
once for a whole office site: main roads picked from ``road_edges``, one
isochrone layer per destination (widest band first), municipalities with the
point their name is written at. Every page then takes rows of these frames
(:class:`seriana_gis.maps.features.DatasetStore` serialises each once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import columns as cols
from .. import symbology as sym
from .features import METRIC_CRS, to_metric

#: Road classes drawn as main roads.
MAIN_ROADS: tuple[str, ...] = tuple(c for c in sym.CATEGORY_COLOURS["road_class"] if c != "other")
#: Columns shown as text; those of :data:`CATEGORICAL` in words (:func:`value_labels`).
TEXT_COLUMNS = frozenset(
    {
        "id",
        "istat",
        "zone",
        "municipality",
        "ownership",
        "line",
        "kind",
        "former_company",
        "heritage",
        "source_title",
        "planned_use",
        "committed_use",
        "territory",
        "level",
        "zones",
        "source",
    }
)
CATEGORICAL: tuple[str, ...] = (
    "status",
    "best_use",
    "former_use",
    "category",
    "road_class",
    "geometry_quality",
)
#: A site's facts, in the order every output shows them (those present).
SITE_FACTS: tuple[str, ...] = (
    "municipality",
    "former_use",
    "former_company",
    "closure_year",
    "area_m2",
    "status",
    "planned_use",
    "committed_use",
    "heritage",
    "ownership",
)
#: Site attributes, in popup order (those present are shown).
BROWNFIELD_FIELDS: tuple[str, ...] = (*SITE_FACTS, "geometry_quality", "source_title")
#: Municipal attributes, in popup order.
MUNICIPALITY_FIELDS: tuple[str, ...] = (
    "istat",
    "zone",
    "population",
    "area_km2",
    "density",
    "share_65_plus",
    "old_age_index",
    "dependency_ratio",
)
#: Where a municipality's name is written (WGS84), added by :func:`display_layers`.
LABEL_LAT, LABEL_LON = "_label_lat", "_label_lon"


def main_roads(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The main roads of ``road_edges`` (motorway … tertiary), one row per road link.

    The class is :func:`seriana_gis.symbology.road_class` of ``highway`` (the
    rule the QGIS style uses too); the reverse twin of a two-way link is dropped.

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
    out = edges.assign(road_class=sym.road_class(edges["highway"]).to_numpy())
    out = out[out["road_class"].notna()]
    if {"u", "v"}.issubset(out.columns):
        key = out["key"] if "key" in out.columns else 0
        lo = out[["u", "v"]].min(axis=1)
        hi = out[["u", "v"]].max(axis=1)
        twin = pd.DataFrame({"lo": lo, "hi": hi, "key": key}).duplicated()
        out = out[~twin.to_numpy()]
    return _whole_links(out)


def _whole_links(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The pieces of one link of a line network (same ``id``) drawn as one line.

    :func:`seriana_gis.network.lines.graph_from_lines` cuts each link into
    pieces of at most 250 m; a map draws the link, not its pieces (the same
    line, with a sixth of the features). Rows without an ``id`` (OSM graphs)
    are kept as they are; a link's other columns are those of its first piece.
    """
    if "id" not in edges.columns:
        return edges
    ids = edges["id"]
    has = ids.notna().to_numpy()
    if not ids[has].duplicated().any():
        return edges
    linked = edges[has]
    codes = pd.factorize(linked["id"])[0]
    order = np.argsort(codes, kind="stable")  # shapely groups sorted indices
    merged = shapely.line_merge(
        shapely.multilinestrings(linked.geometry.to_numpy()[order], indices=codes[order])
    )
    first = linked.iloc[np.unique(codes, return_index=True)[1]]
    whole = first.set_geometry(gpd.GeoSeries(merged, index=first.index, crs=edges.crs))
    return pd.concat([whole, edges[~has]])


def label_points(gdf: gpd.GeoDataFrame, *, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 latitude and longitude of a point inside each feature, 5 decimals (NaN when empty)."""
    metric = to_metric(gdf, layer=layer)
    pts = metric.geometry.representative_point()
    wgs = gpd.GeoSeries(pts.to_numpy(), crs=METRIC_CRS).to_crs("EPSG:4326")
    empty = (wgs.isna() | wgs.is_empty).to_numpy()
    lat = np.where(empty, np.nan, np.round(wgs.y.to_numpy(), 5))
    lon = np.where(empty, np.nan, np.round(wgs.x.to_numpy(), 5))
    return lat, lon


def _usable(layers: Mapping[str, Any], name: str) -> gpd.GeoDataFrame | None:
    gdf = layers.get(name)
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.empty:
        return None
    return gdf


def display_layers(layers: Mapping[str, Any]) -> dict[str, gpd.GeoDataFrame]:
    """The layers a map draws, derived once from the database's layers.

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame (not changed); missing or empty layers are left out.

    Returns
    -------
    dict
        ``municipalities`` (with :data:`LABEL_LAT`, :data:`LABEL_LON`),
        ``isochrones_{destination}`` (one per destination, widest band first),
        ``roads`` (:func:`main_roads`), ``tourism_assets``, ``teb_lines``,
        ``teb_stops``, ``destinations``, ``brownfields`` as given, and
        ``economy_{indicator}`` (:func:`economy_layers`).
    """
    out: dict[str, gpd.GeoDataFrame] = {}
    towns = _usable(layers, "municipalities")
    if towns is not None:
        lat, lon = label_points(towns, layer="municipalities")
        out["municipalities"] = towns.assign(**{LABEL_LAT: lat, LABEL_LON: lon})
    iso = _usable(layers, "isochrones")
    if iso is not None and "minutes" in iso.columns:
        groups = [("all", iso)]
        if "destination" in iso.columns:
            groups = [(str(d), g) for d, g in iso.groupby("destination", sort=True)]
        for dest, group in groups:
            out[f"isochrones_{dest}"] = group.sort_values("minutes", ascending=False)
    edges = _usable(layers, "road_edges")
    if edges is not None:
        roads = main_roads(edges)
        if not roads.empty:
            out["roads"] = roads
    for name in ("tourism_assets", "teb_lines", "teb_stops", "destinations", "brownfields"):
        gdf = _usable(layers, name)
        if gdf is not None:
            out[name] = gdf
    economy = _usable(layers, "economy")
    if economy is not None:
        out.update(economy_layers(economy))
    return out


def economy_layers(economy: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """``economy_{indicator}``: the polygons of the ``economy`` layer with a value, largest first.

    Study territories overlap (the valley holds the lower and upper valley),
    so each indicator is its own layer holding only the polygons that have a
    figure for it; none is spread from a territory onto its parts.
    """
    from ..economy.geo import INDICATORS

    out: dict[str, gpd.GeoDataFrame] = {}
    for column in INDICATORS:
        if column not in economy.columns or not pd.api.types.is_numeric_dtype(economy[column]):
            continue
        rows = economy[economy[column].notna()]
        if len(rows):
            order = to_metric(rows, layer="economy").geometry.area.to_numpy().argsort()[::-1]
            out[f"economy_{column}"] = rows.iloc[order]
    return out


def destination_names(layers: Mapping[str, Any]) -> dict[str, str]:
    """Destination id → short name (:func:`seriana_gis.columns.destination_labels`)."""
    dest = layers.get("destinations")
    names: dict[str, str] = {}
    if isinstance(dest, gpd.GeoDataFrame) and {"id", "name"}.issubset(dest.columns):
        names = dict(zip(dest["id"].astype(str), dest["name"].astype(str), strict=True))
    return cols.destination_labels(names)


def popup_field(column: str, *, destinations: Mapping[str, str] | None = None) -> list[str]:
    """A popup field ``[label, column, format]``: the column's label and the runtime's format."""
    label = sym.column_label(column, destinations=destinations)
    text = column in TEXT_COLUMNS or column in CATEGORICAL
    return [label, column, "text" if text else sym.web_format(column)]


def popup_fields(
    columns: Sequence[str],
    wanted: Sequence[str],
    *,
    destinations: Mapping[str, str] | None = None,
) -> list[list[str]]:
    """Popup fields of the ``wanted`` columns present in ``columns``."""
    present = set(columns)
    return [popup_field(c, destinations=destinations) for c in wanted if c in present]


def travel_fields(
    columns: Sequence[str], *, destinations: Mapping[str, str] | None = None
) -> list[list[str]]:
    """Popup fields of the travel times ``{mode}_{dest}_min`` (legs and notes left out)."""
    return [
        popup_field(c.name, destinations=destinations) for c in cols.travel_time_columns(columns)
    ]


def value_labels(gdf: gpd.GeoDataFrame) -> dict[str, dict[str, str]]:
    """Categorical values in words, per column present, for the runtime's popups."""
    out: dict[str, dict[str, str]] = {}
    for column in CATEGORICAL:
        if column in gdf.columns:
            values = {str(v) for v in gdf[column].dropna().unique()}
            out[column] = {v: sym.value_label(column, v) for v in sorted(values)}
    return out


def contributions_add_up(gdf: gpd.GeoDataFrame, p: cols.ProfileColumns) -> bool:
    """Whether a profile's contributions sum to its score on every scored site (WLC does)."""
    if not p.score or not p.contributions:
        return False
    score = pd.to_numeric(gdf[p.score], errors="coerce").to_numpy(dtype=float)
    parts = np.column_stack(
        [pd.to_numeric(gdf[c], errors="coerce").to_numpy(dtype=float) for _, c in p.contributions]
    )
    ok = np.isfinite(score) & np.isfinite(parts).all(axis=1)
    return bool(ok.any()) and bool(np.allclose(parts[ok].sum(axis=1), score[ok], atol=1e-6))


#: The note under a profile's contribution bars.
ADDS_UP = "Bars: weight × standardised value of each criterion; they add up to the score."
DOES_NOT_ADD_UP = (
    "Bars: weight × standardised value of each criterion. This profile does not add "
    "them up (ordered weighting or TOPSIS weighs a site's weak criteria more), so they "
    "show each criterion's weighted standing, not shares of the score."
)


def profile_spec(
    gdf: gpd.GeoDataFrame,
    p: cols.ProfileColumns,
    *,
    criteria: Mapping[tuple[str, str], str] | None = None,
) -> dict[str, Any]:
    """The popup specification of one profile for the map runtime."""
    labels = criteria or {}
    return {
        "name": p.name,
        "label": cols.profile_label(p.name),
        "score": p.score,
        "rank": p.rank,
        "p05": p.p05,
        "p95": p.p95,
        "why": p.why,
        "contributions": [
            [labels.get((p.name, crit), crit.replace("_", " ")), col]
            for crit, col in p.contributions
        ],
        "note": ADDS_UP if contributions_add_up(gdf, p) else DOES_NOT_ADD_UP,
    }


def brownfield_columns(columns: Sequence[str]) -> list[str]:
    """The brownfield columns a map carries: attributes, travel times, profile results."""
    found = cols.profile_columns(columns)
    travel = [c.name for c in cols.travel_time_columns(columns)]
    out = ["id", "name", *BROWNFIELD_FIELDS, cols.BEST_USE, *travel]
    for p in found:
        out += p.columns
    present = set(columns)
    return [c for c in dict.fromkeys(out) if c in present]


def brownfield_popup(
    gdf: gpd.GeoDataFrame,
    *,
    destinations: Mapping[str, str] | None = None,
    criteria: Mapping[tuple[str, str], str] | None = None,
) -> dict[str, Any]:
    """The popup of a site: best use, scores and why first; details, times, criteria folded."""
    columns = list(gdf.columns)
    found = cols.profile_columns(columns)
    return {
        "title": "name",
        "subtitle": popup_fields(columns, ("municipality", "area_m2", "status")),
        "best_use": cols.BEST_USE if cols.BEST_USE in columns else None,
        "fields": popup_fields(columns, BROWNFIELD_FIELDS, destinations=destinations),
        "travel": travel_fields(columns, destinations=destinations),
        "profiles": [profile_spec(gdf, p, criteria=criteria) for p in found if p.score],
        "values": value_labels(gdf),
    }
