"""Routing speed and memory: seriana_gis's engine against networkx and pandana, and its scaling.

Run by hand (not part of the test suite)::

    .venv/bin/python benchmarks/bench_routing.py              # Bergamo + synthetic 250k
    .venv/bin/python benchmarks/bench_routing.py --scaling    # 10k ... 2M nodes, time and memory
    .venv/bin/python benchmarks/bench_routing.py --skip-synthetic --skip-pandana

Graphs:

- ``bergamo``: the real drive network of the Bergamo extract
  (``$SERIANA_SHARED_DATA/osm/bergamo_city_2021-04-17_highways.osm.bz2`` through
  :func:`seriana_gis.network.graph_from_osm_file`);
- ``synthetic``: a road-like graph of ``side × side`` nodes (default 500 × 500 =
  250,000): a grid of 100 m blocks with nodes jittered by up to ±30 m, every
  10th row and column an arterial (70 km/h), other streets 30 or 50 km/h, one
  block in ten with a diagonal, each direction's speed perturbed ±20%. It is
  generated as arrays (:func:`synthetic_arrays`); the networkx graph is built
  from them only where networkx or the graph-taking public calls are measured.

Tasks: (a) travel time from every node to 2 destinations; (b) a 1,000 × 250
origin-destination matrix (random nodes, seeded). For each, three of ours:

- *engine*: the engine's own method (``engine.times_to``, ``engine.od``), all cores;
- *engine, 1 thread*: the same on one thread (what the parallel trees bring);
- *public call*: ``travel_time_to(G, ...)`` / ``od_matrix(G, ...)`` given the
  networkx graph, its engine already cached (what a user or the library calls);

against the fair methods a user would write:

- networkx: (a) ``nx.single_source_dijkstra_path_length`` on ``G.reverse()`` per
  destination; (b) the same from the smaller side, one reverse tree per
  destination (250 trees, not 1,000 forward ones); on the synthetic graph (b)
  is timed on ``--nx-trees`` destinations and extrapolated linearly to 250
  (each tree costs one full Dijkstra).
- pandana 0.8: ``pandana.Network(..., twoway=False)`` (contraction hierarchies,
  its preprocessing timed apart as "setup") then ``shortest_path_lengths`` on the
  250,000 pairs. pandana keeps weights as integer thousandths of their unit, so
  it is given seconds × 100 and its answers divided by 100.

Every result is checked in the same run: networkx to 1e-6 s; pandana to 0.01 s
(its fixed-point quantisation; the largest difference is printed).
``--scaling`` runs each size in a fresh process (so its peak resident memory is
its own): graph arrays, engine built from them (no networkx), OD 1,000 × 250.
"""

# ruff: noqa: N803  (G, R: the networkx names for graphs)

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from seriana_gis.network import (
    NodeTable,
    RoutingEngine,
    get_engine,
    graph_from_osm_file,
    od_matrix,
    travel_time_to,
)

REPO = Path(__file__).resolve().parents[1]
PANDANA_SCALE = 100.0
SHARED = Path(os.environ.get("SERIANA_SHARED_DATA", REPO.parent / "shared" / "data"))


def timed(fn: Callable[[], Any], *, repeat: int = 1, budget_s: float = 0.0) -> tuple[Any, float]:
    """Result of ``fn()`` and its best wall time over ``repeat`` calls, or more within ``budget_s``.

    A call of half a millisecond timed 5 times on a shared machine rarely meets a
    quiet moment; with a budget, calls are repeated until it is spent (at least
    ``repeat`` of them) and the best is kept, so a fixed overhead of tens of
    microseconds is not lost in the noise.
    """
    best = np.inf
    start = time.perf_counter()
    done = 0
    while done < repeat or time.perf_counter() - start < budget_s:
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        done += 1
    return out, best


def synthetic_arrays(
    side: int, *, seed: int = 1
) -> tuple[NodeTable, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A perturbed grid road graph of ``side * side`` nodes as arrays (see the module docs).

    Returns the nodes and, per directed edge, ``u``, ``v`` (node ids), ``length`` (m)
    and ``travel_time`` (s).
    """
    rng = np.random.default_rng(seed)
    step = 100.0
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    ids = (ii * side + jj).ravel()
    x = 500_000 + ii.ravel() * step + rng.uniform(-30, 30, ids.size)
    y = 5_000_000 + jj.ravel() * step + rng.uniform(-30, 30, ids.size)
    h_art = (jj[:-1, :].ravel() % 10) == 0
    v_art = (ii[:, :-1].ravel() % 10) == 0
    bi, bj = ii[:-1, :-1].ravel(), jj[:-1, :-1].ravel()
    pick = rng.random(bi.size) < 0.1
    a = np.concatenate(
        [
            ii[:-1, :].ravel() * side + jj[:-1, :].ravel(),
            ii[:, :-1].ravel() * side + jj[:, :-1].ravel(),
            bi[pick] * side + bj[pick],
        ]
    )
    b = np.concatenate(
        [
            (ii[:-1, :].ravel() + 1) * side + jj[:-1, :].ravel(),
            ii[:, :-1].ravel() * side + jj[:, :-1].ravel() + 1,
            (bi[pick] + 1) * side + bj[pick] + 1,
        ]
    )
    art = np.concatenate([h_art, v_art, np.zeros(pick.sum(), bool)])
    del ii, jj, bi, bj, pick, h_art, v_art
    base = np.where(art, 70.0, rng.choice([30.0, 50.0], size=a.size, p=[0.6, 0.4]))
    length = np.hypot(x[a] - x[b], y[a] - y[b])
    speed = base[None, :] * rng.uniform(0.8, 1.2, (2, a.size))  # one speed per direction
    u = np.concatenate([a, b])
    v = np.concatenate([b, a])
    lengths = np.concatenate([length, length])
    tt = lengths / (speed.ravel() / 3.6)
    nodes = NodeTable(ids=ids.astype(np.int64), x=x, y=y, crs="EPSG:32632")
    return nodes, u, v, lengths, tt


def synthetic_graph(side: int, *, seed: int = 1) -> nx.MultiDiGraph:
    """The graph of :func:`synthetic_arrays` as a networkx MultiDiGraph (osmnx convention)."""
    nodes, u, v, length, tt = synthetic_arrays(side, seed=seed)
    G = nx.MultiDiGraph(crs="EPSG:32632")
    G.add_nodes_from(
        (int(n), {"x": float(a), "y": float(b)})
        for n, a, b in zip(nodes.ids, nodes.x, nodes.y, strict=True)
    )
    G.add_edges_from(
        (int(p), int(q), {"length": float(ln), "travel_time": float(t)})
        for p, q, ln, t in zip(u, v, length, tt, strict=True)
    )
    return G


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.0f}×" if a / b >= 10 else f"{a / b:.1f}×"


def run(
    name: str, G: nx.MultiDiGraph, *, nx_trees: int, pandana: bool, rng: np.random.Generator
) -> list[str]:
    nodes = np.array(list(G.nodes))
    dests2 = [int(n) for n in rng.choice(nodes, 2, replace=False)]
    origins = [int(n) for n in rng.choice(nodes, 1000, replace=False)]
    dests = [int(n) for n in rng.choice(nodes, 250, replace=False)]
    print(f"\n## {name}: {len(G):,} nodes, {G.number_of_edges():,} edges", flush=True)
    rows = []
    small = 5 if len(G) < 50_000 else 1  # sub-second figures: best of 5 calls, both sides
    engine, t_build = timed(lambda: RoutingEngine.from_graph(G), repeat=small)
    get_engine(G)  # the public calls below hit the cache, as every call after the first does
    print(f"engine build from the graph: {t_build:.3g} s", flush=True)
    R = G.reverse(copy=False)

    # (a) all nodes to 2 destinations
    p2 = engine.positions(dests2)
    # best of 5 calls, or of as many as half a second holds (over a thousand on Bergamo)
    _, t_eng = timed(lambda: engine.times_to(p2), repeat=5, budget_s=0.5)
    _, t_eng1 = timed(lambda: engine.times_to(p2, threads=1), repeat=5, budget_s=0.5)
    tt, t_pub = timed(lambda: travel_time_to(G, dests2), repeat=5, budget_s=0.5)
    refs, t_nx = timed(
        lambda: [nx.single_source_dijkstra_path_length(R, d, weight="travel_time") for d in dests2],
        repeat=small,
        budget_s=0.5,
    )
    for d, ref in zip(dests2, refs, strict=True):
        got = tt[d].loc[list(ref)].to_numpy()
        assert np.abs(got - np.array(list(ref.values()))).max() < 1e-6
        assert tt[d].notna().sum() == len(ref)
    rows.append(
        f"| {name} | (a) all nodes → 2 destinations | {t_eng:.3g} | {t_eng1:.3g} | {t_pub:.3g} "
        f"({t_pub / t_eng:.2f}× engine) | {t_nx:.3g} | {_ratio(t_nx, t_pub)} | – |"
    )
    print(rows[-1], flush=True)

    # (b) 1,000 x 250 OD matrix
    po, pd_ = engine.positions(origins), engine.positions(dests)
    _, t_eng = timed(lambda: engine.od(po, pd_), repeat=small)
    _, t_eng1 = timed(lambda: engine.od(po, pd_, threads=1), repeat=small)
    od, t_pub = timed(lambda: od_matrix(G, origins, dests), repeat=small)
    k = min(nx_trees, len(dests))
    sub = dests[:k]

    def nx_smaller_side() -> list[dict[int, float]]:
        out = []
        for d in sub:
            dist = nx.single_source_dijkstra_path_length(R, d, weight="travel_time")
            out.append({o: dist.get(o, np.inf) for o in origins})
        return out

    ref_cols, t_nx_sub = timed(nx_smaller_side)
    t_nx = t_nx_sub * len(dests) / k
    for d, ref in zip(sub, ref_cols, strict=True):
        assert np.abs(od[d].to_numpy() - np.array([ref[o] for o in origins])).max() < 1e-6
    extrap = "" if k == len(dests) else f" ({k} trees timed, ×{len(dests) / k:.0f})"
    pandana_cell = "–"
    if pandana:
        import pandana as pdna
        import pandas as pd

        coo = engine.matrix.tocoo()
        ids = engine.nodes.astype(np.int64)
        xs, ys = engine.node_table.x, engine.node_table.y

        def setup() -> Any:
            return pdna.Network(
                pd.Series(xs, index=ids),
                pd.Series(ys, index=ids),
                pd.Series(ids[coo.row]),
                pd.Series(ids[coo.col]),
                pd.DataFrame({"travel_time": coo.data * PANDANA_SCALE}),
                twoway=False,
            )

        net, t_setup = timed(setup)
        oo = np.repeat(origins, len(dests))
        dd = np.tile(dests, len(origins))
        res, t_q = timed(
            lambda: (
                np.asarray(net.shortest_path_lengths(oo, dd, imp_name="travel_time"))
                / PANDANA_SCALE
            )
        )
        diff = np.abs(res - od.to_numpy().ravel()).max()
        print(f"pandana vs ours: max |difference| {diff:.2e} s", flush=True)
        assert diff < 0.01, diff
        pandana_cell = (
            f"{t_q:.3g} + {t_setup:.3g} setup: {_ratio(t_q + t_setup, t_pub + t_build)} "
            f"ours incl. build (queries alone {_ratio(t_q, t_pub)})"
        )
    rows.append(
        f"| {name} | (b) 1,000 × 250 OD matrix | {t_eng:.3g} | {t_eng1:.3g} | {t_pub:.3g} "
        f"({t_pub / t_eng:.2f}× engine) | {t_nx:.3g}{extrap} | {_ratio(t_nx, t_pub)} | {pandana_cell} |"
    )
    print(rows[-1], flush=True)
    return rows


def write_synthetic_pbf(path: Path, side: int, *, seed: int = 1) -> dict[str, int]:
    """A road-like OSM PBF file whose drive graph has about ``side * side`` nodes.

    A grid of ``side × side`` junctions 100 m apart (jittered ±30 m) around
    (9.0° E, 45.0° N); every other row has a shape node half way along each
    block (removed by the simplification); streets are split into ways of ten
    blocks. Every 10th row and column is a ``primary`` road (``maxspeed=70`` on
    half of them), one street in five ``tertiary``, the others ``residential``;
    one row in seven is one-way (``oneway=-1`` on one in three of those);
    primary crossings carry ``highway=traffic_signals``, a ``stop`` sign stands at
    the end of one residential block in eleven. Written with pyosmium, never
    committed (the benchmark writes it in a temporary folder).
    """
    import osmium

    rng = np.random.default_rng(seed)
    dlat = 100.0 / 111_320.0
    dlon = 100.0 / (111_320.0 * np.cos(np.radians(45.0)))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    lat = 45.0 + (ii + rng.uniform(-0.3, 0.3, ii.shape)) * dlat
    lon = 9.0 + (jj + rng.uniform(-0.3, 0.3, jj.shape)) * dlon
    junction_id = 1 + ii * side + jj  # node ids of the junctions
    shape_rows = np.arange(0, side, 2)
    next_id = side * side + 1
    shape_id = np.zeros((side, max(side - 1, 0)), dtype=np.int64)
    shape_id[shape_rows, :] = next_id + np.arange(len(shape_rows) * (side - 1)).reshape(
        len(shape_rows), side - 1
    )
    n_nodes = side * side + len(shape_rows) * (side - 1)
    w = osmium.SimpleWriter(str(path), overwrite=True)
    signals = (ii % 10 == 0) & (jj % 10 == 0)
    stops = (ii % 11 == 5) & (jj % 10 != 0)
    for i in range(side):
        for j in range(side):
            tags = {}
            if signals[i, j]:
                tags = {"highway": "traffic_signals"}
            elif stops[i, j]:
                tags = {"highway": "stop"}
            w.add_node(
                osmium.osm.mutable.Node(
                    id=int(junction_id[i, j]),
                    location=(float(lon[i, j]), float(lat[i, j])),
                    tags=tags,
                )
            )
    for i in shape_rows:
        for j in range(side - 1):
            w.add_node(
                osmium.osm.mutable.Node(
                    id=int(shape_id[i, j]),
                    location=(
                        float((lon[i, j] + lon[i, j + 1]) / 2),
                        float((lat[i, j] + lat[i, j + 1]) / 2 + 0.1 * dlat),
                    ),
                )
            )
    way_id = 1
    n_ways = 0

    def street_tags(k: int, *, row: bool) -> dict[str, str]:
        if k % 10 == 0:
            tags = {"highway": "primary", "name": f"SP{k}"}
            if k % 20 == 0:
                tags["maxspeed"] = "70"
        elif k % 5 == 2:
            tags = {"highway": "tertiary", "name": f"Via {k}"}
        else:
            tags = {"highway": "residential", "name": f"Via {'r' if row else 'c'}{k}"}
        if row and k % 7 == 3 and k % 10 != 0:
            tags["oneway"] = "-1" if k % 3 == 0 else "yes"
        return tags

    for i in range(side):  # rows, with their shape nodes
        tags = street_tags(i, row=True)
        for start in range(0, side - 1, 10):
            stop = min(start + 10, side - 1)
            refs: list[int] = []
            for j in range(start, stop):
                refs.append(int(junction_id[i, j]))
                if shape_id[i, j]:
                    refs.append(int(shape_id[i, j]))
            refs.append(int(junction_id[i, stop]))
            w.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
            way_id += 1
            n_ways += 1
    for j in range(side):  # columns
        tags = street_tags(j, row=False)
        for start in range(0, side - 1, 10):
            stop = min(start + 10, side - 1)
            refs = [int(junction_id[i, j]) for i in range(start, stop + 1)]
            w.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
            way_id += 1
            n_ways += 1
    w.close()
    return {"osm_nodes": n_nodes, "osm_ways": n_ways}


def one_pbf(path: Path) -> dict[str, float]:
    """PBF → road arrays (no networkx) → speed profile → engine → OD 1,000 × 250, in this process."""
    from seriana_gis.network.annotate import apply_profile_arrays
    from seriana_gis.network.osm_arrays import road_arrays_from_osm_file
    from seriana_gis.network.profile import load_speed_profile

    profile = load_speed_profile(REPO / "layers" / "default" / "speeds.yaml")
    t0 = time.perf_counter()
    net = road_arrays_from_osm_file(path)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    net = apply_profile_arrays(net, profile, time_of_day="off_peak")
    engine = net.engine()
    t_build = time.perf_counter() - t0
    rng = np.random.default_rng(42)
    o = rng.choice(engine.n, 1000, replace=False)
    d = rng.choice(engine.n, 250, replace=False)
    engine.od(o[:1], d[:1])
    _, t_od = timed(lambda: engine.od(o, d))
    return {
        "nodes": engine.n,
        "edges": net.n_edges,
        "read_s": t_read,
        "build_s": t_build,
        "od_s": t_od,
        "peak_mb": peak_rss_mb(),
    }


def one_pbf_networkx(path: Path) -> dict[str, float]:
    """The same through networkx (``graph_from_osm_file`` + ``apply_speed_profile``), for memory."""
    from seriana_gis.network.model import apply_speed_profile
    from seriana_gis.network.profile import load_speed_profile

    profile = load_speed_profile(REPO / "layers" / "default" / "speeds.yaml")
    t0 = time.perf_counter()
    G = apply_speed_profile(graph_from_osm_file(path), profile, time_of_day="off_peak")
    t_read = time.perf_counter() - t0
    engine = get_engine(G)
    return {
        "nodes": engine.n,
        "edges": G.number_of_edges(),
        "read_s": t_read,
        "peak_mb": peak_rss_mb(),
    }


def pbf_scaling(sides: list[int], *, networkx_up_to: int, fmt: str = "osm.pbf") -> list[str]:
    """Each size: a synthetic OSM file written, then read in a fresh process (and through networkx).

    ``fmt``: the file's type by its suffix (``osm.pbf``, or OSM XML ``osm.bz2`` / ``osm``).
    """
    import tempfile

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for side in sides:
            path = Path(tmp) / f"synthetic_{side}.{fmt}"
            t0 = time.perf_counter()
            info = write_synthetic_pbf(path, side)
            print(
                f"wrote {path.name}: {info['osm_nodes']:,} OSM nodes, {info['osm_ways']:,} ways, "
                f"{path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t0:.0f} s",
                flush=True,
            )
            r = _child("--one-pbf", str(path))
            nx_cell = "–"
            if side * side <= networkx_up_to:
                g = _child("--one-pbf-networkx", str(path))
                assert g["nodes"] == r["nodes"] and g["edges"] == r["edges"], (g, r)
                nx_cell = f"{g['read_s']:.1f} s, {g['peak_mb']:,.0f} MB"
            rows.append(
                f"| {info['osm_nodes']:,} | {r['nodes']:,} | {r['edges']:,} | {r['read_s']:.1f} "
                f"| {r['build_s']:.1f} | {r['od_s']:.1f} | {r['peak_mb']:,.0f} | {nx_cell} |"
            )
            print(rows[-1], flush=True)
    return rows


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def peak_rss_mb() -> float:
    """This process's peak resident memory (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_size(side: int) -> dict[str, float]:
    """Arrays → engine (no networkx) → OD 1,000 × 250, in this process."""
    t0 = time.perf_counter()
    nodes, u, v, _, tt = synthetic_arrays(side)
    t_arrays = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = RoutingEngine.from_arrays(nodes, u, v, tt)
    t_build = time.perf_counter() - t0
    del u, v, tt
    rng = np.random.default_rng(42)
    o = rng.choice(engine.n, 1000, replace=False)
    d = rng.choice(engine.n, 250, replace=False)
    engine.od(o[:1], d[:1])  # compiled code loaded, scratch allocated
    _, t_od = timed(lambda: engine.od(o, d))
    return {
        "nodes": engine.n,
        "arcs": engine.matrix.nnz,
        "arrays_s": t_arrays,
        "build_s": t_build,
        "od_s": t_od,
        "peak_mb": peak_rss_mb(),
    }


def scaling(sides: list[int]) -> list[str]:
    rows = []
    for side in sides:
        r = _child("--one-size", str(side))
        rows.append(
            f"| {r['nodes']:,} | {r['arcs']:,} | {r['arrays_s']:.2f} | {r['build_s']:.2f} "
            f"| {r['od_s']:.2f} | {r['peak_mb']:,.0f} |"
        )
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--side", type=int, default=500, help="synthetic grid side (nodes = side²)")
    ap.add_argument("--nx-trees", type=int, default=10, help="networkx OD trees timed (synthetic)")
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--skip-bergamo", action="store_true")
    ap.add_argument("--skip-pandana", action="store_true")
    ap.add_argument("--scaling", action="store_true", help="the scaling table instead")
    ap.add_argument(
        "--sides", default="100,316,500,1000,1415", help="grid sides of the scaling table"
    )
    ap.add_argument(
        "--pbf",
        help="the OSM PBF table instead: comma-separated grid sides of synthetic PBF files",
    )
    ap.add_argument(
        "--osm-format",
        choices=("osm.pbf", "osm.bz2", "osm"),
        default="osm.pbf",
        help="the synthetic files of --pbf as PBF (default) or OSM XML (bz2 or plain)",
    )
    ap.add_argument(
        "--pbf-networkx-up-to",
        type=int,
        default=250_000,
        help="also build through networkx up to this many junctions (its memory)",
    )
    ap.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--one-pbf", help=argparse.SUPPRESS)
    ap.add_argument("--one-pbf-networkx", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()}", file=sys.stderr, flush=True)
    if args.one_size:
        print(json.dumps(one_size(args.one_size)))
        return 0
    if args.one_pbf:
        print(json.dumps(one_pbf(Path(args.one_pbf))))
        return 0
    if args.one_pbf_networkx:
        print(json.dumps(one_pbf_networkx(Path(args.one_pbf_networkx))))
        return 0
    if args.pbf:
        rows = pbf_scaling(
            [int(s) for s in args.pbf.split(",")],
            networkx_up_to=args.pbf_networkx_up_to,
            fmt=args.osm_format,
        )
        print(
            f"\n| OSM nodes | graph nodes | edges | .{args.osm_format} → arrays s "
            "| profile + engine s "
            "| OD 1,000 × 250 s | peak MB | networkx path: build, peak MB |"
        )
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(rows))
        print(f"load average at end: {os.getloadavg()}", file=sys.stderr)
        return 0
    if args.scaling:
        rows = scaling([int(s) for s in args.sides.split(",")])
        print("\n| nodes | arcs | arrays s | engine build s | OD 1,000 × 250 s | peak MB |")
        print("|---|---|---|---|---|---|")
        print("\n".join(rows))
        print(f"load average at end: {os.getloadavg()}", file=sys.stderr)
        return 0
    rng = np.random.default_rng(42)
    rows = []
    bz2 = SHARED / "osm" / "bergamo_city_2021-04-17_highways.osm.bz2"
    if args.skip_bergamo:
        pass
    elif bz2.exists():
        G, t = timed(lambda: graph_from_osm_file(bz2))
        print(f"Bergamo graph built in {t:.1f} s", flush=True)
        rows += run("Bergamo drive", G, nx_trees=250, pandana=not args.skip_pandana, rng=rng)
    else:
        print(f"{bz2} not found: Bergamo skipped", file=sys.stderr)
    if not args.skip_synthetic:
        G, t = timed(lambda: synthetic_graph(args.side))
        print(f"synthetic graph built in {t:.1f} s", flush=True)
        rows += run(
            f"synthetic {args.side}×{args.side}",
            G,
            nx_trees=args.nx_trees,
            pandana=not args.skip_pandana,
            rng=rng,
        )
    print(
        "\n| graph | task | engine s | engine 1 thread s | public call s | networkx s "
        "| networkx ÷ public call | pandana: query + setup s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"load average at end: {os.getloadavg()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
