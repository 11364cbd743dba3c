"""Aggregation: standardised criteria and weights into one suitability score.

Every function takes the standardised values ``s`` with shape
``(..., n_sites, n_criteria)`` (values in [0, 1], 1 best, no NaN) and the
weights ``w`` with shape ``(..., n_criteria)`` summing to 1, and returns the
scores with shape ``(..., n_sites)`` in [0, 1]. Leading axes broadcast, so a
stack of Monte Carlo draws is aggregated in one call: ``s`` of shape
``(n_sites, m)`` with ``w`` of shape ``(n_draws, m)`` gives
``(n_draws, n_sites)``.

``wlc``
    Weighted linear combination :math:`S_i = \\sum_j w_j s_{ij}`
    (Malczewski 1999; Eastman 1999).
``topsis``
    Technique for Order Preference by Similarity to Ideal Solution (Hwang &
    Yoon 1981), applied to the standardised values: :math:`v_{ij} = w_j s_{ij}`;
    the ideal :math:`v^+_j` and anti-ideal :math:`v^-_j` are the best and worst
    observed values (``ideal="observed"``, the classic form) or the ends of the
    scale, :math:`w_j` and 0 (``ideal="absolute"``, so a site's score does not
    depend on the others);
    :math:`D^\\pm_i = \\lVert v_i - v^\\pm \\rVert_2` and
    :math:`S_i = D^-_i / (D^+_i + D^-_i)` (1 when the site is the ideal).
``owa``
    Ordered weighted averaging with criterion weights (Yager 1988; in the
    GIS form of Malczewski 2006): for each site sort its values descending,
    :math:`z_{i(1)} \\ge \\dots \\ge z_{i(m)}`, carry their criterion weights
    :math:`u_{(k)}` along, and with order weights :math:`v_k`
    :math:`S_i = \\sum_k u_{(k)} v_k z_{i(k)} / \\sum_k u_{(k)} v_k`.
    Equal order weights give WLC; all weight on the first position is the
    most optimistic (OR-like), on the last the most pessimistic (AND-like).
    Ties between values keep the criteria order.

References
----------
Hwang, C.-L., Yoon, K. (1981). *Multiple Attribute Decision Making*. Springer.
Yager, R. R. (1988). On ordered weighted averaging aggregation operators in
multicriteria decisionmaking. *IEEE Trans. SMC* 18(1), 183–190.
Malczewski, J. (2006). Ordered weighted averaging with fuzzy quantifiers:
GIS-based multicriteria evaluation for land-use suitability analysis.
*Int. J. Applied Earth Observation and Geoinformation* 8(4), 270–277.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: The aggregation methods a profile may name.
AGGREGATIONS: tuple[str, ...] = ("wlc", "topsis", "owa")
#: The TOPSIS ideal points.
TOPSIS_IDEALS: tuple[str, ...] = ("observed", "absolute")


def _w(w: npt.ArrayLike) -> FloatArray:
    return np.asarray(w, dtype=np.float64)


def wlc(s: npt.ArrayLike, w: npt.ArrayLike) -> FloatArray:
    """Weighted linear combination :math:`S_i = \\sum_j w_j s_{ij}`.

    Parameters
    ----------
    s
        Standardised values, ``(..., n_sites, m)``.
    w
        Weights summing to 1, ``(..., m)``.

    Returns
    -------
    numpy.ndarray
        Scores, ``(..., n_sites)``.
    """
    sa = np.asarray(s, dtype=np.float64)
    wa = _w(w)
    return np.matmul(sa, wa[..., :, None])[..., 0]


def topsis(s: npt.ArrayLike, w: npt.ArrayLike, *, ideal: str = "observed") -> FloatArray:
    """TOPSIS closeness to the ideal site (Hwang & Yoon 1981).

    Parameters
    ----------
    s
        Standardised values, ``(..., n_sites, m)``.
    w
        Weights summing to 1, ``(..., m)``.
    ideal
        ``observed`` (best and worst weighted values among the sites) or
        ``absolute`` (the ends of the 0–1 scale).

    Returns
    -------
    numpy.ndarray
        :math:`D^-/(D^+ + D^-)`, ``(..., n_sites)``.
    """
    sa = np.asarray(s, dtype=np.float64)
    wa = _w(w)[..., None, :]
    v = sa * wa
    if ideal == "observed":
        pos = v.max(axis=-2, keepdims=True)
        neg = v.min(axis=-2, keepdims=True)
    else:
        pos = np.broadcast_to(wa, (*v.shape[:-2], 1, v.shape[-1]))
        neg = np.zeros_like(pos)
    d_pos = np.sqrt(((v - pos) ** 2).sum(axis=-1))
    d_neg = np.sqrt(((v - neg) ** 2).sum(axis=-1))
    den = d_pos + d_neg
    return np.where(d_pos > 0, d_neg / np.where(den > 0, den, 1.0), 1.0)


def owa(
    s: npt.ArrayLike, w: npt.ArrayLike, *, order_weights: Sequence[float] | npt.ArrayLike
) -> FloatArray:
    """Ordered weighted averaging with criterion weights (Malczewski 2006).

    Parameters
    ----------
    s
        Standardised values, ``(..., n_sites, m)``.
    w
        Criterion weights summing to 1, ``(..., m)``.
    order_weights
        ``m`` non-negative order weights summing to 1; the first applies to
        each site's best value.

    Returns
    -------
    numpy.ndarray
        :math:`\\sum_k u_{(k)} v_k z_{(k)} / \\sum_k u_{(k)} v_k`, ``(..., n_sites)``;
        0 where the denominator is 0 (every criterion a position weights is
        unweighted).
    """
    sa = np.asarray(s, dtype=np.float64)
    v = np.asarray(order_weights, dtype=np.float64)
    wa = _w(w)
    m = sa.shape[-1]
    cols = [np.ascontiguousarray(sa[..., j]) for j in range(m)]
    num: FloatArray | float = 0.0
    den: FloatArray | float = 0.0
    for j in range(m):
        # position of criterion j in the site's descending (stable) order: the
        # number of criteria ranked before it; pairwise comparisons avoid a
        # sort along the short last axis, slow for millions of sites
        pos = np.zeros(cols[j].shape, dtype=np.intp)
        for k in range(m):
            if k < j:
                pos += cols[k] >= cols[j]
            elif k > j:
                pos += cols[k] > cols[j]
        uv = wa[..., j, None] * v[pos]
        num = num + uv * cols[j]
        den = den + uv
    num_a = np.asarray(num, dtype=np.float64)
    den_a = np.asarray(den, dtype=np.float64)
    return np.where(den_a > 0, num_a / np.where(den_a > 0, den_a, 1.0), 0.0)


def aggregate(
    s: npt.ArrayLike,
    w: npt.ArrayLike,
    *,
    method: str = "wlc",
    order_weights: Sequence[float] | None = None,
    ideal: str = "observed",
) -> FloatArray:
    """Dispatch to :func:`wlc`, :func:`topsis` or :func:`owa` by name."""
    if method == "wlc":
        return wlc(s, w)
    if method == "topsis":
        return topsis(s, w, ideal=ideal)
    if method == "owa":
        if order_weights is None:
            msg = "OWA needs order weights"
            raise ValueError(msg)
        return owa(s, w, order_weights=order_weights)
    msg = f"unknown aggregation {method!r}; valid: {', '.join(AGGREGATIONS)}"
    raise ValueError(msg)
