"""``seriana batch``: three small territories and a scenario on a local dask cluster of 2 workers."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from typer.testing import CliRunner

from seriana_gis import batch
from seriana_gis._errors import DataWarning
from seriana_gis.batch import BatchJob, BatchSettings, batch_jobs, gather, run_job
from seriana_gis.cli import app
from seriana_gis.config import load_study_area

SCENARIO = Path(__file__).resolve().parents[1] / "analyses" / "scenarios" / "ss671_closed.yaml"

# one municipality in each zone of the study, so that the shipped job-loss scenario (the
# valley's zones) gives the jobs_lost criterion and the job targets here too; on zones of
# their own it is left out with a warning (tests/test_another_territory.py)
ZONES = ("lower_valley", "parre_ponte_nossa", "upper_valley", "bergamo_area")
TERRITORIES = {
    "nembro": ["Nembro", "Parre", "Clusone", "Seriate"],
    "albino": ["Albino", "Ponte Nossa", "Ardesio", "Gorle"],
    "ranica": ["Ranica", "Parre", "Rovetta", "Orio al Serio"],
}


def _config(folder: Path, name: str, municipalities: list[str]) -> Path:
    lines = [f"name: {name}", f"title: {name.title()}", "year: 2023", "province: BG", "zones:"]
    for zone, m in zip(ZONES, municipalities, strict=True):
        lines += [f"  {zone}:", f"    label: {zone}", "    municipalities:", f"      - {m}"]
    lines.append("destinations: [bgy, bergamo]")
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("territories")
    return [_config(folder, n, m) for n, m in TERRITORIES.items()]


@pytest.mark.slow
def test_batch_on_a_local_cluster_of_two_workers(configs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "batch"
    # three jobs (each territory with the scenario: its base run and the deltas); two workers
    args = ["batch", *map(str, configs), "--scenario", str(SCENARIO), "--no-base"]
    args += ["--out", str(out), "--workers", "2", "--draws", "20", "--cache", str(tmp_path / "c")]
    args += ["--time-of-day", "am_peak"]  # one period: the peak roads and the peak tram
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    runs = {f"{t}__ss671_closed" for t in TERRITORIES}
    listed = set(pyogrio.list_layers(out / "batch.gpkg")[:, 0])
    assert {"brownfields", "municipalities", "isochrones", "stability", "sources"} <= listed
    for layer in ("brownfields", "municipalities", "isochrones"):
        gpkg = gpd.read_file(out / "batch.gpkg", layer=layer)
        parquet = gpd.read_parquet(out / f"{layer}.parquet")
        assert set(gpkg["run"]) == runs == set(parquet["run"])
        assert len(gpkg) == len(parquet) and parquet.crs == gpkg.crs
    munis = gpd.read_parquet(out / "municipalities.parquet")
    # each territory's own municipalities, each with its travel times
    for t, names in TERRITORIES.items():
        got = munis.loc[munis["territory"] == t, "name"]
        assert sorted(got) == sorted(names)
    assert munis["car_bgy_min"].notna().all()
    assert (munis["scenario"] == "ss671_closed").all()
    bf = gpd.read_parquet(out / "brownfields.parquet")
    assert "delta_car_bgy_min" in bf.columns and "score_logistics" in bf.columns
    stab = pd.read_parquet(out / "stability.parquet")
    assert set(stab["run"]) == runs
    sources = pd.read_parquet(out / "sources.parquet")
    assert {"municipalities", "brownfields", "road_edges"} <= set(sources["layer"])
    # the tram waited for at its weekday peak headway, 7 min (L'Eco di Bergamo, 2020)
    assert set(munis["transit_bergamo_wait_min"].dropna()) == {7.0 / 2}
    notes = sources.loc[sources["layer"] == "municipalities", "note"]
    assert len(notes) and all(
        "period am_peak (road times and TEB weekday peak headway)" in n for n in notes
    )
    # a worker's result equals the same job run here, without dask
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # features outside the small territory
        here = run_job(
            BatchJob(name="nembro__ss671_closed", config=configs[0], scenario=SCENARIO),
            BatchSettings(draws=20, cache_dir=tmp_path / "c", time_of_day="am_peak"),
        )
    layers, _ = gather([here])
    for layer, key in (("municipalities", "istat"), ("brownfields", "id")):
        mine = layers[layer].sort_values(key)
        theirs = gpd.read_parquet(out / f"{layer}.parquet")
        theirs = theirs[theirs["run"] == "nembro__ss671_closed"].sort_values(key)
        assert list(mine[key]) == list(theirs[key])
        for col in ("car_bgy_min", "delta_car_bgy_min"):
            np.testing.assert_allclose(mine[col], theirs[col], equal_nan=True)
    mine_bf = layers["brownfields"].sort_values("id")["score_logistics"]
    theirs_bf = bf[bf["territory"] == "nembro"].sort_values("id")["score_logistics"]
    np.testing.assert_allclose(mine_bf, theirs_bf, equal_nan=True)


def test_bad_input_stops_before_any_work(
    configs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nzones: {a: {municipalities: [Nowhere]}}\nprovince: BG\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["batch", str(configs[0]), str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "bad.yaml" in result.output
    # two territories with the same name
    result = runner.invoke(app, ["batch", str(configs[0]), str(configs[0])])
    assert result.exit_code == 2 and "two runs are named 'nembro'" in result.output
    # an unreachable scheduler: one message, exit 2
    monkeypatch.setattr(batch, "SCHEDULER_TIMEOUT_S", 2)
    result = runner.invoke(
        app,
        [
            "batch",
            str(configs[0]),
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2 and "dask scheduler" in result.output
    assert not (tmp_path / "o").exists()


def test_jobs_are_territories_times_scenarios(configs: list[Path]) -> None:
    jobs = batch_jobs(configs[:2], [SCENARIO])
    assert [j.name for j in jobs] == [
        "nembro",
        "nembro__ss671_closed",
        "albino",
        "albino__ss671_closed",
    ]
    assert [j.name for j in batch_jobs(configs[:1], [SCENARIO], base=False)] == [
        "nembro__ss671_closed"
    ]
    assert load_study_area(jobs[0].config).name == "nembro"
