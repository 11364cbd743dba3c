"""Does a road network cover a territory? Stop, rather than route on another territory's roads.

A configuration that names municipalities the road source does not reach
(another valley described by ISTAT names, with the shipped embedded network
of the Seriana Valley as its roads) would otherwise route every municipality
from the nearest node of a network kilometres away: plausible-looking, wrong
numbers. :func:`check_coverage` measures, for every municipality, whether a
road node lies inside it and how far the nearest node is, and stops when most
municipalities lie off the network.
"""

# ruff: noqa: N803  (G: the networkx / osmnx name for graphs)

from __future__ import annotations

import logging

import geopandas as gpd
import pandas as pd
import shapely

from .._errors import NetworkError
from .routing import RoadGraph, node_table

logger = logging.getLogger(__name__)

#: A municipality farther than this from every road node is off the network (m).
OFF_NETWORK_M = 2000.0
#: Stop when more than this share of the municipalities is off the network.
MAX_OFF_SHARE = 0.5

_HOW_TO_FIX = (
    "Give the territory its own roads in the configuration: sources: roads: {kind: osm} "
    "(then seriana fetch roads, once, online) or roads: {kind: file, path: <your .osm.pbf>}; "
    "or an embedded: folder with its own roads.geojson."
)


def network_distances(G: RoadGraph, municipalities: gpd.GeoDataFrame) -> pd.Series:
    """Distance (m) from each municipality to the nearest road node (0 when one lies inside).

    Parameters
    ----------
    G
        A road graph (or road arrays) in a metric CRS (not changed).
    municipalities
        Polygons with a CRS (not changed).

    Returns
    -------
    pandas.Series
        On the municipalities' index.
    """
    table = node_table(G)  # cached per graph; road arrays have theirs
    polys = municipalities.to_crs(table.crs).geometry.to_numpy()
    nodes = shapely.multipoints(table.xy)
    return pd.Series(shapely.distance(polys, nodes), index=municipalities.index, dtype=float)


def check_coverage(
    G: RoadGraph, municipalities: gpd.GeoDataFrame, *, source: str = "the road network"
) -> pd.Series:
    """Raise unless the road network reaches most of the municipalities.

    Parameters
    ----------
    G
        The road graph (not changed).
    municipalities
        The ``municipalities`` layer (``name`` names them in the message).
    source
        Where the roads come from, for the message.

    Returns
    -------
    pandas.Series
        The distances of :func:`network_distances`.

    Raises
    ------
    NetworkError
        More than :data:`MAX_OFF_SHARE` of the municipalities lie farther than
        :data:`OFF_NETWORK_M` from every road node.
    """
    dist = network_distances(G, municipalities)
    off = dist > OFF_NETWORK_M
    names = (
        municipalities["name"].astype(str)
        if "name" in municipalities.columns
        else municipalities.index.to_series().astype(str)
    )
    if off.mean() > MAX_OFF_SHARE:
        worst = dist[off].sort_values(ascending=False)
        listed = ", ".join(f"{names[i]} {dist[i] / 1000:.1f} km" for i in worst.index[:5])
        msg = (
            f"{int(off.sum())} of {len(dist)} municipalities lie more than "
            f"{OFF_NETWORK_M / 1000:.0f} km from every road of {source} ({listed}"
            f"{' ...' if off.sum() > 5 else ''}): that network does not cover this territory. "
            + _HOW_TO_FIX
        )
        raise NetworkError(msg)
    if off.any():
        logger.warning(
            "%d municipality(ies) lie more than %.0f km from every road of %s (%s): their times "
            "include a long straight access leg",
            int(off.sum()),
            OFF_NETWORK_M / 1000,
            source,
            ", ".join(names[off].tolist()[:10]),
        )
    return dist
