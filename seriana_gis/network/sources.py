"""Road graphs from OpenStreetMap: live through osmnx, or from a local OSM file.

Both give the same graph (see :mod:`seriana_gis.network.graph`): osmnx's
``drive`` network (:data:`~seriana_gis.network.graph.DRIVE_FILTER`), osmnx's
one-way rules, osmnx's topological simplification, projected to EPSG:32632,
speeds and travel times from :mod:`seriana_gis.network.speeds`, and the largest
strongly connected component.

- :func:`fetch_roads`: the Overpass API through osmnx, cached on disk in the
  folder the caller passes, so that the second run is offline.
- :func:`graph_from_osm_file`: ``.osm`` / ``.osm.bz2`` / ``.xml`` through
  :func:`osmnx.graph_from_xml`; ``.osm.pbf`` through pyosmium (``osmium``),
  which reads the highway ways and the locations of their nodes and builds the
  graph with the same rules as osmnx (:func:`graph_from_osm_elements`).

The embedded strategic network (a line layer) is read by
:func:`seriana_gis.network.lines.graph_from_lines`.
"""

# ruff: noqa: N806  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import osmnx as ox
import requests
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from .._errors import CRSError, DataError, SourceUnavailableError
from ..sources.osm import osm_settings
from ..sources.overpass import OverpassError
from .graph import FILTER_TAGS, is_drivable, normalise_graph
from .hgv import HGV_TAGS
from .junctions import SIGNAL_DIRECTION_TAG, simplify_road_graph

logger = logging.getLogger(__name__)

#: osmnx's OSM ``oneway`` values meaning one-way, and those meaning "against the node order".
ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
REVERSED_VALUES = frozenset({"-1", "reverse", "T"})

_XML_SUFFIXES = (".osm", ".osm.bz2", ".xml", ".osm.xml", ".xml.bz2")
_PBF_SUFFIXES = (".osm.pbf", ".pbf")


@contextlib.contextmanager
def _osmnx_settings(**values: Any) -> Iterator[None]:
    """Set osmnx settings for the duration of a block, then restore them."""
    old = {k: getattr(ox.settings, k) for k in values}
    try:
        for k, v in values.items():
            setattr(ox.settings, k, v)
        yield
    finally:
        for k, v in old.items():
            setattr(ox.settings, k, v)


def _way_tags() -> list[str]:
    """osmnx's useful way tags plus the lorry restrictions (``hgv``, ``maxweight``).

    Kept on the edges for the roads fit for lorries (:mod:`seriana_gis.network.hgv`).
    """
    tags = list(ox.settings.useful_tags_way)
    return tags + [t for t in HGV_TAGS if t not in tags]


def _node_tags() -> list[str]:
    """osmnx's useful node tags plus the direction of traffic signals (read by the road model)."""
    tags = list(ox.settings.useful_tags_node)
    return tags if SIGNAL_DIRECTION_TAG in tags else [*tags, SIGNAL_DIRECTION_TAG]


def _polygon_4326(
    polygon: BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame, crs: str | None
) -> Polygon | MultiPolygon:
    if isinstance(polygon, gpd.GeoDataFrame | gpd.GeoSeries):
        if polygon.crs is None:
            msg = "the study-area polygon has no CRS; set it (gdf.set_crs(...)) before fetching roads."
            raise CRSError(msg)
        if len(polygon) == 0:
            msg = "the study-area polygon layer is empty; give at least one polygon."
            raise DataError(msg)
        geom = polygon.to_crs("EPSG:4326").union_all()
    else:
        if crs is None:
            msg = "give the CRS of the study-area polygon (crs='EPSG:4326' or a GeoSeries with a CRS)."
            raise CRSError(msg)
        geom = gpd.GeoSeries([polygon], crs=crs).to_crs("EPSG:4326").iloc[0]
    if not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty:
        msg = (
            f"the study area must be a Polygon or MultiPolygon, got {geom.geom_type}; "
            "pass the municipalities' union or a bounding polygon."
        )
        raise DataError(msg)
    return geom


def fetch_roads(
    polygon: BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    cache_dir: str | os.PathLike[str],
    crs: str | None = "EPSG:4326",
    overpass_url: str | None = None,
) -> nx.MultiDiGraph:
    """Download the drivable OSM road network of a study area through osmnx.

    Responses are cached in ``cache_dir/osmnx`` (osmnx's ``use_cache`` /
    ``cache_folder``, set only for this call through
    :func:`seriana_gis.sources.osm.osm_settings`), so a second call for the same
    polygon makes no request.

    Parameters
    ----------
    polygon
        The study area: a shapely (Multi)Polygon in ``crs``, or a GeoSeries /
        GeoDataFrame with a CRS (its union is used).
    cache_dir
        Folder for the HTTP cache (created if needed).
    crs
        The CRS of a bare shapely ``polygon``.
    overpass_url
        Another Overpass endpoint (default: osmnx's ``settings.overpass_url``).

    Returns
    -------
    networkx.MultiDiGraph
        The road graph (osmnx ``drive`` network, EPSG:32632, speeds and travel
        times, largest strongly connected component). Nodes within 0.5 km
        outside the polygon are kept where an edge crosses its edge
        (``truncate_by_edge``).

    Raises
    ------
    SourceUnavailableError
        If the server cannot be reached and nothing is cached.
    DataError
        If the area holds no drivable road.
    """
    poly = _polygon_4326(polygon, crs)
    with drive_download(poly, cache_dir=cache_dir, overpass_url=overpass_url) as endpoint:
        G = ox.graph_from_polygon(
            poly, network_type="drive", simplify=False, retain_all=True, truncate_by_edge=True
        )
    return normalise_graph(simplify_road_graph(G), source=f"OpenStreetMap via {endpoint}")


@contextlib.contextmanager
def drive_download(
    poly: Polygon | MultiPolygon,
    *,
    cache_dir: str | os.PathLike[str],
    overpass_url: str | None,
) -> Iterator[str]:
    """The settings and errors of a download of the drive network of ``poly`` (EPSG:4326).

    osmnx's settings for the block (cache in ``cache_dir/osmnx``, the endpoint, the
    useful tags of :func:`fetch_roads`); yields the endpoint; the download's errors
    become one clear message each.

    Raises
    ------
    OverpassError
        The server answered with an error.
    SourceUnavailableError
        The server cannot be reached and nothing is cached.
    DataError
        No drivable road in the area.
    """
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with (
        osm_settings(cache_dir=folder, overpass_url=overpass_url),
        _osmnx_settings(useful_tags_way=_way_tags(), useful_tags_node=_node_tags()),
    ):
        endpoint = ox.settings.overpass_url
        try:
            yield endpoint
        except OverpassError as exc:
            msg = f"cannot download the roads from OpenStreetMap: {exc}"
            raise OverpassError(msg) from None
        except requests.exceptions.RequestException as exc:
            msg = (
                f"cannot reach the Overpass API at {endpoint} ({exc}) and the "
                f"cache folder {folder} holds no response for this area. Connect to the "
                "internet once, or build the graph from a local OSM file (graph_from_osm_file)."
            )
            raise SourceUnavailableError(msg) from exc
        except ox._errors.InsufficientResponseError as exc:
            msg = (
                f"OpenStreetMap returned no drivable road inside the study area "
                f"(bounds {poly.bounds}); check the polygon and its CRS."
            )
            raise DataError(msg) from exc


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for s in sorted((*_XML_SUFFIXES, *_PBF_SUFFIXES), key=len, reverse=True):
        if name.endswith(s):
            return s
    return path.suffix.lower()


def osm_file(path: str | os.PathLike[str], *, known_type: bool = False) -> Path:
    """``path`` as a Path, checked to be an existing file.

    ``known_type``: also check that its name ends as an OSM file this package
    reads (:func:`osm_file_kind`).

    Raises
    ------
    DataError
        No file there, or (``known_type``) not a known OSM file type.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"OSM file {p} not found; check the path (relative paths start from {Path.cwd()})."
        raise DataError(msg)
    if known_type and osm_file_kind(p) is None:
        msg = (
            f"{p}: unknown OSM file type {_suffix(p)!r}; use .osm, .osm.bz2 or .xml (OSM XML) "
            "or .osm.pbf."
        )
        raise DataError(msg)
    return p


def osm_file_kind(path: str | os.PathLike[str]) -> str | None:
    """``"pbf"``, ``"xml"`` (OSM XML, compressed or not) or None (another file type), by name."""
    suffix = _suffix(Path(path))
    if suffix in _PBF_SUFFIXES:
        return "pbf"
    return "xml" if suffix in _XML_SUFFIXES else None


def graph_from_osm_file(path: str | os.PathLike[str]) -> nx.MultiDiGraph:
    """Build the drivable road graph from a local OpenStreetMap file.

    Parameters
    ----------
    path
        An OSM XML file (``.osm``, ``.osm.bz2``, ``.xml``), read by
        :func:`osmnx.graph_from_xml`, or an OSM PBF file (``.osm.pbf``), read by
        pyosmium. Ways whose nodes are missing from the file (cut extracts) keep
        the nodes that are present.

    Returns
    -------
    networkx.MultiDiGraph
        The road graph (osmnx ``drive`` filter, EPSG:32632, speeds and travel
        times, largest strongly connected component).

    Raises
    ------
    DataError
        If the file is missing, has an unknown extension, or holds no drivable road.
    """
    p = osm_file(path, known_type=True)
    if osm_file_kind(p) == "pbf":
        nodes, ways = read_pbf_highways(p)
        G = graph_from_osm_elements(nodes, ways, source=str(p))
    else:
        G = _graph_from_xml(p)
    G = simplify_road_graph(G)
    return normalise_graph(G, source=str(p))


def _graph_from_xml(
    path: Path,
    *,
    keep: Callable[[Mapping[str, object]], bool] = is_drivable,
    what: str = "drivable road",
    bidirectional: bool = False,
) -> nx.MultiDiGraph:
    extra = [t for t in FILTER_TAGS if t not in _way_tags()]
    with _osmnx_settings(
        useful_tags_way=[*_way_tags(), *extra],
        useful_tags_node=_node_tags(),
    ):
        try:
            G = ox.graph_from_xml(
                path, bidirectional=bidirectional, simplify=False, retain_all=True
            )
        except Exception as exc:  # osmnx/ElementTree raise various errors on bad XML
            msg = f"{path}: cannot be read as OSM XML ({type(exc).__name__}: {exc})."
            raise DataError(msg) from exc
    drop = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if not keep(d)]
    G.remove_edges_from(drop)
    for _, _, d in G.edges(data=True):
        for t in extra:
            d.pop(t, None)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    if G.number_of_edges() == 0:
        msg = f"{path} holds no {what} (osmnx filter)."
        raise DataError(msg)
    logger.info("%s: %d edges (%s) from OSM XML", path, G.number_of_edges(), what)
    return G


def read_pbf_highways(
    path: str | os.PathLike[str],
    *,
    keep: Callable[[Mapping[str, object]], bool] = is_drivable,
) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """Read the drivable highway ways of an OSM PBF file and their nodes with pyosmium.

    Parameters
    ----------
    path
        The ``.osm.pbf`` file (any format pyosmium reads works).
    keep
        Which ways to keep, from their tags.

    Returns
    -------
    tuple of (dict, list)
        Nodes ``{id: {"x": lon, "y": lat, <useful node tags>}}`` and ways
        ``[{"id": ..., "nodes": [...], "tags": {...}}]`` of the ways that pass
        ``keep`` (:func:`~seriana_gis.network.graph.is_drivable` by default, or
        :func:`~seriana_gis.network.graph.is_walkable`), with node references
        whose location is missing from the file removed.
    """
    import osmium

    p = Path(path)
    node_tags = set(_node_tags())
    nodes: dict[int, dict[str, Any]] = {}
    ways: list[dict[str, Any]] = []
    tagged_nodes: dict[int, dict[str, str]] = {}
    dropped_refs = 0
    try:
        fp = osmium.FileProcessor(str(p)).with_locations()
        for item in fp:
            obj: Any = item
            if obj.is_node():
                tags = {t.k: t.v for t in obj.tags if t.k in node_tags}
                if tags:
                    tagged_nodes[obj.id] = tags
            elif obj.is_way():
                tags = {t.k: t.v for t in obj.tags}
                if "highway" not in tags or not keep(tags):
                    continue
                refs = []
                for nr in obj.nodes:
                    if nr.location.valid():
                        refs.append(nr.ref)
                        if nr.ref not in nodes:
                            nodes[nr.ref] = {"x": nr.location.lon, "y": nr.location.lat}
                    else:
                        dropped_refs += 1
                ways.append({"id": obj.id, "nodes": refs, "tags": tags})
    except RuntimeError as exc:
        msg = f"{p}: cannot be read as an OSM file by pyosmium ({exc})."
        raise DataError(msg) from exc
    for nid, tags in tagged_nodes.items():
        if nid in nodes:
            nodes[nid].update(tags)
    if dropped_refs:
        logger.info("%s: %d way node reference(s) without location skipped", p, dropped_refs)
    return nodes, ways


def graph_from_osm_elements(
    nodes: dict[int, dict[str, Any]],
    ways: Iterable[dict[str, Any]],
    *,
    source: str = "OSM elements",
    bidirectional: bool = False,
) -> nx.MultiDiGraph:
    """Build an unsimplified osmnx-style graph (EPSG:4326) from OSM nodes and ways.

    The rules are osmnx 2.1's (``osmnx.graph._add_paths``): consecutive duplicate
    node references are removed; a way is one-way when ``oneway`` is one of
    :data:`ONEWAY_VALUES` or ``junction=roundabout``; ``oneway`` in
    :data:`REVERSED_VALUES` reverses the node order; two-way ways get an edge each
    way, the reverse ones with ``reversed=True``; edge ``length`` is the
    great-circle distance between the nodes; edge attributes are the way's tags in
    ``osmnx.settings.useful_tags_way`` plus ``osmid``, ``oneway``, ``reversed``.

    Parameters
    ----------
    nodes
        ``{id: {"x": lon, "y": lat, ...}}``.
    ways
        ``{"id": way id, "nodes": [node ids], "tags": {...}}`` per way.
    source
        Named in messages.
    bidirectional
        Every way in both directions, one-way or not (a pedestrian network).

    Returns
    -------
    networkx.MultiDiGraph
        The graph (``crs`` EPSG:4326), not simplified.

    Raises
    ------
    DataError
        If no way has two nodes.
    """
    useful = set(_way_tags())
    G = nx.MultiDiGraph(crs="epsg:4326", created_with="seriana_gis (pyosmium)")
    used: set[int] = set()
    for way in ways:
        refs = [g[0] for g in groupby(way["nodes"]) if g[0] in nodes]
        refs = [g[0] for g in groupby(refs)]
        if len(refs) < 2:
            continue
        tags = way.get("tags", {})
        attrs: dict[str, Any] = {"osmid": way["id"]}
        attrs.update({k: v for k, v in tags.items() if k in useful})
        one_way = not bidirectional and (
            tags.get("oneway") in ONEWAY_VALUES or tags.get("junction") == "roundabout"
        )
        if one_way and tags.get("oneway") in REVERSED_VALUES:
            refs.reverse()
        attrs["oneway"] = one_way
        edges = list(pairwise(refs))
        G.add_edges_from(edges, **attrs, reversed=False)
        if not one_way:
            G.add_edges_from([(v, u) for u, v in edges], **attrs, reversed=True)
        used.update(refs)
    if G.number_of_edges() == 0:
        msg = f"{source} holds no drivable road with two located nodes."
        raise DataError(msg)
    for n in used:
        G.add_node(n, **nodes[n])
    return ox.distance.add_edge_lengths(G)
