"""Benchmark: the size and writing time of the office site, shared assets against self-contained.

Run by hand (results go to the "## Office site" section of benchmarks/README.md)::

    .venv/bin/python benchmarks/bench_office.py --database /tmp/demo/data/seriana.gpkg
    .venv/bin/python benchmarks/bench_office.py --sites 750

With ``--database`` it writes the office site of that territorial database (the
demo's: ``seriana demo --output /tmp/demo`` first); with ``--sites N`` the
synthetic layers of ``tests/test_maps_data.py`` with N irregular brownfield
polygons spread over the four toy municipalities. For each, it writes the site
twice in one run, with one shared copy of the assets and data (the default)
and with every page self-contained (``--self-contained``, the way every page
was written before), and reports pages, size on disk and CPU time of each.
Goals (issue 14): the demo's site ≤ 8 MB; a 750-site site ≤ 80 MB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_maps_data import all_layers, synthetic_brownfields  # noqa: E402

from seriana_gis.database import read_database  # noqa: E402
from seriana_gis.maps import write_office_site  # noqa: E402


def measure(layers: dict, folder: Path, *, self_contained: bool) -> tuple[int, int, float]:
    """Pages, bytes on disk and CPU seconds of one office site."""
    t0 = time.process_time()
    write_office_site(layers, folder, self_contained=self_contained)
    cpu = time.process_time() - t0
    files = [p for p in folder.rglob("*") if p.is_file()]
    pages = sum(1 for p in files if p.suffix == ".html")
    return pages, sum(p.stat().st_size for p in files), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, help="A territorial database (the demo's).")
    parser.add_argument(
        "--sites", type=int, default=750, help="Synthetic sites, without --database."
    )
    args = parser.parse_args()
    if args.database:
        layers = read_database(args.database)
        what = f"{args.database} ({len(layers['brownfields'])} sites)"
    else:
        layers = all_layers()
        layers["brownfields"] = synthetic_brownfields(args.sites)
        what = f"synthetic, {args.sites} sites"
    with tempfile.TemporaryDirectory() as tmp:
        shared = measure(layers, Path(tmp) / "shared", self_contained=False)
        alone = measure(layers, Path(tmp) / "alone", self_contained=True)
    print(f"office site of {what}")
    for name, (pages, size, cpu) in (("shared assets", shared), ("self-contained", alone)):
        print(f"  {name:15s} {pages:5d} pages  {size / 1e6:8.2f} MB  {cpu:6.1f} s CPU")
    print(f"  size ratio self-contained / shared: {alone[1] / shared[1]:.1f}")


if __name__ == "__main__":
    main()
