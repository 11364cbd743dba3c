"""The territorial database: atomic writes, provenance, round trip, clear errors."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from seriana_gis import database
from seriana_gis._errors import DataError


def layer(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [f"D{i}" for i in range(n)], "name": ["x"] * n, "kind": ["fair"] * n},
        geometry=[Point(560_000 + i, 5_060_000) for i in range(n)],
        crs="EPSG:32632",
    )


def prov(name: str, n: int) -> dict[str, object]:
    return {"layer": name, "source": "test", "licence": "CC0", "feature_count": n}


def test_round_trip_with_provenance(tmp_path):
    path = tmp_path / "db" / "t.gpkg"
    database.write_database(
        {"destinations": layer(3)},
        path,
        provenance=database.provenance_frame([prov("destinations", 3)]),
    )
    back = database.read_database(path)
    assert list(back) == ["destinations"]
    assert back["destinations"]["id"].tolist() == ["D0", "D1", "D2"]
    assert back["destinations"].crs.to_epsg() == 32632
    p = database.read_provenance(path)
    assert p.columns.tolist() == list(database.PROVENANCE_COLUMNS)
    assert p.loc[0, "layer"] == "destinations" and p.loc[0, "feature_count"] == 3
    assert list(tmp_path.joinpath("db").iterdir()) == [path]  # no temporary file left behind


def test_failed_write_leaves_the_old_database_intact(tmp_path):
    path = tmp_path / "t.gpkg"
    database.write_database(
        {"destinations": layer(2)}, path, provenance=database.provenance_frame([])
    )
    before = path.read_bytes()
    with pytest.raises(ValueError, match="DataFrame constructor"):
        database.write_database(
            {"destinations": object()}, path, provenance=database.provenance_frame([])
        )  # type: ignore[dict-item]
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.gpkg"]


def test_update_replaces_layers_and_their_provenance(tmp_path):
    path = tmp_path / "t.gpkg"
    database.write_database(
        {"destinations": layer(2), "other": layer(1)},
        path,
        provenance=database.provenance_frame([prov("destinations", 2), prov("other", 1)]),
    )
    database.update_database(
        path,
        {"destinations": layer(5)},
        provenance=database.provenance_frame([prov("destinations", 5)]),
    )
    assert len(database.read_layer(path, "destinations")) == 5
    assert len(database.read_layer(path, "other")) == 1
    p = database.read_provenance(path).set_index("layer")
    assert p.loc["destinations", "feature_count"] == 5
    assert p.loc["other", "feature_count"] == 1


def test_empty_layer_keeps_its_place(tmp_path):
    path = tmp_path / "t.gpkg"
    empty = gpd.GeoDataFrame(
        {"u": []}, geometry=gpd.GeoSeries([], crs="EPSG:32632"), crs="EPSG:32632"
    )
    database.write_database({"road_edges": empty}, path, provenance=database.provenance_frame([]))
    assert "road_edges" in database.list_layers(path)
    assert len(database.read_layer(path, "road_edges")) == 0


def test_missing_database_and_layer_errors(tmp_path):
    with pytest.raises(DataError, match="Run `seriana build` first"):
        database.read_layer(tmp_path / "none.gpkg", "x")
    path = tmp_path / "t.gpkg"
    database.write_database(
        {"destinations": layer(1)}, path, provenance=database.provenance_frame([])
    )
    with pytest.raises(DataError, match="no layer 'brownfields'. Layers present: destinations"):
        database.read_layer(path, "brownfields")


def test_corrupt_database(tmp_path):
    path = tmp_path / "t.gpkg"
    path.write_bytes(b"garbage" * 100)
    with pytest.raises(DataError, match="not a readable GeoPackage"):
        database.read_database(path)
