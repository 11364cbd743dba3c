"""Car and transit times per site, the town-centre rule, OD matrices, bad input."""

# ruff: noqa: N803  (G: the networkx name for graphs)

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from accessibility_samples import (
    CRS,
    X0,
    Y0,
    P,
    brownfields,
    destinations,
    municipalities,
    node_at,
    road_graph,
    teb_lines,
    teb_stops,
)
from shapely.geometry import box

from seriana_gis._errors import ConfigError, DataError, NetworkError
from seriana_gis.accessibility import (
    TransitParams,
    destination_table,
    layer_od_matrix,
    locate_sites,
    tram_stops,
    travel_times,
    walk_minutes,
)
from seriana_gis.network import gdfs_to_graph, graph_to_gdfs
from seriana_gis.network.arrays import RoadArrays


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return road_graph()


def test_car_times_by_hand(G: nx.MultiDiGraph) -> None:
    bf = brownfields()
    out = travel_times(G, bf, destinations(), destination_ids=["bergamo", "bgy"])
    r = out.iloc[0]
    access = 300 / (20 / 3.6) / 60  # 300 m at 20 km/h = 0.9 min
    assert r["node"] == node_at(G, 2000, 0)
    assert r["snap_m"] == pytest.approx(300.0) and not r["snap_flag"]
    assert r["car_bergamo_min"] == pytest.approx(access + 2.0)
    # N1 -> N5: 4 links of 2 min; bgy is 100 m off N5 (0.3 min)
    assert r["car_bgy_min"] == pytest.approx(access + 8.0 + 0.3)
    assert r["car_a4_min"] == pytest.approx(access + 6.0)
    assert r["car_a4_junction"] == "a4_x" and r["car_a4_reason"] == ""
    assert r["car_bergamo_reason"] == ""
    assert bf.columns.tolist() == brownfields().columns.tolist()  # input unchanged


def test_transit_and_walk_to_teb_columns(G: nx.MultiDiGraph) -> None:
    stops = tram_stops(teb_lines(), teb_stops())
    p = TransitParams(speed_kph=36.0, headway_peak_min=10.0, peak=True)
    out = travel_times(
        G, brownfields(), destinations(), destination_ids=["bergamo"], stops=stops, params=p
    )
    r = out.iloc[0]
    walk = 250 * 1.3 / 80.0
    assert r["walk_teb_min"] == pytest.approx(walk) and r["walk_teb_stop"] == "S2"
    assert r["transit_bergamo_min"] == pytest.approx(walk + 5.0 + 200 / 60 + 50 * 1.3 / 80.0)
    assert "transit_bgy_min" not in out.columns  # only the destinations asked for


def test_municipalities_use_the_town_centre_node(G: nx.MultiDiGraph) -> None:
    loc = locate_sites(G, municipalities(), layer="municipalities")
    # M1 centroid (2, 1.5) km: N1 (2, 0) is the nearest node inside, 1.5 km away
    assert loc["node"].tolist() == [node_at(G, 2000, 0), node_at(G, 8000, 0)]
    assert loc["snap_m"].tolist() == pytest.approx([1500.0, 1500.0])
    assert (loc["access_s"] == 0).all()  # the node is the origin: no access leg
    assert not loc["snap_flag"].any()  # both municipalities contain a node
    out = travel_times(
        G, municipalities(), destinations(), destination_ids=["bergamo"], layer="municipalities"
    )
    assert out["car_bergamo_min"].tolist() == pytest.approx([2.0, 8.0])


def test_town_centre_is_a_link_end_not_a_node_cut_inside_a_link(
    G: nx.MultiDiGraph, tmp_path: Path
) -> None:
    # centroid (2800, 1500): the nodes cut inside the spur (4000, 1500) at 1200 m and inside
    # E1 (2750, 0) at 1500.8 m are nearer than any link end; the nearest link end inside
    # is N1 (2000, 0), hypot(800, 1500) = 1700 m (N2 (4000, 0) and the spur's end 1921 m)
    muni = municipalities().iloc[:1].copy()
    muni.geometry = [box(X0 + 600, Y0 - 1000, X0 + 5000, Y0 + 4000)]
    # the marks survive the database: road_nodes / road_edges through a GeoPackage
    gpkg = tmp_path / "roads.gpkg"
    for layer, frame in zip(("road_nodes", "road_edges"), graph_to_gdfs(G), strict=True):
        frame.to_file(gpkg, layer=layer)
    nodes, edges = (gpd.read_file(gpkg, layer=x) for x in ("road_nodes", "road_edges"))
    for net in (G, RoadArrays.from_graph(G), gdfs_to_graph(nodes, edges)):
        loc = locate_sites(net, muni, layer="municipalities")
        assert loc["node"].tolist() == [node_at(G, 2000, 0)]
        assert loc["snap_m"].tolist() == pytest.approx([1700.0])


def test_unknown_destination_lists_the_valid_ones(G: nx.MultiDiGraph) -> None:
    with pytest.raises(
        ConfigError, match="unknown destination 'bgx'.*Did you mean 'bgy'.*bergamo, bgy, a4_x"
    ):
        destination_table(G, destinations(), ["bgx"])
    with pytest.raises(ConfigError, match="no destination asked for"):
        destination_table(G, destinations(), [])


def test_unreachable_site_gets_nan_and_a_reason(G: nx.MultiDiGraph) -> None:
    H = G.copy()
    H.add_node(900, x=P(20000, 0).x, y=P(20000, 0).y)
    H.add_node(901, x=P(21000, 0).x, y=P(21000, 0).y)
    for u, v in ((900, 901), (901, 900)):
        H.add_edge(u, v, length=1000.0, speed_kph=60.0, travel_time=60.0)
    sites = gpd.GeoDataFrame({"id": ["in", "out"]}, geometry=[P(2000, 0), P(20500, 10)], crs=CRS)
    out = travel_times(H, sites, destinations(), destination_ids=["bergamo"])
    assert out["car_bergamo_min"].iloc[0] == pytest.approx(2.0)
    assert np.isnan(out["car_bergamo_min"].iloc[1])
    assert "no road path" in out["car_bergamo_reason"].iloc[1]
    assert np.isnan(out["car_a4_min"].iloc[1]) and out["car_a4_reason"].iloc[1] != ""


def test_graph_without_travel_time_is_an_error(G: nx.MultiDiGraph) -> None:
    H = G.copy()
    u, v, k = next(iter(H.edges(keys=True)))
    del H.edges[u, v, k]["travel_time"]
    with pytest.raises(NetworkError, match="travel_time"):
        travel_times(H, brownfields(), destinations())


def test_empty_layer_and_missing_crs_are_errors(G: nx.MultiDiGraph) -> None:
    with pytest.raises(DataError, match="brownfields layer is empty"):
        travel_times(G, brownfields().iloc[:0], destinations(), layer="brownfields")
    with pytest.raises(DataError, match="no CRS"):
        travel_times(G, brownfields().set_crs(None, allow_override=True), destinations())


def test_od_matrix_between_layers_equals_networkx(G: nx.MultiDiGraph) -> None:
    m = layer_od_matrix(
        G, municipalities(), brownfields(), origin_id="istat", origin_layer="municipalities"
    )
    assert m.index.tolist() == ["000001", "000002"] and m.columns.tolist() == ["B1"]
    b1 = node_at(G, 2000, 0)
    access = 300 / (20 / 3.6) / 60
    for istat, centre in (("000001", node_at(G, 2000, 0)), ("000002", node_at(G, 8000, 0))):
        ref = nx.shortest_path_length(G, centre, b1, weight="travel_time") / 60
        assert m.loc[istat, "B1"] == pytest.approx(ref + access)
    with pytest.raises(DataError, match="no id column 'code'"):
        layer_od_matrix(G, brownfields(), brownfields(), origin_id="code")


def test_walk_over_a_walk_network(G: nx.MultiDiGraph) -> None:
    p = TransitParams()
    a = np.array([[P(0, 30).x, P(0, 30).y]])
    b = np.array([[P(4000, 40).x, P(4000, 40).y]])
    # snap 30 m + 4 km along the road + snap 40 m, at 80 m/min, no detour factor
    t = walk_minutes(a, b, params=p, walk_graph=G)
    assert t[0, 0] == pytest.approx((30 + 4000 + 40) / 80.0)
    assert walk_minutes(a, b, params=p)[0, 0] == pytest.approx(np.hypot(4000, 10) * 1.3 / 80)
    # (7, 2.5) km is 2.69 km from its nearest nodes (6, 0) and (8, 0): off the walk network,
    # no walk is timed through it; (6, 1.9) km is 1.9 km from (6, 0) and 2.28 km from (4, 3)
    far = np.array([[P(7000, 2500).x, P(7000, 2500).y]])
    assert np.isnan(walk_minutes(a, far, params=p, walk_graph=G)[0, 0])
    near = np.array([[P(6000, 1900).x, P(6000, 1900).y]])
    assert walk_minutes(a, near, params=p, walk_graph=G)[0, 0] == pytest.approx(
        (30 + 6000 + 1900) / 80.0
    )


def test_municipality_without_a_road_node_is_flagged(G: nx.MultiDiGraph) -> None:
    from shapely.geometry import box

    far = gpd.GeoDataFrame(
        {"istat": ["000009"], "name": ["Nowhere"]},
        geometry=[box(P(12000, 0).x, P(0, 0).y, P(13000, 0).x, P(0, 1000).y)],
        crs=CRS,
    )
    loc = locate_sites(G, far, layer="municipalities")
    # no node inside: the nearest node to the centroid (12.5, 0.5) km is N5 (10, 0) km
    assert loc["node"].iloc[0] == node_at(G, 10000, 0)
    assert loc["snap_m"].iloc[0] == pytest.approx(np.hypot(2500, 500))
    assert loc["snap_flag"].iloc[0] and "no road node inside" in loc["snap_note"].iloc[0]


def test_far_sites_are_named_once_by_id(caplog):
    import logging

    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from seriana_gis.accessibility.run import _warn_far_sites

    gdf = gpd.GeoDataFrame({"id": ["A", "B", "C"]}, geometry=[Point(0, 0)] * 3, crs="EPSG:32632")
    table = pd.DataFrame({"snap_flag": [False, True, True]})
    with caplog.at_level(logging.WARNING, logger="seriana_gis"):
        _warn_far_sites(table, gdf, layer="brownfields")
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    assert "brownfields: 2 feature(s) lie more than 500 m" in messages[0]
    assert "(B, C)" in messages[0]
