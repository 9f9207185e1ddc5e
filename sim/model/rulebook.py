"""The rules of adaptive strategies at work in one run (ODD §3 step 2b): what each government observes (Observer,
the signals of sim.config.rules.SIGNALS read from the model), which rules are active, the moves of the other side
counted per rule point, and the lever switches logged as events. The language of rules (parsing, checking,
compiling conditions) is sim.config.rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.config.rules import INF, MOVES, compile_rules
from sim.model.streams import monthly_table
from sim.params import COUNTRIES

if TYPE_CHECKING:
    from sim.model.model import RelationsModel


class Observer:
    """What one country's government observes this month (signals read on demand)."""

    def __init__(self, book: RuleBook, country: int) -> None:
        self.book, self.c = book, country

    def get(self, name: str) -> Any:
        m, c = self.book.model, self.c
        if name == "month":
            return m.month - m.start_month
        if name == "tension":
            return m.tension
        if name == "approval":
            return m.governments[c].approval
        if name in ("open_disputes", "severity", "own_severity"):
            open_ = [d for d in m.disputes.items if d.status == "open"]
            if name == "open_disputes":
                return len(open_)
            mine = open_ if name == "severity" else [d for d in open_ if d.aggrieved == c]
            return max((d.severity for d in mine), default=0.0)
        if name == "standoff":
            return 1.0 if m.disputes.standoff_active() else 0.0
        if name in ("good", "bad", "other_good", "other_bad"):
            who = c if not name.startswith("other") else 1 - c
            return m.share_now(who, name.removeprefix("other_"))
        if name == "calm_months":
            return self.book.calm[c]
        if name == "linkage":
            return m.governments[c].levers["linkage_mode"]
        if name == "other_linkage":
            return m.governments[1 - c].levers["linkage_mode"]
        raise KeyError(name)  # pragma: no cover - names are checked when compiled

    def window(self, name: str, months: int) -> int:
        other = 1 - self.c
        kinds = {"provocations": ("provocation",), "coercion": ("trade_coercion",), "defections": MOVES}[name]
        return sum(sum(self.book.history[k][other][-months:]) for k in kinds)


class RuleBook:
    """Both countries' rules at work in one run: base bundles, active rules, the moves observed, the switches."""

    def __init__(self, model: RelationsModel, base: list[dict], specs: list[dict[str, dict]]) -> None:
        """base: each country's base bundle; specs: each country's rules (normalise_rules)."""
        self.model, self.base = model, [dict(b) for b in base]
        self.specs = [dict(s) for s in specs]
        self.rules = [compile_rules(s) for s in self.specs]
        self.active: list[dict[str, float]] = [{}, {}]  # rule name -> last month it is active (inf: open-ended)
        self.pending = {k: [0, 0] for k in MOVES}  # moves by each country since the last rule point
        self.history: dict[str, list[list[int]]] = {k: [[], []] for k in MOVES}
        self.calm = [0, 0]
        self._draws = None

    def adopt(self, country: int, base: dict, specs: dict[str, dict] | None = None) -> None:
        """A new base bundle, and new rules if given, for one country (a scheduled change or a new leader's
        policy); new rules start afresh."""
        self.base[country] = dict(base)
        if specs is not None:
            self.specs[country], self.rules[country] = dict(specs), compile_rules(specs)
            self.active[country] = {}
            self._draws = None

    def note(self, event: str, actor: str) -> None:
        """Count a move (a provocation or coercion) by a country, from the event log."""
        if event in self.pending and actor in COUNTRIES:
            self.pending[event][COUNTRIES.index(actor)] += 1

    def chance_draw(self, country: int, order: int) -> float:
        m = self.model
        if self._draws is None:
            width = max(16, 1 + max((r.order for rs in self.rules for r in rs), default=0))
            self._draws = [monthly_table(m.seed, "rules", m.start_month, m.end_month - m.start_month, width, c)
                           for c in range(2)]
        return float(self._draws[country][m.month - m.start_month, order])

    def step(self, month: int) -> None:
        """The rule point of a month: close the window of moves, evaluate both countries' rules on the same
        observations, then switch levers (and take up open disputes when a switch starts a linkage)."""
        m = self.model
        standoff = m.disputes.standoff_active()
        for k in MOVES:
            for c in range(2):
                self.history[k][c].append(self.pending[k][c])
                self.pending[k][c] = 0
        for c in range(2):
            moved = sum(self.history[k][1 - c][-1] for k in MOVES)
            self.calm[c] = self.calm[c] + 1 if not moved and not standoff else 0
        changes = [self.evaluate(c, month) for c in range(2)]
        takes = [self.switch(c, on, off, month) for c, (on, off) in enumerate(changes)]
        for c, take in enumerate(takes):
            if take:
                for d in m.disputes.open():
                    if d.aggrieved == c:
                        m.disputes.link(d, month)

    def evaluate(self, c: int, month: int) -> tuple[list[str], list[str]]:
        """Rules of country c that start and end this month."""
        obs, active, on, off = Observer(self, c), self.active[c], [], []
        for r in self.rules[c]:
            was = r.name in active
            if r.until is not None and was:
                if r.until.fn(obs):
                    del active[r.name]
                    off.append(r.name)
                continue
            holds = r.when.fn(obs) and (r.chance >= 1.0 or self.chance_draw(c, r.order) < r.chance)
            if holds:
                active[r.name] = INF if r.months is None else month + r.months - 1
                if not was:
                    on.append(r.name)
            elif was and (r.months is None or month > active[r.name]):
                del active[r.name]
                off.append(r.name)
        return on, off

    def levers(self, c: int) -> dict:
        """The base bundle overlaid by the active rules, lowest priority first (the highest wins), then the
        scenario-wide `levers`."""
        out = dict(self.base[c])
        for r in reversed(self.rules[c]):
            if r.name in self.active[c]:
                out.update(r.levers)
        out.update(self.model.data["levers"])  # scenario-wide levers apply on top of every strategy
        return out

    def switch(self, c: int, on: list[str], off: list[str], month: int) -> bool:
        """Adopt the levers of the active rules and log each rule that fired or ended; True if a linkage began."""
        if not on and not off:
            return False
        gv = self.model.governments[c]
        before = dict(gv.levers)
        gv.set_levers(self.levers(c))
        diff = "; ".join(f"{k} {_show(before[k])} -> {_show(gv.levers[k])}" for k in gv.levers
                         if before[k] != gv.levers[k]) or "no lever changed"
        for name, state in [(n, 1.0) for n in on] + [(n, 0.0) for n in off]:
            self.model.log_event(month, "strategy_switch", COUNTRIES[c], state, name, origin="rule",
                                 detail=f"{name} {'fired' if state else 'ended'}: {diff}")
        return before["linkage_mode"] != gv.levers["linkage_mode"] and gv.levers["linkage_mode"] != "none"

    def state(self) -> dict:
        return {"active": [dict(a) for a in self.active], "pending": {k: list(v) for k, v in self.pending.items()},
                "history": {k: [list(h) for h in v] for k, v in self.history.items()}, "calm": list(self.calm),
                "base": [dict(b) for b in self.base], "specs": [dict(s) for s in self.specs]}

    def restore(self, state: dict) -> None:
        self.active = [dict(a) for a in state["active"]]
        self.pending = {k: list(v) for k, v in state["pending"].items()}
        self.history = {k: [list(h) for h in v] for k, v in state["history"].items()}
        self.calm, self.base = list(state["calm"]), [dict(b) for b in state["base"]]
        self.specs = [dict(s) for s in state["specs"]]
        self.rules = [compile_rules(s) for s in self.specs]
        self._draws = None


def _show(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        return "+".join(map(str, v)) or "none"
    return str(v)
