"""``seriana suitability``: score, rank and allocate the brownfields."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Annotated, Any

import geopandas as gpd
import typer

from .._errors import ConfigError, DataError
from .._io import check_writable
from ..database import DEFAULT_DATABASE, read_database
from ..lock import DEFAULT_WAIT_S, database_lock
from ..runs import (
    BASE,
    check_new,
    check_run_name,
    default_folder,
    find,
    layer_name,
    read_runs,
    run_layers,
)
from ..sources.files import read_vector
from ..suitability import load_allocation, load_profiles
from ..suitability.allocation import check_use_profiles
from ..suitability.pipeline import (
    SUITABILITY_TABLES,
    suitability_run_name,
    suitability_sites,
    suitability_stage,
    write_suitability,
)
from ..suitability.profile import profile_files
from ._common import (
    DatabaseOpt,
    RunOpt,
    WaitOpt,
    command_line,
    done,
    report_errors,
    warn_if_stale,
)

logger = logging.getLogger(__name__)

HELP = """\
Score and rank every brownfield for each suitability profile (analyses/*.yaml:
logistics, services, social_housing, and any profile you add), test the
ranking with a Monte Carlo over the weights, and allocate one use per site to
reach the study's job and dwelling targets (analyses/allocation.yaml). Needs
the accessibility columns: run `seriana accessibility` first.

With the shipped profiles and targets the results are the base run (layer
brownfields, data/suitability/). Another profile folder or other targets
make a named run beside it (brownfields__NAME, data/runs/NAME/); --profile
updates some profiles in the same run. --run NAME scores the travel times of
the accessibility run NAME when there is one (e.g. --run extension). A run's
results are replaced only with --overwrite. See `seriana runs` and
`seriana status`.

Examples:

  seriana suitability

  seriana suitability --run extension      # on the travel times of run 'extension'

  seriana suitability --profile logistics --draws 5000 --seed 7 --overwrite

  seriana suitability --analyses my_profiles/ --allocation my_targets.yaml

  seriana suitability --analyses dem_profiles/ --raster slope=slope_32632.tif

  seriana suitability --analyses my_profiles/ --layer flood_hazard=pai_bergamo.gpkg
"""

ProfileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--profile", "-p", help="Profile to run, repeatable (default: all).", show_default=False
    ),
]
AnalysesOpt = Annotated[
    Path | None,
    typer.Option(
        "--analyses",
        help="Folder of profile YAML files (default: the shipped analyses/).",
        show_default=False,
    ),
]
AllocationOpt = Annotated[
    Path | None,
    typer.Option(
        "--allocation",
        help="Allocation scenario YAML (default: analyses/allocation.yaml).",
        show_default=False,
    ),
]
DrawsOpt = Annotated[
    int, typer.Option("--draws", help="Monte Carlo draws per profile (0 skips).", min=0)
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the Monte Carlo draws.")]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Folder for the CSV files (default: data/suitability for the base run, "
        "data/runs/NAME/suitability for a named run).",
        show_default=False,
    ),
]
OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="Replace the run's existing results (layer and CSV).")
]
RasterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--raster",
        help="A raster a profile reads, as NAME=PATH (e.g. slope=slope_32632.tif); repeatable.",
        show_default=False,
    ),
]


LayerOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--layer",
        help="An extra vector layer a profile reads, as NAME=PATH (e.g. a flood-hazard "
        "area for 'exclude_intersecting: [flood_hazard]'); repeatable.",
        show_default=False,
    ),
]


def _read_layers(specs: list[str], *, crs: str) -> dict[str, gpd.GeoDataFrame]:
    """Read ``NAME=PATH`` vector layers, reprojected to the sites' CRS."""
    out: dict[str, gpd.GeoDataFrame] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            msg = f"--layer {spec!r}: expected NAME=PATH, e.g. --layer flood_hazard=pai.gpkg."
            raise ConfigError(msg)
        gdf = read_vector(path)
        if gdf.crs is None:
            msg = (
                f"--layer {name}: {path} has no CRS; set it (QGIS: Layer > Set CRS) and save again."
            )
            raise DataError(msg)
        out[name] = gdf.to_crs(crs)
    return out


def _open_rasters(specs: list[str], stack: contextlib.ExitStack) -> dict[str, Any]:
    """Open ``NAME=PATH`` rasters for the run; errors name the option and the file."""
    import rasterio

    out: dict[str, Any] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            msg = f"--raster {spec!r}: expected NAME=PATH, e.g. --raster slope=slope_32632.tif."
            raise ConfigError(msg)
        try:
            out[name] = stack.enter_context(rasterio.open(path))
        except rasterio.errors.RasterioIOError as exc:
            msg = f"--raster {name}: cannot open {path} as a raster ({exc})."
            raise DataError(msg) from None
    return out


@report_errors
def suitability(
    database: DatabaseOpt = DEFAULT_DATABASE,
    profile: ProfileOpt = None,
    analyses: AnalysesOpt = None,
    allocation: AllocationOpt = None,
    draws: DrawsOpt = 1000,
    seed: SeedOpt = 0,
    out: OutOpt = None,
    overwrite: OverwriteOpt = False,
    raster: RasterOpt = None,
    layer: LayerOpt = None,
    run: RunOpt = None,
    wait: WaitOpt = DEFAULT_WAIT_S,
) -> None:
    profiles = load_profiles(analyses, names=profile)
    config = load_allocation(allocation)
    check_use_profiles(config, profile_files(analyses))
    name = (
        check_run_name(run)
        if run is not None
        else suitability_run_name(analyses=analyses, allocation=allocation)
    )
    folder = out if out is not None else default_folder(name, "suitability")
    for table in SUITABILITY_TABLES:
        check_writable(folder / f"{table}.csv", overwrite=overwrite)
    cmd = command_line(
        "suitability",
        ("--database", database if database != DEFAULT_DATABASE else None),
        ("--profile", profile),
        ("--analyses", analyses),
        ("--allocation", allocation),
        ("--draws", draws if draws != 1000 else None),
        ("--seed", seed if seed != 0 else None),
        ("--out", out),
        ("--raster", raster),
        ("--layer", layer),
        ("--run", run),
    )
    with database_lock(database, command=cmd, wait=wait):
        records = read_runs(database)
        check_new(records, name, "suitability", overwrite=overwrite)
        upstream = name if find(records, name, "accessibility") is not None else BASE
        base = read_database(database)
        warn_if_stale(database, stages=[(upstream, "accessibility")], layers=base)
        layers = base if upstream == BASE else {**base, **run_layers(database, upstream)}
        sites = suitability_sites(layers, where=str(database))
        extra = _read_layers(layer or [], crs=str(sites.crs))
        with contextlib.ExitStack() as stack:
            rasters = _open_rasters(raster or [], stack)
            stage = suitability_stage(
                {**layers, **extra},
                profiles,
                allocation=config,
                seed=seed,
                n_draws=draws,
                rasters=rasters,
                where=str(database),
                upstream=upstream,
                run=name,
                records=records,
                known=list(profile_files(analyses)),
            )
        write_suitability(
            stage,
            database=database,
            out=folder,
            run=name,
            overwrite=overwrite,
            command=cmd,
            options={
                "profiles": list(profiles),
                "analyses": str(analyses) if analyses else None,
                "allocation": str(allocation) if allocation else None,
                "draws": draws,
                "seed": seed,
                "travel_times": upstream,
            },
            files=[spec.partition("=")[2] for spec in (*(layer or []), *(raster or []))],
        )
    stored = layer_name("brownfields", name)
    run_note = "" if name == BASE else f" as run {name!r} (travel times of run {upstream!r})"
    done(
        f"suitability of {len(stage.brownfields)} sites for {', '.join(profiles)} written to "
        f"{database} (layer {stored}){run_note} and {folder}/"
    )
    for note in stage.result.notes:
        done(note)
    done(stage.best_use_note)
    done(f"allocation: {stage.allocation.note}")
