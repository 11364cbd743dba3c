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
"""

from __future__ import annotations

import pandas as pd


def _pair_key(origin: object, destination: object) -> tuple[str, str]:
    a, b = str(origin), str(destination)
    return (a, b) if a <= b else (b, a)


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
    rows = obs
    if "fitted" in rows.columns:
        rows = rows[rows["fitted"].astype(bool)]
    out = []
    keys = [_pair_key(o, d) for o, d in zip(rows["origin"], rows["destination"], strict=True)]
    grouped = rows.assign(_key=keys).groupby(["_key", "time_of_day"], sort=True)
    for (key, period), group in grouped:
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
