"""Strategy comparison across scenarios under common random numbers (the `sim compare` command)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from .analysis import adjust, compare
from .batch import run_experiment
from .experiment import from_scenarios
from .scenario import Scenario
from .stats import kaplan_meier_median

HEADLINE = ["health_discounted", "cooperation_discounted"]


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
    return "\n".join(lines)
