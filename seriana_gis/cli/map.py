"""``seriana map``: the review map and the office site, from the territorial database."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from .._errors import SerianaError
from .._io import staged_outputs
from ..database import DEFAULT_DATABASE
from ..maps import write_office_site
from ..runs import BASE
from ..suitability import load_profiles
from ._common import DatabaseOpt, ShowRunOpt, done, read_shown_run, report_errors

HELP = """\
Write the review map and the office site (one map per municipality, one sheet
per brownfield, an index page) from the territorial database. The pages share
one copy of the map assets and data (assets/, data/ beside them) and open from
disk, offline, from the folder or from a copy or an unzipped archive of it;
--self-contained gives every page its own copy, to send a page alone.

Examples:

  seriana map

  seriana map --indicator old_age_index --out maps/review

  seriana map --tiles OpenStreetMap      # background tiles, when online

  seriana map --self-contained --out maps/single   # pages that travel alone

  seriana map --run extension --out maps/extension   # the results of a named run
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
SelfContainedOpt = Annotated[
    bool,
    typer.Option(
        "--self-contained",
        help="Every page with its own copy of the map assets and data, to send one page "
        "alone (the site is then several times larger).",
    ),
]


def criterion_labels() -> dict[tuple[str, str], str]:
    """``(profile, criterion)`` → the label of the shipped profiles, for the popups."""
    try:
        profiles = load_profiles()
    except SerianaError as exc:  # the labels are a courtesy: the ids are shown instead
        logging.getLogger(__name__).info("criterion labels not loaded: %s", exc)
        return {}
    return {(p.name, c.name): c.label for p in profiles.values() for c in p.criteria if c.label}


@report_errors
def map_(
    database: DatabaseOpt = DEFAULT_DATABASE,
    out: OutOpt = Path("maps"),
    indicator: IndicatorOpt = "population",
    tiles: TilesOpt = None,
    overwrite: OverwriteOpt = False,
    self_contained: SelfContainedOpt = False,
    run: ShowRunOpt = BASE,
) -> None:
    layers = read_shown_run(database, run)
    with staged_outputs():  # every page, or none
        index = write_office_site(
            layers,
            out,
            overwrite=overwrite,
            indicator=indicator,
            tiles=tiles,
            self_contained=self_contained,
            criteria=criterion_labels(),
        )
    done(f"maps written; open {index}")
