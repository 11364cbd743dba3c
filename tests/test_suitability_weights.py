"""Direct weights and AHP, checked on Saaty's published examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from seriana_gis._errors import ConfigError
from seriana_gis.suitability.weights import ahp, validate_weights

# Saaty (2008), "Decision making with the analytic hierarchy process",
# Int. J. Services Sciences 1(1), table "Which drink is consumed more in the US?".
# Published eigenvector (to 3 decimals) and consistency ratio C.R. = 0.022, as we
# remember them (the actual consumption shares were .180 .010 .040 .120 .180 .140 .330).
DRINKS = ["coffee", "wine", "tea", "beer", "sodas", "milk", "water"]
DRINKS_MATRIX = [
    [1, 9, 5, 2, 1, 1, "1/2"],
    ["1/9", 1, "1/3", "1/9", "1/9", "1/9", "1/9"],
    ["1/5", 3, 1, "1/3", "1/4", "1/3", "1/9"],
    ["1/2", 9, 3, 1, "1/2", 1, "1/3"],
    [1, 9, 4, 2, 1, 2, "1/2"],
    [1, 9, 3, 1, "1/2", 1, "1/3"],
    [2, 9, 9, 3, 2, 3, 1],
]
DRINKS_WEIGHTS = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]

# Saaty (1977), "A scaling method for priorities in hierarchical structures",
# J. Math. Psychology 15, the light-intensity experiment (four chairs at
# increasing distance from a lamp), also in Saaty (1980), ch. 2: published
# eigenvector .61 .24 .10 .05, lambda_max = 4.39, C.I. = 0.13, C.R. = 0.14
# (values as we remember them from the publications; the inverse-square law
# gives .61 .22 .11 .06).
LIGHT_MATRIX = [
    [1, 5, 6, 7],
    ["1/5", 1, 4, 6],
    ["1/6", "1/4", 1, 4],
    ["1/7", "1/6", "1/4", 1],
]


def test_saaty_2008_drinks() -> None:
    r = ahp(DRINKS_MATRIX, labels=DRINKS)
    np.testing.assert_allclose(r.weights, DRINKS_WEIGHTS, atol=0.0015)
    assert r.cr == pytest.approx(0.022, abs=0.002)
    assert r.weights.sum() == pytest.approx(1.0)


def test_saaty_1977_light_experiment_is_inconsistent() -> None:
    r = ahp(LIGHT_MATRIX, accept_inconsistent=True)
    np.testing.assert_allclose(r.weights, [0.61, 0.24, 0.10, 0.05], atol=0.01)
    assert r.lambda_max == pytest.approx(4.39, abs=0.006)
    assert r.ci == pytest.approx(0.13, abs=0.006)
    assert r.cr == pytest.approx(0.14, abs=0.006)  # CI / RI(4) = 0.13 / 0.90
    with pytest.raises(ConfigError, match=r"CR = 0\.14\d > 0\.1.*accept_inconsistent"):
        ahp(LIGHT_MATRIX, where="light.yaml")


def test_least_consistent_judgement_is_named() -> None:
    # A consistent matrix from weights .4 .3 .2 .1 (a_ij = w_i / w_j), with one
    # judgement reversed: c1 vs c4 should be 4 but is given as 1/4.
    w = [0.4, 0.3, 0.2, 0.1]
    m = [[w[i] / w[j] for j in range(4)] for i in range(4)]
    m[0][3], m[3][0] = 0.25, 4.0
    with pytest.raises(ConfigError) as err:
        ahp(m, labels=["a", "b", "c", "d"], where="p.yaml, weighting.matrix")
    text = str(err.value)
    assert text.startswith("p.yaml, weighting.matrix")
    assert "Least consistent: a vs d: given 1/4" in text
    r = ahp(m, labels=["a", "b", "c", "d"], accept_inconsistent=True)
    assert (r.judgements[0].row, r.judgements[0].col) == ("a", "d")


@settings(max_examples=40, deadline=None)
@given(hst.lists(hst.floats(0.05, 20), min_size=1, max_size=9))
def test_consistent_matrix_recovers_its_weights(raw: list[float]) -> None:
    w = np.array(raw) / sum(raw)
    m = np.outer(w, 1 / w)
    r = ahp(m)
    np.testing.assert_allclose(r.weights, w, rtol=1e-6, atol=1e-9)
    assert r.cr == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    ("matrix", "match"),
    [
        ([[1, 2], [0.5]], "square"),
        ([[1, 2], [2, 1]], "not reciprocal"),
        ([[1, -2], [-0.5, 1]], "positive"),
        ([[2, 2], [0.5, 2]], "diagonal"),
        ([[1, "x"], [1, 1]], "fraction"),
        ([[1, True], [1, 1]], "pairwise judgement"),
    ],
)
def test_bad_matrices(matrix: list[list[object]], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        ahp(matrix)


def test_validate_weights_normalises() -> None:
    assert validate_weights({"a": 3, "b": 1}, where="w") == {"a": 0.75, "b": 0.25}
    assert validate_weights({"a": 0, "b": 2}, where="w") == {"a": 0.0, "b": 1.0}


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ({"a": -1, "b": 2}, "negative"),
        ({"a": math.nan, "b": 2}, "finite"),
        ({"a": math.inf}, "finite"),
        ({"a": 0, "b": 0.0}, "all weights are zero"),
        ({"a": "heavy"}, "must be a number"),
        ({"a": None}, "has no weight"),
    ],
)
def test_bad_weights(weights: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        validate_weights(weights, where="analyses/x.yaml")
