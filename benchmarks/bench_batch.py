"""Benchmarks of the batch runner (`sim batch`): memory, storage and speed-up.

    .venv/bin/python benchmarks/bench_batch.py                             # everything (~20 min; repo root)
    .venv/bin/python benchmarks/bench_batch.py --quick                     # smoke version (~1 min)
    .venv/bin/python benchmarks/bench_batch.py --runs 2000 --reps 5

Parts:
  memory   a large experiment (baseline.yaml x two_track, linked x N/2 seeds, monthly on) run by `sim batch -j 2`
           as a subprocess; every 0.5 s the resident memory (VmRSS) of the batch process and ALL its
           descendants (forkserver, pool workers, resource tracker) is summed from /proc. Prints the peak
           (target < 1 GiB), the total at 10%, 50% and 90% of the runs (flat = memory does not grow with the
           number of runs), the wall time and runs/s.
  storage  the on-disk size of monthly/ and summaries/ of that experiment (target monthly < 300 MB for
           10,000 runs of 120 months) and bytes per run.
  speed-up the same small batch (400 runs, monthly on) with -j 1 and -j 2, medians of --reps (target >= 1.7x).

A safety limit (--rss-limit, default 8 GiB) interrupts the batch as Ctrl-C would (SIGINT, then SIGKILL of the
tree if it does not stop) if the summed RSS grows past it, so a memory leak cannot exhaust the machine; the
figures then cover the runs done up to that point. Results directories are written under /tmp and removed
afterwards. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _machine import ROOT, code_version, header, load, processor, source_hash  # noqa: E402,F401

BASELINE = ROOT / "scenarios" / "baseline.yaml"
STRATEGIES = ("two_track", "linked")
SAMPLE_S = 0.5
GIB = 2**30
MIB = 2**20
MEMORY_TARGET = 1 * GIB  # peak summed RSS of the batch and its descendants
MONTHLY_TARGET_MB = 300.0  # monthly/ of 10,000 runs x 120 months, in MB (10^6 bytes)
SPEEDUP_TARGET = 1.7  # -j 2 vs -j 1
PROGRESS = re.compile(r"^\s*(\d+)/(\d+) runs")
STOP_WAIT_S = 60.0  # after SIGINT, how long the batch may take to flush and exit before the tree is killed


@dataclass(frozen=True)
class Config:
    runs: int  # runs of the memory/storage experiment
    speed_runs: int  # runs of the speed-up batch
    reps: int  # repetitions of the speed-up timings
    rss_limit: int  # bytes: interrupt the memory batch if its summed RSS exceeds this
    quick: bool


@dataclass
class Sample:
    t: float  # seconds since the batch started
    rss: int  # bytes, summed over the process tree
    pss: int  # bytes, proportional set size summed (shared pages counted once), 0 if unreadable
    procs: int  # processes in the tree
    done: int  # runs reported done by the batch's progress lines at that moment


@dataclass
class BatchRun:
    wall: float
    returncode: int
    samples: list[Sample] = field(default_factory=list)
    progress: list[tuple[float, int]] = field(default_factory=list)  # (t, runs done) from the progress lines
    stderr_tail: list[str] = field(default_factory=list)
    stopped: Sample | None = None  # the sample that exceeded the RSS limit, if the batch was interrupted
    stop_note: str = ""  # how the interrupted batch ended


# ---- /proc --------------------------------------------------------------------------------------
def children_map() -> dict[int, list[int]]:
    """ppid -> pids of every process visible in /proc (from field 4 of /proc/PID/stat)."""
    kids: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                data = fh.read()
        except OSError:  # the process ended meanwhile
            continue
        fields = data[data.rfind(b")") + 2:].split()  # after "pid (comm) ": state, ppid, ...
        if len(fields) > 1:
            kids[int(fields[1])].append(int(entry.name))
    return kids


def descendants(root: int) -> list[int]:
    """root and every process below it (children, their children, ...)."""
    kids = children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def status_kib(pid: int, path: str, key: str) -> int:
    """A `KEY: N kB` line of /proc/PID/<path>, in KiB (0 if absent or the process ended)."""
    try:
        with open(f"/proc/{pid}/{path}") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_memory(root: int) -> tuple[int, int, int]:
    """(summed VmRSS bytes, summed Pss bytes, number of processes) of root and its descendants."""
    pids = descendants(root)
    rss = sum(status_kib(p, "status", "VmRSS:") for p in pids)
    pss = sum(status_kib(p, "smaps_rollup", "Pss:") for p in pids)
    return rss * 1024, pss * 1024, len(pids)


# ---- helpers ------------------------------------------------------------------------------------
def sim_command() -> list[str]:
    """The `sim` console script of this interpreter's environment (python -m sim.cli if absent)."""
    script = Path(sys.executable).parent / "sim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.cli"]


def write_experiment(directory: Path, name: str, runs: int) -> Path:
    """baseline.yaml x two strategies x runs/2 paired seeds, monthly outputs on."""
    seeds = max(1, runs // len(STRATEGIES))
    path = directory / f"{name}.yaml"
    path.write_text(f"name: {name}\n"
                    f"description: batch benchmark, {seeds} paired seeds\n"
                    f"scenarios: [{BASELINE}]\n"
                    f"strategies: [{', '.join(STRATEGIES)}]\n"
                    f"seeds: {seeds}\n"
                    "monthly: true\n")
    return path


def stop_tree(proc: subprocess.Popen[str]) -> str:
    """Interrupt the batch as Ctrl-C would; kill what is left of its process tree if it does not exit.
    Returns what happened."""
    tree = descendants(proc.pid)
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    how = "exited {:.1f} s after SIGINT"
    try:
        proc.wait(timeout=STOP_WAIT_S)
    except subprocess.TimeoutExpired:
        how = f"did not exit within {STOP_WAIT_S:.0f} s of SIGINT: its processes were killed (SIGKILL)"
        for pid in tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
    how = how.format(time.perf_counter() - t0)
    for pid in tree[1:]:  # workers that outlive the main process (they are its descendants, started here)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return how


def run_batch(experiment: Path, out: Path, jobs: int, sample: bool, rss_limit: int | None = None) -> BatchRun:
    """`sim batch EXPERIMENT --out OUT -j JOBS` as a subprocess; optionally sample its tree's memory and
    interrupt it if the summed RSS exceeds rss_limit."""
    cmd = [*sim_command(), "batch", str(experiment), "--out", str(out), "-j", str(jobs)]
    if not sample:
        cmd.append("--quiet")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    result = BatchRun(wall=0.0, returncode=0)
    done = [0]

    def read_stderr() -> None:  # progress lines ("  1000/10000 runs, ...") arrive about every 10% of runs
        assert proc.stderr is not None
        for line in proc.stderr:
            m = PROGRESS.match(line)
            if m:
                done[0] = int(m.group(1))
                result.progress.append((time.perf_counter() - t0, done[0]))
            result.stderr_tail = (result.stderr_tail + [line.rstrip()])[-20:]

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    while proc.poll() is None:
        if sample:
            rss, pss, n = tree_memory(proc.pid)
            if n and rss:
                result.samples.append(Sample(time.perf_counter() - t0, rss, pss, n, done[0]))
                if rss_limit is not None and rss > rss_limit:
                    result.stopped = result.samples[-1]
                    result.stop_note = stop_tree(proc)
                    break
        time.sleep(SAMPLE_S if sample else 0.05)
    result.wall = time.perf_counter() - t0
    reader.join(timeout=5)
    result.returncode = proc.returncode
    if proc.returncode != 0 and result.stopped is None:
        raise RuntimeError(f"sim batch exited with {proc.returncode}:\n" + "\n".join(result.stderr_tail))
    return result


def dir_bytes(path: Path, names: set[str] | None = None) -> tuple[int, int, int]:
    """(apparent bytes, allocated bytes on disk, number of files) under path (only files named in `names`)."""
    size = blocks = n = 0
    for f in path.rglob("*"):
        if f.is_file() and (names is None or f.name in names):
            st = f.stat()
            size += st.st_size
            blocks += st.st_blocks * 512
            n += 1
    return size, blocks, n


def runs_on_disk(out: Path) -> int:
    """Runs whose summaries were written (rows of summaries/part-*.parquet)."""
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(p).num_rows for p in (out / "summaries").glob("part-*.parquet"))


def slope_per_1000(run: BatchRun) -> float | None:
    """Least-squares growth of summed RSS, in MiB per 1,000 runs done, over the samples between the first and
    the last progress line (runs done at each sample interpolated linearly in time); None if too few."""
    if len(run.progress) < 2:
        return None
    times, dones = [t for t, _ in run.progress], [d for _, d in run.progress]
    pts = []
    for s in run.samples:
        if times[0] <= s.t <= times[-1]:
            k = next(i for i in range(1, len(times)) if times[i] >= s.t)
            frac = (s.t - times[k - 1]) / (times[k] - times[k - 1]) if times[k] > times[k - 1] else 1.0
            pts.append((dones[k - 1] + frac * (dones[k] - dones[k - 1]), s.rss))
    if len(pts) < 3:
        return None
    n = len(pts)
    mx, my = sum(d for d, _ in pts) / n, sum(r for _, r in pts) / n
    sxx = sum((d - mx) ** 2 for d, _ in pts)
    sxy = sum((d - mx) * (r - my) for d, r in pts)
    return sxy / sxx * 1000 / MIB


def mib(b: float) -> str:
    return f"{b / MIB:,.0f} MiB"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def machine() -> None:
    import pandas as pd
    import pyarrow as pa

    print("machine")
    print(f"  cpus        {os.cpu_count()} (usable by this process: {len(os.sched_getaffinity(0))}): {processor()}")
    print(f"  platform    {platform.platform()}")
    print(f"  python      {platform.python_version()}; pandas {pd.__version__}; pyarrow {pa.__version__}")
    print(f"  code        {code_version()}")
    print(f"  command     {' '.join(sim_command())} batch ...")
    print(f"  {load()}", flush=True)


def at_fraction(run: BatchRun, fraction: float, total: int) -> Sample | None:
    """The memory sample nearest in time to the moment the batch reported `fraction` of its runs done."""
    target = math.ceil(fraction * total)
    moment = next((t for t, d in run.progress if d >= target), None)
    if moment is None or not run.samples:
        return None
    return min(run.samples, key=lambda s: abs(s.t - moment))


# ---- parts --------------------------------------------------------------------------------------
def bench_memory_storage(cfg: Config, tmp: Path) -> None:
    header("memory and storage: sim batch -j 2, baseline x 2 strategies, monthly on")
    from sim.config.scenario import load_scenario

    months = int(load_scenario(BASELINE).data["horizon"])
    exp = write_experiment(tmp, "bench-memory", cfg.runs)
    total = (cfg.runs // len(STRATEGIES)) * len(STRATEGIES)
    out = tmp / "memory"
    print(f"  {total:,} runs ({len(STRATEGIES)} strategies x {total // len(STRATEGIES):,} seeds), {months} months "
          f"each; RSS of the batch process and all descendants sampled every {SAMPLE_S} s", flush=True)
    run = run_batch(exp, out, jobs=2, sample=True, rss_limit=cfg.rss_limit)
    done = runs_on_disk(out)
    if run.stopped is not None:
        s = run.stopped
        print(f"  STOPPED     summed RSS {mib(s.rss)} exceeded the --rss-limit {mib(cfg.rss_limit)} at {s.t:.1f} s, "
              f"{s.done:,} runs reported done; the batch was interrupted (SIGINT), {run.stop_note}, and kept "
              f"{done:,} runs")
    last = next((t for t, d in run.progress if d >= total), run.wall)
    during = [s for s in run.samples if s.t <= last] or run.samples
    peak = max(run.samples, key=lambda s: s.rss)
    peak_runs = max(during, key=lambda s: s.rss)
    print(f"  wall time   {run.wall:8.1f} s for {done:,} runs: {done / run.wall:.2f} runs/s "
          f"(whole command: start-up, runs, final summary); last run done at {last:.1f} s")
    print(f"  samples     {len(run.samples)}; processes in the tree: up to {max(s.procs for s in run.samples)}")
    print(f"  peak RSS    {mib(peak.rss)} summed over the tree (at {peak.t:.1f} s, {peak.done:,} runs done, "
          f"{peak.procs} processes)")
    if peak_runs is not peak:
        print(f"              {mib(peak_runs.rss)} while runs were in progress (the rest: after the last run)")
    print(f"  peak PSS    {mib(max(s.pss for s in run.samples))} (shared pages counted once; RSS counts pages "
          "shared by the forkserver and its workers in each of them)")
    print("  RSS by progress (flat = memory does not grow with the number of runs):")
    points: list[tuple[float, Sample]] = []
    for frac in (0.1, 0.5, 0.9):
        s = at_fraction(run, frac, total)
        if s is None:
            print(f"    {frac:>4.0%}  n/a (no progress line)")
            continue
        points.append((frac, s))
        print(f"    {frac:>4.0%}  {mib(s.rss):>10}  (PSS {mib(s.pss)}; sample at {s.t:.1f} s, {s.procs} processes)")
    if len(points) >= 2:
        (f0, s0), (f1, s1) = points[0], points[-1]
        print(f"    growth {f0:.0%} -> {f1:.0%} of the runs: {(s1.rss - s0.rss) / MIB:+,.0f} MiB")
    slope = slope_per_1000(run)
    if slope is not None:
        print(f"    least-squares slope between the first and last progress line: {slope:+,.1f} MiB per 1,000 runs "
              "(0 = flat)")
    stopped = " (batch stopped at the --rss-limit: incomplete)" if run.stopped is not None else ""
    print(f"  {verdict(peak.rss < MEMORY_TARGET and not stopped)}  peak total RSS {mib(peak.rss)} vs target "
          f"< {mib(MEMORY_TARGET)}{stopped}")

    header("storage: on-disk size of that experiment's results")
    counted = {p.name for p in (out / "summaries").glob("part-*.parquet")}  # a killed batch may leave an orphan
    m_size, m_alloc, m_files = dir_bytes(out / "monthly", counted)      # monthly part: only count finished ones
    s_size, s_alloc, s_files = dir_bytes(out / "summaries", counted)
    if done != total:
        print(f"  (only {done:,} of {total:,} runs were written: sizes below are for those, per run figures scale)")
    total = max(done, 1)
    for name, size, alloc, files in (("monthly/", m_size, m_alloc, m_files), ("summaries/", s_size, s_alloc, s_files)):
        per_month = f" ({size / total / months:,.0f} per run-month)" if name == "monthly/" else ""
        print(f"  {name:<11} {size / 1e6:8.1f} MB ({mib(size)}; {alloc / 1e6:.1f} MB allocated) in {files} parts: "
              f"{size / total:,.0f} bytes per run{per_month}")
    scaled = m_size / total * 10_000 / 1e6
    label = "" if total == 10_000 else f" (scaled linearly from {total:,} runs to 10,000)"
    print(f"  {verdict(scaled < MONTHLY_TARGET_MB)}  monthly/ for 10,000 runs of {months} months {scaled:.1f} MB"
          f"{label} vs target < {MONTHLY_TARGET_MB:.0f} MB")
    shutil.rmtree(out, ignore_errors=True)


def bench_speedup(cfg: Config, tmp: Path) -> None:
    header(f"speed-up: the same {cfg.speed_runs}-run batch, sim batch -j 1 vs -j 2")
    exp = write_experiment(tmp, "bench-speedup", cfg.speed_runs)
    total = (cfg.speed_runs // len(STRATEGIES)) * len(STRATEGIES)
    print(f"  {total} runs (baseline x {len(STRATEGIES)} strategies x {total // len(STRATEGIES)} seeds, monthly on), "
          f"{cfg.reps} rep(s) each, alternating; wall time of the whole command (fresh results directory)", flush=True)
    walls: dict[int, list[float]] = {1: [], 2: []}
    for rep in range(cfg.reps):
        for jobs in (1, 2):
            out = tmp / f"speed-j{jobs}-{rep}"
            walls[jobs].append(run_batch(exp, out, jobs=jobs, sample=False).wall)
            shutil.rmtree(out, ignore_errors=True)
    med = {j: statistics.median(w) for j, w in walls.items()}
    for jobs in (1, 2):
        print(f"  -j {jobs}  median {med[jobs]:7.2f} s  {total / med[jobs]:6.2f} runs/s  ({spread(walls[jobs])})")
    ratio = med[1] / med[2]
    print(f"  speed-up -j 2 vs -j 1: {ratio:.2f}x (ideal 2.00x)")
    print(f"  {verdict(ratio >= SPEEDUP_TARGET)}  {ratio:.2f}x vs target >= {SPEEDUP_TARGET}x")


def spread(samples: Sequence[float]) -> str:
    return f"min {min(samples):.2f}, max {max(samples):.2f}, n={len(samples)}"


# ---- main ---------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> Config:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smoke version: 500 runs for memory/storage, 80 for the speed-up, 1 rep")
    ap.add_argument("--runs", type=int, default=None,
                    help="runs of the memory/storage experiment (default 10000; --quick 500)")
    ap.add_argument("--rss-limit", type=float, default=8.0,
                    help="GiB: interrupt the memory batch if its summed RSS exceeds this (default 8)")
    ap.add_argument("--speed-runs", type=int, default=None, help="runs of the speed-up batch (default 400; --quick 80)")
    ap.add_argument("--reps", type=int, default=None, help="repetitions of the speed-up timings (default 3; --quick 1)")
    args = ap.parse_args(argv)
    for name in ("runs", "speed_runs", "reps"):
        value = getattr(args, name)
        if value is not None and value < (1 if name == "reps" else 2):
            ap.error(f"--{name.replace('_', '-')} is too small")
    limit = int(args.rss_limit * GIB)
    if args.quick:
        return Config(runs=args.runs or 500, speed_runs=args.speed_runs or 80, reps=args.reps or 1,
                      rss_limit=limit, quick=True)
    return Config(runs=args.runs or 10_000, speed_runs=args.speed_runs or 400, reps=args.reps or 3,
                  rss_limit=limit, quick=False)


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    # Started in the background (`cmd &` without job control) a process inherits SIGINT ignored, and so would
    # the batches started here: restore Ctrl-C so that the --rss-limit stop (SIGINT) works like a user's Ctrl-C.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if not Path("/proc/self/status").exists():
        print("this benchmark reads /proc (Linux only)", file=sys.stderr)
        return 2
    machine()
    print(f"  mode        {'quick' if cfg.quick else 'full'}: {cfg.runs:,} runs for memory/storage, "
          f"{cfg.speed_runs} runs x {cfg.reps} rep(s) for the speed-up")
    t0 = time.perf_counter()
    version = code_version()
    tmp = Path(tempfile.mkdtemp(prefix="bench_batch_", dir="/tmp"))
    try:
        bench_memory_storage(cfg, tmp)
        bench_speedup(cfg, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nbenchmark finished in {time.perf_counter() - t0:.1f} s; {load()}")
    if code_version() != version:
        print(f"  WARNING: sim/ changed during the benchmark (now {code_version()}): later parts ran other code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
