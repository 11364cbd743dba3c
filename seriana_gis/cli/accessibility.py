"""``seriana accessibility``: travel times, isochrones, catchments and rasters into the database."""

from __future__ import annotations

import enum
import logging
from pathlib import Path
from typing import Annotated

import typer

from .._errors import ConfigError
from .._io import check_writable
from ..accessibility import load_scenario
from ..accessibility.pipeline import (
    accessibility_file_names,
    accessibility_run_name,
    accessibility_stage,
    check_accessibility_inputs,
    load_road_graph,
    run_transit_params,
    walk_network,
    write_accessibility,
)
from ..accessibility.run import SITE_LAYERS
from ..build import DEFAULT_CACHE
from ..config import StudyArea, load_study_area
from ..database import DEFAULT_DATABASE, read_database
from ..economy.scenario import default_scenario_path
from ..lock import DEFAULT_WAIT_S, database_lock
from ..network.profile import DEFAULT_TIME_OF_DAY, default_profile_path
from ..runs import BASE, check_new, check_run_name, default_folder, layer_name, read_runs
from ..sources.embedded import embedded_dir
from ._common import (
    DEFAULT_TOD,
    CacheOpt,
    ConfigOpt,
    DatabaseOpt,
    RunOpt,
    TimeOfDayOpt,
    WaitOpt,
    command_line,
    done,
    report_errors,
)

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

The time of day (--time-of-day, default off_peak) is the run's period: it
times the roads and chooses the TEB headway of the same hour (am_peak: the
weekday peak headway; off_peak and free_flow: the off-peak one). --peak or
--off-peak overrides the headway alone: a mixed run, named and recorded as such.

With the shipped inputs the results are the base run (layers brownfields,
isochrones, ...; files in data/accessibility/). A scenario, the extension,
another time of day or other destinations make a named run beside it
(brownfields__NAME, ...; data/runs/NAME/accessibility/): the base results
are replaced only with --overwrite. See `seriana runs` and `seriana status`.

Examples:

  seriana accessibility

  seriana accessibility --with-extension          # run 'extension'

  seriana accessibility --scenario analyses/scenarios/ss671_closed.yaml   # run 'ss671_closed'

  seriana accessibility --time-of-day am_peak     # run 'am_peak' (roads and tram)

  seriana accessibility --speeds data/speeds.yaml # run 'speeds-speeds'

  seriana accessibility --destinations bgy,bergamo,fiera --run fiera

  seriana accessibility --peak                    # run 'tram-peak': off-peak roads, peak tram

  seriana accessibility --overwrite               # compute the base run again
"""

OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Folder for the CSV files and the GeoTIFF rasters (default: data/accessibility "
        "for the base run, data/runs/NAME/accessibility for a named run).",
        show_default=False,
    ),
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
        help="A scenario file (YAML, see analyses/scenarios/): the run holds the scenario's "
        "times, with delta_* columns (the change from the run without it) beside them.",
        show_default=False,
    ),
]
ExtOpt = Annotated[
    bool, typer.Option("--with-extension", help="Run the planned TEB extension Albino-Vertova.")
]
PeakOpt = Annotated[
    bool | None,
    typer.Option(
        "--peak/--off-peak",
        help="Override the TEB headway of the period (--time-of-day): weekday peak or "
        "off-peak (published values in layers/default/teb_service.yaml). A headway other "
        "than the period's own makes a mixed run ('tram-peak', 'tram-off-peak'), recorded "
        "as such. Default: the period's.",
        show_default=False,
    ),
]
SpeedsOpt = Annotated[
    Path | None,
    typer.Option(
        "--speeds",
        help="A speed profile (YAML) written by 'seriana calibrate'. Default: the territory's "
        "calibrated profile (layers/default/speeds.yaml for the embedded default).",
        show_default=False,
    ),
]


OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--overwrite", help="Replace the run's existing results (database layers, CSV, GeoTIFF)."
    ),
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
        help="Walks to and from the TEB: over a pedestrian network ('roads': OpenStreetMap's "
        "footways, paths, crossings and streets when the roads come from OSM, else the walkable "
        "roads), as straight lines x 1.3 ('straight'), or 'auto': on the network when the "
        "roads come from OpenStreetMap or an OSM file, straight on the embedded strategic "
        "network (main roads only).",
    ),
]


def _profile_file(area: StudyArea, speeds: Path | None) -> Path | None:
    """The speed profile file a run reads (for staleness), if any."""
    if speeds is not None:
        return speeds
    default = default_profile_path(embedded_dir(area))
    return default if default.is_file() else None


@report_errors
def accessibility(
    config: ConfigOpt = None,
    database: DatabaseOpt = DEFAULT_DATABASE,
    out: OutOpt = None,
    destinations: DestOpt = None,
    scenario: ScenarioOpt = None,
    with_extension: ExtOpt = False,
    peak: PeakOpt = None,
    cache: CacheOpt = DEFAULT_CACHE,
    overwrite: OverwriteOpt = False,
    walk: WalkOpt = Walk.auto,
    run: RunOpt = None,
    wait: WaitOpt = DEFAULT_WAIT_S,
    speeds: SpeedsOpt = None,
    time_of_day: TimeOfDayOpt = DEFAULT_TOD,
) -> None:
    area = load_study_area(config)
    dest_ids = _destinations(destinations, area)
    scen = load_scenario(scenario) if scenario is not None else None
    name = (
        check_run_name(run)
        if run is not None
        else accessibility_run_name(
            scenario=scen.name if scen else None,
            with_extension=with_extension,
            peak=peak,
            walk=walk.value,
            destinations=dest_ids,
            default_destinations=area.destinations,
            speeds=speeds,
            time_of_day=time_of_day.value,
        )
    )
    folder = out if out is not None else default_folder(name, "accessibility")
    cmd = command_line(
        "accessibility",
        ("--config", config),
        ("--database", database if database != DEFAULT_DATABASE else None),
        ("--out", out),
        ("--destinations", destinations),
        ("--scenario", scenario),
        ("--with-extension", with_extension),
        ("--peak", peak is True),
        ("--off-peak", peak is False),
        ("--walk", walk.value if walk != Walk.auto else None),
        ("--speeds", speeds),
        (
            "--time-of-day",
            time_of_day.value if time_of_day.value != DEFAULT_TIME_OF_DAY else None,
        ),
        ("--cache", cache if cache != DEFAULT_CACHE else None),
        ("--run", run),
    )
    with database_lock(database, command=cmd, wait=wait):
        layers = read_database(database)
        records = read_runs(database)
        check_new(records, name, "accessibility", overwrite=overwrite)
        check_accessibility_inputs(layers, dest_ids, where=str(database))
        present = [n for n in SITE_LAYERS if n in layers and len(layers[n])]
        files = accessibility_file_names(present, dest_ids, scenario=scen.name if scen else None)
        for f in files:
            check_writable(folder / f, overwrite=overwrite)
        graph, graph_source = load_road_graph(
            layers, area, cache_dir=cache, speeds=speeds, time_of_day=time_of_day.value
        )
        stage = accessibility_stage(
            layers,
            graph,
            destinations=dest_ids,
            with_extension=with_extension,
            params=run_transit_params(graph, area, peak=peak),
            scenario=scen,
            walk_graph=walk_network(
                graph,
                area,
                walk=walk.value,
                municipalities=layers.get("municipalities"),
                cache_dir=cache,
            ),
            graph_source=graph_source,
            run=name,
            records=records,
            job_loss=area.job_loss,
        )
        write_accessibility(
            stage,
            database=database,
            out=folder,
            config_hash=area.config_hash,
            run=name,
            overwrite=overwrite,
            command=cmd,
            options={
                "destinations": dest_ids,
                "scenario": str(scenario) if scenario else None,
                "with_extension": with_extension,
                "walk": walk.value,
                "road_graph": graph_source,
                "speeds": str(speeds) if speeds else None,
                # the period the times assume (a scenario may override the headway)
                **stage.result.period.options(),
            },
            # the job-loss scenario gives the brownfields' jobs_lost_reach (the territory's,
            # else the shipped one); the speed profile times the roads
            files=[
                f
                for f in (
                    scenario,
                    area.config_path,
                    area.job_loss or default_scenario_path(),
                    _profile_file(area, speeds),
                )
                if f is not None
            ],
        )
    counts = ", ".join(f"{n} {len(g)}" for n, g in stage.layers.items())
    where = (
        ""
        if name == BASE
        else f" as run {name!r} (layers "
        + ", ".join(layer_name(n, name) for n in stage.database_layers)
        + ")"
    )
    done(
        f"{database}: accessibility columns for {counts}; isochrones "
        f"{len(stage.result.isochrones)}{where}"
    )
    done(f"period: {stage.result.period.label}")
    done(f"CSV files and rasters in {folder}")
    if name != BASE:
        done(f"score the sites on these times with `seriana suitability --run {name}`")
