"""The strategic network is plausible where it overlaps the real Bergamo drive network.

Points (WGS84): Bergamo railway station, piazzale Marconi (9.6754, 45.6907); the
east edge of the city, Via Borgo Palazzo at the Bergamo/Seriate/Gorle boundary
(9.7060, 45.6900), where the strategic network has the junction of Via Borgo
Palazzo (ex SS42) with the road to Gorle and OSM has Via Borgo Palazzo itself
(both networks have a road within ~60 m). The car time between them, snap legs
included, on the embedded strategic network must be within 25% of the time on the
OSM drive network of Bergamo (2021-04-17 snapshot in ../shared/data/osm/).
"""

# ruff: noqa: N803  (G: the networkx name for graphs)

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import pytest
from shapely.geometry import Point

from seriana_gis.accessibility import car_minutes, locate_sites
from seriana_gis.network import graph_from_lines, graph_from_osm_file
from seriana_gis.sources.embedded import read_embedded

STATION = (9.6754, 45.6907)
EAST_EDGE = (9.7060, 45.6900)

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def osm_graph(shared_data: Path) -> nx.MultiDiGraph:
    return graph_from_osm_file(shared_data / "osm" / "bergamo_city_2021-04-17_highways.osm.bz2")


def _minutes(G: nx.MultiDiGraph) -> tuple[float, float]:
    pts = gpd.GeoDataFrame(
        {"id": ["station", "east"]}, geometry=[Point(*STATION), Point(*EAST_EDGE)], crs="EPSG:4326"
    )
    loc = locate_sites(G, pts)
    assert (loc["snap_m"] < 100).all()  # both networks have a road there
    m = car_minutes(G, loc, loc)
    return float(m.iloc[0, 1]), float(m.iloc[1, 0])


def test_station_to_east_edge_within_25_percent_of_osm(osm_graph: nx.MultiDiGraph) -> None:
    strategic = graph_from_lines(read_embedded("roads"), source="embedded roads")
    s_out, s_back = _minutes(strategic)
    o_out, o_back = _minutes(osm_graph)
    assert 0 < o_out < 15 and 0 < o_back < 15
    assert abs(s_out - o_out) <= 0.25 * o_out, (s_out, o_out)
    assert abs(s_back - o_back) <= 0.25 * o_back, (s_back, o_back)


def test_lorry_network_of_the_osm_snapshot(osm_graph: nx.MultiDiGraph) -> None:
    """The OSM lorry bans are read and obeyed; streets and town crossings are left out."""
    from seriana_gis.network.hgv import lorry_fit, lorry_graph

    banned = [(u, v, k) for u, v, k, d in osm_graph.edges(keys=True, data=True) if d.get("hgv")]
    # the 2021 snapshot tags a few ways hgv=no or delivery (counted in the raw extract: 10 ways)
    assert banned and all(not lorry_fit(osm_graph.edges[e])[0] for e in banned)
    H = lorry_graph(osm_graph)
    assert not any(H.has_edge(*e) for e in banned)
    classes = {str(d.get("highway")) for _, _, d in H.edges(data=True)}
    assert "residential" not in classes and "tertiary" not in classes and "trunk" in classes
    assert nx.is_strongly_connected(H)
    assert H.number_of_edges() < 0.1 * osm_graph.number_of_edges()
