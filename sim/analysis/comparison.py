"""Policy-versus-policy statistics under common random numbers (see docs/statistics.md).

Every function takes the tidy frames of sim.load_results and returns a tidy DataFrame; nothing here keeps state,
runs the model or draws figures (sim.analysis.words puts the findings in words).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.stats import bootstrap_ci, effect_size, holm, kaplan_meier_median, paired, wilcoxon_p, wilson
from sim.outcomes import (
    A_BETTER,
    B_BETTER,
    DEFAULT_MARGIN,
    HEALTH_COMPONENTS,
    NO_CLEAR,
    OUTCOME_TABLE,
    OUTCOMES_BY_NAME,
    SATISFICING_THRESHOLD,
    TIE_TOLERANCE,
    WEIGHTINGS,
    higher_is_better,
)

GROUP = ("scenario", "point")
DEFAULT_MARGINS: dict[str, float] = {o.name: o.margin for o in OUTCOME_TABLE}  # when an experiment sets none


def _groups(df: pd.DataFrame) -> list[str]:
    return [c for c in GROUP if c in df.columns]


def paired_differences(summaries: pd.DataFrame, outcome: str, a: str, b: str) -> pd.DataFrame:
    """Per scenario (and sweep point) and seed: outcome under A, under B, and A - B (pairs by seed)."""
    keys = _groups(summaries)
    sub = summaries[summaries["strategy"].isin([a, b])]
    wide = sub.pivot_table(index=[*keys, "seed"], columns="strategy", values=outcome, aggfunc="first")
    missing = {a, b} - set(wide.columns)
    if missing:
        have = sorted(summaries["strategy"].unique())
        raise ValueError(f"strategy {sorted(missing)} not in the results; have {have}")
    wide = wide.dropna(subset=[a, b])
    out = wide[[a, b]].rename(columns={a: "a", b: "b"}).reset_index()
    out["diff"] = out["a"] - out["b"]
    return out


def paired_table(summaries: pd.DataFrame, a: str, b: str, outcomes: Sequence[str] | None = None,
                 margins: dict[str, float] | None = None, default_margin: float = DEFAULT_MARGIN,
                 tol: float = TIE_TOLERANCE, alpha: float = 0.05) -> pd.DataFrame:
    """A against B per scenario (and sweep point) and outcome, paired by seed.

    Columns: n, median_a, median_b, diff (mean of A - B), diff_lo/diff_hi (95% bootstrap interval),
    effect (Cohen's d_z = mean / sd of the differences), p_better/p_tie/p_worse (ties: |A - B| <= tol;
    "better" follows the outcome's direction), p_value (Wilcoxon signed-rank, two-sided, ties split),
    p_adjusted (Holm over every row of the table), margin, verdict: 'A better' / 'B better' only when the
    whole interval lies beyond the practical margin in one direction, 'no clear difference' otherwise.
    """
    outcomes = list(outcomes or [o for o in OUTCOMES_BY_NAME if o in summaries.columns])
    margins = {**DEFAULT_MARGINS, **(margins or {})}
    rows = []
    for out in outcomes:
        up = higher_is_better(out)
        pdiff = paired_differences(summaries, out, a, b)
        for key, g in pdiff.groupby(_groups(pdiff), sort=False):
            d = g["diff"].to_numpy(float)
            res = paired(g["a"].to_numpy(float), g["b"].to_numpy(float), tol, up)
            lo, hi = res["diff_lo"], res["diff_hi"]
            s_lo, s_hi = (lo, hi) if up else (-hi, -lo)  # the interval of "how much better A is"
            margin = float(margins.get(out, default_margin))
            verdict = A_BETTER if s_lo > margin else B_BETTER if s_hi < -margin else NO_CLEAR
            key = key if isinstance(key, tuple) else (key,)
            rows.append({**dict(zip(_groups(pdiff), key, strict=True)), "outcome": out, "a": a, "b": b,
                         **{k: v for k, v in res.items() if k != "diff_mean"}, "diff": res["diff_mean"],
                         "effect": effect_size(d), "p_value": wilcoxon_p(d),
                         "margin": margin, "verdict": verdict, "higher_is_better": up})
    table = pd.DataFrame(rows)
    if len(table):
        table["p_adjusted"] = holm(table["p_value"].to_numpy())
        table["significant"] = table["p_adjusted"] < alpha
    return table


def weighted_health(summaries: pd.DataFrame, weightings: dict[str, dict | None] | None = None) -> pd.DataFrame:
    """The summaries with one column `health[NAME]` per weighting: discounted health with the components
    (cooperation, opinion, disputes) weighted as given (normalised to sum 1). Health is the weighted mean of
    its components month by month and discounting is linear, so this equals rerunning with those weights.
    A weighting of None is the scenario's own: `health_discounted` as it is."""
    weightings = WEIGHTINGS if weightings is None else weightings
    out = summaries.copy()
    have = all(c in out.columns for c in HEALTH_COMPONENTS.values())
    for name, w in weightings.items():
        if w is None:
            out[f"health[{name}]"] = out["health_discounted"]
        elif have:
            total = sum(w.get(c, 0.0) for c in HEALTH_COMPONENTS)
            if total <= 0:
                raise ValueError(f"weighting {name!r} gives every component weight 0")
            out[f"health[{name}]"] = sum(w.get(c, 0.0) / total * out[col] for c, col in HEALTH_COMPONENTS.items())
    return out


def robustness(summaries: pd.DataFrame, a: str, b: str, weightings: dict[str, dict | None] | None = None,
               margin: float = DEFAULT_MARGIN, tol: float = TIE_TOLERANCE) -> pd.DataFrame:
    """A against B on relationship health under each weighting, and on each component of health, per scenario
    (and sweep point). Columns as paired_table(), plus `criterion` (`weighting: NAME` or `component: NAME`) and,
    per group, `robust`: True when the verdict is the same under every weighting."""
    weightings = WEIGHTINGS if weightings is None else weightings
    data = weighted_health(summaries, weightings)
    cols = [f"health[{n}]" for n in weightings if f"health[{n}]" in data.columns]
    comps = [c for c in HEALTH_COMPONENTS.values() if c in data.columns]
    table = paired_table(data, a, b, outcomes=cols + comps, margins=dict.fromkeys(cols + comps, margin), tol=tol)
    if not len(table):
        return table
    names = {f"health[{n}]": f"weighting: {n}" for n in weightings}
    names.update({col: f"component: {c}" for c, col in HEALTH_COMPONENTS.items()})
    table["criterion"] = table["outcome"].map(names)
    weighted = table[table["criterion"].str.startswith("weighting")]
    keys = _groups(table)
    same = weighted.groupby(keys, sort=False)["verdict"].nunique().eq(1).rename("robust").reset_index()
    return table.merge(same, on=keys, how="left")


def adjust(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Holm-adjust the p-values of a (concatenated) paired_table() over all its rows."""
    out = table.copy()
    out["p_adjusted"] = holm(out["p_value"].to_numpy())
    out["significant"] = out["p_adjusted"] < alpha
    return out


def regret(summaries: pd.DataFrame, outcome: str = "health_discounted") -> pd.DataFrame:
    """Per scenario and strategy: median outcome, the best strategy's median, and regret = how far the
    strategy falls short of the best one in that scenario (0 for the best); plus each strategy's
    maximum regret across scenarios (minimax regret picks the smallest)."""
    up = higher_is_better(outcome)
    keys = _groups(summaries)
    med = summaries.groupby([*keys, "strategy"], sort=False)[outcome].median().rename("median").reset_index()
    best = med.groupby(keys, sort=False)["median"].transform("max" if up else "min")
    med["best"] = best
    med["regret"] = (best - med["median"]) if up else (med["median"] - best)
    med["max_regret"] = med.groupby("strategy")["regret"].transform("max")
    return med


def satisficing(summaries: pd.DataFrame, column: str = "health_min", threshold: float = SATISFICING_THRESHOLD,
                above: bool = True) -> pd.DataFrame:
    """Share of runs meeting a standard, e.g. health never below a threshold (health_min >= threshold),
    per scenario and strategy, with a 95% Wilson interval."""
    keys = _groups(summaries)
    rows = []
    for key, g in summaries.groupby([*keys, "strategy"], sort=False):
        ok = (g[column] >= threshold) if above else (g[column] <= threshold)
        mean, (lo, hi) = float(ok.mean()), wilson(int(ok.sum()), len(ok))
        rows.append({**dict(zip([*keys, "strategy"], key, strict=True)), "column": column,
                     "threshold": threshold, "share": mean, "lo": lo, "hi": hi, "n": len(g)})
    return pd.DataFrame(rows)


def win_matrix(summaries: pd.DataFrame, outcome: str = "health_discounted", tol: float = TIE_TOLERANCE) -> pd.DataFrame:
    """Scenario x strategy: share of seeds in which the strategy is best among all strategies compared
    (ties within tol split equally among the tied)."""
    up = higher_is_better(outcome)
    keys = _groups(summaries)
    wide = summaries.pivot_table(index=[*keys, "seed"], columns="strategy", values=outcome, aggfunc="first")
    vals = wide.to_numpy(float) * (1 if up else -1)
    best = np.nanmax(vals, axis=1, keepdims=True)
    tied = vals >= best - tol
    score = tied / tied.sum(axis=1, keepdims=True)
    win = pd.DataFrame(score, index=wide.index, columns=wide.columns).groupby(level=keys, sort=False).mean()
    out = win.reset_index().melt(id_vars=keys, var_name="strategy", value_name="value")
    out["outcome"] = outcome
    return out


def payoff_game(summaries: pd.DataFrame, scenario: str, strategies: Sequence[str] = ("two_track", "linked"),
                point: int | None = None) -> pd.DataFrame:
    """The 2x2 read as a game: for each (KR strategy, JP strategy) cell present in the results (labels
    'kr=X,jp=Y', or a plain name for both), each country's mean discounted payoff with a 95% interval and
    whether the cell is each country's best response to the other's choice."""
    sub = summaries[summaries["scenario"] == scenario]
    if point is not None and "point" in sub:
        sub = sub[sub["point"] == point]
    rows = []
    for kr in strategies:
        for jp in strategies:
            label = kr if kr == jp else f"kr={kr},jp={jp}"
            g = sub[sub["strategy"] == label]
            if not len(g):
                continue
            row = {"scenario": scenario, "KR": kr, "JP": jp, "n": len(g)}
            for c in ("KR", "JP"):
                lo, hi = bootstrap_ci(g[f"payoff_{c}"].to_numpy(float))
                row.update({f"payoff_{c}": float(g[f"payoff_{c}"].mean()), f"payoff_{c}_lo": lo, f"payoff_{c}_hi": hi})
            rows.append(row)
    game = pd.DataFrame(rows)
    if not len(game):
        return game
    game["KR_best_response"] = game["payoff_KR"] == game.groupby("JP")["payoff_KR"].transform("max")
    game["JP_best_response"] = game["payoff_JP"] == game.groupby("KR")["payoff_JP"].transform("max")
    game["equilibrium"] = game["KR_best_response"] & game["JP_best_response"]
    return game


def precision(table: pd.DataFrame, target_width: float) -> pd.DataFrame:
    """Rows of a paired_table() whose 95% interval is wider than target_width, with the seeds needed:
    n_new = ceil(n * (w / w_target)^2) (interval width shrinks as 1/sqrt(n))."""
    out = table.copy()
    out["width"] = out["diff_hi"] - out["diff_lo"]
    out["n_needed"] = np.ceil(out["n"] * (out["width"] / target_width) ** 2).astype(int)
    out["enough"] = out["width"] <= target_width
    return out


def where_it_fails(summaries: pd.DataFrame, a: str, b: str, outcome: str = "health_discounted",
                   tol: float = TIE_TOLERANCE) -> pd.DataFrame:
    """Conditions under which the winner changes: per scenario (and sweep point), P(A better; ties 1/2)
    overall and in groups of runs by what happened in them (a major shock or not; disputes opened
    0 / 1-2 / 3+ under A; a coercive standoff under B or not). Every group is a row; winner_changes marks
    groups of at least 5 runs on the other side of one half from the scenario as a whole."""
    pdiff = paired_differences(summaries, outcome, a, b)
    up = higher_is_better(outcome)
    sa = summaries[summaries["strategy"] == a].set_index([*_groups(summaries), "seed"])
    sb = summaries[summaries["strategy"] == b].set_index([*_groups(summaries), "seed"])
    idx = pd.MultiIndex.from_frame(pdiff[[*_groups(pdiff), "seed"]])
    s = np.where(up, 1, -1) * pdiff["diff"].to_numpy()
    score = np.where(s > tol, 1.0, np.where(s < -tol, 0.0, 0.5))
    conds = {
        "major shock": (sa.loc[idx, "major_shock_month"].to_numpy() >= 0),
        "disputes opened": pd.cut(sa.loc[idx, "n_dispute_opened"].to_numpy(), [-1, 0, 2, np.inf],
                                  labels=["none", "1-2", "3+"]).astype(str),
        f"standoff under {b}": (sb.loc[idx, "n_dispute_linked"].to_numpy() > 0),
    }
    rows = []
    frame = pdiff.assign(score=score)
    for key, g in frame.groupby(_groups(frame), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        where = dict(zip(_groups(frame), key, strict=True))
        overall = g["score"].mean()
        for cname, values in conds.items():
            vals = pd.Series(np.asarray(values), index=frame.index).loc[g.index]
            for level, gg in g.groupby(vals.to_numpy()):
                p = gg["score"].mean()
                rows.append({**where, "a": a, "b": b, "condition": cname, "level": str(level), "n": len(gg),
                             "p_a_better": p, "overall": overall,
                             "winner_changes": (p - 0.5) * (overall - 0.5) < 0 and len(gg) >= 5})
    return pd.DataFrame(rows)


def compare_table(summaries: pd.DataFrame, reference: str, others: list[str], tol: float = TIE_TOLERANCE,
                  margins: dict[str, float] | None = None, default_margin: float = DEFAULT_MARGIN) -> pd.DataFrame:
    """The reference against each other strategy, per scenario (and sweep point) and outcome (paired_table with
    these margins, Holm-adjusted over all rows), with the columns `sim compare` prints and the report shows."""
    table = adjust(pd.concat([paired_table(summaries, reference, o, margins=margins, default_margin=default_margin,
                                           tol=tol) for o in others], ignore_index=True))
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
