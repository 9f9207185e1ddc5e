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
    notes = validate(resolved, where, str(path), user=user)
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
    notes = validate(resolved, {}, f"<{name}>", user=user)
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
    close = difflib.get_close_matches(str(key), names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ScenarioError(f"unknown field{hint}", file=file, line=line, path=path, given=key,
                        allowed=", ".join(sorted(names)) or "nothing here")


# ---------------------------------------------------------------------------------------------
class _Stop(Exception):
    """Ends the check of one field after its problem was recorded (the others are still checked)."""


def validate(data: dict, where: dict, file: str, user: dict | None = None) -> list[str]:
    """Check a resolved scenario dict against the schema.

    Raises ScenarioError for the first problem, with every other problem found in `.others`; returns warnings
    (problems that do not stop a run, such as a shock scheduled outside the simulated months)."""
    errors: list[ScenarioError] = []
    notes: list[str] = []

    def loc(path: tuple) -> tuple[str, int | None, tuple]:
        for n in range(len(path), -1, -1):
            if path[:n] in where:
                return where[path[:n]]
        return file, None, ()

    def fail(problem: str, path: tuple, given: Any = None, allowed: str = "") -> None:
        f, ln, chain = loc(path)
        errors.append(ScenarioError(problem, file=f, line=ln, path=".".join(map(str, path)), given=given,
                                    allowed=allowed, chain=chain))
        raise _Stop

    def each(items: Any, check: Any) -> None:
        """check(item) for every item; a problem in one does not stop the others."""
        for item in items:
            try:
                check(*item)
            except _Stop:
                pass

    def unknown(key: Any, known: Any, path: tuple) -> None:
        names = [str(k) for k in known]
        close = difflib.get_close_matches(str(key), names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        fail(f"unknown field{hint}", path, key, ", ".join(sorted(names)) or "nothing here")

    def check_scalar(value: Any, spec: P, path: tuple) -> None:
        d = spec.default if spec.default is not None else (spec.choices[0] if spec.choices else spec.lo)
        if spec.choices is not None and isinstance(d, tuple):
            if not isinstance(value, list) or any(not isinstance(v, str) or v not in spec.choices for v in value):
                fail("not a list of allowed values", path, value, ", ".join(spec.choices))
            return
        if spec.choices is not None:
            if isinstance(value, (list, dict)) or value not in spec.choices:
                close = difflib.get_close_matches(str(value), [str(c) for c in spec.choices], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                fail(f"not an allowed value{hint}", path, value, ", ".join(map(str, spec.choices)))
            return
        if isinstance(d, bool):
            if not isinstance(value, bool):
                fail("wrong type", path, value, "true or false")
        elif isinstance(d, int):
            if isinstance(value, bool) or not isinstance(value, int):
                fail("wrong type", path, value, f"an integer in [{spec.lo}, {spec.hi}]")
        elif isinstance(d, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                fail("wrong type", path, value, f"a number in [{spec.lo}, {spec.hi}]")
            if not math.isfinite(value):
                fail("not a finite number", path, value, f"a number in [{spec.lo}, {spec.hi}]")
        elif isinstance(d, str):
            if not isinstance(value, str):
                fail("wrong type", path, value, "a string")
            if len(value) > MAX_TEXT or "\x00" in value:
                fail("text too long or holding a NUL character", path, value,
                     f"a string of at most {MAX_TEXT:,} characters")
            return
        elif isinstance(d, dict):
            if not isinstance(value, dict):
                fail("wrong type", path, value, "a mapping")
            return
        if spec.lo is not None and not (spec.lo <= value <= spec.hi):
            fail("out of range", path, value, f"[{spec.lo}, {spec.hi}]")

    def walk(value: Any, spec: Any, path: tuple) -> None:
        if isinstance(spec, P):
            check_scalar(value, spec, path)
        elif isinstance(spec, dict) and spec:
            if not isinstance(value, dict):
                fail("wrong type", path, value, "a mapping with fields " + ", ".join(spec))

            def one(k: Any, v: Any) -> None:
                if k not in spec:
                    unknown(k, spec, path + (k,))
                walk(v, spec[k], path + (k,))

            each(value.items(), one)

    top = {**PARAMS, "levers": P({}), "strategies": P({}), "disputes_initial": P([]), "shocks": P([]),
           "random_shocks": P([]), "changes": P([])}
    each([(data, top, ())], walk)

    def check_levers(levers: Any, path: tuple) -> None:
        if not isinstance(levers, dict):
            fail("wrong type", path, levers, "a mapping of levers: " + ", ".join(LEVERS))

        def one(k: Any, v: Any) -> None:
            if k not in LEVERS:
                unknown(k, LEVERS, path + (k,))
            check_scalar(v, LEVERS[k], path + (k,))

        each(levers.items(), one)

    each([(data.get("levers", {}), ("levers",))], check_levers)
    strategies = data.get("strategies", {})
    if not isinstance(strategies, dict):
        each([("wrong type", ("strategies",), strategies, "a mapping name -> levers")], fail)
        strategies = {}

    def check_custom(sname: Any, body: Any) -> None:
        if not isinstance(sname, str) or not sname or len(sname) > 100:
            fail("not a strategy name", ("strategies", sname), sname, "a name of 1-100 characters")
        if not isinstance(body, dict):
            fail("wrong type", ("strategies", sname), body, "a mapping of levers, optionally `extends`")
        body = dict(body)
        base = body.pop("extends", "two_track")
        rules = body.pop("rules", None)
        if not isinstance(base, str) or (base not in PRESETS and base not in ADAPTIVE):
            close = difflib.get_close_matches(str(base), [*PRESETS, *ADAPTIVE], n=1)
            fail("unknown strategy in `extends`" + (f" (did you mean {close[0]!r}?)" if close else ""),
                 ("strategies", sname, "extends"), base, ", ".join([*PRESETS, *ADAPTIVE]))
        check_levers(body, ("strategies", sname))
        if rules is not None or base in ADAPTIVE:
            check_rules(sname)

    def check_rules(sname: str) -> None:
        path = ("strategies", sname)
        try:
            rules = resolve_rules(sname, {"strategies": strategies})
            base = resolve_levers(sname, {"strategies": strategies, "levers": data.get("levers", {})})
        except StrategyError as e:
            fail(str(e).split(": ", 1)[-1] if e.path[:1] == ("rules",) else str(e), path + e.path, e.given,
                 e.allowed)
        for sub, text in rule_notes(rules, base):
            f, ln, chain = loc(path + ("rules", *sub))
            notes.append(ScenarioError(text, file=f, line=ln, path=".".join(map(str, path + ("rules", *sub))),
                                       chain=chain).render())

    each(strategies.items(), check_custom)
    strategy_names = set(PRESETS) | set(ADAPTIVE) | {k for k in strategies if isinstance(k, str)}


    def check_strategy(spec: Any, path: tuple) -> None:
        try:
            parse_strategy(spec, data)
        except (StrategyError, TypeError, ValueError, KeyError, AttributeError) as e:
            fail(str(e) if isinstance(e, StrategyError) else "not a strategy", path, spec,
                 ", ".join(sorted(strategy_names)) + " or kr=NAME,jp=NAME")

    def check_fixed(spec: Any, path: tuple) -> None:
        check_strategy(spec, path)
        if any(parse_rules(spec, data).values()):
            fail("the burn-in strategy is a fixed bundle (rules act from month 0 on)", path, spec,
                 "a fixed strategy: " + ", ".join(sorted(PRESETS)) + " or a custom strategy without rules")

    horizon = data.get("horizon")
    if not errors:  # the strategy bundles are sound: references to them can be resolved
        each([(data["strategy"], ("strategy",))], check_strategy)
        each([(data["burn_in_strategy"], ("burn_in_strategy",))], check_fixed)

    def check_entry(section: str, i: int, entry: Any) -> None:
        schema = ENTRY_SCHEMAS[section]
        path = (section, i)
        if not isinstance(entry, dict):
            fail("wrong type", path, entry, "a mapping with fields " + ", ".join(schema))

        def one(k: Any, v: Any) -> None:
            if k not in schema:
                unknown(k, schema, path + (k,))
            if v is None and schema[k].default is None:
                return
            check_scalar(v, schema[k], path + (k,))

        n_before = len(errors)
        each(entry.items(), one)
        missing = [k for k, spec in schema.items() if spec.default is None and entry.get(k) is None]
        for k in missing:
            spec = schema[k]
            allowed = ", ".join(map(str, spec.choices)) if spec.choices else f"[{spec.lo}, {spec.hi}]"
            each([(f"missing required field `{k}`", path, None, allowed)], fail)
        if len(errors) > n_before:
            return
        kind = entry.get("kind")
        if kind in ("provocation", "trade_coercion", "boycott", "leadership_change", "culture_wave") \
                and entry.get("actor", "none") not in COUNTRIES:
            fail(f"a {kind} shock needs an acting country", path + ("actor",), entry.get("actor"), "KR, JP")
        if section in ("shocks", "changes") and entry.get("strategy"):
            check_strategy(entry["strategy"], path + ("strategy",))
        if section == "changes" and "levers" in entry:
            check_levers(entry["levers"], path + ("levers",))
        if section == "random_shocks":
            a, b, c = (entry.get(k, schema[k].default) for k in ("a", "b", "c"))
            if entry.get("dist") == "beta" and (a <= 0 or b <= 0):
                fail("beta magnitudes need a > 0 and b > 0", path, (a, b), "a > 0, b > 0")
            if entry.get("dist") in ("uniform", "triangular") and not a <= b:
                fail("the low end `a` must not exceed the high end `b`", path, (a, b), "a <= b")
            if entry.get("dist") == "triangular" and not a <= c <= b:
                fail("the triangular mode `c` must lie between `a` and `b`", path, (a, b, c), "a <= c <= b")
        month = entry.get("month")
        if section in ("shocks", "changes") and isinstance(horizon, int) and not isinstance(horizon, bool) \
                and not 0 <= month < horizon:
            f, ln, chain = loc(path + ("month",))
            notes.append(ScenarioError(f"month {month} lies outside the simulated months [0, {horizon - 1}]: the "
                                       "entry has no effect (except in a warm-started continuation, whose months "
                                       "count on)", file=f, line=ln, path=".".join(map(str, path + ("month",))),
                                       chain=chain).render())

    for section in ENTRY_SCHEMAS:
        entries = data.get(section, [])
        if not isinstance(entries, list):
            each([("wrong type", (section,), entries, "a list of entries")], fail)
            continue
        each([(section, i, e) for i, e in enumerate(entries)], check_entry)

    def check_citizens() -> None:
        c = data["citizens"]
        if c["network_k"] % 2:
            fail("must be even", ("citizens", "network_k"), c["network_k"], "an even integer >= 2")
        if not c["bad_threshold"] < c["good_threshold"]:
            fail("bad_threshold must lie below good_threshold", ("citizens", "bad_threshold"),
                 c["bad_threshold"], f"< {c['good_threshold']}")
        for country in COUNTRIES:
            pop = data["population"][country]
            good, bad = pop["init_good"], pop["init_bad"]
            for name, v in (("init_good", good), ("init_bad", bad)):
                if -1.0 < v < 0.0:
                    fail("not a share", ("population", country, name), v, "a share in [0, 1], or -1 (not used)")
            if (good < 0) != (bad < 0):
                fail("init_good and init_bad are set together", ("population", country, "init_bad"), bad,
                     "both shares in [0, 1], or both -1 (not used)")
            if good >= 0 and good + bad > 1.0:
                fail("init_good + init_bad exceeds 1", ("population", country, "init_bad"), bad,
                     f"at most {1.0 - good:.4g} (1 - init_good)")
            if pop["n_public"] + pop["n_youth"] <= c["network_k"]:
                fail("too few citizens for the network", ("population", country, "n_youth"),
                     pop["n_youth"], f"n_public + n_youth > network_k ({c['network_k']})")

    def check_start() -> None:
        if data["start_from"] and data.get("disputes_initial"):
            fail("initial disputes are not used by a scenario that starts from a replay (its disputes carry on)",
                 ("disputes_initial",), len(data["disputes_initial"]), "no disputes_initial with start_from")

    if not errors:  # cross-field checks need every field to have its type
        each([()], check_citizens)
        each([()], check_start)
    if errors:
        first = errors[0]
        first.others = list(errors[1:])
        raise first
    return notes
