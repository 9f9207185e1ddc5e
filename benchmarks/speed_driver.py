"""What bench_speed.py measures, run in a fresh process against one version of the code (PYTHONPATH selects it):

    python benchmarks/speed_driver.py dump OUT.pkl SEEDS     # every bundled scenario x 2 presets x seeds
    python benchmarks/speed_driver.py compare SEEDS JOBS     # time a 2-strategy comparison of the bundled scenarios
    python benchmarks/speed_driver.py single REPS            # one baseline run, whole and after the burn-in

Only public API that every version since the start of the speed work has (sim.run, sim.load_scenario,
sim.RelationsModel and run_comparison, in sim.studies.compare since the layout by stages and in sim.compare
before), so the same script measures the old and the new code. Prints one JSON line.
"""

from __future__ import annotations

import json
import pickle
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRATEGIES = ["two_track", "linked"]


def scenarios() -> list:
    from sim import load_scenario

    return [load_scenario(p) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]


def dump(out: str, seeds: int) -> dict:
    from sim import run

    runs = {}
    for scen in scenarios():
        for strategy in STRATEGIES:
            for seed in range(seeds):
                r = run(scen, strategy, seed, keep_model=False)
                runs[(scen.name, strategy, seed)] = (r.monthly, r.summary, r.events)
    Path(out).write_bytes(pickle.dumps(runs))
    return {"runs": len(runs)}


def compare(seeds: int, jobs: int) -> dict:
    try:
        from sim.studies.compare import run_comparison
    except ModuleNotFoundError:  # the flat layout before the stages became subpackages
        from sim.compare import run_comparison

    scens = scenarios()
    t0 = time.perf_counter()
    df = run_comparison(scens, STRATEGIES, list(range(seeds)), jobs=jobs)
    secs = time.perf_counter() - t0
    return {"runs": len(df), "seconds": secs, "runs_per_s": len(df) / secs}


def single(reps: int) -> dict:
    """One run of scenarios/baseline.yaml under two-track: from scratch, and after a shared burn-in when the
    code has one (the second strategy of a pair pays only this)."""
    from sim import RelationsModel, run

    scen = [s for s in scenarios() if s.name == "baseline"][0]
    run(scen, "two_track", 999, keep_model=False)  # warm-up
    whole, after = [], []
    for rep in range(reps):
        t0 = time.perf_counter()
        model = RelationsModel(scen, "two_track", rep)
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        whole.append(t2 - t0)
        after.append(t2 - t1)
    return {"whole_s": statistics.median(whole), "horizon_s": statistics.median(after),
            "months": scen.data["horizon"], "burn_in": scen.data["burn_in"]}


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    fn = {"dump": lambda: dump(args[0], int(args[1])), "compare": lambda: compare(int(args[0]), int(args[1])),
          "single": lambda: single(int(args[0]))}[mode]
    print(json.dumps(fn()))
