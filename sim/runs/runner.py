"""Running simulations: one run (`run`, from the start state of sim.runs.starts), and the local worker pool that
sim.runs.batch runs many of them on (sim.runs.batch.run_many, sim.run_experiment)."""

from __future__ import annotations

import functools
import multiprocessing
import os
import select
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from sim.config.scenario import Scenario, as_scenario
from sim.config.strategies import strategy_label
from sim.model.model import RelationsModel
from sim.model.outputs import TableColumns, monthly_frame, summarise
from sim.runs.execution import alive
from sim.runs.starts import BURN_INS, start_state


class RunResult:
    """Tidy outputs of one run: monthly table, one-row summary, event log (and the model, if kept). The monthly
    and event frames are built when first read (a batch without monthly outputs reads only the summary)."""

    def __init__(self, table: np.ndarray, ages: np.ndarray | None, summary: dict, events: list[dict],
                 model: RelationsModel | None = None, state: dict | None = None) -> None:
        self.summary, self.model, self.state = summary, model, state
        self._table, self._ages, self._events = table, ages, events

    @functools.cached_property
    def monthly(self) -> pd.DataFrame:
        """One row per month of the horizon (sim.model.outputs.COLUMNS)."""
        return monthly_frame(self._table, self._ages)

    @functools.cached_property
    def events(self) -> pd.DataFrame:
        """The event log (EVENT_COLUMNS)."""
        return pd.DataFrame(self._events, columns=EVENT_COLUMNS)

    def __repr__(self) -> str:
        s = self.summary
        return (f"<RunResult {s.get('scenario')} {s.get('strategy')} seed={s.get('seed')} months={len(self._table)}"
                f" events={len(self._events)}>")


EVENT_COLUMNS = ["month", "event", "actor", "magnitude", "issue", "dispute", "origin", "detail"]
"""Columns of a run's event log (events.csv); `detail` says what a strategy switch changed."""


def run(scenario: Scenario | str, strategy: Any = None, seed: int = 0, state: dict | None = None,
        keep_model: bool = True, save_state: bool = False, share_burn_in: bool = True) -> RunResult:
    """Run one simulation of a scenario under a strategy and seed; returns tidy frames.

    strategy: a preset or custom name, 'kr=linked,jp=two_track', or a per-country dict; default: the
    scenario's `strategy`. state: a saved state (RelationsModel.save_state) to warm-start from.
    share_burn_in: start from this process's burn-in state for (scenario, seed), running the burn-in only if
    no earlier run of the same seed (under any strategy) has — the numbers are the same either way.
    """
    scenario = as_scenario(scenario)
    strategy = scenario.data["strategy"] if strategy is None else strategy
    if state is None:
        state = BURN_INS.get(scenario, seed) if share_burn_in else start_state(scenario, seed)
    model = RelationsModel(scenario, strategy, seed, state=state).run()
    table = model.recorder.table
    summary = {"scenario": scenario.name, "strategy": strategy_label(strategy), "seed": int(seed),
               "scenario_hash": scenario.content_hash,
               **summarise(TableColumns(table), model.events, scenario.data)}
    return RunResult(table, model.recorder.ages, summary, list(model.events), model if keep_model else None,
                     model.save_state() if save_state else None)


def mp_context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context of local worker pools: forkserver with the model preloaded where available,
    so that workers start without re-importing (Mesa switches the global start method to spawn on import,
    which would cost ~1 s per worker); spawn elsewhere."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.runs.runner"])
        return ctx
    return multiprocessing.get_context("spawn")


def worker_pool(jobs: int) -> ProcessPoolExecutor:
    """A local pool of `jobs` worker processes that exit as soon as this process ends, however it ends
    (a SIGKILL included), and leave Ctrl-C to this process."""
    return ProcessPoolExecutor(max_workers=jobs, mp_context=mp_context(), initializer=watch_parent,
                               initargs=(os.getpid(),))


def watch_parent(pid: int, poll: float = 0.5) -> None:
    """In a worker process: ignore SIGINT (the main process stops the batch) and exit as soon as process `pid`
    has ended. A worker of a forkserver pool is not a child of the main process, and its task queue stays
    open after the main process dies, so the worker would otherwise wait for work for ever (and with it the
    forkserver and the resource tracker, which live as long as any worker does)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        fd: int | None = os.pidfd_open(pid)  # readable once the process has ended (no pid-reuse race)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd (not Linux, or an old kernel): poll the pid instead
        fd = None

    def watch() -> None:
        if fd is not None:
            select.select([fd], [], [])
        else:
            while alive(pid):
                time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, name="sim-watch-main", daemon=True).start()

