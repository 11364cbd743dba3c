"""The `seriana` command line: help with examples, and one clear message for bad input."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from seriana_gis.cli import app

runner = CliRunner()


def test_help_lists_commands_and_examples():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ("build", "fetch", "demo", "Examples", "Exit codes"):
        assert word in result.output


@pytest.mark.parametrize("command", ["build", "fetch", "map", "export", "demo"])
def test_each_command_has_help_with_an_example(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "seriana " + command in result.output


def test_bad_configuration_exits_2_with_one_message(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("name: x\nzones:\n  z:\n    municipalities: [Albinp]\n", encoding="utf-8")
    result = runner.invoke(
        app, ["build", "--config", str(cfg), "--database", str(tmp_path / "x.gpkg")]
    )
    assert result.exit_code == 2
    assert "unknown municipality name 'Albinp'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.gpkg").exists()


def test_missing_configuration_file(tmp_path):
    result = runner.invoke(app, ["build", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "not found" in result.output


def test_bad_year(tmp_path):
    result = runner.invoke(app, ["build", "--year", "2019", "--database", str(tmp_path / "x.gpkg")])
    assert result.exit_code == 2
    assert "2022, 2023" in result.output


def test_fetch_without_network_is_a_clear_error(tmp_path):
    cfg = tmp_path / "small.yaml"
    cfg.write_text(
        "name: x\nprovince: BG\nzones:\n  z:\n    municipalities: [Gorle]\n", encoding="utf-8"
    )
    result = runner.invoke(
        app,
        ["fetch", "tourism", "--config", str(cfg), "--cache", str(tmp_path / "c"),
         "--overpass-url", "http://127.0.0.1:9/api"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "cannot download tourism features" in result.output


@pytest.mark.parametrize("command", ["map", "export"])
def test_commands_on_a_missing_database(command, tmp_path):
    result = runner.invoke(app, [command, "--database", str(tmp_path / "none.gpkg")])
    assert result.exit_code == 2
    assert "Run `seriana build` first" in result.output


def _municipalities_database(tmp_path):
    from seriana_gis import database
    from seriana_gis.build import Territory
    from seriana_gis.config import load_study_area
    from seriana_gis.layers.municipalities import municipalities_layer

    area = load_study_area()
    t = Territory(area=area)
    t.add("municipalities", municipalities_layer(area))
    db = tmp_path / "db.gpkg"
    database.write_database(t.layers, db, provenance=t.provenance_frame())
    return db


def test_export_counts_the_files_it_wrote(tmp_path):
    # the command stages its files and moves them into place at the end: the count
    # given is that of the files in the folder afterwards (it once said "0 files")
    db = _municipalities_database(tmp_path)
    out = tmp_path / "x"
    result = runner.invoke(app, ["export", "--database", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    on_disk = [p for p in out.rglob("*") if p.is_file()]
    assert on_disk
    assert f"({len(on_disk)} files)" in " ".join(result.output.split())


def test_export_unknown_format(tmp_path):
    db = _municipalities_database(tmp_path)
    result = runner.invoke(
        app, ["export", "--database", str(db), "--out", str(tmp_path / "x"), "-f", "kml"]
    )
    assert result.exit_code == 2
    assert "kml" in result.output


def test_demo_into_a_path_that_is_a_file_exits_2(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["demo", "--output", str(blocker)])
    assert result.exit_code == 2
    assert "cannot write" in result.output and "Traceback" not in result.output
    assert blocker.read_text(encoding="utf-8") == "x"  # the user's file is untouched
