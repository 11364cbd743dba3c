"""Progress of long steps: silent by default, reported to an installed reporter."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from seriana_gis import _progress
from seriana_gis.suitability import load_profiles, run_suitability


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object, float | None]] = []

    def start(self, description: str, total: float | None) -> object:
        self.events.append(("start", description, total))
        return description

    def advance(self, handle: object, amount: float) -> None:
        self.events.append(("advance", handle, amount))

    def stop(self, handle: object) -> None:
        self.events.append(("stop", handle, None))


def test_no_reporter_means_no_output(capsys):
    with _progress.task("quiet", total=3) as advance:
        advance(3)
    assert capsys.readouterr() == ("", "")


def test_monte_carlo_reports_every_draw():
    rng = np.random.default_rng(3)
    n = 12
    sites = pd.DataFrame(
        {
            "car_bgy_min": rng.uniform(5, 60, n),
            "car_bergamo_min": rng.uniform(5, 60, n),
            "transit_bergamo_min": rng.uniform(10, 90, n),
            "car_a4_min": rng.uniform(2, 40, n),
            "walk_teb_min": rng.uniform(1, 40, n),
            "pop_15min": rng.uniform(1_000, 90_000, n),
            "jobs_lost_reach": rng.uniform(1_000, 4_000, n),
            "area_m2": rng.uniform(5_000, 90_000, n),
            "snap_m": rng.uniform(0, 100, n),
            # services excludes the reused sites (analyses/services.yaml): none is
            "status": "dismissed",
        },
        index=[f"S{i}" for i in range(n)],
    )
    # two profiles on the sites' own columns (logistics reads footprints and neighbours)
    services = load_profiles(names=["services"])["services"]
    profiles = {"services": services, "services_b": replace(services, name="services_b")}
    rec = Recorder()
    with _progress.reporting(rec):
        run_suitability(sites, profiles, seed=1, n_draws=250)
    for name in profiles:
        desc = f"Monte Carlo: {name}"
        assert ("start", desc, 250) in rec.events
        assert ("stop", desc, None) in rec.events
        advanced = sum(a for kind, h, a in rec.events if kind == "advance" and h == desc)
        assert advanced == 250
