"""The suitability stage: the checks, the merge, the allocation or why it is skipped, the writes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from seriana_gis._errors import DataError, OutputExistsError
from seriana_gis.database import provenance_frame, read_layer, read_provenance, write_database
from seriana_gis.suitability import parse_profile
from seriana_gis.suitability.allocation import parse_allocation
from seriana_gis.suitability.pipeline import (
    SUITABILITY_TABLES,
    merge_results,
    suitability_sites,
    suitability_stage,
    write_suitability,
)


def _brownfields() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["a", "b", "c"],
            "municipality": ["Albino", "Albino", "Nembro"],
            "car_bgy_min": [10.0, 20.0, 30.0],
            "area_m2": [10_000.0, 20_000.0, 40_000.0],
            "score_p": [9.0, 9.0, 9.0],  # a stale score, replaced by the run
        },
        geometry=[Point(550_000 + 100 * i, 5_060_000) for i in range(3)],
        crs="EPSG:32632",
    )


def _profile(name: str = "p") -> dict[str, object]:
    crit = {"near": {"indicator": "car_bgy_min", "direction": "cost", "weight": 1,
                     "standardisation": {"method": "linear_range", "low": 0, "high": 40}}}  # fmt: skip
    return {name: parse_profile({"name": name, "criteria": crit}, name=name)}


def _allocation(profile: str = "p") -> object:
    # 100 jobs per hectare of the use scored by the profile; target 150 jobs
    return parse_allocation(
        {"targets": {"jobs": {"value": 150}}, "uses": {profile: {"per_ha": {"jobs": 100}}}}
    )


def test_sites_need_travel_times() -> None:
    bf = _brownfields().drop(columns="car_bgy_min")
    with pytest.raises(DataError, match="x.gpkg: .*seriana accessibility"):
        suitability_sites({"brownfields": bf}, where="x.gpkg")
    with pytest.raises(DataError, match="no brownfields layer"):
        suitability_sites({}, where="x.gpkg")


def test_merge_replaces_same_named_columns_and_keeps_the_others() -> None:
    sites = _brownfields().set_index("id")
    before = sites.copy()
    scores = pd.DataFrame({"score_p": [0.5, 0.25, 0.0]}, index=sites.index)
    alloc = pd.DataFrame({"use": ["p", None, None]}, index=sites.index).add_prefix("alloc_")
    merged = merge_results(sites, scores, alloc)
    assert merged["id"].tolist() == ["a", "b", "c"]
    assert merged["score_p"].tolist() == [0.5, 0.25, 0.0]
    assert merged["alloc_use"].tolist()[0] == "p"
    assert merged["area_m2"].tolist() == [10_000.0, 20_000.0, 40_000.0]
    assert merged.crs == sites.crs and merged.geometry.equals(sites.geometry.reset_index(drop=True))
    pd.testing.assert_frame_equal(sites, before)  # the input is not changed


def test_stage_scores_allocates_and_merges() -> None:
    layers = {"brownfields": _brownfields()}
    stage = suitability_stage(layers, _profile(), allocation=_allocation(), n_draws=0)
    # cost on a fixed 0-40 min scale: a 1 - 10/40, b 1 - 20/40, c 1 - 30/40
    np.testing.assert_allclose(stage.brownfields["score_p"], [0.75, 0.5, 0.25])
    # 150 jobs at 100 per ha are reached by b or c alone; with no cap, the most total
    # score is every site used (0.75 + 0.5 + 0.25)
    assert stage.brownfields["alloc_use"].tolist() == ["p", "p", "p"]
    assert stage.allocation.result is not None
    assert stage.allocation.result.total_score == pytest.approx(1.5)
    assert set(stage.tables) == set(SUITABILITY_TABLES)
    assert "suitability (p; seed 0, 0 Monte Carlo draws; best use over p)" in stage.note
    assert layers["brownfields"]["score_p"].tolist() == [9.0, 9.0, 9.0]  # input unchanged


def test_allocation_skipped_when_its_profile_is_not_run(caplog: pytest.LogCaptureFixture) -> None:
    stage = suitability_stage(
        {"brownfields": _brownfields()}, _profile(), allocation=_allocation("q"), n_draws=0
    )
    assert stage.allocation.result is None and "allocation skipped" in stage.allocation.note
    assert "q" in stage.allocation.note and stage.allocation.targets.empty
    assert not any(c.startswith("alloc_") for c in stage.brownfields.columns)
    assert "allocation skipped" in caplog.text


def test_write_updates_the_database_and_writes_every_table(tmp_path) -> None:
    bf = _brownfields()
    prov = provenance_frame([{"layer": "brownfields", "source": "test", "note": "made in code"}])
    db = write_database({"brownfields": bf}, tmp_path / "t.gpkg", provenance=prov)
    stage = suitability_stage({"brownfields": bf}, _profile(), allocation=_allocation(), n_draws=0)
    out = tmp_path / "out"
    write_suitability(stage, database=db, out=out)
    assert read_layer(db, "brownfields")["score_p"].tolist() == [0.75, 0.5, 0.25]
    note = read_provenance(db).set_index("layer").loc["brownfields", "note"]
    assert note.startswith("made in code + suitability (p;")
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in SUITABILITY_TABLES)
    with pytest.raises(OutputExistsError):
        write_suitability(stage, database=db, out=out)


def test_best_use_reads_the_profiles_an_earlier_run_stored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # the database holds q's scores from an earlier run, and a stale allocation
    bf = _brownfields().assign(
        score_q=[0.9, 0.1, np.nan],  # c was not scored for q
        rank_q=[1, 2, None],
        alloc_use=["q", "q", "q"],
        alloc_jobs=[1.0, 2.0, 3.0],
    )
    stage = suitability_stage(
        {"brownfields": bf},
        _profile(),
        allocation=_allocation("q"),
        n_draws=0,
        known=["p", "q", "r"],
    )
    out = stage.brownfields.set_index("id")
    # p: a .75, b .5, c .25 (see above); q stored: a .9, b .1, c none
    assert out["best_use"].tolist() == ["q", "p", "p"]
    np.testing.assert_allclose(out["best_use_margin"], [0.15, 0.4, np.nan])
    assert stage.result.scores["best_use"].tolist() == ["q", "p", "p"]  # the CSV too
    # q's stored columns are kept, p's replaced
    assert out["score_q"].tolist()[:2] == [0.9, 0.1] and out["score_p"].tolist()[0] == 0.75
    assert stage.best_use_note == (
        "best use over p, q (q from an earlier run); not scored yet: r "
        "(run them for a best use over all)"
    )
    assert "not scored yet: r" in caplog.text and "best use over p, q" in stage.note
    # the allocation reads q's stored scores: a and b are scored for q, c is not
    assert stage.allocation.result is not None
    assert set(out["alloc_use"].dropna()) <= {"q"} and pd.isna(out.loc["c", "alloc_use"])


def test_a_skipped_allocation_leaves_no_stale_columns() -> None:
    bf = _brownfields().assign(alloc_use=["p", "p", "p"], alloc_jobs=[1.0, 2.0, 3.0])
    stage = suitability_stage(
        {"brownfields": bf}, _profile(), allocation=_allocation("r"), n_draws=0
    )
    assert stage.allocation.result is None and "r" in stage.allocation.note
    assert not [c for c in stage.brownfields.columns if c.startswith("alloc_")]
