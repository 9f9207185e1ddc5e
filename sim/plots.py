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

from .params import FIELDS

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
STRATEGY_COLOURS = {"two_track": "#0072B2", "linked": "#D55E00", "package_deal": "#009E73"}
SHOCK_STYLE = {"scheduled": "#555555", "random": "#999999", "endogenous": "#D55E00"}
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
        ax.axvline(e["month"], color=SHOCK_STYLE.get(e["origin"], "#999999"), lw=0.8, alpha=0.5, zorder=0)


def plot_run(monthly: pd.DataFrame, events: pd.DataFrame | None = None, title: str = "") -> Figure:
    """Trust by country and cohort, cooperation by field, disputes and tension, health; shocks marked
    (grey: exogenous, orange: endogenous such as provocations and coercion)."""
    with matplotlib.rc_context(RC):
        return _plot_run(monthly, events, title)


def _plot_run(monthly: pd.DataFrame, events: pd.DataFrame | None, title: str) -> Figure:
    fig = Figure(figsize=(14, 9), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    m = monthly["month"]
    ax = axes[0, 0]
    for (c, h), col, ls in [(("KR", "youth"), OKABE_ITO[0], "--"), (("KR", "public"), OKABE_ITO[0], "-"),
                            (("JP", "youth"), OKABE_ITO[1], "--"), (("JP", "public"), OKABE_ITO[1], "-")]:
        ax.plot(m, monthly[f"trust_{c}_{h}"], color=col, ls=ls, label=f"{c} {h}")
    ax.set(title="Mean trust toward the other country", ylabel="trust [0,1]", ylim=(0, 1))
    ax.legend(ncol=2, loc="upper left")
    ax = axes[0, 1]
    for f, col in zip(FIELDS, OKABE_ITO, strict=False):
        ax.plot(m, monthly[f"realised_{f}"], color=col, label=f)
    ax.set(title="Realised cooperation by field (min of both offers)", ylim=(0, 1))
    ax.legend(ncol=2, loc="lower left")
    ax = axes[1, 0]
    ax.plot(m, monthly["severity"], color=OKABE_ITO[1], label="total open severity")
    ax.step(m, monthly["standoffs"], color=OKABE_ITO[3], where="post", label="coercive standoffs")
    ax.plot(m, monthly["tension"], color=OKABE_ITO[4], label="US-China tension")
    ax.set(title="Disputes and tension", xlabel="month after burn-in")
    ax.legend(loc="upper left")
    ax = axes[1, 1]
    ax.plot(m, monthly["health"], color="black", lw=2, label="health")
    for comp, col in [("health_cooperation", OKABE_ITO[2]), ("health_opinion", OKABE_ITO[0]),
                      ("health_disputes", OKABE_ITO[1])]:
        ax.plot(m, monthly[comp], color=col, lw=1, alpha=0.8, label=comp.replace("health_", ""))
    ax.set(title="Relationship health and its components", xlabel="month after burn-in", ylim=(0, 1))
    ax.legend(loc="lower left", ncol=2)
    for a in axes.flat:
        _mark_shocks(a, events)
        a.grid(alpha=0.3)
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

