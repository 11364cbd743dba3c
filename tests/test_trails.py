"""Trail loaders on the real GPS tracks in ../shared/data/trails."""

from __future__ import annotations

import numpy as np
import pytest

from seriana_gis._errors import DataError
from seriana_gis.layers.validate import validate_layer
from seriana_gis.sources.trails import _ascent, read_trails

pytestmark = pytest.mark.shared_data


def test_valley_cycle_path_gpx(shared_data):
    gdf = read_trails(
        shared_data / "trails" / "Seriana_CiclabileValleSeriana.gpx", category="cycle_path"
    )
    assert len(gdf) == 1
    # the data README gives 17.7 km for this track (Redona to Albino)
    assert gdf["length_km"].iloc[0] == pytest.approx(17.7, abs=0.1)
    assert gdf["category"].iloc[0] == "cycle_path"
    out = validate_layer(gdf, "tourism_assets", source="gpx")
    assert out.crs.to_epsg() == 32632
    # Redona (Bergamo) is the south-west end, Albino the north-east: both inside the valley's UTM box
    minx, miny, maxx, maxy = out.total_bounds
    assert 550_000 < minx < maxx < 570_000 and 5_055_000 < miny < maxy < 5_075_000


def test_rogge_cycle_route_gpx(shared_data):
    gdf = read_trails(
        shared_data / "trails" / "Seriana_CicloviaDelleRogge.gpx", category="cycle_path"
    )
    assert gdf["length_km"].iloc[0] == pytest.approx(4.8, abs=0.1)


def test_mtb_tracks_geojson(shared_data):
    path = shared_data / "trails" / "seriana_gandino_mtb_tracks.geojson"
    gdf = read_trails(path)
    assert len(gdf) == 152
    assert gdf["id"].is_unique
    assert not gdf.geometry.has_z.any()
    # the file carries each track's length (km): ours, measured in UTM 32N, agrees within 2 %
    import geopandas as gpd

    src = gpd.read_file(path)
    np.testing.assert_allclose(gdf["length_km"], src["length_km"], rtol=0.02)
    # elevations come from the 3D coordinates: every track has an ascent; all but a few
    # descent-only tracks (e.g. "Seriana_PoietoDH", a downhill) climb
    assert (gdf["ascent_m"] >= 0).all()
    assert (gdf["ascent_m"] > 0).mean() > 0.9
    assert gdf.set_index("name").loc["Seriana_PoietoDH", "ascent_m"] == 0
    validate_layer(gdf, "tourism_assets", source=str(path))


def test_ascent_ignores_noise():
    # 100 -> 101 -> 100 is noise; then a climb of 50 m, a 10 m drop and a 20 m climb
    z = np.array([100, 101, 100, 150, 140, 160], dtype=float)
    assert _ascent(z) == pytest.approx(50 + 20)


def test_points_file_is_not_a_trail(tmp_path):
    p = tmp_path / "pts.geojson"
    p.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Point","coordinates":[9.8,45.8]}}]}',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="not lines"):
        read_trails(p)
