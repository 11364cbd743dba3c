"""``seriana report``: the Excel workbook and the PDF atlas the office hands out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ..database import DEFAULT_DATABASE, read_database, read_provenance
from ..report import write_report
from ._common import DatabaseOpt, done, report_errors

HELP = """\
Write the report of the territorial database: an Excel workbook (sites with
scores, ranks, why and status; municipalities; the allocation; provenance) and
a printable PDF atlas with one page per site (map, scores, reasons).

Examples:

  seriana report

  seriana report --out reports/council --overwrite
"""

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for seriana.xlsx and atlas.pdf.")]
SuitabilityOpt = Annotated[
    Path | None,
    typer.Option(
        "--suitability",
        help="Folder of the suitability outputs, for the allocation "
        "(default: data/suitability/ beside the database, when present).",
        show_default=False,
    ),
]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace an existing report.")]


@report_errors
def report(
    database: DatabaseOpt = DEFAULT_DATABASE,
    out: OutOpt = Path("reports"),
    suitability: SuitabilityOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    layers = read_database(database)
    provenance = read_provenance(database)
    folder = suitability if suitability is not None else database.parent / "suitability"
    path = folder / "allocation.csv"
    allocation = pd.read_csv(path, dtype={"id": str}) if path.is_file() else None
    files = write_report(layers, provenance, out, allocation=allocation, overwrite=overwrite)
    done(f"report written: {files.workbook} and {files.atlas}")
