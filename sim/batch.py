"""Batches: run an experiment's pending runs on an executor and stream their results to disk.

Local processes by default (no server); a Dask cluster through its concurrent.futures executor
(`scheduler="tcp://HOST:PORT"`, a scheduler file, or "local" for a LocalCluster). Runs are bundled per
task; a run that raises is recorded and the batch goes on; a worker that dies is survived (its runs are
resubmitted); Ctrl-C or a kill loses at most the runs not yet flushed, and the same command resumes.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .experiment import Experiment, load_experiment
from .provenance import provenance
from .results import Results, ResultStore, load_results
from .runner import RunSpec, _mp_context, default_workers, run
from .store import write_frame, write_json

MAX_RETRIES = 2  # resubmissions of a task whose worker died


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _labels(spec: RunSpec, key: str) -> dict:
    return {"key": key, "scenario": spec.scenario.name, "strategy": spec.strategy_label, "seed": spec.seed,
            **spec.tags}


def execute_runs(items: list[tuple[str, RunSpec]], monthly: bool) -> list[dict]:
    """Run a bundle of specs in a worker; every run returns a record, a failing run its traceback."""
    out = []
    for key, spec in items:
        _crash_once(spec)
        t0 = time.perf_counter()
        try:
            res = run(spec.scenario, spec.strategy, spec.seed, keep_model=False)
        except Exception:  # noqa: BLE001 - any model error is recorded, the batch goes on
            out.append({"key": key, "ok": False, "error": traceback.format_exc(), "labels": _labels(spec, key),
                        "scenario_hash": spec.scenario.content_hash})
            continue
        labels = _labels(spec, key)
        summary = {**labels, **{k: v for k, v in res.summary.items() if k not in ("scenario", "strategy", "seed")},
                   "seconds": time.perf_counter() - t0}
        frame = None
        if monthly:
            f = res.monthly
            floats = f.columns[(f.dtypes == np.float64).to_numpy()]
            frame = f.astype({c: np.float32 for c in floats})
            for name, value in reversed(list(labels.items())):
                frame.insert(0, name, value)
        out.append({"key": key, "ok": True, "summary": summary, "monthly": frame})
    return out


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


def _executor(jobs: int, scheduler: str | None) -> tuple[Executor, Any, int]:
    """(executor, dask client or None, runs per task)."""
    if scheduler is None:
        return ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context()), None, 8
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        from .scenario import ScenarioError

        raise ScenarioError("a Dask scheduler needs the `dask` extra", file="--scheduler", given=scheduler,
                            allowed='pip install -e ".[dask]"') from None
    if scheduler == "local":
        client = Client(LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None))
    elif Path(scheduler).exists():
        client = Client(scheduler_file=scheduler)
    else:
        client = Client(scheduler)
    return client.get_executor(), client, 20


def _shutdown(executor: Executor) -> None:
    if isinstance(executor, ProcessPoolExecutor):
        executor.shutdown(wait=False, cancel_futures=True)
    else:  # a Dask ClientExecutor knows no cancel_futures
        executor.shutdown(wait=False)


def _run_pending(pending: list[tuple[str, RunSpec]], monthly: bool, jobs: int, scheduler: str | None,
                 chunk: int | None) -> Iterator[dict]:
    """Yield run records as tasks finish, rebuilding a broken local pool and resubmitting lost tasks.
    With one job and no scheduler the runs execute in this process, one after the other."""
    if jobs == 1 and scheduler is None:
        for item in pending:
            yield from execute_runs([item], monthly)
        return
    executor, client, per_task = _executor(jobs, scheduler)
    per_task = chunk or per_task
    tasks = [pending[i:i + per_task] for i in range(0, len(pending), per_task)]
    retries = [0] * len(tasks)
    queue = list(range(len(tasks)))
    workers = len(client.nthreads()) if client is not None else jobs
    window = max(4, 4 * workers)
    running: dict[Future, int] = {}
    try:
        while queue or running:
            while queue and len(running) < window:
                t = queue.pop(0)
                running[executor.submit(execute_runs, tasks[t], monthly)] = t
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                t = running.pop(fut)
                try:
                    yield from fut.result()
                except (BrokenProcessPool, Exception) as e:  # noqa: BLE001 - a dead worker or lost task
                    broken = isinstance(e, BrokenProcessPool)
                    if retries[t] < MAX_RETRIES:
                        retries[t] += 1
                        queue.insert(0, t)
                    else:
                        for key, spec in tasks[t]:
                            yield {"key": key, "ok": False, "labels": _labels(spec, key),
                                   "scenario_hash": spec.scenario.content_hash,
                                   "error": f"worker lost {MAX_RETRIES + 1} times running this task: {e!r}"}
                    if broken:  # every pending future of a broken pool fails: rebuild and resubmit them
                        for f2, t2 in running.items():
                            f2.cancel()
                            queue.insert(0, t2)
                        running.clear()
                        _shutdown(executor)
                        executor = ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context())
                        break
    finally:
        _shutdown(executor)
        if client is not None:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()


def run_experiment(source: str | Path | dict | Experiment, out: str | Path | None = None,
                   jobs: int | None = None, scheduler: str | None = None, overwrite: bool = False,
                   progress: bool = True, chunk: int | None = None, flush_runs: int = 200,
                   flush_seconds: float = 10.0, load: bool = True) -> Results | None:
    """Run an experiment (file, dict or Experiment) into a results directory; resume what is there.

    Returns the frames (sim.load_results) unless load=False. Completed runs are kept and skipped; runs whose
    key changed are recomputed. Failures are recorded in OUT/failures/ and counted in the manifest.
    """
    exp = source if isinstance(source, Experiment) else load_experiment(source)
    out = Path(out) if out is not None else Path("results") / exp.name
    jobs = default_workers() if jobs is None else max(1, jobs)
    store = ResultStore(out)
    store.lock()
    try:
        return _run_locked(exp, store, out, jobs, scheduler, overwrite, progress, chunk, flush_runs, flush_seconds,
                           load)
    finally:
        store.unlock()


def _run_locked(exp: Experiment, store: ResultStore, out: Path, jobs: int, scheduler: str | None, overwrite: bool,
                progress: bool, chunk: int | None, flush_runs: int, flush_seconds: float,
                load: bool) -> Results | None:
    notes = store.prepare(exp.name, overwrite)
    for n in notes:
        print(f"repair: {n}", file=sys.stderr)
    done = store.done_keys(require_monthly=exp.monthly)
    pending = [(k, s) for k, s in zip(exp.keys, exp.specs, strict=True) if k not in done]
    runs = pd.DataFrame([_labels(s, k) for k, s in zip(exp.keys, exp.specs, strict=True)])
    write_frame(runs, store.root / "runs.parquet")
    old = store.manifest() or {}
    manifest = {
        "name": exp.name, "description": exp.description, "experiment_path": exp.path,
        "experiment_hash": exp.content_hash, "experiment": exp.data,
        "scenarios": [{"name": s.name, "path": s.path, "sources": s.sources, "content_hash": s.content_hash}
                      for s in exp.scenarios],
        "axes": exp.axes, "runs": len(exp.keys), "monthly": exp.monthly,
        "provenance": provenance(), "created": old.get("created", _now()), "started": _now(),
        "status": "running", "done": len(set(exp.keys) & done), "failed": 0, "repairs": notes,
        "history": old.get("history", []) + [{"started": _now(), "pending": len(pending), "jobs": jobs,
                                              "scheduler": scheduler}],
    }
    write_json(manifest, store.manifest_path)
    prog = Progress(len(exp.keys), len(exp.keys) - len(pending), enabled=progress)
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

    status = "interrupted"
    try:
        if pending:
            for rec in _run_pending(pending, exp.monthly, jobs, scheduler, chunk):
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
                if len(buf_s) >= flush_runs or time.perf_counter() - last > flush_seconds:
                    flush()
        flush()
        status = "complete" if failed == 0 else "complete with failures"
    finally:
        flush()
        prog.close()
        manifest.update(status=status, finished=_now(), done=len(set(exp.keys) & store.done_keys()),
                        failed=failed)
        write_json(manifest, store.manifest_path)
    return load_results(out, monthly=exp.monthly) if load else None
