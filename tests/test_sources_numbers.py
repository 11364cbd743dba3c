"""Numbers as registers write them: separators, decimal commas, units (hand-checked and property tests)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seriana_gis._errors import ConfigError
from seriana_gis.sources.numbers import (
    NumberFormat,
    NumberFormatError,
    number_format,
    parse_area,
    parse_number,
)

IT = NumberFormat(decimal=",")
EN = NumberFormat(decimal=".")
UNDECLARED = NumberFormat()


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("12.500", IT, 12_500.0),
        ("12500,75", IT, 12_500.75),
        ("20.000,0", IT, 20_000.0),
        ("-3,5", IT, -3.5),
        ("12,500", EN, 12_500.0),
        ("1,234,567.5", EN, 1_234_567.5),
        ("12 500", UNDECLARED, 12_500.0),  # a space between groups of three
        ("12\u00a0500,5", IT, 12_500.5),  # a non-breaking space, as spreadsheets write it
        ("12500.75", UNDECLARED, 12_500.75),
        ("0.500", UNDECLARED, 0.5),
        ("", UNDECLARED, math.nan),
        (None, UNDECLARED, math.nan),
        (42, UNDECLARED, 42.0),
    ],
)
def test_parse_number(text, fmt, expected):
    got = parse_number(text, fmt=fmt)
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


@pytest.mark.parametrize(
    ("text", "fmt", "why"),
    [
        ("12.500", UNDECLARED, "ambiguous"),
        ("999.000", UNDECLARED, "ambiguous"),
        ("12,5", UNDECLARED, "comma"),
        ("12.5", IT, "groups of three"),
        ("1.23.456", IT, "groups of three"),
        ("12 5000", UNDECLARED, "groups of three"),
        ("1,2,3", IT, "not a number"),
        ("12a", UNDECLARED, "not a number"),
        (True, UNDECLARED, "true/false"),
    ],
)
def test_parse_number_refuses(text, fmt, why):
    with pytest.raises(NumberFormatError, match=why):
        parse_number(text, fmt=fmt)


@pytest.mark.parametrize(
    ("text", "unit", "m2"),
    [
        ("12.500 mq", "m2", 12_500.0),
        ("1,25 ha", "m2", 12_500.0),
        ("0,5 KM²", "m2", 500_000.0),
        ("2,5", "ha", 25_000.0),
        ("800 m2", "ha", 800.0),
    ],
)
def test_parse_area_units(text, unit, m2):
    assert parse_area(text, fmt=IT, unit=unit) == m2


def _italian(whole: int, cents: int) -> str:
    groups = f"{whole:,}".replace(",", ".")
    return f"{groups},{cents:02d}"


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99))
def test_italian_formatting_round_trips(whole, cents):
    assert parse_number(_italian(whole, cents), fmt=IT) == float(f"{whole}.{cents:02d}")


@given(st.integers(min_value=0, max_value=10**12))
def test_english_grouping_round_trips(whole):
    assert parse_number(f"{whole:,}", fmt=EN) == float(whole)


@given(st.integers(min_value=1000, max_value=999_999))
def test_undeclared_thousands_group_is_never_read_silently(n):
    # "12.500" must not become 12.5 without a declared convention
    with pytest.raises(NumberFormatError, match="ambiguous"):
        parse_number(f"{n:,}".replace(",", "."), fmt=UNDECLARED)


def test_number_format_validation():
    assert number_format({"decimal": ","}, where="m").group == "."
    assert number_format({"decimal": ",", "thousands": " "}, where="m").group == " "
    with pytest.raises(ConfigError, match="m: thousands '-' is not one of"):
        number_format({"decimal": ",", "thousands": "-"}, where="m")
