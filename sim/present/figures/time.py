"""Workshop figures: fan charts over seeds, paired-difference fans, outcome distributions, the win matrix,
youth-versus-public panels and the 2x2 payoff table.

Every function is pure: it takes the tidy frames of sim.load_results (or of sim.analysis) and returns a
matplotlib Figure built directly (matplotlib.figure.Figure, never registered with pyplot, so nothing is left
open and nothing is shown). Fonts are set per figure (>= 13 pt) so that figures are legible when projected,
whatever the global rcParams. Colours follow sim.plots: Okabe-Ito, one fixed colour per named strategy
(two_track blue, linked orange, package_deal green), further strategies in the remaining Okabe-Ito colours
in the order they appear in the data. Titles are neutral by default; the caller decides whether a title
states a finding.

Bands are quantiles across seeds per month (the 50% band is the 25th to 75th percentile, the 90% band the
5th to 95th). If the frame holds several sweep points, runs of all points are pooled (the legend says so)
unless point= selects one.

Scenario names, strategy labels and titles are data, shown as written: a `$` is a dollar sign (never
mathtext), TeX is never used whatever `text.usetex` says, control characters become spaces and names longer than
sim.plots.MAX_LABEL characters are cut with an ellipsis (on the figure only: keys and gids keep the full name).
`plain(text)` gives that treatment to any text you add to a figure yourself.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from sim.outcomes import OUTCOME_TABLE
from sim.present.style import MAX_LABEL, STRATEGY_COLOURS, no_math, plain, shorten, strategy_colour

__all__ = ["difference_fan", "fan_chart", "outcome_distributions", "payoff_table_figure", "plain", "shorten",
           "strategy_colours", "win_matrix", "youth_public_panels"]

# Font sizes (points) and line widths for projection.
TITLE, LABEL, TICK, LEGEND, NOTE = 17, 15, 14, 13, 13
MEDIAN_LW, REF_LW = 3.2, 1.8
BAND_ALPHA = {50: 0.28, 90: 0.15}
STRIP_MAX = 60  # violins of at most this many runs also show each run as a dot
BAND90_LW, BAND90_LS = 1.2, (0, (4, 4))
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

COUNTRY_NAMES = {"KR": "Korea", "JP": "Japan"}
OTHER = {"KR": "Japan", "JP": "Korea"}
STRATEGY_NAMES = {"two_track": "two-track", "linked": "linked", "package_deal": "package deal"}
FIELD_LABELS = {"security": "security", "economy": "economy", "society": "society", "technology": "technology"}
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


# ---------------------------------------------------------------------------------------------- helpers

def scenario_words(name: object) -> str:
    """A scenario name as a title: underscores to spaces, capitalised, acronyms restored ("us_china_escalation"
    -> "US-China escalation")."""
    words = str(name).replace("_", " ").strip()
    words = re.sub(r"\bus china\b", "US-China", words, flags=re.IGNORECASE)
    words = re.sub(r"\b(kr|jp|us|rok)\b", lambda m: m.group(1).upper(), words)
    return words[:1].upper() + words[1:]


def label(name: str) -> str:
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


def strategy_label(s: str, wrap: bool = False) -> str:
    """Display name of a strategy label ('kr=two_track,jp=linked' -> 'KR two-track · JP linked'), shortened
    (sim.plots.shorten) but not yet escaped: pass it through no_math (or use plain) before drawing it."""
    s = str(s)
    bits = [p.split("=", 1) for p in s.split(",")]
    if "=" in s and all(len(b) == 2 and b[0].strip().upper() in COUNTRY_NAMES for b in bits):
        limit = max(12, MAX_LABEL // len(bits))
        parts = [f"{c.strip().upper()} {shorten(STRATEGY_NAMES.get(v, v.replace('_', ' ')), limit)}"
                 for c, v in bits]
        return ("\n" if wrap else " · ").join(parts)
    return shorten(STRATEGY_NAMES.get(s, s.replace("_", " ")))


def _slabel(s: str, wrap: bool = False, width: int | None = None) -> str:
    """A strategy's display name, ready to draw; with `width`, each line wrapped to that many characters."""
    text = strategy_label(s, wrap)
    if width:
        text = "\n".join(textwrap.fill(line, width) for line in text.split("\n"))
    return no_math(text)


def _gid(s: str) -> str:
    """A strategy label in a gid (an SVG id): the full label, without control characters (invalid in XML)."""
    return shorten(s, None)


def strategy_colours(strategies: Sequence[str]) -> dict[str, str]:
    """Colour per strategy: the fixed colours of sim.plots for named strategies, further ones in order."""
    out, j = {}, 0
    for s in dict.fromkeys(strategies):
        if s in STRATEGY_COLOURS:
            out[s] = STRATEGY_COLOURS[s]
        else:
            out[s] = strategy_colour(s, j)
            j += 1
    return out


def _wrap(text: str, width: int = 16, limit: int = MAX_LABEL) -> str:
    """A name wrapped to `width` characters a line, ready to draw (shortened, `$` escaped)."""
    return no_math(textwrap.fill(shorten(text, limit).replace("_", " "), width))


def _suptitle(fig: Figure, text: str) -> None:
    """Figure title, shown as written (each line shortened, `$` escaped) and wrapped to the figure's width."""
    chars = int(fig.get_figwidth() * 72 * 0.95 / (0.56 * TITLE))
    lines = [textwrap.fill(shorten(line, 3 * MAX_LABEL), chars) for line in str(text).split("\n")]
    fig.suptitle(no_math("\n".join(lines)), fontsize=TITLE)


def as_written(func):
    """Build the figure with TeX off (a decorator of figure functions): every Text made inside keeps
    usetex=False, whatever the global rcParams (TeX would read a label's backslashes, braces, % and $ as
    commands)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context({"text.usetex": False}):
            return func(*args, **kwargs)
    return wrapper


def style_axes(ax, grid: str = "both") -> None:
    """Projection-sized ticks and labels, a light grid, no top or right frame."""
    ax.tick_params(labelsize=TICK, width=1.2, length=5)
    ax.xaxis.label.set_size(LABEL)
    ax.yaxis.label.set_size(LABEL)
    ax.title.set_size(LABEL)
    if grid:
        ax.grid(axis=grid, alpha=0.3, lw=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _unique(values) -> list:
    """Distinct values in order of first appearance (fast on long columns)."""
    return pd.unique(pd.Series(values)).tolist()


def _need_frame(df: pd.DataFrame | None, what: str, columns: Sequence[str]) -> pd.DataFrame:
    if df is None or not isinstance(df, pd.DataFrame) or not len(df):
        hint = " (was the experiment run with `monthly: false`?)" if what == "monthly" else ""
        raise ValueError(f"the {what} frame is empty or missing{hint}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"the {what} frame has no column(s) {', '.join(map(repr, missing))}")
    return df


def _require(wanted: Sequence, present: Sequence, kind: str, where: str) -> None:
    """A clear ValueError naming what was asked for and is missing, and what is available."""
    missing = [s for s in wanted if s not in present]
    if missing:
        raise ValueError(f"{kind} {', '.join(map(repr, missing))} not in {where}; "
                         f"available: {', '.join(map(str, present))}")


def _need_column(df: pd.DataFrame, column: str, what: str) -> None:
    if column not in df.columns:
        keys = {"key", "scenario", "strategy", "seed", "point", "month", "scenario_hash"}
        avail = [c for c in df.columns if c not in keys and not str(c).startswith("sweep.")]
        raise ValueError(f"the {what} frame has no column {column!r}; available: "
                         + ", ".join(avail[:40]) + (" ..." if len(avail) > 40 else ""))


def _select(df: pd.DataFrame, scenario: str | None, strategies: Sequence[str] | None,
            point: int | None) -> tuple[pd.DataFrame, list[str]]:
    """Rows of one scenario (and point) for the requested strategies, with clear errors for what is missing."""
    if scenario is not None:
        scen = _unique(df["scenario"])
        if scenario not in scen:
            raise ValueError(f"scenario {scenario!r} is not in the results; available: {', '.join(scen)}")
        df = df[df["scenario"] == scenario]
    if point is not None:
        if "point" not in df.columns or point not in set(df["point"]):
            pts = sorted(set(df["point"])) if "point" in df.columns else []
            raise ValueError(f"sweep point {point!r} is not in the results; available: {pts}")
        df = df[df["point"] == point]
    present = _unique(df["strategy"])
    if strategies is None:
        strategies = present
    else:
        strategies = list(strategies)
        if not strategies:
            raise ValueError("no strategies requested")
        where = f"the results for scenario {scenario!r}" if scenario is not None else "the results"
        _require(strategies, present, "strategy", where)
        df = df[df["strategy"].isin(strategies)]
    return df, list(strategies)


def _runs(df: pd.DataFrame) -> str:
    return "seeds" if _n_points(df) == 1 else "runs"


def _n_points(df: pd.DataFrame) -> int:
    return int(df["point"].nunique()) if "point" in df.columns else 1


def _seed_note(counts: pd.Series, points: int) -> str:
    lo, hi = int(counts.min()), int(counts.max())
    runs = "seeds" if points == 1 else "runs"
    text = f"median of {lo} {runs}" if lo == hi else f"median of {lo}-{hi} {runs}"
    if points > 1:
        text += f"\n(pooled over {points} sweep points)"
    return text


def _quantiles(df: pd.DataFrame, variable: str, by: list[str]) -> pd.DataFrame:
    """Quantiles (columns 0.05 ... 0.95) of a variable across runs per group, one row per group."""
    q = df.groupby(by, sort=False, observed=True)[variable].quantile(list(QUANTILES))
    return q.unstack(-1).sort_index()


def _band_handles(colour: str = "#777777", outline90: bool = True, runs: str = "seeds") -> list:
    h90 = (Line2D([], [], color=colour, lw=BAND90_LW, ls=BAND90_LS, label=f"middle 90% of {runs}") if outline90
           else Patch(facecolor=colour, alpha=BAND_ALPHA[90] + 0.05, label=f"middle 90% of {runs}"))
    return [Patch(facecolor=colour, alpha=BAND_ALPHA[50] + 0.08, label=f"middle 50% of {runs}"), h90]


def _fan(ax, months: np.ndarray, q: pd.DataFrame, colour: str, name: str, gid: str, bands: Sequence[int],
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
    ax.plot(months, q[0.5], color=colour, lw=MEDIAN_LW, label=name, gid=gid, zorder=3)


def _event_months(events) -> np.ndarray:
    if events is None:
        return np.array([])
    if isinstance(events, pd.DataFrame):
        if "month" not in events.columns:
            raise ValueError("events must be months (a Series or array) or a frame with a 'month' column")
        events = events["month"]
    m = pd.to_numeric(pd.Series(np.asarray(events).ravel()), errors="coerce").dropna()
    return np.unique(m[m >= 0].to_numpy(float))


# ---------------------------------------------------------------------------------------------- figures

@as_written
def fan_chart(monthly: pd.DataFrame, variable: str, scenario: str, strategies: Sequence[str] | None = None,
              events=None, title: str | None = None, point: int | None = None,
              bands: Sequence[int] | None = None) -> Figure:
    """Median over seeds of a monthly variable per strategy, with 50% and 90% bands across seeds.

    events: months to mark with a vertical line (e.g. months in which a shock hit many runs); a Series, an
    array or a frame with a 'month' column; negative months (burn-in) and duplicates are ignored.
    bands: which bands to draw, from (50, 90); by default both for up to two strategies and only the 50%
    band for more (90% bands of three or more strategies overlap into an unreadable tangle).
    The median line of each strategy has gid 'median:<strategy>'.
    """
    _need_frame(monthly, "monthly", ["scenario", "strategy", "seed", "month"])
    _need_column(monthly, variable, "monthly")
    order = _unique(monthly["strategy"])
    sub, strategies = _select(monthly[["scenario", "strategy", "seed", "month", variable]
                                      + (["point"] if "point" in monthly.columns else [])],
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
        _fan(ax, qs.index.to_numpy(), qs, colours[s], _slabel(s), f"median:{_gid(s)}", bands)
    handles: list = [Line2D([], [], color=colours[s], lw=MEDIAN_LW) for s in strategies]
    names = [_slabel(s) for s in strategies]
    runs = _runs(sub)
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
    ax.set_ylabel(_wrap(label(variable), 46, 2 * MAX_LABEL))
    ax.set_xlim(sub["month"].min(), sub["month"].max())
    style_axes(ax)
    ax.legend(handles=handles, labels=names, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=LEGEND,
              title=_seed_note(seeds, _n_points(sub)), title_fontsize=LEGEND, frameon=False,
              handler_map={tuple: HandlerTuple(ndivide=None, pad=0.3)})
    _suptitle(fig, title if title is not None else
              f"{label(variable).capitalize()}: {shorten(scenario_words(scenario))}")
    return fig


@as_written
def difference_fan(monthly: pd.DataFrame, variable: str, scenario: str, a: str, b: str, title: str | None = None,
                   point: int | None = None, mean: bool = False) -> Figure:
    """Paired difference A - B of a monthly variable (same seed, same sweep point, same month): median across
    seeds with 50% and 90% bands, and a zero line. mean=True adds the mean difference (dashed, gid
    'mean:difference'): where most pairs are identical in a month (common random numbers, no dispute yet)
    the median is exactly 0 even when the mean is not."""
    _need_frame(monthly, "monthly", ["scenario", "strategy", "seed", "month"])
    _need_column(monthly, variable, "monthly")
    if a == b:
        raise ValueError(f"difference_fan needs two different strategies (got {a!r} twice)")
    has_point = "point" in monthly.columns
    keys = (["point"] if has_point else []) + ["seed", "month"]
    sub, _ = _select(monthly[["scenario", "strategy", *keys, variable]], scenario, [a, b], point)
    wide = sub.pivot_table(index=keys, columns="strategy", values=variable, aggfunc="first", observed=True)
    d = (wide[a].astype(float) - wide[b].astype(float)).dropna().rename("d").reset_index()
    if not len(d):
        raise ValueError(f"no seed of scenario {scenario!r} was run under both {a!r} and {b!r}: nothing to pair")
    q = _quantiles(d, "d", ["month"])
    months = q.index.to_numpy()
    colour = strategy_colours(_unique(monthly["strategy"]))[a]
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
    ax.set_ylabel(_wrap(f"difference in {label(variable)}", 46, 2 * MAX_LABEL))
    style_axes(ax)
    kw = {"transform": ax.transAxes, "fontsize": NOTE, "color": "#333333", "ha": "left"}
    ax.text(0.01, 0.98, no_math(f"▲ {strategy_label(a)} higher"), va="top", **kw)
    ax.text(0.01, 0.02, no_math(f"▼ {strategy_label(b)} higher"), va="bottom", **kw)
    pairs = d[d["month"] == d["month"].min()].shape[0]
    handles = [Line2D([], [], color=colour, lw=MEDIAN_LW, label="median difference"),
               *_band_handles(colour, outline90=False, runs="pairs"),
               Line2D([], [], color="black", lw=REF_LW, label="no difference")]
    if mean:
        handles.insert(1, Line2D([], [], color="black", lw=2.2, ls=(0, (5, 2)), label="mean difference"))
    points = int(d["point"].nunique()) if has_point else 1
    note = f"{pairs} paired {'seeds' if points == 1 else 'runs'}" + (
        f"\n(pooled over {points} sweep points)" if points > 1 else "")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=LEGEND, title=note,
              title_fontsize=LEGEND, frameon=False)
    _suptitle(fig, title if title is not None else
                 f"{shorten(scenario_words(scenario))}: paired difference in {label(variable)}, "
                 f"{strategy_label(a)} − {strategy_label(b)}")
    return fig


@as_written
def outcome_distributions(summaries: pd.DataFrame, outcome: str, strategies: Sequence[str] | None = None,
                          kind: str = "violin", scenarios: Sequence[str] | None = None, title: str | None = None,
                          point: int | None = None) -> Figure:
    """Per-run outcome by scenario and strategy: violins (scenarios along x, strategies side by side, with the
    median as a white dot and the middle 50% as a bar) or ECDFs (one panel per scenario)."""
    if kind not in ("violin", "ecdf"):
        raise ValueError(f"kind must be 'violin' or 'ecdf', not {kind!r}")
    _need_frame(summaries, "summaries", ["scenario", "strategy"])
    _need_column(summaries, outcome, "summaries")
    order = _unique(summaries["strategy"])
    df, strategies = _select(summaries, None, strategies, point)
    present = _unique(df["scenario"])
    if scenarios is None:
        scenarios = present
    else:
        scenarios = list(scenarios)
        _require(scenarios, present, "scenario", "the results")
    colours = strategy_colours(order)
    values = df.assign(_v=pd.to_numeric(df[outcome], errors="coerce").astype(float)).dropna(subset=["_v"])
    groups = {k: g.to_numpy() for k, g in values.groupby(["scenario", "strategy"], sort=False)["_v"]}
    if not groups:
        raise ValueError(f"outcome {outcome!r} has no finite values for these scenarios and strategies")
    handles = [Patch(facecolor=colours[s], alpha=0.75, label=_slabel(s)) for s in strategies]
    if kind == "violin":
        fig = _violins(groups, scenarios, strategies, colours, outcome)
        ax = fig.axes[0]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=LEGEND, frameon=False,
                  title="one run per seed;\ndot: median\nbar: middle 50%", title_fontsize=LEGEND)
    else:
        fig = _ecdfs(groups, scenarios, strategies, colours, outcome)
        fig.legend(handles=[Line2D([], [], color=colours[s], lw=MEDIAN_LW, label=_slabel(s))
                            for s in strategies], loc="outside lower center", ncols=min(len(strategies), 4),
                   fontsize=LEGEND, frameon=False)
    _suptitle(fig, title if title is not None else f"{label(outcome).capitalize()}: distribution over runs")
    return fig


def _violins(groups: dict, scenarios: list, strategies: list, colours: dict, outcome: str) -> Figure:
    k = len(strategies)
    fig = Figure(figsize=(min(17, max(10, 0.75 * len(scenarios) * k + 4)), 6.8), layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / k
    for i, sc in enumerate(scenarios):
        for j, s in enumerate(strategies):
            d = groups.get((sc, s))
            if d is None or not d.size:
                continue
            pos = i + (j - (k - 1) / 2) * width
            if np.ptp(d) > 0:
                body = ax.violinplot(d, positions=[pos], widths=width * 0.92, showextrema=False)["bodies"][0]
                body.set(facecolor=colours[s], edgecolor=colours[s], alpha=0.6, lw=1.5)
            else:
                ax.hlines(d[0], pos - width * 0.4, pos + width * 0.4, color=colours[s], lw=4)
            if d.size <= STRIP_MAX:  # few runs: show them, a density alone would mislead
                jitter = (np.random.default_rng(j).random(d.size) - 0.5) * width * 0.45
                ax.scatter(pos + jitter, d, s=18, color="#222222", alpha=0.55, lw=0, zorder=2.5)
            q1, med, q3 = np.percentile(d, [25, 50, 75])
            ax.vlines(pos, q1, q3, color="#222222", lw=6, zorder=3)
            ax.scatter([pos], [med], s=60, color="white", edgecolor="#222222", lw=1.5, zorder=4)
    ax.set_xticks(np.arange(len(scenarios)), [_wrap(str(sc)) for sc in scenarios])
    ax.set_xlim(-0.6, len(scenarios) - 0.4)
    ax.set_ylabel(_wrap(label(outcome), 46, 2 * MAX_LABEL))
    style_axes(ax, grid="y")
    return fig


def _ecdfs(groups: dict, scenarios: list, strategies: list, colours: dict, outcome: str) -> Figure:
    n = len(scenarios)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(5.6 * cols + 2.6, 4.6 * rows + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)).ravel()
    for ax, sc in zip(axes, scenarios, strict=False):
        for s in strategies:
            d = groups.get((sc, s))
            if d is None or not d.size:
                continue
            x = np.sort(d)
            y = np.arange(1, x.size + 1) / x.size
            ax.step(np.r_[x[0], x], np.r_[0, y], where="post", color=colours[s], lw=MEDIAN_LW - 0.4)
        ax.set_title(plain(str(sc).replace("_", " ")), fontsize=LABEL)
        ax.set_ylim(0, 1.02)
        style_axes(ax)
    for ax in axes[n:]:
        ax.set_visible(False)
    for i, ax in enumerate(axes[:n]):
        if i + cols >= n:  # no panel below: label the x axis here
            ax.set_xlabel(_wrap(label(outcome), 30, 2 * MAX_LABEL))
            ax.tick_params(labelbottom=True)
        if i % cols == 0:
            ax.set_ylabel("share of runs ≤ value")
    return fig


@as_written
def win_matrix(table: pd.DataFrame, outcome: str | None = None, title: str | None = None,
               value_label: str | None = None, strategies: Sequence[str] | None = None,
               cmap: str = "cividis") -> Figure:
    """Heatmap of scenario (rows) x strategy (columns) from a tidy frame with columns scenario, strategy, value
    (e.g. sim.analysis.win_matrix: the share of seeds in which each strategy is best), annotated with the
    numbers. If the frame has an 'outcome' column, `outcome` selects its rows; a 'point' column with several
    points per scenario gives one row per scenario and point. Columns: `strategies` if given, else the named
    strategies (two_track, linked, package_deal) first, then the others in order of appearance."""
    _need_frame(table, "win-matrix table", ["scenario", "strategy", "value"])
    t = table
    if "outcome" in t.columns:
        outs = _unique(t["outcome"])
        if outcome is None:
            if len(outs) > 1:
                raise ValueError(f"the table holds several outcomes ({', '.join(map(str, outs))}); pass outcome=")
            outcome = outs[0]
        elif outcome not in outs:
            raise ValueError(f"outcome {outcome!r} is not in the table; available: {', '.join(map(str, outs))}")
        t = t[t["outcome"] == outcome]
    t = t.assign(_row=t["scenario"].astype(str).str.replace("_", " "))
    shown = {r: shorten(r, 48) for r in _unique(t["_row"])}  # the full name stays the key
    if "point" in t.columns and t.groupby("scenario")["point"].nunique().max() > 1:
        suffix = " · point " + t["point"].astype(str)
        shown = {r + x: shown[r] + x for r, x in zip(t["_row"], suffix, strict=True)}
        t = t.assign(_row=t["_row"] + suffix)
    if t.duplicated(["_row", "strategy"]).any():
        dup = t[t.duplicated(["_row", "strategy"], keep=False)][["_row", "strategy"]].iloc[0].tolist()
        raise ValueError(f"the table has several values for scenario {dup[0]!r} and strategy {dup[1]!r}")
    present = _unique(t["strategy"])
    if strategies is None:
        cols = [s for s in STRATEGY_COLOURS if s in present] + [s for s in present if s not in STRATEGY_COLOURS]
    else:
        cols = list(strategies)
        _require(cols, present, "strategy", "the table")
    rows = _unique(t["_row"])
    grid = t.pivot(index="_row", columns="strategy", values="value").reindex(index=rows, columns=cols)
    vals = grid.to_numpy(float)
    finite = vals[np.isfinite(vals)]
    if not finite.size:
        raise ValueError("the table has no finite values")
    vmin, vmax = (0.0, 1.0) if finite.min() >= 0 and finite.max() <= 1 else (finite.min(), finite.max())
    fig = Figure(figsize=(max(8, 2.1 * len(cols) + 5.5), max(4.5, 0.75 * len(rows) + 2.6)), layout="constrained")
    ax = fig.add_subplot()
    colormap = matplotlib.colormaps[cmap].with_extremes(bad="#DDDDDD")
    im = ax.imshow(np.ma.masked_invalid(vals), cmap=colormap, vmin=vmin, vmax=vmax, aspect="auto")
    norm = im.norm
    for (i, j), v in np.ndenumerate(vals):
        if np.isfinite(v):
            dark = im.cmap(norm(v))
            lum = 0.2126 * dark[0] + 0.7152 * dark[1] + 0.0722 * dark[2]
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=LABEL + 1, fontweight="bold",
                    color="black" if lum > 0.5 else "white")
        else:
            ax.text(j, i, "–", ha="center", va="center", fontsize=LABEL, color="#555555")
    ax.set_xticks(np.arange(len(cols)), [_slabel(c, wrap=True, width=20) for c in cols])
    ax.set_yticks(np.arange(len(rows)), [_wrap(shown[r], 28) for r in rows])
    ax.tick_params(labelsize=TICK, length=0)
    ax.xaxis.tick_top()
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_xticks(np.arange(len(cols) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(rows) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=3)
    ax.tick_params(which="minor", length=0)
    cb = fig.colorbar(im, ax=ax, shrink=0.9, pad=0.02)
    words = shorten(label(str(outcome))) if outcome else None
    cb.set_label(plain(value_label or "share of seeds where best"), fontsize=LABEL)
    cb.ax.tick_params(labelsize=TICK)
    _suptitle(fig, title if title is not None else
                 "Share of seeds in which each strategy is best" + (f" on {words}" if words else ""))
    return fig


@as_written
def youth_public_panels(monthly: pd.DataFrame, scenario: str, strategies: Sequence[str] | None = None,
                        title: str | None = None, point: int | None = None) -> Figure:
    """2x2 panels, rows KR and JP, columns youth (under 30) and public (30 and over): the share with a good
    view of the other country (good_C_youth / good_C_public), median over seeds and 50% band per strategy.
    All panels share the y axis, so the youth-public gap reads directly."""
    cols = [f"good_{c}_{h}" for c in ("KR", "JP") for h in ("youth", "public")]
    _need_frame(monthly, "monthly", ["scenario", "strategy", "seed", "month"])
    for c in cols:
        _need_column(monthly, c, "monthly")
    order = _unique(monthly["strategy"])
    keep = ["scenario", "strategy", "seed", "month", *cols] + (["point"] if "point" in monthly.columns else [])
    sub, strategies = _select(monthly[keep], scenario, strategies, point)
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
                ax.plot(m, qs[0.5], color=colours[s], lw=MEDIAN_LW, gid=f"median:{_gid(s)}:{col}")
            ax.set_title(f"{COUNTRY_NAMES[c]}, {words}", fontsize=LABEL, fontweight="bold")
            if k == 0:
                ax.set_ylabel(f"share with a good view\nof {OTHER[c]}")
            if r == 1:
                ax.set_xlabel("month after burn-in")
            style_axes(ax)
            ax.title.set_size(LABEL)
    axes[0, 0].set_xlim(sub["month"].min(), sub["month"].max())
    handles = [Line2D([], [], color=colours[s], lw=MEDIAN_LW, label=_slabel(s)) for s in strategies]
    note = _seed_note(seeds, _n_points(sub)).replace("\n", " ")
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5), fontsize=LEGEND,
               frameon=False, title=f"{note}; band: middle 50%", title_fontsize=LEGEND)
    _suptitle(fig, title if title is not None else
                 f"Share with a good view of the other country, youth and public: "
                 f"{shorten(scenario).replace('_', ' ')}")
    return fig


@as_written
def payoff_table_figure(payoffs: pd.DataFrame, title: str | None = None) -> Figure:
    """The 2x2 read as a game (sim.analysis.payoff_game): rows KR's strategy, columns JP's, each cell the
    mean payoff of KR and of JP; a payoff in bold with a ★ is that country's best response to the other's
    choice, and a cell where both are best responses (an equilibrium) is outlined. One panel per scenario."""
    need = ["KR", "JP", "payoff_KR", "payoff_JP"]
    _need_frame(payoffs, "payoff", need)
    p = payoffs if "scenario" in payoffs.columns else payoffs.assign(scenario="")
    scenarios = _unique(p["scenario"])
    n = len(scenarios)
    cols = min(n, 2)
    rows = int(np.ceil(n / cols))
    size = max(len(_unique(p["KR"])), len(_unique(p["JP"])))
    fig = Figure(figsize=(cols * (2.6 * size + 2.8), rows * (2.0 * size + 1.8)), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, sc in zip(axes, scenarios, strict=False):
        g = p[p["scenario"] == sc]
        kr, jp = _unique(g["KR"]), _unique(g["JP"])
        best_kr = g["payoff_KR"] == g.groupby("JP")["payoff_KR"].transform("max")
        best_jp = g["payoff_JP"] == g.groupby("KR")["payoff_JP"].transform("max")
        for idx, row in g.iterrows():
            i, j = kr.index(row["KR"]), jp.index(row["JP"])
            bk = bool(row.get("KR_best_response", best_kr[idx]))
            bj = bool(row.get("JP_best_response", best_jp[idx]))
            eq = bk and bj
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#F2F2F2" if not eq else "#DCEBF5",
                                   edgecolor="white", lw=3, zorder=1))
            if eq:
                ax.add_patch(Rectangle((j - 0.47, i - 0.47), 0.94, 0.94, facecolor="none", edgecolor="black",
                                       lw=3.5, zorder=3))
            ax.text(j, i - 0.14, f"KR {row['payoff_KR']:.3f}" + (" ★" if bk else ""), ha="center", va="center",
                    fontsize=LABEL + 1, fontweight="bold" if bk else "normal", color="#0072B2", zorder=2)
            ax.text(j, i + 0.16, f"JP {row['payoff_JP']:.3f}" + (" ★" if bj else ""), ha="center", va="center",
                    fontsize=LABEL + 1, fontweight="bold" if bj else "normal", color="#D55E00", zorder=2)
        ax.set_xlim(-0.5, len(jp) - 0.5)
        ax.set_ylim(len(kr) - 0.5, -0.5)
        ax.set_xticks(range(len(jp)), [_slabel(s, width=20) for s in jp])
        ax.set_yticks(range(len(kr)), [_slabel(s, width=20) for s in kr])
        ax.xaxis.tick_top()
        ax.xaxis.set_label_position("top")
        ax.set_xlabel("Japan's strategy", fontsize=LABEL, labelpad=10)
        ax.set_ylabel("Korea's strategy", fontsize=LABEL)
        ax.tick_params(labelsize=TICK, length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        if sc:
            ax.set_title(plain(str(sc).replace("_", " ")), fontsize=LABEL, fontweight="bold", pad=12)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.text(0.01, 0.0, "★ best response to the other country's choice;  outlined cell: both (an equilibrium)",
             fontsize=NOTE, ha="left", va="bottom", color="#333333")
    fig.get_layout_engine().set(h_pad=0.25)
    _suptitle(fig, title if title is not None else "Each country's mean payoff per pair of strategies")
    return fig


def _criteria(table: pd.DataFrame, criteria: Sequence[str] | None) -> list[str]:
    present = _unique(table["criterion"])
    if criteria is None:
        return [c for c in present if str(c).startswith("weighting")] or present
    _require(list(criteria), present, "criterion", "the winner table")
    return list(criteria)


@as_written
def winner_map(table: pd.DataFrame, x: str, y: str, criteria: Sequence[str] | None = None,
               scenario: str | None = None, title: str | None = None) -> Figure:
    """Where the winner flips over two swept fields (sim.landscape.winner_table): per criterion (by default
    each weighting of health) a heatmap of the mean paired difference A − B (blue: A better, orange: B better),
    each cell annotated with P(A better) (ties one half), cells whose 95% interval does not clear the practical
    margin hatched, and the line where the difference changes sign."""
    _need_frame(table, "winner table", ["criterion", "diff", "verdict", x, y])
    t = table if scenario is None else table[table["scenario"] == scenario]
    if "scenario" in t.columns and t["scenario"].nunique() > 1:
        raise ValueError(f"the table holds several scenarios ({', '.join(map(str, _unique(t['scenario'])))}); "
                         "pass scenario=")
    crits = _criteria(t, criteria)
    xs, ys = sorted(_unique(t[x])), sorted(_unique(t[y]))
    lim = float(np.nanmax(np.abs(t[t["criterion"].isin(crits)]["diff"]))) or 1e-9
    ncol = min(len(crits), 2)
    nrow = -(-len(crits) // ncol)
    fig = Figure(figsize=(7.5 * ncol + 1.5, 6.2 * nrow), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
    cmap = matplotlib.colors.LinearSegmentedColormap.from_list("ab", ["#D55E00", "#F7F7F7", "#0072B2"])
    im = None
    for ax, crit in zip(axes, crits, strict=False):
        g = t[t["criterion"] == crit].set_index([y, x])
        z = np.array([[g["diff"].get((yv, xv), np.nan) for xv in xs] for yv in ys], float)
        im = ax.imshow(z, origin="lower", cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
        for (i, j), v in np.ndenumerate(z):
            if not np.isfinite(v):
                continue
            row = g.loc[(ys[i], xs[j])]
            row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
            if row["verdict"] == "no clear difference":
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", ec="#777777", lw=0))
            if len(xs) * len(ys) <= 100:
                ax.text(j, i, f"{row['p_better_ties_half']:.2f}", ha="center", va="center", fontsize=NOTE - 2)
        if len(xs) > 1 and len(ys) > 1 and np.nanmin(z) < 0 < np.nanmax(z):
            ax.contour(np.arange(len(xs)), np.arange(len(ys)), z, levels=[0.0], colors="black", linewidths=2.5)
        ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs], rotation=45 if len(xs) > 8 else 0)
        ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
        ax.set_xlabel(plain(x.removeprefix("sweep.")))
        ax.set_ylabel(plain(y.removeprefix("sweep.")))
        ax.set_title(plain(crit))
        style_axes(ax, grid="")
    for ax in axes[len(crits):]:
        ax.set_visible(False)
    a, b = table.attrs.get("a", "A"), table.attrs.get("b", "B")
    cb = fig.colorbar(im, ax=list(axes[:len(crits)]), shrink=0.85, pad=0.02)
    cb.set_label(plain(f"mean paired difference {strategy_label(a)} − {strategy_label(b)}"), fontsize=LABEL)
    cb.ax.tick_params(labelsize=TICK)
    handles = [Patch(facecolor="white", edgecolor="#777777", hatch="///", label="no clear difference (margin)"),
               Line2D([], [], color="black", lw=2.5, label="the winner flips")]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=LEGEND, frameon=False)
    _suptitle(fig, title if title is not None else
              f"Where the winner flips: {strategy_label(a)} vs {strategy_label(b)} (numbers: P({strategy_label(a)} "
              "better))")
    return fig


@as_written
def winner_line(table: pd.DataFrame, x: str, criteria: Sequence[str] | None = None, scenario: str | None = None,
                title: str | None = None) -> Figure:
    """The paired difference A − B along one swept field (sim.landscape.winner_table): per criterion the mean
    with its 95% interval, the practical margin shaded around zero; filled markers where the interval clears
    the margin."""
    _need_frame(table, "winner table", ["criterion", "diff", "diff_lo", "diff_hi", "verdict", x])
    t = table if scenario is None else table[table["scenario"] == scenario]
    crits = _criteria(t, criteria)
    fig = Figure(figsize=(11, 6.5), layout="constrained")
    ax = fig.add_subplot()
    margin = float(table.attrs.get("margin", t["margin"].iloc[0] if "margin" in t else 0.0))
    ax.axhspan(-margin, margin, color="#DDDDDD", alpha=0.6, lw=0, label="practical margin")
    ax.axhline(0, color="black", lw=REF_LW)
    colours = ["#000000", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#0072B2", "#D55E00"]
    for k, crit in enumerate(crits):
        g = t[t["criterion"] == crit].sort_values(x)
        c = colours[k % len(colours)]
        ax.fill_between(g[x], g["diff_lo"], g["diff_hi"], color=c, alpha=0.15, lw=0)
        ax.plot(g[x], g["diff"], color=c, lw=MEDIAN_LW if k == 0 else 2, label=plain(crit))
        clear = g["verdict"] != "no clear difference"
        ax.plot(g[x][clear], g["diff"][clear], "o", color=c, ms=8)
        ax.plot(g[x][~clear], g["diff"][~clear], "o", color=c, ms=8, mfc="white")
    a, b = table.attrs.get("a", "A"), table.attrs.get("b", "B")
    ax.set_xlabel(plain(x.removeprefix("sweep.")))
    ax.set_ylabel(plain(f"{strategy_label(a)} − {strategy_label(b)} (paired)"))
    style_axes(ax)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="#555555", marker="o", ls="", ms=8, label="95% interval clears the margin"),
                Line2D([], [], color="#555555", marker="o", ls="", ms=8, mfc="white", label="it does not")]
    fig.legend(handles=handles, loc="outside right center", fontsize=LEGEND, frameon=False)
    _suptitle(fig, title if title is not None else
              f"{strategy_label(a)} vs {strategy_label(b)} along {x.removeprefix('sweep.')}")
    return fig


@as_written
def verdict_grid(table: pd.DataFrame, outcomes: Sequence[str], robust: pd.DataFrame | None = None,
                 title: str | None = None) -> Figure:
    """The answer on one screen: scenarios (rows) x outcomes (columns) of sim.analysis.compare, each cell coloured
    by its verdict (blue: A better, orange: B better, grey: no clear difference beyond the margin) with the
    better strategy and the size of the difference; for relationship health, whether the verdict is the same
    under every weighting of its components (robustness table of sim.analysis.robustness)."""
    _need_frame(table, "comparison table", ["scenario", "outcome", "a", "b", "diff", "verdict"])
    t = table[table["outcome"].isin(outcomes)]
    if not len(t):
        raise ValueError(f"the table has none of the outcomes {', '.join(outcomes)}")
    outs = [o for o in outcomes if o in set(t["outcome"])]
    rows = list(dict.fromkeys(zip(t["scenario"], t["b"], strict=True)))
    a = str(t["a"].iloc[0])
    colours = {"A better": STRATEGY_COLOURS.get(a, "#0072B2"), "no clear difference": "#DDDDDD"}
    fig = Figure(figsize=(3.0 * len(outs) + 4.5, 0.85 * len(rows) + 2.2), layout="constrained")
    ax = fig.add_subplot()
    for i, (scen, b) in enumerate(rows):
        for j, out in enumerate(outs):
            cell = t[(t["scenario"] == scen) & (t["b"] == b) & (t["outcome"] == out)]
            if not len(cell):
                continue
            r = cell.iloc[0]
            colour = colours.get(r["verdict"], STRATEGY_COLOURS.get(str(b), "#D55E00"))
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=colour, alpha=0.75 if r["verdict"] != "no clear difference"
                                   else 1.0, edgecolor="white", lw=3))
            if r["verdict"] == "no clear difference":
                text = "no clear\ndifference"
            else:
                a_wins = r["verdict"] == "A better"
                higher = r["diff"] > 0 if a_wins else r["diff"] < 0  # the winner's value against the other's
                word = "higher" if higher else "lower"
                text = f"{strategy_label(a if a_wins else str(b))}\n{abs(r['diff']):.3g} {word}"
            if out == "health_discounted" and robust is not None and len(robust):
                rb = robust[(robust["scenario"] == scen) & (robust["b"] == b)]
                if len(rb) and "robust" in rb:
                    text += "\nsame under every\nweighting" if bool(rb["robust"].iloc[0]) else \
                        "\ndepends on the\nweighting"
            ax.text(j + 0.5, i + 0.5, no_math(text), ha="center", va="center", fontsize=NOTE - 1)
    ax.set_xlim(0, len(outs))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks(np.arange(len(outs)) + 0.5, [_wrap(label(o), 18) for o in outs], fontsize=TICK - 2)
    ax.xaxis.tick_top()
    names = [_wrap(shorten(scenario_words(s), 40), 24) + (no_math(f"\n(vs {strategy_label(str(b))})")
             if len({b for _, b in rows}) > 1 else "") for s, b in rows]
    ax.set_yticks(np.arange(len(rows)) + 0.5, names, fontsize=TICK - 2)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    handles = [Patch(facecolor=STRATEGY_COLOURS.get(a, "#0072B2"), alpha=0.75,
                     label=no_math(f"{strategy_label(a)} better")),
               Patch(facecolor="#DDDDDD", label="no clear difference (the 95% interval does not clear the margin)")]
    handles += [Patch(facecolor=STRATEGY_COLOURS.get(str(b), "#D55E00"), alpha=0.75,
                      label=no_math(f"{strategy_label(str(b))} better")) for b in dict.fromkeys(b for _, b in rows)]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=LEGEND - 1, frameon=False)
    _suptitle(fig, title if title is not None else f"Which strategy does better? {strategy_label(a)} against "
              + ", ".join(strategy_label(str(b)) for b in dict.fromkeys(b for _, b in rows)))
    return fig


@as_written
def rule_timeline(firings: pd.DataFrame, runs: dict[str, int], months: int | None = None, bin_months: int = 6,
                  title: str | None = None) -> Figure:
    """When the rules of rule-based strategies fired: one panel per strategy, firings per run in each bin of
    `bin_months` months (x: months from the start of the horizon), one line per rule (COUNTRY.name).

    firings: sim.analysis.rule_firings (one scenario, or several pooled); runs: runs per strategy."""
    _need_frame(firings, "rule firings", ["strategy", "rule", "month"])
    strategies = _unique(firings["strategy"])
    end = int(months if months is not None else firings["month"].max() + 1)
    edges = np.arange(0, end + bin_months, bin_months)
    fig = Figure(figsize=(5.2 * len(strategies) + 1.5, 5.2), layout="constrained")
    axes = fig.subplots(1, len(strategies), squeeze=False, sharey=True)[0]
    palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]  # colour-blind safe
    styles = ["-", "--", ":", "-."]
    for ax, strat in zip(axes, strategies, strict=True):
        g = firings[firings["strategy"] == strat]
        for k, (rule, r) in enumerate(g.groupby("rule", sort=True)):
            counts, _ = np.histogram(r["month"], bins=edges)
            ax.stairs(counts / max(runs.get(strat, 1), 1), edges, baseline=None, color=palette[k % len(palette)],
                      lw=2.4, ls=styles[k % len(styles)], label=plain(rule.replace(".", ": ").replace("_", " ")))
        ax.set_title(_slabel(strat, wrap=True))
        ax.set_xlabel("months from the start")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=LEGEND, frameon=False, ncols=2)
        style_axes(ax, "y")
    top = max((ln.get_data()[0].max() for ax in axes for ln in ax.patches if hasattr(ln, "get_data")), default=1.0)
    axes[0].set_ylim(0, 1.08 * top if top > 0 else 1.0)
    axes[0].set_ylabel(f"firings per run,\nper {bin_months} months")
    _suptitle(fig, title if title is not None else "When the rules fired")
    return fig
