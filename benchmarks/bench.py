"""Benchmarks of the simulation: one baseline run, scaling with the number of citizens, and a
strategy comparison on a process pool.

    .venv/bin/python benchmarks/bench.py                             # everything (minutes; from the repo root)
    .venv/bin/python benchmarks/bench.py --quick                     # smoke version (well under a minute)
    .venv/bin/python benchmarks/bench.py --only single,scale --reps 9

Every figure is the median over repetitions (seed varying per repetition); nothing is written to disk.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import mesa
import numpy as np
import pandas as pd
from _machine import ROOT, code_version, header, load, processor, source_hash  # noqa: E402,F401

import sim
from sim.config.scenario import Scenario, load_scenario
from sim.model import RelationsModel
from sim.studies.compare import run_comparison

SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
STRATEGY = "two_track"
STRATEGIES = ["two_track", "linked"]
COUNTRIES = ("KR", "JP")

SINGLE_TARGET_S = 0.2  # the target for the 120 months after burn-in (also checked on the total)
COMPARE_TARGET_S = 180.0  # 2 strategies x 7 scenarios x 100 seeds on 2 processes
PARTS = ("single", "scale", "compare")


@dataclass(frozen=True)
class Config:
    reps: int  # repetitions of single runs (and at 1x in the scale part)
    compare_reps: int  # repetitions of the (long) comparison timings
    scale_factors: tuple[int, ...]
    compare_seeds: int  # seeds of the full comparison
    subset_seeds: int  # seeds of the 1-process vs 2-process subset
    quick: bool


@dataclass(frozen=True)
class Timing:
    """Medians over repetitions of one run split into its parts (seconds)."""

    total: float  # sim.run(...)
    burn_in: float  # RelationsModel(...) construction, which runs the burn-in
    horizon: float  # model.run() after construction
    reps: int


# ---- helpers ------------------------------------------------------------------------------------
def cpu_seconds() -> float:
    """CPU time of this process plus its finished (joined) child processes, e.g. pool workers."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def timed_cpu(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds incl. joined children) of one call."""
    w0, c0 = time.perf_counter(), cpu_seconds()
    fn()
    return time.perf_counter() - w0, cpu_seconds() - c0


def median_of(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def spread(samples: Sequence[float]) -> str:
    return f"min {min(samples):.3f}, max {max(samples):.3f}, n={len(samples)}"


def verdict(value: float, target: float) -> str:
    return "PASS" if value < target else "FAIL"


def machine() -> None:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    print("machine")
    print(f"  cpus        {os.cpu_count()} (usable by this process: {usable}): {processor()}")
    print(f"  platform    {platform.platform()} / {platform.machine()}")
    print(f"  python      {platform.python_version()} ({platform.python_implementation()})")
    print(f"  numpy       {np.__version__}")
    print(f"  pandas      {pd.__version__}")
    print(f"  mesa        {mesa.__version__}")
    print(f"  code        {code_version()}")
    from sim.runs.runner import mp_context

    print(f"  pool start  {mp_context().get_start_method()} (sim.runs.runner preloads the model in the server; "
          f"global default {multiprocessing.get_start_method()})")
    print(f"  {load()}")


def scaled(scenario: Scenario, factor: int) -> Scenario:
    """The scenario with `factor` times as many public and youth citizens in each country."""
    if factor == 1:
        return scenario
    overrides = {f"population.{c}.{cohort}": int(scenario.get(f"population.{c}.{cohort}")) * factor
                 for c in COUNTRIES for cohort in ("n_public", "n_youth")}
    return scenario.with_overrides(**overrides)


def n_citizens(scenario: Scenario) -> int:
    return sum(int(scenario.get(f"population.{c}.{k}")) for c in COUNTRIES for k in ("n_public", "n_youth"))


def time_runs(scenario: Scenario, reps: int, seed0: int = 1) -> tuple[Timing, dict[str, list[float]]]:
    """Per repetition (seed seed0 + rep): one full sim.run, then a fresh model timed as construction
    (burn-in) and model.run() (the months after burn-in)."""
    samples: dict[str, list[float]] = {"total": [], "burn_in": [], "horizon": [], "cpu_total": []}
    for rep in range(reps):
        seed = seed0 + rep
        t0, c0 = time.perf_counter(), time.process_time()
        sim.run(scenario, STRATEGY, seed, keep_model=False)
        samples["total"].append(time.perf_counter() - t0)
        samples["cpu_total"].append(time.process_time() - c0)
        t0 = time.perf_counter()
        model = RelationsModel(scenario, STRATEGY, seed)
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        samples["burn_in"].append(t1 - t0)
        samples["horizon"].append(t2 - t1)
        del model
    timing = Timing(median_of(samples["total"]), median_of(samples["burn_in"]), median_of(samples["horizon"]),
                    reps)
    return timing, samples


# ---- parts --------------------------------------------------------------------------------------
def bench_single(cfg: Config) -> Timing:
    header("single: baseline.yaml, two_track, one run")
    scenario = load_scenario(BASELINE)
    d = scenario.data
    print(f"  {n_citizens(scenario):,} citizens, burn-in {d['burn_in']} months, horizon {d['horizon']} months, "
          f"{cfg.reps} reps (after import and one warm-up run)")
    sim.run(scenario, STRATEGY, 0, keep_model=False)  # warm-up: lazy imports, caches, allocator
    timing, samples = time_runs(scenario, cfg.reps)
    print(f"  total     sim.run(...)                 median {timing.total:7.3f} s  ({spread(samples['total'])})")
    print(f"  burn-in   RelationsModel(...) ctor     median {timing.burn_in:7.3f} s  ({spread(samples['burn_in'])})")
    print(f"  horizon   model.run() after burn-in    median {timing.horizon:7.3f} s  "
          f"({spread(samples['horizon'])})")
    cpu = median_of(samples["cpu_total"])
    print(f"  cpu time of sim.run(...)               median {cpu:7.3f} s  ({spread(samples['cpu_total'])}; "
          "less affected by other load)")
    rest = timing.total - timing.burn_in - timing.horizon
    print(f"  (total - burn-in - horizon = {rest:+.3f} s: difference of medians, roughly the output tables)")
    print(f"  {verdict(timing.horizon, SINGLE_TARGET_S)}  {d['horizon']} months after burn-in "
          f"{timing.horizon:.3f} s vs target < {SINGLE_TARGET_S} s")
    print(f"  {verdict(timing.total, SINGLE_TARGET_S)}  total run {timing.total:.3f} s vs target < {SINGLE_TARGET_S} s")
    return timing


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far, in GiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def bench_scale(cfg: Config) -> None:
    header("scale: baseline.yaml, two_track, citizens x factor")
    base = load_scenario(BASELINE)
    burn, horizon = int(base.data["burn_in"]), int(base.data["horizon"])
    sim.run(base, STRATEGY, 0, keep_model=False)  # warm-up
    print(f"  {'factor':>6} {'citizens':>10} {'reps':>4} {'total s':>9} {'burn-in s':>9} {'horizon s':>9} "
          f"{'us/cit-mo':>9} {'us/cit-mo':>9} {'ratio':>7} {'ratio':>7} {'peak RSS':>9}")
    print(f"  {'':>6} {'':>10} {'':>4} {'':>9} {'':>9} {'':>9} {'total':>9} {'horizon':>9} {'total':>7} "
          f"{'horizon':>7} {'GiB':>9}")
    first: Timing | None = None
    for factor in cfg.scale_factors:
        scenario = scaled(base, factor)
        n = n_citizens(scenario)
        reps = cfg.reps if factor == 1 else max(1, min(cfg.reps, 3 if factor <= 10 else 2 if factor <= 100 else 1))
        timing, _ = time_runs(scenario, reps)
        first = first or timing
        per_total = 1e6 * timing.total / (n * (burn + horizon))
        per_horizon = 1e6 * timing.horizon / (n * horizon)
        print(f"  {factor:>5}x {n:>10,} {reps:>4} {timing.total:>9.3f} {timing.burn_in:>9.3f} {timing.horizon:>9.3f} "
              f"{per_total:>9.3f} {per_horizon:>9.3f} {timing.total / first.total:>6.1f}x "
              f"{timing.horizon / first.horizon:>6.1f}x {peak_rss_gib():>9.2f}")
    print("  us/cit-mo: microseconds per citizen-month (total over burn-in + horizon months; horizon over its "
          "months);\n  ratio: time relative to 1x (linear scaling = the factor); peak RSS: this process's peak so "
          "far\n  (factors run in increasing order, so it is the peak of the largest run up to that row)")


def bench_compare(cfg: Config) -> None:
    header("compare: run_comparison on a process pool")
    scenarios = [load_scenario(p) for p in sorted(SCENARIOS.glob("*.yaml"))]
    seeds = list(range(cfg.compare_seeds))
    runs = len(scenarios) * len(STRATEGIES) * len(seeds)
    print(f"  full: {len(STRATEGIES)} strategies x {len(scenarios)} scenarios x {len(seeds)} seeds = {runs} runs, "
          f"jobs=2, {cfg.compare_reps} rep(s)")
    full = [timed_cpu(lambda: run_comparison(scenarios, STRATEGIES, seeds, jobs=2)) for _ in range(cfg.compare_reps)]
    walls, cpus = [w for w, _ in full], [c for _, c in full]
    wall, cpu = median_of(walls), median_of(cpus)
    print(f"  wall time      median {wall:8.2f} s  ({spread(walls)})")
    print(f"  throughput     {runs / wall:8.2f} runs/s  ({wall / runs * 2:.3f} s wall per run per process)")
    if cpu / wall < 0.5:  # forkserver workers are not children of this process: their CPU is not seen
        print("  cpu time       not measurable here (pool workers belong to the forkserver)")
    else:
        print(f"  cpu time       median {cpu:8.2f} s  ({cpu / runs:.3f} s per run; cpu/2 = {cpu / 2:.1f} s is the "
              "wall time two idle cores would need)")
        print(f"  parallelism    cpu/wall = {cpu / wall:.2f} (2.00 = both cores busy with this benchmark)")
    if cfg.quick:
        target_runs = 7 * len(STRATEGIES) * 100
        estimate = wall / runs * target_runs
        print(f"  (quick) linear estimate for {target_runs} runs: {estimate:.0f} s vs target "
              f"< {COMPARE_TARGET_S:.0f} s -> {verdict(estimate, COMPARE_TARGET_S)} (estimate only)")
    else:
        print(f"  {verdict(wall, COMPARE_TARGET_S)}  {runs} runs on 2 processes {wall:.1f} s vs target "
              f"< {COMPARE_TARGET_S:.0f} s")

    subset = [s for s in scenarios if s.name in ("baseline", "compound_crisis")] or scenarios[:2]
    sub_seeds = list(range(cfg.subset_seeds))
    sub_runs = len(subset) * len(STRATEGIES) * len(sub_seeds)
    print(f"\n  speed-up subset: {len(STRATEGIES)} strategies x {len(subset)} scenarios "
          f"({', '.join(s.name for s in subset)}) x {len(sub_seeds)} seeds = {sub_runs} runs, "
          f"{cfg.compare_reps} rep(s)")
    medians = {}
    for jobs, label in ((1, "jobs=1 (in process)"), (2, "jobs=2 (pool)      ")):
        res = [timed_cpu(lambda j=jobs: run_comparison(subset, STRATEGIES, sub_seeds, jobs=j))
               for _ in range(cfg.compare_reps)]
        w, c = median_of([r[0] for r in res]), median_of([r[1] for r in res])
        medians[jobs] = w
        print(f"  {label}  median {w:7.2f} s  {sub_runs / w:6.2f} runs/s  cpu {c:7.2f} s  cpu/wall {c / w:.2f}")
    print(f"  speed-up 2 vs 1 process: {medians[1] / medians[2]:.2f}x (ideal 2.00x)")


# ---- main ---------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> tuple[Config, list[str]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=None,
                    help="repetitions (default 5; 1 for the comparison unless given; fewer at 10x/100x)")
    ap.add_argument("--quick", action="store_true", help="fast smoke version (few reps, no 100x, few seeds)")
    ap.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts to run: {','.join(PARTS)}")
    ap.add_argument("--scale", default=None,
                    help="citizen factors of the scale part, comma-separated (default 1,10,100; 1000 = 5 million)")
    args = ap.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        ap.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    if args.reps is not None and args.reps < 1:
        ap.error("--reps must be >= 1")
    if args.quick:
        cfg = Config(reps=args.reps or 2, compare_reps=args.reps or 1, scale_factors=(1, 10), compare_seeds=4,
                     subset_seeds=8, quick=True)
    else:
        cfg = Config(reps=args.reps or 5, compare_reps=args.reps or 1, scale_factors=(1, 10, 100),
                     compare_seeds=100, subset_seeds=20, quick=False)
    if args.scale:
        try:
            factors = tuple(int(f) for f in args.scale.split(","))
        except ValueError:
            ap.error(f"--scale takes whole numbers separated by commas, got {args.scale!r}")
        if any(f < 1 for f in factors):
            ap.error("--scale factors must be >= 1")
        cfg = replace(cfg, scale_factors=tuple(sorted(set(factors))))
    return cfg, parts


def main(argv: list[str] | None = None) -> int:
    cfg, parts = parse_args(argv)
    machine()
    print(f"  mode        {'quick' if cfg.quick else 'full'}; parts: {', '.join(parts)}")
    version = code_version()
    benches: dict[str, Callable[[Config], object]] = {"single": bench_single, "scale": bench_scale,
                                                      "compare": bench_compare}
    failed = []
    t0 = time.perf_counter()
    for part in PARTS:
        if part not in parts:
            continue
        try:
            benches[part](cfg)
        except Exception:  # report and go on with the other parts
            failed.append(part)
            print(f"\n  ERROR in part {part!r}:")
            traceback.print_exc(file=sys.stdout)
    print(f"\nbenchmark finished in {time.perf_counter() - t0:.1f} s; {load()}")
    if code_version() != version:
        print(f"  WARNING: sim/ changed during the benchmark (now {code_version()})")
    if failed:
        print(f"  FAILED parts: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
