"""Time per calibration candidate, and what the default budget takes on this machine.

    .venv/bin/python benchmarks/bench_calibrate.py                 # 3 x 12 candidates on 1 and 2 processes (~2 min)
    .venv/bin/python benchmarks/bench_calibrate.py --candidates 30 --reps 5

A candidate is one forced replay (161 months, the default 5,000 citizens) per seed of the calibration settings
(experiments/calibration/calibration.yaml). Each repetition runs a fresh calibration of `--candidates`
candidates into a temporary directory (the optuna sampler included) and times it after its worker pool has
started; figures are medians over `--reps`. It prints seconds per candidate and per replay, and the projected
time of the settings' default budget (target: under an hour on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import header, processor  # noqa: E402

from sim.studies import calibrate as cal  # noqa: E402


def one(settings: cal.Settings, candidates: int, jobs: int) -> float:
    """Seconds per candidate of a fresh calibration of `candidates` candidates on `jobs` processes."""
    with tempfile.TemporaryDirectory() as tmp:
        ev = cal.Evaluator(settings, jobs)  # start the pool outside the timing, as a long calibration does
        try:
            ev({})
        finally:
            ev.close()
        t0 = time.perf_counter()
        cal.calibrate(settings, Path(tmp) / "c", jobs=jobs, budget=candidates * len(settings.seeds), progress=False)
        return (time.perf_counter() - t0) / candidates


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidates", type=int, default=12)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    settings = cal.load_settings()
    print(f"machine: {processor()}")
    print(f"settings: {len(settings.parameters)} parameters, {len(settings.seeds)} seeds per candidate, default "
          f"budget {settings.budget} runs = {settings.candidates} candidates")
    for jobs in (1, 2):
        header(f"{jobs} process{'es' if jobs > 1 else ''}")
        times = [one(settings, args.candidates, jobs) for _ in range(args.reps)]
        per = statistics.median(times)
        print(f"  {per:.2f} s per candidate ({per / len(settings.seeds):.3f} s per replay), median of {args.reps} "
              f"x {args.candidates} candidates: {', '.join(f'{t:.2f}' for t in times)}")
        total = per * settings.candidates / 60
        print(f"  default budget: {total:.1f} min ({'PASS' if total < 60 else 'FAIL'}: target < 60 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
