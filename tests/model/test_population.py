"""Citizens (issue 9): each term of the monthly trust update, grievance, exposure, anchors, cross-border ties,
ageing and turnover, the aggregates, and the citizen side of the model (benefit target, felt cooperation,
visit loss, acceptance, what RelationsModel.step hands to the population). Expected values are computed in
the test from the formulas of docs/ODD.md §7.1-7.4 and the pinned parameters; every other term is switched
off by overrides so that each check sees one mechanism."""

from __future__ import annotations

import numpy as np
import pytest

from sim import RelationsModel
from sim.model.disputes import Dispute
from sim.model.population import ENTRY_AGE, YOUTH_AGE, Population, lever_effect
from tests.helpers import pinned_scenario

QUIET = {"provocation.rate.KR": 0.0, "provocation.rate.JP": 0.0}
# every trust term off; a test switches on the one it checks
NO_TERMS = {"citizens.kappa_social": 0.0, "citizens.kappa_anchor": 0.0, "citizens.kappa_benefit": 0.0,
            "citizens.kappa_contact_public": 0.0, "citizens.kappa_contact_youth": 0.0,
            "citizens.kappa_grievance": 0.0, "citizens.noise": 0.0}


def _scenario(**overrides):
    return pinned_scenario(horizon=3, burn_in=0, **{**QUIET, **overrides})


def _population(**overrides):
    scen = _scenario(**overrides)
    return Population(scen.data, np.random.default_rng(0)), scen.data["citizens"]


def _step(pop, seed=1, benefit=(0.5, 0.5), contact=1.0, boycott=(0.0, 0.0), floor=(0.0, 0.0),
          relief=(0.0, 0.0), youth_gain=(0.0, 0.0), tie_p=0.0):
    """One month; returns the slots whose citizen stayed (same id) through it."""
    uid = pop.uid.copy()
    pop.step(np.random.default_rng(seed), np.array(benefit, float), contact, np.array(boycott, float),
             np.array(floor, float), np.array(relief, float), np.array(youth_gain, float), tie_p)
    return pop.uid == uid


def _stayed_before(pop):
    """Slots that will not leave at the next ageing step (so their state is updated, not replaced)."""
    return pop.age + 1.0 / 12.0 < ENTRY_AGE + pop.span[pop.country]


# ---- trust terms -------------------------------------------------------------------------------------
def test_social_influence_pulls_toward_the_neighbours_mean():
    """With only social influence on, each citizen moves kappa_social of the way to its neighbours' mean."""
    pop, p = _population(**{**NO_TERMS, "citizens.kappa_social": 0.04})
    t0 = pop.trust.copy()
    nbr = np.array([t0[pop.cols[pop.rows == i]].mean() for i in range(pop.n)])
    stay = _step(pop)
    expected = t0 + p["kappa_social"] * (nbr - t0)
    np.testing.assert_allclose(pop.trust[stay], expected[stay], atol=1e-12)
    # toward the neighbours: the gap to the neighbour mean shrinks for everyone who has one
    gap = np.abs(nbr - t0) > 1e-6
    assert (np.abs(pop.trust - nbr)[stay & gap] < np.abs(t0 - nbr)[stay & gap]).all()


def test_bounded_confidence_listens_only_to_near_opinions():
    """With bc_epsilon < 1 a citizen averages only neighbours closer than epsilon (itself if none)."""
    eps = 0.15
    pop, p = _population(**{**NO_TERMS, "citizens.kappa_social": 0.5, "citizens.bc_epsilon": eps})
    t0 = pop.trust.copy()
    nbr = np.empty(pop.n)
    for i in range(pop.n):
        tj = t0[pop.cols[pop.rows == i]]
        near = tj[np.abs(tj - t0[i]) < eps]
        nbr[i] = near.mean() if near.size else t0[i]
    assert (nbr == t0).sum() < pop.n  # some citizens do have near neighbours
    stay = _step(pop)
    np.testing.assert_allclose(pop.trust[stay], (t0 + p["kappa_social"] * (nbr - t0))[stay], atol=1e-12)


def test_anchor_pull_is_toward_the_anchor_and_stronger_with_age():
    """Memory pulls trust toward the anchor with strength rising linearly from anchor_strength_young at 18
    to anchor_strength_old at 78."""
    pop, p = _population(**{**NO_TERMS, "citizens.kappa_anchor": 0.25})
    pop.trust[:] = 0.5
    pop.anchor[:] = 0.8
    age = pop.age.copy()
    stay = _step(pop)
    frac = np.clip((age - 18.0) / 60.0, 0.0, 1.0)
    strength = p["anchor_strength_young"] + (p["anchor_strength_old"] - p["anchor_strength_young"]) * frac
    expected = 0.5 + p["kappa_anchor"] * strength * (0.8 - 0.5)
    np.testing.assert_allclose(pop.trust[stay], expected[stay], atol=1e-12)
    young, old = np.argmin(np.where(stay, age, np.inf)), np.argmax(np.where(stay, age, -np.inf))
    assert pop.trust[old] - 0.5 > pop.trust[young] - 0.5 > 0


def test_benefit_pulls_each_public_toward_its_own_countrys_benefit():
    """Each public's trust relaxes toward its own country's benefit target (KR high, JP low here)."""
    pop, p = _population(**{**NO_TERMS, "citizens.kappa_benefit": 0.04})
    pop.trust[:] = 0.5
    benefit = np.array([0.9, 0.1])
    stay = _step(pop, benefit=benefit)
    expected = 0.5 + p["kappa_benefit"] * (benefit[pop.country] - 0.5)
    np.testing.assert_allclose(pop.trust[stay], expected[stay], atol=1e-12)
    assert (pop.trust[stay & pop.is_kr] > 0.5).all() and (pop.trust[stay & ~pop.is_kr] < 0.5).all()


def test_contact_pulls_toward_the_contact_target_with_the_cohorts_weight():
    """Contact pulls trust toward contact_base + contact_gain*exposure*contact, youth with their larger weight."""
    pop, p = _population(**{**NO_TERMS, "citizens.kappa_contact_public": 0.02,
                            "citizens.kappa_contact_youth": 0.06})
    pop.trust[:] = 0.2
    youth, x = pop.youth.copy(), pop.exposure.copy()
    stay = _step(pop, contact=0.8)
    target = p["contact_base"] + p["contact_gain"] * x * 0.8
    kx = np.where(youth, p["kappa_contact_youth"], p["kappa_contact_public"])
    np.testing.assert_allclose(pop.trust[stay], (0.2 + kx * (target - 0.2))[stay], atol=1e-12)
    assert (pop.trust[stay] > 0.2).all()  # every target (>= contact_base = 0.3) is above 0.2


def test_grievance_drags_trust_toward_zero_in_proportion():
    """Grievance drag: trust falls by kappa_grievance * grievance * trust."""
    pop, p = _population(**{**NO_TERMS, "citizens.kappa_grievance": 0.06})
    t0, g0 = pop.trust.copy(), pop.grievance.copy()
    stay = _step(pop)
    np.testing.assert_allclose(pop.trust[stay], (t0 - p["kappa_grievance"] * g0 * t0)[stay], atol=1e-12)
    assert (pop.trust[stay] < t0[stay]).all()


def test_noise_vanishes_at_the_bounds_and_is_scaled_by_the_noise_parameter():
    """Trust noise is noise*sqrt(t(1-t))*N(0,1) from the citizens' generator: nothing moves at t=0 or 1."""
    pop, p = _population(**{**NO_TERMS, "citizens.noise": 0.24})
    t0 = pop.trust.copy()
    z = np.random.default_rng(1).standard_normal(pop.n)
    stay = _step(pop)
    expected = np.clip(t0 + p["noise"] * np.sqrt(t0 * (1 - t0)) * z, 1e-4, 1 - 1e-4)
    np.testing.assert_allclose(pop.trust[stay], expected[stay], atol=1e-12)


# ---- grievance ---------------------------------------------------------------------------------------
def test_grievance_relaxes_toward_the_personal_baseline():
    """Without disputes, grievance above or below the baseline moves grievance_relax of the way back to it."""
    pop, p = _population(**NO_TERMS)
    pop.grievance[:] = np.where(np.arange(pop.n) % 2 == 0, 0.95, 0.02)
    g, base = pop.grievance.copy(), pop.g0.copy()
    stay = _step(pop)
    expected = g + p["grievance_relax"] * (base - g)
    np.testing.assert_allclose(pop.grievance[stay], expected[stay], atol=1e-12)
    assert (np.abs(pop.grievance - base)[stay] <= np.abs(g - base)[stay] + 1e-15).all()


def test_dialogue_relieves_only_grievance_above_the_baseline_of_the_aggrieved_country():
    """Dialogue relief r_c takes r_c*(g - g0) off grievance above the baseline, in the relieved country only;
    grievance below the baseline only relaxes."""
    pop, p = _population(**NO_TERMS)
    pop.grievance[:] = np.where(np.arange(pop.n) % 2 == 0, np.minimum(pop.g0 + 0.3, 1.0), pop.g0 * 0.5)
    g, base = pop.grievance.copy(), pop.g0.copy()
    relief = np.array([0.4, 0.0])
    stay = _step(pop, relief=relief)
    expected = g + p["grievance_relax"] * (base - g) - relief[pop.country] * np.maximum(g - base, 0.0)
    np.testing.assert_allclose(pop.grievance[stay], expected[stay], atol=1e-12)
    above = stay & pop.is_kr & (g > base + 1e-9)
    assert above.any()
    no_relief = g + p["grievance_relax"] * (base - g)
    assert (pop.grievance[above] < no_relief[above]).all()


def test_grievance_floor_holds_the_aggrieved_public_up():
    """While a dispute aggrieving KR is open, KR grievance stays at or above the floor; JP is untouched."""
    pop, p = _population(**NO_TERMS)
    g, base = pop.grievance.copy(), pop.g0.copy()
    stay = _step(pop, floor=(0.8, 0.0))
    relaxed = g + p["grievance_relax"] * (base - g)
    expected = np.where(pop.is_kr, np.maximum(relaxed, 0.8), relaxed)
    np.testing.assert_allclose(pop.grievance[stay], expected[stay], atol=1e-12)
    assert (pop.grievance[stay & pop.is_kr] >= 0.8).all()
    assert (relaxed[stay & pop.is_kr] < 0.8).any()  # the floor did bind


# ---- exposure ----------------------------------------------------------------------------------------
def _expected_exposure(x, e0, youth, country, gain, ties, boycott, g, p):
    target = np.minimum(e0 + np.asarray(gain)[country] * youth + p["tie_gain"] * np.minimum(ties, 3), 1.0)
    target = target * (1.0 - np.asarray(boycott)[country] * g)
    return x + p["exposure_relax"] * (target - x)


def test_exposure_relaxes_to_baseline_and_youth_exchange_raises_only_youth():
    """Youth exchange adds Y_c to the exposure target of the youth of country c only."""
    pop, p = _population(**NO_TERMS)
    e0, youth = pop.e0.copy(), pop.youth.copy()
    pop.exposure[:] = x = np.full(pop.n, 0.3)
    gain = np.array([0.25, 0.1])
    stay = _step(pop, youth_gain=gain)
    expected = _expected_exposure(x, e0, youth, pop.country, gain, 0, (0.0, 0.0), 0.0, p)
    np.testing.assert_allclose(pop.exposure[stay], expected[stay], atol=1e-12)
    # the older public's exposure is the same as with no exchange at all
    pop2, _ = _population(**NO_TERMS)
    pop2.exposure[:] = 0.3
    _step(pop2)
    old = stay & ~youth
    np.testing.assert_allclose(pop.exposure[old], pop2.exposure[old], atol=1e-12)
    room = stay & youth & (e0 + gain[pop.country] < 1.0)  # targets not already capped at 1
    assert room.sum() > 50 and (pop.exposure[room] > pop2.exposure[room]).all()


def test_cross_border_ties_raise_exposure_at_both_ends_capped_at_three():
    """Each cross-border tie adds tie_gain to the exposure target of both citizens, at most three ties."""
    pop, p = _population(**NO_TERMS)
    nk = int(pop.sizes[0])
    pop.tie_a = np.array([0, 0, 0, 0, 1])
    pop.tie_b = np.array([nk, nk + 1, nk + 2, nk + 3, nk])
    ties = np.zeros(pop.n)
    ties[[0, 1]] = [4, 1]
    ties[[nk, nk + 1, nk + 2, nk + 3]] = [2, 1, 1, 1]
    pop.exposure[:] = x = np.full(pop.n, 0.1)
    pop.e0[:] = 0.1
    e0, youth = pop.e0.copy(), pop.youth.copy()
    stay = _step(pop)
    expected = _expected_exposure(x, e0, youth, pop.country, (0.0, 0.0), ties, (0.0, 0.0), 0.0, p)
    np.testing.assert_allclose(pop.exposure[stay], expected[stay], atol=1e-12)
    assert pop.exposure[0] == pytest.approx(0.1 + p["exposure_relax"] * 3 * p["tie_gain"])


def test_boycott_cuts_the_exposure_target_in_proportion_to_grievance():
    """A country's boycott b_c multiplies its citizens' exposure target by (1 - b_c * g_i)."""
    pop, p = _population(**NO_TERMS)
    x, e0, youth = pop.exposure.copy(), pop.e0.copy(), pop.youth.copy()
    g_new = pop.grievance + p["grievance_relax"] * (pop.g0 - pop.grievance)
    stay = _step(pop, boycott=(0.6, 0.0))
    expected = _expected_exposure(x, e0, youth, pop.country, (0.0, 0.0), 0, (0.6, 0.0), g_new, p)
    np.testing.assert_allclose(pop.exposure[stay], expected[stay], atol=1e-12)
    np.testing.assert_allclose(pop.boycott_i, np.where(pop.is_kr, 0.6 * g_new, 0.0), atol=1e-12)
    cut = stay & pop.is_kr & (x > 0)
    assert cut.sum() > 100 and (pop.exposure[cut] < x[cut]).all()


# ---- anchors, ageing, turnover -----------------------------------------------------------------------
def test_anchor_drifts_toward_current_trust():
    """After the trust update, anchors move anchor_rate of the way toward trust."""
    pop, p = _population(**NO_TERMS)
    pop.anchor[:] = 0.1
    pop.trust[:] = 0.7
    youth = pop.youth.copy()
    not_turning_30 = ~(youth & (pop.age + 1.0 / 12.0 >= YOUTH_AGE))
    stay = _step(pop) & not_turning_30
    np.testing.assert_allclose(pop.anchor[stay], 0.1 + p["anchor_rate"] * (0.7 - 0.1), atol=1e-12)


def test_age_advances_a_month_and_turning_30_makes_trust_the_anchor():
    """Ages advance 1/12 a year; a youth turning 30 joins the public and takes its trust as anchor."""
    pop, p = _population(**NO_TERMS)
    age = pop.age.copy()
    i = int(np.flatnonzero(pop.youth)[0])
    pop.age[i] = age[i] = YOUTH_AGE - 0.01
    pop.trust[i], pop.anchor[i] = 0.7, 0.1
    stay = _step(pop)
    np.testing.assert_allclose(pop.age[stay], age[stay] + 1.0 / 12.0, atol=1e-12)
    assert not pop.youth[i]
    assert pop.anchor[i] == pop.trust[i] == pytest.approx(0.7)
    assert pop.kx[i] == p["kappa_contact_public"]
    assert pop.group[i] == 2 * pop.country[i] + 1


def test_the_oldest_leave_and_entrants_start_from_their_own_countrys_environment():
    """A citizen reaching 18 + span leaves; an 18-year-old takes the slot, with trust
    1/2 benefit of its own country + 1/2 contact target (no entrant noise), and its ties end."""
    pop, p = _population(**{**NO_TERMS, "citizens.entrant_noise": 0.0})
    nk = int(pop.sizes[0])
    leavers = np.array([nk - 1, pop.n - 1])  # the oldest of each country
    pop.age[leavers] = ENTRY_AGE + pop.span[pop.country[leavers]] - 0.01
    pop.tie_a, pop.tie_b = np.array([nk - 1, 4]), np.array([nk + 1, nk + 2])
    uid = pop.uid.copy()
    benefit = np.array([0.9, 0.1])
    assert pop.step(np.random.default_rng(1), benefit, 0.8, np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2),
                    0.0) == 2
    gone = np.flatnonzero(pop.uid != uid)
    np.testing.assert_array_equal(gone, leavers)
    assert pop.youth[leavers].all()
    np.testing.assert_allclose(pop.age[leavers], ENTRY_AGE + 1.0 / 12.0 - 0.01, atol=1e-9)
    np.testing.assert_allclose(pop.exposure[leavers], pop.e0[leavers])
    c = pop.country[leavers]
    expected = 0.5 * benefit[c] + 0.5 * (p["contact_base"] + p["contact_gain"] * pop.e0[leavers] * 0.8)
    np.testing.assert_allclose(pop.trust[leavers], np.clip(expected, 0.02, 0.98), atol=1e-12)
    np.testing.assert_allclose(pop.anchor[leavers], pop.trust[leavers])
    assert pop.kx[leavers[0]] == p["kappa_contact_youth"]
    np.testing.assert_array_equal(pop.tie_a, [4])  # the leaver's tie ended, the other stays


# ---- cross-border ties -------------------------------------------------------------------------------
def test_ties_form_with_chance_tie_p_between_kr_and_jp_youth():
    """Each KR youth forms a tie with probability tie_p (its formation uniform below tie_p), with a JP youth
    drawn uniformly."""
    pop, _ = _population(**NO_TERMS)
    nk = int(pop.sizes[0])
    youth = pop.youth.copy()
    r = np.random.default_rng(7)
    r.standard_normal(pop.n)  # the month's trust noise comes first
    form, partner = r.random(nk), r.random(nk)
    _step(pop, seed=7, tie_p=0.1)
    new = np.flatnonzero((form < 0.1) & youth[:nk])
    jp_youth = np.flatnonzero(youth[nk:]) + nk
    assert 0 < new.size < 0.5 * youth[:nk].sum()
    np.testing.assert_array_equal(pop.tie_a, new)
    np.testing.assert_array_equal(pop.tie_b, jp_youth[(partner[new] * jp_youth.size).astype(int)])
    assert youth[pop.tie_b].all() and (pop.country[pop.tie_b] == 1).all()


def test_ties_dissolve_with_chance_tie_dissolve():
    """Each existing tie ends with probability tie_dissolve (its dissolution uniform below it)."""
    pop, _ = _population(**{**NO_TERMS, "citizens.tie_dissolve": 0.3})
    nk = int(pop.sizes[0])
    a = np.flatnonzero(pop.youth[:nk])
    jp = np.flatnonzero(pop.youth[nk:]) + nk
    pop.tie_a, pop.tie_b = a.copy(), jp[np.arange(a.size) % jp.size]
    r = np.random.default_rng(3)
    r.standard_normal(pop.n)
    r.random(nk), r.random(nk)
    dissolve = r.random(nk)
    _step(pop, seed=3, tie_p=0.0)
    keep = dissolve[a] >= 0.3
    assert 0 < keep.sum() < a.size
    np.testing.assert_array_equal(pop.tie_a, a[keep])


# ---- aggregates and shocks on citizens ---------------------------------------------------------------
def test_lever_effect_has_diminishing_returns_from_zero():
    """e(l) = 1 - exp(-3 l): none for no lever, increasing and concave."""
    levers = np.array([0.0, 0.1, 0.3, 0.6, 1.0])
    e = lever_effect(levers)
    np.testing.assert_allclose(e, 1.0 - np.exp(-3.0 * levers))
    assert e[0] == 0.0 and (np.diff(e) > 0).all() and (np.diff(np.diff(e) / np.diff(levers)) < 0).all()


def test_stats_count_good_bad_low_grievance_and_visits_per_group():
    """Population.stats: per group (KR youth, KR public, JP youth, JP public) counts of good (> good),
    bad (< bad), low grievance (< threshold) and visits = exposure * (1 - boycott cut)."""
    pop, p = _population()
    k = np.arange(pop.n)
    pop.trust[:] = np.array([0.7, 0.5, 0.3, 0.45, 0.65])[k % 5]
    pop.grievance[:] = np.array([0.2, 0.6, 0.45])[k % 3]
    pop.exposure[:] = 0.5
    pop.boycott_i[:] = np.where(pop.is_kr, 0.4, 0.0)
    st = pop.stats(p["good_threshold"], p["bad_threshold"], p["grievance_threshold"])
    for gi, (c, y) in enumerate([(0, True), (0, False), (1, True), (1, False)]):
        m = (pop.country == c) & (pop.youth == y)
        assert st["n"][gi] == m.sum()
        assert st["good"][gi] == (pop.trust[m] > 0.6).sum()
        assert st["bad"][gi] == (pop.trust[m] < 0.4).sum()
        assert st["low_grievance"][gi] == (pop.grievance[m] < 0.5).sum()
        assert st["visits"][gi] == pytest.approx(m.sum() * 0.5 * (0.6 if c == 0 else 1.0))
        assert st["trust"][gi] == pytest.approx(pop.trust[m].sum())


def test_weights_are_each_countrys_own_youth_share():
    """Group weights: KR youth share / 1 - share, JP youth share / 1 - share; empty groups weigh nothing."""
    pop, _ = _population(**{"population.KR.youth_share_adults": 0.2, "population.JP.youth_share_adults": 0.1})
    np.testing.assert_allclose(pop.weights(np.array([5, 5, 5, 5])), [0.2, 0.8, 0.1, 0.9])
    np.testing.assert_allclose(pop.weights(np.array([5, 0, 5, 5])), [0.2, 0.0, 0.1, 0.9])


def test_negative_trust_shock_is_stronger_for_youth_only():
    """A negative trust shock takes m*t off the public and youth_mult*m*t off the youth; a positive one
    adds m*(1 - t) to all, without the youth multiplier."""
    pop, _ = _population()
    pop.trust[:] = 0.5
    rows = np.arange(pop.n)
    pop.shock_trust(rows, 0.2, False, youth_mult=1.5)
    np.testing.assert_allclose(pop.trust, np.where(pop.youth, 0.5 - 0.3 * 0.5, 0.5 - 0.2 * 0.5))
    pop.trust[:] = 0.5
    pop.shock_trust(rows, 0.2, True, youth_mult=1.5)
    np.testing.assert_allclose(pop.trust, 0.5 + 0.2 * 0.5)


def test_grievance_shock_saturates_toward_one():
    """A grievance shock adds min(m, 1)*(1 - g): more for the unaggrieved, never above 1."""
    pop, _ = _population()
    pop.grievance[:2] = [0.2, 0.9]
    pop.add_grievance(np.array([0, 1]), 0.5)
    np.testing.assert_allclose(pop.grievance[:2], [0.2 + 0.5 * 0.8, 0.9 + 0.5 * 0.1])
    pop.add_grievance(np.array([0, 1]), 3.0)
    np.testing.assert_allclose(pop.grievance[:2], [1.0, 1.0])


# ---- the citizen side of the model -------------------------------------------------------------------
def _model(strategy="two_track", **overrides):
    return RelationsModel(_scenario(**overrides), strategy, 0)


def _expected_benefit(data, realised, tension, comm, visit_loss=0.0):
    c, g = data["citizens"], data["government"]
    felt = np.array(realised, float)
    felt[1] *= 1.0 - c["tourism_share"] * visit_loss
    es, st = 0.5 * (felt[1] + felt[2]), 0.5 * (felt[0] + felt[3])
    return np.clip(c["benefit_base"] + c["benefit_gain"] * (1 + c["communication_gain"] * np.asarray(comm)) * es
                   + c["security_benefit_gain"] * tension * st - g["hedge"] * tension, 0.0, 1.0)


def test_public_benefit_follows_the_documented_formula():
    """B_c = base + gain*(1 + comm_gain*e_c)*(F_econ + F_soc)/2 + sec_gain*T*(F_sec + F_tech)/2 - hedge*T."""
    model = _model()
    model.realised = np.array([0.6, 0.5, 0.4, 0.7])
    model.tension, model.visit_loss = 0.5, 0.2
    comm = np.array([0.8, 0.1])
    b = model.public_benefit(comm)
    np.testing.assert_allclose(b, _expected_benefit(model.data, model.realised, 0.5, comm, 0.2), atol=1e-12)
    assert 0.0 < b.min() and b.max() < 1.0  # no clipping hides a term


def test_communication_amplifies_each_countrys_own_benefit():
    """Raising KR's public communication raises KR's benefit target only."""
    model = _model()
    model.realised = np.full(4, 0.5)
    model.visit_loss = 0.0
    low, high = model.public_benefit(np.array([0.0, 0.0])), model.public_benefit(np.array([0.8, 0.0]))
    gain = model.data["citizens"]["benefit_gain"] * model.data["citizens"]["communication_gain"] * 0.8 * 0.5
    assert high[0] - low[0] == pytest.approx(gain)
    assert high[1] == pytest.approx(low[1])


def test_tension_adds_security_benefit_and_subtracts_hedging():
    """The security term is sec_gain*T*(F_sec + F_tech)/2 (none without tension); hedging costs hedge*T."""
    model = _model(**{"government.hedge": 0.0})
    model.realised, model.visit_loss = np.array([0.8, 0.3, 0.3, 0.6]), 0.0
    comm = np.zeros(2)
    model.tension = 0.0
    b0 = model.public_benefit(comm)
    model.tension = 0.5
    b1 = model.public_benefit(comm)
    np.testing.assert_allclose(b1 - b0, model.data["citizens"]["security_benefit_gain"] * 0.5 * 0.7, atol=1e-12)
    hedged = _model(**{"government.hedge": 0.4, "citizens.security_benefit_gain": 0.0})
    hedged.realised, hedged.visit_loss = model.realised, 0.0
    hedged.tension = 0.0
    h0 = hedged.public_benefit(comm)
    hedged.tension = 0.5
    np.testing.assert_allclose(hedged.public_benefit(comm) - h0, -0.4 * 0.5, atol=1e-12)


def test_visits_lost_to_boycotts_cut_the_felt_economy():
    """visit_loss = 1 - sum x(1 - b)/sum x; the economy is felt at R*(1 - tourism_share*visit_loss)."""
    model = _model()
    pop = model.population
    pop.exposure[:] = np.where(pop.is_kr, 0.4, 0.2)
    pop.boycott_i[:] = np.where(pop.is_kr, 0.5, 0.0)
    model.update_means()
    kept = (pop.is_kr * 0.4 * 0.5 + ~pop.is_kr * 0.2).sum()
    loss = 1.0 - kept / np.where(pop.is_kr, 0.4, 0.2).sum()
    assert model.visit_loss == pytest.approx(loss)
    model.realised = np.array([0.6, 0.5, 0.4, 0.7])
    felt = model.felt_cooperation()
    share = model.data["citizens"]["tourism_share"]
    np.testing.assert_allclose(felt, [0.6, 0.5 * (1 - share * loss), 0.4, 0.7])
    assert felt[1] < model.realised[1]


def test_acceptance_is_the_weighted_share_not_holding_a_bad_impression():
    """Acceptance of a country: youth-share-weighted share of its public with trust at or above `bad`."""
    model = _model()
    pop = model.population
    pop.trust[:] = np.where(pop.youth, 0.7, 0.3)  # youth accept, the older public does not
    model.update_means()
    ys = model.data["population"]
    assert model.acceptance(0) == pytest.approx(ys["KR"]["youth_share_adults"])
    assert model.acceptance(1) == pytest.approx(ys["JP"]["youth_share_adults"])


def _spy_on_population(model):
    calls = []
    real = model.population.step

    def spy(rng, benefit, contact, boycott, floor, relief, youth_gain, tie_p, travel):
        calls.append({"benefit": benefit.copy(), "contact": contact, "boycott": boycott.copy(), "tie_p": tie_p,
                      "youth_gain": youth_gain.copy(), "travel": travel.copy()})
        return real(rng, benefit, contact, boycott, floor, relief, youth_gain, tie_p, travel)

    model.population.step = spy
    return calls


def test_model_step_hands_the_tie_chance_with_the_youth_exchange_gain():
    """tie_p = tie_rate * contact * (1 + tie_exchange_gain * e(mean youth_exchange lever))."""
    model = _model()
    for gv, yx in zip(model.governments, (0.4, 0.0), strict=True):
        gv.levers["youth_exchange"] = yx
    calls = _spy_on_population(model)
    model.step()
    c = model.data["citizens"]
    expected = c["tie_rate"] * model.contact * (1 + c["tie_exchange_gain"] * (1 - np.exp(-3 * 0.2)))
    assert calls[0]["tie_p"] == pytest.approx(expected)
    assert calls[0]["tie_p"] > c["tie_rate"] * model.contact


def test_boycotts_reach_citizens_only_during_a_standoff():
    """Each country's boycott lever is handed to its citizens while a coercive standoff is active, else 0."""
    model = _model("kr=linked,jp=two_track")
    calls = _spy_on_population(model)
    model.step()
    np.testing.assert_array_equal(calls[-1]["boycott"], [0.0, 0.0])
    model.disputes.items = [Dispute(0, "territory", 0, 0.6, 0, peak=0.6, linker=0, mode="coercive",
                                    standoff=True, fields=[1])]
    model.disputes.step = lambda month: None  # the standoff neither ends nor moves this month
    model.step()
    np.testing.assert_allclose(calls[-1]["boycott"], [gv.levers["boycott"] for gv in model.governments])
    assert calls[-1]["boycott"][0] != calls[-1]["boycott"][1]
