"""Routing speed: seriana_gis's compiled engine against networkx and pandana.

Run by hand (not part of the test suite)::

    .venv/bin/python benchmarks/bench_routing.py            # both graphs
    .venv/bin/python benchmarks/bench_routing.py --side 200 # a smaller synthetic graph

Graphs:

- ``bergamo``: the real drive network of the Bergamo extract
  (``$SERIANA_SHARED_DATA/osm/bergamo_city_2021-04-17_highways.osm.bz2`` through
  :func:`seriana_gis.network.graph_from_osm_file`);
- ``synthetic``: a road-like graph of ``side × side`` nodes (default 500 × 500 =
  250,000): a grid of 100 m blocks with nodes jittered by up to ±30 m, every
  10th row and column an arterial (70 km/h), other streets 30 or 50 km/h, one
  block in ten with a diagonal, each direction's speed perturbed ±20%.

Tasks: (a) travel time from every node to 2 destinations; (b) a 1,000 × 250
origin-destination matrix (random nodes, seeded). Competitors:

- networkx as a user of osmnx would write it: (a)
  ``nx.single_source_dijkstra_path_length`` on ``G.reverse()`` per destination; (b)
  a loop over origins with ``nx.single_source_dijkstra_path_length(G, o)``. On the
  synthetic graph (b) is timed on ``--nx-origins`` origins and extrapolated
  linearly to 1,000 (each origin costs one full Dijkstra, so the cost is linear).
- pandana 0.8: ``pandana.Network(..., twoway=False)`` (contraction hierarchies,
  preprocessing timed apart) and ``Network.shortest_path_lengths`` on the
  250,000 pairs. ``OMP_NUM_THREADS=1`` is set below so all three run on one core.
  pandana 0.8 keeps edge weights as integer thousandths of their unit (0.0004 is
  routed as 0.001, 1.23456 as 1.234), so it is given travel times in units of
  10 ms × 1e-3 (seconds × 100) and its answers divided by 100: its quantisation
  is then 1e-5 s per edge.

Every result is checked against the others: networkx to 1e-6 s; pandana to
0.01 s (its fixed-point quantisation; the largest difference is printed).
Speed-ups are networkx time / our time, from one run.
"""

# ruff: noqa: N803  (G, R: the networkx names for graphs)

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from seriana_gis.network import RoutingEngine, graph_from_osm_file, od_matrix, travel_time_to

REPO = Path(__file__).resolve().parents[1]
PANDANA_SCALE = 100.0
SHARED = Path(os.environ.get("SERIANA_SHARED_DATA", REPO.parent / "shared" / "data"))


def timed(fn: Callable[[], Any], *, repeat: int = 1) -> tuple[Any, float]:
    """Result of ``fn()`` and its best wall time over ``repeat`` calls."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def synthetic_graph(side: int, *, seed: int = 1) -> nx.MultiDiGraph:
    """A perturbed grid road graph of ``side * side`` nodes (see the module docs)."""
    rng = np.random.default_rng(seed)
    step = 100.0
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    ids = (ii * side + jj).ravel()
    x = 500_000 + ii.ravel() * step + rng.uniform(-30, 30, ids.size)
    y = 5_000_000 + jj.ravel() * step + rng.uniform(-30, 30, ids.size)
    pairs = []
    # horizontal and vertical streets
    h = (
        ii[:-1, :].ravel() * side + jj[:-1, :].ravel(),
        (ii[:-1, :].ravel() + 1) * side + jj[:-1, :].ravel(),
    )
    v = (
        ii[:, :-1].ravel() * side + jj[:, :-1].ravel(),
        ii[:, :-1].ravel() * side + jj[:, :-1].ravel() + 1,
    )
    h_art = (jj[:-1, :].ravel() % 10) == 0
    v_art = (ii[:, :-1].ravel() % 10) == 0
    pairs.append((h[0], h[1], h_art))
    pairs.append((v[0], v[1], v_art))
    # diagonals in one block of ten
    bi, bj = ii[:-1, :-1].ravel(), jj[:-1, :-1].ravel()
    pick = rng.random(bi.size) < 0.1
    pairs.append(
        (
            bi[pick] * side + bj[pick],
            (bi[pick] + 1) * side + bj[pick] + 1,
            np.zeros(pick.sum(), bool),
        )
    )
    u = np.concatenate([p[0] for p in pairs])
    w = np.concatenate([p[1] for p in pairs])
    art = np.concatenate([p[2] for p in pairs])
    base = np.where(art, 70.0, rng.choice([30.0, 50.0], size=u.size, p=[0.6, 0.4]))
    length = np.hypot(x[u] - x[w], y[u] - y[w])
    G = nx.MultiDiGraph(crs="EPSG:32632")
    G.add_nodes_from(
        (int(n), {"x": float(a), "y": float(b)}) for n, a, b in zip(ids, x, y, strict=True)
    )
    for a, b in ((u, w), (w, u)):
        speed = base * rng.uniform(0.8, 1.2, u.size)
        tt = length / (speed / 3.6)
        G.add_edges_from(
            (int(p), int(q), {"length": float(ln), "speed_kph": float(s), "travel_time": float(t)})
            for p, q, ln, s, t in zip(a, b, length, speed, tt, strict=True)
        )
    return G


def run(name: str, G: nx.MultiDiGraph, *, nx_origins: int, rng: np.random.Generator) -> list[str]:
    nodes = np.array(list(G.nodes))
    dests2 = [int(n) for n in rng.choice(nodes, 2, replace=False)]
    origins = [int(n) for n in rng.choice(nodes, 1000, replace=False)]
    dests = [int(n) for n in rng.choice(nodes, 250, replace=False)]
    print(f"\n## {name}: {len(G):,} nodes, {G.number_of_edges():,} edges", flush=True)
    rows = []

    # sub-second measurements are the best of 5 calls (both sides), longer ones a single call
    small = 5 if len(G) < 50_000 else 1
    engine, t_build = timed(lambda: RoutingEngine.from_graph(G), repeat=small)
    print(f"engine build (CSR): {t_build:.3g} s", flush=True)

    # (a) all nodes to 2 destinations
    tt, t_ours_a = timed(lambda: travel_time_to(engine, dests2), repeat=5)
    R = G.reverse(copy=False)
    refs, t_nx_a = timed(
        lambda: [nx.single_source_dijkstra_path_length(R, d, weight="travel_time") for d in dests2],
        repeat=small,
    )
    for d, ref in zip(dests2, refs, strict=True):
        got = tt[d].loc[list(ref)].to_numpy()
        assert np.abs(got - np.array(list(ref.values()))).max() < 1e-6
        assert tt[d].notna().sum() == len(ref)
    rows.append(
        f"| {name} | (a) all nodes → 2 destinations | {t_ours_a:.3g} | {t_build + t_ours_a:.3g} "
        f"| {t_nx_a:.3g} | {t_nx_a / t_ours_a:.0f}× ({t_nx_a / (t_build + t_ours_a):.0f}×) | – | – |"
    )
    print(rows[-1], flush=True)

    # (b) 1,000 x 250 OD matrix
    od, t_ours_b = timed(lambda: od_matrix(engine, origins, dests), repeat=small)
    n_nx = min(nx_origins, len(origins))
    sub = origins[:n_nx]

    def nx_loop() -> list[dict[int, float]]:
        out = []
        for o in sub:
            dist = nx.single_source_dijkstra_path_length(G, o, weight="travel_time")
            out.append({d: dist.get(d, np.inf) for d in dests})
        return out

    ref_rows, t_nx_sub = timed(nx_loop)
    t_nx_b = t_nx_sub * len(origins) / n_nx
    for o, ref in zip(sub, ref_rows, strict=True):
        assert np.abs(od.loc[o, dests].to_numpy() - np.array([ref[d] for d in dests])).max() < 1e-6
    extrap = (
        "" if n_nx == len(origins) else f" (timed on {n_nx} origins, ×{len(origins) / n_nx:.0f})"
    )

    # pandana on the same matrix, on the same least-weight arcs
    import pandana
    import pandas as pd

    coo = engine.matrix.tocoo()
    node_ids = engine.nodes.astype(np.int64)
    edges = pd.DataFrame({"travel_time": coo.data * PANDANA_SCALE})

    def pandana_setup() -> Any:
        return pandana.Network(
            pd.Series(np.array([G.nodes[n]["x"] for n in node_ids]), index=node_ids),
            pd.Series(np.array([G.nodes[n]["y"] for n in node_ids]), index=node_ids),
            pd.Series(node_ids[coo.row]),
            pd.Series(node_ids[coo.col]),
            edges,
            twoway=False,
        )

    net, t_pd_setup = timed(pandana_setup)
    oo = np.repeat(origins, len(dests))
    dd = np.tile(dests, len(origins))
    pd_res, t_pd = timed(
        lambda: (
            np.asarray(net.shortest_path_lengths(oo, dd, imp_name="travel_time")) / PANDANA_SCALE
        )
    )
    ours = od.to_numpy().ravel()
    diff = np.abs(pd_res - ours)
    print(f"pandana vs ours: max |difference| {diff.max():.2e} s", flush=True)
    assert diff.max() < 0.01, diff.max()
    rows.append(
        f"| {name} | (b) 1,000 × 250 OD matrix | {t_ours_b:.3g} | {t_build + t_ours_b:.3g} "
        f"| {t_nx_b:.3g}{extrap} | {t_nx_b / t_ours_b:.0f}× ({t_nx_b / (t_build + t_ours_b):.0f}×) "
        f"| {t_pd:.3g} + {t_pd_setup:.3g} setup | {t_pd / t_ours_b:.2f} ({(t_pd + t_pd_setup) / (t_build + t_ours_b):.2f}) |"
    )
    print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--side", type=int, default=500, help="synthetic grid side (nodes = side²)")
    ap.add_argument(
        "--nx-origins", type=int, default=10, help="networkx OD origins timed (synthetic)"
    )
    ap.add_argument("--skip-synthetic", action="store_true")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(42)
    rows = []
    bz2 = SHARED / "osm" / "bergamo_city_2021-04-17_highways.osm.bz2"
    if bz2.exists():
        G, t = timed(lambda: graph_from_osm_file(bz2))
        print(f"Bergamo graph built in {t:.1f} s", flush=True)
        rows += run("Bergamo drive", G, nx_origins=1000, rng=rng)
    else:
        print(f"{bz2} not found: Bergamo skipped", file=sys.stderr)
    if not args.skip_synthetic:
        G, t = timed(lambda: synthetic_graph(args.side))
        print(f"synthetic graph built in {t:.1f} s", flush=True)
        rows += run(f"synthetic {args.side}×{args.side}", G, nx_origins=args.nx_origins, rng=rng)
    print(
        "\n| graph | task | ours query s | ours incl. engine build s | networkx s "
        "| speed-up vs networkx (incl. build) | pandana s | pandana / ours (incl. setup+build) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
