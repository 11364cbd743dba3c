"""``seriana map``: the review map and the office site, from the territorial database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..database import DEFAULT_DATABASE, read_database
from ..maps import write_office_site
from ._common import DatabaseOpt, done, report_errors

HELP = """\
Write the review map and the office site (one map per municipality, one sheet
per brownfield, an index page) from the territorial database. Every page is
self-contained and opens from disk, offline.

Examples:

  seriana map

  seriana map --indicator old_age_index --out maps/review

  seriana map --tiles OpenStreetMap      # background tiles, when online
"""

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for the maps.")]
IndicatorOpt = Annotated[
    str,
    typer.Option(
        "--indicator",
        help="Municipal indicator of the choropleth: population, density, old_age_index, "
        "share_65_plus, dependency_ratio, or a travel-time column such as car_bgy_min.",
    ),
]
TilesOpt = Annotated[
    str | None,
    typer.Option(
        "--tiles",
        help="Background tiles when online (a folium/xyzservices name such as OpenStreetMap); "
        "without it the maps render on a plain background, offline.",
        show_default=False,
    ),
]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace existing pages.")]


@report_errors
def map_(
    database: DatabaseOpt = DEFAULT_DATABASE,
    out: OutOpt = Path("maps"),
    indicator: IndicatorOpt = "population",
    tiles: TilesOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    layers = read_database(database)
    index = write_office_site(layers, out, overwrite=overwrite, indicator=indicator, tiles=tiles)
    done(f"maps written; open {index}")
