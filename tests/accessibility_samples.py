"""A tiny synthetic territory with known answers, for the accessibility tests.

Coordinates are UTM 32N metres from an origin ``(X0, Y0)``; every number below
is chosen so that times can be computed by hand:

- roads: an east-west road y = 0 from x = 0 to x = 10 km, nodes every 2 km
  (N0..N5), 60 km/h (1 km/min, 2 min per link); a spur north from N2 (4 km, 0)
  to N6 (4 km, 3 km) at 30 km/h (6 min);
- destinations: ``bergamo`` on N0, ``bgy`` 100 m north of N5 (18 s at 20 km/h),
  ``a4_x`` (motorway_junction) on N4;
- tram T1 along y = 50 m from x = 0 to 6 km, stops every 2 km (S1..S4 from
  x = 0); planned T1_ext from x = 6 to 8.4 km (two placed stops at 1.2 km);
- municipalities M1 = [-1, 5] × [-1, 4] km (1,000 residents, centroid (2, 1.5) km
  → town-centre node N1) and M2 = [5, 11] × [-1, 4] km (3,000, centre N4);
- brownfields: B1 at (2 km, 300 m): 300 m from N1 (54 s at 20 km/h), 250 m from stop S2.
"""

# ruff: noqa: N803  (G: the networkx name for graphs)

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
from shapely.geometry import LineString, Point, box

from seriana_gis.network import graph_from_lines

CRS = "EPSG:32632"
X0, Y0 = 550_000.0, 5_060_000.0


def P(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def L(*xy: tuple[float, float]) -> LineString:
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


def road_lines() -> gpd.GeoDataFrame:
    ids, geoms, hw, speed = [], [], [], []
    for k in range(5):
        ids.append(f"E{k}")
        geoms.append(L((2000 * k, 0), (2000 * (k + 1), 0)))
        hw.append("primary")
        speed.append(60.0)
    ids.append("SPUR")
    geoms.append(L((4000, 0), (4000, 3000)))
    hw.append("tertiary")
    speed.append(30.0)
    return gpd.GeoDataFrame(
        {
            "id": ids,
            "name": [*["Main road"] * 5, "Spur"],
            "ref": [*["SP1"] * 5, None],
            "highway": hw,
            "maxspeed": speed,
            "oneway": False,
        },
        geometry=geoms,
        crs=CRS,
    )


def road_graph() -> nx.MultiDiGraph:
    return graph_from_lines(road_lines(), source="test roads")


def node_at(G: nx.MultiDiGraph, x: float, y: float) -> int:
    for n, d in G.nodes(data=True):
        if abs(d["x"] - (X0 + x)) < 1e-6 and abs(d["y"] - (Y0 + y)) < 1e-6:
            return int(n)
    raise KeyError((x, y))


def destinations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["bergamo", "bgy", "a4_x"],
            "name": ["Station", "Airport", "A4 junction"],
            "kind": ["rail_station", "airport", "motorway_junction"],
        },
        geometry=[P(0, 0), P(10000, 100), P(8000, 0)],
        crs=CRS,
    )


def teb_lines() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["T1", "T1_ext"],
            "name": ["T1", "T1 extension"],
            "status": ["existing", "planned"],
            "length_m": [6000.0, 2400.0],
        },
        geometry=[L((0, 50), (6000, 50)), L((6000, 50), (8400, 50))],
        crs=CRS,
    )


def teb_stops() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["S1", "S2", "S3", "S4"],
            "name": ["Terminus", "Second", "Third", "End"],
            "line": "T1",
            "seq": [1, 2, 3, 4],
            "municipality": ["M1", "M1", "M1", "M2"],
            "status": "existing",
        },
        geometry=[P(0, 50), P(2000, 50), P(4000, 50), P(6000, 50)],
        crs=CRS,
    )


def municipalities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "istat": ["000001", "000002"],
            "name": ["M1", "M2"],
            "zone": "z",
            "population": [1000, 3000],
        },
        geometry=[
            box(X0 - 1000, Y0 - 1000, X0 + 5000, Y0 + 4000),
            box(X0 + 5000, Y0 - 1000, X0 + 11000, Y0 + 4000),
        ],
        crs=CRS,
    )


def brownfields() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["B1"], "name": ["Site one"], "municipality": ["M1"], "area_m2": [1000.0]},
        geometry=[P(2000, 300)],
        crs=CRS,
    )


def layers() -> dict[str, gpd.GeoDataFrame]:
    return {
        "municipalities": municipalities(),
        "brownfields": brownfields(),
        "teb_lines": teb_lines(),
        "teb_stops": teb_stops(),
        "destinations": destinations(),
    }


def sample_database(path: Path) -> Path:
    """The synthetic territory written as a territorial database, with its road graph."""
    from seriana_gis.database import provenance_frame, write_database
    from seriana_gis.network import graph_to_gdfs

    L = layers()
    L["road_nodes"], L["road_edges"] = graph_to_gdfs(road_graph())
    prov = provenance_frame(
        [
            {"layer": n, "source": "test", "feature_count": len(g), "note": "made in code"}
            for n, g in L.items()
        ]
    )
    return write_database(L, path, provenance=prov)


#: A profile and an allocation the synthetic site can be scored with (one criterion,
#: car minutes to bgy on a fixed 0-40 min scale; 100 jobs per hectare).
NEAR_PROFILE = """\
name: near
criteria:
  airport:
    indicator: car_bgy_min
    direction: cost
    standardisation: {method: linear_range, low: 0, high: 40}
    weight: 1
"""
NEAR_ALLOCATION = """\
targets:
  jobs: {value: 5}
uses:
  near: {profile: near, per_ha: {jobs: 100}}
"""


def near_analyses(folder: Path) -> tuple[Path, Path]:
    """Write :data:`NEAR_PROFILE` into ``folder`` and the allocation beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "near.yaml").write_text(NEAR_PROFILE, encoding="utf-8")
    alloc = folder.parent / "near_allocation.yaml"
    alloc.write_text(NEAR_ALLOCATION, encoding="utf-8")
    return folder, alloc
