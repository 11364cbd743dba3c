"""The economy layer: published figures by territory, or ISTAT's by municipality; map and QGIS styles."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from seriana_gis._errors import DataError
from seriana_gis.economy import load_published, load_scenario
from seriana_gis.economy.geo import economy_layer
from seriana_gis.export.styles import default_styles
from seriana_gis.maps.review import review_map


def _munis() -> gpd.GeoDataFrame:
    # one square municipality per zone of the shipped scenario, plus the Bergamo area
    zones = ["lower_valley", "parre_ponte_nossa", "upper_valley", "bergamo_area"]
    return gpd.GeoDataFrame(
        {
            "istat": ["016004", "016158", "016077", "016024"],
            "name": ["Albino", "Parre", "Clusone", "Bergamo"],
            "zone": zones,
            "population": [18000, 2800, 8800, 120000],
        },
        geometry=[box(560000 + 5000 * i, 5060000, 564000 + 5000 * i, 5064000) for i in range(4)],
        crs="EPSG:32632",
    )


def test_territory_level_carries_only_the_published_figures() -> None:
    munis = _munis()
    layer = economy_layer(munis, published=load_published(), scenario=load_scenario())
    g = layer.set_index("territory")
    assert list(g.index) == ["valley", "lower_valley", "upper_valley"]
    assert (g["level"] == "territory").all()
    # the study's figures, and the location quotient 50 / 15 of textiles in manufacturing
    assert g.loc["valley", "manufacturing_share"] == pytest.approx(0.475)
    assert g.loc["upper_valley", "textile_lq"] == 3.33  # 50 / 15, rounded to 2 decimals
    assert g.loc["lower_valley", "employment_change_pct"] == pytest.approx(3.4)
    assert g.loc["upper_valley", "employment_change_pct"] == pytest.approx(12.3)
    assert g.loc["valley", "jobs_lost"] == 5000
    # nothing spread from the valley onto its parts
    assert np.isnan(g.loc["lower_valley", "manufacturing_share"])
    assert np.isnan(g.loc["lower_valley", "jobs_lost"])
    # the upper valley is Parre, Ponte Nossa and the upper valley zone
    assert g.loc["upper_valley", "geometry"].area == pytest.approx(2 * 4000 * 4000)


def _employment() -> pd.DataFrame:
    rows = [
        # territory, ateco, employees
        ("016004", "TOTAL", 1000.0),
        ("016004", "C", 500.0),
        ("016004", "13", 200.0),
        ("016158", "TOTAL", 100.0),
        ("016158", "C", 80.0),
        ("016077", "TOTAL", 400.0),
        ("016077", "C", 100.0),
        ("016077", "13", 50.0),
        ("016024", "TOTAL", 5000.0),
        ("ITC46", "TOTAL", 100000.0),
        ("ITC46", "C", 40000.0),
        ("ITC46", "13", 5000.0),
    ]
    return pd.DataFrame(
        {
            "territory": [r[0] for r in rows],
            "level": ["province" if r[0] == "ITC46" else "municipality" for r in rows],
            "year": 2011,
            "ateco": [r[1] for r in rows],
            "local_units": np.nan,
            "employees": [r[2] for r in rows],
            "source": "test",
        }
    )


def test_municipal_level_by_hand() -> None:
    layer = economy_layer(
        _munis(), published=load_published(), scenario=load_scenario(), employment=_employment()
    )
    g = layer.set_index("territory")
    assert (g["level"] == "municipality").all()
    assert g.loc["016004", "manufacturing_share"] == pytest.approx(0.5)
    # textiles 200 / 1000 = 0.2 against the province's 5000 / 100000 = 0.05
    assert g.loc["016004", "textile_lq"] == pytest.approx(4.0)
    assert g.loc["016158", "textile_lq"] == 0.0  # divisions listed, none in textiles
    # 5,000 jobs by exposure (textiles 200 in Albino, 0 in Parre, 50 in Clusone): 4,000 + 1,000
    assert g.loc["016004", "jobs_lost"] == 4000
    assert g.loc["016077", "jobs_lost"] == 1000
    assert g.loc["016158", "jobs_lost"] == 0
    assert np.isnan(g.loc["016024", "jobs_lost"])  # Bergamo is outside the scenario's valley


def test_municipal_level_needs_the_province_and_every_municipality() -> None:
    emp = _employment()
    with pytest.raises(DataError, match="ITC46"):
        economy_layer(
            _munis(),
            published=load_published(),
            scenario=load_scenario(),
            employment=emp[emp["territory"] != "ITC46"],
        )
    with pytest.raises(DataError, match="016158"):
        economy_layer(
            _munis(),
            published=load_published(),
            scenario=load_scenario(),
            employment=emp[emp["territory"] != "016158"],
        )


def test_the_layer_on_the_review_map_and_in_qgis_styles() -> None:
    munis = _munis()
    layer = economy_layer(munis, published=load_published(), scenario=load_scenario())
    html = review_map({"municipalities": munis, "economy": layer}).get_root().render()
    for lid in ("manufacturing_share", "textile_lq", "employment_change_pct", "jobs_lost"):
        assert f"economy_{lid}" in html
    styles = default_styles("economy", layer)
    assert [s.attribute for s in styles] == [
        "manufacturing_share",
        "textile_lq",
        "employment_change_pct",
        "jobs_lost",
    ]


def test_municipal_losses_set_the_allocation_targets_zone_by_zone() -> None:
    from seriana_gis.suitability import load_allocation
    from seriana_gis.suitability.pipeline import zone_job_targets

    layer = economy_layer(
        _munis(), published=load_published(), scenario=load_scenario(), employment=_employment()
    )
    config = zone_job_targets(load_allocation(), layer)
    t = config.targets
    # Albino (lower valley) loses 4,000, Clusone (upper valley) 1,000: half each to services
    assert t["service_jobs@lower_valley"].value == 2000
    assert t["industry_jobs@upper_valley"].value == 500
    assert t["industry_jobs@upper_valley"].zones == ("upper_valley", "bergamo_area")
    assert "service_jobs@valley" not in t and "social_dwellings" in t
    job = [x for x in t.values() if x.counts in ("service_jobs", "industry_jobs")]
    assert sum(x.value for x in job) == 5000
    # at territory level the configuration's targets stay
    territory = economy_layer(_munis(), published=load_published(), scenario=load_scenario())
    assert "service_jobs@valley" in zone_job_targets(load_allocation(), territory).targets


def test_build_reads_the_employment_source(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An SDMX-CSV export for every municipality and the province, named as a source."""
    from seriana_gis.build import load_territory
    from seriana_gis.config import default_config_path, load_study_area

    shipped = load_study_area()
    lines = [
        "DATAFLOW,FREQ,REF_AREA,DATA_TYPE,ECON_ACTIVITY_NACE_2007,PERS_EMPL_SIZE_CLASS,"
        "TIME_PERIOD,OBS_VALUE"
    ]
    # authored test values: every municipality 1,000 employees, 400 in manufacturing, of
    # which 100 in textiles, except Leffe (016124) with 600 in textiles
    for code in [*shipped.codes, "ITC46"]:
        textiles = 600 if code == "016124" else 100
        for ateco, value in (("0010", 1000), ("C", 400), ("13", textiles)):
            lines.append(f"X,A,{code},LUEMPDAA,{ateco},TOTAL,2021,{value}")
    (tmp_path / "asia.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = default_config_path().read_text(encoding="utf-8")
    text = text.replace("\nembedded: default\n", "\n").replace(
        "\nsources: {}\n", "\nsources:\n  employment: {kind: file, path: asia.csv}\n"
    )
    (tmp_path / "area.yaml").write_text(text, encoding="utf-8")
    area = load_study_area(tmp_path / "area.yaml")
    territory = load_territory(area, cache_dir=tmp_path / "cache")
    economy = territory.layers["economy"].set_index("territory")
    assert (economy["level"] == "municipality").all()
    assert economy.loc["016124", "textile_lq"] == pytest.approx(6.0)  # 0.6 / 0.1
    valley = economy["zones"] != "bergamo_area"
    assert economy.loc[valley, "jobs_lost"].sum() == 5000
    assert economy.loc[~valley, "jobs_lost"].isna().all()
    # exposure = textiles 600 vs 100 (no other exposed division listed): Leffe 6 shares of
    # (n_valley - 1 + 6)
    n = int(valley.sum())
    assert economy.loc["016124", "jobs_lost"] == pytest.approx(5000 * 6 / (n + 5), abs=1)
    prov = {r["layer"]: r for r in territory.provenance}["economy"]
    assert "asia.csv" in str(prov["source"])


def test_without_a_scenario_for_the_area_the_layer_goes_without_jobs_lost() -> None:
    # another territory: zones of its own, which the shipped scenario does not name
    munis = _munis().assign(zone=["lower", "lower", "upper", "upper"])
    layer = economy_layer(
        munis, published=load_published(), scenario=None, employment=_employment()
    )
    g = layer.set_index("territory")
    assert g["jobs_lost"].isna().all()
    assert g.loc["016004", "manufacturing_share"] == pytest.approx(0.5)  # ISTAT's own figures stay
    assert not g["source"].str.contains("scenario").any()
    # no employment file: the published figures are the valley's, so no layer at all
    assert economy_layer(munis, published=load_published(), scenario=None).empty


def test_allocation_keeps_its_stated_targets_on_zones_the_scenario_does_not_name() -> None:
    from seriana_gis.suitability import load_allocation
    from seriana_gis.suitability.pipeline import fit_job_targets

    config = load_allocation()
    assert config.job_scenario is not None
    kept, note = fit_job_targets(config, _munis())
    assert kept is config and note == ""  # the valley's zones: as it is
    other = _munis().assign(zone=["lower", "lower", "upper", "upper"])
    kept, note = fit_job_targets(config, other)
    assert list(kept.targets) == ["social_dwellings"] and kept.job_scenario is None
    assert str(config.job_scenario) in note and str(config.source) in note
    assert "none of which this study area has (its zones: lower, upper)" in note
    assert "job_targets: my_job_loss.yaml" in note
