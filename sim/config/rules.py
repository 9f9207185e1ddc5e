"""Adaptive strategies: rules that switch a government's levers when what it observes meets a condition.

A rule-based strategy is a base lever bundle plus named rules (docs/scenarios.md, "Adaptive strategies"), in the
spirit of dynamic adaptive policy pathways (signposts and triggers; Haasnoot et al. 2013) and of the conditional
strategies of the repeated prisoner's dilemma (tit-for-tat, Axelrod 1984; generous tit-for-tat, Nowak & Sigmund
1992). Each month, after the environment and before the governments' offers (ODD §3 step 2b), every rule of both
countries is evaluated on the same observations; the levers in force are the base bundle overlaid by the active
rules in priority order. Conditions are small expressions over SIGNALS, parsed with Python's `ast` against a
whitelist (never evaluated as code).

This module is the rule *language* (signals, conditions, rules, notes on rules that cannot fire): it reads files'
values and never a model. The rules at work in a run (what a government observes, which rules are active) are
sim.model.rulebook.
"""

from __future__ import annotations

import ast
import difflib
import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from sim.errors import RuleError, StrategyError
from sim.params import LEVERS, LINKAGE_MODES, check_lever

MAX_WINDOW = 1200  # months of a window signal
MAX_EXPRESSION = 500  # characters of a condition
INF = math.inf


@dataclass(frozen=True)
class Signal:
    """Something a government observes: a number in [lo, hi], a linkage mode, or a count over the last N months."""

    kind: str  # number | mode | window
    lo: float
    hi: float
    doc: str


SIGNALS: dict[str, Signal] = {
    "month": Signal("number", 0, INF, "months since the start of the horizon (0 in the first month)"),
    "tension": Signal("number", 0, 1, "US-China tension now"),
    "approval": Signal("number", 0, 1, "this government's approval (as of last month)"),
    "open_disputes": Signal("number", 0, INF, "number of open disputes (either side aggrieved)"),
    "severity": Signal("number", 0, 1, "highest severity among open disputes (0 if none)"),
    "own_severity": Signal("number", 0, 1, "highest severity among open disputes in which this country is "
                           "aggrieved (0 if none)"),
    "standoff": Signal("number", 0, 1, "1 while a coercive standoff is active, else 0"),
    "good": Signal("number", 0, 1, "share of this country's public with a good impression of the other (what the "
                   "latest poll measures, without its sampling noise)"),
    "bad": Signal("number", 0, 1, "share of this country's public with a bad impression of the other"),
    "other_good": Signal("number", 0, 1, "share of the other country's public with a good impression"),
    "other_bad": Signal("number", 0, 1, "share of the other country's public with a bad impression"),
    "calm_months": Signal("number", 0, INF, "months in a row, up to now, in which the other side neither "
                          "provoked nor coerced and no standoff was active"),
    "linkage": Signal("mode", 0, 0, "this country's linkage mode in force: " + ", ".join(LINKAGE_MODES)),
    "other_linkage": Signal("mode", 0, 0, "the other side's linkage mode in force: " + ", ".join(LINKAGE_MODES)),
    "provocations": Signal("window", 0, INF, "provocations(N): provocations by the other side in the last N "
                           "months"),
    "coercion": Signal("window", 0, INF, "coercion(N): trade coercion imposed by the other side in the last N "
                       "months (each coercive linkage imposes one)"),
    "defections": Signal("window", 0, INF, "defections(N): provocations plus coercion by the other side in the "
                         "last N months (the other side's moves)"),
}
"""What a rule may read (the rule's own country is "this country"). "The last N months" are the moves logged since
the rule point N months ago: N = 1 is what happened since last month's rules were evaluated."""

CONSTANTS = {"true": True, "false": False, "True": True, "False": False}
RULE_FIELDS = ("when", "use", "for", "until", "priority", "chance", "with")
MOVES = ("provocation", "trade_coercion")


# ---- conditions ------------------------------------------------------------------------------
class Observations(Protocol):
    """What a compiled condition reads: a signal now, or a count over a window (sim.model.rulebook.Observer in a
    run)."""

    def get(self, name: str) -> Any: ...

    def window(self, name: str, months: int) -> int: ...


Fn = Callable[[Observations], Any]


@dataclass(frozen=True)
class Node:
    """A compiled piece of a condition: its function, type (number | bool | mode) and possible range."""

    fn: Fn
    kind: str
    lo: float = -INF
    hi: float = INF
    modes: tuple = ()


_COMPARE = {ast.Lt: (lambda a, b: a < b), ast.LtE: (lambda a, b: a <= b), ast.Gt: (lambda a, b: a > b),
            ast.GtE: (lambda a, b: a >= b), ast.Eq: (lambda a, b: a == b), ast.NotEq: (lambda a, b: a != b)}
_ARITH = {ast.Add: (lambda a, b: a + b), ast.Sub: (lambda a, b: a - b), ast.Mult: (lambda a, b: a * b)}


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Compiler:
    """Turns a condition's text into a Node, checking every name, call and type (RuleError otherwise)."""

    def __init__(self, text: Any, values: dict[str, float], field: str) -> None:
        self.text, self.values, self.field = text, values, field

    def fail(self, problem: str, allowed: str = "") -> None:
        raise RuleError(problem, (self.field,), self.text, allowed)

    def compile(self) -> Node:
        text = self.text
        if isinstance(text, bool):
            return Node(lambda o, v=text: v, "bool", float(text), float(text))
        if not isinstance(text, str) or not text.strip():
            self.fail("a condition is an expression over the signals", "e.g. provocations(12) >= 1")
        if len(text) > MAX_EXPRESSION or "\x00" in text:
            self.fail(f"a condition of at most {MAX_EXPRESSION} characters")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as e:
            self.fail(f"not a condition ({e.msg} at character {e.offset})",
                      "comparisons (< <= > >= == !=), and, or, not, + - *, numbers, signals")
        node = self.node(tree.body)
        if node.kind == "mode":
            self.fail("a linkage mode is compared with a mode, e.g. other_linkage == 'coercive'")
        return node

    def node(self, e: ast.AST) -> Node:  # noqa: C901 - one case per kind of expression
        if isinstance(e, ast.Constant):
            v = e.value
            if isinstance(v, bool):
                return Node(lambda o, v=v: v, "bool", float(v), float(v))
            if isinstance(v, (int, float)):
                return Node(lambda o, v=v: v, "number", float(v), float(v))
            if isinstance(v, str):
                if v not in LINKAGE_MODES:
                    self.fail(f"unknown linkage mode {v!r}{_did_you_mean(v, list(LINKAGE_MODES))}",
                              ", ".join(LINKAGE_MODES))
                return Node(lambda o, v=v: v, "mode", modes=(v,))
            self.fail(f"{v!r} is not a number, a mode or true/false")
        if isinstance(e, ast.Name):
            return self.name(e.id)
        if isinstance(e, ast.Call):
            return self.call(e)
        if isinstance(e, ast.BoolOp):
            parts = [self.truth(self.node(v)) for v in e.values]
            fns = [p.fn for p in parts]
            if isinstance(e.op, ast.And):
                return Node(lambda o: all(f(o) for f in fns), "bool", min(p.lo for p in parts),
                            min(p.hi for p in parts))
            return Node(lambda o: any(f(o) for f in fns), "bool", max(p.lo for p in parts), max(p.hi for p in parts))
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            p = self.truth(self.node(e.operand))
            return Node(lambda o, f=p.fn: not f(o), "bool", 1.0 - p.hi, 1.0 - p.lo)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
            p = self.number(self.node(e.operand))
            return Node(lambda o, f=p.fn: -f(o), "number", -p.hi, -p.lo)
        if isinstance(e, ast.BinOp) and type(e.op) in _ARITH:
            a, b = self.number(self.node(e.left)), self.number(self.node(e.right))
            op = _ARITH[type(e.op)]
            ends = [op(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi) if not (math.isinf(x) and y == 0)
                    and not (math.isinf(y) and x == 0)] or [-INF, INF]
            return Node(lambda o, f=a.fn, g=b.fn: op(f(o), g(o)), "number", min(ends), max(ends))
        if isinstance(e, ast.Compare):
            return self.compare(e)
        self.fail(f"{type(e).__name__.lower()} is not allowed in a condition",
                  "comparisons (< <= > >= == !=), and, or, not, + - *, numbers, signals")
        raise AssertionError  # unreachable

    def name(self, name: str) -> Node:
        if name in CONSTANTS:
            v = CONSTANTS[name]
            return Node(lambda o, v=v: v, "bool", float(v), float(v))
        if name in self.values:
            v = self.values[name]
            return Node(lambda o, v=v: v, "number", float(v), float(v))
        sig = SIGNALS.get(name)
        if sig is None:
            known = sorted(SIGNALS) + sorted(self.values)
            self.fail(f"unknown signal {name!r}{_did_you_mean(name, known)}", ", ".join(known))
        if sig.kind == "window":
            self.fail(f"{name} counts over a window: write {name}(N) for the last N months")
        if sig.kind == "mode":
            return Node(lambda o, n=name: o.get(n), "mode", modes=LINKAGE_MODES)
        return Node(lambda o, n=name: o.get(n), "number", sig.lo, sig.hi)

    def call(self, e: ast.Call) -> Node:
        fname = e.func.id if isinstance(e.func, ast.Name) else None
        sig = SIGNALS.get(fname or "")
        if sig is None or sig.kind != "window":
            windows = sorted(k for k, s in SIGNALS.items() if s.kind == "window")
            self.fail(f"unknown window signal {fname!r}{_did_you_mean(str(fname), windows)}", ", ".join(windows))
        if e.keywords or len(e.args) != 1:
            self.fail(f"{fname} takes one number of months, e.g. {fname}(12)")
        arg = e.args[0]
        n = arg.value if isinstance(arg, ast.Constant) else self.values.get(arg.id) \
            if isinstance(arg, ast.Name) else None
        if isinstance(n, float) and n.is_integer():
            n = int(n)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_WINDOW:
            self.fail(f"{fname}(N) needs a whole number of months N", f"1 to {MAX_WINDOW}, or a name from `with`")
        return Node(lambda o, s=fname, k=n: o.window(s, k), "number", 0.0, INF)

    def compare(self, e: ast.Compare) -> Node:
        items = [self.node(e.left)] + [self.node(c) for c in e.comparators]
        steps = []
        lo, hi = 1.0, 1.0
        for op, a, b in zip(e.ops, items[:-1], items[1:], strict=True):
            if type(op) not in _COMPARE:
                self.fail(f"{type(op).__name__} is not allowed", "< <= > >= == !=")
            f = _COMPARE[type(op)]
            if "mode" in (a.kind, b.kind):
                if a.kind != b.kind or not isinstance(op, (ast.Eq, ast.NotEq)):
                    self.fail("a linkage mode is compared (== or !=) with a mode in quotes",
                              ", ".join(repr(m) for m in LINKAGE_MODES))
                both = set(a.modes) & set(b.modes)
                sure_eq = len(a.modes) == len(b.modes) == 1 and both
                t = (1.0 if sure_eq else 0.0, 1.0 if both else 0.0)
                if isinstance(op, ast.NotEq):
                    t = (1.0 - t[1], 1.0 - t[0])
            else:
                a, b = self.number(a), self.number(b)
                t = (1.0 if _certain(op, a, b) else 0.0, 1.0 if _possible(op, a, b) else 0.0)
            lo, hi = min(lo, t[0]), min(hi, t[1])
            steps.append((f, a.fn, b.fn))

        def fn(o: Observations) -> bool:
            return all(f(x(o), y(o)) for f, x, y in steps)

        return Node(fn, "bool", lo, hi)

    def truth(self, n: Node) -> Node:
        if n.kind == "mode":
            self.fail("a linkage mode is compared with a mode, e.g. other_linkage == 'coercive'")
        if n.kind == "number":  # a number counts as true when it is not 0
            return Node(lambda o, f=n.fn: bool(f(o)), "bool", 0.0 if n.lo <= 0 <= n.hi else 1.0,
                        0.0 if n.lo == n.hi == 0 else 1.0)
        return n

    def number(self, n: Node) -> Node:
        if n.kind == "mode":
            self.fail("a linkage mode is compared (== or !=) with a mode in quotes, not used as a number")
        if n.kind == "bool":
            return Node(lambda o, f=n.fn: float(f(o)), "number", n.lo, n.hi)
        return n


def _certain(op: ast.cmpop, a: Node, b: Node) -> bool:
    """Whether `a op b` holds for every value in their ranges."""
    if isinstance(op, ast.Eq):
        return a.lo == a.hi == b.lo == b.hi
    if isinstance(op, ast.NotEq):
        return a.hi < b.lo or b.hi < a.lo
    f = _COMPARE[type(op)]
    return all(f(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi))


def _possible(op: ast.cmpop, a: Node, b: Node) -> bool:
    """Whether `a op b` can hold for some values in their ranges."""
    if isinstance(op, (ast.Lt,)):
        return a.lo < b.hi
    if isinstance(op, ast.LtE):
        return a.lo <= b.hi
    if isinstance(op, ast.Gt):
        return a.hi > b.lo
    if isinstance(op, ast.GtE):
        return a.hi >= b.lo
    if isinstance(op, ast.Eq):
        return a.lo <= b.hi and b.lo <= a.hi
    return not (a.lo == a.hi == b.lo == b.hi)


def compile_condition(text: Any, values: dict[str, float] | None = None, field: str = "when") -> Node:
    """A condition's Node (fn(observer) -> truth, and bounds lo/hi: hi == 0 never holds, lo == 1 always holds);
    remembered, since every run of a strategy compiles the same conditions (a Node holds no state)."""
    items = tuple(sorted((values or {}).items()))
    try:
        return _compiled(text, items, field)
    except TypeError:  # an unhashable condition (a list or mapping): Compiler names the problem
        compiler = Compiler(text, dict(items), field)
        return compiler.truth(compiler.compile())


@functools.lru_cache(maxsize=1024, typed=True)  # typed: `true` and 1 are different conditions
def _compiled(text: Any, items: tuple, field: str) -> Node:
    compiler = Compiler(text, dict(items), field)
    return compiler.truth(compiler.compile())


# ---- rules -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One compiled rule of one country: when it fires, the levers it sets, for how long, its priority."""

    name: str
    when: Node
    levers: dict
    months: int | None  # `for`
    until: Node | None
    priority: int
    chance: float
    order: int


def normalise_rules(raw: Any, resolve: Callable[[Any], dict]) -> dict[str, dict]:
    """Rules as given (name -> rule) checked and made explicit (JSON-able; `use` resolved to lever values).

    resolve(name) gives the full levers of a fixed strategy name (StrategyError if it has rules or is unknown).
    Raises RuleError with the path inside the rules (rule name, field)."""
    if not isinstance(raw, dict):
        raise RuleError("rules are a mapping: rule name -> {when, use, for | until, priority, chance, with}",
                        (), raw, "a mapping of named rules")
    out = {}
    for order, (name, rule) in enumerate(raw.items()):
        try:
            out[name] = normalise_rule(name, rule, resolve, order)
        except RuleError as e:
            raise RuleError(e.problem, (name, *e.path), e.given, e.allowed) from None
    return out


def normalise_rule(name: Any, rule: Any, resolve: Callable[[Any], dict], order: int) -> dict:
    if not isinstance(name, str) or not name.isidentifier() or len(name) > 100:
        raise RuleError("a rule's name is a word (letters, digits, _; not starting with a digit)", (), name,
                        "e.g. answer_provocation")
    if not isinstance(rule, dict):
        raise RuleError("a rule is a mapping", (), rule, "fields " + ", ".join(RULE_FIELDS))
    for k in rule:
        if k not in RULE_FIELDS:
            raise RuleError(f"unknown field{_did_you_mean(str(k), list(RULE_FIELDS))}", (k,), k,
                            ", ".join(RULE_FIELDS))
    for k in ("when", "use"):
        if k not in rule:
            raise RuleError(f"missing required field `{k}`", (), None,
                            "when: a condition" if k == "when" else "use: a fixed strategy name or {lever: value}")
    values = rule.get("with", {}) or {}
    if not isinstance(values, dict):
        raise RuleError("`with` names numbers used in the conditions", ("with",), values, "{name: number}")
    for k, v in values.items():
        if not isinstance(k, str) or not k.isidentifier() or k in SIGNALS or k in CONSTANTS:
            raise RuleError("a `with` name is a new word (not a signal)", ("with", k), k, "e.g. threshold")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise RuleError("not a finite number", ("with", k), v, "a number")
    compile_condition(rule["when"], values, "when")
    if rule.get("for") is not None and rule.get("until") is not None:
        raise RuleError("give `for` or `until`, not both", ("until",), rule["until"],
                        "for: N months, or until: a condition, or neither (active while `when` holds)")
    months = rule.get("for")
    if months is not None and (isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 100_000):
        raise RuleError("`for` is a whole number of months", ("for",), months, "1 to 100000")
    if rule.get("until") is not None:
        compile_condition(rule["until"], values, "until")
    prio = rule.get("priority", 0)
    if isinstance(prio, bool) or not isinstance(prio, int) or not -1000 <= prio <= 1000:
        raise RuleError("`priority` is a whole number (higher wins)", ("priority",), prio, "-1000 to 1000")
    chance = rule.get("chance", 1.0)
    if isinstance(chance, bool) or not isinstance(chance, (int, float)) or not 0.0 <= chance <= 1.0:
        raise RuleError("`chance` is the probability the rule fires when its condition holds", ("chance",), chance,
                        "a number in [0, 1]")
    return {"when": rule["when"], "levers": use_levers(rule["use"], resolve), "for": months,
            "until": rule.get("until"), "priority": prio, "chance": float(chance), "with": dict(values),
            "order": order}


def use_levers(use: Any, resolve: Callable[[Any], dict]) -> dict:
    """The levers a rule's `use` sets: every lever of a fixed strategy name, or the given lever values."""
    if isinstance(use, str):
        try:
            return resolve(use)
        except StrategyError as e:
            raise RuleError(str(e), ("use",), use, "a fixed strategy (preset or custom, without rules) or "
                            "{lever: value}") from None
    if not isinstance(use, dict) or not use:
        raise RuleError("`use` names a fixed strategy or gives lever values", ("use",), use,
                        "a strategy name, or {lever: value}")
    for k, v in use.items():
        if k not in LEVERS:
            raise RuleError(f"unknown lever{_did_you_mean(str(k), list(LEVERS))}", ("use", k), k, ", ".join(LEVERS))
        try:
            check_lever(k, v)
        except StrategyError as e:
            raise RuleError(str(e), ("use", k), v) from None
    return {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in use.items()}


def compile_rules(rules: dict[str, dict]) -> tuple[Rule, ...]:
    """Normalised rules (normalise_rules) compiled, highest priority first (then file order)."""
    out = []
    for name, r in rules.items():
        until = compile_condition(r["until"], r["with"], "until") if r["until"] is not None else None
        out.append(Rule(name, compile_condition(r["when"], r["with"]), r["levers"], r["for"], until, r["priority"],
                        r["chance"], r["order"]))
    return tuple(sorted(out, key=lambda r: (-r.priority, r.order)))


def rule_notes(rules: dict[str, dict], base: dict) -> Iterator[tuple[tuple, str]]:
    """(path inside the rules, text) for rules that are probably not meant: a condition that can never hold or
    always holds, a rule that changes no lever of the base bundle, and two rules of the same priority that set one
    lever to different values (the earlier rule in the file wins)."""
    for name, r in rules.items():
        node = compile_condition(r["when"], r["with"])
        if node.hi == 0:
            yield (name, "when"), f"rule {name} can never fire: its condition cannot hold ({r['when']!r})"
        elif node.lo == 1:
            yield (name, "when"), (f"rule {name} always fires: its condition always holds ({r['when']!r}); a fixed "
                                   "strategy says the same")
        if all(base.get(k) == v for k, v in r["levers"].items()):
            yield (name, "use"), f"rule {name} changes no lever of its strategy's base bundle"
        if r["until"] is not None and compile_condition(r["until"], r["with"], "until").lo == 1:
            yield (name, "until"), f"rule {name} ends in the month after it fires: its `until` always holds"
    names = list(rules)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ra, rb = rules[a], rules[b]
            clash = [k for k in ra["levers"] if k in rb["levers"] and ra["levers"][k] != rb["levers"][k]]
            if ra["priority"] == rb["priority"] and clash:
                yield (b, "priority"), (f"rules {a} and {b} have the same priority and set {', '.join(clash)} to "
                                        f"different values: when both are active, {a} (earlier) wins")
