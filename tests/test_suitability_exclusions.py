"""Constraints by attribute (exclude_where): parsing, evaluation, reasons in words."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from seriana_gis._errors import ConfigError, DataError
from seriana_gis.suitability import load_profile, score_profile
from seriana_gis.suitability.exclusions import exclusion_reasons, parse_exclusions

SITES = pd.DataFrame(
    {
        "minutes": [10.0, 20.0, 30.0, 15.0, 25.0],
        "status": ["dismissed", "reused", "in_redevelopment", "Reused ", None],
        "planned_use": [None, "residential and retail", "logistics", None, "Social HOUSING"],
        "heritage": [None, "listed (D.Lgs. 42/2004)", None, None, "industrial archaeology"],
        "closure_year": [1995.0, 1971.0, np.nan, 2009.0, 1983.0],
        "listed": [False, True, False, False, True],
    },
    index=pd.Index(["a", "b", "c", "d", "e"], name="id"),
)


def _profile(tmp_path: Path, exclude_where: Any) -> Any:
    raw = {
        "criteria": {
            "near": {
                "indicator": "minutes",
                "direction": "cost",
                "standardisation": {"method": "linear_range", "low": 0, "high": 40},
                "weight": 1,
            }
        },
        "constraints": {"exclude_where": exclude_where},
    }
    path = tmp_path / "logistics.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return load_profile(path)


def _reasons(entries: Any) -> dict[str, list[str]]:
    parsed = parse_exclusions(
        entries, where="p", vocabularies={"status": ("dismissed", "reused", "in_redevelopment")}
    )
    got = exclusion_reasons(SITES, parsed, where="p")
    return {i: r for i, r in zip(SITES.index, got, strict=True) if r}


def test_in_ignores_case_and_spaces_and_never_matches_missing():
    assert _reasons([{"column": "status", "in": ["reused"]}]) == {
        "b": ["status is reused (status: reused)"],
        "d": ["status is reused (status: Reused )"],
    }


def test_not_in_leaves_missing_values_alone():
    got = _reasons([{"column": "status", "not_in": ["dismissed", "in_redevelopment"]}])
    assert sorted(got) == ["b", "d"]  # e has no status: not known to be outside the list


def test_not_null_and_null():
    assert sorted(_reasons([{"column": "planned_use", "not_null": True}])) == ["b", "c", "e"]
    assert sorted(_reasons([{"column": "planned_use", "not_null": False}])) == ["a", "d"]
    assert _reasons([{"column": "heritage", "not_null": True}])["b"] == [
        "heritage is given (listed (D.Lgs. 42/2004))"
    ]


def test_contains_any_piece_ignoring_case_with_the_given_reason():
    got = _reasons(
        [
            {
                "column": "planned_use",
                "contains": ["resident", "housing"],
                "reason": "committed to housing",
            }
        ]
    )
    assert got == {
        "b": ["committed to housing (planned_use: residential and retail)"],
        "e": ["committed to housing (planned_use: Social HOUSING)"],
    }


def test_comparisons_by_hand():
    assert _reasons([{"column": "closure_year", "lt": 1983}]) == {"b": ["closure_year 1971 < 1983"]}
    assert sorted(_reasons([{"column": "closure_year", "le": 1983}])) == ["b", "e"]
    assert sorted(_reasons([{"column": "closure_year", "gt": 1995}])) == ["d"]
    assert sorted(_reasons([{"column": "closure_year", "ge": 1995}])) == ["a", "d"]


def test_tests_of_one_entry_must_all_hold():
    # committed to housing, but not where the text says no plan was approved
    entry = {
        "column": "planned_use",
        "contains": ["resident", "housing"],
        "not_contains": "retail",
        "reason": "committed to housing",
    }
    assert _reasons([entry]) == {"e": ["committed to housing (planned_use: Social HOUSING)"]}
    both = {"column": "closure_year", "ge": 1975, "lt": 2000}
    assert _reasons([both]) == {
        "a": ["closure_year ≥ 1975 and closure_year < 2000 (closure_year: 1995)"],
        "e": ["closure_year ≥ 1975 and closure_year < 2000 (closure_year: 1983)"],
    }


def test_booleans_compare_as_booleans():
    assert sorted(_reasons([{"column": "listed", "in": [True]}])) == ["b", "e"]


def test_every_entry_that_holds_gives_its_reason():
    got = _reasons(
        [
            {"column": "status", "in": ["reused"], "reason": "already reused"},
            {"column": "heritage", "not_null": True, "reason": "heritage"},
        ]
    )
    assert got["b"] == [
        "already reused (status: reused)",
        "heritage (heritage: listed (D.Lgs. 42/2004))",
    ]
    assert got["e"] == ["heritage (heritage: industrial archaeology)"]


def test_excluded_sites_keep_their_reason_and_get_no_score(tmp_path):
    prof = _profile(
        tmp_path,
        [
            {"column": "status", "in": ["reused"], "reason": "already reused"},
            {"column": "planned_use", "contains": "housing"},
        ],
    )
    out = score_profile(SITES, prof)
    p = prof.name
    assert out.loc["b", f"excluded_{p}"] == "already reused (status: reused)"
    assert (
        out.loc["e", f"excluded_{p}"]
        == "planned_use contains housing (planned_use: Social HOUSING)"
    )
    assert out[f"score_{p}"].isna().tolist() == [False, True, False, True, True]
    # d ("Reused ") is excluded too; a (10 min) and c (30 min) are ranked among themselves
    assert out.loc[["a", "c"], f"rank_{p}"].tolist() == [1, 2]
    assert out.loc["b", f"why_{p}"].startswith("excluded: already reused")


@pytest.mark.parametrize(
    ("entries", "match"),
    [
        ({"column": "status"}, r"entry 1 \(column status\): give a test, one of in, not_in"),
        (
            [{"column": "status", "in": ["reusd"]}],
            r"'reusd' is not a status value\. Did you mean 'reused'\?",
        ),
        ([{"column": "status", "equals": "reused"}], r"entry 1: unknown key 'equals'"),
        ([{"in": ["reused"]}], r"entry 1: missing required key"),
        ([{"column": "closure_year", "lt": "1980"}], r"lt needs a number"),
        ([{"column": "heritage", "not_null": "yes"}], r"not_null must be true"),
        ("status: reused", r"expected a list of tests"),
    ],
)
def test_bad_entries_name_the_profile_file_and_entry(tmp_path, entries, match):
    with pytest.raises(ConfigError, match=r"logistics\.yaml, constraints\.exclude_where.*" + match):
        _profile(tmp_path, entries)


def test_a_column_the_sites_lack_names_the_profile_and_the_closest(tmp_path):
    prof = _profile(tmp_path, [{"column": "planned_uses", "not_null": True}])
    with pytest.raises(
        ConfigError,
        match=r"logistics\.yaml, constraints\.exclude_where, entry 1 \(planned_uses is given\): "
        r"the sites have no column 'planned_uses'\. Did you mean 'planned_use'\?",
    ):
        score_profile(SITES, prof)


def test_an_optional_register_column_may_be_absent(tmp_path, caplog):
    # planned_use is optional in the brownfields schema: unknown for every site
    prof = _profile(tmp_path, [{"column": "planned_use", "contains": "housing"}])
    with caplog.at_level(logging.WARNING, logger="seriana_gis.suitability.exclusions"):
        out = score_profile(SITES.drop(columns="planned_use"), prof)
    assert (out[f"excluded_{prof.name}"] == "").all()
    # the constraint not applied is said at warning level, with the column and the fix
    said = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(said) == 1
    assert "'planned_use'" in said[0].getMessage()
    assert "excludes no site; add the column" in said[0].getMessage()
    # not_null: false holds for every site then
    prof = _profile(tmp_path, [{"column": "planned_use", "not_null": False}])
    assert (
        out.shape[0]
        == score_profile(SITES.drop(columns="planned_use"), prof)[f"score_{prof.name}"].isna().sum()
    )


def test_comparison_on_text_is_a_data_error(tmp_path):
    prof = _profile(tmp_path, [{"column": "status", "lt": 3}])
    with pytest.raises(
        DataError, match=r"entry 1 \(status < 3\): the test compares numbers, but column 'status'"
    ):
        score_profile(SITES, prof)


def test_inputs_are_not_changed(tmp_path):
    before = SITES.copy()
    score_profile(SITES, _profile(tmp_path, [{"column": "status", "in": "reused"}]))
    pd.testing.assert_frame_equal(SITES, before)


# --- the shipped logistics profile excludes by committed_use, not by words -----------

#: Hand-made sites: the free text a register writer may well use, and the use the site
#: is committed to. The expected reasons are read off the profile's intent by hand.
REGISTER = pd.DataFrame(
    {
        "status": ["in_redevelopment"] * 6 + ["reused"],
        "planned_use": [
            "tertiary and craft spaces; the 2020 revision left no homes",
            "a logistics hub; offices planned on the neighbouring land",
            "none approved: homes proposed in 2014",
            "80 flats and a square",
            "a civic centre and a school",
            "flats, offices and a hotel",
            None,
        ],
        "committed_use": ["industry", "logistics", None, "housing", "services", "mixed", None],
        "heritage": ["none_known"] * 7,
    },
    index=pd.Index(["no_homes", "neighbour", "proposed", "flats", "civic", "mix", "reused"]),
)


def _shipped_logistics_reasons(sites: pd.DataFrame) -> dict[str, list[str]]:
    from seriana_gis.suitability import load_profiles

    profile = load_profiles()["logistics"]
    got = exclusion_reasons(sites, profile.constraints.exclude_where, where="logistics")
    return {i: r for i, r in zip(sites.index, got, strict=True) if r}


def test_no_homes_in_the_text_is_not_a_commitment_to_housing():
    got = _shipped_logistics_reasons(REGISTER)
    assert got == {
        "flats": ["committed to housing (committed_use: housing)"],
        "civic": ["committed to services or public uses (committed_use: services)"],
        "mix": ["committed to a mixed-use plan (committed_use: mixed)"],
        "reused": ["already reused (status: reused)"],
    }
    # the same texts under the word rule the profile used before: "no homes" reads as
    # housing and the neighbour's offices as services (why the vocabulary column exists)
    no_plan = ["none approved"]
    words = parse_exclusions(
        [
            {"column": "planned_use", "contains": "homes", "not_contains": no_plan, "reason": "h"},
            {
                "column": "planned_use",
                "contains": "offices",
                "not_contains": no_plan,
                "reason": "s",
            },
        ],
        where="p",
    )
    by_words = exclusion_reasons(REGISTER, words, where="p")
    assert [r.split(" (")[0] for r in by_words[0]] == ["h"]  # "... left no homes"
    assert [r.split(" (")[0] for r in by_words[1]] == ["s"]  # the neighbour's offices
    assert by_words[2] == []  # "none approved: homes proposed"


def test_a_register_without_committed_use_excludes_nothing_by_it():
    got = _shipped_logistics_reasons(REGISTER.drop(columns="committed_use"))
    assert got == {"reused": ["already reused (status: reused)"]}


def test_committed_use_in_a_profile_must_be_in_the_vocabulary(tmp_path):
    with pytest.raises(
        ConfigError,
        match=r"logistics\.yaml, constraints\.exclude_where, entry 1.*'homes' is not a "
        r"committed_use value.*housing",
    ):
        _profile(tmp_path, [{"column": "committed_use", "in": ["homes"]}])
