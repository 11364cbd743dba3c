"""Junction kinds and the delays each edge pays, checked by hand on small graphs."""

# ruff: noqa: N803  (G: the networkx name for graphs)

from __future__ import annotations

import itertools

import networkx as nx
import pytest

from seriana_gis.network.junctions import (
    SIGNALS_ON_WAY,
    class_rank,
    junction_counts,
    node_kinds,
    simplify_road_graph,
)
from seriana_gis.network.model import apply_speed_profile
from seriana_gis.network.profile import SpeedProfile, prior_profile


def _graph(nodes: dict[str, tuple[float, float]], **node_tags: dict[str, str]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32632")
    for n, (x, y) in nodes.items():
        G.add_node(n, x=x, y=y, **node_tags.get(n, {}))
    return G


def _road(G: nx.MultiDiGraph, a: str, b: str, highway: str, **attrs: object) -> None:
    """A two-way road a-b (both directions) with length = straight distance."""
    length = (
        (G.nodes[a]["x"] - G.nodes[b]["x"]) ** 2 + (G.nodes[a]["y"] - G.nodes[b]["y"]) ** 2
    ) ** 0.5
    for u, v, rev in ((a, b, False), (b, a, True)):
        G.add_edge(u, v, highway=highway, length=length, speed_kph=50.0, reversed=rev, **attrs)


def _pays(G: nx.MultiDiGraph, kind: str) -> dict[tuple[str, str], int]:
    return {(u, v): c[kind] for (u, v, _), c in junction_counts(G).items()}


def test_class_rank_orders_classes_and_links() -> None:
    assert class_rank("motorway") > class_rank("trunk") > class_rank("primary")
    assert class_rank("primary") > class_rank("primary_link") > class_rank("secondary")
    assert class_rank(["tertiary", "secondary"]) == class_rank("secondary")
    assert class_rank("secondary;residential") == class_rank("secondary")


def test_t_junction_minor_road_gives_way() -> None:
    # A - V - B on a secondary road, C joins from the side on a tertiary road
    G = _graph({"A": (0, 0), "V": (100, 0), "B": (200, 0), "C": (100, 100)})
    _road(G, "A", "V", "secondary")
    _road(G, "V", "B", "secondary")
    _road(G, "C", "V", "tertiary")
    assert node_kinds(G)["V"] == "priority"
    pays = _pays(G, "priority")
    assert pays[("A", "V")] == 0  # main road straight on
    assert pays[("B", "V")] == 0
    assert pays[("C", "V")] == 1  # minor approach
    assert (
        pays[("V", "A")] == pays[("V", "B")] == pays[("V", "C")] == 0
    )  # ends: 2 or fewer neighbours


def test_equal_crossing_everyone_gives_way_and_t_top_pays() -> None:
    G = _graph({"V": (0, 0), "N": (0, 100), "S": (0, -100), "E": (100, 0), "W": (-100, 0)})
    for n in "NSEW":
        _road(G, n, "V", "residential")
    assert {_pays(G, "priority")[(n, "V")] for n in "NSEW"} == {1}
    # a T whose three arms are the same class: the stem and both arms meet two equal roads
    G.remove_node("S")
    assert {_pays(G, "priority")[(n, "V")] for n in "NEW"} == {1}


def test_signals_charge_every_approach_and_no_priority() -> None:
    G = _graph(
        {"V": (0, 0), "N": (0, 100), "S": (0, -100), "E": (100, 0)},
        V={"highway": "traffic_signals"},
    )
    _road(G, "N", "V", "primary")
    _road(G, "V", "S", "primary")
    _road(G, "E", "V", "residential")
    assert node_kinds(G)["V"] == "signals"
    assert {_pays(G, "signals")[(n, "V")] for n in "NSE"} == {1}
    assert {_pays(G, "priority")[(n, "V")] for n in "NSE"} == {0}
    assert _pays(G, "signals")[("V", "N")] == 0


def test_roundabout_charges_entries_not_the_ring() -> None:
    # ring R1 -> R2 -> R3 -> R1 (one way), approaches A->R1, B->R2
    G = _graph({"R1": (0, 0), "R2": (30, 0), "R3": (15, 25), "A": (-100, 0), "B": (130, 0)})
    for u, v in (("R1", "R2"), ("R2", "R3"), ("R3", "R1")):
        G.add_edge(u, v, highway="secondary", junction="roundabout", length=30.0, speed_kph=30.0)
    _road(G, "A", "R1", "secondary")
    _road(G, "B", "R2", "tertiary")
    kinds = node_kinds(G)
    assert kinds["R1"] == kinds["R2"] == kinds["R3"] == "roundabout"
    pays = _pays(G, "roundabout")
    assert pays[("A", "R1")] == 1 and pays[("B", "R2")] == 1
    assert pays[("R1", "R2")] == pays[("R2", "R3")] == pays[("R3", "R1")] == 0
    assert pays[("R1", "A")] == 0  # leaving: A is a dead end
    assert sum(_pays(G, "priority").values()) == 0


def test_mini_roundabout_charges_every_entry() -> None:
    G = _graph(
        {"V": (0, 0), "A": (100, 0), "B": (-100, 0), "C": (0, 100)},
        V={"highway": "mini_roundabout"},
    )
    for n in "ABC":
        _road(G, n, "V", "residential")
    assert {_pays(G, "roundabout")[(n, "V")] for n in "ABC"} == {1}


def test_grade_separated_merge_pays_nothing() -> None:
    # a trunk expressway T1 - V - T2 with a slip road from L
    G = _graph({"T1": (0, 0), "V": (500, 0), "T2": (1000, 0), "L": (500, -200)})
    _road(G, "T1", "V", "trunk")
    _road(G, "V", "T2", "trunk")
    _road(G, "L", "V", "trunk_link")
    assert _pays(G, "priority")[("L", "V")] == 0


def test_stop_sign_makes_an_approach_minor() -> None:
    G = _graph({"A": (0, 0), "V": (100, 0), "B": (200, 0), "C": (100, 100)})
    _road(G, "A", "V", "secondary")
    _road(G, "V", "B", "secondary")
    _road(G, "C", "V", "secondary")
    # C meets two equal roads: minor anyway; mark A's approach with a give-way sign
    G.edges["A", "V", 0]["yields_on_way"] = 1
    pays = _pays(G, "priority")
    assert pays[("A", "V")] == 1


def test_simplification_keeps_signals_met_along_an_edge() -> None:
    # A - s - B with a signal on s (degree 2: osmnx merges it away), B - C, B - D
    G = _graph(
        {"A": (0, 0), "s": (50, 0), "B": (100, 0), "C": (200, 0), "D": (100, 100)},
        s={"highway": "traffic_signals", "traffic_signals:direction": "forward"},
    )
    for a, b in (("A", "s"), ("s", "B"), ("B", "C"), ("B", "D")):
        _road(G, a, b, "residential")
    H = simplify_road_graph(G)
    assert "s" not in H.nodes
    assert H.edges["A", "B", 0][SIGNALS_ON_WAY] == 1  # forward: the way's own direction
    assert H.edges["B", "A", 0][SIGNALS_ON_WAY] == 0  # reversed edge: the signal faces away
    assert _pays(H, "signals")[("A", "B")] == 1
    assert H.edges["A", "B", 0]["length"] == pytest.approx(100.0)


def _brute_force_best(
    G: nx.MultiDiGraph, s: str, t: str, arrival_cost: dict[tuple[str, str], float]
) -> float:
    """Least time over every simple path; arriving at v from u costs arrival_cost[(u, v)]."""
    best = float("inf")
    for path in nx.all_simple_paths(nx.DiGraph(G), s, t):
        cost = 0.0
        for u, v in itertools.pairwise(path):
            run = min(d["length"] for d in G[u][v].values()) / (50 / 3.6)
            cost += run + arrival_cost.get((u, v), 0.0)
        best = min(best, cost)
    return best


def test_delays_on_entering_edges_equal_node_costs() -> None:
    """Shortest paths with delays on entering edges = brute force over paths with node costs."""
    # two routes A -> D: over S (traffic signals) and over P, a priority junction that the
    # tertiary road from A meets as the minor road (P also has a spur to X)
    G = _graph(
        {"A": (0, 0), "S": (500, 200), "P": (500, -200), "D": (1000, 0), "X": (500, -400)},
        S={"highway": "traffic_signals"},
    )
    _road(G, "A", "S", "secondary", maxspeed="50")
    _road(G, "S", "D", "secondary", maxspeed="50")
    _road(G, "A", "P", "tertiary", maxspeed="50")
    _road(G, "P", "D", "secondary", maxspeed="50")
    _road(G, "P", "X", "secondary", maxspeed="50")
    leg = (500**2 + 200**2) ** 0.5 / (50 / 3.6)  # every leg is 538.5 m at 50 km/h
    for priority, route in ((5.0, ["A", "P", "D"]), (20.0, ["A", "S", "D"])):
        x = prior_profile().vector()
        x[8] = priority  # junction_delays_s.priority; signals stay at 15 s
        H = apply_speed_profile(G, SpeedProfile.from_vector(x), time_of_day="off_peak")
        # by hand: every approach to S pays the signal (15 s); at P only the minor road from A
        # pays the priority delay; A, D (two neighbours) and X (dead end) cost nothing
        arrival = {("A", "S"): 15.0, ("D", "S"): 15.0, ("A", "P"): priority}
        expected = _brute_force_best(H, "A", "D", arrival)
        assert expected == pytest.approx(2 * leg + min(15.0, priority))
        assert nx.shortest_path_length(H, "A", "D", weight="travel_time") == pytest.approx(expected)
        assert nx.shortest_path(H, "A", "D", weight="travel_time") == route
