"""Scoring: constraints, missing values, contributions, ranks, best use, properties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as hst

from seriana_gis._errors import ConfigError, DataError
from seriana_gis.suitability import parse_profile, score_profile, score_sites
from seriana_gis.suitability.score import best_use, rank_desc


def _profile(**extra: Any) -> Any:
    raw: dict[str, Any] = {
        "name": "p",
        "criteria": {
            "near": {
                "indicator": "minutes",
                "direction": "cost",
                "standardisation": {"method": "linear_range", "low": 0, "high": 40},
                "weight": 3,
            },
            "big": {"indicator": "area_m2", "direction": "benefit", "weight": 1},
        },
    }
    raw.update(extra)
    return parse_profile(raw, name="p")


SITES = pd.DataFrame(
    {
        "minutes": [10.0, 20.0, 30.0, np.nan],
        "area_m2": [1000.0, 3000.0, 5000.0, 4000.0],
        "snap_m": [10.0, 500.0, 20.0, 0.0],
    },
    index=pd.Index(["a", "b", "c", "d"], name="id"),
)


def test_scores_contributions_and_ranks_by_hand() -> None:
    out = score_profile(SITES, _profile())
    # weights .75 / .25. near: 1 - m/40 -> a .75, b .5, c .25.
    # big: min-max over the scored sites a, b, c (1000..5000) -> 0, .5, 1.
    # scores: a .75*.75 = .5625; b .75*.5 + .25*.5 = .5; c .75*.25 + .25 = .4375
    np.testing.assert_allclose(out["contrib_p_near"].iloc[:3], [0.5625, 0.375, 0.1875])
    np.testing.assert_allclose(out["contrib_p_big"].iloc[:3], [0.0, 0.125, 0.25])
    np.testing.assert_allclose(out["score_p"].iloc[:3], [0.5625, 0.5, 0.4375])
    assert out["rank_p"].tolist()[:3] == [1, 2, 3]
    # d has no travel time: flagged, not scored as zero
    assert out.loc["d", "excluded_p"] == "missing value of minutes (criterion near)"
    assert np.isnan(out.loc["d", "score_p"]) and pd.isna(out.loc["d", "rank_p"])
    assert list(out.index) == ["a", "b", "c", "d"]


def test_constraints_give_reasons_per_site() -> None:
    prof = _profile(constraints={"min_area_m2": 2000, "max_snap_m": 100})
    out = score_profile(SITES, prof)
    assert out.loc["a", "excluded_p"] == "area 1,000 m² < minimum 2,000 m²"
    # snap_m is the distance to the graph's nearest node, not to a road: say so
    assert out.loc["b", "excluded_p"] == (
        "nearest road node 500 m away > maximum 100 m (travel times unreliable)"
    )
    assert out.loc["c", "excluded_p"] == ""
    assert out.loc["c", "rank_p"] == 1
    assert out["rank_p"].isna().sum() == 3


def test_an_unknown_area_is_one_reason_not_two() -> None:
    # the min_area constraint says "area unknown"; the area criterion must not add
    # "missing value of area_m2" for the same gap (the office read both, twice per site)
    sites = SITES.assign(area_m2=[1000.0, 3000.0, np.nan, 4000.0], minutes=[1.0, 2.0, 3.0, 4.0])
    out = score_profile(sites, _profile(constraints={"min_area_m2": 500}))
    assert out.loc["c", "excluded_p"] == "area unknown (area_m2 missing)"
    # without the constraint the criterion still says what is missing
    out = score_profile(sites, _profile())
    assert out.loc["c", "excluded_p"] == "missing value of area_m2 (criterion big)"


def test_constraint_column_missing_is_config_error() -> None:
    prof = _profile(constraints={"max_snap_m": 100, "snap_column": "snap"})
    with pytest.raises(ConfigError, match="needs column 'snap'.*'snap_m'"):
        score_profile(SITES, prof)


def test_inputs_are_not_changed() -> None:
    before = SITES.copy()
    score_sites(SITES, {"p": _profile()})
    pd.testing.assert_frame_equal(SITES, before)


def test_rank_ties_share_the_best_rank() -> None:
    assert rank_desc([0.5, 0.9, 0.5, 0.1]).tolist() == [2, 1, 2, 4]


def test_best_use_and_margin() -> None:
    scores = pd.DataFrame(
        {"score_x": [0.8, np.nan, 0.3, np.nan], "score_y": [0.5, 0.6, 0.9, np.nan]},
        index=list("abcd"),
    )
    out = best_use(scores, ["x", "y"])
    assert out["best_use"].tolist()[:3] == ["x", "y", "y"]
    assert pd.isna(out["best_use"].iloc[3])
    np.testing.assert_allclose(out["best_use_margin"], [0.3, np.nan, 0.6, np.nan])


def test_score_sites_all_profiles() -> None:
    other = parse_profile(
        {
            "name": "q",
            "criteria": {"big": {"indicator": "area_m2", "direction": "cost", "weight": 1}},
        },
        name="q",
    )
    out = score_sites(SITES, {"p": _profile(), "q": other})
    assert {"score_p", "score_q", "rank_q", "best_use", "best_use_margin"} <= set(out.columns)
    # q: cost min-max (5000 - x) / 4000 over all four sites: a 1, b .5, c 0, d .25
    np.testing.assert_allclose(out["score_q"], [1.0, 0.5, 0.0, 0.25])
    assert out.loc["d", "best_use"] == "q"


def test_spatial_constraint_needs_geodataframe() -> None:
    prof = _profile(constraints={"exclude_intersecting": ["flood"]})
    with pytest.raises(DataError, match="GeoDataFrame"):
        score_profile(SITES, prof, layers={"flood": None})


# --- properties -------------------------------------------------------------

_METHODS = [
    "linear_minmax",
    {"method": "linear_range", "low": 0, "high": 50},
    {"method": "fuzzy_sigmoid", "a": 10, "b": 40},
    {"method": "fuzzy_j", "a": 10, "b": 40},
    {"method": "fuzzy_linear", "a": 5, "b": 45},
    {"method": "step", "threshold": 25},
]
values = hst.floats(0, 60, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    data=hst.lists(hst.tuples(values, values, values), min_size=2, max_size=8),
    methods=hst.lists(hst.sampled_from(range(len(_METHODS))), min_size=3, max_size=3),
    weights=hst.lists(hst.floats(0.01, 10), min_size=3, max_size=3),
    site=hst.integers(0, 7),
    crit=hst.integers(0, 2),
    bump=hst.floats(0.001, 30),
)
def test_improving_a_benefit_criterion_never_lowers_the_wlc_score(
    data: list[tuple[float, float, float]],
    methods: list[int],
    weights: list[float],
    site: int,
    crit: int,
    bump: float,
) -> None:
    site %= len(data)
    prof = parse_profile(
        {
            "criteria": {
                f"c{j}": {
                    "indicator": f"x{j}",
                    "direction": "benefit",
                    "standardisation": _METHODS[methods[j]],
                    "weight": weights[j],
                }
                for j in range(3)
            }
        },
        name="p",
    )
    frame = pd.DataFrame(data, columns=["x0", "x1", "x2"])
    better = frame.copy()
    better.iloc[site, crit] += bump
    before = score_profile(frame, prof)["score_p"].iloc[site]
    after = score_profile(better, prof)["score_p"].iloc[site]
    assert after >= before - 1e-12


@settings(max_examples=60, deadline=None)
@given(
    data=hst.lists(hst.tuples(values, values), min_size=2, max_size=10),
    weights=hst.lists(hst.floats(0.01, 10), min_size=2, max_size=2),
    factor=hst.floats(1e-3, 1e3),
    method=hst.sampled_from(["wlc", "topsis", "owa"]),
)
def test_scaling_all_weights_changes_no_rank(
    data: list[tuple[float, float]], weights: list[float], factor: float, method: str
) -> None:
    def prof(scale: float) -> Any:
        agg: dict[str, Any] = {"method": method}
        if method == "owa":
            agg["order_weights"] = [0.3, 0.7]
        return parse_profile(
            {
                "criteria": {
                    "a": {"indicator": "x0", "direction": "benefit", "weight": weights[0] * scale},
                    "b": {"indicator": "x1", "direction": "cost", "weight": weights[1] * scale},
                },
                "aggregation": agg,
            },
            name="p",
        )

    frame = pd.DataFrame(data, columns=["x0", "x1"])
    base = score_profile(frame, prof(1.0))
    scaled = score_profile(frame, prof(factor))
    s = np.sort(base["score_p"].to_numpy())
    assume(np.all(np.diff(s) > 1e-9) or np.all(np.diff(s) == 0))  # no near-ties
    assert base["rank_p"].tolist() == scaled["rank_p"].tolist()


@settings(max_examples=60, deadline=None)
@given(
    data=hst.lists(
        hst.tuples(values, hst.floats(0, 10_000), hst.floats(0, 400)), min_size=1, max_size=12
    ),
)
def test_an_excluded_site_never_ranks_above_an_included_one(
    data: list[tuple[float, float, float]],
) -> None:
    frame = pd.DataFrame(data, columns=["minutes", "area_m2", "snap_m"])
    out = score_profile(frame, _profile(constraints={"min_area_m2": 2500, "max_snap_m": 200}))
    excluded = out["excluded_p"] != ""
    assert excluded.tolist() == ((frame["area_m2"] < 2500) | (frame["snap_m"] > 200)).tolist()
    assert out.loc[excluded, "rank_p"].isna().all()
    included = out.loc[~excluded, "rank_p"]
    assert included.notna().all()
    if len(included):
        assert included.min() == 1 and included.max() <= len(included)


def test_non_numeric_indicator_is_a_data_error() -> None:
    sites = SITES.assign(minutes=["10", "twenty", 30.0, None])
    with pytest.raises(DataError, match=r"'minutes' must hold numbers.*'b': 'twenty'"):
        score_profile(sites, _profile())
