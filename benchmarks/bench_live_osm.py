"""Live OSM (a local Overpass stand-in) into road arrays against osmnx's networkx path.

Run by hand (not part of the test suite)::

    .venv/bin/python benchmarks/bench_live_osm.py --sides 100,316

For each grid side, the synthetic OSM file of ``bench_routing.py``
(:func:`bench_routing.write_synthetic_pbf`, written in a temporary folder) is
turned into the Overpass JSON a ``(way[...];>;);out;`` query returns
(``tests/_overpass_stub.py``), served on 127.0.0.1 by the tests' Overpass
stand-in, and downloaded for a study area 2 % inside the grid on each side (so
osmnx's truncation works), in a fresh process each:
:func:`seriana_gis.network.overpass_arrays.fetch_road_arrays` (arrays, no
networkx) and :func:`seriana_gis.network.fetch_roads` (osmnx's graph), each
with its own empty cache. Prints the time of the download and build, the peak
resident memory of the process, and checks both give the same node and edge counts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def one(kind: str, url: str, cache: str, bounds: tuple[float, float, float, float]) -> None:
    """Download and build in this process; print the figures as JSON."""
    from shapely.geometry import box

    from seriana_gis.network import fetch_roads
    from seriana_gis.network.overpass_arrays import fetch_road_arrays

    poly = box(*bounds)
    t0 = time.perf_counter()
    if kind == "arrays":
        net = fetch_road_arrays(poly, cache_dir=cache, overpass_url=url)
        nodes, edges = len(net), net.n_edges
    else:
        G = fetch_roads(poly, cache_dir=cache, overpass_url=url)
        nodes, edges = len(G), G.number_of_edges()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"nodes": nodes, "edges": edges, "s": seconds, "peak_mb": peak}))


def run(side: int, tmp: Path) -> str:
    """One row of the table: the stand-in serves the grid of ``side``; both paths download it."""
    sys.path[:0] = [str(REPO / "tests"), str(REPO / "benchmarks")]
    from _overpass_stub import OverpassStub, overpass_json_from_osm
    from bench_routing import write_synthetic_pbf

    from seriana_gis.network.graph import is_drivable

    pbf = tmp / f"synthetic_{side}.osm.pbf"
    write_synthetic_pbf(pbf, side)
    response = overpass_json_from_osm(
        pbf, bbox=(-180, -90, 180, 90), keep=lambda t: "highway" in t and is_drivable(t)
    )
    nodes = [e for e in response["elements"] if e["type"] == "node"]
    lons, lats = [e["lon"] for e in nodes], [e["lat"] for e in nodes]
    dx, dy = 0.02 * (max(lons) - min(lons)), 0.02 * (max(lats) - min(lats))
    bounds = (min(lons) + dx, min(lats) + dy, max(lons) - dx, max(lats) - dy)
    got: dict[str, dict[str, Any]] = {}
    with OverpassStub(response) as stub:
        for kind in ("arrays", "networkx"):
            cache = tmp / f"cache_{kind}_{side}"
            out = subprocess.run(
                [sys.executable, __file__, "--one", kind, stub.url, str(cache), *map(str, bounds)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            got[kind] = json.loads(out.strip().splitlines()[-1])
    a, g = got["arrays"], got["networkx"]
    assert (a["nodes"], a["edges"]) == (g["nodes"], g["edges"]), got
    return (
        f"| {len(nodes):,} | {a['nodes']:,} | {a['edges']:,} | {a['s']:.1f} | {a['peak_mb']:,.0f} "
        f"| {g['s']:.1f} | {g['peak_mb']:,.0f} |"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sides", default="100,316", help="comma-separated grid sides")
    ap.add_argument("--one", nargs=7, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        kind, url, cache, *b = args.one
        one(kind, url, cache, (float(b[0]), float(b[1]), float(b[2]), float(b[3])))
        return 0
    print(f"load average at start: {os.getloadavg()}", file=sys.stderr, flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for side in (int(s) for s in args.sides.split(",")):
            rows.append(run(side, Path(tmp)))
            print(rows[-1], flush=True)
    print(
        "\n| OSM nodes served | graph nodes | edges | arrays: download + build s | arrays: peak MB "
        "| networkx (osmnx): s | networkx: peak MB |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"load average at end: {os.getloadavg()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
