"""Road graphs (osmnx convention) and the compiled routing engine.

Sources: :func:`fetch_roads` (live OSM through osmnx, cached),
:func:`graph_from_osm_file` (``.osm``, ``.osm.bz2``, ``.osm.pbf``) and
:func:`graph_from_lines` (a road line layer such as the embedded strategic
network). All return the same kind of graph (:mod:`seriana_gis.network.graph`).
Routing: :func:`travel_time_to`, :func:`od_matrix`, :func:`nodes_within` on a
cached :class:`RoutingEngine` (compiled trees on every core; built from a graph
or straight from the road layers); sites are attached with :func:`snap_sites`;
:func:`isochrone_polygons` draws the reached roads around a node as polygons.
"""

from __future__ import annotations

from .graph import (
    GRAPH_CRS,
    ConnectivityReport,
    check_graph,
    gdfs_to_graph,
    graph_to_gdfs,
    keep_largest_scc,
    load_graph,
    normalise_graph,
    save_graph,
)
from .isochrones import isochrone_polygons
from .lines import graph_from_lines
from .routing import (
    NodeTable,
    RoutingEngine,
    forget_engine,
    get_engine,
    node_table,
    nodes_within,
    od_matrix,
    od_table,
    travel_time_to,
)
from .snap import snap_sites
from .sources import fetch_roads, graph_from_osm_file
from .speeds import DEFAULT_SPEEDS_KPH, add_speeds_and_times
from .walk import walk_graph

__all__ = [
    "DEFAULT_SPEEDS_KPH",
    "GRAPH_CRS",
    "ConnectivityReport",
    "NodeTable",
    "RoutingEngine",
    "add_speeds_and_times",
    "check_graph",
    "fetch_roads",
    "forget_engine",
    "gdfs_to_graph",
    "get_engine",
    "graph_from_lines",
    "graph_from_osm_file",
    "graph_to_gdfs",
    "isochrone_polygons",
    "keep_largest_scc",
    "load_graph",
    "node_table",
    "nodes_within",
    "normalise_graph",
    "od_matrix",
    "od_table",
    "save_graph",
    "snap_sites",
    "travel_time_to",
    "walk_graph",
]
