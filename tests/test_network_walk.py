"""The pedestrian graph: every street both ways, no motorways, lengths kept."""

from __future__ import annotations

import networkx as nx
import pytest

from seriana_gis._errors import NetworkError
from seriana_gis.network import od_matrix, walk_graph


def roads() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    for n, (x, y) in enumerate([(0, 0), (100, 0), (200, 0), (100, 300)]):
        G.add_node(n, x=float(x), y=float(y))
    # a one-way street 0 -> 1, a two-way street 1 <-> 2, a trunk road 2 <-> 3, a mixed-class link 1 -> 3
    G.add_edge(0, 1, length=100.0, highway="residential", travel_time=20.0)
    G.add_edge(1, 2, length=100.0, highway="tertiary", travel_time=10.0)
    G.add_edge(2, 1, length=100.0, highway="tertiary", travel_time=10.0)
    G.add_edge(2, 3, length=320.0, highway="trunk", travel_time=12.0)
    G.add_edge(3, 2, length=320.0, highway="trunk", travel_time=12.0)
    G.add_edge(1, 3, length=400.0, highway=["trunk", "secondary"], travel_time=20.0)
    return G


def test_both_directions_no_trunk_lengths_kept():
    G = roads()
    W = walk_graph(G)
    assert W.graph["crs"] == "EPSG:32632"
    # against one-way traffic on foot: 1 -> 0 exists with the same 100 m
    assert W.has_edge(1, 0) and W[1][0][0]["length"] == 100.0
    # the trunk-only link 2 - 3 is closed to pedestrians; the mixed link 1 - 3 is not
    assert not W.has_edge(2, 3) and not W.has_edge(3, 2)
    assert W.has_edge(3, 1)
    # shortest walks by hand: 0 -> 2 = 100 + 100, 2 -> 0 = 200, 2 -> 3 = 100 + 400
    m = od_matrix(W, [0, 2, 2], [2, 0, 3], weight="length")
    assert m.iloc[0, 0] == 200.0 and m.iloc[1, 1] == 200.0 and m.iloc[2, 2] == 500.0
    # the input graph is not changed
    assert G.number_of_edges() == 6 and not G.has_edge(1, 0)


def test_only_motorways_is_an_error():
    G = nx.MultiDiGraph(crs="EPSG:32632")
    G.add_node(0, x=0.0, y=0.0)
    G.add_node(1, x=1000.0, y=0.0)
    G.add_edge(0, 1, length=1000.0, highway="motorway", travel_time=30.0)
    with pytest.raises(NetworkError, match="no walkable edge"):
        walk_graph(G)
