"""What the dashboard computes, apart from the page (sim.present.dashboard.app): the scenarios to choose from,
custom strategies, the live run with its partial views, the verdicts in words, the figures and the export. No
Solara here: this is importable (and tested) without the `dashboard` extra.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.comparison import compare_table, robustness
from sim.analysis.words import display_name, robustness_sentence, sentence
from sim.config.experiment import RunSpec, from_scenarios, load_experiment
from sim.config.scenario import SCENARIO_DIR, Scenario, load_scenario
from sim.outcomes import HEADLINE, TIE_TOLERANCE
from sim.params import ADAPTIVE, PRESETS
from sim.present.figures.distributions import outcome_distributions
from sim.present.figures.time import difference_fan, fan_chart, youth_public_panels
from sim.present.figures.verdicts import verdict_grid
from sim.runs.batch import run_many
from sim.runs.execution import Execution
from sim.runs.results import load_results
from sim.runs.runner import run
from sim.runs.store import write_figure, write_frame

VARIABLES = ["health", "cooperation", "trust_KR", "trust_JP", "severity", "tension"]  # fan chart choices
YOUTH = [f"good_{c}_{h}" for c in ("KR", "JP") for h in ("youth", "public")]
RUN_LABELS = ["scenario", "strategy", "seed", "point"]


@dataclass
class View:
    """One comparison on screen: per-run summaries and monthly frames, the paired table and robustness table
    (the first strategy is the reference), and the directory that exports go to."""

    summaries: pd.DataFrame
    monthly: pd.DataFrame | None
    table: pd.DataFrame
    robust: pd.DataFrame
    strategies: list[str]
    out: Path
    scenario: Scenario | None = None  # the scenario of a live run (for the event timeline)
    specs: dict[str, Any] = field(default_factory=dict)  # strategy label -> spec, for a live run
    note: str = ""  # e.g. "partial: 5 of 20 seeds" while a run goes on


def view_at(view: View, point: Any) -> View:
    """The view restricted to one sweep point (a results directory of a swept experiment)."""
    def sel(df: pd.DataFrame | None) -> pd.DataFrame | None:
        return df if df is None or "point" not in df.columns else df[df["point"] == point]

    return View(sel(view.summaries), sel(view.monthly), sel(view.table), sel(view.robust), view.strategies, view.out,
                view.scenario, view.specs, view.note)


def scenario_choices(path: str | Path | None = None) -> dict[str, Scenario]:
    """The scenarios to choose from, by name: those of an experiment file, a scenario file, every scenario file
    of a directory, or (by default) the bundled scenarios."""
    if path is None or (Path(path).is_dir() and (Path(path) / "manifest.json").exists()):
        files = sorted(SCENARIO_DIR.glob("*.yaml"))
    elif Path(path).is_dir():
        files = sorted(Path(path).glob("*.yaml"))
    else:
        try:
            return {s.name: s for s in load_experiment(path).scenarios}
        except Exception:  # noqa: BLE001 - not an experiment: read it as a scenario
            files = [Path(path)]
    scenarios = [load_scenario(f) for f in files]
    return {s.name: s for s in scenarios}


def custom_strategy(preset: str, dialogue: float | None = None,
                    youth_exchange: float | None = None) -> tuple[str, dict]:
    """A strategy name and its custom lever body ({} for the preset as it is): the preset with dialogue and
    youth exchange set where given, named after them (e.g. 'linked+dialogue0.10')."""
    if preset not in PRESETS and preset not in ADAPTIVE:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join([*PRESETS, *ADAPTIVE])}")
    levers = {k: v for k, v in (("dialogue", dialogue), ("youth_exchange", youth_exchange)) if v is not None}
    if not levers:
        return preset, {}
    name = preset + "".join(f"+{k.split('_')[0]}{v:.2f}" for k, v in levers.items())
    return name, {"extends": preset, **levers}


def with_strategies(scenario: Scenario, bodies: dict[str, dict]) -> Scenario:
    """The scenario with these custom strategies (name -> lever body) added to its `strategies`."""
    bodies = {k: v for k, v in bodies.items() if v}
    if not bodies:
        return scenario
    return scenario.with_overrides(strategies={**scenario.data.get("strategies", {}), **bodies})


def analyse(summaries: pd.DataFrame, monthly: pd.DataFrame | None, strategies: list[str], out: Path,
            tol: float = TIE_TOLERANCE, scenario: Scenario | None = None, specs: dict | None = None) -> View:
    """The View of finished runs: the first strategy against each other one (as `sim compare` computes it)."""
    a, others = strategies[0], strategies[1:]
    table = compare_table(summaries, a, others, tol)
    robust = pd.concat([robustness(summaries, a, b, tol=tol) for b in others], ignore_index=True)
    return View(summaries, monthly, table, robust, strategies, out, scenario, specs or {})


def run_live(scenario: Scenario, strategies: list[Any], seeds: int, out: Path, jobs: int = 1,
             cancel: threading.Event | None = None) -> Iterator[tuple[int, int, View | None]]:
    """Run the comparison, yielding (runs done, runs in all, None) as runs finish and finally (done, all, View);
    stops early (workers stopped, nothing yielded after) once `cancel` is set. Writes summaries.csv to out."""
    exp = from_scenarios("dashboard", [scenario], strategies, list(range(seeds)), monthly=True)
    specs: list[RunSpec] = exp.specs
    labels = list(dict.fromkeys(s.strategy_label for s in specs))
    rows, frames = [], []
    tol, by_label = scenario.data["outputs"]["tie_tolerance"], {s.strategy_label: s.strategy for s in specs}
    milestones = {max(2, round(seeds * k / 4)) for k in (1, 2, 3)} - {seeds}  # partial views while it runs
    shown: set[int] = set()
    part: View | None = None  # the latest partial view, kept on screen until the next one
    yield 0, len(specs), None
    records = run_many(specs, Execution(jobs=jobs, chunk=len(labels), progress=False), monthly=True)
    try:
        for _, summary, monthly in records:
            if cancel is not None and cancel.is_set():
                return
            rows.append(summary)
            frames.append(monthly)
            pairs = pd.DataFrame(rows).groupby("seed")["strategy"].nunique().eq(len(labels)).sum()
            if pairs in milestones and pairs not in shown:
                shown.add(pairs)
                part = analyse(*(in_order(f, labels) for f in (pd.DataFrame(rows), pd.concat(frames))), labels, out,
                               tol, scenario, by_label)
                part.note = f"partial: {pairs} of {seeds} seeds; the view updates as seeds finish"
            yield len(rows), len(specs), part
    finally:
        records.close()  # stops the workers of a cancelled run
    summaries, monthly = (in_order(f, labels) for f in (pd.DataFrame(rows), pd.concat(frames, ignore_index=True)))
    out.mkdir(parents=True, exist_ok=True)
    write_frame(summaries, out / "summaries.csv")
    yield len(rows), len(specs), analyse(summaries, monthly, labels, out, tol, scenario, by_label)


def in_order(frame: pd.DataFrame, strategies: list[str]) -> pd.DataFrame:
    """The runs of a frame in the order of the strategies, then seeds (months kept in order within a run)."""
    rank = frame["strategy"].map({s: i for i, s in enumerate(strategies)}).rename("rank")
    keys = ["rank", "seed"] + (["month"] if "month" in frame.columns else [])
    return frame.join(rank).sort_values(keys, kind="stable").drop(columns="rank").reset_index(drop=True)


def open_results(path: str | Path, out: Path) -> View:
    """The View of an existing results directory (`sim batch` or `sim compare`); exports go to `out`."""
    res = load_results(path, monthly=False)
    if not len(res.summaries):
        raise ValueError(f"{path}: no finished runs to show")
    strategies = list(dict.fromkeys(res.summaries["strategy"]))
    if len(strategies) < 2:
        raise ValueError(f"{path}: only one strategy ({strategies[0]}), nothing to compare")
    try:
        monthly = load_results(path, columns=RUN_LABELS + VARIABLES + YOUTH).monthly
    except Exception:  # noqa: BLE001 - monthly outputs not kept (or not all columns): summaries only
        monthly = None
    return analyse(res.summaries, monthly if monthly is not None and len(monthly) else None, strategies, out)


def verdict_lines(view: View, scenario: str, outcomes: list[str] | None = None) -> list[str]:
    """The verdicts in words for one scenario: each outcome with its margin, then the robustness of the verdict
    on health to how its components are weighted."""
    t = view.table[(view.table["scenario"] == scenario) & view.table["outcome"].isin(outcomes or HEADLINE)]
    lines = [f"Verdict (margin {r['margin']:g}): {sentence(r)}" for _, r in t.iterrows()]
    rob = view.robust[view.robust["scenario"] == scenario] if len(view.robust) else view.robust
    for _, rows in (rob.groupby("b", sort=False) if len(rob) else []):
        a, b = (display_name(rows[k].iloc[0]) for k in ("a", "b"))
        lines.append(f"{a} against {b}: {robustness_sentence(rows)}")
    return lines


def make_figures(view: View, scenario: str, outcome: str, variable: str = "health") -> dict[str, Figure]:
    """The workshop figures of one scenario and outcome, by file stem (monthly figures only where the
    monthly outputs were kept)."""
    a, b = view.strategies[0], view.strategies[1]
    t = view.table[view.table["scenario"] == scenario]
    outs = list(dict.fromkeys([*HEADLINE, outcome]))
    figs = {"verdict_grid": verdict_grid(t, outs, view.robust[view.robust["scenario"] == scenario]
                                         if len(view.robust) else None),
            "distributions": outcome_distributions(view.summaries, outcome, scenarios=[scenario])}
    m = view.monthly
    if m is not None and variable in m.columns and scenario in set(m["scenario"]):
        figs["fan_chart"] = fan_chart(m, variable, scenario)
        figs["difference_fan"] = difference_fan(m, variable, scenario, a, b, mean=True)
        if all(c in m.columns for c in YOUTH):
            figs["youth_public"] = youth_public_panels(m, scenario)
    return figs


def export(view: View, scenario: str, outcome: str, variable: str = "health") -> list[Path]:
    """Write the current view into its directory: every figure as PNG and SVG, the comparison table and the
    robustness table as CSV. Returns the paths written."""
    view.out.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, fig in make_figures(view, scenario, outcome, variable).items():
        for ext in ("png", "svg"):
            path = view.out / f"{stem}.{ext}"
            write_figure(fig, path, dpi=110)
            paths.append(path)
    for name, frame in (("comparison.csv", view.table), ("robustness.csv", view.robust)):
        write_frame(frame, view.out / name)
        paths.append(view.out / name)
    return paths


def timeline(view: View, seed: int) -> dict[str, pd.DataFrame]:
    """The events of one seed under each of the first two strategies of a live run (strategy label -> events)."""
    if view.scenario is None:
        return {}
    return {s: run(view.scenario, view.specs[s], seed, keep_model=False).events for s in view.strategies[:2]}


def new_out() -> Path:
    """A fresh results/dashboard_<timestamp>/ directory name (not created)."""
    return Path("results") / f"dashboard_{datetime.now():%Y%m%d_%H%M%S_%f}"
