"""Strategies as lever bundles (docs/ODD.md §2.2, "Presets: values and reasons"): presets, custom strategies and
the per-country 2x2.

A strategy spec is a name (`two_track`, or a rule-based one such as `tit_for_tat`), a per-country pair
(`kr=linked,jp=two_track` or `{"KR": "linked", "JP": {...levers}}`) or a lever dict, optionally with `rules`
(sim.config.rules). Nothing in the model reads a strategy's name: only the levers and rules resolved here.
"""

from __future__ import annotations

from typing import Any

from sim.config.rules import normalise_rules
from sim.errors import RuleError, StrategyError
from sim.params import ADAPTIVE, COUNTRIES, LEVERS, PRESETS, check_lever, lever_defaults

MAX_EXTENDS = 20


def resolve(spec: Any, custom: dict, depth: int = 0) -> tuple[dict, dict]:
    """(levers before the scenario's `levers`, rules as written and merged along `extends`) of one country's
    strategy: a preset, a rule-based preset (params.ADAPTIVE), a custom name, or a mapping of levers (and rules)."""
    if depth > MAX_EXTENDS:
        raise StrategyError(f"more than {MAX_EXTENDS} strategies in a chain of `extends`")
    if isinstance(spec, dict):
        body = dict(spec)
        base, rules = body.pop("extends", None), body.pop("rules", None)
        levers, base_rules = resolve(base, custom, depth + 1) if base is not None else (lever_defaults(), {})
    elif isinstance(spec, str) and spec in custom:  # a scenario may redefine a preset
        body = dict(custom[spec]) if isinstance(custom[spec], dict) else {}
        base, rules = body.pop("extends", "two_track"), body.pop("rules", None)
        if not isinstance(base, str) or base not in PRESETS and base not in ADAPTIVE:
            raise StrategyError(f"strategy {spec!r} extends {base!r}, which is not a bundled strategy", ("extends",),
                                base, ", ".join([*PRESETS, *ADAPTIVE]))
        levers, base_rules = resolve(base, {}, depth + 1)
    elif isinstance(spec, str) and spec in ADAPTIVE:
        return resolve(ADAPTIVE[spec], {}, depth + 1)
    elif isinstance(spec, str) and spec in PRESETS:
        levers = lever_defaults()
        levers.update(PRESETS[spec])
        return levers, {}
    elif isinstance(spec, str):
        raise StrategyError(f"unknown strategy {spec!r}", (), spec, ", ".join([*PRESETS, *ADAPTIVE, *custom]))
    else:
        raise StrategyError(f"a strategy is a name or a mapping of levers, not {spec!r}")
    unknown = set(body) - set(LEVERS)
    if unknown:
        raise StrategyError(f"unknown lever(s) {sorted(unknown, key=str)}", (sorted(unknown, key=str)[0],))
    levers.update(body)
    return levers, merge_rules(base_rules, rules)


def merge_rules(base: dict, over: Any) -> dict:
    """Rules of a strategy that extends another: a rule of the same name is updated field by field, a rule set to
    null is dropped, a new name is added."""
    if over is None:
        return dict(base)
    if not isinstance(over, dict):
        raise StrategyError("rules are a mapping: rule name -> {when, use, ...}", ("rules",), over,
                            "a mapping of named rules")
    out = dict(base)
    for name, rule in over.items():
        if rule is None:
            out.pop(name, None)
        elif isinstance(rule, dict) and isinstance(out.get(name), dict):
            out[name] = {**out[name], **rule}
        else:
            out[name] = rule
    return out


def resolve_levers(name_or_levers: Any, data: dict | None = None) -> dict:
    """Full lever dict of one country's base bundle: defaults < preset < custom strategy < scenario `levers`."""
    data = data or {}
    levers, _ = resolve(name_or_levers, data.get("strategies", {}))
    return _with_scenario_levers(levers, data)


def resolve_rules(name_or_levers: Any, data: dict | None = None) -> dict[str, dict]:
    """One country's rules, checked and made explicit (sim.config.rules.normalise_rules); {} for a fixed strategy."""
    data = data or {}
    _, raw = resolve(name_or_levers, data.get("strategies", {}))
    if not raw:
        return {}

    def fixed(name: Any) -> dict:
        if resolve(name, data.get("strategies", {}))[1]:
            raise StrategyError(f"{name!r} has rules of its own; a rule uses a fixed bundle")
        return resolve_levers(name, data)

    try:
        return normalise_rules(raw, fixed)
    except RuleError as e:
        raise StrategyError(f"rule {'.'.join(map(str, e.path))}: {e.problem}", ("rules", *e.path), e.given,
                            e.allowed) from None


def _with_scenario_levers(levers: dict, data: dict) -> dict:
    out = dict(levers)
    out.update(data.get("levers", {}))
    out["linked_fields"] = list(out["linked_fields"])
    for name, value in out.items():
        check_lever(name, value)
    return out


def per_country(spec: Any) -> dict[str, Any] | None:
    """{KR: spec, JP: spec} of a per-country strategy (`kr=A,jp=B` or a mapping naming both), else None."""
    if isinstance(spec, str) and "=" in spec:
        parts = {}
        for item in spec.split(","):
            if "=" not in item:
                raise StrategyError(f"expected COUNTRY=STRATEGY in {spec!r}")
            k, v = (s.strip() for s in item.split("=", 1))
            parts[k.upper()] = v
        spec = parts
    if isinstance(spec, dict) and set(spec) & {"KR", "JP", "kr", "jp"}:
        spec = {str(k).upper(): v for k, v in spec.items()}
        if set(spec) != set(COUNTRIES):
            raise StrategyError(f"a per-country strategy names both KR and JP (and nothing else), got {sorted(spec)}")
        return spec
    return None


def parse_rules(spec: Any, data: dict | None = None) -> dict[str, dict]:
    """Per-country rules of a strategy spec ({} for a country with a fixed bundle)."""
    pair = per_country(spec)
    if pair is None:
        rules = resolve_rules(spec, data)
        return {c: rules for c in COUNTRIES}
    out = {}
    for c in COUNTRIES:
        try:
            out[c] = resolve_rules(pair[c], data)
        except StrategyError as e:
            raise StrategyError(f"{c}: {e}", (c, *e.path), e.given, e.allowed) from None
    return out


def parse_strategy(spec: Any, data: dict | None = None) -> dict[str, dict]:
    """Per-country lever dicts (the base bundles) of a strategy spec (see module docstring); its rules are checked
    too (parse_rules gives them)."""
    pair = per_country(spec)
    if pair is not None:
        out = {c: resolve_levers(pair[c], data) for c in COUNTRIES}
    else:
        levers = resolve_levers(spec, data)
        out = {c: dict(levers) for c in COUNTRIES}
    parse_rules(spec, data)
    return out


def strategy_label(spec: Any) -> str:
    """A short, stable text label for a strategy spec (used in tables and file names)."""
    if isinstance(spec, str):
        return spec.replace(" ", "")
    if isinstance(spec, dict) and set(k.upper() for k in spec) == set(COUNTRIES):
        return ",".join(f"{c.lower()}={strategy_label(spec.get(c, spec.get(c.lower())))}" for c in COUNTRIES)
    return "custom"
