"""The output directory of one run (`sim run`): tables, summary, provenance and the run figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.config.paths import safe_component
from sim.config.scenario import Scenario
from sim.config.strategies import strategy_label
from sim.errors import ResultsError
from sim.runs.runner import RunResult
from sim.runs.store import run_provenance, write_figure, write_frame, write_json

RUN_FILES = ("monthly.parquet", "monthly.csv", "events.csv", "summary.csv", "summary.json", "provenance.json",
             "run.png")


def default_run_dir(scenario: Scenario, strategy: Any, seed: int, root: str | Path = "results") -> Path:
    """`results/run_<scenario>_<strategy>_seed<N>`, every part made one safe path component."""
    label = strategy_label(strategy).replace(",", "_").replace("=", "-")
    return Path(root) / safe_component(f"run_{scenario.name}_{label}_seed{seed}")


def write_run_dir(result: RunResult, out: str | Path, scenario: Scenario, strategy: Any, seed: int, *,
                  csv: bool = False, plot: bool = True, extra: dict | None = None) -> Path:
    """Write one run's outputs into `out` (created if needed); only the files in RUN_FILES are written."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ResultsError("the output path is a file, not a directory", file=str(out),
                           allowed="a new or existing directory (--out)")
    write_frame(result.monthly, out / "monthly.parquet")
    if csv:
        write_frame(result.monthly, out / "monthly.csv")
    write_frame(result.events, out / "events.csv")
    write_frame(pd.DataFrame([result.summary]), out / "summary.csv")
    write_json(result.summary, out / "summary.json")
    write_json(run_provenance([scenario], [seed], [strategy_label(strategy)], extra), out / "provenance.json")
    if plot:
        from sim.analysis.words import display_name, scenario_words
        from sim.present.figures.run import plot_run

        fig = plot_run(result.monthly, result.events,
                       f"{scenario_words(scenario.name)}, {display_name(strategy_label(strategy))}, seed {seed}")
        write_figure(fig, out / "run.png", dpi=110)
    return out
