"""``seriana compare A B``: two runs side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..compare import compare_layers, write_comparison
from ..database import read_database
from ._common import done, report_errors

HELP = """\
Compare two runs side by side: per site the score and rank in each and how they
changed (a base and a scenario, or two weightings); per municipality each
travel time and catchment in each and its change. Writes compare_sites.csv,
compare_municipalities.csv, compare.xlsx and a map, compare.html.

A run is a territorial database file (run the scenario with its own
--database, or copy the database before changing it).

Examples:

  seriana compare data/seriana.gpkg data/ss671_closed.gpkg

  seriana compare base.gpkg weights.gpkg --names base weights --csv-italian
"""

RunArg = Annotated[Path, typer.Argument(help="A territorial database (GeoPackage).")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for the comparison.")]
NamesOpt = Annotated[
    tuple[str, str],
    typer.Option("--names", help="What to call the two runs in the tables.", show_default=True),
]
ItalianOpt = Annotated[
    bool,
    typer.Option(
        "--csv-italian",
        help="CSV for spreadsheets set to Italian: ';' between fields and a decimal comma.",
    ),
]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace an existing comparison.")]


@report_errors
def compare(
    base: RunArg,
    scenario: RunArg,
    out: OutOpt = Path("comparison"),
    names: NamesOpt = ("base", "scenario"),
    csv_italian: ItalianOpt = False,
    overwrite: OverwriteOpt = False,
) -> None:
    a = read_database(base)
    b = read_database(scenario)
    comparison = compare_layers(a, b, names=names)
    files = write_comparison(comparison, b, out, overwrite=overwrite, italian=csv_italian)
    done(f"comparison written: {files.workbook}, {files.sites_csv}; open {files.map}")
