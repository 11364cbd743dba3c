"""A pedestrian graph from a road graph.

Walking access to the TEB is timed over the road network when it is detailed
enough to walk on (OpenStreetMap, or a local OSM file); on the embedded
strategic network, which carries only main roads, walks are straight lines
times a detour factor (:mod:`seriana_gis.accessibility.transit`).

Pedestrians walk both ways along every street, one-way or not, and do not
walk on motorways and expressways (``motorway``, ``trunk`` and their links,
closed to pedestrians by the Codice della Strada, art. 175).
"""

# ruff: noqa: N803, N806  (G, W: the networkx / osmnx names for graphs)
from __future__ import annotations

import networkx as nx

from .._errors import NetworkError
from .graph import check_graph

#: Road classes closed to pedestrians.
NO_WALK_CLASSES: tuple[str, ...] = ("motorway", "motorway_link", "trunk", "trunk_link")


def _classes(value: object) -> set[str]:
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return {p.strip() for p in str(value).split(";")} if value is not None else set()


def walk_graph(
    G: nx.MultiDiGraph, *, exclude: tuple[str, ...] = NO_WALK_CLASSES
) -> nx.MultiDiGraph:
    """The walkable part of a road graph, every street in both directions.

    Parameters
    ----------
    G
        A road graph with node ``x``/``y`` and edge ``length`` (not changed).
    exclude
        Road classes (``highway``) pedestrians may not use; an edge is left out
        when every class it carries is excluded.

    Returns
    -------
    networkx.MultiDiGraph
        Same nodes (with ``x``, ``y``) and CRS; for every walkable edge u→v an
        edge u→v and v→u with its ``length`` (m). Nodes no walkable edge
        reaches are dropped.

    Raises
    ------
    NetworkError
        If the graph has no ``length`` or no walkable edge.
    """
    check_graph(G, weight="length")
    W = nx.MultiDiGraph(
        crs=G.graph.get("crs"), source=f"walkable part of {G.graph.get('source', 'the road graph')}"
    )
    banned = set(exclude)
    for u, v, d in G.edges(data=True):
        classes = _classes(d.get("highway"))
        if classes and classes <= banned:
            continue
        length = float(d["length"])
        for a, b in ((u, v), (v, u)):
            for n in (a, b):
                if n not in W:
                    W.add_node(n, x=G.nodes[n]["x"], y=G.nodes[n]["y"])
            W.add_edge(a, b, length=length, highway=d.get("highway"))
    if W.number_of_edges() == 0:
        msg = (
            "the road graph has no walkable edge (only motorways and expressways): walks fall "
            "back to straight lines; give a detailed road network to walk on."
        )
        raise NetworkError(msg)
    return W
