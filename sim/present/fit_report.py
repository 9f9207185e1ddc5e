"""The fit report: one self-contained HTML page (figures embedded) on how the historical replays meet the data.

Sections: what was fitted (calibration intervals, start and best loss, the frozen hash), the replays against
every poll point, RMSE per series (also written to fit_rmse.csv), the counterfactual replays, the 2016 age
breakdown, and two checks that are not fitted (relations called bad; the 2019 fall in visitors).

Text read from files (data sources, parameter names, result.json values) and the caller's seeds note reach the
page only through sim.present.html (escape, table), as in the workshop report. The page holds no script and no
path of this machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.history import data as H
from sim.history.fit import polls_table, rmse
from sim.history.forecast import NAIVE, beats_naive
from sim.params import COUNTRIES
from sim.present import html
from sim.present.figures import fit as FF
from sim.present.style import need
from sim.runs.store import write_frame

REPLAYS = ("forced", "free", "free-no_linkage", "free-no_pandemic")
COUNTERFACTUALS = ("free-no_linkage", "free-no_pandemic")
AGE_YEAR = 2016
CHANGE_YEARS = (2018, 2020)
REQUIRED = ["scenario", "seed", "month", "cooperation", "visitors_KR",
            *[f"{m}_{c}" for c in COUNTRIES for m in ("good", "bad")],
            *[f"good_{c}_{g}" for c, groups in H.AGE_GROUP_NAMES.items() for g in groups]]
HASHED = ("Frozen hash (sim.history.frozen_hash: every file of data/ - polls, checks, timeline, event mapping, "
          "declared strategies - the historical scenario and the calibration settings)")


# ---------------------------------------------------------------------------------------------- helpers

_e = html.escape


def _table(df: pd.DataFrame, floatfmt: str = "{:.1f}") -> str:
    """An HTML table whose every cell and header is escaped, missing values as a dash."""
    return html.table(df, floatfmt, na_rep="–")


def _num(value: object, spec: str) -> str:
    """A number of a file formatted, or the value as written (escaped) if it is not one."""
    try:
        return format(float(value), spec)
    except (TypeError, ValueError):
        return _e(value)


def _runs(df: pd.DataFrame) -> int:
    return int(df.groupby(FF.RUN_KEYS).ngroups)


def _order(col: pd.Series) -> pd.Series:
    """Sort key: countries KR, JP; group all, under-20, 20-29, 60+; measure good, bad; others as they are."""
    rank = {c: i for i, c in enumerate([*COUNTRIES, "all", "under-20", "good"])}
    return col.map(lambda v: (rank.get(v, len(rank)), str(v)))


def _ranges(q: pd.DataFrame) -> list[str]:
    """'lo to hi' (in %) of the q05 and q95 columns."""
    return [f"{lo * 100:.1f} to {hi * 100:.1f}" if pd.notna(lo) else "–" for lo, hi in zip(q["q05"], q["q95"],
                                                                                            strict=True)]


def check_replays(replays: Mapping[str, pd.DataFrame]) -> None:
    """A clear ValueError for replays the report cannot use: no forced replay, an unknown name, or a frame
    that is empty or lacks columns (naming the replay and the columns)."""
    unknown = [n for n in replays if n not in REPLAYS]
    if unknown:
        raise ValueError(f"unknown replay name(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(REPLAYS)}")
    if "forced" not in replays:
        raise ValueError("the replays must include 'forced'")
    for name, df in replays.items():
        need(df, f"monthly frame of replay {name!r}", REQUIRED)


# ---------------------------------------------------------------------------------------------- tables

def rmse_table(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """RMSE in points per series (sim.history.rmse of the forced and free polls tables): country, group,
    measure, points, rmse_forced, rmse_free (the columns of the replays given)."""
    out = None
    for name in ("forced", "free"):
        if name in tables:
            r = rmse(tables[name]).rename(columns={"rmse": f"rmse_{name}"})
            out = r if out is None else out.merge(r, on=["country", "group", "measure", "points"], how="outer")
    if out is None:
        raise ValueError("rmse_table needs the forced or the free polls table")
    return out.sort_values(["country", "group", "measure"], key=_order).reset_index(drop=True)


def overall_rmse(table: pd.DataFrame) -> tuple[int, float]:
    """(points, RMSE in points) of the median over every scored poll point of a polls table."""
    t = table[table["observed"].notna() & table["year"].isin(list(H.FIT_YEARS))]
    return len(t), float(np.sqrt((((t["q50"] - t["observed"]) * 100) ** 2).mean()))


def poll_change(tables: Mapping[str, pd.DataFrame], years: tuple[int, int] = CHANGE_YEARS) -> pd.DataFrame:
    """Median simulated poll (share with a good view, all adults) in two years per country and replay, its change,
    and the part of the free replay's change that a mechanism explains (free change - counterfactual change)."""
    a, b = years
    rows = []
    for name in ("free", *COUNTERFACTUALS):
        if name not in tables:
            continue
        t = tables[name]
        for c in COUNTRIES:
            s = t[(t["country"] == c) & (t["group"] == "all") & (t["measure"] == "good")].set_index("year")["q50"]
            va, vb = s.get(a, np.nan) * 100, s.get(b, np.nan) * 100
            rows.append((c, name, va, vb, vb - va))
    df = pd.DataFrame(rows, columns=["country", "replay", f"good {a} (%)", f"good {b} (%)", "change (points)"])
    free = df[df["replay"] == "free"].set_index("country")["change (points)"]
    part = df["country"].map(free) - df["change (points)"]
    df["explained by the mechanism (points)"] = part.where(df["replay"] != "free")
    df["replay"] = df["replay"].map(FF.replay_label)
    return df


def age_table(tables: Mapping[str, pd.DataFrame], year: int = AGE_YEAR) -> pd.DataFrame:
    """The poll of a year by age group (and all adults) against each replay's median and 90% range, in %."""
    first = next(iter(tables.values()))
    keys = ["country", "group"]
    out = first[(first["year"] == year) & (first["measure"] == "good") & first["observed"].notna()][keys + ["observed"]]
    out = out.assign(observed=out["observed"] * 100).rename(columns={"observed": "poll (%)"})
    for name, t in tables.items():
        s = t[(t["year"] == year) & (t["measure"] == "good")].set_index(keys)
        s = s.reindex(pd.MultiIndex.from_frame(out[keys]))
        out[f"{FF.replay_label(name)}: median (%)"] = s["q50"].to_numpy() * 100
        out[f"{FF.replay_label(name)}: 90% range (%)"] = _ranges(s)
    return out.sort_values(keys, key=_order).reset_index(drop=True)


def relations_directions(relations: pd.DataFrame, monthly: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Year-to-year change of the share calling relations bad (points) per public, and of the model's
    1 - cooperation index (x100; median per month, averaged over that year's fieldwork months) per replay."""
    wide = relations.pivot_table(index="year", columns="country", values="bad") * 100
    out = pd.DataFrame({"years": [f"{a}→{b}" for a, b in zip(wide.index[:-1], wide.index[1:], strict=True)]})
    for c in [c for c in COUNTRIES if c in wide.columns]:
        out[f"{FF.PUBLICS[c]} (points)"] = np.diff(wide[c].to_numpy())
    months = H.poll_months()
    for name, df in monthly.items():
        q = 1 - FF.run_quantiles(df, "cooperation")["q50"]
        level = [float(q.reindex(months.get(y, [])).mean()) * 100 for y in wide.index]
        out[f"{FF.replay_label(name)}: 1 − cooperation index (×100)"] = np.diff(level)
    return out


def _agrees(directions: pd.DataFrame, column: str) -> tuple[int, int]:
    """(years in which the column moves the way both publics do, years in which both publics move alike)."""
    publics = [c for c in directions.columns if c.endswith("(points)")]
    sign = np.sign(directions[publics].to_numpy())
    alike = (sign == sign[:, :1]).all(axis=1) & (sign[:, 0] != 0)
    return int((np.sign(directions[column].to_numpy()) == sign[:, 0])[alike].sum()), int(alike.sum())


# ---------------------------------------------------------------------------------------------- sections

def _header(replays: Mapping[str, pd.DataFrame], calibration: Path | None, seeds_note: str) -> list[str]:
    runs = "; ".join(f"{FF.replay_label(n)}: {_runs(df)} runs" for n, df in replays.items())
    parts = ['<h1>Fit report: historical replays 2012–2025</h1>', '<h2 id="fitted">1. What was fitted</h2>',
             f"<p>Replays shown: {_e(runs)}. {_e(seeds_note)}</p>",
             "<p><b>Cooperation is an index calibrated only through these checks</b> (section 6: relations called "
             "bad and the 2019 visitors); wherever it appears it is labelled "
             f"<i>{_e(FF.COOPERATION)}</i>.</p>"]
    current = H.frozen_hash()
    if calibration is None:
        return parts + ["<p>No calibration directory given: the fitted parameters and losses are not shown.</p>",
                        f"<p>{HASHED}: now <code>{_e(current)}</code> (no calibration to compare with).</p>"]
    cal = Path(calibration)
    if not cal.is_dir():
        raise InputError("no calibration here (not a directory)", file=str(cal),
                         allowed="a directory written by `sim calibrate`")
    result: dict = {}
    if (cal / "result.json").is_file():
        try:
            result = json.loads((cal / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(f"cannot read the calibration result ({e})", file=str(cal / "result.json")) from None
        if not isinstance(result, dict):
            raise InputError("not a JSON object", file=str(cal / "result.json"))
    intervals = None
    if (cal / "intervals.csv").is_file():
        try:
            intervals = pd.read_csv(cal / "intervals.csv")
        except (OSError, ValueError) as e:
            raise InputError(f"cannot read the calibration intervals ({e})", file=str(cal / "intervals.csv")) from None
        need(intervals, "calibration intervals.csv", ["parameter", "estimate", "low", "high", "bound_low",
                                                         "bound_high"])
    fitted = result.get("fitted", len(intervals) if intervals is not None else "an unknown number of")
    if result:
        parts.append(f"<p>{_e(fitted)} parameters fitted by a {_e(result.get('mode', '?'))} replay "
                     f"({_e(result.get('candidates', '?'))} candidates, {_e(result.get('runs', '?'))} runs): loss "
                     f"{_num(result.get('start_loss'), '.1f')} at the start (the prior) → "
                     f"{_num(result.get('best_loss'), '.1f')} at the best; RMSE {_num(result.get('start_rmse'), '.2f')}"
                     f" → {_num(result.get('best_rmse'), '.2f')} points (this RMSE is of the mean over seeds across "
                     "all scored points, as the loss sees it; section 3 gives the median per series).</p>")
    else:
        parts.append("<p class=warn>The calibration directory has no result.json: start and best loss unknown.</p>")
    if intervals is not None:
        at_bound = (intervals["low"] <= intervals["bound_low"]) | (intervals["high"] >= intervals["bound_high"])
        shown = intervals.assign(**{"interval reaches a bound": np.where(at_bound, "yes", "")})
        parts += ["<p>95% profile intervals (approximate: only as fine as the candidates):</p>",
                  _table(shown, "{:.4g}")]
    else:
        parts.append("<p class=warn>The calibration directory has no intervals.csv.</p>")
    recorded = result.get("frozen_hash")
    same = "match: these files are as the fit saw them" if recorded == current else \
        "DIFFER: one of these files changed after the fit"
    parts.append(f"<p>{HASHED}: now <code>{_e(current)}</code>, recorded by the calibration <code>{_e(recorded)}"
                 f"</code>; they {same}.</p>" if recorded is not None else
                 f"<p>{HASHED}: now <code>{_e(current)}</code>; the calibration recorded none.</p>")
    return parts


def _polls_section(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    shown = {n: tables[n] for n in ("forced", "free") if n in tables}
    parts = ['<h2 id="polls">2. The polls: share with a good and a bad view</h2>',
             "<p>Simulated poll (each run's mean over the poll's fieldwork months) against every poll point. The "
             "forced replay imposes every recorded event; the free replay imposes only what the two governments do "
             "not control. Filled dots are scored in the fit (2014–2019); the hollow 2013 dot is the starting poll, "
             "not scored; the shaded years after 2019 are a projection (no data used).</p>"]
    if "free" not in tables:
        parts.append("<p class=warn>No free replay given: the forced replay only.</p>")
    parts.append(html.embed(FF.poll_fit(shown), "simulated polls of the replays against every poll point"))
    return parts


def _rmse_section(tables: Mapping[str, pd.DataFrame], table: pd.DataFrame) -> list[str]:
    years = f"{min(H.FIT_YEARS)}–{max(H.FIT_YEARS)}"
    overall = "; ".join(f"{FF.replay_label(n)} {r:.2f} points over {k} points" for n in ("forced", "free")
                        if n in tables for k, r in [overall_rmse(tables[n])])
    parts = ['<h2 id="rmse">3. RMSE per series</h2>',
             f"<p>Root mean square error in percentage points of the median over runs against the polls of {years} "
             f"(sim.history.rmse; written to fit_rmse.csv). Over every scored point: {_e(overall)}.</p>"]
    if "free" not in tables:
        parts.append("<p class=warn>No free replay given: no free column.</p>")
    return parts + [_table(table, "{:.2f}")]


def _counterfactual_section(replays: Mapping[str, pd.DataFrame], tables: Mapping[str, pd.DataFrame]) -> list[str]:
    parts = ['<h2 id="counterfactuals">4. Counterfactual replays</h2>']
    if "free" not in replays:
        return parts + ["<p class=warn>No free replay given: no counterfactual comparison.</p>"]
    present = [n for n in COUNTERFACTUALS if n in replays]
    missing = [FF.replay_label(n) for n in COUNTERFACTUALS if n not in replays]
    if not present:
        return parts + ["<p class=warn>No counterfactual replay given (free, no coercive linkage; free, no "
                        "pandemic).</p>"]
    a, b = CHANGE_YEARS
    months = H.poll_months()
    marks = {f"{y} poll": float(np.mean(months[y])) for y in CHANGE_YEARS if y in months}
    parts.append(f"<p>The free replay against the same replay without coercive linkage and without the pandemic: "
                 f"the gap between the lines is what each mechanism contributes. The table gives the change {a}→{b} "
                 f"of the median simulated poll; <i>explained by the mechanism</i> is the free replay's change minus "
                 f"the counterfactual's.</p>")
    if missing:
        parts.append(f"<p class=warn>Not given: {_e('; '.join(missing))}.</p>")
    shown = {n: replays[n] for n in ("free", *present)}
    parts.append(html.embed(FF.counterfactuals(shown, marks=marks), "median share with a good view per month, free "
                            "replay and counterfactual replays"))
    return parts + [_table(poll_change({n: tables[n] for n in shown}))]


def _age_section(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    shown = {n: tables[n] for n in ("forced", "free") if n in tables}
    t = tables["forced"]
    scored = int((t["scored"] & (t["group"] != "all") & (t["year"] == AGE_YEAR)).sum())
    return ['<h2 id="ages">5. Youth and public against the 2016 age breakdown</h2>',
            f"<p>The model's age groups (under 20, 20–29, 60+) against the age breakdown of the {AGE_YEAR} poll. "
            f"{scored} of these age-group points are scored in the fit, so this is part of the fit, not a check.</p>",
            html.embed(FF.age_groups(shown, AGE_YEAR), f"age groups against the {AGE_YEAR} poll"),
            _table(age_table(shown))]


def _checks_section(replays: Mapping[str, pd.DataFrame]) -> list[str]:
    shown = {n: replays[n] for n in ("forced", "free") if n in replays}
    rel = H.relations_bad()
    directions = relations_directions(rel, shown)
    agree = []
    for col in [c for c in directions.columns if "cooperation" in c]:
        k, n = _agrees(directions, col)
        agree.append(f"{col.split(':')[0]}: {k} of {n} years")
    visitors = H.visitors_monthly()
    changes = {n: FF.year_on_year(df, "visitors_KR", visitors["month"].tolist()) for n, df in shown.items()}
    vt = pd.DataFrame({"month": [H.month_label(m) for m in visitors["month"]], "data (%)": visitors["change"] * 100})
    for name, ch in changes.items():
        c = ch.set_index("month").reindex(visitors["month"])
        vt[f"{FF.replay_label(name)}: median (%)"] = c["q50"].to_numpy() * 100
        vt[f"{FF.replay_label(name)}: 90% range (%)"] = _ranges(c)
    vt["source"] = visitors["source"].to_numpy()
    return ['<h2 id="checks">6. Checks (not fitted)</h2>',
            "<h3>Relations called bad, and 1 − cooperation</h3>",
            f"<p>A check, not a fit: the share of each public calling the state of relations bad "
            f"(data/relations_state_genron_eai_2015_2019.csv) next to the model's monthly 1 − cooperation "
            f"({_e(FF.COOPERATION)}). The two are on different scales; what can be compared is the direction of "
            f"change. In years where both publics move the same way, the model's 1 − cooperation moves with them: "
            f"{_e('; '.join(agree))}.</p>",
            html.embed(FF.relations_check(shown, rel), "share calling relations bad, and the model's 1 - cooperation"),
            _table(directions),
            "<h3>The 2019 fall in Korean visitors to Japan</h3>",
            "<p>A check, not a fit: the year-on-year change in Korean visitors to Japan during the 2019 boycott "
            "(data/visitors_monthly_2019.csv) against the model's visitor index <code>visitors_KR</code> in the same "
            "months (value in the month over the value twelve months earlier, minus one, per run).</p>",
            html.embed(FF.visitors_check(changes, visitors), "year-on-year change in Korean visitors to Japan, 2019"),
            _table(vt)]


def _patterns_section(board: pd.DataFrame | None) -> list[str]:
    if board is None or not len(board):
        return ['<h2 id="patterns">7. Patterns of the record</h2>',
                "<p>Not computed here (run <code>sim fit-report</code>, or <code>sim patterns</code>).</p>"]

    def pair(a: float, lo: float, hi: float) -> str:
        return "–" if pd.isna(a) else f"{a:.3g} [{lo:.3g}, {hi:.3g}]"

    shown = pd.DataFrame({
        "": ["pass" if p else "FAIL" for p in board["pass"]],
        "pattern": board["what"], "runs": board["runs"],
        "record [band]": [pair(*r) for r in board[["target", "target_lo", "target_hi"]].itertuples(index=False)],
        "model median [90%]": [pair(*r) for r in board[["model_median", "model_q05", "model_q95"]]
                               .itertuples(index=False)],
        "unit": board["unit"], "band": board["band"], "source": board["source"]})
    passed = int(board["pass"].sum())
    return ['<h2 id="patterns">7. Patterns of the record</h2>',
            f"<p>Every pattern the record shows (pattern-oriented modelling): the record's value and the band it "
            f"could take given how it was measured, against the model's median and 90% band over the runs; a "
            f"pattern passes when the model's median lies in the band. <b>{passed} of {len(board)}</b> pass. Runs: "
            f"the {_e(str(board['replay'].iloc[0]) if 'replay' in board else 'free')} replay, the baseline under the "
            "record's sequence of declared strategies (declared), and the baseline under the strategies declared at "
            "the end of the record (baseline).</p>",
            _table(shown)]


def _forecast_section(forecasts: tuple[pd.DataFrame, pd.DataFrame] | None) -> list[str]:
    head = '<h2 id="forecast">8. Forecasts out of sample (rolling origin)</h2>'
    if forecasts is None:
        return [head, "<p>Not computed: run <code>sim forecast</code> (it calibrates up to each origin year and "
                      "forecasts the later polls), then this report again.</p>"]
    table, scores = forecasts
    model = scores[scores["method"] == "model"].iloc[0]
    beats = beats_naive(scores)
    shown = table.assign(**{c: table[c] * 100 for c in ("observed", "median", "lo", "hi", *NAIVE)})
    shown = shown[["origin", "country", "measure", "year", "observed", "median", "lo", "hi", "covered", *NAIVE]]
    return [head,
            "<p>For each origin year the parameters are fitted to the polls up to it only, and the model forecasts the "
            "later polls; three naive forecasts use the same polls (the constant mean, persistence of the origin "
            "year, the linear trend). The model's 90% band adds the poll's sampling error and a model-discrepancy "
            "term estimated on the other origins' errors (Kennedy &amp; O'Hagan 2001). "
            f"<b>The model {'beats' if beats else 'does not beat'} every naive forecast with at least 80% coverage"
            f"</b>: RMSE {model['rmse']:.1f} points over {int(model['points'])} forecasts, coverage "
            f"{model['coverage']:.0%}.</p>",
            _table(scores, "{:.3f}"), _table(shown, "{:.1f}")]


# ---------------------------------------------------------------------------------------------- the report

def write_fit_report(out: Path, replays: dict[str, pd.DataFrame], calibration: Path | None = None,
                     seeds_note: str = "", scoreboard: pd.DataFrame | None = None,
                     forecasts: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> Path:
    """Write OUT/fit_report.html (self-contained) and OUT/fit_rmse.csv from the replays' monthly frames
    (names: forced, and any of free, free-no_linkage, free-no_pandemic); returns the report's path.
    calibration: a directory written by `sim calibrate` (intervals.csv, result.json); scoreboard: the patterns of
    the record (sim.studies.patterns.run_patterns); forecasts: the rolling-origin forecasts and their skill
    (sim.studies.forecast.run_forecasts)."""
    check_replays(replays)
    replays = {n: replays[n] for n in REPLAYS if n in replays}
    tables = {n: polls_table(df) for n, df in replays.items()}
    rmse = rmse_table(tables)
    parts = [*_header(replays, calibration, seeds_note), *_polls_section(tables), *_rmse_section(tables, rmse),
             *_counterfactual_section(replays, tables), *_age_section(tables), *_checks_section(replays),
             *_patterns_section(scoreboard), *_forecast_section(forecasts)]
    out = Path(out)
    write_frame(rmse, out / "fit_rmse.csv")
    return html.write_page(out / "fit_report.html", html.document("Fit report", parts))
