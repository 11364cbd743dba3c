"""Building a territorial database for a second, small territory from its own configuration,
with tourism and TEB layers downloaded from a stand-in Overpass server on 127.0.0.1.

The territory ("Bergamo nord-est": Bergamo, Gorle, Torre Boldone, Ranica) lies inside the
OSM extract of ../shared/data, whose features the stand-in serves. A second build with the
server stopped must come from the disk cache, offline.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pyproj
import pytest
import yaml
from _overpass_stub import OverpassStub, overpass_json_from_osm

from seriana_gis import database
from seriana_gis._errors import SourceUnavailableError
from seriana_gis.build import build_database
from seriana_gis.config import load_study_area

pytestmark = pytest.mark.shared_data

BBOX = (9.6308, 45.6710, 9.7213, 45.7241)
#: The test territory's own road layer: station - Gorle - Torre Boldone - Ranica (lon, lat).
ROAD_POINTS = [(9.6754, 45.6907), (9.7160, 45.7010), (9.7090, 45.7170), (9.7140, 45.7240)]
TOURISM_KEYS = ("tourism", "historic", "natural", "leisure", "landuse", "boundary")


def _wanted(tags: dict[str, str]) -> bool:
    if tags.get("railway") in ("tram", "light_rail", "tram_stop"):
        return True
    if tags.get("amenity") in ("place_of_worship", "theatre", "arts_centre"):
        return True
    return any(k in tags for k in TOURISM_KEYS)


def feature(props: dict[str, object], lon: float, lat: float) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


@pytest.fixture(scope="module")
def overpass_json(shared_data):
    return overpass_json_from_osm(
        shared_data / "osm" / "bergamo_city_2021-04-17.osm.pbf", bbox=BBOX, keep=_wanted
    )


@pytest.fixture
def territory(tmp_path, shared_data) -> Path:
    """A territory configuration with its own embedded folder, tourism and TEB from OSM."""
    own = tmp_path / "bergamo ne è" / "default"  # spaces and an accent in the path
    own.mkdir(parents=True)
    sites = [
        # test sites authored for this test only (positions inside Bergamo and Gorle)
        {"id": "T1", "name": "test site A", "municipality": "Bergamo", "former_use": "mechanical",
         "area_m2": 12000.0, "status": "dismissed", "lon": 9.6800, "lat": 45.6950},
        {"id": "T2", "name": "test site B", "municipality": "Gorle", "former_use": "textile",
         "area_m2": 8000.0, "status": "unknown", "lon": 9.7160, "lat": 45.7010},
    ]  # fmt: skip
    fc = {
        "type": "FeatureCollection",
        "features": [
            feature({k: v for k, v in s.items() if k not in ("lon", "lat")}, s["lon"], s["lat"])
            for s in sites
        ],
    }
    (own / "brownfields.geojson").write_text(json.dumps(fc), encoding="utf-8")
    dest = {"type": "FeatureCollection", "features": [
        feature({"id": "bergamo", "name": "Bergamo station", "kind": "rail_station"}, 9.6754, 45.6907),
    ]}  # fmt: skip
    (own / "destinations.geojson").write_text(json.dumps(dest), encoding="utf-8")
    # a tiny road layer of the test's own: station - Gorle - Torre Boldone - Ranica
    pts = ROAD_POINTS
    roads = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": f"L{i}", "name": f"link {i}", "ref": None,
                               "highway": "primary", "maxspeed": 50, "oneway": False},
                "geometry": {"type": "LineString", "coordinates": [list(a), list(b)]},
            }
            for i, (a, b) in enumerate(itertools.pairwise(pts))
        ],
    }  # fmt: skip
    (own / "roads.geojson").write_text(json.dumps(roads), encoding="utf-8")
    cfg = {
        "name": "bergamo_ne",
        "title": "Bergamo nord-est",
        "province": "BG",
        "zones": {
            "city": {"municipalities": ["Bergamo"]},
            "ne": {"label": "north-east", "municipalities": ["Gorle", "Torre Boldone", "Ranica"]},
        },
        "embedded": "default",
        "sources": {
            "teb": {"kind": "osm"},
            "tourism_assets": {
                "kind": "osm",
                "trails": [str(shared_data / "trails" / "Seriana_CiclabileValleSeriana.gpx")],
            },
        },
    }
    path = own.parent / "bergamo_ne.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def test_second_territory_builds_from_osm_then_offline_from_cache(
    territory, overpass_json, tmp_path
):
    area = load_study_area(territory)
    cache = tmp_path / "cache"
    db = tmp_path / "out" / "bergamo_ne.gpkg"
    with OverpassStub(overpass_json) as stub:
        t = build_database(area, path=db, cache_dir=cache, overpass_url=stub.url)
        assert stub.queries, "osmnx did not ask the local Overpass server"
    layers = database.read_database(db)
    assert layers["municipalities"]["name"].tolist() == [
        "Bergamo",
        "Gorle",
        "Torre Boldone",
        "Ranica",
    ]
    assert layers["brownfields"]["id"].tolist() == ["T1", "T2"]
    assert not layers["brownfields"]["outside_study_area"].any()
    # the TEB stops served from OSM: the nine from Bergamo FS to Ranica, in line order
    stops = layers["teb_stops"].sort_values("seq")
    assert stops["name"].iloc[0] == "Bergamo FS"
    assert stops["name"].iloc[-1] == "Ranica"
    assert len(stops) == 9
    # OSM tourism features plus the cycle path from the GPX file
    cats = set(layers["tourism_assets"]["category"])
    assert {"heritage", "museum", "cycle_path"} <= cats
    named = [el["tags"] for el in overpass_json["elements"] if "name" in el.get("tags", {})]
    museums = sum(1 for tags in named if tags.get("tourism") in ("museum", "gallery"))
    osm_rows = layers["tourism_assets"][layers["tourism_assets"]["category"] != "cycle_path"]
    # every named museum or gallery is kept as a museum; nothing unnamed or invented is added
    assert (osm_rows["category"] == "museum").sum() == museums
    assert 0 < len(osm_rows) <= len(named)
    prov = database.read_provenance(db).set_index("layer")
    assert prov.loc["tourism_assets", "licence"] == "ODbL 1.0"
    assert prov.loc["municipalities", "licence"] == "CC BY 4.0"
    assert prov.loc["brownfields", "feature_count"] == 2
    assert (prov["config_hash"] == area.config_hash).all()
    # the road layer: 3 two-way links between 4 nodes, each cut into ceil(length / 250 m)
    # pieces (lengths in EPSG:32632)
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32632", always_xy=True)
    xy = [to_utm.transform(*p) for p in ROAD_POINTS]
    pieces = [math.ceil(math.dist(a, b) / 250.0) for a, b in itertools.pairwise(xy)]
    assert len(layers["road_nodes"]) == 4 + sum(n - 1 for n in pieces)
    assert len(layers["road_edges"]) == 2 * sum(pieces)
    assert len(t.layers["tourism_assets"]) == len(layers["tourism_assets"])

    # the stand-in is gone: the same build must come from the cache
    db2 = tmp_path / "out" / "again.gpkg"
    build_database(area, path=db2, cache_dir=cache, overpass_url=stub.url)
    again = database.read_database(db2)
    assert again["tourism_assets"]["id"].tolist() == layers["tourism_assets"]["id"].tolist()


def test_unreachable_overpass_without_cache_is_one_clear_error(territory, tmp_path):
    area = load_study_area(territory)
    with pytest.raises(
        SourceUnavailableError, match="cannot download .* run `seriana fetch` once online"
    ):
        build_database(
            area,
            path=tmp_path / "x.gpkg",
            cache_dir=tmp_path / "empty",
            overpass_url="http://127.0.0.1:9/api",
        )
    assert not (tmp_path / "x.gpkg").exists()
