"""Travel-time rasters: values by hand, nodata outside the area, GeoTIFF round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from accessibility_samples import X0, Y0, node_at, road_graph
from shapely.geometry import box

from seriana_gis._errors import DataError, OutputExistsError
from seriana_gis.accessibility.raster import NODATA, travel_time_raster


def test_raster_values_by_hand(tmp_path: Path) -> None:
    G = road_graph()
    area = box(X0 - 1000, Y0 - 1000, X0 + 11000, Y0 + 4000).difference(
        box(X0 + 9000, Y0 + 3000, X0 + 11000, Y0 + 4000)
    )
    r = travel_time_raster(G, node_at(G, 0, 0), area, dest_access_s=30.0, destination="bergamo")
    assert r.values.shape == (50, 120) and r.values.dtype == np.float32
    assert r.transform.a == 100.0 and r.transform.e == -100.0
    assert (r.transform.c, r.transform.f) == (X0 - 1000, Y0 + 4000)
    # cell with centre (2050, 50): nearest node N1 (2 km, 0) at 2 min, 70.7 m at 20 km/h
    row, col = ((4000 - 50) // 100), ((2050 + 1000) // 100)
    d = np.hypot(50, 50)
    assert r.values[row, col] == pytest.approx(2.0 + 0.5 + d / (20 / 3.6) / 60, rel=1e-5)
    # the cut-out corner is outside the area: nodata
    assert r.values[0, -1] == NODATA
    path = r.write(tmp_path / "car_bergamo_min.tif")
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32632 and src.res == (100.0, 100.0)
        assert src.nodata == NODATA and src.tags()["destination"] == "bergamo"
        assert src.read(1)[row, col] == pytest.approx(r.values[row, col])
    with pytest.raises(OutputExistsError):
        r.write(path)
    r.write(path, overwrite=True)


def test_empty_area_is_an_error() -> None:
    G = road_graph()
    with pytest.raises(DataError, match="study area is empty"):
        travel_time_raster(G, node_at(G, 0, 0), box(0, 0, 1, 1).difference(box(0, 0, 1, 1)))
