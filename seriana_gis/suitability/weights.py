"""Criterion weights: given directly, or derived from an AHP pairwise matrix.

Direct weights are validated (finite, non-negative, not all zero) and
normalised to sum to 1.

The Analytic Hierarchy Process (Saaty 1977, 1980) derives weights from a
pairwise comparison matrix :math:`A` (:math:`a_{ij}` says how many times
criterion *i* is more important than *j*, on Saaty's 1–9 scale, with
:math:`a_{ji} = 1/a_{ij}`). The weights are the principal right eigenvector
:math:`w` of :math:`A`, :math:`A w = \\lambda_{max} w`, normalised to sum 1.
Consistency:

.. math::

    CI = \\frac{\\lambda_{max} - n}{n - 1}, \\qquad CR = \\frac{CI}{RI_n}

with Saaty's random index :math:`RI_n` (the mean CI of random reciprocal
matrices). Above :math:`CR = 0.1` the judgements should be revised; the
least consistent judgements are those whose ratio to the value implied by the
weights, :math:`\\varepsilon_{ij} = a_{ij} w_j / w_i`, is farthest from 1
(on a log scale, so that 3 and 1/3 are equally far), following Saaty (2003),
"Decision-making with the AHP: why is the principal eigenvector necessary",
*EJOR* 145, 85–91, who identifies the most inconsistent judgement by the
largest :math:`\\varepsilon_{ij}` and revises it first.

References
----------
Saaty, T. L. (1977). A scaling method for priorities in hierarchical
structures. *J. Math. Psychology* 15(3), 234–281.
Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
Saaty, T. L. (2008). Decision making with the analytic hierarchy process.
*Int. J. Services Sciences* 1(1), 83–98.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import ConfigError

FloatArray = npt.NDArray[np.float64]

#: Saaty's random consistency index RI by matrix order n (Saaty 1980 for
#: n ≤ 10; n = 11–15 as tabulated in Saaty 2008 and later texts).
RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}
#: The consistency ratio above which judgements must be revised.
CR_THRESHOLD = 0.1
_RECIPROCAL_RTOL = 0.02


def validate_weights(weights: Mapping[str, Any], *, where: str) -> dict[str, float]:
    """Check direct weights and normalise them to sum to 1.

    Parameters
    ----------
    weights
        Criterion name → weight (any positive scale: 0.3/0.7 or 3/7).
    where
        Where the weights come from, for messages (file and profile).

    Returns
    -------
    dict
        Criterion → weight, summing to 1, in the given order.

    Raises
    ------
    ConfigError
        A weight that is missing, not a number, NaN, infinite or negative, or
        weights that are all zero.
    """
    out: dict[str, float] = {}
    for name, value in weights.items():
        if value is None:
            msg = f"{where}: criterion {name!r} has no weight; give 'weight: <number>' or use AHP."
            raise ConfigError(msg)
        if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
            msg = f"{where}: weight of criterion {name!r} must be a number, got {value!r}."
            raise ConfigError(msg)
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            msg = f"{where}: weight of criterion {name!r} is {v}; weights must be finite numbers."
            raise ConfigError(msg)
        if v < 0:
            msg = (
                f"{where}: weight of criterion {name!r} is negative ({v:g}). Weights must be "
                "≥ 0; to prefer low values, set 'direction: cost' instead."
            )
            raise ConfigError(msg)
        out[str(name)] = v
    total = sum(out.values())
    if not out or total <= 0:
        msg = f"{where}: all weights are zero; at least one criterion needs a positive weight."
        raise ConfigError(msg)
    return {k: v / total for k, v in out.items()}


@dataclass(frozen=True)
class Judgement:
    """One pairwise judgement and how far it is from what the weights imply."""

    row: str
    col: str
    given: float
    implied: float
    epsilon: float

    def __str__(self) -> str:
        return (
            f"{self.row} vs {self.col}: given {_fmt(self.given)}, "
            f"consistent value {_fmt(self.implied)}"
        )


def _fmt(v: float) -> str:
    return f"1/{1 / v:.3g}" if v < 1 else f"{v:.3g}"


@dataclass(frozen=True)
class AHPResult:
    """Weights and consistency of an AHP pairwise comparison matrix.

    Attributes
    ----------
    labels
        The criteria, in matrix order.
    weights
        Principal eigenvector, normalised to sum 1.
    lambda_max
        Principal eigenvalue.
    ci, ri, cr
        Consistency index, random index and consistency ratio (0 for n ≤ 2).
    judgements
        Every judgement above the diagonal, least consistent first.
    """

    labels: tuple[str, ...]
    weights: FloatArray
    lambda_max: float
    ci: float
    ri: float
    cr: float
    judgements: tuple[Judgement, ...]

    def as_dict(self) -> dict[str, float]:
        """Criterion → weight."""
        return dict(zip(self.labels, self.weights.tolist(), strict=True))


def _parse_entry(value: Any, *, where: str) -> float:
    if isinstance(value, bool):
        msg = f"{where}: {value!r} is not a pairwise judgement (use 1–9 or fractions like '1/3')."
        raise ConfigError(msg)
    if isinstance(value, str):
        try:
            return float(Fraction(value.replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            msg = f"{where}: {value!r} is not a number or fraction such as '1/3'."
            raise ConfigError(msg) from None
    if isinstance(value, int | float | np.number):
        return float(value)
    msg = f"{where}: {value!r} is not a number or fraction such as '1/3'."
    raise ConfigError(msg)


def ahp(
    matrix: Sequence[Sequence[Any]] | npt.ArrayLike,
    *,
    labels: Sequence[str] | None = None,
    accept_inconsistent: bool = False,
    where: str = "AHP matrix",
) -> AHPResult:
    """Derive weights from a pairwise comparison matrix (Saaty's eigenvector method).

    Parameters
    ----------
    matrix
        Square matrix of positive judgements; entries may be numbers or
        fraction strings (``"1/3"``). Must be reciprocal
        (:math:`a_{ji} a_{ij} = 1`, to 2 %) with ones on the diagonal.
    labels
        Criterion names in matrix order (default ``c1, c2, …``).
    accept_inconsistent
        Return the result even when :math:`CR > 0.1`.
    where
        Where the matrix is, for messages.

    Returns
    -------
    AHPResult

    Raises
    ------
    ConfigError
        A matrix that is not square, has non-positive or non-numeric entries,
        is not reciprocal, has more than 15 rows, or whose CR exceeds 0.1
        (the message names the least consistent judgements and the values
        that would be consistent) unless ``accept_inconsistent``.
    """
    rows: list[Any] = matrix.tolist() if isinstance(matrix, np.ndarray) else list(matrix)  # type: ignore[arg-type]
    n = len(rows)
    if n == 0 or any(not isinstance(r, Sequence | np.ndarray) or len(r) != n for r in rows):
        msg = f"{where}: the pairwise matrix must be square (n rows of n judgements)."
        raise ConfigError(msg)
    names = tuple(labels) if labels is not None else tuple(f"c{i + 1}" for i in range(n))
    if len(names) != n:
        msg = f"{where}: {len(names)} criteria named but the matrix has {n} rows."
        raise ConfigError(msg)
    if n > max(RANDOM_INDEX):
        msg = f"{where}: AHP supports at most {max(RANDOM_INDEX)} criteria, got {n}."
        raise ConfigError(msg)
    a = np.array(
        [
            [_parse_entry(v, where=f"{where}[{i}][{j}]") for j, v in enumerate(r)]
            for i, r in enumerate(rows)
        ],
        dtype=np.float64,
    )
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        msg = f"{where}: every judgement must be a positive finite number."
        raise ConfigError(msg)
    if not np.allclose(np.diag(a), 1.0):
        msg = f"{where}: the diagonal must be all 1 (a criterion compared with itself)."
        raise ConfigError(msg)
    prod = a * a.T
    bad = np.argwhere(np.abs(prod - 1.0) > _RECIPROCAL_RTOL)
    if bad.size:
        i, j = bad[0]
        msg = (
            f"{where}: the matrix is not reciprocal: {names[i]} vs {names[j]} is "
            f"{_fmt(a[i, j])} but {names[j]} vs {names[i]} is {_fmt(a[j, i])} "
            f"(should be {_fmt(1 / a[i, j])})."
        )
        raise ConfigError(msg)

    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    lam = float(vals[k].real)
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    ci = max(0.0, (lam - n) / (n - 1)) if n > 2 else 0.0
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else 0.0
    judgements = []
    for i in range(n):
        for j in range(i + 1, n):
            implied = float(w[i] / w[j])
            judgements.append(
                Judgement(names[i], names[j], float(a[i, j]), implied, float(a[i, j] / implied))
            )
    judgements.sort(key=lambda jd: -abs(math.log(jd.epsilon)))
    result = AHPResult(names, w, lam, ci, ri, cr, tuple(judgements))
    if cr > CR_THRESHOLD and not accept_inconsistent:
        worst = "; ".join(str(jd) for jd in judgements[:3])
        msg = (
            f"{where}: the pairwise judgements are inconsistent (CR = {cr:.3f} > "
            f"{CR_THRESHOLD}). Least consistent: {worst}. Revise these, or set "
            "'accept_inconsistent: true' to use the weights anyway."
        )
        raise ConfigError(msg)
    return result
