"""The patterns of the record and how well the model reproduces them (pattern-oriented modelling, Grimm et al.
2005): one table of what the record shows, each pattern with its source in data/, a target band and a scorer.

A pattern's *target* is the value the record shows; its *band* is what that value could be given how it was
measured: the polls' sampling error for shares (1,000 respondents a poll, 200 an age group, 3,000 for the
Cabinet Office survey), an exact Poisson interval for counts of episodes, a stated tolerance where the model's
quantity is an index (visitors). The scorer turns one run into one number; over the runs the model gives a
median and a 90% band. A pattern *passes* when the model's median lies in the target band.

Runs are of three kinds: the replay of 2012-2025 (`replay`: the free replay unless another is chosen), the
forward baseline run as long as the record under the record's sequence of declared strategies (`declared`:
the background regime of scenarios/baseline.yaml with the leaders' strategies of data/declared_strategies.csv),
and the baseline under the strategies declared at the end of the record (`baseline`, its own horizon).
Everything here is pure: frames in, frames out (sim.studies.patterns runs the model).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.stats import slope, slope_sd
from sim.history.data import (
    AGE_GROUP_NAMES,
    FIT_YEARS,
    affinity,
    episodes,
    month_index,
    observed,
    poll_months,
    relations_bad,
    visitors_annual,
    visitors_monthly,
)
from sim.history.fit import AGE_N, POLL_N, poll_shares
from sim.params import COUNTRIES

Z90 = 1.6449  # two-sided 90%
AFFINITY_N = 3000  # respondents of the Cabinet Office survey (data/cabinet_office_affinity_2011_2019.csv)
VISITOR_TOLERANCE = 0.10  # the model's trips are relative, not counts: growth within 10% of the arrivals' counts
COLLAPSE_TOLERANCE = 0.10  # ... and the 2019 fall within 10 points of the reported one
AGREEMENT = 0.75  # share of clear year-to-year changes whose direction the model must follow
STATIONARY = 0.015  # baseline: mean health of years 9-10 within this of years 1-2 (ODD §5, "Burn-in")
TREND_YEARS = range(2013, 2020)  # the polls' years (2013 is the replay's start, scored for the trend only)


@dataclass(frozen=True)
class RunView:
    """One run as the scorers read it: its monthly table, its summary and (for a replay) its simulated polls."""

    monthly: pd.DataFrame
    summary: Mapping[str, Any]
    polls: pd.DataFrame | None = None

    @classmethod
    def of(cls, monthly: pd.DataFrame, summary: Mapping[str, Any], replay: bool) -> RunView:
        """A run's view; a replay's simulated polls are computed once here."""
        return cls(monthly.reset_index(drop=True), summary, poll_shares(monthly) if replay else None)

    def poll(self, country: str, measure: str, group: str = "all") -> pd.Series:
        """The simulated poll of a series by year."""
        p = self.polls
        s = p[(p["country"] == country) & (p["group"] == group) & (p["measure"] == measure)]
        return s.set_index("year")["value"]

    def column(self, name: str) -> pd.Series:
        """A monthly column indexed by month."""
        return self.monthly.set_index("month")[name]


@dataclass(frozen=True)
class Pattern:
    """A pattern of the record: what, where it comes from, its target band and how one run is scored."""

    name: str
    what: str
    source: str
    runs: str  # "replay" or "baseline"
    target: float
    lo: float
    hi: float
    unit: str
    score: Callable[[RunView], float]
    band: str  # how the band was set

    def passes(self, median: float) -> bool:
        """The model's median lies in the target band."""
        return bool(self.lo <= median <= self.hi)


# ---- statistics of series -------------------------------------------------------------------------------------
def poisson_band(count: int, level: float = 0.90) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson mean given an observed count."""
    a = (1 - level) / 2
    lo = 0.0 if count == 0 else stats.chi2.ppf(a, 2 * count) / 2
    return float(lo), float(stats.chi2.ppf(1 - a, 2 * count + 2) / 2)


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the changes of `a` (the record's clear ones) whose sign `b` shares (NaN in b: not shared)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.mean(np.sign(a) == np.sign(b))) if len(a) else float("nan")


def starts(active: np.ndarray) -> int:
    """Number of spells of consecutive True (episodes) in a monthly flag."""
    x = np.asarray(active, bool)
    return int(x[0] + np.sum(x[1:] & ~x[:-1])) if len(x) else 0


def share_variance(p: float, n: int) -> float:
    """Sampling variance of a share estimated from n respondents."""
    return p * (1 - p) / n


# ---- the patterns -----------------------------------------------------------------------------------------------
def poll_patterns() -> list[Pattern]:
    """Level (mean 2014-2019) and trend (slope 2013-2019) of the share with a good and a bad impression, per
    country; the 2016 gap between the 20-29 and the 60+ group, per country."""
    obs = observed()
    out = []
    for c in COUNTRIES:
        for measure in ("good", "bad"):
            s = obs[(obs["country"] == c) & (obs["group"] == "all") & (obs["measure"] == measure)]
            s = s.set_index("year")["observed"]
            fit = s[s.index.isin(list(FIT_YEARS))]
            var = [share_variance(p, POLL_N) for p in fit]
            half = Z90 * float(np.sqrt(np.sum(var))) / len(fit)
            name = f"{measure}_{c}"
            source = "data/poll_genron_eai_2013_2019.csv"

            def level(v: RunView, c: str = c, measure: str = measure, years: tuple = tuple(fit.index)) -> float:
                return float(v.poll(c, measure).reindex(years).mean() * 100)

            out.append(Pattern(f"{name}_level", f"{c}: share with a {measure} impression, mean of "
                               f"{fit.index.min()}-{fit.index.max()}", source, "replay", fit.mean() * 100,
                               (fit.mean() - half) * 100, (fit.mean() + half) * 100, "%", level,
                               f"poll sampling error of the mean (n = {POLL_N} a poll), 90%"))
            tr = s[s.index.isin(list(TREND_YEARS))]
            b = slope(tr.index.to_numpy(), tr.to_numpy()) * 100
            sd = slope_sd(tr.index.to_numpy(), [share_variance(p, POLL_N) for p in tr]) * 100

            def trend(v: RunView, c: str = c, measure: str = measure, years: tuple = tuple(tr.index)) -> float:
                sim = v.poll(c, measure).reindex(years)
                return slope(np.array(years), sim.to_numpy()) * 100

            out.append(Pattern(f"{name}_trend", f"{c}: trend of the {measure} share, "
                               f"{tr.index.min()}-{tr.index.max()}", source, "replay", b, b - Z90 * sd,
                               b + Z90 * sd, "points a year", trend, "poll sampling error of the slope, 90%"))
    for c in COUNTRIES:
        young, old = "20-29", AGE_GROUP_NAMES[c][-1]
        a = obs[(obs["country"] == c) & (obs["year"] == 2016) & (obs["measure"] == "good")].set_index("group")
        gap = (a.loc[young, "observed"] - a.loc[old, "observed"]) * 100
        half = Z90 * np.sqrt(share_variance(a.loc[young, "observed"], AGE_N)
                             + share_variance(a.loc[old, "observed"], AGE_N)) * 100

        def age_gap(v: RunView, c: str = c, young: str = young, old: str = old) -> float:
            return float((v.poll(c, "good", young).get(2016, np.nan) - v.poll(c, "good", old).get(2016, np.nan))
                         * 100)

        out.append(Pattern(f"age_gap_{c}_2016", f"{c}: good impression, {young} minus {old} (2016)",
                           "data/poll_age_breakdown_2016.csv", "replay", gap, gap - half, gap + half, "points",
                           age_gap, f"sampling error of two groups (n = {AGE_N} each), 90%"))
    return out


def check_patterns() -> list[Pattern]:
    """Directions of the share calling relations bad (2015-2019) and of the Cabinet Office affinity series
    (2011-2019) followed by the model; the visitors each way (2013-2018 growth) and the 2019 collapse."""
    out = []
    rel = relations_bad()
    wide = rel.pivot_table(index="year", columns="country", values="bad")
    fieldwork = poll_months()
    changes = {c: np.diff(wide[c].to_numpy()) for c in COUNTRIES}

    def relations(v: RunView) -> float:
        bad = 1 - v.column("cooperation")
        model = np.diff([bad.reindex(fieldwork[y]).mean() for y in wide.index])
        return agreement(np.concatenate([changes[c] for c in COUNTRIES]), np.concatenate([model] * len(COUNTRIES)))

    out.append(Pattern("relations_bad_direction", "share calling relations bad, 2015-2019: the model's "
                       "1 - cooperation moves the same way (share of the year-to-year changes)",
                       "data/relations_state_genron_eai_2015_2019.csv", "replay", 1.0, AGREEMENT, 1.0, "share",
                       relations, f"every change exceeds the polls' sampling error; at least {AGREEMENT:.0%}"))
    aff = affinity()
    aff = aff[aff["month"] >= 0]  # the replay starts in August 2012
    d = np.diff(aff["affinity"].to_numpy())
    p = aff["affinity"].to_numpy()
    sd = np.sqrt(np.array([share_variance(x, AFFINITY_N) for x in p[:-1]]) + [share_variance(x, AFFINITY_N)
                                                                                  for x in p[1:]])
    clear = np.abs(d) > Z90 * sd
    pairs = list(zip(aff["month"].to_numpy()[:-1][clear], aff["month"].to_numpy()[1:][clear], strict=True))

    def affinity_direction(v: RunView) -> float:
        good = v.column("good_JP")
        model = [good.get(b, np.nan) - good.get(a, np.nan) for a, b in pairs]
        return agreement(d[clear], np.array(model))

    out.append(Pattern("affinity_JP_direction", f"Japanese affinity toward the ROK, {int(aff['year'].min())}-"
                       f"{int(aff['year'].max())}: the model's Japanese good share moves the same way in the "
                       f"{int(clear.sum())} changes beyond sampling error",
                       "data/cabinet_office_affinity_2011_2019.csv", "replay", 1.0, AGREEMENT, 1.0, "share",
                       affinity_direction,
                       f"changes beyond the survey's sampling error (n = {AFFINITY_N}), 90%; at least {AGREEMENT:.0%}"))
    vis = visitors_annual().set_index("year")
    for c, col, words in (("KR", "kr_to_jp", "Korean visitors to Japan"), ("JP", "jp_to_kr",
                                                                          "Japanese visitors to Korea")):
        growth = float(vis.loc[2018, col] / vis.loc[2013, col])

        def visitors(v: RunView, c: str = c) -> float:
            x = v.column(f"trips_{c}")
            year = {y: x.reindex(range(month_index(f"{y}-01"), month_index(f"{y}-12") + 1)).mean()
                    for y in (2013, 2018)}
            return float(year[2018] / year[2013])

        out.append(Pattern(f"visitors_{c}_growth", f"{words}, 2018 over 2013 (an input: the replay's trips grow at "
                           "the trend of these arrivals, sim.history.replay.travel_trend)",
                           "data/visitors_2013_2019.csv", "replay", growth, growth * (1 - VISITOR_TOLERANCE),
                           growth * (1 + VISITOR_TOLERANCE), "ratio", visitors,
                           f"arrivals are counts; the model's trips (relative to 2012) within {VISITOR_TOLERANCE:.0%}"))
    fall = visitors_monthly()
    fall = fall[fall["month"] >= month_index("2019-08")]
    target = float(fall["change"].mean() * 100)

    def collapse(v: RunView) -> float:
        x = v.column("trips_KR")
        now = x.reindex(fall["month"].to_numpy()).to_numpy()
        before = x.reindex((fall["month"] - 12).to_numpy()).to_numpy()
        return float(np.mean(now / before - 1) * 100)

    out.append(Pattern("visitors_KR_2019", "Korean visitors to Japan, August-December 2019, year on year",
                       "data/visitors_monthly_2019.csv", "replay", target, target - COLLAPSE_TOLERANCE * 100,
                       target + COLLAPSE_TOLERANCE * 100, "%", collapse,
                       f"reported changes; the model's trips within {COLLAPSE_TOLERANCE * 100:.0f} points"))
    return out


def rate_patterns() -> list[Pattern]:
    """The record's event rates: episodes of trade coercion, of boycotts and of settlement over 2012-2025, in the
    replay and in the baseline run for as long under the record's sequence of declared strategies (`declared`);
    changes of leader in that baseline at most the record's (every change, regular or not: the model's are
    falls); the baseline under the strategies declared at the end of the record is stationary."""
    out = []
    def summary_count(column: str) -> Callable[[RunView], float]:
        return lambda v: float(v.summary[column])

    def boycott_spells(c: str) -> Callable[[RunView], float]:
        return lambda v: float(starts(v.column(f"boycott_{c}").to_numpy() > 0))

    kinds = [("trade_coercion", episodes(("trade_coercion",)), summary_count("n_trade_coercion"),
              "trade coercion (linkages of a dispute to trade)"),
             *[(f"boycott_{c}", episodes(("boycott",), actor=c), boycott_spells(c), f"{c}: consumer boycotts")
               for c in COUNTRIES],
             ("settlement", episodes(("history_settlement",)), summary_count("n_dispute_settled"),
              "settlements of a history dispute")]
    for name, record, count, words in kinds:
        k = len(record)
        lo, hi = poisson_band(k)
        for runs, where in (("replay", "the replay"), ("declared", "the baseline under the declared strategies")):
            out.append(Pattern(f"{name}_{runs}", f"{words} in 2012-08 to 2025-12 ({where})",
                               "data/events_2012_2025.csv", runs, float(k), lo, hi, "episodes", count,
                               f"exact Poisson 90% interval of {k} recorded episode{'s' * (k != 1)}"))
    for c in COUNTRIES:
        k = len(episodes(("leadership_change",), actor=c))

        def changes(v: RunView, c: str = c) -> float:
            return float(np.sum(np.diff(v.column(f"leader_{c}").to_numpy()) != 0))

        out.append(Pattern(f"leader_changes_{c}_declared", f"{c}: changes of leader in 2012-08 to 2025-12 (the "
                           "baseline under the declared strategies)", "data/events_2012_2025.csv", "declared",
                           float(k), 0.0, poisson_band(k)[1], "changes", changes,
                           "at most the upper end of the record's Poisson 90% interval"))

    def drift(v: RunView) -> float:
        h = v.column("health").to_numpy()
        return float(h[-24:].mean() - h[:24].mean())

    out.append(Pattern("baseline_stationary", "baseline: mean health of the last two years minus the first two",
                       "docs/ODD.md §5 (the burn-in reaches the regime's steady state)", "baseline", 0.0,
                       -STATIONARY, STATIONARY, "health", drift, f"within {STATIONARY} (no drift)"))
    return out


def patterns() -> list[Pattern]:
    """Every pattern of the scoreboard, from the files of data/."""
    return poll_patterns() + check_patterns() + rate_patterns()


def scores(pattern_list: list[Pattern], views: Mapping[str, list[RunView]]) -> pd.DataFrame:
    """One row per run and pattern: the scorer's value (views: runs of `replay` and of `baseline`)."""
    rows = []
    for p in pattern_list:
        for i, v in enumerate(views.get(p.runs, [])):
            rows.append((p.name, i, p.score(v)))
    return pd.DataFrame(rows, columns=["pattern", "run", "value"])


def scoreboard(pattern_list: list[Pattern], values: pd.DataFrame) -> pd.DataFrame:
    """The scoreboard: per pattern its target and band, the model's median and 90% band over the runs, and
    whether the median lies in the target band (pass). A pattern without runs has NaN and does not pass."""
    rows = []
    for p in pattern_list:
        v = values.loc[values["pattern"] == p.name, "value"].to_numpy(float)
        v = v[np.isfinite(v)]
        q = np.quantile(v, [0.05, 0.5, 0.95]) if len(v) else np.full(3, np.nan)
        rows.append({"pattern": p.name, "what": p.what, "source": p.source, "runs": p.runs, "unit": p.unit,
                     "target": p.target, "target_lo": p.lo, "target_hi": p.hi, "model_q05": q[0],
                     "model_median": q[1], "model_q95": q[2], "n": len(v),
                     "pass": bool(len(v)) and p.passes(float(q[1])), "band": p.band})
    return pd.DataFrame(rows)
