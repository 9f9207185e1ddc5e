"""The per-run outcomes that strategies are compared on: one table, as sim.params is for inputs.

Each outcome has a direction (higher is better, or lower is), words for sentences, a label for figures, a
unit, the default practical margin (a difference smaller than this is not worth a verdict) and whether it is
a headline outcome. Analysis, tables, figures and the report take their lists from here. The weightings of
relationship health that verdicts are checked against are here too, and so are the verdicts' words and the
defaults of the analysis (tie tolerance, margin, satisficing threshold).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# The verdict of a paired comparison of A against B on one outcome (sim.analysis.comparison.paired_table).
A_BETTER = "A better"
B_BETTER = "B better"
NO_CLEAR = "no clear difference"
VERDICTS = (A_BETTER, B_BETTER, NO_CLEAR)

# Defaults of the analysis; an experiment's `analysis:` section overrides them (docs/statistics.md).
DEFAULT_MARGIN = 0.005  # practical margin of an outcome that declares none
TIE_TOLERANCE = 1e-3  # paired differences smaller than this are ties (also the scenario's outputs.tie_tolerance)
SATISFICING_THRESHOLD = 0.45  # the health a strategy should keep above (the crisis threshold of health)
PRECISION_WIDTH = 0.01  # the width of a 95% interval that the report's precision check aims at


@dataclass(frozen=True)
class Outcome:
    """One per-run outcome (a column of the summaries)."""

    name: str
    higher_is_better: bool
    words: str  # in a sentence: "two-track gives better {words}"
    label: str  # on a figure axis
    unit: str = "share (0-1)"
    margin: float = DEFAULT_MARGIN
    headline: bool = False
    report: bool = False  # shown with the headline outcomes in the workshop report's findings


OUTCOME_TABLE: tuple[Outcome, ...] = (
    Outcome("health_discounted", True, "relationship health", "relationship health (discounted mean)",
            headline=True),
    Outcome("cooperation_discounted", True, "cooperation", "cooperation (discounted mean)", headline=True),
    Outcome("economy_discounted", True, "economic cooperation", "economic cooperation (discounted mean)",
            report=True),
    Outcome("security_discounted", True, "security cooperation", "security cooperation (discounted mean)",
            report=True),
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
REPORTED: list[str] = [o.name for o in OUTCOME_TABLE if o.headline or o.report]
"""The outcomes of the workshop report's findings: the headline ones and the fields it adds."""


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



@dataclass(frozen=True)
class AnalysisSettings:
    """An experiment's `analysis:` section with the defaults filled in: the reference strategy (None: the report
    chooses), the practical margin of every outcome (OUTCOME_TABLE's, then the experiment's), the weightings of
    health that verdicts are checked against (WEIGHTINGS, then the experiment's), the margin of an outcome that
    declares none, the tie tolerance, the satisficing threshold on health and the interval width the precision
    check aims at. sim.config.experiment validates the section; this only reads it."""

    reference: str | None = None
    margins: dict[str, float] = field(default_factory=lambda: {o.name: o.margin for o in OUTCOME_TABLE})
    weightings: dict[str, dict[str, float] | None] = field(default_factory=lambda: dict(WEIGHTINGS))
    default_margin: float = DEFAULT_MARGIN
    tie_tolerance: float = TIE_TOLERANCE
    satisficing_threshold: float = SATISFICING_THRESHOLD
    precision_width: float = PRECISION_WIDTH

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> AnalysisSettings:
        """The settings of an `analysis:` mapping (as in an experiment file or a manifest's `experiment`); missing
        or null fields keep their defaults, `margins` and `weightings` add to the defaults. An unknown field is a
        ValueError naming it."""
        data = {k: v for k, v in (data or {}).items() if v is not None}
        names = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown analysis setting(s) {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(sorted(names))}")
        base = cls()
        floats = {k: float(data[k]) for k in ("default_margin", "tie_tolerance", "satisficing_threshold",
                                               "precision_width") if k in data}
        return replace(base, reference=str(data["reference"]) if "reference" in data else None,
                       margins={**base.margins, **{k: float(v) for k, v in (data.get("margins") or {}).items()}},
                       weightings={**base.weightings, **(data.get("weightings") or {})}, **floats)

    def with_margins(self, margins: Mapping[str, float] | None) -> AnalysisSettings:
        """These settings with some outcomes' margins replaced (a caller's override of the experiment's)."""
        return replace(self, margins={**self.margins, **{k: float(v) for k, v in (margins or {}).items()}})
