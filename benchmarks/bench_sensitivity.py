"""Time of a Sobol analysis of 4 parameters of the baseline scenario (sim.studies.sensitivity.sobol) on 2 processes.

    .venv/bin/python benchmarks/bench_sensitivity.py            # the default budget (n=64, 8 seeds; ~20-30 min)
    .venv/bin/python benchmarks/bench_sensitivity.py --quick    # n=8, 2 seeds (~1 min), projected to the default
    .venv/bin/python benchmarks/bench_sensitivity.py --n 16 --seeds 4 --reps 3

Each repetition runs a fresh analysis into a temporary results directory: the budget (its timing run included),
the worker pool, every design point x strategy x seed of the default population (5,000 citizens, 240 + 120
months) and SALib's analysis. It prints the budget's estimate, the wall time (median over --reps), seconds per
run, and the time the default budget takes at that rate.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import ROOT, header, load, processor  # noqa: E402

from sim.studies import sensitivity as S  # noqa: E402

PROBLEM = {"disputes.deterrence": [0.0, 10.0], "provocation.scale": [0.5, 2.0], "government.reciprocity": [0.2, 0.8],
           "citizens.noise": [0.1, 0.4]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="n=8, 2 seeds, projected to the default budget")
    ap.add_argument("--n", type=int, default=None, help="Sobol base sample (a power of 2; default: sobol's)")
    ap.add_argument("--seeds", type=int, default=None, help="seeds per design point (default: sobol's)")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    n = args.n or (8 if args.quick else S.SOBOL_N)
    seeds = args.seeds or (2 if args.quick else S.SEEDS)
    default_runs = S.SOBOL_N * (len(PROBLEM) + 2) * 2 * S.SEEDS
    scenario = ROOT / "scenarios" / "baseline.yaml"
    print(f"machine: {processor()}")
    header(f"Sobol, {len(PROBLEM)} parameters, n={n}, {seeds} seeds, {args.jobs} processes")
    times, per_run = [], []
    for rep in range(args.reps):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            table = S.sobol(scenario, PROBLEM, n=n, seeds=seeds, out=Path(tmp) / "sobol", jobs=args.jobs,
                            progress=False)
            times.append(time.perf_counter() - t0)
        runs = table.attrs["points"] * 2 * seeds
        per_run.append(times[-1] / runs)
        print(f"  rep {rep + 1}: {times[-1]:.1f} s for {runs:,} runs ({per_run[-1] * 1e3:.1f} ms per run, wall); "
              f"{load()} now", flush=True)
    wall, per = statistics.median(times), statistics.median(per_run)
    print(f"  median of {args.reps}: {wall:.1f} s ({per * 1e3:.1f} ms per run, wall, on {args.jobs} processes)")
    print(f"  default budget (n={S.SOBOL_N}, {S.SEEDS} seeds = {default_runs:,} runs): about "
          f"{default_runs * per / 60:.1f} min at this rate")
    print(S.describe(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
