"""Strategy comparison across scenarios under common random numbers (the `sim compare` command): run every
scenario x strategy x seed, then the paired tables of sim.analysis. The terminal text is sim.analysis.words
(format_table, format_robustness, format_recovery, format_rules); the figure is
sim.present.figures.outcome_distributions (`sim compare` draws it as distributions.png)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.comparison import compare_table, recovery_table, robustness
from sim.config.experiment import from_scenarios, with_draws
from sim.config.scenario import Scenario
from sim.config.strategies import strategy_label
from sim.errors import InputError, ResultsError
from sim.runs.batch import run_experiment
from sim.runs.execution import Execution, results_dir
from sim.runs.results import load_results
from sim.runs.store import write_frame


def run_comparison(scenarios: list[Scenario], strategies: list[Any], seeds: list[int], out: str | Path | None = None,
                   execution: Execution | None = None, monthly: bool = False, **options: Any) -> pd.DataFrame:
    """Run every scenario x strategy x seed (paired: the same seeds for every strategy) through the batch
    runner and return the per-run summaries in experiment order (independent of finishing order).
    out: a results directory to keep (resumable); by default a temporary one. execution: how (sim.Execution,
    or its fields as keywords; no progress output by default)."""
    execution = Execution.of(execution, options, progress=False)
    exp = from_scenarios("compare", scenarios, strategies, seeds, monthly=monthly)
    with results_dir(out, "compare") as where:
        return run_experiment(exp, where, execution).summaries


@dataclass
class Comparison:
    """What `sim compare` computed and wrote: the paired table, the recovery table, the runs, and timing."""

    table: pd.DataFrame
    recovery: pd.DataFrame
    robustness: pd.DataFrame
    summaries: pd.DataFrame
    failures: pd.DataFrame
    out: Path
    seconds: float
    strategies: list[str]


def compare_strategies(scenarios: list[Scenario], strategies: list[Any], seeds: list[int], out: str | Path,
                       execution: Execution | None = None, draws: list[dict] | None = None,
                       **options: Any) -> Comparison:
    """Run every scenario x strategy x seed into the results directory `out` (resumable), then write
    comparison.csv, robustness.csv (the health verdict under each weighting of its components, and per
    component) and recovery.csv there. The first strategy is the reference. draws: parameter draws
    (sim.studies.calibrate.load_draws), seed i under draw i mod len(draws) for every strategy. execution: how
    (sim.Execution, or its fields as keywords)."""
    if len(strategies) < 2 or len(set(map(strategy_label, strategies))) != len(strategies):
        raise InputError("a comparison needs at least two distinct strategies", file="--strategies",
                         given=strategies, allowed="e.g. two_track,linked")
    execution = Execution.of(execution, options)
    out = Path(out)
    t0 = time.perf_counter()
    exp = with_draws(from_scenarios("compare", scenarios, strategies, seeds, monthly=True), draws or [])
    run_experiment(exp, out, execution, load=False)
    res = load_results(out, monthly=False)
    if not len(res.summaries):
        raise ResultsError("no run finished, so there is nothing to compare", file=str(out),
                           allowed=f"see the tracebacks in {out / 'failures'}/")
    labels = [strategy_label(s) for s in strategies]
    tol = scenarios[0].data["outputs"]["tie_tolerance"]
    table = compare_table(res.summaries, labels[0], labels[1:], tol)
    recovery = recovery_table(res.summaries)
    robust = pd.concat([robustness(res.summaries, labels[0], other, tol=tol) for other in labels[1:]],
                       ignore_index=True)
    write_frame(table, out / "comparison.csv")
    write_frame(robust, out / "robustness.csv")
    write_frame(recovery, out / "recovery.csv")
    return Comparison(table, recovery, robust, res.summaries, res.failures, out, time.perf_counter() - t0, labels)
