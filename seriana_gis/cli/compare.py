"""``seriana compare A B``: two runs side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..compare import compare_layers, distinct, read_compared, run_source, write_comparison
from ..database import DEFAULT_DATABASE
from ..runs import STAGES
from ._common import DatabaseOpt, done, report_errors, warn_if_stale

HELP = """\
Compare two runs side by side: per site the score and rank in each and how they
changed; per municipality each travel time and catchment in each and its
change (second minus first). Writes compare_sites.csv,
compare_municipalities.csv, compare.xlsx and a map of the changes,
compare.html.

How A and B are read: a run name (base, extension, ss671_closed, a
weighting...; `seriana runs` lists them) is a run of the territorial database
--database; a path (ending in .gpkg, or with a '/') is another territorial
database file, whose base run is compared. The two forms mix. The tables call
each run by its name (a file by its name without .gpkg) unless --names says
otherwise; the changes are B minus A.

Examples:

  seriana compare base extension                # the TEB extension against the base

  seriana compare base ss671_closed --csv-italian

  seriana compare base weights -d data/seriana.gpkg -o comparison/weights

  seriana compare data/seriana.gpkg data/seriana_2022.gpkg   # two database files
"""

_RUN_HELP = (
    "a run of --database (base, extension, ...: see `seriana runs`), or the path of a "
    "territorial database (ending in .gpkg, or with a '/'): its base run."
)
FirstArg = Annotated[
    str, typer.Argument(help=f"The reference: {_RUN_HELP}", metavar="A", show_default=False)
]
SecondArg = Annotated[
    str,
    typer.Argument(help=f"Compared against A: {_RUN_HELP}", metavar="B", show_default=False),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for the comparison.")]
NamesOpt = Annotated[
    tuple[str, str] | None,
    typer.Option(
        "--names",
        help="What to call the two runs in the tables (default: their run names, or file names).",
        show_default=False,
    ),
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
    base: FirstArg,
    scenario: SecondArg,
    database: DatabaseOpt = DEFAULT_DATABASE,
    out: OutOpt = Path("comparison"),
    names: NamesOpt = None,
    csv_italian: ItalianOpt = False,
    overwrite: OverwriteOpt = False,
) -> None:
    a, b = distinct(run_source(base, database=database), run_source(scenario, database=database))
    for source in (a, b):
        warn_if_stale(source.database, stages=[(source.run, s) for s in STAGES])
    layers = read_compared(b)
    comparison = compare_layers(read_compared(a), layers, names=names or (a.label, b.label))
    files = write_comparison(comparison, layers, out, overwrite=overwrite, italian=csv_italian)
    done(
        f"{comparison.names[1]} against {comparison.names[0]}: {files.workbook}, "
        f"{files.sites_csv}, {files.municipalities_csv}; open {files.map}"
    )
