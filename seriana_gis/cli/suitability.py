"""``seriana suitability``: score, rank and allocate the brownfields."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import geopandas as gpd
import typer

from .._errors import DataError
from .._io import atomic_path, check_writable
from ..database import (
    DEFAULT_DATABASE,
    provenance_frame,
    read_database,
    read_provenance,
    update_database,
)
from ..suitability import allocate, load_allocation, load_profiles, run_suitability
from ..suitability.run import municipality_summary
from ._common import DatabaseOpt, done, report_errors

HELP = """\
Score and rank every brownfield for each suitability profile (analyses/*.yaml:
logistics, services, social_housing, and any profile you add), test the
ranking with a Monte Carlo over the weights, and allocate one use per site to
reach the study's job and dwelling targets (analyses/allocation.yaml). Needs
the accessibility columns: run `seriana accessibility` first.

Examples:

  seriana suitability

  seriana suitability --profile logistics --draws 5000 --seed 7 --overwrite

  seriana suitability --analyses my_profiles/ --allocation my_targets.yaml
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
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for the CSV files.")]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace existing CSV outputs.")]
CSV_FILES = (
    "scores",
    "robustness",
    "stability",
    "allocation",
    "allocation_targets",
    "municipalities",
)


@report_errors
def suitability(
    database: DatabaseOpt = DEFAULT_DATABASE,
    profile: ProfileOpt = None,
    analyses: AnalysesOpt = None,
    allocation: AllocationOpt = None,
    draws: DrawsOpt = 1000,
    seed: SeedOpt = 0,
    out: OutOpt = Path("data") / "suitability",
    overwrite: OverwriteOpt = False,
) -> None:
    for name in CSV_FILES:
        check_writable(out / f"{name}.csv", overwrite=overwrite)
    layers = read_database(database)
    sites = layers["brownfields"].set_index("id")
    if not any(c.endswith("_min") for c in sites.columns):
        msg = (
            f"{database}: the brownfields have no travel-time columns (car_bgy_min, ...). "
            "Run `seriana accessibility` first."
        )
        raise DataError(msg)
    profiles = load_profiles(analyses, names=profile)
    result = run_suitability(sites, profiles, seed=seed, n_draws=draws, layers=layers)
    alloc = allocate(result.scores.join(sites[["area_m2"]]), load_allocation(allocation))
    summary = municipality_summary(result, sites)
    new_cols = result.scores.join(result.robustness).join(alloc.assignment.add_prefix("alloc_"))
    keep = [c for c in sites.columns if c not in new_cols.columns]
    merged = gpd.GeoDataFrame(sites[keep].join(new_cols), geometry="geometry", crs=sites.crs)
    merged = merged.reset_index()
    old = read_provenance(database).set_index("layer")
    row = old.loc["brownfields"].to_dict() if "brownfields" in old.index else {}
    row.update(
        layer="brownfields",
        feature_count=len(merged),
        note=f"{row.get('note', '')} + suitability ({', '.join(profiles)}; seed {seed}, "
        f"{draws} Monte Carlo draws): {alloc.message}".lstrip(" +"),
    )
    prov = provenance_frame([row])
    update_database(database, {"brownfields": merged}, provenance=prov)
    tables = (
        result.scores,
        result.robustness,
        result.stability,
        alloc.assignment,
        alloc.targets.set_index("target"),
        summary,
    )
    for name, table in zip(CSV_FILES, tables, strict=True):
        with atomic_path(out / f"{name}.csv", overwrite=True) as tmp:
            table.to_csv(tmp, index=True)
    done(
        f"suitability of {len(sites)} sites for {', '.join(profiles)} written to {database} and {out}/"
    )
    done(f"allocation: {alloc.message}")
