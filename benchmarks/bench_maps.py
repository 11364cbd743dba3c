"""Benchmark: a review map with 10,000 synthetic brownfield polygons.

Run by hand (results go to the "## Maps" section of benchmarks/README.md)::

    .venv/bin/python benchmarks/bench_maps.py [--sites 10000] [--runs 3]

It writes the map for the synthetic layers of ``tests/test_maps_data.py``
(10,000 irregular polygons of 12–40 vertices, three suitability profiles with
four criterion contributions each, travel times and Monte Carlo rank
intervals, plus the small context layers), reports the file size, the time to
build and write it, and the time headless Chromium (Debian's, with networking
cut) takes from navigation to the first frame after every layer was drawn.
Targets: under 15 MB, drawn in under 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_maps_data import all_layers, synthetic_brownfields  # noqa: E402

from seriana_gis.maps import write_review_map  # noqa: E402
from seriana_gis.maps.features import SIMPLIFY_TOLERANCE_M  # noqa: E402

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

DRAWN = """
() => new Promise((resolve) => {
  const ids = Object.keys(seriana.layers);
  const counts = Object.fromEntries(ids.map((id) => [id, seriana.layers[id].getLayers().length]));
  requestAnimationFrame(() => requestAnimationFrame(() => resolve([performance.now(), counts])));
})
"""

SWITCH = """
() => new Promise((resolve) => {
  const t0 = performance.now();
  seriana.setMode("brownfields", "score_services");
  requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
})
"""


def browser_time(path: Path, runs: int) -> tuple[list[float], list[float], dict[str, int]]:
    """Milliseconds from navigation to two frames after the map script ran, and to
    switch the brownfields from one profile layer to another (first show)."""
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    switches: list[float] = []
    counts: dict[str, int] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(runs):
            ctx = browser.new_context(viewport={"width": 1280, "height": 800})
            ctx.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort(),
            )
            page = ctx.new_page()
            page.set_default_timeout(120_000)
            page.goto(path.as_uri())
            page.wait_for_function("window.seriana && seriana.map && seriana.map._loaded")
            ms, counts = page.evaluate(DRAWN)
            times.append(ms)
            switches.append(page.evaluate(SWITCH))
            ctx.close()
        browser.close()
    return times, switches, counts


def main() -> None:
    """Build, write and time the benchmark map."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    layers = all_layers()
    layers["brownfields"] = synthetic_brownfields(args.sites)
    vertices = int(layers["brownfields"].geometry.count_coordinates().sum())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_review.html"
        t0 = time.perf_counter()
        write_review_map(layers, path)
        build_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        times, switches, counts = browser_time(path, args.runs)
    print(f"sites: {args.sites} polygons, {vertices} vertices before simplification")
    print(f"simplification tolerance: {SIMPLIFY_TOLERANCE_M} m; coordinates rounded to 1e-5 deg")
    print(f"layers drawn: {counts}")
    print(f"html size: {size_mb:.2f} MB (target < 15 MB)")
    print(f"build + write: {build_s:.2f} s")
    print(
        "chromium navigation -> drawn: "
        + ", ".join(f"{t / 1000:.2f}" for t in times)
        + f" s; median {statistics.median(times) / 1000:.2f} s (target < 5 s)"
    )
    print(
        "switch to another profile layer (built on first show): "
        + ", ".join(f"{t / 1000:.2f}" for t in switches)
        + " s"
    )


if __name__ == "__main__":
    main()
