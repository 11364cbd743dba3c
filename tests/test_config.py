"""The study-area configuration: the shipped file, a second territory, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from seriana_gis._errors import ConfigError
from seriana_gis.config import load_study_area
from seriana_gis.sources import istat

LOWER_VALLEY = {
    "Albino", "Alzano Lombardo", "Aviatico", "Casnigo", "Cazzano Sant'Andrea", "Cene",
    "Colzate", "Fiorano al Serio", "Gandino", "Gazzaniga", "Leffe", "Nembro", "Peia",
    "Pradalunga", "Ranica", "Selvino", "Vertova", "Villa di Serio",
}  # fmt: skip


def write(tmp_path: Path, data: object, name: str = "area.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def small(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "cavallina",
        "province": "BG",
        "zones": {"core": {"municipalities": ["Trescore Balneario", 16078]}},
    }
    base.update(overrides)
    return base


def test_shipped_configuration_names_the_study_zones(study_area):
    by_zone = {
        z: {m.name for m in study_area.municipalities if m.zone == z}
        for z in study_area.zone_labels
    }
    assert by_zone["lower_valley"] == LOWER_VALLEY
    assert by_zone["parre_ponte_nossa"] == {"Parre", "Ponte Nossa"}
    assert {"Bergamo", "Orio al Serio", "Seriate", "Gorle", "Torre Boldone"} <= by_zone[
        "bergamo_area"
    ]
    assert {"Clusone", "Valbondione", "Castione della Presolana"} <= by_zone["upper_valley"]


def test_every_configured_code_resolves_to_its_official_name(study_area):
    table = istat.municipality_table(2023)
    for m in study_area.municipalities:
        assert table.loc[m.istat, "name"] == m.name
        assert table.loc[m.istat, "province_short"] == "BG"


def test_names_and_bare_codes_resolve(tmp_path):
    area = load_study_area(write(tmp_path, small()))
    assert [(m.istat, m.name) for m in area.municipalities] == [
        ("016218", "Trescore Balneario"),
        ("016078", "Colere"),  # codes follow the alphabet: Clusone 077, Colere 078
    ]


def test_year_override_and_unknown_year(tmp_path):
    path = write(tmp_path, small())
    assert load_study_area(path, year=2022).year == 2022
    with pytest.raises(ConfigError, match="2022, 2023"):
        load_study_area(path, year=2019)


def test_unknown_top_level_key_suggests_the_right_one(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key 'zone'.*Did you mean 'zones'") as e:
        load_study_area(write(tmp_path, {"name": "x", "zone": {}, "zones": small()["zones"]}))
    assert "area.yaml" in str(e.value)


def test_unknown_name_lists_closest_matches(tmp_path):
    bad = small(zones={"core": {"municipalities": ["Albinp"]}})
    with pytest.raises(
        ConfigError, match=r"unknown municipality name 'Albinp'.*Closest matches: Albino"
    ):
        load_study_area(write(tmp_path, bad))


def test_unknown_code_is_an_error_with_examples(tmp_path):
    bad = small(zones={"core": {"municipalities": [16999]}})
    with pytest.raises(ConfigError, match=r"unknown ISTAT code 016999.*016004 Albino"):
        load_study_area(write(tmp_path, bad))


def test_code_and_name_must_agree(tmp_path):
    bad = small(zones={"core": {"municipalities": [{"istat": "016004", "name": "Nembro"}]}})
    with pytest.raises(ConfigError, match="016004 is 'Albino', not 'Nembro'"):
        load_study_area(write(tmp_path, bad))


def test_duplicate_municipality_is_an_error(tmp_path):
    bad = small(zones={"a": {"municipalities": ["Albino"]}, "b": {"municipalities": [16004]}})
    with pytest.raises(ConfigError, match="listed twice"):
        load_study_area(write(tmp_path, bad))


def test_unknown_source_kind_lists_valid_kinds(tmp_path):
    bad = small(sources={"brownfields": {"kind": "wfs"}})
    with pytest.raises(ConfigError, match="Valid kinds for brownfields: embedded, file"):
        load_study_area(write(tmp_path, bad))


def test_unknown_source_layer_suggests(tmp_path):
    bad = small(sources={"brownfield": {"kind": "embedded"}})
    with pytest.raises(ConfigError, match="Did you mean 'brownfields'"):
        load_study_area(write(tmp_path, bad))


def test_ambiguous_name_without_province(tmp_path):
    # some names exist in two provinces (e.g. Samone, Livo): take one the table has twice
    names = istat.municipality_table(2023)["name"]
    dup = names[names.duplicated()].iloc[0]
    bad = {"name": "x", "zones": {"z": {"municipalities": [dup]}}}
    with pytest.raises(ConfigError, match="ambiguous"):
        load_study_area(write(tmp_path, bad))


def test_not_yaml_and_missing_file(tmp_path):
    p = tmp_path / "broken.yaml"
    p.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_study_area(p)
    with pytest.raises(ConfigError, match="not found"):
        load_study_area(tmp_path / "nope.yaml")


def test_not_yaml_message_quotes_the_faulty_line(tmp_path):
    # read by libyaml first, whose messages give only line and column: the message
    # comes from the pure-Python parser, which quotes the line and points at the fault
    p = tmp_path / "broken.yaml"
    p.write_text("name: x\nzones: [a, b\nprovince: BG\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_study_area(p)
    lines = str(err.value).splitlines()
    assert "    zones: [a, b" in lines
    assert lines[lines.index("    zones: [a, b") + 1] == "           ^"


def test_relative_source_paths_resolve_against_the_file(tmp_path):
    cfg = small(sources={"brownfields": {"path": "census/aree.csv", "crs": "EPSG:4326"}})
    area = load_study_area(write(tmp_path, cfg))
    spec = area.source("brownfields")
    assert spec.kind == "file"
    assert spec.path == tmp_path / "census" / "aree.csv"


def test_missing_embedded_folder_says_how_to_use_the_shipped_default(tmp_path):
    with pytest.raises(ConfigError, match="Remove the 'embedded:' line"):
        load_study_area(write(tmp_path, small(embedded="default")))


def test_a_territorys_own_job_loss_scenario(tmp_path):
    (tmp_path / "jobs.yaml").write_text(
        "total_jobs: 100\nterritory: t\nterritories: {t: [core]}\nsplit: {service_jobs: {share: 1}}\n",
        encoding="utf-8",
    )
    area = load_study_area(write(tmp_path, small(job_loss="jobs.yaml")))
    assert area.job_loss == tmp_path / "jobs.yaml"  # relative to the configuration file
    assert load_study_area(write(tmp_path, small())).job_loss is None  # the shipped one
    with pytest.raises(
        ConfigError, match=r"area.yaml, job_loss: job-loss scenario file .*nope.yaml not found"
    ):
        load_study_area(write(tmp_path, small(job_loss="nope.yaml")))
    (tmp_path / "other.yaml").write_text(
        "total_jobs: 100\nterritory: t\nterritories: {t: [core, hills]}\nsplit: {a: {share: 1}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="job_loss: .* and this study area has no zone hills"):
        load_study_area(write(tmp_path, small(job_loss="other.yaml")))
