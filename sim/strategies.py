"""Strategies as lever bundles (MODEL.md §5): presets, custom strategies and the per-country 2x2.

A strategy spec is a name (`two_track`), a per-country pair (`kr=linked,jp=two_track` or
`{"KR": "linked", "JP": {...levers}}`) or a lever dict. Nothing in the model reads a strategy's
name: only the lever values resolved here.
"""

from __future__ import annotations

from typing import Any

from .params import COUNTRIES, LEVERS, PRESETS, lever_defaults


class StrategyError(ValueError):
    """An unknown strategy name or malformed strategy spec."""


def resolve_levers(name_or_levers: Any, data: dict | None = None) -> dict:
    """Full lever dict for one country: defaults < preset < custom strategy < scenario `levers`."""
    data = data or {}
    custom = data.get("strategies", {})
    levers = lever_defaults()
    if not isinstance(name_or_levers, (str, dict)):
        raise StrategyError(f"a strategy is a name or a mapping of levers, not {name_or_levers!r}")
    if isinstance(name_or_levers, dict):
        body = dict(name_or_levers)
        base = body.pop("extends", None)
        if base is not None:
            levers = resolve_levers(base, {"strategies": custom})
        unknown = set(body) - set(LEVERS)
        if unknown:
            raise StrategyError(f"unknown lever(s) {sorted(unknown, key=str)}")
        levers.update(body)
    elif isinstance(name_or_levers, str) and name_or_levers in custom:  # a scenario may redefine a preset
        body = dict(custom[name_or_levers])
        base = body.pop("extends", "two_track")
        levers.update(PRESETS[base])
        levers.update(body)
    elif isinstance(name_or_levers, str) and name_or_levers in PRESETS:
        levers.update(PRESETS[name_or_levers])
    else:
        raise StrategyError(f"unknown strategy {name_or_levers!r}")
    return _with_scenario_levers(levers, data)


def _with_scenario_levers(levers: dict, data: dict) -> dict:
    out = dict(levers)
    out.update(data.get("levers", {}))
    out["linked_fields"] = list(out["linked_fields"])
    for name, value in out.items():
        _check_lever(name, value)
    return out


def _check_lever(name: str, value: Any) -> None:
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


def parse_strategy(spec: Any, data: dict | None = None) -> dict[str, dict]:
    """Per-country lever dicts for a strategy spec (see module docstring)."""
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
        return {c: resolve_levers(spec[c], data) for c in COUNTRIES}
    levers = resolve_levers(spec, data)
    return {c: dict(levers) for c in COUNTRIES}


def strategy_label(spec: Any) -> str:
    """A short, stable text label for a strategy spec (used in tables and file names)."""
    if isinstance(spec, str):
        return spec.replace(" ", "")
    if isinstance(spec, dict) and set(k.upper() for k in spec) == set(COUNTRIES):
        return ",".join(f"{c.lower()}={strategy_label(spec.get(c, spec.get(c.lower())))}" for c in COUNTRIES)
    return "custom"
