"""Standardisation methods on three hand-computed sites."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seriana_gis._errors import ConfigError
from seriana_gis.suitability import standardise as st


def test_linear_minmax_benefit_and_cost() -> None:
    # x = 2, 5, 11: min 2, max 11, span 9 -> 0, 3/9, 9/9
    x = [2.0, 5.0, 11.0]
    np.testing.assert_allclose(st.linear_minmax(x, direction="benefit"), [0, 1 / 3, 1])
    np.testing.assert_allclose(st.linear_minmax(x, direction="cost"), [1, 2 / 3, 0])


def test_linear_minmax_nan_and_constant() -> None:
    out = st.linear_minmax([2.0, np.nan, 4.0], direction="benefit")
    assert out[0] == 0 and math.isnan(out[1]) and out[2] == 1
    # no spread: every site equally (fully) suitable, whichever direction
    np.testing.assert_array_equal(st.linear_minmax([3.0, 3.0, 3.0], direction="cost"), [1, 1, 1])


def test_linear_minmax_rows_are_independent() -> None:
    # 2-D input (one row per draw): each row has its own min and max
    out = st.linear_minmax([[0.0, 5.0, 10.0], [10.0, 20.0, 30.0]], direction="benefit")
    np.testing.assert_allclose(out, [[0, 0.5, 1], [0, 0.5, 1]])


def test_linear_range_clips() -> None:
    # low 4, high 10: (2-4)/6 = -1/3 -> 0; (5-4)/6 = 1/6; (11-4)/6 = 7/6 -> 1
    x = [2.0, 5.0, 11.0]
    np.testing.assert_allclose(st.linear_range(x, low=4, high=10), [0, 1 / 6, 1])
    np.testing.assert_allclose(st.linear_range(x, low=4, high=10, direction="cost"), [1, 5 / 6, 0])


def test_fuzzy_linear() -> None:
    np.testing.assert_allclose(st.fuzzy_linear([4.0, 7.0, 10.0], a=4, b=10), [0, 0.5, 1])
    np.testing.assert_allclose(
        st.fuzzy_linear([4.0, 7.0, 10.0], a=4, b=10, direction="cost"), [1, 0.5, 0]
    )


def test_fuzzy_sigmoid() -> None:
    # a 2, b 10.  x=2: alpha = pi/2, cos^2 = 0.  x=6: t=0.5, alpha = pi/4, cos^2 = 1/2.
    # x=8: t=0.75, alpha = pi/8, cos^2(pi/8) = (1 + cos(pi/4))/2 = (1 + sqrt2/2)/2 = 0.853553
    expected = [0.0, 0.5, (1 + math.sqrt(2) / 2) / 2]
    np.testing.assert_allclose(st.fuzzy_sigmoid([2.0, 6.0, 8.0], a=2, b=10), expected, atol=1e-12)
    cost = st.fuzzy_sigmoid([2.0, 6.0, 8.0], a=2, b=10, direction="cost")
    np.testing.assert_allclose(cost, [1.0, 0.5, 0.146447], atol=1e-6)


def test_fuzzy_j() -> None:
    # a 4, b 10. x=4: z = -6/6 = -1 -> 1/(1+1) = 0.5. x=7: z = -0.5 -> 1/1.25 = 0.8. x=12 >= b -> 1
    np.testing.assert_allclose(st.fuzzy_j([4.0, 7.0, 12.0], a=4, b=10), [0.5, 0.8, 1.0])
    np.testing.assert_allclose(
        st.fuzzy_j([4.0, 7.0, 12.0], a=4, b=10, direction="cost"), [0.5, 0.2, 0.0]
    )


def test_step() -> None:
    x = [2.0, 5.0, 11.0]
    np.testing.assert_array_equal(st.step(x, threshold=5), [0, 1, 1])  # x >= 5
    np.testing.assert_array_equal(st.step(x, threshold=5, direction="cost"), [1, 1, 0])  # x <= 5
    assert math.isnan(st.step([np.nan], threshold=1)[0])


def test_ideal_with_and_without_width() -> None:
    # ideal 6: distances 4, 1, 5
    x = [2.0, 5.0, 11.0]
    # width 4: 1 - 4/4 = 0, 1 - 1/4 = 0.75, max(0, 1 - 5/4) = 0
    np.testing.assert_allclose(st.ideal(x, ideal=6, width=4), [0, 0.75, 0])
    # no width: the largest distance, 5: 1 - 4/5, 1 - 1/5, 1 - 5/5
    np.testing.assert_allclose(st.ideal(x, ideal=6), [0.2, 0.8, 0.0])
    np.testing.assert_allclose(st.ideal(x, ideal=6, direction="cost"), [0.8, 0.2, 1.0])


@pytest.mark.parametrize("method", list(st.METHODS))
def test_every_method_keeps_nan_and_stays_in_unit_interval(method: str) -> None:
    params = {"low": 0.0, "high": 10.0, "a": 0.0, "b": 10.0, "threshold": 5.0, "ideal": 5.0}
    spec = st.METHODS[method]
    s = st.Standardisation(method, {k: params[k] for k in spec.required})
    x = np.array([-5.0, 0.0, 3.0, np.nan, 7.0, 20.0])
    for direction in st.DIRECTIONS:
        out = s.apply(x, direction=direction)
        assert math.isnan(out[3])
        finite = out[~np.isnan(out)]
        assert np.all((finite >= 0) & (finite <= 1))


def test_parse_standardisation_errors() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown standardisation 'fuzzy_sigmod'.*'fuzzy_sigmoid'"
    ):
        st.parse_standardisation("fuzzy_sigmod", where="f.yaml, criteria.x")
    with pytest.raises(ConfigError, match="needs a, b"):
        st.parse_standardisation({"method": "fuzzy_j"}, where="w")
    with pytest.raises(ConfigError, match="unknown parameter 'hgh'.*'high'"):
        st.parse_standardisation({"method": "linear_range", "low": 1, "hgh": 2}, where="w")
    with pytest.raises(ConfigError, match="low < high"):
        st.parse_standardisation({"method": "linear_range", "low": 3, "high": 2}, where="w")
    with pytest.raises(ConfigError, match="finite number"):
        st.parse_standardisation({"method": "step", "threshold": "x"}, where="w")
    with pytest.raises(ConfigError, match="positive"):
        st.parse_standardisation({"method": "ideal", "ideal": 1, "width": 0}, where="w")
    assert st.parse_standardisation("linear_minmax", where="w").is_relative
