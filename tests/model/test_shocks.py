"""Shocks (issue 9): every kind hits the right country and cohort with the right sign and size (docs/ODD.md
§7.11), magnitudes follow their distributions' inverse CDFs, the exogenous schedule keeps exactly the months
of its window, each provoking country draws its own uniforms, and the provoked issue comes from the issue
uniform. Expected sizes are computed in the tests from the documented formulas and `shock_effects`."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import stats

from sim import RelationsModel
from sim.model.disputes import Dispute
from sim.model.population import lever_effect
from sim.model.shocks import MAX_PER_MONTH, Shock, apply, draw_exogenous, magnitude_from_uniform, provocation_table
from tests.helpers import pinned_scenario

QUIET = {"provocation.rate.KR": 0.0, "provocation.rate.JP": 0.0}
KR, JP = 0, 1


def _model(strategy="two_track", comm=(0.0, 0.5), **overrides):
    """A 3-month model without burn-in or provocations; public communication levers set per country."""
    model = RelationsModel(pinned_scenario(horizon=3, burn_in=0, **{**QUIET, **overrides}), strategy, 0)
    for gv, c in zip(model.governments, comm, strict=True):
        gv.levers["public_communication"] = c
    return model


def _snapshot(model):
    pop = model.population
    return {"trust": pop.trust.copy(), "grievance": pop.grievance.copy(), "exposure": pop.exposure.copy(),
            "offered": [gv.offered.copy() for gv in model.governments], "tension": model.tension}


def _salience(model, country):
    comm = model.governments[country].levers["public_communication"]
    return model.data["citizens"]["communication_salience"] * float(lever_effect(comm))


def _down(t, m, youth, ymult):
    """Negative trust shock: t - min(m', 1) t with m' = m (times youth_sensitivity for youth)."""
    return t - np.minimum(np.where(youth, ymult * m, m), 1.0) * t


def _up(x, m):
    return x + min(m, 1.0) * (1.0 - x)


# ---- history shocks ----------------------------------------------------------------------------------
@pytest.mark.parametrize("actor", ["KR", "JP"])
def test_provocation_hits_the_other_public_and_opens_its_dispute(actor):
    """A provocation lowers the other public's trust (youth more), raises its grievance amplified by the
    other government's communication, and opens a dispute aggrieving the other country; the provoker's
    public is untouched."""
    model = _model()
    pop, eff = model.population, model.data["shock_effects"]
    a = {"KR": KR, "JP": JP}[actor]
    other = 1 - a
    before = _snapshot(model)
    apply(model, Shock(0, "provocation", 0.6, actor, "shrine"))
    hit = pop.country == other
    m_trust = eff["provocation"]["trust"] * 0.6
    m_g = eff["provocation"]["grievance"] * 0.6 * (1 + _salience(model, other))
    np.testing.assert_allclose(pop.trust[hit], _down(before["trust"], m_trust, pop.youth,
                                                     eff["youth_sensitivity"])[hit])
    np.testing.assert_allclose(pop.grievance[hit], _up(before["grievance"], m_g)[hit])
    np.testing.assert_array_equal(pop.trust[~hit], before["trust"][~hit])
    np.testing.assert_array_equal(pop.grievance[~hit], before["grievance"][~hit])
    [d] = model.disputes.items
    assert (d.issue, d.aggrieved, d.status) == ("shrine", other, "open")
    assert d.severity == pytest.approx(0.6)


def test_provocation_without_an_issue_is_about_territory():
    """A provocation that names no issue opens the territory dispute."""
    model = _model()
    apply(model, Shock(0, "provocation", 0.4, "JP"))
    [d] = model.disputes.items
    assert (d.issue, d.aggrieved) == ("territory", KR)


@pytest.mark.parametrize("actor,court", [("KR", KR), ("JP", JP), ("none", KR)])
def test_court_ruling_aggrieves_the_other_country_and_stirs_the_courts_public(actor, court):
    """A court ruling (court = actor, KR if none) lowers the other public's trust, raises grievance in the
    court's own public (amplified by its communication) and opens the forced-labour dispute aggrieving the
    other country with severity `severity`*s."""
    model = _model(comm=(0.5, 0.2))
    pop, eff = model.population, model.data["shock_effects"]
    before = _snapshot(model)
    apply(model, Shock(0, "court_ruling", 0.5, actor))
    other = pop.country == 1 - court
    own = ~other
    m_trust = eff["court_ruling"]["trust"] * 0.5
    m_g = eff["court_ruling"]["grievance"] * 0.5 * (1 + _salience(model, court))
    np.testing.assert_allclose(pop.trust[other], _down(before["trust"], m_trust, pop.youth,
                                                       eff["youth_sensitivity"])[other])
    np.testing.assert_array_equal(pop.trust[own], before["trust"][own])
    np.testing.assert_allclose(pop.grievance[own], _up(before["grievance"], m_g)[own])
    np.testing.assert_array_equal(pop.grievance[other], before["grievance"][other])
    [d] = model.disputes.items
    assert (d.issue, d.aggrieved) == ("forced_labour", 1 - court)
    assert d.severity == pytest.approx(eff["court_ruling"]["severity"] * 0.5)


# ---- environment -------------------------------------------------------------------------------------
def test_us_china_escalation_and_deescalation_move_tension_toward_their_bound():
    """Escalation: T + s(1 - T); de-escalation: T - sT."""
    model = _model()
    model.tension = 0.3
    apply(model, Shock(0, "us_china_escalation", 0.5))
    assert model.tension == pytest.approx(0.3 + 0.5 * 0.7)
    model.tension = 0.3
    apply(model, Shock(0, "us_china_deescalation", 0.5))
    assert model.tension == pytest.approx(0.3 - 0.5 * 0.3)


def test_pandemic_caps_contact_at_one_minus_magnitude_for_its_duration():
    """A pandemic of magnitude s caps contact at 1 - s until month + duration, and holds it there."""
    model = _model()
    apply(model, Shock(0, "pandemic", 0.7, duration=5))
    assert model.contact_cap == pytest.approx(0.3)
    assert model.contact == pytest.approx(0.3)
    assert model.pandemic_until == 5
    model.step()
    assert model.contact == pytest.approx(0.3)


# ---- trade and boycotts ------------------------------------------------------------------------------
def test_imposed_trade_coercion_hits_the_target_public_and_cuts_the_actors_own_offers():
    """Imposed trade coercion by KR lowers JP trust and cuts KR's economy and technology offers by
    (1 - offer_cut*s); KR's public and JP's offers are untouched."""
    model = _model()
    pop, eff = model.population, model.data["shock_effects"]
    model.governments[JP].offered = np.array([0.7, 0.6, 0.5, 0.4])
    before = _snapshot(model)
    apply(model, Shock(0, "trade_coercion", 0.5, "KR"))
    jp = pop.country == JP
    np.testing.assert_allclose(pop.trust[jp], _down(before["trust"], eff["trade_coercion"]["trust"] * 0.5,
                                                    pop.youth, eff["youth_sensitivity"])[jp])
    np.testing.assert_array_equal(pop.trust[~jp], before["trust"][~jp])
    cut = 1.0 - eff["trade_coercion"]["offer_cut"] * 0.5
    np.testing.assert_allclose(model.governments[KR].offered, before["offered"][KR] * [1, cut, 1, cut])
    np.testing.assert_array_equal(model.governments[JP].offered, before["offered"][JP])


def test_endogenous_trade_coercion_only_hits_trust():
    """Trade coercion that comes from linkage (endogenous) hits the target's trust but cuts no offer (the
    dispute penalty does that)."""
    model = _model()
    pop, eff = model.population, model.data["shock_effects"]
    before = _snapshot(model)
    apply(model, Shock(0, "trade_coercion", 0.5, "JP", origin="endogenous"))
    kr = pop.country == KR
    np.testing.assert_allclose(pop.trust[kr], _down(before["trust"], eff["trade_coercion"]["trust"] * 0.5,
                                                    pop.youth, eff["youth_sensitivity"])[kr])
    for gv, off in zip(model.governments, before["offered"], strict=True):
        np.testing.assert_array_equal(gv.offered, off)


def test_boycott_cuts_the_actors_own_public_exposure_by_grievance():
    """An imposed boycott by JP multiplies JP exposure by (1 - exposure*s*g_i); KR exposure is untouched."""
    model = _model()
    pop, eff = model.population, model.data["shock_effects"]
    before = _snapshot(model)
    apply(model, Shock(0, "boycott", 0.5, "JP"))
    jp = pop.country == JP
    expected = before["exposure"] * (1.0 - eff["boycott"]["exposure"] * 0.5 * pop.grievance)
    np.testing.assert_allclose(pop.exposure[jp], expected[jp])
    np.testing.assert_array_equal(pop.exposure[~jp], before["exposure"][~jp])
    cut = jp & (before["exposure"] > 0)
    assert cut.sum() > 200 and (pop.exposure[cut] < before["exposure"][cut]).all()


# ---- shared events -----------------------------------------------------------------------------------
def test_security_incident_lowers_both_publics_and_both_security_offers():
    """Both publics lose trust (youth more); both security offers fall by (1 - offer_cut*s), other fields not."""
    model = _model()
    pop, eff = model.population, model.data["shock_effects"]
    before = _snapshot(model)
    apply(model, Shock(0, "security_incident", 0.5))
    np.testing.assert_allclose(pop.trust, _down(before["trust"], eff["security_incident"]["trust"] * 0.5,
                                                pop.youth, eff["youth_sensitivity"]))
    cut = 1.0 - eff["security_incident"]["offer_cut"] * 0.5
    for gv, off in zip(model.governments, before["offered"], strict=True):
        np.testing.assert_allclose(gv.offered, off * [cut, 1, 1, 1])


def test_summit_raises_both_publics_and_every_offer():
    """A summit moves everyone's trust (youth no more than others) and every offer up toward 1."""
    model = _model()
    pop, eff = model.population, model.data["shock_effects"]
    before = _snapshot(model)
    apply(model, Shock(0, "summit", 0.5))
    np.testing.assert_allclose(pop.trust, _up(before["trust"], eff["summit"]["trust"] * 0.5))
    for gv, off in zip(model.governments, before["offered"], strict=True):
        np.testing.assert_allclose(gv.offered, _up(off, eff["summit"]["offer_boost"] * 0.5))
        assert (gv.offered > off).all()


def test_disaster_raises_both_publics_and_the_society_offers():
    """A shared disaster raises everyone's trust and both society offers; no other field moves."""
    model = _model()
    pop, eff = model.population, model.data["shock_effects"]
    before = _snapshot(model)
    apply(model, Shock(0, "disaster", 0.5))
    np.testing.assert_allclose(pop.trust, _up(before["trust"], eff["disaster"]["trust"] * 0.5))
    for gv, off in zip(model.governments, before["offered"], strict=True):
        expected = off.copy()
        expected[2] = _up(off[2], eff["disaster"]["offer_boost"] * 0.5)
        np.testing.assert_allclose(gv.offered, expected)


def _two_disputes(model):
    model.disputes.items = [Dispute(0, "territory", KR, 0.3, 0, peak=0.3),
                            Dispute(1, "shrine", JP, 0.7, 0, peak=0.7)]
    return model.disputes.items


def test_agreement_settles_the_most_severe_open_dispute_and_raises_trust():
    """An agreement settles the most severe open dispute as an agreed settlement (the aggrieved public's
    grievance relieved, both publics' trust up by the settlement bonus), then raises trust by its own size."""
    model = _model()
    pop, eff, dp = model.population, model.data["shock_effects"], model.data["disputes"]
    mild, severe = _two_disputes(model)
    before = _snapshot(model)
    apply(model, Shock(0, "agreement", 0.5))
    assert (severe.status, mild.status) == ("settled", "open")
    jp = pop.country == JP
    np.testing.assert_allclose(pop.grievance[jp], before["grievance"][jp] * (1 - dp["settle_relief"]))
    np.testing.assert_array_equal(pop.grievance[~jp], before["grievance"][~jp])
    settled = _up(before["trust"], dp["settle_trust_bonus"])
    np.testing.assert_allclose(pop.trust, _up(settled, eff["agreement"]["trust"] * 0.5))


def test_agreement_on_an_issue_settles_that_issue():
    """An agreement naming an issue settles the open dispute on that issue, even a milder one."""
    model = _model()
    mild, severe = _two_disputes(model)
    apply(model, Shock(0, "agreement", 0.5, issue="territory"))
    assert (mild.status, severe.status) == ("settled", "open")


@pytest.mark.parametrize("actor", ["KR", "JP"])
def test_leadership_change_replaces_the_actors_leader_only(actor):
    """The actor's leader is replaced (approval reset, offers cut to the win-set, declared strategy);
    the other government is untouched."""
    model = _model()
    a = {"KR": KR, "JP": JP}[actor]
    gv, other = model.governments[a], model.governments[1 - a]
    gv.offered = np.array([0.2, 0.7, 0.9, 0.4])
    gv.approval = other.approval = 0.2
    winset, other_off = gv.winset, other.offered.copy()
    apply(model, Shock(0, "leadership_change", 0.5, actor, strategy="linked"))
    assert gv.leader == 2 and other.leader == 1
    assert gv.approval == model.data["government"]["approval_reset"] and other.approval == 0.2
    np.testing.assert_allclose(gv.offered, np.minimum([0.2, 0.7, 0.9, 0.4], winset))
    np.testing.assert_array_equal(other.offered, other_off)
    assert gv.levers["linkage_mode"] == "coercive" and other.levers["linkage_mode"] == "none"


def test_culture_wave_reaches_only_the_other_countrys_youth():
    """A KR culture wave raises JP youth trust by trust*s*(1 - t) and exposure by exposure*s*(1 - x);
    JP's older public and all of KR are untouched."""
    model = _model()
    pop, eff = model.population, model.data["shock_effects"]
    before = _snapshot(model)
    apply(model, Shock(0, "culture_wave", 0.5, "KR"))
    hit = (pop.country == JP) & pop.youth
    assert hit.any() and (~hit & (pop.country == JP)).any()
    np.testing.assert_allclose(pop.trust[hit], _up(before["trust"], eff["culture_wave"]["trust"] * 0.5)[hit])
    np.testing.assert_allclose(pop.exposure[hit],
                               _up(before["exposure"], eff["culture_wave"]["exposure"] * 0.5)[hit])
    np.testing.assert_array_equal(pop.trust[~hit], before["trust"][~hit])
    np.testing.assert_array_equal(pop.exposure[~hit], before["exposure"][~hit])


# ---- magnitudes and schedules ------------------------------------------------------------------------
U = np.linspace(0.01, 0.99, 37)


@pytest.mark.parametrize("dist,a,b,c,frozen", [
    ("uniform", 0.2, 0.7, 0.5, stats.uniform(loc=0.2, scale=0.5)),
    ("beta", 2.0, 5.0, 0.5, stats.beta(2.0, 5.0)),
    ("triangular", 0.1, 0.9, 0.3, stats.triang(c=0.25, loc=0.1, scale=0.8)),
    ("lognormal", 0.2, 0.5, 0.5, stats.lognorm(s=0.5, scale=0.2)),
    ("lognormal", 0.6, 1.0, 0.5, stats.lognorm(s=1.0, scale=0.6)),  # clipped at 1 in the upper tail
])
def test_magnitudes_are_the_inverse_cdf_of_their_distribution(dist, a, b, c, frozen):
    """magnitude_from_uniform(u) is the u-quantile of the named distribution, clipped to [0, 1]."""
    got = magnitude_from_uniform(U, dist, a, b, c)
    np.testing.assert_allclose(got, np.clip(frozen.ppf(U), 0.0, 1.0), atol=1e-9)


def test_fixed_magnitude_ignores_the_uniform():
    """A fixed distribution gives its value whatever the uniform."""
    np.testing.assert_array_equal(magnitude_from_uniform(U, "fixed", 0.35, 0.9), np.full(U.size, 0.35))


@pytest.mark.parametrize("start", [0, -12, 7])
def test_scheduled_shocks_in_the_window_are_kept_including_its_first_month(start):
    """draw_exogenous keeps the scheduled shocks with month in [start, start + months), the first month
    included and the month after the window excluded, with the entry defaults filled in."""
    data = copy.deepcopy(pinned_scenario(horizon=3, burn_in=0).data)
    months = 5
    data["shocks"] = [{"month": m, "kind": "summit", "magnitude": 0.3}
                      for m in (start - 1, start, start + months - 1, start + months)]
    data["random_shocks"] = []
    out = draw_exogenous(data, 0, start, months)
    assert [s.month for s in out] == [start, start + months - 1]
    assert all(s.origin == "scheduled" and s.actor == "none" and s.magnitude == 0.3 for s in out)


def test_a_model_fires_a_shock_scheduled_at_month_zero():
    """With no burn-in, a shock scheduled for month 0 is in the exogenous log and fires in the first step."""
    model = _model(shocks=[{"month": 0, "kind": "us_china_escalation", "magnitude": 0.5}])
    assert [(s.month, s.kind) for s in model.exogenous] == [(0, "us_china_escalation")]
    model.step()
    assert any(e["event"] == "us_china_escalation" and e["month"] == 0 for e in model.events)


def test_random_shocks_fall_in_the_window_with_their_magnitudes():
    """Random shocks are drawn for the window only, after the scheduled ones of the same month, with
    magnitudes from their distribution (fixed here)."""
    data = copy.deepcopy(pinned_scenario(horizon=3, burn_in=0).data)
    data["shocks"] = [{"month": 3, "kind": "summit", "magnitude": 0.3}]
    data["random_shocks"] = [{"kind": "disaster", "rate": 0.9, "dist": "fixed", "a": 0.4}]
    out = draw_exogenous(data, 1, 0, 24)
    rand = [s for s in out if s.origin == "random"]
    assert len(rand) > 5
    assert all(0 <= s.month < 24 and s.kind == "disaster" and s.magnitude == 0.4 for s in rand)
    assert [s.month for s in out] == sorted(s.month for s in out)
    month3 = [s.origin for s in out if s.month == 3]
    assert month3[0] == "scheduled"


def test_each_provoking_country_draws_its_own_uniforms():
    """The provocation table holds (occurrence, magnitude, issue) uniforms per month and actor; the two actors'
    draws are independent (not the same numbers), and the same seed gives the same table."""
    data = pinned_scenario(horizon=3, burn_in=0).data
    tab = provocation_table(data, 3, -6, 30)
    assert tab.shape == (30, 2, 3)
    assert ((tab >= 0) & (tab < 1)).all()
    assert not np.allclose(tab[:, KR], tab[:, JP])
    assert abs(np.corrcoef(tab[:, KR, 0], tab[:, JP, 0])[0, 1]) < 0.6
    np.testing.assert_array_equal(tab, provocation_table(data, 3, -6, 30))


@pytest.mark.parametrize("u1,u2,issue", [(0.1, 0.5, "textbook"), (0.9, 0.1, "shrine"), (0.1, 0.9, "territory")])
def test_the_provoked_issue_comes_from_the_issue_uniform(u1, u2, issue):
    """A JP provocation raises shrine, textbook or territory with equal chance, chosen by the issue uniform
    u[2] (not the magnitude's u[1]); it aggrieves KR."""
    model = _model(**{"provocation.rate.JP": 0.5})
    model.provocation_uniforms[0, JP] = [0.0, u1, u2]
    model.provocations(0, 0)
    [d] = model.disputes.items
    assert (d.issue, d.aggrieved) == (issue, KR)
    assert [e["issue"] for e in model.events if e["event"] == "provocation"] == [issue]


def test_a_random_shock_may_strike_several_times_a_month():
    """A random shock's count per month is Poisson(rate), kept up to MAX_PER_MONTH: at 2 a month, 120 months
    hold about 240 events (not one a month at most), and some month holds 4."""
    data = copy.deepcopy(pinned_scenario(horizon=3, burn_in=0).data)
    data["random_shocks"] = [{"kind": "summit", "rate": 2.0, "dist": "fixed", "a": 0.1}]
    out = draw_exogenous(data, 2, 0, 120)
    per_month = np.bincount([s.month for s in out], minlength=120)
    assert 200 < per_month.sum() < 280
    assert per_month.max() == MAX_PER_MONTH
