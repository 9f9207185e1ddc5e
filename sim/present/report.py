"""The workshop report: one self-contained HTML file (figures embedded) plus the figures as PNG and SVG.

Plain-words findings per scenario (no p-values), where the winner changes, the win matrix, fan charts,
distributions, youth-versus-public panels, regret and satisficing tables, the 2x2 game where present,
a precision check, and the analysts' table (Wilcoxon signed-rank with Holm correction) folded away.

Everything in a results directory is data, not markup: experiment name and description, scenario names,
strategy labels, sweep axes and values, outcome names and provenance reach the page only through `_e`
(html.escape with quotes, control characters replaced) or a pandas table built with escape=True; figure file
names are safe path components (sim.paths.safe_component). The page holds no script.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import re
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.analysis import comparison as A
from sim.config.paths import safe_component
from sim.outcomes import HEADLINE as OUTCOME_HEADLINE
from sim.outcomes import WEIGHTINGS
from sim.params import ADAPTIVE
from sim.present.figures import time as F
from sim.runs.results import load_results
from sim.runs.store import atomic_write

HEADLINE = [*OUTCOME_HEADLINE, "economy_discounted", "security_discounted"]  # the report adds two fields
COOPERATION_NOTE = ("Cooperation is an index calibrated only through the checks of the fit report (relations called "
                    "bad, the 2019 fall in visitors; docs/calibration.md), never fitted to data; opinion shares are "
                    "fitted to the 2014-2019 polls only in the scenarios of scenarios/history/.")
MONTHLY_COLUMNS = ["scenario", "strategy", "seed", "point", "health", "good_KR_youth", "good_KR_public",
                   "good_JP_youth", "good_JP_public"]
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;
color:#222;font-size:18px;line-height:1.45}
h1{font-size:2em;margin-bottom:.2em} h2{margin-top:2em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
.finding{font-size:1.1em;margin:.4em 0} .clear{color:#0b5394} .unclear{color:#666}
img{max-width:100%;height:auto;border:1px solid #ddd;margin:.5em 0}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0} td,th{border:1px solid #ccc;padding:.25em .5em}
th{background:#f3f6fa} .meta{color:#555;font-size:.85em} details{margin:1em 0}
"""


# C0/C1 control characters other than tab, newline and carriage return, and lone surrogates (which cannot be
# written as UTF-8): invalid in an HTML document, shown as U+FFFD.
_NOT_HTML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _e(text: object) -> str:
    """Any text for the page (element content or a double-quoted attribute value): escaped, quotes included."""
    return html.escape(_NOT_HTML.sub("\ufffd", str(text)), quote=True)


def _slug(name: str) -> str:
    """A scenario name as part of a figure file name: itself if already a safe path component, else a safe
    version with a short hash of the name (so that two names never share a file)."""
    name = str(name)
    safe = safe_component(name, "scenario")
    if safe == name:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe[:60]}-{digest}"


def _embed(fig: Figure, name: str, figdir: Path, alt: str) -> str:
    """Save the figure as figdir/NAME.svg and .png (NAME a safe file name) and return an <img> embedding the PNG,
    with `alt` (plain text, escaped here) as its alternative text."""
    figdir.mkdir(parents=True, exist_ok=True)
    fig.savefig(figdir / f"{name}.svg")
    engine = fig.get_layout_engine()
    fig.set_layout_engine("none")  # the layout the SVG got (layouts are in figure fractions): not laid out again
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    fig.set_layout_engine(engine)
    (figdir / f"{name}.png").write_bytes(buf.getvalue())
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img alt="{_e(alt)}" title="{_e(alt)}" src="data:image/png;base64,{data}">'


HEADERS = {"point": "sweep point", "a": "strategy A", "b": "strategy B", "diff": "mean difference A − B",
           "diff_lo": "95% low", "diff_hi": "95% high", "lo": "95% low", "hi": "95% high", "n": "pairs",
           "p_better": "P(A better)", "p_tie": "P(tie)", "p_worse": "P(A worse)", "p_a_better": "P(A better)",
           "p_value": "p (Wilcoxon)", "p_adjusted": "p (Holm)", "health_min": "lowest health",
           "n_needed": "seeds needed", "outcome": "outcome", "scenario": "scenario", "strategy": "strategy"}
"""Column headers of the report's tables in words (the CSV files keep the code names)."""


def _table(df: pd.DataFrame, floatfmt: str = "{:.3f}") -> str:
    """An HTML table in words (headers, scenario and strategy names; a sweep point column only if there are
    several points) whose every cell and header is escaped (pandas escape=True)."""
    df = df.copy()
    if "point" in df.columns and df["point"].nunique() <= 1:
        df = df.drop(columns=["point"])
    if "scenario" in df.columns:
        df["scenario"] = df["scenario"].map(F.scenario_words)
    for col in ("a", "b", "strategy"):
        if col in df.columns:
            df[col] = df[col].map(lambda v: A.pretty(str(v)))
    if "outcome" in df.columns:
        df["outcome"] = df["outcome"].map(lambda v: F.label(str(v)))
    df = df.rename(columns=lambda c: HEADERS.get(str(c), str(c).replace("_", " ")))
    clean = df.rename(columns=lambda c: _NOT_HTML.sub("\ufffd", str(c)))
    clean = clean.apply(lambda col: col.map(lambda v: _NOT_HTML.sub("\ufffd", v) if isinstance(v, str) else v))
    return clean.to_html(index=False, float_format=lambda x: floatfmt.format(x), border=0, escape=True)


def _flip_section(summ: pd.DataFrame, ref: str, others: list[str], weightings: dict, margin: float, tol: float,
                  figdir: Path) -> list[str]:
    """Where the winner flips along the sweep (experiments with sweeps): a winner map over two swept fields, the
    paired difference along one, per weighting of health (sim.landscape.winner_table)."""
    axes = [c for c in summ.columns if c.startswith("sweep.")]
    if not axes or not others:
        return []
    from sim.analysis.landscape import winner_table

    parts = ["<h2>Where the winner flips</h2><p>The paired difference in relationship health at each sweep point, "
             "under each weighting of its components; hatched or hollow: the 95% interval does not clear the "
             f"practical margin ({_e(margin)}).</p>"]
    for other in others:
        table = winner_table(summ, ref, other, weightings, margin, tol)
        for scen in _unique_list(table["scenario"]):
            sub = table[table["scenario"] == scen]
            vary = [a for a in axes if sub[a].nunique() > 1]
            slug = _slug(f"{scen}_{other}")
            words = f"{str(scen).replace('_', ' ')}: {A.pretty(ref)} vs {A.pretty(other)}"
            if len(vary) == 1:
                parts.append(_embed(F.winner_line(sub, vary[0]), f"flip_{slug}", figdir,
                                    f"{words}, paired difference along {vary[0].removeprefix('sweep.')}"))
            elif len(vary) == 2:
                parts.append(_embed(F.winner_map(sub, vary[0], vary[1]), f"flip_{slug}", figdir,
                                    f"{words}, where the winner flips"))
            else:
                parts.append(f"<p>{_e(words)}: {len(vary)} swept fields; see sim.discovery (which combinations "
                             "make a strategy fail) and sim.sensitivity (which fields matter).</p>")
    return parts


def _unique_list(values: pd.Series) -> list:
    return list(dict.fromkeys(values))


def _why_section(root: Path) -> list[str]:
    """"Why": the explain table (sim explain --out DIR writes explain.csv beside its runs), or how to get one."""
    path = root / "explain.csv"
    head = "<h2>Why: the mechanisms behind the difference</h2>"
    if not path.is_file():
        return [head, "<p>Trace a difference to named mechanisms with \"sim explain SCENARIO --strategies A,B "
                      "--out DIR\"; \"sim report DIR\" then shows the table here.</p>"]
    table = pd.read_csv(path)
    r0 = table.iloc[0]
    cols = ["mechanism", "diff", "diff_lo", "diff_hi", "change", "change_lo", "change_hi"]
    return [head, f"<p>{_e(r0['outcome'])}, {_e(A.pretty(str(r0['a'])))} (A) against {_e(A.pretty(str(r0['b'])))} "
                  f"(B), {_e(r0['n'])} paired seeds: each mechanism switched off in turn for both strategies "
                  f"(docs/ODD.md, \"What each strategy costs and gains\"). <i>change</i> is how far the difference "
                  f"A − B moves without the mechanism.</p>",
            *[f'<p class="finding">{_e(t)}</p>' for t in table["sentence"]], _table(table[cols], "{:+.4f}")]


def rule_bases(strategies: list) -> dict[str, str]:
    """The base bundle's label of each rule-based strategy whose base is named: the bundled ones (their `extends`)
    and an experiment's inline strategies with `extends` and `rules` (keyed by their `name`)."""
    out = {name: body["extends"] for name, body in ADAPTIVE.items()}
    for item in strategies or []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            body = item.get("levers", item) if isinstance(item.get("levers"), dict) else item
            if body.get("rules") and isinstance(body.get("extends"), str):
                out[item["name"]] = body["extends"]
    return out


def _rules_section(summ: pd.DataFrame, figdir: Path, bases: dict[str, str]) -> list[str]:
    """How often and when the rules of rule-based strategies fired, health in runs with and without a firing, and
    (for a rule-based strategy whose base bundle was run too) the paired effect of its rules."""
    use = A.rule_use(summ)
    if not len(use):
        return []
    strategies = set(summ["strategy"])
    shown = use[[c for c in ("scenario", "point", "strategy", "runs") if c in use.columns]].copy()
    shown["share fired"] = use["share_fired"].map("{:.0%}".format)
    shown["firings per run"] = use["firings"].map("{:.1f}".format)
    shown["first month (median)"] = use["first_month"].map("{:.0f}".format)
    shown["months under a rule, per run"] = use["months_switched"].map("{:.0f}".format)
    shown["health, runs with a firing"] = use["health_discounted fired"].map("{:.3f}".format)
    shown["health, runs without"] = use["health_discounted not fired"].map(
        lambda v: "no such run" if pd.isna(v) else f"{v:.3f}")
    effects = []
    for _, r in use.iterrows():
        base = bases.get(r["strategy"])
        cell = "—"
        if base in strategies:
            sub = summ[summ["scenario"] == r["scenario"]]
            if "point" in use.columns:
                sub = sub[sub["point"] == r["point"]]
            c = A.compare(sub, r["strategy"], base, ["health_discounted"]).iloc[0]
            cell = f"{c['diff']:+.3f} [{c['diff_lo']:+.3f}, {c['diff_hi']:+.3f}] vs {A.pretty(base)}"
        effects.append(cell)
    shown["effect of the rules on health (95%)"] = effects
    parts = ["<h2>Adaptive strategies: when the rules fired</h2>",
             "<p>A rule-based strategy keeps its base bundle until one of its rules fires (docs/scenarios.md, "
             "\"Adaptive strategies\"). <i>Share fired</i>: share of runs in which any rule fired; <i>first "
             "month</i>: median month of the first firing. Health in runs with and without a firing is not a causal "
             "contrast: the runs in which a rule fires are those with provocations or coercion. The causal effect "
             "of the rules is the last column: the paired difference (same seeds) against the base bundle, where "
             "that was run too; in a run whose rules never fire the two are identical.</p>", _table(shown)]
    counts = A.rule_counts(summ)
    if len(counts):
        words = counts[[c for c in ("scenario", "point", "strategy", "rule") if c in counts.columns]].copy()
        words["share fired"] = counts["share_fired"].map("{:.0%}".format)
        words["firings per run"] = counts["firings"].map("{:.1f}".format)
        words["months it fired (25%, median, 75%)"] = [f"{a:.0f}, {b:.0f}, {c:.0f}" for a, b, c in zip(
            counts["month_q25"], counts["month_median"], counts["month_q75"], strict=True)]
        parts.append("<p>Each rule (country.rule): share of runs in which it fired, firings per run, and the "
                     "months in which it fired. A rule of these strategies that is not listed never fired.</p>")
        parts.append(_table(words))
        runs = summ.groupby("strategy").size().to_dict()
        pooled = " (all scenarios pooled)" if summ["scenario"].nunique() > 1 else ""
        parts.append(_embed(F.rule_timeline(A.rule_firings(summ), runs, title=f"When the rules fired{pooled}"),
                            "rule_timeline", figdir,
                            "when the rules fired, per strategy and rule"))
    return parts


def _title(row: pd.Series, words: str) -> str:
    """A figure title stating the finding, with the scenario (a PNG on a slide must say what it shows)."""
    a, b = A.pretty(row["a"]), A.pretty(row["b"])
    where = F.scenario_words(row["scenario"])
    if row["verdict"] == "A better":
        text = f"{a} keeps {words} higher than {b}" if row["diff"] > 0 else f"{a} keeps {words} lower than {b}"
    elif row["verdict"] == "B better":
        text = f"{b} keeps {words} higher than {a}" if row["diff"] < 0 else f"{b} keeps {words} lower than {a}"
    else:
        text = f"{a} vs {b}: no clear difference in {words}"
    return f"{where}: {text}"


def _point_names(summ: pd.DataFrame) -> dict:
    """Display names for (scenario, sweep point): 'baseline (disputes.deterrence = 3)' when swept."""
    sweep = [c for c in summ.columns if c.startswith("sweep.")]
    if not sweep or "point" not in summ.columns:
        return {}
    first = summ.drop_duplicates(["scenario", "point"])
    return {(r["scenario"], r["point"]): f"{r['scenario'].replace('_', ' ')} ("
            + ", ".join(f"{c[6:]} = {r[c]:.3g}" if isinstance(r[c], float) else f"{c[6:]} = {r[c]}" for c in sweep)
            + ")" for _, r in first.iterrows()}


def build_report(results_dir: str | Path, out: str | Path | None = None, reference: str | None = None,
                 margins: dict[str, float] | None = None) -> Path:
    """Write OUT/report.html (self-contained) and OUT/figures/*.png|svg for a results directory."""
    root = Path(results_dir)
    res = load_results(root, monthly=False)
    if not len(res.summaries):
        raise ValueError(f"{root}: no finished runs to report on")
    settings = res.manifest.get("experiment", {}).get("analysis", {}) or {}
    out = Path(out) if out else root / "report"
    figdir = out / "figures"
    summ = res.summaries
    strategies = list(dict.fromkeys(summ["strategy"]))
    if len(strategies) < 2:
        raise ValueError(f"{root}: a report compares strategies; the results hold only {strategies}")
    ref = reference or settings.get("reference") or ("two_track" if "two_track" in strategies else strategies[0])
    if ref not in strategies:
        raise ValueError(f"reference strategy {ref!r} not in the results; have {strategies}")
    others = [s for s in strategies if s != ref]
    margins = {**A.DEFAULT_MARGINS, **settings.get("margins", {}), **(margins or {})}
    default_margin = float(settings.get("default_margin", 0.005))
    tol = float(settings.get("tie_tolerance", 1e-3))
    threshold = float(settings.get("satisficing_threshold", 0.45))
    width = float(settings.get("precision_width", 0.01))
    table = A.adjust(pd.concat([A.compare(summ, ref, o, margins=margins, default_margin=default_margin, tol=tol)
                                for o in others], ignore_index=True))
    names = _point_names(summ)
    scenarios = list(dict.fromkeys(summ["scenario"]))
    monthly = load_results(root, monthly=True, columns=MONTHLY_COLUMNS).monthly if res.manifest.get(
        "monthly", True) else None
    title = res.manifest.get("name") or "experiment"
    title = "Comparison" if title == "compare" else F.scenario_words(title)
    prov = res.manifest.get("provenance") or {}
    prov = prov if isinstance(prov, dict) else {}
    parts = [f"<h1>{_e(title)}: which strategy does better?</h1>",
             f"<p>{_e(res.manifest.get('description') or '')}</p>",
             f"<p class=meta>{len(summ)} runs; strategies {_e(', '.join(map(str, strategies)))}; reference "
             f"{_e(ref)}; paired by seed (common random numbers). A difference counts only when its 95% interval "
             f"clears the practical margin (health and cooperation {_e(margins['health_discounted'])}, crisis "
             f"months {_e(margins['crisis_months'])}; set them under <code>analysis: margins:</code> in the "
             "experiment). "
             f"Code {_e(prov.get('code_version'))}, commit {_e(prov.get('git_commit'))}.</p>",
             f"<p class=meta>{COOPERATION_NOTE}</p>"]
    weightings = {**WEIGHTINGS, **(settings.get("weightings") or {})}
    robust = pd.concat([A.robustness(summ, ref, o, weightings, default_margin, tol) for o in others],
                       ignore_index=True)
    if "point" not in summ.columns or summ["point"].nunique() <= 1:
        parts.append(_embed(F.verdict_grid(table, HEADLINE, robust), "verdicts", figdir,
                            "which strategy does better, per scenario and outcome"))
        parts.append("<p>Read the grid first: a coloured cell is a verdict (the strategy named does better, by the "
                     "amount shown, and its 95% interval clears the practical margin); grey means no clear "
                     "difference. For relationship health the cell also says whether the verdict is the same under "
                     "every weighting of its components. The sentences below say the same in words. The win matrix "
                     "further down counts in how many seeds each strategy is best, however small the difference: "
                     "a strategy can be best in most seeds and still show no clear difference here, when its lead "
                     "is smaller than the margin.</p>")
    parts.append("<h2>Findings</h2>")
    for scen in scenarios:
        parts.append(f"<h3>{_e(F.scenario_words(scen))}</h3>")
        rows = table[(table["scenario"] == scen) & table["outcome"].isin(HEADLINE)]
        for _, r in rows.iterrows():
            cls = "unclear" if r["verdict"] == "no clear difference" else "clear"
            parts.append(f'<p class="finding {cls}">{_e(A.sentence(r, names))}</p>')
        if len(robust):
            for _, grp in robust[robust["scenario"] == scen].groupby([c for c in ("point", "b") if c in robust],
                                                                     sort=False):
                parts.append(f'<p class="finding robustness">{_e(A.robustness_sentence(grp))}</p>')
    fails = pd.concat([A.where_it_fails(summ, ref, o, tol=tol) for o in others], ignore_index=True) \
        if {"major_shock_month", "n_dispute_opened", "n_dispute_linked"} <= set(summ.columns) else pd.DataFrame()
    parts += _flip_section(summ, ref, others, weightings, default_margin, tol, figdir)
    parts += _why_section(root)
    parts += _rules_section(summ, figdir, rule_bases(res.manifest.get("experiment", {}).get("strategies")))
    parts.append("<h2>Where it fails</h2>")
    health = table[table["outcome"] == "health_discounted"]
    flips = []
    for _, r in health.iterrows():
        who = {"A better": A.pretty(ref), "B better": A.pretty(r["b"])}.get(r["verdict"])
        name = names.get((r["scenario"], r.get("point")), r["scenario"].replace("_", " "))
        flips.append(f"{name}, {A.pretty(ref)} vs {A.pretty(r['b'])}: "
                     + (f"{who} better" if who else "no clear difference"))
    parts.append("<p>Winner on relationship health by scenario — " + _e("; ".join(flips)) + ".</p>")
    if len(fails) and fails["winner_changes"].any():
        parts.append("<p>Within scenarios, the winner changes in these groups of runs:</p>")
        cols = [c for c in ("scenario", "point", "a", "b", "condition", "level", "n", "p_a_better", "overall")
                if c in fails.columns]
        parts.append("<p>(P(A better) counts ties as one half; the scenario's side of one half is its winner "
                     "here, whatever the practical margin.)</p>")
        parts.append(_table(fails[fails["winner_changes"]][cols]))
    else:
        parts.append("<p>Within each scenario, no group of runs (by major shocks, disputes opened, standoffs) "
                     "reverses the scenario's winner.</p>")
    wm = A.win_matrix(summ, "health_discounted", tol)
    parts.append("<h2>Win matrix</h2><p>Share of matched runs in which each strategy has the best relationship "
                 "health (ties split).</p>")
    parts.append(_embed(F.win_matrix(wm, "health_discounted"), "win_matrix", figdir,
                        "win matrix: share of matched runs in which each strategy has the best health"))
    parts.append("<h2>Outcome distributions</h2>")
    for outcome in HEADLINE[:2]:
        parts.append(_embed(F.outcome_distributions(summ, outcome, strategies), f"distribution_{outcome}", figdir,
                            f"distribution over runs of {F.label(outcome)}"))
    if monthly is not None and len(monthly):
        parts.append("<h2>Over time</h2>")
        for scen in scenarios:
            slug = _slug(scen)
            words = F.shorten(scen).replace("_", " ")
            row = health[health["scenario"] == scen].iloc[0]
            parts.append(f"<h3>{_e(F.scenario_words(scen))}</h3>")
            parts.append(_embed(F.fan_chart(monthly, "health", scen, strategies,
                                            title=f"{words}: relationship health"),
                                f"fan_health_{slug}", figdir, f"{words}: relationship health over time"))
            parts.append(_embed(F.difference_fan(monthly, "health", scen, ref, row["b"], mean=True,
                                                 title=_title(row, "discounted health")),
                                f"diff_health_{slug}", figdir, f"{words}: paired difference in health over time"))
            parts.append(_embed(F.youth_public_panels(monthly, scen, strategies), f"youth_public_{slug}", figdir,
                                f"{words}: youth and public views over time"))
    parts.append("<h2>Regret and satisficing</h2><p>Regret: how far a strategy's median health falls short of "
                 "the best strategy in that scenario (minimax regret picks the smallest maximum).</p>")
    parts.append(_table(A.regret(summ)))
    parts.append(f"<p>Satisficing: share of runs in which health never falls below {_e(threshold)}.</p>")
    parts.append(_table(A.satisficing(summ, "health_min", threshold)))
    labels = set(strategies)
    if any(s.startswith("kr=") for s in labels):
        parts.append("<h2>The 2×2 as a game</h2><p>Each country's mean discounted payoff (approval and benefit) "
                     "per cell; a best response maximises a country's payoff given the other's choice.</p>")
        base = sorted({p.partition("=")[2] for s in labels if s.startswith("kr=") for p in s.split(",")} - {""})
        games = [A.payoff_game(summ, scen, base) for scen in scenarios]
        games = [g for g in games if len(g)]
        if games:
            game = pd.concat(games, ignore_index=True)
            parts.append(_embed(F.payoff_table_figure(game), "payoff_game", figdir,
                                "each country's mean payoff per pair of strategies"))
            parts.append(_table(game))
    prec = A.precision(table[table["outcome"].isin(HEADLINE)], width)
    short = prec[~prec["enough"]]
    parts.append("<h2>Precision</h2>")
    if len(short):
        parts.append(f"<p>These intervals are wider than {_e(width)}; the seeds needed are n·(w/{_e(width)})²:</p>")
        parts.append(_table(short[["scenario", "outcome", "b", "n", "width", "n_needed"]]))
    else:
        parts.append(f"<p>Every headline interval is narrower than {_e(width)}: enough seeds.</p>")
    parts.append("<details><summary>Analysts' table: paired tests (Wilcoxon signed-rank, Holm-corrected over "
                 "all rows)</summary>" + _table(table.drop(columns=["higher_is_better"]), "{:.4g}") + "</details>")
    doc = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(title)} report</title>"
           f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")
    path = out / "report.html"
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: p.write_text(doc, encoding="utf-8"))
    table.to_csv(out / "comparison.csv", index=False)
    return path
