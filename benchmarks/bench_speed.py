"""Speed of the model against the commit the speed work started from, side by side, and proof of the same numbers.

    python benchmarks/bench_speed.py                 # all parts (~10 min on 2 cores)
    python benchmarks/bench_speed.py --quick         # smoke version (~2 min)
    python benchmarks/bench_speed.py --ref 961dcd4 --seeds 20 --reps 3

The start commit (`--ref`, default START_REF) is exported with `git archive` into a temporary directory; every
measurement runs in a fresh Python process with PYTHONPATH pointing at one version (benchmarks/speed_driver.py),
alternating old and new, and figures are medians over `--reps`. Parts:

- same numbers: every bundled scenario x two presets x `--check-seeds` seeds, monthly tables, events and
  summaries of the new code compared bit for bit with the start commit's;
- comparison: runs per second of a 2-strategy comparison of the bundled scenarios (`sim compare`'s code path,
  `-j` processes) under both versions, and their ratio (target >= 3x);
- single run and the Mesa reference, in alternating rounds: one baseline run (from scratch, and the months after
  a shared burn-in) against benchmarks/mesa_reference.py (5,000 agents, 120 steps), and the ratio (target >= 15x).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import ROOT, code_version, header, load, processor  # noqa: E402
from mesa_reference import time_reference  # noqa: E402

START_REF = "961dcd4"  # the commit before the speed work (issue "Speed: 3x more runs per second")
DRIVER = Path(__file__).resolve().parent / "speed_driver.py"


def export(ref: str, dest: Path) -> Path:
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def drive(code: Path, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, str(DRIVER), *args], cwd=code, env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"speed_driver {' '.join(args)} failed on {code.name}:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def same_numbers(old: Path, new: Path, seeds: int, tmp: Path) -> None:
    header(f"same numbers: bundled scenarios x 2 presets x {seeds} seeds, new vs start commit")
    drive(old, "dump", str(tmp / "old.pkl"), str(seeds))
    drive(new, "dump", str(tmp / "new.pkl"), str(seeds))
    a, b = (pickle.loads((tmp / f).read_bytes()) for f in ("old.pkl", "new.pkl"))
    differ, added = [], set()
    for key in a:
        (ma, sa, ea), (mb, sb, eb) = a[key], b[key]
        added |= {f"monthly.{c}" for c in mb.columns.difference(ma.columns)}
        added |= {f"events.{c}" for c in eb.columns.difference(ea.columns)}
        added |= {f"summary.{k}" for k in sb.keys() - sa.keys()}
        try:  # every number the start commit gives, bit for bit (outputs added since are listed below)
            pd.testing.assert_frame_equal(ma, mb[ma.columns], check_exact=True)
            pd.testing.assert_frame_equal(ea, eb[ea.columns], check_exact=True)
            changed = [k for k in sa if k != "scenario_hash"  # provenance: the validated scenario gained defaults
                       and not pd.Series([sa[k]]).equals(pd.Series([sb.get(k)]))]
            assert not changed, f"summary {', '.join(f'{k}: {sa[k]!r} -> {sb.get(k)!r}' for k in changed)}"
        except (AssertionError, KeyError) as e:
            differ.append((key, (str(e).splitlines() or [repr(e)])[0][:200]))
    print(f"  {len(a) - len(differ)} of {len(a)} runs identical (monthly table, events, summary; bit for bit)")
    if added:
        print(f"  outputs added since the start commit (not compared): {', '.join(sorted(added))}")
    for key, why in differ[:10]:
        print(f"  DIFFERS: {key}: {why}")


def throughput(old: Path, new: Path, seeds: int, jobs: int, reps: int) -> None:
    header(f"comparison: bundled scenarios x 2 strategies x {seeds} seeds, {jobs} processes, {reps} reps")
    times: dict[str, list[float]] = {"start": [], "new": []}
    runs = 0
    for _ in range(reps):
        for name, code in (("start", old), ("new", new)):
            res = drive(code, "compare", str(seeds), str(jobs))
            times[name].append(res["runs_per_s"])
            runs = res["runs"]
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"  {runs} runs; runs per second (median): start {med['start']:.2f}, new {med['new']:.2f}")
    print(f"  ratio new / start: {med['new'] / med['start']:.2f}x (target >= 3x)   [{load()}]")


def single(old: Path, new: Path, rounds: int) -> None:
    """Rounds of: the start commit's run, the new run, the Mesa reference (each once), so that a machine whose
    speed drifts slows all three alike; medians over the rounds."""
    header(f"one baseline run against the per-agent Mesa reference (5,000 agents, 120 steps), {rounds} rounds")
    runs: dict[str, list[dict]] = {"start": [], "new": []}
    mesa_times = []
    for _ in range(rounds):
        for name, code in (("start", old), ("new", new)):
            runs[name].append(drive(code, "single", "1"))
        mesa_times.append(time_reference(5000, 120, 1))
    res = {name: {**rs[0], **{k: statistics.median(r[k] for r in rs) for k in ("whole_s", "horizon_s")}}
           for name, rs in runs.items()}
    mesa_s = statistics.median(mesa_times)
    for name, r in res.items():
        print(f"  {name:<6} whole run {r['whole_s'] * 1e3:6.1f} ms ({r['burn_in']}-month burn-in + {r['months']} "
              f"months); the {r['months']} months alone {r['horizon_s'] * 1e3:6.1f} ms")
    print(f"  Mesa reference {mesa_s * 1e3:.1f} ms")
    for name, r in res.items():
        print(f"  ratio Mesa / {name}: whole run {mesa_s / r['whole_s']:.1f}x, months after a shared burn-in "
              f"{mesa_s / r['horizon_s']:.1f}x (target >= 15x)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", default=START_REF, help=f"the start commit (default {START_REF})")
    ap.add_argument("--seeds", type=int, default=20, help="seeds per scenario and strategy in the comparison")
    ap.add_argument("--check-seeds", type=int, default=3, help="seeds per scenario and preset for same numbers")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="4 seeds, 1 check seed, 1 rep")
    ap.add_argument("--only", default="same,compare,single", help="parts to run (comma-separated)")
    a = ap.parse_args(argv)
    if a.quick:
        a.seeds, a.check_seeds, a.reps = 4, 1, 1
    parts = set(a.only.split(","))
    print(f"bench_speed: new code {code_version()}; start commit {a.ref}; {os.cpu_count()} CPUs, {processor()}; "
          f"{load()}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-speed-"))
    try:
        old = export(a.ref, tmp / "start")
        if "same" in parts:
            same_numbers(old, ROOT, a.check_seeds, tmp)
        if "compare" in parts:
            throughput(old, ROOT, a.seeds, a.jobs, a.reps)
        if "single" in parts:
            single(old, ROOT, max(3, a.reps * 2 + 1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
