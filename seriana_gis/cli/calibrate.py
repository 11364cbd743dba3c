"""``seriana calibrate``: fit the road travel-time model to observed trips, write a speed profile."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from .._errors import DataError
from .._io import atomic_path, check_writable
from ..accessibility.pipeline import load_road_graph
from ..build import DEFAULT_CACHE
from ..calibration import (
    FOLDS,
    TARGET_MAX_PCT,
    TARGET_MEDIAN_PCT,
    build_problem,
    calibrate,
    evaluate,
    read_trips,
)
from ..calibration.floor import data_floors, floor_lines, scatter_lines, source_scatter
from ..calibration.report import (
    calibration_record,
    check_lines,
    file_sha256,
    summary_lines,
    trip_lines,
    trips_label,
)
from ..config import load_study_area
from ..database import DEFAULT_DATABASE, read_database, read_provenance
from ..network import graph_from_osm_file
from ..network.profile import load_speed_profile, write_speed_profile
from ..sources.embedded import embedded_dir
from ._common import CacheOpt, ConfigOpt, DatabaseOpt, done, out_console, report_errors

logger = logging.getLogger(__name__)

HELP = """\
Fit the road travel-time model (speed factors by road group and setting,
junction delays, morning-peak factors) to observed car trips by bounded least
squares, report every trip's error before and after the fit and held out
(k-fold cross-validation), and write a speed profile (YAML) that
'seriana accessibility --speeds FILE' uses.

The trips are the embedded reference trips (layers/default/reference_trips.csv)
unless --trips names your own CSV (a survey, floating-car data, an export from
a routing service: same columns, see the user guide). The road network is the
database's (seriana build).

Examples:

  seriana calibrate

  seriana calibrate --trips my_survey.csv --out data/my_speeds.yaml

  seriana calibrate --check-network bergamo.osm.pbf   # the fitted profile on a real OSM network
"""

TripsOpt = Annotated[
    Path | None,
    typer.Option(
        "--trips",
        help="Observed trips (CSV). Default: the embedded reference trips.",
        show_default=False,
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="The speed profile to write (YAML).")]
ReportOpt = Annotated[
    Path, typer.Option("--report", help="Per-trip errors before, after and held out (CSV).")
]
FoldsOpt = Annotated[int, typer.Option("--folds", help="Cross-validation folds.", min=2)]
StartOpt = Annotated[
    Path | None,
    typer.Option(
        "--start",
        help="Start from (and report 'before' as) this speed profile instead of the priors.",
        show_default=False,
    ),
]
CheckOpt = Annotated[
    Path | None,
    typer.Option(
        "--check-network",
        help="Also apply the fitted profile to this OSM file (.osm, .osm.bz2, .osm.pbf) and "
        "report the trips that lie inside it.",
        show_default=False,
    ),
]
OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="Replace an existing profile and report.")
]


@report_errors
def calibrate_cmd(
    config: ConfigOpt = None,
    database: DatabaseOpt = DEFAULT_DATABASE,
    trips: TripsOpt = None,
    out: OutOpt = Path("data") / "speeds.yaml",
    report: ReportOpt = Path("data") / "calibration_trips.csv",
    folds: FoldsOpt = FOLDS,
    start: StartOpt = None,
    check_network: CheckOpt = None,
    cache: CacheOpt = DEFAULT_CACHE,
    overwrite: OverwriteOpt = False,
) -> None:
    area = load_study_area(config)
    trips_path = trips if trips is not None else embedded_dir(area) / "reference_trips.csv"
    for p in (out, report):
        check_writable(p, overwrite=overwrite)
    table = read_trips(trips_path)
    layers = read_database(database)
    for name in ("municipalities", "destinations"):
        if name not in layers or len(layers[name]) == 0:
            msg = f"{database} has no {name} layer; build the database first (seriana build)."
            raise DataError(msg)
    graph, graph_source = load_road_graph(layers, area, cache_dir=cache)
    prov = read_provenance(database)
    roads = prov[prov["layer"] == "road_edges"]
    network = str(roads["source"].iloc[0]) if len(roads) else graph_source
    problem, excluded = build_problem(
        graph, table, layers["municipalities"], layers["destinations"]
    )
    start_profile = load_speed_profile(start) if start is not None else None
    result = calibrate(
        problem,
        start=start_profile,
        folds=min(folds, problem.obs.loc[problem.fitted(), "trip_id"].nunique()),
        name=f"{area.name}-calibrated",
        description=f"fitted by seriana calibrate to {trips_path.name} on {network}",
    )
    result.excluded = excluded
    for tid, why in excluded.items():
        out_console.print(f"not fitted: {tid}, {why}", markup=False)
    record = calibration_record(
        result, trips=trips_label(trips_path), trips_sha256=file_sha256(trips_path), network=network
    )
    profile = replace(result.profile, calibration=record)
    for line in trip_lines(result.table):
        out_console.print(line, markup=False)
    for line in summary_lines(result):
        out_console.print(line, markup=False)
    for line in floor_lines(data_floors(result.table), target_max_pct=TARGET_MAX_PCT):
        out_console.print(line, markup=False)
    for line in scatter_lines(source_scatter(result.table), target_median_pct=TARGET_MEDIAN_PCT):
        out_console.print(line, markup=False)
    write_speed_profile(profile, out, overwrite=overwrite)
    with atomic_path(report, overwrite=overwrite) as tmp:
        pd.DataFrame(result.table).to_csv(tmp, index=False)
    done(f"speed profile written to {out} (use: seriana accessibility --speeds {out})")
    done(f"per-trip errors in {report}")
    if check_network is not None:
        other = graph_from_osm_file(check_network)
        try:
            check_problem, _ = build_problem(
                other, table, layers["municipalities"], layers["destinations"], only_inside=True
            )
        except DataError as exc:  # no trip inside that network: nothing to check, say so
            out_console.print(f"check on {check_network}: {exc}", markup=False)
            return
        checked = evaluate(check_problem, profile)
        for line in check_lines(checked, profile, network=str(check_network)):
            out_console.print(line, markup=False)
