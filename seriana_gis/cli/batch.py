"""``seriana batch``: the whole chain for many territories and scenarios on a dask cluster."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from .._errors import SerianaError
from .._io import check_writable
from ..batch import BatchSettings, JobResult, batch_jobs, gather, run_batch, write_batch
from ..build import DEFAULT_CACHE
from ._common import DEFAULT_TOD, CacheOpt, TimeOfDayOpt, done, report_errors

logger = logging.getLogger(__name__)

HELP = """\
Run the whole chain (build, accessibility, scenarios, suitability with its
Monte Carlo, allocation) for several territories and scenarios as tasks on a
dask cluster, and gather the results of every run in one GeoPackage
(batch.gpkg) and one GeoParquet file per layer, each row tagged with its run,
territory and scenario.

Each CONFIG is a study-area configuration file (one territory); each
--scenario is run on every territory, beside its base run. Without
--scheduler the jobs run on a local cluster of --workers processes; with
--scheduler ADDRESS on a running dask cluster, whose workers need
seriana_gis installed and the same input paths and cache folder.

Examples:

  seriana batch layers/seriana.yaml my_valley.yaml --out data/batch

  seriana batch layers/seriana.yaml -s analyses/scenarios/ss671_closed.yaml --draws 200

  seriana batch layers/seriana.yaml --time-of-day am_peak   # roads and tram at the peak

  seriana batch a.yaml b.yaml c.yaml --scheduler tcp://10.0.0.5:8786 --cache /shared/cache
"""

ConfigsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Study-area configuration files, one per territory (default: the shipped Seriana Valley).",
        show_default=False,
    ),
]


@report_errors
def batch(
    configs: ConfigsArg = None,
    scenario: Annotated[
        list[Path] | None,
        typer.Option(
            "--scenario",
            "-s",
            help="A scenario file, run on every territory (repeat).",
            show_default=False,
        ),
    ] = None,
    base: Annotated[
        bool, typer.Option("--base/--no-base", help="Also run each territory without a scenario.")
    ] = True,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for batch.gpkg and the GeoParquet files.")
    ] = Path("data") / "batch",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Address of a running dask scheduler (tcp://host:8786); default: a local cluster.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes of the local cluster.")
    ] = 2,
    draws: Annotated[
        int, typer.Option("--draws", min=0, help="Monte Carlo draws per profile (0 skips it).")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Monte Carlo seed.")] = 0,
    cache: CacheOpt = DEFAULT_CACHE,
    time_of_day: TimeOfDayOpt = DEFAULT_TOD,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace existing outputs.")
    ] = False,
) -> None:
    territories: list[Path | None] = list(configs) if configs else [None]
    jobs = batch_jobs(territories, list(scenario or []), base=base)
    check_writable(out / "batch.gpkg", overwrite=overwrite)
    settings = BatchSettings(
        draws=draws, seed=seed, cache_dir=cache.resolve(), time_of_day=time_of_day.value
    )
    where = scheduler or f"a local cluster of {workers} worker processes"
    logger.info("%d run(s) on %s: %s", len(jobs), where, ", ".join(j.name for j in jobs))

    def report(res: JobResult) -> None:
        done(f"{res.job.name}: done in {res.seconds:.1f} s")

    results, errors = run_batch(
        jobs, settings, scheduler=scheduler, workers=workers, on_done=report
    )
    if results:
        layers, tables = gather(results)
        written = write_batch(layers, tables, out, overwrite=overwrite)
        done(
            f"{len(results)} run(s) gathered in {written[0]} and {len(written) - 1} GeoParquet/Parquet file(s) in {out}"
        )
    if errors:
        lines = "; ".join(f"{name}: {exc}" for name, exc in errors.items())
        msg = f"{len(errors)} of {len(jobs)} run(s) failed: {lines}"
        raise SerianaError(msg)
