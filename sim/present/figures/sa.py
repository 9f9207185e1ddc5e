"""Figures of sensitivity analysis and scenario discovery: Morris screening and Sobol indices (sim.studies.sensitivity),
the PRIM peeling trade-off and the chosen box (sim.analysis.prim)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.analysis.prim import PrimResult
from sim.outcomes import OUTCOMES_BY_NAME
from sim.present.style import (
    LABEL,
    LEGEND,
    NOTE,
    OKABE_ITO,
    TICK,
    as_written,
    plain,
    strategy_text,
    style_axes,
    suptitle,
)

CASE, NOT_CASE = OKABE_ITO[1], "#BBBBBB"  # PRIM: cases of interest, the other cases


def _panels(table: pd.DataFrame, need: Sequence[str], height: float, per_parameter: float = 0.0
            ) -> tuple[Figure, list, list[str]]:
    missing = [c for c in ("output", "parameter", *need) if c not in getattr(table, "columns", ())]
    if missing or not len(table):
        raise ValueError(f"the table is empty or has no column(s) {', '.join(map(repr, missing))}")
    outputs = list(dict.fromkeys(table["output"]))
    cols = min(len(outputs), 3)
    rows = math.ceil(len(outputs) / cols)
    height += per_parameter * table["parameter"].nunique()
    fig = Figure(figsize=(6.2 * cols, height * rows), layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[len(outputs):]:
        ax.set_visible(False)
    for ax, o in zip(axes, outputs, strict=False):
        ax.set_title(_title(o), fontsize=LABEL)
        style_axes(ax, grid="")
    return fig, axes, outputs


def _title(output: str) -> str:
    """A panel title: '<outcome>: <A> - <B>' in words."""
    outcome, _, what = output.partition(": ")
    if outcome not in OUTCOMES_BY_NAME or not what:
        return plain(output, 80)
    what = " − ".join(strategy_text(s) for s in what.split(" - "))
    return plain(f"{OUTCOMES_BY_NAME[outcome].label}:", 80) + "\n" + plain(what, 80)


@as_written
def plot_morris(table: pd.DataFrame, title: str | None = None) -> Figure:
    """Morris screening: mu_star (with its 95% interval) against sigma, one panel per output; points above the
    dashed line sigma = mu_star act non-linearly or through interactions."""
    fig, axes, outputs = _panels(table, ("mu_star", "mu_star_conf", "sigma"), 5.2)
    for ax, o in zip(axes, outputs, strict=False):
        g = table[table["output"] == o]
        ax.errorbar(g["mu_star"], g["sigma"], xerr=g["mu_star_conf"], fmt="o", ms=9, color=OKABE_ITO[0],
                    capsize=4, lw=1.6)
        for _, r in g.iterrows():
            ax.annotate(plain(r["parameter"], 30), (r["mu_star"], r["sigma"]), xytext=(6, 6),
                        textcoords="offset points", fontsize=NOTE)
        top = max(float((g["mu_star"] + g["mu_star_conf"]).max()), float(g["sigma"].max()), 1e-12) * 1.15
        ax.plot([0, top], [0, top], ls="--", color="#777777", lw=1.4, label="σ = μ*")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel("μ* (mean |elementary effect|)", fontsize=LABEL)
        ax.set_ylabel("σ (spread of effects)", fontsize=LABEL)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=LEGEND, frameon=False, loc="upper left")
    suptitle(fig, title if title is not None else "Morris screening")
    return fig


@as_written
def plot_sobol(table: pd.DataFrame, title: str | None = None) -> Figure:
    """Sobol indices as a tornado: per output, first-order (S1) and total (ST) index of each parameter with
    95% intervals, parameters sorted by ST."""
    fig, axes, outputs = _panels(table, ("S1", "S1_conf", "ST", "ST_conf"), 2.4, 0.8)
    for ax, o in zip(axes, outputs, strict=False):
        g = table[table["output"] == o].sort_values("ST")
        y = np.arange(len(g))
        for off, col, colour, lab in ((0.2, "ST", OKABE_ITO[4], "total (ST)"),
                                      (-0.2, "S1", OKABE_ITO[0], "first order (S1)")):
            ax.barh(y + off, g[col], height=0.38, xerr=g[f"{col}_conf"], color=colour, label=lab,
                    error_kw={"capsize": 3, "lw": 1.4})
        ax.set_yticks(y, [plain(p, 30) for p in g["parameter"]])
        ax.axvline(0, color="black", lw=1)
        ax.set_xlabel("share of output variance", fontsize=LABEL)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=LEGEND, frameon=False, loc="lower right")
    suptitle(fig, title if title is not None else "Sobol indices")
    return fig


@as_written
def plot_tradeoff(result: PrimResult) -> Figure:
    """Coverage against density along the peeling trajectory, coloured by the number of restricted
    dimensions, with the chosen box marked."""
    t = result.trajectory
    fig = Figure(figsize=(8, 6), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(t["coverage"], t["density"], color="#999999", lw=1, zorder=1)
    sc = ax.scatter(t["coverage"], t["density"], c=t["restricted_dims"], cmap="viridis", s=30, zorder=2)
    bar = fig.colorbar(sc, ax=ax, ticks=range(int(t["restricted_dims"].max()) + 1))
    bar.set_label("restricted dimensions", fontsize=LABEL)
    ax.scatter([result.coverage], [result.density], marker="*", s=400, facecolor="none", edgecolor="black",
               lw=1.8, zorder=3, label=f"chosen box (step {result.step})")
    ax.axhline(result.base_rate, color="#555555", ls=":", lw=1.2, label=f"base rate {result.base_rate:.0%}")
    ax.set(xlim=(0, 1.02), ylim=(0, 1.02))
    ax.set_xlabel("coverage", fontsize=LABEL)
    ax.set_ylabel("density", fontsize=LABEL)
    ax.tick_params(labelsize=TICK)
    ax.legend(fontsize=NOTE, loc="lower left")
    return fig


@as_written
def plot_box(result: PrimResult, x: pd.DataFrame, y: Sequence[bool] | np.ndarray | pd.Series,
             dims: tuple[str, str] | None = None) -> Figure:
    """With two dimensions (`dims`, else the first two the box restricts): the cases as a scatter coloured by
    y with the box drawn. Otherwise: each restricted dimension's box range (or every dimension's, if none is
    restricted) against the data's range."""
    yv = np.asarray(y, bool)
    fig = Figure(figsize=(8, 6), layout="constrained")
    ax = fig.add_subplot()
    dims = dims or (tuple(result.restricted[:2]) if len(result.restricted) >= 2 else None)
    if dims is not None:
        bad = [d for d in dims if d not in result.columns]
        if len(dims) != 2 or bad:
            raise ValueError(f"dims must be two of the result's columns {result.columns}; given {dims}")
        (i, j), v = (result.columns.index(d) for d in dims), x[list(dims)].to_numpy(float)
        for mask, colour, name in ((~yv, NOT_CASE, "other cases"), (yv, CASE, "cases of interest")):
            ax.scatter(v[mask, 0], v[mask, 1], s=12, color=colour, alpha=0.8, label=name)
        lo, hi = result.box_low, result.box_high
        ax.add_patch(Rectangle((lo[i], lo[j]), hi[i] - lo[i], hi[j] - lo[j], fill=False, lw=2.5, ec="black",
                               label="box"))
        ax.set_xlabel(plain(dims[0].removeprefix("sweep.")), fontsize=LABEL)
        ax.set_ylabel(plain(dims[1].removeprefix("sweep.")), fontsize=LABEL)
        ax.legend(fontsize=NOTE, loc="upper left", bbox_to_anchor=(1.01, 1))
    else:
        box = result.box
        box = box[box["restricted"]] if box["restricted"].any() else box
        span = (box["data_max"] - box["data_min"]).replace(0, 1)
        lo, hi = (box["low"] - box["data_min"]) / span, (box["high"] - box["data_min"]) / span
        rows = np.arange(len(box))
        fig.set_figheight(2.5 + 0.9 * len(box))
        ax.barh(rows, 1, color="#E5E5E5", height=0.4, label="data range")
        ax.barh(rows, hi - lo, left=lo, color=CASE, height=0.4, label="box")
        for r, (_, b), left in zip(rows, box.iterrows(), lo, strict=True):
            ax.text(left, r - 0.25, f"{b['low']:.3g} – {b['high']:.3g}", va="bottom", fontsize=NOTE - 1)
        ax.set_yticks(rows, [plain(str(n).removeprefix("sweep.")) for n in box.index])
        ax.set(xlim=(0, 1), ylim=(len(box) - 0.4, -0.7))
        ax.set_xlabel("share of the data's range", fontsize=LABEL)
        ax.legend(fontsize=NOTE, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.tick_params(labelsize=TICK)
    ax.set_title(plain(result.describe(), None), fontsize=NOTE - 1, wrap=True)
    return fig
