"""Suitability profiles: one validated object per YAML file in ``analyses/``.

A profile says, for one use of the brownfields (logistics, services, social
housing, …), which criteria count, how each is standardised and weighted,
which sites are excluded outright, and how the criteria are aggregated. A new
profile is a new YAML file; the format is documented in ``analyses/README.md``.

Every mistake is a :class:`~seriana_gis._errors.ConfigError` naming the file,
the key and the valid choices (with the closest match to a misspelling).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import ConfigError
from ..config import check_keys, closest, read_yaml
from ..layers.schemas import SCHEMAS
from .aggregate import AGGREGATIONS, TOPSIS_IDEALS
from .criteria import (
    FOOTPRINT_MEASURES,
    INDICATOR_KINDS,
    NAME_RE,
    SITE_KINDS,
    Criterion,
    Indicator,
    Uncertainty,
    check_choice,
    check_number,
    parse_criterion,
)
from .exclusions import Exclusion, parse_exclusions
from .weights import AHPResult, ahp, validate_weights

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "FOOTPRINT_MEASURES",
    "INDICATOR_KINDS",
    "NOT_PROFILES",
    "SITE_KINDS",
    "Aggregation",
    "Constraints",
    "Criterion",
    "Indicator",
    "Profile",
    "Uncertainty",
    "default_analyses_dir",
    "load_profile",
    "load_profiles",
    "parse_profile",
    "profile_files",
]

_TOP_KEYS = (
    "name",
    "title",
    "description",
    "criteria",
    "weighting",
    "aggregation",
    "constraints",
    "robustness",
)
_WEIGHTING_KEYS = ("method", "criteria", "matrix", "accept_inconsistent")
_WEIGHTING_METHODS = ("direct", "ahp")
_AGG_KEYS = ("method", "order_weights", "ideal")
_CONSTRAINT_KEYS = (
    "min_area_m2",
    "max_snap_m",
    "exclude_intersecting",
    "exclude_where",
    "area_column",
    "snap_column",
)
_ROBUSTNESS_KEYS = ("concentration", "top_k")


@dataclass(frozen=True)
class Constraints:
    """Sites excluded from a profile before scoring.

    Attributes
    ----------
    min_area_m2
        Minimum site area (column ``area_column``).
    max_snap_m
        Maximum distance from the site to the road node it was snapped to
        (column ``snap_column``): beyond it the travel times are unreliable.
    exclude_intersecting
        Names of polygon layers (passed at run time) a site must not intersect.
    exclude_where
        Tests on the sites' own columns (status, planned use, heritage, …);
        see :mod:`seriana_gis.suitability.exclusions`.
    """

    min_area_m2: float | None = None
    max_snap_m: float | None = None
    exclude_intersecting: tuple[str, ...] = ()
    exclude_where: tuple[Exclusion, ...] = ()
    area_column: str = "area_m2"
    snap_column: str = "snap_m"


@dataclass(frozen=True)
class Aggregation:
    """How the standardised criteria are combined."""

    method: str = "wlc"
    order_weights: tuple[float, ...] | None = None
    ideal: str = "observed"


@dataclass(frozen=True)
class Profile:
    """A validated suitability profile; build one with :func:`load_profile`.

    Attributes
    ----------
    name
        Identifier used in column names (``score_{name}``).
    criteria
        The criteria in file order; their ``weight`` sums to 1.
    ahp
        The AHP result when the weights come from a pairwise matrix.
    concentration
        Dirichlet concentration of the Monte Carlo weight draws, when the
        profile states one (otherwise the run's default).
    top_k
        The k of "probability of being in the top k", when stated.
    source
        The file the profile was read from.
    """

    name: str
    criteria: tuple[Criterion, ...]
    title: str = ""
    description: str = ""
    aggregation: Aggregation = field(default_factory=Aggregation)
    constraints: Constraints = field(default_factory=Constraints)
    ahp: AHPResult | None = None
    concentration: float | None = None
    top_k: int | None = None
    source: Path | None = None

    @property
    def weights(self) -> FloatArray:
        """The criterion weights, in criterion order."""
        return np.array([c.weight for c in self.criteria], dtype=np.float64)

    @property
    def criterion_names(self) -> list[str]:
        """The criterion names, in order."""
        return [c.name for c in self.criteria]

    @property
    def where(self) -> str:
        """The profile's file (or name) for messages."""
        return str(self.source) if self.source is not None else f"profile {self.name!r}"

    @property
    def is_relative(self) -> bool:
        """True when a site's score depends on the other sites of the run.

        Min–max standardisation, an ideal without a width, and TOPSIS with
        the observed ideal each read the other sites, so adding or removing
        one can reorder the rest; a profile on stated scales cannot.
        """
        return any(c.standardisation.is_relative for c in self.criteria) or (
            self.aggregation.method == "topsis" and self.aggregation.ideal == "observed"
        )

    def without(self, names: Sequence[str]) -> Profile:
        """The profile without the named criteria, the others' weights scaled to sum to 1.

        Raises
        ------
        ConfigError
            A name that is not a criterion, or no criterion left.
        """
        unknown = [n for n in names if n not in self.criterion_names]
        if unknown:
            msg = f"{self.where}: no criterion {', '.join(map(repr, unknown))} to leave out."
            raise ConfigError(msg)
        kept = [c for c in self.criteria if c.name not in names]
        total = sum(c.weight for c in kept)
        if not kept or total <= 0:
            msg = f"{self.where}: leaving out {', '.join(names)} leaves no weighted criterion."
            raise ConfigError(msg)
        criteria = tuple(replace(c, weight=c.weight / total) for c in kept)
        agg = self.aggregation
        if agg.method == "owa" and agg.order_weights is not None:
            # one order weight per position: resample the cumulative order
            # weights (a piecewise-linear quantifier Q) at the new positions,
            # w'_k = Q(k/m') - Q((k-1)/m'), which keeps the attitude (orness)
            m, m2 = len(self.criteria), len(kept)
            cum = np.concatenate([[0.0], np.cumsum(agg.order_weights)])
            q = np.interp(np.arange(m2 + 1) / m2, np.arange(m + 1) / m, cum)
            agg = replace(agg, order_weights=tuple(np.diff(q).tolist()))
        return replace(self, criteria=criteria, aggregation=agg, ahp=None)


def parse_profile(raw: Any, *, name: str, source: Path | None = None) -> Profile:
    """Validate a parsed profile mapping.

    Parameters
    ----------
    raw
        The parsed YAML.
    name
        The profile name when the mapping has no ``name`` (the file stem).
    source
        The file, for messages.

    Returns
    -------
    Profile

    Raises
    ------
    ConfigError
        Unknown or missing keys, unknown directions, standardisations,
        aggregations or indicator kinds, bad weights or AHP matrices.
    """
    where = str(source) if source is not None else f"profile {name!r}"
    check_keys(raw, _TOP_KEYS, where=where, required=("criteria",))
    pname = str(raw.get("name", name))
    if not NAME_RE.match(pname):
        msg = (
            f"{where}: profile name {pname!r} must be lower-case letters, digits and '_' "
            "(it is used in column names such as score_<name>)."
        )
        raise ConfigError(msg)
    crit_raw = raw["criteria"]
    if not isinstance(crit_raw, Mapping) or not crit_raw:
        msg = f"{where}: 'criteria' must map criterion names to their definitions."
        raise ConfigError(msg)

    weighting = raw.get("weighting", {"method": "direct"})
    if isinstance(weighting, str):
        weighting = {"method": weighting}
    check_keys(weighting, _WEIGHTING_KEYS, where=f"{where}, weighting")
    wmethod = check_choice(
        weighting.get("method", "direct"),
        _WEIGHTING_METHODS,
        where=f"{where}, weighting",
        what="method",
    )

    parsed: list[tuple[Criterion, Any]] = [
        parse_criterion(
            str(cname), spec, where=f"{where}, criteria.{cname}", weighted=wmethod == "direct"
        )
        for cname, spec in crit_raw.items()
    ]
    names = [c.name for c, _ in parsed]

    ahp_result: AHPResult | None = None
    if wmethod == "direct":
        weights = validate_weights({c.name: w for c, w in parsed}, where=f"{where}, criteria")
    else:
        order = weighting.get("criteria", names)
        if not isinstance(order, list) or sorted(map(str, order)) != sorted(names):
            msg = (
                f"{where}, weighting.criteria: must list every criterion once, in matrix order; "
                f"criteria are {', '.join(names)}."
            )
            raise ConfigError(msg)
        if "matrix" not in weighting:
            msg = (
                f"{where}, weighting: AHP needs 'matrix' (rows in the order of weighting.criteria)."
            )
            raise ConfigError(msg)
        accept = weighting.get("accept_inconsistent", False)
        if not isinstance(accept, bool):
            msg = f"{where}, weighting.accept_inconsistent: expected true or false, got {accept!r}."
            raise ConfigError(msg)
        ahp_result = ahp(
            weighting["matrix"],
            labels=[str(o) for o in order],
            accept_inconsistent=accept,
            where=f"{where}, weighting.matrix",
        )
        weights = ahp_result.as_dict()

    agg_raw = raw.get("aggregation", {"method": "wlc"})
    if isinstance(agg_raw, str):
        agg_raw = {"method": agg_raw}
    check_keys(agg_raw, _AGG_KEYS, where=f"{where}, aggregation")
    amethod = check_choice(
        agg_raw.get("method", "wlc"),
        AGGREGATIONS,
        where=f"{where}, aggregation",
        what="aggregation",
    )
    order_weights: tuple[float, ...] | None = None
    if amethod == "owa":
        ow = agg_raw.get("order_weights")
        if not isinstance(ow, list) or len(ow) != len(parsed):
            msg = (
                f"{where}, aggregation.order_weights: OWA needs a list of {len(parsed)} order "
                "weights (one per criterion, the first for each site's best value)."
            )
            raise ConfigError(msg)
        ow_norm = validate_weights(
            {f"position {i + 1}": v for i, v in enumerate(ow)},
            where=f"{where}, aggregation.order_weights",
        )
        order_weights = tuple(ow_norm.values())
    elif "order_weights" in agg_raw:
        msg = f"{where}, aggregation: 'order_weights' only applies to method 'owa'."
        raise ConfigError(msg)
    ideal = check_choice(
        agg_raw.get("ideal", "observed"),
        TOPSIS_IDEALS,
        where=f"{where}, aggregation.ideal",
        what="TOPSIS ideal",
    )

    cons_raw = raw.get("constraints") or {}
    check_keys(cons_raw, _CONSTRAINT_KEYS, where=f"{where}, constraints")
    excl = cons_raw.get("exclude_intersecting", [])
    if isinstance(excl, str):
        excl = [excl]
    if not isinstance(excl, list) or not all(isinstance(e, str) for e in excl):
        msg = f"{where}, constraints.exclude_intersecting: expected a list of polygon layer names."
        raise ConfigError(msg)
    constraints = Constraints(
        min_area_m2=check_number(cons_raw["min_area_m2"], where=f"{where}, constraints.min_area_m2")
        if cons_raw.get("min_area_m2") is not None
        else None,
        max_snap_m=check_number(cons_raw["max_snap_m"], where=f"{where}, constraints.max_snap_m")
        if cons_raw.get("max_snap_m") is not None
        else None,
        exclude_intersecting=tuple(excl),
        exclude_where=parse_exclusions(
            cons_raw.get("exclude_where"),
            where=f"{where}, constraints.exclude_where",
            vocabularies={c.name: c.values for c in SCHEMAS["brownfields"].columns if c.values},
        ),
        area_column=str(cons_raw.get("area_column", "area_m2")),
        snap_column=str(cons_raw.get("snap_column", "snap_m")),
    )

    rob_raw = raw.get("robustness") or {}
    check_keys(rob_raw, _ROBUSTNESS_KEYS, where=f"{where}, robustness")
    conc = (
        check_number(
            rob_raw["concentration"], where=f"{where}, robustness.concentration", positive=True
        )
        if "concentration" in rob_raw
        else None
    )
    top_k = rob_raw.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        msg = f"{where}, robustness.top_k: expected a whole number ≥ 1, got {top_k!r}."
        raise ConfigError(msg)

    criteria = tuple(replace(c, weight=float(weights[c.name])) for c, _ in parsed)
    return Profile(
        name=pname,
        title=str(raw.get("title", pname)),
        description=str(raw.get("description", "")).strip(),
        criteria=criteria,
        aggregation=Aggregation(amethod, order_weights, ideal),
        constraints=constraints,
        ahp=ahp_result,
        concentration=conc,
        top_k=top_k,
        source=source,
    )


def load_profile(path: str | Path) -> Profile:
    """Load and validate one profile file.

    Parameters
    ----------
    path
        A YAML file such as ``analyses/logistics.yaml``; the profile is named
        after its ``name`` key, or the file stem.

    Returns
    -------
    Profile

    Raises
    ------
    ConfigError
        The file is missing, unreadable, not YAML, or invalid (see
        :func:`parse_profile`).
    """
    p = Path(path)
    raw, _ = read_yaml(p, what="profile file", hint="See analyses/ for the shipped profiles.")
    return parse_profile(raw, name=p.stem, source=p)


#: Files in ``analyses/`` that are not profiles.
NOT_PROFILES: tuple[str, ...] = ("allocation", "job_loss")


def load_profiles(
    folder: str | Path | None = None, *, names: Sequence[str] | None = None
) -> dict[str, Profile]:
    """Load every profile of a folder (default: the shipped ``analyses/``).

    Parameters
    ----------
    folder
        The folder of ``*.yaml`` profiles; files named in :data:`NOT_PROFILES`
        (``allocation.yaml``) are skipped.
    names
        Load only these profiles (an unknown name is an error listing the
        available ones).

    Returns
    -------
    dict
        Profile name → :class:`Profile`, in file-name order.
    """
    d = Path(folder) if folder is not None else default_analyses_dir()
    files = profile_files(d)
    if names is not None:
        for n in names:
            if n not in files:
                hint = closest(n, tuple(files))
                did = f" Did you mean {hint[0]!r}?" if hint else ""
                msg = f"{d}: no profile {n!r}.{did} Available: {', '.join(files) or 'none'}."
                raise ConfigError(msg)
        files = {n: files[n] for n in names}
    profiles = [load_profile(f) for f in files.values()]
    return {p.name: p for p in profiles}


def profile_files(folder: str | Path | None = None) -> dict[str, Path]:
    """The profile files of a folder (default: the shipped ``analyses/``), by file stem.

    Parameters
    ----------
    folder
        The folder of ``*.yaml`` profiles; files named in :data:`NOT_PROFILES`
        are not profiles.

    Returns
    -------
    dict
        File stem → path, in file-name order (the files are not read).

    Raises
    ------
    ConfigError
        The folder is missing, or holds no profile file.
    """
    d = Path(folder) if folder is not None else default_analyses_dir()
    if not d.is_dir():
        what = "is a file, not a folder" if d.exists() else "not found"
        msg = f"profile folder {d} {what}. Give --analyses the folder of your profile files."
        raise ConfigError(msg)
    files = {f.stem: f for f in sorted(d.glob("*.yaml")) if f.stem not in NOT_PROFILES}
    if not files:
        msg = (
            f"profile folder {d} holds no profile file (*.yaml besides "
            f"{', '.join(f'{n}.yaml' for n in NOT_PROFILES)}). Write one (see the shipped "
            "analyses/ folder and the user guide, section 3), or give --analyses another folder."
        )
        raise ConfigError(msg)
    return files


def default_analyses_dir() -> Path:
    """The shipped ``analyses/`` folder (profiles and allocation scenario)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "analyses", here / "_analyses"):
        if candidate.is_dir():
            return candidate
    msg = "cannot find the shipped analyses/ folder; reinstall seriana_gis."  # pragma: no cover
    raise ConfigError(msg)  # pragma: no cover
