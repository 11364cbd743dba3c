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

    ``values`` is the column's vocabulary when it has one (a value outside it is an
    error that lists it); ``positive`` says the values must be numbers greater than 0.
    Missing values are allowed in a column that is not ``required``, and in a
    required one only on the rows where the column named by ``empty_when[0]``
    holds one of the values ``empty_when[1]`` (the row says why it is empty).
    """

    name: str
    type: str
    meaning: str
    unit: str = ""
    required: bool = True
    values: tuple[str, ...] = ()
    positive: bool = False
    empty_when: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class LayerSchema:
    """The columns and geometry types of one layer.

    ``anchor`` says where routing attaches a feature to the road graph:
    ``"nearest"`` (the road node nearest to any part of the geometry: a path, a ski
    area), ``"site_point"`` (the node nearest to the feature's site point,
    :func:`seriana_gis.layers.site_point.site_points`: a site whose documented
    position is a point even when a footprint is drawn around it).
    """

    name: str
    title: str
    geometry: tuple[str, ...]
    columns: tuple[Column, ...]
    id_column: str | None = "id"
    anchor: str = "nearest"

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


#: The status vocabulary of the brownfields layer, with the meaning of each value.
STATUSES: dict[str, str] = {
    "dismissed": "production stopped, no reuse under way",
    "partly_reused": "part of the site is in use again (tenants, a new firm), the rest is not",
    "in_redevelopment": "a plan is approved or works have started",
    "reused": "the redevelopment is complete and the site is in use",
    "unknown": (
        "the source does not say (kept for census files and user registers; "
        "the embedded register has none)"
    ),
}

#: The heritage vocabulary of the brownfields layer (column ``heritage``).
HERITAGE: dict[str, str] = {
    "vincolo": "listed under D.Lgs. 42/2004 (a Soprintendenza vincolo), in whole or in part",
    "lombardia_beni_culturali": (
        "recorded in the Lombardia Beni Culturali inventory (a record, not a listing)"
    ),
    "none_known": "no listing found in the sources read (not proof that none exists)",
}

#: The committed-use vocabulary of the brownfields layer (column ``committed_use``): the
#: use a plan, permit, agreement or completed works commits THIS site to (not a
#: proposal, not a neighbouring site's use). Empty where nothing is committed; the
#: free text of ``planned_use`` says the details.
COMMITTED_USES: dict[str, str] = {
    "housing": "homes are the main use (shops, offices or public spaces may come with them)",
    "services": "offices, tertiary, civic, cultural, health, education or other public uses",
    "industry": "manufacturing or other productive use by firms",
    "logistics": "warehouses and distribution",
    "commercial": "shops, supermarkets, hotels and other commercial or hospitality uses",
    "mixed": (
        "homes, offices or public uses together with other uses in one plan, none of them "
        "the main one"
    ),
}

#: How a brownfield's geometry was drawn (column ``geometry_quality``).
GEOMETRY_QUALITIES: dict[str, str] = {
    "osm_outline": "the outline of OpenStreetMap area element(s), see osm_id (ODbL)",
    "osm_street_block": (
        "the city block the source names the site by (between streets A, B, C), from "
        "OpenStreetMap street centrelines (ODbL); it also holds the street-side buildings"
    ),
    "approximate_area_at_documented_location": (
        "a square of the published area centred on the best published position; "
        "the position is what the row documents, not the shape"
    ),
    "surveyed_outline": "an outline from a plan or survey the user supplies",
    "point": "a point without a footprint (area_m2 is the published figure)",
    "point_area_unpublished": (
        "a point at the documented position; the site's area is not published, so area_m2 "
        "is empty and no footprint is drawn"
    ),
    "osm_outline_area_unpublished": (
        "the outline of OpenStreetMap area element(s) that the source names as the site "
        "(ODbL); the site's area is not published, so area_m2 is empty (the outline's own "
        "area is not used in its place)"
    ),
}

#: The geometry qualities that say a site's area is not published (area_m2 may be empty).
AREA_UNPUBLISHED: tuple[str, ...] = ("point_area_unpublished", "osm_outline_area_unpublished")

#: Recommended values of the brownfields ``former_use`` column.
FORMER_USES: tuple[str, ...] = (
    "textile",
    "cement",
    "paper",
    "mechanical",
    "metal",
    "electrical",
    "chemical",
    "food",
    "building_materials",
    "offices",
    "commercial",
    "other",
)

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
            "Dismissed and under-used industrial areas (aree dismesse)",
            ("Point", *_POLY),
            (
                Column("id", "str", "unique site id"),
                Column("name", "str", "site name (usually the former firm or plant)"),
                Column("municipality", "str", "municipality the site lies in"),
                Column(
                    "former_use",
                    "str",
                    "what the site was: " + ", ".join(FORMER_USES) + " (recommended values)",
                ),
                Column(
                    "area_m2",
                    "float",
                    "site area as published (not the drawn footprint's area); greater than 0; "
                    "empty only where geometry_quality says no area is published ("
                    + ", ".join(AREA_UNPUBLISHED)
                    + ")",
                    "m²",
                    positive=True,
                    empty_when=("geometry_quality", AREA_UNPUBLISHED),
                ),
                Column(
                    "status",
                    "str",
                    "; ".join(f"{k}: {v}" for k, v in STATUSES.items()),
                    values=tuple(STATUSES),
                ),
                Column(
                    "former_company",
                    "str",
                    "the firm (or firms) that ran the site",
                    required=False,
                ),
                Column(
                    "closure_year",
                    "int",
                    "year production stopped, where published",
                    required=False,
                ),
                Column(
                    "planned_use",
                    "str",
                    "the committed or planned use where one exists (plan, permit, sale), in "
                    "words, else empty",
                    required=False,
                ),
                Column(
                    "committed_use",
                    "str",
                    "the use this site is committed to, empty where none is: "
                    + "; ".join(f"{k}: {v}" for k, v in COMMITTED_USES.items()),
                    required=False,
                    values=tuple(COMMITTED_USES),
                ),
                Column(
                    "heritage",
                    "str",
                    "heritage listing: " + "; ".join(f"{k}: {v}" for k, v in HERITAGE.items()),
                    required=False,
                    values=tuple(HERITAGE),
                ),
                Column(
                    "heritage_note",
                    "str",
                    "what the listing covers, or what the plans keep",
                    required=False,
                ),
                Column("ownership", "str", "owner where known", required=False),
                Column(
                    "geometry_quality",
                    "str",
                    "how the geometry was drawn: "
                    + "; ".join(f"{k}: {v}" for k, v in GEOMETRY_QUALITIES.items()),
                    required=False,
                    values=tuple(GEOMETRY_QUALITIES),
                ),
                Column(
                    "osm_id",
                    "str",
                    "the OpenStreetMap element an osm_outline was taken from (way/123, relation/45)",
                    required=False,
                ),
                Column(
                    "source_title",
                    "str",
                    "the published source of the row's facts: title, publisher",
                    required=False,
                ),
                Column("source_url", "str", "address of that source", required=False),
                Column(
                    "source_date",
                    "str",
                    "publication date of that source (ISO 8601)",
                    required=False,
                ),
                Column(
                    "source_note",
                    "str",
                    "what each fact rests on, further sources, how the position was placed",
                    required=False,
                ),
                Column(
                    "outside_study_area",
                    "bool",
                    "true when the site lies outside every configured municipality",
                    required=False,
                ),
            ),
            anchor="site_point",
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
        LayerSchema(
            "economy",
            "Employment indicators by municipality, or by the study's territory where only "
            "published figures exist",
            _POLY,
            (
                Column(
                    "territory",
                    "str",
                    "ISTAT municipality code, or the study's territory (valley, lower_valley, "
                    "upper_valley)",
                ),
                Column("name", "str", "municipality or territory name"),
                Column("level", "str", "municipality, or territory (published figures only)"),
                Column("zones", "str", "the zone, or the territory's zones joined by +"),
                Column(
                    "manufacturing_share",
                    "float",
                    "employees in manufacturing (ATECO C) / all employees; NaN where unknown",
                    "fraction 0–1",
                ),
                Column(
                    "textile_lq",
                    "float",
                    "location quotient of textiles against the province of Bergamo (in "
                    "employment; for a territory, in manufacturing, from the study's shares)",
                    "ratio",
                ),
                Column(
                    "employment_change_pct",
                    "float",
                    "change of employees between the first and last year (1991–2005 for a "
                    "territory)",
                    "%",
                ),
                Column("jobs_lost", "float", "jobs lost in the job-loss scenario", "jobs"),
                Column("source", "str", "where the values come from"),
            ),
            id_column="territory",
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
