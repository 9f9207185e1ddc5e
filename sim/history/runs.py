"""Running a historical replay through the batch runner (resumable, with provenance) and writing its polls."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.config.experiment import Experiment, RunSpec, run_key
from sim.history.data import frozen_hash
from sim.history.fit import polls_table
from sim.history.replay import initial_strategy, replay_specs
from sim.runs.batch import run_experiment


def run_replay(mode: str, seeds: list[int], out: Path | str, jobs: int | None = None, draws: list[dict] | None = None,
               drop: tuple[str, ...] = (), linkage: bool = True, progress: bool = True,
               overwrite: bool = False) -> pd.DataFrame:
    """Run a replay through the batch runner into OUT (resumable, with provenance) and write OUT/polls.csv;
    returns the polls table. With parameter draws, seed i runs under draw i mod len(draws) (paired)."""
    name, scens = replay_specs(mode, draws, drop, linkage)
    strategy = initial_strategy()
    specs = [RunSpec(scens[i % len(scens)], strategy, seed, label="declared", tags={"point": i % len(scens)})
             for i, seed in enumerate(seeds)]
    data = {"name": name, "scenarios": [s.content_hash for s in scens], "seeds": list(seeds),
            "frozen_hash": frozen_hash()}
    exp = Experiment(name, f"historical replay ({mode})", specs, [run_key(s) for s in specs], data, None, scens)
    res = run_experiment(exp, out, jobs=jobs, overwrite=overwrite, progress=progress)
    if res is None or res.monthly is None or res.monthly.empty:
        raise RuntimeError(f"the replay in {out} has no completed runs")
    table = polls_table(res.monthly)
    table.to_csv(Path(out) / "polls.csv", index=False, float_format="%.5g")
    return table
