"""The figures, by what they show: one run (run), over time (time), distributions over runs (distributions),
verdicts (verdicts), the fit to history (fit), sensitivity analysis and scenario discovery (sa). Each is a pure
function: frames in, a matplotlib Figure out (pyplot untouched), checked inputs, the one style of
sim.present.style."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.present.figures.distributions import outcome_distributions
from sim.present.figures.fit import age_groups, counterfactuals, poll_fit, relations_check, visitors_check
from sim.present.figures.run import plot_run
from sim.present.figures.sa import plot_box, plot_morris, plot_sobol, plot_tradeoff
from sim.present.figures.time import difference_fan, fan_chart, rule_timeline, youth_public_panels
from sim.present.figures.verdicts import (
    payoff_table_figure,
    verdict_grid,
    win_matrix_figure,
    winner_line,
    winner_map,
)

# The names before the figures were split (notebooks written against sim.figures / sim.plots use them):
# plot_distributions(summaries, outcomes, strategies) is outcome_distributions(..., kind="box"); the figure
# win_matrix is win_matrix_figure (sim.analysis.win_matrix is the table of the same name).
win_matrix = win_matrix_figure


def plot_distributions(summaries: pd.DataFrame, outcomes: list[str], strategies: list[str] | None = None) -> Figure:
    """Box-and-dot plots of per-run outcomes per scenario and strategy (outcome_distributions, kind='box')."""
    return outcome_distributions(summaries, outcomes, strategies, kind="box")


__all__ = ["age_groups", "counterfactuals", "difference_fan", "fan_chart", "outcome_distributions",
           "payoff_table_figure", "plot_box", "plot_distributions", "plot_morris", "plot_run", "plot_sobol",
           "plot_tradeoff", "poll_fit", "relations_check", "rule_timeline", "verdict_grid", "visitors_check",
           "win_matrix", "win_matrix_figure", "winner_line", "winner_map", "youth_public_panels"]
