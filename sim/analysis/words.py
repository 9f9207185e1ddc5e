"""Findings in words: every text a user reads of the analysis (display names of strategies, scenarios and columns;
the verdict sentences; the terminal tables of `sim compare` and `sim explain`; the landscape in Markdown). Pure
functions of table rows and names: no runs, no figures (sim.present draws, using these words).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pandas as pd

from sim.analysis.landscape import landscape_counts
from sim.analysis.rules import rule_use
from sim.outcomes import A_BETTER, B_BETTER, HEADLINE, NO_CLEAR, OUTCOME_TABLE, higher_is_better
from sim.outcomes import words as outcome_words

COUNTRY_NAMES = {"KR": "Korea", "JP": "Japan"}
OTHER = {"KR": "Japan", "JP": "Korea"}
STRATEGY_NAMES = {"two_track": "two-track", "linked": "linked", "package_deal": "package deal",
                  "two_track_guarded": "two-track guarded", "tit_for_tat": "tit-for-tat",
                  "generous_tit_for_tat": "generous tit-for-tat", "grim_trigger": "grim trigger"}
"""The bundled strategies in words (a custom label is shown with spaces for underscores)."""
LABELS = {
    "health": "relationship health",
    "health_cooperation": "health: cooperation component",
    "health_opinion": "health: opinion component",
    "health_disputes": "health: disputes component",
    "cooperation": "realised cooperation (mean of four fields)",
    "severity": "total severity of open disputes",
    "open_disputes": "open disputes",
    "standoffs": "coercive standoffs",
    "tension": "US-China tension",
    "us_pressure": "US pressure",
    "contact": "contact rate",
    "society_discounted": "society cooperation (discounted mean)",
    "technology_discounted": "technology cooperation (discounted mean)",
    "health_min": "lowest health",
    **{o.name: o.label for o in OUTCOME_TABLE},  # every compared outcome's label comes from sim.outcomes
}

def display_name(label: object, sep: str = " / ") -> str:
    """A strategy's code label (sim.config.strategies.strategy_label) in words, the one way every table, sentence
    and figure shows it: 'two_track' -> 'two-track', 'kr=two_track,jp=linked' -> 'KR two-track / JP linked'
    (`sep` joins the countries; figures pass '\n' to stack them)."""
    text = str(label)
    bits = [p.split("=", 1) for p in text.split(",")]
    if "=" in text and all(len(b) == 2 and b[0].strip().upper() in COUNTRY_NAMES for b in bits):
        return sep.join(f"{c.strip().upper()} {strategy_words(v.strip())}" for c, v in bits)
    return strategy_words(text)


def strategy_words(name: str) -> str:
    """One country's strategy in words: a bundled one by its name, a custom one with spaces for underscores."""
    return STRATEGY_NAMES.get(name, name.replace("_", " "))


def scenario_words(name: object) -> str:
    """A scenario name as a title: underscores to spaces, capitalised, acronyms restored ("us_china_escalation"
    -> "US-China escalation")."""
    text = str(name).replace("_", " ").strip()
    text = re.sub(r"\bus china\b", "US-China", text, flags=re.IGNORECASE)
    text = re.sub(r"\b(kr|jp|us|rok)\b", lambda m: m.group(1).upper(), text)
    return text[:1].upper() + text[1:]


def column_label(name: str) -> str:
    """Words for a variable or outcome column (falls back to the name with spaces)."""
    if name in LABELS:
        return LABELS[name]
    parts = name.split("_")
    if name.startswith("realised_") and len(parts) == 2:
        return f"realised {parts[1]} cooperation"
    if len(parts) >= 2 and parts[1] in COUNTRY_NAMES and parts[0] in ("trust", "good", "bad", "neither"):
        c, rest = parts[1], " ".join(parts[2:])
        what = {"trust": f"trust in {OTHER[c]}", "good": f"share with a good view of {OTHER[c]}",
                "bad": f"share with a bad view of {OTHER[c]}", "neither": "share neither good nor bad"}[parts[0]]
        return f"{COUNTRY_NAMES[c]}{' ' + rest if rest else ''}: {what}"
    return name.replace("_", " ")


def sentence(row: pd.Series, labels: dict[str, str] | None = None) -> str:
    """A finding in plain words (no p-values), e.g. "Under frequent history disputes, two-track keeps
    cooperation 0.018 higher (0.015-0.021) than linked; it does better in 87% of matched runs"."""
    labels = labels or {}
    name = labels.get((row["scenario"], row.get("point")), labels.get(row["scenario"],
                                                                     str(row["scenario"]).replace("_", " ")))
    a, b = (labels.get(s, display_name(str(s))) for s in (row["a"], row["b"]))
    said = outcome_words(row["outcome"])
    fmt = number_format(row)
    if row["verdict"] == NO_CLEAR:
        return (f"Under {name}, {a} and {b} show no clear difference in {said} "
                f"(difference {fmt(row['diff'])}, 95% interval {fmt(row['diff_lo'])} to {fmt(row['diff_hi'])}; "
                f"{a} better in {row['p_better']:.0%}, tied in {row['p_tie']:.0%} of matched runs).")
    a_wins = row["verdict"] == A_BETTER
    winner, loser = (a, b) if a_wins else (b, a)
    d, lo, hi = (row["diff"], row["diff_lo"], row["diff_hi"]) if a_wins else \
        (-row["diff"], -row["diff_hi"], -row["diff_lo"])
    more = "higher" if d > 0 else "lower"
    lo, hi = sorted((abs(lo), abs(hi)))
    share = row["p_better"] if a_wins else row["p_worse"]
    return (f"Under {name}, {winner} keeps {said} {fmt(abs(d))} {more} ({fmt(lo)}–{fmt(hi)}) "
            f"than {loser}; it does better in {share:.0%} of matched runs.")


def number_format(row: pd.Series) -> Callable[[float], str]:
    """How the numbers of one finding are printed: with enough decimals that its 95% interval shows two
    significant digits (2 - floor(log10 of the interval's larger end), at least 1; 1 decimal from 10 up), so a
    difference of 0.0042 [0.0011, 0.0073] is not rounded to 0.00; no '+' sign."""
    scale = max(abs(row["diff_lo"]), abs(row["diff_hi"]), 1e-12)
    digits = max(1, 2 - int(math.floor(math.log10(scale)))) if scale < 10 else 1
    return lambda x: f"{x:+.{digits}f}".replace("+", "") if x >= 0 else f"{x:.{digits}f}"


def robustness_sentence(rows: pd.DataFrame, names: dict | None = None) -> str:
    """One group's robustness() rows in plain words: the verdict under each weighting, whether it is robust or
    depends on how health is weighed, and what each component says."""
    r0 = rows.iloc[0]
    a, b = display_name(r0["a"]), display_name(r0["b"])

    def says(v: str) -> str:
        return a if v == A_BETTER else b if v == B_BETTER else "neither clearly"

    w = rows[rows["criterion"].str.startswith("weighting")]
    c = rows[rows["criterion"].str.startswith("component")]
    by_w = ", ".join(f"{r['criterion'].split(': ')[1]}: {says(r['verdict'])}" for _, r in w.iterrows())
    by_c = ", ".join(f"{r['criterion'].split(': ')[1]}: {says(r['verdict'])}" for _, r in c.iterrows())
    verdicts = set(w["verdict"])
    if len(verdicts) == 1:
        head = f"On relationship health {says(next(iter(verdicts)))} does better under every weighting (robust)"
    else:
        head = "Which strategy does better on relationship health depends on how you weigh it"
    return f"{head} — {by_w}. By component: {by_c}."


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
        median = (f"median {count(round(med), 'month')}" if pd.notna(med)
                  else "median not reached: fewer than half recovered")
        lines.append(f"  {r['scenario']:<26} {r['strategy']:<{w}} recovered {r['share_recovered']:.0%} of "
                     f"{count(n, 'run')} with a major shock, {median}, breakdown in {r['share_breakdown']:.0%}")
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
                     f"{count(int(r['runs']), 'run')}, {r['firings']:.1f} times per run, first in month "
                     f"{r['first_month']:.0f} (median); {r['months_switched']:.0f} months per run under a rule")
    return "\n".join(lines)


def count(n: int, word: str) -> str:
    """'1 run', '2 runs'."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def explain_sentence(r: pd.Series, mechanism: str) -> str:
    """One row of an explain table in words; `mechanism` is the switched-off mechanism in words (sim.studies.explain
    MECHANISMS), unused for the full model's row."""
    a, b = display_name(r["a"]), display_name(r["b"])
    up, said = higher_is_better(r["outcome"]), outcome_words(r["outcome"])
    if r["mechanism"] == "(full model)":
        lead = a if (r["diff"] > 0) == up else b
        return f"In the full model {lead} gives better {said} by {abs(r['diff']):.4f} on average."
    if r["change_lo"] <= 0 <= r["change_hi"]:
        return f"Without {mechanism} the difference does not change measurably."
    toward = a if (r["change"] > 0) == up else b
    return (f"Without {mechanism} the difference moves {abs(r['change']):.4f} toward {toward}, so this mechanism "
            f"works in favour of {b if toward == a else a}.")


def format_explain(table: pd.DataFrame) -> str:
    """The explain table for the terminal."""
    lines = [f"{'mechanism':<24} {'diff A-B [95% interval]':<30} {'change [95% interval]':<30}"]
    for _, r in table.iterrows():
        lines.append(f"{r['mechanism']:<24} {r['diff']:+.4f} [{r['diff_lo']:+.4f}, {r['diff_hi']:+.4f}]   "
                     f"{r['change']:+.4f} [{r['change_lo']:+.4f}, {r['change_hi']:+.4f}]   {r['sentence']}")
    return "\n".join(lines)


def landscape_markdown(table: pd.DataFrame) -> str:
    """The counts and the cell-by-cell table as Markdown (A, B: the winner beyond the margin; ·: neither)."""
    a, b, axes, crits = (table.attrs[k] for k in ("a", "b", "axes", "criteria"))
    counts = landscape_counts(table)
    lines = [f"A = {display_name(a)}, B = {display_name(b)}; a cell's verdict needs the 95% interval of the mean "
             f"paired difference to clear ±{table.attrs['margin']}.", "",
             "| criterion | A wins | B wins | neither | cells |", "|---|---|---|---|---|"]
    lines += [f"| {r['criterion']} | {r['A wins']} | {r['B wins']} | {r['neither']} | {r['cells']} |"
              for _, r in counts.iterrows()]
    head = [ax.removeprefix("sweep.") for ax in axes] + [c.split(": ")[1] for c in crits] + ["diff (default)"]
    lines += ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in table.iterrows():
        cells = [f"{r[ax]:g}" for ax in axes] + [r[c] for c in crits]
        cells.append(f"{r['diff weighting: default']:+.4f}" if "diff weighting: default" in r else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_scoreboard(board: pd.DataFrame) -> str:
    """The pattern scoreboard (sim.history.patterns.scoreboard) for the terminal: per pattern pass or fail, the
    record's target and band, the model's median and 90% band, and what the pattern is."""
    def num(x: float) -> str:
        return "nan" if pd.isna(x) else f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"

    w = max([7, *map(len, board["pattern"].astype(str))])
    lines = [f"{'':4}  {'pattern':<{w}}  {'record [band]':<26}  {'model median [90%]':<26}  unit, what"]
    for _, r in board.iterrows():
        rec = f"{num(r['target'])} [{num(r['target_lo'])}, {num(r['target_hi'])}]"
        mod = f"{num(r['model_median'])} [{num(r['model_q05'])}, {num(r['model_q95'])}]"
        lines.append(f"{'pass' if r['pass'] else 'FAIL':4}  {r['pattern']:<{w}}  {rec:<26}  {mod:<26}  "
                     f"{r['unit']}; {r['what']} ({r['runs']})")
    passed = int(board["pass"].sum())
    lines.append(f"{passed} of {len(board)} patterns in their record band")
    return "\n".join(lines)
