"""Standardisation: criterion values onto the common 0–1 suitability scale.

Every method maps raw indicator values ``x`` (minutes, metres, persons, …) to
a standardised value ``s`` in [0, 1], where 1 is most suitable. Each is first
defined for a *benefit* criterion (more is better); for a *cost* criterion
(less is better) the value is ``1 - s`` (the step threshold is the one
exception: a cost passes when ``x <= threshold``). A missing value (NaN) stays
NaN: the scorer flags the site, it never scores a missing value as zero.

Methods (names used in profile files):

``linear_minmax``
    :math:`s = (x - x_{min}) / (x_{max} - x_{min})` over the values given
    (Malczewski 1999, ch. 4). When all values are equal every site gets 1.
``linear_range``
    :math:`s = \\mathrm{clip}((x - low) / (high - low), 0, 1)`: linear over a
    fixed range, so that scores do not depend on which other sites are in the
    run.
``fuzzy_linear``
    Linear fuzzy membership with thresholds ``a`` (membership 0) and ``b``
    (membership 1), :math:`a < b`; identical in form to ``linear_range``,
    named after Eastman's FUZZY module.
``fuzzy_sigmoid``
    Eastman's sigmoidal membership: 0 up to ``a``, 1 from ``b``, and between
    :math:`s = \\cos^2(\\alpha)` with
    :math:`\\alpha = (1 - (x - a)/(b - a))\\,\\pi/2` (Eastman 1999, IDRISI FUZZY).
``fuzzy_j``
    Eastman's J-shaped membership: 1 from ``b``; below,
    :math:`s = 1 / (1 + ((x - b)/(b - a))^2)`, so ``a`` is the point of
    membership 0.5 and the curve never reaches 0.
``step``
    Boolean threshold: benefit :math:`s = [x \\ge t]`, cost :math:`s = [x \\le t]`.
``ideal``
    Closeness to an ideal value ``ideal``:
    :math:`s = \\max(0, 1 - |x - ideal| / width)`; without ``width`` the
    largest observed distance from the ideal is used (Malczewski 1999's
    ideal-point standardisation). A cost direction gives ``1 - s``.

References
----------
Malczewski, J. (1999). *GIS and Multicriteria Decision Analysis*. Wiley.
Eastman, J. R. (1999). Multi-criteria evaluation and GIS. In Longley et al.
(eds.), *Geographical Information Systems*, 493–502. Wiley.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import ConfigError

FloatArray = npt.NDArray[np.float64]

#: Directions a criterion can have.
DIRECTIONS: tuple[str, ...] = ("benefit", "cost")


def _as_float(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _orient(s: FloatArray, direction: str) -> FloatArray:
    return s if direction == "benefit" else 1.0 - s


def linear_minmax(x: npt.ArrayLike, *, direction: str = "benefit") -> FloatArray:
    """Linear min–max standardisation over the last axis.

    Parameters
    ----------
    x
        Raw values; a 2-D array is standardised row by row (one row per
        Monte Carlo draw). NaN values are ignored for the minimum and maximum
        and stay NaN.
    direction
        ``benefit`` or ``cost``.

    Returns
    -------
    numpy.ndarray
        :math:`(x - x_{min}) / (x_{max} - x_{min})` (benefit) or its
        complement (cost); 1 everywhere when all values are equal.
    """
    v = _as_float(x)
    finite = np.isfinite(v)
    if not finite.any():
        return np.full_like(v, np.nan)
    lo = np.min(np.where(finite, v, np.inf), axis=-1, keepdims=True)
    hi = np.max(np.where(finite, v, -np.inf), axis=-1, keepdims=True)
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    s = np.where(span > 0, (v - lo) / safe, 1.0)
    s = np.where(finite, s, np.nan)
    if direction == "cost":
        return np.where(span > 0, 1.0 - s, s)
    return s


def linear_range(
    x: npt.ArrayLike, *, low: float, high: float, direction: str = "benefit"
) -> FloatArray:
    """Linear standardisation over a fixed range ``[low, high]``, clipped to [0, 1].

    :math:`s = \\mathrm{clip}((x - low) / (high - low), 0, 1)` for a benefit,
    :math:`1 - s` for a cost.
    """
    v = _as_float(x)
    s = np.clip((v - low) / (high - low), 0.0, 1.0)
    return _orient(s, direction)


def fuzzy_linear(x: npt.ArrayLike, *, a: float, b: float, direction: str = "benefit") -> FloatArray:
    """Linear fuzzy membership: 0 at or below ``a``, 1 at or above ``b`` (benefit)."""
    return linear_range(x, low=a, high=b, direction=direction)


def fuzzy_sigmoid(
    x: npt.ArrayLike, *, a: float, b: float, direction: str = "benefit"
) -> FloatArray:
    """Eastman's sigmoidal (cosine-squared) fuzzy membership.

    For a benefit: 0 at or below ``a``, 1 at or above ``b`` and between
    :math:`\\cos^2(\\alpha)`, :math:`\\alpha = (1 - (x - a)/(b - a))\\,\\pi/2`;
    the midpoint of ``a`` and ``b`` has membership 0.5. A cost is ``1 - s``.
    """
    v = _as_float(x)
    t = np.clip((v - a) / (b - a), 0.0, 1.0)
    s = np.cos((1.0 - t) * np.pi / 2.0) ** 2
    return _orient(s, direction)


def fuzzy_j(x: npt.ArrayLike, *, a: float, b: float, direction: str = "benefit") -> FloatArray:
    """Eastman's J-shaped fuzzy membership.

    For a benefit: 1 at or above ``b``; below, :math:`1/(1 + ((x-b)/(b-a))^2)`
    (0.5 at ``a``). A cost is ``1 - s``.
    """
    v = _as_float(x)
    z = np.minimum(v - b, 0.0) / (b - a)
    s = 1.0 / (1.0 + z * z)
    return _orient(s, direction)


def step(x: npt.ArrayLike, *, threshold: float, direction: str = "benefit") -> FloatArray:
    """Boolean threshold: benefit ``x >= threshold`` → 1, cost ``x <= threshold`` → 1."""
    v = _as_float(x)
    with np.errstate(invalid="ignore"):
        s = (v >= threshold) if direction == "benefit" else (v <= threshold)
    return np.where(np.isnan(v), np.nan, s.astype(np.float64))


def ideal(
    x: npt.ArrayLike,
    *,
    ideal: float,
    width: float | None = None,
    direction: str = "benefit",
) -> FloatArray:
    """Closeness to an ideal value.

    :math:`s = \\max(0, 1 - |x - ideal| / width)`; when ``width`` is not given
    it is the largest observed :math:`|x - ideal|` (per row for 2-D input).
    All values at the ideal get 1.
    """
    v = _as_float(x)
    d = np.abs(v - ideal)
    if width is None:
        finite = np.isfinite(d)
        w = np.max(np.where(finite, d, -np.inf), axis=-1, keepdims=True) if finite.any() else 0.0
        w_arr = np.asarray(w, dtype=np.float64)
        s = np.where(w_arr > 0, 1.0 - d / np.where(w_arr > 0, w_arr, 1.0), 1.0)
    else:
        s = np.maximum(0.0, 1.0 - d / width)
    s = np.where(np.isnan(v), np.nan, s)
    return _orient(s, direction)


@dataclass(frozen=True)
class Method:
    """A standardisation method: its function and the parameters it needs."""

    func: Callable[..., FloatArray]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    doc: str = ""


#: The standardisation methods a profile may name.
METHODS: dict[str, Method] = {
    "linear_minmax": Method(linear_minmax, (), (), "min–max over the sites of the run"),
    "linear_range": Method(linear_range, ("low", "high"), (), "linear over [low, high], clipped"),
    "fuzzy_linear": Method(fuzzy_linear, ("a", "b"), (), "linear membership 0 at a, 1 at b"),
    "fuzzy_sigmoid": Method(fuzzy_sigmoid, ("a", "b"), (), "cosine² membership 0 at a, 1 at b"),
    "fuzzy_j": Method(fuzzy_j, ("a", "b"), (), "J-shaped membership 0.5 at a, 1 at b"),
    "step": Method(step, ("threshold",), (), "1 when the threshold is passed, else 0"),
    "ideal": Method(ideal, ("ideal",), ("width",), "closeness to an ideal value"),
}


@dataclass(frozen=True)
class Standardisation:
    """A validated standardisation: method name and its numeric parameters."""

    method: str = "linear_minmax"
    params: Mapping[str, float] = field(default_factory=dict)

    def apply(self, x: npt.ArrayLike, *, direction: str) -> FloatArray:
        """Standardise ``x`` (1-D, or 2-D with one row per draw) for ``direction``."""
        return METHODS[self.method].func(x, direction=direction, **dict(self.params))

    @property
    def is_relative(self) -> bool:
        """True when the result depends on the other sites (min–max, ideal without width)."""
        return self.method == "linear_minmax" or (
            self.method == "ideal" and "width" not in self.params
        )


def parse_standardisation(raw: Any, *, where: str) -> Standardisation:
    """Validate a standardisation given in a profile.

    Parameters
    ----------
    raw
        A method name (``"linear_minmax"``) or a mapping
        ``{method: fuzzy_sigmoid, a: 5, b: 30}``.
    where
        Where it is, for error messages (file and criterion).

    Raises
    ------
    ConfigError
        Unknown method (with the closest valid names), missing, unknown or
        non-numeric parameters, or an empty range (``a >= b``, ``low >= high``,
        ``width <= 0``).
    """
    from ..config import closest

    if isinstance(raw, str):
        raw = {"method": raw}
    if not isinstance(raw, Mapping) or "method" not in raw:
        msg = (
            f"{where}: standardisation must be a method name or a mapping with 'method' "
            f"(one of {', '.join(METHODS)})."
        )
        raise ConfigError(msg)
    name = str(raw["method"])
    if name not in METHODS:
        hint = closest(name, tuple(METHODS))
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        msg = f"{where}: unknown standardisation {name!r}.{did} Valid: {', '.join(METHODS)}."
        raise ConfigError(msg)
    method = METHODS[name]
    allowed = ("method", *method.required, *method.optional)
    params: dict[str, float] = {}
    for key, value in raw.items():
        if key == "method":
            continue
        if key not in allowed:
            hint = closest(str(key), allowed)
            did = f" Did you mean {hint[0]!r}?" if hint else ""
            msg = (
                f"{where}: unknown parameter {key!r} for standardisation {name!r}.{did} "
                f"Valid: {', '.join(allowed)}."
            )
            raise ConfigError(msg)
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            msg = f"{where}: parameter {key!r} of {name!r} must be a finite number, got {value!r}."
            raise ConfigError(msg)
        params[str(key)] = float(value)
    missing = [k for k in method.required if k not in params]
    if missing:
        msg = (
            f"{where}: standardisation {name!r} needs {', '.join(missing)} "
            f"({method.doc}); for example {{method: {name}, "
            + ", ".join(f"{k}: ..." for k in method.required)
            + "}."
        )
        raise ConfigError(msg)
    for lo, hi in (("low", "high"), ("a", "b")):
        if lo in params and hi in params and not params[lo] < params[hi]:
            msg = (
                f"{where}: {name!r} needs {lo} < {hi}, got {lo}={params[lo]:g}, "
                f"{hi}={params[hi]:g}; the direction (benefit/cost) says which end is good."
            )
            raise ConfigError(msg)
    if "width" in params and params["width"] <= 0:
        msg = f"{where}: 'width' of 'ideal' must be positive, got {params['width']:g}."
        raise ConfigError(msg)
    return Standardisation(name, params)
