"""Statistics of the rules of rule-based strategies (docs/scenarios.md, "Adaptive strategies"), from the runs'
summaries: every firing, and how often and when the rules of a strategy fired."""

from __future__ import annotations

import math

import pandas as pd

from sim.analysis.comparison import GROUP


def rule_firings(summaries: pd.DataFrame) -> pd.DataFrame:
    """One row per firing of a rule (scenario, strategy, seed, rule as COUNTRY.name, month from the start of the
    horizon), read from the runs' `rule_fires`; empty when no rule-based strategy fired."""
    cols = ["scenario", "strategy", "seed", "rule", "month"]
    if "rule_fires" not in summaries.columns:
        return pd.DataFrame(columns=cols)
    rows = []
    keys = [c for c in ("point",) if c in summaries.columns]
    for r in summaries[summaries["rule_fires"].fillna("") != ""].itertuples(index=False):
        d = r._asdict()
        for part in str(d["rule_fires"]).split(";"):
            rule, _, months = part.partition("@")
            rows += [{**{k: d[k] for k in keys}, "scenario": d["scenario"], "strategy": d["strategy"],
                      "seed": d["seed"], "rule": rule, "month": int(m)} for m in months.split(",") if m]
    return pd.DataFrame(rows, columns=[*keys, *cols])


def rule_use(summaries: pd.DataFrame, outcome: str = "health_discounted") -> pd.DataFrame:
    """Per scenario and rule-based strategy: runs, share of runs in which a rule fired, firings per run, the
    median month of the first firing, months under a rule per run, and the mean outcome in runs with and
    without a firing (a strategy is rule-based if a rule fired in any of its runs)."""
    if "n_rule_fired" not in summaries.columns:
        return pd.DataFrame()
    keys = [c for c in GROUP if c in summaries.columns]
    rows = []
    for key, g in summaries.groupby([*keys, "strategy"], sort=False):
        fired = g["n_rule_fired"] > 0
        if not fired.any():
            continue
        first = g.loc[fired, "first_rule_month"]
        rows.append({**dict(zip([*keys, "strategy"], key, strict=True)), "runs": len(g),
                     "share_fired": float(fired.mean()), "firings": float(g["n_rule_fired"].mean()),
                     "first_month": float(first.median()), "months_switched": float(g["rule_months"].mean()),
                     f"{outcome} fired": float(g.loc[fired, outcome].mean()),
                     f"{outcome} not fired": float(g.loc[~fired, outcome].mean()) if (~fired).any() else math.nan})
    return pd.DataFrame(rows)


def rule_counts(summaries: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, strategy and rule: share of runs in which it fired, firings per run, and the quartiles of the
    months in which it fired."""
    fires = rule_firings(summaries)
    if not len(fires):
        return pd.DataFrame()
    keys = [c for c in GROUP if c in summaries.columns]
    runs = summaries.groupby([*keys, "strategy"], sort=False).size().rename("runs")
    rows = []
    for key, g in fires.groupby([*keys, "strategy", "rule"], sort=False):
        n = int(runs.loc[tuple(key[:-1])])
        q = g["month"].quantile([0.25, 0.5, 0.75]).to_numpy()
        rows.append({**dict(zip([*keys, "strategy", "rule"], key, strict=True)), "runs": n,
                     "share_fired": g["seed"].nunique() / n, "firings": len(g) / n,
                     "month_q25": float(q[0]), "month_median": float(q[1]), "month_q75": float(q[2])})
    return pd.DataFrame(rows)
