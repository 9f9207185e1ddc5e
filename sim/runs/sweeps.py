"""Sweeps from Python: explicit design points or a grid over scenario fields, run through the batch runner.

`points_experiment` turns design points (each a dict of dotted overrides) into an Experiment whose runs share
their seeds across points and strategies (common random numbers); `run_points` runs it into a results
directory (resumable, with provenance, on local processes or Dask) and returns the tidy frames; `sweep` is the
grid over given values of each field, as an experiment file's `sweep:` would make it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from pathlib import Path
from typing import Any

from sim.config.experiment import MAX_RUNS, Experiment, expand_points, make_experiment
from sim.config.scenario import Scenario, ScenarioError, as_scenario
from sim.config.strategies import strategy_label
from sim.errors import InputError
from sim.runs.batch import run_experiment
from sim.runs.execution import Execution
from sim.runs.results import Results


def _name(text: str) -> str:
    """A safe one-component name from free text."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._")[:80] or "sweep"


def points_experiment(name: str, scenario: Scenario | str | Path, points: list[dict[str, Any]],
                      strategies: list[Any] | tuple = ("two_track", "linked"), seeds: int | list[int] = 50,
                      monthly: bool = False, limits: bool = True) -> Experiment:
    """An experiment of every design point x strategy x seed. Point i is the scenario with its dotted overrides
    (validated: an unknown field or a value out of range is a ScenarioError naming the path); every point and
    strategy runs the same seeds. Runs are tagged `point` and `sweep.<field>`."""
    scen = as_scenario(scenario)
    seeds = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not points or not seeds or not strategies:
        raise InputError("a sweep needs design points, seeds and strategies", file="<sweep>",
                         given=f"{len(points)} points, {len(seeds)} seeds, {len(strategies)} strategies",
                         allowed="at least one of each")
    total = len(points) * len(strategies) * len(seeds)
    if limits and total > MAX_RUNS:
        raise InputError(f"{total:,} runs exceed the limit of {MAX_RUNS:,} runs in one experiment", file="<sweep>",
                         given=total, allowed="fewer points, seeds or strategies, or limits=False")
    labels = [strategy_label(s) for s in strategies]

    def bad_point(i: int, point: dict, e: ScenarioError) -> None:
        raise ScenarioError(f"design point {i}: {e.problem}", file=e.file, line=e.line, path=e.path, given=e.given,
                            allowed=e.allowed) from None

    specs = expand_points([scen], points, list(zip(labels, strategies, strict=True)), seeds, bad_point)
    digest = hashlib.sha256(json.dumps(points, sort_keys=True, default=str).encode()).hexdigest()[:16]
    data = {"name": name, "scenario": scen.content_hash, "points": digest, "strategies": labels, "seeds": seeds}
    axes = list(dict.fromkeys(k for p in points for k in p))
    scens = list({id(s.scenario): s.scenario for s in specs}.values())
    return make_experiment(_name(name), specs, data, scenarios=scens,
                           description=f"{len(points)} design points of {scen.name}", axes=axes, monthly=monthly)


def run_points(name: str, scenario: Scenario | str | Path, points: list[dict[str, Any]],
               strategies: list[Any] | tuple = ("two_track", "linked"), seeds: int | list[int] = 50,
               out: str | Path | None = None, execution: Execution | None = None, monthly: bool = False,
               **options: Any) -> Results:
    """Run design points (points_experiment) into OUT (default results/NAME) and return their frames; a
    repeated call resumes (runs already there are not run again). execution: how (sim.Execution, or its fields
    as keywords)."""
    execution = Execution.of(execution, options)
    exp = points_experiment(name, scenario, points, strategies, seeds, monthly, execution.limits)
    out = Path(out) if out is not None else Path("results") / exp.name
    res = run_experiment(exp, out, execution)
    assert res is not None  # load=True
    return res


def grid(axes: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the axes' values, the first axis slowest."""
    if not axes or any(not isinstance(v, (list, tuple)) or not v for v in axes.values()):
        raise InputError("each swept field needs a non-empty list of values", file="<sweep>",
                         given={k: v for k, v in axes.items()}, allowed="{'dotted.field': [v1, v2, ...]}")
    names = list(axes)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(axes[n] for n in names))]


def sweep(scenario: Scenario | str | Path, axes: dict[str, list[Any]],
          strategies: list[Any] | tuple = ("two_track", "linked"), seeds: int | list[int] = 50,
          out: str | Path | None = None, execution: Execution | None = None, monthly: bool = False,
          name: str | None = None, **options: Any) -> Results:
    """The grid over the given values of each field (dotted path), every point under every strategy and seed,
    through the batch runner into OUT (default results/sweep_<fields>); returns the tidy frames (summaries have
    `point` and `sweep.<field>` columns). Example: sim.sweep("scenarios/baseline.yaml",
    {"disputes.deterrence": [0, 2, 4, 8]}, seeds=20, jobs=2)."""
    name = name or "sweep_" + "_".join(k.split(".")[-1] for k in axes)
    return run_points(name, scenario, grid(axes), strategies, seeds, out, Execution.of(execution, options), monthly)
