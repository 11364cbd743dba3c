"""``seriana build``: write the territorial database and the overview map."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..build import DEFAULT_CACHE, build_database
from ..config import load_study_area
from ..database import DEFAULT_DATABASE
from ..maps.overview import write_overview_map
from ._common import CacheOpt, ConfigOpt, DatabaseOpt, OverpassOpt, YearOpt, done, report_errors

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
) -> None:
    area = load_study_area(config, year=year)
    territory = build_database(area, path=database, cache_dir=cache, overpass_url=overpass_url)
    counts = ", ".join(f"{n} {len(g)}" for n, g in territory.layers.items())
    done(f"{database}: {counts}")
    overview = write_overview_map(
        territory.layers, maps / "overview.html", title=area.title, overwrite=True
    )
    done(f"overview map: {overview}")
