"""The per-run outcomes that strategies are compared on: one table, as sim.params is for inputs.

Each outcome has a direction (higher is better, or lower is), words for sentences, a label for figures, a
unit, the default practical margin (a difference smaller than this is not worth a verdict) and whether it is
a headline outcome. Analysis, tables, figures and the report take their lists from here. The weightings of
relationship health that verdicts are checked against are here too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One per-run outcome (a column of the summaries)."""

    name: str
    higher_is_better: bool
    words: str  # in a sentence: "two-track gives better {words}"
    label: str  # on a figure axis
    unit: str = "share (0-1)"
    margin: float = 0.005
    headline: bool = False


OUTCOME_TABLE: tuple[Outcome, ...] = (
    Outcome("health_discounted", True, "relationship health", "relationship health (discounted mean)",
            headline=True),
    Outcome("cooperation_discounted", True, "cooperation", "cooperation (discounted mean)", headline=True),
    Outcome("economy_discounted", True, "economic cooperation", "economic cooperation (discounted mean)"),
    Outcome("security_discounted", True, "security cooperation", "security cooperation (discounted mean)"),
    Outcome("trust_KR_discounted", True, "Korean trust in Japan", "Korean trust in Japan (discounted mean)",
            unit="trust (-1 to 1)"),
    Outcome("trust_JP_discounted", True, "Japanese trust in Korea", "Japanese trust in Korea (discounted mean)",
            unit="trust (-1 to 1)"),
    Outcome("health_cooperation_discounted", True, "the cooperation component of health",
            "health: cooperation component (discounted mean)"),
    Outcome("health_opinion_discounted", True, "the opinion component of health",
            "health: opinion component (discounted mean)"),
    Outcome("health_disputes_discounted", True, "the disputes component of health",
            "health: disputes component (discounted mean)"),
    Outcome("crisis_months", False, "months in crisis", "months in crisis", unit="months", margin=1.0),
    Outcome("worst_drawdown", False, "the worst fall in health", "worst fall in health", margin=0.01),
    Outcome("payoff_KR", True, "Korea's payoff", "Korea's payoff", unit="payoff"),
    Outcome("payoff_JP", True, "Japan's payoff", "Japan's payoff", unit="payoff"),
)
OUTCOMES_BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOME_TABLE}
HEADLINE: list[str] = [o.name for o in OUTCOME_TABLE if o.headline]


def higher_is_better(name: str) -> bool:
    """The direction of an outcome; a summary column not declared here counts as higher-is-better."""
    outcome = OUTCOMES_BY_NAME.get(name)
    return True if outcome is None else outcome.higher_is_better


def words(name: str) -> str:
    """An outcome in a sentence ("relationship health"); an undeclared column by its name, spaced."""
    outcome = OUTCOMES_BY_NAME.get(name)
    return name.replace("_", " ") if outcome is None else outcome.words

# The components of relationship health and the summary column of each one's discounted mean.
HEALTH_COMPONENTS: dict[str, str] = {"cooperation": "health_cooperation_discounted",
                                     "opinion": "health_opinion_discounted",
                                     "disputes": "health_disputes_discounted"}

# Named weightings of the health components that a verdict is checked against (each normalised to sum 1).
# `default` is the scenario's own (outputs.health_weights); the others are fixed alternatives an analyst
# would reasonably argue for. Experiments add their own under `analysis: weightings:`.
WEIGHTINGS: dict[str, dict[str, float] | None] = {
    "default": None,
    "equal": {"cooperation": 1.0, "opinion": 1.0, "disputes": 1.0},
    "no_disputes": {"cooperation": 2.0, "opinion": 1.0, "disputes": 0.0},
    "opinion_first": {"cooperation": 1.0, "opinion": 2.0, "disputes": 1.0},
}
