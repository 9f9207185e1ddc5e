"""ROK-Japan relations under shocks: an agent-based scenario model (Mesa) comparing two-track and
linked-issue diplomacy. See README.md and docs/ODD.md.

The names below are imported on first use (PEP 562), so that `import sim.runner` in a batch's worker
processes does not load the analysis and its statistics libraries.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "run_experiment": "batch", "run_many": "batch", "compare_strategies": "compare", "InputError": "errors",
    "LimitError": "errors", "LockError": "errors", "ResultsError": "errors", "SimError": "errors",
    "load_experiment": "experiment", "RelationsModel": "model", "load_results": "results", "RunResult": "runner",
    "RunSpec": "runner", "run": "runner", "Scenario": "scenario", "ScenarioError": "scenario",
    "from_dict": "scenario", "load_scenario": "scenario", "parse_strategy": "strategies", "sweep": "sweeps",
    "run_points": "sweeps", "winner_table": "landscape", "explain": "explain",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
