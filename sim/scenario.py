"""Scenario files: safe YAML loading, `extends`, overrides and validation against sim.params.

Every error names the file and line, the field's dotted path, what was given and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError
from .params import COUNTRIES, ENTRY_SCHEMAS, LEVERS, PARAMS, PRESETS, P, defaults

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


class ScenarioError(InputError):
    """A scenario file or override that does not fit the schema."""


@dataclass
class Scenario:
    """A validated scenario: every parameter resolved (defaults filled in), with its provenance."""

    data: dict
    path: str | None = None
    sources: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def content_hash(self) -> str:
        """sha256 of the resolved parameters: equal hashes mean identical model inputs."""
        blob = json.dumps(self.data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def get(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            node = node[part]
        return node

    def with_overrides(self, **overrides: Any) -> Scenario:
        """A new scenario with dotted-path (or `__`-separated) overrides applied and validated."""
        user = copy.deepcopy(self.data)
        for key, value in overrides.items():
            _set_dotted(user, key.replace("__", "."), value, origin="<override>")
        validate(user, {}, "<override>")
        return Scenario(user, self.path, self.sources)


# ---------------------------------------------------------------------------------------------
class _Loader(yaml.SafeLoader):
    """Safe loader (no arbitrary tags)."""


def _line_map(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict:
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value
            out[path + (key,)] = k.start_mark.line + 1
            _line_map(v, path + (key,), out)
            out[path + (key,)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _line_map(v, path + (i,), out)
    return out


def _read_yaml(path: Path) -> tuple[dict, dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", file=str(path), allowed="an existing YAML file") from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, not a scenario file", file=str(path),
                            allowed="a YAML file (use a glob such as scenarios/*.yaml for many)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"cannot read the file ({e.__class__.__name__}: {e})", file=str(path),
                            allowed="a readable UTF-8 YAML file") from None
    try:
        data = yaml.load(text, Loader=_Loader)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise ScenarioError(f"not valid YAML ({e.problem})", file=str(path), line=line,
                            allowed="plain YAML mappings, lists and scalars (no tags)") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError("the top level must be a mapping of fields", file=str(path), line=1,
                            given=type(data).__name__, allowed="a mapping such as `name: ...`")
    return data, (_line_map(node) if node is not None else {})


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict, dict]:
    """Merge a file over the files it extends; returns (user dict, path -> (file, line))."""
    data, lines = _read_yaml(path)
    where = {p: (str(path), ln) for p, ln in lines.items()}
    parent = data.pop("extends", None)
    if parent is None:
        return data, where
    if not isinstance(parent, str):
        raise ScenarioError("`extends` must be a file path", file=str(path), line=lines.get(("extends",)),
                            path="extends", given=parent, allowed="a path relative to this file")
    ppath = (path.parent / parent).resolve()
    if not ppath.exists() and (SCENARIO_DIR / parent).exists():
        ppath = (SCENARIO_DIR / parent).resolve()
    if ppath in chain or ppath == path.resolve():
        cycle = " -> ".join(str(p.name) for p in chain + (path.resolve(), ppath))
        raise ScenarioError(f"circular `extends`: {cycle}", file=str(path), line=lines.get(("extends",)),
                            path="extends", given=parent,
                            allowed="a chain of files that ends in one without `extends`")
    if not ppath.exists():
        raise ScenarioError("`extends` names a file that does not exist", file=str(path),
                            line=lines.get(("extends",)), path="extends", given=parent,
                            allowed="an existing scenario file, relative to this file")
    base, bwhere = _resolve(ppath, chain + (path.resolve(),))
    bwhere.update(where)
    return _merge(base, data), bwhere


def load_scenario(path: str | Path, overrides: dict | None = None, **kw: Any) -> Scenario:
    """Load, resolve `extends`, apply overrides (dotted keys or `a__b=...`) and validate a scenario."""
    path = Path(path)
    user, where = _resolve(path, ())
    resolved = _merge(defaults(), user)
    if where.get(("name",), (None,))[0] != str(path):  # a name is not inherited from the parent file
        resolved["name"] = path.stem
    validate(resolved, where, str(path), user=user)
    scen = Scenario(resolved, str(path), sorted({str(Path(f).resolve()) for f, _ in where.values()}))
    over = dict(overrides or {}, **kw)
    return scen.with_overrides(**over) if over else scen


def from_dict(data: dict, name: str = "inline") -> Scenario:
    """A scenario from a plain dict (as a notebook would write it), validated like a file."""
    user = copy.deepcopy(data)
    resolved = _merge(defaults(), user)
    resolved.setdefault("name", name)
    validate(resolved, {}, f"<{name}>", user=user)
    return Scenario(resolved, None, [])


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
def validate(data: dict, where: dict, file: str, user: dict | None = None) -> None:
    """Check a resolved scenario dict against the schema; raise ScenarioError on the first problem."""

    def loc(path: tuple) -> tuple[str, int | None]:
        for n in range(len(path), -1, -1):
            if path[:n] in where:
                return where[path[:n]]
        return file, None

    def fail(problem: str, path: tuple, given: Any = None, allowed: str = "") -> None:
        f, ln = loc(path)
        raise ScenarioError(problem, file=f, line=ln, path=".".join(map(str, path)), given=given,
                            allowed=allowed)

    def check_scalar(value: Any, spec: P, path: tuple) -> None:
        d = spec.default
        if spec.choices is not None and isinstance(d, tuple):
            if not isinstance(value, list) or any(v not in spec.choices for v in value):
                fail("not a list of allowed values", path, value, ", ".join(spec.choices))
            return
        if spec.choices is not None:
            if value not in spec.choices:
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
        elif isinstance(d, str):
            if not isinstance(value, str):
                fail("wrong type", path, value, "a string")
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
            for k, v in value.items():
                if k not in spec:
                    f, ln = loc(path + (k,))
                    _unknown(k, spec, ".".join(map(str, path + (k,))), f, ln)
                walk(v, spec[k], path + (k,))

    walk({k: v for k, v in data.items()}, {**PARAMS, "levers": P({}), "strategies": P({}),
                                           "disputes_initial": P([]), "shocks": P([]),
                                           "random_shocks": P([]), "changes": P([])}, ())

    def check_levers(levers: Any, path: tuple) -> None:
        if not isinstance(levers, dict):
            fail("wrong type", path, levers, "a mapping of levers: " + ", ".join(LEVERS))
        for k, v in levers.items():
            if k not in LEVERS:
                f, ln = loc(path + (k,))
                _unknown(k, LEVERS, ".".join(map(str, path + (k,))), f, ln)
            check_scalar(v, LEVERS[k], path + (k,))

    check_levers(data["levers"], ("levers",))
    if not isinstance(data["strategies"], dict):
        fail("wrong type", ("strategies",), data["strategies"], "a mapping name -> levers")
    for sname, body in data["strategies"].items():
        if not isinstance(body, dict):
            fail("wrong type", ("strategies", sname), body, "a mapping of levers, optionally `extends`")
        body = dict(body)
        base = body.pop("extends", "two_track")
        if base not in PRESETS:
            fail("unknown preset in `extends`", ("strategies", sname, "extends"), base, ", ".join(PRESETS))
        check_levers(body, ("strategies", sname))
    strategy_names = set(PRESETS) | set(data["strategies"])

    from .strategies import StrategyError, parse_strategy  # local: strategies imports params only

    def check_strategy(spec: Any, path: tuple) -> None:
        try:
            parse_strategy(spec, data)
        except StrategyError as e:
            fail(str(e), path, spec, ", ".join(sorted(strategy_names)) + " or kr=NAME,jp=NAME")

    check_strategy(data["strategy"], ("strategy",))
    check_strategy(data["burn_in_strategy"], ("burn_in_strategy",))

    for section, schema in ENTRY_SCHEMAS.items():
        entries = data[section]
        if not isinstance(entries, list):
            fail("wrong type", (section,), entries, "a list of entries")
        for i, entry in enumerate(entries):
            path = (section, i)
            if not isinstance(entry, dict):
                fail("wrong type", path, entry, "a mapping with fields " + ", ".join(schema))
            for k, v in entry.items():
                if k not in schema:
                    f, ln = loc(path + (k,))
                    _unknown(k, schema, ".".join(map(str, path + (k,))), f, ln)
                if v is None and schema[k].default is None:
                    continue
                check_scalar(v, schema[k], path + (k,))
            for k, spec in schema.items():
                if spec.default is None and entry.get(k) is None:
                    allowed = ", ".join(map(str, spec.choices)) if spec.choices else ""
                    fail(f"missing required field `{k}`", path, None, allowed)
            kind = entry.get("kind")
            if kind in ("provocation", "trade_coercion", "boycott", "leadership_change", "culture_wave") \
                    and entry.get("actor", "none") not in COUNTRIES:
                fail(f"a {kind} shock needs an acting country", path + ("actor",), entry.get("actor"),
                     "KR, JP")
            if section == "shocks" and entry.get("strategy"):
                check_strategy(entry["strategy"], path + ("strategy",))
            if section == "changes":
                if entry.get("strategy"):
                    check_strategy(entry["strategy"], path + ("strategy",))
                if "levers" in entry:
                    check_levers(entry["levers"], path + ("levers",))
            if section == "random_shocks":
                a, b, c = (entry.get(k, schema[k].default) for k in ("a", "b", "c"))
                if entry.get("dist") == "beta" and (a <= 0 or b <= 0):
                    fail("beta magnitudes need a > 0 and b > 0", path, (a, b), "a > 0, b > 0")
                if entry.get("dist") in ("uniform", "triangular") and not a <= b:
                    fail("the low end `a` must not exceed the high end `b`", path, (a, b), "a <= b")
                if entry.get("dist") == "triangular" and not a <= c <= b:
                    fail("the triangular mode `c` must lie between `a` and `b`", path, (a, b, c), "a <= c <= b")

    c = data["citizens"]
    if c["network_k"] % 2:
        fail("must be even", ("citizens", "network_k"), c["network_k"], "an even integer >= 2")
    if not c["bad_threshold"] < c["good_threshold"]:
        fail("bad_threshold must lie below good_threshold", ("citizens", "bad_threshold"),
             c["bad_threshold"], f"< {c['good_threshold']}")
    for country in COUNTRIES:
        pop = data["population"][country]
        if pop["n_public"] + pop["n_youth"] <= c["network_k"]:
            fail("too few citizens for the network", ("population", country, "n_youth"),
                 pop["n_youth"], f"n_public + n_youth > network_k ({c['network_k']})")
