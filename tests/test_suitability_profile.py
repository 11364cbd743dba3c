"""Profile files: the shipped ones load, and every mistake is one clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from seriana_gis._errors import ConfigError
from seriana_gis.suitability import load_profile, load_profiles, parse_profile, score_sites

GOOD: dict[str, Any] = {
    "name": "demo",
    "criteria": {
        "airport": {
            "indicator": "car_bgy_min",
            "direction": "cost",
            "standardisation": {"method": "linear_range", "low": 5, "high": 45},
            "weight": 2,
        },
        "area": {"indicator": "area_m2", "direction": "benefit", "weight": 1},
    },
}


def _write(tmp_path: Path, raw: Any, name: str = "demo.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return p


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    raw = yaml.safe_load(yaml.safe_dump(GOOD))
    node = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return raw


def test_shipped_profiles_load() -> None:
    profiles = load_profiles()
    assert set(profiles) == {"logistics", "services", "social_housing"}
    for p in profiles.values():
        assert p.weights.sum() == pytest.approx(1.0)
        assert all(c.rationale for c in p.criteria), p.name
    assert profiles["logistics"].ahp is not None
    assert profiles["logistics"].ahp.cr < 0.1
    assert profiles["social_housing"].aggregation.method == "owa"


def test_new_profile_is_a_new_file(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, "demo.yaml")
    _write(tmp_path, {"title": "not a profile"} | {"targets": {}}, "allocation.yaml")
    profiles = load_profiles(tmp_path)
    assert list(profiles) == ["demo"]
    assert profiles["demo"].weights.tolist() == pytest.approx([2 / 3, 1 / 3])
    with pytest.raises(ConfigError, match="no profile 'dem'.*Did you mean 'demo'"):
        load_profiles(tmp_path, names=["dem"])


def test_misspelled_top_key_names_file_key_and_choices(tmp_path: Path) -> None:
    raw = dict(GOOD) | {"agregation": "wlc"}
    p = _write(tmp_path, raw)
    with pytest.raises(ConfigError) as err:
        load_profile(p)
    msg = str(err.value)
    assert str(p) in msg and "'agregation'" in msg and "Did you mean 'aggregation'" in msg
    assert "Valid keys: name, title" in msg


def test_misspelled_criterion_key(tmp_path: Path) -> None:
    p = _write(tmp_path, _with(("criteria", "area", "wieght"), 1))
    with pytest.raises(ConfigError, match=r"criteria\.area: unknown key 'wieght'.*'weight'"):
        load_profile(p)


@pytest.mark.parametrize(
    ("path", "value", "match"),
    [
        (("criteria", "area", "standardisation"), "minmax", "unknown standardisation 'minmax'"),
        (("criteria", "area", "direction"), "benefits", "unknown direction 'benefits'.*'benefit'"),
        (("criteria", "area", "weight"), -1, "negative"),
        (("criteria", "area", "weight"), float("nan"), "finite"),
        (("aggregation",), "topsys", "unknown aggregation 'topsys'.*'topsis'"),
        (("aggregation",), {"method": "owa"}, "order weights"),
        (("aggregation",), {"method": "wlc", "order_weights": [1, 1]}, "only applies"),
        (("aggregation",), {"method": "topsis", "ideal": "best"}, "unknown TOPSIS ideal"),
        (("weighting",), "ahpp", "unknown method 'ahpp'"),
        (("weighting",), {"method": "ahp", "matrix": [[1, 2], ["1/2", 1]]}, "not used with AHP"),
        (("constraints",), {"min_area": 5}, "unknown key 'min_area'.*'min_area_m2'"),
        (("constraints",), {"min_area_m2": "big"}, "expected a number"),
        (("criteria", "area", "indicator"), {"kind": "distance"}, "unknown indicator kind"),
        (("criteria", "area", "indicator"), {"kind": "count_within", "layer": "x"}, "distance_m"),
        (("criteria", "area", "uncertainty"), {"relative": 0.1}, "'relative_sd'"),
        (("robustness",), {"top_k": 0}, "top_k"),
        (("name",), "Bad Name", "lower-case"),
    ],
)
def test_bad_profiles(tmp_path: Path, path: tuple[str, ...], value: Any, match: str) -> None:
    p = _write(tmp_path, _with(path, value))
    with pytest.raises(ConfigError, match=match) as err:
        load_profile(p)
    assert str(p) in str(err.value)


def test_all_zero_weights(tmp_path: Path) -> None:
    raw = _with(("criteria", "area", "weight"), 0)
    raw["criteria"]["airport"]["weight"] = 0.0
    with pytest.raises(ConfigError, match="all weights are zero"):
        load_profile(_write(tmp_path, raw))


def test_ahp_weighting(tmp_path: Path) -> None:
    raw = yaml.safe_load(yaml.safe_dump(GOOD))
    for c in raw["criteria"].values():
        del c["weight"]
    raw["weighting"] = {
        "method": "ahp",
        "criteria": ["area", "airport"],
        "matrix": [[1, 3], ["1/3", 1]],
    }
    prof = load_profile(_write(tmp_path, raw))
    # area is 3 times as important as airport: weights .75 / .25 (criteria keep file order)
    assert prof.criterion_names == ["airport", "area"]
    assert prof.weights.tolist() == pytest.approx([0.25, 0.75])
    raw["weighting"]["criteria"] = ["area", "airprt"]
    with pytest.raises(ConfigError, match="must list every criterion"):
        load_profile(_write(tmp_path, raw))


def test_inconsistent_ahp_stops_unless_accepted(tmp_path: Path) -> None:
    raw = {
        "criteria": {k: {"indicator": k, "direction": "benefit"} for k in ("a", "b", "c")},
        # a > b (3), b > c (3), but c > a (3): circular, very inconsistent
        "weighting": {"method": "ahp", "matrix": [[1, 3, "1/3"], ["1/3", 1, 3], [3, "1/3", 1]]},
    }
    p = _write(tmp_path, raw)
    with pytest.raises(ConfigError, match="inconsistent.*Least consistent"):
        load_profile(p)
    raw["weighting"]["accept_inconsistent"] = True
    assert load_profile(_write(tmp_path, raw)).ahp is not None


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_profile(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("criteria: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_profile(bad)


def test_unknown_column_names_profile_criterion_and_closest(tmp_path: Path) -> None:
    prof = load_profile(_write(tmp_path, GOOD))
    sites = pd.DataFrame({"car_bgy_mins": [1.0], "area_m2": [2.0]})
    with pytest.raises(ConfigError) as err:
        score_sites(sites, {"demo": prof})
    msg = str(err.value)
    assert "demo.yaml, criteria.airport.indicator" in msg
    assert "no column 'car_bgy_min'" in msg and "Did you mean 'car_bgy_mins'" in msg


def test_unknown_layer_is_named(tmp_path: Path) -> None:
    raw = _with(("criteria", "area", "indicator"), {"kind": "distance_to", "layer": "teb_stop"})
    prof = load_profile(_write(tmp_path, raw))
    sites = pd.DataFrame({"car_bgy_min": [1.0]})
    with pytest.raises(ConfigError, match="layer 'teb_stop' was not given.*'teb_stops'"):
        score_sites(sites, {"demo": prof}, layers={"teb_stops": object()})


def test_parse_profile_without_file() -> None:
    prof = parse_profile(GOOD, name="x")
    assert prof.name == "demo" and prof.source is None
