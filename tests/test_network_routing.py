"""The compiled routing engine against hand-computed answers and networkx."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pytest

from seriana_gis._errors import NetworkError
from seriana_gis.network import (
    RoutingEngine,
    get_engine,
    keep_largest_scc,
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
