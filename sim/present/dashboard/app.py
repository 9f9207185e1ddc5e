"""A local interactive dashboard (Solara) for comparing two strategies over paired seeds in a workshop room.

Choose a scenario, two strategies (presets or rule-based ones, optionally with the dialogue and youth-exchange
levers moved) and a number of seeds; run the comparison live (progress, cancel); read the verdicts in words and
the workshop figures; export them; or open an existing results directory and browse it. Start it with `serve()` (or
`sim dashboard [EXPERIMENT_OR_RESULTS]`); it listens on localhost only unless told otherwise. What the page computes
is in sim.present.dashboard.logic; this module holds the Solara components.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

try:
    import solara
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError('the dashboard needs the `dashboard` extra: pip install -e ".[dashboard]"') from e

from sim.outcomes import HEADLINE, OUTCOME_TABLE
from sim.params import ADAPTIVE, PRESETS
from sim.present.dashboard.logic import (
    VARIABLES,
    View,
    custom_strategy,
    export,
    make_figures,
    new_out,
    open_results,
    run_live,
    scenario_choices,
    timeline,
    verdict_lines,
    view_at,
    with_strategies,
)
from sim.runs.execution import default_workers

PATH_ENV = "SIM_DASHBOARD_PATH"  # how serve() tells the app which experiment, scenario or results to open


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
