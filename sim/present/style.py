"""Figures: the main series of one run, and outcome distributions per scenario and strategy.

Colour-blind-safe Okabe-Ito palette, one colour per strategy and series, large fonts for projection.
Functions return matplotlib Figures; nothing here calls plt.show().

Names read from scenario and experiment files (scenario names, strategy labels) are data: every text drawn
here goes through `plain`, so it is shown as it is written (a `$` is a dollar sign, never mathtext, and TeX is
never used), without control characters, and cut short with an ellipsis when very long.
"""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.params import FIELDS

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
STRATEGY_COLOURS = {"two_track": "#0072B2", "linked": "#D55E00", "package_deal": "#009E73"}
SHOCK_STYLE = {"scheduled": ("#777777", "-"), "random": ("#AAAAAA", "-"), "endogenous": ("#000000", ":")}
"""Event lines of run.png: exogenous (scheduled or random) grey, endogenous (provocations, coercion) black dotted."""
FIELD_COLOURS = {"security": "#009E73", "economy": "#E69F00", "society": "#CC79A7", "technology": "#56B4E9"}
COUNTRY_COLOURS = {"KR": "#0072B2", "JP": "#D55E00"}
MARKED = ("provocation", "court_ruling", "us_china_escalation", "us_china_deescalation", "pandemic",
          "summit", "agreement", "trade_coercion", "security_incident", "leadership_change", "leader_fell",
          "dispute_settled", "disaster", "culture_wave")
RC = {"font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12, "legend.fontsize": 10, "text.usetex": False}
MAX_LABEL = 60  # characters of a name shown in a figure; longer names are cut with an ellipsis (display only)
# Control characters (newlines and tabs too), line and paragraph separators, bidirectional overrides and lone
# surrogates: none belongs in a one-line label, and some break the SVG (XML) output.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]+")


def figure_png(fig: Figure) -> bytes:
    """A figure as PNG bytes (what a notebook shows)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def show_in_notebooks() -> None:
    """Let IPython and Jupyter show the figures of this package (matplotlib Figures built without pyplot) inline,
    as PNG, without `%matplotlib inline`. Does nothing outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)


show_in_notebooks()


def shorten(text: object, limit: int | None = MAX_LABEL) -> str:
    """`text` as one line fit for display: unprintable characters (newlines, tabs, other control characters,
    bidirectional overrides) become one space, surrounding spaces go, and text longer than `limit` characters
    is cut with an ellipsis. For display only (never a key); not yet safe from mathtext, see `plain`."""
    s = _UNPRINTABLE.sub(" ", str(text)).strip()
    if limit is not None and len(s) > limit:
        s = s[:max(limit - 1, 1)].rstrip() + "…"
    return s


def no_math(text: str) -> str:
    """Escape every `$` so that matplotlib draws the text as written, never as mathtext (with TeX off, a
    drawn '\\$' shows as '$'). Apply once, to the final string handed to matplotlib; keeps newlines."""
    return str(text).replace("$", "\\$")


def plain(text: object, limit: int | None = MAX_LABEL) -> str:
    """A name as matplotlib should show it: one line (`shorten`) and literal dollar signs (`no_math`).
    plain("a$b$c") is drawn as a$b$c, not as a formula; plain("x" * 300) is 60 characters ending in '…'."""
    return no_math(shorten(text, limit))


def strategy_colour(label: str, i: int = 0) -> str:
    return STRATEGY_COLOURS.get(label, OKABE_ITO[(i + 3) % len(OKABE_ITO)])


def _mark_shocks(ax, events: pd.DataFrame) -> None:
    if events is None or not len(events):
        return
    for _, e in events[events["event"].isin(MARKED) & (events["month"] >= 0)].iterrows():
        colour, ls = SHOCK_STYLE.get(e["origin"], SHOCK_STYLE["random"])
        ax.axvline(e["month"], color=colour, ls=ls, lw=0.9, alpha=0.6, zorder=0)


def plot_run(monthly: pd.DataFrame, events: pd.DataFrame | None = None, title: str = "") -> Figure:
    """Trust by country and cohort, cooperation by field, disputes and tension, health and its components;
    shocks marked (grey: exogenous, black dotted: endogenous such as provocations and coercion)."""
    with matplotlib.rc_context(RC):
        return _plot_run(monthly, events, title)


def _outside(ax) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=10)


def _plot_run(monthly: pd.DataFrame, events: pd.DataFrame | None, title: str) -> Figure:
    fig = Figure(figsize=(15, 9.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    m = monthly["month"]
    ax = axes[0, 0]
    for c, h, ls in [("KR", "youth", "--"), ("KR", "public", "-"), ("JP", "youth", "--"), ("JP", "public", "-")]:
        ax.plot(m, monthly[f"trust_{c}_{h}"], color=COUNTRY_COLOURS[c], ls=ls,
                label=f"{'Koreans' if c == 'KR' else 'Japanese'} {'under 30' if h == 'youth' else '30+'}")
    ax.set(title="Mean trust toward the other country", ylabel="mean trust (0-1)", ylim=(0, 1))
    _outside(ax)
    ax = axes[0, 1]
    for f in FIELDS:
        ax.plot(m, monthly[f"realised_{f}"], color=FIELD_COLOURS[f], label=f)
    ax.set(title="Realised cooperation by field (the smaller of the two offers)", ylabel="cooperation (0-1)",
           ylim=(0, 1.02))
    _outside(ax)
    ax = axes[1, 0]
    ax.plot(m, monthly["severity"], color="#444444", label="total severity of open disputes")
    ax.plot(m, monthly["tension"], color="#444444", ls="--", label="US-China tension")
    ax.set(title="Disputes and tension", xlabel="month", ylabel="severity (sum over disputes), tension (0-1)")
    ax.set_ylim(0, max(1.0, float(monthly["severity"].max()) * 1.05))
    twin = ax.twinx()
    twin.step(m, monthly["standoffs"], color="#999999", where="post", lw=2, label="coercive standoffs (right axis)")
    twin.set_ylabel("standoffs (count)")
    twin.set_ylim(0, max(2, int(monthly["standoffs"].max()) + 1))
    twin.yaxis.get_major_locator().set_params(integer=True)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.12, 1.0), frameon=False, fontsize=10)
    ax = axes[1, 1]
    ax.plot(m, monthly["health"], color="#000000", lw=3.5, alpha=0.35, label="health", zorder=2)
    for comp, ls in [("health_cooperation", "-"), ("health_opinion", "--"), ("health_disputes", ":")]:
        ax.plot(m, monthly[comp], color="#000000", ls=ls, lw=1.6, zorder=3, label=comp.replace("health_", "") +
                " component")
    ax.set(title="Relationship health and its components", xlabel="month", ylabel="index (0-1)", ylim=(0, 1.05))
    _outside(ax)
    for a in axes.flat:
        _mark_shocks(a, events)
        a.grid(alpha=0.3)
    if events is not None and len(events):
        from matplotlib.lines import Line2D

        marks = [Line2D([], [], color=SHOCK_STYLE["scheduled"][0], lw=1, label="exogenous event"),
                 Line2D([], [], color=SHOCK_STYLE["endogenous"][0], ls=":", lw=1.2,
                        label="endogenous event (provocation, coercion, ...)")]
        fig.legend(handles=marks, loc="outside lower center", ncol=2, frameon=False, fontsize=10)
    if title:
        fig.suptitle(plain(title, 3 * MAX_LABEL), fontsize=15)
    return fig


def plot_distributions(summaries: pd.DataFrame, outcomes: list[str], strategies: list[str] | None = None) -> Figure:
    """Box-and-strip plots of per-run outcomes for each scenario (rows) and strategy (colours)."""
    scen = list(dict.fromkeys(summaries["scenario"]))
    strategies = strategies or list(dict.fromkeys(summaries["strategy"]))
    with matplotlib.rc_context(RC):
        return _plot_distributions(summaries, outcomes, strategies, scen)


def _plot_distributions(summaries: pd.DataFrame, outcomes: list[str], strategies: list[str],
                        scen: list[str]) -> Figure:
    fig = Figure(figsize=(max(8, 2.2 * len(scen) * len(strategies) / 2 + 4), 3.8 * len(outcomes)),
                 layout="constrained")
    axes = fig.subplots(len(outcomes), 1, squeeze=False)
    width = 0.8 / len(strategies)
    for ax, out in zip(axes[:, 0], outcomes, strict=False):
        for j, s in enumerate(strategies):
            data = [summaries.loc[(summaries["scenario"] == sc) & (summaries["strategy"] == s), out].to_numpy()
                    for sc in scen]
            pos = np.arange(len(scen)) + (j - (len(strategies) - 1) / 2) * width
            bp = ax.boxplot(data, positions=pos, widths=width * 0.85, patch_artist=True, showfliers=False,
                            medianprops={"color": "black", "lw": 2})  # black: one colour, one meaning (strategy)
            for box in bp["boxes"]:
                box.set(facecolor=strategy_colour(s, j), alpha=0.45)
            for p, d in zip(pos, data, strict=False):
                jitter = (np.random.default_rng(0).random(d.size) - 0.5) * width * 0.6
                ax.scatter(p + jitter, d, s=6, color=strategy_colour(s, j), alpha=0.6)
            ax.plot([], [], color=strategy_colour(s, j), lw=8, alpha=0.6, label=plain(s))
        ax.set_xticks(np.arange(len(scen)), [no_math(shorten(sc, 30).replace("_", "\n")) for sc in scen])
        ax.set_ylabel(plain(out.replace("_", " ")) + "\n(axis not from 0)")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    axes[0, 0].set_title("Outcome per run (one dot per seed; box: middle 50%, black line: median)")
    return fig

