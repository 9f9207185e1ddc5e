"""sim.model.outputs pinned on small constructed cases: discount weights, one month's record of the Recorder
(health and its components, polls, payoffs, visitors), the per-run summary on hand-built monthly frames, and
the lengths of burn-in and horizon."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim import RelationsModel, run
from sim.model.disputes import Dispute
from sim.model.outputs import COLUMNS, discount_weights, summarise
from sim.params import COUNTRIES, FIELDS
from tests.helpers import pinned_scenario

QUIET = {"provocation.rate.KR": 0.0, "provocation.rate.JP": 0.0}

# One month's hand-built population statistics, per group (KR youth, KR public, JP youth, JP public).
N = np.array([10.0, 30.0, 20.0, 40.0])
GOOD = np.array([6.0, 12.0, 10.0, 24.0])    # shares 0.6, 0.4, 0.5, 0.6
BAD = np.array([1.0, 9.0, 2.0, 4.0])        # shares 0.1, 0.3, 0.1, 0.1
VISITS = np.array([3.0, 6.0, 2.0, 12.0])    # per head 0.3, 0.2, 0.1, 0.3
W = np.array([0.25, 0.75, 0.1, 0.9])        # population weight of each group within its country
REALISED = np.array([0.2, 0.8, 0.5, 0.3])   # security, economy, society, technology
SEVERITY = 0.8


def _recorded_row(contact=1.0, approval=(0.9, 0.2), **overrides) -> tuple[dict, RelationsModel]:
    """Build a quiet model, put the hand-built state in place and record one month."""
    scenario = pinned_scenario(horizon=3, burn_in=0, **QUIET, **overrides)
    model = RelationsModel(scenario, "two_track", 0)
    model.group_stats = {"n": N, "trust": 0.5 * N, "trust2": 0.3 * N, "good": GOOD, "bad": BAD,
                    "grievance": 0.4 * N, "low_grievance": 0.5 * N, "exposure": 0.5 * N, "visits": VISITS}
    model.group_weights = W.copy()
    model.realised = REALISED.copy()
    model.disputes.items = [Dispute(0, "dokdo", 0, SEVERITY, 0)]
    model.contact = contact
    for gv, a in zip(model.governments, approval, strict=True):
        gv.approval = a
    model.recorder.record(0)
    return dict(zip(COLUMNS, model.recorder.table[0], strict=True)), model


def _country_share(counts: np.ndarray) -> np.ndarray:
    """Population-weighted share per country (KR, JP) of per-group counts."""
    share = counts / N
    return np.array([W[0] * share[0] + W[1] * share[1], W[2] * share[2] + W[3] * share[3]]) / \
        np.array([W[0] + W[1], W[2] + W[3]])


# ---- discount weights -------------------------------------------------------------------------------------

def test_discount_weights_exact_and_earlier_months_weigh_more():
    """Monthly discount weights are beta^t with beta = (1 + r)^(-1/12), normalised to sum 1: earlier months
    weigh more, by exactly the factor beta per month."""
    r = 0.5
    beta = 1.5 ** (-1 / 12)
    expected = np.array([1.0, beta, beta**2]) / (1 + beta + beta**2)
    w = discount_weights(3, r)
    assert w == pytest.approx(expected, rel=1e-12)
    assert w[0] > w[1] > w[2]
    assert w[1] / w[0] == pytest.approx(beta)
    assert discount_weights(4, 0.0) == pytest.approx([0.25] * 4)


def test_discounted_summary_uses_the_discount_weights():
    """Discounted health in the summary is the discount-weighted mean of monthly health (earlier months
    count more)."""
    data = pinned_scenario().data
    frame = _frame(3)
    frame["health"] = [0.9, 0.5, 0.1]
    out = summarise(frame, _no_events(), data)
    beta = 1.03 ** (-1 / 12)
    w = np.array([1.0, beta, beta**2]) / (1 + beta + beta**2)
    assert out["health_discounted"] == pytest.approx(w @ [0.9, 0.5, 0.1], rel=1e-12)
    assert out["health_discounted"] > 0.5  # the plain mean; early (high) months weigh more


# ---- one month's record -------------------------------------------------------------------------------------

def test_opinion_component_is_half_of_one_plus_mean_good_minus_bad():
    """The opinion component of health is (1 + mean over countries of (good - bad)) / 2: more good than bad
    impressions put it above 1/2."""
    row, _ = _recorded_row()
    good, bad = _country_share(GOOD), _country_share(BAD)
    assert good == pytest.approx([0.45, 0.59]) and bad == pytest.approx([0.25, 0.10])
    assert row["good_KR"] == pytest.approx(0.45) and row["bad_JP"] == pytest.approx(0.10)
    expected = (1 + np.mean(good - bad)) / 2  # (1 + (0.20 + 0.49) / 2) / 2 = 0.6725
    assert row["health_opinion"] == pytest.approx(0.6725)
    assert row["health_opinion"] == pytest.approx(expected)


def test_health_is_the_normalised_weighted_mean_of_its_components():
    """Health = normalised weights . (cooperation, opinion, exp(-severity)), each weight on its own
    component (unequal weights 0.6, 0.3, 0.3 sum to 1.2 and are normalised)."""
    hw = {"outputs.health_weights.cooperation": 0.6, "outputs.health_weights.opinion": 0.3,
          "outputs.health_weights.disputes": 0.3}
    row, _ = _recorded_row(**hw)
    coop = REALISED.mean()
    opinion = 0.6725
    disputes = math.exp(-SEVERITY)
    assert row["cooperation"] == pytest.approx(coop)
    assert row["health_cooperation"] == pytest.approx(coop)
    assert row["health_disputes"] == pytest.approx(disputes)
    assert row["severity"] == pytest.approx(SEVERITY)
    assert row["health"] == pytest.approx((0.6 * coop + 0.3 * opinion + 0.3 * disputes) / 1.2)
    # the weights on cooperation and opinion swapped would give a different health here
    assert abs((0.6 * coop + 0.3 * opinion) - (0.6 * opinion + 0.3 * coop)) > 0.05


def test_polls_report_good_as_good_and_bad_as_bad():
    """With a large poll, the poll's good and bad shares are close to the population's good and bad shares
    (which differ widely here), and the three categories sum to 1."""
    row, _ = _recorded_row(**{"outputs.poll_size": 200_000})
    for c, good, bad in (("KR", 0.45, 0.25), ("JP", 0.59, 0.10)):
        assert row[f"poll_good_{c}"] == pytest.approx(good, abs=0.01)
        assert row[f"poll_bad_{c}"] == pytest.approx(bad, abs=0.01)
        assert row[f"poll_neither_{c}"] == pytest.approx(1 - good - bad, abs=0.01)
        assert row[f"poll_good_{c}"] + row[f"poll_neither_{c}"] + row[f"poll_bad_{c}"] == pytest.approx(1.0)


def test_payoff_weighs_approval_by_the_approval_weight():
    """A country's monthly payoff is w * approval + (1 - w) * dependence-weighted benefit of realised
    cooperation, with w = payoff_approval_weight (0.8 here, so the two parts are not interchangeable)."""
    row, model = _recorded_row(approval=(0.9, 0.2), **{"government.payoff_approval_weight": 0.8})
    dep = model.data["government"]["dependence"]
    for c, approval in zip(COUNTRIES, (0.9, 0.2), strict=True):
        d = np.array([dep[c][f] for f in FIELDS])
        benefit = d @ REALISED / d.sum()
        assert row[f"payoff_{c}"] == pytest.approx(0.8 * approval + 0.2 * benefit)
        assert abs(approval - benefit) > 0.1  # swapped weights would change the payoff
    assert row["approval_KR"] == pytest.approx(0.9) and row["approval_JP"] == pytest.approx(0.2)


def test_visitors_scale_with_contact():
    """Visitors are the population-weighted visits per head times the contact rate: a pandemic's contact cut
    to 0.4 cuts recorded visitors to 0.4 of their level."""
    row, _ = _recorded_row(contact=0.4)
    per_head = _country_share(VISITS)  # KR 0.25*0.3 + 0.75*0.2 = 0.225, JP 0.1*0.1 + 0.9*0.3 = 0.28
    assert per_head == pytest.approx([0.225, 0.28])
    assert row["visitors_KR"] == pytest.approx(0.4 * 0.225)
    assert row["visitors_JP"] == pytest.approx(0.4 * 0.28)
    assert row["contact"] == pytest.approx(0.4)


def test_recorded_run_health_matches_its_components():
    """In a real (quiet) run, every month's health is the normalised weighted mean of its three recorded
    components with the scenario's weights, the opinion component follows the countries' good and bad
    shares, and the disputes component is exp(-severity)."""
    hw = {"outputs.health_weights.cooperation": 0.2, "outputs.health_weights.opinion": 0.7,
          "outputs.health_weights.disputes": 0.1}
    r = run(pinned_scenario(horizon=3, burn_in=0, **QUIET, **hw), "two_track", 0)
    m = r.monthly
    opinion = (1 + ((m["good_KR"] - m["bad_KR"]) + (m["good_JP"] - m["bad_JP"])) / 2) / 2
    assert m["health_opinion"].to_numpy() == pytest.approx(opinion.to_numpy())
    assert m["health_disputes"].to_numpy() == pytest.approx(np.exp(-m["severity"]).to_numpy())
    assert m["health_cooperation"].to_numpy() == pytest.approx(m["cooperation"].to_numpy())
    health = 0.2 * m["health_cooperation"] + 0.7 * m["health_opinion"] + 0.1 * m["health_disputes"]
    assert m["health"].to_numpy() == pytest.approx(health.to_numpy())
    assert (m["health_opinion"] - m["health_cooperation"]).abs().max() > 0.05  # a swap would show


# ---- the per-run summary on hand-built frames -----------------------------------------------------------

def _frame(n: int) -> pd.DataFrame:
    """A monthly frame of n months (month 0..n-1), everything at a mid value, no breakdown."""
    f = pd.DataFrame(0.5, index=range(n), columns=COLUMNS)
    f["month"] = np.arange(n)
    return f


def _no_events() -> pd.DataFrame:
    return pd.DataFrame({"month": pd.Series(dtype=int), "event": pd.Series(dtype=str),
                         "magnitude": pd.Series(dtype=float)})


def test_worst_drawdown_is_the_largest_fall_from_a_running_peak():
    """The worst drawdown is the largest fall of health below its running peak (a later rise does not
    count): peaks 0.5, 0.7, 0.7, 0.7, 0.7, 0.8 against 0.5, 0.7, 0.4, 0.6, 0.3, 0.8 -> 0.4."""
    f = _frame(6)
    f["health"] = [0.5, 0.7, 0.4, 0.6, 0.3, 0.8]
    out = summarise(f, _no_events(), pinned_scenario().data)
    assert out["worst_drawdown"] == pytest.approx(0.4)
    assert out["health_min"] == pytest.approx(0.3) and out["health_final"] == pytest.approx(0.8)


def test_crisis_months_count_months_below_the_threshold():
    """Crisis months are the months with health below crisis_threshold (0.45): here months 2 and 4."""
    f = _frame(6)
    f["health"] = [0.5, 0.7, 0.4, 0.6, 0.3, 0.8]
    out = summarise(f, _no_events(), pinned_scenario().data)
    assert out["crisis_months"] == 2
    assert out["first_crisis_month"] == 2


def _shock(month: int, magnitude: float = 0.8, kind: str = "provocation") -> pd.DataFrame:
    return pd.DataFrame({"month": [month], "event": [kind], "magnitude": [magnitude]})


def test_recovery_is_the_first_month_the_three_month_mean_regains_the_share():
    """After a major shock in month 6, recovery is the first month whose mean over the last (up to) three
    post-shock months regains recovery_share (0.9) of the 6-month pre-shock mean: goal 0.54; month 7: 0.50,
    month 8: 0.53, month 9: (0.50 + 0.58 + 0.58) / 3 = 0.553 -> recovered after 3 months (the whole
    pre-shock level 0.6 would only be regained at month 12)."""
    f = _frame(14)
    f["health"] = [0.6] * 6 + [0.3, 0.5, 0.56, 0.58, 0.58, 0.59, 0.6, 0.6]
    out = summarise(f, _shock(6), pinned_scenario().data)
    assert out["major_shock_month"] == 6
    assert out["recovered"]
    assert out["recovery_months"] == 3


def test_recovery_is_censored_when_health_never_regains_the_share():
    """If health never regains the goal, the run is censored: not recovered, with the months observed after
    the shock (here 10 - 1 - 4 = 5)."""
    f = _frame(10)
    f["health"] = [0.6] * 4 + [0.3, 0.4, 0.5, 0.52, 0.53, 0.53]
    out = summarise(f, _shock(4), pinned_scenario().data)
    assert not out["recovered"]
    assert out["recovery_months"] == 5


def test_minor_or_positive_shocks_do_not_start_a_recovery_clock():
    """Only negative shocks of at least major_shock_magnitude (0.5) count as a major shock."""
    f = _frame(10)
    f["health"] = [0.6] * 4 + [0.3] * 6
    for ev in (_shock(4, 0.3), _shock(4, 0.9, "summit")):
        out = summarise(f, ev, pinned_scenario().data)
        assert out["major_shock_month"] == -1 and not out["recovered"]


def test_breakdown_needs_both_security_and_economy_low_for_long_enough():
    """A breakdown is breakdown_months (6) consecutive months with BOTH security and economy cooperation
    below breakdown_level (0.2); security alone low all along does not make one."""
    data = pinned_scenario().data
    f = _frame(12)
    f["realised_security"] = 0.1
    f["realised_economy"] = [0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.5]  # 5 months both low
    out = summarise(f, _no_events(), data)
    assert not out["breakdown"] and out["breakdown_month"] == -1
    f["realised_economy"] = [0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.5]  # 6 months from 2
    out = summarise(f, _no_events(), data)
    assert out["breakdown"] and out["breakdown_month"] == 2


def test_youth_gap_is_youth_good_minus_public_good():
    """The youth gap is the mean over months of the youth's good share minus the public's: positive when
    the young think better of the other country."""
    f = _frame(4)
    f["good_KR_youth"], f["good_KR_public"] = [0.5, 0.6, 0.5, 0.6], 0.3
    f["good_JP_youth"], f["good_JP_public"] = 0.2, 0.5
    out = summarise(f, _no_events(), pinned_scenario().data)
    assert out["youth_gap_KR"] == pytest.approx(0.25)
    assert out["youth_gap_JP"] == pytest.approx(-0.3)


# ---- burn-in and horizon --------------------------------------------------------------------------------

@pytest.mark.parametrize("burn_in", [0, 5])
def test_monthly_table_covers_the_horizon_from_month_zero(burn_in, monkeypatch):
    """The monthly table has exactly `horizon` rows, months 0..horizon-1, whatever the burn-in; a run with
    burn-in B steps the B months -B..-1 before month 0 (and records none of them)."""
    visited = []
    step = RelationsModel.step

    def counting(self):
        visited.append(self.month)
        step(self)

    monkeypatch.setattr(RelationsModel, "step", counting)
    r = run(pinned_scenario(horizon=4, burn_in=burn_in, **QUIET), "two_track", 0)
    assert len(r.monthly) == 4
    assert r.monthly["month"].tolist() == [0, 1, 2, 3]
    assert not r.monthly.isna().any().any()
    assert visited == list(range(-burn_in, 4))


def test_recorded_trust_spread_is_the_standard_deviation_of_the_arrays():
    """The sd columns of a group are the standard deviation of its members' trust, and a country's sd is that
    of the population-weighted mixture of its youth and public."""
    model = RelationsModel(pinned_scenario(horizon=2, burn_in=0, **QUIET), "two_track", 0)
    model.step()
    row = dict(zip(COLUMNS, model.recorder.table[0], strict=True))
    pop = model.population
    for c, name in enumerate(COUNTRIES):
        ys = pop.youth_share[c]
        parts = []
        for cohort, young, w in (("youth", True, ys), ("public", False, 1 - ys)):
            t = pop.trust[(pop.country == c) & (pop.youth == young)]
            assert row[f"sd_{name}_{cohort}"] == pytest.approx(t.std(), rel=1e-9)
            parts.append((w, t.mean(), (t**2).mean()))
        mean = sum(w * m for w, m, _ in parts)
        assert row[f"sd_{name}"] == pytest.approx(math.sqrt(sum(w * m2 for w, _, m2 in parts) - mean**2), rel=1e-9)
        assert row[f"sd_{name}"] > 0.05
