"""RelationsModel: a Mesa model of Republic of Korea-Japan relations under shocks (docs/ODD.md).

Two governments (Mesa agents) offer cooperation in four fields; citizens of both countries (arrays,
with Mesa agent views on demand) update trust under social influence, memory, benefits, contact and
grievance (Friedkin & Johnsen 1990); disputes may be linked to cooperation (Tollison & Willett 1979)
or handled on their own track. One month per step, in the order of docs/ODD.md §3.
"""

from __future__ import annotations

import copy
import functools
import warnings
from typing import Any

import numpy as np

from sim.config.scenario import Scenario
from sim.config.strategies import parse_rules, parse_strategy
from sim.errors import StateError
from sim.model import shocks as shock_mod
from sim.model.agents import Citizen, Government, effect
from sim.model.disputes import Dispute, DisputeBook
from sim.model.outputs import Recorder
from sim.model.population import Population
from sim.model.rulebook import RuleBook
from sim.model.shocks import PROVOCATION_ISSUES, Shock
from sim.model.streams import Draws, monthly_table, stream
from sim.params import COUNTRIES, ECONOMY, FIELDS, SECURITY, SOCIETY, TECHNOLOGY

with warnings.catch_warnings():  # mesa imports tqdm.auto, which warns in notebooks without ipywidgets
    warnings.filterwarnings("ignore", message="IProgress not found")
    import mesa

STATE_VERSION = 1


@functools.lru_cache(maxsize=4096)
def provocation_chance(rate: float, deterrence: float, credibility: float) -> float:
    """An actor's monthly chance to provoke, 1 - exp(-rate * exp(-deterrence * credibility)) (ODD §7.10;
    remembered, as credibility changes only after standoffs)."""
    return float(1.0 - np.exp(-rate * np.exp(-deterrence * credibility)))


STATE_ARRAYS = ("age", "youth", "uid", "g_z", "e_z", "grievance", "exposure", "trust", "anchor", "tie_a",
                "tie_b", "boycott_i", "rows", "cols")
"""Population arrays a saved state carries; everything else is derived from the (forward) scenario."""
NETWORK_ARRAYS = ("rows", "cols")
"""The network's edges among them (fixed for a run)."""


class RelationsModel(mesa.Model):
    """One stochastic run of a scenario under a strategy (per country) and a seed."""

    def __init__(self, scenario: Scenario, strategy: Any = "two_track", seed: int = 0,
                 state: dict | None = None, start: bool = True) -> None:
        """state: a saved state to continue from (save_state), or the state at the end of the burn-in
        (burn_in_state), which every strategy shares. start=False stops at the end of the burn-in."""
        super().__init__(rng=int(seed))
        self.scenario, self.data, self.seed = scenario, scenario.data, int(seed)
        self._strategy_spec = strategy
        self.strategy = parse_strategy(strategy, self.data)
        self.strategy_rules = parse_rules(strategy, self.data)
        d = self.data
        g = d["government"]
        self.offer_base = np.array([g["base"][f] for f in FIELDS])
        self.value_weight = np.array([g["value_weight"][f] for f in FIELDS])
        self.events: list[dict] = []
        self._citizens: dict[int, Citizen] = {}
        self.citizen_rng = stream(seed, "citizens")
        self.poll_rng = stream(seed, "poll")
        burn = parse_strategy(d["burn_in_strategy"], d)
        self.population = Population(d, stream(seed, "init"), network=state is None)
        self.governments = [Government(self, c, burn[COUNTRIES[c]], g, d["disputes"]["credibility_init"][COUNTRIES[c]],
                                       d["disputes"]["credibility_weight"], d["citizens"]["youth_exchange_gain"])
                            for c in range(2)]
        env = d["environment"]
        self.tension, self.contact = env["tension_init"], env["contact_normal"]
        self.contact_normal, self.contact_cap, self.pandemic_until = env["contact_normal"], 1.0, -10**9
        self.us_pressure_fixed: float | None = None
        self.travel_log = [0.0, 0.0]  # log of each country's trips relative to month 0 (ODD §7.3)
        self.travel_flow = [1.0, 1.0]  # the trips made this month, relative to month 0
        self.us_pressure = env["us_pressure_gain"] * self.tension
        self.realised = np.minimum(*[gv.offered for gv in self.governments])
        self.reference = self.realised.copy()
        self.disputes = DisputeBook(self)
        self.month = -d["burn_in"]
        self.pending_links: list[int] = []  # open disputes a linker takes up in the first month of the horizon
        self.rules: RuleBook | None = None  # rule-based strategies at work (from month 0)
        self.update_means()
        if state is None and d["start_from"]:
            raise StateError("a forward scenario (start_from) starts from the end of its historical replay: run it "
                             "with sim.run, or pass state=sim.runs.starts.start_state(scenario, seed)")
        if state is not None:
            self._restore(state)
        self.start_month = max(self.month, 0)
        self.end_month = self.start_month + d["horizon"]
        # month-keyed draws cover the burn-in too when it runs under the background regime
        self.table_start = self.month if d["burn_in_shocks"] else self.start_month
        months = self.end_month - self.table_start
        self.exogenous = shock_mod.draw_exogenous(d, seed, self.table_start, months)
        self._by_month: dict[int, list[Shock]] = {}
        for s in self.exogenous:
            self._by_month.setdefault(s.month, []).append(s)
        self.provocation_uniforms = shock_mod.provocation_table(d, seed, self.table_start, months)
        mag = d["provocation"]["magnitude"]
        self._provocation_magnitude = shock_mod.magnitude_from_uniform(
            self.provocation_uniforms[:, :, 1], mag["dist"], mag["a"] if mag["dist"] != "fixed" else mag["value"],
            mag["b"])
        self.leadership_draws = monthly_table(seed, "leadership", self.table_start, months, 2)
        self._tension_noise = monthly_table(seed, "tension", self.table_start, months, 1,
                                            draw=Draws(1, "normal"))[:, 0].tolist()
        self._changes = [dict(c) for c in d["changes"]]
        self.recorder = Recorder(self, self.end_month - self.start_month)
        self.horizon_started = state is not None and state.get("phase", "horizon") == "horizon"
        if state is None:
            self.burn_in()
        if start and not self.horizon_started:
            self._start_horizon()
        self.update_means()

    def burn_in(self) -> None:
        """ODD §5: the months before month 0 under the burn-in strategy (the same for every strategy compared),
        from a seeded dispute history when the burn-in runs the background regime."""
        if self.data["burn_in_shocks"] and self.data["burn_in"] > 0:
            self.disputes.seed_history(self.regime_issues())
        while self.month < 0:
            self.step()

    def regime_issues(self) -> list[tuple[str, int]]:
        """(issue, aggrieved country) pairs that this scenario's background regime can raise: provocations
        by an actor with a positive rate, and random shocks that open disputes (court rulings)."""
        out = []
        for actor in range(2):
            if self.data["provocation"]["rate"][COUNTRIES[actor]] * self.data["provocation"]["scale"] > 0:
                out += [(issue, 1 - actor) for issue in PROVOCATION_ISSUES[actor]]
        for e in self.data["random_shocks"]:
            if e["kind"] == "court_ruling" and e.get("rate", 0) > 0:
                court = COUNTRIES.index(e.get("actor", "KR")) if e.get("actor", "KR") in COUNTRIES else 0
                out.append((e.get("issue") or "forced_labour", 1 - court))
        return list(dict.fromkeys(out))

    def _start_horizon(self) -> None:
        """Month 0: the burn-in's events are history, tension starts at the scenario's `tension_init`, the
        strategies take over, and the scenario's initial disputes open; a linker links what is open in the
        first month of the horizon (so the state at month 0 is the burn-in's, the same for every strategy)."""
        self.horizon_started = True
        self.exogenous = [s for s in self.exogenous if s.month >= 0]
        self.events = []
        self.tension = self.data["environment"]["tension_init"]
        for gv in self.governments:
            gv.set_levers(self.strategy[gv.name])
        self.rules = RuleBook(self, [self.strategy[c] for c in COUNTRIES], [self.strategy_rules[c] for c in COUNTRIES]
                              ) if any(self.strategy_rules.values()) else None
        self._initial_disputes()
        self.pending_links = [dsp.id for dsp in self.disputes.open()]

    # ---- helpers used by submodels ----------------------------------------------------------
    def levers_for(self, spec: Any, country: int) -> dict:
        return parse_strategy(spec, self.data)[COUNTRIES[country]]

    def salience(self, country: int | None) -> float:
        if country is None:
            return 0.0
        return self.data["citizens"]["communication_salience"] * self.governments[country].communication()

    def values(self) -> np.ndarray:
        """Value of cooperation per field under current tension (ODD §7.5)."""
        return np.array(self.value_list())

    def value_list(self) -> list[float]:
        """values() as Python floats."""
        g, t = self.data["government"], self.tension
        return [1 + g["threat_gain"]["security"] * t, 1 - g["hedge"] * t, 1.0, 1 + g["threat_gain"]["technology"] * t]

    def own_loss(self, country: int) -> float:
        gov = self.governments[country]
        return float(gov.dependence @ (self.values() * np.maximum(0.0, self.reference - self.realised)))

    def felt_cooperation(self) -> np.ndarray:
        """Realised cooperation as the economies feel it: the economy field loses `tourism_share` of
        itself in proportion to the cross-border visits lost to boycotts (ODD §7.1)."""
        return np.array(self.felt_list())

    def felt_list(self) -> list[float]:
        """felt_cooperation() as Python floats."""
        felt = self.realised.tolist()
        felt[ECONOMY] *= 1.0 - self.data["citizens"]["tourism_share"] * self.visit_loss
        return felt

    def public_benefit(self, comm: np.ndarray) -> np.ndarray:
        """Each public's benefit target: economy and society cooperation (as felt, amplified by public
        communication), security and technology cooperation valued in proportion to tension (perceived
        protection under threat), less hedging (ODD §7.1). comm: each government's communication. The array form, for
        notebooks and the tests; the monthly step calls benefit_list, which gives the same numbers."""
        return np.array(self.benefit_list(np.asarray(comm, float).tolist()))

    def benefit_list(self, comm: list[float]) -> list[float]:
        """public_benefit on Python floats."""
        c, g = self.data["citizens"], self.data["government"]
        felt = self.felt_list()
        es = 0.5 * (felt[ECONOMY] + felt[SOCIETY])
        st = 0.5 * (felt[SECURITY] + felt[TECHNOLOGY])
        base, gain, cg = c["benefit_base"], c["benefit_gain"], c["communication_gain"]
        rest = c["security_benefit_gain"] * self.tension * st
        hedge = g["hedge"] * self.tension
        return [min(max(base + gain * (1 + cg * x) * es + rest - hedge, 0.0), 1.0) for x in comm]

    def _share(self, country: int, counts: np.ndarray, n: np.ndarray | None = None) -> float:
        n = self.group_stats["n"] if n is None else n
        rows = slice(2 * country, 2 * country + 2)
        w = self.population.weights(n)[rows]
        return float(w @ (counts[rows] / np.maximum(n[rows], 1)) / max(w.sum(), 1e-12))

    def support(self, country: int) -> float:
        """Share of a country's public (population-weighted) with grievance below the threshold, now."""
        p = self.data["citizens"]
        st = self.population.stats(p["good_threshold"], p["bad_threshold"], p["grievance_threshold"])
        return self._share(country, st["low_grievance"], st["n"])

    def share_now(self, country: int, impression: str) -> float:
        """Share of a country's public (population-weighted) with a 'good' or 'bad' impression of the other, as of
        the last citizen update (what a poll measures, without its sampling noise)."""
        return self._share(country, self.group_stats[impression])

    def acceptance(self, country: int) -> float:
        """Share of a country's public (population-weighted) with trust above the bad threshold
        (as of the last citizen update)."""
        return 1.0 - self._share(country, self.group_stats["bad"])

    def update_means(self) -> None:
        """The group statistics of the citizens as they are now, and each country's population-weighted mean
        trust and grievance and the visits lost to boycotts (Python floats: the same operations in the same
        order as numpy's on these 2- and 4-element arrays, hence the same numbers)."""
        p = self.data["citizens"]
        self.group_sums = self.population.sums(p["good_threshold"], p["bad_threshold"], p["grievance_threshold"])
        counts, trust, _, _, _, grievance, _, e, v = self.group_sums.tolist()
        w = [x if k > 0 else 0.0 for x, k in zip(self.population.group_weight(), counts, strict=True)]
        self.group_weights = np.array(w)
        n = [max(x, 1.0) for x in counts]
        norm_kr, norm_jp = w[0] + w[1], w[2] + w[3]
        self.trust_mean = [(trust[0] / n[0] * w[0] + trust[1] / n[1] * w[1]) / norm_kr,
                           (trust[2] / n[2] * w[2] + trust[3] / n[3] * w[3]) / norm_jp]
        self.grievance_mean = [(grievance[0] / n[0] * w[0] + grievance[1] / n[1] * w[1]) / norm_kr,
                               (grievance[2] / n[2] * w[2] + grievance[3] / n[3] * w[3]) / norm_jp]
        exposure = ((e[0] + e[1]) + e[2]) + e[3]
        self.visit_loss = 1.0 - (((v[0] + v[1]) + v[2]) + v[3]) / exposure if exposure > 0 else 0.0

    @property
    def group_stats(self) -> dict[str, np.ndarray]:
        """The citizens' group sums as of the last update (Population.STAT_NAMES: per group, KR youth, KR public,
        JP youth, JP public)."""
        return dict(zip(Population.STAT_NAMES, self.group_sums, strict=True))

    @group_stats.setter
    def group_stats(self, stats: dict[str, np.ndarray]) -> None:
        self.group_sums = np.array([stats[name] for name in Population.STAT_NAMES], dtype=float)

    def log_event(self, month: int, event: str, actor: str = "none", magnitude: float = float("nan"),
                  issue: str = "", dispute: int = -1, origin: str = "endogenous", detail: str = "") -> None:
        self.events.append({"month": month, "event": event, "actor": actor, "magnitude": magnitude,
                            "issue": issue, "dispute": dispute, "origin": origin, "detail": detail})
        if self.rules is not None:
            self.rules.note(event, actor)

    def _fire(self, s: Shock) -> None:
        self.log_event(s.month, s.kind, s.actor, s.magnitude, s.issue, origin=s.origin)
        shock_mod.apply(self, s)

    def endogenous_shock(self, kind: str, actor: int, magnitude: float, month: int, issue: str = "") -> None:
        self._fire(Shock(month, kind, magnitude, COUNTRIES[actor], issue, origin="endogenous"))

    # ---- one month (ODD §3) ------------------------------------------------------------------------
    def step(self) -> None:
        """One month, in the order of ODD §3: environment and shocks, governments, disputes, citizens, leaders, and
        the record (horizon months only)."""
        live = self.month >= 0 or self.table_start < 0  # the burn-in runs the background regime, or is shock-free
        self.environment(live)
        if self.rules is not None and self.month >= 0:
            self.rules.step(self.month)
        self.government_offers()
        if live:
            self.disputes.step(self.month)
        self.citizen_update()
        self.leaders(live)
        if self.month >= 0:
            self.recorder.record(self.month - self.start_month)
        self.month += 1

    def environment(self, live: bool) -> None:
        """ODD §3 steps 1–2: tension, links taken up at month 0, scheduled changes, shocks and provocations, contact
        and US pressure."""
        t, env = self.month, self.data["environment"]
        if live:
            i = t - self.table_start
            self.tension += env["tension_reversion"] * (env["tension_mean"] - self.tension) \
                + env["tension_noise"] * self._tension_noise[i]
            if t >= 0:
                for dsp_id in self.pending_links:
                    self.disputes.link(self.disputes.items[dsp_id], t)
                self.pending_links = []
                self._apply_changes(t)
            for s in self._by_month.get(t, ()):
                self._fire(s)
            self.provocations(t, i)
            self.tension = min(max(float(self.tension), 0.0), 1.0)
        if t < self.pandemic_until:
            self.contact = min(self.contact, self.contact_cap)
        else:
            self.contact += env["contact_recovery"] * (self.contact_normal - self.contact)
        tr = self.data["travel"]
        if t >= 0 and (tr["until"] < 0 or t <= tr["until"]):
            for c in range(2):
                self.travel_log[c] += tr["trend"][COUNTRIES[c]] / 12
        self.us_pressure = self.us_pressure_fixed if self.us_pressure_fixed is not None \
            else env["us_pressure_gain"] * self.tension

    def government_offers(self) -> None:
        """ODD §3 step 3: win-sets, simultaneous offers (each reacting to its public as of the last citizen update and
        to the other's last offer), realised cooperation, and the reference point outside standoffs."""
        values = self.value_list()
        for gv in self.governments:
            gv.update_winset(self.trust_mean[gv.country], self.grievance_mean[gv.country])
        pen = self.disputes.penalties()
        last = [gv.offered.tolist() for gv in self.governments]
        for gv in self.governments:
            offers = gv.next_offer_list(self.trust_mean[gv.country], values, pen[gv.country], last[1 - gv.country])
            gv.offered = np.array([min(max(x, 0.0), 1.0) for x in offers])
        self.realised = np.minimum(self.governments[0].offered, self.governments[1].offered)
        if not self.disputes.standoff_active():
            self.reference += self.data["disputes"]["reference_rate"] * (self.realised - self.reference)

    def citizen_update(self) -> None:
        """ODD §3 step 5: the citizens' month (trust, grievance, exposure, ties, ageing and turnover) under this month's
        benefits, contact, boycotts, grievance floors, dialogue relief and youth exchange."""
        c = self.data["citizens"]
        benefit = np.array(self.benefit_list([gv.communication() for gv in self.governments]))
        coercive = self.disputes.standoff_active()
        boycott = np.array([gv.levers["boycott"] if coercive else 0.0 for gv in self.governments])
        kr, jp = self.governments
        yx = (kr.levers["youth_exchange"] + jp.levers["youth_exchange"]) / 2
        tie_p = c["tie_rate"] * self.contact * (1 + c["tie_exchange_gain"] * effect(yx))
        tr = self.data["travel"]
        travel = [tr["exposure_gain"] * x for x in self.travel_log]
        youth = [gv.youth_gain() + tr["youth_extra"] * travel[gv.country] for gv in self.governments]
        before = self.population.uid.copy() if self._citizens else None
        self.population.step(self.citizen_rng, benefit, self.contact, boycott, self.disputes.floors(),
                             self.disputes.relief(), np.array(youth), tie_p, np.array(travel))
        if before is not None:
            self._drop_departed(before)
        self.travel_flow = self.trips()

    def trips(self) -> list[float]:
        """Each country's trips to the other this month, relative to month 0 (ODD §7.3): the secular growth,
        times the contact rate relative to normal (pandemics, border rules), cut by the public's boycott."""
        tr, pop = self.data["travel"], self.population
        rel = self.contact / self.contact_normal if self.contact_normal > 0 else 0.0
        out = []
        for c in range(2):
            cut = float(pop.boycott_i[pop.mask(c)].mean())
            out.append(float(np.exp(self.travel_log[c])) * rel * max(0.0, 1.0 - tr["boycott_gain"] * cut))
        return out

    def leaders(self, live: bool) -> None:
        """ODD §3 step 6: opinion aggregates, approval, and leaders who fall after months of low approval."""
        t = self.month
        self.update_means()
        felt = self.felt_cooperation()
        for gv in self.governments:
            gv.step_approval(felt, self.grievance_mean[gv.country])
            if live and gv.may_fall(self.leadership_draws[t - self.table_start, gv.country]):
                gv.replace_leader()
                self.log_event(t, "leader_fell", gv.name, gv.approval, origin="endogenous")

    def adopt(self, country: int, spec: Any = None, levers: dict | None = None) -> None:
        """A country adopts a new strategy (a scheduled change or a new leader's declared policy): the strategy's
        base bundle (or the levers in force) updated by `levers`, and the strategy's rules, which start afresh."""
        gv = self.governments[country]
        name = COUNTRIES[country]
        rules = parse_rules(spec, self.data)[name] if spec else None
        base = self.levers_for(spec, country) if spec else dict(self.rules.base[country] if self.rules else gv.levers)
        base.update(levers or {})
        if self.rules is None and rules:
            self.rules = RuleBook(self, [gv.levers for gv in self.governments], [{}, {}])
        if self.rules is not None:
            self.rules.adopt(country, base, rules)
            gv.set_levers(self.rules.levers(country))
        else:
            gv.set_levers(base)

    def _apply_changes(self, t: int) -> None:
        for ch in self._changes:
            if ch["month"] != t:
                continue
            countries = range(2) if ch.get("country", "both") == "both" else [COUNTRIES.index(ch["country"])]
            for ci in countries:
                self.adopt(ci, ch.get("strategy") or None, ch.get("levers", {}))
            if ch.get("contact_rate", -1) >= 0:
                self.contact_normal = ch["contact_rate"]
            if ch.get("tension", -1) >= 0:
                self.tension = ch["tension"]
            if ch.get("us_pressure", -1) >= 0:
                self.us_pressure_fixed = ch["us_pressure"]
            self.log_event(t, "change", ch.get("country", "both"), origin="scheduled")

    def provocations(self, t: int, i: int) -> None:
        """Each actor provokes with its deterred monthly chance (provocation_chance) at month t (row i of the
        month-keyed tables): a provocation shock on the issue drawn for it (ODD §7.10)."""
        pr = self.data["provocation"]
        delta = self.data["disputes"]["deterrence"]
        for actor in range(2):
            lam = pr["rate"][COUNTRIES[actor]] * pr["scale"]
            if lam <= 0:
                continue
            cred = self.governments[1 - actor].threat_credibility
            u = self.provocation_uniforms[i, actor]
            if u[0] < provocation_chance(lam, delta, cred):
                issues = PROVOCATION_ISSUES[actor]
                issue = issues[min(int(u[2] * len(issues)), len(issues) - 1)]
                self._fire(Shock(t, "provocation", float(self._provocation_magnitude[i, actor]),
                                 COUNTRIES[actor], issue, origin="endogenous"))

    def _initial_disputes(self) -> None:
        """The scenario's disputes at month 0 replace whatever the burn-in left on the same issue."""
        for e in self.data["disputes_initial"]:
            sev = e.get("severity", 0.5)
            aggrieved = COUNTRIES.index(e["aggrieved"])
            old = self.disputes.find(e["issue"], aggrieved)
            dsp = Dispute(len(self.disputes.items) if old is None else old.id, e["issue"], aggrieved, sev, 0,
                          peak=max(sev, old.peak if old else 0.0), status=e.get("status", "open"),
                          support=e.get("support", 0.5), reopenings=old.reopenings if old else 0)
            if old is None:
                self.disputes.items.append(dsp)
            else:
                self.disputes.items[old.id] = dsp
            self.log_event(0, "dispute_initial", e["aggrieved"], sev, e["issue"], dsp.id, origin="scheduled")

    def run(self) -> RelationsModel:
        """Run to the end of the horizon."""
        while self.month < self.end_month:
            self.step()
        return self

    # ---- citizens as Mesa agents ---------------------------------------------------------------
    def citizen(self, slot: int) -> Citizen:
        """The Citizen agent living in a slot (created on first access; same object while it lives)."""
        agent = self._citizens.get(slot)
        if agent is None or not agent.alive:
            if agent is not None:
                agent.remove()
            agent = self._citizens[slot] = Citizen(self, slot)
        return agent

    def citizens(self, country: str | None = None, cohort: str | None = None) -> list[Citizen]:
        """Citizen agents, optionally of one country ('KR'/'JP') and cohort ('youth'/'public')."""
        pop = self.population
        sel = np.ones(pop.n, bool)
        if country is not None:
            sel &= pop.country == COUNTRIES.index(country)
        if cohort is not None:
            sel &= pop.youth if cohort == "youth" else ~pop.youth
        return [self.citizen(int(s)) for s in np.flatnonzero(sel)]

    def _drop_departed(self, before: np.ndarray) -> None:
        for slot in np.flatnonzero(before != self.population.uid):
            agent = self._citizens.pop(int(slot), None)
            if agent is not None:
                agent.remove()

    # ---- warm start -----------------------------------------------------------------------------
    def save_state(self) -> dict:
        """Everything needed to continue this run exactly (pickle-able)."""
        self.recorder.flush()  # the polls of the months recorded so far are drawn before the generator is saved
        pop = self.population
        arrays = {k: getattr(pop, k).copy() for k in STATE_ARRAYS}
        return {
            "version": STATE_VERSION, "month": self.month, "scenario_hash": self.scenario.content_hash,
            "phase": "horizon" if self.horizon_started else "burn_in",
            "strategy_levers": self.strategy, "strategy_rules": self.strategy_rules,
            "rules": self.rules.state() if self.rules is not None else None,
            "population": arrays, "next_uid": pop.next_uid,
            "governments": [{"offered": gv.offered.copy(), "approval": gv.approval, "winset": gv.winset,
                             "months_below": gv.months_below, "leader": gv.leader,
                             "credibility": gv.credibility, "levers": copy.deepcopy(gv.levers)}
                            for gv in self.governments],
            "disputes": self.disputes.state(), "pending_links": list(self.pending_links),
            "env": {"tension": self.tension, "contact": self.contact, "contact_normal": self.contact_normal,
                    "contact_cap": self.contact_cap, "pandemic_until": self.pandemic_until,
                    "us_pressure_fixed": self.us_pressure_fixed, "travel_log": list(self.travel_log)},
            "realised": self.realised.copy(), "reference": self.reference.copy(),
            "rng": {"citizens": self.citizen_rng.bit_generator.state, "poll": self.poll_rng.bit_generator.state},
        }

    def _restore(self, state: dict) -> None:
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise StateError(f"saved state has version {state.get('version')!r}; this model reads "
                             f"version {STATE_VERSION}")
        pop = self.population
        if state["population"]["trust"].shape != pop.trust.shape:
            raise StateError("saved state has a different population size than the scenario "
                             f"({state['population']['trust'].shape[0]} vs {pop.trust.shape[0]} citizens)")
        for k in STATE_ARRAYS:  # the network's edges never change: shared, not copied
            setattr(pop, k, state["population"][k] if k in NETWORK_ARRAYS else state["population"][k].copy())
        pop.next_uid = state["next_uid"]
        pop.restored()
        for gv, s in zip(self.governments, state["governments"], strict=False):
            gv.offered, gv.approval, gv.winset = s["offered"].copy(), s["approval"], s["winset"]
            gv.months_below, gv.leader, gv.credibility = s["months_below"], s["leader"], s["credibility"]
            # the same strategy continues with the levers in force (scheduled changes kept);
            # a different strategy starts afresh with its own levers
            # (at the end of the burn-in: the burn-in's levers, until the horizon starts)
            same = state.get("strategy_levers") == self.strategy or state.get("phase") == "burn_in"
            gv.set_levers(s["levers"] if same else self.strategy[gv.name])
        same = state.get("strategy_levers") == self.strategy and state.get("strategy_rules") == self.strategy_rules
        if state.get("phase", "horizon") == "horizon" and same and state.get("rules"):
            self.rules = RuleBook(self, [self.strategy[c] for c in COUNTRIES], [{}, {}])
            self.rules.restore(state["rules"])  # the rules in force, scheduled changes and new leaders included
        elif state.get("phase", "horizon") == "horizon" and any(self.strategy_rules.values()):
            self.rules = RuleBook(self, [self.strategy[c] for c in COUNTRIES],
                                  [self.strategy_rules[c] for c in COUNTRIES])
        self.disputes.restore(state["disputes"])
        self.pending_links = list(state.get("pending_links", []))
        env = state["env"]
        self.tension, self.contact, self.contact_normal = env["tension"], env["contact"], env["contact_normal"]
        self.contact_cap, self.pandemic_until = env["contact_cap"], env["pandemic_until"]
        self.us_pressure_fixed = env["us_pressure_fixed"]
        self.travel_log = list(env.get("travel_log", [0.0, 0.0]))  # states saved before travel: no growth yet
        self.realised, self.reference = state["realised"].copy(), state["reference"].copy()
        self.citizen_rng.bit_generator.state = state["rng"]["citizens"]
        self.poll_rng.bit_generator.state = state["rng"]["poll"]
        self.month = state["month"]
