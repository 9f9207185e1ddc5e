"""ROK-Japan relations under shocks: an agent-based scenario model (Mesa) comparing two-track and
linked-issue diplomacy. See README.md and docs/ODD.md.

The package is layered by stage, each a subpackage that imports only from the ones below it (the contract is
tested, tests/test_layers.py):

    cli        the command line
    present    figures, the HTML reports, the dashboard
    studies    run, then analyse: compare, explain, sensitivity
    history    the recorded 2012-2025 (data, replays, fit, calibration)
    runs       how runs execute and are stored
    model      the Mesa model
    config     what a run is: files -> validated objects
    analysis   pure functions of frames (no runs, no figures), beside the stack
    errors, params, outcomes, provenance   declarations every stage may use

The names below are imported on first use (PEP 562), so that a batch's worker processes (which import
sim.runs.runner) do not load the analysis and its statistics libraries.
"""

from __future__ import annotations

import importlib
from typing import Any

from sim import moved

moved.install()  # the module paths of the flat layout keep working (sim.figures, sim.scenario, ...)

_HOMES = {
    # inputs
    "Scenario": "sim.config.scenario", "load_scenario": "sim.config.scenario",
    "ScenarioError": "sim.config.scenario", "from_dict": "sim.config.scenario",
    "parse_strategy": "sim.config.strategies", "Experiment": "sim.config.experiment",
    "load_experiment": "sim.config.experiment", "RunSpec": "sim.config.experiment",
    # the model
    "RelationsModel": "sim.model.model",
    # running and results
    "run": "sim.runs.runner", "RunResult": "sim.runs.runner", "Execution": "sim.runs.execution",
    "run_many": "sim.runs.batch",
    "run_experiment": "sim.runs.batch", "sweep": "sim.runs.sweeps", "run_points": "sim.runs.sweeps",
    "load_results": "sim.runs.results", "Results": "sim.runs.results",
    # analysis (pure, on frames)
    "paired_differences": "sim.analysis.comparison", "robustness": "sim.analysis.comparison",
    "winner_table": "sim.analysis.landscape",
    # studies (run, then analyse)
    "compare_strategies": "sim.studies.compare", "explain": "sim.studies.explain",
    # errors
    "SimError": "sim.errors", "InputError": "sim.errors", "LimitError": "sim.errors", "ResultsError": "sim.errors",
    "LockError": "sim.errors",
}
_ALIASES = {"scenario_from_dict": ("sim.config.scenario", "from_dict")}

__all__ = sorted([*_HOMES, *_ALIASES])


def __getattr__(name: str) -> Any:
    if name in _HOMES or name in _ALIASES:
        module, attr = _ALIASES.get(name, (_HOMES.get(name), name))
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    if f"sim.{name}" in moved.OLD_HOMES:  # `from sim import figures`: a module path of the flat layout
        return importlib.import_module(f"sim.{name}")
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
