"""Road graphs in the osmnx convention: normalising, checking, converting, saving.

Every road graph seriana_gis builds, whatever its source, is a
:class:`networkx.MultiDiGraph` in the osmnx convention:

- graph attribute ``crs`` = ``"EPSG:32632"``;
- node attributes ``x``, ``y`` (m, EPSG:32632);
- edge attributes ``length`` (m), ``speed_kph`` (km/h), ``travel_time`` (s),
  ``speed_source`` and, where the source has them, ``highway``, ``name``,
  ``ref``, ``maxspeed``, ``oneway``, ``geometry``;
- the road model's annotations (:func:`seriana_gis.network.model.annotate_network`):
  edge ``free_flow_kph``, ``setting``, ``speed_term``, ``junction_signals``,
  ``junction_roundabout``, ``junction_priority``, node ``junction_kind``.
  :func:`normalise_graph` leaves free-flow times in ``travel_time``;
  :func:`seriana_gis.network.model.apply_speed_profile` turns them into the
  model's times for a speed profile and time of day;
- only the largest strongly connected component, with what was dropped in the
  graph attributes ``scc_dropped_nodes``, ``scc_dropped_edges``,
  ``scc_dropped_components`` and in the log.
"""

# ruff: noqa: N803, N806  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pandas as pd
import pyproj

from .._errors import DataError, NetworkError
from .._io import atomic_path
from ..layers.validate import validate_layer
from .model import annotate_network
from .speeds import add_speeds_and_times

if TYPE_CHECKING:
    from .routing import RoadGraph

logger = logging.getLogger(__name__)

#: The CRS of every graph seriana_gis routes on.
GRAPH_CRS = "EPSG:32632"

#: osmnx 2.1's ``drive`` way filter (``osmnx._overpass._get_network_filter("drive")``
#: with the default ``["access"!~"private"]``), applied to local files as it is
#: applied by Overpass to live queries. Each clause: (key, operator, regex);
#: ``None`` operator = the key must exist; ``"!~"`` = the value, if present,
#: must not match the regex (unanchored, as in Overpass).
DRIVE_FILTER: tuple[tuple[str, str | None, str], ...] = (
    ("highway", None, ""),
    ("area", "!~", "yes"),
    ("access", "!~", "private"),
    (
        "highway",
        "!~",
        "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|"
        "escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|"
        "rest_area|service|services|steps|track",
    ),
    ("motor_vehicle", "!~", "no"),
    ("motorcar", "!~", "no"),
    ("service", "!~", "alley|driveway|emergency_access|parking|parking_aisle|private"),
)

#: osmnx 2.1's ``walk`` way filter (``osmnx._overpass._get_network_filter("walk")``):
#: footways, paths, steps, pedestrian streets, crossings and every street a pedestrian
#: may use; ways whose sidewalks are mapped as separate footways are left to those.
WALK_FILTER: tuple[tuple[str, str | None, str], ...] = (
    ("highway", None, ""),
    ("area", "!~", "yes"),
    ("access", "!~", "private"),
    (
        "highway",
        "!~",
        "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed|"
        "raceway|razed|rest_area|services",
    ),
    ("foot", "!~", "no"),
    ("service", "!~", "private"),
    ("sidewalk", "!~", "separate"),
    ("sidewalk:both", "!~", "separate"),
    ("sidewalk:left", "!~", "separate"),
    ("sidewalk:right", "!~", "separate"),
)

#: OSM way tags the drive and walk filters read (kept while building, for filtering).
FILTER_TAGS: tuple[str, ...] = tuple(sorted({k for k, _, _ in (*DRIVE_FILTER, *WALK_FILTER)}))

_FILTER_RE = [(k, op, re.compile(rx)) for k, op, rx in DRIVE_FILTER]
_WALK_RE = [(k, op, re.compile(rx)) for k, op, rx in WALK_FILTER]


def parse_overpass_filter(text: str) -> tuple[tuple[str, str | None, str], ...]:
    """Split an Overpass way filter (``["k"]["k"!~"a|b"]...``) into clauses.

    Parameters
    ----------
    text
        The filter string as osmnx writes it.

    Returns
    -------
    tuple
        ``(key, operator or None, regex)`` per bracket.
    """
    out = []
    for m in re.finditer(r'\["([^"]+)"(?:(!?~|!?=)"([^"]*)")?\]', text):
        out.append((m.group(1), m.group(2), m.group(3) or ""))
    return tuple(out)


def is_drivable(tags: Mapping[str, object]) -> bool:
    """Whether an OSM way with ``tags`` passes osmnx's ``drive`` filter.

    Parameters
    ----------
    tags
        The way's tags (values as strings; a missing key is absent).

    Returns
    -------
    bool
        True when every clause of :data:`DRIVE_FILTER` holds.
    """
    return _passes(tags, _FILTER_RE)


def is_walkable(tags: Mapping[str, object]) -> bool:
    """Whether an OSM way with ``tags`` passes osmnx's ``walk`` filter (:data:`WALK_FILTER`)."""
    return _passes(tags, _WALK_RE)


def _passes(
    tags: Mapping[str, object], clauses: list[tuple[str, str | None, re.Pattern[str]]]
) -> bool:
    for key, op, rx in clauses:
        value = tags.get(key)
        if op is None:
            if value is None:
                return False
        elif value is not None and rx.search(str(value)):
            return False
    return True


@dataclass(frozen=True)
class ConnectivityReport:
    """What :func:`keep_largest_scc` kept and dropped."""

    kept_nodes: int
    kept_edges: int
    dropped_nodes: int
    dropped_edges: int
    dropped_components: int
    dropped_length_m: float

    def __str__(self) -> str:
        return (
            f"kept the largest strongly connected component ({self.kept_nodes:,} nodes, "
            f"{self.kept_edges:,} edges); dropped {self.dropped_components:,} smaller "
            f"component(s) with {self.dropped_nodes:,} nodes and {self.dropped_edges:,} edges "
            f"({self.dropped_length_m / 1000:.2f} km of links)"
        )


def keep_largest_scc(
    G: nx.MultiDiGraph, *, source: str = "graph"
) -> tuple[nx.MultiDiGraph, ConnectivityReport]:
    """Keep the largest strongly connected component of ``G``.

    Every node of the result can reach every other, so a travel time between
    two nodes of the result always exists.

    Parameters
    ----------
    G
        The graph (not changed).
    source
        Named in the log message.

    Returns
    -------
    tuple of (networkx.MultiDiGraph, ConnectivityReport)
        A new graph (with the report's counts also in its graph attributes
        ``scc_dropped_nodes``, ``scc_dropped_edges``, ``scc_dropped_components``)
        and the report.

    Raises
    ------
    NetworkError
        If ``G`` has no nodes.
    """
    if len(G) == 0:
        msg = f"{source}: the road graph has no nodes; check the source area and its filter."
        raise NetworkError(msg)
    components = list(nx.strongly_connected_components(G))
    largest = max(components, key=len)
    H = G.subgraph(largest).copy()
    dropped_edges = G.number_of_edges() - H.number_of_edges()
    dropped_length = sum(
        float(d.get("length", 0.0))
        for u, v, d in G.edges(data=True)
        if u not in largest or v not in largest
    )
    report = ConnectivityReport(
        kept_nodes=len(H),
        kept_edges=H.number_of_edges(),
        dropped_nodes=len(G) - len(H),
        dropped_edges=dropped_edges,
        dropped_components=len(components) - 1,
        dropped_length_m=dropped_length,
    )
    H.graph["scc_dropped_nodes"] = report.dropped_nodes
    H.graph["scc_dropped_edges"] = report.dropped_edges
    H.graph["scc_dropped_components"] = report.dropped_components
    log = logger.warning if report.dropped_nodes > 0.05 * len(G) else logger.info
    log("%s: %s", source, report)
    return H, report


def normalise_graph(G: nx.MultiDiGraph, *, source: str) -> nx.MultiDiGraph:
    """Bring a road graph to the seriana_gis convention (see the module docs).

    Projects to EPSG:32632 if needed, adds ``speed_kph`` / ``travel_time`` from
    ``maxspeed`` and the Italian class defaults
    (:mod:`seriana_gis.network.speeds`), keeps the largest strongly
    connected component and adds the road model's annotations (settings,
    junctions: :func:`seriana_gis.network.model.annotate_network`).

    Parameters
    ----------
    G
        A graph with a ``crs`` graph attribute, node ``x``/``y`` and edge ``length``.
    source
        Where the graph comes from (named in messages and stored as ``G.graph["source"]``).

    Returns
    -------
    networkx.MultiDiGraph
        A new graph.

    Raises
    ------
    NetworkError
        If the graph is empty or has no CRS.
    """
    if G.graph.get("crs") is None:
        msg = f"{source}: the graph has no 'crs' graph attribute; set G.graph['crs']."
        raise NetworkError(msg)
    if len(G) == 0 or G.number_of_edges() == 0:
        msg = f"{source}: the road graph has no edges; check the source area and its filter."
        raise NetworkError(msg)
    crs = pyproj.CRS.from_user_input(G.graph["crs"])
    H = G if crs.equals(GRAPH_CRS) else ox.project_graph(G, to_crs=GRAPH_CRS)
    if H is G:
        H = G.copy()
    H.graph["crs"] = GRAPH_CRS
    H = add_speeds_and_times(H)
    H, _ = keep_largest_scc(H, source=source)
    H = annotate_network(H)
    H.graph["source"] = source
    return H


def check_graph(
    G: nx.MultiDiGraph, *, weight: str = "travel_time", check_edges: bool = True
) -> None:
    """Raise a clear error unless ``G`` is a routable seriana_gis road graph.

    Parameters
    ----------
    G
        The graph to check.
    weight
        The edge attribute routing will use.
    check_edges
        Also check every edge's ``weight`` (a pass over all edges).

    Raises
    ------
    NetworkError
        Not a MultiDiGraph, no nodes, no metric CRS, nodes without ``x``/``y``,
        edges without a finite non-negative ``weight``.
    """
    if not isinstance(G, nx.MultiDiGraph):
        msg = (
            f"expected a networkx.MultiDiGraph (osmnx convention), got {type(G).__name__}. "
            "Build it with seriana_gis.network (graph_from_osm_file, graph_from_lines, ...)."
        )
        raise NetworkError(msg)
    if len(G) == 0:
        msg = "the road graph has no nodes; build it from a source that covers the study area."
        raise NetworkError(msg)
    crs = G.graph.get("crs")
    if crs is None or not pyproj.CRS.from_user_input(crs).is_projected:
        msg = (
            f"the road graph's CRS is {crs!r}, not a metric one; project it first "
            f"(osmnx.project_graph(G, to_crs='{GRAPH_CRS}'))."
        )
        raise NetworkError(msg)
    for n, d in G.nodes(data=True):
        if "x" not in d or "y" not in d:
            msg = f"node {n!r} has no 'x'/'y' coordinates; every node needs them."
            raise NetworkError(msg)
        break
    if not check_edges:
        return
    for u, v, k, d in G.edges(keys=True, data=True):
        w = d.get(weight)
        if not isinstance(w, int | float) or not math.isfinite(w) or w < 0:
            msg = (
                f"edge ({u!r}, {v!r}, {k!r}) has no usable {weight!r} (got {w!r}). "
                "Add speeds and travel times with "
                "seriana_gis.network.speeds.add_speeds_and_times(G) or normalise_graph(G)."
            )
            raise NetworkError(msg)


def _stringify(value: object) -> object:
    if isinstance(value, list | set | tuple):
        return ";".join(str(v) for v in value)
    return value


def graph_to_gdfs(G: RoadGraph) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Split a road graph (or road arrays) into the ``road_nodes`` and ``road_edges`` layers.

    Parameters
    ----------
    G
        A routable road graph (see :func:`check_graph`); not changed.

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, geopandas.GeoDataFrame)
        ``road_nodes`` (columns ``osmid``, ``x``, ``y``, ...) and ``road_edges``
        (``u``, ``v``, ``key``, ``length``, ``speed_kph``, ``travel_time``, ...),
        both validated against their schemas, on a plain RangeIndex. Values that
        osmnx keeps as lists (merged OSM ways) are joined with ``;`` so the layers
        can be written to a GeoPackage.
    """
    from .routing import _as_arrays

    arrays = _as_arrays(G)
    if arrays is not None:
        return arrays.to_gdfs()
    assert isinstance(G, nx.MultiDiGraph)
    check_graph(G)
    nodes, edges = ox.graph_to_gdfs(G)
    nodes = nodes.reset_index()
    edges = edges.reset_index()
    for frame in (nodes, edges):
        for col in frame.columns:
            if col != frame.geometry.name and frame[col].dtype == object:
                frame[col] = frame[col].map(_stringify)
    if "osmid" in edges.columns:
        edges = edges.rename(columns={"osmid": "way_id"})
    source = str(G.graph.get("source", "road graph"))
    return (
        validate_layer(nodes, "road_nodes", source=source, crs=str(G.graph["crs"])),
        validate_layer(edges, "road_edges", source=source, crs=str(G.graph["crs"])),
    )


def gdfs_to_graph(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame) -> nx.MultiDiGraph:
    """Rebuild a road graph from ``road_nodes`` and ``road_edges`` layers.

    Parameters
    ----------
    nodes
        The ``road_nodes`` layer (as :func:`graph_to_gdfs` writes it).
    edges
        The ``road_edges`` layer.

    Returns
    -------
    networkx.MultiDiGraph
        The graph, in the CRS of the layers (EPSG:32632 after validation).

    Raises
    ------
    DataError
        If a layer is empty, lacks a schema column, or an edge refers to a node
        that is not in ``nodes``.
    """
    n = validate_layer(nodes, "road_nodes", source="road_nodes layer")
    e = validate_layer(edges, "road_edges", source="road_edges layer")
    missing = sorted(set(e["u"]).union(e["v"]) - set(n["osmid"]))
    if missing:
        msg = (
            f"road_edges refers to {len(missing)} node id(s) missing from road_nodes "
            f"(e.g. {missing[:5]}); write both layers from the same graph."
        )
        raise DataError(msg)
    n = n.set_index("osmid")
    e = e.set_index(["u", "v", "key"])
    if "way_id" in e.columns:
        e = e.rename(columns={"way_id": "osmid"})
    G = ox.graph_from_gdfs(n, e)
    G.graph["crs"] = GRAPH_CRS
    return G


def save_graph(
    G: nx.MultiDiGraph, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Save a road graph as GraphML (osmnx's format), atomically.

    Parameters
    ----------
    G
        The graph (not changed).
    path
        The ``.graphml`` file to write.
    overwrite
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    with atomic_path(path, overwrite=overwrite) as tmp:
        ox.save_graphml(G, filepath=tmp)
    return Path(path)


_GRAPH_DTYPES = {
    "scc_dropped_nodes": int,
    "scc_dropped_edges": int,
    "scc_dropped_components": int,
}


def load_graph(path: str | os.PathLike[str]) -> nx.MultiDiGraph:
    """Load a road graph saved by :func:`save_graph` (or :func:`osmnx.save_graphml`).

    Parameters
    ----------
    path
        The ``.graphml`` file.

    Returns
    -------
    networkx.MultiDiGraph
        The graph, checked with :func:`check_graph`.

    Raises
    ------
    DataError
        If the file does not exist.
    NetworkError
        If the graph is not routable (no ``travel_time``, no metric CRS).
    """
    p = Path(path)
    if not p.is_file():
        msg = f"road graph file {p} not found; write it with seriana_gis.network.save_graph."
        raise DataError(msg)
    G = ox.load_graphml(p, graph_dtypes=_GRAPH_DTYPES)
    check_graph(G)
    return G


def graph_summary(G: nx.MultiDiGraph) -> pd.Series:
    """Counts and totals of a road graph (nodes, edges, km, edges by speed source).

    Parameters
    ----------
    G
        A road graph with ``length`` and ``speed_source`` on its edges.

    Returns
    -------
    pandas.Series
        ``nodes``, ``edges``, ``length_km``, ``edges_maxspeed``, ``edges_default_speed``.
    """
    lengths = [float(d.get("length", 0.0)) for _, _, d in G.edges(data=True)]
    srcs = [str(d.get("speed_source", "")) for _, _, d in G.edges(data=True)]
    return pd.Series(
        {
            "nodes": len(G),
            "edges": G.number_of_edges(),
            "length_km": sum(lengths) / 1000,
            "edges_maxspeed": sum(s == "maxspeed" for s in srcs),
            "edges_default_speed": sum(s.startswith("default") for s in srcs),
        }
    )
