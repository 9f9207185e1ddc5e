"""Rolling-origin forecasts inside the record (`sim forecast`): for each origin year, calibrate on the polls up to
it (sim.studies.calibrate with the years cut at the origin), replay 2012-2025 under the origin's parameter draws,
and score the simulated polls of the later years against the polls and against three naive forecasts
(sim.history.forecast).

OUT/origin-YYYY/ holds each origin's calibration (journal, trials, intervals, draws.csv; resumable) and replay
(a results directory); OUT/forecast.csv every forecast point, OUT/skill.csv the scores.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from sim.history.data import observed
from sim.history.fit import poll_shares
from sim.history.forecast import forecast_table, skill
from sim.runs.execution import Execution
from sim.runs.results import load_results
from sim.runs.store import write_frame
from sim.studies.calibrate import Settings, calibrate, finish, load_draws, load_settings
from sim.studies.replay import run_replay

ORIGINS = (2016, 2017)


def run_polls(out: Path) -> pd.DataFrame:
    """One simulated poll per run and year of a replay's results directory (column `run`: the run's key)."""
    res = load_results(out)
    return pd.concat([poll_shares(m).assign(run=key) for key, m in res.monthly.groupby("key", sort=False)],
                     ignore_index=True)


def run_forecasts(out: str | Path, seeds: list[int], origins: tuple[int, ...] = ORIGINS,
                  settings: Settings | None = None, budget: int | None = None, execution: Execution | None = None,
                  **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Calibrate at each origin, replay under its draws for these seeds, and score the forecasts; writes
    OUT/forecast.csv and OUT/skill.csv and returns both tables. budget: runs of each origin's calibration
    (default the settings'); execution: how (sim.Execution, or its fields as keywords)."""
    execution = Execution.of(execution, options)
    settings = settings or load_settings()
    out = Path(out)
    polls = {}
    for origin in origins:
        here = out / f"origin-{origin}"
        fit = replace(settings, years=tuple(y for y in settings.years if y <= origin))
        trials = calibrate(fit, here, execution, budget=budget)
        finish(fit, here, trials, calibrated=None, draws_path=here / "draws.csv")
        run_replay(fit.mode, seeds, here / "replay", execution, draws=load_draws(here / "draws.csv"),
                   data_until=origin)
        polls[origin] = run_polls(here / "replay")
    table = forecast_table(observed(), polls)
    scores = skill(table)
    write_frame(table, out / "forecast.csv")
    write_frame(scores, out / "skill.csv")
    return table, scores
