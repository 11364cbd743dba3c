"""Population catchments and Hansen accessibility, by hand."""

# ruff: noqa: N803  (G: the networkx name for graphs)

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from accessibility_samples import brownfields, municipalities, node_at, road_graph

from seriana_gis._errors import ConfigError, DataError
from seriana_gis.accessibility import BETA_PER_MIN, catchment, catchment_sums, population_centres


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return road_graph()


def test_beta_halves_the_weight_at_15_minutes() -> None:
    assert math.exp(-BETA_PER_MIN * 15.0) == pytest.approx(0.5)
    assert pytest.approx(0.04621, abs=1e-5) == BETA_PER_MIN


def test_catchment_sums_by_hand() -> None:
    t = np.array([[0.0, 10.0, 15.0, 40.0], [np.nan, 16.0, np.inf, 30.0]])
    pop = np.array([100.0, 200.0, 400.0, 800.0])
    out = catchment_sums(t, pop, thresholds=(15, 30), beta=0.1)
    assert out["pop_15min"].tolist() == [700.0, 0.0]  # 15 min is inside (t <= T)
    assert out["pop_30min"].tolist() == [700.0, 1000.0]
    h0 = 100 + 200 * math.exp(-1.0) + 400 * math.exp(-1.5) + 800 * math.exp(-4.0)
    h1 = 200 * math.exp(-1.6) + 800 * math.exp(-3.0)  # NaN and inf contribute nothing
    assert out["hansen_pop"] == pytest.approx([h0, h1])
    with pytest.raises(ConfigError, match="beta"):
        catchment_sums(t, pop, beta=-1.0)


def test_catchment_property_monotone_in_threshold_and_bounded() -> None:
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 60, (20, 9))
    pop = rng.integers(0, 5000, 9).astype(float)
    out = catchment_sums(t, pop, thresholds=(5, 15, 30, 60), beta=BETA_PER_MIN)
    assert (out["pop_5min"] <= out["pop_15min"]).all()
    assert (out["pop_30min"] <= out["pop_60min"]).all()
    assert (out["pop_60min"] == pop.sum()).all()
    assert (out["hansen_pop"] <= pop.sum() + 1e-9).all()


def test_population_sits_at_the_town_centre_node(G: nx.MultiDiGraph) -> None:
    c = population_centres(G, municipalities())
    assert c["node"].tolist() == [node_at(G, 2000, 0), node_at(G, 8000, 0)]
    assert c["population"].tolist() == [1000.0, 3000.0]
    with pytest.raises(DataError, match="no 'population' column"):
        population_centres(G, municipalities().drop(columns="population"))


def test_site_catchment_by_hand(G: nx.MultiDiGraph) -> None:
    # B1 snaps to N1 (300 m, 0.9 min). M1's centre is N1 (0.9 min), M2's is N4 (6 + 0.9 min)
    out = catchment(G, brownfields(), municipalities(), thresholds=(1.0, 5.0, 15.0))
    r = out.iloc[0]
    assert r["pop_1min"] == 1000 and r["pop_5min"] == 1000 and r["pop_15min"] == 4000
    beta = BETA_PER_MIN
    assert r["hansen_pop"] == pytest.approx(
        1000 * math.exp(-beta * 0.9) + 3000 * math.exp(-beta * 6.9)
    )
