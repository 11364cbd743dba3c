"""Observations that contradict each other: the smallest error any model must make on them.

Two published times of the same trip (the same two places, in either
direction, in the same period) that disagree cannot both be met by one model
time. With the errors of :mod:`seriana_gis.calibration.fit` (:math:`t/o - 1`;
for a published upper bound only :math:`t > o` counts, for a lower bound only
:math:`t < o`), a time :math:`t` is within :math:`e` of observation :math:`k`
when it lies in

.. math::

    [\\,o_k (1 - e),\\; o_k (1 + e)\\,]

(an upper bound drops the lower end, a lower bound the upper end). All the
observations of a group are met within :math:`e` when these intervals share a
point; on a line, that holds when every two of them overlap, so the smallest
such :math:`e`, the group's **data floor**, is the largest over the pairs of a
"not slower than" limit :math:`o_k` (a typical time or a lower bound) and a "not
faster than" limit :math:`o_m` (a typical time or an upper bound) with
:math:`o_k > o_m` of

.. math::

    e_{km} = \\frac{o_k - o_m}{o_k + o_m},

reached at :math:`t = 2\\, o_k o_m / (o_k + o_m)` (their harmonic mean), which
is :math:`e_{km}` off both. Example: an airport bus timed at 15 min by one
source and "under 10" by another: :math:`e = 5/25 = 20\\,\\%` at 12 min.

The floor is a property of the data, not of the model: any model that gives a
trip the same time both ways (the road model does, up to one-way streets)
must be off by at least that much on one observation of the group, so the
largest-error target cannot be met below the largest floor.

**The scatter among sources** says the same for the median. Where two or more
sources give a typical time for the same trip (same places, either direction,
same period), their log-times scatter around the trip's true time; pooled over
the :math:`G` such groups (:math:`n_g` times each, :math:`\\bar y_g` the mean
of a group's log-times :math:`y_{gi} = \\ln o_{gi}`), the variance of one
source's log-time is estimated by the pure error of the replicates

.. math::

    s^2 = \\frac{\\sum_g \\sum_i (y_{gi} - \\bar y_g)^2}{\\sum_g (n_g - 1)}.

A model that gave every trip its true time :math:`T` would still be off a
source :math:`o = T e^{\\varepsilon}`, :math:`\\varepsilon \\sim N(0, s^2)`, by
:math:`T/o - 1 = e^{-\\varepsilon} - 1`; the median :math:`m` of its absolute
value solves

.. math::

    \\Phi\\!\\left(\\frac{\\ln(1 + m)}{s}\\right) - \\Phi\\!\\left(\\frac{\\ln(1 - m)}{s}\\right) = \\tfrac12 .

That :math:`m` is the median error the *true* times would show against sources
this noisy: a median target below it asks the model to fit the sources'
noise. With few replicates :math:`s` is uncertain; its 95 % interval comes from
the :math:`\\chi^2` distribution with :math:`\\sum_g (n_g - 1)` degrees of
freedom, and :math:`m` is reported with it. Published bounds carry no time
and do not count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.core.groupby import DataFrameGroupBy


def _pair_key(origin: object, destination: object) -> tuple[str, str]:
    a, b = str(origin), str(destination)
    return (a, b) if a <= b else (b, a)


def _fitted(obs: pd.DataFrame) -> pd.DataFrame:
    return obs[obs["fitted"].astype(bool)] if "fitted" in obs.columns else obs


def _groups(rows: pd.DataFrame) -> DataFrameGroupBy:
    """``rows`` grouped by trip (the two places in either direction) and period."""
    keys = [_pair_key(o, d) for o, d in zip(rows["origin"], rows["destination"], strict=True)]
    return rows.assign(_key=keys).groupby(["_key", "time_of_day"], sort=True)


def data_floors(obs: pd.DataFrame) -> pd.DataFrame:
    """The groups of observations that contradict each other, with their data floor.

    Parameters
    ----------
    obs
        Observations with ``trip_id``, ``origin``, ``destination``,
        ``time_of_day``, ``observed_min``, ``bound`` (``""``, ``upper``,
        ``lower``) and optionally ``fitted`` (only fitted rows count). Not changed.

    Returns
    -------
    pandas.DataFrame
        One row per group whose floor is above 0, largest first: ``places``
        (``a <-> b``), ``time_of_day``, ``trip_ids`` (the two observations that
        set the floor, the slower first), ``slow_min``, ``fast_min`` (their
        times), ``floor_pct`` and ``time_min`` (the one time that is
        ``floor_pct`` off both).
    """
    out = []
    for (key, period), group in _groups(_fitted(obs)):
        slow = group[group["bound"] != "upper"]  # a time the model must not undercut by much
        fast = group[group["bound"] != "lower"]  # a time the model must not exceed by much
        best: tuple[float, pd.Series, pd.Series] | None = None
        for _, k in slow.iterrows():
            for _, m in fast.iterrows():
                ok, om = float(k["observed_min"]), float(m["observed_min"])
                if ok <= om:
                    continue
                floor = (ok - om) / (ok + om)
                if best is None or floor > best[0]:
                    best = (floor, k, m)
        if best is None:
            continue
        floor, k, m = best
        ok, om = float(k["observed_min"]), float(m["observed_min"])
        out.append(
            {
                "places": f"{key[0]} <-> {key[1]}",
                "time_of_day": period,
                "trip_ids": f"{k['trip_id']} / {m['trip_id']}",
                "slow_min": ok,
                "fast_min": om,
                "fast_bound": m["bound"],
                "floor_pct": 100 * floor,
                "time_min": 2 * ok * om / (ok + om),
            }
        )
    columns = [
        "places",
        "time_of_day",
        "trip_ids",
        "slow_min",
        "fast_min",
        "fast_bound",
        "floor_pct",
        "time_min",
    ]
    table = pd.DataFrame(out, columns=columns)
    return table.sort_values("floor_pct", ascending=False, kind="stable").reset_index(drop=True)


def floor_lines(floors: pd.DataFrame, *, target_max_pct: float) -> list[str]:
    """What ``seriana calibrate`` prints about the data floor (nothing when no group contradicts)."""
    if len(floors) == 0:
        return []
    lines = [
        "observations that contradict each other (same places, either direction, same period):"
    ]
    for _, r in floors.iterrows():
        fast = ("<" if r["fast_bound"] == "upper" else "") + f"{r['fast_min']:g}"
        lines.append(
            f"  {r['trip_ids']:<15} {r['places']:<44} {r['time_of_day']:<8} "
            f"{r['slow_min']:g} vs {fast} min: any one time is >= {r['floor_pct']:.1f} % off one "
            f"of them ({r['time_min']:.1f} min is that far off both)"
        )
    top = float(floors["floor_pct"].max())
    lines.append(
        f"data floor: no model giving a trip the same time both ways can keep every error under "
        f"{top:.1f} % (target <= {target_max_pct:g} %)"
    )
    return lines


@dataclass(frozen=True)
class SourceScatter:
    """How much sources timing the same trip disagree (see the module docs).

    Attributes
    ----------
    groups
        Trips timed by two or more sources (typical times, same period).
    dof
        Degrees of freedom of the estimate, :math:`\\sum_g (n_g - 1)`.
    sigma_log
        :math:`s`, the standard deviation of one source's log-time.
    median_pct
        The median absolute error (%) the true times would show against such sources.
    median_pct_low, median_pct_high
        Its 95 % interval (from the :math:`\\chi^2` interval of :math:`s^2`).
    """

    groups: int
    dof: int
    sigma_log: float
    median_pct: float
    median_pct_low: float
    median_pct_high: float


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def median_abs_error(sigma_log: float) -> float:
    """Median of :math:`|e^{-\\varepsilon} - 1|` for :math:`\\varepsilon \\sim N(0, s^2)`, as a fraction.

    Solved by bisection on :math:`m \\in (0, 1)`: the share of errors within
    :math:`m` grows with :math:`m` from 0 to 1.
    """
    if sigma_log <= 0.0:
        return 0.0

    def share(m: float) -> float:
        return _normal_cdf(math.log1p(m) / sigma_log) - _normal_cdf(math.log1p(-m) / sigma_log)

    lo, hi = 0.0, 1.0 - 1e-12
    if share(hi) < 0.5:  # half the errors are beyond -100 %..+100 %: report 100 %
        return 1.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if share(mid) < 0.5 else (lo, mid)
    return 0.5 * (lo + hi)


def source_scatter(obs: pd.DataFrame) -> SourceScatter | None:
    """The scatter among sources that time the same trip, or None without replicates.

    Parameters
    ----------
    obs
        As for :func:`data_floors` (not changed); only typical times (``bound``
        empty) of fitted observations count.

    Returns
    -------
    SourceScatter or None
        None when no trip has two typical times in one period.
    """
    rows = _fitted(obs)
    rows = rows[rows["bound"].fillna("") == ""]
    ss, dof, groups = 0.0, 0, 0
    for _, group in _groups(rows):
        y = np.log(group["observed_min"].to_numpy(dtype=float))
        if len(y) < 2:
            continue
        ss += float(((y - y.mean()) ** 2).sum())
        dof += len(y) - 1
        groups += 1
    if dof == 0:
        return None
    from scipy.stats import chi2  # scipy.stats costs 0.3 s to import: only here

    var = ss / dof
    var_low = ss / float(chi2.ppf(0.975, dof))
    var_high = ss / float(chi2.ppf(0.025, dof))
    return SourceScatter(
        groups=groups,
        dof=dof,
        sigma_log=math.sqrt(var),
        median_pct=100 * median_abs_error(math.sqrt(var)),
        median_pct_low=100 * median_abs_error(math.sqrt(var_low)),
        median_pct_high=100 * median_abs_error(math.sqrt(var_high)),
    )


def scatter_lines(scatter: SourceScatter | None, *, target_median_pct: float) -> list[str]:
    """What ``seriana calibrate`` prints about the scatter among sources (nothing without replicates)."""
    if scatter is None:
        return []
    return [
        f"scatter among sources: {scatter.groups} trip(s) timed by two or more sources "
        f"({scatter.dof} degree(s) of freedom), log-times differ by s = {scatter.sigma_log:.2f}; "
        f"the true times would be off such sources by a median of about "
        f"{scatter.median_pct:.0f} % (95 % interval {scatter.median_pct_low:.0f}-"
        f"{scatter.median_pct_high:.0f} %; target <= {target_median_pct:g} %)"
    ]
