"""The landscape of verdicts: which strategy wins in each cell of a sweep, under each weighting of health.

`landscape` turns the summaries of a swept experiment (such as experiments/landscape.yaml) into one row per
sweep cell with the verdict (A better, B better, neither) and the mean paired difference under every named
weighting and on every component of health; `landscape_counts` says in how many cells each strategy wins
under each criterion; sim.analysis.words.landscape_markdown renders both for docs/landscape.md
(`sim landscape RESULTS`).
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.comparison import robustness
from sim.outcomes import A_BETTER, B_BETTER, DEFAULT_MARGIN, NO_CLEAR, TIE_TOLERANCE, WEIGHTINGS

SHORT = {A_BETTER: "A", B_BETTER: "B", NO_CLEAR: "·"}


def landscape(summaries: pd.DataFrame, a: str, b: str, weightings: dict[str, dict | None] | None = None,
              margin: float = DEFAULT_MARGIN) -> pd.DataFrame:
    """One row per sweep cell: its axis values, then for each criterion (`weighting: NAME`, `component: NAME`)
    the verdict ('A', 'B' or '·' for no clear difference) and the mean paired difference A − B."""
    table = robustness(summaries, a, b, weightings or WEIGHTINGS, margin)
    if not len(table):
        raise ValueError(f"no paired runs of {a} and {b} in these results")
    axes = [c for c in summaries.columns if c.startswith("sweep.")]
    cells = summaries.drop_duplicates(["scenario", "point"])[["scenario", "point", *axes]]
    rows = []
    for (scen, point), g in table.groupby(["scenario", "point"], sort=False):
        row: dict = {"scenario": scen, "point": point}
        for _, r in g.iterrows():
            row[r["criterion"]] = SHORT[r["verdict"]]
            row[f"diff {r['criterion']}"] = r["diff"]
        rows.append(row)
    out = cells.merge(pd.DataFrame(rows), on=["scenario", "point"], how="inner")
    out.attrs.update(a=a, b=b, axes=axes, criteria=list(dict.fromkeys(table["criterion"])), margin=margin)
    return out.sort_values(["scenario", *axes]).reset_index(drop=True)


def landscape_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per criterion: the number of cells where A wins, where B wins, and where neither clearly does."""
    rows = []
    for crit in table.attrs["criteria"]:
        v = table[crit]
        rows.append({"criterion": crit, "A wins": int((v == "A").sum()), "B wins": int((v == "B").sum()),
                     "neither": int((v == "·").sum()), "cells": len(v)})
    return pd.DataFrame(rows)


def winner_table(summaries: pd.DataFrame, a: str, b: str, weightings: dict[str, dict | None] | None = None,
                 margin: float = DEFAULT_MARGIN, tol: float = TIE_TOLERANCE) -> pd.DataFrame:
    """Per sweep point and criterion (each weighting of health, each component): the sweep values, the mean
    paired difference A − B with its 95% interval, P(A better) (ties one half), and the verdict beyond the
    practical margin ('A better', 'B better', 'no clear difference'). The input of the winner maps."""
    table = robustness(summaries, a, b, weightings or WEIGHTINGS, margin, tol)
    if not len(table):
        raise ValueError(f"no paired runs of {a} and {b} in these results")
    axes = [c for c in summaries.columns if c.startswith("sweep.")]
    keys = [c for c in ("scenario", "point") if c in summaries.columns]
    cells = summaries.drop_duplicates(keys)[keys + axes]
    cols = keys + ["criterion", "n", "diff", "diff_lo", "diff_hi", "p_better", "p_tie", "verdict", "margin"]
    out = table[[c for c in cols if c in table.columns]].merge(cells, on=keys, how="left")
    out["p_better_ties_half"] = out["p_better"] + 0.5 * out["p_tie"]
    out.attrs.update(a=a, b=b, axes=axes, margin=margin)
    return out
