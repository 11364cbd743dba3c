"""The accessibility stage on the synthetic territory: the scenario merge, the tables, provenance."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from accessibility_samples import X0, Y0, layers, road_graph
from rasterio.transform import rowcol

from seriana_gis._errors import ConfigError, DataError
from seriana_gis.accessibility.pipeline import (
    accessibility_file_names,
    accessibility_provenance,
    accessibility_stage,
    accessibility_tables,
    check_accessibility_inputs,
    walk_network,
)
from seriana_gis.accessibility.run import run_accessibility
from seriana_gis.accessibility.scenarios import parse_scenario
from seriana_gis.config import load_study_area
from seriana_gis.database import provenance_frame


@pytest.fixture(scope="module")
def stage():
    scen = parse_scenario(
        {"name": "slow", "roads": [{"action": "slow", "select": {"id": "E0"}, "speed_kph": 30}]},
        where="test",
    )
    return accessibility_stage(
        layers(), road_graph(), destinations=["bergamo"], scenario=scen, graph_source="test graph"
    )


def test_scenario_deltas_are_merged_into_the_layers(stage) -> None:
    bf = stage.layers["brownfields"]
    # B1 reaches bergamo over E0 (2 km): 2 min at 60 km/h, 4 min at 30 km/h -> +2 min;
    # the run holds the scenario's own time (54 s to N1, 2 min N1->N0 at 60, now 4)
    assert bf["car_bergamo_min"].iloc[0] == pytest.approx(0.9 + 4.0)
    assert bf["delta_car_bergamo_min"].iloc[0] == pytest.approx(2.0)
    assert "delta_car_bergamo_min" not in stage.result.layers["brownfields"].columns
    assert set(stage.database_layers) == {*stage.layers, "isochrones"}
    assert "scenario slow (delta_*" in stage.note and "test graph" in stage.note


def test_a_scenario_run_holds_the_scenarios_isochrones_and_raster(stage) -> None:
    reference = run_accessibility(layers(), road_graph(), destinations=["bergamo"])

    # from the station (N0) E0 takes 4 min instead of 2: in 10 min the main road is
    # reached to x = 8 km instead of its end at 10 km
    def reach(iso: gpd.GeoDataFrame) -> float:
        ten = iso[(iso["destination"] == "bergamo") & (iso["minutes"] == 10)]
        return float(ten.geometry.iloc[0].bounds[2]) - X0

    assert reach(reference.isochrones) > 9_500
    assert 7_500 < reach(stage.result.isochrones) < 8_500
    # every cell reached past E0 (here 9 km along the road) is 2 min later
    ras, ref = stage.result.rasters["car_bergamo_min"], reference.rasters["car_bergamo_min"]
    row, col = rowcol(ras.transform, X0 + 9_000, Y0)
    late = ras.values[row, col] - ref.values[row, col]  # noqa: PD011 (a numpy grid)
    assert late == pytest.approx(2.0, abs=1e-4)


def test_tables_are_the_planned_files(stage) -> None:
    tables = accessibility_tables(stage)
    present = list(stage.layers)
    planned = accessibility_file_names(present, ["bergamo"], scenario="slow")
    rasters = {f"{k}.tif" for k in stage.result.rasters}
    assert set(tables) | rasters == set(planned)
    scen = tables["scenario_slow_brownfields.csv"]
    assert list(scen.columns)[:2] == ["id", "name"] and "delta_car_bergamo_min" in scen.columns
    assert "geometry" not in tables["brownfields.csv"].columns


def test_provenance_replaces_an_earlier_runs_note(stage) -> None:
    old = provenance_frame(
        [{"layer": "brownfields", "source": "census", "note": "sample | accessibility: old run"}]
    )
    prov = accessibility_provenance(old, stage, config_hash="h").set_index("layer")
    assert prov.loc["brownfields", "source"] == "census"
    assert prov.loc["brownfields", "note"] == f"sample | accessibility: {stage.note}"
    assert prov.loc["isochrones", "feature_count"] == len(stage.result.isochrones)
    assert prov.loc["isochrones", "config_hash"] == "h"


def test_provenance_of_a_layer_without_a_note_keeps_one_runs_period(stage) -> None:
    """A layer built without a note: a later run, base or named, says only its own period."""
    earlier = "accessibility: period am_peak (road times and TEB weekday peak headway)"
    old = provenance_frame([{"layer": "brownfields", "source": "census", "note": earlier}])
    for run, note in (("base", stage.note), ("tram-peak", f"run tram-peak: {stage.note}")):
        prov = accessibility_provenance(old, stage, config_hash="h", run=run)
        row = prov.set_index("layer").loc["brownfields" if run == "base" else f"brownfields__{run}"]
        assert row["note"] == f"accessibility: {note}"
        assert row["note"].count("period ") == 1 and "am_peak" not in row["note"]


def test_inputs_checked_before_routing() -> None:
    L = layers()
    with pytest.raises(ConfigError, match="bgx"):
        check_accessibility_inputs(L, ["bgx"])
    with pytest.raises(DataError, match="db.gpkg has no destinations"):
        check_accessibility_inputs({k: v for k, v in L.items() if k != "destinations"}, ["bgy"],
                                   where="db.gpkg")  # fmt: skip


def test_walk_rule() -> None:
    area = load_study_area()  # the embedded strategic network: auto walks straight
    G = road_graph()
    assert walk_network(G, area, walk="auto") is None
    assert walk_network(G, area, walk="straight") is None
    assert walk_network(G, area, walk="roads") is not None
    with pytest.raises(ConfigError, match="walk must be"):
        walk_network(G, area, walk="fly")  # type: ignore[arg-type]


def test_od_table_keeps_its_index(stage, tmp_path: Path) -> None:
    od = accessibility_tables(stage)["od_municipalities_brownfields.csv"]
    assert od.equals(stage.result.od)
    assert isinstance(od, pd.DataFrame)
