"""Scenario files: safe YAML loading, `extends`, overrides and validation against sim.params.

Every error names the file and line, the field's dotted path, what was given and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config.paths import SCENARIO_DIR
from sim.config.rules import rule_notes
from sim.config.strategies import StrategyError, parse_rules, parse_strategy, resolve_levers, resolve_rules
from sim.config.yamlio import read_yaml
from sim.errors import InputError, InputWarning
from sim.params import ADAPTIVE, COUNTRIES, ENTRY_SCHEMAS, LEVERS, PARAMS, PRESETS, P, defaults

MAX_TEXT = 10_000  # characters of a text field (name, description, strategy)


class ScenarioError(InputError):
    """A scenario file or override that does not fit the schema."""


@dataclass
class Scenario:
    """A validated scenario: every parameter resolved (defaults filled in), with its provenance."""

    data: dict
    path: str | None = None
    sources: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def content_hash(self) -> str:
        """sha256 of the resolved parameters: equal hashes mean identical model inputs."""
        blob = json.dumps(self.data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def get(self, dotted: str) -> Any:
        """The value at a dotted path (a bundled rule-based strategy's fields as `strategies.NAME...`)."""
        parts = dotted.split(".")
        node: Any = self.data
        if parts[0] == "strategies" and len(parts) > 1 and parts[1] in ADAPTIVE \
                and parts[1] not in self.data.get("strategies", {}):
            node, parts = ADAPTIVE, parts[1:]
        for part in parts:
            node = node[part]
        return node

    def with_overrides(self, **overrides: Any) -> Scenario:
        """A new scenario with dotted-path (or `__`-separated) overrides applied and validated. A path into a bundled
        rule-based strategy (`strategies.two_track_guarded.rules.answer_provocation.for`) first copies that strategy
        into the scenario's `strategies`, where the override changes it."""
        user = copy.deepcopy(self.data)
        for key, value in overrides.items():
            dotted = key.replace("__", ".")
            name = dotted.split(".")[1] if dotted.startswith("strategies.") and dotted.count(".") > 1 else None
            if name in ADAPTIVE and name not in user.get("strategies", {}):  # a bundled rule-based strategy, varied
                user.setdefault("strategies", {})[name] = copy.deepcopy(ADAPTIVE[name])
            _set_dotted(user, dotted, value, origin="<override>")
        notes = validate(user, {}, "<override>")
        return Scenario(user, self.path, self.sources, notes)


# ---------------------------------------------------------------------------------------------
Where = dict  # dotted path (tuple) -> (file, line, chain of (file, line, "extends") links leading to that file)
MAX_EXTENDS = 20  # files in one `extends` chain


def merge(base: dict, over: dict) -> dict:
    """`over` laid over `base`: mappings merge key by key, anything else (lists included) replaces."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _merge_where(base: Where, over: Where, over_data: dict) -> Where:
    """Locations after `merge`: a value the child replaces (not merges) forgets the parent's lines inside it."""
    replaced: list[tuple] = []

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (k,))
        elif path:
            replaced.append(path)

    walk(over_data, ())
    out = {p: w for p, w in base.items()
           if not any(len(p) > len(r) and p[: len(r)] == r for r in replaced)}
    out.update(over)
    return out


def _extends_target(parent: Any, path: Path, line: int | None) -> Path:
    """The file an `extends` value names (relative to the extending file, else a bundled scenario)."""
    allowed = "the path of a scenario file, relative to this file (or a bundled scenario's file name)"
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError("`extends` must name a file", file=str(path), line=line, path="extends",
                            given=parent, allowed=allowed)
    if "\x00" in parent or len(parent) > 1000 or any(len(c) > 255 for c in Path(parent).parts):
        raise ScenarioError("`extends` is not a usable file path", file=str(path), line=line, path="extends",
                            given=parent, allowed=allowed + ", without NUL characters, name parts <= 255")
    ppath = (path.parent / parent).resolve()
    try:
        if not ppath.exists() and (SCENARIO_DIR / parent).exists():
            ppath = (SCENARIO_DIR / parent).resolve()
        exists, is_dir = ppath.exists(), ppath.is_dir()
    except OSError as e:
        raise ScenarioError(f"`extends` names a path that cannot be read ({e.strerror})", file=str(path),
                            line=line, path="extends", given=parent, allowed=allowed) from None
    if not exists:
        raise ScenarioError("`extends` names a file that does not exist", file=str(path), line=line,
                            path="extends", given=parent, allowed="an existing scenario file, relative to this file")
    if is_dir:
        raise ScenarioError("`extends` names a directory", file=str(path), line=line, path="extends",
                            given=parent, allowed=allowed)
    return ppath


def resolve_file(path: Path, chain: tuple[Path, ...] = (),
                 links: tuple[tuple[str, int | None, str], ...] = ()) -> tuple[dict, Where]:
    """A file merged over the files it `extends`: (user dict, dotted path -> (file, line, links))."""
    try:
        data, lines = read_yaml(path, "scenario file")
    except InputError as e:
        raise ScenarioError(e.problem, file=e.file, line=e.line, path=e.path, given=e.given, allowed=e.allowed,
                            chain=links) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError("the top level must be a mapping of fields", file=str(path), line=1,
                            given=type(data).__name__, allowed="a mapping such as `name: ...`", chain=links)
    where = {p: (str(path), ln, links) for p, ln in lines.items()}
    if "extends" not in data:
        return data, where
    parent = data.pop("extends")
    line = lines.get(("extends",))
    try:
        ppath = _extends_target(parent, path, line)
        if ppath in chain or ppath == path.resolve():
            cycle = " -> ".join(str(p.name) for p in chain + (path.resolve(), ppath))
            raise ScenarioError(f"circular `extends`: {cycle}", file=str(path), line=line, path="extends",
                                given=parent, allowed="a chain of files that ends in one without `extends`")
        if len(chain) >= MAX_EXTENDS:
            raise ScenarioError(f"more than {MAX_EXTENDS} files in the `extends` chain", file=str(path), line=line,
                                path="extends", given=parent, allowed=f"at most {MAX_EXTENDS} files")
    except ScenarioError as e:
        raise e.led_from(*links) from None
    base, bwhere = resolve_file(ppath, chain + (path.resolve(),), links + ((str(path), line, "extends"),))
    return merge(base, data), _merge_where(bwhere, where, data)


def load_scenario(path: str | Path, overrides: dict | None = None, **kw: Any) -> Scenario:
    """Load, resolve `extends`, apply overrides (dotted keys or `a__b=...`) and validate a scenario.

    Problems that do not stop a run (a shock outside the simulated months) are issued as InputWarning and
    kept in `Scenario.warnings`."""
    path = Path(path)
    user, where = resolve_file(path)
    resolved = merge(defaults(), user)
    if where.get(("name",), (None,))[0] != str(path):  # a name is not inherited from the parent file
        resolved["name"] = path.stem
    notes = validate(resolved, where, str(path))
    scen = Scenario(resolved, str(path), sorted({str(Path(w[0]).resolve()) for w in where.values()}), notes)
    for note in notes:
        warnings.warn(InputWarning(note), stacklevel=2)
    over = dict(overrides or {}, **kw)
    return scen.with_overrides(**over) if over else scen


def as_scenario(scenario: Scenario | str | Path) -> Scenario:
    """A scenario as given, or loaded from its file."""
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def from_dict(data: dict, name: str = "inline") -> Scenario:
    """A scenario from a plain dict (as a notebook would write it), validated like a file."""
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a mapping of fields", file=f"<{name}>", given=type(data).__name__,
                            allowed="a dict such as {'name': ...}")
    user = copy.deepcopy(data)
    resolved = merge(defaults(), user)
    resolved.setdefault("name", name)
    notes = validate(resolved, {}, f"<{name}>")
    return Scenario(resolved, None, [], notes)


def _set_dotted(d: dict, dotted: str, value: Any, origin: str) -> None:
    parts = dotted.split(".")
    node: Any = d
    spec: Any = PARAMS
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            _unknown(part, node if isinstance(node, dict) else {}, ".".join(parts[: i + 1]), origin, None)
        node, spec = node[part], (spec.get(part) if isinstance(spec, dict) else None)
    if not isinstance(node, dict):
        raise ScenarioError("cannot set a field inside a scalar", file=origin, path=dotted)
    if parts[-1] not in node and not (isinstance(spec, dict) and spec == {}):
        _unknown(parts[-1], node, dotted, origin, None)
    node[parts[-1]] = value


def _unknown(key: Any, known: dict, path: str, file: str, line: int | None) -> None:
    names = [str(k) for k in known]
    raise ScenarioError(f"unknown field{_hint(key, names)}", file=file, line=line, path=path, given=key,
                        allowed=", ".join(sorted(names)) or "nothing here")


def _hint(given: Any, names: list[str]) -> str:
    """` (did you mean 'x'?)` naming the one of `names` closest to `given`, or "" when none is close."""
    close = difflib.get_close_matches(str(given), names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def nearest(table: dict, path: tuple, default: Any = None) -> Any:
    """The entry of `table` for `path`, else for its longest prefix that has one (the root `()` last), else
    `default`: where in a file a field, or the mapping or list holding it, was written."""
    for n in range(len(path), -1, -1):
        if path[:n] in table:
            return table[path[:n]]
    return default


# ---------------------------------------------------------------------------------------------
class _Stop(Exception):
    """Ends the check of one field after its problem was recorded (the others are still checked)."""


def validate(data: dict, where: dict, file: str) -> list[str]:
    """Check a resolved scenario dict against the schema.

    Raises ScenarioError for the first problem, with every other problem found in `.others`; returns warnings
    (problems that do not stop a run, such as a shock scheduled outside the simulated months)."""
    return Validator(data, where, file).run()


class Validator:
    """The checks of one resolved scenario. A check that finds a problem records it and stops (raises _Stop);
    `each` and `attempt` catch that, so the checks of the other fields and entries still run."""

    def __init__(self, data: dict, where: Where, file: str) -> None:
        self.data, self.where, self.file = data, where, file
        self.errors: list[ScenarioError] = []
        self.notes: list[str] = []
        self.strategies: dict = {}  # the scenario's own strategies (set by run, once known to be a mapping)
        self.strategy_names: set[str] = set()  # every strategy a reference may name (set by run)

    def run(self) -> list[str]:
        """Every check in order; raises the first problem (the others in `.others`), else returns the notes."""
        top = {**PARAMS, "levers": P({}), "strategies": P({}), "disputes_initial": P([]), "shocks": P([]),
               "random_shocks": P([]), "changes": P([])}
        self.attempt(self.walk, self.data, top, ())
        self.attempt(self.levers, self.data.get("levers", {}), ("levers",))
        self.strategies = self.data.get("strategies", {})
        if not isinstance(self.strategies, dict):
            self.record("wrong type", ("strategies",), self.strategies, "a mapping name -> levers")
            self.strategies = {}
        self.each(self.strategies.items(), self.custom_strategy)
        self.strategy_names = set(PRESETS) | set(ADAPTIVE) | {k for k in self.strategies if isinstance(k, str)}
        if not self.errors:  # the strategy bundles are sound: references to them can be resolved
            self.attempt(self.strategy, self.data["strategy"], ("strategy",))
            self.attempt(self.fixed_strategy, self.data["burn_in_strategy"], ("burn_in_strategy",))
        self.each(((section,) for section in ENTRY_SCHEMAS), self.entries)
        if not self.errors:  # cross-field checks need every field to have its type
            self.attempt(self.citizens)
            self.attempt(self.start)
        if self.errors:
            first = self.errors[0]
            first.others = list(self.errors[1:])
            raise first
        return self.notes

    # -- recording ----------------------------------------------------------------------------
    def loc(self, path: tuple) -> tuple[str, int | None, tuple]:
        """Where the field at `path` (or the nearest mapping or list holding it) was written: (file, line, chain)."""
        return nearest(self.where, path, (self.file, None, ()))

    def record(self, problem: str, path: tuple, given: Any = None, allowed: str = "") -> None:
        """Records a problem of the field at `path`; the check goes on."""
        f, ln, chain = self.loc(path)
        self.errors.append(ScenarioError(problem, file=f, line=ln, path=".".join(map(str, path)), given=given,
                                         allowed=allowed, chain=chain))

    def fail(self, problem: str, path: tuple, given: Any = None, allowed: str = "") -> None:
        """Records a problem of the field at `path` and stops the check of that field."""
        self.record(problem, path, given, allowed)
        raise _Stop

    def note(self, text: str, path: tuple) -> None:
        """Records a warning about the field at `path` (a problem that does not stop a run)."""
        f, ln, chain = self.loc(path)
        self.notes.append(ScenarioError(text, file=f, line=ln, path=".".join(map(str, path)), chain=chain).render())

    def attempt(self, check: Callable[..., None], *args: Any) -> None:
        """check(*args); a problem it finds stops only that check."""
        try:
            check(*args)
        except _Stop:
            pass

    def each(self, items: Iterable[tuple], check: Callable[..., None]) -> None:
        """check(*item) for every item; a problem in one does not stop the others."""
        for item in items:
            self.attempt(check, *item)

    def unknown(self, key: Any, known: Iterable, path: tuple) -> None:
        """A field name that is not one of `known` (with the closest known name as a hint)."""
        names = [str(k) for k in known]
        self.fail(f"unknown field{_hint(key, names)}", path, key, ", ".join(sorted(names)) or "nothing here")

    # -- values ---------------------------------------------------------------------------------
    def walk(self, value: Any, spec: Any, path: tuple) -> None:
        """A value against its part of the schema: a parameter, or a mapping of fields checked one by one."""
        if isinstance(spec, P):
            self.scalar(value, spec, path)
        elif isinstance(spec, dict) and spec:
            if not isinstance(value, dict):
                self.fail("wrong type", path, value, "a mapping with fields " + ", ".join(spec))
            self.each(((k, v, spec, path) for k, v in value.items()), self.field)

    def field(self, key: Any, value: Any, schema: dict, path: tuple) -> None:
        """One field of a mapping: a name the schema knows, with a value that fits its part of the schema."""
        if key not in schema:
            self.unknown(key, schema, path + (key,))
        self.walk(value, schema[key], path + (key,))

    def scalar(self, value: Any, spec: P, path: tuple) -> None:
        """A value against its parameter: one of its choices, else of its default's type and within its range."""
        d = spec.default if spec.default is not None else (spec.choices[0] if spec.choices else spec.lo)
        if spec.choices is not None:
            self.choice(value, spec, path, many=isinstance(d, tuple))
        elif isinstance(d, str):
            self.text(value, path)
        elif isinstance(d, dict):
            if not isinstance(value, dict):
                self.fail("wrong type", path, value, "a mapping")
        else:
            self.number(value, d, spec, path)

    def choice(self, value: Any, spec: P, path: tuple, many: bool) -> None:
        """One of the parameter's choices (`many`: a list of them)."""
        if many:
            if not isinstance(value, list) or any(not isinstance(v, str) or v not in spec.choices for v in value):
                self.fail("not a list of allowed values", path, value, ", ".join(spec.choices))
        elif isinstance(value, (list, dict)) or value not in spec.choices:
            hint = _hint(value, [str(c) for c in spec.choices])
            self.fail(f"not an allowed value{hint}", path, value, ", ".join(map(str, spec.choices)))

    def text(self, value: Any, path: tuple) -> None:
        """A string of at most MAX_TEXT characters, without NUL."""
        if not isinstance(value, str):
            self.fail("wrong type", path, value, "a string")
        if len(value) > MAX_TEXT or "\x00" in value:
            self.fail("text too long or holding a NUL character", path, value,
                      f"a string of at most {MAX_TEXT:,} characters")

    def number(self, value: Any, d: Any, spec: P, path: tuple) -> None:
        """A value of the default's type (true/false, an integer, a finite number) within the parameter's range."""
        if isinstance(d, bool):
            if not isinstance(value, bool):
                self.fail("wrong type", path, value, "true or false")
        elif isinstance(d, int):
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail("wrong type", path, value, f"an integer in [{spec.lo}, {spec.hi}]")
        elif isinstance(d, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail("wrong type", path, value, f"a number in [{spec.lo}, {spec.hi}]")
            if not math.isfinite(value):
                self.fail("not a finite number", path, value, f"a number in [{spec.lo}, {spec.hi}]")
        if spec.lo is not None and not (spec.lo <= value <= spec.hi):
            self.fail("out of range", path, value, f"[{spec.lo}, {spec.hi}]")

    # -- strategies ---------------------------------------------------------------------------
    def levers(self, levers: Any, path: tuple) -> None:
        """A mapping of known levers, each with a value that fits."""
        if not isinstance(levers, dict):
            self.fail("wrong type", path, levers, "a mapping of levers: " + ", ".join(LEVERS))
        self.each(((k, v, LEVERS, path) for k, v in levers.items()), self.field)

    def custom_strategy(self, sname: Any, body: Any) -> None:
        """A strategy of the scenario's own: its name, the strategy it extends, its levers and its rules."""
        if not isinstance(sname, str) or not sname or len(sname) > 100:
            self.fail("not a strategy name", ("strategies", sname), sname, "a name of 1-100 characters")
        if not isinstance(body, dict):
            self.fail("wrong type", ("strategies", sname), body, "a mapping of levers, optionally `extends`")
        body = dict(body)
        base = body.pop("extends", "two_track")
        rules = body.pop("rules", None)
        if not isinstance(base, str) or (base not in PRESETS and base not in ADAPTIVE):
            self.fail("unknown strategy in `extends`" + _hint(base, [*PRESETS, *ADAPTIVE]),
                      ("strategies", sname, "extends"), base, ", ".join([*PRESETS, *ADAPTIVE]))
        self.levers(body, ("strategies", sname))
        if rules is not None or base in ADAPTIVE:
            self.rules(sname)

    def rules(self, sname: str) -> None:
        """The rules of a rule-based strategy resolve; their warnings become notes."""
        path = ("strategies", sname)
        try:
            rules = resolve_rules(sname, {"strategies": self.strategies})
            base = resolve_levers(sname, {"strategies": self.strategies, "levers": self.data.get("levers", {})})
        except StrategyError as e:
            self.fail(str(e).split(": ", 1)[-1] if e.path[:1] == ("rules",) else str(e), path + e.path, e.given,
                      e.allowed)
        for sub, text in rule_notes(rules, base):
            self.note(text, path + ("rules", *sub))

    def strategy(self, spec: Any, path: tuple) -> None:
        """A reference to a strategy (`NAME` or `kr=NAME,jp=NAME`) that resolves."""
        try:
            parse_strategy(spec, self.data)
        except (StrategyError, TypeError, ValueError, KeyError, AttributeError) as e:
            self.fail(str(e) if isinstance(e, StrategyError) else "not a strategy", path, spec,
                      ", ".join(sorted(self.strategy_names)) + " or kr=NAME,jp=NAME")

    def fixed_strategy(self, spec: Any, path: tuple) -> None:
        """A reference to a strategy without rules (the burn-in's)."""
        self.strategy(spec, path)
        if any(parse_rules(spec, self.data).values()):
            self.fail("the burn-in strategy is a fixed bundle (rules act from month 0 on)", path, spec,
                      "a fixed strategy: " + ", ".join(sorted(PRESETS)) + " or a custom strategy without rules")

    # -- list entries ---------------------------------------------------------------------------
    def entries(self, section: str) -> None:
        """A list section (shocks, changes, ...): a list, then each of its entries."""
        entries = self.data.get(section, [])
        if not isinstance(entries, list):
            self.fail("wrong type", (section,), entries, "a list of entries")
        self.each(((section, i, e) for i, e in enumerate(entries)), self.entry)

    def entry(self, section: str, i: int, entry: Any) -> None:
        """One list entry: a mapping of known fields with the required ones set; when those fit, its contents."""
        schema = ENTRY_SCHEMAS[section]
        path = (section, i)
        if not isinstance(entry, dict):
            self.fail("wrong type", path, entry, "a mapping with fields " + ", ".join(schema))
        n_before = len(self.errors)
        self.each(((k, v, schema, path) for k, v in entry.items()), self.entry_field)
        missing = [k for k, spec in schema.items() if spec.default is None and entry.get(k) is None]
        for k in missing:
            spec = schema[k]
            allowed = ", ".join(map(str, spec.choices)) if spec.choices else f"[{spec.lo}, {spec.hi}]"
            self.record(f"missing required field `{k}`", path, None, allowed)
        if len(self.errors) == n_before:
            self.entry_contents(section, path, entry)

    def entry_field(self, key: Any, value: Any, schema: dict, path: tuple) -> None:
        """One field of a list entry: a known name with a value that fits (a required field may be left empty)."""
        if key not in schema:
            self.unknown(key, schema, path + (key,))
        if value is None and schema[key].default is None:
            return
        self.scalar(value, schema[key], path + (key,))

    def entry_contents(self, section: str, path: tuple, entry: dict) -> None:
        """The fields of a list entry together: actor, strategy, levers, magnitudes and month."""
        kind = entry.get("kind")
        if kind in ("provocation", "trade_coercion", "boycott", "leadership_change", "culture_wave") \
                and entry.get("actor", "none") not in COUNTRIES:
            self.fail(f"a {kind} shock needs an acting country", path + ("actor",), entry.get("actor"), "KR, JP")
        if section in ("shocks", "changes") and entry.get("strategy"):
            self.strategy(entry["strategy"], path + ("strategy",))
        if section == "changes" and "levers" in entry:
            self.levers(entry["levers"], path + ("levers",))
        if section == "random_shocks":
            self.magnitudes(path, entry)
        if section in ("shocks", "changes"):
            self.month(path, entry)

    def magnitudes(self, path: tuple, entry: dict) -> None:
        """The bounds `a`, `b` and mode `c` of a random shock's magnitude distribution fit the distribution."""
        schema = ENTRY_SCHEMAS["random_shocks"]
        a, b, c = (entry.get(k, schema[k].default) for k in ("a", "b", "c"))
        if entry.get("dist") == "beta" and (a <= 0 or b <= 0):
            self.fail("beta magnitudes need a > 0 and b > 0", path, (a, b), "a > 0, b > 0")
        if entry.get("dist") in ("uniform", "triangular") and not a <= b:
            self.fail("the low end `a` must not exceed the high end `b`", path, (a, b), "a <= b")
        if entry.get("dist") == "triangular" and not a <= c <= b:
            self.fail("the triangular mode `c` must lie between `a` and `b`", path, (a, b, c), "a <= c <= b")

    def month(self, path: tuple, entry: dict) -> None:
        """A shock's or change's month within the simulated months (else a note: the entry has no effect)."""
        month, horizon = entry.get("month"), self.data.get("horizon")
        if isinstance(horizon, int) and not isinstance(horizon, bool) and not 0 <= month < horizon:
            self.note(f"month {month} lies outside the simulated months [0, {horizon - 1}]: the entry has no effect "
                      "(except in a warm-started continuation, whose months count on)", path + ("month",))

    # -- across fields ----------------------------------------------------------------------------
    def citizens(self) -> None:
        """The citizens' network and thresholds, and each country's population, fit together."""
        c = self.data["citizens"]
        if c["network_k"] % 2:
            self.fail("must be even", ("citizens", "network_k"), c["network_k"], "an even integer >= 2")
        if not c["bad_threshold"] < c["good_threshold"]:
            self.fail("bad_threshold must lie below good_threshold", ("citizens", "bad_threshold"),
                      c["bad_threshold"], f"< {c['good_threshold']}")
        for country in COUNTRIES:
            self.population(country, c["network_k"])

    def population(self, country: str, network_k: int) -> None:
        """A country's initial good and bad shares, and enough citizens for the network."""
        pop = self.data["population"][country]
        good, bad = pop["init_good"], pop["init_bad"]
        for name, v in (("init_good", good), ("init_bad", bad)):
            if -1.0 < v < 0.0:
                self.fail("not a share", ("population", country, name), v, "a share in [0, 1], or -1 (not used)")
        if (good < 0) != (bad < 0):
            self.fail("init_good and init_bad are set together", ("population", country, "init_bad"), bad,
                      "both shares in [0, 1], or both -1 (not used)")
        if good >= 0 and good + bad > 1.0:
            self.fail("init_good + init_bad exceeds 1", ("population", country, "init_bad"), bad,
                      f"at most {1.0 - good:.4g} (1 - init_good)")
        if pop["n_public"] + pop["n_youth"] <= network_k:
            self.fail("too few citizens for the network", ("population", country, "n_youth"),
                      pop["n_youth"], f"n_public + n_youth > network_k ({network_k})")

    def start(self) -> None:
        """No initial disputes in a scenario that starts from a replay."""
        if self.data["start_from"] and self.data.get("disputes_initial"):
            self.fail("initial disputes are not used by a scenario that starts from a replay (its disputes carry on)",
                      ("disputes_initial",), len(self.data["disputes_initial"]), "no disputes_initial with start_from")
