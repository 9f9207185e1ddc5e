"""Disputes: one shared list, linkage, back-down hazards, packages, fading, reopening (docs/ODD.md §7.7–§7.9).

Issue linkage after Tollison & Willett (1979) and McGinnis (1986); audience costs after Fearon (1994).
Every draw comes from a month-keyed table of the `disputes` stream keyed by (aggrieved country, issue),
never by creation order, so a dispute that exists under one strategy only shifts no other draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents import logistic
from sim.model.streams import table_rows
from sim.params import COUNTRIES, FIELDS, ISSUES

if TYPE_CHECKING:
    from sim.model.model import RelationsModel

CONCEDE, LINKER_BACKS_DOWN, PACKAGE, REOPEN = range(4)


@dataclass
class Dispute:
    """A history dispute between the two countries."""

    id: int
    issue: str
    aggrieved: int
    severity: float
    opened: int
    peak: float = 0.0
    status: str = "open"              # open | settled | closed
    linker: int | None = None         # country that linked it
    mode: str | None = None           # coercive | package
    counter: bool = False             # the target counter-linked (coercive)
    standoff: bool = False            # an active coercive standoff
    standoff_start: int = 0
    fields: list[int] = field(default_factory=list)
    linker_backed_down: bool = False
    support: float = 0.5
    reopenings: int = 0
    history: list[tuple[int, str]] = field(default_factory=list)

    @property
    def target(self) -> int:
        return 1 - self.aggrieved

    def as_dict(self) -> dict:
        return {"id": self.id, "issue": self.issue, "aggrieved": COUNTRIES[self.aggrieved],
                "severity": self.severity, "status": self.status,
                "linker": None if self.linker is None else COUNTRIES[self.linker], "mode": self.mode,
                "standoff": self.standoff, "support": self.support, "reopenings": self.reopenings}


class DisputeBook:
    """The shared list of disputes and the monthly rules that move them."""

    def __init__(self, model: RelationsModel) -> None:
        self.model = model
        self.p = model.data["disputes"]
        self.items: list[Dispute] = []
        self._tables: dict[tuple[int, int], list[list[float]]] = {}

    # ---- queries ------------------------------------------------------------------------------
    def open(self) -> list[Dispute]:
        return [d for d in self.items if d.status == "open"]

    def find(self, issue: str, aggrieved: int) -> Dispute | None:
        for d in self.items:
            if d.issue == issue and d.aggrieved == aggrieved:
                return d
        return None

    def standoff_active(self) -> bool:
        return any(d.standoff for d in self.items if d.status == "open")

    def floors(self) -> np.ndarray:
        """Grievance floor per country: g_floor times the severity of its worst open grievance."""
        out = np.zeros(2)
        for d in self.items:
            if d.status == "open":
                out[d.aggrieved] = max(out[d.aggrieved], self.p["g_floor"] * d.severity)
        return out

    def dialogue(self) -> float:
        """Dialogue acting on a dispute: the mean of both governments' dialogue levers."""
        kr, jp = self.model.governments
        return (kr.levers["dialogue"] + jp.levers["dialogue"]) / 2

    def relief(self) -> np.ndarray:
        """Monthly grievance relief per country from dialogue on its open, non-standoff disputes."""
        out = np.zeros(2)
        rate = self.p["grievance_dialogue"] * self.dialogue()
        for d in self.items:
            if d.status == "open" and not d.standoff:
                out[d.aggrieved] = rate
        return out

    def penalty(self, country: int) -> np.ndarray:
        """Logit penalty on a country's offers per field: L * (1 - exp(-sum w * severity))."""
        return np.array(self.penalties()[country])

    def penalties(self) -> list[list[float]]:
        """penalty() of both countries (KR, JP) as Python floats."""
        open_now = [d for d in self.items if d.status == "open"]
        if not open_now:
            return [[0.0] * len(FIELDS), [0.0] * len(FIELDS)]
        out = []
        for country, gov in enumerate(self.model.governments):
            spill = gov.levers["spillover"]
            a = b = c = e = 0.0  # the load of each field
            for d in open_now:
                sev = d.severity
                if d.standoff and (country == d.linker or d.counter):
                    w = [1.0 if f in d.fields else spill for f in range(len(FIELDS))]
                    a, b, c, e = a + w[0] * sev, b + w[1] * sev, c + w[2] * sev, e + w[3] * sev
                else:
                    x = spill * sev
                    a, b, c, e = a + x, b + x, c + x, e + x
            lev = gov.levers["leverage_gain"]
            out.append([lev * (1.0 - x) for x in np.exp(np.array([-a, -b, -c, -e])).tolist()])
        return out

    def draw(self, d: Dispute, month: int, col: int) -> float:
        """The uniform draw of column `col` (REOPEN, PACKAGE, CONCEDE, LINKER_BACKS_DOWN) of a dispute in a month: keyed
        by the aggrieved country, the issue and the month, so both strategies of a pair draw the same (ODD §7.12)."""
        key = (d.aggrieved, ISSUES.index(d.issue))
        if key not in self._tables:
            m = self.model
            self._tables[key] = table_rows(m.seed, "disputes", m.table_start, m.end_month - m.table_start, 4, key)
        return self._tables[key][month - self.model.table_start][col]

    def seed_history(self, keys: list[tuple[str, int]]) -> None:
        """Before the burn-in: every issue the background regime can raise has a past (closed, with a peak
        of `history_peak`), so reopenings run at their steady rate from the start (ODD §7.9)."""
        for issue, aggrieved in keys:
            if self.find(issue, aggrieved) is None:
                peak = self.p["history_peak"]
                self.items.append(Dispute(len(self.items), issue, aggrieved, 0.0, self.model.month, peak=peak,
                                          status="closed"))

    # ---- events -------------------------------------------------------------------------------
    def open_or_escalate(self, issue: str, aggrieved: int, severity: float, month: int) -> Dispute:
        """A shock opens a dispute, escalates an open one, or reopens a settled or closed one."""
        d = self.find(issue, aggrieved)
        if d is None:
            d = Dispute(len(self.items), issue, aggrieved, min(severity, 1.0), month, peak=min(severity, 1.0))
            self.items.append(d)
            self._log(d, "dispute_opened", month)
        elif d.status == "open":
            d.severity += self.p["escalation"] * severity * (1.0 - d.severity)
            self._log(d, "dispute_escalated", month)
        else:
            self._reopen(d, month, max(severity, self.p["reopen_severity"] * d.peak))
            return d
        d.peak = max(d.peak, d.severity)
        self.link(d, month)
        return d

    def _reopen(self, d: Dispute, month: int, severity: float) -> None:
        d.status, d.severity, d.opened = "open", min(severity, 1.0), month
        d.peak = max(d.peak, d.severity)
        d.reopenings += 1
        d.linker, d.mode, d.standoff, d.counter, d.linker_backed_down = None, None, False, False, False
        self._log(d, "dispute_reopened", month)
        self.link(d, month)

    def link(self, d: Dispute, month: int) -> None:
        """The aggrieved side links a (re)opened or escalated dispute if its linkage mode says so."""
        if d.standoff:
            return
        govs = self.model.governments
        mode = govs[d.aggrieved].levers["linkage_mode"]
        if mode == "none" or (mode == "package" and d.mode == "package"):
            return
        if mode == "coercive" and d.severity < self.p["link_threshold"]:
            return
        d.linker, d.mode, d.linker_backed_down = d.aggrieved, mode, False
        if mode == "package":
            self._log(d, "package_proposed", month)
            return
        d.standoff, d.standoff_start = True, month
        d.fields = govs[d.aggrieved].linked_idx.tolist()
        d.counter = govs[d.target].levers["linkage_mode"] == "coercive"
        self._log(d, "dispute_linked", month)
        self.model.endogenous_shock("trade_coercion", d.aggrieved, self.p["coercion_trust_hit"], month, d.issue)
        if d.counter:
            self._log(d, "counter_linked", month)
        for c in (d.aggrieved, d.target):
            if govs[c].levers["boycott"] > 0:
                self.model.log_event(month, "boycott", actor=COUNTRIES[c], magnitude=govs[c].levers["boycott"],
                                     issue=d.issue, dispute=d.id, origin="endogenous")

    def _end(self, d: Dispute, status: str, month: int) -> None:
        """Settle or close."""
        d.status, d.standoff = status, False
        self._log(d, f"dispute_{status}", month)

    def settle(self, d: Dispute, month: int, conceded_by: int | None = None) -> None:
        """Settlement: grievance relief for the aggrieved public and support recorded. An agreed
        settlement (package, agreement) raises both publics' trust; a settlement forced by coercion
        raises only the winner's, and the conceding public resents it (trust hit)."""
        m = self.model
        d.support = m.support(d.aggrieved)
        rows = m.population.mask(d.aggrieved)
        m.population.grievance[rows] *= 1.0 - self.p["settle_relief"]
        self._end(d, "settled", month)
        bonus = self.p["settle_trust_bonus"]
        if conceded_by is None:
            m.population.shock_trust(m.population.mask(None), bonus, positive=True)
        else:
            m.population.shock_trust(m.population.mask(1 - conceded_by), bonus, positive=True)
            m.population.shock_trust(m.population.mask(conceded_by), self.p["concession_resentment"],
                                     positive=False)

    # ---- monthly rules --------------------------------------------------------------------------
    def step(self, month: int) -> None:
        m, p = self.model, self.p
        dialogue = self.dialogue()
        for d in list(self.items):
            if d.status != "open":
                chance = p["reopen_settled"] * (1 - d.support) if d.status == "settled" else p["reopen_closed"]
                if self.draw(d, month, REOPEN) < chance:
                    self._reopen(d, month, p["reopen_severity"] * d.peak)
                continue
            if d.standoff:
                self._standoff_month(d, month)
                continue  # no fading while a standoff lasts
            if d.mode == "package":
                level = min(m.support(d.aggrieved), m.acceptance(d.target))
                chance = p["package_rate"] * logistic(p["package_k"] * (level - p["package_smin"]))
                if self.draw(d, month, PACKAGE) < chance:
                    self._log(d, "package_agreed", month)
                    self.settle(d, month)
                    continue
            d.severity -= (p["fade"] + dialogue) * d.severity
            if d.severity < p["close_floor"]:
                self._end(d, "closed", month)

    def _standoff_month(self, d: Dispute, month: int) -> None:
        """One month of a coercive standoff: the target may concede, the linker may back down. If both
        would in the same month, the one whose uniform falls earlier relative to its hazard (its arrival
        time within the month, for constant hazards) goes first, so neither side is favoured by the order."""
        govs, cost = self.model.governments, self.model.data["government"]["backdown_cost"]
        t = month - d.standoff_start
        h_target, h_linker = self.hazard(d.target, t, d), self.hazard(d.linker, t, d)
        u_target, u_linker = self.draw(d, month, CONCEDE), self.draw(d, month, LINKER_BACKS_DOWN)
        concede, back = u_target < h_target, u_linker < h_linker
        if concede and back:
            concede = u_target / h_target <= u_linker / h_linker
        if concede:
            govs[d.target].approval = max(0.0, govs[d.target].approval - cost)
            govs[d.linker].standoff_outcome(held=True)
            self._log(d, "target_conceded", month)
            self.settle(d, month, conceded_by=d.target)
        elif back:
            govs[d.linker].approval = max(0.0, govs[d.linker].approval - cost)
            govs[d.linker].standoff_outcome(held=False)
            d.standoff, d.linker_backed_down = False, True
            self._log(d, "linker_backed_down", month)

    def hazard(self, country: int, months: int, d: Dispute) -> float:
        """Monthly back-down hazard of one side of a standoff. US pressure falls on the side(s) that brought
        cooperation into the dispute — the linker, and a counter-linking target (ODD §7.9)."""
        p, gov, m = self.p, self.model.governments[country], self.model
        audience = 1.0 - np.exp(-gov.levers["audience_cost_rate"] * months)
        escalator = country == d.linker or d.counter
        x = (p["loss_weight"] * m.own_loss(country) - p["audience_weight"] * audience
             + p["pressure_weight"] * m.us_pressure * escalator + p["hazard_bias"])
        return float(p["hazard_min"] + (p["hazard_max"] - p["hazard_min"]) * logistic(x))

    def _log(self, d: Dispute, event: str, month: int) -> None:
        d.history.append((month, event))
        self.model.log_event(month, event, actor=COUNTRIES[d.aggrieved], magnitude=d.severity, issue=d.issue,
                             dispute=d.id, origin="endogenous")

    # ---- warm start -------------------------------------------------------------------------
    def state(self) -> list[dict]:
        return [vars(d).copy() for d in self.items]

    def restore(self, items: list[dict]) -> None:
        self.items = [Dispute(**{k: (list(v) if isinstance(v, list) else v) for k, v in it.items()})
                      for it in items]
