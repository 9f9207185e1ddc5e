"""Batches: run an experiment's pending runs on an executor and stream their results to disk.

Local processes by default (no server); a Dask cluster through its concurrent.futures executor
(`scheduler="tcp://HOST:PORT"`, a scheduler file, or "local" for a LocalCluster). Runs are bundled per
task; a run that raises is recorded and the batch goes on; a worker that dies is survived (its runs are
resubmitted); Ctrl-C or a kill loses at most the runs not yet flushed, and the same command resumes.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from sim.config.experiment import Experiment, RunSpec, load_experiment
from sim.config.limits import check
from sim.errors import InputError, ResultsError, SimError
from sim.provenance import provenance
from sim.runs.execution import Execution
from sim.runs.results import Results, ResultStore, load_results
from sim.runs.runner import run, worker_pool
from sim.runs.starts import BURN_INS, burn_in_key

MAX_RETRIES = 2  # resubmissions of a task whose worker died
SCHEDULER_TIMEOUT = 5.0  # seconds to reach a Dask scheduler before giving up
SCHEDULER_ALLOWED = "'local', a running scheduler's address tcp://HOST:PORT, or an existing scheduler file"
_ADDRESS = re.compile(r"^([a-z][a-z0-9+.-]*://\S+|[\w.-]+:\d+)$")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _labels(spec: RunSpec, key: str) -> dict:
    return {"key": key, "scenario": spec.scenario.name, "strategy": spec.strategy_label, "seed": spec.seed,
            **spec.tags}


def execute_runs(items: list[tuple[str, RunSpec]], monthly: bool) -> list[dict]:
    """Run a bundle of specs in a worker; every run returns a record, a failing run its traceback. BLAS runs on
    one thread here, so that neither the speed nor the numbers depend on the machine's core count."""
    BURN_INS.retain({(burn_in_key(spec.scenario), spec.seed) for _, spec in items})  # memory flat over a batch
    with blas_controller().limit(limits=1, user_api="blas"):
        return [execute_run(key, spec, monthly) for key, spec in items]


@functools.cache
def blas_controller() -> ThreadpoolController:
    """This process's thread-pool controller (found once: looking up the loaded libraries takes milliseconds)."""
    return ThreadpoolController()


def execute_run(key: str, spec: RunSpec, monthly: bool) -> dict:
    """One run of a bundle: its record (summary and monthly table), or its traceback if it failed."""
    _crash_once(spec)
    t0 = time.perf_counter()
    try:
        res = run(spec.scenario, spec.strategy, spec.seed, keep_model=False)
    except Exception:  # noqa: BLE001 - any model error is recorded, the batch goes on
        return {"key": key, "ok": False, "error": traceback.format_exc(), "labels": _labels(spec, key),
                "scenario_hash": spec.scenario.content_hash}
    labels = _labels(spec, key)
    summary = {**labels, **{k: v for k, v in res.summary.items() if k not in ("scenario", "strategy", "seed")},
               "seconds": time.perf_counter() - t0}
    frame = None
    if monthly:
        f = res.monthly
        floats = (f.dtypes == np.float64).to_numpy()  # one float32 conversion of the whole float block
        frame = pd.DataFrame(f.loc[:, floats].to_numpy(np.float32), columns=f.columns[floats])
        for c in f.columns[~floats]:
            frame[c] = f[c].to_numpy()
        frame = frame[list(f.columns)]
        for name, value in reversed(list(labels.items())):
            frame.insert(0, name, value)
    return {"key": key, "ok": True, "summary": summary, "monthly": frame}


def _crash_once(spec: RunSpec) -> None:
    """Fault injection for tests: SIM_CRASH_ONCE=MARKER_PATH:SEED kills the worker process (as an
    out-of-memory kill would) the first time it meets that seed; the marker file records that it did."""
    hook = os.environ.get("SIM_CRASH_ONCE")
    if not hook:
        return
    marker, seed = hook.rsplit(":", 1)
    if spec.seed == int(seed) and not os.path.exists(marker):
        Path(marker).write_text("crashed")
        os._exit(1)


class Progress:
    """A tqdm bar on a terminal; plain log lines about every 10% otherwise (CI logs stay readable)."""

    def __init__(self, total: int, done: int, enabled: bool = True) -> None:
        self.total, self.done, self.failed, self.t0 = total, done, 0, time.perf_counter()
        self.start_done, self.enabled = done, enabled
        self.bar = None
        self.next_line = done + max(1, total // 10)
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit="run", dynamic_ncols=True)

    def update(self, ok: int, failed: int) -> None:
        self.done += ok + failed
        self.failed += failed
        if self.bar is not None:
            self.bar.update(ok + failed)
            self.bar.set_postfix(failed=self.failed)
        elif self.enabled and (self.done >= self.next_line or self.done == self.total):
            self.next_line = self.done + max(1, self.total // 10)
            print(self.line(), file=sys.stderr, flush=True)

    def line(self) -> str:
        el = time.perf_counter() - self.t0
        rate = (self.done - self.start_done) / el if el > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        return (f"  {self.done}/{self.total} runs, {self.failed} failed, {rate:.1f} runs/s, "
                f"{el:.0f} s elapsed, ~{left:.0f} s left")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def check_scheduler(scheduler: str | None) -> None:
    """InputError naming --scheduler unless it is None, 'local', an existing scheduler file or an address
    (checked before anything is written; whether the scheduler answers is checked when connecting)."""
    if scheduler is None or scheduler == "local":
        return
    if _ADDRESS.match(scheduler) and not Path(scheduler).exists():
        return
    path = Path(scheduler)
    if not path.exists():
        raise InputError("no such scheduler file, and not an address", file="--scheduler", given=scheduler,
                         allowed=SCHEDULER_ALLOWED)
    if not path.is_file():
        raise InputError("not a scheduler file", file="--scheduler", given=scheduler, allowed=SCHEDULER_ALLOWED)


def connect(scheduler: str, jobs: int) -> Any:
    """A Dask client of `scheduler` ('local' starts a LocalCluster of `jobs` processes); InputError naming
    --scheduler within SCHEDULER_TIMEOUT seconds if it cannot be reached."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("a Dask scheduler needs the `dask` extra", file="--scheduler", given=scheduler,
                         allowed='pip install -e ".[dask]"') from None
    check_scheduler(scheduler)
    if scheduler == "local":
        return Client(LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None))
    try:
        if Path(scheduler).is_file():
            return Client(scheduler_file=scheduler, timeout=SCHEDULER_TIMEOUT)
        return Client(scheduler, timeout=SCHEDULER_TIMEOUT)
    except Exception as e:  # noqa: BLE001 - whatever keeps the client from connecting is a problem of --scheduler
        problem = " ".join(str(e).split())[:160] or type(e).__name__
        raise InputError(f"cannot reach the Dask scheduler ({problem})", file="--scheduler", given=scheduler,
                         allowed=SCHEDULER_ALLOWED) from None


def _executor(jobs: int, scheduler: str | None) -> tuple[Executor, Any, int]:
    """(executor, dask client or None, runs per task)."""
    if scheduler is None:
        return worker_pool(jobs), None, 8
    client = connect(scheduler, jobs)
    return client.get_executor(), client, 20


def _shutdown(executor: Executor, terminate: bool = False) -> None:
    """Stop an executor without waiting; with terminate, stop the runs in progress of a local pool too (a
    batch that stops early discards them anyway)."""
    if isinstance(executor, ProcessPoolExecutor):
        if terminate:
            stop = getattr(executor, "terminate_workers", None)  # Python >= 3.14
            if stop is not None:
                stop()
            else:  # the pool's own record of its worker processes
                for proc in list((getattr(executor, "_processes", None) or {}).values()):
                    with suppress(Exception):
                        proc.terminate()
        executor.shutdown(wait=False, cancel_futures=True)
    else:  # a Dask ClientExecutor knows no cancel_futures
        executor.shutdown(wait=False)


def by_burn_in(pending: list[tuple[str, RunSpec]]) -> list[tuple[str, RunSpec]]:
    """The runs ordered so that those sharing a burn-in (same burn-in key and seed: the strategies of a
    comparison, and scenarios that differ only from month 0) are adjacent, hence in one task, and the
    burn-in runs once (sim.runs.starts.BurnInCache). The order of results on disk does not depend on it."""
    keys: dict[int, str] = {}

    def key(item: tuple[str, RunSpec]) -> tuple[str, int]:
        scen = item[1].scenario
        if id(scen) not in keys:
            keys[id(scen)] = burn_in_key(scen)
        return keys[id(scen)], item[1].seed

    return sorted(pending, key=key)


def run_pending(pending: list[tuple[str, RunSpec]], monthly: bool, execution: Execution) -> Iterator[dict]:
    """Yield run records as tasks finish, rebuilding a broken local pool and resubmitting lost tasks.
    With one job and no scheduler the runs execute in this process, one after the other. When the consumer
    stops early (an error, Ctrl-C, closing the generator) the local workers are stopped at once."""
    pending = by_burn_in(pending)
    jobs, scheduler = execution.workers, execution.scheduler
    if jobs == 1 and scheduler is None:
        for item in pending:
            yield from execute_runs([item], monthly)
        return
    executor, client, per_task = _executor(jobs, scheduler)
    per_task = execution.chunk or per_task
    tasks = [pending[i:i + per_task] for i in range(0, len(pending), per_task)]
    retries = [0] * len(tasks)
    queue = list(range(len(tasks)))
    workers = len(client.nthreads()) if client is not None else jobs
    window = max(4, 4 * workers)
    running: dict[Future, int] = {}
    finished = False

    def lost(t: int, e: BaseException) -> Iterator[dict]:
        """A task whose worker died or whose result was lost: resubmitted, or failed after MAX_RETRIES."""
        if retries[t] < MAX_RETRIES:
            retries[t] += 1
            queue.insert(0, t)
            return
        for key, spec in tasks[t]:
            yield {"key": key, "ok": False, "labels": _labels(spec, key), "scenario_hash": spec.scenario.content_hash,
                   "error": f"worker lost {MAX_RETRIES + 1} times running this task: {e!r}"}

    def rebuild() -> Executor:
        """Every pending future of a broken pool fails: resubmit them to a new pool."""
        for f2, t2 in running.items():
            f2.cancel()
            queue.insert(0, t2)
        running.clear()
        _shutdown(executor)
        return worker_pool(jobs)

    try:
        while queue or running:
            while queue and len(running) < window:
                t = queue.pop(0)
                try:
                    running[executor.submit(execute_runs, tasks[t], monthly)] = t
                except BrokenProcessPool as e:  # the pool broke before its futures told
                    yield from lost(t, e)
                    executor = rebuild()
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                t = running.pop(fut)
                try:
                    yield from fut.result()
                except (BrokenProcessPool, Exception) as e:  # noqa: BLE001 - a dead worker or lost task
                    yield from lost(t, e)
                    if isinstance(e, BrokenProcessPool):
                        executor = rebuild()
                        break
        finished = True
    finally:
        _shutdown(executor, terminate=not finished)
        if client is not None:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()


def plan(exp: Experiment, out: str | Path, workers: int) -> str:
    """What a batch would do (`sim batch --dry-run`): runs to do and already done, and the estimated time,
    memory and disk. Nothing is run or written."""
    store = ResultStore(out)
    try:
        manifest = store.manifest()
    except SimError:
        manifest = None
    done = store.done_keys() if manifest and manifest.get("name") == exp.name else set()
    pending = [k for k in exp.keys if k not in done]
    est = exp.estimate(workers, skip=done)
    n_scen = len(exp.scenarios)
    return (f"experiment {exp.name!r}: {len(exp)} runs ({n_scen} scenario{'' if n_scen == 1 else 's'}, sweep points "
            f"{len({s.tags.get('point') for s in exp.specs})}, strategies "
            f"{len({s.strategy_label for s in exp.specs})}, seeds {len({s.seed for s in exp.specs})}); "
            f"{len(pending)} to run, {len(exp) - len(pending)} already in {store.root}/\n{est.text()}")


def run_experiment(source: str | Path | dict | Experiment, out: str | Path | None = None,
                   execution: Execution | None = None, *, load: bool = True, **options: Any) -> Results | None:
    """Run an experiment (file, dict or Experiment) into a results directory; resume what is there.

    execution: how (sim.Execution: processes or a Dask scheduler, progress, limits, overwrite, ...); its fields
    may also be given as keywords (jobs=2). Returns the frames (sim.load_results) unless load=False. Completed runs
    are kept and skipped; runs whose key changed are recomputed. Failures are recorded in OUT/failures/ and counted
    in the manifest. overwrite: replace a results directory of this tool (only its own files are deleted; see
    sim.runs.results.ResultStore.clear). Raises ResultsError for a directory that cannot be used or written
    (nothing completed is lost: the same call resumes), LockError while another batch writes into it,
    InputError for a bad scheduler, LimitError if the estimated memory or time exceeds a limit of
    sim.config.limits (limits=False lifts them).
    """
    execution = Execution.of(execution, options)
    exp = source if isinstance(source, Experiment) else load_experiment(source, limits=execution.limits)
    out = Path(out) if out is not None else Path("results") / exp.name
    check(exp.estimate(execution.workers), exp.path or exp.name, limits=execution.limits)
    check_scheduler(execution.scheduler)
    store = ResultStore(out)
    store.check(exp.name, execution.overwrite)  # before anything is written, the lock file included
    store.lock()
    try:
        return _run_locked(exp, store, out, execution, load)
    finally:
        store.unlock()


def _run_locked(exp: Experiment, store: ResultStore, out: Path, execution: Execution, load: bool) -> Results | None:
    notes = store.prepare(exp.name, execution.overwrite)
    for n in notes:
        print(f"repair: {n}", file=sys.stderr)
    done = store.done_keys(require_monthly=exp.monthly)
    pending = [(k, s) for k, s in zip(exp.keys, exp.specs, strict=True) if k not in done]
    old = store.manifest() or {}
    manifest = {
        "name": exp.name, "description": exp.description, "experiment_path": exp.path,
        "experiment_hash": exp.content_hash, "experiment": exp.data,
        "scenarios": [{"name": s.name, "path": s.path, "sources": s.sources, "content_hash": s.content_hash}
                      for s in exp.scenarios],
        "axes": exp.axes, "runs": len(exp.keys), "monthly": exp.monthly,
        "provenance": provenance(), "created": old.get("created", _now()), "started": _now(),
        "status": "running", "done": len(set(exp.keys) & done), "failed": 0, "repairs": notes,
        "history": old.get("history", []) + [{"started": _now(), "pending": len(pending), "jobs": execution.workers,
                                              "scheduler": execution.scheduler}],
    }
    store.write_manifest(manifest)  # first: a directory with our manifest is recognisably ours
    store.write_runs(pd.DataFrame([_labels(s, k) for k, s in zip(exp.keys, exp.specs, strict=True)]))
    prog = Progress(len(exp.keys), len(exp.keys) - len(pending), enabled=execution.progress)
    part = store.next_part()
    buf_s: list[dict] = []
    buf_m: list[pd.DataFrame] = []
    failed = 0
    last = time.perf_counter()

    def flush() -> None:
        nonlocal part, buf_s, buf_m, last
        if buf_s:
            store.write_part(part, pd.DataFrame(buf_s), pd.concat(buf_m, ignore_index=True) if buf_m else None)
            for rec in buf_s:
                store.clear_failure(rec["key"])
            part += 1
            buf_s, buf_m = [], []
        last = time.perf_counter()

    status, error = "interrupted", None
    stopped: BaseException | None = None
    records = run_pending(pending, exp.monthly, execution) if pending else iter(())
    try:
        for rec in records:
            if rec["ok"]:
                buf_s.append(rec["summary"])
                if rec["monthly"] is not None:
                    buf_m.append(rec["monthly"])
                prog.update(1, 0)
            else:
                failed += 1
                store.write_failure(rec["key"], {**rec["labels"], "key": rec["key"],
                                                 "scenario_hash": rec["scenario_hash"], "error": rec["error"],
                                                 "time": _now()})
                prog.update(0, 1)
            if len(buf_s) >= execution.flush_runs or time.perf_counter() - last > execution.flush_seconds:
                flush()
        flush()
        status = "complete" if failed == 0 else "complete with failures"
    except BaseException as e:
        stopped = e
        if isinstance(e, SimError):
            status, error = "stopped", str(e)
        raise
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()  # stops the workers before the last writes
        prog.close()
        late: ResultsError | None = None
        try:
            flush()  # the finished runs of an interrupted batch are kept
        except ResultsError as e:
            late = e
            status, error = "stopped", error or str(e)
        manifest.update(status=status, finished=_now(), done=len(set(exp.keys) & store.done_keys()),
                        failed=failed)
        if error:
            manifest["error"] = error
        try:
            store.write_manifest(manifest)
        except ResultsError as e:
            late = late or e
        if late is not None and stopped is None:
            raise late
    return load_results(out, monthly=exp.monthly) if load else None


def run_many(specs: Iterable[RunSpec], execution: Execution | None = None, monthly: bool = False,
             **options: Any) -> Iterator[tuple[RunSpec, dict, pd.DataFrame | None]]:
    """Execute run specs and yield (spec, summary, monthly-or-None) as runs finish, without storing
    anything (sim.run_experiment streams to a results directory instead). jobs=1 runs in this process;
    more use the batch runner's process pool (or a Dask scheduler). A run that raises re-raises here."""
    specs = list(specs)
    execution = Execution.of(execution, options)
    for rec in run_pending([(str(i), s) for i, s in enumerate(specs)], monthly, execution):
        if not rec["ok"]:
            raise RuntimeError(f"run {rec['labels']} failed:\n{rec['error']}")
        spec = specs[int(rec["key"])]
        summary = {k: v for k, v in rec["summary"].items() if k not in ("key", "seconds")}
        yield spec, summary, rec["monthly"]
