"""The environment phase of a month (docs/ODD.md §3 steps 1–2): contact under and after a pandemic, scheduled
changes applied once at their month, and US pressure following tension. Expected values are computed here
from the documented update rules."""

from __future__ import annotations

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
