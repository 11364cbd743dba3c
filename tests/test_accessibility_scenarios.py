"""Scenario files, road changes and deltas, on the small synthetic territory."""

# ruff: noqa: N803  (G, H: the networkx names for graphs)

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from accessibility_samples import brownfields, destinations, layers, node_at, road_graph

from seriana_gis._errors import ConfigError
from seriana_gis.accessibility import (
    apply_road_changes,
    load_scenario,
    parse_scenario,
    run_accessibility,
    run_scenario,
    scenario_deltas,
    travel_times,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return road_graph()


def test_shipped_scenario_files_parse() -> None:
    ext = load_scenario(REPO / "analyses" / "scenarios" / "teb_extension.yaml")
    assert ext.with_extension is True and ext.roads == ()
    closed = load_scenario(REPO / "analyses" / "scenarios" / "ss671_closed.yaml")
    assert closed.roads[0].action == "remove"
    assert closed.roads[0].select == {"id": ("R032", "R033", "R034")}


def test_unknown_keys_list_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match="unknown key 'with_extention'.*Did you mean 'with_extension'"
    ):
        parse_scenario({"name": "x", "with_extention": True}, where="s.yaml")
    with pytest.raises(ConfigError, match="unknown action 'close'.*remove, slow, add"):
        parse_scenario(
            {"name": "x", "roads": [{"action": "close", "select": {"id": "E1"}}]}, where="s"
        )
    with pytest.raises(
        ConfigError, match="unknown key 'road'.*Valid keys: id, ref, name, highway, osmid"
    ):
        parse_scenario(
            {"name": "x", "roads": [{"action": "remove", "select": {"road": "E1"}}]}, where="s"
        )
    with pytest.raises(ConfigError, match="exactly one of speed_kph"):
        parse_scenario(
            {"name": "x", "roads": [{"action": "slow", "select": {"id": "E1"}}]}, where="s"
        )
    with pytest.raises(ConfigError, match="missing required key"):
        parse_scenario({"roads": []}, where="s")
    with pytest.raises(ConfigError, match="not found"):
        load_scenario(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_scenario(bad)


def test_remove_slow_add_by_hand(G: nx.MultiDiGraph) -> None:
    sc = parse_scenario(
        {
            "name": "t",
            "roads": [
                {"action": "slow", "select": {"id": "E0"}, "speed_factor": 0.5},
                {"action": "remove", "select": {"id": ["E3"]}},
                {"action": "slow", "select": {"name": "spur"}, "speed_kph": 60},
            ],
        },
        where="t",
    )
    H = apply_road_changes(G, sc.roads)
    n0, n1, n2, n3, n4 = (node_at(G, x, 0) for x in (0, 2000, 4000, 6000, 8000))
    assert nx.shortest_path_length(H, n1, n0, weight="travel_time") == pytest.approx(240.0)
    assert not nx.has_path(H, n1, n4)
    assert nx.shortest_path_length(H, n1, n3, weight="travel_time") == pytest.approx(240.0)
    spur_end = node_at(G, 4000, 3000)
    assert nx.shortest_path_length(H, n2, spur_end, weight="travel_time") == pytest.approx(180.0)
    # G unchanged: 5 links of 2 km (8 pieces of 250 m each) and the 3 km spur (12), both
    # ways; H lost E3's 8 pieces both ways
    assert G.number_of_edges() == 2 * (5 * 8 + 12) and H.number_of_edges() == 104 - 2 * 8
    # add a 60 km/h link from the spur's end (4, 3) km to N4 (8, 0) km: 5 km, 5 min
    add = parse_scenario(
        {
            "name": "a",
            "roads": [
                {
                    "action": "add",
                    "name": "bypass",
                    "highway": "primary",
                    "maxspeed": 60,
                    "crs": "EPSG:32632",
                    "coordinates": [
                        [G.nodes[spur_end]["x"] + 10, G.nodes[spur_end]["y"]],
                        [G.nodes[n4]["x"], G.nodes[n4]["y"] + 20],
                    ],
                }
            ],
        },
        where="a",
    )
    H2 = apply_road_changes(H, add.roads)
    # N1 -> N4 again: N1-N2 (2 min), the spur at 60 km/h (3 min), the 5 km bypass (5 min)
    assert nx.shortest_path_length(H2, n1, n4, weight="travel_time") / 60 == pytest.approx(10.0)
    assert H2.number_of_edges() == H.number_of_edges() + 2  # two-way


def test_selector_without_match_names_close_values(G: nx.MultiDiGraph) -> None:
    sc = parse_scenario(
        {"name": "x", "roads": [{"action": "remove", "select": {"ref": "SP2"}}]}, where="x"
    )
    with pytest.raises(ConfigError, match="no road link matches.*sp1"):
        apply_road_changes(G, sc.roads)
    far = parse_scenario(
        {
            "name": "x",
            "roads": [{"action": "add", "crs": "EPSG:32632", "coordinates": [[0, 0], [1, 1]]}],
        },
        where="x",
    )
    with pytest.raises(ConfigError, match="from the nearest road node"):
        apply_road_changes(G, far.roads)


def test_deltas_by_hand() -> None:
    base = pd.DataFrame(
        {"car_bgy_min": [10.0, 5.0, np.nan], "pop_15min": [100.0, 50.0, 0.0], "name": "x"}
    )
    scen = pd.DataFrame(
        {"car_bgy_min": [12.0, np.nan, 7.0], "pop_15min": [80.0, 50.0, 10.0], "name": "x"}
    )
    d = scenario_deltas(base, scen)
    assert d["delta_car_bgy_min"].iloc[0] == pytest.approx(2.0)
    assert np.isnan(d["delta_car_bgy_min"].iloc[1]) and np.isnan(d["delta_car_bgy_min"].iloc[2])
    assert d["delta_pop_15min"].tolist() == [-20.0, 0.0, 10.0]
    assert d["delta_note"].tolist() == ["", "car_bgy_min lost", "car_bgy_min newly available"]
    assert "delta_name" not in d.columns


def test_run_scenario_closed_road_and_extension(G: nx.MultiDiGraph) -> None:
    L = layers()
    base = run_accessibility(L, G, destinations=("bergamo", "bgy"), rasters=False)
    sc = parse_scenario(
        {"name": "slow", "roads": [{"action": "slow", "select": {"id": "E0"}, "speed_kph": 30}]},
        where="x",
    )
    result, deltas = run_scenario(L, G, sc, base=base)
    d = deltas["brownfields"].iloc[0]
    # B1 -> station crosses E0: 2 min at 60 km/h becomes 4 min at 30
    assert d["delta_car_bergamo_min"] == pytest.approx(2.0)
    assert d["delta_car_bgy_min"] == pytest.approx(0.0)
    ref = travel_times(
        apply_road_changes(G, sc.roads), brownfields(), destinations(), destination_ids=["bergamo"]
    )
    assert result.tables["brownfields"]["car_bergamo_min"].iloc[0] == pytest.approx(
        ref["car_bergamo_min"].iloc[0]
    )
    m = deltas["municipalities"]
    assert m["delta_car_bergamo_min"].tolist() == pytest.approx([2.0, 2.0])
    assert "delta_pop_15min" in m.columns and "delta_hansen_pop" in m.columns
    ext = parse_scenario({"name": "ext", "with_extension": True}, where="x")
    res_ext, d_ext = run_scenario(L, G, ext, base=base)
    assert res_ext.with_extension and len(res_ext.stops) == len(base.stops) + 2
    assert d_ext["brownfields"]["delta_car_bergamo_min"].iloc[0] == 0.0


def test_a_scenario_without_changes_has_zero_deltas(G: nx.MultiDiGraph) -> None:
    L = layers()
    base = run_accessibility(L, G, destinations=("bergamo", "bgy"), rasters=False)
    _, deltas = run_scenario(L, G, parse_scenario({"name": "same"}, where="x"), base=base)
    for d in deltas.values():
        num = d.drop(columns="delta_note")
        assert ((num == 0) | num.isna()).all().all()
        assert (d["delta_note"] == "").all()
