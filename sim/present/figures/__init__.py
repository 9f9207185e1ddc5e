"""The figures, by what they show. Each is a pure function: frames in, a matplotlib Figure out (pyplot untouched),
checked inputs, the one style of sim.present.style."""

from sim.present.figures.fit import age_groups, counterfactuals, poll_fit, relations_check, visitors_check
from sim.present.figures.sa import plot_box, plot_morris, plot_sobol, plot_tradeoff
from sim.present.figures.time import (
    difference_fan,
    fan_chart,
    outcome_distributions,
    payoff_table_figure,
    rule_timeline,
    verdict_grid,
    win_matrix,
    winner_line,
    winner_map,
    youth_public_panels,
)
from sim.present.style import plot_distributions, plot_run

__all__ = ["age_groups", "counterfactuals", "difference_fan", "fan_chart", "outcome_distributions",
           "payoff_table_figure", "plot_box", "plot_distributions", "plot_morris", "plot_run", "plot_sobol",
           "plot_tradeoff", "poll_fit", "relations_check", "rule_timeline", "verdict_grid", "visitors_check",
           "win_matrix", "winner_line", "winner_map", "youth_public_panels"]
