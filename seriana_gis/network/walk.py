"""Pedestrian graphs: OpenStreetMap's walk network, or the walkable part of a road graph.

Walking access to the TEB is timed over a pedestrian network when one exists;
on the embedded strategic network, which carries only main roads, walks are
straight lines times a detour factor (:mod:`seriana_gis.accessibility.transit`).

- :func:`walk_graph_from_osm_file` and :func:`fetch_walk` build osmnx's
  ``walk`` network (:data:`~seriana_gis.network.graph.WALK_FILTER`): the
  streets *and* the footways, paths, steps, pedestrian streets and crossings a
  pedestrian uses, every way in both directions, from a local OSM file or
  from Overpass (cached); trunk roads (and motorways, which osmnx's filter
  already drops) are left out, as on a road graph (Codice della Strada art. 175). This is what ``seriana accessibility`` walks on
  when the roads come from OpenStreetMap.
- :func:`walk_graph` keeps the walkable part of a *road* graph (for a road
  source that has no footways): pedestrians walk both ways along every street,
  one-way or not, and not on motorways and expressways (``motorway``,
  ``trunk`` and their links, closed to pedestrians by the Codice della Strada,
  art. 175).
"""

# ruff: noqa: N803, N806  (G, W: the networkx / osmnx names for graphs)
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pyproj
import requests
from shapely.geometry.base import BaseGeometry

from .._errors import DataError, NetworkError, SourceUnavailableError
from ..sources.osm import osm_settings
from ._columns import per_unique
from .arrays import RoadArrays
from .graph import GRAPH_CRS, check_graph, is_walkable, keep_largest_scc
from .routing import RoadGraph, _as_arrays

#: Road classes closed to pedestrians.
NO_WALK_CLASSES: tuple[str, ...] = ("motorway", "motorway_link", "trunk", "trunk_link")


def _classes(value: object) -> set[str]:
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return {p.strip() for p in str(value).split(";")} if value is not None else set()


def closed_to_walkers(highway: object, *, exclude: tuple[str, ...] = NO_WALK_CLASSES) -> bool:
    """Whether a road with this ``highway`` value is closed to pedestrians (every class excluded)."""
    classes = _classes(highway)
    return bool(classes) and classes <= set(exclude)


def walk_graph(G: RoadGraph, *, exclude: tuple[str, ...] = NO_WALK_CLASSES) -> RoadGraph:
    """The walkable part of a road graph, every street in both directions.

    Parameters
    ----------
    G
        A road graph with node ``x``/``y`` and edge ``length`` (not changed), or
        road arrays (the result is then road arrays too).
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
    arrays = _as_arrays(G)
    if arrays is not None:
        return _walk_arrays(arrays, exclude=exclude)
    assert isinstance(G, nx.MultiDiGraph)
    check_graph(G, weight="length")
    W = nx.MultiDiGraph(
        crs=G.graph.get("crs"), source=f"walkable part of {G.graph.get('source', 'the road graph')}"
    )
    for u, v, d in G.edges(data=True):
        if closed_to_walkers(d.get("highway"), exclude=exclude):
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


def _finish_walk(G: nx.MultiDiGraph, *, source: str) -> nx.MultiDiGraph:
    """Drop the roads closed to pedestrians, simplify, project to EPSG:32632, keep the largest
    connected part, keep ``length``/``highway``."""
    G = G.copy()
    G.remove_edges_from(
        [
            (u, v, k)
            for u, v, k, d in G.edges(keys=True, data=True)
            if closed_to_walkers(d.get("highway"))
        ]
    )
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    if G.number_of_edges() == 0:
        msg = f"{source} holds no way open to pedestrians."
        raise DataError(msg)
    G = ox.simplify_graph(G)
    crs = pyproj.CRS.from_user_input(G.graph["crs"])
    H = G if crs.equals(GRAPH_CRS) else ox.project_graph(G, to_crs=GRAPH_CRS)
    H.graph["crs"] = GRAPH_CRS
    H, _ = keep_largest_scc(H, source=f"{source} (walk network)")
    W = nx.MultiDiGraph(crs=GRAPH_CRS, source=f"pedestrian network of {source}")
    for n, d in H.nodes(data=True):
        W.add_node(n, x=float(d["x"]), y=float(d["y"]))
    for u, v, d in H.edges(data=True):
        W.add_edge(u, v, length=float(d["length"]), highway=d.get("highway"))
    return W


def walk_graph_from_osm_file(path: str | os.PathLike[str]) -> nx.MultiDiGraph:
    """osmnx's ``walk`` network of a local OSM file (footways, paths, crossings, streets).

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.xml`` or ``.osm.pbf``.

    Returns
    -------
    networkx.MultiDiGraph
        Every walkable way in both directions, simplified, in EPSG:32632, its
        largest connected part; edges carry ``length`` (m) and ``highway``.

    Raises
    ------
    DataError
        Missing file, unknown type, or no walkable way.
    """
    from .sources import (
        _graph_from_xml,
        graph_from_osm_elements,
        osm_file,
        osm_file_kind,
        read_pbf_highways,
    )

    p = osm_file(path, known_type=True)
    if osm_file_kind(p) == "pbf":
        nodes, ways = read_pbf_highways(p, keep=is_walkable)
        G = graph_from_osm_elements(nodes, ways, source=str(p), bidirectional=True)
    else:
        G = _graph_from_xml(p, keep=is_walkable, what="walkable way", bidirectional=True)
    return _finish_walk(G, source=str(p))


def fetch_walk(
    polygon: BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    cache_dir: str | os.PathLike[str],
    crs: str | None = "EPSG:4326",
    overpass_url: str | None = None,
) -> nx.MultiDiGraph:
    """osmnx's ``walk`` network of a study area from Overpass, cached on disk like the roads.

    Parameters
    ----------
    polygon
        The study area (as for :func:`seriana_gis.network.fetch_roads`).
    cache_dir
        Folder for the HTTP cache.
    crs
        The CRS of a bare shapely ``polygon``.
    overpass_url
        Another Overpass endpoint.

    Returns
    -------
    networkx.MultiDiGraph
        As :func:`walk_graph_from_osm_file`.

    Raises
    ------
    SourceUnavailableError
        The server cannot be reached and nothing is cached.
    """
    from .sources import _polygon_4326

    poly = _polygon_4326(polygon, crs)
    with walk_download(poly, cache_dir=cache_dir, overpass_url=overpass_url) as endpoint:
        G = ox.graph_from_polygon(
            poly, network_type="walk", simplify=False, retain_all=True, truncate_by_edge=True
        )
    return _finish_walk(G, source=f"OpenStreetMap via {endpoint}")


@contextlib.contextmanager
def walk_download(
    poly: BaseGeometry, *, cache_dir: str | os.PathLike[str], overpass_url: str | None
) -> Iterator[str]:
    """The settings and errors of a download of the walk network of ``poly`` (EPSG:4326).

    Yields the endpoint; the download's errors become one clear message each.

    Raises
    ------
    SourceUnavailableError
        The server cannot be reached and nothing is cached.
    DataError
        No walkable way in the area.
    """
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with osm_settings(cache_dir=folder, overpass_url=overpass_url):
        endpoint = ox.settings.overpass_url
        try:
            yield endpoint
        except requests.exceptions.RequestException as exc:
            msg = (
                f"cannot reach the Overpass API at {endpoint} ({exc}) and the cache folder "
                f"{folder} holds no walk network for this area. Run seriana fetch roads once "
                "online, or walk on straight lines (--walk straight)."
            )
            raise SourceUnavailableError(msg) from exc
        except ox._errors.InsufficientResponseError as exc:
            msg = f"OpenStreetMap returned no walkable way inside the study area ({poly.bounds})."
            raise DataError(msg) from exc


def _walk_arrays(net: RoadArrays, *, exclude: tuple[str, ...]) -> RoadArrays:
    """:func:`walk_graph` on road arrays: the walkable edges, each in both directions."""
    e = net.edges
    highway = (
        e["highway"].to_numpy(dtype=object) if "highway" in e.columns else np.full(len(e), None)
    )
    closed = per_unique(lambda h: closed_to_walkers(h, exclude=exclude), highway, dtype=bool)
    if closed.all():
        msg = (
            "the road graph has no walkable edge (only motorways and expressways): walks fall "
            "back to straight lines; give a detailed road network to walk on."
        )
        raise NetworkError(msg)
    keep = np.flatnonzero(~closed)
    u, v = e["u"].to_numpy()[keep], e["v"].to_numpy()[keep]
    both = pd.DataFrame(
        {
            "u": np.column_stack([u, v]).ravel(),
            "v": np.column_stack([v, u]).ravel(),
            "length": np.repeat(pd.to_numeric(e["length"]).to_numpy(dtype=np.float64)[keep], 2),
            "highway": np.repeat(highway[keep], 2),
        }
    )
    both["key"] = both.groupby(["u", "v"], sort=False).cumcount()
    walk = RoadArrays(
        net.nodes,
        net.node_attrs.iloc[:, :0],
        both,
        np.empty((0, 2)),
        np.zeros(len(both) + 1, dtype=np.int64),
        {
            "crs": net.graph.get("crs"),
            "source": f"walkable part of {net.graph.get('source', 'the road graph')}",
        },
    )
    return walk.subset(np.ones(len(both), dtype=bool))  # nodes no walkable edge reaches dropped
