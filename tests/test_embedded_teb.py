"""The embedded TEB stops against the real OpenStreetMap stop positions.

Reference: ``osm/teb_t1_bergamo_ranica_2021.geojson`` in the shared data (ODbL,
© OpenStreetMap contributors), read in place and never copied. The 9 stops
from Bergamo FS to Ranica are taken from it (the midpoint of the stop
positions of each name, the layer is then ODbL and attributed): each must lie
within 30 m of the nearest OSM stop position of the same name; distances in
EPSG:32632.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import pytest

from seriana_gis.sources.embedded import read_embedded

pytestmark = pytest.mark.shared_data

TOLERANCE_M = 30.0
#: The 9 stops the OSM extract covers, in line order (order checked against the OSM track).
COVERED = (
    "Bergamo FS",
    "Bergamo Borgo Palazzo",
    "Bergamo San Fermo",
    "Bergamo Bianzana",
    "Bergamo Redona",
    "Bergamo Negrisoli",
    "Bergamo Martinella",
    "Torre Boldone",
    "Ranica",
)


def norm(name: str) -> str:
    """Compare stop names robustly: accents, case, punctuation, 'BG' for 'Bergamo'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return re.sub(r"^bg\b", "bergamo", text)


@pytest.fixture(scope="module")
def osm_stops(shared_data: Path) -> gpd.GeoDataFrame:
    raw = gpd.read_file(shared_data / "osm" / "teb_t1_bergamo_ranica_2021.geojson")
    pts = raw[(raw.geometry.geom_type == "Point") & raw["name"].notna()].to_crs("EPSG:32632")
    return pts.assign(key=pts["name"].map(norm))


@pytest.fixture(scope="module")
def authored() -> gpd.GeoDataFrame:
    stops = read_embedded("teb_stops").to_crs("EPSG:32632")
    return stops.assign(key=stops["name"].map(norm))


def test_osm_reference_has_the_nine_stops(osm_stops: gpd.GeoDataFrame) -> None:
    assert {norm(n) for n in COVERED} <= set(osm_stops["key"])


@pytest.mark.parametrize("name", COVERED)
def test_stop_within_30_m_of_osm(
    name: str, authored: gpd.GeoDataFrame, osm_stops: gpd.GeoDataFrame
) -> None:
    key = norm(name)
    mine = authored[authored["key"] == key]
    assert len(mine) == 1, f"authored stop {name!r} missing or duplicated"
    candidates = osm_stops[osm_stops["key"] == key]
    assert len(candidates), f"OSM has no stop named {name!r}"
    dist = float(candidates.distance(mine.geometry.iloc[0]).min())
    assert dist <= TOLERANCE_M, f"{name}: embedded stop is {dist:.0f} m from the OSM stop"


def test_authored_order_matches_osm_track_order(
    authored: gpd.GeoDataFrame, osm_stops: gpd.GeoDataFrame
) -> None:
    """The authored seq of the 9 stops follows the OSM order (by distance from Bergamo FS).

    Over this stretch the line runs away from the terminus, so the straight-line distance
    from Bergamo FS increases monotonically along the track.
    """
    fs = osm_stops[osm_stops["key"] == norm("Bergamo FS")].geometry.iloc[0]
    osm_order = (
        osm_stops.assign(d=osm_stops.distance(fs)).groupby("key")["d"].min().sort_values().index
    )
    mine = authored[authored["key"].isin({norm(n) for n in COVERED})].sort_values("seq")
    assert list(mine["key"]) == [k for k in osm_order if k in set(mine["key"])]
