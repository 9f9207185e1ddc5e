"""Global sensitivity analysis with SALib: Morris screening, then Sobol indices, of the strategy comparison.

problem (dotted scenario fields and their bounds, validated against the scenario) -> sample (SALib's Morris
trajectories or Saltelli/Sobol sequence) -> evaluate (by default every design point x strategy x seed through
sim.runs.sweeps.run_points, resumable, common random numbers; or any callable X -> Y) -> analyze (SALib) -> one tidy
table per method, with one block of rows per output: the paired difference A - B of each outcome (mean over
seeds at each design point) and each strategy's own mean outcome.

    problem = {"disputes.deterrence": [0, 10], "provocation.scale": [0.5, 2]}
    screen = morris("scenarios/baseline.yaml", problem, seeds=8)   # mu_star, mu_star_conf, sigma, mu
    table = sobol("scenarios/baseline.yaml", problem, n=64)         # S1, S1_conf, ST, ST_conf

Before the model runs, the budget (design points x strategies x seeds x seconds per run) is printed and refused
above `max_hours` (limits=False lifts it). Needs the `sensitivity` extra (SALib).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.comparison import paired_differences
from sim.config.scenario import Scenario, ScenarioError, as_scenario
from sim.config.strategies import strategy_label
from sim.errors import InputError, LimitError, ResultsError
from sim.outcomes import OUTCOMES_BY_NAME
from sim.runs.execution import Execution
from sim.runs.runner import run
from sim.runs.sweeps import run_points

Evaluate = Callable[[np.ndarray], "np.ndarray | dict[str, np.ndarray]"]
STRATEGIES = ("two_track", "linked")
SEEDS = 8  # seeds per design point (shared by all points: common random numbers)
SOBOL_N = 64  # base sample of sobol(): SOBOL_N x (parameters + 2) design points
TRAJECTORIES = 20  # Morris trajectories: TRAJECTORIES x (parameters + 1) design points
MAX_HOURS = 8.0  # default limit of the estimated time, on the given number of processes
MAX_SOBOL_PARAMETERS = 4  # Sobol costs n x (parameters + 2) points: screen with Morris first
WHERE = "<sensitivity>"


@dataclass(frozen=True)
class Problem:
    """Parameters (dotted scenario fields) and their bounds, in order."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    @classmethod
    def from_dict(cls, spec: dict[str, Sequence[float]], scenario: Scenario | str | Path | None = None) -> Problem:
        """A problem from {"dotted.field": [low, high]}; with a scenario, each field must be a numeric field of
        it and both bounds allowed values (else a ScenarioError naming the field and what is allowed)."""
        if isinstance(spec, Problem):
            spec = spec.as_dict()
        if not isinstance(spec, dict) or not spec:
            raise InputError("a problem needs at least one parameter", file=WHERE, given=spec,
                             allowed="a mapping {'dotted.field': [low, high], ...}")
        scen = as_scenario(scenario) if scenario is not None else None
        for name, b in spec.items():
            if not (isinstance(name, str) and isinstance(b, (list, tuple)) and len(b) == 2
                    and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in b)
                    and b[0] < b[1]):
                raise InputError("not a range", file=WHERE, path=str(name), given=b,
                                 allowed="[low, high] with finite low < high")
            if scen is not None:
                try:
                    current = scen.get(name)
                except (KeyError, TypeError, IndexError):
                    try:
                        scen.with_overrides(**{name: float(b[0])})  # the scenario's message (with a suggestion)
                    except ScenarioError as e:
                        raise ScenarioError(f"not a parameter of the scenario ({e.problem})", file=WHERE, path=name,
                                            given=e.given, allowed=e.allowed) from None
                    current = None
                if isinstance(current, bool) or not isinstance(current, (int, float)):
                    raise ScenarioError("not a numeric parameter", file=WHERE, path=name, given=current,
                                        allowed="a number-valued field such as disputes.deterrence")
                for x in b:
                    try:
                        scen.with_overrides(**{name: _value(x, current)})
                    except ScenarioError as e:
                        raise ScenarioError(f"bounds outside the parameter's range ({e.problem})", file=WHERE,
                                            path=name, given=list(b), allowed=e.allowed) from None
        return cls(tuple(spec), tuple((float(lo), float(hi)) for lo, hi in spec.values()))

    def as_dict(self) -> dict[str, list[float]]:
        return {n: list(b) for n, b in zip(self.names, self.bounds, strict=True)}

    def salib(self) -> dict:
        """The problem as SALib takes it."""
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": [list(b) for b in self.bounds]}


def _value(x: float, current: Any) -> int | float:
    """A sampled value as the field takes it (integer fields are rounded)."""
    return int(round(x)) if isinstance(current, int) and not isinstance(current, bool) else float(x)


def time_run(scenario: Scenario | str | Path, strategies: Sequence[Any] = STRATEGIES) -> float:
    """Seconds per run of the scenario on this machine: one run of each strategy on a fresh seed (they share
    its burn-in, as a batch's runs do), after a warm-up run."""
    scen = as_scenario(scenario)
    run(scen, strategies[0], 0, keep_model=False)
    t0 = time.perf_counter()
    for s in strategies:
        run(scen, s, 1, keep_model=False)
    return (time.perf_counter() - t0) / len(strategies)


def budget(scenario: Scenario | str | Path, points: int, strategies: Sequence[Any] = STRATEGIES,
           seeds: int | Sequence[int] = SEEDS, seconds_per_run: float | None = None, max_hours: float = MAX_HOURS,
           execution: Execution | None = None, **options: Any) -> dict[str, Any]:
    """The cost of points x strategies x seeds runs (seconds per run measured by time_run unless given),
    printed on one line; a LimitError with advice above max_hours on the execution's processes unless its limits
    are lifted (limits=False)."""
    execution = Execution.of(execution, options)
    n_seeds = seeds if isinstance(seeds, int) else len(seeds)
    measured = seconds_per_run is None
    per = time_run(scenario, strategies) if seconds_per_run is None else float(seconds_per_run)
    workers = execution.workers
    runs = points * len(strategies) * n_seeds
    hours = runs * per / min(workers, max(runs, 1)) / 3600
    text = (f"sensitivity budget: {points:,} design points x {len(strategies)} strategies x {n_seeds} seeds = "
            f"{runs:,} runs x {per:.3f} s ({'measured' if measured else 'given'}) = about {hours:.2f} h on "
            f"{workers} process{'es' if workers > 1 else ''} (limit {max_hours:g} h)")
    print(text, flush=True)
    if execution.limits and hours > max_hours:
        raise LimitError(f"{runs:,} runs would take about {hours:.1f} h on {workers} processes", file=WHERE,
                         allowed=f"at most {max_hours:g} h (max_hours): fewer trajectories (Morris) or "
                         "a smaller n (Sobol), fewer seeds, a smaller population (population.*.n_public / n_youth), "
                         "more processes, or limits=False")
    return {"points": points, "strategies": len(strategies), "seeds": n_seeds, "runs": runs,
            "seconds_per_run": per, "measured": measured, "workers": workers, "hours": hours,
            "max_hours": max_hours, "text": text}


def model_evaluator(scenario: Scenario | str | Path, problem: Problem, strategies: Sequence[Any] = STRATEGIES,
                    seeds: int | Sequence[int] = SEEDS, outcome: str | Sequence[str] = "health_discounted",
                    out: str | Path | None = None, name: str = "sensitivity", seconds_per_run: float | None = None,
                    max_hours: float = MAX_HOURS, execution: Execution | None = None, **options: Any) -> Evaluate:
    """The model as a function of a design matrix: X -> {output: mean over seeds at each row}, outputs
    '<outcome>: <A> - <B>' (with two strategies) and '<outcome>: <strategy>'. Each call checks the budget, then
    runs the distinct rows through sim.runs.sweeps.run_points into OUT (resumable). execution: how
    (sim.Execution, or its fields as keywords)."""
    execution = Execution.of(execution, options)
    scen = as_scenario(scenario)
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    for o in outcomes:
        if o not in OUTCOMES_BY_NAME:
            raise InputError("not an outcome", file=WHERE, path="outcome", given=o, allowed=", ".join(OUTCOMES_BY_NAME))
    labels = [strategy_label(s) for s in strategies]
    current = [scen.get(n) for n in problem.names]
    out = Path(out) if out is not None else Path("results") / name

    def evaluate(X: np.ndarray) -> dict[str, np.ndarray]:
        rows = [tuple(_value(x, c) for x, c in zip(row, current, strict=True)) for row in np.asarray(X)]
        unique = list(dict.fromkeys(rows))  # Morris grids repeat points: run each once
        index = {r: i for i, r in enumerate(unique)}
        budget(scen, len(unique), strategies, seeds, seconds_per_run, max_hours, execution)
        points = [dict(zip(problem.names, r, strict=True)) for r in unique]
        res = run_points(name, scen, points, strategies, seeds, out, execution)
        where = np.array([index[r] for r in rows])
        ys: dict[str, np.ndarray] = {}
        for o in outcomes:
            if len(labels) == 2:
                d = paired_differences(res.summaries, o, *labels).groupby("point")["diff"].mean()
                ys[f"{o}: {labels[0]} - {labels[1]}"] = d.reindex(range(len(unique))).to_numpy()[where]
            means = res.summaries.pivot_table(index="point", columns="strategy", values=o, aggfunc="mean")
            means = means.reindex(index=range(len(unique)), columns=labels)
            ys.update({f"{o}: {s}": means[s].to_numpy(dtype=float)[where] for s in labels})
        if (lost := sum(int(np.isnan(y).sum()) for y in ys.values())):
            raise ResultsError(f"{lost} design-point outputs lack results ({len(res.failures)} runs failed)",
                               file=str(out), allowed="see the failures/ directory there; the same call resumes and "
                               "retries the failed runs")
        return ys

    return evaluate


def _outputs(evaluate: Evaluate, X: np.ndarray) -> dict[str, np.ndarray]:
    """The callable's outputs as {name: 1-D array, one value per row of X}, checked."""
    ys = evaluate(X)
    ys = ys if isinstance(ys, dict) else {"y": ys}
    out = {str(k): np.asarray(v, dtype=float).ravel() for k, v in ys.items()}
    for k, y in out.items():
        if y.shape != (len(X),) or not np.isfinite(y).all():
            raise InputError("an output is not one finite number per design point", file=WHERE, path=k,
                             given=f"shape {y.shape}", allowed=f"{len(X)} finite values")
    return out


def _prepare(scenario: Scenario | str | Path | None, problem: Problem | dict, evaluate: Evaluate | None,
             method: str, **model: Any) -> tuple[Problem, Evaluate]:
    scen = as_scenario(scenario) if scenario is not None else None
    if scen is None and evaluate is None:
        raise InputError("nothing to evaluate", file=WHERE, allowed="a scenario (the model) or evaluate=callable")
    prob = Problem.from_dict(problem if isinstance(problem, dict) else problem.as_dict(), scen)
    if evaluate is None:
        name = f"{method}_" + "_".join(n.split(".")[-1] for n in prob.names)
        evaluate = model_evaluator(scen, prob, name=name, **model)
    return prob, evaluate


def morris(scenario: Scenario | str | Path | None, problem: Problem | dict, strategies: Sequence[Any] = STRATEGIES,
           seeds: int | Sequence[int] = SEEDS, trajectories: int = TRAJECTORIES, levels: int = 4,
           outcome: str | Sequence[str] = "health_discounted", out: str | Path | None = None, seed: int = 0,
           evaluate: Evaluate | None = None, seconds_per_run: float | None = None, max_hours: float = MAX_HOURS,
           execution: Execution | None = None, **options: Any) -> pd.DataFrame:
    """Morris elementary effects: one row per output and parameter with mu_star, mu_star_conf (95%), sigma and
    mu. `trajectories` x (parameters + 1) design points on a grid of `levels`; seed fixes the design. Without
    `evaluate`, the model (model_evaluator) runs the design on `execution` (sim.Execution, or its fields as
    keywords)."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    prob, evaluate = _prepare(scenario, problem, evaluate, "morris", strategies=strategies, seeds=seeds,
                              outcome=outcome, out=out, seconds_per_run=seconds_per_run, max_hours=max_hours,
                              execution=Execution.of(execution, options))
    for arg, value in (("trajectories", trajectories), ("levels", levels)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 2:
            raise InputError(f"not a number of {arg}", file=WHERE, path=arg, given=value, allowed="an integer >= 2")
    X = sample.sample(prob.salib(), trajectories, num_levels=levels, seed=seed)
    rows = []
    for output, y in _outputs(evaluate, X).items():
        r = analyze.analyze(prob.salib(), X, y, num_levels=levels, seed=seed)
        rows += [{"output": output, "parameter": p, "mu_star": r["mu_star"][i], "mu_star_conf": r["mu_star_conf"][i],
                  "sigma": r["sigma"][i], "mu": r["mu"][i]} for i, p in enumerate(prob.names)]
    table = pd.DataFrame(rows)
    table.attrs.update(method="morris", points=len(X), problem=prob.as_dict())
    return table


def sobol(scenario: Scenario | str | Path | None, problem: Problem | dict, strategies: Sequence[Any] = STRATEGIES,
          seeds: int | Sequence[int] = SEEDS, n: int = SOBOL_N, calc_second_order: bool = False,
          outcome: str | Sequence[str] = "health_discounted", out: str | Path | None = None, seed: int = 0,
          evaluate: Evaluate | None = None, seconds_per_run: float | None = None, max_hours: float = MAX_HOURS,
          execution: Execution | None = None, **options: Any) -> pd.DataFrame:
    """Sobol first-order and total indices: one row per output and parameter with S1, S1_conf, ST, ST_conf
    (95% bootstrap). n (a power of 2) x (parameters + 2) design points, x (2 parameters + 2) with second-order
    indices (then in table.attrs['S2'][output]). At most 4 parameters unless limits=False. Without `evaluate`,
    the model (model_evaluator) runs the design on `execution` (sim.Execution, or its fields as keywords)."""
    execution = Execution.of(execution, options)
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    k = len(problem.names if isinstance(problem, Problem) else problem or ())
    if execution.limits and k > MAX_SOBOL_PARAMETERS:
        raise InputError(f"Sobol indices of {k} parameters are too costly (n x {k + 2} design points)", file=WHERE,
                         given=k, allowed=f"at most {MAX_SOBOL_PARAMETERS} parameters: screen them with morris() "
                         "first and keep the most influential (or limits=False)")
    if isinstance(n, bool) or not isinstance(n, int) or n < 2 or n & (n - 1):
        raise InputError("not a sample size", file=WHERE, path="n", given=n, allowed="a power of 2 >= 2")
    prob, evaluate = _prepare(scenario, problem, evaluate, "sobol", strategies=strategies, seeds=seeds,
                              outcome=outcome, out=out, seconds_per_run=seconds_per_run, max_hours=max_hours,
                              execution=execution)
    X = sample.sample(prob.salib(), n, calc_second_order=calc_second_order, seed=seed)
    rows, second = [], {}
    for output, y in _outputs(evaluate, X).items():
        r = analyze.analyze(prob.salib(), y, calc_second_order=calc_second_order, seed=seed)
        rows += [{"output": output, "parameter": p, **{c: r[c][i] for c in ("S1", "S1_conf", "ST", "ST_conf")}}
                 for i, p in enumerate(prob.names)]
        if calc_second_order:
            second[output] = pd.DataFrame(r["S2"], index=list(prob.names), columns=list(prob.names))
    table = pd.DataFrame(rows)
    table.attrs.update(method="sobol", points=len(X), problem=prob.as_dict(), **({"S2": second} if second else {}))
    return table


def describe(table: pd.DataFrame) -> str:
    """The table as text, one block per output (for logs and the benchmark)."""
    return "\n".join(f"{o}\n{g.drop(columns='output').to_string(index=False, float_format=lambda x: f'{x:.3f}')}"
                     for o, g in table.groupby("output", sort=False))
