"""seriana compare: two runs side by side; CSV for Italian spreadsheets."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from test_report import small_layers, small_provenance
from typer.testing import CliRunner

from seriana_gis._errors import DataError, OutputExistsError
from seriana_gis.cli.app import app
from seriana_gis.compare import compare_layers, rank_up, side, write_comparison
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
    a = back.set_index("Id").loc["A"]
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
