"""The compiled citizen loops (sim.model.kernels, numba) give the numbers of the numpy path bit for bit: month by month
on a constructed population with every input switched on, and over whole runs (monthly tables, events and every
citizen array at the end). Skipped where numba is not installed."""

from __future__ import annotations

import copy
import os
import subprocess
import sys

import numpy as np
import pytest

from sim import RelationsModel
from sim.model import kernels
from sim.model.model import STATE_ARRAYS
from tests.helpers import pinned_scenario

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is not installed")

CITIZEN_ARRAYS = (*STATE_ARRAYS, "g0", "e0", "kx", "group", "_onehot", "exit_age")


def _same_population(a, b) -> None:
    for name in CITIZEN_ARRAYS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.next_uid == b.next_uid
    assert np.array_equal(a.tie_counts(), b.tie_counts())


def _counting(monkeypatch) -> dict:
    """Count the calls of every compiled loop (so a test knows the compiled path ran)."""
    calls: dict[str, int] = {}
    for name in ("citizen_month", "ties_and_age", "renew", "fill_stats", "count_ties"):
        real = getattr(kernels, name)

        def wrapped(*args, _real=real, _name=name):
            calls[_name] = calls.get(_name, 0) + 1
            return _real(*args)

        monkeypatch.setattr(kernels, name, wrapped)
    return calls


def test_one_month_with_every_input_is_identical(monkeypatch):
    """From the same population and generator state, one month under benefits, dialogue relief, grievance floors,
    youth exchange, travel, boycotts and existing ties changes every citizen array identically in both paths, with
    citizens turning 30 and leaving in that month."""
    model = RelationsModel(pinned_scenario(horizon=3, burn_in=12, **{"citizens.tie_gain": 0.1}), "two_track", 4)
    pop = model.population
    rng = np.random.default_rng(11)
    kr = np.flatnonzero(pop.youth & (pop.country == 0))
    jp = np.flatnonzero(pop.youth & (pop.country == 1))
    pop.tie_a, pop.tie_b = np.r_[kr[:40], [kr[0]] * 4], rng.choice(jp, 44)  # kr[0] has 5 ties: counted as 3
    inputs = dict(benefit=np.array([0.62, 0.41]), contact=0.7, boycott=np.array([0.5, 0.2]),
                  floor=np.array([0.3, 0.1]), relief=np.array([0.02, 0.05]), youth_gain=np.array([0.1, 0.2]),
                  tie_p=0.05, travel=np.array([0.15, 0.03]))
    calls = _counting(monkeypatch)
    for _month in range(12):  # enough months that someone turns 30 and someone leaves
        a, b = copy.deepcopy(pop), copy.deepcopy(pop)
        ra, rb = copy.deepcopy(rng), copy.deepcopy(rng)
        monkeypatch.setattr(kernels, "ENABLED", True)
        left_a = a.step(ra, **inputs)
        stats_a = a.stats(0.6, 0.4, 0.5)
        monkeypatch.setattr(kernels, "ENABLED", False)
        left_b = b.step(rb, **inputs)
        stats_b = b.stats(0.6, 0.4, 0.5)
        assert left_a == left_b
        _same_population(a, b)
        for name in stats_a:
            assert np.array_equal(stats_a[name], stats_b[name]), name
        assert ra.bit_generator.state == rb.bit_generator.state
        pop, rng = a, ra
    assert pop.next_uid > pop.n and calls["renew"] > 0 and calls["citizen_month"] == 12
    assert calls["count_ties"] > 0


@pytest.mark.parametrize("strategy", ["two_track", "linked"])
def test_whole_runs_are_identical(tiny_scenario, monkeypatch, strategy):
    """Whole runs of an eventful scenario (burn-in, shocks, disputes, turnover): the same monthly table, events and
    citizens at the end, with the compiled loops and without."""
    out = {}
    calls = _counting(monkeypatch)
    for enabled in (True, False):
        monkeypatch.setattr(kernels, "ENABLED", enabled)
        out[enabled] = [RelationsModel(tiny_scenario, strategy, seed).run() for seed in (0, 3)]
    assert calls["citizen_month"] > 0 and calls["ties_and_age"] > 0
    for a, b in zip(out[True], out[False], strict=True):
        assert np.array_equal(a.recorder.table, b.recorder.table, equal_nan=True)
        assert a.events == b.events
        _same_population(a.population, b.population)


def test_bounded_confidence_runs_the_numpy_update(monkeypatch):
    """The compiled loop covers the linear (epsilon = 1) influence only; bounded confidence takes the numpy path."""
    monkeypatch.setattr(kernels, "ENABLED", True)  # as installed, whatever SIM_KERNEL says
    calls = _counting(monkeypatch)
    RelationsModel(pinned_scenario(horizon=2, burn_in=0, **{"citizens.bc_epsilon": 0.3}), "two_track", 0).run()
    assert "citizen_month" not in calls and calls.get("ties_and_age", 0) == 2


def test_environment_variable_turns_the_compiled_loops_off():
    """SIM_KERNEL=numpy forces the numpy path (for comparison and debugging)."""
    code = "from sim.model import kernels; print(kernels.AVAILABLE, kernels.ENABLED)"
    env = {**os.environ, "SIM_KERNEL": "numpy"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
