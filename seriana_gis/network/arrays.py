"""A road graph as arrays: the lean form of large territories, without networkx.

A networkx graph costs about 9.7 KB per node (a dictionary per node, per
neighbour and per edge); the province (~250k nodes) needs 2.4 GB and
Lombardy (~2M nodes) does not fit in 24 GB. :class:`RoadArrays` holds the same
graph in the osmnx convention as columns:

- ``nodes``: a :class:`~seriana_gis.network.routing.NodeTable` (ids and
  EPSG:32632 coordinates, in matrix order) and ``node_attrs``, a table of node
  attributes (OSM node tags, ``junction_kind``) in the same order;
- ``edges``: one row per directed edge, ``u`` and ``v`` as node *positions*,
  ``key`` as in a MultiDiGraph, and every edge attribute of the graph
  convention (:mod:`seriana_gis.network.graph`) as a column (values merged by
  osmnx's simplification stay lists, as in the graph);
- edge geometries as one flat coordinate array with offsets (an edge without a
  geometry is the straight line between its nodes, as in osmnx);
- ``graph``: the graph attributes (``crs``, ``source``, ``scc_dropped_*``,
  ``speed_profile``, ``time_of_day``, ...).

It is built straight from an OSM file, PBF or XML
(:func:`~seriana_gis.network.osm_arrays.road_arrays_from_osm_file`), from the
``road_nodes``/``road_edges`` layers (:meth:`RoadArrays.from_layers`) or from a
networkx graph (:meth:`RoadArrays.from_graph`); :meth:`RoadArrays.to_graph`
gives the networkx graph back (the interchange format). The routing functions
of :mod:`seriana_gis.network.routing` accept it wherever they accept a graph;
its engines are cached on it.
"""

# ruff: noqa: N803, N806  (G: the networkx / osmnx name for a graph)

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csgraph, csr_matrix

from .._errors import ConfigError, DataError, NetworkError
from .routing import NodeTable, RoutingEngine, _as_ids

#: A road graph of at least this many nodes is held as road arrays by the accessibility
#: chain (the road layers of a database): networkx needs about 9.7 KB per node (2.4 GB for
#: the province's ~250k nodes), the arrays a few hundred bytes.
LEAN_MIN_NODES = 100_000
#: An OSM PBF file at least this large (bytes) is read straight into road arrays; the
#: Bergamo extract holds about 1,500 drive nodes per MB, so this is ~100,000 nodes.
LEAN_MIN_PBF_BYTES = 64 * 2**20
#: Bytes of an OSM file per byte of the same data as PBF, by kind: the Bergamo extract
#: (``../shared/data``) written by pyosmium as ``.osm.bz2`` is 1.52 times, as ``.osm`` 21.1
#: times its ``.osm.pbf``. An OSM XML file is held as arrays from the PBF size it equals
#: (:func:`pbf_equivalent_bytes`), so the same ~100,000 nodes decide for every kind.
OSM_BYTES_PER_PBF_BYTE = {"pbf": 1.0, "xml.bz2": 1.5, "xml": 21.0}
#: Environment variable forcing the choice: ``1`` always arrays, ``0`` always networkx.
LEAN_ENV = "SERIANA_LEAN"


def use_arrays(
    *, nodes: int | None = None, pbf_bytes: int | None = None, lean: bool | None = None
) -> bool:
    """Whether the chain holds a road graph as arrays (:data:`LEAN_MIN_NODES`, :data:`LEAN_MIN_PBF_BYTES`).

    Parameters
    ----------
    nodes
        The graph's node count, when known (the database's ``road_nodes``).
    pbf_bytes
        The size of the OSM PBF file it is read from (of an OSM XML file: the PBF
        size it equals, :func:`pbf_equivalent_bytes`).
    lean
        Force the choice (``None``: :data:`LEAN_ENV` if set, else the thresholds).

    Raises
    ------
    ConfigError
        :data:`LEAN_ENV` holds something else than ``0`` or ``1``.
    """
    if lean is not None:
        return lean
    env = os.environ.get(LEAN_ENV, "").strip()
    if env:
        if env not in ("0", "1"):
            msg = (
                f"{LEAN_ENV}={env!r}: give 1 (road arrays always), 0 (networkx always) or unset it."
            )
            raise ConfigError(msg)
        return env == "1"
    if nodes is not None:
        return nodes >= LEAN_MIN_NODES
    return pbf_bytes is not None and pbf_bytes >= LEAN_MIN_PBF_BYTES


def pbf_equivalent_bytes(path: str | os.PathLike[str]) -> int | None:
    """The size of an OSM file as the size of the same data in PBF (:data:`OSM_BYTES_PER_PBF_BYTE`).

    Returns
    -------
    int or None
        None when ``path`` is no file, or no OSM file type this package reads.
    """
    from .sources import osm_file_kind

    p = Path(path)
    kind = osm_file_kind(p)
    if kind is None or not p.is_file():
        return None
    if kind == "xml" and p.name.lower().endswith(".bz2"):
        kind = "xml.bz2"
    return int(p.stat().st_size / OSM_BYTES_PER_PBF_BYTE[kind])


#: Edge columns that are not attributes of the graph's edges.
STRUCTURE = ("u", "v", "key")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True, eq=False)
class RoadArrays:
    """A road graph in the osmnx convention, as arrays (see the module docs).

    Attributes
    ----------
    nodes
        Node ids and coordinates (matrix order).
    node_attrs
        Node attributes other than ``x``/``y``, one row per node in matrix order.
    edges
        ``u``, ``v`` (node positions), ``key`` and the edge attributes.
    coords
        Flat ``(m, 2)`` coordinates of the edge geometries.
    offsets
        ``coords[offsets[i]:offsets[i + 1]]`` is edge ``i``'s geometry (empty: none).
    graph
        The graph attributes.
    """

    nodes: NodeTable
    node_attrs: pd.DataFrame
    edges: pd.DataFrame
    coords: np.ndarray
    offsets: np.ndarray
    graph: dict[str, Any] = field(default_factory=dict)
    _engines: dict[str, RoutingEngine] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.edges)

    def number_of_edges(self) -> int:
        """Number of directed edges (as :meth:`networkx.MultiDiGraph.number_of_edges`)."""
        return len(self.edges)

    def engine(self, weight: str = "travel_time") -> RoutingEngine:
        """The routing engine on an edge column, built once per column.

        Raises
        ------
        NetworkError
            The edges have no such column, or a value is not a finite number >= 0.
        """
        hit = self._engines.get(weight)
        if hit is not None:
            return hit
        if weight not in self.edges.columns:
            msg = f"the road arrays have no edge column {weight!r}; add travel times first."
            raise NetworkError(msg)
        ids = self.nodes.ids
        engine = RoutingEngine.from_arrays(
            self.nodes,
            ids[self.edges["u"].to_numpy()],
            ids[self.edges["v"].to_numpy()],
            pd.to_numeric(self.edges[weight], errors="coerce").to_numpy(dtype=np.float64),
            weight=weight,
            source=str(self.graph.get("source", "road arrays")),
        )
        self._engines[weight] = engine
        return engine

    def with_edges(self, **columns: Any) -> RoadArrays:
        """A new object with edge columns replaced or added (its engines rebuilt on demand)."""
        edges = self.edges.copy(deep=False)
        for name, values in columns.items():
            edges[name] = values
        return replace(self, edges=edges, graph=dict(self.graph), _engines={})

    def with_added_edges(self, rows: pd.DataFrame, geometries: list[np.ndarray]) -> RoadArrays:
        """New arrays with edges appended (``rows``: ``u``, ``v`` positions, ``key``, attributes).

        ``geometries`` holds each new edge's ``(k, 2)`` coordinates (empty: none).
        """
        edges = pd.concat([self.edges, rows], ignore_index=True)
        lengths = np.array([len(g) for g in geometries], dtype=np.int64)
        offsets = np.concatenate([self.offsets, self.offsets[-1] + np.cumsum(lengths)])
        parts = [self.coords, *[np.asarray(g, dtype=np.float64).reshape(-1, 2) for g in geometries]]
        return replace(
            self,
            edges=edges,
            coords=np.concatenate(parts),
            offsets=offsets,
            graph=dict(self.graph),
            _engines={},
        )

    def subset(self, edge_mask: np.ndarray, *, drop_isolated: bool = True) -> RoadArrays:
        """The edges where ``edge_mask`` holds (and the nodes they touch).

        Parameters
        ----------
        edge_mask
            One bool per edge.
        drop_isolated
            Drop the nodes left without an edge.
        """
        keep = np.asarray(edge_mask, dtype=bool)
        edges = self.edges[keep]
        starts, stops = self.offsets[:-1][keep], self.offsets[1:][keep]
        lengths = stops - starts
        offsets = np.zeros(len(edges) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        take = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
        coords = self.coords[take]
        node_keep = np.ones(len(self.nodes), dtype=bool)
        if drop_isolated:
            node_keep[:] = False
            node_keep[edges["u"].to_numpy()] = True
            node_keep[edges["v"].to_numpy()] = True
        return self._with_nodes(node_keep, edges, coords, offsets)

    def _with_nodes(
        self, node_keep: np.ndarray, edges: pd.DataFrame, coords: np.ndarray, offsets: np.ndarray
    ) -> RoadArrays:
        new_pos = np.cumsum(node_keep) - 1
        edges = edges.reset_index(drop=True)
        edges["u"] = new_pos[edges["u"].to_numpy()]
        edges["v"] = new_pos[edges["v"].to_numpy()]
        t = self.nodes
        nodes = NodeTable(ids=t.ids[node_keep], x=t.x[node_keep], y=t.y[node_keep], crs=t.crs)
        attrs = self.node_attrs[node_keep].reset_index(drop=True)
        return RoadArrays(nodes, attrs, edges, coords, offsets, dict(self.graph))

    def largest_scc(self) -> tuple[RoadArrays, dict[str, float]]:
        """The largest strongly connected component, and what was dropped.

        Returns
        -------
        tuple
            The arrays of the component (graph attributes ``scc_dropped_nodes``,
            ``scc_dropped_edges``, ``scc_dropped_components`` set) and the counts
            (with ``dropped_length_m``), as :func:`~seriana_gis.network.graph.keep_largest_scc`.

        Raises
        ------
        NetworkError
            The graph has no nodes.
        """
        n = len(self.nodes)
        if n == 0:
            msg = "the road graph has no nodes; check the source area and its filter."
            raise NetworkError(msg)
        u, v = self.edges["u"].to_numpy(), self.edges["v"].to_numpy()
        m = csr_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n))
        count, labels = csgraph.connected_components(m, directed=True, connection="strong")
        sizes = np.bincount(labels, minlength=count)
        largest = int(np.argmax(sizes))
        node_keep = labels == largest
        edge_keep = node_keep[u] & node_keep[v]
        out = self.subset(edge_keep, drop_isolated=False)
        out = out._with_nodes(
            node_keep, out.edges, out.coords, out.offsets
        )  # isolated members of the component stay (a one-node component)
        lengths = pd.to_numeric(self.edges.get("length"), errors="coerce")
        dropped_length = (
            float(lengths[~edge_keep].fillna(0.0).sum()) if lengths is not None else 0.0
        )
        report = {
            "kept_nodes": int(node_keep.sum()),
            "kept_edges": int(edge_keep.sum()),
            "dropped_nodes": int(n - node_keep.sum()),
            "dropped_edges": int((~edge_keep).sum()),
            "dropped_components": int(count - 1),
            "dropped_length_m": dropped_length,
        }
        out.graph["scc_dropped_nodes"] = report["dropped_nodes"]
        out.graph["scc_dropped_edges"] = report["dropped_edges"]
        out.graph["scc_dropped_components"] = report["dropped_components"]
        return out, report

    # -- geometry -------------------------------------------------------------------------

    def has_geometry(self) -> np.ndarray:
        """One bool per edge: whether it carries a geometry of its own."""
        return np.diff(self.offsets) > 0

    def geometries(self, *, straight: bool = True) -> np.ndarray:
        """The edges' LineStrings (shapely array); edges without one get the straight line.

        Parameters
        ----------
        straight
            Give edges without a geometry their straight line (else None).
        """
        n = self.n_edges
        out = np.full(n, None, dtype=object)
        has = self.has_geometry()
        if has.any():
            counts = np.diff(self.offsets)[has]
            which = np.repeat(np.arange(int(has.sum())), counts)
            out[has] = shapely.linestrings(self.coords, indices=which)
        if straight and (~has).any():
            u = self.edges["u"].to_numpy()[~has]
            v = self.edges["v"].to_numpy()[~has]
            t = self.nodes
            pts = np.stack(
                [np.column_stack([t.x[u], t.y[u]]), np.column_stack([t.x[v], t.y[v]])], 1
            )
            out[~has] = shapely.linestrings(pts)
        return out

    # -- networkx interchange -------------------------------------------------------------

    def to_graph(self) -> nx.MultiDiGraph:
        """The same graph as a networkx MultiDiGraph (osmnx convention).

        Missing values (None, NaN) are left out of the attribute dictionaries,
        as osmnx does; geometries become shapely LineStrings on the edges that
        have one.
        """
        G = nx.MultiDiGraph(**self.graph)
        t = self.nodes
        attrs = self.node_attrs
        cols = list(attrs.columns)
        values = [attrs[c].to_numpy(dtype=object) for c in cols]
        for i, n in enumerate(t.ids.tolist()):
            d: dict[str, Any] = {"x": float(t.x[i]), "y": float(t.y[i])}
            for c, col in zip(cols, values, strict=True):
                if not _missing(col[i]):
                    d[c] = col[i]
            G.add_node(n, **d)
        ids = t.ids.tolist()
        geoms = self.geometries(straight=False)
        ecols = [c for c in self.edges.columns if c not in STRUCTURE]
        evals = [self.edges[c].to_numpy(dtype=object) for c in ecols]
        u = self.edges["u"].to_numpy()
        v = self.edges["v"].to_numpy()
        k = self.edges["key"].to_numpy()
        for i in range(self.n_edges):
            d = {c: col[i] for c, col in zip(ecols, evals, strict=True) if not _missing(col[i])}
            if geoms[i] is not None:
                d["geometry"] = geoms[i]
            G.add_edge(ids[u[i]], ids[v[i]], key=int(k[i]), **_plain(d))
        return G

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph) -> RoadArrays:
        """The arrays of a networkx road graph (not changed), in ``G.nodes`` order.

        Raises
        ------
        NetworkError
            A node without ``x``/``y``, or no ``crs`` graph attribute.
        """
        from .routing import node_table

        table = node_table(G)
        pos = {n: i for i, n in enumerate(G.nodes)}
        node_rows = [
            {k: val for k, val in d.items() if k not in ("x", "y")} for _, d in G.nodes(data=True)
        ]
        rows: list[dict[str, Any]] = []
        xs: list[np.ndarray] = []
        lengths: list[int] = []
        for u, v, k, d in G.edges(keys=True, data=True):
            row = {"u": pos[u], "v": pos[v], "key": k}
            row.update({a: val for a, val in d.items() if a != "geometry"})
            rows.append(row)
            geom = d.get("geometry")
            if geom is not None:
                xy = shapely.get_coordinates(geom)
                xs.append(xy)
                lengths.append(len(xy))
            else:
                lengths.append(0)
        edges = pd.DataFrame(rows, columns=None if rows else list(STRUCTURE))
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        coords = np.concatenate(xs) if xs else np.empty((0, 2))
        return cls(
            nodes=table,
            node_attrs=pd.DataFrame(node_rows, index=pd.RangeIndex(len(node_rows))),
            edges=edges,
            coords=coords,
            offsets=offsets,
            graph=dict(G.graph),
        )

    # -- layers ---------------------------------------------------------------------------

    def to_gdfs(self) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """The ``road_nodes`` and ``road_edges`` layers, as :func:`~seriana_gis.network.graph_to_gdfs`.

        Values that are lists (merged OSM ways) are joined with ``;``; every edge
        has a geometry (the straight line where it had none).
        """
        from ..layers.validate import validate_layer
        from .graph import _stringify

        t = self.nodes
        crs = t.crs
        nodes = pd.concat(
            [pd.DataFrame({"osmid": t.ids, "y": t.y, "x": t.x}), self.node_attrs], axis=1
        )
        nodes = gpd.GeoDataFrame(nodes, geometry=gpd.points_from_xy(t.x, t.y), crs=crs)
        edges = self.edges.copy()
        edges["u"] = t.ids[edges["u"].to_numpy()]
        edges["v"] = t.ids[edges["v"].to_numpy()]
        edges = gpd.GeoDataFrame(edges, geometry=self.geometries(), crs=crs)
        for frame in (nodes, edges):
            for col in frame.columns:
                if col == frame.geometry.name:
                    continue
                if isinstance(frame[col].dtype, pd.CategoricalDtype):
                    cat = frame[col].array
                    labels = np.empty(len(cat.categories) + 1, dtype=object)
                    labels[:-1] = [_stringify(c) for c in cat.categories]
                    frame[col] = labels[np.where(cat.codes >= 0, cat.codes, len(labels) - 1)]
                elif frame[col].dtype == object:
                    frame[col] = frame[col].map(_stringify)
        if "osmid" in edges.columns:
            edges = edges.rename(columns={"osmid": "way_id"})
        source = str(self.graph.get("source", "road arrays"))
        return (
            validate_layer(nodes, "road_nodes", source=source, crs=crs),
            validate_layer(edges, "road_edges", source=source, crs=crs),
        )

    @classmethod
    def from_layers(
        cls, nodes: pd.DataFrame, edges: pd.DataFrame, *, graph: Mapping[str, Any] | None = None
    ) -> RoadArrays:
        """The arrays of the ``road_nodes`` and ``road_edges`` layers (as written by :meth:`to_gdfs`).

        The layers are validated as :func:`~seriana_gis.network.graph.gdfs_to_graph`
        validates them; the result equals ``RoadArrays.from_graph(gdfs_to_graph(nodes, edges))``.

        Raises
        ------
        DataError
            A layer is empty or lacks a schema column, or an edge names an unknown node.
        """
        from ..layers.validate import validate_layer

        nodes = validate_layer(nodes, "road_nodes", source="road_nodes layer")
        edges = validate_layer(edges, "road_edges", source="road_edges layer")
        for frame, cols, layer in (
            (nodes, ("osmid", "x", "y"), "road_nodes"),
            (edges, ("u", "v"), "road_edges"),
        ):
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                msg = f"{layer}: no column(s) {missing}; write the layers with graph_to_gdfs."
                raise DataError(msg)
        crs = str(getattr(nodes, "crs", None) or (graph or {}).get("crs") or "EPSG:32632")
        table = NodeTable(
            ids=_as_ids(nodes["osmid"].to_numpy()),
            x=nodes["x"].to_numpy(dtype=np.float64),
            y=nodes["y"].to_numpy(dtype=np.float64),
            crs=crs,
        )
        geom_col = getattr(nodes, "_geometry_column_name", None)
        node_attrs = pd.DataFrame(
            nodes.drop(columns=[c for c in ("osmid", "x", "y", geom_col) if c in nodes.columns])
        ).reset_index(drop=True)
        e = pd.DataFrame(
            edges.drop(columns=[edges.geometry.name]) if hasattr(edges, "geometry") else edges
        )
        e = e.reset_index(drop=True).rename(columns={"way_id": "osmid"})
        try:
            u = table.positions(_as_ids(e["u"].to_numpy()), what="road_edges: edge start")
            v = table.positions(_as_ids(e["v"].to_numpy()), what="road_edges: edge end")
        except NetworkError:
            known = set(table.ids.tolist())
            missing = sorted({x for x in (*e["u"].tolist(), *e["v"].tolist()) if x not in known})
            msg = (
                f"road_edges refers to {len(missing)} node id(s) missing from road_nodes "
                f"(e.g. {missing[:5]}); write both layers from the same graph."
            )
            raise DataError(msg) from None
        e["u"], e["v"] = u, v
        if "key" not in e.columns:
            e["key"] = 0
        coords = np.empty((0, 2))
        offsets = np.zeros(len(e) + 1, dtype=np.int64)
        if hasattr(edges, "geometry"):
            xy, which = shapely.get_coordinates(edges.geometry.to_numpy(), return_index=True)
            counts = np.bincount(which, minlength=len(e))
            np.cumsum(counts, out=offsets[1:])
            coords = xy
        return cls(table, node_attrs, e, coords, offsets, {"crs": crs, **dict(graph or {})})


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    """Numpy scalars as Python numbers, merged values as lists (as networkx graphs hold them)."""
    out = {}
    for k, v in d.items():
        if isinstance(v, np.generic):
            v = v.item()
        elif isinstance(v, tuple):  # a merged value, held as a tuple in a categorical
            v = list(v)
        out[k] = v
    return out
