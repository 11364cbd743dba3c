"""The documented schema of every layer of the territorial database.

Each layer is a GeoDataFrame in EPSG:32632. A :class:`LayerSchema` lists its
columns with type, unit and meaning; :func:`schema_table` renders it as the
Markdown table used in ``layers/README.md``. Validation
(:mod:`seriana_gis.layers.validate`) checks every load against these schemas.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Column types and the pandas dtype kinds that satisfy them.
TYPE_KINDS: dict[str, str] = {"str": "OSU", "int": "iu", "float": "fiu", "bool": "b"}


@dataclass(frozen=True)
class Column:
    """One column of a layer: name, type (``str``, ``int``, ``float``, ``bool``), unit, meaning.

    ``values`` is the column's vocabulary when it has one (empty: free values).
    """

    name: str
    type: str
    meaning: str
    unit: str = ""
    required: bool = True
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class LayerSchema:
    """The columns and geometry types of one layer."""

    name: str
    title: str
    geometry: tuple[str, ...]
    columns: tuple[Column, ...]
    id_column: str | None = "id"

    @property
    def required(self) -> list[Column]:
        """The columns every source must provide."""
        return [c for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


_POLY = ("Polygon", "MultiPolygon")
_LINE = ("LineString", "MultiLineString")
_ANY = ("Point", "MultiPoint", *_LINE, *_POLY)

SCHEMAS: dict[str, LayerSchema] = {
    s.name: s
    for s in (
        LayerSchema(
            "municipalities",
            "Municipalities with population indicators (ISTAT)",
            _POLY,
            (
                Column("istat", "str", "six-digit ISTAT municipality code"),
                Column("name", "str", "official name"),
                Column("zone", "str", "zone of the study area (from the configuration)"),
                Column("area_km2", "float", "area of the boundary, computed in EPSG:32632", "km²"),
                Column("population", "int", "residents on 1 January of the data year", "persons"),
                Column("pop_0_14", "int", "residents aged 0–14", "persons"),
                Column("pop_15_64", "int", "residents aged 15–64", "persons"),
                Column("pop_65_plus", "int", "residents aged 65 and over", "persons"),
                Column("density", "float", "population / area_km2", "persons/km²"),
                Column("share_65_plus", "float", "pop_65_plus / population", "fraction 0–1"),
                Column("old_age_index", "float", "pop_65_plus / pop_0_14 × 100", "%"),
                Column(
                    "dependency_ratio",
                    "float",
                    "(pop_0_14 + pop_65_plus) / pop_15_64 × 100",
                    "%",
                ),
                Column(
                    "pop_change_pct",
                    "float",
                    "change in residents since the year before (2022 to 2023); NaN for 2022",
                    "%",
                    required=False,
                ),
            ),
            id_column="istat",
        ),
        LayerSchema(
            "brownfields",
            "Dismissed industrial areas (aree dismesse)",
            ("Point", *_POLY),
            (
                Column("id", "str", "unique site id"),
                Column("name", "str", "site name (usually the former firm or plant)"),
                Column("municipality", "str", "municipality the site lies in"),
                Column("former_use", "str", "textile, cement, paper, mechanical, other"),
                Column("area_m2", "float", "site area (footprint, or declared for points)", "m²"),
                Column(
                    "status",
                    "str",
                    "dismissed, partly_reused, in_redevelopment, reused, unknown",
                    values=(
                        "dismissed",
                        "partly_reused",
                        "in_redevelopment",
                        "reused",
                        "unknown",
                    ),
                ),
                Column("ownership", "str", "owner where known", required=False),
                Column("source_note", "str", "where the row's facts come from", required=False),
                Column(
                    "outside_study_area",
                    "bool",
                    "true when the site lies outside every configured municipality",
                    required=False,
                ),
            ),
        ),
        LayerSchema(
            "teb_lines",
            "TEB light-rail lines (existing and planned)",
            _LINE,
            (
                Column("id", "str", "line id (T1, T1_ext)"),
                Column("name", "str", "line name"),
                Column("status", "str", "existing or planned"),
                Column("length_m", "float", "length of the geometry in EPSG:32632", "m"),
                Column("source_note", "str", "where the geometry comes from", required=False),
            ),
        ),
        LayerSchema(
            "teb_stops",
            "TEB light-rail stops, in line order",
            ("Point",),
            (
                Column("id", "str", "stop id"),
                Column("name", "str", "stop name as signed"),
                Column("line", "str", "line id the stop belongs to"),
                Column("seq", "int", "order along the line from Bergamo, 1-based"),
                Column("municipality", "str", "municipality of the stop"),
                Column("status", "str", "existing or planned"),
            ),
        ),
        LayerSchema(
            "tourism_assets",
            "Tourism assets: ski areas, heritage, natural sites, cycle paths and trails",
            _ANY,
            (
                Column("id", "str", "unique asset id"),
                Column("name", "str", "asset name"),
                Column(
                    "category",
                    "str",
                    "ski_area, heritage, natural_site, cycle_path, trail, museum, other",
                ),
                Column("municipality", "str", "municipality, where known", required=False),
                Column("length_km", "float", "length of a path or trail", "km", required=False),
                Column("source_note", "str", "where the row comes from", required=False),
                Column(
                    "outside_study_area",
                    "bool",
                    "true when the asset lies outside every configured municipality",
                    required=False,
                ),
            ),
        ),
        LayerSchema(
            "destinations",
            "Destinations of the accessibility analyses",
            ("Point",),
            (
                Column("id", "str", "destination id (bgy, bergamo, fiera, a4_...)"),
                Column("name", "str", "destination name"),
                Column("kind", "str", "airport, rail_station, fair, motorway_junction"),
                Column("source_note", "str", "where the position comes from", required=False),
                Column(
                    "outside_study_area",
                    "bool",
                    "true when the destination lies outside every configured municipality",
                    required=False,
                ),
            ),
        ),
        LayerSchema(
            "isochrones",
            "Areas reachable by car within a time budget of each destination",
            _POLY,
            (
                Column("destination", "str", "destination id (bgy, bergamo, ...)"),
                Column("minutes", "float", "time budget", "min"),
                Column("area_km2", "float", "area of the polygon", "km²"),
                Column("method", "str", "how the polygon is drawn from the network"),
            ),
            id_column=None,
        ),
        LayerSchema(
            "road_edges",
            "Road network links (osmnx convention)",
            _LINE,
            (
                Column("u", "int", "from node id"),
                Column("v", "int", "to node id"),
                Column("key", "int", "parallel-edge key"),
                Column("length", "float", "link length", "m"),
                Column("speed_kph", "float", "free-flow speed", "km/h"),
                Column("travel_time", "float", "length / speed", "s"),
            ),
            id_column=None,
        ),
        LayerSchema(
            "road_nodes",
            "Road network nodes (osmnx convention)",
            ("Point",),
            (
                Column("osmid", "int", "node id"),
                Column("x", "float", "easting in EPSG:32632", "m"),
                Column("y", "float", "northing in EPSG:32632", "m"),
            ),
            id_column="osmid",
        ),
    )
}


def schema_table(name: str) -> str:
    """Render the schema of layer ``name`` as a Markdown table."""
    s = SCHEMAS[name]
    lines = [
        f"**{s.name}**: {s.title}. Geometry: {', '.join(s.geometry)}; CRS EPSG:32632.",
        "",
        "| column | type | unit | meaning | required |",
        "|---|---|---|---|---|",
    ]
    for c in s.columns:
        lines.append(
            f"| `{c.name}` | {c.type} | {c.unit} | {c.meaning} | {'yes' if c.required else 'no'} |"
        )
    return "\n".join(lines)
