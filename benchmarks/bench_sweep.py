"""Time of a winner map: a 9 x 9 sweep of two fields, two-track and linked on the same seeds in every cell.

    .venv/bin/python benchmarks/bench_sweep.py                  # 9 x 9 cells x 50 seeds x 2 strategies, 2 processes
    .venv/bin/python benchmarks/bench_sweep.py --seeds 10       # a fifth of it (the full time is extrapolated)

The sweep (`sim.sweep`, baseline.yaml at its default size, deterrence 0..8 x provocation scale 0.25..4) runs
through the batch runner into a temporary results directory (monthly tables off, as a sweep needs only the
summaries); then the winner table and the winner map are built. Prints the wall time of each part, runs per
second, and the time of the full 50-seed map extrapolated from the runs per second when --seeds is smaller.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import ROOT, header, processor  # noqa: E402

import sim  # noqa: E402
from sim.present import figures as F  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--cells", type=int, default=9, help="values per axis")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    print(f"machine: {processor()}")
    header(f"winner map: {args.cells} x {args.cells} cells x {args.seeds} seeds x 2 strategies, {args.jobs} processes")
    axes = {"disputes.deterrence": [round(float(v), 3) for v in np.linspace(0, 8, args.cells)],
            "provocation.scale": [round(float(v), 3) for v in np.linspace(0.25, 4, args.cells)]}
    runs = args.cells**2 * args.seeds * 2
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = sim.sweep(ROOT / "scenarios" / "baseline.yaml", axes, seeds=args.seeds, out=Path(tmp) / "map",
                        jobs=args.jobs, progress=False)
        t_runs = time.perf_counter() - t0
        t1 = time.perf_counter()
        table = sim.winner_table(res.summaries, "two_track", "linked")
        F.winner_map(table, "sweep.disputes.deterrence", "sweep.provocation.scale")
        t_map = time.perf_counter() - t1
    rate = runs / t_runs
    print(f"  {runs:,} runs in {t_runs:.1f} s ({rate:.1f} runs/s); winner table and map {t_map:.1f} s")
    if args.seeds != 50 or args.cells != 9:
        full = 9 * 9 * 50 * 2
        print(f"  a 9 x 9 map at 50 seeds ({full:,} runs) at this rate: {full / rate / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
