"""The burn-in runs once per seed and is shared by every strategy of a comparison (and by scenarios that differ
only from month 0), with exactly the numbers of a run from scratch."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import RelationsModel, run
from sim.config.experiment import RunSpec
from sim.runs.batch import by_burn_in, execute_runs
from sim.runs.starts import BURN_INS, BurnInCache, burn_in_key, burn_in_state
from tests.helpers import BUNDLED, bundled_on_pinned


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    assert pd.Series(a.summary).equals(pd.Series(b.summary))


@pytest.mark.parametrize("strategy", ["two_track", "linked", "kr=linked,jp=two_track"])
def test_a_shared_burn_in_gives_the_numbers_of_a_run_from_scratch(tiny_scenario, strategy):
    """Starting from the cached state at the end of the burn-in changes no number, event or summary."""
    for seed in (0, 3):
        _same(run(tiny_scenario, strategy, seed, share_burn_in=False),
              run(tiny_scenario, strategy, seed, share_burn_in=True))


def test_the_cache_runs_each_burn_in_once_per_seed(tiny_scenario):
    """Two strategies of one seed: one burn-in; another seed: another burn-in; equal states reused as they are."""
    cache = BurnInCache()
    first = cache.get(tiny_scenario, 1)
    assert cache.get(tiny_scenario.with_overrides(horizon=12), 1) is first
    cache.get(tiny_scenario, 2)
    assert (cache.hits, cache.misses) == (1, 2)
    assert first["phase"] == "burn_in" and first["month"] == 0


def test_a_small_cache_forgets_the_least_recently_used(tiny_scenario):
    """The cache stays within its bytes: the oldest states leave first, the newest stay."""
    size = sum(a.nbytes for a in burn_in_state(tiny_scenario, 0)["population"].values())
    cache = BurnInCache(max_bytes=int(4.5 * size))
    for seed in range(8):
        cache.get(tiny_scenario, seed)
    kept = [k[1] for k in cache.states]
    assert 2 <= len(kept) <= 4 and kept == list(range(8 - len(kept), 8))
    assert sum(n for _, n in cache.states.values()) <= cache.max_bytes
    cache.get(tiny_scenario, 7)
    assert cache.hits == 1


def test_burn_in_key_ignores_what_acts_from_month_zero_only(tiny_scenario):
    """Horizon, initial disputes, scheduled changes, shocks from month 0, outputs and names leave the burn-in
    key as it is; a parameter of the background regime or a shock inside the burn-in changes it."""
    key = burn_in_key(tiny_scenario)
    same = tiny_scenario.with_overrides(
        horizon=24, name="other", disputes_initial=[{"issue": "territory", "aggrieved": "KR", "severity": 0.7}],
        changes=[{"month": 3, "strategy": "linked"}], shocks=[{"month": 0, "kind": "summit", "magnitude": 0.5}],
        **{"outputs.poll_size": 500})
    assert burn_in_key(same) == key
    assert burn_in_key(tiny_scenario.with_overrides(**{"provocation.rate.KR": 0.2})) != key
    assert burn_in_key(tiny_scenario.with_overrides(
        shocks=[{"month": -5, "kind": "summit", "magnitude": 0.5}])) != key
    assert burn_in_key(tiny_scenario.with_overrides(burn_in=12)) != key


def test_scenarios_that_differ_from_month_zero_share_a_burn_in():
    """A scenario with its own initial disputes and scheduled shocks, started from another scenario's burn-in
    with the same key, gives its own numbers from scratch."""
    base = bundled_on_pinned(BUNDLED[[p.stem for p in BUNDLED].index("baseline")], horizon=24, burn_in=24)
    other = base.with_overrides(disputes_initial=[{"issue": "forced_labour", "aggrieved": "JP", "severity": 0.8}],
                                shocks=[{"month": 2, "kind": "court_ruling", "magnitude": 0.6, "actor": "KR"}])
    assert burn_in_key(other) == burn_in_key(base)
    state = burn_in_state(base, 4)
    a = RelationsModel(other, "linked", 4, state=state).run()
    b = RelationsModel(other, "linked", 4).run()
    pd.testing.assert_frame_equal(a.recorder.frame(), b.recorder.frame(), check_exact=True)
    assert a.events == b.events and any(e["event"] == "dispute_linked" for e in a.events)


def test_batches_put_the_runs_of_one_burn_in_side_by_side(tiny_scenario):
    """Pending runs are ordered by (burn-in key, seed), keeping the experiment's order within a group."""
    other = tiny_scenario.with_overrides(**{"provocation.rate.KR": 0.2})
    pending = [(f"{s.name}-{st}-{seed}", RunSpec(s, st, seed)) for s in (tiny_scenario, other)
               for st in ("two_track", "linked") for seed in (0, 1)]
    ordered = by_burn_in(pending)
    groups = [(burn_in_key(sp.scenario), sp.seed) for _, sp in ordered]
    assert all(groups[i] == groups[i + 1] for i in range(0, len(groups), 2))
    assert sorted(k for k, _ in ordered) == sorted(k for k, _ in pending)
    assert [sp.strategy for _, sp in ordered[:2]] == ["two_track", "linked"]


def test_a_batch_worker_keeps_only_the_burn_ins_of_its_task(tiny_scenario):
    """Memory stays flat over a long batch: each task keeps the states of its own runs only (its runs of one
    burn-in share it), so states of earlier tasks do not pile up in a worker."""
    BURN_INS.states.clear()
    scen = tiny_scenario.with_overrides(horizon=6)
    for seed in range(4):
        records = execute_runs([(f"{s}{seed}", RunSpec(scen, s, seed)) for s in ("two_track", "linked")], False)
        assert all(r["ok"] for r in records)
        assert [k[1] for k in BURN_INS.states] == [seed]
    cache = BurnInCache()
    for seed in range(3):
        cache.get(scen, seed)
    cache.retain({(burn_in_key(scen), 1)})
    assert [k[1] for k in cache.states] == [1]
