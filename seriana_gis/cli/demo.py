"""``seriana demo``: the main job on the embedded default, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._io import staged_outputs
from ..build import build_database
from ..config import load_study_area
from ..lock import database_lock
from ..maps.overview import write_overview_map
from . import accessibility as accessibility_cmd
from . import export as export_cmd
from . import map as map_cmd
from . import suitability as suitability_cmd
from ._common import done, report_errors

HELP = """\
Run the main job on the embedded default, offline, and regenerate its outputs:
build the territorial database (data/seriana.gpkg), compute accessibility to
Orio al Serio and Bergamo (data/accessibility/), score, rank and allocate the
brownfields (data/suitability/), write the maps (maps/: open maps/index.html)
and the QGIS export (exports/: open exports/seriana.qgz).

Example:

  seriana demo

  seriana demo --output /tmp/seriana_demo
"""


@report_errors
def demo(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for data/, maps/ and exports/.")
    ] = Path(),
) -> None:
    area = load_study_area()
    data = output / "data"
    db = data / "seriana.gpkg"
    with database_lock(db, command="seriana demo"), staged_outputs():
        territory = build_database(area, path=db, cache_dir=output / "cache")
        overview = write_overview_map(
            territory.layers, output / "maps" / "overview.html", title=area.title, overwrite=True
        )
    counts = ", ".join(f"{n} {len(g)}" for n, g in territory.layers.items())
    done(f"territorial database {db}: {counts}")
    done(f"overview map {overview}")
    # the same commands a planner runs one by one; the demo regenerates its own outputs
    accessibility_cmd.accessibility(
        database=db, out=data / "accessibility", cache=output / "cache", overwrite=True
    )
    suitability_cmd.suitability(database=db, out=data / "suitability", overwrite=True)
    map_cmd.map_(database=db, out=output / "maps", overwrite=True)
    export_cmd.export(
        database=db, out=output / "exports", rasters=data / "accessibility", overwrite=True
    )
