"""Analysis: pure functions of summaries and monthly frames (no runs, no figures), as in the EMA Workbench's
analysis package and SALib's analyze functions: the statistics (stats), paired comparisons and verdicts
(comparison), the statistics of rules (rules), landscapes and winner tables (landscape), scenario discovery with
PRIM (prim), and the findings in words (words).

The names used in notebooks are available here: `from sim import analysis as A; A.paired_table(...)`.
"""

from sim.analysis.comparison import (
    DEFAULT_MARGINS,
    GROUP,
    adjust,
    compare_table,
    paired_differences,
    paired_table,
    payoff_game,
    precision,
    recovery_table,
    regret,
    robustness,
    satisficing,
    weighted_health,
    where_it_fails,
    win_matrix,
)
from sim.analysis.landscape import landscape, landscape_counts, winner_table
from sim.analysis.prim import PrimResult, cases_of_interest, prim
from sim.analysis.rules import rule_counts, rule_firings, rule_use
from sim.analysis.stats import (
    bootstrap_ci,
    effect_size,
    holm,
    kaplan_meier_median,
    share_ci,
    wilcoxon_p,
    wilson,
)
from sim.analysis.words import (
    display_name,
    landscape_markdown,
    number_format,
    robustness_sentence,
    scenario_words,
    sentence,
)

compare = paired_table  # the name before the layout by stages (notebooks written against sim.analysis.compare)
pretty = display_name  # the name before the layout by stages

__all__ = ["DEFAULT_MARGINS", "GROUP", "PrimResult", "adjust", "bootstrap_ci", "cases_of_interest", "compare",
           "compare_table", "display_name", "effect_size", "holm", "kaplan_meier_median", "landscape",
           "landscape_counts", "landscape_markdown", "number_format", "paired_differences", "paired_table",
           "payoff_game", "precision", "pretty", "prim", "recovery_table", "regret", "robustness",
           "robustness_sentence", "rule_counts", "rule_firings", "rule_use", "satisficing", "scenario_words",
           "sentence", "share_ci", "weighted_health", "where_it_fails", "wilcoxon_p", "wilson", "win_matrix",
           "winner_table"]
