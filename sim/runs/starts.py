"""Where a run starts (ODD §5): the end of the scenario's burn-in, or, for a forward scenario
(`start_from: free_replay`), the end of the seed's free historical replay.

The model itself only sets up and steps (`RelationsModel(state=...)`); this module supplies its start state, so
the model core never calls up into the replay of the record. The burn-in does not depend on the strategy, so
every strategy of a seed continues from one shared state (`BurnInCache`).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict

from sim.config.scenario import Scenario
from sim.history.replay import fitted_keys, initial_strategy, replay_scenario
from sim.model.model import RelationsModel
from sim.params import COUNTRIES

HORIZON_ONLY = ("name", "description", "horizon", "strategy", "disputes_initial", "changes", "outputs")
"""Scenario sections the burn-in never reads: they act from month 0 (or only name and record the run)."""


def burn_in_key(scenario: Scenario) -> str:
    """A hash of everything the burn-in reads: scenarios with equal keys have the same burn-in for a seed
    (everything but HORIZON_ONLY sections and scheduled shocks from month 0 on)."""
    data = {k: v for k, v in scenario.data.items() if k not in HORIZON_ONLY}
    data["shocks"] = [e for e in data.get("shocks", []) if e["month"] < 0]
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def end_state(forward: Scenario, seed: int) -> dict:
    """The state at the end of the free replay (December 2025) of a seed, under the forward scenario's values of
    the fitted parameters (so a parameter draw applies to the history it starts from) and its population size."""
    keys = fitted_keys() + [f"population.{c}.{k}" for c in COUNTRIES for k in ("n_public", "n_youth")] + \
        ["citizens.network_k"]
    scen = replay_scenario("free", {k: forward.get(k) for k in keys})
    return RelationsModel(scen, initial_strategy(), seed).run().save_state()


def start_state(scenario: Scenario, seed: int) -> dict | None:
    """The state a run of `scenario` and `seed` starts from when no burn-in state is shared: the end of the seed's
    free replay for a forward scenario (`start_from`), else None (the model runs its own burn-in)."""
    return end_state(scenario, seed) if scenario.data["start_from"] else None


def burn_in_state(scenario: Scenario, seed: int) -> dict:
    """The state at the end of a scenario's burn-in for a seed: RelationsModel(scenario, any strategy, seed,
    state=it) continues exactly as a run from scratch would (ODD §5). For a forward scenario, the end of the
    seed's free replay, taken up under the scenario's burn-in strategy."""
    return RelationsModel(scenario, scenario.data["burn_in_strategy"], seed, state=start_state(scenario, seed),
                          start=False).save_state()


class BurnInCache:
    """States at the end of the burn-in, per (burn-in key, seed), kept for the other strategies of the same
    seed (the burn-in does not depend on the strategy, ODD §5): a comparison runs each burn-in once per
    process. Bounded in bytes; the least recently used state leaves first. A batch worker keeps only the states
    of the task at hand (`retain`), since a batch puts the runs of one burn-in in one task."""

    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self.max_bytes = max_bytes
        self.states: OrderedDict[tuple[str, int], tuple[dict, int]] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, scenario: Scenario, seed: int) -> dict:
        key = (burn_in_key(scenario), int(seed))
        if key in self.states:
            self.hits += 1
            self.states.move_to_end(key)
            return self.states[key][0]
        self.misses += 1
        state = burn_in_state(scenario, seed)
        size = sum(a.nbytes for a in state["population"].values())
        if size <= self.max_bytes // 4:
            self.states[key] = (state, size)
            while sum(n for _, n in self.states.values()) > self.max_bytes:
                self.states.popitem(last=False)
        return state

    def retain(self, keys: set[tuple[str, int]]) -> None:
        """Forget every state but those of these (burn-in key, seed) pairs."""
        for key in [k for k in self.states if k not in keys]:
            del self.states[key]


BURN_INS = BurnInCache()
"""This process's burn-in states (used by sim.runs.runner.run unless given a state)."""
