"""Figures over time: fan charts over seeds, paired-difference fans, youth-versus-public panels and when the
rules of rule-based strategies fired.

Every function is pure: it takes the tidy frames of sim.load_results (or of sim.analysis) and returns a
matplotlib Figure built directly (never registered with pyplot, so nothing is left open and nothing is shown),
in the one style of sim.present.style. Titles are neutral by default; the caller decides whether a title states
a finding.

Bands are quantiles across seeds per month (the 50% band is the 25th to 75th percentile, the 90% band the 5th to
95th). If the frame holds several sweep points, runs of all points are pooled (the legend says so) unless
point= selects one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.words import COUNTRY_NAMES, OTHER, column_label, scenario_words
from sim.present.style import (
    BAND90_LS,
    BAND90_LW,
    BAND_ALPHA,
    LABEL,
    LEGEND,
    MAX_LABEL,
    MEDIAN_LW,
    NOTE,
    OKABE_ITO,
    QUANTILES,
    REF_LW,
    as_written,
    band_handles,
    distinct,
    gid,
    n_points,
    need,
    plain,
    runs_word,
    seed_note,
    select_runs,
    shorten,
    strategy_colours,
    strategy_name,
    strategy_text,
    style_axes,
    suptitle,
    wrap,
)

__all__ = ["difference_fan", "fan_chart", "rule_timeline", "youth_public_panels"]

RUN_KEYS = ["scenario", "strategy", "seed", "month"]


def _quantiles(df: pd.DataFrame, variable: str, by: list[str]) -> pd.DataFrame:
    """Quantiles (columns 0.05 ... 0.95) of a variable across runs per group, one row per group."""
    q = df.groupby(by, sort=False, observed=True)[variable].quantile(list(QUANTILES))
    return q.unstack(-1).sort_index()


def _fan(ax, months: np.ndarray, q: pd.DataFrame, colour: str, name: str, line_gid: str, bands: Sequence[int],
         outline90: bool = True) -> None:
    """Median line; 50% band filled; 90% band as dashed edges (outline90, legible when strategies overlap)
    or filled lightly."""
    if 90 in bands:
        if outline90:
            for edge in (0.05, 0.95):
                ax.plot(months, q[edge], color=colour, lw=BAND90_LW, ls=BAND90_LS, alpha=0.9, zorder=2)
        else:
            ax.fill_between(months, q[0.05], q[0.95], color=colour, alpha=BAND_ALPHA[90], lw=0, zorder=1)
    if 50 in bands:
        ax.fill_between(months, q[0.25], q[0.75], color=colour, alpha=BAND_ALPHA[50], lw=0, zorder=1.5)
    ax.plot(months, q[0.5], color=colour, lw=MEDIAN_LW, label=name, gid=line_gid, zorder=3)


def _event_months(events: pd.Series | pd.DataFrame | np.ndarray | Sequence[float] | None) -> np.ndarray:
    if events is None:
        return np.array([])
    if isinstance(events, pd.DataFrame):
        if "month" not in events.columns:
            raise ValueError("events must be months (a Series or array) or a frame with a 'month' column")
        events = events["month"]
    m = pd.to_numeric(pd.Series(np.asarray(events).ravel()), errors="coerce").dropna()
    return np.unique(m[m >= 0].to_numpy(float))


@as_written
def fan_chart(monthly: pd.DataFrame, variable: str, scenario: str, strategies: Sequence[str] | None = None,
              events: pd.Series | pd.DataFrame | np.ndarray | Sequence[float] | None = None, title: str | None = None,
              point: int | None = None, bands: Sequence[int] | None = None) -> Figure:
    """Median over seeds of a monthly variable per strategy, with 50% and 90% bands across seeds.

    events: months to mark with a vertical line (e.g. months in which a shock hit many runs); a Series, an
    array or a frame with a 'month' column; negative months (burn-in) and duplicates are ignored.
    bands: which bands to draw, from (50, 90); by default both for up to two strategies and only the 50%
    band for more (90% bands of three or more strategies overlap into an unreadable tangle).
    The median line of each strategy has gid 'median:<strategy>'.
    """
    need(monthly, "monthly", RUN_KEYS, chosen=[variable])
    order = distinct(monthly["strategy"])
    sub, strategies = select_runs(monthly[[*RUN_KEYS, variable] + (["point"] if "point" in monthly.columns else [])],
                                  scenario, strategies, point)
    if bands is None:
        bands = (50, 90) if len(strategies) <= 2 else (50,)
    elif not set(bands) <= {50, 90}:
        raise ValueError(f"bands must be drawn from (50, 90), not {tuple(bands)!r}")
    colours = strategy_colours(order)
    q = _quantiles(sub, variable, ["strategy", "month"])
    seeds = sub[sub["month"] == sub["month"].min()].groupby("strategy", observed=True).size()
    fig = Figure(figsize=(13, 6.8), layout="constrained")
    ax = fig.add_subplot()
    for s in strategies:
        qs = q.loc[s]
        _fan(ax, qs.index.to_numpy(), qs, colours[s], strategy_name(s), f"median:{gid(s)}", bands)
    handles: list = [Line2D([], [], color=colours[s], lw=MEDIAN_LW) for s in strategies]
    names = [strategy_name(s) for s in strategies]
    runs = runs_word(sub)
    if 50 in bands:  # the band swatches in each strategy's own colour, side by side
        handles.append(tuple(Patch(facecolor=colours[s], alpha=BAND_ALPHA[50] + 0.08) for s in strategies))
        names.append(f"middle 50% of {runs}")
    if 90 in bands:
        handles.append(tuple(Line2D([], [], color=colours[s], lw=BAND90_LW, ls=BAND90_LS) for s in strategies))
        names.append(f"middle 90% of {runs}")
    ev = _event_months(events)
    if ev.size:
        lo, hi = sub["month"].min(), sub["month"].max()
        for m in ev[(ev >= lo) & (ev <= hi)]:
            ax.axvline(m, color="#555555", lw=2.2, alpha=0.45, zorder=0)
        handles.append(Line2D([], [], color="#555555", lw=2.2, alpha=0.45))
        names.append("shock")
    ax.set_xlabel("month after burn-in")
    ax.set_ylabel(wrap(column_label(variable), 46, 2 * MAX_LABEL))
    ax.set_xlim(sub["month"].min(), sub["month"].max())
    style_axes(ax)
    ax.legend(handles=handles, labels=names, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=LEGEND,
              title=seed_note(seeds, n_points(sub)), title_fontsize=LEGEND, frameon=False,
              handler_map={tuple: HandlerTuple(ndivide=None, pad=0.3)})
    suptitle(fig, title if title is not None else
             f"{column_label(variable).capitalize()}: {shorten(scenario_words(scenario))}")
    return fig


@as_written
def difference_fan(monthly: pd.DataFrame, variable: str, scenario: str, a: str, b: str, title: str | None = None,
                   point: int | None = None, mean: bool = False) -> Figure:
    """Paired difference A - B of a monthly variable (same seed, same sweep point, same month): median across
    seeds with 50% and 90% bands, and a zero line. mean=True adds the mean difference (dashed, gid
    'mean:difference'): where most pairs are identical in a month (common random numbers, no dispute yet)
    the median is exactly 0 even when the mean is not."""
    need(monthly, "monthly", RUN_KEYS, chosen=[variable])
    if a == b:
        raise ValueError(f"difference_fan needs two different strategies (got {a!r} twice)")
    has_point = "point" in monthly.columns
    keys = (["point"] if has_point else []) + ["seed", "month"]
    sub, _ = select_runs(monthly[["scenario", "strategy", *keys, variable]], scenario, [a, b], point)
    wide = sub.pivot_table(index=keys, columns="strategy", values=variable, aggfunc="first", observed=True)
    d = (wide[a].astype(float) - wide[b].astype(float)).dropna().rename("d").reset_index()
    if not len(d):
        raise ValueError(f"no seed of scenario {scenario!r} was run under both {a!r} and {b!r}: nothing to pair")
    q = _quantiles(d, "d", ["month"])
    months = q.index.to_numpy()
    colour = strategy_colours(distinct(monthly["strategy"]))[a]
    fig = Figure(figsize=(13, 6.8), layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0, color="black", lw=REF_LW, zorder=2.5)
    _fan(ax, months, q, colour, "median difference", "median:difference", (50, 90), outline90=False)
    if mean:
        avg = d.groupby("month", sort=True)["d"].mean()
        ax.plot(avg.index.to_numpy(), avg.to_numpy(), color="black", lw=2.2, ls=(0, (5, 2)), gid="mean:difference",
                zorder=3.5)
    ax.set_xlim(months.min(), months.max())
    ax.set_xlabel("month after burn-in")
    ax.set_ylabel(wrap(f"difference in {column_label(variable)}", 46, 2 * MAX_LABEL))
    style_axes(ax)
    kw = {"transform": ax.transAxes, "fontsize": NOTE, "color": "#333333", "ha": "left"}
    ax.text(0.01, 0.98, f"▲ {strategy_name(a)} higher", va="top", **kw)
    ax.text(0.01, 0.02, f"▼ {strategy_name(b)} higher", va="bottom", **kw)
    pairs = d[d["month"] == d["month"].min()].shape[0]
    handles = [Line2D([], [], color=colour, lw=MEDIAN_LW, label="median difference"),
               *band_handles(colour, outline90=False, runs="pairs"),
               Line2D([], [], color="black", lw=REF_LW, label="no difference")]
    if mean:
        handles.insert(1, Line2D([], [], color="black", lw=2.2, ls=(0, (5, 2)), label="mean difference"))
    points = int(d["point"].nunique()) if has_point else 1
    note = f"{pairs} paired {'seeds' if points == 1 else 'runs'}" + (
        f"\n(pooled over {points} sweep points)" if points > 1 else "")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=LEGEND, title=note,
              title_fontsize=LEGEND, frameon=False)
    suptitle(fig, title if title is not None else
             f"{shorten(scenario_words(scenario))}: paired difference in {column_label(variable)}, "
             f"{strategy_text(a)} − {strategy_text(b)}")
    return fig


@as_written
def youth_public_panels(monthly: pd.DataFrame, scenario: str, strategies: Sequence[str] | None = None,
                        title: str | None = None, point: int | None = None) -> Figure:
    """2x2 panels, rows KR and JP, columns youth (under 30) and public (30 and over): the share with a good
    view of the other country (good_C_youth / good_C_public), median over seeds and 50% band per strategy.
    All panels share the y axis, so the youth-public gap reads directly."""
    cols = [f"good_{c}_{h}" for c in ("KR", "JP") for h in ("youth", "public")]
    need(monthly, "monthly", RUN_KEYS, chosen=cols)
    order = distinct(monthly["strategy"])
    keep = [*RUN_KEYS, *cols] + (["point"] if "point" in monthly.columns else [])
    sub, strategies = select_runs(monthly[keep], scenario, strategies, point)
    colours = strategy_colours(order)
    q = sub.groupby(["strategy", "month"], sort=False, observed=True)[cols].quantile([0.25, 0.5, 0.75])
    q = q.unstack(-1).sort_index()
    seeds = sub[sub["month"] == sub["month"].min()].groupby("strategy", observed=True).size()
    fig = Figure(figsize=(14, 9.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, sharey=True)
    for r, c in enumerate(("KR", "JP")):
        for k, (h, words) in enumerate((("youth", "youth (under 30)"), ("public", "public (30 and over)"))):
            ax = axes[r, k]
            col = f"good_{c}_{h}"
            for s in strategies:
                qs = q.loc[s, col]
                m = qs.index.to_numpy()
                ax.fill_between(m, qs[0.25], qs[0.75], color=colours[s], alpha=BAND_ALPHA[50], lw=0)
                ax.plot(m, qs[0.5], color=colours[s], lw=MEDIAN_LW, gid=f"median:{gid(s)}:{col}")
            ax.set_title(f"{COUNTRY_NAMES[c]}, {words}", fontsize=LABEL, fontweight="bold")
            if k == 0:
                ax.set_ylabel(f"share with a good view\nof {OTHER[c]}")
            if r == 1:
                ax.set_xlabel("month after burn-in")
            style_axes(ax)
    axes[0, 0].set_xlim(sub["month"].min(), sub["month"].max())
    handles = [Line2D([], [], color=colours[s], lw=MEDIAN_LW, label=strategy_name(s)) for s in strategies]
    note = seed_note(seeds, n_points(sub)).replace("\n", " ")
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5), fontsize=LEGEND,
               frameon=False, title=f"{note}; band: middle 50%", title_fontsize=LEGEND)
    suptitle(fig, title if title is not None else
             f"Share with a good view of the other country, youth and public: {scenario_words(shorten(scenario))}")
    return fig


@as_written
def rule_timeline(firings: pd.DataFrame, runs: dict[str, int], months: int | None = None, bin_months: int = 6,
                  title: str | None = None) -> Figure:
    """When the rules of rule-based strategies fired: one panel per strategy, firings per run in each bin of
    `bin_months` months (x: months from the start of the horizon), one line per rule (COUNTRY.name).

    firings: sim.analysis.rule_firings (one scenario, or several pooled); runs: runs per strategy."""
    need(firings, "rule firings", ["strategy", "rule", "month"])
    strategies = distinct(firings["strategy"])
    end = int(months if months is not None else firings["month"].max() + 1)
    edges = np.arange(0, end + bin_months, bin_months)
    fig = Figure(figsize=(5.2 * len(strategies) + 1.5, 5.2), layout="constrained")
    axes = fig.subplots(1, len(strategies), squeeze=False, sharey=True)[0]
    palette = OKABE_ITO[:6]
    styles = ["-", "--", ":", "-."]
    for ax, strat in zip(axes, strategies, strict=True):
        g = firings[firings["strategy"] == strat]
        for k, (rule, r) in enumerate(g.groupby("rule", sort=True)):
            counts, _ = np.histogram(r["month"], bins=edges)
            ax.stairs(counts / max(runs.get(strat, 1), 1), edges, baseline=None, color=palette[k % len(palette)],
                      lw=2.4, ls=styles[k % len(styles)], label=plain(rule.replace(".", ": ").replace("_", " ")))
        ax.set_title(strategy_name(strat, stacked=True))
        ax.set_xlabel("months from the start")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=LEGEND, frameon=False, ncols=2)
        style_axes(ax, "y")
    top = max((ln.get_data()[0].max() for ax in axes for ln in ax.patches if hasattr(ln, "get_data")), default=1.0)
    axes[0].set_ylim(0, 1.08 * top if top > 0 else 1.0)
    axes[0].set_ylabel(f"firings per run,\nper {bin_months} months")
    suptitle(fig, title if title is not None else "When the rules fired")
    return fig
