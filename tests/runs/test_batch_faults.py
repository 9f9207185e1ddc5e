"""A worker process that dies mid-batch is survived: its runs are resubmitted and the numbers are those of
an undisturbed batch."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from sim import load_results
from tests.helpers import PINNED_PATH, tiny_experiment

SCRIPT = textwrap.dedent("""
    import sys
    from sim import run_experiment
    exp = {{"name": "faults", "scenarios": ["{pinned}"], "strategies": ["two_track", "linked"], "seeds": 6,
           "overrides": {{"horizon": 12, "burn_in": 6}}}}
    res = run_experiment(exp, sys.argv[1], jobs=2, progress=False, chunk=2)
    print(len(res.summaries), len(res.failures))
""")


def _batch(out: Path, env: dict) -> subprocess.CompletedProcess:
    code = SCRIPT.format(pinned=PINNED_PATH)
    return subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.mark.slow  # a process-level test of 8-30 s: in the full suite (CI), not the quick subset
def test_dead_worker_is_survived(tmp_path):
    marker = tmp_path / "crashed"
    env = {**os.environ, "SIM_CRASH_ONCE": f"{marker}:3"}
    crashed = _batch(tmp_path / "a", env)
    assert crashed.returncode == 0, crashed.stderr
    assert marker.exists(), "the fault was not injected"
    assert crashed.stdout.split() == ["12", "0"]
    clean_env = {k: v for k, v in os.environ.items() if k != "SIM_CRASH_ONCE"}
    clean = _batch(tmp_path / "b", clean_env)
    assert clean.returncode == 0, clean.stderr
    a, b = load_results(tmp_path / "a").summaries, load_results(tmp_path / "b").summaries
    pd.testing.assert_frame_equal(a.drop(columns="seconds"), b.drop(columns="seconds"))


def test_a_second_batch_on_the_same_directory_is_refused(tmp_path):
    import pytest

    from sim import run_experiment
    from sim.errors import LockError
    from sim.runs.results import ResultStore

    out = tmp_path / "res"
    holder = ResultStore(out)
    holder.lock()  # a live batch holds the directory (flock is per open file: this one conflicts too)
    try:
        with pytest.raises(LockError, match=rf"another batch \(process {os.getpid()}\) is writing") as err:
            run_experiment(tiny_experiment("locked"), out, jobs=1, progress=False)
        assert str(out) in str(err.value) and "allowed: wait for it to finish, or another --out" in str(err.value)
    finally:
        holder.unlock()
    holder.lock_path.write_text("999999999")  # the lock file of a process that died is simply not locked
    res = run_experiment(tiny_experiment("locked"), out, jobs=1, progress=False)
    assert len(res.summaries) == 4


def test_lever_values_are_checked_in_experiments():
    import pytest

    from sim import ScenarioError, load_experiment

    for levers, word in [({"extends": "linked", "boycott": 5.0}, "boycott"),
                         ({"linkage_mode": "bogus"}, "linkage_mode"),
                         ({"linked_fields": ["nonsense"]}, "linked_fields")]:
        with pytest.raises(ScenarioError, match=word):
            load_experiment(tiny_experiment("levers", strategies=({"name": "bad", "levers": levers}, "two_track")))
