"""``seriana accessibility`` on a small database: results in the database, CSV, GeoTIFF; bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import rasterio
from accessibility_samples import layers, road_graph, sample_database
from typer.testing import CliRunner

from seriana_gis.cli import app
from seriana_gis.database import (
    provenance_frame,
    read_layer,
    read_provenance,
    write_database,
)
from seriana_gis.runs import read_runs

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return sample_database(tmp_path / "t.gpkg")


def test_help_has_examples() -> None:
    result = runner.invoke(app, ["accessibility", "--help"])
    assert result.exit_code == 0 and "seriana accessibility" in result.output
    for opt in ("--destinations", "--scenario", "--with-extension", "--off-peak"):
        assert opt in result.output


def _config_without_profile(tmp_path: Path) -> Path:
    """The shipped configuration with an empty embedded folder (no speeds.yaml)."""
    from seriana_gis.config import default_config_path

    (tmp_path / "empty").mkdir()
    text = default_config_path().read_text(encoding="utf-8")
    cfg = tmp_path / "area.yaml"
    cfg.write_text(text.replace("embedded: default", f"embedded: {tmp_path / 'empty'}"), "utf-8")
    return cfg


def test_writes_database_csv_and_rasters(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # a territory without a calibrated profile: the priors (every speed factor 1; the routes
    # below cross no junction where they give way), so the times are the legal speeds by hand
    cfg = _config_without_profile(tmp_path)
    args = ["accessibility", "-c", str(cfg), "-d", str(db), "--out", str(out)]
    args += ["--destinations", "bergamo,bgy"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    bf = read_layer(db, "brownfields")
    assert bf["car_bergamo_min"].iloc[0] == pytest.approx(0.9 + 2.0)
    assert "transit_bgy_feeder_ride_min" in bf.columns and "pop_30min" in bf.columns
    iso = read_layer(db, "isochrones")
    assert sorted(set(iso["destination"])) == ["bergamo", "bgy"] and len(iso) == 8
    prov = read_provenance(db).set_index("layer")
    assert prov.loc["isochrones", "feature_count"] == 8
    assert prov.loc["brownfields", "note"].startswith("made in code | accessibility: ")
    csv = pd.read_csv(out / "municipalities.csv", dtype={"istat": str})
    assert csv["car_bergamo_min"].tolist() == pytest.approx([2.0, 8.0])
    with rasterio.open(out / "car_bgy_min.tif") as src:
        assert src.crs.to_epsg() == 32632 and src.res == (100.0, 100.0)
    assert (out / "od_municipalities_brownfields.csv").exists()
    # a second run refuses to replace the outputs without --overwrite
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--overwrite" in again.output
    scen = tmp_path / "slow.yaml"
    scen.write_text(
        "name: slow\nroads:\n  - {action: slow, select: {id: E0}, speed_kph: 30}\n",
        encoding="utf-8",
    )
    # one period for the roads and the tram: the default off_peak waits for the off-peak
    # tram (no teb_service.yaml in this territory: the built-in 15 min, Corriere 2023)
    base = read_layer(db, "brownfields")
    assert base["transit_bergamo_wait_min"].iloc[0] == pytest.approx(15.0 / 2)
    note = read_provenance(db).set_index("layer").loc["brownfields", "note"]
    assert "speed profile 'prior'" in note and "time of day off_peak" in note
    assert "period off_peak (road times and TEB weekday off-peak headway)" in note
    assert "headway 15 min, wait 7.5 min" in note and "MIXED" not in note
    opts = {r.run: r for r in read_runs(db)}["base"].options
    assert (opts["time_of_day"], opts["tram_headway"]) == ("off_peak", "weekday_offpeak")
    assert "peak" not in opts and "period: off_peak" in result.output
    scen = tmp_path / "slow.yaml"
    scen.write_text(
        "name: slow\nroads:\n  - {action: slow, select: {id: E0}, speed_kph: 30}\n",
        encoding="utf-8",
    )
    # a scenario at the morning peak is a named run beside the base, which stays as it was;
    # its tram waits at the peak headway (7 min, L'Eco di Bergamo 2020)
    slow = tmp_path / "slow"
    third = runner.invoke(app, [*args[:-4], "--out", str(slow), "--destinations", "bergamo,bgy",
                                "--time-of-day", "am_peak", "--scenario", str(scen)])  # fmt: skip
    assert third.exit_code == 0, third.output
    assert "slow_am_peak" in third.output and "--run slow_am_peak" in third.output
    bf = read_layer(db, "brownfields__slow_am_peak")
    # E0 (2 km of primary road outside towns) slowed to 30 km/h takes 4 min, against 2 min x
    # the prior peak factor of main roads outside towns (1.3) at the morning peak
    assert bf["delta_car_bergamo_min"].iloc[0] == pytest.approx(4.0 - 2.0 * 1.3)
    assert bf["transit_bergamo_wait_min"].iloc[0] == pytest.approx(7.0 / 2)
    assert (slow / "scenario_slow_brownfields.csv").exists()
    base = read_layer(db, "brownfields")
    assert "delta_car_bergamo_min" not in base.columns
    assert base["transit_bergamo_wait_min"].iloc[0] == pytest.approx(15.0 / 2)
    opts = {r.run: r for r in read_runs(db)}["slow_am_peak"].options
    assert (opts["time_of_day"], opts["tram_headway"]) == ("am_peak", "weekday_peak")
    # the headway override: off-peak roads with the peak tram, a mixed run named and recorded so
    mix = runner.invoke(app, [*args[:-4], "--out", str(tmp_path / "mix"), "--destinations",
                              "bergamo,bgy", "--peak"])  # fmt: skip
    assert mix.exit_code == 0, mix.output
    assert "'tram-peak'" in mix.output and "MIXED" in mix.output
    assert read_layer(db, "brownfields__tram-peak")["transit_bergamo_wait_min"].iloc[
        0
    ] == pytest.approx(7.0 / 2)
    record = {r.run: r for r in read_runs(db)}["tram-peak"]
    assert (record.options["time_of_day"], record.options["tram_headway"]) == (
        "off_peak",
        "weekday_peak",
    )
    assert record.options["period"] == "MIXED: road times off_peak, TEB weekday peak headway"
    assert "--peak" in record.command
    note = read_provenance(db).set_index("layer").loc["brownfields__tram-peak", "note"]
    assert "MIXED: road times off_peak, TEB weekday peak headway" in note


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--destinations", "bgx"], "unknown destination 'bgx'"),
        (["--scenario", "nope.yaml"], "scenario file nope.yaml not found"),
    ],
)
def test_bad_input_exits_2(db: Path, tmp_path: Path, extra: list[str], message: str) -> None:
    result = runner.invoke(
        app, ["accessibility", "-d", str(db), "--out", str(tmp_path / "o"), *extra]
    )
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_missing_database_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["accessibility", "-d", str(tmp_path / "none.gpkg")])
    assert result.exit_code == 2 and "seriana build" in result.output


def test_bad_scenario_key_exits_2(db: Path, tmp_path: Path) -> None:
    scen = tmp_path / "bad.yaml"
    scen.write_text("name: x\nwith_extention: true\n", encoding="utf-8")
    result = runner.invoke(app, ["accessibility", "-d", str(db), "--scenario", str(scen)])
    assert result.exit_code == 2 and "Valid keys" in result.output


def test_without_road_layers_the_configured_road_source_is_used(tmp_path: Path) -> None:
    L = layers()
    prov = provenance_frame([{"layer": n, "feature_count": len(g)} for n, g in L.items()])
    db = write_database(L, tmp_path / "noroads.gpkg", provenance=prov)
    result = runner.invoke(app, ["accessibility", "-d", str(db), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    note = read_provenance(db).set_index("layer").loc["isochrones", "note"]
    assert "embedded" in note  # the strategic network of layers/default/roads.geojson
    assert read_layer(db, "brownfields")["car_bgy_min"].notna().all()


def test_walk_over_the_roads_or_straight(db: Path, tmp_path: Path) -> None:
    """--walk roads times the walks to the TEB over the road graph, --walk straight as lines."""
    from seriana_gis.accessibility import TransitParams
    from seriana_gis.accessibility.times import walk_minutes
    from seriana_gis.network import walk_graph

    cols = []
    for mode in ("straight", "roads"):
        out = tmp_path / mode
        result = runner.invoke(app, ["accessibility", "-d", str(db), "--out", str(out),
                                     "--walk", mode, "--run", "base", "--overwrite"])  # fmt: skip
        assert result.exit_code == 0, result.output
        cols.append(read_layer(db, "brownfields")["walk_teb_min"].to_numpy())
    straight, on_roads = cols
    # the expected walks, computed with each rule directly on the sample's sites and stops
    bf, stops = read_layer(db, "brownfields"), read_layer(db, "teb_stops")
    pts = bf.geometry.representative_point()
    a = pts.get_coordinates().to_numpy()
    b = stops.geometry.get_coordinates().to_numpy()
    params = TransitParams()
    expected_straight = walk_minutes(a, b, params=params).min(axis=1)
    expected_roads = walk_minutes(a, b, params=params, walk_graph=walk_graph(road_graph())).min(
        axis=1
    )
    ok = expected_straight <= params.max_walk_min
    assert straight[ok] == pytest.approx(expected_straight[ok])
    ok = expected_roads <= params.max_walk_min
    assert on_roads[ok] == pytest.approx(expected_roads[ok])
    assert straight[0] != pytest.approx(on_roads[0])  # the two rules differ on this sample
