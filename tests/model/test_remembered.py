"""What a process remembers between runs to save time (random tables, exogenous schedules, networks, the summary
read from the recorder's table) gives exactly what computing afresh gives, and is never stale."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import sim.model.shocks
from sim import run
from sim.model.outputs import summarise
from sim.model.population import network_matrix
from sim.model.shocks import draw_exogenous, exogenous_shocks
from sim.model.streams import monthly_table
from sim.runs.starts import burn_in_state


def test_a_remembered_schedule_is_a_fresh_draw_and_follows_the_scenario(tiny_scenario):
    """The remembered exogenous schedule equals a fresh draw; changing a shock entry, the seed or the months draws
    anew (the memory is keyed by what the schedule depends on)."""
    data = copy.deepcopy(tiny_scenario.data)
    data["random_shocks"] = [{"kind": "court_ruling", "rate": 0.2, "actor": "KR", "issue": "forced_labour",
                              "dist": "uniform", "a": 0.2, "b": 0.9}]
    sim.model.shocks.forget()
    first = draw_exogenous(data, 3, -12, 48)
    assert first and first == exogenous_shocks(data, 3, -12, 48) == draw_exogenous(data, 3, -12, 48)
    first.clear()  # the caller's list is its own
    assert draw_exogenous(data, 3, -12, 48) == exogenous_shocks(data, 3, -12, 48)
    for other in (dict(seed=4, start=-12, months=48), dict(seed=3, start=0, months=48),
                  dict(seed=3, start=-12, months=24)):
        assert draw_exogenous(data, **other) == exogenous_shocks(data, **other)
    data["random_shocks"][0]["b"] = 0.3
    again = draw_exogenous(data, 3, -12, 48)
    assert again == exogenous_shocks(data, 3, -12, 48)
    assert max(s.magnitude for s in again) <= 0.3


def test_random_tables_are_read_only():
    """A remembered table cannot be changed by the run that reads it (every strategy of a seed shares it)."""
    table = monthly_table(1, "leadership", -24, 48, 2)
    with pytest.raises(ValueError):
        table[0, 0] = 0.5
    assert monthly_table(1, "leadership", -24, 48, 2) is table
    assert np.array_equal(monthly_table(1, "leadership", 0, 24, 2), table[24:])


def test_runs_from_one_burn_in_share_one_network(tiny_scenario):
    """Models warm-started from one burn-in state use one network matrix; other edges give another matrix."""
    from sim import RelationsModel

    state = burn_in_state(tiny_scenario, 2)
    a, b = (RelationsModel(tiny_scenario, s, 2, state=state) for s in ("two_track", "linked"))
    assert a.population.A is b.population.A
    other = burn_in_state(tiny_scenario, 3)
    c = RelationsModel(tiny_scenario, "two_track", 3, state=other)
    assert c.population.A is not a.population.A
    rows, cols = state["population"]["rows"], state["population"]["cols"]
    fresh = network_matrix(rows.copy(), cols.copy(), a.population.n, tiny_scenario.data["citizens"]["network_k"])
    assert fresh is not a.population.A and (fresh != a.population.A).nnz == 0


@pytest.mark.parametrize("strategy", ["two_track", "linked", "two_track_guarded"])
def test_the_summary_from_the_table_is_the_summary_from_the_frames(tiny_scenario, strategy):
    """run() summarises the recorder's table without building frames: the same numbers as summarising the monthly
    and event frames it returns."""
    for seed in (0, 4):
        r = run(tiny_scenario, strategy, seed, keep_model=False)
        again = summarise(r.monthly, r.events, tiny_scenario.data)
        got = {k: r.summary[k] for k in again}
        assert pd.Series(got).equals(pd.Series(again))
        assert len(r.events) > 0 and len(r.monthly) == tiny_scenario.data["horizon"]
