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

Cutting links into pieces
-------------------------
A node is only where links meet, so a site beside a long link would be snapped
to a node up to a kilometre away along it. :func:`graph_from_lines` and
:func:`road_arrays_from_lines` therefore cut every link into equal pieces no
longer than ``max_piece_m`` of drawn length (:data:`MAX_PIECE_M`, 250 m, by
default; None keeps one edge per link). The nodes inside a link have two
neighbours and are not junctions (:mod:`seriana_gis.network.junctions` infers
no delay there); they carry :data:`LINK_INTERIOR` = True, the link ends False.
What belongs to the link is resolved on the whole link and carried to each
piece: class, ``maxspeed``, ``oneway``, ``id``, ``name``, ``ref``, ``sinuosity``
(a piece's ``length`` is its drawn length times the link's sinuosity) and the
``setting`` (inferred on the whole link when the layer leaves it empty: the
mountain rule of :mod:`seriana_gis.network.model` reads the length and
sinuosity of the whole link). The junction controls of a direction all go on
the piece that ends at the link's last node in that direction: the road model
counts whole delays, the layer says how many a link passes but not where, and
this is the edge that paid them before cutting. So the time between two link
ends is the same, cut or not, on every profile and time of day; a site beside
a link is snapped to a node within ``max_piece_m / 2`` along it.

Links of :data:`UNCUT_CLASSES` (motorways, trunk roads and their ramps) are
not cut: they are entered only at their junctions, which are the link ends of
the layer, so a node in their middle would let a site join a motorway where
no ramp exists.
"""

# ruff: noqa: N803, N806  (G, H: the networkx / osmnx names for graphs)

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
import shapely.ops
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from .._errors import CRSError, DataError
from .arrays import RoadArrays
from .graph import GRAPH_CRS, normalise_graph
from .junctions import ROUNDABOUTS_ON_WAY, SIGNALS_ON_WAY, _values
from .model import setting_arrays
from .routing import RoadGraph

logger = logging.getLogger(__name__)

_ATTR_COLUMNS = ("name", "ref", "highway", "maxspeed", "setting")
#: Layer columns of the junction controls along a link, per direction (module docs), and the
#: edge attribute each fills.
CONTROL_COLUMNS: dict[str, str] = {"signals": SIGNALS_ON_WAY, "roundabout": ROUNDABOUTS_ON_WAY}
DIRECTIONS: tuple[str, str] = ("forward", "backward")
#: Longest piece (m of drawn length) a link is cut into by default (module docs).
MAX_PIECE_M = 250.0
#: Road classes whose links are never cut: entered only at their junctions (module docs).
UNCUT_CLASSES: frozenset[str] = frozenset({"motorway", "motorway_link", "trunk", "trunk_link"})
#: Node attribute: True on the nodes cut inside a link, False on the link ends (module docs).
LINK_INTERIOR = "link_interior"


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


def _uncut(highway: object) -> bool:
    """Whether a link of this ``highway`` (a class or a list of them) is never cut."""
    return bool(set(_values(highway)) & UNCUT_CLASSES)


@dataclass
class _Piece:
    """One edge-to-be: a piece of a link (the whole link when it is not cut)."""

    u: int
    v: int
    geom: LineString
    attrs: dict[str, Any]  # the link's attributes with the piece's lengths
    one_way: bool
    controls: dict[bool, dict[str, int]]  # by ``reversed``: what the piece's edges pay


def _link_settings(links: _Links, attrs: list[dict[str, Any]], *, source: str) -> np.ndarray:
    """The road model's setting of every whole link (the rules of :mod:`.model`)."""

    def column(name: str) -> np.ndarray:
        out = np.empty(len(attrs), dtype=object)
        out[:] = [a.get(name) for a in attrs]
        return out

    ends = links.xy[links.u] - links.xy[links.v]
    mid = [g.interpolate(0.5, normalized=True) for g in links.geoms]
    return setting_arrays(
        highway=column("highway"),
        maxspeed=column("maxspeed"),
        explicit=column("setting"),
        length=np.array([a["length"] for a in attrs], dtype=float),
        chord=np.hypot(ends[:, 0], ends[:, 1]),
        midpoints=np.array([(p.x, p.y) for p in mid], dtype=float).reshape(-1, 2),
        where=lambda i: f"{source}, feature {links.row_id(i)!r}",
    )


def _pieces(
    links: _Links, *, max_piece_m: float | None, source: str
) -> tuple[list[_Piece], np.ndarray]:
    """Every link cut into pieces (module docs), and the coordinates of all nodes.

    The link ends keep their node ids (``0 .. len(links.xy) - 1``); the nodes cut
    inside links follow, link by link.
    """
    if max_piece_m is not None and not (math.isfinite(max_piece_m) and max_piece_m > 0):
        msg = f"max_piece_m must be a positive number of metres (or None), got {max_piece_m!r}."
        raise DataError(msg)
    per_link = [_link_attrs(links, j, source=source) for j in range(len(links.geoms))]
    if max_piece_m is None:
        pieces = [
            _Piece(int(links.u[j]), int(links.v[j]), links.geoms[j], a, one_way, controls)
            for j, (a, one_way, controls) in enumerate(per_link)
        ]
        return pieces, links.xy
    settings = _link_settings(links, [a for a, _, _ in per_link], source=source)
    pieces = []
    extra: list[tuple[float, float]] = []
    next_id = len(links.xy)
    for j, (attrs, one_way, controls) in enumerate(per_link):
        geom = links.geoms[j]
        drawn = float(attrs["drawn_length"])
        n = 1 if _uncut(attrs.get("highway")) else max(1, math.ceil(drawn / max_piece_m - 1e-9))
        cuts = [drawn * k / n for k in range(n + 1)]
        nodes = [int(links.u[j])]
        for d in cuts[1:-1]:
            p = geom.interpolate(d)
            extra.append((float(p.x), float(p.y)))
            nodes.append(next_id)
            next_id += 1
        nodes.append(int(links.v[j]))
        zero = {False: dict.fromkeys(controls[False], 0), True: dict.fromkeys(controls[True], 0)}
        for k in range(n):
            piece = geom if n == 1 else shapely.ops.substring(geom, cuts[k], cuts[k + 1])
            length = float(shapely.length(piece))
            pieces.append(
                _Piece(
                    nodes[k],
                    nodes[k + 1],
                    piece,
                    {
                        **attrs,
                        "length": length * float(attrs["sinuosity"]),
                        "drawn_length": length,
                        "setting": str(settings[j]),
                    },
                    one_way,
                    {
                        False: controls[False] if k == n - 1 else zero[False],
                        True: controls[True] if k == 0 else zero[True],
                    },
                )
            )
    xy = np.vstack([links.xy, np.array(extra, dtype=float).reshape(-1, 2)])
    logger.info(
        "%s: links cut into %d piece(s) of at most %.0f m (%d node(s) inside links)",
        source,
        len(pieces),
        max_piece_m,
        len(extra),
    )
    return pieces, xy


def graph_from_lines(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance_m: float = 1.0,
    max_piece_m: float | None = MAX_PIECE_M,
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
    max_piece_m
        Links are cut into equal pieces no longer than this (m of drawn length),
        but those of :data:`UNCUT_CLASSES`; None keeps one edge per link (module docs).
    source
        Where the layer comes from, named in messages and in ``G.graph["source"]``.

    Returns
    -------
    networkx.MultiDiGraph
        The graph in the seriana_gis convention (EPSG:32632; integer node ids
        from 0 in order of first appearance of the link ends, then the nodes cut
        inside links; node attribute :data:`LINK_INTERIOR`; edge ``id`` from the
        layer's ``id`` column, or its index), reduced to its largest strongly
        connected component.

    Raises
    ------
    DataError
        Empty layer, no ``highway`` column, non-line or empty geometries, bad
        ``oneway``, ``sinuosity``, ``setting`` or control counts, bad ``max_piece_m``.
    CRSError
        The layer has no CRS.
    """
    links = _links(gdf, tolerance_m=tolerance_m, source=source)
    pieces, xy = _pieces(links, max_piece_m=max_piece_m, source=source)
    n_ends = len(links.xy)
    G = nx.MultiDiGraph(crs=GRAPH_CRS, created_with="seriana_gis graph_from_lines")
    for i, (x, y) in enumerate(xy):
        G.add_node(int(i), x=float(x), y=float(y), **{LINK_INTERIOR: i >= n_ends})
    for p in pieces:
        G.add_edge(p.u, p.v, **p.attrs, **p.controls[False], reversed=False, geometry=p.geom)
        if not p.one_way:
            G.add_edge(
                p.v, p.u, **p.attrs, **p.controls[True], reversed=True, geometry=p.geom.reverse()
            )
    return normalise_graph(G, source=source)


def road_arrays_from_lines(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance_m: float = 1.0,
    max_piece_m: float | None = MAX_PIECE_M,
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
    pieces, nxy = _pieces(links, max_piece_m=max_piece_m, source=source)
    rows: list[dict[str, Any]] = []
    geoms: list[LineString] = []
    for p in pieces:
        rows.append({"u": p.u, "v": p.v, **p.attrs, **p.controls[False], "reversed": False})
        geoms.append(p.geom)
        if not p.one_way:
            rows.append({"u": p.v, "v": p.u, **p.attrs, **p.controls[True], "reversed": True})
            geoms.append(p.geom.reverse())
    edges = pd.DataFrame(rows)
    edges.insert(2, "key", edges.groupby(["u", "v"], sort=False).cumcount().to_numpy())
    xy = shapely.get_coordinates(geoms)
    offsets = np.zeros(len(geoms) + 1, dtype=np.int64)
    np.cumsum(shapely.get_num_coordinates(geoms), out=offsets[1:])
    n = len(nxy)
    table = NodeTable(ids=np.arange(n), x=nxy[:, 0], y=nxy[:, 1], crs=GRAPH_CRS)
    graph = {"crs": GRAPH_CRS, "created_with": "seriana_gis graph_from_lines"}
    node_attrs = pd.DataFrame({LINK_INTERIOR: np.arange(n) >= len(links.xy)})
    raw = RoadArrays(table, node_attrs, edges, xy, offsets, graph)
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


def link_ends(G: RoadGraph) -> np.ndarray | None:
    """Which nodes of ``G`` end a link of a line network (not cut inside one).

    Parameters
    ----------
    G
        A road graph or road arrays (not changed).

    Returns
    -------
    numpy.ndarray or None
        One bool per node in :func:`~seriana_gis.network.routing.node_table` order:
        False where the node carries :data:`LINK_INTERIOR` = True; None when no
        node carries the attribute (a graph not built by :func:`graph_from_lines`:
        every node may end a link).
    """
    from .routing import _as_arrays, node_table

    arrays = _as_arrays(G)
    if arrays is not None:
        if LINK_INTERIOR not in arrays.node_attrs.columns:
            return None
        values = arrays.node_attrs[LINK_INTERIOR].tolist()
    else:
        assert isinstance(G, nx.MultiDiGraph)
        values = [G.nodes[n].get(LINK_INTERIOR) for n in node_table(G).ids.tolist()]
        if all(x is None for x in values):
            return None
    # missing (None, NaN) = not known to be inside a link
    return np.array([not (x is not None and x == x and bool(x)) for x in values], dtype=bool)


def line_node_count(gdf: gpd.GeoDataFrame, *, max_piece_m: float | None = MAX_PIECE_M) -> int:
    """About how many nodes :func:`graph_from_lines` makes of a line layer, without building it.

    One per link (links share their ends: a connected network has about as many
    nodes as links) plus the nodes cut inside the links (module docs).

    Parameters
    ----------
    gdf
        The road lines (not changed); without a CRS only the links are counted.
    max_piece_m
        As in :func:`graph_from_lines`.

    Returns
    -------
    int
        The estimate (the links and every node cut inside one).
    """
    n = len(gdf)
    if max_piece_m is None or gdf.crs is None or n == 0:
        return n
    length = gdf.geometry.to_crs(GRAPH_CRS).length.to_numpy(dtype=float)
    cut = np.ones(n, dtype=bool)
    if "highway" in gdf.columns:
        cut = ~gdf["highway"].map(_uncut).to_numpy(bool)
    inside = np.maximum(np.ceil(np.nan_to_num(length) / max_piece_m - 1e-9) - 1, 0)
    return n + int(inside[cut].sum())
