"""The pattern scoreboard (`sim patterns`): run the replay of the record and the forward baseline, then score
every pattern of sim.history.patterns against them.

The replay is the free one by default (what the governments do is left to the model). The baseline
(scenarios/baseline.yaml) runs twice: as long as the record under its sequence of declared strategies
(data/declared_strategies.csv, as scheduled changes), for the event rates; and for its own horizon under the
strategies declared at the end of the record, for stationarity. Everything runs through the batch runner into OUT
(resumable, with provenance); with parameter draws, seed i runs under draw i mod K everywhere. Writes
OUT/scoreboard.csv and OUT/scores.csv (one value per run and pattern).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.config.experiment import from_scenarios, with_draws
from sim.config.paths import SCENARIO_DIR
from sim.config.scenario import Scenario, load_scenario
from sim.history.data import HORIZON
from sim.history.patterns import RunView, patterns, scoreboard, scores
from sim.history.replay import declared_changes, declared_strategy, initial_strategy
from sim.runs.batch import run_experiment
from sim.runs.execution import Execution
from sim.runs.results import load_results
from sim.runs.store import write_frame
from sim.studies.replay import run_replay

BASELINE = SCENARIO_DIR / "baseline.yaml"


def views(out: Path, replay: bool) -> list[RunView]:
    """The runs of a results directory as the scorers read them (one RunView per run, in the order of the runs)."""
    res = load_results(out)
    if res.monthly is None or not len(res.summaries):
        return []
    by_key = dict(tuple(res.monthly.groupby("key", sort=False)))
    return [RunView.of(by_key[s["key"]], s, replay) for s in res.summaries.to_dict("records") if s["key"] in by_key]


def run_patterns(seeds: list[int], out: str | Path, mode: str = "free", draws: list[dict] | None = None,
                 baseline: Scenario | None = None, replay: str | Path | None = None,
                 execution: Execution | None = None, **options: Any) -> pd.DataFrame:
    """Run the replay (`mode`) and the two baselines for these seeds into OUT/replay-MODE, OUT/declared and
    OUT/baseline, score every pattern, write OUT/scoreboard.csv and OUT/scores.csv, and return the scoreboard.
    replay: a results directory that already holds this replay (sim fit-report's), used instead of running it."""
    execution = Execution.of(execution, options)
    out = Path(out)
    replay = Path(replay) if replay is not None else out / f"replay-{mode}"
    run_replay(mode, seeds, replay, execution, draws=draws)
    scen = baseline or load_scenario(BASELINE)
    declared = scen.with_overrides(name=f"{scen.name}-declared", horizon=HORIZON, strategy=initial_strategy(),
                                   changes=[*scen.data["changes"], *declared_changes()])
    for name, s, strategy in (("declared", declared, initial_strategy()),
                              ("baseline", scen, declared_strategy(HORIZON - 1))):
        exp = with_draws(from_scenarios(f"patterns-{name}", [s], [strategy], seeds, monthly=True), draws or [])
        run_experiment(exp, out / name, execution, load=False)
    table = patterns()
    values = scores(table, {"replay": views(replay, True), "declared": views(out / "declared", False),
                            "baseline": views(out / "baseline", False)})
    board = scoreboard(table, values).assign(replay=mode)
    write_frame(values, out / "scores.csv")
    write_frame(board, out / "scoreboard.csv")
    return board
