"""Strategy comparison across scenarios under common random numbers (the `sim compare` command)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.comparison import adjust, compare, robustness, robustness_sentence, rule_use, sentence
from sim.analysis.stats import kaplan_meier_median
from sim.config.experiment import from_scenarios, with_draws
from sim.config.scenario import Scenario
from sim.config.strategies import strategy_label
from sim.errors import InputError, ResultsError
from sim.outcomes import HEADLINE
from sim.runs.batch import run_experiment
from sim.runs.results import load_results
from sim.runs.store import write_frame


def run_comparison(scenarios: list[Scenario], strategies: list[Any], seeds: list[int], jobs: int | None = None,
                   out: str | Path | None = None, progress: bool = False, monthly: bool = False) -> pd.DataFrame:
    """Run every scenario x strategy x seed (paired: the same seeds for every strategy) through the batch
    runner and return the per-run summaries in experiment order (independent of finishing order).
    out: a results directory to keep (resumable); by default a temporary one."""
    exp = from_scenarios("compare", scenarios, strategies, seeds, monthly=monthly)
    if out is not None:
        return run_experiment(exp, out, jobs=jobs, progress=progress).summaries
    with tempfile.TemporaryDirectory() as tmp:
        return run_experiment(exp, Path(tmp) / "compare", jobs=jobs, progress=progress).summaries


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


def compare_strategies(scenarios: list[Scenario], strategies: list[Any], seeds: list[int], out: str | Path,
                       jobs: int | None = None, scheduler: str | None = None, progress: bool = True,
                       limits: bool = True, draws: list[dict] | None = None) -> Comparison:
    """Run every scenario x strategy x seed into the results directory `out` (resumable), then write
    comparison.csv, robustness.csv (the health verdict under each weighting of its components, and per
    component), recovery.csv and distributions.png there. The first strategy is the reference. draws: parameter
    draws (sim.calibrate.load_draws), seed i under draw i mod len(draws) for every strategy."""
    from sim.present.style import plot_distributions

    if len(strategies) < 2 or len(set(map(strategy_label, strategies))) != len(strategies):
        raise InputError("a comparison needs at least two distinct strategies", file="--strategies",
                         given=strategies, allowed="e.g. two_track,linked")
    out = Path(out)
    t0 = time.perf_counter()
    exp = with_draws(from_scenarios("compare", scenarios, strategies, seeds, monthly=True), draws or [])
    run_experiment(exp, out, jobs=jobs, scheduler=scheduler, progress=progress, load=False, limits=limits)
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
    fig = plot_distributions(res.summaries, HEADLINE, labels)
    fig.savefig(out / "distributions.png", dpi=110)
    return Comparison(table, recovery, robust, res.summaries, res.failures, out, time.perf_counter() - t0)


def format_robustness(robust: pd.DataFrame) -> str:
    """Per scenario and pair of strategies, the health verdict across weightings and components, in words."""
    if not len(robust):
        return ""
    lines = ["Does the verdict on health survive another weighting of its components?"]
    keys = [k for k in ("scenario", "point", "b") if k in robust.columns]
    for key, rows in robust.groupby(keys, sort=False):
        lines.append(f"  {key[0]}: {robustness_sentence(rows)}")
    return "\n".join(lines)


def format_recovery(recovery: pd.DataFrame) -> str:
    """Plain-text recovery lines for the terminal."""
    lines = ["Recovery after the first major shock (Kaplan-Meier median, censored at the run's end):"]
    w = max([12, *map(len, recovery["strategy"].astype(str))])
    for _, r in recovery.iterrows():
        n, med = int(r["major_shock_runs"]), r["km_median_recovery_months"]
        if n == 0:
            lines.append(f"  {r['scenario']:<26} {r['strategy']:<{w}} no major shock in any run, breakdown in "
                         f"{r['share_breakdown']:.0%}")
            continue
        median = (f"median {_count(round(med), 'month')}" if pd.notna(med)
                  else "median not reached: fewer than half recovered")
        lines.append(f"  {r['scenario']:<26} {r['strategy']:<{w}} recovered {r['share_recovered']:.0%} of "
                     f"{_count(n, 'run')} with a major shock, {median}, breakdown in {r['share_breakdown']:.0%}")
    return "\n".join(lines)


def format_rules(summaries: pd.DataFrame) -> str:
    """Plain-text lines on how often and when the rules of rule-based strategies fired ("" if none fired)."""
    use = rule_use(summaries)
    if not len(use):
        return ""
    lines = ["Rule-based strategies: how often a rule fired (docs/scenarios.md, \"Adaptive strategies\"):"]
    w = max([12, *map(len, use["strategy"].astype(str))])
    for _, r in use.iterrows():
        lines.append(f"  {r['scenario']:<26} {r['strategy']:<{w}} a rule fired in {r['share_fired']:.0%} of "
                     f"{_count(int(r['runs']), 'run')}, {r['firings']:.1f} times per run, first in month "
                     f"{r['first_month']:.0f} (median); {r['months_switched']:.0f} months per run under a rule")
    return "\n".join(lines)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def compare_table(summaries: pd.DataFrame, reference: str, others: list[str], tol: float = 1e-3) -> pd.DataFrame:
    """The reference against each other strategy, per scenario (and sweep point) and outcome
    (sim.analysis.compare, Holm-adjusted over all rows), with the columns `sim compare` prints."""
    table = adjust(pd.concat([compare(summaries, reference, o, tol=tol) for o in others], ignore_index=True))
    return table.assign(diff_mean=table["diff"])


def recovery_table(summaries: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and strategy: runs with a major shock, the share that recovered, and the Kaplan-Meier
    median recovery time (censored at the run's end; never a mean over recovered runs only)."""
    rows = []
    for (scen, strat), g in summaries.groupby(["scenario", "strategy"], sort=False):
        hit = g[g["major_shock_month"] >= 0]
        rows.append({"scenario": scen, "strategy": strat, "runs": len(g), "major_shock_runs": len(hit),
                     "share_recovered": float(hit["recovered"].mean()) if len(hit) else float("nan"),
                     "km_median_recovery_months": kaplan_meier_median(hit["recovery_months"].to_numpy(),
                                                                      hit["recovered"].to_numpy())
                     if len(hit) else float("nan"),
                     "share_breakdown": float(g["breakdown"].mean()),
                     "mean_crisis_months": float(g["crisis_months"].mean())})
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame, outcomes: list[str] | None = None) -> str:
    """Plain-text table for the terminal, headline outcomes first."""
    outcomes = outcomes or HEADLINE
    lines = []
    for scen, grp in table.groupby("scenario", sort=False):
        lines.append(f"\n{scen}")
        for _, r in grp[grp["outcome"].isin(outcomes)].iterrows():
            lines.append(
                f"  {r['outcome']:<24} median {r['a']} {r['median_a']:.3f} | {r['b']} {r['median_b']:.3f}"
                f" | diff {r['diff_mean']:+.4f} [{r['diff_lo']:+.4f}, {r['diff_hi']:+.4f}]"
                f" | {r['a']} better {r['p_better']:.0%} tie {r['p_tie']:.0%} worse {r['p_worse']:.0%}")
            lines.append(f"    verdict (margin {r['margin']:g}): {sentence(r)}")
    return "\n".join(lines)
