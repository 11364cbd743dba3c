"""``seriana accessibility``: travel times, isochrones, catchments and rasters into the database."""

from __future__ import annotations

import enum
import logging
from pathlib import Path
from typing import Annotated

import typer

from .._errors import ConfigError
from .._io import check_writable
from ..accessibility import TransitParams, load_scenario
from ..accessibility.pipeline import (
    accessibility_file_names,
    accessibility_stage,
    check_accessibility_inputs,
    load_road_graph,
    walk_network,
    write_accessibility,
)
from ..accessibility.run import SITE_LAYERS
from ..build import DEFAULT_CACHE
from ..config import StudyArea, load_study_area
from ..database import DEFAULT_DATABASE, read_database
from ._common import CacheOpt, ConfigOpt, DatabaseOpt, done, report_errors

logger = logging.getLogger(__name__)

HELP = """\
Compute accessibility from the territorial database: car and TEB transit
times (per leg) from every brownfield, municipality and tourism asset to each
destination, the walk to the nearest TEB stop, the car time to the nearest A4
junction, residents within 15 and 30 min and Hansen accessibility, isochrones
(10/20/30/45 min) and a travel-time GeoTIFF per destination. Results go back
into the database (new columns, layer 'isochrones') and into CSV files.

The road graph is the database's road_edges/road_nodes, else the
configuration's road source (the embedded strategic network by default).

Examples:

  seriana accessibility

  seriana accessibility --destinations bgy,bergamo,fiera --off-peak

  seriana accessibility --with-extension --out data/accessibility_ext --overwrite

  seriana accessibility --scenario analyses/scenarios/ss671_closed.yaml --overwrite
"""

OutOpt = Annotated[
    Path, typer.Option("--out", "-o", help="Folder for the CSV files and the GeoTIFF rasters.")
]
DestOpt = Annotated[
    str | None,
    typer.Option(
        "--destinations",
        help="Comma-separated destination ids (default: the configuration's, e.g. bgy,bergamo).",
        show_default=False,
    ),
]
ScenarioOpt = Annotated[
    Path | None,
    typer.Option(
        "--scenario",
        help="A scenario file (YAML, see analyses/scenarios/): adds delta_* columns.",
        show_default=False,
    ),
]
ExtOpt = Annotated[
    bool, typer.Option("--with-extension", help="Run the planned TEB extension Albino-Vertova.")
]
PeakOpt = Annotated[
    bool, typer.Option("--peak/--off-peak", help="TEB headway: peak (10 min) or off-peak (20 min).")
]
OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="Replace existing CSV and GeoTIFF outputs.")
]


def _destinations(option: str | None, area: StudyArea) -> list[str]:
    if option is None:
        return list(area.destinations)
    ids = [d.strip() for d in option.split(",") if d.strip()]
    if not ids:
        msg = "--destinations: give comma-separated destination ids, e.g. bgy,bergamo."
        raise ConfigError(msg)
    return ids


class Walk(enum.StrEnum):
    """How walks to and from the TEB are timed."""

    auto = "auto"
    roads = "roads"
    straight = "straight"


WalkOpt = Annotated[
    Walk,
    typer.Option(
        "--walk",
        help="Walks to and from the TEB: over the road network ('roads'), as straight lines "
        "x 1.3 ('straight'), or 'auto': over the roads when they come from OpenStreetMap or an "
        "OSM file, straight on the embedded strategic network (main roads only).",
    ),
]


@report_errors
def accessibility(
    config: ConfigOpt = None,
    database: DatabaseOpt = DEFAULT_DATABASE,
    out: OutOpt = Path("data") / "accessibility",
    destinations: DestOpt = None,
    scenario: ScenarioOpt = None,
    with_extension: ExtOpt = False,
    peak: PeakOpt = True,
    cache: CacheOpt = DEFAULT_CACHE,
    overwrite: OverwriteOpt = False,
    walk: WalkOpt = Walk.auto,
) -> None:
    area = load_study_area(config)
    dest_ids = _destinations(destinations, area)
    scen = load_scenario(scenario) if scenario is not None else None
    layers = read_database(database)
    check_accessibility_inputs(layers, dest_ids, where=str(database))
    graph, graph_source = load_road_graph(layers, area, cache_dir=cache)
    present = [n for n in SITE_LAYERS if n in layers and len(layers[n])]
    names = accessibility_file_names(present, dest_ids, scenario=scen.name if scen else None)
    for name in names:
        check_writable(out / name, overwrite=overwrite)
    stage = accessibility_stage(
        layers,
        graph,
        destinations=dest_ids,
        with_extension=with_extension,
        params=TransitParams(peak=peak),
        scenario=scen,
        walk_graph=walk_network(graph, area, walk=walk.value),
        graph_source=graph_source,
    )
    write_accessibility(
        stage, database=database, out=out, config_hash=area.config_hash, overwrite=overwrite
    )
    counts = ", ".join(f"{n} {len(g)}" for n, g in stage.layers.items())
    done(
        f"{database}: accessibility columns for {counts}; isochrones {len(stage.result.isochrones)}"
    )
    done(f"CSV files and rasters in {out}")
