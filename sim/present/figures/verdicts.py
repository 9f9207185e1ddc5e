"""Figures of verdicts: which strategy does better per scenario and outcome (verdict_grid), in how many seeds each
is best (win_matrix_figure), the 2x2 read as a game (payoff_table_figure) and where the winner flips over swept
fields (winner_map, winner_line).

Each takes a table of sim.analysis (paired_table / compare_table, robustness, win_matrix, payoff_game,
winner_table) and returns a matplotlib Figure in the one style of sim.present.style.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from sim.analysis.words import column_label, scenario_words
from sim.outcomes import A_BETTER, NO_CLEAR
from sim.present.style import (
    COUNTRY_COLOURS,
    LABEL,
    LEGEND,
    MEDIAN_LW,
    NEUTRAL,
    NOTE,
    OKABE_ITO,
    REF_LW,
    STRATEGY_COLOURS,
    TICK,
    as_written,
    distinct,
    need,
    no_math,
    plain,
    require,
    shorten,
    strategy_colours,
    strategy_name,
    strategy_text,
    style_axes,
    suptitle,
    wrap,
)

__all__ = ["payoff_table_figure", "verdict_grid", "win_matrix_figure", "winner_line", "winner_map"]

CRITERION_COLOURS = ["#000000", *OKABE_ITO[2:6], *OKABE_ITO[:2]]  # the default weighting black, then the others
AB_CMAP = ["#D55E00", "#F7F7F7", "#0072B2"]  # B better (orange) ... A better (blue)


@as_written
def verdict_grid(table: pd.DataFrame, outcomes: Sequence[str], robust: pd.DataFrame | None = None,
                 title: str | None = None) -> Figure:
    """The answer on one screen: scenarios (rows) x outcomes (columns) of sim.analysis.paired_table, each cell
    coloured by its verdict (the better strategy's colour; grey: no clear difference beyond the margin) with the
    better strategy and the size of the difference; for relationship health, whether the verdict is the same
    under every weighting of its components (robustness table of sim.analysis.robustness)."""
    need(table, "comparison table", ["scenario", "outcome", "a", "b", "diff", "verdict"])
    t = table[table["outcome"].isin(outcomes)]
    if not len(t):
        raise ValueError(f"the table has none of the outcomes {', '.join(outcomes)}")
    outs = [o for o in outcomes if o in set(t["outcome"])]
    rows = list(dict.fromkeys(zip(t["scenario"], t["b"], strict=True)))
    a = str(t["a"].iloc[0])
    bs = [str(b) for b in dict.fromkeys(b for _, b in rows)]
    colours = strategy_colours([a, *bs])
    fig = Figure(figsize=(3.0 * len(outs) + 4.5, 0.85 * len(rows) + 2.2), layout="constrained")
    ax = fig.add_subplot()
    for i, (scen, b) in enumerate(rows):
        for j, out in enumerate(outs):
            cell = t[(t["scenario"] == scen) & (t["b"] == b) & (t["outcome"] == out)]
            if not len(cell):
                continue
            r = cell.iloc[0]
            clear = r["verdict"] != NO_CLEAR
            a_wins = r["verdict"] == A_BETTER
            colour = colours[a] if a_wins else colours[str(b)] if clear else NEUTRAL
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=colour, alpha=0.75 if clear else 1.0, edgecolor="white",
                                   lw=3))
            if not clear:
                text = "no clear\ndifference"
            else:
                higher = r["diff"] > 0 if a_wins else r["diff"] < 0  # the winner's value against the other's
                word = "higher" if higher else "lower"
                text = f"{strategy_text(a if a_wins else str(b))}\n{abs(r['diff']):.3g} {word}"
            if out == "health_discounted" and robust is not None and len(robust):
                rb = robust[(robust["scenario"] == scen) & (robust["b"] == b)]
                if len(rb) and "robust" in rb:
                    text += "\nsame under every\nweighting" if bool(rb["robust"].iloc[0]) else \
                        "\ndepends on the\nweighting"
            ax.text(j + 0.5, i + 0.5, no_math(text), ha="center", va="center", fontsize=NOTE - 1)
    ax.set_xlim(0, len(outs))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks(np.arange(len(outs)) + 0.5, [wrap(column_label(o), 18) for o in outs], fontsize=TICK - 2)
    ax.xaxis.tick_top()
    names = [wrap(shorten(scenario_words(s), 40), 24) + (f"\n(vs {strategy_name(b)})" if len(bs) > 1 else "")
             for s, b in rows]
    ax.set_yticks(np.arange(len(rows)) + 0.5, names, fontsize=TICK - 2)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    handles = [Patch(facecolor=colours[a], alpha=0.75, label=f"{strategy_name(a)} better"),
               Patch(facecolor=NEUTRAL, label=f"{NO_CLEAR} (the 95% interval does not clear the margin)")]
    handles += [Patch(facecolor=colours[b], alpha=0.75, label=f"{strategy_name(b)} better") for b in bs]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=LEGEND - 1, frameon=False)
    suptitle(fig, title if title is not None else f"Which strategy does better? {strategy_text(a)} against "
             + ", ".join(strategy_text(b) for b in bs))
    return fig


@as_written
def win_matrix_figure(table: pd.DataFrame, outcome: str | None = None, title: str | None = None,
                      value_label: str | None = None, strategies: Sequence[str] | None = None,
                      cmap: str = "cividis") -> Figure:
    """Heatmap of scenario (rows) x strategy (columns) from a tidy frame with columns scenario, strategy, value
    (e.g. sim.analysis.win_matrix: the share of seeds in which each strategy is best), annotated with the
    numbers. If the frame has an 'outcome' column, `outcome` selects its rows; a 'point' column with several
    points per scenario gives one row per scenario and point. Columns: `strategies` if given, else the named
    strategies (two_track, linked, package_deal) first, then the others in order of appearance."""
    need(table, "win-matrix table", ["scenario", "strategy", "value"])
    t = table
    if "outcome" in t.columns:
        outs = distinct(t["outcome"])
        if outcome is None:
            if len(outs) > 1:
                raise ValueError(f"the table holds several outcomes ({', '.join(map(str, outs))}); pass outcome=")
            outcome = outs[0]
        elif outcome not in outs:
            raise ValueError(f"outcome {outcome!r} is not in the table; available: {', '.join(map(str, outs))}")
        t = t[t["outcome"] == outcome]
    t = t.assign(_row=t["scenario"].astype(str))
    shown = {r: shorten(scenario_words(r), 48) for r in distinct(t["_row"])}  # the full name stays the key
    if "point" in t.columns and t.groupby("scenario")["point"].nunique().max() > 1:
        suffix = " · point " + t["point"].astype(str)
        shown = {r + x: shown[r] + x for r, x in zip(t["_row"], suffix, strict=True)}
        t = t.assign(_row=t["_row"] + suffix)
    if t.duplicated(["_row", "strategy"]).any():
        dup = t[t.duplicated(["_row", "strategy"], keep=False)][["_row", "strategy"]].iloc[0].tolist()
        raise ValueError(f"the table has several values for scenario {dup[0]!r} and strategy {dup[1]!r}")
    present = distinct(t["strategy"])
    if strategies is None:
        cols = [s for s in STRATEGY_COLOURS if s in present] + [s for s in present if s not in STRATEGY_COLOURS]
    else:
        cols = list(strategies)
        require(cols, present, "strategy", "the table")
    rows = distinct(t["_row"])
    grid = t.pivot(index="_row", columns="strategy", values="value").reindex(index=rows, columns=cols)
    vals = grid.to_numpy(float)
    finite = vals[np.isfinite(vals)]
    if not finite.size:
        raise ValueError("the table has no finite values")
    vmin, vmax = (0.0, 1.0) if finite.min() >= 0 and finite.max() <= 1 else (finite.min(), finite.max())
    fig = Figure(figsize=(max(8, 2.1 * len(cols) + 5.5), max(4.5, 0.75 * len(rows) + 2.6)), layout="constrained")
    ax = fig.add_subplot()
    colormap = matplotlib.colormaps[cmap].with_extremes(bad=NEUTRAL)
    im = ax.imshow(np.ma.masked_invalid(vals), cmap=colormap, vmin=vmin, vmax=vmax, aspect="auto")
    for (i, j), v in np.ndenumerate(vals):
        if np.isfinite(v):
            dark = im.cmap(im.norm(v))
            lum = 0.2126 * dark[0] + 0.7152 * dark[1] + 0.0722 * dark[2]
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=LABEL + 1, fontweight="bold",
                    color="black" if lum > 0.5 else "white")
        else:
            ax.text(j, i, "–", ha="center", va="center", fontsize=LABEL, color="#555555")
    ax.set_xticks(np.arange(len(cols)), [strategy_name(c, stacked=True, width=20) for c in cols])
    ax.set_yticks(np.arange(len(rows)), [wrap(shown[r], 28) for r in rows])
    ax.tick_params(labelsize=TICK, length=0)
    ax.xaxis.tick_top()
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_xticks(np.arange(len(cols) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(rows) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=3)
    ax.tick_params(which="minor", length=0)
    cb = fig.colorbar(im, ax=ax, shrink=0.9, pad=0.02)
    words = shorten(column_label(str(outcome))) if outcome else None
    cb.set_label(plain(value_label or "share of seeds where best"), fontsize=LABEL)
    cb.ax.tick_params(labelsize=TICK)
    suptitle(fig, title if title is not None else
             "Share of seeds in which each strategy is best" + (f" on {words}" if words else ""))
    return fig


@as_written
def payoff_table_figure(payoffs: pd.DataFrame, title: str | None = None) -> Figure:
    """The 2x2 read as a game (sim.analysis.payoff_game): rows KR's strategy, columns JP's, each cell the
    mean payoff of KR and of JP; a payoff in bold with a ★ is that country's best response to the other's
    choice, and a cell where both are best responses (an equilibrium) is outlined. One panel per scenario."""
    need(payoffs, "payoff", ["KR", "JP", "payoff_KR", "payoff_JP"])
    p = payoffs if "scenario" in payoffs.columns else payoffs.assign(scenario="")
    scenarios = distinct(p["scenario"])
    n = len(scenarios)
    cols = min(n, 2)
    rows = int(np.ceil(n / cols))
    size = max(len(distinct(p["KR"])), len(distinct(p["JP"])))
    fig = Figure(figsize=(cols * (2.6 * size + 2.8), rows * (2.0 * size + 1.8)), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, sc in zip(axes, scenarios, strict=False):
        g = p[p["scenario"] == sc]
        kr, jp = distinct(g["KR"]), distinct(g["JP"])
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
            for c, dy, best in (("KR", -0.14, bk), ("JP", 0.16, bj)):
                ax.text(j, i + dy, f"{c} {row[f'payoff_{c}']:.3f}" + (" ★" if best else ""), ha="center",
                        va="center", fontsize=LABEL + 1, fontweight="bold" if best else "normal",
                        color=COUNTRY_COLOURS[c], zorder=2)
        ax.set_xlim(-0.5, len(jp) - 0.5)
        ax.set_ylim(len(kr) - 0.5, -0.5)
        ax.set_xticks(range(len(jp)), [strategy_name(s, width=20) for s in jp])
        ax.set_yticks(range(len(kr)), [strategy_name(s, width=20) for s in kr])
        ax.xaxis.tick_top()
        ax.xaxis.set_label_position("top")
        ax.set_xlabel("Japan's strategy", fontsize=LABEL, labelpad=10)
        ax.set_ylabel("Korea's strategy", fontsize=LABEL)
        ax.tick_params(labelsize=TICK, length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        if sc:
            ax.set_title(plain(scenario_words(sc)), fontsize=LABEL, fontweight="bold", pad=12)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.text(0.01, 0.0, "★ best response to the other country's choice;  outlined cell: both (an equilibrium)",
             fontsize=NOTE, ha="left", va="bottom", color="#333333")
    fig.get_layout_engine().set(h_pad=0.25)
    suptitle(fig, title if title is not None else "Each country's mean payoff per pair of strategies")
    return fig


def _criteria(table: pd.DataFrame, criteria: Sequence[str] | None) -> list[str]:
    present = distinct(table["criterion"])
    if criteria is None:
        return [c for c in present if str(c).startswith("weighting")] or present
    require(list(criteria), present, "criterion", "the winner table")
    return list(criteria)


@as_written
def winner_map(table: pd.DataFrame, x: str, y: str, criteria: Sequence[str] | None = None,
               scenario: str | None = None, title: str | None = None) -> Figure:
    """Where the winner flips over two swept fields (sim.analysis.winner_table): per criterion (by default each
    weighting of health) a heatmap of the mean paired difference A − B (blue: A better, orange: B better), each
    cell annotated with P(A better) (ties one half), cells whose 95% interval does not clear the practical margin
    hatched, and the line where the difference changes sign."""
    need(table, "winner table", ["criterion", "diff", "verdict", x, y])
    t = table if scenario is None else table[table["scenario"] == scenario]
    if "scenario" in t.columns and t["scenario"].nunique() > 1:
        raise ValueError(f"the table holds several scenarios ({', '.join(map(str, distinct(t['scenario'])))}); "
                         "pass scenario=")
    crits = _criteria(t, criteria)
    xs, ys = sorted(distinct(t[x])), sorted(distinct(t[y]))
    lim = float(np.nanmax(np.abs(t[t["criterion"].isin(crits)]["diff"]))) or 1e-9
    ncol = min(len(crits), 2)
    nrow = -(-len(crits) // ncol)
    fig = Figure(figsize=(7.5 * ncol + 1.5, 6.2 * nrow), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
    cmap = matplotlib.colors.LinearSegmentedColormap.from_list("ab", AB_CMAP)
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
            if row["verdict"] == NO_CLEAR:
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
    a, b = (strategy_text(table.attrs.get(k, k.upper())) for k in ("a", "b"))
    cb = fig.colorbar(im, ax=list(axes[:len(crits)]), shrink=0.85, pad=0.02)
    cb.set_label(plain(f"mean paired difference {a} − {b}"), fontsize=LABEL)
    cb.ax.tick_params(labelsize=TICK)
    handles = [Patch(facecolor="white", edgecolor="#777777", hatch="///", label=f"{NO_CLEAR} (margin)"),
               Line2D([], [], color="black", lw=2.5, label="the winner flips")]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=LEGEND, frameon=False)
    suptitle(fig, title if title is not None else f"Where the winner flips: {a} vs {b} (numbers: P({a} better))")
    return fig


@as_written
def winner_line(table: pd.DataFrame, x: str, criteria: Sequence[str] | None = None, scenario: str | None = None,
                title: str | None = None) -> Figure:
    """The paired difference A − B along one swept field (sim.analysis.winner_table): per criterion the mean
    with its 95% interval, the practical margin shaded around zero; filled markers where the interval clears
    the margin."""
    need(table, "winner table", ["criterion", "diff", "diff_lo", "diff_hi", "verdict", x])
    t = table if scenario is None else table[table["scenario"] == scenario]
    crits = _criteria(t, criteria)
    fig = Figure(figsize=(11, 6.5), layout="constrained")
    ax = fig.add_subplot()
    margin = float(table.attrs.get("margin", t["margin"].iloc[0] if "margin" in t else 0.0))
    ax.axhspan(-margin, margin, color=NEUTRAL, alpha=0.6, lw=0, label="practical margin")
    ax.axhline(0, color="black", lw=REF_LW)
    for k, crit in enumerate(crits):
        g = t[t["criterion"] == crit].sort_values(x)
        c = CRITERION_COLOURS[k % len(CRITERION_COLOURS)]
        ax.fill_between(g[x], g["diff_lo"], g["diff_hi"], color=c, alpha=0.15, lw=0)
        ax.plot(g[x], g["diff"], color=c, lw=MEDIAN_LW if k == 0 else 2, label=plain(crit))
        clear = g["verdict"] != NO_CLEAR
        ax.plot(g[x][clear], g["diff"][clear], "o", color=c, ms=8)
        ax.plot(g[x][~clear], g["diff"][~clear], "o", color=c, ms=8, mfc="white")
    a, b = (strategy_text(table.attrs.get(k, k.upper())) for k in ("a", "b"))
    ax.set_xlabel(plain(x.removeprefix("sweep.")))
    ax.set_ylabel(plain(f"{a} − {b} (paired)"))
    style_axes(ax)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="#555555", marker="o", ls="", ms=8, label="95% interval clears the margin"),
                Line2D([], [], color="#555555", marker="o", ls="", ms=8, mfc="white", label="it does not")]
    fig.legend(handles=handles, loc="outside right center", fontsize=LEGEND, frameon=False)
    suptitle(fig, title if title is not None else f"{a} vs {b} along {x.removeprefix('sweep.')}")
    return fig
