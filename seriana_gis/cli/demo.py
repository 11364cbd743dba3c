"""``seriana demo``: the main job on the embedded default, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..build import build_database
from ..config import load_study_area
from ..maps.overview import write_overview_map
from ._common import done, report_errors

HELP = """\
Run the main job on the embedded default, offline: build the territorial
database (data/seriana.gpkg) and write the maps (maps/).

Example:

  seriana demo
"""


@report_errors
def demo(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for data/ and maps/.")
    ] = Path(),
) -> None:
    area = load_study_area()
    db = output / "data" / "seriana.gpkg"
    territory = build_database(area, path=db, cache_dir=output / "cache")
    counts = ", ".join(f"{n} {len(g)}" for n, g in territory.layers.items())
    done(f"territorial database {db}: {counts}")
    overview = write_overview_map(
        territory.layers, output / "maps" / "overview.html", title=area.title, overwrite=True
    )
    done(f"overview map {overview}")
