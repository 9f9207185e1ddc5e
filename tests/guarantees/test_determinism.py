"""Reproducibility and common random numbers (MODEL.md §4.7): same seed, same run; runs that differ only
in strategy share the burn-in, the exogenous shocks and the provocation draws; results do not depend on
the number of workers; a warm start continues a run exactly."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from sim.config.experiment import RunSpec
from sim.config.scenario import load_scenario
from sim.model import RelationsModel
from sim.runs.batch import run_many
from sim.runs.runner import run
from tests.helpers import TEST_SCENARIOS

STRATEGIES = ["two_track", "linked", "package_deal", "kr=linked,jp=two_track"]
SEED = 11


def exogenous_log(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["origin"].isin(["scheduled", "random"])].reset_index(drop=True)


def test_same_seed_same_run(tiny_scenario):
    a = run(tiny_scenario, "linked", SEED)
    b = run(tiny_scenario, "linked", SEED)
    assert_frame_equal(a.monthly, b.monthly, check_exact=True)
    assert_frame_equal(a.events, b.events, check_exact=True)
    assert_frame_equal(pd.DataFrame([a.summary]), pd.DataFrame([b.summary]), check_exact=True)


def test_same_seed_same_run_after_reloading_the_scenario(tiny_scenario):
    again = load_scenario(tiny_scenario.path)
    assert again.content_hash == tiny_scenario.content_hash
    assert_frame_equal(run(tiny_scenario, "two_track", SEED).monthly, run(again, "two_track", SEED).monthly,
                       check_exact=True)


def test_different_seeds_differ(tiny_scenario):
    a = run(tiny_scenario, "two_track", 1)
    b = run(tiny_scenario, "two_track", 2)
    assert not a.monthly.equals(b.monthly)
    assert not np.allclose(a.monthly["trust_KR"], b.monthly["trust_KR"])
    assert a.summary["health_discounted"] != b.summary["health_discounted"]


def _summaries(specs, jobs):
    rows, frames = [], {}
    for spec, summary, monthly in run_many(specs, jobs=jobs, monthly=True, chunk=2):
        rows.append(summary)
        frames[(spec.strategy_label, spec.seed)] = monthly
    df = pd.DataFrame(rows).sort_values(["scenario", "strategy", "seed"]).reset_index(drop=True)
    return df, frames


def test_run_many_does_not_depend_on_workers(tiny_scenario):
    specs = [RunSpec(tiny_scenario, st, seed) for st in ("two_track", "kr=linked,jp=two_track")
             for seed in range(3)]
    serial, serial_frames = _summaries(specs, jobs=1)
    parallel, parallel_frames = _summaries(specs, jobs=2)
    assert len(serial) == len(specs)
    assert_frame_equal(serial, parallel, check_exact=True)
    assert serial_frames.keys() == parallel_frames.keys()
    for key, frame in serial_frames.items():
        assert_frame_equal(frame, parallel_frames[key], check_exact=True)
    # and the runner's summaries are those of plain run()
    direct = run(tiny_scenario, "two_track", 2).summary
    row = serial[(serial["strategy"] == "two_track") & (serial["seed"] == 2)].iloc[0]
    for key, value in direct.items():
        assert row[key] == value or (pd.isna(value) and pd.isna(row[key])), key


def test_exogenous_shock_log_identical_across_strategies(tiny_scenario):
    logs = {st: exogenous_log(run(tiny_scenario, st, SEED).events) for st in STRATEGIES}
    reference = logs[STRATEGIES[0]]
    assert len(reference) > 0 and (reference["origin"] == "random").any()
    for st in STRATEGIES[1:]:
        assert_frame_equal(logs[st], reference, check_exact=True, obj=f"exogenous log under {st}")


def test_exogenous_log_includes_scheduled_entries(tiny_scenario):
    scen = tiny_scenario.with_overrides(
        shocks=[{"kind": "summit", "month": 4, "actor": "both", "magnitude": 0.3}],
        changes=[{"month": 8, "country": "JP", "strategy": "linked"}],
        disputes_initial=[{"issue": "comfort_women", "aggrieved": "KR", "severity": 0.5}])
    logs = [exogenous_log(run(scen, st, SEED).events) for st in STRATEGIES]
    assert {"summit", "change", "dispute_initial"} <= set(logs[0]["event"])
    for log in logs[1:]:
        assert_frame_equal(log, logs[0], check_exact=True)


def test_strategies_differ_endogenously(tiny_scenario):
    """Sanity check for the tests above: the strategies do produce different runs."""
    a = run(tiny_scenario, "two_track", SEED)
    b = run(tiny_scenario, "linked", SEED)
    assert not a.monthly.equals(b.monthly)


def test_provocation_uniforms_identical_across_strategies(tiny_scenario):
    tables = [RelationsModel(tiny_scenario, st, SEED).provocation_uniforms for st in STRATEGIES]
    assert tables[0].shape == (tiny_scenario.data["burn_in"] + tiny_scenario.data["horizon"], 2, 3)
    for t in tables[1:]:
        np.testing.assert_array_equal(t, tables[0])
    other_seed = RelationsModel(tiny_scenario, "two_track", SEED + 1).provocation_uniforms
    assert not np.array_equal(other_seed, tables[0])


def test_burn_in_end_state_identical_across_strategies(tiny_scenario):
    models = [RelationsModel(tiny_scenario, st, SEED) for st in STRATEGIES]
    ref = models[0]
    assert ref.month == 0
    arrays = [k for k, v in vars(ref.population).items() if isinstance(v, np.ndarray)]
    assert {"trust", "grievance", "exposure", "anchor", "age", "uid"} <= set(arrays)
    for m in models[1:]:
        np.testing.assert_array_equal(m.population.trust, ref.population.trust)
        for k in arrays:
            np.testing.assert_array_equal(getattr(m.population, k), getattr(ref.population, k), err_msg=k)
        for g, g0 in zip(m.governments, ref.governments, strict=True):
            np.testing.assert_array_equal(g.offered, g0.offered)
            assert (g.approval, g.winset, g.credibility) == (g0.approval, g0.winset, g0.credibility)
        assert m.tension == ref.tension and m.contact == ref.contact
    # ... while the strategies themselves are in place after burn-in
    assert [g.levers["linkage_mode"] for g in models[1].governments] == ["coercive", "coercive"]
    assert [g.levers["linkage_mode"] for g in models[3].governments] == ["coercive", "none"]


def test_turnover_does_not_depend_on_strategy(tiny_scenario):
    """Entrants are by age only, so who lives in which slot is the same under every strategy."""
    models = [run(tiny_scenario, st, SEED).model for st in ("two_track", "linked")]
    np.testing.assert_array_equal(models[0].population.uid, models[1].population.uid)
    np.testing.assert_array_equal(models[0].population.age, models[1].population.age)
    assert models[0].population.next_uid > models[0].population.n


# ---- warm start ---------------------------------------------------------------------------------
def split_run(scenario, strategy, seed, cut):
    first = run(scenario.with_overrides(horizon=cut), strategy, seed, save_state=True)
    state = pickle.loads(pickle.dumps(first.state))  # a saved state survives being written to disk
    assert state["month"] == cut
    second = run(scenario.with_overrides(horizon=scenario.data["horizon"] - cut), strategy, seed, state=state)
    return first, second


@pytest.mark.parametrize("strategy", ["linked", "kr=linked,jp=two_track"])
@pytest.mark.parametrize("cut", [30, 25])
def test_warm_start_continues_the_run_exactly(tiny_scenario, strategy, cut):
    horizon = tiny_scenario.data["horizon"]
    whole = run(tiny_scenario, strategy, SEED, save_state=True)
    first, second = split_run(tiny_scenario, strategy, SEED, cut)
    assert len(second.monthly) == horizon - cut
    assert second.monthly["month"].iloc[0] == cut
    assert_frame_equal(first.monthly, whole.monthly.iloc[:cut].reset_index(drop=True), check_exact=True)
    assert_frame_equal(second.monthly, whole.monthly.iloc[cut:].reset_index(drop=True), check_exact=True)
    events = pd.concat([first.events, second.events], ignore_index=True)
    assert_frame_equal(events, whole.events, check_exact=True)
    assert second.state is None and whole.state["month"] == horizon


def test_warm_start_with_pandemic_and_environment_changes(tiny_scenario):
    """A pandemic and environment changes that straddle the split carry over through the saved state."""
    scen = tiny_scenario.with_overrides(
        shocks=[{"kind": "pandemic", "month": 5, "magnitude": 0.9, "duration": 30}],
        changes=[{"month": 3, "contact_rate": 0.5, "tension": 0.6, "us_pressure": 0.8},
                 {"month": 40, "country": "JP", "strategy": "linked"}],
        disputes_initial=[{"issue": "comfort_women", "aggrieved": "KR", "severity": 0.6}])
    whole = run(scen, "two_track", SEED)
    first, second = split_run(scen, "two_track", SEED, 25)
    assert_frame_equal(second.monthly, whole.monthly.iloc[25:].reset_index(drop=True), check_exact=True)
    assert_frame_equal(pd.concat([first.events, second.events], ignore_index=True), whole.events,
                       check_exact=True)


def test_warm_start_keeps_levers_changed_before_the_split():
    scen = load_scenario(TEST_SCENARIOS / "policy_changes.yaml")
    whole = run(scen, "two_track", SEED)
    first, second = split_run(scen, "two_track", SEED, 25)
    assert [g.levers["linkage_mode"] for g in second.model.governments] == \
        [g.levers["linkage_mode"] for g in whole.model.governments]
    assert_frame_equal(second.monthly, whole.monthly.iloc[25:].reset_index(drop=True), check_exact=True)


def test_warm_start_rejects_a_different_population(tiny_scenario):
    first = run(tiny_scenario.with_overrides(horizon=12), "two_track", SEED, save_state=True)
    bigger = tiny_scenario.with_overrides(**{"population.KR.n_youth": 120})
    with pytest.raises(ValueError, match="population size"):
        RelationsModel(bigger, "two_track", SEED, state=first.state)
    with pytest.raises(ValueError, match="version"):
        RelationsModel(tiny_scenario, "two_track", SEED, state={**first.state, "version": -1})
