"""WLC, TOPSIS and OWA on three hand-computed sites."""

from __future__ import annotations

import math

import numpy as np

from seriana_gis.suitability.aggregate import aggregate, owa, topsis, wlc

# Three sites (rows) x three standardised criteria, weights 0.5 / 0.3 / 0.2.
S = np.array([[1.0, 0.2, 0.5], [0.4, 0.8, 0.6], [0.0, 1.0, 1.0]])
W = np.array([0.5, 0.3, 0.2])


def test_wlc_by_hand() -> None:
    # A: .5*1 + .3*.2 + .2*.5 = .5 + .06 + .1 = .66
    # B: .5*.4 + .3*.8 + .2*.6 = .2 + .24 + .12 = .56
    # C: 0 + .3 + .2 = .5
    np.testing.assert_allclose(wlc(S, W), [0.66, 0.56, 0.5])


def test_wlc_broadcasts_over_draws() -> None:
    draws = np.array([W, [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(wlc(S, draws), [[0.66, 0.56, 0.5], [1.0, 0.4, 0.0]])


def test_topsis_observed_by_hand() -> None:
    # V = S * W: A (.5, .06, .1), B (.2, .24, .12), C (0, .3, .2)
    # ideal (.5, .3, .2), anti-ideal (0, .06, .1)
    # A: D+ = sqrt(.24^2 + .1^2) = sqrt(.0676) = .26, D- = .5        -> .5/.76
    # B: D+ = sqrt(.3^2 + .06^2 + .08^2) = sqrt(.1),
    #    D- = sqrt(.2^2 + .18^2 + .02^2) = sqrt(.0728)               -> sqrt(.0728)/(sqrt(.1)+sqrt(.0728))
    # C: D+ = .5, D- = .26                                           -> .26/.76
    b = math.sqrt(0.0728) / (math.sqrt(0.1) + math.sqrt(0.0728))
    np.testing.assert_allclose(topsis(S, W), [0.5 / 0.76, b, 0.26 / 0.76])


def test_topsis_absolute_by_hand() -> None:
    # ideal = W = (.5, .3, .2), anti-ideal = 0
    # A: D+ = .26, D- = sqrt(.25 + .0036 + .01) = sqrt(.2636)
    a = math.sqrt(0.2636) / (0.26 + math.sqrt(0.2636))
    # C: D+ = .5, D- = sqrt(.09 + .04) = sqrt(.13)
    c = math.sqrt(0.13) / (0.5 + math.sqrt(0.13))
    out = topsis(S, W, ideal="absolute")
    np.testing.assert_allclose(out[[0, 2]], [a, c])


def test_topsis_single_ideal_site_scores_one() -> None:
    np.testing.assert_allclose(topsis(np.array([[1.0, 1.0], [0.0, 0.0]]), [0.5, 0.5]), [1.0, 0.0])


def test_owa_by_hand() -> None:
    v = [0.2, 0.3, 0.5]
    # A: sorted values 1 (c1), .5 (c3), .2 (c2); u = .5, .2, .3; uv = .1, .06, .15 (sum .31)
    #    (.1*1 + .06*.5 + .15*.2)/.31 = .16/.31
    # B: sorted .8 (c2), .6 (c3), .4 (c1); u = .3, .2, .5; uv = .06, .06, .25 (sum .37)
    #    (.048 + .036 + .1)/.37 = .184/.37
    # C: sorted 1 (c2), 1 (c3), 0 (c1) (ties keep criteria order); uv = .06, .06, .25
    #    (.06 + .06 + 0)/.37 = .12/.37
    np.testing.assert_allclose(owa(S, W, order_weights=v), [0.16 / 0.31, 0.184 / 0.37, 0.12 / 0.37])


def test_owa_special_cases() -> None:
    third = [1 / 3, 1 / 3, 1 / 3]
    np.testing.assert_allclose(owa(S, W, order_weights=third), wlc(S, W))  # equal order weights
    np.testing.assert_allclose(owa(S, W, order_weights=[1, 0, 0]), [1.0, 0.8, 1.0])  # best value
    np.testing.assert_allclose(owa(S, W, order_weights=[0, 0, 1]), [0.2, 0.4, 0.0])  # worst value


def test_aggregate_dispatch() -> None:
    np.testing.assert_allclose(aggregate(S, W, method="wlc"), wlc(S, W))
    np.testing.assert_allclose(aggregate(S, W, method="topsis"), topsis(S, W))
    np.testing.assert_allclose(
        aggregate(S, W, method="owa", order_weights=[0.2, 0.3, 0.5]),
        owa(S, W, order_weights=[0.2, 0.3, 0.5]),
    )
