"""Car isochrones around destinations, as polygons.

Method
------
For a destination :math:`d` (snapped to node :math:`n_d` with snap leg
:math:`a_d`), every node :math:`v` gets its time *to* the destination,
:math:`t_v = T(v, n_d) + a_d` (the reversed-graph tree of
:func:`seriana_gis.network.travel_time_to`). A point at fraction :math:`f` along
a directed edge :math:`u \\to v` of travel time :math:`\\tau` reaches the
destination in :math:`(1 - f)\\,\\tau + t_v`, so the part of the edge within a
budget :math:`B` is

.. math:: f \\ge 1 - \\frac{B - t_v}{\\tau} \\quad (B \\ge t_v).

The reachable parts of every edge (their geometry, or the straight segment)
are buffered by ``buffer_m`` (200 m by default: land
within a short walk or drive of a reachable road) and unioned into one polygon
per destination and budget. Partial edges matter on a skeletal network, where
one link may be several kilometres long. The geometry is drawn by
:func:`seriana_gis.network.isochrone_polygons` (the destination's snap leg
:math:`a_d` taken off every budget as ``start_s``); this module adds the
destinations and the layer's columns.
"""

# ruff: noqa: N803  (G: the networkx / osmnx name for graphs)

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from .._errors import ConfigError
from ..config import DEFAULT_CRS
from ..network import isochrone_polygons
from ..network.routing import RoadGraph

#: Default isochrone budgets (min).
ISOCHRONE_MINUTES: tuple[float, ...] = (10.0, 20.0, 30.0, 45.0)
#: Buffer around reachable roads (m).
BUFFER_M = 200.0


def isochrones(
    G: RoadGraph,
    dests: pd.DataFrame,
    *,
    minutes: Sequence[float] = ISOCHRONE_MINUTES,
    buffer_m: float = BUFFER_M,
) -> gpd.GeoDataFrame:
    """Car isochrones around each destination.

    Parameters
    ----------
    G
        The road graph (not changed).
    dests
        :func:`~seriana_gis.accessibility.times.destination_table` (``node``,
        ``access_s``), indexed by destination id.
    minutes
        Budgets (min), e.g. 10, 20, 30, 45.
    buffer_m
        Buffer around reachable roads (m).

    Returns
    -------
    geopandas.GeoDataFrame
        The ``isochrones`` layer: ``destination``, ``minutes``, ``area_km2``,
        ``method``, geometry (EPSG:32632); one row per destination and budget.
    """
    if not minutes or any((not np.isfinite(m)) or m <= 0 for m in minutes):
        msg = f"isochrone minutes must be positive numbers, got {list(minutes)!r}."
        raise ConfigError(msg)
    if not buffer_m > 0:
        msg = f"buffer_m must be > 0, got {buffer_m}."
        raise ConfigError(msg)
    rows = []
    for d, row in dests.iterrows():
        polys = isochrone_polygons(
            G,
            row["node"],
            minutes=[float(m) for m in minutes],
            direction="to",
            buffer_m=buffer_m,
            start_s=float(row["access_s"]),
        )
        for _, p in polys.iterrows():
            rows.append(
                {
                    "destination": str(d),
                    "minutes": float(p["minutes"]),
                    "area_km2": float(p["area_km2"]),
                    "method": f"reachable road parts buffered {buffer_m:g} m, union",
                    "geometry": p.geometry,
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=DEFAULT_CRS)
