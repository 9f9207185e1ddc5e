"""Disputes (issue 9): the DisputeBook's rules one at a time — opening, escalation, linkage, penalties,
standoffs and their hazards, packages, settlement, fading, closing, reopening, grievance floors and relief,
the seeded history, and dispute draws keyed by issue.

Every test builds a small pinned scenario (burn-in 0, no provocations), places the disputes it needs and fixes
the draws (`draw`, `hazard`) where a random draw is in the way; expected values come from the formulas.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import RelationsModel
from sim.model.disputes import CONCEDE, LINKER_BACKS_DOWN, PACKAGE, REOPEN, Dispute
from tests.helpers import pinned_scenario

QUIET = {"provocation.rate.KR": 0.0, "provocation.rate.JP": 0.0, "environment.tension_noise": 0.0}
KR, JP = 0, 1


def _model(strategy="two_track", **over) -> RelationsModel:
    return RelationsModel(pinned_scenario(horizon=24, burn_in=0, **{**QUIET, **over}), strategy, 0)


def _sig(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def _fix_draws(model, by_col=None):
    """Every dispute draw fixed: the given columns to the given values, the others to 0.99 (nothing happens)."""
    by_col = by_col or {}
    model.disputes.draw = lambda d, month, col: by_col.get(col, 0.99)


def _standoff(model, linker=KR, severity=0.6, counter=False, fields=(1,), start=0):
    d = Dispute(0, "territory", linker, severity, start, peak=severity, linker=linker, mode="coercive",
                standoff=True, standoff_start=start, fields=list(fields), counter=counter)
    model.disputes.items = [d]
    return d


# ---- opening, escalation, linking ---------------------------------------------------------------
def test_a_shock_opens_a_dispute_for_the_aggrieved_side():
    """A new issue opens a dispute with the shock's severity (at most 1) and that peak; a two-track
    government does not link it."""
    model = _model()
    d = model.disputes.open_or_escalate("shrine", JP, 0.4, 2)
    assert (d.issue, d.aggrieved, d.severity, d.peak, d.status, d.opened) == ("shrine", JP, 0.4, 0.4, "open", 2)
    assert d.linker is None and not d.standoff
    assert model.disputes.open_or_escalate("textbook", KR, 1.7, 2).severity == 1.0


def test_escalation_saturates_toward_one():
    """A shock on an open dispute adds escalation * shock * (1 - severity): big where there is headroom."""
    model = _model()
    esc = model.data["disputes"]["escalation"]
    book = model.disputes
    d = book.open_or_escalate("territory", KR, 0.2, 0)
    book.open_or_escalate("territory", KR, 0.4, 1)
    assert d.severity == pytest.approx(0.2 + esc * 0.4 * 0.8)
    assert d.peak == pytest.approx(d.severity)
    for month in range(2, 30):
        before = d.severity
        book.open_or_escalate("territory", KR, 1.0, month)
        assert before < d.severity < 1.0
        assert d.severity - before == pytest.approx(esc * (1 - before))


def test_coercive_linking_needs_the_link_threshold():
    """A coercive linker links a dispute at or above link_threshold, not a minor one."""
    model = _model("linked")
    thr = model.data["disputes"]["link_threshold"]
    minor = model.disputes.open_or_escalate("textbook", KR, 0.5 * thr, 0)
    assert minor.linker is None and not minor.standoff
    major = model.disputes.open_or_escalate("territory", KR, min(1.0, 2 * thr), 0)
    assert major.linker == KR and major.mode == "coercive" and major.standoff and major.standoff_start == 0


def test_linked_fields_come_from_the_linker_and_counter_link_from_the_target():
    """The linked fields are the linker's own; the target counter-links only if it links coercively."""
    strategies = {"KR": {"extends": "linked", "linked_fields": ["economy"]},
                  "JP": {"extends": "two_track", "linked_fields": ["technology"]}}
    model = _model(strategies)
    d = model.disputes.open_or_escalate("territory", KR, 0.8, 0)
    assert d.fields == [1] and d.counter is False
    strategies["JP"] = {"extends": "linked", "linked_fields": ["technology"]}
    model = _model(strategies)
    d = model.disputes.open_or_escalate("territory", KR, 0.8, 0)
    assert d.fields == [1] and d.counter is True


def test_linking_is_trade_coercion_by_the_aggrieved_side():
    """Linking fires an endogenous trade coercion by the linker, which hits the target's public trust."""
    model = _model("kr=linked,jp=two_track")
    pop = model.population
    trust = pop.trust.copy()
    model.disputes.open_or_escalate("territory", KR, 0.8, 0)
    tc = [e for e in model.events if e["event"] == "trade_coercion"]
    assert len(tc) == 1 and tc[0]["actor"] == "KR" and tc[0]["origin"] == "endogenous"
    assert np.array_equal(pop.trust[pop.country == KR], trust[pop.country == KR])
    assert (pop.trust[pop.country == JP] < trust[pop.country == JP]).all()


# ---- penalties ---------------------------------------------------------------------------------
def test_penalty_spillover_and_full_weight_for_the_linker():
    """Each open dispute weighs spillover on every field of both offers; in a standoff the linker's linked
    fields weigh fully; the penalty saturates as leverage_gain * (1 - exp(-load))."""
    model = _model("kr=linked,jp=two_track")
    kr, jp = model.governments
    assert np.array_equal(model.disputes.penalty(KR), np.zeros(4))
    d = _standoff(model, linker=KR, severity=0.6, fields=(1, 3))
    quiet = Dispute(1, "shrine", JP, 0.3, 0, peak=0.3)
    gone = Dispute(2, "textbook", JP, 0.9, 0, peak=0.9, status="closed")
    model.disputes.items = [d, quiet, gone]
    s_kr, s_jp = kr.levers["spillover"], jp.levers["spillover"]
    load_kr = np.full(4, s_kr * 0.6 + s_kr * 0.3)
    load_kr[[1, 3]] = 0.6 + s_kr * 0.3
    load_jp = np.full(4, s_jp * 0.9)
    assert model.disputes.penalty(KR) == pytest.approx(kr.levers["leverage_gain"] * (1 - np.exp(-load_kr)))
    assert model.disputes.penalty(JP) == pytest.approx(jp.levers["leverage_gain"] * (1 - np.exp(-load_jp)))


def test_a_counter_linker_bears_full_weight_too():
    """A counter-linking target's linked fields weigh fully as well."""
    model = _model("linked")
    _standoff(model, linker=KR, severity=0.5, counter=True, fields=(0,))
    jp = model.governments[JP]
    load = np.full(4, jp.levers["spillover"] * 0.5)
    load[0] = 0.5
    assert model.disputes.penalty(JP) == pytest.approx(jp.levers["leverage_gain"] * (1 - np.exp(-load)))


# ---- standoffs -----------------------------------------------------------------------------------
def test_concession_costs_the_target_approval_and_earns_the_linker_credibility():
    """When the target concedes, its approval drops by backdown_cost, the linker's credibility rises by
    credibility_weight of the way to 1, and the dispute is settled."""
    model = _model("kr=linked,jp=two_track")
    cost = model.data["government"]["backdown_cost"]
    w = model.data["disputes"]["credibility_weight"]
    kr, jp = model.governments
    kr.approval, jp.approval, kr.credibility = 0.6, 0.5, 0.2
    d = _standoff(model, linker=KR)
    model.disputes.hazard = lambda country, months, dd: 0.5
    _fix_draws(model, {CONCEDE: 0.1})
    model.disputes.step(3)
    assert d.status == "settled" and not d.standoff
    assert jp.approval == pytest.approx(0.5 - cost) and kr.approval == 0.6
    assert kr.credibility == pytest.approx((1 - w) * 0.2 + w)


def test_backing_down_costs_the_linker_approval_and_credibility():
    """When the linker backs down, its approval drops by backdown_cost, its credibility falls by
    credibility_weight of itself, and the dispute stays open without a standoff."""
    model = _model("kr=linked,jp=two_track")
    cost = model.data["government"]["backdown_cost"]
    w = model.data["disputes"]["credibility_weight"]
    kr, jp = model.governments
    kr.approval, jp.approval, kr.credibility = 0.6, 0.5, 0.5
    d = _standoff(model, linker=KR)
    model.disputes.hazard = lambda country, months, dd: 0.5
    _fix_draws(model, {LINKER_BACKS_DOWN: 0.1})
    model.disputes.step(3)
    assert d.status == "open" and not d.standoff and d.linker_backed_down
    assert kr.approval == pytest.approx(0.6 - cost) and jp.approval == 0.5
    assert kr.credibility == pytest.approx((1 - w) * 0.5)


def test_no_fading_during_a_standoff():
    """A standoff that neither side ends keeps its severity (no fading while it lasts)."""
    model = _model("linked")
    d = _standoff(model, severity=0.6)
    model.disputes.hazard = lambda country, months, dd: 0.0
    _fix_draws(model)
    for month in range(5):
        model.disputes.step(month)
    assert d.standoff and d.status == "open" and d.severity == 0.6


# ---- hazards -----------------------------------------------------------------------------------
def _expected_hazard(model, country, months, escalator):
    p = model.data["disputes"]
    gv = model.governments[country]
    audience = 1 - np.exp(-gv.levers["audience_cost_rate"] * months)
    x = (p["loss_weight"] * model.own_loss(country) - p["audience_weight"] * audience
         + p["pressure_weight"] * model.us_pressure * escalator + p["hazard_bias"])
    return p["hazard_min"] + (p["hazard_max"] - p["hazard_min"]) * _sig(x)


def test_hazard_formula_own_loss_audience_and_pressure():
    """Each side's back-down hazard rises with its OWN loss, falls as audience costs build over the standoff,
    and only the escalator feels US pressure."""
    model = _model("kr=linked,jp=two_track")
    d = _standoff(model, linker=KR)
    model.tension, model.us_pressure = 0.3, 0.4
    model.reference = np.array([0.5, 0.8, 0.5, 0.5])
    model.realised = np.array([0.5, 0.4, 0.5, 0.5])  # an economy shortfall: KR depends more on it than JP
    g = model.data["government"]
    loss = [g["dependence"][c]["economy"] * (1 - g["hedge"] * 0.3) * 0.4 for c in ("KR", "JP")]
    assert [model.own_loss(c) for c in (KR, JP)] == pytest.approx(loss)
    assert loss[0] != pytest.approx(loss[1])
    for months in (0, 1, 12):
        assert model.disputes.hazard(KR, months, d) == pytest.approx(_expected_hazard(model, KR, months, True))
        assert model.disputes.hazard(JP, months, d) == pytest.approx(_expected_hazard(model, JP, months, False))
    assert model.disputes.hazard(KR, 12, d) < model.disputes.hazard(KR, 1, d) < model.disputes.hazard(KR, 0, d)
    calm = model.disputes.hazard(JP, 3, d)
    model.realised = np.array([0.5, 0.1, 0.5, 0.5])
    assert model.disputes.hazard(JP, 3, d) > calm


# ---- packages ----------------------------------------------------------------------------------
def _package(model, support, acceptance, u):
    d = Dispute(0, "forced_labour", KR, 0.5, 0, peak=0.5, linker=KR, mode="package")
    model.disputes.items = [d]
    model.support = lambda c: support[c]
    model.acceptance = lambda c: acceptance[c]
    _fix_draws(model, {PACKAGE: u})
    model.disputes.step(1)
    return d


def _package_chance(p, level):
    return p["package_rate"] * _sig(p["package_k"] * (level - p["package_smin"]))


def test_package_chance_rises_with_the_weaker_of_support_and_acceptance():
    """A package passes with chance package_rate * logistic(k * (min(aggrieved support, target acceptance)
    - smin)): it needs both publics, and passes more often the more they agree."""
    model = _model("package_deal")
    p = model.data["disputes"]
    hi = _package_chance(p, 0.9)
    lo = _package_chance(p, 0.2)
    assert hi > 3 * lo
    # aggrieved (KR) support high, target (JP) acceptance low: the weak side decides
    assert _package(model, support=(0.9, 0.1), acceptance=(0.1, 0.2), u=0.98 * lo).status == "settled"
    assert _package(model, support=(0.9, 0.1), acceptance=(0.1, 0.2), u=1.02 * lo).status == "open"
    assert _package(model, support=(0.2, 0.9), acceptance=(0.9, 0.9), u=1.02 * lo).status == "open"
    # both publics favourable
    assert _package(model, support=(0.9, 0.1), acceptance=(0.1, 0.9), u=0.98 * hi).status == "settled"
    assert _package(model, support=(0.9, 0.1), acceptance=(0.1, 0.9), u=1.02 * hi).status == "open"


# ---- settlement --------------------------------------------------------------------------------
def test_agreed_settlement_relieves_the_aggrieved_and_raises_both_publics():
    """An agreed settlement cuts the aggrieved public's grievance by settle_relief, raises both publics'
    trust by settle_trust_bonus of the gap to 1, and records the aggrieved public's support."""
    model = _model()
    p = model.data["disputes"]
    pop = model.population
    model.support = lambda c: (0.7, 0.2)[c]
    g0, t0 = pop.grievance.copy(), pop.trust.copy()
    d = Dispute(0, "forced_labour", KR, 0.5, 0, peak=0.5)
    model.disputes.items = [d]
    model.disputes.settle(d, 4)
    kr = pop.country == KR
    assert d.status == "settled" and d.support == 0.7
    assert pop.grievance[kr] == pytest.approx(g0[kr] * (1 - p["settle_relief"]))
    assert np.array_equal(pop.grievance[~kr], g0[~kr])
    assert pop.trust == pytest.approx(t0 + p["settle_trust_bonus"] * (1 - t0))


def test_forced_settlement_rewards_the_winner_and_the_loser_resents_it():
    """A settlement forced by a concession raises only the winner's trust; the conceding public loses
    concession_resentment of its trust; support is the aggrieved public's."""
    model = _model()
    p = model.data["disputes"]
    pop = model.population
    model.support = lambda c: (0.3, 0.8)[c]
    t0 = pop.trust.copy()
    d = Dispute(0, "territory", JP, 0.5, 0, peak=0.5, linker=JP, mode="coercive", standoff=True)
    model.disputes.items = [d]
    model.disputes.settle(d, 4, conceded_by=KR)
    kr = pop.country == KR
    assert d.support == 0.8
    assert pop.trust[~kr] == pytest.approx(t0[~kr] + p["settle_trust_bonus"] * (1 - t0[~kr]))
    assert pop.trust[kr] == pytest.approx(t0[kr] * (1 - p["concession_resentment"]))


# ---- fading and closing --------------------------------------------------------------------------
def test_disputes_fade_faster_with_dialogue():
    """An open dispute outside a standoff fades by fade + dialogue (mean of both governments' levers)."""
    p = pinned_scenario().data["disputes"]
    out = {}
    for dialogue in (0.0, 0.1):
        model = _model(**{"strategies.two_track.dialogue": dialogue})
        assert model.disputes.dialogue() == pytest.approx(dialogue)
        d = Dispute(0, "shrine", JP, 0.5, 0, peak=0.5)
        model.disputes.items = [d]
        _fix_draws(model)
        model.disputes.step(1)
        assert d.severity == pytest.approx(0.5 * (1 - p["fade"] - dialogue))
        out[dialogue] = d.severity
    assert out[0.1] < out[0.0] < 0.5


def test_disputes_close_below_the_close_floor():
    """A dispute that fades below close_floor closes; one above it stays open."""
    model = _model()
    p = model.data["disputes"]
    rate = p["fade"] + model.disputes.dialogue()
    just_below = 0.99 * p["close_floor"] / (1 - rate)
    just_above = 1.01 * p["close_floor"] / (1 - rate)
    low = Dispute(0, "shrine", JP, just_below, 0, peak=0.5)
    high = Dispute(1, "textbook", JP, just_above, 0, peak=0.5)
    severe = Dispute(2, "territory", KR, 0.7, 0, peak=0.7)
    model.disputes.items = [low, high, severe]
    _fix_draws(model)
    model.disputes.step(1)
    assert (low.status, high.status, severe.status) == ("closed", "open", "open")


# ---- reopening -----------------------------------------------------------------------------------
def test_settled_disputes_reopen_less_the_more_support_they_had():
    """A settled dispute reopens with chance reopen_settled * (1 - support), at reopen_severity * peak."""
    model = _model()
    p = model.data["disputes"]
    chance = p["reopen_settled"] * (1 - 0.2)
    for u, reopened in ((0.98 * chance, True), (1.02 * chance, False)):
        d = Dispute(0, "comfort_women", KR, 0.1, 0, peak=0.8, status="settled", support=0.2)
        model.disputes.items = [d]
        _fix_draws(model, {REOPEN: u})
        model.disputes.step(5)
        assert (d.status == "open") is reopened
        if reopened:
            assert d.severity == pytest.approx(p["reopen_severity"] * 0.8) and d.reopenings == 1 and d.opened == 5
    well = Dispute(0, "comfort_women", KR, 0.1, 0, peak=0.8, status="settled", support=0.9)
    model.disputes.items = [well]
    _fix_draws(model, {REOPEN: 0.98 * chance})
    model.disputes.step(6)
    assert well.status == "settled"


def test_closed_disputes_reopen_at_their_own_rate():
    """A closed dispute reopens with chance reopen_closed, whatever its recorded support."""
    model = _model()
    p = model.data["disputes"]
    for u, reopened in ((0.98 * p["reopen_closed"], True), (1.02 * p["reopen_closed"], False)):
        d = Dispute(0, "shrine", JP, 0.0, 0, peak=0.6, status="closed", support=0.9)
        model.disputes.items = [d]
        _fix_draws(model, {REOPEN: u})
        model.disputes.step(2)
        assert (d.status == "open") is reopened


def test_seeded_history_has_its_peak_and_reopens_at_half_of_it():
    """Seeded history: a closed dispute per regime issue with peak history_peak, so a shock reopens it at
    least at reopen_severity * history_peak."""
    model = _model()
    p = model.data["disputes"]
    model.disputes.seed_history([("territory", KR), ("shrine", KR)])
    d = model.disputes.find("territory", KR)
    assert d.status == "closed" and d.peak == p["history_peak"] and d.severity == 0.0
    model.disputes.open_or_escalate("territory", KR, 0.05, 1)
    assert d.status == "open" and d.severity == pytest.approx(p["reopen_severity"] * p["history_peak"])


# ---- grievance floor and relief -------------------------------------------------------------------
def test_grievance_floor_is_per_aggrieved_country():
    """The floor lifts the aggrieved public only: g_floor times its worst open dispute."""
    model = _model()
    gf = model.data["disputes"]["g_floor"]
    model.disputes.items = [Dispute(0, "shrine", JP, 0.5, 0, peak=0.5),
                            Dispute(1, "textbook", JP, 0.3, 0, peak=0.3),
                            Dispute(2, "territory", KR, 0.9, 0, peak=0.9, status="settled")]
    assert model.disputes.floors() == pytest.approx([0.0, gf * 0.5])


def test_dialogue_relief_only_outside_standoffs():
    """Dialogue relieves the aggrieved public's grievance on its open disputes, not during a standoff."""
    model = _model()
    rate = model.data["disputes"]["grievance_dialogue"] * model.disputes.dialogue()
    assert rate > 0
    model.disputes.items = [Dispute(0, "shrine", JP, 0.5, 0, peak=0.5)]
    assert model.disputes.relief() == pytest.approx([0.0, rate])
    model.disputes.items = [Dispute(0, "territory", KR, 0.5, 0, peak=0.5, linker=KR, mode="coercive",
                                    standoff=True, fields=[1])]
    assert np.array_equal(model.disputes.relief(), np.zeros(2))


# ---- draws ---------------------------------------------------------------------------------------
def test_dispute_draws_are_keyed_by_issue_not_creation_order():
    """The same (aggrieved, issue) draws the same uniforms whatever order the disputes were created in."""
    a, b = _model(), _model()
    a.disputes.items = [Dispute(0, "territory", KR, 0.5, 0), Dispute(1, "shrine", KR, 0.5, 0)]
    b.disputes.items = [Dispute(0, "shrine", KR, 0.5, 0), Dispute(1, "territory", KR, 0.5, 0)]
    da, db = a.disputes.find("territory", KR), b.disputes.find("territory", KR)
    draws_a = [a.disputes.draw(da, m, c) for m in range(3) for c in range(4)]
    draws_b = [b.disputes.draw(db, m, c) for m in range(3) for c in range(4)]
    assert draws_a == draws_b
    other = [a.disputes.draw(a.disputes.find("shrine", KR), m, c) for m in range(3) for c in range(4)]
    assert other != draws_a


def test_dialogue_is_the_mean_of_both_governments_levers():
    """With dialogue 0.2 in Korea and none in Japan, disputes fade and grievance is relieved at the mean, 0.1."""
    model = _model("kr=two_track,jp=linked", **{"strategies.two_track.dialogue": 0.2,
                                                "strategies.linked.dialogue": 0.0})
    p = model.data["disputes"]
    assert [gv.levers["dialogue"] for gv in model.governments] == [0.2, 0.0]
    d = Dispute(0, "shrine", JP, 0.5, 0, peak=0.5)
    model.disputes.items = [d]
    _fix_draws(model)
    model.disputes.step(1)
    assert d.severity == pytest.approx(0.5 * (1 - p["fade"] - 0.1))
    assert model.disputes.relief() == pytest.approx([0.0, p["grievance_dialogue"] * 0.1])


def test_an_agreed_package_raises_both_publics_and_resents_no_one():
    """A package agreed by both sides is an agreed settlement: both publics' trust rises (no concession, no
    resentment) and the aggrieved public's grievance is relieved."""
    model = _model()
    pop = model.population
    trust, grievance = pop.trust.copy(), pop.grievance.copy()
    d = _package(model, support=[0.9, 0.9], acceptance=[0.9, 0.9], u=0.0)
    assert d.status == "settled" and [e for e in model.events if e["event"] == "package_agreed"]
    assert (pop.trust > trust).all()
    kr = pop.country == KR
    assert (pop.grievance[kr] < grievance[kr]).all() and (pop.grievance[~kr] == grievance[~kr]).all()
