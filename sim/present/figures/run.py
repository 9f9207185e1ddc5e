"""The figure of one run (`sim run` writes it as run.png): trust, cooperation, disputes and health over the
months of a single run, with its shocks marked."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.words import column_label
from sim.params import FIELDS
from sim.present.style import COUNTRY_COLOURS, LEGEND, NOTE, as_written, need, style_axes, suptitle

SHOCK_STYLE = {"scheduled": ("#777777", "-"), "random": ("#AAAAAA", "-"), "endogenous": ("#000000", ":")}
"""Event lines of run.png: exogenous (scheduled or random) grey, endogenous (provocations, coercion) black dotted."""
FIELD_COLOURS = {"security": "#009E73", "economy": "#E69F00", "society": "#CC79A7", "technology": "#56B4E9"}
MARKED = ("provocation", "court_ruling", "us_china_escalation", "us_china_deescalation", "pandemic",
          "summit", "agreement", "trade_coercion", "security_incident", "leadership_change", "leader_fell",
          "dispute_settled", "disaster", "culture_wave")
"""The events drawn as vertical lines."""
COLUMNS = ["month", *[f"trust_{c}_{h}" for c in ("KR", "JP") for h in ("youth", "public")],
           *[f"realised_{f}" for f in FIELDS], "severity", "tension", "standoffs", "health", "health_cooperation",
           "health_opinion", "health_disputes"]


def _mark_shocks(ax, events: pd.DataFrame | None) -> None:
    if events is None or not len(events):
        return
    for _, e in events[events["event"].isin(MARKED) & (events["month"] >= 0)].iterrows():
        colour, ls = SHOCK_STYLE.get(e["origin"], SHOCK_STYLE["random"])
        ax.axvline(e["month"], color=colour, ls=ls, lw=0.9, alpha=0.6, zorder=0)


def _outside(ax, x: float = 1.01) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(x, 1.0), frameon=False, fontsize=NOTE)


@as_written
def plot_run(monthly: pd.DataFrame, events: pd.DataFrame | None = None, title: str = "") -> Figure:
    """One run month by month: trust by country and cohort, realised cooperation by field, disputes and
    tension (with coercive standoffs), health and its components; shocks marked (grey: exogenous, black
    dotted: endogenous such as provocations and coercion)."""
    need(monthly, "monthly", COLUMNS)
    fig = Figure(figsize=(17, 10.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    m = monthly["month"]
    ax = axes[0, 0]
    for c, h, ls in [("KR", "youth", "--"), ("KR", "public", "-"), ("JP", "youth", "--"), ("JP", "public", "-")]:
        ax.plot(m, monthly[f"trust_{c}_{h}"], color=COUNTRY_COLOURS[c], ls=ls, lw=2,
                label=f"{'Koreans' if c == 'KR' else 'Japanese'} {'under 30' if h == 'youth' else '30+'}")
    ax.set(title="Mean trust toward the other country", ylabel="mean trust (0-1)", ylim=(0, 1))
    _outside(ax)
    ax = axes[0, 1]
    for f in FIELDS:
        ax.plot(m, monthly[f"realised_{f}"], color=FIELD_COLOURS[f], lw=2, label=f)
    ax.set(title="Realised cooperation by field (the smaller offer)", ylabel="cooperation (0-1)", ylim=(0, 1.02))
    _outside(ax)
    ax = axes[1, 0]
    ax.plot(m, monthly["severity"], color="#444444", lw=2, label=column_label("severity"))
    ax.plot(m, monthly["tension"], color="#444444", ls="--", lw=2, label=column_label("tension"))
    ax.set(title="Disputes and tension", xlabel="month", ylabel="severity (sum over disputes),\ntension (0-1)")
    ax.set_ylim(0, max(1.0, float(monthly["severity"].max()) * 1.05))
    twin = ax.twinx()
    twin.step(m, monthly["standoffs"], color="#999999", where="post", lw=2, label="coercive standoffs (right axis)")
    twin.set_ylabel("standoffs (count)")
    twin.set_ylim(0, max(2, int(monthly["standoffs"].max()) + 1))
    twin.yaxis.get_major_locator().set_params(integer=True)
    twin.tick_params(labelsize=NOTE)
    twin.yaxis.label.set_size(NOTE + 2)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.14, 1.0), frameon=False, fontsize=NOTE)
    ax = axes[1, 1]
    ax.plot(m, monthly["health"], color="#000000", lw=3.5, alpha=0.35, label="health", zorder=2)
    for comp, ls in [("health_cooperation", "-"), ("health_opinion", "--"), ("health_disputes", ":")]:
        ax.plot(m, monthly[comp], color="#000000", ls=ls, lw=1.6, zorder=3,
                label=comp.replace("health_", "") + " component")
    ax.set(title="Relationship health and its components", xlabel="month", ylabel="index (0-1)", ylim=(0, 1.05))
    _outside(ax)
    for a in axes.flat:
        _mark_shocks(a, events)
        style_axes(a)
    if events is not None and len(events):
        marks = [Line2D([], [], color=SHOCK_STYLE["scheduled"][0], lw=1, label="exogenous event"),
                 Line2D([], [], color=SHOCK_STYLE["endogenous"][0], ls=":", lw=1.2,
                        label="endogenous event (provocation, coercion, ...)")]
        fig.legend(handles=marks, loc="outside lower center", ncol=2, frameon=False, fontsize=LEGEND)
    if title:
        suptitle(fig, title)
    return fig
