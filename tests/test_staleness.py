"""Staleness: input hashes, and results out of date said so with the command that refreshes them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from accessibility_samples import near_analyses, sample_database
from shapely.geometry import Point
from typer.testing import CliRunner

from seriana_gis.cli import app
from seriana_gis.database import read_database
from seriana_gis.runs import find, read_runs
from seriana_gis.staleness import database_status, frame_hash, input_part, stage_status

runner = CliRunner()


def _frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["a", "b"], "area_m2": [10.0, 20.0]},
        geometry=[Point(0, 0), Point(1, 1)],
        crs="EPSG:32632",
    )


def test_the_hash_sees_values_and_geometries_not_column_order() -> None:
    f = _frame()
    h = frame_hash(f)
    assert frame_hash(f[["geometry", "area_m2", "id"]]) == h
    g = f.copy()
    g.loc[1, "area_m2"] = 20.5
    assert frame_hash(g) != h
    g = f.copy()
    g.loc[1, "geometry"] = Point(1, 1.001)
    assert frame_hash(g) != h
    assert frame_hash(f.iloc[::-1]) != h  # row order is part of the layer


def test_result_columns_are_not_inputs() -> None:
    f = _frame()
    with_results = f.assign(car_bgy_min=[1.0, 2.0], score_logistics=[0.5, 0.1], my_indicator=3)
    assert frame_hash(input_part(with_results, drop=["my_indicator"])) == frame_hash(f)


def _edit_layer(db: Path, name: str, column: str, delta: float) -> None:
    gdf = gpd.read_file(db, layer=name)
    gdf[column] = gdf[column] + delta
    pyogrio.write_dataframe(gdf, db, layer=name, driver="GPKG")


@pytest.fixture
def chain(tmp_path: Path) -> tuple[Path, list[str], Path]:
    """A database with base accessibility and base suitability (the 'near' profile)."""
    db = sample_database(tmp_path / "t.gpkg")
    acc = runner.invoke(app, ["accessibility", "-d", str(db), "--out", str(tmp_path / "acc")])
    assert acc.exit_code == 0, acc.output
    folder, alloc = near_analyses(tmp_path / "profiles")
    suit = ["suitability", "-d", str(db), "--analyses", str(folder), "--allocation", str(alloc),
            "--draws", "0", "--run", "base", "--out", str(tmp_path / "s")]  # fmt: skip
    result = runner.invoke(app, suit)
    assert result.exit_code == 0, result.output
    return db, suit, folder / "near.yaml"


def test_fresh_results_are_up_to_date(chain: tuple[Path, list[str], Path]) -> None:
    db, _, _ = chain
    assert [s.stale for s in database_status(db)] == [False, False]
    result = runner.invoke(app, ["status", "-d", str(db)])
    assert result.exit_code == 0 and "Every result is up to date" in result.output


def test_travel_times_of_two_periods_from_before_are_stale(
    chain: tuple[Path, list[str], Path],
) -> None:
    """A base run computed before one period per run: off-peak roads, peak tram (the old default)."""
    db, _, _ = chain
    records = read_runs(db)
    acc = find(records, "base", "accessibility")
    assert acc is not None
    layers = read_database(db)
    opts = {k: v for k, v in acc.options.items() if k not in ("tram_headway", "period")}
    old = replace(acc, options={**opts, "peak": True})
    assert stage_status(old, layers=layers, records=records).reasons == (
        "its TEB times wait at the weekday peak headway beside off_peak road times (computed "
        "before a run's time of day chose the headway too)",
    )
    # an old run of one period (--off-peak, off-peak roads) is not; nor is today's record
    named = replace(acc, run="off-peak", options={**opts, "peak": False})
    assert not stage_status(named, layers=layers, records=records).stale
    assert not stage_status(acc, layers=layers, records=records).stale
    # refreshed into its own name: the default name of its options is no longer 'off-peak'
    assert named.refresh.endswith("--overwrite --run off-peak")
    assert acc.refresh.endswith("--overwrite")


def test_an_edited_profile_makes_the_scores_stale(chain: tuple[Path, list[str], Path]) -> None:
    db, _, profile = chain
    profile.write_text(profile.read_text(encoding="utf-8").replace("high: 40", "high: 50"))
    acc, suit = database_status(db)
    assert not acc.stale and suit.stale
    assert suit.reasons == (f"{profile.resolve()} has changed since",)
    assert "seriana suitability" in suit.message and "--overwrite" in suit.message


def test_new_travel_times_make_the_scores_stale(chain: tuple[Path, list[str], Path]) -> None:
    db, suit, _ = chain
    again = runner.invoke(app, ["accessibility", "-d", str(db), "--out", str(db.parent / "acc"),
                                "--overwrite"])  # fmt: skip
    assert again.exit_code == 0, again.output
    acc, st = database_status(db)
    assert not acc.stale
    assert st.reasons == (
        f"the travel times of run 'base' were computed again on {acc.record.created}",
    )
    # the scores are kept in the layer, flagged; computing them again clears the flag
    refreshed = runner.invoke(app, [*suit, "--overwrite"])
    assert refreshed.exit_code == 0, refreshed.output
    assert [s.stale for s in database_status(db)] == [False, False]


def test_an_edited_layer_makes_the_chain_stale(chain: tuple[Path, list[str], Path]) -> None:
    db, suit, _ = chain
    _edit_layer(db, "brownfields", "area_m2", 1.0)  # as a planner editing a site in QGIS
    acc, st = database_status(db)
    assert acc.reasons == ("the layer brownfields has changed since (edited or rebuilt)",)
    assert st.reasons == ("the travel times of run 'base' are out of date themselves",)
    status = runner.invoke(app, ["status", "-d", str(db)])
    text = " ".join(status.output.split())
    assert "2 result set(s) out of date" in text
    assert "refresh with `seriana accessibility" in text and "--overwrite`" in text
    # a command reading the stale travel times says so, naming the refreshing command
    result = runner.invoke(app, [*suit, "--overwrite"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "the accessibility results of run 'base'" in text and "out of date" in text
    assert "Refresh them with `seriana accessibility" in text


def test_scores_kept_from_earlier_travel_times_stay_stale(tmp_path: Path) -> None:
    """Updating one profile keeps the others' scores: if those came from older travel times,
    the run is still out of date until every profile is run again."""
    db = sample_database(tmp_path / "t.gpkg")
    acc = ["accessibility", "-d", str(db), "--out", str(tmp_path / "acc")]
    assert runner.invoke(app, acc).exit_code == 0
    folder, alloc = near_analyses(tmp_path / "profiles")
    second = (folder / "near.yaml").read_text(encoding="utf-8").replace("name: near", "name: near2")
    (folder / "near2.yaml").write_text(second, encoding="utf-8")
    suit = ["suitability", "-d", str(db), "--analyses", str(folder), "--allocation", str(alloc),
            "--draws", "0", "--run", "base", "--out", str(tmp_path / "s"), "--overwrite"]  # fmt: skip
    assert runner.invoke(app, suit).exit_code == 0
    assert runner.invoke(app, [*acc, "--overwrite"]).exit_code == 0
    result = runner.invoke(app, [*suit, "--profile", "near"])
    assert result.exit_code == 0, result.output
    assert "kept for near2 were computed on earlier travel times" in " ".join(result.output.split())
    _, st = database_status(db)
    assert st.stale and "were computed again" in st.reasons[0]
    assert runner.invoke(app, suit).exit_code == 0  # every profile again: up to date
    assert [s.stale for s in database_status(db)] == [False, False]


def test_two_computations_in_the_same_second_get_different_stamps() -> None:
    # `created` has second resolution: a fast machine computes the travel times
    # twice within one second, and the scores must still see the second one
    from seriana_gis.runs import RunRecord

    rec = RunRecord(run="base", stage="accessibility", created="2026-11-29T15:17:34Z", command="x")
    assert rec.stamped().stamp != rec.stamped().stamp
