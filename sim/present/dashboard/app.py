"""A local interactive dashboard (Solara) for comparing two strategies over paired seeds in a workshop room.

Choose a scenario, two strategies (presets or rule-based ones, optionally with the dialogue and youth-exchange
levers moved) and a number of seeds; run the comparison live (progress, cancel); read the verdicts in words and
the workshop figures; export them; or open an existing results directory and browse it. Start it with `serve()` (or
`sim dashboard [EXPERIMENT_OR_RESULTS]`); it listens on localhost only unless told otherwise.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

try:
    import solara
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError('the dashboard needs the `dashboard` extra: pip install -e ".[dashboard]"') from e

from sim.analysis.comparison import compare_table, robustness
from sim.analysis.words import display_name, robustness_sentence, sentence
from sim.config.experiment import RunSpec, from_scenarios, load_experiment
from sim.config.scenario import SCENARIO_DIR, Scenario, load_scenario
from sim.outcomes import HEADLINE, OUTCOME_TABLE, TIE_TOLERANCE
from sim.params import ADAPTIVE, PRESETS
from sim.present.figures.time import difference_fan, fan_chart, outcome_distributions, verdict_grid, youth_public_panels
from sim.runs.batch import run_many
from sim.runs.execution import Execution, default_workers
from sim.runs.results import load_results
from sim.runs.runner import run
from sim.runs.store import write_frame

PATH_ENV = "SIM_DASHBOARD_PATH"  # how serve() tells the app which experiment, scenario or results to open
VARIABLES = ["health", "cooperation", "trust_KR", "trust_JP", "severity", "tension"]  # fan chart choices
YOUTH = [f"good_{c}_{h}" for c in ("KR", "JP") for h in ("youth", "public")]
LABELS = ["scenario", "strategy", "seed", "point"]


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
        monthly = load_results(path, columns=LABELS + VARIABLES + YOUTH).monthly
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
        lines.append(f"{display_name(rows['a'].iloc[0])} against {display_name(rows['b'].iloc[0])}: {robustness_sentence(rows)}")
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
            fig.savefig(path, dpi=110)
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


# ------------------------------------------------------------------------------------------------------ the app

@solara.component
def StrategyPicker(side: str, preset: solara.Reactive, custom: solara.Reactive, dialogue: solara.Reactive,
                   youth: solara.Reactive) -> None:
    """One strategy: a preset and, if asked, its dialogue and youth-exchange levers."""
    solara.Text(f"Strategy {side}")
    solara.ToggleButtonsSingle(value=preset, values=[*PRESETS, *ADAPTIVE])  # fixed, then rule-based
    solara.Checkbox(label=f"adjust levers of {side}", value=custom)
    if custom.value:
        solara.SliderFloat("dialogue", value=dialogue, min=0.0, max=0.5, step=0.01)
        solara.SliderFloat("youth exchange", value=youth, min=0.0, max=1.0, step=0.05)


@solara.component
def Results(view: View) -> None:
    """Browse one comparison: scenario, sweep point, outcome and monthly variable; verdicts, figures, export,
    timeline."""
    points = sorted(set(view.summaries["point"])) if "point" in view.summaries.columns else []
    point, set_point = solara.use_state(points[0] if points else None)
    if len(points) > 1:
        axes = [c for c in view.summaries.columns if c.startswith("sweep.")]
        cells = view.summaries.drop_duplicates("point").set_index("point")[axes]
        names = {p: f"{p}: " + ", ".join(f"{a.removeprefix('sweep.')} = {cells.loc[p, a]}" for a in axes)
                 for p in points}
        solara.Select("Sweep point", values=list(names.values()), value=names.get(point, names[points[0]]),
                      on_value=lambda v: set_point(int(v.split(":")[0])))
        view = view_at(view, point if point in points else points[0])
    if view.note:
        solara.Info(view.note)
    scenarios = list(dict.fromkeys(view.summaries["scenario"]))
    outcomes = [o.name for o in OUTCOME_TABLE if o.name in view.summaries.columns]
    scenario, set_scenario = solara.use_state(scenarios[0])
    outcome, set_outcome = solara.use_state(outcomes[0])
    variable, set_variable = solara.use_state("health")
    exported, set_exported = solara.use_state([])
    seed, set_seed = solara.use_state(None)
    scenario = scenario if scenario in scenarios else scenarios[0]
    figs = solara.use_memo(lambda: make_figures(view, scenario, outcome, variable), [view, scenario, outcome,
                                                                                     variable])
    with solara.Row():
        solara.Select("Scenario shown", values=scenarios, value=scenario, on_value=set_scenario)
        solara.Select("Outcome", values=outcomes, value=outcome, on_value=set_outcome)
        if view.monthly is not None:
            solara.Select("Monthly variable", values=[v for v in VARIABLES if v in view.monthly.columns],
                          value=variable, on_value=set_variable)
    for line in verdict_lines(view, scenario, list(dict.fromkeys([*HEADLINE, outcome]))):
        solara.Markdown(line.replace("*", r"\*"))
    with solara.Row():
        solara.Button("Export figures and table", on_click=lambda: set_exported(
            export(view, scenario, outcome, variable)), color="primary")
        solara.FileDownload(lambda: view.table.to_csv(index=False), filename="comparison.csv",
                            label="Download comparison.csv")
    if exported:
        solara.Success("Exported: " + ", ".join(str(p) for p in exported))
    for stem, fig in figs.items():
        solara.FigureMatplotlib(fig, dependencies=[view, scenario, outcome, variable, stem], format="png")
    events = solara.use_memo(lambda: timeline(view, seed) if seed is not None else {}, [view, seed])
    if view.scenario is not None:
        seeds = sorted(set(int(s) for s in view.summaries["seed"]))
        solara.Select("Event timeline of seed", values=seeds, value=seed, on_value=set_seed)
        if events:
            with solara.Columns([1] * len(events)):
                for s, ev in events.items():
                    with solara.Column():
                        solara.Text(f"{s}: {len(ev)} events")
                        solara.DataFrame(ev[ev["month"] >= 0], items_per_page=15)


def use_pick(preset: str) -> tuple[solara.Reactive, ...]:
    """The state of one StrategyPicker: preset, whether the levers are adjusted, dialogue, youth exchange."""
    return (solara.use_reactive(preset), solara.use_reactive(False), solara.use_reactive(PRESETS[preset]["dialogue"]),
            solara.use_reactive(0.3))


@solara.component
def Page() -> None:
    """The dashboard page."""
    path = os.environ.get(PATH_ENV) or None
    choices = solara.use_memo(lambda: scenario_choices(path), [path])
    loaded = solara.use_memo(lambda: open_results(path, new_out()) if path and (
        Path(path) / "manifest.json").exists() else None, [path])
    scenario = solara.use_reactive(next(iter(choices)))
    picks = [use_pick("two_track"), use_pick("linked")]
    seeds = solara.use_reactive(10)
    jobs = solara.use_reactive(min(2, default_workers()))
    request, set_request = solara.use_state(0)

    def job(cancel: threading.Event) -> Iterator[tuple[int, int, View | None]]:
        if not request:
            return
        named = [custom_strategy(p.value, d.value if c.value else None, y.value if c.value else None)
                 for p, c, d, y in picks]
        if named[0][0] == named[1][0]:
            raise ValueError("choose two different strategies")
        scen = with_strategies(choices[scenario.value], dict(named))
        yield from run_live(scen, [n for n, _ in named], max(1, seeds.value), new_out(), max(1, jobs.value), cancel)

    result = solara.use_thread(job, dependencies=[request], intrusive_cancel=False)
    solara.Title("ROK-Japan strategy comparison")
    with solara.Sidebar():
        solara.Select("Scenario", values=list(choices), value=scenario)
        for side, (p, c, d, y) in zip("AB", picks, strict=True):
            StrategyPicker(side, p, c, d, y)
        solara.InputInt("Seeds", value=seeds)
        solara.InputInt("Worker processes", value=jobs)
        running = result.state == solara.ResultState.RUNNING
        with solara.Row():
            solara.Button("Run comparison", on_click=lambda: set_request(request + 1), disabled=running,
                          color="primary")
            solara.Button("Cancel", on_click=result.cancel, disabled=not running)
    done, total, view = result.value or (0, 0, None)
    if total:
        solara.ProgressLinear(100 * done / total)
        state = {solara.ResultState.CANCELLED: "cancelled", solara.ResultState.FINISHED: "finished"}.get(
            result.state, "running")
        solara.Text(f"Runs done: {done} / {total} ({state})")
    if result.error is not None:
        solara.Error(f"The comparison failed: {result.error}")
    view = view or loaded
    if view is None:
        solara.Info("Choose a scenario and two strategies, then run the comparison.")
    else:
        solara.Text(f"Results: {view.out}")
        Results(view)


def serve(path: str | None = None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the dashboard at http://HOST:PORT until interrupted, without reaching the network. path: an
    experiment or scenario file, a directory of scenario files (their scenarios to choose from) or a results
    directory (opened)."""
    from solara.__main__ import run as solara_run
    from solara.server import settings

    if path is not None:
        if not Path(path).exists():
            raise FileNotFoundError(f"{path}: no such file or directory")
        os.environ[PATH_ENV] = str(Path(path).resolve())
    settings.telemetry.mixpanel_enable = False
    solara_run.main(["sim.present.dashboard.app", "--host", host, "--port", str(port), "--production", "--no-open",
                     "--no-check-version", "--log-level", "warning"], standalone_mode=False)
