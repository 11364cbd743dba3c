"""The exported tables: layers checked, in EPSG:32632, split by geometry family.

A GeoPackage table, a Shapefile and a QGIS layer each hold one geometry
family, while ``tourism_assets`` (and, in principle, ``brownfields``) may mix
points, lines and polygons. A mixed layer is therefore exported as one table
per family present, named ``{layer}_points``, ``{layer}_lines`` and
``{layer}_polygons``; a single-family layer keeps its name. The isochrones
become one table per destination (``isochrones_bgy``, ``isochrones_bergamo``),
each its own layer in the QGIS project.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from .. import columns as cols
from .._errors import CRSError, DataError
from ..layers.schemas import SCHEMAS
from .metadata import LayerMetadata, layer_metadata
from .styles import LayerStyle, default_styles, field_aliases, geometry_family, layer_geometry

#: The CRS of the territorial database and of the GeoPackage export.
CRS = "EPSG:32632"

#: Where each layer goes in the QGIS project: group, then position (top first).
GROUPS: dict[str, tuple[str, ...]] = {
    "Brownfields": ("brownfields",),
    "Networks": ("teb_stops", "teb_lines", "road_nodes", "road_edges"),
    "Accessibility": ("destinations", "isochrones"),
    "Territory": ("tourism_assets", "municipalities"),
    "Economy": ("economy",),
}

#: Display names in the QGIS layer tree.
DISPLAY_NAMES = {
    "municipalities": "Municipalities",
    "brownfields": "Brownfields (aree dismesse)",
    "teb_lines": "TEB light rail",
    "teb_stops": "TEB stops",
    "tourism_assets": "Tourism assets",
    "destinations": "Destinations",
    "road_edges": "Roads",
    "road_nodes": "Road nodes",
    "isochrones": "Isochrones",
    "economy": "Economy (employment, job-loss scenario)",
}

_SUFFIX = {"point": "points", "line": "lines", "polygon": "polygons"}
_VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ExportTable:
    """One exported table: its source layer, features, styles and metadata."""

    layer: str
    table: str
    frame: gpd.GeoDataFrame
    geometry: str
    styles: tuple[LayerStyle, ...]
    metadata: LayerMetadata
    geometry_type: str | None = None
    """GDAL geometry type to declare (``MultiPolygon``) when ``frame`` has no geometry
    to infer it from; ``None`` otherwise."""
    title: str | None = None
    """Name in the QGIS layer tree when the layer's is not enough (one isochrone
    table per destination)."""

    @property
    def display_name(self) -> str:
        """Name in the QGIS layer tree."""
        if self.title is not None:
            return self.title
        base = DISPLAY_NAMES.get(self.layer, self.layer.replace("_", " ").capitalize())
        if self.table != self.layer:
            return f"{base} ({_SUFFIX.get(self.geometry, self.geometry)})"
        return base

    @property
    def group(self) -> str:
        """The project group the layer belongs to (``Territory`` when unknown)."""
        for group, members in GROUPS.items():
            if self.layer in members:
                return group
        if self.layer.startswith("isochrones") or self.layer.startswith("catchment"):
            return "Accessibility"
        return "Territory"

    @property
    def rank(self) -> int:
        """Position within the group, top first (points over lines over polygons)."""
        members = GROUPS.get(self.group, ())
        base = members.index(self.layer) if self.layer in members else len(members)
        return base * 3 + {"point": 0, "line": 1, "polygon": 2}.get(self.geometry, 3)


_EMPTY_TYPE = {"point": "Point", "line": "MultiLineString", "polygon": "MultiPolygon"}


def _schema_geometry(layer: str) -> str:
    """The geometry family of an empty layer, from its schema (points when unknown)."""
    schema = SCHEMAS.get(layer)
    if schema is None and layer == "isochrones":
        return "polygon"
    return (geometry_family(schema.geometry[0]) if schema else None) or "point"


def check_layers(layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Check that every layer can be exported.

    Raises
    ------
    DataError
        If a layer is not a GeoDataFrame or its name cannot be a table name.
    CRSError
        If a layer has no CRS.
    """
    for name, gdf in layers.items():
        if not _VALID_NAME.match(name):
            msg = (
                f"layer name {name!r} cannot be a GeoPackage table name. "
                "Rename it with letters, digits and underscores only (e.g. 'teb_lines')."
            )
            raise DataError(msg)
        if not isinstance(gdf, gpd.GeoDataFrame):
            msg = (
                f"layer {name!r} is a {type(gdf).__name__}, not a GeoDataFrame. "
                "Pass layers as GeoDataFrames (geopandas.GeoDataFrame(df, geometry=...))."
            )
            raise DataError(msg)
        if gdf.crs is None:
            msg = (
                f"layer {name!r} has no CRS. Set it with gdf.set_crs('EPSG:32632') "
                "if its coordinates are UTM 32N, as in the territorial database."
            )
            raise CRSError(msg)


def index_to_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Named index levels as columns (a new frame), since the file formats drop the index.

    osmnx frames carry their keys in the index (``osmid``; ``u, v, key``);
    levels whose name is already a column, and unnamed levels, are dropped.
    """
    names = [n for n in gdf.index.names if n is not None and n not in gdf.columns]
    if not names:
        return gdf
    return gdf.reset_index(level=names).reset_index(drop=True)


def split_by_geometry(layer: str, gdf: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Split a layer into one frame per geometry family.

    Parameters
    ----------
    layer
        Layer name.
    gdf
        Its features.

    Returns
    -------
    dict
        ``{layer: gdf}`` for a single-family layer (or one without geometries),
        else ``{f"{layer}_points": ..., f"{layer}_lines": ..., f"{layer}_polygons": ...}``
        for the families present. Features without geometry go with the first part.
    """
    families = gdf.geom_type.map(geometry_family)
    present = [f for f in ("point", "line", "polygon") if (families == f).any()]
    if len(present) <= 1:
        return {layer: gdf}
    parts: dict[str, gpd.GeoDataFrame] = {}
    for i, family in enumerate(present):
        mask = families == family
        if i == 0:
            mask = mask | families.isna()
        parts[f"{layer}_{_SUFFIX[family]}"] = gdf[mask.to_numpy()]
    return parts


def _destination_names(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, str]:
    dest = layers.get("destinations")
    names: dict[str, str] = {}
    if isinstance(dest, gpd.GeoDataFrame) and {"id", "name"}.issubset(dest.columns):
        names = dict(zip(dest["id"].astype(str), dest["name"].astype(str), strict=True))
    return cols.destination_labels(names)


def split_by_destination(
    layer: str, gdf: gpd.GeoDataFrame, destinations: Mapping[str, str]
) -> list[tuple[str, str | None, gpd.GeoDataFrame]]:
    """The isochrones as one table per destination; other layers whole.

    Returns
    -------
    list
        ``(name, title, frame)``: ``("isochrones_bgy", "Isochrones: Car to Orio al
        Serio airport", ...)`` per destination; ``(layer, None, gdf)`` otherwise.
    """
    if layer != "isochrones" or "destination" not in gdf.columns or gdf.empty:
        return [(layer, None, gdf)]
    out: list[tuple[str, str | None, gpd.GeoDataFrame]] = []
    for dest, part in gdf.groupby(gdf["destination"].astype(str), sort=True):
        trip = cols.label(cols.travel_time("car", dest), destinations=destinations)
        out.append((f"isochrones_{dest}", f"Isochrones: {trip}", part))
    return out


def export_tables(
    layers: Mapping[str, gpd.GeoDataFrame], provenance: pd.DataFrame
) -> list[ExportTable]:
    """The tables to export, each in EPSG:32632 with its styles and metadata.

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame (never changed).
    provenance
        The provenance table.

    Returns
    -------
    list of ExportTable
        In project order: by group, then top to bottom.
    """
    check_layers(layers)
    destinations = _destination_names(layers)
    out: list[ExportTable] = []
    for layer, gdf in layers.items():
        frame = gdf if gdf.crs.to_epsg() == 32632 else gdf.to_crs(CRS)
        for name, title, piece in split_by_destination(layer, frame, destinations):
            for table, part in split_by_geometry(name, piece).items():
                found = layer_geometry(part)
                geometry = found or _schema_geometry(layer)
                aliases = field_aliases(list(part.columns), destinations=destinations)
                styles = [
                    dataclasses.replace(st, aliases=aliases)
                    for st in default_styles(name, part, geometry=geometry)
                ]
                out.append(
                    ExportTable(
                        layer=layer,
                        table=table,
                        frame=part,
                        geometry=styles[0].geometry,
                        styles=tuple(styles),
                        metadata=layer_metadata(
                            layer, provenance, table=table, columns=list(part.columns)
                        ),
                        geometry_type=None if found else _EMPTY_TYPE[styles[0].geometry],
                        title=title,
                    )
                )
    group_order = list(GROUPS)
    out.sort(key=lambda t: (group_order.index(t.group), t.rank, t.table))
    return out
