"""Allocation: one use (or none) per brownfield to reach the study's targets.

The study (Tolomeo Studi e Ricerche for Confindustria Bergamo and the unions)
foresees up to 5,000 industrial jobs lost in the Seriana Valley in five years
and proposes absorbing half in services and half in new industry. Given each
site's suitability for each use and the jobs or dwellings a hectare of each
use yields, :func:`allocate` chooses a use per site as an integer program
(:func:`scipy.optimize.milp`, HiGHS) in two lexicographic stages:

1. minimise the total relative shortfall :math:`\\sum_t s_t / T_t` subject to
   :math:`\\sum_{i,u} q_{iut} x_{iu} + s_t \\ge T_t - \\tau` for every target
   :math:`t`, :math:`\\sum_u x_{iu} \\le 1` for every site,
   optional caps :math:`\\sum_{i,u} q_{iut} x_{iu} \\le M_t`,
   :math:`x_{iu} \\in \\{0, 1\\}` (only for sites scored for use *u*, and with
   score at least ``min_score``), :math:`0 \\le s_t \\le T_t`;
2. with the shortfall held at its optimum, maximise the total suitability
   :math:`\\sum_{i,u} S_{iu} x_{iu}`.

The tolerance :math:`\\tau` (``tolerance``, default one job or dwelling)
keeps a target from counting as missed by a fraction of a unit, since the
outputs are estimates from densities. Here
:math:`q_{iut} = d_{ut} A_i / 10^4` is the output (jobs or dwellings)
of site *i* under use *u* for target *t*, from the site area :math:`A_i` in m²
and the density :math:`d_{ut}` per hectare of the configuration file. When the
targets cannot all be reached, the result says so and by how much, and is
the best partial allocation (the smallest shortfall, then the most suitable).
The program is deterministic: the same input gives the same allocation.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .. import columns
from .._errors import ConfigError, DataError
from ..config import check_keys, closest, read_yaml
from .profile import default_analyses_dir

if TYPE_CHECKING:
    from ..economy.scenario import ZoneTarget

logger = logging.getLogger(__name__)

_TOP_KEYS = (
    "title",
    "description",
    "source",
    "targets",
    "job_targets",
    "uses",
    "area_column",
    "zone_column",
    "min_score",
    "tolerance",
)
_TARGET_KEYS = ("value", "max", "unit", "rationale")
_USE_KEYS = ("profile", "per_ha", "source", "rationale")
_TOL = 1e-7


@dataclass(frozen=True)
class Target:
    """A target: at least ``value`` units (jobs, dwellings), at most ``max`` if given.

    ``measure`` is the key of the uses' ``per_ha`` that counts towards it (by
    default its name); a target with ``zones`` counts only the sites in those
    zones (the job targets by zone of a job-loss scenario, ``service_jobs@valley``).
    """

    name: str
    value: float
    max: float | None = None
    unit: str = ""
    rationale: str = ""
    measure: str = ""
    zones: tuple[str, ...] = ()

    @property
    def counts(self) -> str:
        """The ``per_ha`` key of the uses that counts towards this target."""
        return self.measure or self.name


@dataclass(frozen=True)
class Use:
    """A use a site can be given: its profile and output per hectare for each target."""

    name: str
    profile: str
    per_ha: Mapping[str, float]
    source: str = ""


@dataclass(frozen=True)
class AllocationConfig:
    """A validated allocation scenario (see ``analyses/allocation.yaml``)."""

    targets: Mapping[str, Target]
    uses: Mapping[str, Use]
    area_column: str = "area_m2"
    min_score: float = 0.0
    tolerance: float = 1.0
    title: str = ""
    source: Path | None = None
    zone_column: str = "zone"
    job_scenario: Path | None = None

    @property
    def zoned(self) -> bool:
        """True when a target counts only the sites of some zones."""
        return any(t.zones for t in self.targets.values())

    def with_targets(self, targets: list[Target]) -> AllocationConfig:
        """A copy whose targets of the same measures are replaced by ``targets``.

        Used to put the job targets of a job-loss scenario distributed by
        municipality (:func:`seriana_gis.economy.allocation_targets`) in place
        of the territory's.
        """
        from dataclasses import replace

        measures = {t.counts for t in targets}
        kept = {n: t for n, t in self.targets.items() if t.counts not in measures}
        return replace(self, targets={**kept, **{t.name: t for t in targets}})

    def without_job_targets(self) -> AllocationConfig:
        """A copy with only the targets the file states (``targets:``), no job-loss scenario."""
        from dataclasses import replace

        stated = {n: t for n, t in self.targets.items() if not t.zones}
        return replace(self, targets=stated, job_scenario=None)


def scenario_targets(path: Path, *, where: str) -> list[Target]:
    """The job targets of a job-loss scenario file, at the level of its territory.

    Each split of the scenario (``service_jobs``, ``industry_jobs``) becomes a
    target ``{split}@{territory}`` for the sites of the territory's zones and
    the split's ``also`` zones; its value is the split's share of the jobs
    lost. :meth:`AllocationConfig.with_targets` replaces them by zone when the
    losses are known by municipality.
    """
    from ..economy.scenario import allocation_targets, load_scenario, territory_losses

    try:
        scenario = load_scenario(path)
    except ConfigError as exc:
        msg = f"{where}, job_targets: {exc}"
        raise ConfigError(msg) from None
    return job_targets(allocation_targets(scenario, territory_losses(scenario)))


def job_targets(zone_targets: Iterable[ZoneTarget]) -> list[Target]:
    """Allocation targets from a job-loss scenario's targets by zone."""
    return [
        Target(
            z.name, z.value, unit="jobs", rationale=z.rationale, measure=z.measure, zones=z.zones
        )
        for z in zone_targets
    ]


def _num(value: Any, *, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"{where}: expected a finite number, got {value!r}."
        raise ConfigError(msg)
    if value < 0:
        msg = f"{where}: expected a number ≥ 0, got {value!r}."
        raise ConfigError(msg)
    return float(value)


def parse_allocation(raw: Any, *, source: Path | None = None) -> AllocationConfig:
    """Validate a parsed allocation mapping (see :func:`load_allocation`)."""
    where = str(source) if source is not None else "allocation"
    check_keys(raw, _TOP_KEYS, where=where, required=("uses",))
    t_raw = raw.get("targets") or {}
    job_path = None
    if raw.get("job_targets") is not None:
        base = source.parent if source is not None else Path.cwd()
        job_path = base / str(raw["job_targets"])
    if not isinstance(t_raw, Mapping) or not (t_raw or job_path):
        msg = f"{where}: 'targets' must map target names to {{value: ...}}."
        raise ConfigError(msg)
    targets: dict[str, Target] = {}
    for name, spec in t_raw.items():
        tw = f"{where}, targets.{name}"
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            spec = {"value": spec}
        check_keys(spec, _TARGET_KEYS, where=tw, required=("value",))
        value = _num(spec["value"], where=f"{tw}.value")
        mx = _num(spec["max"], where=f"{tw}.max") if spec.get("max") is not None else None
        if mx is not None and mx < value:
            msg = f"{tw}: 'max' ({mx:g}) is below 'value' ({value:g})."
            raise ConfigError(msg)
        targets[str(name)] = Target(
            str(name), value, mx, str(spec.get("unit", "")), str(spec.get("rationale", "")).strip()
        )
    if job_path is not None:
        for t in scenario_targets(job_path, where=where):
            clash = [n for n, old in targets.items() if old.counts == t.counts]
            if clash:
                msg = (
                    f"{where}: target {clash[0]!r} is also a split of the job-loss scenario "
                    f"{job_path.name}; remove it from 'targets' (the scenario sets it by zone)."
                )
                raise ConfigError(msg)
            targets[t.name] = t
    measures = {t.counts for t in targets.values()}
    u_raw = raw["uses"]
    if not isinstance(u_raw, Mapping) or not u_raw:
        msg = f"{where}: 'uses' must map use names to {{profile: ..., per_ha: {{...}}}}."
        raise ConfigError(msg)
    uses: dict[str, Use] = {}
    for name, spec in u_raw.items():
        uw = f"{where}, uses.{name}"
        check_keys(spec, _USE_KEYS, where=uw, required=("per_ha",))
        per = spec["per_ha"]
        if not isinstance(per, Mapping) or not per:
            msg = f"{uw}.per_ha: map target names to units per hectare (e.g. service_jobs: 150)."
            raise ConfigError(msg)
        dens: dict[str, float] = {}
        for t, v in per.items():
            if t not in measures:
                hint = closest(str(t), tuple(measures))
                did = f" Did you mean {hint[0]!r}?" if hint else ""
                msg = f"{uw}.per_ha: unknown target {t!r}.{did} Targets: {', '.join(sorted(measures))}."
                raise ConfigError(msg)
            dens[str(t)] = _num(v, where=f"{uw}.per_ha.{t}")
        uses[str(name)] = Use(
            str(name), str(spec.get("profile", name)), dens, str(spec.get("source", "")).strip()
        )
    min_score = _num(raw.get("min_score", 0.0), where=f"{where}.min_score")
    tolerance = _num(raw.get("tolerance", 1.0), where=f"{where}.tolerance")
    return AllocationConfig(
        targets=targets,
        uses=uses,
        area_column=str(raw.get("area_column", "area_m2")),
        min_score=min_score,
        tolerance=tolerance,
        title=str(raw.get("title", "")),
        source=source,
        zone_column=str(raw.get("zone_column", "zone")),
        job_scenario=job_path,
    )


def check_use_profiles(config: AllocationConfig, profiles: Iterable[str]) -> None:
    """Refuse a use whose profile is none of the profiles there are (a misspelt name).

    A use whose profile exists but is not run is not an error: the allocation
    is then skipped with a note (:func:`~seriana_gis.suitability.pipeline.allocation_stage`).

    Parameters
    ----------
    config
        The allocation scenario.
    profiles
        The names of every profile available (the profile folder's files).

    Raises
    ------
    ConfigError
        Naming the file, the use, the closest profile name and the profiles there are.
    """
    known = list(profiles)
    where = str(config.source) if config.source is not None else "allocation"
    for name, use in config.uses.items():
        if use.profile not in known:
            hint = closest(use.profile, known)
            did = f" Did you mean {hint[0]!r}?" if hint else ""
            msg = (
                f"{where}, uses.{name}: no profile {use.profile!r}.{did} Profiles: "
                f"{', '.join(known) or 'none'}."
            )
            raise ConfigError(msg)


def load_allocation(path: str | Path | None = None) -> AllocationConfig:
    """Load an allocation scenario (default: the shipped ``analyses/allocation.yaml``).

    Raises
    ------
    ConfigError
        Missing or invalid file, unknown keys or targets, negative densities.
    """
    p = Path(path) if path is not None else default_analyses_dir() / "allocation.yaml"
    raw, _ = read_yaml(p, what="allocation file")
    return parse_allocation(raw, source=p)


@dataclass(frozen=True)
class AllocationResult:
    """The chosen uses and how far they go towards the targets.

    Attributes
    ----------
    assignment
        On the sites' index: ``use`` (``<NA>`` for none), ``score`` (the
        suitability of the chosen use) and one column per target with the
        site's output.
    targets
        One row per target: ``target``, ``achieved``, ``shortfall``,
        ``shortfall_pct``, ``reached``.
    total_score
        Sum of the suitability of the chosen uses.
    reached
        True when every target is reached.
    message
        A sentence saying whether the targets are reached, and by how much
        they are missed.
    status
        ``optimal``, or ``time_limit`` when a solver stage stopped at the
        time limit with a feasible but unproven allocation.
    config
        The scenario used.
    """

    assignment: pd.DataFrame
    targets: pd.DataFrame
    total_score: float
    reached: bool
    message: str
    status: str = "optimal"
    config: AllocationConfig | None = field(default=None, repr=False)


def _solve(
    c: np.ndarray,
    integrality: np.ndarray,
    bounds: Bounds,
    cons: list[LinearConstraint],
    time_limit: float,
) -> tuple[np.ndarray, bool]:
    """Solve one stage; return the solution and whether it is proven optimal."""
    res = milp(
        c,
        integrality=integrality,
        bounds=bounds,
        constraints=cons,
        options={"time_limit": time_limit, "mip_rel_gap": 0.0, "presolve": True},
    )
    if res.x is None:
        msg = (
            f"the allocation program could not be solved ({res.message}); "
            "check caps ('max') that no allocation can satisfy, or raise time_limit."
        )
        raise DataError(msg)
    return np.asarray(res.x, dtype=np.float64), bool(res.status == 0)


def allocate(
    scores: pd.DataFrame,
    config: AllocationConfig,
    *,
    area_column: str | None = None,
    time_limit: float = 60.0,
) -> AllocationResult:
    """Choose one use (or none) per site to reach the targets with the most suitable sites.

    Parameters
    ----------
    scores
        One row per site with ``score_{profile}`` for the profile of every use
        (NaN where a site is excluded from that use) and the site area in m².
        Typically ``run_suitability(...).scores`` joined with ``area_m2``.
    config
        The scenario (targets, uses, densities), from :func:`load_allocation`.
    area_column
        The area column (default: the configuration's, ``area_m2``).
    time_limit
        Seconds allowed to each of the two integer programs.

    Returns
    -------
    AllocationResult

    Raises
    ------
    ConfigError
        A use's profile has no ``score_{profile}`` column, or the area column
        is missing.
    DataError
        Caps make every allocation infeasible.
    """
    area_col = area_column or config.area_column
    if area_col not in scores.columns:
        msg = f"allocate: the sites have no area column {area_col!r}; pass area_column=..."
        raise ConfigError(msg)
    area = pd.to_numeric(scores[area_col], errors="coerce").to_numpy(dtype=np.float64)
    uses = list(config.uses.values())
    tnames = list(config.targets)
    zone_col = config.zone_column
    if config.zoned and zone_col not in scores.columns:
        msg = (
            f"allocate: targets by zone ({', '.join(t for t in tnames if config.targets[t].zones)}) "
            f"need the sites' zone in a column {zone_col!r}; join it from the municipalities."
        )
        raise ConfigError(msg)
    # a site in no zone (outside the study area) counts for no zone's target
    site_zone = scores[zone_col].astype("string").fillna("").to_numpy() if config.zoned else None
    pairs: list[tuple[int, int]] = []
    svals: list[float] = []
    for ui, use in enumerate(uses):
        col = columns.score(use.profile)
        if col not in scores.columns:
            have = [str(c) for c in scores.columns if columns.is_score(str(c))]
            msg = (
                f"allocate: use {use.name!r} needs column {col!r} (profile {use.profile!r}); "
                f"score columns present: {', '.join(have) or 'none'}."
            )
            raise ConfigError(msg)
        s = pd.to_numeric(scores[col], errors="coerce").to_numpy(dtype=np.float64)
        ok = np.isfinite(s) & np.isfinite(area) & (area > 0) & (s >= config.min_score)
        for site in np.flatnonzero(ok).tolist():
            pairs.append((site, ui))
            svals.append(float(s[site]))
    n_pairs, n_t = len(pairs), len(tnames)
    n_sites = len(scores)
    q = np.zeros((n_t, n_pairs))
    for k, (site, ui) in enumerate(pairs):
        for ti, t in enumerate(tnames):
            tgt = config.targets[t]
            if tgt.zones and site_zone is not None and site_zone[site] not in tgt.zones:
                continue  # a target by zone counts only its zones' sites
            q[ti, k] = uses[ui].per_ha.get(tgt.counts, 0.0) * area[site] / 1e4
    tval = np.array([config.targets[t].value for t in tnames])
    # a target counts as reached within the tolerance (outputs are estimates)
    need = np.maximum(tval - config.tolerance, 0.0)
    nv = n_pairs + n_t
    integrality = np.concatenate([np.ones(n_pairs), np.zeros(n_t)])
    bounds = Bounds(np.zeros(nv), np.concatenate([np.ones(n_pairs), need]))
    cons: list[LinearConstraint] = []
    if n_pairs:
        rows = [i for i, _ in pairs]
        a_site = sparse.csr_array(
            (np.ones(n_pairs), (rows, np.arange(n_pairs))), shape=(n_sites, nv)
        )
        cons.append(LinearConstraint(a_site, -np.inf, 1.0))
    a_t = np.hstack([q, np.eye(n_t)])
    cons.append(LinearConstraint(a_t, need, np.inf))
    caps = np.array(
        [config.targets[t].max if config.targets[t].max is not None else np.inf for t in tnames]
    )
    if np.isfinite(caps).any():
        cons.append(LinearConstraint(np.hstack([q, np.zeros((n_t, n_t))]), -np.inf, caps))
    inv_t = np.where(tval > 0, 1.0 / np.where(tval > 0, tval, 1.0), 0.0)
    c1 = np.concatenate([np.zeros(n_pairs), inv_t])
    x1, opt1 = _solve(c1, integrality, bounds, cons, time_limit)
    best_short = float(c1 @ x1)
    cons2 = [*cons, LinearConstraint(c1[None, :], -np.inf, best_short + _TOL)]
    c2 = np.concatenate([-np.asarray(svals), np.zeros(n_t)])
    x, opt2 = _solve(c2, integrality, bounds, cons2, time_limit) if n_pairs else (x1, opt1)
    optimal = opt1 and opt2

    chosen = np.round(x[:n_pairs]).astype(bool)
    use_col: list[Any] = [pd.NA] * n_sites
    score_col = np.full(n_sites, np.nan)
    out = np.zeros((n_sites, n_t))
    for k in np.flatnonzero(chosen).tolist():
        site, ui = pairs[k]
        use_col[site] = uses[ui].name
        score_col[site] = svals[k]
        out[site] = q[:, k]
    assignment = pd.DataFrame(
        {"use": pd.array(use_col, dtype="string"), "score": score_col}, index=scores.index
    )
    for ti, t in enumerate(tnames):
        assignment[t] = out[:, ti]
    achieved = out.sum(axis=0)
    shortfall = np.maximum(tval - achieved, 0.0)
    shortfall[shortfall <= config.tolerance + 1e-6 * np.maximum(tval, 1.0)] = 0.0
    tframe = pd.DataFrame(
        {
            "target": tval,
            "achieved": achieved,
            "shortfall": shortfall,
            "shortfall_pct": np.where(tval > 0, 100 * shortfall / np.where(tval > 0, tval, 1), 0.0),
            "reached": shortfall == 0,
        },
        index=pd.Index(tnames, name="target_name"),
    )
    reached = bool(tframe["reached"].all())
    n_used = int(chosen.sum())
    if reached:
        message = f"All targets reached using {n_used} of {n_sites} sites."
    else:
        parts = [
            f"{t} short by {shortfall[ti]:,.0f} of {tval[ti]:,.0f} ({tframe['shortfall_pct'].iloc[ti]:.1f} %)"
            for ti, t in enumerate(tnames)
            if shortfall[ti] > 0
        ]
        message = (
            f"Targets not reachable with the {n_sites} sites available: "
            + "; ".join(parts)
            + f". Best partial allocation uses {n_used} sites."
        )
        logger.warning(message)
    if not optimal:
        message += (
            f" The solver stopped at the time limit ({time_limit:g} s): the allocation is "
            "feasible but may not be the best."
        )
        logger.warning("allocation not proven optimal within %g s", time_limit)
    return AllocationResult(
        assignment=assignment,
        targets=tframe,
        total_score=float(np.nansum(score_col)),
        reached=reached,
        message=message,
        status="optimal" if optimal else "time_limit",
        config=config,
    )
