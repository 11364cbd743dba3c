"""Road arrays from a live OpenStreetMap download (Overpass through osmnx), without networkx.

:func:`fetch_road_arrays` builds, as road arrays, the graph
:func:`~seriana_gis.network.sources.fetch_roads` builds as a networkx graph,
from the same request (osmnx's query of the ``drive`` network in the study area
buffered by 500 m, served from the same disk cache):

1. the response's ways and located nodes as arrays (osmnx's ``_create_graph``:
   a way or node met in several responses counted once);
2. osmnx's truncation (``truncate_graph_polygon`` with ``truncate_by_edge``) to
   the buffered area, then to the study area, on the unsimplified edges: a node
   outside stays when one of its neighbours is inside;
3. the rest as for an OSM file (:func:`~seriana_gis.network.osm_arrays.road_arrays_from_ways`:
   controls, simplification, projection, free-flow times, largest strongly
   connected component, the road model's annotations).

:func:`fetch_walk_arrays` does the same for osmnx's ``walk`` network
(:func:`~seriana_gis.network.walk.fetch_walk`), the walks of a lean territory.

:func:`fetch_road_graph` is what the chain calls for a ``kind: osm`` source:
arrays when the download holds :data:`~seriana_gis.network.arrays.LEAN_MIN_NODES`
OSM nodes (osmnx would hold each as a networkx node before simplifying), else
:func:`~seriana_gis.network.sources.fetch_roads` on the cached response.
"""

from __future__ import annotations

import logging
import os
from array import array
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import osmnx as ox
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from .arrays import LEAN_MIN_NODES, RoadArrays, use_arrays
from .osm_arrays import OsmWays, SegmentFilter, road_arrays_from_ways, walk_arrays_from_ways
from .routing import RoadGraph
from .sources import _node_tags, _polygon_4326, drive_download, fetch_roads

logger = logging.getLogger(__name__)

#: osmnx's buffer around the study area for the download (m, ``graph_from_polygon``).
DOWNLOAD_BUFFER_M = 500


def ways_from_overpass(responses: Iterable[dict[str, Any]]) -> OsmWays:
    """The ways and located nodes of Overpass JSON responses, as arrays.

    Each response is read into arrays and dropped before the next (osmnx splits
    a large area into several requests). Ways keep the order they are first met
    in (as osmnx's dictionary of paths); way node references without a node in
    the responses are skipped.
    """
    wanted = set(_node_tags())
    node_ids, lons, lats = array("q"), array("d"), array("d")
    way_ids, refs, counts = array("q"), array("q"), array("q")
    tags: list[dict[str, str]] = []
    node_tags: dict[int, dict[str, str]] = {}
    for response in responses:
        for el in response.get("elements", ()):
            kind = el.get("type")
            if kind == "node":
                node_ids.append(el["id"])
                lons.append(el["lon"])
                lats.append(el["lat"])
                useful = {k: v for k, v in el.get("tags", {}).items() if k in wanted}
                if useful:
                    node_tags[el["id"]] = useful
            elif kind == "way":
                way_ids.append(el["id"])
                refs.extend(el["nodes"])
                counts.append(len(el["nodes"]))
                tags.append(dict(el.get("tags", {})))
    ids = np.frombuffer(node_ids, dtype=np.int64) if len(node_ids) else np.empty(0, np.int64)
    uniq, first = np.unique(ids, return_index=True)
    lon = np.frombuffer(lons, dtype=np.float64)[first] if len(lons) else np.empty(0)
    lat = np.frombuffer(lats, dtype=np.float64)[first] if len(lats) else np.empty(0)
    wid = np.frombuffer(way_ids, dtype=np.int64) if len(way_ids) else np.empty(0, np.int64)
    cnt = np.frombuffer(counts, dtype=np.int64) if len(counts) else np.empty(0, np.int64)
    ref = np.frombuffer(refs, dtype=np.int64) if len(refs) else np.empty(0, np.int64)
    # a way met twice (in two responses) counts once, where first met
    _, once = np.unique(wid, return_index=True)
    keep_way = np.zeros(len(wid), dtype=bool)
    keep_way[once] = True
    way_of = np.repeat(np.arange(len(wid)), cnt)
    at = np.minimum(np.searchsorted(uniq, ref), max(len(uniq) - 1, 0))
    located = (uniq[at] == ref) if len(uniq) else np.zeros(len(ref), dtype=bool)
    if int((~located).sum()):
        logger.info(
            "%d way node reference(s) without a node in the response skipped", int((~located).sum())
        )
    keep_ref = located & keep_way[way_of]
    new_counts = np.bincount(way_of[keep_ref], minlength=len(wid))[keep_way]
    offsets = np.zeros(len(new_counts) + 1, dtype=np.int64)
    np.cumsum(new_counts, out=offsets[1:])
    used = np.unique(ref[keep_ref])
    pos = np.searchsorted(uniq, used)
    on_ways = set(used.tolist())
    return OsmWays(
        way_ids=wid[keep_way].copy(),
        tags=[t for t, k in zip(tags, keep_way.tolist(), strict=True) if k],
        refs=ref[keep_ref].copy(),
        offsets=offsets,
        node_ids=used,
        lon=lon[pos],
        lat=lat[pos],
        node_tags={i: t for i, t in node_tags.items() if i in on_ways},
    )


def _truncation(ways: OsmWays, areas: list[BaseGeometry]) -> SegmentFilter:
    """osmnx's ``truncate_graph_polygon(..., truncate_by_edge=True)`` by each area in turn."""

    def keep(u: np.ndarray, v: np.ndarray, way: np.ndarray) -> np.ndarray:
        kept = np.ones(len(u), dtype=bool)
        for area in areas:
            shapely.prepare(area)
            inside = shapely.intersects_xy(area, ways.lon, ways.lat)
            near = inside.copy()  # inside, or a neighbour (either direction) inside
            near[u[kept & inside[v]]] = True
            near[v[kept & inside[u]]] = True
            if not inside[np.concatenate([u[kept], v[kept]])].any():
                msg = "Found no graph nodes within the requested polygon."
                raise ox._errors.InsufficientResponseError(msg)
            kept &= near[u] & near[v]
        return kept

    return keep


def _download_polygon(poly: Polygon | MultiPolygon) -> BaseGeometry:
    """The study area buffered as osmnx buffers it before the download (``graph_from_polygon``)."""
    poly_proj, crs_utm = ox.projection.project_geometry(poly)
    buffered, _ = ox.projection.project_geometry(
        poly_proj.buffer(DOWNLOAD_BUFFER_M), crs=crs_utm, to_latlong=True
    )
    return buffered


def _response_ways(poly: Polygon | MultiPolygon, network_type: str) -> OsmWays:
    """osmnx's request for the ``network_type`` network around ``poly``, read into arrays."""
    from osmnx import _overpass

    buffered = _download_polygon(poly)
    ways = ways_from_overpass(_overpass._download_overpass_network(buffered, network_type, None))
    if len(ways.way_ids) == 0 and len(ways.node_ids) == 0:
        msg = "No data elements in server response."
        raise ox._errors.InsufficientResponseError(msg)
    return ways


def _download(
    poly: Polygon | MultiPolygon, *, cache_dir: str | os.PathLike[str], overpass_url: str | None
) -> tuple[OsmWays, str]:
    with drive_download(poly, cache_dir=cache_dir, overpass_url=overpass_url) as endpoint:
        ways = _response_ways(poly, "drive")
    return ways, endpoint


def _arrays(
    poly: Polygon | MultiPolygon, ways: OsmWays, endpoint: str, **download: Any
) -> RoadArrays:
    with drive_download(poly, **download):  # the same messages for an empty area
        keep = _truncation(ways, [_download_polygon(poly), poly])
        return road_arrays_from_ways(
            ways, source=f"OpenStreetMap via {endpoint}", keep_segments=keep
        )


def fetch_road_arrays(
    polygon: BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    cache_dir: str | os.PathLike[str],
    crs: str | None = "EPSG:4326",
    overpass_url: str | None = None,
) -> RoadArrays:
    """The drivable OSM road network of a study area, downloaded through osmnx, as arrays.

    The same request, cache, graph and messages as
    :func:`~seriana_gis.network.sources.fetch_roads` (whose parameters these are),
    without networkx. Node attribute ``street_count`` (osmnx's, unused by the
    package) is not computed.

    Raises
    ------
    SourceUnavailableError
        If the server cannot be reached and nothing is cached.
    DataError
        If the area holds no drivable road.
    """
    poly = _polygon_4326(polygon, crs)
    ways, endpoint = _download(poly, cache_dir=cache_dir, overpass_url=overpass_url)
    return _arrays(poly, ways, endpoint, cache_dir=cache_dir, overpass_url=overpass_url)


def fetch_road_graph(
    polygon: BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    cache_dir: str | os.PathLike[str],
    crs: str | None = "EPSG:4326",
    overpass_url: str | None = None,
    lean: bool | None = None,
) -> RoadGraph:
    """The live road network as arrays for a large download, else as a networkx graph.

    Arrays (:func:`fetch_road_arrays`) when the download holds at least
    :data:`~seriana_gis.network.arrays.LEAN_MIN_NODES` OSM nodes (or ``lean``, or
    ``SERIANA_LEAN``: :func:`~seriana_gis.network.arrays.use_arrays`); else
    :func:`~seriana_gis.network.sources.fetch_roads`, served from the cache the
    first read filled (one request either way).
    """
    opts: dict[str, Any] = {"cache_dir": cache_dir, "crs": crs, "overpass_url": overpass_url}
    if not use_arrays(nodes=LEAN_MIN_NODES, lean=lean):  # networkx asked for: no first read
        return fetch_roads(polygon, **opts)
    poly = _polygon_4326(polygon, crs)
    ways, endpoint = _download(poly, cache_dir=cache_dir, overpass_url=overpass_url)
    if not use_arrays(nodes=len(ways.node_ids), lean=lean):
        return fetch_roads(polygon, **opts)
    return _arrays(poly, ways, endpoint, cache_dir=cache_dir, overpass_url=overpass_url)


def fetch_walk_arrays(
    polygon: BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    cache_dir: str | os.PathLike[str],
    crs: str | None = "EPSG:4326",
    overpass_url: str | None = None,
) -> RoadArrays:
    """osmnx's ``walk`` network of a study area from Overpass, as arrays.

    :func:`~seriana_gis.network.walk.fetch_walk` (same request, cache and
    messages) without networkx: truncated as osmnx truncates, then the roads
    closed to pedestrians (:func:`~seriana_gis.network.walk.closed_to_walkers`)
    left out, every way in both directions, simplified, the largest strongly
    connected component; edges carry ``length`` and ``highway``.

    Raises
    ------
    SourceUnavailableError
        The server cannot be reached and nothing is cached.
    DataError
        No walkable way in the area.
    """
    from .walk import closed_to_walkers, walk_download

    poly = _polygon_4326(polygon, crs)
    with walk_download(poly, cache_dir=cache_dir, overpass_url=overpass_url) as endpoint:
        ways = _response_ways(poly, "walk")
        closed = np.array([closed_to_walkers(t.get("highway")) for t in ways.tags], dtype=bool)
        truncate = _truncation(ways, [_download_polygon(poly), poly])

        def keep(u: np.ndarray, v: np.ndarray, way: np.ndarray) -> np.ndarray:
            # as osmnx: truncated with every way, then the closed roads dropped
            return truncate(u, v, way) & ~closed[way]

        return walk_arrays_from_ways(
            ways, source=f"OpenStreetMap via {endpoint}", keep_segments=keep
        )
