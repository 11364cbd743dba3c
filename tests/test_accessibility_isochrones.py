"""Isochrone polygons: reachable nodes inside, cut edges, nesting."""

# ruff: noqa: N803  (G: the networkx name for graphs)

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely
from accessibility_samples import P, destinations, road_graph

from seriana_gis._errors import ConfigError
from seriana_gis.accessibility import destination_table, isochrones


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return road_graph()


def test_isochrones_by_hand(G: nx.MultiDiGraph) -> None:
    dests = destination_table(G, destinations(), ["bergamo"])
    iso = isochrones(G, dests, minutes=(3.0, 5.0), buffer_m=100.0)
    assert iso["destination"].tolist() == ["bergamo", "bergamo"]
    assert iso["minutes"].tolist() == [3.0, 5.0]
    assert str(iso.crs) == "EPSG:32632"
    three, five = iso.geometry.iloc[0], iso.geometry.iloc[1]
    # 60 km/h = 1 km/min along the main road from x = 0: 3 min reaches x = 3 km
    assert three.contains(P(2900, 0)) and not three.contains(P(3200, 0))
    assert three.contains(P(3050, 0))  # within the 100 m buffer of the cut end
    # 5 min: 4 km along the main road (N2 at 4 min) then 1 min up the 30 km/h spur = 500 m
    assert five.contains(P(4000, 450)) and not five.contains(P(4000, 700))
    assert five.contains(P(4900, 0)) and not five.contains(P(5200, 0))
    assert five.contains(three.buffer(-1.0))
    assert iso["area_km2"].iloc[0] == pytest.approx(three.area / 1e6)


def test_every_reachable_node_is_inside(G: nx.MultiDiGraph) -> None:
    dests = destination_table(G, destinations(), ["bgy"])
    iso = isochrones(G, dests, minutes=(4.5,), buffer_m=50.0)
    poly = iso.geometry.iloc[0]
    times = {
        n: nx.shortest_path_length(G, n, dests.loc["bgy", "node"], weight="travel_time") for n in G
    }
    for n, t in times.items():
        pt = shapely.Point(G.nodes[n]["x"], G.nodes[n]["y"])
        inside = t + dests.loc["bgy", "access_s"] <= 270.0
        assert poly.contains(pt) == inside, (n, t)


def test_bad_minutes() -> None:
    G = road_graph()
    dests = destination_table(G, destinations(), ["bgy"])
    with pytest.raises(ConfigError, match="positive"):
        isochrones(G, dests, minutes=(0.0,))
    with pytest.raises(ConfigError, match="positive"):
        isochrones(G, dests, minutes=(np.nan,))
