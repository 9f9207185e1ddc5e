"""Running a historical replay through the batch runner (resumable, with provenance) and writing its polls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.config.experiment import RunSpec, make_experiment
from sim.history.data import FIT_YEARS, frozen_hash
from sim.history.fit import polls_table
from sim.history.replay import initial_strategy, replay_specs
from sim.runs.batch import run_experiment
from sim.runs.execution import Execution
from sim.runs.store import write_frame


def run_replay(mode: str, seeds: list[int], out: Path | str, execution: Execution | None = None,
               draws: list[dict] | None = None, drop: tuple[str, ...] = (), linkage: bool = True,
               data_until: int = FIT_YEARS[-1], **options: Any) -> pd.DataFrame:
    """Run a replay through the batch runner into OUT (resumable, with provenance) and write OUT/polls.csv;
    returns the polls table. With parameter draws, seed i runs under draw i mod len(draws) (paired).
    data_until: the last year of data its inputs may use (a rolling-origin forecast's origin).
    execution: how (sim.Execution, or its fields as keywords)."""
    name, scens = replay_specs(mode, draws, drop, linkage, data_until)
    strategy = initial_strategy()
    specs = [RunSpec(scens[i % len(scens)], strategy, seed, label="declared", tags={"point": i % len(scens)})
             for i, seed in enumerate(seeds)]
    data = {"name": name, "scenarios": [s.content_hash for s in scens], "seeds": list(seeds),
            "frozen_hash": frozen_hash()}
    exp = make_experiment(name, specs, data, scenarios=scens, description=f"historical replay ({mode})")
    res = run_experiment(exp, out, Execution.of(execution, options))
    if res is None or res.monthly is None or res.monthly.empty:
        raise RuntimeError(f"the replay in {out} has no completed runs")
    table = polls_table(res.monthly)
    write_frame(table, Path(out) / "polls.csv", float_format="%.5g")
    return table
