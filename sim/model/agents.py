"""Mesa agents: governments (full agents with their own state) and citizens (views onto array rows).

A Citizen agent is created on demand (RelationsModel.citizens()) and reads and writes its row of the
population arrays; it keeps its identity while it lives and is removed from the model when turnover
replaces it. Government offers, approval and win-set follow docs/ODD.md §7.5 and §7.6 (Putnam 1988).
"""

from __future__ import annotations

import functools
import itertools
import warnings
import weakref
from typing import TYPE_CHECKING

import numpy as np

from sim.model.population import lever_effect
from sim.params import COUNTRIES, FIELDS

with warnings.catch_warnings():  # mesa imports tqdm.auto, which warns in notebooks without ipywidgets
    warnings.filterwarnings("ignore", message="IProgress not found")
    import mesa

if TYPE_CHECKING:
    from sim.model.model import RelationsModel


class _ModelCounters(weakref.WeakKeyDictionary):
    """Per-model unique_id counters held weakly: Mesa 3.3 keeps them in a class-level defaultdict keyed
    by the model, which keeps every finished model (and its arrays) alive for the life of the process."""

    def __getitem__(self, model: mesa.Model) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = self[model] = itertools.count(1)
            return counter


class _Agent(mesa.Agent):
    _ids = _ModelCounters()


@functools.lru_cache(maxsize=256)
def effect(lever: float) -> float:
    """lever_effect of one lever value, remembered (levers take few values in a run)."""
    return float(lever_effect(lever))


def logistic(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-x))


class Citizen(_Agent):
    """One citizen: a view onto its slot in the population arrays."""

    _fields = ("trust", "grievance", "anchor", "exposure", "age")

    def __init__(self, model: RelationsModel, slot: int) -> None:
        super().__init__(model)
        self.slot = slot
        self.citizen_id = int(model.population.uid[slot])
        self.country = COUNTRIES[int(model.population.country[slot])]

    @property
    def alive(self) -> bool:
        return int(self.model.population.uid[self.slot]) == self.citizen_id

    def _row(self, name: str) -> np.ndarray:
        if not self.alive:
            raise RuntimeError(f"citizen {self.citizen_id} has left the population")
        return getattr(self.model.population, name)

    trust = property(lambda s: float(s._row("trust")[s.slot]),
                     lambda s, v: s._row("trust").__setitem__(s.slot, v), doc="favourability, [0,1]")
    grievance = property(lambda s: float(s._row("grievance")[s.slot]),
                         lambda s, v: s._row("grievance").__setitem__(s.slot, v), doc="salience of history")
    anchor = property(lambda s: float(s._row("anchor")[s.slot]),
                      lambda s, v: s._row("anchor").__setitem__(s.slot, v), doc="long-term attitude")
    exposure = property(lambda s: float(s._row("exposure")[s.slot]),
                        lambda s, v: s._row("exposure").__setitem__(s.slot, v), doc="contact with the other")
    age = property(lambda s: float(s._row("age")[s.slot]), doc="years")

    @property
    def cohort(self) -> str:
        return "youth" if self._row("youth")[self.slot] else "public"

    @property
    def anchor_strength(self) -> float:
        p = self.model.population.p
        frac = np.clip((self.age - 18.0) / 60.0, 0.0, 1.0)
        return float(p["anchor_strength_young"] + (p["anchor_strength_old"] - p["anchor_strength_young"]) * frac)

    @property
    def neighbours(self) -> list[Citizen]:
        pop = self.model.population
        slots = pop.cols[pop.A.indptr[self.slot]:pop.A.indptr[self.slot + 1]]
        return [self.model.citizen(int(s)) for s in slots]

    @property
    def cross_border_ties(self) -> list[Citizen]:
        pop = self.model.population
        other = np.concatenate([pop.tie_b[pop.tie_a == self.slot], pop.tie_a[pop.tie_b == self.slot]])
        return [self.model.citizen(int(s)) for s in other]

    def __repr__(self) -> str:
        if not self.alive:
            return f"<Citizen {self.citizen_id} (left)>"
        return (f"<Citizen {self.citizen_id} {self.country} {self.cohort} age={self.age:.1f} "
                f"trust={self.trust:.3f} grievance={self.grievance:.3f}>")


class Government(_Agent):
    """A country's government: offers per field, approval, win-set, strategy levers, credibility.

    params: the scenario's `government` section (ODD §7.5); credibility_init and credibility_weight: the
    `disputes` section's starting reputation of this country and its update weight (§8); youth_exchange_gain: the
    `citizens` section's exposure gain at a full youth-exchange lever."""

    def __init__(self, model: RelationsModel, country: int, levers: dict, params: dict, credibility_init: float,
                 credibility_weight: float, youth_exchange_gain: float) -> None:
        super().__init__(model)
        self.p = g = params
        self.country, self.name = country, COUNTRIES[country]
        self.offered = np.full(len(FIELDS), g["offer_init"])
        self.approval = g["approval_reset"]
        self.winset = 0.5
        self.months_below = 0
        self.leader = 1
        self.credibility = credibility_init
        self.credibility_weight = credibility_weight
        self.youth_exchange_gain = youth_exchange_gain
        self.dependence = np.array([g["dependence"][self.name][f] for f in FIELDS])
        self.dependence_total = float(self.dependence.sum())
        self.set_levers(levers)

    def set_levers(self, levers: dict) -> None:
        """Adopt a lever bundle (a strategy, or a new leader's declared policy)."""
        self.levers = dict(levers)
        budget = self.p["lever_budget"]
        spend = self.levers["youth_exchange"] + self.levers["public_communication"]
        if budget > 0 and spend > budget:
            for k in ("youth_exchange", "public_communication"):
                self.levers[k] *= budget / spend
        self.linked_idx = np.array([FIELDS.index(f) for f in self.levers["linked_fields"]], dtype=int)

    @property
    def threat_credibility(self) -> float:
        """Credibility of a linkage threat as the other side sees it: the reputation earned in this
        country's own standoffs, and none while its strategy does not link coercively (ODD §7.10)."""
        return self.credibility if self.levers["linkage_mode"] == "coercive" else 0.0

    def standoff_outcome(self, held: bool) -> None:
        """Update the reputation after one of this country's own standoffs: it held (the target conceded)
        or it backed down."""
        w = self.credibility_weight
        self.credibility = (1 - w) * self.credibility + w * float(held)

    @property
    def other(self) -> Government:
        return self.model.governments[1 - self.country]

    def update_winset(self, trust: float, grievance: float) -> None:
        g = self.p
        self.winset = float(logistic(g["winset_base"] + g["winset_trust"] * (trust - 0.5)
                                     - g["winset_grievance"] * grievance))

    def next_offers(self, trust: float, values: np.ndarray, penalty: np.ndarray,
                    other_offered: np.ndarray) -> np.ndarray:
        """Offers moved toward the target set by trust, value, reciprocity and dispute penalties (ODD §7.5). The array
        form, for notebooks and the tests; the monthly step calls next_offer_list, which gives the same numbers."""
        return np.array(self.next_offer_list(trust, *(np.asarray(x, float).tolist()
                                                      for x in (values, penalty, other_offered))))

    def next_offer_list(self, trust: float, values: list[float], penalty: list[float],
                        other_offered: list[float]) -> list[float]:
        """next_offers on Python floats, field by field (the same operations as numpy's, hence the same numbers)."""
        g, h = self.p, self.levers["horizon"]
        own = self.offered.tolist()
        level, rec = g["trust_weight"] * (trust - 0.5), g["reciprocity"]
        x = [b + level + vw * v + rec * (o - s) - p for b, vw, v, o, s, p in
             zip(self.model.offer_base.tolist(), self.model.value_weight.tolist(), values, other_offered, own, penalty,
                 strict=True)]
        chase, w = g["approval_chasing"] * (1.0 - h), self.winset
        logit = [1.0 / (1.0 + y) for y in np.exp(np.array([-v for v in x])).tolist()]  # logistic(x), numpy's exp
        target = [t - chase * max(0.0, t - w) for t in logit]
        eta = g["adjust_fast"] + (g["adjust_slow"] - g["adjust_fast"]) * h
        return [s + eta * (t - s) for s, t in zip(own, target, strict=True)]

    def benefit(self, realised: np.ndarray) -> float:
        """Dependence-weighted benefit from realised cooperation, in [0, 1]."""
        return float(self.dependence @ realised / self.dependence_total)

    def step_approval(self, realised: np.ndarray, grievance: float) -> None:
        g = self.p
        w = self.winset
        over = 0.0
        for x in self.offered.tolist():  # the sum over the fields in numpy's order
            over += max(0.0, x - w)
        target = (g["approval_base"] + g["approval_benefit"] * self.benefit(realised)
                  - g["winset_cost"] * over * grievance)
        self.approval += g["approval_relax"] * (min(max(float(target), 0.0), 1.0) - self.approval)
        self.months_below = self.months_below + 1 if self.approval < g["approval_min"] else 0

    def may_fall(self, u: float) -> bool:
        g = self.p
        return self.months_below >= g["leader_months"] and u < g["leader_hazard"]

    def replace_leader(self, levers: dict | None = None) -> None:
        """A new leader: approval resets, offers are cut to the win-set, optionally a new policy."""
        self.leader += 1
        self.approval = self.p["approval_reset"]
        self.months_below = 0
        self.offered = np.minimum(self.offered, self.winset)
        if levers is not None:
            self.set_levers(levers)

    def youth_gain(self) -> float:
        return float(self.youth_exchange_gain * effect(self.levers["youth_exchange"]))

    def communication(self) -> float:
        return effect(self.levers["public_communication"])

    def __repr__(self) -> str:
        return (f"<Government {self.name} leader={self.leader} approval={self.approval:.3f} "
                f"offered={np.round(self.offered, 3).tolist()} linkage={self.levers['linkage_mode']}>")
