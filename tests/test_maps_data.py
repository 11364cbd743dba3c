"""Small layers built in code for the map tests and the map benchmark.

Everything is in EPSG:32632 around the Seriana Valley (Alzano Lombardo …
Clusone). Nothing is read from disk.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, Polygon, box

CRS = "EPSG:32632"
#: A point near Albino, EPSG:32632.
X0, Y0 = 560_000.0, 5_066_000.0
XSS = "<img src=x onerror=alert(1)>"
PROFILES = ("logistics", "services", "social_housing")
CRITERIA = ("access_bgy", "teb_distance", "area", "slope")


def municipalities() -> gpd.GeoDataFrame:
    """Four square municipalities, 5 km wide, in a row."""
    rows = []
    for i, (name, pop, idx) in enumerate(
        [
            ("Alzano Lombardo", 13_600, 160.0),
            ("Nembro", 11_500, 170.0),
            ("Albino", 17_900, 155.0),
            ("Gazzaniga", 5_000, 210.0),
        ]
    ):
        rows.append(
            {
                "istat": f"0160{i:02d}",
                "name": name,
                "zone": "bassa valle",
                "area_km2": 25.0,
                "population": pop,
                "density": pop / 25.0,
                "share_65_plus": 0.24,
                "old_age_index": idx,
                "dependency_ratio": 58.0,
                "geometry": box(X0 + 5000 * i, Y0, X0 + 5000 * (i + 1), Y0 + 5000),
            }
        )
    return gpd.GeoDataFrame(rows, crs=CRS)


def brownfields(
    n: int = 6, *, results: bool = True, polygons: bool = True, seed: int = 1
) -> gpd.GeoDataFrame:
    """``n`` brownfields (squares or points) with suitability results; the first is named
    with an HTML injection."""
    rng = np.random.default_rng(seed)
    names = ["Cementificio Italcementi", "Cotonificio Honegger", "Cartiera Pigna"]
    rows = []
    for i in range(n):
        x = X0 + 500 + (i * 739) % 19_000
        y = Y0 + 500 + (i * 1_733) % 4_000
        side = 60 + (i % 7) * 20
        geom = box(x, y, x + side, y + side) if polygons else Point(x + side / 2, y + side / 2)
        row = {
            "id": f"BF{i:05d}",
            "name": XSS if i == 0 else f"{names[i % 3]} {i}",
            "municipality": ["Alzano Lombardo", "Nembro", "Albino", "Gazzaniga"][
                min(3, (i * 739) % 19_000 // 5000)
            ],
            "former_use": ["textile", "cement", "paper", "mechanical"][i % 4],
            "area_m2": float(side * side),
            "status": ["dismissed", "partly_reused", "in_redevelopment", "unknown"][i % 4],
            "geometry": geom,
        }
        if results:
            row["car_bgy_min"] = float(rng.uniform(15, 50))
            row["transit_bergamo_min"] = float(rng.uniform(20, 80))
            row["transit_bergamo_wait_min"] = 3.5  # a leg of the trip, not a destination
            for p in PROFILES:
                contrib = rng.uniform(0, 0.25, len(CRITERIA))
                row[f"score_{p}"] = float(contrib.sum())
                for c, v in zip(CRITERIA, contrib, strict=True):
                    row[f"contrib_{p}_{c}"] = float(v)
        rows.append(row)
    gdf = gpd.GeoDataFrame(rows, crs=CRS)
    if results:
        for p in PROFILES:
            rank = gdf[f"score_{p}"].rank(ascending=False, method="first").astype(int)
            gdf[f"rank_{p}"] = rank
            gdf[f"rank_p05_{p}"] = np.maximum(1, rank - 2)
            gdf[f"rank_p95_{p}"] = np.minimum(n, rank + 2)
        scores = gdf[[f"score_{p}" for p in PROFILES]].to_numpy()
        gdf["best_use"] = [PROFILES[j] for j in scores.argmax(axis=1)]
        gdf["why_logistics"] = [f"Rank {r} of {n} for logistics." for r in gdf["rank_logistics"]]
    return gdf


def teb_lines() -> gpd.GeoDataFrame:
    """The existing T1 line and its planned extension."""
    return gpd.GeoDataFrame(
        {
            "id": ["T1", "T1_ext"],
            "name": ["T1 Bergamo–Albino", "T1 extension"],
            "status": ["existing", "planned"],
            "length_m": [12_000.0, 5_000.0],
            "geometry": [
                LineString([(X0, Y0 + 2500), (X0 + 12_000, Y0 + 2600)]),
                LineString([(X0 + 12_000, Y0 + 2600), (X0 + 17_000, Y0 + 2800)]),
            ],
        },
        crs=CRS,
    )


def teb_stops() -> gpd.GeoDataFrame:
    """Five stops: three existing, two planned."""
    xs = [X0 + 100, X0 + 5000, X0 + 11_900, X0 + 14_000, X0 + 16_900]
    return gpd.GeoDataFrame(
        {
            "id": [f"S{i}" for i in range(5)],
            "name": ["Alzano Centro", "Nembro", "Albino", "Vall'Alta", "Cene"],
            "line": ["T1", "T1", "T1", "T1_ext", "T1_ext"],
            "seq": [1, 2, 3, 4, 5],
            "municipality": ["Alzano Lombardo", "Nembro", "Albino", "Albino", "Gazzaniga"],
            "status": ["existing", "existing", "existing", "planned", "planned"],
            "geometry": [Point(x, Y0 + 2550) for x in xs],
        },
        crs=CRS,
    )


def tourism_assets() -> gpd.GeoDataFrame:
    """Three assets: a heritage point, a museum point and a cycle path."""
    return gpd.GeoDataFrame(
        {
            "id": ["TA1", "TA2", "TA3"],
            "name": [
                "Basilica di San Martino",
                "Museo del Tessile",
                "Ciclovia della Valle Seriana",
            ],
            "category": ["heritage", "museum", "cycle_path"],
            "geometry": [
                Point(X0 + 800, Y0 + 1200),
                Point(X0 + 7000, Y0 + 3000),
                LineString([(X0, Y0 + 2000), (X0 + 19_000, Y0 + 2300)]),
            ],
        },
        crs=CRS,
    )


def destinations() -> gpd.GeoDataFrame:
    """Orio al Serio airport and Bergamo station (placed inside the toy area)."""
    return gpd.GeoDataFrame(
        {
            "id": ["bgy", "bergamo"],
            "name": ["Orio al Serio airport", "Bergamo station"],
            "kind": ["airport", "rail_station"],
            "geometry": [Point(X0 - 2000, Y0 - 3000), Point(X0 - 3000, Y0 + 1000)],
        },
        crs=CRS,
    )


def road_edges() -> gpd.GeoDataFrame:
    """A primary road both ways, a secondary road, a residential street (not drawn), a
    trunk ramp (drawn as trunk)."""
    a, b, c = (X0, Y0 + 2400), (X0 + 10_000, Y0 + 2450), (X0 + 10_000, Y0 + 4000)
    return gpd.GeoDataFrame(
        {
            "u": [1, 2, 2, 3, 4],
            "v": [2, 1, 3, 4, 5],
            "key": [0, 0, 0, 0, 0],
            "length": [10_000.0, 10_000.0, 1550.0, 300.0, 400.0],
            "speed_kph": [70.0, 70.0, 50.0, 30.0, 60.0],
            "travel_time": [514.0, 514.0, 112.0, 36.0, 24.0],
            "highway": [
                "primary",
                "primary",
                "['secondary', 'tertiary']",
                "residential",
                "trunk_link",
            ],
            "name": ["SP35", "SP35", "Via Provinciale", "Via Roma", ""],
            "ref": ["SP35", "SP35", "", "", ""],
            "geometry": [
                LineString([a, b]),
                LineString([b, a]),
                LineString([b, c]),
                LineString([c, (c[0] + 300, c[1])]),
                LineString([(c[0] + 300, c[1]), (c[0] + 600, c[1] + 200)]),
            ],
        },
        crs=CRS,
    )


def isochrones() -> gpd.GeoDataFrame:
    """Two rings (15 and 30 minutes) around each destination."""
    d = destinations()
    rows = []
    for _, r in d.iterrows():
        for minutes, radius in ((15, 4000.0), (30, 9000.0)):
            rows.append(
                {
                    "destination": r["id"],
                    "minutes": minutes,
                    "mode": "car",
                    "geometry": r.geometry.buffer(radius, 16),
                }
            )
    return gpd.GeoDataFrame(rows, crs=CRS)


def all_layers(n_brownfields: int = 6) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the territorial database, with results."""
    return {
        "municipalities": municipalities(),
        "brownfields": brownfields(n_brownfields),
        "teb_lines": teb_lines(),
        "teb_stops": teb_stops(),
        "tourism_assets": tourism_assets(),
        "destinations": destinations(),
        "road_edges": road_edges(),
        "isochrones": isochrones(),
    }


def synthetic_brownfields(n: int, *, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` irregular brownfield polygons (12–40 vertices) with full results, for the benchmark."""
    rng = np.random.default_rng(seed)
    base = brownfields(1, seed=seed).drop(columns="geometry")
    cx = X0 + rng.uniform(0, 20_000, n)
    cy = Y0 + rng.uniform(0, 5000, n)
    geoms = []
    for i in range(n):
        k = int(rng.integers(12, 41))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        r = rng.uniform(30, 120) * rng.uniform(0.7, 1.0, k)
        geoms.append(Polygon(np.column_stack([cx[i] + r * np.cos(ang), cy[i] + r * np.sin(ang)])))
    df = pd.concat([base] * n, ignore_index=True)
    df["id"] = [f"BF{i:05d}" for i in range(n)]
    df["name"] = [f"Area dismessa {i}" for i in range(n)]
    for p in PROFILES:
        contrib = rng.uniform(0, 0.25, (n, len(CRITERIA)))
        for j, c in enumerate(CRITERIA):
            df[f"contrib_{p}_{c}"] = contrib[:, j]
        df[f"score_{p}"] = contrib.sum(axis=1)
        rank = df[f"score_{p}"].rank(ascending=False, method="first").astype(int)
        df[f"rank_{p}"] = rank
        df[f"rank_p05_{p}"] = np.maximum(1, rank - 50)
        df[f"rank_p95_{p}"] = np.minimum(n, rank + 50)
    df["car_bgy_min"] = rng.uniform(15, 50, n)
    df["transit_bergamo_min"] = rng.uniform(20, 80, n)
    return gpd.GeoDataFrame(df, geometry=geoms, crs=CRS)
