"""Batch runs: the whole chain for many territories and scenarios, as tasks on a dask cluster.

Each job is one territory (a study-area configuration) with or without one
scenario. A job runs the chain the commands run, through the same library
functions: the territorial database's layers (:func:`~seriana_gis.build.load_territory`),
the road graph, accessibility (with a scenario, the scenario's own times and
their ``delta_*`` changes; :func:`~seriana_gis.accessibility.pipeline.accessibility_stage`),
suitability on those times with its Monte Carlo and the allocation
(:func:`~seriana_gis.suitability.pipeline.suitability_stage`). A job writes
nothing on the worker except the download cache of ``kind: osm`` sources; its
layers and tables come back to the client, which gathers every job's rows into
one GeoPackage and one GeoParquet file per layer, each row tagged with its
``run`` (the job's name), ``territory`` and ``scenario``.

Jobs run on a dask.distributed cluster: a :class:`~distributed.LocalCluster`
of worker processes on this machine by default, or the scheduler at an address
(``tcp://host:8786``). Every worker needs seriana_gis installed (the same
version) and can read the configuration, scenario and data files the jobs name
(the same paths: a shared folder, or the same checkout on each machine), and a
writable cache folder (``cache_dir``; for ``kind: osm`` sources, fill it once
with ``seriana fetch`` and share it, or let each worker download once).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ._errors import ConfigError, SerianaError
from ._io import atomic_path, check_writable
from .accessibility import load_scenario
from .accessibility.pipeline import (
    accessibility_stage,
    load_road_graph,
    run_transit_params,
    walk_network,
)
from .build import DEFAULT_CACHE, load_territory
from .config import load_study_area
from .database import provenance_frame, write_database
from .network.profile import DEFAULT_TIME_OF_DAY
from .suitability import load_allocation, load_profiles
from .suitability.pipeline import suitability_stage

logger = logging.getLogger(__name__)

#: The spatial layers gathered from every job (when the job produced them).
BATCH_LAYERS: tuple[str, ...] = ("brownfields", "municipalities", "tourism_assets", "isochrones")
#: The tables gathered from every job (and ``sources``, every job's provenance rows).
BATCH_TABLES: tuple[str, ...] = ("stability", "summary", "targets")
#: Columns added to every gathered row.
RUN_COLUMNS: tuple[str, ...] = ("run", "territory", "scenario")

#: How long to wait for a scheduler given by its address (s).
SCHEDULER_TIMEOUT_S = 20

_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class BatchJob:
    """One run of the chain: a territory, and a scenario or none.

    Attributes
    ----------
    name
        Unique name of the run (``{territory}`` or ``{territory}__{scenario}``).
    config
        The study-area configuration file (None: the shipped Seriana Valley).
    scenario
        The scenario file, or None for the base run.
    """

    name: str
    config: Path | None
    scenario: Path | None = None


@dataclass(frozen=True)
class BatchSettings:
    """What every job shares.

    Attributes
    ----------
    draws, seed
        Monte Carlo draws per profile and seed.
    cache_dir
        Download cache on the workers (``kind: osm`` sources).
    analyses, allocation
        A folder of suitability profiles and an allocation file (None: the shipped ones).
    time_of_day
        The period of every run: the road times and the TEB headway of the same hour
        (:mod:`seriana_gis.accessibility.period`).
    """

    draws: int = 1000
    seed: int = 0
    cache_dir: Path = DEFAULT_CACHE
    analyses: Path | None = None
    allocation: Path | None = None
    time_of_day: str = DEFAULT_TIME_OF_DAY


@dataclass
class JobResult:
    """What one job sends back: its layers and tables, tagged with the run."""

    job: BatchJob
    territory: str
    scenario: str
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    provenance: pd.DataFrame = field(default_factory=pd.DataFrame)
    seconds: float = 0.0


def _safe(text: str) -> str:
    return _NAME.sub("_", text).strip("_") or "run"


def batch_jobs(
    configs: Sequence[Path | None], scenarios: Sequence[Path] = (), *, base: bool = True
) -> list[BatchJob]:
    """One job per territory and scenario, checked before anything runs.

    Every configuration and scenario file is read and validated here, so a bad
    file stops the batch at once with its message, not on a worker later.

    Parameters
    ----------
    configs
        Study-area configuration files (None: the shipped Seriana Valley).
    scenarios
        Scenario files; each territory runs each of them.
    base
        Also run each territory without a scenario.

    Returns
    -------
    list of BatchJob

    Raises
    ------
    ConfigError
        No job, an invalid file, or two runs with the same name.
    """
    if not configs:
        msg = "no territory given; name at least one study-area configuration file."
        raise ConfigError(msg)
    scen_names = [load_scenario(s).name for s in scenarios]
    if not base and not scenarios:
        msg = "--no-base leaves nothing to run; give at least one --scenario."
        raise ConfigError(msg)
    jobs: list[BatchJob] = []
    for cfg in configs:
        area = load_study_area(cfg)
        if base:
            jobs.append(BatchJob(name=_safe(area.name), config=cfg))
        for path, sname in zip(scenarios, scen_names, strict=True):
            jobs.append(
                BatchJob(name=f"{_safe(area.name)}__{_safe(sname)}", config=cfg, scenario=path)
            )
    seen: dict[str, BatchJob] = {}
    for job in jobs:
        if job.name in seen:
            msg = (
                f"two runs are named {job.name!r} ({seen[job.name].config} and {job.config}): "
                "give each territory its own 'name' in its configuration file."
            )
            raise ConfigError(msg)
        seen[job.name] = job
    return jobs


def run_job(job: BatchJob, settings: BatchSettings) -> JobResult:
    """Run the chain for one job (on a worker, or here).

    Parameters
    ----------
    job
        The territory and scenario.
    settings
        Draws, seed, cache and profile files.

    Returns
    -------
    JobResult
        The job's layers (``brownfields`` with every accessibility, suitability,
        Monte Carlo, allocation and scenario column; ``municipalities``,
        ``tourism_assets`` with their accessibility; ``isochrones``) and tables
        (``stability``, ``summary`` per municipality, allocation ``targets``).
    """
    t0 = time.perf_counter()
    area = load_study_area(job.config)
    territory = load_territory(area, cache_dir=settings.cache_dir)
    layers = dict(territory.layers)
    graph, graph_source = load_road_graph(
        layers, area, cache_dir=settings.cache_dir, time_of_day=settings.time_of_day
    )
    scenario = load_scenario(job.scenario) if job.scenario is not None else None
    acc = accessibility_stage(
        layers,
        graph,
        destinations=list(area.destinations),
        params=run_transit_params(graph, area),
        scenario=scenario,
        walk_graph=walk_network(graph, area),
        graph_source=graph_source,
        job_loss=area.job_loss,
    )
    layers.update(acc.database_layers)
    suit = suitability_stage(
        layers,
        load_profiles(settings.analyses),
        allocation=load_allocation(settings.allocation),
        seed=settings.seed,
        n_draws=settings.draws,
    )
    out_layers = {
        name: acc.database_layers[name] for name in BATCH_LAYERS if name in acc.database_layers
    }
    out_layers["brownfields"] = suit.brownfields
    tables = {
        "stability": suit.result.stability.reset_index(),
        "summary": suit.summary.reset_index(),
        "targets": suit.allocation.targets.reset_index(),
    }
    # where every input layer came from, and what the run computed on it
    prov = territory.provenance_frame()
    prov["note"] = [
        f"{n} | {acc.note}; {suit.note}".strip(" |") if layer in out_layers else n
        for layer, n in zip(prov["layer"], prov["note"], strict=True)
    ]
    return JobResult(
        job=job,
        territory=area.name,
        scenario=scenario.name if scenario is not None else "",
        layers=out_layers,
        tables=tables,
        provenance=prov,
        seconds=time.perf_counter() - t0,
    )


def _tag(frame: pd.DataFrame, result: JobResult) -> pd.DataFrame:
    tags = {"run": result.job.name, "territory": result.territory, "scenario": result.scenario}
    clash = [c for c in RUN_COLUMNS if c in frame.columns]
    body = frame.drop(columns=clash).reset_index(drop=True)
    return pd.concat([pd.DataFrame(tags, index=body.index), body], axis=1)


def gather(
    results: Iterable[JobResult],
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, pd.DataFrame]]:
    """Every job's layers and tables, one frame each, tagged with ``run``, ``territory``, ``scenario``.

    Parameters
    ----------
    results
        The jobs' results (in the order wanted in the outputs).

    Returns
    -------
    tuple of dict
        Layers (GeoDataFrames in the first job's CRS) and tables, among them
        ``sources``: every job's provenance rows (source, licence, attribution
        of each input layer and the run's note). Columns one job has and another
        lacks are empty in the other's rows.
    """
    results = list(results)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in BATCH_LAYERS:
        parts = [(r, r.layers[name]) for r in results if name in r.layers and len(r.layers[name])]
        if not parts:
            continue
        crs = parts[0][1].crs
        frames = []
        for r, gdf in parts:
            g = gdf.to_crs(crs) if gdf.crs != crs else gdf
            tagged = _tag(pd.DataFrame(g.drop(columns=g.geometry.name)), r)
            frames.append(gpd.GeoDataFrame(tagged, geometry=g.geometry.to_numpy(), crs=crs))
        layers[name] = gpd.GeoDataFrame(
            pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs
        )
    tables = {
        name: pd.concat(
            [_tag(r.tables[name], r) for r in results if name in r.tables], ignore_index=True
        )
        for name in BATCH_TABLES
        if any(name in r.tables for r in results)
    }
    tables["sources"] = pd.concat([_tag(r.provenance, r) for r in results], ignore_index=True)
    return layers, tables


def write_batch(
    layers: Mapping[str, gpd.GeoDataFrame],
    tables: Mapping[str, pd.DataFrame],
    out: Path,
    *,
    overwrite: bool = False,
) -> list[Path]:
    """Write the gathered results: ``out/batch.gpkg`` and one GeoParquet / Parquet file per frame.

    The GeoPackage holds every layer and table and a ``provenance`` table (as
    the territorial database does); each file is written atomically.

    Parameters
    ----------
    layers, tables
        From :func:`gather`.
    out
        The output folder (created if needed).
    overwrite
        Replace existing files.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    gpkg = out / "batch.gpkg"
    parquet = [out / f"{name}.parquet" for name in [*layers, *tables]]
    for p in [gpkg, *parquet]:
        check_writable(p, overwrite=overwrite)
    runs = sorted({str(r) for frame in layers.values() for r in frame["run"]})
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    prov = provenance_frame(
        {
            "layer": name,
            "source": f"seriana batch: {len(runs)} run(s): {', '.join(runs)}",
            "licence": "as the input layers (table 'sources')",
            "attribution": "seriana_gis; the input layers' (table 'sources')",
            "retrieved": now,
            "edition": now[:10],
            "feature_count": len(frame),
            "note": "rows tagged with run, territory and scenario",
        }
        for name, frame in {**layers, **tables}.items()
    )
    write_database({**layers, **tables}, gpkg, provenance=prov, overwrite=overwrite)
    for name, gdf in layers.items():
        with atomic_path(out / f"{name}.parquet", overwrite=overwrite) as tmp:
            gdf.to_parquet(tmp, index=False)
    for name, table in tables.items():
        with atomic_path(out / f"{name}.parquet", overwrite=overwrite) as tmp:
            table.to_parquet(tmp, index=False)
    return [gpkg, *parquet]


def run_batch(
    jobs: Sequence[BatchJob],
    settings: BatchSettings,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    on_done: Callable[[JobResult], None] | None = None,
) -> tuple[list[JobResult], dict[str, BaseException]]:
    """Run the jobs as tasks on a dask cluster and collect their results.

    Parameters
    ----------
    jobs
        From :func:`batch_jobs`.
    settings
        What every job shares.
    scheduler
        The address of a running dask scheduler (``tcp://host:8786``); None
        starts a :class:`~distributed.LocalCluster` of ``workers`` processes
        (one thread each) for the duration of the call.
    workers
        Worker processes of the local cluster.
    on_done
        Called with each result as its job finishes (progress).

    Returns
    -------
    tuple
        The results in the jobs' order (failed jobs left out), and the error of
        each failed job by name.

    Raises
    ------
    SerianaError
        The scheduler cannot be reached.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler is None:
            # one thread per worker; each job's routing uses SERIANA_THREADS threads
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                # no dashboard, and its HTTP server on a free port rather than 8787 (a
                # second cluster on the machine would otherwise warn and move)
                dashboard_address=None,
                scheduler_kwargs={"dashboard_address": ":0"},
            )
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S}s")
            except OSError as exc:
                msg = (
                    f"cannot reach the dask scheduler at {scheduler} ({exc}); start it "
                    "(dask scheduler) and its workers (dask worker ADDRESS), or leave "
                    "--scheduler out to run on a local cluster."
                )
                raise SerianaError(msg) from exc
        with client:
            futures = {
                client.submit(
                    run_job, job, settings, key=f"seriana-batch-{job.name}", pure=False
                ): job
                for job in jobs
            }
            done: dict[str, JobResult] = {}
            errors: dict[str, BaseException] = {}
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # a job's failure is reported, the others go on
                    errors[job.name] = exc
                    logger.error("batch job %s failed: %s", job.name, exc)
                    continue
                done[job.name] = res
                if on_done is not None:
                    on_done(res)
    finally:
        if cluster is not None:
            cluster.close()
    return [done[j.name] for j in jobs if j.name in done], errors
