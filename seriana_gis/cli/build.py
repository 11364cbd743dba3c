"""``seriana build``: write the territorial database and the overview map."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from .._errors import SerianaError
from .._io import check_output, staged_outputs
from ..build import DEFAULT_CACHE, build_database
from ..config import load_study_area
from ..database import DEFAULT_DATABASE
from ..lock import DEFAULT_WAIT_S, database_lock
from ..maps.overview import write_overview_map
from ..runs import read_runs
from ..sources.overpass import check_overpass_url
from ._common import (
    CacheOpt,
    ConfigOpt,
    DatabaseOpt,
    OverpassOpt,
    WaitOpt,
    YearOpt,
    command_line,
    done,
    report_errors,
)

HELP = """\
Build the territorial database (one GeoPackage with every layer and a
provenance table) and an overview map.

Examples:

  seriana build

  seriana build --year 2022 --database data/seriana_2022.gpkg

  seriana build --config layers/my_area.yaml --maps maps/my_area
"""

MapsOpt = Annotated[Path, typer.Option("--maps", help="Folder for the generated maps.")]


@report_errors
def build(
    config: ConfigOpt = None,
    database: DatabaseOpt = DEFAULT_DATABASE,
    year: YearOpt = None,
    cache: CacheOpt = DEFAULT_CACHE,
    overpass_url: OverpassOpt = None,
    maps: MapsOpt = Path("maps"),
    wait: WaitOpt = DEFAULT_WAIT_S,
) -> None:
    area = load_study_area(config, year=year)
    if overpass_url is not None:
        check_overpass_url(overpass_url)
    overview_path = maps / "overview.html"
    for target in (database, overview_path):  # before any download or write
        check_output(target, overwrite=True)
    cmd = command_line(
        "build",
        ("--config", config),
        ("--database", database if database != DEFAULT_DATABASE else None),
        ("--year", year),
    )
    with database_lock(database, command=cmd, wait=wait), staged_outputs():
        _warn_replaced_runs(database)
        territory = build_database(area, path=database, cache_dir=cache, overpass_url=overpass_url)
        overview = write_overview_map(
            territory.layers, overview_path, title=area.title, overwrite=True
        )
    counts = ", ".join(f"{n} {len(g)}" for n, g in territory.layers.items())
    done(f"{database}: {counts}")
    done(f"overview map: {overview}")


def _warn_replaced_runs(database: Path) -> None:
    """Say which results a rebuild replaces (the database is rebuilt from the sources)."""
    if not database.is_file():
        return
    try:
        runs = sorted({r.run for r in read_runs(database)})
    except SerianaError:
        return  # not a database we can read: it is replaced all the same
    if runs:
        logging.getLogger("seriana_gis").warning(
            "rebuilding %s replaces the results of the run(s) %s in it; their CSV files stay "
            "where they are. Compute them again with `seriana accessibility` and "
            "`seriana suitability` (see `seriana status`).",
            database,
            ", ".join(runs),
        )
