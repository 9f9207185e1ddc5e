"""The model's public interface: Mesa model and agents, citizen views onto the arrays, scheduled policy
changes, leadership changes, strategies (custom and per country), the simulated poll and health."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.config.strategies import parse_strategy
from sim.model import RelationsModel
from sim.model.agents import Citizen, Government
from sim.params import PRESETS, lever_defaults
from sim.runs.runner import run
from tests.helpers import TEST_SCENARIOS

SEED = 5


@pytest.fixture
def policy_changes():
    """tests/scenarios/policy_changes.yaml: custom strategy `mine`; JP switches to linked at month 10;
    contact rate 0.2 from month 20; a new KR leader declaring package_deal at month 7."""
    return load_scenario(TEST_SCENARIOS / "policy_changes.yaml")


def linkage(model: RelationsModel) -> list[str]:
    return [g.levers["linkage_mode"] for g in model.governments]


# ---- Mesa ----------------------------------------------------------------------------------------
def test_model_and_governments_are_mesa(tiny_scenario):
    m = RelationsModel(tiny_scenario, "two_track", SEED)
    assert isinstance(m, mesa.Model)
    assert len(m.governments) == 2 and [g.name for g in m.governments] == ["KR", "JP"]
    for g in m.governments:
        assert isinstance(g, Government) and isinstance(g, mesa.Agent)
        assert g in m.agents and g.model is m
    assert len(m.agents) == 2  # citizens become agents only on demand


def test_citizens_are_views_onto_the_arrays(tiny_scenario):
    m = RelationsModel(tiny_scenario, "two_track", SEED)
    pop = m.population
    youth = m.citizens("KR", "youth")
    n_kr_youth = int(np.sum((pop.country == 0) & pop.youth))
    assert len(youth) == n_kr_youth > 0
    for c in youth:
        assert isinstance(c, Citizen) and isinstance(c, mesa.Agent) and c in m.agents
        assert c.country == "KR" and c.cohort == "youth" and c.alive
        assert c.trust == pop.trust[c.slot]
        assert c.grievance == pop.grievance[c.slot] and c.exposure == pop.exposure[c.slot]
        assert c.age == pop.age[c.slot] < 30
    assert len(m.citizens("JP", "public")) == int(np.sum((pop.country == 1) & ~pop.youth))
    assert len(m.citizens()) == pop.n
    assert len(m.agents) == pop.n + 2

    c = youth[3]
    c.trust = 0.123
    assert pop.trust[c.slot] == 0.123
    c.grievance = 0.77
    assert pop.grievance[c.slot] == 0.77
    pop.trust[c.slot] = 0.456
    assert c.trust == 0.456
    # the same object for a slot while its citizen lives
    assert m.citizen(c.slot) is c
    assert m.citizens("KR", "youth")[3] is c
    assert all(n.country == "KR" for n in c.neighbours)


def test_turnover_replaces_citizen_agents(tiny_scenario):
    m = RelationsModel(tiny_scenario, "two_track", SEED)
    before = {c.citizen_id: c for c in m.citizens()}
    for _ in range(24):
        m.step()
    departed = [c for c in before.values() if not c.alive]
    living = [c for c in before.values() if c.alive]
    assert departed and living
    for c in departed:
        assert c not in m.agents
        with pytest.raises(RuntimeError, match="left the population"):
            _ = c.trust
        assert "left" in repr(c)
    for c in living[:50]:
        assert c in m.agents and m.citizen(c.slot) is c
        assert c.trust == m.population.trust[c.slot]
    now = m.citizens()
    assert len(now) == m.population.n and len(m.agents) == m.population.n + 2
    new = [c for c in now if c.citizen_id not in before]
    assert len(new) == len(departed)
    assert {c.slot for c in new} == {c.slot for c in departed}
    assert min(c.citizen_id for c in new) > max(before)
    assert all(c.cohort == "youth" and c.age < 20 for c in new)
    for c in new:
        assert c.trust == m.population.trust[c.slot]


# ---- strategies and scheduled policy ---------------------------------------------------------------
def test_scheduled_strategy_change(policy_changes):
    m = RelationsModel(policy_changes, "two_track", SEED)
    for _ in range(15):
        month = m.month
        m.step()
        expected = "coercive" if month >= 10 else "none"
        assert m.governments[1].levers["linkage_mode"] == expected, f"month {month}"
        jp = m.governments[1].levers
        if month >= 10:
            assert {k: jp[k] for k in PRESETS["linked"]} == PRESETS["linked"]


def test_scheduled_contact_rate_change(policy_changes):
    without = policy_changes.with_overrides(
        changes=[c for c in policy_changes.data["changes"] if c.get("contact_rate", -1) < 0])
    a = run(policy_changes, "two_track", SEED).monthly
    b = run(without, "two_track", SEED).monthly
    np.testing.assert_array_equal(a["contact"][:20], b["contact"][:20])
    assert (a["contact"][20:] < b["contact"][20:]).all()
    assert a["contact"].is_monotonic_decreasing and a["contact"].iloc[-1] < 0.25
    # lower contact means lower exposure-driven contact for the citizens
    assert a["visitors_KR"].iloc[-1] < b["visitors_KR"].iloc[-1]


def test_leadership_change_declares_a_strategy(policy_changes):
    m = RelationsModel(policy_changes, "two_track", SEED)
    leader = m.governments[0].leader
    for _ in range(9):
        month = m.month
        m.step()
        kr = m.governments[0]
        if month >= 7:
            assert kr.levers["linkage_mode"] == "package" and kr.leader == leader + 1
        else:
            assert kr.levers["linkage_mode"] == "none" and kr.leader == leader
    ev = [e for e in m.events if e["event"] == "leadership_change"]
    assert ev and ev[0]["month"] == 7 and ev[0]["actor"] == "KR" and ev[0]["origin"] == "scheduled"


def test_custom_strategy_resolves(policy_changes):
    levers = parse_strategy("mine", policy_changes.data)
    expected = lever_defaults() | PRESETS["linked"] | {"dialogue": 0.1}
    expected["linked_fields"] = list(expected["linked_fields"])
    assert levers["KR"] == expected and levers["JP"] == expected
    m = RelationsModel(policy_changes, "mine", SEED)
    assert linkage(m) == ["coercive", "coercive"]
    assert [g.levers["dialogue"] for g in m.governments] == [0.1, 0.1]
    res = run(policy_changes, "mine", SEED)
    assert res.summary["strategy"] == "mine"


def test_per_country_strategy(tiny_scenario):
    m = RelationsModel(tiny_scenario, "kr=linked,jp=two_track", SEED)
    assert linkage(m) == ["coercive", "none"]
    assert m.governments[0].levers["dialogue"] == PRESETS["linked"]["dialogue"]
    assert m.governments[1].levers["dialogue"] == PRESETS["two_track"]["dialogue"]
    assert linkage(RelationsModel(tiny_scenario, "kr=two_track,jp=package_deal", SEED)) == ["none", "package"]
    assert linkage(RelationsModel(tiny_scenario, {"KR": "package_deal", "JP": "linked"}, SEED)) == \
        ["package", "coercive"]
    assert run(tiny_scenario, "kr=linked,jp=two_track", SEED).summary["strategy"] == "kr=linked,jp=two_track"


# ---- outputs -------------------------------------------------------------------------------------
def poll_z(frame, n):
    """(poll - true share) / sampling sd, for every poll column, and the mean differences."""
    z, mean_ok = [], []
    for c in ("KR", "JP"):
        for share in ("good", "neither", "bad"):
            p = frame[f"{share}_{c}"].to_numpy()
            poll = frame[f"poll_{share}_{c}"].to_numpy()
            sd = np.sqrt(p * (1 - p) / n)
            assert (np.abs(poll - p) <= 5 * sd + 1e-12).all(), f"poll_{share}_{c} outside 5 sd"
            z.append((poll - p) / np.maximum(sd, 1e-12))
            mean_ok.append(abs(np.mean(poll - p)) < 5 * np.mean(sd) / np.sqrt(len(p)))
    return np.concatenate(z), mean_ok


def test_poll_within_sampling_error(tiny_scenario):
    frame = run(tiny_scenario, "two_track", SEED).monthly
    n = tiny_scenario.data["outputs"]["poll_size"]
    z, mean_ok = poll_z(frame, n)
    assert all(mean_ok)
    assert 0.3 < np.std(z) < 2.0  # the poll has sampling noise, of about the right size
    for c in ("KR", "JP"):
        total = frame[[f"poll_{s}_{c}" for s in ("good", "neither", "bad")]].sum(axis=1)
        np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-12)


def test_poll_size_changes_the_spread_only(tiny_scenario):
    small = run(tiny_scenario.with_overrides(outputs__poll_size=50), "two_track", SEED).monthly
    large = run(tiny_scenario.with_overrides(outputs__poll_size=100_000), "two_track", SEED).monthly
    true_cols = [c for c in small.columns if not c.startswith("poll_")]
    # the poll has its own random stream: the simulated shares are the same
    assert small[true_cols].equals(large[true_cols])
    poll_z(small, 50)
    poll_z(large, 100_000)
    spread_small = np.std(small["poll_good_KR"] - small["good_KR"])
    spread_large = np.std(large["poll_good_KR"] - large["good_KR"])
    assert spread_small > 10 * spread_large


@pytest.mark.parametrize("weights", [None, {"cooperation": 0.2, "opinion": 0.3, "disputes": 0.5},
                                     {"cooperation": 1.0, "opinion": 1.0, "disputes": 0.0}])
def test_health_is_the_weighted_sum_of_its_components(tiny_scenario, weights):
    scen = tiny_scenario if weights is None else tiny_scenario.with_overrides(outputs__health_weights=weights)
    f = run(scen, "linked", SEED).monthly
    hw = scen.data["outputs"]["health_weights"]
    w = np.array([hw["cooperation"], hw["opinion"], hw["disputes"]])
    w = w / w.sum()
    comps = f[["health_cooperation", "health_opinion", "health_disputes"]].to_numpy()
    np.testing.assert_allclose(f["health"], comps @ w, rtol=1e-12, atol=0)
    # and each component from its own columns (MODEL.md §6)
    realised = f[[c for c in f.columns if c.startswith("realised_")]]
    assert realised.shape[1] == 4
    np.testing.assert_allclose(f["health_cooperation"], realised.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(f["cooperation"], realised.mean(axis=1), rtol=1e-12)
    opinion = (1 + ((f["good_KR"] - f["bad_KR"]) + (f["good_JP"] - f["bad_JP"])) / 2) / 2
    np.testing.assert_allclose(f["health_opinion"], opinion, rtol=1e-12)
    np.testing.assert_allclose(f["health_disputes"], np.exp(-f["severity"]), rtol=1e-12)
    assert (f["severity"] > 0).any()  # the disputes component is exercised


def test_provocations_raise_known_issues():
    from sim.model.shocks import PROVOCATION_ISSUES
    from sim.params import ISSUES

    assert {i for issues in PROVOCATION_ISSUES.values() for i in issues} <= set(ISSUES)
