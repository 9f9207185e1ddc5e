"""Analysis: pure functions of summaries and monthly frames (no runs, no figures), as in the EMA Workbench's
analysis package and SALib's analyze functions: the statistics (stats), paired comparisons and verdicts (paired),
landscapes and winner tables (landscape), scenario discovery with PRIM (prim).

The names used in notebooks are available here: `from sim import analysis as A; A.compare(...)`.
"""

from sim.analysis.landscape import landscape, landscape_counts, landscape_markdown, winner_table
from sim.analysis.comparison import (
    DEFAULT_MARGINS,
    GROUP,
    adjust,
    compare,
    paired_differences,
    payoff_game,
    precision,
    pretty,
    regret,
    robustness,
    robustness_sentence,
    rule_counts,
    rule_firings,
    rule_use,
    satisficing,
    sentence,
    weighted_health,
    where_it_fails,
    win_matrix,
)
from sim.analysis.prim import PrimResult, cases_of_interest, prim
from sim.analysis.stats import (
    bootstrap_ci,
    effect_size,
    holm,
    kaplan_meier_median,
    paired,
    share_ci,
    wilcoxon_p,
    wilson,
)

__all__ = ["DEFAULT_MARGINS", "GROUP", "PrimResult", "adjust", "bootstrap_ci", "cases_of_interest", "compare",
           "effect_size", "holm", "kaplan_meier_median", "landscape", "landscape_counts", "landscape_markdown",
           "paired", "paired_differences", "payoff_game", "precision", "pretty", "prim", "regret", "robustness",
           "robustness_sentence", "rule_counts", "rule_firings", "rule_use", "satisficing", "sentence", "share_ci",
           "weighted_health", "where_it_fails", "wilcoxon_p", "win_matrix", "wilson", "winner_table"]
