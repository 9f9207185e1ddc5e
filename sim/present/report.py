"""The workshop report: one self-contained HTML file (figures embedded) plus the figures as PNG and SVG.

Plain-words findings per scenario (no p-values), where the winner changes, the win matrix, fan charts,
distributions, youth-versus-public panels, regret and satisficing tables, the 2x2 game where present,
a precision check, and the analysts' table (Wilcoxon signed-rank with Holm correction) folded away.

Built in two steps: `report_data` computes every table, verdict and setting of the report and says which figures
it shows (ReportData, no HTML, nothing drawn); `render` turns that into the page and the figure files.
`build_report` does both and writes report.html, figures/*.png|svg and comparison.csv (through sim.runs.store).

Everything in a results directory is data, not markup: experiment name and description, scenario names,
strategy labels, sweep axes and values, outcome names and provenance reach the page only through
sim.present.html (escape, table); figure file names are safe path components (sim.config.paths.safe_component).
The page holds no script.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim.analysis import comparison as C
from sim.analysis.landscape import winner_table
from sim.analysis.rules import rule_counts, rule_firings, rule_use
from sim.analysis.words import column_label, display_name, robustness_sentence, scenario_words, sentence
from sim.config.paths import safe_component
from sim.outcomes import A_BETTER, B_BETTER, NO_CLEAR, REPORTED, AnalysisSettings
from sim.params import ADAPTIVE
from sim.present import html
from sim.present.figures.distributions import outcome_distributions
from sim.present.figures.time import difference_fan, fan_chart, rule_timeline, youth_public_panels
from sim.present.figures.verdicts import payoff_table_figure, verdict_grid, win_matrix_figure, winner_line, winner_map
from sim.present.style import shorten
from sim.runs.results import load_results
from sim.runs.store import write_frame

COOPERATION_NOTE = ("Cooperation is an index calibrated only through the checks of the fit report (relations called "
                    "bad, the 2019 fall in visitors; docs/calibration.md), never fitted to data; opinion shares are "
                    "fitted to the 2014-2019 polls only in the scenarios of scenarios/history/.")
MONTHLY_COLUMNS = ["scenario", "strategy", "seed", "point", "health", "good_KR_youth", "good_KR_public",
                   "good_JP_youth", "good_JP_public"]
HEADERS = {"point": "sweep point", "a": "strategy A", "b": "strategy B", "diff": "mean difference A − B",
           "diff_lo": "95% low", "diff_hi": "95% high", "lo": "95% low", "hi": "95% high", "n": "pairs",
           "p_better": "P(A better)", "p_tie": "P(tie)", "p_worse": "P(A worse)", "p_a_better": "P(A better)",
           "p_value": "p (Wilcoxon)", "p_adjusted": "p (Holm)", "health_min": "lowest health",
           "n_needed": "seeds needed", "outcome": "outcome", "scenario": "scenario", "strategy": "strategy"}
"""Column headers of the report's tables in words (the CSV files keep the code names)."""
EXPLAIN_COLUMNS = ["mechanism", "diff", "diff_lo", "diff_hi", "change", "change_lo", "change_hi"]
FAIL_COLUMNS = ("scenario", "point", "a", "b", "condition", "level", "n", "p_a_better", "overall")


# ---------------------------------------------------------------------------------------------- the data

@dataclass(frozen=True)
class FigureSpec:
    """One figure of the report, not yet drawn: its file stem (a safe file name), its alternative text, and the
    figure function with the arguments to call it with."""

    name: str
    alt: str
    draw: Callable[..., Figure]
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def figure(self) -> Figure:
        """Draw the figure."""
        return self.draw(*self.args, **self.kwargs)


@dataclass
class Flip:
    """Where the winner flips for one scenario and pair of strategies: a figure over one or two swept fields, or
    a note when more fields vary."""

    words: str
    figure: FigureSpec | None = None
    fields: int = 0


@dataclass
class RulesData:
    """How often and when the rules of rule-based strategies fired: the table per strategy (in words, with the
    paired effect of the rules against the base bundle where that was run), per rule, and the timeline figure."""

    shown: pd.DataFrame
    per_rule: pd.DataFrame | None
    timeline: FigureSpec | None


@dataclass
class ReportData:
    """Everything the report says, computed from a results directory (report_data): no HTML, nothing drawn.

    table is the verdict table (the reference against each other strategy per scenario, sweep point and
    outcome; sim.analysis.compare_table with the experiment's margins, Holm-adjusted over all rows), robust the
    robustness of the verdicts on health to its weighting; the other frames are the tables of their sections,
    and the FigureSpecs the figures shown."""

    root: Path
    title: str
    description: str
    provenance: dict[str, Any]
    runs: int
    strategies: list[str]
    reference: str
    others: list[str]
    scenarios: list[str]
    settings: AnalysisSettings
    table: pd.DataFrame
    robust: pd.DataFrame
    point_names: dict[Any, str]
    fails: pd.DataFrame
    flips: list[Flip]
    explain: pd.DataFrame | None
    rules: RulesData | None
    win: pd.DataFrame
    regret: pd.DataFrame
    satisficing: pd.DataFrame
    game: pd.DataFrame | None
    precision: pd.DataFrame
    verdict_figure: FigureSpec | None
    win_figure: FigureSpec
    distribution_figures: list[FigureSpec]
    over_time: dict[str, list[FigureSpec]]
    game_figure: FigureSpec | None

    def figure_specs(self) -> list[FigureSpec]:
        """Every figure of the report, in the order of the page."""
        specs = [self.verdict_figure] + [f.figure for f in self.flips]
        specs += [self.rules.timeline if self.rules else None, self.win_figure, *self.distribution_figures]
        specs += [s for group in self.over_time.values() for s in group] + [self.game_figure]
        return [s for s in specs if s is not None]


def slug(name: object) -> str:
    """A scenario name as part of a figure file name: itself if already a safe path component, else a safe
    version with a short hash of the name (so that two names never share a file)."""
    name = str(name)
    safe = safe_component(name, "scenario")
    if safe == name:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe[:60]}-{digest}"


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


def point_names(summ: pd.DataFrame) -> dict:
    """Display names for (scenario, sweep point): 'baseline (disputes.deterrence = 3)' when swept."""
    sweep = [c for c in summ.columns if c.startswith("sweep.")]
    if not sweep or "point" not in summ.columns:
        return {}
    first = summ.drop_duplicates(["scenario", "point"])
    return {(r["scenario"], r["point"]): f"{r['scenario'].replace('_', ' ')} ("
            + ", ".join(f"{c[6:]} = {r[c]:.3g}" if isinstance(r[c], float) else f"{c[6:]} = {r[c]}" for c in sweep)
            + ")" for _, r in first.iterrows()}


def finding_title(row: pd.Series, words: str) -> str:
    """A figure title stating the finding of a verdict row, with the scenario (a PNG on a slide must say what
    it shows)."""
    a, b = display_name(row["a"]), display_name(row["b"])
    where = scenario_words(row["scenario"])
    if row["verdict"] == A_BETTER:
        text = f"{a} keeps {words} higher than {b}" if row["diff"] > 0 else f"{a} keeps {words} lower than {b}"
    elif row["verdict"] == B_BETTER:
        text = f"{b} keeps {words} higher than {a}" if row["diff"] < 0 else f"{b} keeps {words} lower than {a}"
    else:
        text = f"{a} vs {b}: {NO_CLEAR} in {words}"
    return f"{where}: {text}"


def _flips(summ: pd.DataFrame, ref: str, others: list[str], settings: AnalysisSettings) -> list[Flip]:
    """Where the winner flips along the sweep (sim.analysis.winner_table), per scenario and other strategy."""
    axes = [c for c in summ.columns if c.startswith("sweep.")]
    if not axes or not others:
        return []
    out = []
    for other in others:
        table = winner_table(summ, ref, other, settings.weightings, settings.default_margin, settings.tie_tolerance)
        for scen in dict.fromkeys(table["scenario"]):
            sub = table[table["scenario"] == scen]
            vary = [a for a in axes if sub[a].nunique() > 1]
            name = f"flip_{slug(f'{scen}_{other}')}"
            words = f"{str(scen).replace('_', ' ')}: {display_name(ref)} vs {display_name(other)}"
            spec = None
            if len(vary) == 1:
                spec = FigureSpec(name, f"{words}, paired difference along {vary[0].removeprefix('sweep.')}",
                                  winner_line, (sub, vary[0]))
            elif len(vary) == 2:
                spec = FigureSpec(name, f"{words}, where the winner flips", winner_map, (sub, vary[0], vary[1]))
            out.append(Flip(words, spec, len(vary)))
    return out


def _rules(summ: pd.DataFrame, bases: dict[str, str], settings: AnalysisSettings) -> RulesData | None:
    """The rules section's tables and figure (None when no rule fired)."""
    use = rule_use(summ)
    if not len(use):
        return None
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
            c = C.paired_table(sub, r["strategy"], base, ["health_discounted"], tol=settings.tie_tolerance).iloc[0]
            cell = f"{c['diff']:+.3f} [{c['diff_lo']:+.3f}, {c['diff_hi']:+.3f}] vs {display_name(base)}"
        effects.append(cell)
    shown["effect of the rules on health (95%)"] = effects
    counts = rule_counts(summ)
    per_rule, timeline = None, None
    if len(counts):
        per_rule = counts[[c for c in ("scenario", "point", "strategy", "rule") if c in counts.columns]].copy()
        per_rule["share fired"] = counts["share_fired"].map("{:.0%}".format)
        per_rule["firings per run"] = counts["firings"].map("{:.1f}".format)
        per_rule["months it fired (25%, median, 75%)"] = [f"{a:.0f}, {b:.0f}, {c:.0f}" for a, b, c in zip(
            counts["month_q25"], counts["month_median"], counts["month_q75"], strict=True)]
        runs = summ.groupby("strategy").size().to_dict()
        pooled = " (all scenarios pooled)" if summ["scenario"].nunique() > 1 else ""
        timeline = FigureSpec("rule_timeline", "when the rules fired, per strategy and rule", rule_timeline,
                              (rule_firings(summ), runs), {"title": f"When the rules fired{pooled}"})
    return RulesData(shown, per_rule, timeline)


def report_data(results_dir: str | Path, reference: str | None = None,
                margins: dict[str, float] | None = None) -> ReportData:
    """Compute the report of a results directory: the verdict table and its robustness, the findings' groups,
    where the winner flips, the explain table, the rules, the win matrix, regret, satisficing, the 2x2 game and
    the precision check, with the experiment's `analysis:` settings (AnalysisSettings; `reference` and
    `margins` override them) and the figures to show. Nothing is drawn or written. A ValueError if the
    directory holds no finished runs, only one strategy, or not the reference strategy."""
    root = Path(results_dir)
    res = load_results(root, monthly=False)
    if not len(res.summaries):
        raise ValueError(f"{root}: no finished runs to report on")
    experiment = res.manifest.get("experiment", {}) or {}
    settings = AnalysisSettings.from_dict(experiment.get("analysis")).with_margins(margins)
    summ = res.summaries
    strategies = list(dict.fromkeys(summ["strategy"]))
    if len(strategies) < 2:
        raise ValueError(f"{root}: a report compares strategies; the results hold only {strategies}")
    ref = reference or settings.reference or ("two_track" if "two_track" in strategies else strategies[0])
    if ref not in strategies:
        raise ValueError(f"reference strategy {ref!r} not in the results; have {strategies}")
    others = [s for s in strategies if s != ref]
    tol = settings.tie_tolerance
    table = C.compare_table(summ, ref, others, tol, settings.margins, settings.default_margin)
    robust = pd.concat([C.robustness(summ, ref, o, settings.weightings, settings.default_margin, tol)
                        for o in others], ignore_index=True)
    scenarios = list(dict.fromkeys(summ["scenario"]))
    name = res.manifest.get("name") or "experiment"
    prov = res.manifest.get("provenance") or {}
    fails = pd.concat([C.where_it_fails(summ, ref, o, tol=tol) for o in others], ignore_index=True) \
        if {"major_shock_month", "n_dispute_opened", "n_dispute_linked"} <= set(summ.columns) else pd.DataFrame()
    explain = pd.read_csv(root / "explain.csv") if (root / "explain.csv").is_file() else None
    game = None
    if any(str(s).startswith("kr=") for s in strategies):
        base = sorted({p.partition("=")[2] for s in strategies if str(s).startswith("kr=") for p in s.split(",")}
                      - {""})
        games = [g for g in (C.payoff_game(summ, scen, base) for scen in scenarios) if len(g)]
        game = pd.concat(games, ignore_index=True) if games else None
    prec = C.precision(table[table["outcome"].isin(REPORTED)], settings.precision_width)
    win = C.win_matrix(summ, "health_discounted", tol)
    single = "point" not in summ.columns or summ["point"].nunique() <= 1
    monthly = load_results(root, monthly=True, columns=MONTHLY_COLUMNS).monthly if res.manifest.get(
        "monthly", True) else None
    over_time: dict[str, list[FigureSpec]] = {}
    if monthly is not None and len(monthly):
        health = table[table["outcome"] == "health_discounted"]
        for scen in scenarios:
            s, words = slug(scen), shorten(scen).replace("_", " ")
            row = health[health["scenario"] == scen].iloc[0]
            over_time[scen] = [
                FigureSpec(f"fan_health_{s}", f"{words}: relationship health over time", fan_chart,
                           (monthly, "health", scen, strategies), {"title": f"{words}: relationship health"}),
                FigureSpec(f"diff_health_{s}", f"{words}: paired difference in health over time", difference_fan,
                           (monthly, "health", scen, ref, row["b"]),
                           {"mean": True, "title": finding_title(row, "discounted health")}),
                FigureSpec(f"youth_public_{s}", f"{words}: youth and public views over time", youth_public_panels,
                           (monthly, scen, strategies))]
    return ReportData(
        root=root, title="Comparison" if name == "compare" else scenario_words(name),
        description=str(res.manifest.get("description") or ""), provenance=prov if isinstance(prov, dict) else {},
        runs=len(summ), strategies=strategies, reference=ref, others=others, scenarios=scenarios,
        settings=settings, table=table, robust=robust, point_names=point_names(summ), fails=fails,
        flips=_flips(summ, ref, others, settings), explain=explain,
        rules=_rules(summ, rule_bases(experiment.get("strategies")), settings), win=win, regret=C.regret(summ),
        satisficing=C.satisficing(summ, "health_min", settings.satisficing_threshold), game=game,
        precision=prec[~prec["enough"]],
        verdict_figure=FigureSpec("verdicts", "which strategy does better, per scenario and outcome", verdict_grid,
                                  (table, REPORTED, robust)) if single else None,
        win_figure=FigureSpec("win_matrix", "win matrix: share of matched runs in which each strategy has the best "
                              "health", win_matrix_figure, (win, "health_discounted")),
        distribution_figures=[FigureSpec(f"distribution_{o}", f"distribution over runs of {column_label(o)}",
                                         outcome_distributions, (summ, o, strategies)) for o in REPORTED[:2]],
        over_time=over_time,
        game_figure=FigureSpec("payoff_game", "each country's mean payoff per pair of strategies",
                               payoff_table_figure, (game,)) if game is not None else None)


# ---------------------------------------------------------------------------------------------- the page

def table_in_words(df: pd.DataFrame, floatfmt: str = "{:.3f}") -> str:
    """An HTML table in words (headers, scenario, strategy and outcome names; a sweep point column only if there
    are several points), every cell and header escaped (sim.present.html.table)."""
    df = df.copy()
    if "point" in df.columns and df["point"].nunique() <= 1:
        df = df.drop(columns=["point"])
    if "scenario" in df.columns:
        df["scenario"] = df["scenario"].map(scenario_words)
    for col in ("a", "b", "strategy"):
        if col in df.columns:
            df[col] = df[col].map(lambda v: display_name(str(v)))
    if "outcome" in df.columns:
        df["outcome"] = df["outcome"].map(lambda v: column_label(str(v)))
    df = df.rename(columns=lambda c: HEADERS.get(str(c), str(c).replace("_", " ")))
    return html.table(df, floatfmt)


class _Page:
    """The parts of the page, and the figures drawn into figdir as they are added."""

    def __init__(self, figdir: Path) -> None:
        self.parts: list[str] = []
        self.figdir = figdir

    def add(self, *parts: str) -> None:
        """Add HTML (already escaped)."""
        self.parts.extend(parts)

    def figure(self, spec: FigureSpec | None) -> None:
        """Draw the figure of `spec` (if any), write it to figdir and embed it."""
        if spec is not None:
            self.parts.append(html.embed(spec.figure(), spec.alt, spec.name, self.figdir))


def _header(d: ReportData, page: _Page) -> None:
    e, margins = html.escape, d.settings.margins
    page.add(f"<h1>{e(d.title)}: which strategy does better?</h1>", f"<p>{e(d.description)}</p>",
             f"<p class=meta>{d.runs} runs; strategies {e(', '.join(map(str, d.strategies)))}; reference "
             f"{e(d.reference)}; paired by seed (common random numbers). A difference counts only when its 95% "
             f"interval clears the practical margin (health and cooperation {e(margins['health_discounted'])}, "
             f"crisis months {e(margins['crisis_months'])}; set them under <code>analysis: margins:</code> in the "
             f"experiment). Code {e(d.provenance.get('code_version'))}, commit {e(d.provenance.get('git_commit'))}."
             "</p>", f"<p class=meta>{COOPERATION_NOTE}</p>")
    if d.verdict_figure is not None:
        page.figure(d.verdict_figure)
        page.add("<p>Read the grid first: a coloured cell is a verdict (the strategy named does better, by the "
                 "amount shown, and its 95% interval clears the practical margin); grey means no clear "
                 "difference. For relationship health the cell also says whether the verdict is the same under "
                 "every weighting of its components. The sentences below say the same in words. The win matrix "
                 "further down counts in how many seeds each strategy is best, however small the difference: "
                 "a strategy can be best in most seeds and still show no clear difference here, when its lead "
                 "is smaller than the margin.</p>")


def _findings(d: ReportData, page: _Page) -> None:
    page.add("<h2>Findings</h2>")
    for scen in d.scenarios:
        page.add(f"<h3>{html.escape(scenario_words(scen))}</h3>")
        rows = d.table[(d.table["scenario"] == scen) & d.table["outcome"].isin(REPORTED)]
        for _, r in rows.iterrows():
            cls = "unclear" if r["verdict"] == NO_CLEAR else "clear"
            page.add(f'<p class="finding {cls}">{html.escape(sentence(r, d.point_names))}</p>')
        if len(d.robust):
            keys = [c for c in ("point", "b") if c in d.robust]
            for _, grp in d.robust[d.robust["scenario"] == scen].groupby(keys, sort=False):
                page.add(f'<p class="finding robustness">{html.escape(robustness_sentence(grp))}</p>')


def _flip_section(d: ReportData, page: _Page) -> None:
    if not d.flips:
        return
    page.add("<h2>Where the winner flips</h2><p>The paired difference in relationship health at each sweep point, "
             "under each weighting of its components; hatched or hollow: the 95% interval does not clear the "
             f"practical margin ({html.escape(d.settings.default_margin)}).</p>")
    for flip in d.flips:
        if flip.figure is not None:
            page.figure(flip.figure)
        else:
            page.add(f"<p>{html.escape(flip.words)}: {flip.fields} swept fields; see sim.analysis.prim (which "
                     "combinations make a strategy fail) and sim.studies.sensitivity (which fields matter).</p>")


def _why_section(d: ReportData, page: _Page) -> None:
    """"Why": the explain table (sim explain --out DIR writes explain.csv beside its runs), or how to get one."""
    page.add("<h2>Why: the mechanisms behind the difference</h2>")
    if d.explain is None:
        page.add("<p>Trace a difference to named mechanisms with \"sim explain SCENARIO --strategies A,B "
                 "--out DIR\"; \"sim report DIR\" then shows the table here.</p>")
        return
    e, r0 = html.escape, d.explain.iloc[0]
    page.add(f"<p>{e(r0['outcome'])}, {e(display_name(str(r0['a'])))} (A) against {e(display_name(str(r0['b'])))} "
             f"(B), {e(r0['n'])} paired seeds: each mechanism switched off in turn for both strategies "
             f"(docs/ODD.md, \"What each strategy costs and gains\"). <i>change</i> is how far the difference "
             f"A − B moves without the mechanism.</p>",
             *[f'<p class="finding">{e(t)}</p>' for t in d.explain["sentence"]],
             table_in_words(d.explain[EXPLAIN_COLUMNS], "{:+.4f}"))


def _rules_section(d: ReportData, page: _Page) -> None:
    if d.rules is None:
        return
    page.add("<h2>Adaptive strategies: when the rules fired</h2>",
             "<p>A rule-based strategy keeps its base bundle until one of its rules fires (docs/scenarios.md, "
             "\"Adaptive strategies\"). <i>Share fired</i>: share of runs in which any rule fired; <i>first "
             "month</i>: median month of the first firing. Health in runs with and without a firing is not a causal "
             "contrast: the runs in which a rule fires are those with provocations or coercion. The causal effect "
             "of the rules is the last column: the paired difference (same seeds) against the base bundle, where "
             "that was run too; in a run whose rules never fire the two are identical.</p>",
             table_in_words(d.rules.shown))
    if d.rules.per_rule is not None:
        page.add("<p>Each rule (country.rule): share of runs in which it fired, firings per run, and the "
                 "months in which it fired. A rule of these strategies that is not listed never fired.</p>",
                 table_in_words(d.rules.per_rule))
        page.figure(d.rules.timeline)


def _fails_section(d: ReportData, page: _Page) -> None:
    page.add("<h2>Where it fails</h2>")
    flips = []
    for _, r in d.table[d.table["outcome"] == "health_discounted"].iterrows():
        who = {A_BETTER: display_name(d.reference), B_BETTER: display_name(r["b"])}.get(r["verdict"])
        name = d.point_names.get((r["scenario"], r.get("point")), r["scenario"].replace("_", " "))
        flips.append(f"{name}, {display_name(d.reference)} vs {display_name(r['b'])}: "
                     + (f"{who} better" if who else NO_CLEAR))
    page.add("<p>Winner on relationship health by scenario — " + html.escape("; ".join(flips)) + ".</p>")
    if len(d.fails) and d.fails["winner_changes"].any():
        cols = [c for c in FAIL_COLUMNS if c in d.fails.columns]
        page.add("<p>Within scenarios, the winner changes in these groups of runs:</p>",
                 "<p>(P(A better) counts ties as one half; the scenario's side of one half is its winner "
                 "here, whatever the practical margin.)</p>", table_in_words(d.fails[d.fails["winner_changes"]][cols]))
    else:
        page.add("<p>Within each scenario, no group of runs (by major shocks, disputes opened, standoffs) "
                 "reverses the scenario's winner.</p>")


def _figures_sections(d: ReportData, page: _Page) -> None:
    page.add("<h2>Win matrix</h2><p>Share of matched runs in which each strategy has the best relationship "
             "health (ties split).</p>")
    page.figure(d.win_figure)
    page.add("<h2>Outcome distributions</h2>")
    for spec in d.distribution_figures:
        page.figure(spec)
    if d.over_time:
        page.add("<h2>Over time</h2>")
        for scen, specs in d.over_time.items():
            page.add(f"<h3>{html.escape(scenario_words(scen))}</h3>")
            for spec in specs:
                page.figure(spec)


def _tables_sections(d: ReportData, page: _Page) -> None:
    e, width = html.escape, d.settings.precision_width
    page.add("<h2>Regret and satisficing</h2><p>Regret: how far a strategy's median health falls short of "
             "the best strategy in that scenario (minimax regret picks the smallest maximum).</p>",
             table_in_words(d.regret),
             f"<p>Satisficing: share of runs in which health never falls below "
             f"{e(d.settings.satisficing_threshold)}.</p>", table_in_words(d.satisficing))
    if any(str(s).startswith("kr=") for s in d.strategies):
        page.add("<h2>The 2×2 as a game</h2><p>Each country's mean discounted payoff (approval and benefit) "
                 "per cell; a best response maximises a country's payoff given the other's choice.</p>")
        if d.game is not None:
            page.figure(d.game_figure)
            page.add(table_in_words(d.game))
    page.add("<h2>Precision</h2>")
    if len(d.precision):
        page.add(f"<p>These intervals are wider than {e(width)}; the seeds needed are n·(w/{e(width)})²:</p>",
                 table_in_words(d.precision[["scenario", "outcome", "b", "n", "width", "n_needed"]]))
    else:
        page.add(f"<p>Every headline interval is narrower than {e(width)}: enough seeds.</p>")
    page.add("<details><summary>Analysts' table: paired tests (Wilcoxon signed-rank, Holm-corrected over "
             "all rows)</summary>" + table_in_words(d.table.drop(columns=["higher_is_better"]), "{:.4g}")
             + "</details>")


def render(data: ReportData, figdir: Path) -> str:
    """The report page of `data` (a self-contained HTML document); its figures are drawn as they are embedded
    and written to figdir as NAME.png and NAME.svg."""
    page = _Page(figdir)
    for section in (_header, _findings, _flip_section, _why_section, _rules_section, _fails_section,
                    _figures_sections, _tables_sections):
        section(data, page)
    return html.document(f"{data.title} report", page.parts)


def build_report(results_dir: str | Path, out: str | Path | None = None, reference: str | None = None,
                 margins: dict[str, float] | None = None) -> Path:
    """Write OUT/report.html (self-contained), OUT/figures/*.png|svg and OUT/comparison.csv (the verdict table)
    for a results directory (OUT: RESULTS_DIR/report by default); returns the page's path."""
    data = report_data(results_dir, reference, margins)
    out = Path(out) if out else data.root / "report"
    path = html.write_page(out / "report.html", render(data, out / "figures"))
    write_frame(data.table, out / "comparison.csv")
    return path
