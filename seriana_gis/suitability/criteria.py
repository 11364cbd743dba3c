"""The criteria of a suitability profile: indicators, uncertainties, and their parsing.

A criterion says where a value comes from (:class:`Indicator`), whether more
is better, how it is standardised and weighted, how uncertain it is, and what
to do when it is missing. :func:`parse_criterion` validates one criterion of a
profile file; :mod:`seriana_gis.suitability.profile` assembles a profile from
them. Every mistake is a :class:`~seriana_gis._errors.ConfigError` naming the
file, the criterion and the valid choices.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import columns as cols
from .._errors import ConfigError
from ..config import check_keys, closest
from .standardise import DIRECTIONS, Standardisation, parse_standardisation

_CRITERION_KEYS = (
    "indicator",
    "direction",
    "standardisation",
    "weight",
    "rationale",
    "uncertainty",
    "label",
    "unit",
    "missing_score",
    "optional",
)
_UNCERTAINTY_KEYS = ("relative_sd", "sd")
#: Kinds of indicator a criterion may use, and the keys each accepts.
INDICATOR_KINDS: dict[str, tuple[str, ...]] = {
    "column": ("kind", "column"),
    "category": ("kind", "column", "scores", "match"),
    "distance_to": ("kind", "layer", "where"),
    "count_within": ("kind", "layer", "distance_m", "where"),
    "municipality_value": ("kind", "layer", "column"),
    "raster": ("kind", "layer", "band"),
    "footprint": ("kind", "measure", "where"),
    "residents_within": ("kind", "distance_m", "layer", "column", "residential"),
    "overlap_share": ("kind", "layer", "where"),
}
#: Kinds computed from the sites' own frame (no other layer needed).
SITE_KINDS: tuple[str, ...] = ("column", "category", "footprint")
#: Measures of the ``footprint`` indicator.
FOOTPRINT_MEASURES: tuple[str, ...] = ("compactness", "area_m2")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Indicator:
    """Where a criterion's raw values come from.

    Attributes
    ----------
    kind
        ``column`` (a column of the sites frame), ``category`` (a column of
        text values scored by a table), ``distance_to`` (metres to the nearest
        feature of a layer), ``count_within`` (features of a layer within
        ``distance_m``), ``municipality_value`` (a column of the polygon layer
        containing the site, default layer ``municipalities``), ``raster``
        (the value of a raster band at the site), ``footprint`` (a measure of
        the site's own polygon), ``residents_within`` (residents estimated
        within ``distance_m`` of the footprint) or ``overlap_share`` (the share
        of the footprint inside a polygon layer: a flood-hazard area).
    column
        The column (``column``, ``category``, ``municipality_value``; the
        population column for ``residents_within``).
    layer
        The other layer or raster, by the name it is passed under.
    distance_m
        The search distance of ``count_within`` and ``residents_within``.
    band
        The raster band, 1-based.
    where
        For ``distance_to``, ``count_within`` and ``overlap_share``: keep only
        the layer's features whose column holds one of the values, as
        ``((column, (value, ...)), ...)`` (YAML: ``where: {highway: [motorway,
        trunk]}``). For ``footprint``: measure only the sites whose column
        holds one of the values (the others get no value).
    scores
        For ``category``: value → score, ``"*"`` for every other value
        (missing ones included).
    match
        For ``category``: ``exact`` (the value is the key, ignoring case) or
        ``contains`` (the value contains the key; the first key in table
        order wins).
    measure
        For ``footprint``: one of :data:`FOOTPRINT_MEASURES`.
    residential
        For ``residents_within``: a polygon layer of residential land use or
        buildings the residents live in (optional).
    """

    kind: str
    column: str | None = None
    layer: str | None = None
    distance_m: float | None = None
    band: int = 1
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    scores: tuple[tuple[str, float], ...] = ()
    match: str = "exact"
    measure: str | None = None
    residential: str | None = None

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
        if self.kind == "category":
            assert self.column is not None
            return cols.category_score(self.column)
        if self.kind == "footprint":
            return cols.footprint(str(self.measure))
        if self.kind == "residents_within":
            assert self.distance_m is not None
            return cols.residents_within(self.distance_m)
        if self.kind == "overlap_share":
            return cols.overlap_share(str(self.layer), self._tag)
        if self.kind == "distance_to":
            return cols.distance_to(str(self.layer), self._tag)
        if self.kind == "count_within":
            assert self.distance_m is not None
            return cols.count_within(str(self.layer), self.distance_m, self._tag)
        if self.kind == "municipality_value":
            assert self.column is not None
            return cols.layer_value(str(self.layer), self.column)
        return cols.raster_band(str(self.layer), self.band)


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
    """One criterion of a profile.

    Attributes
    ----------
    unit
        The indicator's unit, for the texts that explain a rank (``min``,
        ``m``, ``m²``, ``residents``).
    missing_score
        The standardised value (0–1) a site gets when its indicator is
        missing, stated in the profile with its reason; without it a missing
        value excludes the site.
    optional
        When the indicator's layer or raster is not given, or the sites lack
        its column, the profile runs without this criterion (its weight
        shared out over the others in proportion) and says so; otherwise a
        missing layer or column is an error.
    """

    name: str
    indicator: Indicator
    direction: str
    standardisation: Standardisation
    weight: float
    rationale: str = ""
    label: str = ""
    uncertainty: Uncertainty | None = None
    unit: str = ""
    missing_score: float | None = None
    optional: bool = False


def check_number(
    value: Any,
    *,
    where: str,
    positive: bool = False,
    minimum: float = 0.0,
    maximum: float = math.inf,
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(float(value)):
        msg = f"{where}: expected a number, got {value!r}."
        raise ConfigError(msg)
    v = float(value)
    if math.isinf(v) or v < minimum or v > maximum or (positive and v <= 0):
        bound = "positive" if positive else f"≥ {minimum:g}" if minimum > -math.inf else ""
        if maximum < math.inf:
            bound = f"{bound} and ≤ {maximum:g}".strip()
        msg = f"{where}: expected a finite {bound} number, got {value!r}.".replace("  ", " ")
        raise ConfigError(msg)
    return v


def check_flag(value: Any, *, where: str) -> bool:
    if not isinstance(value, bool):
        msg = f"{where}: expected true or false, got {value!r}."
        raise ConfigError(msg)
    return value


def check_choice(value: Any, choices: Sequence[str], *, where: str, what: str) -> str:
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
    kind = check_choice(
        raw.get("kind", "column"), tuple(INDICATOR_KINDS), where=where, what="indicator kind"
    )
    check_keys(raw, INDICATOR_KINDS[kind], where=f"{where} ({kind})")
    if kind in ("column", "category"):
        if not isinstance(raw.get("column"), str):
            msg = f"{where}: indicator kind {kind!r} needs 'column: <name>'."
            raise ConfigError(msg)
        if kind == "column":
            return Indicator("column", column=raw["column"])
        match = check_choice(
            raw.get("match", "exact"), ("exact", "contains"), where=f"{where}.match", what="match"
        )
        return Indicator(
            "category",
            column=raw["column"],
            scores=_parse_scores(raw.get("scores"), where=where),
            match=match,
        )
    if kind == "footprint":
        measure = check_choice(
            raw.get("measure"), FOOTPRINT_MEASURES, where=f"{where}.measure", what="measure"
        )
        return Indicator(
            "footprint",
            measure=measure,
            where=_parse_where(raw.get("where"), where=f"{where}.where"),
        )
    default_layer = "municipalities" if kind in ("municipality_value", "residents_within") else None
    layer = raw.get("layer", default_layer)
    if not isinstance(layer, str) or not layer:
        msg = f"{where}: indicator kind {kind!r} needs 'layer: <name>'."
        raise ConfigError(msg)
    filters = _parse_where(raw.get("where"), where=f"{where}.where")
    if kind == "residents_within":
        if "distance_m" not in raw:
            msg = f"{where}: indicator kind 'residents_within' needs 'distance_m' (e.g. 500)."
            raise ConfigError(msg)
        d = check_number(raw["distance_m"], where=f"{where}.distance_m", positive=True)
        residential = raw.get("residential")
        if residential is not None and (not isinstance(residential, str) or not residential):
            msg = f"{where}.residential: expected the name of a polygon layer, got {residential!r}."
            raise ConfigError(msg)
        column = raw.get("column", "population")
        if not isinstance(column, str) or not column:
            msg = f"{where}.column: expected the population column of {layer!r}, got {column!r}."
            raise ConfigError(msg)
        return Indicator(kind, layer=layer, distance_m=d, column=column, residential=residential)
    if kind == "count_within":
        if "distance_m" not in raw:
            msg = f"{where}: indicator kind 'count_within' needs 'distance_m'."
            raise ConfigError(msg)
        d = check_number(raw["distance_m"], where=f"{where}.distance_m", positive=True)
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


def _parse_scores(raw: Any, *, where: str) -> tuple[tuple[str, float], ...]:
    """``{value: score, "*": score}`` → the :attr:`Indicator.scores` pairs."""
    if not isinstance(raw, Mapping) or not raw:
        msg = (
            f"{where}: indicator kind 'category' needs 'scores', a mapping of value to score, "
            'e.g. {listed: 1, "*": 0} ("*" for every other value, missing ones included).'
        )
        raise ConfigError(msg)
    out = []
    for value, score in raw.items():
        out.append(
            (str(value), check_number(score, where=f"{where}.scores.{value}", minimum=-math.inf))
        )
    return tuple(out)


def _parse_uncertainty(raw: Any, *, where: str) -> Uncertainty | None:
    if raw is None:
        return None
    check_keys(raw, _UNCERTAINTY_KEYS, where=where)
    if not raw:
        msg = f"{where}: give 'relative_sd' (e.g. 0.1 for 10 %) or 'sd' (in the indicator's unit)."
        raise ConfigError(msg)
    rel = check_number(raw.get("relative_sd", 0.0), where=f"{where}.relative_sd")
    sd = check_number(raw.get("sd", 0.0), where=f"{where}.sd")
    return Uncertainty(relative_sd=rel, sd=sd)


def parse_criterion(name: str, spec: Any, *, where: str, weighted: bool) -> tuple[Criterion, Any]:
    """Validate one criterion of a profile.

    Parameters
    ----------
    name
        The criterion's name (its key under ``criteria``).
    spec
        Its parsed YAML mapping.
    where
        The file and key, for messages.
    weighted
        Whether the profile gives direct weights (then ``weight`` is required;
        with AHP weighting it is forbidden).

    Returns
    -------
    tuple
        The criterion with weight 0 (the profile sets the normalised weights)
        and the raw weight as given (None under AHP).
    """
    if not NAME_RE.match(name):
        msg = f"{where}: criterion names must be lower-case letters, digits and '_'."
        raise ConfigError(msg)
    check_keys(spec, _CRITERION_KEYS, where=where, required=("indicator", "direction"))
    direction = check_choice(
        spec["direction"], DIRECTIONS, where=f"{where}.direction", what="direction"
    )
    if weighted and "weight" not in spec:
        msg = f"{where}: missing 'weight' (or set 'weighting: {{method: ahp, ...}}')."
        raise ConfigError(msg)
    if not weighted and "weight" in spec:
        msg = f"{where}: 'weight' is not used with AHP weighting; remove it."
        raise ConfigError(msg)
    missing = spec.get("missing_score")
    criterion = Criterion(
        name=name,
        indicator=_parse_indicator(spec["indicator"], where=f"{where}.indicator"),
        direction=direction,
        standardisation=parse_standardisation(
            spec.get("standardisation", "linear_minmax"), where=f"{where}.standardisation"
        ),
        weight=0.0,
        rationale=str(spec.get("rationale", "")).strip(),
        label=str(spec.get("label", name)),
        uncertainty=_parse_uncertainty(spec.get("uncertainty"), where=f"{where}.uncertainty"),
        unit=str(spec.get("unit", "")),
        missing_score=None
        if missing is None
        else check_number(missing, where=f"{where}.missing_score", maximum=1.0),
        optional=check_flag(spec.get("optional", False), where=f"{where}.optional"),
    )
    return criterion, spec.get("weight")
