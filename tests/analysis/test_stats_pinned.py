"""sim.analysis.stats and sim.analysis pinned on small inputs with hand-worked answers: Holm, the bootstrap interval,
paired shares, Wilson, Wilcoxon with zeros split, d_z, the Kaplan-Meier median, and the policy tables
(compare, weighted health, robustness, regret, satisficing, win matrix, the payoff game)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from sim import analysis as A
from sim.analysis.stats import bootstrap_ci, effect_size, holm, kaplan_meier_median, paired, wilcoxon_p, wilson

SEED = 20260101  # the bootstrap seed documented in sim.analysis.stats
Z = 1.959964


# ---- sim.analysis.stats ------------------------------------------------------------------------------------------

def test_holm_steps_down_and_stays_monotone():
    """Holm multiplies the k-th smallest of m p-values by (m - k + 1), not by m (Bonferroni), and never lets
    an adjusted p fall below a smaller p's adjusted value: p = 0.01, 0.04, 0.03, 0.2 sorted 0.01, 0.03, 0.04,
    0.2 -> 4*0.01 = 0.04, 3*0.03 = 0.09, max(0.09, 2*0.04 = 0.08) = 0.09, max(0.09, 1*0.2) = 0.2
    (Bonferroni: 0.04, 0.16, 0.12, 0.8)."""
    adj = holm(np.array([0.01, 0.04, 0.03, 0.2]))
    assert adj == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert holm(np.array([0.3, 0.6])) == pytest.approx([0.6, 0.6])  # capped/monotone: 2*0.3, max(0.6, 0.6)
    assert holm(np.array([0.5, 0.9])) == pytest.approx([1.0, 1.0])  # capped at 1


def test_bootstrap_ci_is_the_percentile_interval_of_seeded_resamples():
    """The 95% interval is the 2.5% and 97.5% quantiles of 2000 resample means drawn with the documented
    seed (indices uniform over every element)."""
    x = np.array([0.1, 0.4, 0.2, 0.9, 0.5, 0.3, 1.4, 0.0])
    rng = np.random.default_rng(SEED)
    idx = rng.integers(0, x.size, (2000, x.size))
    means = x[idx].mean(axis=1)
    lo, hi = bootstrap_ci(x)
    assert lo == pytest.approx(np.quantile(means, 0.025), abs=1e-12)
    assert hi == pytest.approx(np.quantile(means, 0.975), abs=1e-12)
    lo90, hi90 = bootstrap_ci(x, level=0.9)
    assert lo90 == pytest.approx(np.quantile(means, 0.05), abs=1e-12)
    assert lo < lo90 < hi90 < hi


def test_bootstrap_can_draw_every_element():
    """Every element, the last one too, can be drawn: the maximum over resamples of a sample whose only
    nonzero value is last reaches it."""
    x = np.array([0.0, 0.0, 0.0, 0.0, 1.0])
    assert bootstrap_ci(x, stat=np.max)[1] == 1.0
    assert bootstrap_ci(x)[1] > 0.0
    assert bootstrap_ci(x[::-1], stat=np.max)[1] == 1.0


def test_paired_shares_follow_the_direction_and_the_tolerance():
    """Better/worse follow the outcome's direction (for a lower-is-better outcome, A lower is better) and
    differences within tol are ties."""
    b = np.zeros(6)
    a = np.array([2.0, 3.0, -1.0, 0.0005, -0.0008, 1.0])
    up = paired(a, b)  # differences: 3 above tol, 1 below -tol, 2 within tol
    assert (up["p_better"], up["p_tie"], up["p_worse"]) == pytest.approx((3 / 6, 2 / 6, 1 / 6))
    down = paired(a, b, higher_is_better=False)
    assert (down["p_better"], down["p_tie"], down["p_worse"]) == pytest.approx((1 / 6, 2 / 6, 3 / 6))
    assert down["p_better_half"] == pytest.approx(1 / 6 + 1 / 6)
    assert down["diff_mean"] == pytest.approx(np.mean(a))  # the difference is A - B either way


def _wilson_by_formula(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def test_wilson_matches_the_closed_form():
    """Wilson's interval: at k=0 of n=10 it is [0, z^2 / (n + z^2)] = [0, 0.2775] (not [0, 0.139] around the
    raw share); at 5 of 10 it is the symmetric [0.2366, 0.7634]; at 2 of 10 its centre is pulled to 1/2."""
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(Z**2 / (10 + Z**2), abs=1e-9)
    assert hi == pytest.approx(0.27753, abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.23659, 0.76341), abs=1e-4)
    lo, hi = wilson(2, 10)
    assert (lo, hi) == pytest.approx(_wilson_by_formula(2, 10), abs=1e-12)
    assert (lo + hi) / 2 > 0.2 + 0.02
    assert all(math.isnan(v) for v in wilson(0, 0))


def test_wilcoxon_splits_zero_differences():
    """Zero differences are split between the signs (scipy's zsplit), which differs from dropping them."""
    d = np.array([0.0] * 5 + [1.0, 2.0, 3.0, 4.0, -5.0, 6.0, 7.0, 8.0, 9.0, -10.0, 11.0, 12.0, 13.0, 14.0, 15.0])
    split = sps.wilcoxon(d, zero_method="zsplit").pvalue    # about 0.0067
    dropped = sps.wilcoxon(d, zero_method="wilcox").pvalue  # about 0.0106
    assert dropped - split > 0.002
    assert wilcoxon_p(d) == pytest.approx(split, rel=1e-12)
    assert wilcoxon_p(np.zeros(5)) == 1.0
    assert wilcoxon_p(np.arange(1, 11) * 0.01) == pytest.approx(2 / 2**10)  # all 10 positive: exact


def test_effect_size_uses_the_sample_sd():
    """d_z = mean / sd with ddof=1: for 1, 2, 3, 4 it is 2.5 / sqrt(5/3) = 1.936 (not 2.5 / sqrt(1.25))."""
    assert effect_size(np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(2.5 / math.sqrt(5 / 3))
    assert effect_size(np.array([0.0, 0.0])) == 0.0
    assert effect_size(np.array([-0.5, -0.5])) == -math.inf


def test_kaplan_meier_median_removes_censored_times_from_the_risk_set():
    """Times 2, 3, 3+, 5, 7+, 8 (+ censored): S = 5/6 at 2, 5/6 * 4/5 at 3, then 4 at risk less the censored
    3 leaves 3 at risk: S = 2/3 * 2/3 = 0.444 at 5 -> median 5. Dividing by all 6 instead would keep S above
    1/2 until 8."""
    times = np.array([5, 3, 8, 2, 7, 3])
    observed = np.array([True, False, True, True, False, True])
    assert kaplan_meier_median(times, observed) == 5.0


# ---- sim.analysis -------------------------------------------------------------------------------------------

def _tidy(a: dict, b: dict, scenario: str = "s") -> pd.DataFrame:
    """Summaries of two_track (a) and linked (b): dicts of outcome -> per-seed values."""
    n = len(next(iter(a.values())))
    rows = []
    for strat, vals in (("two_track", a), ("linked", b)):
        for seed in range(n):
            rows.append({"scenario": scenario, "strategy": strat, "seed": seed,
                         **{k: float(v[seed]) for k, v in vals.items()}})
    return pd.DataFrame(rows)


def test_paired_differences_are_a_minus_b():
    """paired_differences pairs by seed and gives A - B."""
    df = _tidy({"health_discounted": [0.6, 0.5, 0.7]}, {"health_discounted": [0.4, 0.55, 0.7]})
    pdiff = A.paired_differences(df, "health_discounted", "two_track", "linked").set_index("seed")
    assert pdiff["diff"].to_numpy() == pytest.approx([0.2, -0.05, 0.0])
    assert pdiff["a"].to_numpy() == pytest.approx([0.6, 0.5, 0.7])
    row = A.compare(df, "two_track", "linked", ["health_discounted"]).iloc[0]
    assert row["diff"] == pytest.approx(0.05)


def test_compare_holm_adjusts_over_all_rows():
    """Two outcomes whose Wilcoxon p-values are known exactly: ten positive differences give 2/2^10, nine
    positive and the smallest negative give 4/2^10; Holm over both rows: 2 * 2/1024 and max(that, 4/1024),
    i.e. 4/1024 for both."""
    up = np.arange(1, 11) * 0.01
    mixed = up.copy()
    mixed[0] = -mixed[0]
    base = np.full(10, 0.5)
    df = _tidy({"health_discounted": base + up, "cooperation_discounted": base + mixed},
               {"health_discounted": base, "cooperation_discounted": base})
    t = A.compare(df, "two_track", "linked", ["health_discounted", "cooperation_discounted"]).set_index("outcome")
    assert t.loc["health_discounted", "p_value"] == pytest.approx(2 / 1024)
    assert t.loc["cooperation_discounted", "p_value"] == pytest.approx(4 / 1024)
    assert t["p_adjusted"].to_numpy() == pytest.approx([4 / 1024, 4 / 1024])
    assert A.adjust(t)["p_adjusted"].to_numpy() == pytest.approx([4 / 1024, 4 / 1024])


def test_verdict_needs_the_whole_interval_beyond_the_margin():
    """A sure difference of 0.005 is 'A better' with no margin but 'no clear difference' with margin 0.01;
    -0.02 with margin 0.01 is 'B better'."""
    b = np.linspace(0.4, 0.6, 20)
    for shift, margin, verdict in ((0.005, 0.01, "no clear difference"), (0.005, 0.0, "A better"),
                                   (-0.02, 0.01, "B better"), (0.02, 0.01, "A better")):
        df = _tidy({"health_discounted": b + shift}, {"health_discounted": b})
        row = A.compare(df, "two_track", "linked", ["health_discounted"],
                        margins={"health_discounted": margin}).iloc[0]
        assert row["verdict"] == verdict, (shift, margin)
        assert row["margin"] == margin


def test_verdict_follows_lower_is_better_outcomes():
    """For crisis_months (lower is better, margin 1 month) A with 3 fewer crisis months in every seed is
    'A better', and 3 more is 'B better'."""
    b = np.array([5.0, 8.0, 6.0, 10.0, 7.0, 9.0])
    fewer = A.compare(_tidy({"crisis_months": b - 3}, {"crisis_months": b}), "two_track", "linked",
                      ["crisis_months"]).iloc[0]
    assert fewer["verdict"] == "A better" and fewer["p_better"] == 1.0 and fewer["diff"] == pytest.approx(-3)
    more = A.compare(_tidy({"crisis_months": b + 3}, {"crisis_months": b}), "two_track", "linked",
                     ["crisis_months"]).iloc[0]
    assert more["verdict"] == "B better" and more["p_worse"] == 1.0


def test_weighted_health_normalises_the_weights():
    """A weighting's component weights are normalised to sum 1: {2, 1, 1} gives (2c + o + d) / 4, and None
    keeps the scenario's own discounted health."""
    df = pd.DataFrame({"scenario": ["s"], "strategy": ["two_track"], "seed": [0], "health_discounted": [0.123],
                       "health_cooperation_discounted": [0.8], "health_opinion_discounted": [0.4],
                       "health_disputes_discounted": [0.2]})
    out = A.weighted_health(df, {"own": None, "w": {"cooperation": 2.0, "opinion": 1.0, "disputes": 1.0},
                                 "coop": {"cooperation": 5.0}})
    assert out["health[w]"].iloc[0] == pytest.approx((2 * 0.8 + 0.4 + 0.2) / 4)
    assert out["health[coop]"].iloc[0] == pytest.approx(0.8)
    assert out["health[own]"].iloc[0] == 0.123


def _components(coop: float, opinion: float, disputes: float, n: int = 12) -> pd.DataFrame:
    """Summaries in which A - B is (coop, opinion, disputes) on the three components, give or take 5%."""
    base = 0.3 + 0.4 * np.arange(n) / n
    spread = 1 + 0.1 * (np.arange(n) / n - 0.5)  # distinct differences (no ties for the Wilcoxon test)
    comps = ("health_cooperation_discounted", "health_opinion_discounted", "health_disputes_discounted")
    a = {c: base + s * spread for c, s in zip(comps, (coop, opinion, disputes), strict=True)}
    b = {c: base.copy() for c in comps}
    a["health_discounted"] = 0.5 * a[comps[0]] + 0.25 * a[comps[1]] + 0.25 * a[comps[2]]
    b["health_discounted"] = 0.5 * b[comps[0]] + 0.25 * b[comps[1]] + 0.25 * b[comps[2]]
    return _tidy(a, b)


def test_robust_only_when_every_weighting_agrees():
    """A verdict is robust only when it is the same under every weighting: better cooperation but worse
    disputes gives 'A better' weighted on cooperation, 'B better' on disputes -> not robust; better on all
    three components -> robust."""
    ws = {"coop": {"cooperation": 1.0}, "disp": {"disputes": 1.0}}
    mixed = A.robustness(_components(0.05, 0.0, -0.05), "two_track", "linked", weightings=ws)
    v = mixed.set_index("criterion")["verdict"]
    assert v["weighting: coop"] == "A better" and v["weighting: disp"] == "B better"
    assert not mixed["robust"].any()
    clear = A.robustness(_components(0.05, 0.05, 0.05), "two_track", "linked", weightings=ws)
    assert clear["robust"].all()


def test_regret_of_a_lower_is_better_outcome_is_measured_from_the_lowest():
    """For crisis months (lower is better) the best strategy is the one with the fewest; regret is how many
    more the other has: medians 2 and 5 -> regret 0 and 3."""
    df = _tidy({"crisis_months": [1.0, 2.0, 3.0]}, {"crisis_months": [4.0, 5.0, 6.0]})
    reg = A.regret(df, "crisis_months").set_index("strategy")
    assert reg.loc["two_track", "best"] == 2.0
    assert reg.loc["two_track", "regret"] == 0.0 and reg.loc["linked", "regret"] == 3.0
    assert reg.loc["linked", "max_regret"] == 3.0


def test_satisficing_counts_runs_meeting_the_standard():
    """The share of runs with health_min >= 0.45 (three of four here) with its Wilson interval; with
    above=False the share at or below the threshold."""
    df = _tidy({"health_min": [0.5, 0.6, 0.7, 0.3]}, {"health_min": [0.1, 0.2, 0.3, 0.5]})
    sat = A.satisficing(df, "health_min", 0.45).set_index("strategy")
    assert sat.loc["two_track", "share"] == 0.75 and sat.loc["linked", "share"] == 0.25
    assert (sat.loc["two_track", "lo"], sat.loc["two_track", "hi"]) == pytest.approx(wilson(3, 4))
    below = A.satisficing(df, "health_min", 0.45, above=False).set_index("strategy")
    assert below.loc["two_track", "share"] == 0.25


def test_win_matrix_shares_near_ties():
    """A strategy wins a seed when it is best; strategies within tol of the best share the win: seed 0 a
    near-tie (0.5 vs 0.5005), seed 1 a clear win for two-track -> 0.75 and 0.25."""
    df = _tidy({"health_discounted": [0.5, 0.7]}, {"health_discounted": [0.5005, 0.6]})
    win = A.win_matrix(df).set_index("strategy")["value"]
    assert win["two_track"] == pytest.approx(0.75) and win["linked"] == pytest.approx(0.25)
    low = A.win_matrix(_tidy({"crisis_months": [3.0, 2.0]}, {"crisis_months": [4.0, 2.0]}), "crisis_months")
    assert low.set_index("strategy")["value"]["two_track"] == pytest.approx(0.75)  # fewer crisis months win


def test_payoff_game_best_responses_are_given_the_other_choice():
    """KR's best response maximises payoff_KR over KR's choices given JP's choice (and vice versa): in this
    prisoner's dilemma linking is each side's best response to both choices, so (linked, linked) is the only
    equilibrium."""
    pay = {("two_track", "two_track"): (0.6, 0.6), ("two_track", "linked"): (0.4, 0.7),
           ("linked", "two_track"): (0.7, 0.4), ("linked", "linked"): (0.5, 0.5)}
    rows = []
    for (kr, jp), (pk, pj) in pay.items():
        label = kr if kr == jp else f"kr={kr},jp={jp}"
        rows += [{"scenario": "s", "strategy": label, "seed": s, "payoff_KR": pk, "payoff_JP": pj}
                 for s in range(3)]
    game = A.payoff_game(pd.DataFrame(rows), "s").set_index(["KR", "JP"])
    kr_br = game["KR_best_response"].to_dict()
    assert kr_br == {("two_track", "two_track"): False, ("two_track", "linked"): False,
                     ("linked", "two_track"): True, ("linked", "linked"): True}
    jp_br = game["JP_best_response"].to_dict()
    assert jp_br == {("two_track", "two_track"): False, ("two_track", "linked"): True,
                     ("linked", "two_track"): False, ("linked", "linked"): True}
    assert game["equilibrium"].to_dict() == {k: k == ("linked", "linked") for k in pay}
    assert game.loc[("linked", "two_track"), "payoff_KR"] == pytest.approx(0.7)
