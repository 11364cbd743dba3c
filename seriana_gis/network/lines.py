"""A road graph from a line layer (the embedded strategic network, or any road layer).

Each LineString is one link. Nodes sit at the links' endpoints; endpoints
closer than a tolerance (1 m by default) are merged into one node at their mean
position, so links drawn to meet share a node. Links that cross or touch
anywhere else are *not* connected: split the lines at junctions when authoring
the layer. ``length`` is the geometry's length in EPSG:32632; a link gets an
edge in its drawn direction and, unless ``oneway`` is true, one back.

Expected columns (as in ``layers/default/roads.geojson``): ``highway`` (OSM road
class, required), and optionally ``id``, ``name``, ``ref``, ``maxspeed`` (km/h,
may be null: the class default of :mod:`seriana_gis.network.speeds` is used),
``oneway`` (bool, missing = two-way), ``setting`` (``urban``, ``rural`` or
``mountain``, read by the road model :mod:`seriana_gis.network.model`; empty =
inferred) and ``sinuosity`` (real road length over drawn length, >= 1; empty =
1): a line drawn through a few waypoints misses the bends of a mountain road,
so its ``length`` is the drawn length times the sinuosity (the drawn length is
kept in ``drawn_length``).

Junction controls along a link (optional, each a count >= 0 or empty):
``signals_forward`` / ``signals_backward`` (traffic signals a car passes along
the link in its drawn direction / against it, counting those at its last node)
and ``roundabout_forward`` / ``roundabout_backward`` (roundabouts it enters).
A line network's nodes are only where its links meet, so the signals and
roundabouts of the road it draws are invisible to the road model's junction
rules (:mod:`seriana_gis.network.junctions`); these counts put them on the
edges (:data:`~seriana_gis.network.junctions.SIGNALS_ON_WAY`,
:data:`~seriana_gis.network.junctions.ROUNDABOUTS_ON_WAY`), which then pay them
instead of what the rules infer at their head node. The embedded network takes
them from OpenStreetMap where the Bergamo snapshot covers it
(:mod:`seriana_gis.network.link_controls`); empty = inferred from the network
as before.
"""

# ruff: noqa: N806  (G, H: the networkx / osmnx names for graphs)

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from .._errors import CRSError, DataError
from .arrays import RoadArrays
from .graph import GRAPH_CRS, normalise_graph
from .junctions import ROUNDABOUTS_ON_WAY, SIGNALS_ON_WAY

logger = logging.getLogger(__name__)

_ATTR_COLUMNS = ("name", "ref", "highway", "maxspeed", "setting")
#: Layer columns of the junction controls along a link, per direction (module docs), and the
#: edge attribute each fills.
CONTROL_COLUMNS: dict[str, str] = {"signals": SIGNALS_ON_WAY, "roundabout": ROUNDABOUTS_ON_WAY}
DIRECTIONS: tuple[str, str] = ("forward", "backward")


def _oneway(value: object, *, where: str) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"yes", "true", "1", "no", "false", "0"}:
        return value.strip().lower() in {"yes", "true", "1"}
    if isinstance(value, int | np.integer) and int(value) in (0, 1):
        return bool(value)
    msg = f"{where}: 'oneway' is {value!r}; use true/false (or leave it empty for two-way)."
    raise DataError(msg)


def _sinuosity(value: object, *, where: str) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 1.0
    ok = isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_)
    if not ok or not math.isfinite(float(value)) or float(value) < 1.0:  # type: ignore[arg-type]
        msg = (
            f"{where}: 'sinuosity' is {value!r}; give the ratio of the real road length to the "
            "drawn length, a number >= 1 (or leave it empty for 1)."
        )
        raise DataError(msg)
    return float(value)  # type: ignore[arg-type]


def _count(value: object, *, column: str, where: str) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    ok = isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_)
    if not ok or not float(value).is_integer() or float(value) < 0:  # type: ignore[arg-type]
        msg = (
            f"{where}: {column!r} is {value!r}; give how many the link passes, a whole "
            "number >= 0 (or leave it empty to infer the junctions from the network)."
        )
        raise DataError(msg)
    return int(float(value))  # type: ignore[arg-type]


def _controls(row: pd.Series, *, where: str) -> dict[bool, dict[str, int]]:
    """The junction-control edge attributes of a link, by ``reversed`` (module docs)."""
    out: dict[bool, dict[str, int]] = {False: {}, True: {}}
    for kind, attr in CONTROL_COLUMNS.items():
        for direction in DIRECTIONS:
            column = f"{kind}_{direction}"
            n = _count(row.get(column), column=column, where=where)
            if n is not None:
                out[direction == "backward"][attr] = n
    return out


@dataclass
class _Links:
    """A line layer checked and cut into links, and the nodes their endpoints make."""

    lines: gpd.GeoDataFrame  # in EPSG:32632
    ids: pd.Series
    pos: np.ndarray  # each link's row position in ``lines``
    geoms: list[LineString]  # each link's geometry, ends moved onto its nodes
    u: np.ndarray
    v: np.ndarray
    xy: np.ndarray  # node coordinates

    def row_id(self, j: int) -> Any:
        value = self.ids.iloc[self.pos[j]]
        return value.item() if isinstance(value, np.generic) else value


def _links(gdf: gpd.GeoDataFrame, *, tolerance_m: float, source: str) -> _Links:
    if not isinstance(gdf, gpd.GeoDataFrame) or len(gdf) == 0:
        msg = f"{source}: the road line layer is empty; give at least one LineString."
        raise DataError(msg)
    if gdf.crs is None:
        msg = f"{source}: the road line layer has no CRS; declare it (EPSG:4326 for GeoJSON)."
        raise CRSError(msg)
    if "highway" not in gdf.columns:
        present = ", ".join(str(c) for c in gdf.columns)
        msg = f"{source}: no 'highway' column (road class); columns present: {present}."
        raise DataError(msg)
    if tolerance_m < 0:
        msg = f"tolerance_m must be >= 0, got {tolerance_m}."
        raise DataError(msg)
    lines = gdf.to_crs(GRAPH_CRS)
    ids = lines["id"] if "id" in lines.columns else pd.Series(lines.index, index=lines.index)
    bad = lines.geometry.isna() | lines.geometry.is_empty
    bad |= ~lines.geometry.geom_type.isin(["LineString", "MultiLineString"])
    if bad.any():
        msg = (
            f"{source}: features {list(ids[bad])[:10]} are not (non-empty) LineStrings; "
            "every road link must be a line."
        )
        raise DataError(msg)

    parts: list[tuple[int, LineString]] = []
    for pos, geom in enumerate(lines.geometry):
        geoms = geom.geoms if geom.geom_type == "MultiLineString" else [geom]
        parts.extend((pos, g) for g in geoms if len(g.coords) >= 2)

    ends = np.array([c for _, g in parts for c in (g.coords[0][:2], g.coords[-1][:2])], dtype=float)
    n_pts = len(ends)
    pairs = cKDTree(ends).query_pairs(r=tolerance_m, output_type="ndarray")
    adj = coo_matrix(
        (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n_pts, n_pts)
    ).tocsr()
    _, labels = connected_components(adj, directed=False)
    # renumber clusters in order of first appearance
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    renumber = np.empty(len(order), dtype=np.int64)
    renumber[order] = np.arange(len(order))
    node_of = renumber[labels]
    n_nodes = len(order)
    xy = np.zeros((n_nodes, 2))
    np.add.at(xy, node_of, ends)
    xy /= np.bincount(node_of, minlength=n_nodes)[:, None]
    u, v = node_of[0::2], node_of[1::2]
    moved = []
    for j, (_, g) in enumerate(parts):
        coords = [tuple(c[:2]) for c in g.coords]
        coords[0], coords[-1] = tuple(xy[u[j]]), tuple(xy[v[j]])
        moved.append(LineString(coords))
    pos_arr = np.array([p for p, _ in parts], dtype=np.int64)
    logger.info(
        "%s: %d link(s) -> %d node(s) (%d endpoint(s) merged within %.2f m)",
        source,
        len(parts),
        n_nodes,
        n_pts - n_nodes,
        tolerance_m,
    )
    return _Links(lines, ids, pos_arr, moved, u, v, xy)


def _link_attrs(
    links: _Links, j: int, *, source: str
) -> tuple[dict[str, Any], bool, dict[bool, dict[str, int]]]:
    """Link ``j``'s edge attributes (but ``reversed``, its geometry and its controls), whether
    it is one-way, and the controls of its edge in each direction (by ``reversed``)."""
    row = links.lines.iloc[links.pos[j]]
    row_id = links.row_id(j)
    where = f"{source}, feature {row_id!r}"
    drawn = float(shapely.length(links.geoms[j]))
    sinuosity = _sinuosity(row.get("sinuosity"), where=where)
    attrs: dict[str, Any] = {
        "id": row_id,
        "length": drawn * sinuosity,
        "drawn_length": drawn,
        "sinuosity": sinuosity,
    }
    for col in _ATTR_COLUMNS:
        if col in row.index and not (
            row[col] is None or (isinstance(row[col], float) and math.isnan(row[col]))
        ):
            attrs[col] = row[col]
    one_way = _oneway(row.get("oneway"), where=where)
    attrs["oneway"] = one_way
    return attrs, one_way, _controls(row, where=where)


def graph_from_lines(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance_m: float = 1.0,
    source: str = "line layer",
) -> nx.MultiDiGraph:
    """Build a routable road graph from a layer of road lines.

    Parameters
    ----------
    gdf
        LineStrings (MultiLineStrings are split into their parts) with a CRS and a
        ``highway`` column; see the module docs for the other columns. Not changed.
    tolerance_m
        Endpoints closer than this (m) become one node.
    source
        Where the layer comes from, named in messages and in ``G.graph["source"]``.

    Returns
    -------
    networkx.MultiDiGraph
        The graph in the seriana_gis convention (EPSG:32632; integer node ids
        from 0 in order of first appearance; edge ``id`` from the layer's ``id``
        column, or its index), reduced to its largest strongly connected component.

    Raises
    ------
    DataError
        Empty layer, no ``highway`` column, non-line or empty geometries, bad ``oneway``.
    CRSError
        The layer has no CRS.
    """
    links = _links(gdf, tolerance_m=tolerance_m, source=source)
    G = nx.MultiDiGraph(crs=GRAPH_CRS, created_with="seriana_gis graph_from_lines")
    for i, (x, y) in enumerate(links.xy):
        G.add_node(int(i), x=float(x), y=float(y))
    for j, geom in enumerate(links.geoms):
        u, v = int(links.u[j]), int(links.v[j])
        attrs, one_way, controls = _link_attrs(links, j, source=source)
        G.add_edge(u, v, **attrs, **controls[False], reversed=False, geometry=geom)
        if not one_way:
            G.add_edge(v, u, **attrs, **controls[True], reversed=True, geometry=geom.reverse())
    return normalise_graph(G, source=source)


def road_arrays_from_lines(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance_m: float = 1.0,
    source: str = "line layer",
) -> RoadArrays:
    """:func:`graph_from_lines` as road arrays, without networkx (same parameters and errors).

    The same nodes, edges, attributes and travel times (the road model's
    annotations, free-flow speeds, the largest strongly connected component).
    """
    from .annotate import annotate_arrays
    from .osm_arrays import _free_flow
    from .routing import NodeTable

    links = _links(gdf, tolerance_m=tolerance_m, source=source)
    rows: list[dict[str, Any]] = []
    geoms: list[LineString] = []
    for j, geom in enumerate(links.geoms):
        u, v = int(links.u[j]), int(links.v[j])
        attrs, one_way, controls = _link_attrs(links, j, source=source)
        rows.append({"u": u, "v": v, **attrs, **controls[False], "reversed": False})
        geoms.append(geom)
        if not one_way:
            rows.append({"u": v, "v": u, **attrs, **controls[True], "reversed": True})
            geoms.append(geom.reverse())
    edges = pd.DataFrame(rows)
    edges.insert(2, "key", edges.groupby(["u", "v"], sort=False).cumcount().to_numpy())
    xy = shapely.get_coordinates(geoms)
    offsets = np.zeros(len(geoms) + 1, dtype=np.int64)
    np.cumsum(shapely.get_num_coordinates(geoms), out=offsets[1:])
    n = len(links.xy)
    table = NodeTable(ids=np.arange(n), x=links.xy[:, 0], y=links.xy[:, 1], crs=GRAPH_CRS)
    graph = {"crs": GRAPH_CRS, "created_with": "seriana_gis graph_from_lines"}
    raw = RoadArrays(table, pd.DataFrame(index=pd.RangeIndex(n)), edges, xy, offsets, graph)
    raw = raw.with_edges(**_free_flow(raw.edges))
    net, report = raw.largest_scc()
    logger.info(
        "%s: kept the largest strongly connected component (%d nodes); dropped %d node(s)",
        source,
        report["kept_nodes"],
        report["dropped_nodes"],
    )
    net = annotate_arrays(net)
    net.graph["source"] = source
    return net
