"""The environment phase of a month (docs/ODD.md §3 steps 1–2): contact under and after a pandemic, scheduled
changes applied once at their month, and US pressure following tension. Expected values are computed here
from the documented update rules."""

from __future__ import annotations

import numpy as np
import pytest

from sim import RelationsModel
from tests.helpers import pinned_scenario

QUIET = {"provocation.rate.KR": 0.0, "provocation.rate.JP": 0.0, "environment.tension_noise": 0.0}


def _model(strategy="two_track", **over) -> RelationsModel:
    return RelationsModel(pinned_scenario(horizon=40, burn_in=0, **{**QUIET, **over}), strategy, 0)


def test_contact_stays_capped_through_a_pandemic_and_then_recovers_at_its_rate():
    """A pandemic of magnitude 0.6 from month 2 for 10 months holds contact at 0.4 until month 11, whatever it
    was; from month 12 contact relaxes toward normal by contact_recovery of the gap each month."""
    model = _model(shocks=[{"month": 2, "kind": "pandemic", "magnitude": 0.6, "duration": 10}])
    env = model.data["environment"]
    seen = []
    for _ in range(20):
        model.step()
        seen.append(model.contact)
    assert seen[:2] == [env["contact_normal"]] * 2
    assert seen[2:12] == [pytest.approx(0.4)] * 10
    expect = 0.4
    for month in range(12, 20):
        expect += env["contact_recovery"] * (env["contact_normal"] - expect)
        assert seen[month] == pytest.approx(expect), month
    assert seen[12] > 0.4 + 0.01


def test_a_scheduled_change_applies_once_at_its_month():
    """A change of month 5 fires once (one `change` event), and a later leader's declared strategy is not
    overwritten by it in the months after."""
    model = _model(changes=[{"month": 5, "country": "KR", "strategy": "linked"}],
                   shocks=[{"month": 9, "kind": "leadership_change", "actor": "KR", "magnitude": 1.0,
                            "strategy": "package_deal"}])
    for _ in range(15):
        model.step()
    assert [e["month"] for e in model.events if e["event"] == "change"] == [5]
    assert model.governments[0].levers["linkage_mode"] == "package"
    assert model.governments[1].levers["linkage_mode"] == "none"


def test_a_contact_rate_change_sets_the_normal_level_once():
    """contact_rate changes the level contact relaxes to; contact then moves toward it at contact_recovery."""
    model = _model(changes=[{"month": 3, "contact_rate": 0.5}])
    env = model.data["environment"]
    for _ in range(4):
        model.step()
    assert model.contact_normal == 0.5
    assert model.contact == pytest.approx(env["contact_normal"] + env["contact_recovery"] * (0.5 - 1.0))


def test_us_pressure_follows_tension_unless_fixed():
    """US pressure is us_pressure_gain times this month's tension, until a change fixes it."""
    model = _model(changes=[{"month": 4, "us_pressure": 0.05}], **{"environment.us_pressure_gain": 2.0,
                                                                 "environment.tension_init": 0.3,
                                                                 "environment.tension_mean": 0.6})
    for _ in range(4):
        model.step()
        assert model.us_pressure == pytest.approx(2.0 * model.tension)
    assert model.tension > 0.3
    model.step()
    assert model.us_pressure == 0.05


def test_a_mild_pandemic_never_raises_contact():
    """When contact is already below a pandemic's cap (after a contact-rate cut), the pandemic holds it where it
    is (no recovery during the pandemic) rather than lifting it to the cap."""
    model = _model(changes=[{"month": 0, "contact_rate": 0.2}],
                   shocks=[{"month": 10, "kind": "pandemic", "magnitude": 0.3, "duration": 6}])
    for _ in range(10):
        model.step()
    before = model.contact
    assert before < 0.7
    for _ in range(6):
        model.step()
        assert model.contact == before
    model.step()
    assert model.contact < before  # recovery toward the lower normal level resumes


TRAVEL = {"travel.trend.KR": 0.24, "travel.trend.JP": 0.06, "travel.exposure_gain": 0.2, "travel.youth_extra": 1.5}


def test_trips_grow_at_their_trend_until_its_last_month_and_reach_exposure():
    """ODD §7.3: the log of a country's trips grows by trend/12 a month from month 0 through `travel.until`; the
    exposure added is exposure_gain x that log, (1 + youth_extra) times for the young; the trips recorded are
    exp(log) x contact/normal while no boycott is on."""
    model = _model(**TRAVEL, **{"travel.until": 9})
    handed = []
    real = model.population.step

    def spy(rng, benefit, contact, boycott, floor, relief, youth_gain, tie_p, travel):
        handed.append((youth_gain.copy(), travel.copy()))
        return real(rng, benefit, contact, boycott, floor, relief, youth_gain, tie_p, travel)

    model.population.step = spy
    for _ in range(14):
        model.step()
    assert model.travel_log == [pytest.approx(10 * 0.24 / 12), pytest.approx(10 * 0.06 / 12)]  # months 0-9
    youth, travel = handed[4]  # month 4: five months of growth
    assert travel.tolist() == [pytest.approx(0.2 * 5 * 0.24 / 12), pytest.approx(0.2 * 5 * 0.06 / 12)]
    base = [gv.youth_gain() for gv in model.governments]
    assert youth.tolist() == [pytest.approx(b + 1.5 * t) for b, t in zip(base, travel, strict=True)]
    trips = model.recorder.table[:, model.recorder.col["trips_KR"]]
    assert trips[4] == pytest.approx(np.exp(5 * 0.24 / 12) * model.contact / model.contact_normal)
    assert trips[12] == pytest.approx(trips[10])  # no growth after `until`


def test_travel_raises_exposure_and_trust_against_the_same_seed_without():
    """The exposure added by travel moves the contact target up: after three years Koreans' exposure and trust are
    higher than in the same seed without travel, and the young gain more exposure than the 30+."""
    with_t, without = _model(**TRAVEL), _model()
    for m in (with_t, without):
        for _ in range(36):
            m.step()
    kr = slice(0, int(with_t.population.sizes[0]))
    youth = with_t.population.youth[kr]
    gain = with_t.population.exposure[kr] - without.population.exposure[kr]
    assert gain[youth].mean() > gain[~youth].mean() > 0.01
    assert with_t.trust_mean[0] > without.trust_mean[0]


def test_a_boycott_cuts_the_trips_by_its_gain_and_a_saved_state_keeps_their_growth():
    """Trips are cut by boycott_gain x the public's mean boycott cut; warm-starting from a saved state continues the
    growth of the trips where it stopped."""
    model = _model("kr=linked,jp=two_track", **TRAVEL, **{"travel.boycott_gain": 2.0})
    for _ in range(6):
        model.step()
    pop = model.population
    pop.boycott_i[pop.mask(0)] = 0.2
    trips = model.trips()
    assert trips[0] == pytest.approx(np.exp(model.travel_log[0]) * model.contact / model.contact_normal * (1 - 0.4))
    state = model.save_state()
    again = RelationsModel(model.scenario, "kr=linked,jp=two_track", 0, state=state)
    assert again.travel_log == model.travel_log
