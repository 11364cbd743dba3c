"""seriana compare: two runs side by side; CSV for Italian spreadsheets."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from test_report import small_layers, small_provenance
from typer.testing import CliRunner

from seriana_gis._errors import DataError, OutputExistsError
from seriana_gis.cli.app import app
from seriana_gis.compare import (
    RunSource,
    compare_layers,
    distinct,
    rank_up,
    run_source,
    side,
    write_comparison,
)
from seriana_gis.database import write_database
from seriana_gis.export import export_qgis


def scenario_layers() -> dict[str, gpd.GeoDataFrame]:
    """The small case after a change: site C gains, A loses; Albino is 3 min nearer the airport."""
    layers = small_layers()
    sites = layers["brownfields"].copy()
    sites["score_logistics"] = [0.70, 0.25, 0.91]
    sites["rank_logistics"] = pd.array([2, 3, 1], dtype="Int64")
    sites["best_use"] = ["services", "services", "logistics"]
    towns = layers["municipalities"].copy()
    towns["car_bgy_min"] = [17.04, 25.0]
    return {**layers, "brownfields": sites, "municipalities": towns}


def test_changes_by_hand() -> None:
    c = compare_layers(small_layers(), scenario_layers(), names=("base", "new"))
    sites = c.sites.set_index("id")
    # A: 0.8985 -> 0.70, rank 1 -> 2 (one place down); C: 0.61234 -> 0.91, rank 2 -> 1
    assert sites.loc["A", "delta_score_logistics"] == pytest.approx(0.70 - 0.8985)
    assert sites.loc["C", "delta_score_logistics"] == pytest.approx(0.91 - 0.61234)
    assert sites.loc["A", rank_up("logistics")] == -1
    assert sites.loc["C", rank_up("logistics")] == 1
    assert sites.loc["B", rank_up("logistics")] == 0
    assert sites.loc["A", side("best_use", "base")] == "logistics"
    assert sites.loc["A", side("best_use", "new")] == "services"
    towns = c.municipalities.set_index("istat")
    assert towns.loc["016004", "delta_car_bgy_min"] == pytest.approx(17.04 - 20.04)
    assert towns.loc["016145", "delta_car_bgy_min"] == 0


def test_runs_of_another_territory_are_refused() -> None:
    other = scenario_layers()
    other["brownfields"] = other["brownfields"].assign(id=["X", "Y", "Z"])
    other["municipalities"] = other["municipalities"].assign(istat=["1", "2"])
    with pytest.raises(DataError, match="share no brownfield id"):
        compare_layers(small_layers(), other)
    twice = scenario_layers()
    twice["brownfields"] = twice["brownfields"].assign(id=["A", "A", "C"])
    with pytest.raises(DataError, match="'A' twice"):
        compare_layers(small_layers(), twice)


def test_written_as_italian_csv_workbook_and_map(tmp_path: Path) -> None:
    c = compare_layers(small_layers(), scenario_layers())
    files = write_comparison(c, scenario_layers(), tmp_path, italian=True)
    raw = files.sites_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads the accents right
    back = pd.read_csv(files.sites_csv, sep=";", decimal=",", encoding="utf-8-sig")
    a = back.set_index("ID").loc["A"]
    # rounded once, to three decimals for scores: -0.1985 -> -0.199 (half away from zero)
    assert a["Logistics score: change (scenario − base)"] == pytest.approx(-0.199)
    assert a["Logistics rank: places up"] == -1
    assert "0,899" in raw.decode("utf-8-sig")  # the decimal comma
    wb = load_workbook(files.workbook)
    assert wb.sheetnames == ["Read me", "Sites", "Municipalities"]
    header = [cell.value for cell in wb["Municipalities"][1]]
    assert "Car to Orio al Serio airport (min): change (scenario − base)" in header
    html = files.map.read_text("utf-8")
    assert "seriana.addSwitch(" in html and "http://" not in html.split("<body")[1]
    with pytest.raises(OutputExistsError):
        write_comparison(c, scenario_layers(), tmp_path)


def test_export_csv_for_italian_spreadsheets(tmp_path: Path) -> None:
    layers = {"brownfields": small_layers()["brownfields"]}
    export_qgis(layers, small_provenance(), tmp_path, formats=("csv",), csv_italian=True)
    text = (tmp_path / "csv" / "brownfields_rankings.csv").read_text("utf-8-sig")
    assert text.splitlines()[0].startswith("id;name;municipality;")
    back = pd.read_csv(
        tmp_path / "csv" / "brownfields_rankings.csv", sep=";", decimal=",", encoding="utf-8-sig"
    )
    assert back["score_logistics"].tolist() == [0.899, 0.612, 0.25]  # rounded to 3 decimals
    export_qgis(layers, small_provenance(), tmp_path / "plain", formats=("csv",))
    plain = pd.read_csv(tmp_path / "plain" / "csv" / "brownfields_travel_times.csv")
    assert plain["car_bgy_min"].tolist() == [23.3, 31.0, 10.0]  # minutes to one decimal
    assert "transit_bgy_wait_min" not in plain.columns  # a leg, not a travel time


def test_compare_command(tmp_path: Path) -> None:
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    write_database(small_layers(), a, provenance=small_provenance())
    write_database(scenario_layers(), b, provenance=small_provenance())
    runner = CliRunner()
    out = tmp_path / "cmp"
    result = runner.invoke(
        app, ["compare", str(a), str(b), "-o", str(out), "--names", "base", "ss671"]
    )
    assert result.exit_code == 0, result.output
    header = (out / "compare_sites.csv").read_text("utf-8").splitlines()[0]
    assert "Logistics score: ss671" in header
    again = runner.invoke(app, ["compare", str(a), str(b), "-o", str(out)])
    assert again.exit_code == 2 and "overwrite" in again.output


def test_a_run_without_scores_is_named(caplog: pytest.LogCaptureFixture) -> None:
    travel_only = scenario_layers()
    sites = travel_only["brownfields"]
    travel_only["brownfields"] = sites.drop(
        columns=[c for c in sites.columns if c.startswith(("score_", "rank_"))]
    )
    with caplog.at_level(logging.WARNING, logger="seriana_gis.compare"):
        c = compare_layers(small_layers(), travel_only, names=("base", "extension"))
    assert "extension has no scores for logistics" in caplog.text
    assert c.sites[side("score_logistics", "extension")].isna().all()


def test_arguments_are_runs_or_database_files(tmp_path: Path) -> None:
    db = tmp_path / "t.gpkg"
    write_database(small_layers(), db, provenance=small_provenance())
    other = tmp_path / "weights.gpkg"
    shutil.copy(db, other)
    assert run_source("base", database=db) == RunSource(database=db, run="base", label="base")
    assert run_source(str(other), database=db) == RunSource(other, "base", "weights")
    with pytest.raises(DataError, match=r"has no run 'extension'; it has no named runs yet"):
        run_source("extension", database=db)
    with pytest.raises(DataError, match="nope.gpkg not found"):
        run_source(str(tmp_path / "nope.gpkg"), database=db)
    with pytest.raises(DataError, match="compare two different runs"):
        distinct(run_source("base", database=db), run_source(str(db), database=db))
    # two files of the same name are called by their paths
    (tmp_path / "b").mkdir()
    twin = tmp_path / "b" / "t.gpkg"
    shutil.copy(db, twin)
    a, b = distinct(run_source(str(db), database=db), run_source(str(twin), database=db))
    assert (a.label, b.label) == (str(db), str(twin))


def _sqlite(db: Path, layer: str, key: str, columns: list[str]) -> pd.DataFrame:
    """A layer's columns read straight from the GeoPackage's SQLite table."""
    with sqlite3.connect(db) as con:
        quoted = ", ".join(f'"{c}"' for c in [key, *columns])
        return pd.read_sql_query(f'SELECT {quoted} FROM "{layer}"', con).set_index(key)


@pytest.mark.slow
def test_compare_two_named_runs_of_one_database(demo_dir: Path, tmp_path: Path) -> None:
    # the demo's base run, and the SS671 closure as a named run scored on its own times
    db = tmp_path / "seriana.gpkg"
    shutil.copy(demo_dir / "data" / "seriana.gpkg", db)
    scenario = Path(__file__).resolve().parents[1] / "analyses" / "scenarios" / "ss671_closed.yaml"
    runner = CliRunner()
    for args in (
        ["accessibility", "-d", str(db), "--scenario", str(scenario), "-o", str(tmp_path / "a")],
        ["suitability", "-d", str(db), "--run", "ss671_closed", "--draws", "0",
         "-o", str(tmp_path / "s")],
    ):  # fmt: skip
        result = runner.invoke(app, ["-q", *args])
        assert result.exit_code == 0, result.output
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", "base", "ss671_closed", "-d", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output

    # expected: the two runs' own layers, read with SQL, subtracted here
    profiles = ["logistics", "services", "social_housing"]
    wanted = [f"{k}_{p}" for p in profiles for k in ("score", "rank")]
    base = _sqlite(db, "brownfields", "id", wanted)
    scen = _sqlite(db, "brownfields__ss671_closed", "id", wanted)
    got = pd.read_csv(out / "compare_sites.csv").set_index("ID")
    assert set(got.index) == set(base.index)
    moved = 0
    for p, label in zip(profiles, ["Logistics", "Services", "Social housing"], strict=True):
        change = (scen[f"score_{p}"] - base[f"score_{p}"]).reindex(got.index)
        up = (base[f"rank_{p}"] - scen[f"rank_{p}"]).reindex(got.index)
        shown = got[f"{label} score: change (ss671_closed − base)"]
        assert (shown.isna() == change.isna()).all()
        assert (shown - change).abs().max() <= 0.0005 + 1e-9  # rounded to 3 decimals
        places = got[f"{label} rank: places up"]
        assert (places.isna() == up.isna()).all() and (places.dropna() == up.dropna()).all()
        moved += int((up.fillna(0) != 0).sum())
    assert moved > 0  # the closure reorders some sites: the check above can fail

    measures = {"car_bgy_min": ("Car to Orio al Serio airport (min)", 0.05),
                "pop_30min": ("Residents within 30 min by car", 0.5)}  # fmt: skip
    base_t = _sqlite(db, "municipalities", "istat", list(measures))
    scen_t = _sqlite(db, "municipalities__ss671_closed", "istat", list(measures))
    towns = pd.read_csv(out / "compare_municipalities.csv", dtype={"ISTAT code": str})
    towns = towns.set_index("ISTAT code")
    for column, (label, half) in measures.items():
        change = (scen_t[column] - base_t[column]).reindex(towns.index)
        assert change.abs().max() > 1  # the closure lengthens trips and shrinks catchments
        shown = towns[f"{label}: change (ss671_closed − base)"]
        assert (shown - change).abs().max() <= half + 1e-9

    # the same tables in the workbook, and the map of the changes
    sheet = load_workbook(out / "compare.xlsx")["Sites"]
    header = [cell.value for cell in sheet[1]]
    assert "Logistics rank: places up" in header
    html = (out / "compare.html").read_text("utf-8")
    assert "Logistics score: change (ss671_closed \\u2212 base)" in html  # JSON-escaped
    assert "seriana.addSwitch(" in html and '"delta_score_services"' in html

    # an unknown run: exit 2, one message listing the runs there are
    typo = runner.invoke(app, ["compare", "base", "ss671", "-d", str(db), "-o", str(out)])
    assert typo.exit_code == 2 and "Traceback" not in typo.output
    assert "has no run 'ss671'; its runs: base, " in " ".join(typo.output.split())
    assert "ss671_closed" in typo.output
