"""Why this rank: the helping and hurting criteria in words, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seriana_gis.suitability import parse_profile, score_profile
from seriana_gis.suitability.explain import format_value, why


def _profile():
    crit = {
        "lorry": (
            "Lorry time to the A4",
            "lorry_min",
            "cost",
            {"method": "linear_range", "low": 5, "high": 25},
            0.4,
            "min",
        ),
        "size": (
            "Site area",
            "area_m2",
            "benefit",
            {"method": "linear_range", "low": 5000, "high": 45000},
            0.3,
            "m²",
        ),
        "residents": (
            "Residents within 500 m",
            "res_500",
            "cost",
            {"method": "linear_range", "low": 0, "high": 4000},
            0.2,
            "residents",
        ),
        "shape": (
            "Shape",
            "compact",
            "benefit",
            {"method": "linear_range", "low": 0.2, "high": 0.6},
            0.1,
            "",
        ),
    }
    raw = {
        "name": "logi",
        "criteria": {
            k: {
                "label": lab,
                "indicator": ind,
                "direction": d,
                "standardisation": st,
                "weight": w,
                "unit": u,
                **({"missing_score": 0.5} if k == "shape" else {}),
            }
            for k, (lab, ind, d, st, w, u) in crit.items()
        },
    }
    return parse_profile(raw, name="logi")


def test_format_value():
    assert format_value(79_000, "m²") == "7.9 ha"
    assert format_value(9_500, "m²") == "9,500 m²"
    assert format_value(6.24, "min") == "6.2 min"
    assert format_value(2300.4, "residents") == "2,300 residents"
    assert format_value(0.456) == "0.46"
    assert format_value(float("nan"), "min") == "unknown"


def test_why_by_hand():
    prof = _profile()
    # lorry 7 min: s = 1 - (7-5)/20 = .9, adds .36 of .4; area 25,000: s = .5, adds .15 of .3;
    # residents 3,000: s = 1 - .75 = .25, loses .15 of .2; shape .3: s = .25, loses .075 of .1 (shown .08)
    raw = np.array([7.0, 25_000.0, 3000.0, 0.3])
    s = np.array([0.9, 0.5, 0.25, 0.25])
    assert why(raw, s, prof) == (
        "helps: lorry time to the A4 7.0 min (+0.36 of 0.40), site area 2.5 ha (+0.15 of 0.30); "
        "hurts: residents within 500 m 3,000 residents (−0.15 of 0.20), shape 0.30 (−0.08 of 0.10)"
    )
    assert why(raw, s, prof, n=1) == (
        "helps: lorry time to the A4 7.0 min (+0.36 of 0.40); "
        "hurts: residents within 500 m 3,000 residents (−0.15 of 0.20)"
    )


def test_why_when_nothing_hurts_and_a_value_is_unknown():
    prof = _profile()
    raw = np.array([5.0, 50_000.0, 0.0, np.nan])
    s = np.array([1.0, 1.0, 1.0, 0.5])
    assert why(raw, s, prof) == (
        "helps: lorry time to the A4 5.0 min (+0.40 of 0.40), site area 5.0 ha (+0.30 of 0.30); "
        "hurts: nothing below half; unknown: shape (counted as 0.50)"
    )


def test_why_column_of_score_profile():
    prof = _profile()
    sites = pd.DataFrame(
        {
            "lorry_min": [7.0, 30.0, np.nan],
            "area_m2": [25_000.0, 45_000.0, 20_000.0],
            "res_500": [3000.0, 0.0, 10.0],
            "compact": [0.3, np.nan, 0.5],
        },
        index=pd.Index(["a", "b", "c"], name="id"),
    )
    out = score_profile(sites, prof)
    assert out.loc["a", "why_logi"].startswith(
        "helps: lorry time to the A4 7.0 min (+0.36 of 0.40)"
    )
    # b: lorry 30 min: s = 0 (loses .4); area full; residents none: full; shape unknown
    assert out.loc["b", "why_logi"] == (
        "helps: site area 4.5 ha (+0.30 of 0.30), residents within 500 m 0 residents (+0.20 of 0.20); "
        "hurts: lorry time to the A4 30 min (−0.40 of 0.40); unknown: shape (counted as 0.50)"
    )
    assert out.loc["c", "why_logi"] == "excluded: missing value of lorry_min (criterion lorry)"
    assert out.loc["b", "score_logi"] == pytest.approx(0.3 + 0.2 + 0.05)
