"""Suitability profiles: one validated object per YAML file in ``analyses/``.

A profile says, for one use of the brownfields (logistics, services, social
housing, …), which criteria count, how each is standardised and weighted,
which sites are excluded outright, and how the criteria are aggregated. A new
profile is a new YAML file; the format is documented in ``analyses/README.md``.

Every mistake is a :class:`~seriana_gis._errors.ConfigError` naming the file,
the key and the valid choices (with the closest match to a misspelling).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import ConfigError
from ..config import check_keys, closest, read_yaml
from .aggregate import AGGREGATIONS, TOPSIS_IDEALS
from .standardise import DIRECTIONS, Standardisation, parse_standardisation
from .weights import AHPResult, ahp, validate_weights

FloatArray = npt.NDArray[np.float64]

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
_CRITERION_KEYS = (
    "indicator",
    "direction",
    "standardisation",
    "weight",
    "rationale",
    "uncertainty",
    "label",
)
_WEIGHTING_KEYS = ("method", "criteria", "matrix", "accept_inconsistent")
_WEIGHTING_METHODS = ("direct", "ahp")
_AGG_KEYS = ("method", "order_weights", "ideal")
_CONSTRAINT_KEYS = (
    "min_area_m2",
    "max_snap_m",
    "exclude_intersecting",
    "area_column",
    "snap_column",
)
_ROBUSTNESS_KEYS = ("concentration", "top_k")
_UNCERTAINTY_KEYS = ("relative_sd", "sd")
#: Kinds of indicator a criterion may use, and the keys each accepts.
INDICATOR_KINDS: dict[str, tuple[str, ...]] = {
    "column": ("kind", "column"),
    "distance_to": ("kind", "layer", "where"),
    "count_within": ("kind", "layer", "distance_m", "where"),
    "municipality_value": ("kind", "layer", "column"),
    "raster": ("kind", "layer", "band"),
}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Indicator:
    """Where a criterion's raw values come from.

    Attributes
    ----------
    kind
        ``column`` (a column of the sites frame), ``distance_to`` (metres to
        the nearest feature of a layer), ``count_within`` (features of a layer
        within ``distance_m``), ``municipality_value`` (a column of the polygon
        layer containing the site, default layer ``municipalities``) or
        ``raster`` (the value of a raster band at the site).
    column
        The column (``column``, ``municipality_value``).
    layer
        The other layer or raster, by the name it is passed under.
    distance_m
        The search distance of ``count_within``.
    band
        The raster band, 1-based.
    where
        For ``distance_to`` and ``count_within``: keep only the layer's features
        whose column holds one of the values, as ``((column, (value, ...)), ...)``
        (YAML: ``where: {highway: [motorway, trunk]}``).
    """

    kind: str
    column: str | None = None
    layer: str | None = None
    distance_m: float | None = None
    band: int = 1
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def _tag(self) -> str:
        values = [v for _, vals in self.where for v in vals]
        return "".join(f"_{re.sub(r'[^a-z0-9]+', '_', v.lower())}" for v in values)

    @property
    def key(self) -> str:
        """The column holding the indicator in the working frame."""
        if self.kind == "column":
            assert self.column is not None
            return self.column
        if self.kind == "distance_to":
            return f"dist_{self.layer}{self._tag}_m"
        if self.kind == "count_within":
            assert self.distance_m is not None
            return f"n_{self.layer}{self._tag}_{self.distance_m:g}m"
        if self.kind == "municipality_value":
            return f"{self.layer}_{self.column}"
        return f"raster_{self.layer}_b{self.band}"


@dataclass(frozen=True)
class Uncertainty:
    """A criterion's value uncertainty for Monte Carlo: a normal error.

    ``relative_sd`` multiplies the value by :math:`1 + \\sigma_r \\varepsilon`;
    ``sd`` adds :math:`\\sigma \\varepsilon` in the indicator's unit
    (:math:`\\varepsilon \\sim N(0, 1)`, independent per site and draw).
    """

    relative_sd: float = 0.0
    sd: float = 0.0


@dataclass(frozen=True)
class Criterion:
    """One criterion of a profile."""

    name: str
    indicator: Indicator
    direction: str
    standardisation: Standardisation
    weight: float
    rationale: str = ""
    label: str = ""
    uncertainty: Uncertainty | None = None


@dataclass(frozen=True)
class Constraints:
    """Sites excluded from a profile before scoring.

    Attributes
    ----------
    min_area_m2
        Minimum site area (column ``area_column``).
    max_snap_m
        Maximum distance from the site to the road network it was snapped to
        (column ``snap_column``).
    exclude_intersecting
        Names of polygon layers (passed at run time) a site must not intersect.
    """

    min_area_m2: float | None = None
    max_snap_m: float | None = None
    exclude_intersecting: tuple[str, ...] = ()
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


def _number(value: Any, *, where: str, positive: bool = False, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(float(value)):
        msg = f"{where}: expected a number, got {value!r}."
        raise ConfigError(msg)
    v = float(value)
    if math.isinf(v) or v < minimum or (positive and v <= 0):
        bound = "positive" if positive else f"≥ {minimum:g}"
        msg = f"{where}: expected a finite {bound} number, got {value!r}."
        raise ConfigError(msg)
    return v


def _choice(value: Any, choices: Sequence[str], *, where: str, what: str) -> str:
    v = str(value)
    if v not in choices:
        hint = closest(v, tuple(choices))
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        msg = f"{where}: unknown {what} {v!r}.{did} Valid: {', '.join(choices)}."
        raise ConfigError(msg)
    return v


def _parse_indicator(raw: Any, *, where: str) -> Indicator:
    if isinstance(raw, str) and raw:
        return Indicator("column", column=raw)
    if not isinstance(raw, Mapping):
        msg = (
            f"{where}: 'indicator' must be a column name or a mapping with 'kind' "
            f"(one of {', '.join(INDICATOR_KINDS)})."
        )
        raise ConfigError(msg)
    kind = _choice(
        raw.get("kind", "column"), tuple(INDICATOR_KINDS), where=where, what="indicator kind"
    )
    check_keys(raw, INDICATOR_KINDS[kind], where=f"{where} ({kind})")
    if kind == "column":
        if not isinstance(raw.get("column"), str):
            msg = f"{where}: indicator kind 'column' needs 'column: <name>'."
            raise ConfigError(msg)
        return Indicator("column", column=raw["column"])
    layer = raw.get("layer", "municipalities" if kind == "municipality_value" else None)
    if not isinstance(layer, str) or not layer:
        msg = f"{where}: indicator kind {kind!r} needs 'layer: <name>'."
        raise ConfigError(msg)
    filters = _parse_where(raw.get("where"), where=f"{where}.where")
    if kind == "count_within":
        if "distance_m" not in raw:
            msg = f"{where}: indicator kind 'count_within' needs 'distance_m'."
            raise ConfigError(msg)
        d = _number(raw["distance_m"], where=f"{where}.distance_m", positive=True)
        return Indicator(kind, layer=layer, distance_m=d, where=filters)
    if kind == "municipality_value":
        if not isinstance(raw.get("column"), str):
            msg = f"{where}: indicator kind 'municipality_value' needs 'column: <name>'."
            raise ConfigError(msg)
        return Indicator(kind, layer=layer, column=raw["column"])
    if kind == "raster":
        band = raw.get("band", 1)
        if isinstance(band, bool) or not isinstance(band, int) or band < 1:
            msg = f"{where}: 'band' must be a whole number ≥ 1, got {band!r}."
            raise ConfigError(msg)
        return Indicator(kind, layer=layer, band=band)
    return Indicator(kind, layer=layer, where=filters)


def _parse_where(raw: Any, *, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``{column: value or [values]}`` → the :attr:`Indicator.where` tuples."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping) or not raw:
        msg = f"{where}: expected a mapping of column to value(s), e.g. {{highway: [motorway, trunk]}}."
        raise ConfigError(msg)
    out = []
    for col, vals in raw.items():
        values = vals if isinstance(vals, list) else [vals]
        if not values or not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in values
        ):
            msg = f"{where}.{col}: expected a value or a list of values, got {vals!r}."
            raise ConfigError(msg)
        out.append((str(col), tuple(str(v) for v in values)))
    return tuple(out)


def _parse_uncertainty(raw: Any, *, where: str) -> Uncertainty | None:
    if raw is None:
        return None
    check_keys(raw, _UNCERTAINTY_KEYS, where=where)
    if not raw:
        msg = f"{where}: give 'relative_sd' (e.g. 0.1 for 10 %) or 'sd' (in the indicator's unit)."
        raise ConfigError(msg)
    rel = _number(raw.get("relative_sd", 0.0), where=f"{where}.relative_sd")
    sd = _number(raw.get("sd", 0.0), where=f"{where}.sd")
    return Uncertainty(relative_sd=rel, sd=sd)


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
    if not _NAME_RE.match(pname):
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
    wmethod = _choice(
        weighting.get("method", "direct"),
        _WEIGHTING_METHODS,
        where=f"{where}, weighting",
        what="method",
    )

    parsed: list[dict[str, Any]] = []
    for cname, spec in crit_raw.items():
        cwhere = f"{where}, criteria.{cname}"
        if not _NAME_RE.match(str(cname)):
            msg = f"{cwhere}: criterion names must be lower-case letters, digits and '_'."
            raise ConfigError(msg)
        check_keys(spec, _CRITERION_KEYS, where=cwhere, required=("indicator", "direction"))
        direction = _choice(
            spec["direction"], DIRECTIONS, where=f"{cwhere}.direction", what="direction"
        )
        if wmethod == "direct" and "weight" not in spec:
            msg = f"{cwhere}: missing 'weight' (or set 'weighting: {{method: ahp, ...}}')."
            raise ConfigError(msg)
        if wmethod == "ahp" and "weight" in spec:
            msg = f"{cwhere}: 'weight' is not used with AHP weighting; remove it."
            raise ConfigError(msg)
        parsed.append(
            {
                "name": str(cname),
                "indicator": _parse_indicator(spec["indicator"], where=f"{cwhere}.indicator"),
                "direction": direction,
                "standardisation": parse_standardisation(
                    spec.get("standardisation", "linear_minmax"), where=f"{cwhere}.standardisation"
                ),
                "weight": spec.get("weight"),
                "rationale": str(spec.get("rationale", "")).strip(),
                "label": str(spec.get("label", cname)),
                "uncertainty": _parse_uncertainty(
                    spec.get("uncertainty"), where=f"{cwhere}.uncertainty"
                ),
            }
        )
    names = [p["name"] for p in parsed]

    ahp_result: AHPResult | None = None
    if wmethod == "direct":
        weights = validate_weights(
            {p["name"]: p["weight"] for p in parsed}, where=f"{where}, criteria"
        )
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
    amethod = _choice(
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
    ideal = _choice(
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
        min_area_m2=_number(cons_raw["min_area_m2"], where=f"{where}, constraints.min_area_m2")
        if cons_raw.get("min_area_m2") is not None
        else None,
        max_snap_m=_number(cons_raw["max_snap_m"], where=f"{where}, constraints.max_snap_m")
        if cons_raw.get("max_snap_m") is not None
        else None,
        exclude_intersecting=tuple(excl),
        area_column=str(cons_raw.get("area_column", "area_m2")),
        snap_column=str(cons_raw.get("snap_column", "snap_m")),
    )

    rob_raw = raw.get("robustness") or {}
    check_keys(rob_raw, _ROBUSTNESS_KEYS, where=f"{where}, robustness")
    conc = (
        _number(rob_raw["concentration"], where=f"{where}, robustness.concentration", positive=True)
        if "concentration" in rob_raw
        else None
    )
    top_k = rob_raw.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        msg = f"{where}, robustness.top_k: expected a whole number ≥ 1, got {top_k!r}."
        raise ConfigError(msg)

    criteria = tuple(
        Criterion(
            name=p["name"],
            indicator=p["indicator"],
            direction=p["direction"],
            standardisation=p["standardisation"],
            weight=float(weights[p["name"]]),
            rationale=p["rationale"],
            label=p["label"],
            uncertainty=p["uncertainty"],
        )
        for p in parsed
    )
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
    files = {f.stem: f for f in sorted(d.glob("*.yaml")) if f.stem not in NOT_PROFILES}
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


def default_analyses_dir() -> Path:
    """The shipped ``analyses/`` folder (profiles and allocation scenario)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "analyses", here / "_analyses"):
        if candidate.is_dir():
            return candidate
    msg = "cannot find the shipped analyses/ folder; reinstall seriana_gis."  # pragma: no cover
    raise ConfigError(msg)  # pragma: no cover
