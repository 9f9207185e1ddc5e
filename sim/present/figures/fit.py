"""Fit-report figures: the historical replays (sim.history) against the polls and the checks of `data/`.

Every function is pure: it takes frames (polls tables of sim.history.polls_table, monthly frames of
sim.load_results, or the tidy check frames built by sim.present.fit_report) and returns a matplotlib Figure built
directly, never registered with pyplot, in the one style of sim.present.style (sizes, fonts, band styles, the
input checks); each replay has one fixed Okabe-Ito colour (REPLAY_COLOURS) and the data are always black. Shares
are drawn in percent.

Bands are quantiles across runs (the 50% band is the 25th to 75th percentile, the 90% band the 5th to 95th).
Years after 2019 are shaded as a projection: no data of those years enter the fit. Cooperation is an index
calibrated only through the checks of the report; wherever it is drawn its label says so (COOPERATION).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.words import COUNTRY_NAMES, OTHER
from sim.history.data import START, month_label
from sim.present.style import (
    BAND90_LS,
    BAND90_LW,
    BAND_ALPHA,
    GREY,
    LABEL,
    LEGEND,
    MEDIAN_LW,
    NOTE,
    QUANTILES,
    as_written,
    band_handles,
    need,
    plain,
    style_axes,
    suptitle,
)

__all__ = ["COOPERATION", "PUBLICS", "QCOLS", "REPLAY_COLOURS", "REPLAY_LABELS", "RUN_KEYS", "age_groups", "calendar",
           "counterfactuals", "poll_fit", "relations_check", "replay_label", "run_quantiles", "visitors_check",
           "year_on_year"]

REPLAY_COLOURS = {"forced": "#0072B2", "free": "#D55E00", "free-no_linkage": "#009E73",
                  "free-no_pandemic": "#CC79A7"}
REPLAY_LABELS = {"forced": "forced replay", "free": "free replay", "free-no_linkage": "free, no coercive linkage",
                 "free-no_pandemic": "free, no pandemic"}
COOPERATION = "cooperation index, calibrated only through these checks"
QCOLS = ["q05", "q25", "q50", "q75", "q95"]  # the columns of QUANTILES
RUN_KEYS = ["scenario", "seed"]  # one run, as sim.history.polls_table counts runs
PROJECTION = 2020  # first year drawn as a projection
POLL_COLUMNS = ["year", "country", "group", "measure", *QCOLS, "observed", "scored"]
SHADE = "#888888"
PUBLICS = {"KR": "Koreans", "JP": "Japanese"}


# ---------------------------------------------------------------------------------------------- helpers

def replay_label(name: str) -> str:
    """Words for a replay name ('free-no_linkage' -> 'free, no coercive linkage')."""
    return REPLAY_LABELS.get(name, str(name).replace("_", " "))


def calendar(month: float | np.ndarray) -> float | np.ndarray:
    """Calendar year (with fraction) of the start of a replay month: month 5 (January 2013) -> 2013.0."""
    return START[0] + (START[1] - 1 + np.asarray(month, dtype=float)) / 12


def run_quantiles(monthly: pd.DataFrame, column: str) -> pd.DataFrame:
    """Quantiles q05 ... q95 over runs of a monthly column, one row per month (index: month)."""
    need(monthly, "monthly", ["month", column])
    q = monthly.groupby("month")[column].quantile(list(QUANTILES)).unstack()
    q.columns = QCOLS
    return q


def year_on_year(monthly: pd.DataFrame, column: str, months: Sequence[int]) -> pd.DataFrame:
    """Per-run year-on-year change (value at m / value at m - 12 - 1) of a monthly column in the given months,
    as quantiles over runs: month, q05 ... q95, runs. Months without both values (or with a zero a year
    earlier) are left out."""
    need(monthly, "monthly", [*RUN_KEYS, "month", column])
    wide = monthly.pivot_table(index=RUN_KEYS, columns="month", values=column, observed=True)
    rows = []
    for m in months:
        if m in wide.columns and m - 12 in wide.columns:
            change = (wide[m] / wide[m - 12] - 1).replace([np.inf, -np.inf], np.nan).dropna()
            if len(change):
                rows.append([m, *change.quantile(list(QUANTILES)).to_numpy(), len(change)])
    return pd.DataFrame(rows, columns=["month", *QCOLS, "runs"])


def _projection(ax, start: float, end: float, label: bool = True) -> None:
    ax.axvspan(start, end, color=SHADE, alpha=0.13, lw=0, zorder=0)
    if label:
        ax.text(start + 0.1, 0.98, "projection:\nno data used", transform=ax.get_xaxis_transform(), va="top",
                ha="left", fontsize=NOTE, color="#444444")


def _band(ax, x, q: pd.DataFrame, colour: str, scale: float = 100.0) -> None:
    """Median line, 50% band filled, 90% band as dashed edges (legible when two replays overlap)."""
    for edge in ("q05", "q95"):
        ax.plot(x, q[edge] * scale, color=colour, lw=BAND90_LW, ls=BAND90_LS, alpha=0.9, zorder=2)
    ax.fill_between(x, q["q25"] * scale, q["q75"] * scale, color=colour, alpha=BAND_ALPHA[50], lw=0, zorder=1.5)
    ax.plot(x, q["q50"] * scale, color=colour, lw=MEDIAN_LW, zorder=3)


def _replay_handles(names: Sequence[str]) -> list:
    return [Line2D([], [], color=REPLAY_COLOURS.get(n, "#000000"), lw=MEDIAN_LW, label=plain(replay_label(n)))
            for n in names]


def _legend(fig: Figure, handles: list, title: str | None = None, ncols: int = 3) -> None:
    fig.legend(handles=handles, loc="outside lower center", ncols=min(ncols, len(handles)), fontsize=LEGEND,
               frameon=False, title=title, title_fontsize=LEGEND)


def _years_axis(ax, lo: float, hi: float) -> None:
    ticks = np.arange(int(np.ceil(lo)), int(np.floor(hi)) + 1)
    ax.set_xticks(ticks, [str(t) if (t - ticks[0]) % 2 == 0 else "" for t in ticks])
    ax.set_xlim(lo, hi)


def _check_tables(tables: Mapping[str, pd.DataFrame]) -> None:
    if not tables:
        raise ValueError("no polls tables given")
    for name, t in tables.items():
        need(t, f"polls table of replay {name!r}", POLL_COLUMNS)


# ---------------------------------------------------------------------------------------------- figures

@as_written
def poll_fit(tables: Mapping[str, pd.DataFrame], group: str = "all") -> Figure:
    """The simulated poll (sim.history.polls_table of each replay) against every poll point: rows country,
    columns measure (good, bad), per replay the median over runs with 50% and 90% bands. Scored poll points are
    filled dots, the 2013 starting poll (and any other unscored point) a hollow one; years after 2019 are
    shaded as a projection."""
    _check_tables(tables)
    data = pd.concat(list(tables.values()), ignore_index=True)
    data = data[data["group"] == group]
    if not len(data):
        raise ValueError(f"the polls tables have no rows of group {group!r}")
    fig = Figure(figsize=(14, 10), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    lo, hi = data["year"].min() - 0.5, data["year"].max() + 0.5
    for r, c in enumerate(("KR", "JP")):
        for k, measure in enumerate(("good", "bad")):
            ax = axes[r, k]
            sel = {n: t[(t["country"] == c) & (t["group"] == group) & (t["measure"] == measure)].sort_values("year")
                   for n, t in tables.items()}
            for name, s in sel.items():
                _band(ax, s["year"].to_numpy(), s, REPLAY_COLOURS.get(name, "#000000"))
            obs = data[(data["country"] == c) & (data["measure"] == measure) & data["observed"].notna()]
            obs = obs.drop_duplicates("year")
            for scored, face in ((True, "black"), (False, "white")):
                o = obs[obs["scored"] == scored]
                ax.scatter(o["year"], o["observed"] * 100, s=70, facecolor=face, edgecolor="black", lw=2, zorder=5)
            if hi > PROJECTION - 0.5:
                _projection(ax, PROJECTION - 0.5, hi, label=r == 0)
            ax.set_title(f"{COUNTRY_NAMES[c]}: {measure} view of {OTHER[c]}", fontsize=LABEL, fontweight="bold")
            ax.set_ylabel(f"% with a {measure} view")
            style_axes(ax)
            _years_axis(ax, lo, hi)
    handles = _replay_handles(list(tables)) + band_handles(runs="runs") + [
        Line2D([], [], ls="", marker="o", ms=9, color="black", label="poll, scored (2014-2019)"),
        Line2D([], [], ls="", marker="o", ms=9, mfc="white", mec="black", mew=2, label="2013 poll: start, not scored"),
        Patch(facecolor=SHADE, alpha=0.25, label="projection: no data used")]
    _legend(fig, handles, "simulated poll: mean over the fieldwork months of each run; median over runs")
    suptitle(fig, "Share with a good and a bad view of the other country: replays against the polls")
    return fig


@as_written
def counterfactuals(monthly: Mapping[str, pd.DataFrame], measure: str = "good",
                    marks: Mapping[str, float] | None = None) -> Figure:
    """Median over runs (and 50% band) of the share with a good (or bad) view of the other country per month,
    one panel per country and one line per replay, so that replays without a mechanism read against the
    replay with it. marks: label -> month of vertical reference lines (e.g. the poll months compared)."""
    if not monthly:
        raise ValueError("no monthly frames given")
    fig = Figure(figsize=(13, 10), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    lo, hi = np.inf, -np.inf
    for ax, c in zip(axes, ("KR", "JP"), strict=True):
        for name, df in monthly.items():
            q = run_quantiles(df, f"{measure}_{c}")
            x = calendar(q.index.to_numpy())
            lo, hi = min(lo, x.min()), max(hi, x.max())
            colour = REPLAY_COLOURS.get(name, "#000000")
            top = 2 if name == "free" else 0  # the reference replay stays on top
            ax.fill_between(x, q["q25"] * 100, q["q75"] * 100, color=colour, alpha=BAND_ALPHA[50] * 0.7, lw=0,
                            zorder=1 + top)
            ax.plot(x, q["q50"] * 100, color=colour, lw=MEDIAN_LW - 0.6, zorder=2 + top)
        ax.set_ylabel(f"% with a {measure} view\nof {OTHER[c]}")
        ax.set_title(COUNTRY_NAMES[c], fontsize=LABEL, fontweight="bold")
        style_axes(ax)
    for ax in axes:
        if hi >= PROJECTION:
            _projection(ax, PROJECTION, hi, label=ax is axes[0])
        for text, m in (marks or {}).items():
            ax.axvline(calendar(m), color="#555555", lw=1.8, ls=":", zorder=0.5)
            ax.text(calendar(m) - 0.05, 0.03, plain(text), transform=ax.get_xaxis_transform(), ha="right",
                    va="bottom", rotation=90, fontsize=NOTE, color="#444444")
        _years_axis(ax, lo, hi)
    handles = _replay_handles(list(monthly)) + [
        Patch(facecolor=GREY, alpha=BAND_ALPHA[50], label="middle 50% of runs")]
    _legend(fig, handles, "median over runs, per month")
    suptitle(fig, f"Share with a {measure} view of the other country: counterfactual replays")
    return fig


@as_written
def age_groups(tables: Mapping[str, pd.DataFrame], year: int = 2016) -> Figure:
    """The simulated poll of each age group (and of all adults) in one year against the age breakdown of that
    year's poll: a panel per country, groups along x, per replay the median with its 50% (thick) and 90% (thin)
    range across runs, the data as black dots."""
    _check_tables(tables)
    data = pd.concat(list(tables.values()), ignore_index=True)
    data = data[(data["year"] == year) & (data["measure"] == "good")]
    if not len(data):
        raise ValueError(f"the polls tables have no rows of year {year}")
    fig = Figure(figsize=(14, 7), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    width = 0.7 / len(tables)
    for ax, c in zip(axes, ("KR", "JP"), strict=True):
        groups = sorted(data.loc[data["country"] == c, "group"].unique(),
                        key=lambda g: (g != "all", g != "under-20", g))
        for j, (name, t) in enumerate(tables.items()):
            s = t[(t["year"] == year) & (t["country"] == c) & (t["measure"] == "good")].set_index("group")
            s = s.reindex(groups)
            x = np.arange(len(groups)) + (j - (len(tables) - 1) / 2) * width
            colour = REPLAY_COLOURS.get(name, "#000000")
            ax.vlines(x, s["q05"] * 100, s["q95"] * 100, color=colour, lw=2)
            ax.vlines(x, s["q25"] * 100, s["q75"] * 100, color=colour, lw=8, alpha=0.6)
            ax.scatter(x, s["q50"] * 100, s=80, color="white", edgecolor=colour, lw=2.5, zorder=3)
        obs = data[data["country"] == c].drop_duplicates("group").set_index("group").reindex(groups)
        ax.scatter(np.arange(len(groups)), obs["observed"] * 100, s=130, marker="D", color="black", zorder=4)
        ax.set_xticks(np.arange(len(groups)), [plain("all adults" if g == "all" else g) for g in groups])
        ax.set_xlim(-0.6, len(groups) - 0.4)
        ax.set_title(f"{COUNTRY_NAMES[c]}: good view of {OTHER[c]}, {year}", fontsize=LABEL, fontweight="bold")
        ax.set_xlabel("age group")
        style_axes(ax, grid="y")
    axes[0].set_ylabel("% with a good view")
    handles = _replay_handles(list(tables)) + [
        Line2D([], [], ls="", marker="D", ms=10, color="black", label=f"poll {year}")]
    _legend(fig, handles, "dot: median over runs; thick bar: middle 50%; thin bar: middle 90%", ncols=4)
    suptitle(fig, f"Age groups against the {year} age breakdown")
    return fig


@as_written
def relations_check(monthly: Mapping[str, pd.DataFrame], relations: pd.DataFrame) -> Figure:
    """A check, not a fit: above, the share of each public calling the state of relations bad (relations:
    country, month, bad); below, the model's 1 - cooperation per month (median over runs, 50% band) per
    replay, on the same calendar axis."""
    need(relations, "relations", ["country", "month", "bad"])
    if not monthly:
        raise ValueError("no monthly frames given")
    fig = Figure(figsize=(13, 10), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1.3])
    for (c, marker, ls) in (("KR", "o", "-"), ("JP", "s", "--")):
        r = relations[relations["country"] == c].sort_values("month")
        top.plot(calendar(r["month"].to_numpy()), r["bad"] * 100, color="black", ls=ls, marker=marker, ms=9,
                 lw=2.2, label=f"{PUBLICS[c]} calling relations bad")
    top.set_ylabel("% calling relations bad")
    top.legend(loc="lower left", fontsize=LEGEND, frameon=False)
    lo, hi = np.inf, -np.inf
    for name, df in monthly.items():
        q = 1 - run_quantiles(df, "cooperation")
        q = q.rename(columns=dict(zip(QCOLS, QCOLS[::-1], strict=True)))  # 1 - x reverses the quantiles
        x = calendar(q.index.to_numpy())
        lo, hi = min(lo, x.min()), max(hi, x.max())
        colour = REPLAY_COLOURS.get(name, "#000000")
        bottom.fill_between(x, q["q25"], q["q75"], color=colour, alpha=BAND_ALPHA[50], lw=0)
        bottom.plot(x, q["q50"], color=colour, lw=MEDIAN_LW - 0.6)
    bottom.set_ylabel("1 − " + COOPERATION.replace(", ", ",\n"))
    for ax in (top, bottom):
        style_axes(ax)
        if hi >= PROJECTION:
            _projection(ax, PROJECTION, hi, label=ax is top)
        _years_axis(ax, lo, hi)
    handles = _replay_handles(list(monthly)) + [
        Patch(facecolor=GREY, alpha=BAND_ALPHA[50], label="middle 50% of runs")]
    _legend(fig, handles, "model: median over runs, per month")
    suptitle(fig, "Check: relations called bad in the polls, and the model's 1 − cooperation index")
    return fig


@as_written
def visitors_check(changes: Mapping[str, pd.DataFrame], observed: pd.DataFrame) -> Figure:
    """A check, not a fit: the year-on-year change in Korean visitors to Japan per month (observed: month,
    change) as black bars, and per replay the model's change in `visitors_KR` (changes: year_on_year frames)
    as the median with its 50% (thick) and 90% (thin) range across runs."""
    need(observed, "observed visitors", ["month", "change"])
    for name, ch in changes.items():
        need(ch, f"visitor changes of replay {name!r}", ["month", *QCOLS])
    months = sorted(observed["month"].astype(int))
    pos = {m: i for i, m in enumerate(months)}
    fig = Figure(figsize=(13, 7.5), layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / (len(changes) + 1)
    obs = observed.set_index("month")["change"]
    ax.bar([pos[m] - 0.4 + width / 2 for m in months], [obs[m] * 100 for m in months], width=width * 0.9,
           color="black", label="data")
    for j, (name, ch) in enumerate(changes.items()):
        ch = ch[ch["month"].isin(months)]
        x = np.array([pos[m] for m in ch["month"]]) - 0.4 + width * (j + 1.5)
        colour = REPLAY_COLOURS.get(name, "#000000")
        ax.vlines(x, ch["q05"] * 100, ch["q95"] * 100, color=colour, lw=2)
        ax.vlines(x, ch["q25"] * 100, ch["q75"] * 100, color=colour, lw=9, alpha=0.6)
        ax.scatter(x, ch["q50"] * 100, s=90, color="white", edgecolor=colour, lw=2.5, zorder=3)
    ax.axhline(0, color="black", lw=1.2)
    ax.set_xticks(range(len(months)), [month_label(m) for m in months])
    ax.set_ylabel("% change on the same month\na year earlier")
    style_axes(ax, grid="y")
    handles = [Patch(facecolor="black", label="Korean visitors to Japan (data)")] + _replay_handles(list(changes))
    _legend(fig, handles, "model: visitors_KR index; dot: median over runs; thick bar: middle 50%; thin bar: "
                          "middle 90%")
    suptitle(fig, "Check: the 2019 fall in Korean visitors to Japan, year on year")
    return fig
