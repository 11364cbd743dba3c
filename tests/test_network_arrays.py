"""Road arrays (the lean path of large territories) against the networkx path they replace.

Every check compares the arrays with what the networkx path builds from the same
input (osmnx's rules, the road model), or with networkx's own Dijkstra: the
arrays must give the same graph and the same travel times to 1e-6 s.
"""

# ruff: noqa: N803  (G, A: the networkx name for graphs, and arrays)

from __future__ import annotations

import math
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from seriana_gis._errors import ConfigError, DataError
from seriana_gis.network import (
    get_engine,
    graph_from_osm_file,
    graph_to_gdfs,
    od_matrix,
    travel_time_to,
)
from seriana_gis.network.arrays import (
    LEAN_ENV,
    LEAN_MIN_PBF_BYTES,
    RoadArrays,
    pbf_equivalent_bytes,
    use_arrays,
)
from seriana_gis.network.hgv import lorry_graph, lorry_streets
from seriana_gis.network.model import apply_speed_profile
from seriana_gis.network.osm_arrays import road_arrays_from_osm_file, walk_arrays_from_osm_file
from seriana_gis.network.profile import TIME_OF_DAY, load_speed_profile
from seriana_gis.network.walk import walk_graph, walk_graph_from_osm_file

REPO = Path(__file__).resolve().parents[1]
PBF = "osm/bergamo_city_2021-04-17.osm.pbf"
XML = "osm/bergamo_city_2021-04-17_highways.osm.bz2"
PROFILE = REPO / "layers" / "default" / "speeds.yaml"

# --- a small PBF with the cases the build must get right ---------------------------

D = 0.001  # about 80-110 m


def _grid(i: int, j: int) -> int:
    return 1000 + 10 * i + j


def _nodes() -> dict[int, tuple[tuple[float, float], dict[str, str]]]:
    nodes: dict[int, tuple[tuple[float, float], dict[str, str]]] = {}
    for i in range(5):
        for j in range(5):
            nodes[_grid(i, j)] = ((9.66 + j * D, 45.69 + i * D), {})
    nodes[_grid(2, 2)] = (nodes[_grid(2, 2)][0], {"highway": "traffic_signals"})
    nodes[_grid(1, 2)] = (
        nodes[_grid(1, 2)][0],
        {"highway": "traffic_signals", "traffic_signals:direction": "forward"},
    )
    nodes[_grid(3, 1)] = (nodes[_grid(3, 1)][0], {"highway": "stop"})
    # shape nodes half way along some blocks (merged away), one a little off the line
    for k, (i, j) in enumerate([(0, 0), (0, 1), (2, 0), (4, 2), (4, 3)]):
        nodes[2000 + k] = ((9.66 + (j + 0.5) * D, 45.69 + i * D + 0.0002), {})
    # a roundabout east of the grid
    for k, (dx, dy) in enumerate([(1, 0), (0, 1), (-1, 0), (0, -1)]):
        nodes[3000 + k] = ((9.66 + 5.5 * D + 0.3 * D * dx, 45.69 + 2 * D + 0.3 * D * dy), {})
    # a loop hanging from (4, 4), an isolated ring, a separate piece, a footway
    nodes[4000] = ((9.66 + 4.5 * D, 45.69 + 4.5 * D), {})
    nodes[4001] = ((9.66 + 4.0 * D, 45.69 + 4.9 * D), {})
    for k in range(4):
        nodes[5000 + k] = ((9.60 + (k % 2) * D, 45.60 + (k // 2) * D), {})
    nodes[6000] = ((9.70, 45.70), {})
    nodes[6001] = ((9.70 + D, 45.70), {})
    nodes[7000] = ((9.66 - D, 45.69 + 2 * D), {})
    nodes[7100] = ((9.66 + 4 * D, 45.69 - D), {})  # the dead end of a trunk spur
    # a motorway passing north, with a ramp merging onto it
    for k in range(4):
        nodes[8000 + k] = ((9.66 + k * 1.5 * D, 45.69 + 6 * D), {})
    return nodes


def _ways() -> list[tuple[int, list[int], dict[str, str]]]:
    g = _grid
    ways: list[tuple[int, list[int], dict[str, str]]] = [
        # rows: row 0 with shape nodes, a name change at (0, 2), maxspeed on part of it
        (1, [g(0, 0), 2000, g(0, 1), 2001, g(0, 2)], {"highway": "residential", "name": "Via A"}),
        (2, [g(0, 2), g(0, 3), g(0, 4)], {"highway": "residential", "name": "Via B"}),
        (
            3,
            [g(1, 0), g(1, 1), g(1, 2), g(1, 3), g(1, 4)],
            {"highway": "primary", "maxspeed": "50"},
        ),
        (4, [g(2, 0), 2002, g(2, 1), g(2, 1), g(2, 2)], {"highway": "secondary", "oneway": "yes"}),
        (5, [g(2, 2), g(2, 3), g(2, 4)], {"highway": "secondary", "oneway": "-1", "hgv": "no"}),
        (
            6,
            [g(3, 0), g(3, 1), g(3, 2), g(3, 3), g(3, 4)],
            {"highway": "tertiary", "name": "Via C"},
        ),
        (7, [g(4, 0), g(4, 1), g(4, 2), 2003, g(4, 3), 2004, g(4, 4)], {"highway": "unclassified"}),
        # columns
        (10, [g(i, 0) for i in range(5)], {"highway": "residential", "name": "Via D"}),
        (11, [g(i, 1) for i in range(5)], {"highway": "residential", "maxspeed": "30"}),
        (12, [g(i, 2) for i in range(5)], {"highway": "primary", "name": "SS42", "ref": "SS42"}),
        (13, [g(i, 3) for i in range(3)], {"highway": "residential"}),
        (14, [g(i, 3) for i in range(2, 5)], {"highway": "living_street"}),
        (15, [g(i, 4) for i in range(5)], {"highway": "tertiary", "maxspeed": "IT:urban"}),
        # the roundabout and its two entries (one missing its node: cut extract)
        (20, [3000, 3001, 3002, 3003, 3000], {"highway": "primary", "junction": "roundabout"}),
        (21, [g(2, 4), 3002], {"highway": "primary"}),
        (22, [3000, 9999, g(1, 4)], {"highway": "tertiary"}),
        # a loop from (4, 4), an isolated ring, a separate piece, a footway
        (30, [g(4, 4), 4000, 4001, g(4, 4)], {"highway": "service"}),
        (31, [g(4, 4), 4000, 4001, g(4, 4)], {"highway": "residential", "name": "Anello"}),
        (32, [5000, 5001, 5003, 5002, 5000], {"highway": "residential"}),
        (33, [6000, 6001], {"highway": "residential"}),
        (34, [g(2, 0), 7000], {"highway": "footway"}),
        (35, [g(0, 4), 7100], {"highway": "trunk"}),  # driven, never walked (art. 175)
        # a motorway with a ramp from the grid
        (40, [8000, 8001, 8002, 8003], {"highway": "motorway", "oneway": "yes", "maxspeed": "130"}),
        (41, [8003, 8002, 8001, 8000], {"highway": "motorway", "oneway": "yes"}),
        (42, [g(4, 2), 8001], {"highway": "motorway_link", "oneway": "yes"}),
        (43, [8002, g(4, 3)], {"highway": "motorway_link", "oneway": "yes"}),
    ]
    return ways


def _write_pbf(path: Path) -> Path:
    import osmium

    w = osmium.SimpleWriter(str(path))
    try:
        for nid, (loc, tags) in sorted(_nodes().items()):
            w.add_node(osmium.osm.mutable.Node(id=nid, location=loc, tags=tags, version=1))
        for wid, refs, tags in _ways():
            w.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
    finally:
        w.close()
    return path


def _norm(x: Any) -> Any:
    if isinstance(x, list | tuple):
        return tuple(sorted(str(v) for v in x))
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def _edge_multiset(G: nx.MultiDiGraph) -> Counter[tuple[Any, ...]]:
    """Every edge with every attribute (lists as sorted tuples, geometry as its coordinates)."""
    out: Counter[tuple[Any, ...]] = Counter()
    for u, v, d in G.edges(data=True):
        items = []
        for k, x in sorted(d.items()):
            if k == "geometry":
                items.append((k, tuple(map(tuple, np.round(shapely.get_coordinates(x), 6)))))
            elif isinstance(x, float):
                items.append((k, round(x, 6)))
            else:
                items.append((k, _norm(x)))
        out[(u, v, *items)] += 1
    return out


def _assert_same_graph(G: nx.MultiDiGraph, A: RoadArrays) -> None:
    back = A.to_graph()
    assert list(back.nodes) == list(A.nodes.ids)
    assert set(back.nodes) == set(G.nodes)
    for n, d in G.nodes(data=True):
        b = back.nodes[n]
        assert {k: _norm(x) for k, x in d.items()} == {k: _norm(x) for k, x in b.items()}, n
    assert _edge_multiset(back) == _edge_multiset(G)


def test_small_pbf_arrays_equal_the_networkx_graph(tmp_path: Path) -> None:
    path = _write_pbf(tmp_path / "cases.osm.pbf")
    G = graph_from_osm_file(path)
    A = road_arrays_from_osm_file(path)
    _assert_same_graph(G, A)
    # what the cases must have produced (by hand): the isolated ring and the separate piece
    # are gone, the loop hangs from (4, 4), shape nodes are merged away
    assert not {5000, 5001, 6000, 7000, 2000, 2002, 2003} & set(A.nodes.ids.tolist())
    loops = A.edges[A.edges["u"] == A.edges["v"]]
    assert len(loops) >= 1 and set(A.nodes.ids[loops["u"]]) == {_grid(4, 4)}
    kinds = dict(zip(A.nodes.ids.tolist(), A.node_attrs["junction_kind"], strict=True))
    assert kinds[_grid(2, 2)] == "signals" and kinds[3000] == "roundabout"
    profile = load_speed_profile(PROFILE)
    rng = np.random.default_rng(3)
    ids = A.nodes.ids
    for tod in TIME_OF_DAY:
        H = apply_speed_profile(G, profile, time_of_day=tod)
        B = apply_speed_profile(A, profile, time_of_day=tod)
        assert isinstance(B, RoadArrays)
        _assert_same_graph(H, B)
        o, d = rng.choice(ids, 15), rng.choice(ids, 15)
        np.testing.assert_allclose(
            od_matrix(B, o, d).to_numpy(), od_matrix(H, o, d).to_numpy(), atol=1e-6, rtol=0
        )
    # the pedestrian network: every way both ways, footways in
    W = walk_graph_from_osm_file(path)
    WA = walk_arrays_from_osm_file(path)
    assert set(WA.nodes.ids.tolist()) == set(W.nodes) and 7000 in set(W.nodes)
    assert 7100 in set(A.nodes.ids.tolist()) and 7100 not in set(W.nodes)
    assert WA.n_edges == W.number_of_edges()
    wid = np.array(list(W.nodes))
    np.testing.assert_allclose(
        od_matrix(WA, wid, wid, weight="length").to_numpy(),
        od_matrix(W, wid, wid, weight="length").to_numpy(),
        atol=1e-6,
        rtol=0,
    )


# --- the Bergamo snapshot: the arrays and the osmnx graph path ---------------------


@pytest.fixture(scope="module")
def bergamo(shared_data: Path) -> tuple[nx.MultiDiGraph, RoadArrays]:
    return graph_from_osm_file(shared_data / PBF), road_arrays_from_osm_file(shared_data / PBF)


@pytest.mark.shared_data
@pytest.mark.slow
def test_bergamo_arrays_equal_the_graph_path(bergamo: tuple[nx.MultiDiGraph, RoadArrays]) -> None:
    G, A = bergamo
    _assert_same_graph(G, A)
    profile = load_speed_profile(PROFILE)
    rng = np.random.default_rng(16)
    for tod in TIME_OF_DAY:
        H = apply_speed_profile(G, profile, time_of_day=tod)
        B = apply_speed_profile(A, profile, time_of_day=tod)
        # random pairs: the arrays' engine against networkx's own Dijkstra on the graph path
        origins = rng.choice(np.array(list(H.nodes)), 30, replace=False)
        dests = rng.choice(np.array(list(H.nodes)), 40, replace=False)
        od = od_matrix(B, origins, dests)
        for o in origins[:10]:
            ref = nx.single_source_dijkstra_path_length(H, o, weight="travel_time")
            np.testing.assert_allclose(
                od.loc[o].to_numpy(), [ref[d] for d in dests], atol=1e-6, rtol=0
            )
        np.testing.assert_allclose(
            od.to_numpy(), od_matrix(H, origins, dests).to_numpy(), atol=1e-6, rtol=0
        )
        to = travel_time_to(B, dests[:2])
        np.testing.assert_allclose(
            to.to_numpy(), travel_time_to(H, dests[:2]).loc[to.index].to_numpy(), atol=1e-6
        )
    # the lorry network and the walkable part of the roads, from arrays and from the graph
    for make in (lorry_graph, lorry_streets, walk_graph):
        weight = "length" if make is walk_graph else "travel_time"
        Hm, Bm = make(H), make(B)
        assert isinstance(Bm, RoadArrays)
        assert set(Bm.nodes.ids.tolist()) == set(Hm.nodes) and Bm.n_edges == Hm.number_of_edges()
        ids = rng.choice(np.array(list(Hm.nodes)), min(25, len(Hm)), replace=False)
        np.testing.assert_allclose(
            od_matrix(Bm, ids, ids, weight=weight).to_numpy(),
            od_matrix(Hm, ids, ids, weight=weight).to_numpy(),
            atol=1e-6,
            rtol=0,
        )


@pytest.mark.shared_data
@pytest.mark.slow
def test_bergamo_osm_xml_arrays_equal_the_graph_path(shared_data: Path, tmp_path: Path) -> None:
    # the .osm.bz2 snapshot: pyosmium reads the XML into the graph osmnx's graph_from_xml
    # builds; read lean by the chain's road source, timed by the road model
    from seriana_gis.build import speed_profile
    from seriana_gis.config import load_study_area

    path = shared_data / XML
    G = graph_from_osm_file(path)
    assert len(G) > 3000  # the drivable strongly connected part of the snapshot
    B = _road_graph_of_file(path, tmp_path, lean=True)
    assert isinstance(B, RoadArrays)
    area = load_study_area(tmp_path / "bergamo.yaml")
    H = apply_speed_profile(G, speed_profile(area), time_of_day="off_peak")
    _assert_same_graph(H, B)
    rng = np.random.default_rng(161)
    origins = rng.choice(np.array(list(H.nodes)), 20, replace=False)
    dests = rng.choice(np.array(list(H.nodes)), 30, replace=False)
    od = od_matrix(B, origins, dests)
    for o in origins[:5]:  # against networkx's own Dijkstra
        ref = nx.single_source_dijkstra_path_length(H, o, weight="travel_time")
        np.testing.assert_allclose(od.loc[o].to_numpy(), [ref[d] for d in dests], atol=1e-6)
    np.testing.assert_allclose(
        od.to_numpy(), od_matrix(H, origins, dests).to_numpy(), atol=1e-6, rtol=0
    )
    # the pedestrian network of the same file, as the chain takes it for lean roads
    from seriana_gis.accessibility.pipeline import walk_network

    W = walk_graph_from_osm_file(path)
    WA = walk_network(B, area, walk="roads")
    assert isinstance(WA, RoadArrays)
    assert set(WA.nodes.ids.tolist()) == set(W.nodes) and WA.n_edges == W.number_of_edges()
    wid = rng.choice(np.array(list(W.nodes)), 25, replace=False)
    np.testing.assert_allclose(
        od_matrix(WA, wid, wid, weight="length").to_numpy(),
        od_matrix(W, wid, wid, weight="length").to_numpy(),
        atol=1e-6,
        rtol=0,
    )


def test_osm_file_size_as_pbf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an XML file holds as much as a PBF file 21 times (plain) or 1.5 times (bz2) smaller
    sizes = {"a.osm.pbf": 2100, "a.osm": 2100, "a.xml": 2100, "a.osm.bz2": 150, "a.txt": 10}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
    got = {name: pbf_equivalent_bytes(tmp_path / name) for name in sizes}
    assert got == {"a.osm.pbf": 2100, "a.osm": 100, "a.xml": 100, "a.osm.bz2": 100, "a.txt": None}
    assert pbf_equivalent_bytes(tmp_path / "missing.osm") is None
    monkeypatch.delenv(LEAN_ENV, raising=False)
    # by hand: a 1 GB .osm (under 64 MB x 21 = 1.31 GB) stays networkx, 100 MB of bz2 goes lean
    big_xml = int(1.0 * 2**30 / 21.0)
    assert big_xml < LEAN_MIN_PBF_BYTES and not use_arrays(pbf_bytes=big_xml)
    assert use_arrays(pbf_bytes=int(100 * 2**20 / 1.5))
    with pytest.raises(DataError, match="unknown OSM file type"):
        road_arrays_from_osm_file(tmp_path / "a.txt")


@pytest.mark.shared_data
def test_layers_round_trip(bergamo: tuple[nx.MultiDiGraph, RoadArrays]) -> None:
    G, A = bergamo
    nodes, edges = graph_to_gdfs(A)
    ref_nodes, ref_edges = graph_to_gdfs(G)
    assert len(nodes) == len(ref_nodes) and len(edges) == len(ref_edges)
    assert sorted(edges.columns) == sorted(ref_edges.columns)
    back = RoadArrays.from_layers(nodes, edges)
    ids = np.array(list(G.nodes))[:300]
    np.testing.assert_allclose(
        od_matrix(back, ids, ids[:20]).to_numpy(),
        od_matrix(G, ids, ids[:20]).to_numpy(),
        atol=1e-6,
        rtol=0,
    )
    broken = edges.copy()
    broken.loc[0, "u"] = -1
    with pytest.raises(DataError, match="missing from road_nodes"):
        RoadArrays.from_layers(nodes, broken)


# --- memory: the arrays never hold a Python object per node or edge -------------


def test_build_memory_is_bounded(tmp_path: Path) -> None:
    import osmium

    side = 30  # 900 junctions, 870 shape nodes
    path = tmp_path / "grid.osm.pbf"
    w = osmium.SimpleWriter(str(path))
    nid = 1
    grid = np.zeros((side, side), dtype=np.int64)
    for i in range(side):
        for j in range(side):
            grid[i, j] = nid
            w.add_node(osmium.osm.mutable.Node(id=nid, location=(9.6 + j * D, 45.6 + i * D)))
            nid += 1
    shapes = {}
    for i in range(side):
        for j in range(side - 1):
            shapes[i, j] = nid
            w.add_node(
                osmium.osm.mutable.Node(
                    id=nid, location=(9.6 + (j + 0.5) * D, 45.6 + i * D + 0.0001)
                )
            )
            nid += 1
    wid = 1
    for i in range(side):
        refs = [int(x) for j in range(side - 1) for x in (grid[i, j], shapes[i, j])]
        refs.append(int(grid[i, -1]))
        w.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags={"highway": "residential"}))
        wid += 1
    for j in range(side):
        refs = [int(grid[i, j]) for i in range(side)]
        w.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags={"highway": "tertiary"}))
        wid += 1
    w.close()

    road_arrays_from_osm_file(path)  # compiled code and caches loaded before measuring
    tracemalloc.start()
    A = road_arrays_from_osm_file(path)
    arrays_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tracemalloc.start()
    G = graph_from_osm_file(path)
    graph_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(A) == len(G) == side * side - 4  # by hand: the four corners are bends, merged
    # the networkx path holds dictionaries per node and edge; the arrays a few columns
    assert arrays_peak < graph_peak / 3, (arrays_peak, graph_peak)
    # and the OD trees grown in blocks of one keep only the answer and one scratch set
    engine = A.engine()
    tracemalloc.start()
    from seriana_gis.network import _dijkstra

    out = _dijkstra.trees(
        engine.matrix.indptr,
        engine.matrix.indices,
        engine.matrix.data,
        np.arange(50),
        columns=np.arange(100, 120),
        threads=1,
        block=1,
    )
    od_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert out.shape == (50, 20)
    scratch = 8 * engine.n + 12 * (engine.matrix.nnz + 1) + 8 * engine.n
    assert od_peak < out.nbytes + 2 * scratch, (od_peak, scratch)


# --- the choice of path ----------------------------------------------------------


def test_use_arrays_threshold_option_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LEAN_ENV, raising=False)
    assert not use_arrays(nodes=99_999) and use_arrays(nodes=100_000)
    assert not use_arrays(pbf_bytes=10 * 2**20) and use_arrays(pbf_bytes=100 * 2**20)
    assert use_arrays(nodes=10, lean=True) and not use_arrays(nodes=10**7, lean=False)
    monkeypatch.setenv(LEAN_ENV, "1")
    assert use_arrays(nodes=10)
    monkeypatch.setenv(LEAN_ENV, "0")
    assert not use_arrays(nodes=10**7)
    monkeypatch.setenv(LEAN_ENV, "yes")
    with pytest.raises(ConfigError, match="SERIANA_LEAN"):
        use_arrays(nodes=10)


def test_engine_of_arrays_is_cached_and_checked() -> None:
    from seriana_gis.network import NodeTable

    table = NodeTable(ids=np.array([1, 2, 3]), x=np.zeros(3), y=np.arange(3.0), crs="EPSG:32632")
    edges = pd.DataFrame(
        {"u": [0, 1, 1], "v": [1, 2, 0], "key": [0, 0, 0], "travel_time": [2.0, 3.0, 1.0]}
    )
    A = RoadArrays(
        table, pd.DataFrame(index=range(3)), edges, np.empty((0, 2)), np.zeros(4, np.int64)
    )
    assert get_engine(A) is get_engine(A)
    od = od_matrix(A, [1, 2], [3, 1])
    np.testing.assert_allclose(od.to_numpy(), [[5.0, 0.0], [3.0, 1.0]])  # by hand
    bad = A.with_edges(travel_time=[2.0, -1.0, 1.0])
    from seriana_gis._errors import NetworkError

    with pytest.raises(NetworkError, match="no usable 'travel_time'"):
        get_engine(bad)


# --- the accessibility chain on road arrays gives what it gives on the graph ----------


@pytest.fixture(scope="module")
def territory(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Any]:
    from seriana_gis.build import load_territory
    from seriana_gis.config import load_study_area

    area = load_study_area()
    t = load_territory(area, cache_dir=Path(tmp_path_factory.mktemp("cache")))
    return t.layers, area


def _scenario(G: nx.MultiDiGraph) -> Any:
    from seriana_gis.accessibility.scenarios import parse_scenario

    ids = list(G.nodes)
    a, b = G.nodes[ids[3]], G.nodes[ids[40]]
    return parse_scenario(
        {
            "name": "mixed",
            "roads": [
                {"action": "remove", "select": {"id": ["R032", "R033", "R034"]}},
                {"action": "slow", "select": {"highway": "primary"}, "speed_factor": 0.8},
                {
                    "action": "add",
                    "name": "bypass",
                    "highway": "primary",
                    "maxspeed": 70,
                    "crs": "EPSG:32632",
                    "coordinates": [[a["x"] + 5, a["y"]], [b["x"], b["y"] - 5]],
                },
            ],
        },
        where="test",
    )


def test_line_layer_arrays_equal_the_graph(territory: tuple[dict[str, Any], Any]) -> None:
    # the embedded strategic network (a line layer) read as arrays, through the chain's choice
    from seriana_gis.build import Territory, road_graph
    from seriana_gis.network import graph_from_lines
    from seriana_gis.network.lines import road_arrays_from_lines
    from seriana_gis.sources import embedded

    layers, area = territory
    lines = embedded.read_embedded("roads", area=area)
    G = graph_from_lines(lines, source="embedded")
    _assert_same_graph(G, road_arrays_from_lines(lines, source="embedded"))
    t = Territory(area=area)
    t.layers["municipalities"] = layers["municipalities"]
    A, _ = road_graph(t, lean=True)
    H, _ = road_graph(t, lean=False)
    assert isinstance(A, RoadArrays) and isinstance(H, nx.MultiDiGraph)
    _assert_same_graph(H, A)
    ids = np.array(list(H.nodes))
    for o in ids[:5]:  # against networkx's own Dijkstra
        ref = nx.single_source_dijkstra_path_length(H, o, weight="travel_time")
        got = od_matrix(A, [o], ids).to_numpy()[0]
        np.testing.assert_allclose(got, [ref.get(d, np.inf) for d in ids], atol=1e-6)
    bad = lines.copy()
    bad["oneway"] = bad["oneway"].astype(object)
    bad.loc[bad.index[0], "oneway"] = "maybe"
    with pytest.raises(DataError, match="'oneway' is 'maybe'"):
        road_arrays_from_lines(bad)


@pytest.mark.slow
def test_accessibility_chain_on_arrays_equals_the_graph(
    territory: tuple[dict[str, Any], Any],
) -> None:
    from seriana_gis.accessibility.pipeline import accessibility_stage, load_road_graph

    layers, area = territory
    G, _ = load_road_graph(layers, area, lean=False)
    A, _ = load_road_graph(layers, area, lean=True)
    assert isinstance(G, nx.MultiDiGraph) and isinstance(A, RoadArrays)
    scenario = _scenario(G)
    on_graph = accessibility_stage(layers, G, scenario=scenario)
    on_arrays = accessibility_stage(layers, A, scenario=scenario)
    assert on_arrays.road_times == on_graph.road_times
    for name, ref in on_graph.layers.items():
        got = on_arrays.layers[name]
        assert list(got.columns) == list(ref.columns), name
        for col in ref.columns:
            if col == ref.geometry.name:
                continue
            r, g = ref[col], got[col]
            if pd.api.types.is_numeric_dtype(r) and not pd.api.types.is_bool_dtype(r):
                np.testing.assert_allclose(
                    g.to_numpy(dtype=float),
                    r.to_numpy(dtype=float),
                    atol=1e-6,
                    rtol=0,
                    err_msg=f"{name}.{col}",
                )
            else:
                assert g.astype(str).tolist() == r.astype(str).tolist(), f"{name}.{col}"
    # the scenario changed something (else the comparison of its deltas proves little)
    changed = [d.select_dtypes("number").abs().to_numpy() for d in on_graph.deltas.values()]
    assert any(np.nanmax(c, initial=0.0) > 0 for c in changed)
    iso_g, iso_a = on_graph.result.isochrones, on_arrays.result.isochrones
    np.testing.assert_allclose(iso_a["area_km2"], iso_g["area_km2"], rtol=1e-9)
    for a, b in zip(iso_a.geometry, iso_g.geometry, strict=True):  # the same land, to 1 m2
        assert a.symmetric_difference(b).area < 1.0
    pd.testing.assert_frame_equal(on_arrays.result.od, on_graph.result.od, atol=1e-6)
    rasters_g, rasters_a = on_graph.result.rasters, on_arrays.result.rasters
    assert set(rasters_a) == set(rasters_g) and rasters_g
    for name, grid in rasters_g.items():
        np.testing.assert_allclose(rasters_a[name].values, grid.values, atol=1e-4, rtol=0)


def _road_graph_of_file(
    path: Path | None,
    tmp_path: Path,
    *,
    lean: bool | None,
    municipality: tuple[float, float, float, float] = (9.6308, 45.6710, 9.7213, 45.7241),
    **options: Any,
) -> Any:
    """``build.road_graph`` of a Bergamo territory whose roads are the OSM file ``path``.

    ``path`` None: live OSM (``kind: osm``; ``options`` go to ``road_graph``). Writes the
    configuration to ``tmp_path / "bergamo.yaml"``; the municipality is a lon/lat box
    (by default the extract's bounding box, ``../shared/data/README.md``).
    """
    import geopandas as gpd
    from shapely.geometry import box

    from seriana_gis.build import Territory, road_graph
    from seriana_gis.config import load_study_area

    roads = "{kind: osm}" if path is None else f"{{kind: file, path: {path}}}"
    cfg = tmp_path / "bergamo.yaml"
    cfg.write_text(
        "name: bergamo\ntitle: Bergamo\nprovince: BG\nzones:\n  city:\n"
        "    municipalities: [Bergamo]\n"
        f"sources:\n  roads: {roads}\n",
        encoding="utf-8",
    )
    t = Territory(area=load_study_area(cfg))
    t.layers["municipalities"] = gpd.GeoDataFrame(
        {"name": ["Bergamo"]}, geometry=[box(*municipality)], crs="EPSG:4326"
    ).to_crs("EPSG:32632")
    graph, prov = road_graph(t, lean=lean, **options)
    assert "speed profile" in str(prov["note"])
    return graph


@pytest.mark.shared_data
def test_live_osm_arrays_equal_the_graph_path(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the local Overpass stand-in serves the snapshot's drivable ways around the area
    import geopandas as gpd
    from _overpass_stub import OverpassStub, overpass_json_from_osm

    from seriana_gis.accessibility.pipeline import walk_network
    from seriana_gis.build import speed_profile
    from seriana_gis.config import load_study_area
    from seriana_gis.network import fetch_roads
    from seriana_gis.network.graph import is_drivable, is_walkable
    from seriana_gis.network.overpass_arrays import fetch_road_graph
    from seriana_gis.network.walk import fetch_walk
    from seriana_gis.sources.osm import osm_settings

    area = (9.665, 45.685, 9.685, 45.700)  # Bergamo's centre; the responses reach beyond
    bbox = (9.655, 45.678, 9.695, 45.706)
    response = overpass_json_from_osm(
        shared_data / XML, bbox=bbox, keep=lambda t: "highway" in t and is_drivable(t)
    )
    walk_response = overpass_json_from_osm(
        shared_data / XML, bbox=bbox, keep=lambda t: "highway" in t and is_walkable(t)
    )

    def answer(query: str) -> dict[str, Any]:  # osmnx's drive filter names motorcar
        return response if '"motorcar"' in query else walk_response

    monkeypatch.delenv(LEAN_ENV, raising=False)
    with OverpassStub(answer) as stub:
        G = fetch_roads(shapely.box(*area), cache_dir=tmp_path / "graph", overpass_url=stub.url)
        W = fetch_walk(shapely.box(*area), cache_dir=tmp_path / "graph", overpass_url=stub.url)
        cache = tmp_path / "arrays"
        B = _road_graph_of_file(
            None, tmp_path, lean=True, municipality=area, cache_dir=cache, overpass_url=stub.url
        )
        # below the threshold: the networkx graph, from the response just cached
        small = fetch_road_graph(shapely.box(*area), cache_dir=cache, overpass_url=stub.url)
        assert len(stub.queries) == 3 and stub.queries[0] == stub.queries[2]
        # the walks of a lean territory: arrays too (the chain's choice), from the stand-in
        municipalities = gpd.GeoDataFrame(geometry=[shapely.box(*area)], crs="EPSG:4326")
        with osm_settings(cache_dir=cache, overpass_url=stub.url):
            WA = walk_network(
                B,
                load_study_area(tmp_path / "bergamo.yaml"),
                walk="roads",
                municipalities=municipalities,
                cache_dir=cache,
            )
        assert len(stub.queries) == 4 and stub.queries[3] == stub.queries[1]
    assert isinstance(B, RoadArrays) and isinstance(small, nx.MultiDiGraph)
    assert isinstance(WA, RoadArrays)
    assert set(WA.nodes.ids.tolist()) == set(W.nodes) and WA.n_edges == W.number_of_edges()
    wid = np.random.default_rng(163).choice(np.array(list(W.nodes)), 30, replace=False)
    np.testing.assert_allclose(
        od_matrix(WA, wid, wid, weight="length").to_numpy(),
        od_matrix(W, wid, wid, weight="length").to_numpy(),
        atol=1e-6,
        rtol=0,
    )
    assert set(small.nodes) == set(G.nodes)
    # the truncation to the area mattered: the response holds many more road nodes
    on_ways = {n for el in response["elements"] if el["type"] == "way" for n in el["nodes"]}
    assert len(G) > 100 and len(on_ways) > 3 * len(G)
    for _, d in G.nodes(data=True):
        d.pop("street_count")  # osmnx's count of streets per node: not carried by the arrays
    H = apply_speed_profile(
        G, speed_profile(load_study_area(tmp_path / "bergamo.yaml")), time_of_day="off_peak"
    )
    _assert_same_graph(H, B)
    ids = np.array(list(H.nodes))
    rng = np.random.default_rng(162)
    origins, dests = rng.choice(ids, 5, replace=False), rng.choice(ids, 40, replace=False)
    od = od_matrix(B, origins, dests)
    for o in origins:  # against networkx's own Dijkstra
        ref = nx.single_source_dijkstra_path_length(H, o, weight="travel_time")
        np.testing.assert_allclose(od.loc[o].to_numpy(), [ref[d] for d in dests], atol=1e-6)


@pytest.mark.shared_data
def test_build_reads_a_pbf_source_into_arrays(
    bergamo: tuple[nx.MultiDiGraph, RoadArrays], shared_data: Path, tmp_path: Path
) -> None:
    from seriana_gis.build import speed_profile
    from seriana_gis.config import load_study_area

    G, _ = bergamo
    A = _road_graph_of_file(shared_data / PBF, tmp_path, lean=True)
    assert isinstance(A, RoadArrays)
    H = apply_speed_profile(
        G, speed_profile(load_study_area(tmp_path / "bergamo.yaml")), time_of_day="off_peak"
    )
    ids = np.array(list(G.nodes))[::25]
    np.testing.assert_allclose(
        od_matrix(A, ids, ids).to_numpy(), od_matrix(H, ids, ids).to_numpy(), atol=1e-6, rtol=0
    )
