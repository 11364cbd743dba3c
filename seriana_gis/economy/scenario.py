"""The job-loss scenario: where the jobs are lost, and the allocation targets that follow.

``analyses/job_loss.yaml`` states the study's total (5,000 industrial jobs in
five years), the territory it concerns, the sectors whose employees measure
each municipality's exposure, the split between service and industry jobs and
the parameters of the "jobs lost within reach" criterion.

With an employment layer (:mod:`seriana_gis.economy.istat`), the total is
distributed over the territory's municipalities in proportion to exposure,

.. math::

    L_m = T \\, \\frac{x_m}{\\sum_k x_k}

rounded to whole jobs by the largest-remainder (Hamilton) method, so that the
distribution sums to :math:`T` exactly. Without municipal figures the losses
stay with the territory (:attr:`ScenarioLosses.level` ``"territory"``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError, DataError
from ..config import check_keys, read_yaml
from .layer import MEASURES, sector_employment
from .sectors import SECTORS

_TOP = ("title", "source", "total_jobs", "territory", "territories", "exposure", "split", "reach")
_EXPOSURE = ("sectors", "measure", "year")
_SPLIT = ("share", "also", "rationale")
_REACH = ("max_minutes", "half_life_min")


@dataclass(frozen=True)
class Split:
    """One share of the lost jobs, named as the allocation target it becomes."""

    name: str
    share: float
    also: tuple[str, ...] = ()
    rationale: str = ""


@dataclass(frozen=True)
class JobLossScenario:
    """A validated job-loss scenario (see ``analyses/job_loss.yaml``)."""

    total_jobs: int
    territory: str
    territories: Mapping[str, tuple[str, ...]]
    sectors: tuple[str, ...]
    splits: Mapping[str, Split]
    measure: str = "employees"
    year: int | None = None
    max_minutes: float = 30.0
    half_life_min: float = 15.0
    title: str = ""
    source_text: str = ""
    path: Path | None = None

    @property
    def zones(self) -> tuple[str, ...]:
        """The zones of the scenario's territory."""
        return self.territories[self.territory]


def _positive(value: Any, *, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"{where}: expected a number, got {value!r}."
        raise ConfigError(msg)
    if value <= 0:
        msg = f"{where}: expected a number > 0, got {value!r}."
        raise ConfigError(msg)
    return float(value)


def parse_scenario(raw: Any, *, path: Path | None = None) -> JobLossScenario:
    """Validate a parsed scenario mapping (see :func:`load_scenario`)."""
    where = str(path) if path is not None else "job-loss scenario"
    check_keys(raw, _TOP, where=where, required=("total_jobs", "territory", "territories", "split"))
    total = _positive(raw["total_jobs"], where=f"{where}.total_jobs")
    if total != int(total):
        msg = f"{where}.total_jobs: expected a whole number of jobs, got {total:g}."
        raise ConfigError(msg)
    terrs_raw = raw["territories"]
    if not isinstance(terrs_raw, Mapping) or not terrs_raw:
        msg = f"{where}.territories: map each territory to a list of zones."
        raise ConfigError(msg)
    territories = {}
    for name, zones in terrs_raw.items():
        if not isinstance(zones, list) or not zones or not all(isinstance(z, str) for z in zones):
            msg = f"{where}.territories.{name}: expected a list of zone names."
            raise ConfigError(msg)
        territories[str(name)] = tuple(zones)
    territory = str(raw["territory"])
    if territory not in territories:
        msg = f"{where}.territory: {territory!r} is not one of {', '.join(territories)}."
        raise ConfigError(msg)
    exp = raw.get("exposure") or {}
    check_keys(exp, _EXPOSURE, where=f"{where}.exposure")
    sectors = tuple(exp.get("sectors") or ("textiles_clothing",))
    for s in sectors:
        if s not in SECTORS:
            msg = f"{where}.exposure.sectors: unknown sector {s!r}; sectors: {', '.join(SECTORS)}."
            raise ConfigError(msg)
    measure = str(exp.get("measure", "employees"))
    if measure not in MEASURES:
        msg = f"{where}.exposure.measure: {measure!r} is not one of {', '.join(MEASURES)}."
        raise ConfigError(msg)
    year_raw = exp.get("year", "latest")
    year = (
        None if year_raw == "latest" else int(_positive(year_raw, where=f"{where}.exposure.year"))
    )
    split_raw = raw["split"]
    if not isinstance(split_raw, Mapping) or not split_raw:
        msg = f"{where}.split: map target names (service_jobs, industry_jobs) to {{share: ...}}."
        raise ConfigError(msg)
    splits = {}
    for name, spec in split_raw.items():
        sw = f"{where}.split.{name}"
        check_keys(spec, _SPLIT, where=sw, required=("share",))
        share = _positive(spec["share"], where=f"{sw}.share")
        also = spec.get("also") or []
        if not isinstance(also, list):
            msg = f"{sw}.also: expected a list of zone names."
            raise ConfigError(msg)
        splits[str(name)] = Split(
            str(name), share, tuple(map(str, also)), str(spec.get("rationale", "")).strip()
        )
    shares = sum(s.share for s in splits.values())
    if abs(shares - 1.0) > 1e-9:
        msg = f"{where}.split: the shares add up to {shares:g}; they must add up to 1."
        raise ConfigError(msg)
    reach = raw.get("reach") or {}
    check_keys(reach, _REACH, where=f"{where}.reach")
    return JobLossScenario(
        total_jobs=int(total),
        territory=territory,
        territories=territories,
        sectors=sectors,
        splits=splits,
        measure=measure,
        year=year,
        max_minutes=_positive(reach.get("max_minutes", 30.0), where=f"{where}.reach.max_minutes"),
        half_life_min=_positive(
            reach.get("half_life_min", 15.0), where=f"{where}.reach.half_life_min"
        ),
        title=str(raw.get("title", "")),
        source_text=str(raw.get("source", "")).strip(),
        path=path,
    )


def default_scenario_path() -> Path:
    """The shipped job-loss scenario, ``analyses/job_loss.yaml`` (the Seriana Valley's)."""
    from ..suitability.profile import default_analyses_dir

    return default_analyses_dir() / "job_loss.yaml"


def load_scenario(path: str | Path | None = None) -> JobLossScenario:
    """Load a job-loss scenario (default: the shipped ``analyses/job_loss.yaml``)."""
    p = Path(path) if path is not None else default_scenario_path()
    raw, _ = read_yaml(p, what="job-loss scenario file")
    return parse_scenario(raw, path=p)


#: How a planner gives a job-loss scenario for a study area, by the file that names it.
GIVE_ONE = {
    "configuration": "name it in the study-area configuration (job_loss: my_job_loss.yaml)",
    "allocation": "name it in an allocation file (job_targets: my_job_loss.yaml) passed "
    "with --allocation",
}


def missing_zones(scenario: JobLossScenario, zones: Iterable[str]) -> str | None:
    """Why the scenario does not describe a study area of ``zones``, or None when it does.

    The scenario describes a study area that has every zone of its territory
    (the zones its losses are counted in). A split's ``also`` zones may be
    absent: they only add places that may absorb jobs.
    """
    have = {str(z) for z in zones}
    lacking = [z for z in scenario.zones if z not in have]
    if not lacking:
        return None
    if len(lacking) == len(scenario.zones):
        lacks = "none of which this study area has"
    else:
        lacks = f"and this study area has no zone {', '.join(lacking)}"
    return (
        f"the job-loss scenario {scenario.path or '(given in code)'} describes the territory "
        f"{scenario.territory!r} in the zones {', '.join(scenario.zones)}, {lacks} (its zones: "
        f"{', '.join(sorted(have)) or 'none'})"
    )


def left_out_note(
    scenario: JobLossScenario, zones: Iterable[str], *, what: str, named_in: str
) -> str | None:
    """The one warning for what a study area the scenario does not describe goes without.

    Parameters
    ----------
    scenario
        The job-loss scenario tried.
    zones
        The study area's zones.
    what
        What is left out, as the sentence's subject (``"jobs_lost_reach not computed"``).
    named_in
        Where the planner names a scenario of their own: a key of :data:`GIVE_ONE`.

    Returns
    -------
    str or None
        None when the scenario describes the study area.
    """
    why = missing_zones(scenario, zones)
    if why is None:
        return None
    return (
        f"{what}: {why}. To give one for this territory, write a job-loss scenario whose "
        "'territories' name its zones (user guide §2.6, 'The scenario file') and "
        f"{GIVE_ONE[named_in]}."
    )


def distribute(total: int, weights: pd.Series) -> pd.Series:
    """Whole units in proportion to weights, summing to ``total`` (largest remainder).

    Ties in the remainders go to the larger weight, then to the first label,
    so the result is deterministic.
    """
    w = pd.to_numeric(weights).astype(float)
    if (w < 0).any() or not np.isfinite(w).all():
        msg = "distribute: weights must be finite and >= 0."
        raise DataError(msg)
    if not w.sum() > 0:
        msg = "distribute: the weights add up to 0; nothing to distribute in proportion to."
        raise DataError(msg)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(int)
    left = int(total - base.sum())
    rem = (exact - base).to_numpy()
    order = np.lexsort((np.arange(len(w)), -w.to_numpy(), -rem))
    out = base.to_numpy().copy()
    out[order[:left]] += 1
    return pd.Series(out, index=weights.index, name="jobs_lost")


@dataclass(frozen=True)
class ScenarioLosses:
    """Where the scenario's jobs are lost.

    Attributes
    ----------
    level
        ``municipality`` when an employment layer gave municipal exposure,
        else ``territory``.
    losses
        Whole jobs lost: by municipality (ISTAT code), or by territory.
    exposure
        The exposure each municipality's share rests on (empty at territory level).
    zones
        Zone of each label of ``losses`` (the territory's zones, ``+``-joined,
        at territory level).
    note
        A sentence saying which level and why.
    """

    level: str
    losses: pd.Series
    exposure: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    zones: Mapping[str, str] = field(default_factory=dict)
    note: str = ""


def scenario_losses(
    scenario: JobLossScenario,
    *,
    zone_of: Mapping[str, str],
    employment: pd.DataFrame | None = None,
) -> ScenarioLosses:
    """Distribute the scenario's jobs over municipalities, or keep them with the territory.

    Parameters
    ----------
    scenario
        The scenario.
    zone_of
        Zone of each ISTAT code of the study area (``StudyArea.zone_of``).
    employment
        The employment layer, or None.

    Returns
    -------
    ScenarioLosses
    """
    why = missing_zones(scenario, zone_of.values())
    if why is not None:
        msg = f"{why}: give a job-loss scenario for this study area's zones (user guide §2.6)."
        raise ConfigError(msg)
    codes = [c for c, z in zone_of.items() if z in scenario.zones]
    if employment is not None and len(employment):
        muni = employment[employment["territory"].isin(codes)]
        if len(muni):
            year = scenario.year if scenario.year is not None else int(muni["year"].max())
            muni = muni[muni["year"] == year]
            if muni.empty:
                msg = f"job-loss scenario: the employment layer has no municipal rows for {year}."
                raise DataError(msg)
            table = sector_employment(muni, sectors=scenario.sectors, measure=scenario.measure)
            table = table.xs(year, level="year")
            absent = [c for c in codes if c not in table.index]
            if absent:
                msg = (
                    f"job-loss scenario: the employment layer has no {year} rows for "
                    f"municipality(ies) {', '.join(absent[:8])} of the territory "
                    f"{scenario.territory!r}; export every municipality of the study area."
                )
                raise DataError(msg)
            if table[list(scenario.sectors)].isna().any().any():
                msg = (
                    "job-loss scenario: the employment layer cannot give "
                    f"{', '.join(scenario.sectors)} (it lacks divisions or sections); give a file "
                    "by ATECO division."
                )
                raise DataError(msg)
            exposure = table.loc[codes, list(scenario.sectors)].sum(axis=1)
            losses = distribute(scenario.total_jobs, exposure)
            return ScenarioLosses(
                level="municipality",
                losses=losses,
                exposure=exposure,
                zones={c: zone_of[c] for c in codes},
                note=(
                    f"{scenario.total_jobs:,} jobs distributed over {len(codes)} municipalities by "
                    f"their {scenario.measure} in {', '.join(scenario.sectors)} ({year})."
                ),
            )
    return territory_losses(scenario)


def territory_losses(scenario: JobLossScenario) -> ScenarioLosses:
    """The scenario's losses kept with its territory (no municipal figures)."""
    return ScenarioLosses(
        level="territory",
        losses=pd.Series({scenario.territory: scenario.total_jobs}, name="jobs_lost"),
        zones={scenario.territory: "+".join(scenario.zones)},
        note=(
            f"{scenario.total_jobs:,} jobs kept with the territory {scenario.territory!r} "
            f"({', '.join(scenario.zones)}): no municipal employment figures were given, and "
            "none is invented."
        ),
    )


def zone_losses(losses: ScenarioLosses) -> pd.Series:
    """Jobs lost per zone (or per ``+``-joined zone group at territory level)."""
    return losses.losses.groupby(losses.losses.index.map(losses.zones)).sum()


@dataclass(frozen=True)
class ZoneTarget:
    """An allocation target restricted to the sites of some zones."""

    name: str
    measure: str
    value: float
    zones: tuple[str, ...]
    rationale: str = ""


def allocation_targets(scenario: JobLossScenario, losses: ScenarioLosses) -> list[ZoneTarget]:
    """The job targets the scenario implies, one per split and zone (group).

    The jobs lost in a zone, times each split's share, are to be absorbed by
    sites in that zone or in the split's ``also`` zones. Shares are rounded by
    largest remainder within each zone, so each zone's targets add up to its
    losses.
    """
    out: list[ZoneTarget] = []
    names = list(scenario.splits)
    shares = pd.Series({n: scenario.splits[n].share for n in names})
    for group, lost in zone_losses(losses).items():
        parts = distribute(int(lost), shares) if lost > 0 else shares * 0
        zones = tuple(str(group).split("+"))
        for n in names:
            sp = scenario.splits[n]
            label = group if losses.level == "municipality" else scenario.territory
            out.append(
                ZoneTarget(
                    name=f"{n}@{label}",
                    measure=n,
                    value=float(parts[n]),
                    zones=tuple(dict.fromkeys((*zones, *sp.also))),
                    rationale=(
                        f"{sp.share:.0%} of the {int(lost):,} jobs lost in {label}: {sp.rationale}"
                    ),
                )
            )
    return out
