"""Governments (issue 9): offers, realised cooperation, win-set, approval, leaders, credibility and
deterrence, levers, and the government side of a model month (tension, reference point, month 0).

Every test builds a small pinned scenario (burn-in 0, no provocations, no tension noise unless stated),
sets the state it needs and checks one mechanism against its formula, computed here from the parameters.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import RelationsModel
from sim.model.disputes import Dispute
from tests.helpers import pinned_scenario

QUIET = {"provocation.rate.KR": 0.0, "provocation.rate.JP": 0.0, "environment.tension_noise": 0.0}


def _model(strategy="two_track", horizon=6, burn_in=0, **over) -> RelationsModel:
    return RelationsModel(pinned_scenario(horizon=horizon, burn_in=burn_in, **{**QUIET, **over}), strategy, 0)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _values(g: dict, tension: float) -> np.ndarray:
    """Value of cooperation per field (security, economy, society, technology) under tension."""
    return np.array([1 + g["threat_gain"]["security"] * tension, 1 - g["hedge"] * tension, 1.0,
                     1 + g["threat_gain"]["technology"] * tension])


def _expected_offers(g, horizon, trust, values, penalty, own, other, winset):
    """MODEL.md §4.3: logistic target from trust, value, reciprocity and penalty, cut toward the win-set
    for short horizons, approached at a horizon-dependent speed."""
    base = np.array([g["base"][f] for f in ("security", "economy", "society", "technology")])
    vw = np.array([g["value_weight"][f] for f in ("security", "economy", "society", "technology")])
    own, other = np.asarray(own, float), np.asarray(other, float)
    target = _sig(base + g["trust_weight"] * (trust - 0.5) + vw * values + g["reciprocity"] * (other - own)
                  - penalty)
    target = target - g["approval_chasing"] * (1 - horizon) * np.maximum(0.0, target - winset)
    eta = g["adjust_fast"] * (1 - horizon) + g["adjust_slow"] * horizon
    return own + eta * (target - own)


def _gov(model, country=0, horizon=0.5, offered=0.5, winset=1.0):
    gv = model.governments[country]
    gv.set_levers({**gv.levers, "horizon": horizon})
    gv.offered = np.full(4, offered)
    gv.winset = winset
    return gv


# ---- offers ----------------------------------------------------------------------------------
def test_offers_follow_the_target_formula():
    """Offers move toward the logistic target of trust, value, reciprocity and dispute penalty."""
    model = _model()
    g = model.data["government"]
    gv = _gov(model, horizon=0.3, winset=0.55)
    values = _values(g, 0.4)
    pen = np.array([0.0, 0.3, 0.1, 0.0])
    other = np.array([0.2, 0.7, 0.5, 0.9])
    got = gv.next_offers(0.7, values, pen, other)
    assert got == pytest.approx(_expected_offers(g, 0.3, 0.7, values, pen, 0.5, other, 0.55))


def test_trust_raises_offers():
    """A more trusting public lets its government offer more in every field, by trust_weight on the logit."""
    model = _model()
    g = model.data["government"]
    gv = _gov(model)
    values, zero, other = np.ones(4), np.zeros(4), np.full(4, 0.5)
    low, high = gv.next_offers(0.2, values, zero, other), gv.next_offers(0.8, values, zero, other)
    assert (high > low + 0.01).all()
    assert high == pytest.approx(_expected_offers(g, 0.5, 0.8, values, zero, 0.5, other, 1.0))


def test_dispute_penalty_lowers_offers():
    """A dispute penalty lowers the offers of the penalised fields only."""
    model = _model()
    gv = _gov(model)
    values, other = np.ones(4), np.full(4, 0.5)
    free = gv.next_offers(0.5, values, np.zeros(4), other)
    hit = gv.next_offers(0.5, values, np.array([0.0, 1.0, 0.0, 0.0]), other)
    assert hit[1] < free[1] - 0.01
    assert np.array_equal(hit[[0, 2, 3]], free[[0, 2, 3]])


def test_reciprocity_moves_toward_the_other_offer():
    """A government offers more when the other side offered more than it did, and less when less."""
    model = _model()
    g = model.data["government"]
    gv = _gov(model, offered=0.5)
    values, zero = np.ones(4), np.zeros(4)
    same = gv.next_offers(0.5, values, zero, np.full(4, 0.5))
    up = gv.next_offers(0.5, values, zero, np.full(4, 0.9))
    down = gv.next_offers(0.5, values, zero, np.full(4, 0.1))
    assert (up > same + 0.005).all() and (down < same - 0.005).all()
    assert up == pytest.approx(_expected_offers(g, 0.5, 0.5, values, zero, 0.5, np.full(4, 0.9), 1.0))


def test_value_of_fields_under_tension():
    """Tension raises the value of security and technology cooperation and lowers that of the economy
    (hedging); society is unaffected."""
    model = _model()
    g = model.data["government"]
    model.tension = 0.5
    assert model.values() == pytest.approx(_values(g, 0.5))
    model.tension = 0.0
    calm = model.values()
    model.tension = 0.8
    tense = model.values()
    assert tense[0] > calm[0] and tense[3] > calm[3] and tense[1] < calm[1] and tense[2] == calm[2]
    gv = _gov(model)
    zero, other = np.zeros(4), np.full(4, 0.5)
    o_calm, o_tense = gv.next_offers(0.5, calm, zero, other), gv.next_offers(0.5, tense, zero, other)
    assert o_tense[0] > o_calm[0] and o_tense[1] < o_calm[1]


def test_approval_chasing_cuts_offers_above_the_winset_for_short_horizons():
    """A short-horizon government cuts its target by approval_chasing of the gap above the win-set; a
    long-horizon one does not, and nothing is cut when the target lies inside the win-set."""
    model = _model()
    g = model.data["government"]
    values, zero, other = np.ones(4), np.zeros(4), np.full(4, 0.5)
    gv = _gov(model, horizon=0.0, winset=1.0)
    uncut = gv.next_offers(0.5, values, zero, other)
    target = 0.5 + (uncut - 0.5) / g["adjust_fast"]
    gv.winset = 0.3
    cut = gv.next_offers(0.5, values, zero, other)
    want = target - g["approval_chasing"] * np.maximum(0.0, target - 0.3)
    assert cut == pytest.approx(0.5 + g["adjust_fast"] * (want - 0.5))
    assert (cut < uncut - 0.01).all()
    gv.winset = 0.999  # above every target: no cut
    assert gv.next_offers(0.5, values, zero, other) == pytest.approx(uncut)
    gv = _gov(model, horizon=1.0, winset=0.3)
    long_cut = gv.next_offers(0.5, values, zero, other)
    gv.winset = 1.0
    assert long_cut == pytest.approx(gv.next_offers(0.5, values, zero, other))


def test_short_horizons_adjust_fast_long_horizons_slow():
    """The offer moves adjust_fast of the way to its target at horizon 0 and adjust_slow at horizon 1."""
    model = _model()
    g = model.data["government"]
    values, zero, other = np.ones(4), np.zeros(4), np.full(4, 0.5)
    steps = {}
    for h in (0.0, 1.0):
        gv = _gov(model, horizon=h, offered=0.2, winset=1.0)
        steps[h] = gv.next_offers(0.5, values, zero, other) - 0.2
        assert gv.next_offers(0.5, values, zero, other) == pytest.approx(
            _expected_offers(g, h, 0.5, values, zero, 0.2, other, 1.0))
    assert steps[0.0] == pytest.approx(steps[1.0] * g["adjust_fast"] / g["adjust_slow"])
    assert (steps[0.0] > steps[1.0]).all()


# ---- offers in a model month -------------------------------------------------------------------
def _set_publics(model, trust, grievance=0.4):
    pop = model.population
    for c in range(2):
        pop.trust[pop.country == c] = trust[c]
    pop.grievance[:] = grievance
    model.update_means()


def _winset(g, trust, grievance):
    return float(_sig(g["winset_base"] + g["winset_trust"] * (trust - 0.5) - g["winset_grievance"] * grievance))


def test_each_government_reads_its_own_public_and_realised_is_the_minimum():
    """In a month, KR's offers follow KR's public and JP's follow JP's (very different trust): from equal
    offers the trusting public's government offers more; realised cooperation is the smaller offer."""
    model = _model()
    g = model.data["government"]
    _set_publics(model, (0.9, 0.1))
    assert model.trust_mean == pytest.approx([0.9, 0.1])
    kr, jp = model.governments
    kr.offered, jp.offered = np.full(4, 0.5), np.full(4, 0.5)
    last = [kr.offered.copy(), jp.offered.copy()]
    model.step()
    values = _values(g, model.data["environment"]["tension_init"])
    for c, gv in enumerate((kr, jp)):
        want = _expected_offers(g, gv.levers["horizon"], (0.9, 0.1)[c], values, 0.0, last[c], last[1 - c],
                                _winset(g, (0.9, 0.1)[c], 0.4))
        assert gv.offered == pytest.approx(np.clip(want, 0, 1)), gv.name
    assert (kr.offered > jp.offered + 0.01).all()
    assert model.realised == pytest.approx(jp.offered)


def test_reciprocity_in_a_month_answers_the_other_side():
    """With equal publics, the government that offered more comes down and the other comes up."""
    model = _model()
    g = model.data["government"]
    _set_publics(model, (0.5, 0.5))
    kr, jp = model.governments
    kr.offered, jp.offered = np.full(4, 0.9), np.full(4, 0.2)
    model.step()
    values = _values(g, model.data["environment"]["tension_init"])
    ws = _winset(g, 0.5, 0.4)
    assert kr.offered == pytest.approx(_expected_offers(g, 0.5, 0.5, values, 0.0, 0.9, np.full(4, 0.2), ws))
    assert jp.offered == pytest.approx(_expected_offers(g, 0.5, 0.5, values, 0.0, 0.2, np.full(4, 0.9), ws))


# ---- win-set, approval, leaders ------------------------------------------------------------------
def test_winset_is_logistic_in_trust_and_grievance():
    """The win-set widens with trust and narrows with grievance."""
    model = _model()
    g = model.data["government"]
    gv = model.governments[0]
    for trust, griev in ((0.5, 0.0), (0.8, 0.2), (0.2, 0.7)):
        gv.update_winset(trust, griev)
        assert gv.winset == pytest.approx(_winset(g, trust, griev))
    gv.update_winset(0.8, 0.3)
    high_trust = gv.winset
    gv.update_winset(0.3, 0.3)
    assert high_trust > gv.winset + 0.05
    gv.update_winset(0.5, 0.8)
    high_grievance = gv.winset
    gv.update_winset(0.5, 0.1)
    assert high_grievance < gv.winset - 0.05


def test_approval_rises_with_benefit_and_falls_with_offers_beyond_the_winset():
    """Approval relaxes toward base + benefit - cost of offers beyond the win-set times grievance."""
    model = _model()
    g = model.data["government"]
    gv = model.governments[0]
    dep = np.array([g["dependence"]["KR"][f] for f in ("security", "economy", "society", "technology")])
    realised = np.array([0.2, 0.8, 0.5, 0.6])
    benefit = dep @ realised / dep.sum()
    assert gv.benefit(realised) == pytest.approx(benefit)
    gv.approval, gv.winset, gv.offered = 0.5, 0.6, np.array([0.5, 0.8, 0.6, 0.9])
    gv.step_approval(realised, 0.4)
    over = 0.2 + 0.3
    target = g["approval_base"] + g["approval_benefit"] * benefit - g["winset_cost"] * over * 0.4
    assert gv.approval == pytest.approx(0.5 + g["approval_relax"] * (target - 0.5))
    inside = model.governments[1]
    inside.approval, inside.winset, inside.offered = 0.5, 0.6, np.full(4, 0.5)
    inside.dependence = gv.dependence
    inside.step_approval(realised, 0.4)
    assert inside.approval > gv.approval + 0.01
    richer = realised + 0.2
    a, b = (model.governments[0], model.governments[1])
    a.approval = b.approval = 0.5
    a.offered = b.offered = np.full(4, 0.5)
    a.step_approval(realised, 0.4)
    b.step_approval(richer, 0.4)
    assert b.approval > a.approval


def test_months_below_approval_min_count_and_reset():
    """Months with approval below approval_min are counted; a month above resets the count."""
    model = _model()
    g = model.data["government"]
    gv = model.governments[0]
    gv.offered, gv.winset = np.full(4, 1.0), 0.0  # far beyond the win-set: approval target 0
    gv.approval, gv.months_below = 0.2, 3
    gv.step_approval(np.zeros(4), 1.0)
    assert gv.approval < g["approval_min"] and gv.months_below == 4
    gv.offered = np.zeros(4)
    gv.approval = 0.9
    gv.step_approval(np.ones(4), 0.0)
    assert gv.approval > g["approval_min"] and gv.months_below == 0


def test_leader_falls_only_after_enough_months_below_and_a_low_draw():
    """A leader may fall after leader_months below approval_min, with chance leader_hazard."""
    model = _model()
    g = model.data["government"]
    gv = model.governments[0]
    gv.months_below = g["leader_months"]
    assert gv.may_fall(0.5 * g["leader_hazard"])
    assert not gv.may_fall(0.5 * (1 + g["leader_hazard"]))
    gv.months_below = g["leader_months"] - 1
    assert not gv.may_fall(0.0)


def test_new_leader_cuts_offers_to_the_winset_and_resets_approval():
    """A new leader: offers above the win-set are cut to it (others kept), approval resets, count clears."""
    model = _model()
    g = model.data["government"]
    gv = model.governments[1]
    gv.offered, gv.winset, gv.approval, gv.months_below = np.array([0.9, 0.2, 0.6, 0.4]), 0.5, 0.1, 8
    gv.replace_leader()
    assert gv.offered == pytest.approx([0.5, 0.2, 0.5, 0.4])
    assert gv.approval == g["approval_reset"] and gv.months_below == 0 and gv.leader == 2


def test_each_country_falls_on_its_own_leadership_draw():
    """In a month where both leaders could fall, each country's fall follows its own draw."""
    model = _model()
    g = model.data["government"]
    for gv in model.governments:
        gv.approval, gv.months_below = 0.0, g["leader_months"] + 2
    model.leadership_draws = model.leadership_draws.copy()  # the drawn table is shared and read-only
    model.leadership_draws[0] = [0.5 * g["leader_hazard"], 0.5 * (1 + g["leader_hazard"])]  # KR falls, JP not
    model.step()
    assert [gv.leader for gv in model.governments] == [2, 1]
    assert model.governments[0].approval == pytest.approx(g["approval_reset"])


# ---- credibility and deterrence --------------------------------------------------------------
def test_threat_credibility_only_for_coercive_linkage():
    """A government's threat is credible only while it links coercively."""
    model = _model("kr=linked,jp=two_track")
    for gv in model.governments:
        gv.credibility = 0.7
    assert model.governments[0].threat_credibility == 0.7
    assert model.governments[1].threat_credibility == 0.0


def test_standoff_outcome_moves_credibility_by_its_weight():
    """Holding a standoff raises credibility toward 1, backing down lowers it toward 0, by credibility_weight."""
    model = _model("linked")
    w = model.data["disputes"]["credibility_weight"]
    gv = model.governments[0]
    gv.credibility = 0.4
    gv.standoff_outcome(held=True)
    assert gv.credibility == pytest.approx((1 - w) * 0.4 + w)
    gv.standoff_outcome(held=False)
    assert gv.credibility == pytest.approx((1 - w) * ((1 - w) * 0.4 + w))


def _provokes(model, actor: int, u: float) -> bool:
    model.provocation_uniforms[0, actor] = [u, 0.5, 0.0]
    model.events = []
    model.provocations(0, 0)
    return any(e["event"] == "provocation" for e in model.events)


def test_deterrence_by_the_other_side_credibility():
    """A provocation happens with chance 1 - exp(-rate*scale*exp(-deterrence*credibility)), credibility
    being the OTHER (provoked) country's: a draw that provokes at no credibility does not at high."""
    rate = 0.03
    over = {"provocation.rate.JP": rate, "provocation.scale": 1.0}
    model = _model("linked", **over)
    delta = model.data["disputes"]["deterrence"]
    kr, jp = model.governments
    u = 0.9 * (1 - np.exp(-rate))
    kr.credibility, jp.credibility = 0.0, 1.0
    assert _provokes(model, 1, u)  # JP's own credibility does not deter JP
    kr.credibility, jp.credibility = 1.0, 0.0
    assert not _provokes(model, 1, u)  # KR's credibility deters JP
    kr.credibility = 0.25
    p = 1 - np.exp(-rate * np.exp(-delta * 0.25))
    assert _provokes(model, 1, 0.98 * p)
    assert not _provokes(model, 1, 1.02 * p)


def test_two_track_target_does_not_deter():
    """A provoked country that does not link coercively deters nothing, whatever its record."""
    rate = 0.03
    model = _model("two_track", **{"provocation.rate.JP": rate})
    model.governments[0].credibility = 1.0
    assert _provokes(model, 1, 0.9 * (1 - np.exp(-rate)))


# ---- levers ------------------------------------------------------------------------------------
def test_lever_budget_scales_exchange_and_communication_down():
    """Youth exchange and public communication above lever_budget are scaled down in proportion to fit it;
    within the budget they are kept."""
    model = _model()
    budget = model.data["government"]["lever_budget"]
    gv = model.governments[0]
    gv.set_levers({**gv.levers, "youth_exchange": 0.8, "public_communication": 0.4})
    s = budget / 1.2
    assert gv.levers["youth_exchange"] == pytest.approx(0.8 * s)
    assert gv.levers["public_communication"] == pytest.approx(0.4 * s)
    gv.set_levers({**gv.levers, "youth_exchange": 0.2, "public_communication": 0.1})
    assert (gv.levers["youth_exchange"], gv.levers["public_communication"]) == (0.2, 0.1)


def test_youth_gain_reads_the_exchange_lever():
    """Youth exposure gain is youth_exchange_gain * (1 - exp(-3 * youth_exchange))."""
    model = _model()
    gain = model.data["citizens"]["youth_exchange_gain"]
    gv = model.governments[0]
    gv.set_levers({**gv.levers, "youth_exchange": 0.4, "public_communication": 0.05})
    assert gv.youth_gain() == pytest.approx(gain * (1 - np.exp(-1.2)))
    assert gv.communication() == pytest.approx(1 - np.exp(-0.15))


# ---- environment and the reference point ---------------------------------------------------------
def test_tension_reverts_to_its_mean():
    """Without noise or shocks, tension moves tension_reversion of the way back to its mean each month."""
    model = _model()
    env = model.data["environment"]
    model.tension = 0.8
    model.step()
    assert model.tension == pytest.approx(0.8 + env["tension_reversion"] * (env["tension_mean"] - 0.8))
    model.tension = 0.1
    model.step()
    assert model.tension == pytest.approx(0.1 + env["tension_reversion"] * (env["tension_mean"] - 0.1))


def _standoff(model):
    d = Dispute(0, "territory", 0, 0.6, 0, peak=0.6, linker=0, mode="coercive", standoff=True, fields=[1])
    model.disputes.items = [d]
    model.disputes.hazard = lambda country, months, dd: 0.0  # the standoff lasts
    return d


def test_reference_point_adapts_only_outside_standoffs():
    """The reference point moves reference_rate toward realised cooperation, except during a standoff."""
    model = _model("linked")
    rate = model.data["disputes"]["reference_rate"]
    model.reference = np.full(4, 0.9)
    model.step()
    assert model.reference == pytest.approx(0.9 + rate * (model.realised - 0.9))
    assert (model.reference < 0.9).all()
    model = _model("linked")
    _standoff(model)
    model.reference = np.full(4, 0.9)
    model.step()
    assert model.disputes.standoff_active()
    assert np.array_equal(model.reference, np.full(4, 0.9))


def test_own_loss_counts_shortfalls_below_the_reference():
    """A country's loss is its dependence-weighted, valued shortfall of realised cooperation below the
    reference; cooperation above the reference is no loss."""
    model = _model()
    g = model.data["government"]
    model.tension = 0.4
    model.reference = np.array([0.6, 0.7, 0.5, 0.5])
    model.realised = np.array([0.6, 0.4, 0.6, 0.3])
    short = np.array([0.0, 0.3, 0.0, 0.2])
    for c in range(2):
        dep = model.governments[c].dependence
        assert model.own_loss(c) == pytest.approx(dep @ (_values(g, 0.4) * short))
    model.realised = model.reference + 0.1
    assert model.own_loss(0) == 0.0


# ---- month 0 -------------------------------------------------------------------------------------
def test_horizon_starts_at_tension_init_after_the_burn_in():
    """The burn-in moves tension toward its mean; month 0 resets it to tension_init."""
    over = {"environment.tension_mean": 0.9, "environment.tension_init": 0.3}
    model = _model(burn_in=12, **over)
    assert model.month == 0
    assert model.tension == 0.3
    model.step()
    assert model.tension == pytest.approx(0.3 + model.data["environment"]["tension_reversion"] * 0.6)


def test_initial_disputes_aggrieve_the_named_side_and_a_linker_takes_them_up():
    """Initial disputes open for the named aggrieved country; a coercive linker links them in month 0."""
    initial = [{"issue": "territory", "aggrieved": "KR", "severity": 0.9},
               {"issue": "shrine", "aggrieved": "JP", "severity": 0.8}]
    model = _model("kr=linked,jp=two_track", disputes_initial=initial)
    kr_d, jp_d = model.disputes.find("territory", 0), model.disputes.find("shrine", 1)
    assert kr_d is not None and jp_d is not None
    assert model.disputes.find("territory", 1) is None and model.disputes.find("shrine", 0) is None
    assert kr_d.linker is None and not model.disputes.standoff_active()
    model.step()
    assert kr_d.linker == 0 and kr_d.mode == "coercive" and (0, "dispute_linked") in kr_d.history
    assert jp_d.linker is None  # JP does not link


def test_regime_issues_are_aggrieved_by_the_provoked_side():
    """The background regime's provocations aggrieve the provoked country, not the provoker."""
    model = _model(**{"provocation.rate.JP": 0.03})
    assert set(model.regime_issues()) == {("shrine", 0), ("textbook", 0), ("territory", 0)}
    model = _model(**{"provocation.rate.KR": 0.02})
    assert model.regime_issues() == [("territory", 1)]


def test_each_government_bears_its_own_dispute_penalty_in_a_month():
    """In a month with a KR-linked standoff on the economy, KR (the linker) bears the full penalty on that field
    and JP (not counter-linking) only the spillover, so KR's economy offer falls below JP's."""
    model = _model("kr=linked,jp=two_track")
    d = Dispute(0, "territory", 0, 0.9, 0, peak=0.9, linker=0, mode="coercive", standoff=True, fields=[1])
    model.disputes.items = [d]
    for gv in model.governments:
        gv.offered = np.full(4, 0.6)
    model.trust_mean = np.array([0.5, 0.5])
    model.government_offers()
    kr, jp = (gv.offered for gv in model.governments)
    pen = [model.disputes.penalty(c) for c in range(2)]
    assert pen[0][1] > pen[1][1] + 0.1
    assert kr[1] < jp[1] - 0.01


def test_a_government_reads_the_parameters_it_was_given():
    """Government(..., params, credibility_init, credibility_weight, youth_exchange_gain) uses these, not the
    model's scenario: a copy of the government section with another approval reset and win-set slope, and
    other credibility values, change what it starts with and how it moves."""
    from sim.model.agents import Government

    model = _model()
    g = {**model.data["government"], "approval_reset": 0.123, "winset_trust": 0.0, "winset_base": 0.0}
    gov = Government(model, 1, dict(model.governments[1].levers), g, 0.9, 0.5, 0.2)
    assert gov.approval == 0.123 and gov.credibility == 0.9
    gov.update_winset(trust=0.9, grievance=0.0)
    assert gov.winset == pytest.approx(0.5)  # logistic(0): the slope of the given section, not the scenario's
    gov.standoff_outcome(held=False)
    assert gov.credibility == pytest.approx(0.45)
    assert gov.youth_gain() == pytest.approx(0.2 * (1 - np.exp(-3 * gov.levers["youth_exchange"])))
    assert model.governments[1].approval != 0.123
