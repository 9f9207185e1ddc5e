"""Every model parameter in one place: its default, allowed range and meaning.

A scenario file states only what differs from these defaults (see docs/scenarios.md). The table is
the single source for validation (sim.config.scenario), the ODD parameter list (docs/ODD.md) and the
strategy presets (docs/ODD.md, "Presets: values and reasons").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.errors import StrategyError

COUNTRIES = ("KR", "JP")
COHORTS = ("youth", "public")
FIELDS = ("security", "economy", "society", "technology")
SECURITY, ECONOMY, SOCIETY, TECHNOLOGY = range(len(FIELDS))  # indices of the fields in per-field arrays
ISSUES = ("comfort_women", "forced_labour", "territory", "textbook", "shrine")
LINKAGE_MODES = ("none", "coercive", "package")
DISTRIBUTIONS = ("fixed", "uniform", "beta", "triangular", "lognormal")


@dataclass(frozen=True)
class P:
    """One scalar parameter: default, inclusive range (or allowed choices) and meaning."""

    default: Any
    lo: float | None = None
    hi: float | None = None
    doc: str = ""
    choices: tuple | None = None


def _per_country(kr: float, jp: float, lo: float, hi: float, doc: str) -> dict:
    return {"KR": P(kr, lo, hi, doc), "JP": P(jp, lo, hi, doc)}


def _fields(values: dict, lo: float, hi: float, doc: str) -> dict:
    return {f: P(values[f], lo, hi, doc) for f in FIELDS}


def _population(n_public: int, n_youth: int, youth_share: float, g_pub: float, g_youth: float,
                e_pub: float, e_youth: float, t_pub: float, t_youth: float) -> dict:
    return {
        "n_public": P(n_public, 10, 10_000_000, "citizens aged 30+ simulated"),
        "n_youth": P(n_youth, 10, 10_000_000, "citizens aged 18-29 simulated"),
        "youth_share_adults": P(youth_share, 0.01, 0.99, "population weight of under-30s among adults"),
        "grievance_public": P(g_pub, 0.0, 1.0, "mean baseline grievance, 30+"),
        "grievance_youth": P(g_youth, 0.0, 1.0, "mean baseline grievance, under 30"),
        "exposure_public": P(e_pub, 0.0, 1.0, "mean baseline exposure, 30+"),
        "exposure_youth": P(e_youth, 0.0, 1.0, "mean baseline exposure, under 30"),
        "trust_init_public": P(t_pub, 0.0, 1.0, "initial mean trust before burn-in, 30+"),
        "trust_init_youth": P(t_youth, 0.0, 1.0, "initial mean trust before burn-in, under 30"),
        "init_good": P(-1.0, -1.0, 1.0, "share with a good impression at the start, matched by the initial trust "
                       "of every cohort (with init_bad; -1: not used, trust_init_* apply)"),
        "init_bad": P(-1.0, -1.0, 1.0, "share with a bad impression at the start (with init_good; -1: not used)"),
    }


# ---------------------------------------------------------------------------------------------
# Strategy levers (docs/ODD.md §2.2 and "Presets: values and reasons"). A strategy is a bundle of these values per
# country.
LEVERS: dict[str, P] = {
    "linkage_mode": P("none", doc="what the aggrieved side does with a dispute", choices=LINKAGE_MODES),
    "spillover": P(0.15, 0.0, 1.0, "weight of a dispute on fields it is not coercively linked to"),
    "leverage_gain": P(2.5, 0.0, 5.0, "L: maximum logit penalty a dispute puts on an offer"),
    "boycott": P(0.3, 0.0, 1.0, "own public's boycott propensity during a coercive standoff"),
    "audience_cost_rate": P(0.10, 0.0, 1.0, "growth per month of the audience cost of a standoff"),
    "dialogue": P(0.06, 0.0, 0.5, "monthly rate at which dialogue lowers severity and grievance"),
    "horizon": P(0.5, 0.0, 1.0, "1 long-term (slow, steady), 0 short-term (fast, approval-chasing)"),
    "youth_exchange": P(0.3, 0.0, 1.0, "youth exchange programmes (diminishing returns)"),
    "public_communication": P(0.3, 0.0, 1.0, "explaining cooperation's benefits (diminishing returns)"),
    "linked_fields": P(("economy", "security", "technology"), doc="fields a coercive linkage targets",
                       choices=FIELDS),
}

def check_lever(name: str, value: Any) -> None:
    """A lever value outside its range or choices (sim.params.LEVERS) is a StrategyError."""
    spec = LEVERS[name]
    if isinstance(spec.default, tuple):
        if not isinstance(value, (list, tuple)) or any(v not in spec.choices for v in value):
            raise StrategyError(f"lever {name} must be a list of {', '.join(spec.choices)}; got {value!r}")
    elif spec.choices is not None:
        if value not in spec.choices:
            raise StrategyError(f"lever {name} must be one of {', '.join(spec.choices)}; got {value!r}")
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or not spec.lo <= value <= spec.hi:
        raise StrategyError(f"lever {name} must be a number in [{spec.lo}, {spec.hi}]; got {value!r}")


PRESETS: dict[str, dict[str, Any]] = {
    "two_track": {"linkage_mode": "none", "spillover": 0.05, "boycott": 0.3,
                  "audience_cost_rate": 0.10, "dialogue": 0.04},
    "linked": {"linkage_mode": "coercive", "spillover": 0.2, "boycott": 0.6,
               "audience_cost_rate": 0.10, "dialogue": 0.02},
    "package_deal": {"linkage_mode": "package", "spillover": 0.15, "boycott": 0.3,
                     "audience_cost_rate": 0.10, "dialogue": 0.04},
}

ADAPTIVE: dict[str, dict[str, Any]] = {
    "two_track_guarded": {
        "extends": "two_track",
        "rules": {"answer_provocation": {"when": "provocations(1) >= 1", "use": "linked",
                                         "until": "calm_months >= calm", "with": {"calm": 12}}},
    },
    "tit_for_tat": {
        "extends": "two_track",
        "rules": {"answer_in_kind": {"when": "defections(1) >= 1", "use": "linked", "for": 1}},
    },
    "generous_tit_for_tat": {
        "extends": "two_track",
        "rules": {"answer_in_kind": {"when": "defections(1) >= 1", "use": "linked", "for": 1, "chance": 0.67}},
    },
    "grim_trigger": {
        "extends": "two_track",
        "rules": {"never_forgive": {"when": "defections(1) >= 1", "use": "linked", "until": "false"}},
    },
}
"""Rule-based strategies (docs/scenarios.md, "Adaptive strategies"): a base bundle and rules that switch levers when
what a government observes meets a condition. Tit-for-tat and its generous (forgives a third of defections; Nowak
& Sigmund 1992) and grim variants answer the other side's moves (provocations and coercion)."""

# ---------------------------------------------------------------------------------------------
# Shock kinds (docs/ODD.md §7.11). exogenous: drawn before the run from their own stream.
SHOCK_KINDS: dict[str, dict[str, Any]] = {
    "provocation": {"exogenous": False, "doc": "symbolic visit, territorial act or textbook by the actor: "
                    "lowers the other public's trust, raises its grievance, opens/escalates a dispute "
                    "aggrieving the other country"},
    "court_ruling": {"exogenous": True, "doc": "a Korean court ruling: lowers Japanese trust, opens/"
                     "escalates the forced-labour dispute with Japan aggrieved, raises Korean grievance "
                     "(no floor)"},
    "us_china_escalation": {"exogenous": True, "doc": "tension += s*(1-tension)"},
    "us_china_deescalation": {"exogenous": True, "doc": "tension -= s*tension"},
    "trade_coercion": {"exogenous": False, "doc": "actor restricts trade: lowers the other public's trust; "
                       "imposed, it also cuts the actor's economy and technology offers"},
    "boycott": {"exogenous": False, "doc": "actor's public cuts exposure in proportion to grievance"},
    "security_incident": {"exogenous": True, "doc": "lowers both publics' trust and both security offers"},
    "summit": {"exogenous": True, "doc": "raises both publics' trust and all offers a little"},
    "agreement": {"exogenous": False, "doc": "settles an open dispute (the issue given, else the most "
                  "severe); raises trust; fragile if the aggrieved public does not support it (P5)"},
    "pandemic": {"exogenous": True, "doc": "contact rate falls to (1-s) for `duration` months, then recovers"},
    "disaster": {"exogenous": True, "doc": "a shared disaster: raises both publics' trust and society offers"},
    "leadership_change": {"exogenous": True, "doc": "actor's leader replaced: approval resets, offers cut "
                          "to the win-set, optionally a declared strategy"},
    "culture_wave": {"exogenous": True, "doc": "actor's popular culture: raises the other country's youth "
                     "trust and exposure"},
}
POSITIVE_KINDS = ("summit", "agreement", "disaster", "culture_wave", "us_china_deescalation")

# ---------------------------------------------------------------------------------------------
PARAMS: dict[str, Any] = {
    "name": P("unnamed", doc="scenario name"),
    "description": P("", doc="what situation the scenario represents"),
    "horizon": P(120, 1, 6000, "months simulated after burn-in"),
    "burn_in": P(240, 0, 6000, "months before month 0, shared by paired runs (same strategy, same draws)"),
    "burn_in_shocks": P(True, doc="the burn-in runs the scenario's background regime (random shocks, "
                        "provocations, tension noise, disputes); false: a shock-free burn-in"),
    "burn_in_strategy": P("two_track", doc="strategy both governments use during burn-in"),
    "start_from": P("", doc="'free_replay': start in January 2026 from the end of the free historical replay "
                    "of the same seed (sim.history), under this scenario's fitted parameters, instead of a burn-in",
                    choices=("", "free_replay")),
    "population": {
        "KR": _population(2000, 500, 0.15, 0.55, 0.42, 0.25, 0.45, 0.35, 0.45),
        "JP": _population(2000, 500, 0.12, 0.38, 0.30, 0.25, 0.40, 0.40, 0.45),
    },
    "citizens": {
        "trust_init_sd": P(0.25, 0.0, 0.5, "sd of initial trust and anchors before burn-in"),
        "kappa_social": P(0.04, 0.0, 1.0, "pull toward the neighbours' mean trust"),
        "bc_epsilon": P(1.0, 0.05, 1.0, "bounded confidence: neighbours further than this are ignored"),
        "kappa_anchor": P(0.25, 0.0, 1.0, "pull toward the anchor, times anchor_strength"),
        "kappa_benefit": P(0.04, 0.0, 1.0, "pull toward the benefit target"),
        "kappa_contact_public": P(0.02, 0.0, 1.0, "pull toward the contact target, 30+"),
        "kappa_contact_youth": P(0.06, 0.0, 1.0, "pull toward the contact target, under 30"),
        "kappa_grievance": P(0.06, 0.0, 1.0, "drag of trust toward 0, times grievance"),
        "noise": P(0.24, 0.0, 0.5, "sigma of multiplicative trust noise"),
        "benefit_base": P(0.30, 0.0, 1.0, "benefit target with no cooperation"),
        "benefit_gain": P(0.40, 0.0, 1.0, "benefit target gain per unit realised economy+society cooperation"),
        "security_benefit_gain": P(0.3, 0.0, 2.0, "benefit target gain per unit realised security+"
                                   "technology cooperation, times tension (protection felt under threat)"),
        "tourism_share": P(0.15, 0.0, 1.0, "share of the economy field's benefit carried by cross-border "
                           "visits; boycotts cut it in proportion to the visits lost"),
        "communication_gain": P(0.5, 0.0, 2.0, "max extra benefit gain from public communication"),
        "contact_base": P(0.30, 0.0, 1.0, "contact target with no exposure"),
        "contact_gain": P(0.60, 0.0, 1.0, "contact target gain per unit exposure x contact rate"),
        "anchor_rate": P(0.02, 0.0, 0.2, "monthly rate at which anchors follow trust"),
        "anchor_strength_young": P(0.2, 0.0, 1.0, "anchor strength at age 18"),
        "anchor_strength_old": P(0.9, 0.0, 1.0, "anchor strength at age 78"),
        "grievance_relax": P(0.03, 0.0, 1.0, "monthly relaxation of grievance toward its baseline"),
        "grievance_sd": P(0.25, 0.0, 0.5, "sd of personal grievance baselines around the cohort mean"),
        "exposure_relax": P(0.08, 0.0, 1.0, "monthly relaxation of exposure toward its target"),
        "exposure_sd": P(0.25, 0.0, 0.5, "sd of personal exposure baselines around the cohort mean"),
        "communication_salience": P(0.5, 0.0, 5.0, "extra grievance from a new dispute per unit "
                                    "public-communication effect (communication raises salience)"),
        "youth_exchange_gain": P(0.25, 0.0, 1.0, "max exposure added to youth by youth exchange"),
        "tie_rate": P(0.002, 0.0, 0.1, "monthly chance a youth forms a cross-border tie, per unit contact"),
        "tie_exchange_gain": P(3.0, 0.0, 20.0, "max multiplier of tie_rate from youth exchange"),
        "tie_dissolve": P(0.01, 0.0, 1.0, "monthly chance a cross-border tie ends"),
        "tie_gain": P(0.25, 0.0, 1.0, "exposure added per cross-border tie (up to 3 ties)"),
        "entrant_noise": P(0.25, 0.0, 0.5, "sd of new entrants' trust around their environment"),
        "network_k": P(6, 2, 50, "neighbours per citizen (even) in the small-world network"),
        "network_rewire": P(0.1, 0.0, 1.0, "Watts-Strogatz rewiring probability"),
        "good_threshold": P(0.6, 0.0, 1.0, "trust above this is a good impression"),
        "bad_threshold": P(0.4, 0.0, 1.0, "trust below this is a bad impression"),
        "grievance_threshold": P(0.5, 0.0, 1.0, "grievance below this counts as support for a settlement"),
    },
    "government": {
        "base": _fields({"security": 0.0, "economy": 0.6, "society": 0.4, "technology": 0.2}, -5, 5,
                        "logit baseline of the cooperation offered"),
        "trust_weight": P(1.0, 0.0, 5.0, "a: logit gain per unit public trust above 1/2"),
        "value_weight": _fields({"security": 0.6, "economy": 0.6, "society": 0.4, "technology": 0.6}, 0, 5,
                                "b_d: logit weight of the field's value"),
        "threat_gain": {"security": P(1.5, 0.0, 5.0, "rise in security value per unit tension"),
                        "technology": P(1.0, 0.0, 5.0, "rise in technology value per unit tension")},
        "hedge": P(0.4, 0.0, 2.0, "fall in economic value and benefit target per unit tension"),
        "reciprocity": P(0.5, 0.0, 0.99, "r: logit pull toward the other side's last offer"),
        "adjust_fast": P(0.25, 0.0, 1.0, "monthly adjustment of offers at horizon 0"),
        "adjust_slow": P(0.06, 0.0, 1.0, "monthly adjustment of offers at horizon 1"),
        "approval_chasing": P(0.8, 0.0, 1.0, "share of the gap above the win-set a horizon-0 government cuts"),
        "winset_base": P(1.5, -5, 5, "w0: logit of the win-set"),
        "winset_trust": P(2.0, 0.0, 10.0, "w_T: win-set gain per unit trust above 1/2"),
        "winset_grievance": P(2.0, 0.0, 10.0, "w_g: win-set loss per unit mean grievance"),
        "approval_base": P(0.45, 0.0, 1.0, "approval target with no benefit"),
        "approval_benefit": P(0.30, 0.0, 1.0, "approval target gain per unit benefit"),
        "winset_cost": P(1.0, 0.0, 5.0, "domestic sustainability: approval lost per unit offer above "
                                       "the win-set times mean grievance"),
        "approval_relax": P(0.15, 0.0, 1.0, "monthly relaxation of approval toward its target"),
        "backdown_cost": P(0.15, 0.0, 1.0, "approval jump lost by a government that backs down"),
        "approval_min": P(0.35, 0.0, 1.0, "approval under which the leader is at risk"),
        "leader_months": P(6, 1, 120, "months under approval_min before the leader may fall"),
        "leader_hazard": P(0.25, 0.0, 1.0, "monthly chance an at-risk leader falls"),
        "approval_reset": P(0.55, 0.0, 1.0, "a new leader's approval"),
        "dependence": {"KR": _fields({"security": 1.0, "economy": 1.2, "society": 0.8, "technology": 1.3},
                                     0, 5, "country's dependence on realised cooperation in the field"),
                       "JP": _fields({"security": 1.0, "economy": 0.9, "society": 0.8, "technology": 0.8},
                                     0, 5, "country's dependence on realised cooperation in the field")},
        "payoff_approval_weight": P(0.5, 0.0, 1.0, "weight of approval (vs benefit) in a country's payoff"),
        "offer_init": P(0.6, 0.0, 1.0, "offers at the start of burn-in"),
        "lever_budget": P(0.6, 0.0, 2.0, "youth_exchange + public_communication are scaled to fit within "
                          "it (0: no budget), so the two trade off"),
    },
    "disputes": {
        "deterrence": P(4.0, 0.0, 10.0, "delta: provocation rate falls by exp(-delta*credibility)"),
        "credibility_init": _per_country(0.0, 0.0, 0.0, 1.0, "reputation for carrying out linkage threats "
                                         "at the start (earned in the country's own standoffs after that)"),
        "credibility_weight": P(0.3, 0.0, 1.0, "weight of a standoff's outcome (held 1, backed down 0) in "
                                "the linker's reputation"),
        "g_floor": P(0.8, 0.0, 1.0, "grievance floor per unit severity while an issue is open"),
        "fade": P(0.01, 0.0, 1.0, "monthly fading of severity without dialogue"),
        "close_floor": P(0.08, 0.0, 1.0, "severity below which a dispute closes without settlement"),
        "escalation": P(0.6, 0.0, 1.0, "share of a new shock's magnitude added to an open dispute"),
        "grievance_dialogue": P(0.5, 0.0, 5.0, "relief of grievance above baseline per unit dialogue"),
        "hazard_min": P(0.01, 0.0001, 1.0, "h_min: minimum monthly back-down hazard"),
        "hazard_max": P(0.25, 0.0, 1.0, "h_max: maximum monthly back-down hazard"),
        "loss_weight": P(4.0, 0.0, 50.0, "lambda: weight of own realised loss in the hazard"),
        "audience_weight": P(3.0, 0.0, 50.0, "kappa: weight of the audience cost in the hazard"),
        "pressure_weight": P(2.0, 0.0, 50.0, "pi: weight of US pressure in the hazard"),
        "hazard_bias": P(-2.0, -20.0, 20.0, "logit bias of the back-down hazard"),
        "reference_rate": P(0.1, 0.0, 1.0, "monthly update of the reference cooperation (no standoff)"),
        "package_rate": P(0.06, 0.0, 1.0, "maximum monthly chance a package settles"),
        "package_k": P(8.0, 0.0, 100.0, "steepness of package acceptance"),
        "package_smin": P(0.45, 0.0, 1.0, "support level at which a package is even odds"),
        "reopen_settled": P(0.02, 0.0, 1.0, "monthly reopening of a settled dispute, times (1 - support)"),
        "reopen_closed": P(0.012, 0.0, 1.0, "monthly reopening of a dispute that faded out"),
        "reopen_severity": P(0.5, 0.0, 1.0, "severity of a reopened dispute, relative to its peak"),
        "settle_trust_bonus": P(0.15, 0.0, 1.0, "magnitude of the positive trust shock of a settlement"),
        "concession_resentment": P(0.25, 0.0, 1.0, "trust shock to a public whose government conceded"),
        "settle_relief": P(0.3, 0.0, 1.0, "share of the aggrieved public's grievance a settlement removes"),
        "link_threshold": P(0.3, 0.0, 1.0, "a coercive linker links only disputes at least this severe"),
        "history_peak": P(0.5, 0.0, 1.0, "peak severity of the past (closed) dispute on each issue the "
                          "background regime can raise, seeded before a burn-in with shocks"),
        "coercion_trust_hit": P(0.3, 0.0, 1.0, "magnitude of the trade-coercion shock when a standoff starts"),
    },
    "provocation": {
        "rate": _per_country(0.02, 0.03, 0.0, 1.0, "lambda0: monthly provocation rate by the actor"),
        "scale": P(1.0, 0.0, 20.0, "multiplier of both countries' provocation rates (one sweep axis)"),
        "magnitude": {"dist": P("beta", choices=DISTRIBUTIONS), "a": P(4.0, 0.0, 1e3, "first parameter"),
                      "b": P(4.0, 0.0, 1e3, "second parameter"), "value": P(0.5, 0.0, 1.0, "fixed value")},
    },
    "environment": {
        "tension_init": P(0.3, 0.0, 1.0, "US-China tension at the start"),
        "tension_mean": P(0.3, 0.0, 1.0, "level tension reverts to"),
        "tension_reversion": P(0.02, 0.0, 1.0, "monthly mean reversion of tension"),
        "tension_noise": P(0.01, 0.0, 0.5, "sd of monthly tension noise"),
        "us_pressure_gain": P(1.0, 0.0, 5.0, "US pressure per unit tension"),
        "contact_recovery": P(0.15, 0.0, 1.0, "monthly recovery of the contact rate toward normal"),
        "contact_normal": P(1.0, 0.0, 1.0, "the contact rate in normal times"),
    },
    "travel": {
        "trend": _per_country(0.0, 0.0, 0.0, 1.0, "secular growth of the country's trips to the other country, "
                              "per year on a log scale (0: none; scenarios/history fits it to the arrivals)"),
        "until": P(-1, -1, 100000, "last month of the trend (-1: no end)"),
        "exposure_gain": P(0.0, 0.0, 1.0, "exposure target added per unit log growth of the trips (people-to-people "
                           "contact through travel; 0: travel does not reach exposure)"),
        "youth_extra": P(1.0, 0.0, 5.0, "the young gain (1 + youth_extra) times as much (culture and travel reach "
                         "the young most)"),
        "boycott_gain": P(1.0, 0.0, 10.0, "trips cut per unit of the public's mean boycott cut"),
    },
    "shock_effects": {
        "provocation": {"trust": P(0.30, 0, 1, "trust sensitivity of the other public"),
                        "grievance": P(0.25, 0, 1, "grievance added to the other public")},
        "court_ruling": {"trust": P(0.20, 0, 1, "trust sensitivity of the Japanese public"),
                         "grievance": P(0.10, 0, 1, "Korean grievance added (no floor)"),
                         "severity": P(0.8, 0, 1, "severity per unit magnitude")},
        "trade_coercion": {"trust": P(0.30, 0, 1, "trust sensitivity of the target public"),
                           "offer_cut": P(0.5, 0, 1, "imposed: share of actor's economy/tech offer cut")},
        "boycott": {"exposure": P(0.6, 0, 1, "exposure cut per unit grievance")},
        "security_incident": {"trust": P(0.10, 0, 1, "trust sensitivity of both publics"),
                              "offer_cut": P(0.1, 0, 1, "share of security offers cut")},
        "summit": {"trust": P(0.08, 0, 1, "trust gain of both publics"),
                   "offer_boost": P(0.1, 0, 1, "share of the gap to 1 added to every offer")},
        "agreement": {"trust": P(0.10, 0, 1, "trust gain of both publics")},
        "disaster": {"trust": P(0.06, 0, 1, "trust gain of both publics"),
                     "offer_boost": P(0.1, 0, 1, "share of the gap to 1 added to society offers")},
        "culture_wave": {"trust": P(0.10, 0, 1, "trust gain of the other country's youth"),
                         "exposure": P(0.10, 0, 1, "exposure gain of the other country's youth")},
        "youth_sensitivity": P(0.8, 0.0, 3.0, "youth multiplier of negative trust shocks"),
    },
    "outputs": {
        "health_weights": {"cooperation": P(0.5, 0, 1, "weight of mean realised cooperation"),
                           "opinion": P(0.25, 0, 1, "weight of (1 + good - bad)/2"),
                           "disputes": P(0.25, 0, 1, "weight of exp(-total open severity)")},
        "discount_rate": P(0.03, 0.0, 1.0, "annual discount rate of discounted outcomes"),
        "crisis_threshold": P(0.45, 0.0, 1.0, "health below this is a crisis month"),
        "breakdown_level": P(0.2, 0.0, 1.0, "security and economy both below this ..."),
        "breakdown_months": P(6, 1, 1000, "... for this many months is a breakdown"),
        "major_shock_magnitude": P(0.5, 0.0, 1.0, "a negative shock at least this large is major"),
        "recovery_share": P(0.9, 0.0, 1.0, "share of the pre-shock health that counts as recovered"),
        "poll_size": P(1000, 10, 1_000_000, "respondents in the simulated poll"),
        "tie_tolerance": P(1e-3, 0.0, 1.0, "paired differences smaller than this are ties"),
        "age_groups": P(False, doc="also record good and bad shares of the polls' age groups (under-20, 20-29, "
                        "60+) per country"),
    },
    # list sections, validated entry by entry (see sim.config.scenario)
    "levers": {},          # lever overrides for both countries, on top of any strategy
    "strategies": {},      # custom named strategies: name -> {extends: preset, lever: value, rules: {...}}
    "strategy": P("two_track", doc="default strategy of `sim run`"),
    "disputes_initial": [],
    "shocks": [],
    "random_shocks": [],
    "changes": [],
}

# Entry schemas of the list sections.
ENTRY_SCHEMAS: dict[str, dict[str, P]] = {
    "shocks": {
        "kind": P(None, doc="shock kind", choices=tuple(SHOCK_KINDS)),
        "month": P(None, -100000, 100000, "month the shock fires (0 = first month after burn-in); required"),
        "magnitude": P(0.5, 0.0, 1.0, "s"),
        "actor": P("none", doc="acting country", choices=("KR", "JP", "none", "both")),
        "issue": P("", doc="dispute issue", choices=ISSUES + ("",)),
        "duration": P(24, 1, 6000, "months (pandemic)"),
        "strategy": P("", doc="declared strategy (leadership_change)"),
    },
    "random_shocks": {
        "kind": P(None, doc="shock kind", choices=tuple(k for k, v in SHOCK_KINDS.items() if v["exogenous"])),
        "rate": P(0.01, 0.0, 1.0, "expected events per month"),
        "actor": P("none", doc="acting country", choices=("KR", "JP", "none", "both")),
        "issue": P("", doc="dispute issue", choices=ISSUES + ("",)),
        "duration": P(24, 1, 6000, "months (pandemic)"),
        "dist": P("fixed", doc="magnitude distribution", choices=DISTRIBUTIONS),
        "a": P(0.5, 0.0, 1e3, "fixed value, or first parameter"),
        "b": P(0.5, 0.0, 1e3, "second parameter"),
        "c": P(0.5, 0.0, 1e3, "third parameter (triangular mode)"),
    },
    "changes": {
        "month": P(None, -100000, 100000, "month the change applies; required"),
        "country": P("both", doc="country whose levers change", choices=("KR", "JP", "both")),
        "strategy": P("", doc="new strategy (preset or custom name)"),
        "levers": P({}, doc="lever overrides"),
        "contact_rate": P(-1.0, -1.0, 1.0, "new contact rate (-1: unchanged)"),
        "tension": P(-1.0, -1.0, 1.0, "new tension (-1: unchanged)"),
        "us_pressure": P(-1.0, -1.0, 5.0, "fixed US pressure from now on (-1: unchanged; -2 not allowed)"),
    },
    "disputes_initial": {
        "issue": P(None, doc="dispute issue", choices=ISSUES),
        "aggrieved": P(None, doc="aggrieved country", choices=COUNTRIES),
        "severity": P(0.5, 0.0, 1.0, "severity at month 0"),
        "status": P("open", doc="status at month 0", choices=("open", "settled", "closed")),
        "support": P(0.5, 0.0, 1.0, "support at settlement (settled disputes)"),
    },
}


def defaults() -> dict:
    """A plain nested dict of every default value."""

    def walk(node: Any) -> Any:
        if isinstance(node, P):
            return list(node.default) if isinstance(node.default, tuple) else node.default
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        return list(node)

    return walk(PARAMS)


def lever_defaults() -> dict:
    """Default lever values (before any preset)."""
    return {k: (list(p.default) if isinstance(p.default, tuple) else p.default) for k, p in LEVERS.items()}
