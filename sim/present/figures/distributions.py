"""The distribution of per-run outcomes by scenario and strategy: one figure, three ways to draw it (violins,
ECDFs, or boxes with every run as a dot: `sim compare`'s distributions.png)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.words import column_label, scenario_words
from sim.present.style import (
    LEGEND,
    MAX_LABEL,
    MEDIAN_LW,
    TICK,
    as_written,
    distinct,
    gid,
    need,
    plain,
    require,
    runs_word,
    select_runs,
    strategy_colours,
    strategy_name,
    style_axes,
    suptitle,
    wrap,
)

__all__ = ["KINDS", "outcome_distributions"]

KINDS = ("violin", "ecdf", "box")
STRIP_MAX = 60  # violins of at most this many runs also show each run as a dot


@as_written
def outcome_distributions(summaries: pd.DataFrame, outcomes: str | Sequence[str],
                          strategies: Sequence[str] | None = None, kind: str = "violin",
                          scenarios: Sequence[str] | None = None, title: str | None = None,
                          point: int | None = None) -> Figure:
    """Per-run outcome(s) by scenario and strategy, one row of panels per outcome.

    kind='violin': scenarios along x, strategies side by side, the median as a white dot and the middle 50% as a
    bar (each run a dot too when there are few). kind='box': the same layout with a box (middle 50%, black line
    the median) per strategy and scenario and one dot per run (`sim compare` draws the headline outcomes so as
    distributions.png). kind='ecdf': one panel per scenario, the share of runs at or below each value.
    The box of a scenario and strategy has gid 'box:<scenario>:<strategy>', its median 'median:<scenario>:<strategy>'
    and its dots (as the violins' dots) 'runs:<scenario>:<strategy>'.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, not {kind!r}")
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    if not outcomes:
        raise ValueError("no outcome requested")
    need(summaries, "summaries", ["scenario", "strategy"], chosen=outcomes)
    order = distinct(summaries["strategy"])
    df, strategies = select_runs(summaries, None, strategies, point)
    present = distinct(df["scenario"])
    if scenarios is None:
        scenarios = present
    else:
        scenarios = list(scenarios)
        require(scenarios, present, "scenario", "the results")
    colours = strategy_colours(order)
    groups = {}
    for outcome in outcomes:
        values = df.assign(_v=pd.to_numeric(df[outcome], errors="coerce").astype(float)).dropna(subset=["_v"])
        groups[outcome] = {k: g.to_numpy() for k, g in values.groupby(["scenario", "strategy"], sort=False)["_v"]}
        if not groups[outcome]:
            raise ValueError(f"outcome {outcome!r} has no finite values for these scenarios and strategies")
    runs = runs_word(df)
    if kind == "ecdf":
        fig = _ecdfs(groups, scenarios, strategies, colours)
        fig.legend(handles=[Line2D([], [], color=colours[s], lw=MEDIAN_LW, label=strategy_name(s))
                            for s in strategies], loc="outside lower center", ncols=min(len(strategies), 4),
                   fontsize=LEGEND, frameon=False)
    else:
        fig = _by_scenario(groups, scenarios, strategies, colours, kind)
        each = "one run per seed" if runs == "seeds" else "runs pooled over sweep points"
        key = (f"one dot per {runs[:-1]};\nbox: middle 50%\nblack line: median" if kind == "box"
               else f"{each};\ndot: median\nbar: middle 50%")
        fig.axes[0].legend(handles=[Patch(facecolor=colours[s], alpha=0.6, label=strategy_name(s))
                                    for s in strategies], loc="upper left", bbox_to_anchor=(1.01, 1.0),
                           fontsize=LEGEND, frameon=False, title=key, title_fontsize=LEGEND)
    if title is None:
        title = (f"{column_label(outcomes[0]).capitalize()}: distribution over runs" if len(outcomes) == 1
                 else "Outcomes per run, by scenario and strategy")
    suptitle(fig, title)
    return fig


def _by_scenario(groups: dict, scenarios: list, strategies: list, colours: dict, kind: str) -> Figure:
    """One panel per outcome, scenarios along x and strategies side by side: violins or boxes."""
    k = len(strategies)
    fig_w = min(17, max(10, 0.75 * len(scenarios) * k + 4))
    fig = Figure(figsize=(fig_w, 1.0 + 5.8 * len(groups)), layout="constrained")
    slot = (fig_w - 3.0) / max(len(scenarios), 1)  # inches of x axis per scenario (less the labels and legend)
    chars = max(8, min(16, int(slot * 72 / (0.62 * TICK))))  # a tick label no wider than its slot
    axes = fig.subplots(len(groups), 1, squeeze=False)[:, 0]
    width = 0.8 / k
    for ax, (outcome, data) in zip(axes, groups.items(), strict=True):
        for i, sc in enumerate(scenarios):
            for j, s in enumerate(strategies):
                d = data.get((sc, s))
                if d is None or not d.size:
                    continue
                pos = i + (j - (k - 1) / 2) * width
                (_box if kind == "box" else _violin)(ax, d, pos, width, colours[s], j, f"{gid(sc)}:{gid(s)}")
        ax.set_xticks(np.arange(len(scenarios)), [wrap(scenario_words(sc), chars) for sc in scenarios])
        ax.set_xlim(-0.6, len(scenarios) - 0.4)
        ax.set_ylabel(wrap(column_label(outcome), 40, 2 * MAX_LABEL) + "\n(axis not from 0)")
        style_axes(ax, grid="y")
    return fig


def _violin(ax, d: np.ndarray, pos: float, width: float, colour: str, j: int, key: str) -> None:
    if np.ptp(d) > 0:
        body = ax.violinplot(d, positions=[pos], widths=width * 0.92, showextrema=False)["bodies"][0]
        body.set(facecolor=colour, edgecolor=colour, alpha=0.6, lw=1.5)
    else:
        ax.hlines(d[0], pos - width * 0.4, pos + width * 0.4, color=colour, lw=4)
    if d.size <= STRIP_MAX:  # few runs: show them, a density alone would mislead
        jitter = (np.random.default_rng(j).random(d.size) - 0.5) * width * 0.45
        ax.scatter(pos + jitter, d, s=18, color="#222222", alpha=0.55, lw=0, zorder=2.5, gid=f"runs:{key}")
    q1, med, q3 = np.percentile(d, [25, 50, 75])
    ax.vlines(pos, q1, q3, color="#222222", lw=6, zorder=3)
    ax.scatter([pos], [med], s=60, color="white", edgecolor="#222222", lw=1.5, zorder=4)


def _box(ax, d: np.ndarray, pos: float, width: float, colour: str, j: int, key: str) -> None:
    bp = ax.boxplot([d], positions=[pos], widths=width * 0.85, patch_artist=True, showfliers=False,
                    medianprops={"color": "black", "lw": 2.5})  # black: one colour, one meaning (the strategy)
    for box in bp["boxes"]:
        box.set(facecolor=colour, alpha=0.45, gid=f"box:{key}")
    for line in bp["medians"]:
        line.set_gid(f"median:{key}")
    jitter = (np.random.default_rng(j).random(d.size) - 0.5) * width * 0.6
    ax.scatter(pos + jitter, d, s=14, color=colour, alpha=0.75, lw=0, zorder=3, gid=f"runs:{key}")


def _ecdfs(groups: dict, scenarios: list, strategies: list, colours: dict) -> Figure:
    """One panel per scenario (wrapped in rows of three for one outcome; a row per outcome for several)."""
    n = len(scenarios)
    if len(groups) == 1:
        cols = min(n, 3)
        rows = int(np.ceil(n / cols))
    else:
        cols, rows = n, len(groups)
    fig = Figure(figsize=(5.6 * cols + 2.6, 4.6 * rows + 0.8), layout="constrained")
    grid = fig.subplots(rows, cols, sharex=True if len(groups) == 1 else "row", sharey=True, squeeze=False)
    for o, (outcome, data) in enumerate(groups.items()):
        axes = grid.ravel() if len(groups) == 1 else grid[o]
        for ax, sc in zip(axes, scenarios, strict=False):
            for s in strategies:
                d = data.get((sc, s))
                if d is None or not d.size:
                    continue
                x = np.sort(d)
                y = np.arange(1, x.size + 1) / x.size
                ax.step(np.r_[x[0], x], np.r_[0, y], where="post", color=colours[s], lw=MEDIAN_LW - 0.4)
            ax.set_title(plain(scenario_words(sc)))
            ax.set_ylim(0, 1.02)
            style_axes(ax)
        for ax in axes[n:]:
            ax.set_visible(False)
        for i, ax in enumerate(axes[:n]):
            if len(groups) > 1 or i + cols >= n:  # no panel of this outcome below: label the x axis here
                ax.set_xlabel(wrap(column_label(outcome), 30, 2 * MAX_LABEL))
                ax.tick_params(labelbottom=True)
            if i % cols == 0:
                ax.set_ylabel("share of runs ≤ value")
    return fig
