"""The embedded table of published figures: the study's figures, each with its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from seriana_gis._errors import DataError
from seriana_gis.economy import figure, load_published
from seriana_gis.economy.published import default_published_path


@pytest.mark.parametrize(
    ("territory", "indicator", "sector", "value"),
    [
        # the study's summary, as quoted in the issue
        ("province_bg", "employment_change_pct", "total", 21.4),
        ("lower_valley", "employment_change_pct", "total", 3.4),
        ("upper_valley", "employment_change_pct", "total", 12.3),
        ("valley", "share_of_employment_pct", "manufacturing", 47.5),
        ("province_bg", "share_of_employment_pct", "manufacturing", 40.0),
        ("upper_valley", "share_of_manufacturing_pct", "textiles", 50.0),
        ("province_bg", "share_of_manufacturing_pct", "textiles", 15.0),
        ("lower_valley", "employment_change", "manufacturing", -3000.0),
        ("lower_valley", "employment_change", "textiles_clothing", -2000.0),
        ("province_bg", "employment_change", "textiles", -15000.0),
        ("valley", "scenario_employment_change", "industry", -5000.0),
        ("valley", "scenario_absorbed_pct", "services", 50.0),
        ("valley", "scenario_absorbed_pct", "industry", 50.0),
    ],
)
def test_the_studys_figures_are_embedded(
    territory: str, indicator: str, sector: str, value: float
) -> None:
    pub = load_published()
    assert figure(pub, territory=territory, indicator=indicator, sector=sector) == value


def test_every_figure_has_a_source_and_a_quote() -> None:
    pub = load_published()
    assert (pub["source"].str.len() > 10).all()
    assert (pub["note"].str.contains('"')).all()
    assert pub.loc["study_manuf_loss_lower", "bound"] == "more_than"  # "more than 3,000"
    # press and association figures carry their address
    others = pub[~pub.index.str.startswith("study_")]
    assert (others["url"].str.startswith("http")).all()


def test_bad_tables_are_clear_errors(tmp_path: Path) -> None:
    text = default_published_path().read_text(encoding="utf-8")
    bad = tmp_path / "p.csv"
    bad.write_text(text.replace(",province_bg,", ",provincia,", 1), encoding="utf-8")
    with pytest.raises(DataError, match=r"line 2 \(study_emp_change_province\): territory"):
        load_published(bad)
    bad.write_text(text.replace(",21.4,", ",21,4x,", 1), encoding="utf-8")
    with pytest.raises(DataError):
        load_published(bad)
