"""sim.analysis.stats on synthetic samples with known answers (no model runs)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis.stats import bootstrap_ci, kaplan_meier_median, paired, share_ci


def test_paired_recovers_a_known_shift():
    rng = np.random.default_rng(123)
    b = rng.normal(0.5, 0.1, 400)
    shift = 0.03
    a = b + shift + rng.normal(0.0, 0.02, b.size)  # paired: same seed, A better by `shift` on average
    r = paired(a, b)
    assert r["n"] == 400
    assert r["diff_lo"] < shift < r["diff_hi"]
    assert r["diff_lo"] < r["diff_mean"] < r["diff_hi"]
    assert r["diff_hi"] - r["diff_lo"] < 0.01  # pairing removes the between-seed spread (sd 0.1)
    assert r["diff_mean"] == pytest.approx(np.mean(a - b))
    assert r["diff_median"] == pytest.approx(np.median(a - b))
    assert r["median_a"] == pytest.approx(np.median(a)) and r["median_b"] == pytest.approx(np.median(b))
    assert r["p_better"] > 0.9 and r["p_worse"] < 0.1
    assert r["p_better"] + r["p_tie"] + r["p_worse"] == pytest.approx(1.0)


def test_paired_no_shift_interval_covers_zero():
    rng = np.random.default_rng(7)
    b = rng.normal(0.5, 0.1, 300)
    noise = rng.normal(0.0, 0.02, 150)
    a = b + np.concatenate([noise, -noise])  # paired differences symmetric around exactly 0
    r = paired(a, b)
    assert r["diff_mean"] == pytest.approx(0.0, abs=1e-12)
    assert r["diff_lo"] < 0.0 < r["diff_hi"]
    assert r["p_better"] == pytest.approx(r["p_worse"])


def test_paired_is_reproducible():
    rng = np.random.default_rng(1)
    a, b = rng.random(50), rng.random(50)
    assert paired(a, b) == paired(a, b)


def test_exact_ties_count_as_ties():
    b = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    a = b.copy()
    a[:2] += 0.1   # 2 better
    a[2:5] -= 0.1  # 3 worse, 5 exact ties
    r = paired(a, b)
    assert r["p_better"] == pytest.approx(0.2)
    assert r["p_worse"] == pytest.approx(0.3)
    assert r["p_tie"] == pytest.approx(0.5)
    assert r["p_better_half"] == pytest.approx(0.2 + 0.5 / 2)
    identical = paired(b, b)
    assert identical["p_tie"] == 1.0 and identical["p_better_half"] == 0.5
    assert identical["diff_lo"] == identical["diff_hi"] == 0.0


def test_tolerance_is_respected():
    b = np.zeros(4)
    # differences 0.0005 and -0.0005 are within the default tolerance 1e-3; 0.002 and -0.25 are not
    a = np.array([0.0005, -0.0005, 0.002, -0.25])
    r = paired(a, b)
    assert (r["p_better"], r["p_tie"], r["p_worse"]) == pytest.approx((0.25, 0.5, 0.25))
    # |A - B| <= tol is a tie, at the boundary too (0.25 is exact in binary)
    r = paired(a, b, tol=0.25)
    assert (r["p_better"], r["p_tie"], r["p_worse"]) == pytest.approx((0.0, 1.0, 0.0))
    # with no tolerance only exact equality ties
    r = paired(a, b, tol=0.0)
    assert (r["p_better"], r["p_tie"], r["p_worse"]) == pytest.approx((0.5, 0.0, 0.5))
    r = paired(np.array([0.0, 0.0, 0.1]), np.zeros(3), tol=0.0)
    assert r["p_tie"] == pytest.approx(2 / 3)


def test_lower_is_better_flips_better_and_worse():
    b = np.zeros(5)
    a = np.array([1.0, 2.0, 3.0, -1.0, 0.0])  # e.g. crisis months: A has more in 3 seeds, fewer in 1
    up = paired(a, b)
    down = paired(a, b, higher_is_better=False)
    assert (up["p_better"], up["p_tie"], up["p_worse"]) == pytest.approx((0.6, 0.2, 0.2))
    assert (down["p_better"], down["p_tie"], down["p_worse"]) == pytest.approx((0.2, 0.2, 0.6))
    assert down["p_better_half"] == pytest.approx(0.2 + 0.1)
    # the difference itself is still A - B
    assert down["diff_mean"] == up["diff_mean"] == pytest.approx(1.0)
    assert (down["diff_lo"], down["diff_hi"]) == (up["diff_lo"], up["diff_hi"])


def test_bootstrap_ci_and_share_ci():
    x = np.full(20, 0.5)
    assert bootstrap_ci(x) == (0.5, 0.5)
    assert all(math.isnan(v) for v in bootstrap_ci(np.array([])))
    scores = np.array([1.0] * 30 + [0.5] * 10 + [0.0] * 10)
    mean, lo, hi = share_ci(scores)
    assert mean == pytest.approx(0.7) and lo < 0.7 < hi
    assert share_ci(scores) == (mean, lo, hi)


def test_kaplan_meier_median_censored_example():
    # times (months to recovery) and whether recovery was observed (False: censored, run ended first)
    #   t:        2     3     3     5     7     8
    #   observed: yes   yes   no    yes   no    yes
    # S(t) drops only at observed times; censored ones leave the risk set after their time:
    #   t=2: 6 at risk, 1 event -> S = 5/6          = 0.833
    #   t=3: 5 at risk, 1 event -> S = 5/6 * 4/5    = 0.667  (the censored 3 is still at risk at t=3)
    #   t=5: 3 at risk, 1 event -> S = 0.667 * 2/3  = 0.444  <= 1/2, so the median is 5
    # (a mean over recovered runs only would say (2+3+5+8)/4 = 4.5; ignoring censoring, median of all = 4)
    times = np.array([5, 3, 8, 2, 7, 3])
    observed = np.array([True, False, True, True, False, True])
    assert kaplan_meier_median(times, observed) == 5.0


def test_kaplan_meier_median_without_censoring_and_when_undefined():
    # no censoring: S = 3/4, 2/4 at t=2 -> the median is 2 (the smallest t with S(t) <= 1/2)
    assert kaplan_meier_median(np.array([1, 2, 3, 4]), np.ones(4, bool)) == 2.0
    # mostly censored: S = 3/4 after t=1 and never falls further -> no median
    assert math.isnan(kaplan_meier_median(np.array([1, 2, 3, 4]), np.array([1, 0, 0, 0], bool)))
    # censoring before the events raises the later drops: t=1 censored, then 3 at risk:
    # t=2: S = 2/3, t=3: S = 2/3 * 1/2 = 1/3 -> median 3
    assert kaplan_meier_median(np.array([1, 2, 3, 4]), np.array([0, 1, 1, 1], bool)) == 3.0
