"""The suitability criterion "jobs lost within reach" of each site.

For site :math:`i` and the municipalities :math:`m` of the scenario, with
:math:`t_{mi}` the car time from the centre of :math:`m` to the site (the
accessibility OD matrix) and :math:`L_m` the jobs lost there:

.. math::

    R_i = \\sum_m L_m \\, e^{-\\ln 2 \\, t_{mi} / h} \\, [t_{mi} \\le T]

with the half-life :math:`h` and the commuting limit :math:`T` of the
scenario file (15 and 30 min by default): a worker 15 min away counts half, one
beyond 30 min not at all. When the losses are known only for a territory
(no municipal employment figures), :math:`L_m` spreads them over the
territory's municipalities by resident population, for this criterion only:
the workers who lose their jobs are taken to live where the territory's
residents live. Municipalities with no road path to a site add nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._errors import DataError
from ..columns import JOBS_LOST_REACH
from .scenario import JobLossScenario, ScenarioLosses

#: The column the criterion is written to (``indicator: jobs_lost_reach`` in a profile).
COLUMN = JOBS_LOST_REACH


def municipal_weights(
    losses: ScenarioLosses,
    *,
    population: pd.Series | None = None,
    zone_of: Mapping[str, str] | None = None,
) -> pd.Series:
    """:math:`L_m`: the losses by municipality, or the territory's spread by population."""
    if losses.level == "municipality":
        return losses.losses.astype(float)
    if population is None or zone_of is None:
        msg = (
            "jobs lost within reach: the losses are known only for the territory; give the "
            "municipalities' population and zones to spread them for the criterion."
        )
        raise DataError(msg)
    parts = []
    for terr, lost in losses.losses.items():
        zones = set(losses.zones[str(terr)].split("+"))
        pop = population[[zone_of.get(str(c)) in zones for c in population.index]].astype(float)
        if not pop.sum() > 0:
            msg = f"jobs lost within reach: no resident population in {terr!r}'s zones."
            raise DataError(msg)
        parts.append(float(lost) * pop / pop.sum())
    return pd.concat(parts)


def jobs_lost_within_reach(
    od_minutes: pd.DataFrame,
    weights: pd.Series,
    *,
    max_minutes: float = 30.0,
    half_life_min: float = 15.0,
) -> pd.Series:
    """:math:`R_i` for every site (column) of the OD matrix.

    Parameters
    ----------
    od_minutes
        Municipality ISTAT code (rows) × site id (columns), car minutes; NaN
        where no path. Not changed.
    weights
        :math:`L_m` by ISTAT code (:func:`municipal_weights`).
    max_minutes, half_life_min
        :math:`T` and :math:`h`.

    Returns
    -------
    pandas.Series
        Named :data:`COLUMN`, indexed by site id.
    """
    if not (max_minutes > 0 and half_life_min > 0):
        msg = "jobs lost within reach: max_minutes and half_life_min must be > 0."
        raise DataError(msg)
    missing = [c for c in weights.index if c not in od_minutes.index]
    if missing:
        msg = (
            f"jobs lost within reach: the OD matrix has no row for municipality(ies) "
            f"{', '.join(map(str, missing[:8]))}; run `seriana accessibility` on the same area."
        )
        raise DataError(msg)
    t = od_minutes.loc[weights.index].to_numpy(dtype=float)
    ok = np.isfinite(t) & (t <= max_minutes)
    decay = np.exp(-math.log(2.0) * np.where(ok, t, 0.0) / half_life_min)
    w = weights.to_numpy(dtype=float)[:, None]
    value = np.where(ok, w * decay, 0.0).sum(axis=0)
    return pd.Series(value, index=od_minutes.columns, name=COLUMN)


def reach_criterion(
    od_minutes: pd.DataFrame,
    scenario: JobLossScenario,
    losses: ScenarioLosses,
    *,
    population: pd.Series | None = None,
    zone_of: Mapping[str, str] | None = None,
) -> pd.Series:
    """The criterion with the scenario's parameters (see the module docstring)."""
    return jobs_lost_within_reach(
        od_minutes,
        municipal_weights(losses, population=population, zone_of=zone_of),
        max_minutes=scenario.max_minutes,
        half_life_min=scenario.half_life_min,
    )


def reach_from_layers(
    od_minutes: pd.DataFrame,
    municipalities: pd.DataFrame,
    scenario: JobLossScenario,
    *,
    employment: pd.DataFrame | None = None,
    losses: ScenarioLosses | None = None,
) -> pd.Series:
    """The criterion from the database's municipalities (``istat``, ``zone``, ``population``).

    Parameters
    ----------
    od_minutes
        Municipality × site car minutes (the accessibility OD matrix).
    municipalities
        The municipalities layer (not changed).
    scenario
        The job-loss scenario.
    employment
        The employment layer, for losses by municipality (else the territory's).
    losses
        The losses already distributed (the ``economy`` layer's), instead.
    """
    from .scenario import scenario_losses

    missing = [c for c in ("istat", "zone", "population") if c not in municipalities.columns]
    if missing:
        msg = f"jobs lost within reach: the municipalities lack {', '.join(missing)}."
        raise DataError(msg)
    codes = municipalities["istat"].astype(str)
    zone_of = dict(zip(codes, municipalities["zone"].astype(str), strict=True))
    if losses is None:
        losses = scenario_losses(scenario, zone_of=zone_of, employment=employment)
    population = pd.Series(municipalities["population"].to_numpy(dtype=float), index=codes)
    return reach_criterion(od_minutes, scenario, losses, population=population, zone_of=zone_of)
