"""Why does one strategy do better? Ablations of the named mechanisms under common random numbers.

Each mechanism of "What each strategy costs and gains" (docs/ODD.md) is switched off by one documented
override (`MECHANISMS`). `explain` runs the full scenario and each ablated copy under both strategies with the
same seeds, through the batch runner, and reports for each mechanism the paired difference A − B with its 95%
interval, its change from the full model (paired by seed across the variants, with its own interval) and a
sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.comparison import paired_differences
from sim.analysis.stats import bootstrap_ci
from sim.analysis.words import explain_sentence
from sim.config.experiment import from_scenarios
from sim.config.scenario import Scenario
from sim.config.strategies import strategy_label
from sim.errors import InputError, ResultsError
from sim.outcomes import OUTCOMES_BY_NAME
from sim.runs.batch import run_experiment
from sim.runs.execution import Execution, results_dir


@dataclass(frozen=True)
class Mechanism:
    """A named mechanism and the override that switches it off (dotted path -> value)."""

    name: str
    words: str
    favours: str
    off: dict[str, Any]


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("deterrence", "deterrence of provocations by credible linkage", "linked",
              {"disputes.deterrence": 0.0}),
    Mechanism("grievance_floor", "the grievance floor of open disputes", "depends", {"disputes.g_floor": 0.0}),
    Mechanism("dialogue_relief", "grievance relief through dialogue", "two-track",
              {"disputes.grievance_dialogue": 0.0}),
    Mechanism("settlement_relief", "grievance relief at settlement", "linked and package",
              {"disputes.settle_relief": 0.0}),
    Mechanism("winset_cost", "the approval cost of offers outside the win-set", "whoever stays inside it",
              {"government.winset_cost": 0.0}),
    Mechanism("backdown_cost", "the approval cost of backing down or conceding", "depends",
              {"government.backdown_cost": 0.0}),
    Mechanism("leader_falls", "leader falls after low approval", "depends", {"government.leader_hazard": 0.0}),
    Mechanism("threat", "the value of security and technology under tension", "two-track",
              {"government.threat_gain.security": 0.0, "government.threat_gain.technology": 0.0}),
    Mechanism("hedging", "hedging away from the economy under tension", "depends", {"government.hedge": 0.0}),
    Mechanism("us_pressure", "US pressure on standoffs", "depends", {"disputes.pressure_weight": 0.0}),
    Mechanism("boycott", "boycotts during standoffs", "two-track", {"levers.boycott": 0.0}),
    Mechanism("coercion_trust_hit", "the trust hit of coercion on the target public", "two-track",
              {"disputes.coercion_trust_hit": 0.0}),
    Mechanism("concession_resentment", "resentment of a conceding public", "two-track",
              {"disputes.concession_resentment": 0.0}),
    Mechanism("audience_costs", "audience costs that lock standoffs in", "two-track",
              {"disputes.audience_weight": 0.0}),
    Mechanism("settlement_bonus", "the trust gain of a settlement", "linked and package",
              {"disputes.settle_trust_bonus": 0.0}),
    Mechanism("tourism", "the economic cost of visitors lost to boycotts", "two-track",
              {"citizens.tourism_share": 0.0}),
    Mechanism("security_benefit", "security and technology cooperation felt by the publics under tension",
              "two-track", {"citizens.security_benefit_gain": 0.0}),
    Mechanism("spillover", "disputes weighing on fields they are not linked to", "linked",
              {"levers.spillover": 0.0}),
)
MECHANISMS_BY_NAME: dict[str, Mechanism] = {m.name: m for m in MECHANISMS}


def ablated(scenario: Scenario, mechanism: Mechanism) -> Scenario:
    """The scenario with one mechanism switched off, named `<scenario>~no_<mechanism>`. Lever overrides are
    laid over the scenario's own `levers:` (so they apply to every strategy in both countries)."""
    over: dict[str, Any] = {"name": f"{scenario.name}~no_{mechanism.name}"}
    levers = dict(scenario.data["levers"])
    for path, value in mechanism.off.items():
        if path.startswith("levers."):
            levers[path.split(".", 1)[1]] = value
        else:
            over[path] = value
    if levers != scenario.data["levers"]:
        over["levers"] = levers
    return scenario.with_overrides(**over)


def explain(scenario: Scenario, strategies: list[Any], seeds: list[int], mechanisms: list[str] | None = None,
            outcome: str = "health_discounted", out: str | Path | None = None, execution: Execution | None = None,
            **options: Any) -> pd.DataFrame:
    """Switch off each mechanism in turn for both strategies (same seeds) and trace the difference A − B.

    Returns one row for the full model and one per mechanism: diff (mean of A − B) with diff_lo/diff_hi,
    change (ablated − full, paired by seed) with change_lo/change_hi, and a sentence. `out` keeps the runs
    (a resumable results directory); by default they go to a temporary one. execution: how (sim.Execution, or
    its fields as keywords; no progress output by default)."""
    if len(strategies) != 2 or strategy_label(strategies[0]) == strategy_label(strategies[1]):
        raise InputError("explain compares two distinct strategies", file="--strategies", given=strategies,
                         allowed="A,B, e.g. two_track,linked")
    if outcome not in OUTCOMES_BY_NAME:
        raise InputError("not an outcome", file="--outcome", given=outcome, allowed=", ".join(OUTCOMES_BY_NAME))
    names = list(MECHANISMS_BY_NAME) if mechanisms is None else mechanisms
    for name in names:
        if name not in MECHANISMS_BY_NAME:
            raise InputError("not a named mechanism", file="--mechanisms", given=name,
                             allowed=", ".join(MECHANISMS_BY_NAME))
    execution = Execution.of(execution, options, progress=False)
    variants = [scenario] + [ablated(scenario, MECHANISMS_BY_NAME[n]) for n in names]
    exp = from_scenarios("explain", variants, strategies, seeds, monthly=False)
    with results_dir(out, "explain") as where:
        res = run_experiment(exp, where, execution)
        return explain_table(res.summaries, scenario.name, strategies, names, outcome)


def explain_table(summaries: pd.DataFrame, scenario: str, strategies: list[Any], mechanisms: list[str],
                  outcome: str = "health_discounted") -> pd.DataFrame:
    """The table of `explain` from the summaries of its runs (full scenario and `<scenario>~no_<name>`)."""
    a, b = (strategy_label(s) for s in strategies)

    def diffs(name: str) -> pd.Series:
        sub = summaries[summaries["scenario"] == name]
        if not len(sub):
            raise ResultsError("no finished runs of a variant", file=name, allowed="see the batch's failures")
        return paired_differences(sub, outcome, a, b).set_index("seed")["diff"]

    full = diffs(scenario)
    rows = []
    for name in [None, *mechanisms]:
        d = full if name is None else diffs(f"{scenario}~no_{name}")
        common = d.index.intersection(full.index)
        change = (d.loc[common] - full.loc[common]).to_numpy(float)
        lo, hi = bootstrap_ci(d.to_numpy(float))
        clo, chi = bootstrap_ci(change) if name is not None else (0.0, 0.0)
        rows.append({"mechanism": name or "(full model)", "outcome": outcome, "a": a, "b": b, "n": len(d),
                     "diff": float(d.mean()), "diff_lo": lo, "diff_hi": hi,
                     "change": float(change.mean()) if name else 0.0, "change_lo": clo, "change_hi": chi})
    table = pd.DataFrame(rows)
    table["sentence"] = [explain_sentence(r, MECHANISMS_BY_NAME[name].words if name else "")
                         for name, (_, r) in zip([None, *mechanisms], table.iterrows(), strict=True)]
    return table
