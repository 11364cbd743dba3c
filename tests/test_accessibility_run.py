"""run_accessibility on the synthetic territory and on the embedded default."""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from accessibility_samples import layers, road_graph

from seriana_gis._errors import DataError
from seriana_gis.accessibility import run_accessibility
from seriana_gis.accessibility.run import strip_results
from seriana_gis.accessibility.transit import TransitParams

LEG = ("access", "wait", "ride", "egress", "feeder_wait", "feeder_ride")


def test_synthetic_run_outputs() -> None:
    G = road_graph()
    L = layers()
    before = {k: v.copy() for k, v in L.items()}
    r = run_accessibility(L, G, destinations=("bergamo", "bgy"), cell_m=500.0)
    bf = r.layers["brownfields"]
    assert isinstance(bf, gpd.GeoDataFrame) and bf.crs == L["brownfields"].crs
    for col in ("car_bgy_min", "transit_bergamo_min", "walk_teb_min", "car_a4_min"):
        assert col in bf.columns
    for col in ("pop_15min", "pop_30min", "hansen_pop", "snap_m", "snap_flag", "road_node"):
        assert col in bf.columns
    assert bf["pop_15min"].iloc[0] == 4000
    assert set(r.layers) == {"brownfields", "municipalities"}  # no tourism layer given
    assert r.isochrones["minutes"].tolist() == [10.0, 20.0, 30.0, 45.0] * 2
    assert set(r.rasters) == {"car_bergamo_min", "car_bgy_min"}
    assert r.od.shape == (2, 1)
    for k, v in L.items():  # inputs unchanged
        assert v.equals(before[k])
    rerun = run_accessibility({**L, **r.layers}, G, destinations=("bergamo",), rasters=False)
    assert "car_bgy_min" not in rerun.layers["brownfields"].columns  # stale columns dropped
    assert strip_results(bf).columns.tolist() == L["brownfields"].columns.tolist()


def test_empty_site_layer_is_skipped_and_missing_layers_are_errors() -> None:
    G = road_graph()
    L = layers()
    L["tourism_assets"] = L["brownfields"].iloc[:0]
    r = run_accessibility(L, G, destinations=("bergamo",), rasters=False)
    assert "tourism_assets" not in r.layers
    del L["municipalities"]
    with pytest.raises(DataError, match="municipalities layer is missing"):
        run_accessibility(L, G)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, nx.MultiDiGraph]:
    from seriana_gis.build import load_territory
    from seriana_gis.config import load_study_area
    from seriana_gis.network import gdfs_to_graph

    cache = Path(tmp_path_factory.mktemp("cache"))
    t = load_territory(load_study_area(), cache_dir=cache)
    G = gdfs_to_graph(t.layers["road_nodes"], t.layers["road_edges"])
    return t.layers, G


def test_embedded_default_is_complete_and_consistent(
    embedded: tuple[dict, nx.MultiDiGraph],
) -> None:
    L, G = embedded
    r = run_accessibility(L, G, rasters=False)
    for name in ("brownfields", "municipalities", "tourism_assets"):
        t = r.tables[name]
        for d in ("bgy", "bergamo"):
            car = t[f"car_{d}_min"]
            assert car.notna().all() and (car > 0).all(), name
            total = t[f"transit_{d}_min"]
            legs = sum(t[f"transit_{d}_{leg}_min"] for leg in LEG)
            ok = total.notna()
            assert np.allclose(total[ok], legs[ok])
            assert (t.loc[~ok, f"transit_{d}_reason"] != "").all()
        assert (t["hansen_pop"] <= t["pop_30min"] + L["municipalities"]["population"].sum()).all()
        assert (t["pop_15min"] <= t["pop_30min"]).all()
    m = r.tables["municipalities"].set_index(L["municipalities"]["name"].to_numpy())
    # Albino boards at the Albino terminus: the whole line (12.45 km, see layers/README.md)
    # at 25 km/h (12.5 km in 30 min)
    assert m.loc["Albino", "transit_bergamo_board"] == "T1_16"
    assert m.loc["Albino", "transit_bergamo_ride_min"] == pytest.approx(
        12.4485 / 25.0 * 60, rel=1e-3
    )
    # the airport by transit takes the airport bus from the station
    assert m.loc["Albino", "transit_bgy_feeder_ride_min"] == 17.5
    assert m.loc["Albino", "transit_bgy_feeder_wait_min"] == 10.0
    ext = run_accessibility(L, G, rasters=False, with_extension=True)
    me = ext.tables["municipalities"].set_index(m.index)
    assert me.loc["Vertova", "walk_teb_min"] < 15 < m.loc["Vertova", "walk_teb_min"]
    # with a car, driving down to Albino stays quicker than walking to the planned stop
    # and riding the extra 6.8 km (the traveller takes the quicker: see the next test)
    assert me.loc["Vertova", "transit_bergamo_min"] <= m.loc["Vertova", "transit_bergamo_min"]
    assert (me.loc["Albino"] == m.loc["Albino"]).all()  # the terminus' trips do not change


def test_the_extension_never_lengthens_a_transit_trip(
    embedded: tuple[dict, nx.MultiDiGraph],
) -> None:
    """Adding planned stops adds choices: no origin may get a longer (or lost) TEB trip."""
    layers, G = embedded
    base = run_accessibility(layers, G, rasters=False)
    ext = run_accessibility(layers, G, with_extension=True, rasters=False)
    for name in ("municipalities", "brownfields"):
        for d, access in itertools.product(("bgy", "bergamo"), ("", "_nocar", "_walk_access")):
            col = f"transit_{d}{access}_min"
            b = base.tables[name][col].to_numpy(dtype=float)
            e = ext.tables[name][col].to_numpy(dtype=float)
            assert not (np.isfinite(b) & ~np.isfinite(e)).any(), (name, d)
            both = np.isfinite(b) & np.isfinite(e)
            assert (e[both] <= b[both] + 1e-9).all(), (name, d, np.max(e[both] - b[both]))
    # on foot (no car, no feeder bus) the extension is what gives Vertova's centre a tram trip
    on_foot = TransitParams(park_and_ride=False, feeder_bus=False)
    base_foot = run_accessibility(layers, G, rasters=False, params=on_foot)
    ext_foot = run_accessibility(layers, G, rasters=False, params=on_foot, with_extension=True)
    munis = layers["municipalities"].reset_index(drop=True)
    i = int(np.flatnonzero(munis["name"].to_numpy() == "Vertova")[0])
    col = "transit_bergamo_min"
    assert np.isnan(base_foot.tables["municipalities"][col].iloc[i])
    assert np.isfinite(ext_foot.tables["municipalities"][col].iloc[i])
