"""The job-loss scenario: the distribution sums to its total; targets by zone."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seriana_gis._errors import ConfigError, DataError
from seriana_gis.economy import (
    allocation_targets,
    distribute,
    load_scenario,
    scenario_losses,
    zone_losses,
)
from seriana_gis.economy.scenario import parse_scenario


def test_distribute_by_hand() -> None:
    assert distribute(10, pd.Series([0.5, 0.3, 0.2])).tolist() == [5, 3, 2]
    # 10 / 3 = 3.33 each: the one left over goes to the first label
    assert distribute(10, pd.Series([1.0, 1.0, 1.0], index=list("abc"))).tolist() == [4, 3, 3]
    # quotas 0.6, 1.0, 0.4: the one left after the whole parts goes to the largest remainder (a)
    out = distribute(2, pd.Series({"a": 0.3, "b": 0.5, "c": 0.2}))
    assert out.to_dict() == {"a": 1, "b": 1, "c": 0}


@given(
    total=st.integers(min_value=0, max_value=20_000),
    weights=st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=30),
)
def test_distribute_sums_to_its_total_and_stays_within_one_of_the_quota(
    total: int, weights: list[float]
) -> None:
    w = pd.Series(weights)
    if w.sum() <= 0:
        return
    out = distribute(total, w)
    assert int(out.sum()) == total
    quota = total * w / w.sum()
    assert ((out - quota).abs() < 1.0 + 1e-9).all()


def test_distribute_rejects_bad_weights() -> None:
    with pytest.raises(DataError, match="add up to 0"):
        distribute(5, pd.Series([0.0, 0.0]))
    with pytest.raises(DataError, match=">= 0"):
        distribute(5, pd.Series([1.0, -1.0]))


ZONES = {"016001": "low", "016002": "low", "016003": "up", "016099": "city"}


def _scenario(**over: Any) -> Any:
    raw: dict[str, Any] = {
        "total_jobs": 1000,
        "territory": "valley",
        "territories": {"valley": ["low", "up"]},
        "exposure": {"sectors": ["textiles_clothing", "machinery"]},
        "split": {
            "service_jobs": {"share": 0.5},
            "industry_jobs": {"share": 0.5, "also": ["city"]},
        },
    }
    raw.update(over)
    return parse_scenario(raw)


def _layer(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "territory": [r[0] for r in rows],
            "level": "municipality",
            "year": 2011,
            "ateco": [r[1] for r in rows],
            "local_units": float("nan"),
            "employees": [r[2] for r in rows],
            "source": "test",
        }
    )


def test_municipal_losses_follow_exposure() -> None:
    # exposure: 016001 textiles 300 + clothing 100 = 400; 016002 machinery 100;
    # 016003 textiles 500; 016099 (outside the territory) ignored
    layer = _layer(
        [
            ("016001", "13", 300.0),
            ("016001", "14", 100.0),
            ("016002", "28", 100.0),
            ("016002", "47", 900.0),
            ("016003", "13", 500.0),
            ("016099", "13", 9999.0),
        ]
    )
    losses = scenario_losses(_scenario(), zone_of=ZONES, employment=layer)
    assert losses.level == "municipality"
    # 1000 * 400/1000, 1000 * 100/1000, 1000 * 500/1000
    assert losses.losses.to_dict() == {"016001": 400, "016002": 100, "016003": 500}
    assert zone_losses(losses).to_dict() == {"low": 500, "up": 500}
    targets = {t.name: t for t in allocation_targets(_scenario(), losses)}
    assert targets["service_jobs@low"].value == 250
    assert targets["industry_jobs@up"].zones == ("up", "city")
    assert sum(t.value for t in targets.values()) == 1000


def test_without_municipal_figures_the_losses_stay_with_the_territory() -> None:
    losses = scenario_losses(_scenario(), zone_of=ZONES, employment=None)
    assert losses.level == "territory"
    assert losses.losses.to_dict() == {"valley": 1000}
    assert "none is invented" in losses.note
    targets = allocation_targets(_scenario(), losses)
    assert [(t.name, t.value) for t in targets] == [
        ("service_jobs@valley", 500.0),
        ("industry_jobs@valley", 500.0),
    ]
    assert targets[1].zones == ("low", "up", "city")


def test_the_shipped_scenario_is_the_studys() -> None:
    s = load_scenario()
    assert s.total_jobs == 5000
    assert {n: sp.share for n, sp in s.splits.items()} == {
        "service_jobs": 0.5,
        "industry_jobs": 0.5,
    }
    assert s.zones == ("lower_valley", "parre_ponte_nossa", "upper_valley")


@pytest.mark.parametrize(
    ("over", "match"),
    [
        ({"split": {"service_jobs": {"share": 0.6}, "industry_jobs": {"share": 0.5}}}, "add up"),
        ({"territory": "nowhere"}, "not one of"),
        ({"exposure": {"sectors": ["textile"]}}, "unknown sector 'textile'"),
        ({"total_jobs": 10.5}, "whole number"),
        ({"reach": {"max_minute": 30}}, "unknown key 'max_minute'"),
    ],
)
def test_bad_scenarios_are_clear_errors(over: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        _scenario(**over)


def test_a_zone_the_area_lacks_is_an_error() -> None:
    s = _scenario(territories={"valley": ["low", "middle"]})
    with pytest.raises(ConfigError, match="middle"):
        scenario_losses(s, zone_of=ZONES)


def test_exposure_needs_divisions() -> None:
    layer = _layer([("016001", "C", 100.0), ("016002", "C", 10.0), ("016003", "C", 50.0)])
    with pytest.raises(DataError, match="by ATECO division"):
        scenario_losses(_scenario(), zone_of=ZONES, employment=layer)


def test_a_scenario_describes_an_area_with_its_territorys_zones() -> None:
    from seriana_gis.economy.scenario import left_out_note, missing_zones

    s = _scenario(territories={"valley": ["low", "up"]})
    assert missing_zones(s, ["low", "up", "city"]) is None
    # a split's 'also' zones may be missing: they only add places that absorb jobs
    also = _scenario(split={"jobs": {"share": 1, "also": ["elsewhere"]}})
    assert missing_zones(also, ZONES.values()) is None
    assert int(scenario_losses(also, zone_of=ZONES).losses.sum()) == 1000
    assert "up, and this study area has no zone up (its zones: city, low)" in str(
        missing_zones(s, ["low", "city"])
    )
    note = left_out_note(s, ["a"], what="criterion left out", named_in="configuration")
    assert note is not None and note.startswith("criterion left out: the job-loss scenario")
    assert "none of which this study area has (its zones: a)" in note
    assert note.endswith("(job_loss: my_job_loss.yaml).")
    assert left_out_note(s, ["low", "up"], what="x", named_in="allocation") is None
