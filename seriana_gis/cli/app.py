"""The ``seriana`` Typer application and its global options."""

from __future__ import annotations

from typing import Annotated

import typer

from . import accessibility as accessibility_cmd
from . import batch as batch_cmd
from . import build as build_cmd
from . import calibrate as calibrate_cmd
from . import compare as compare_cmd
from . import demo as demo_cmd
from . import export as export_cmd
from . import fetch as fetch_cmd
from . import map as map_cmd
from . import report as report_cmd
from . import runs as runs_cmd
from . import status as status_cmd
from . import suitability as suitability_cmd
from ._common import setup_logging

HELP = """\
seriana_gis: territorial-planning GIS for the Seriana Valley (Bergamo).

Builds the territorial database (municipalities, dismissed industrial areas,
the TEB light rail, tourism assets, destinations, roads), and publishes maps.

Examples:

  seriana demo                         # the whole job on the embedded default, offline

  seriana build                        # data/seriana.gpkg + maps/overview.html

  seriana build --year 2022 -d data/seriana_2022.gpkg

  seriana build --config my_territory.yaml -d data/other.gpkg

  seriana fetch tourism                # download OSM features once, cached for offline builds

  seriana runs                         # the base and named runs in the database

  seriana status                       # which results are out of date, and how to refresh them

Exit codes: 0 ok, 2 bad input (the message says what and how to fix it),
1 internal error (a bug: rerun with --verbose and report it).
"""

app = typer.Typer(
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _global(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Debug messages and tracebacks.")
    ] = False,
) -> None:
    setup_logging(quiet=quiet, verbose=verbose)


app.command("build", help=build_cmd.HELP)(build_cmd.build)
app.command("fetch", help=fetch_cmd.HELP)(fetch_cmd.fetch)
app.command("suitability", help=suitability_cmd.HELP)(suitability_cmd.suitability)
app.command("map", help=map_cmd.HELP)(map_cmd.map_)
app.command("export", help=export_cmd.HELP)(export_cmd.export)
app.command("report", help=report_cmd.HELP)(report_cmd.report)
app.command("compare", help=compare_cmd.HELP)(compare_cmd.compare)
app.command("demo", help=demo_cmd.HELP)(demo_cmd.demo)
app.command("accessibility", help=accessibility_cmd.HELP)(accessibility_cmd.accessibility)
app.command("batch", help=batch_cmd.HELP)(batch_cmd.batch)
app.command("runs", help=runs_cmd.HELP)(runs_cmd.runs)
app.command("status", help=status_cmd.HELP)(status_cmd.status)
app.command("calibrate", help=calibrate_cmd.HELP)(calibrate_cmd.calibrate_cmd)
