"""Population catchments and Hansen gravity accessibility of sites, by car.

Placement of population
-----------------------
No population grid is in the layers, so each municipality's residents
(``municipalities.population``, ISTAT) are placed at its town-centre node (the
road node inside the municipality nearest to its centroid; see
:mod:`seriana_gis.accessibility.times`). Residents of municipalities outside the
study area are not counted.

Indicators
----------
With :math:`t_{im}` the car time (min) from the centre of municipality :math:`m`
to site :math:`i` (road graph plus the site's snap leg) and :math:`P_m` its
population:

.. math::

    \\text{pop}_T(i) = \\sum_m P_m \\,[t_{im} \\le T], \\qquad
    A_i = \\sum_m P_m \\, e^{-\\beta t_{im}}

for :math:`T` = 15 and 30 min (``pop_15min``, ``pop_30min``), and the Hansen
(1959) potential accessibility :math:`A_i` (``hansen_pop``) with a negative
exponential decay. :math:`\\beta = \\ln 2 / 15\\ \\text{min} \\approx 0.0462\\
\\text{min}^{-1}`: a resident 15 min away weighs half as much as one at the
site, 30 min a quarter. Decay parameters of this order (0.03-0.1 per minute of
car time) are used for commuting and services in regional accessibility
studies (review: Geurs & van Wee 2004, *J. Transport Geography* 12:127-140);
the value is a stated choice, configurable. Hansen, W.G. (1959), "How
accessibility shapes land use", *J. American Institute of Planners* 25:73-76.
Municipalities the site cannot be reached from (no road path) contribute 0.
"""

# ruff: noqa: N803  (G: the networkx / osmnx name for graphs)

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import columns as names
from .._errors import ConfigError, DataError
from ..network.routing import RoadGraph
from ..network.snap import ACCESS_SPEED_KPH
from .times import locate_sites

#: Half-life of the Hansen decay (min).
HALF_LIFE_MIN = 15.0
#: Decay :math:`\beta = \ln 2 / 15` per minute.
BETA_PER_MIN = math.log(2.0) / HALF_LIFE_MIN
#: Catchment thresholds (min).
THRESHOLDS_MIN: tuple[float, ...] = (15.0, 30.0)


def catchment_sums(
    times_min: np.ndarray,
    population: np.ndarray,
    *,
    thresholds: Sequence[float] = THRESHOLDS_MIN,
    beta: float = BETA_PER_MIN,
) -> dict[str, np.ndarray]:
    """Threshold catchments and Hansen sums from a time matrix.

    Parameters
    ----------
    times_min
        :math:`t_{im}`, shape ``(n_sites, n_zones)``, minutes; NaN/``inf`` = unreachable.
    population
        :math:`P_m`, shape ``(n_zones,)``.
    thresholds
        The :math:`T` values (min).
    beta
        Decay per minute.

    Returns
    -------
    dict
        ``pop_{T}min`` per threshold and ``hansen_pop``, each shape ``(n_sites,)``.
    """
    if beta < 0 or not math.isfinite(beta):
        msg = f"beta must be a finite number >= 0 (per minute), got {beta!r}."
        raise ConfigError(msg)
    t = np.asarray(times_min, dtype=float)
    p = np.asarray(population, dtype=float)
    ok = np.isfinite(t)
    out: dict[str, np.ndarray] = {}
    for thr in thresholds:
        out[names.catchment(thr)] = np.where(ok & (t <= thr), p[None, :], 0.0).sum(axis=1)
    out[names.HANSEN] = np.where(ok, p[None, :] * np.exp(-beta * np.where(ok, t, 0.0)), 0.0).sum(
        axis=1
    )
    return out


def population_centres(G: RoadGraph, municipalities: gpd.GeoDataFrame) -> pd.DataFrame:
    """Municipal populations placed at their town-centre nodes.

    Parameters
    ----------
    G
        The road graph (not changed).
    municipalities
        The ``municipalities`` layer with ``population`` (not changed).

    Returns
    -------
    pandas.DataFrame
        On the layer's index: ``node``, ``population`` and the
        :func:`~seriana_gis.accessibility.times.locate_sites` columns.
    """
    if "population" not in municipalities.columns:
        msg = (
            "municipalities: no 'population' column; the catchment needs the residents of "
            "each municipality (build the layer with seriana build)."
        )
        raise DataError(msg)
    pop = pd.to_numeric(municipalities["population"], errors="coerce")
    if pop.isna().any() or (pop < 0).any():
        bad = list(municipalities.index[pop.isna() | (pop < 0)])[:10]
        msg = f"municipalities: rows {bad} have no valid population (a number >= 0); fix them."
        raise DataError(msg)
    loc = locate_sites(G, municipalities, layer="municipalities")
    return loc.assign(population=pop.to_numpy(dtype=float))


def catchment(
    G: RoadGraph,
    sites: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
    *,
    layer: str = "sites",
    thresholds: Sequence[float] = THRESHOLDS_MIN,
    beta: float = BETA_PER_MIN,
    access_speed_kph: float = ACCESS_SPEED_KPH,
) -> pd.DataFrame:
    """Residents within ``thresholds`` minutes by car, and Hansen accessibility.

    Parameters
    ----------
    G
        The road graph (not changed).
    sites
        Any layer (not changed); ``layer="municipalities"`` uses town-centre nodes.
    municipalities
        Where the residents are (``population``), not changed.
    layer
        Name of the sites' layer.
    thresholds
        Catchment thresholds :math:`T` (min).
    beta
        Hansen decay :math:`\\beta` per minute.
    access_speed_kph
        Speed of the site's snap leg.

    Returns
    -------
    pandas.DataFrame
        On the sites' index: ``pop_{T}min`` (persons, e.g. ``pop_15min``) and
        ``hansen_pop`` (persons, decay-weighted).
    """
    centres = population_centres(G, municipalities)
    loc = locate_sites(G, sites, layer=layer, access_speed_kph=access_speed_kph)
    from ..network import od_matrix

    t = od_matrix(G, centres["node"].tolist(), loc["node"].tolist()).to_numpy(dtype=float).T
    t = (t + loc["access_s"].to_numpy(dtype=float)[:, None]) / 60.0
    sums = catchment_sums(t, centres["population"].to_numpy(), thresholds=thresholds, beta=beta)
    return pd.DataFrame(sums, index=loc.index)
