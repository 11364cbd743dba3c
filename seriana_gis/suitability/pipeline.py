"""The suitability stage as ``seriana suitability`` and the notebooks run it.

:func:`~seriana_gis.suitability.run.run_suitability` scores and ranks; this
module adds what a command does around it, so that the command, the notebooks
and any batch runner share one implementation:

- :func:`suitability_sites`: the brownfields of the database, checked for
  accessibility columns;
- :func:`allocation_stage`: the allocation, or why it is skipped;
- :func:`stored_scores` and :func:`best_use_everywhere`: the best use over
  every profile the database holds, this run's and earlier runs';
- :func:`merge_results`: the result columns merged into the brownfields layer
  (one definition of the merge);
- :func:`suitability_stage`: all of it in one call;
- :func:`suitability_provenance` and :func:`write_suitability`: the database
  layer and the CSV files.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from .. import columns
from .._errors import DataError
from .._io import atomic_path, check_writable, staged_outputs
from ..database import provenance_frame, read_provenance
from ..runs import (
    BASE,
    RunRecord,
    find,
    layer_name,
    now,
    result_columns,
    slug,
    write_run,
)
from ..staleness import input_hashes, strip_suitability
from .allocation import AllocationConfig, AllocationResult, allocate, job_targets
from .profile import Profile, default_analyses_dir
from .run import SuitabilityResult, municipality_summary, run_suitability
from .score import best_use

logger = logging.getLogger(__name__)

#: The database layers suitability reads besides the brownfields (hashed for staleness).
SUITABILITY_INPUTS: tuple[str, ...] = ("municipalities", "teb_stops", "economy")
#: The CSV files of a suitability run (``{name}.csv`` in its output folder).
SUITABILITY_TABLES: tuple[str, ...] = (
    "scores",
    "robustness",
    "stability",
    "allocation",
    "allocation_targets",
    "municipalities",
)


def suitability_run_name(*, analyses: Path | None = None, allocation: Path | None = None) -> str:
    """The default name of a run: ``base`` with the shipped inputs, else one from the options.

    Examples: ``--analyses dem_profiles/`` gives ``dem_profiles``;
    ``--allocation my_targets.yaml`` gives ``my_targets``. Running some of the
    folder's profiles (``--profile``) updates them in the same run.
    """
    shipped = default_analyses_dir().resolve()
    parts = []
    if analyses is not None and Path(analyses).resolve() != shipped:
        parts.append(Path(analyses).resolve().name)
    if allocation is not None and Path(allocation).resolve() != shipped / "allocation.yaml":
        parts.append(Path(allocation).stem)
    return slug("_".join(parts)) if parts else BASE


def suitability_sites(
    layers: Mapping[str, gpd.GeoDataFrame], *, where: str = "the database"
) -> gpd.GeoDataFrame:
    """The brownfields indexed by ``id``, checked for accessibility columns.

    Parameters
    ----------
    layers
        The territorial database's layers (``brownfields`` with the columns
        ``seriana accessibility`` adds).
    where
        What the layers were read from, for the messages (the database's path).

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame (the layer is not changed).

    Raises
    ------
    DataError
        No brownfields layer, or no travel-time columns in it.
    """
    if "brownfields" not in layers:
        msg = f"{where} has no brownfields layer; rebuild it with `seriana build`."
        raise DataError(msg)
    sites = layers["brownfields"].set_index("id")
    if not columns.travel_time_columns(sites.columns):
        msg = (
            f"{where}: the brownfields have no travel-time columns (car_bgy_min, ...). "
            "Run `seriana accessibility` first."
        )
        raise DataError(msg)
    return sites


@dataclass(frozen=True)
class AllocationStage:
    """The allocation of a run, or why there is none.

    Attributes
    ----------
    result
        The allocation, or None when it was skipped.
    assignment
        On the sites' index: ``use``, ``score`` and one column per target
        (no columns when skipped).
    targets
        One row per target (empty when skipped).
    note
        The allocation's message, or why it was skipped.
    """

    result: AllocationResult | None
    assignment: pd.DataFrame
    targets: pd.DataFrame
    note: str


def site_zones(sites: gpd.GeoDataFrame, municipalities: gpd.GeoDataFrame) -> pd.Series:
    """The zone of the municipality each site's representative point lies in (NA outside)."""
    if "zone" not in municipalities.columns:
        msg = (
            "the municipalities layer has no zone column; rebuild the database with seriana build."
        )
        raise DataError(msg)
    pts = gpd.GeoDataFrame(
        geometry=sites.geometry.representative_point().to_crs(municipalities.crs),
        index=sites.index,
    )
    joined = gpd.sjoin(pts, municipalities[["zone", municipalities.geometry.name]], how="left")
    zone = joined["zone"].groupby(level=0).first()
    return zone.reindex(sites.index).astype("string").rename("zone")


def zone_job_targets(
    config: AllocationConfig, economy: gpd.GeoDataFrame | None
) -> AllocationConfig:
    """The allocation with its job targets set zone by zone, when the losses are municipal.

    With an ``economy`` layer by municipality (an ``employment`` source) the
    job-loss scenario's targets become one per zone (``service_jobs@lower_valley``,
    ...); otherwise the configuration's (the territory's) are kept.
    """
    from ..economy.geo import municipal_losses
    from ..economy.scenario import allocation_targets, load_scenario

    losses = municipal_losses(economy)
    if config.job_scenario is None or losses is None:
        return config
    scenario = load_scenario(config.job_scenario)
    return config.with_targets(job_targets(allocation_targets(scenario, losses)))


def allocation_stage(
    result: SuitabilityResult,
    sites: pd.DataFrame,
    config: AllocationConfig,
    *,
    municipalities: gpd.GeoDataFrame | None = None,
    stored: pd.DataFrame | None = None,
) -> AllocationStage:
    """Allocate one use per site, unless no run scored a profile the uses need.

    Parameters
    ----------
    result
        The scores of the run.
    sites
        The sites scored (for their area column).
    config
        The allocation scenario.
    municipalities
        The municipalities with their ``zone``, for targets by zone (the job
        targets of a job-loss scenario).
    stored
        The ``score_{p}`` columns of profiles an earlier run scored and this
        one did not (:func:`stored_scores`): the allocation uses them too.

    Returns
    -------
    AllocationStage
        Skipped (with a warning and a reason) when a use's profile has no
        scores, from this run or an earlier one, or when no target is left
        once the job targets of a job-loss scenario that does not describe
        the municipalities' zones are left out (:func:`fit_job_targets`).
    """
    config, left_out = fit_job_targets(config, municipalities)
    if not config.targets:
        note = f"allocation skipped: no target left. {left_out}"
        logger.warning(note)
        return AllocationStage(None, pd.DataFrame(index=result.scores.index), pd.DataFrame(), note)
    if left_out:
        logger.warning(left_out)
    stored = stored if stored is not None else pd.DataFrame(index=result.scores.index)
    have = set(result.profiles) | set(columns.profile_names(stored.columns))
    missing = sorted({u.profile for u in config.uses.values()} - have)
    if missing:
        # the allocation chooses among uses scored by profiles no run has scored
        note = (
            f"allocation skipped: its uses need the profile(s) {', '.join(missing)}, not scored "
            "yet; run them, or pass --allocation with uses for the profiles you run"
        )
        logger.warning(note)
        return AllocationStage(None, pd.DataFrame(index=result.scores.index), pd.DataFrame(), note)
    area = config.area_column
    scores = result.scores.join(stored)
    scores = scores.join(sites[[area]]) if area in sites.columns else scores
    if config.zoned:
        if municipalities is None or not isinstance(sites, gpd.GeoDataFrame):
            msg = "allocation: its targets by zone need the sites' geometry and the municipalities."
            raise DataError(msg)
        scores = scores.join(site_zones(sites, municipalities).rename(config.zone_column))
    alloc = allocate(scores, config)
    note = f"{left_out} {alloc.message}" if left_out else alloc.message
    return AllocationStage(alloc, alloc.assignment, alloc.targets, note)


def fit_job_targets(
    config: AllocationConfig, municipalities: gpd.GeoDataFrame | None
) -> tuple[AllocationConfig, str]:
    """The allocation without the job targets of a scenario that does not describe the zones.

    The job targets of ``job_targets:`` (the shipped ``job_loss.yaml`` is the
    Seriana Valley's) count the sites of the scenario's zones; on a territory
    without those zones they could never be reached, so they are left out and
    the allocation keeps the targets its file states.

    Parameters
    ----------
    config
        The allocation scenario.
    municipalities
        The municipalities with their ``zone`` (None: nothing is checked).

    Returns
    -------
    tuple
        The allocation to run, and the note saying what was left out and how
        to give a scenario for this territory ("" when nothing was).
    """
    from ..economy.scenario import left_out_note, load_scenario

    if config.job_scenario is None or municipalities is None:
        return config, ""
    if "zone" not in municipalities.columns:
        return config, ""  # allocation_stage says the zones are missing
    scenario = load_scenario(config.job_scenario)
    stated = config.without_job_targets()
    where = str(config.source) if config.source is not None else "the allocation"
    kept = ", ".join(stated.targets) or "none"
    note = left_out_note(
        scenario,
        municipalities["zone"].astype(str),
        what=f"job targets of {where} left out (kept the targets it states: {kept})",
        named_in="allocation",
    )
    return (config, "") if note is None else (stated, note)


def stored_scores(sites: pd.DataFrame, run: Sequence[str]) -> pd.DataFrame:
    """The ``score_{p}`` columns of the profiles an earlier run stored and this run does not redo.

    Parameters
    ----------
    sites
        The brownfields as read from the database.
    run
        The profiles this run scores.

    Returns
    -------
    pandas.DataFrame
        On the sites' index, one ``score_{p}`` column per stored profile.
    """
    names = [
        p
        for p in columns.profile_names([str(c) for c in sites.columns])
        if p not in run and columns.score(p) in sites.columns
    ]
    cols = [columns.score(p) for p in names]
    return sites[cols].apply(pd.to_numeric, errors="coerce") if cols else sites[[]].copy()


def best_use_everywhere(
    result: SuitabilityResult, stored: pd.DataFrame, *, known: Sequence[str] = ()
) -> tuple[SuitabilityResult, str]:
    """Best use over every profile scored, by this run or stored by an earlier one.

    A run of one profile updates that profile's columns; the best use is the
    highest score among all the profiles the database holds, never only the
    ones run now.

    Parameters
    ----------
    result
        This run's result.
    stored
        The stored scores of the other profiles (:func:`stored_scores`).
    known
        Every profile the run could score (the analyses folder's): those
        scored by neither run are named as missing.

    Returns
    -------
    tuple
        The result with ``best_use`` and ``best_use_margin`` over all the
        scores, and a note naming the profiles compared and those missing.
    """
    compare = [*result.profiles, *columns.profile_names(stored.columns)]
    both = result.scores.join(stored)
    best = best_use(both, compare)
    scores = result.scores.drop(columns=[c for c in best.columns if c in result.scores.columns])
    scores = pd.concat([scores, best], axis=1)
    missing = [p for p in known if p not in compare]
    earlier = [p for p in compare if p not in result.profiles]
    note = f"best use over {', '.join(compare)}"
    if earlier:
        note += f" ({', '.join(earlier)} from an earlier run)"
    if missing:
        note += f"; not scored yet: {', '.join(missing)} (run them for a best use over all)"
        logger.warning(note)
    return replace(result, scores=scores), note


def merge_results(sites: gpd.GeoDataFrame, *tables: pd.DataFrame) -> gpd.GeoDataFrame:
    """The sites with result columns merged in, as the database stores them.

    Parameters
    ----------
    sites
        The sites indexed by ``id`` (not changed).
    *tables
        Result tables on the sites' index (scores, robustness, the allocation
        with its ``alloc_`` prefix); their columns replace same-named ones.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per site, ``id`` as a column again.
    """
    new = pd.DataFrame(index=sites.index)
    for table in tables:
        new = new.join(table)
    # an allocation replaces the earlier one whole, and no allocation leaves none:
    # an earlier run's alloc_ columns never outlive it
    keep = [
        c
        for c in sites.columns
        if c not in new.columns and not str(c).startswith(columns.ALLOCATION_PREFIX)
    ]
    merged = gpd.GeoDataFrame(sites[keep].join(new), geometry=sites.geometry.name, crs=sites.crs)
    return merged.reset_index()


@dataclass(frozen=True)
class SuitabilityStage:
    """One suitability run as a command writes it.

    Attributes
    ----------
    result
        Scores, robustness and stability (:class:`SuitabilityResult`).
    allocation
        The allocation, or why it was skipped.
    summary
        One row per municipality (:func:`municipality_summary`).
    brownfields
        The brownfields layer with every result column merged in.
    n_draws
        Monte Carlo draws per profile.
    best_use_note
        The profiles the best use compares, and those not scored yet.
    upstream
        The accessibility stage read: ``{"run": ..., "stamp": ...}`` (empty
        when the database does not record it).
    files
        The input files: every profile's, the allocation's (and its job-loss scenario's).
    inputs
        The hashes of the database layers read besides the brownfields, whose
        own inputs the accessibility stage records.
    """

    result: SuitabilityResult
    allocation: AllocationStage
    summary: pd.DataFrame
    brownfields: gpd.GeoDataFrame
    n_draws: int
    best_use_note: str = ""
    upstream: dict[str, str] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
    inputs: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """The result columns merged into the brownfields."""
        r, a = self.result, self.allocation
        return [
            *r.scores.columns,
            *r.robustness.columns,
            *a.assignment.add_prefix(columns.ALLOCATION_PREFIX).columns,
        ]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The CSV tables by name (:data:`SUITABILITY_TABLES`)."""
        r, a = self.result, self.allocation
        frames = (r.scores, r.robustness, r.stability, a.assignment, a.targets, self.summary)
        return dict(zip(SUITABILITY_TABLES, frames, strict=True))

    @property
    def note(self) -> str:
        """One line saying what was computed, for the provenance table."""
        left_out = "".join(f"; {n}" for n in self.result.notes)
        best = f"; {self.best_use_note}" if self.best_use_note else ""
        return (
            f"suitability ({', '.join(self.result.profiles)}; seed {self.result.seed}, "
            f"{self.n_draws} Monte Carlo draws{left_out}{best}): {self.allocation.note}"
        )


def suitability_stage(
    layers: Mapping[str, gpd.GeoDataFrame],
    profiles: Mapping[str, Profile],
    *,
    allocation: AllocationConfig,
    seed: int = 0,
    n_draws: int = 1000,
    rasters: Mapping[str, Any] | None = None,
    where: str = "the database",
    upstream: str = BASE,
    run: str = BASE,
    records: Sequence[RunRecord] = (),
    known: Sequence[str] = (),
) -> SuitabilityStage:
    """Score, rank, test and allocate the brownfields of the database.

    The best use and the allocation read every profile scored: this run's and
    those an earlier run stored in the database, so running one profile
    never makes it everybody's best use. The allocation columns of an earlier
    run are replaced, or dropped when the allocation is skipped.

    Parameters
    ----------
    layers
        The territorial database's layers (not changed), with any extra
        layer a profile reads (``flood_hazard``, ...).
    profiles
        Profile name → profile (:func:`~seriana_gis.suitability.profile.load_profiles`).
    allocation
        The allocation scenario (:func:`~seriana_gis.suitability.allocation.load_allocation`).
    seed, n_draws
        The Monte Carlo's seed and draws per profile (0 skips it).
    rasters
        Open rasterio datasets by name for raster indicators.
    where
        What the layers were read from, for the messages.
    known
        Every profile the user could run (the analyses folder's,
        :func:`~seriana_gis.suitability.profile.profile_files`): those scored
        by no run are named in the best-use note.
    upstream
        The run whose travel times ``layers["brownfields"]`` holds.
    run
        The run being computed. When ``upstream`` is another run, that run's
        suitability results are left out before scoring; in the run's own
        layer they stay, so one profile can be updated and the best use still
        compares every profile the run holds.
    records
        The database's run records (:func:`seriana_gis.runs.read_runs`).

    Returns
    -------
    SuitabilityStage
    """
    sites = suitability_sites(layers, where=where)
    if upstream != run:  # another run's scores are not this run's
        source = layer_name("brownfields", upstream)
        sites = strip_suitability(sites, drop=result_columns(records, source, stage="suitability"))
    result = run_suitability(
        sites, profiles, seed=seed, n_draws=n_draws, layers=layers, rasters=rasters or None
    )
    stored = stored_scores(sites, list(result.profiles))
    result, best_note = best_use_everywhere(result, stored, known=known)
    allocation = zone_job_targets(allocation, layers.get("economy"))
    alloc = allocation_stage(
        result, sites, allocation, municipalities=layers.get("municipalities"), stored=stored
    )
    merged = merge_results(
        sites,
        result.scores,
        result.robustness,
        alloc.assignment.add_prefix(columns.ALLOCATION_PREFIX),
    )
    acc = find(records, upstream, "accessibility")
    up = {"run": upstream, "stamp": acc.stamp} if acc is not None else {}
    inputs = input_hashes(layers, SUITABILITY_INPUTS, records=records)
    earlier = find(records, run, "suitability") if upstream == run else None
    if earlier is not None and len(stored.columns):
        # scores kept from the run's earlier computation: its inputs stay this run's, and
        # if they were computed on other travel times the run is not up to date
        inputs = {**earlier.inputs, **inputs}
        if earlier.upstream and earlier.upstream != up:
            up = dict(earlier.upstream)
            logger.warning(
                "the scores kept for %s were computed on earlier travel times: run all the "
                "profiles again for results on the current ones",
                ", ".join(columns.profile_names(stored.columns)),
            )
    files = [p.source for p in profiles.values() if p.source is not None]
    files += [f for f in (allocation.source, allocation.job_scenario) if f is not None]
    return SuitabilityStage(
        result=result,
        allocation=alloc,
        summary=municipality_summary(result, sites),
        brownfields=merged,
        n_draws=n_draws,
        best_use_note=best_note,
        upstream=up,
        files=tuple(Path(f) for f in files),
        inputs=inputs,
    )


def suitability_provenance(
    old: pd.DataFrame, stage: SuitabilityStage, *, run: str = BASE
) -> pd.DataFrame:
    """The brownfields' provenance row with the run's note appended.

    Parameters
    ----------
    old
        The database's provenance table.
    stage
        The run.
    run
        The run's name (its layer is ``brownfields__{run}`` unless ``base``).

    Returns
    -------
    pandas.DataFrame
        One row, for the run's brownfields layer.
    """
    prior = old.set_index("layer")
    source = layer_name("brownfields", stage.upstream.get("run", BASE))
    key = next(
        (k for k in (layer_name("brownfields", run), source, "brownfields") if k in prior.index),
        None,
    )
    row = prior.loc[key].to_dict() if key is not None else {}
    note = stage.note if run == BASE else f"run {run}: {stage.note}"
    prior_note = str(row.get("note", "")).split(" + suitability")[0].split(" + run ")[0]
    row.update(
        layer=layer_name("brownfields", run),
        feature_count=len(stage.brownfields),
        note=f"{prior_note} + {note}".lstrip(" +"),
    )
    return provenance_frame([row])


def write_suitability(
    stage: SuitabilityStage,
    *,
    database: Path,
    out: Path,
    run: str = BASE,
    overwrite: bool = False,
    command: str = "seriana suitability",
    options: Mapping[str, object] | None = None,
    files: Sequence[str | Path] = (),
) -> RunRecord:
    """Write a run in one commit: the brownfields layer and record into the database, the CSV files into ``out``.

    Every output is staged and moved into place at the end
    (:func:`~seriana_gis._io.staged_outputs`): if anything fails, the previous
    files and database are left as they were.

    Parameters
    ----------
    stage
        The run (:func:`suitability_stage`).
    database
        The territorial database the run read.
    out
        The folder of the CSV files.
    run
        The run's name: ``base`` replaces the base results in ``brownfields``,
        another name writes ``brownfields__{run}``.
    overwrite
        Replace existing files in ``out``.
    command
        The command line that computes the run again (for ``seriana status``).
    options
        The options of the run, recorded in the ``runs`` table.
    files
        Input files besides the profiles and the allocation (extra layers, rasters).

    Returns
    -------
    RunRecord
        The run's record, as written to the ``runs`` table.

    Raises
    ------
    OutputExistsError
        A file exists in ``out`` and ``overwrite`` is false.
    """
    for name in SUITABILITY_TABLES:
        check_writable(out / f"{name}.csv", overwrite=overwrite)
    stored = layer_name("brownfields", run)
    record = RunRecord(
        run=run,
        stage="suitability",
        created=now(),
        command=command,
        options=dict(options or {}),
        inputs={**stage.inputs, **input_hashes({}, (), files=[*stage.files, *files])},
        upstream=dict(stage.upstream),
        layers={"brownfields": stored},
        columns={stored: stage.columns},
        folder=str(Path(out).resolve()),
        files=[f"{name}.csv" for name in SUITABILITY_TABLES],
    ).stamped()
    with staged_outputs():
        prov = suitability_provenance(read_provenance(database), stage, run=run)
        write_run(database, record, {stored: stage.brownfields}, provenance=prov)
        for name, table in stage.tables.items():
            with atomic_path(out / f"{name}.csv", overwrite=True) as tmp:
                table.to_csv(tmp, index=True)
    return record
