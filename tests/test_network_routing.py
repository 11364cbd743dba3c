"""The compiled routing engine against hand-computed answers and networkx."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pytest

from seriana_gis._errors import DataError, NetworkError
from seriana_gis.network import (
    NodeTable,
    RoutingEngine,
    forget_engine,
    get_engine,
    keep_largest_scc,
    node_table,
    nodes_within,
    od_matrix,
    od_table,
    travel_time_to,
)
from seriana_gis.network.routing import NO_PATH_REASON
from seriana_gis.network.speeds import add_speeds_and_times


def _graph(edges: list[tuple[int, int, float]]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    for n in {n for e in edges for n in e[:2]}:
        G.add_node(n, x=float(n) * 100, y=0.0)
    for u, v, t in edges:
        G.add_edge(u, v, travel_time=t, length=t * 10)
    return G


@pytest.fixture
def small() -> nx.MultiDiGraph:
    # 1 -> 2 -> 3 -> 4 and a slow bypass 1 -> 4; parallel 2 -> 3 edges (5 and 3 s);
    # 4 -> 1 closes the loop; 5 only reachable from 4 (one-way), 6 isolated from all
    return _graph(
        [
            (1, 2, 2.0),
            (2, 3, 5.0),
            (2, 3, 3.0),
            (3, 4, 1.0),
            (1, 4, 10.0),
            (4, 1, 4.0),
            (4, 5, 7.0),
            (6, 1, 1.0),
        ]
    )


def test_od_matrix_hand_computed(small: nx.MultiDiGraph) -> None:
    od = od_matrix(small, [1, 4, 6], [4, 1, 5])
    # by hand: 1->4 = 2+3+1 = 6 (beats 10); 4->1 = 4; 6->5 = 1+6+7 = 14; 1->1 = 0
    expected = np.array([[6.0, 0.0, 13.0], [0.0, 4.0, 7.0], [7.0, 1.0, 14.0]])
    np.testing.assert_allclose(od.to_numpy(), expected)
    assert list(od.index) == [1, 4, 6]
    assert list(od.columns) == [4, 1, 5]
    # more origins than destinations: trees grow on the reversed graph; same answers
    od2 = od_matrix(small, [1, 4, 6, 2, 3], [5])
    np.testing.assert_allclose(od2[5].to_numpy(), [13.0, 7.0, 14.0, 11.0, 8.0])


def test_unreachable_is_nan_never_zero(small: nx.MultiDiGraph) -> None:
    od = od_matrix(small, [5, 1], [6, 5])
    assert np.isnan(od.loc[5, 6])  # 5 has no way out
    assert np.isnan(od.loc[1, 6])  # nothing reaches 6
    assert od.loc[5, 5] == 0.0
    tt = travel_time_to(small, [6, 4])
    assert tt[6].isna().sum() == 5 and tt.loc[6, 6] == 0.0
    assert tt.loc[5, 4] != tt.loc[5, 4]  # NaN
    assert tt.loc[1, 4] == 6.0


def test_od_table_gives_reasons(small: nx.MultiDiGraph) -> None:
    t = od_table(small, [1, 5], [6, 4])
    assert list(t.columns) == ["origin", "destination", "travel_time", "reason"]
    assert list(zip(t["origin"], t["destination"], strict=True)) == [(1, 6), (1, 4), (5, 6), (5, 4)]
    assert t["travel_time"].iloc[1] == 6.0 and t["reason"].iloc[1] == ""
    assert t["travel_time"].iloc[[0, 2, 3]].isna().all()
    assert (t["reason"].iloc[[0, 2, 3]] == NO_PATH_REASON).all()


def test_travel_time_to_uses_reverse_direction(small: nx.MultiDiGraph) -> None:
    tt = travel_time_to(small, [1])
    # every node's time TO node 1 (by hand): 2 -> 3 -> 4 -> 1 = 3+1+4 = 8
    assert tt.loc[2, 1] == 8.0
    assert tt.loc[3, 1] == 5.0
    assert tt.loc[6, 1] == 1.0
    assert tt.index.name == "node"


def test_nodes_within_inclusive_and_directed(small: nx.MultiDiGraph) -> None:
    s = nodes_within(small, 1, 6.0)
    # from 1: 1 (0), 2 (2), 3 (5), 4 (6, on the limit: included)
    assert dict(s) == {1: 0.0, 2: 2.0, 3: 5.0, 4: 6.0}
    to = nodes_within(small, 1, 5.0, direction="to")
    # to 1: 1 (0), 6 (1), 4 (4), 3 (5)
    assert dict(to) == {1: 0.0, 6: 1.0, 4: 4.0, 3: 5.0}
    assert list(nodes_within(small, 1, 0.0).index) == [1]


def test_zero_weight_edges_are_edges() -> None:
    G = _graph([(1, 2, 0.0), (2, 3, 1.0), (3, 1, 1.0)])
    od = od_matrix(G, [1], [2, 3])
    assert list(od.iloc[0]) == [0.0, 1.0]


def test_self_loops_and_string_ids() -> None:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    for n in "abc":
        G.add_node(n, x=0.0, y=0.0)
    G.add_edge("a", "a", travel_time=0.5)
    G.add_edge("a", "b", travel_time=2.0)
    G.add_edge("b", "c", travel_time=2.5)
    assert od_matrix(G, ["a"], ["c"]).loc["a", "c"] == 4.5


def test_engine_is_cached_per_graph(small: nx.MultiDiGraph) -> None:
    e1 = get_engine(small)
    assert get_engine(small) is e1
    assert get_engine(e1) is e1
    assert get_engine(small, weight="length") is not e1
    H = small.copy()
    assert get_engine(H) is not e1
    small.add_edge(5, 6, travel_time=1.0, length=1.0)
    e2 = get_engine(small)
    assert e2 is not e1
    assert od_matrix(small, [5], [6]).loc[5, 6] == 1.0
    # the engine reads the graph, never writes it
    assert small.edges[1, 2, 0] == {"travel_time": 2.0, "length": 20.0}


def test_bad_input(small: nx.MultiDiGraph) -> None:
    with pytest.raises(NetworkError, match="not nodes of the road graph"):
        od_matrix(small, [1, 99], [4])
    with pytest.raises(NetworkError, match="target"):
        travel_time_to(small, ["bgy"])
    with pytest.raises(NetworkError, match="at least one"):
        od_matrix(small, [], [4])
    with pytest.raises(NetworkError, match="at least one"):
        travel_time_to(small, [])
    with pytest.raises(NetworkError, match="limit_s"):
        nodes_within(small, 1, -1.0)
    with pytest.raises(NetworkError, match="direction"):
        nodes_within(small, 1, 1.0, direction="sideways")  # type: ignore[arg-type]
    no_tt = nx.MultiDiGraph(crs="EPSG:32632")
    no_tt.add_node(1, x=0.0, y=0.0)
    no_tt.add_node(2, x=1.0, y=0.0)
    no_tt.add_edge(1, 2, length=1.0)
    with pytest.raises(NetworkError, match="travel_time"):
        od_matrix(no_tt, [1], [2])
    latlon = _graph([(1, 2, 1.0)])
    latlon.graph["crs"] = "EPSG:4326"
    with pytest.raises(NetworkError, match="metric"):
        RoutingEngine.from_graph(latlon)
    with pytest.raises(NetworkError, match="MultiDiGraph"):
        get_engine(nx.DiGraph())  # type: ignore[arg-type]
    with pytest.raises(NetworkError, match="no nodes"):
        get_engine(nx.MultiDiGraph(crs="EPSG:32632"))


# --- the real Bergamo drive network against networkx ---


@pytest.fixture(scope="module")
def bergamo(shared_data: Path) -> nx.MultiDiGraph:
    raw = ox.graph_from_xml(shared_data / "osm/bergamo_city_2021-04-17_highways.osm.bz2")
    G = ox.project_graph(raw, to_crs="EPSG:32632")
    G = add_speeds_and_times(G)
    G, _ = keep_largest_scc(G)
    return G


@pytest.mark.shared_data
def test_engine_equals_networkx_on_bergamo(bergamo: nx.MultiDiGraph) -> None:
    rng = np.random.default_rng(20260401)
    nodes = np.array(list(bergamo.nodes))
    sources = rng.choice(nodes, size=30, replace=False)
    targets = rng.choice(nodes, size=40, replace=False)
    od = od_matrix(bergamo, sources, targets)  # 30 sources < 40 targets: forward trees
    od_rev = od_matrix(bergamo, targets, sources)  # reverse trees
    pairs = 0
    for s in sources:
        ref = nx.single_source_dijkstra_path_length(bergamo, s, weight="travel_time")
        for t in targets:
            assert od.loc[s, t] == pytest.approx(ref[t], abs=1e-6)
            pairs += 1
    R = bergamo.reverse(copy=False)
    for s in sources:
        ref = nx.single_source_dijkstra_path_length(R, s, weight="travel_time")  # x -> s
        for t in targets:
            assert od_rev.loc[t, s] == pytest.approx(ref[t], abs=1e-6)
            pairs += 1
    assert pairs >= 1000
    # spot-check the reference itself with nx.shortest_path_length
    for s, t in zip(sources[:5], targets[:5], strict=True):
        assert od.loc[s, t] == pytest.approx(
            nx.shortest_path_length(bergamo, s, t, weight="travel_time"), abs=1e-6
        )
    # all nodes to 2 destinations, against Dijkstra on the reversed graph
    tt = travel_time_to(bergamo, list(targets[:2]))
    for t in targets[:2]:
        ref = nx.single_source_dijkstra_path_length(R, t, weight="travel_time")
        got = tt[t]
        assert got.notna().all()
        np.testing.assert_allclose(got.loc[list(ref)].to_numpy(), list(ref.values()), atol=1e-6)


@pytest.mark.shared_data
def test_isochrone_membership_equals_networkx_on_bergamo(bergamo: nx.MultiDiGraph) -> None:
    rng = np.random.default_rng(7)
    nodes = np.array(list(bergamo.nodes))
    R = bergamo.reverse(copy=False)
    for source in rng.choice(nodes, size=4, replace=False):
        for limit in (60.0, 180.0, 300.0):
            ref = nx.single_source_dijkstra_path_length(
                bergamo, source, cutoff=limit, weight="travel_time"
            )
            got = nodes_within(bergamo, source, limit)
            assert set(got.index) == set(ref)
            np.testing.assert_allclose(got.loc[list(ref)].to_numpy(), list(ref.values()), atol=1e-6)
            ref_to = nx.single_source_dijkstra_path_length(
                R, source, cutoff=limit, weight="travel_time"
            )
            assert set(nodes_within(bergamo, source, limit, direction="to").index) == set(ref_to)


# --- the cache, the compiled trees, engines built from arrays ---


def test_cache_hit_never_walks_the_edges(small: nx.MultiDiGraph) -> None:
    engine = get_engine(small)
    table = node_table(small)

    def boom(*args: object, **kwargs: object) -> int:
        raise AssertionError("a cache hit walked the graph")

    # a hit must not count the edges (O(E)) nor iterate over them
    small.number_of_edges = boom  # type: ignore[method-assign]
    small.size = boom  # type: ignore[method-assign]
    assert get_engine(small) is engine
    assert node_table(small) is table
    assert travel_time_to(small, [1]).loc[2, 1] == 8.0
    assert od_matrix(small, [1], [4]).loc[1, 4] == 6.0
    assert dict(nodes_within(small, 1, 2.0)) == {1: 0.0, 2: 2.0}


def test_frozen_view_follows_its_base_graph(small: nx.MultiDiGraph) -> None:
    # networkx clears the base graph's cache on a change, not its views'
    view = nx.subgraph_view(small, filter_node=lambda n: n != 6)
    assert nx.is_frozen(view)
    assert od_matrix(view, [1], [4]).loc[1, 4] == 6.0  # 1 -> 2 -> 3 -> 4: 2 + 3 + 1
    small.add_edge(1, 4, travel_time=0.5, length=5.0)
    assert od_matrix(view, [1], [4]).loc[1, 4] == 0.5


def test_cache_follows_changes(small: nx.MultiDiGraph) -> None:
    e1 = get_engine(small)
    small.remove_edge(2, 3)  # one of the two parallel 2 -> 3 edges (networkx: the last added)
    e2 = get_engine(small)
    assert e2 is not e1
    assert od_matrix(small, [2], [3]).loc[2, 3] == min(
        d["travel_time"] for d in small[2][3].values()
    )
    small.remove_edges_from(list(small.edges(2, keys=True)))
    assert np.isnan(od_matrix(small, [2], [3]).loc[2, 3])
    small.add_edge(2, 3, travel_time=0.5, length=5.0)
    assert od_matrix(small, [2], [3]).loc[2, 3] == 0.5
    # an attribute changed in place is invisible to networkx: forget_engine drops the cache
    small.edges[2, 3, 0]["travel_time"] = 9.0
    forget_engine(small)
    assert od_matrix(small, [2], [3]).loc[2, 3] == 9.0


def _random_graph(n: int, m: int, seed: int) -> nx.MultiDiGraph:
    """A random directed multigraph with parallel edges, zero weights and self-loops."""
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs="EPSG:32632")
    for i in range(n):
        G.add_node(int(i), x=float(rng.uniform(0, 1e4)), y=float(rng.uniform(0, 1e4)))
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    w = np.round(rng.exponential(30.0, m), 3)
    w[rng.random(m) < 0.02] = 0.0
    for a, b, t in zip(u, v, w, strict=True):
        G.add_edge(int(a), int(b), travel_time=float(t), length=float(t) * 12.0)
    return G


def test_random_pairs_equal_networkx() -> None:
    G = _random_graph(400, 1400, seed=3)
    rng = np.random.default_rng(4)
    nodes = np.array(list(G.nodes))
    o = rng.choice(nodes, 25, replace=False)
    d = rng.choice(nodes, 35, replace=False)
    # 25 x 35 grows trees from the origins; 35 x 25 from the destinations, on the reversed graph
    for a, b in ((o, d), (d, o)):
        od = od_matrix(G, a, b)
        for s in a:
            ref = nx.single_source_dijkstra_path_length(G, s, weight="travel_time")
            want = np.array([ref.get(t, np.nan) for t in b])
            got = od.loc[s, b].to_numpy()
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
            np.testing.assert_allclose(got, want, atol=1e-6, equal_nan=True)
    # a limit as scipy's: times over it are unreachable
    from scipy.sparse.csgraph import dijkstra

    engine = get_engine(G)
    ref = dijkstra(engine.matrix, indices=[0, 5, 9], limit=40.0)
    np.testing.assert_array_equal(engine.times_from(np.array([0, 5, 9]), limit=40.0), ref)


def test_parallel_trees_equal_serial_and_blocks_of_one() -> None:
    from seriana_gis.network import _dijkstra

    G = _random_graph(300, 1200, seed=5)
    R = get_engine(G)._reverse
    src = np.arange(0, 300, 7)
    cols = np.array([3, 3, 150, 299, 0])  # repeats allowed
    serial = _dijkstra.trees(R.indptr, R.indices, R.data, src, threads=1)
    for threads, block in ((2, None), (2, 1), (3, 5), (1, 1)):
        full = _dijkstra.trees(R.indptr, R.indices, R.data, src, threads=threads, block=block)
        np.testing.assert_array_equal(full, serial)
        picked = _dijkstra.trees(
            R.indptr, R.indices, R.data, src, columns=cols, threads=threads, block=block
        )
        np.testing.assert_array_equal(picked, serial[:, cols])


def test_od_memory_is_bounded_by_its_answer() -> None:
    import tracemalloc

    side = 120  # a 14,400-node grid
    ids = np.arange(side * side)
    table = NodeTable(ids=ids, x=(ids // side) * 100.0, y=(ids % side) * 100.0, crs="EPSG:32632")
    right = ids[(ids % side) < side - 1]
    up = ids[ids < side * (side - 1)]
    u = np.concatenate([right, right + 1, up, up + side])
    v = np.concatenate([right + 1, right, up + side, up])
    engine = RoutingEngine.from_arrays(table, u, v, np.full(len(u), 10.0))
    rng = np.random.default_rng(1)
    o = rng.choice(ids, 100, replace=False)
    d = rng.choice(ids, 150, replace=False)
    engine.od(o[:1], d[:1])  # thread scratch allocated outside the measure
    tracemalloc.start()
    od = engine.od(o, d, threads=1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # the old engine kept the 100 trees whole first: 100 x 14,400 x 8 B = 11.5 MB
    assert peak < 0.25 * 100 * len(ids) * 8
    # grid times by hand: 10 s per block, Manhattan distance
    xo, yo, xd, yd = o // side, o % side, d // side, d % side
    want = 10.0 * (np.abs(xo[:, None] - xd[None, :]) + np.abs(yo[:, None] - yd[None, :]))
    np.testing.assert_allclose(od, want)


def test_engine_from_layers_equals_engine_from_graph(small: nx.MultiDiGraph) -> None:
    nodes = pd.DataFrame(
        [(n, d["x"], d["y"]) for n, d in small.nodes(data=True)], columns=["osmid", "x", "y"]
    )
    edges = pd.DataFrame(
        [(u, v, k, d["travel_time"]) for u, v, k, d in small.edges(keys=True, data=True)],
        columns=["u", "v", "key", "travel_time"],
    )
    lean = RoutingEngine.from_layers(nodes, edges, crs="EPSG:32632")
    ids = list(small.nodes)
    np.testing.assert_array_equal(
        od_matrix(lean, ids, ids).to_numpy(), od_matrix(small, ids, ids).to_numpy()
    )
    # snapping works on the engine alone, as on the graph
    assert node_table(lean).ids.dtype == np.int64
    with pytest.raises(NetworkError, match="not nodes of the road graph"):
        RoutingEngine.from_layers(
            nodes, edges.assign(v=edges["v"].replace(5, 55)), crs="EPSG:32632"
        )
    with pytest.raises(NetworkError, match="no usable 'travel_time'"):
        RoutingEngine.from_layers(nodes, edges.assign(travel_time=-1.0), crs="EPSG:32632")
    with pytest.raises(DataError, match="road_edges: no column"):
        RoutingEngine.from_layers(nodes, edges.drop(columns="v"), crs="EPSG:32632")


def test_positions_by_binary_search_match_a_pandas_lookup() -> None:
    # unsorted, negative and huge ids (OSM ids are up to ~1e10)
    ids = np.array([10_000_000_017, -3, 42, 7, 9_999_999_999], dtype=np.int64)
    table = NodeTable(ids=ids, x=np.zeros(5), y=np.zeros(5), crs="EPSG:32632")
    query = [42, 10_000_000_017, -3, 42, 9_999_999_999, 7]
    expected = [2, 0, 1, 2, 4, 3]  # by hand: where each id stands in ``ids``
    assert table.positions(query).tolist() == expected
    assert table.positions(np.array([42, -3, 7], dtype=np.int32)).tolist() == [2, 1, 3]
    assert table.positions(np.array([7, 10_000_000_017], dtype=np.uint64)).tolist() == [3, 0]
    # ids absent from the table, beyond both ends and in between, are named
    for bad in ([10_000_000_018], [-4], [8], [42, 43]):
        with pytest.raises(NetworkError, match="not nodes of the road graph"):
            table.positions(bad)
    # other id types go through the pandas index: floats equal to an id, strings
    assert table.positions([42.0]).tolist() == [2]
    words = NodeTable(
        ids=np.array(["b", "a"], dtype=object), x=np.zeros(2), y=np.zeros(2), crs="EPSG:32632"
    )
    assert words.positions(["a", "b"]).tolist() == [1, 0]
    with pytest.raises(NetworkError, match="not nodes"):
        words.positions(["c"])
    # a graph of one node: its id, and ids on either side of it
    one = NodeTable(ids=np.array([5]), x=np.zeros(1), y=np.zeros(1), crs="EPSG:32632")
    assert one.positions([5, 5]).tolist() == [0, 0]
    for bad in ([4], [6]):
        with pytest.raises(NetworkError, match="not nodes"):
            one.positions(bad)
    none = NodeTable(ids=np.array([], dtype=np.int64), x=np.zeros(0), y=np.zeros(0), crs="")
    with pytest.raises(NetworkError, match="not nodes"):
        none.positions([5])
    # positions and labels in one look-up: the given ids in the given order, unnamed
    pos, labels = table.locate(np.array([7, 42, 7], dtype=np.int32), what="target")
    assert pos.tolist() == [3, 2, 3]
    pd.testing.assert_index_equal(labels, pd.Index([7, 42, 7], dtype="int64"), exact=True)
    pos, labels = words.locate(["a"])
    assert pos.tolist() == [1]
    pd.testing.assert_index_equal(labels, pd.Index(["a"]), exact=True)
    with pytest.raises(NetworkError, match="3 target id"):
        table.locate([1, 2, 42, 3], what="target")


def test_public_tables_keep_the_given_labels(small: nx.MultiDiGraph) -> None:
    tt = travel_time_to(small, [4, 1])
    assert list(tt.columns) == [4, 1] and tt.columns.name is None
    assert tt.index.name == "node"
    od = od_matrix(small, np.array([6, 1, 6], dtype=np.int32), [5, 4])
    assert list(od.index) == [6, 1, 6] and list(od.columns) == [5, 4]
    assert od.index.name is None and od.columns.name is None
    np.testing.assert_allclose(od.to_numpy(), [[14.0, 7.0], [13.0, 6.0], [14.0, 7.0]])
    G = _graph([(1, 2, 1.0), (2, 1, 1.0)])
    G = nx.relabel_nodes(G, {1: "one", 2: "two"})
    tt = travel_time_to(G, ["two"])
    assert list(tt.columns) == ["two"] and tt.loc["one", "two"] == 1.0
