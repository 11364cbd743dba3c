"""Named runs: default names, their own layers and files, the base kept, `seriana runs`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from accessibility_samples import near_analyses, sample_database
from typer.testing import CliRunner

from seriana_gis._errors import ConfigError, DataError
from seriana_gis.accessibility.pipeline import accessibility_run_name
from seriana_gis.cli import app
from seriana_gis.database import list_layers, read_database, read_layer
from seriana_gis.runs import check_run_name, read_run, run_outputs
from seriana_gis.suitability.pipeline import suitability_run_name
from seriana_gis.suitability.profile import default_analyses_dir

runner = CliRunner()


@pytest.mark.parametrize("name", ["extension", "ss671_closed", "w-2", "a"])
def test_run_names_that_are_accepted(name: str) -> None:
    assert check_run_name(name) == name


@pytest.mark.parametrize("name", ["Extension", "two words", "a__b", "-x", "x" * 41, ""])
def test_run_names_that_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="lower-case letters"):
        check_run_name(name)


def test_default_names_come_from_the_options(tmp_path: Path) -> None:
    assert accessibility_run_name() == "base"
    assert accessibility_run_name(destinations=["bergamo", "bgy"]) == "base"  # any order
    assert accessibility_run_name(scenario="ss671_closed") == "ss671_closed"
    # one period for the roads and the tram: a headway that is the period's own names nothing
    assert accessibility_run_name(with_extension=True, peak=False) == "extension"
    assert accessibility_run_name(time_of_day="am_peak", peak=True) == "am_peak"
    assert accessibility_run_name(time_of_day="free_flow") == "free_flow"
    # an override of the period's headway names the mix
    assert accessibility_run_name(peak=True) == "tram-peak"
    assert accessibility_run_name(time_of_day="free_flow", peak=True) == "free_flow_tram-peak"
    assert accessibility_run_name(time_of_day="am_peak", peak=False) == "am_peak_tram-off-peak"
    assert accessibility_run_name(destinations=["bgy"]) == "to-bgy"
    shipped = default_analyses_dir()
    assert suitability_run_name(analyses=shipped, allocation=shipped / "allocation.yaml") == "base"
    assert suitability_run_name(analyses=tmp_path / "DEM profiles") == "dem-profiles"
    assert suitability_run_name(allocation=tmp_path / "targets_2030.yaml") == "targets_2030"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = sample_database(tmp_path / "t.gpkg")
    base = runner.invoke(app, ["accessibility", "-d", str(db), "--out", str(tmp_path / "acc")])
    assert base.exit_code == 0, base.output
    return db


def test_a_named_run_keeps_the_base_results(db: Path, tmp_path: Path) -> None:
    before = read_layer(db, "brownfields")
    args = ["accessibility", "-d", str(db), "--with-extension", "--out", str(tmp_path / "ext")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "run 'extension'" in result.output
    pd.testing.assert_frame_equal(read_layer(db, "brownfields"), before)
    ext = read_layer(db, "brownfields__extension")
    # the extension can only shorten a trip by TEB (park and ride bounded by the nearest stop)
    assert (ext["transit_bgy_min"] <= before["transit_bgy_min"] + 1e-9).all()
    assert {"isochrones__extension", "municipalities__extension"} <= set(list_layers(db))
    # the base reader does not see named runs; read_run does
    assert "brownfields__extension" not in read_database(db)
    pd.testing.assert_frame_equal(read_run(db, "extension")["brownfields"], ext)
    out = run_outputs(db, "extension")
    assert out.layers["brownfields"] == "brownfields__extension"
    assert all(p.is_file() for p in out.files["accessibility"])
    assert {p.name for p in out.files["accessibility"]} >= {"brownfields.csv", "car_bgy_min.tif"}
    # the same run again needs --overwrite
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "already has accessibility results" in again.output
    assert "--overwrite" in again.output


def test_an_unknown_run_lists_the_runs_there_are(db: Path) -> None:
    with pytest.raises(DataError, match=r"no run 'extention'\. Runs in it: base"):
        run_outputs(db, "extention")
    result = runner.invoke(app, ["map", "-d", str(db), "--run", "extention"])
    assert result.exit_code == 2 and "seriana runs" in result.output


def test_suitability_of_a_named_run_reads_its_travel_times(db: Path, tmp_path: Path) -> None:
    ext = runner.invoke(app, ["accessibility", "-d", str(db), "--with-extension",
                              "--out", str(tmp_path / "ext")])  # fmt: skip
    assert ext.exit_code == 0, ext.output
    folder, alloc = near_analyses(tmp_path / "profiles")
    args = ["suitability", "-d", str(db), "--analyses", str(folder), "--allocation", str(alloc),
            "--draws", "0", "--run", "extension", "--out", str(tmp_path / "s")]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    bf = read_layer(db, "brownfields__extension")
    # near: cost on a fixed 0-40 min scale of the run's own car minutes
    assert bf["score_near"].iloc[0] == pytest.approx(1 - bf["car_bgy_min"].iloc[0] / 40)
    assert "transit_bgy_min" in bf.columns  # the travel times stay beside the scores
    assert "score_near" not in read_layer(db, "brownfields").columns  # base untouched
    listing = runner.invoke(app, ["runs", "-d", str(db)])
    assert listing.exit_code == 0, listing.output
    text = " ".join(listing.output.split())
    for expected in ("base", "extension", "accessibility, computed", "suitability, computed",
                     "with_extension True", "profiles near", "near.yaml",
                     "seriana suitability", "--run extension --overwrite"):  # fmt: skip
        assert expected in text, expected
