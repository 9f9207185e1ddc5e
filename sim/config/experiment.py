"""Experiment files: which scenarios, strategies, seeds and sweep axes to run, expanded into run specs.

An experiment is validated like a scenario (file, line, dotted path, what is allowed). Each run gets a
key that hashes the resolved scenario (after `extends`, overrides and sweep values), the resolved lever
bundles of both countries, the seed and the model's code version, so an edited base scenario or a
changed model never mixes old and new runs.
"""

from __future__ import annotations

import copy
import glob
import hashlib
import itertools
import json
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.config.limits import Estimate, estimate
from sim.config.paths import check_component
from sim.config.rules import rule_notes
from sim.config.scenario import Scenario, ScenarioError, load_scenario, nearest
from sim.config.strategies import (
    StrategyError,
    parse_rules,
    parse_strategy,
    per_country,
    resolve_levers,
    strategy_label,
)
from sim.config.yamlio import read_yaml
from sim.errors import InputError, InputWarning, LimitError
from sim.outcomes import HEALTH_COMPONENTS, OUTCOMES_BY_NAME
from sim.provenance import code_version

SAMPLERS = ("grid", "lhs", "sobol")
TOP_KEYS = ("name", "description", "scenarios", "strategies", "seeds", "overrides", "sweep", "monthly", "analysis")
ANALYSIS_KEYS = {"reference": str, "margins": dict, "weightings": dict, "default_margin": float, "tie_tolerance": float,
                 "satisficing_threshold": float, "precision_width": float}
SWEEP_KEYS = ("sampler", "samples", "seed", "axes")


@dataclass(frozen=True)
class RunSpec:
    """One run to execute: a scenario (resolved), a strategy spec, a seed and labels."""

    scenario: Scenario
    strategy: Any
    seed: int
    label: str = ""
    tags: dict = field(default_factory=dict)

    @property
    def strategy_label(self) -> str:
        return self.label or strategy_label(self.strategy)


@dataclass(kw_only=True)
class Experiment:
    """A validated experiment: its runs (specs with keys) and what it was built from. Made by make_experiment,
    which every way of building one calls (a file, code, a sweep, a replay, parameter draws)."""

    name: str
    description: str = ""
    specs: list[RunSpec]
    keys: list[str]
    data: dict
    path: str | None = None
    scenarios: list[Scenario] = field(default_factory=list)
    axes: list[str] = field(default_factory=list)
    monthly: bool = True

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.data, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def __len__(self) -> int:
        return len(self.specs)

    def estimate(self, workers: int, skip: set[str] | frozenset = frozenset()) -> Estimate:
        """Estimated time, memory and disk of the runs whose keys are not in `skip` (nothing is run)."""
        counts: dict[int, list] = {}  # by scenario object: the runs of one sweep point share it
        for key, spec in zip(self.keys, self.specs, strict=True):
            if key not in skip:
                entry = counts.setdefault(id(spec.scenario), [spec.scenario.data, 0])
                entry[1] += 1
        return estimate([d for d, _ in counts.values()], [n for _, n in counts.values()], workers, self.monthly)


def make_experiment(name: str, specs: list[RunSpec], data: dict, *, scenarios: list[Scenario],
                    description: str = "", path: str | None = None, axes: list[str] | None = None,
                    monthly: bool = True) -> Experiment:
    """An experiment of these runs, with their keys (run_keys: the part before the seed hashed once for each run
    of the same scenario and strategy in a row). `data` is what the experiment's hash covers; `scenarios` are
    the scenarios the manifest lists."""
    keys: list[str] = []
    start = 0
    for i in range(1, len(specs) + 1):
        if i == len(specs) or specs[i].scenario is not specs[start].scenario \
                or specs[i].strategy is not specs[start].strategy:
            keys += run_keys(specs[start].scenario, specs[start].strategy, [s.seed for s in specs[start:i]])
            start = i
    return Experiment(name=name, description=description, specs=specs, keys=keys, data=data, path=path,
                      scenarios=list(scenarios), axes=list(axes or []), monthly=monthly)


def expand_points(scenarios: list[Scenario], points: list[dict[str, Any]], strategies: list[tuple[str, Any]],
                  seeds: list[int], bad_point: Callable[[int, dict, ScenarioError], None]) -> list[RunSpec]:
    """Every scenario x design point x strategy x seed, in this order, as run specs tagged `point` (its index)
    and `sweep.<field>` (its values); the same seeds for every point and strategy (common random numbers).
    bad_point(i, point, error) reports a point that does not fit a scenario (it must raise)."""
    specs = []
    for scen in scenarios:
        for i, point in enumerate(points):
            try:
                s = scen.with_overrides(**point) if point else scen
            except ScenarioError as e:
                bad_point(i, point, e)
                raise
            tags = {"point": i, **{f"sweep.{k}": v for k, v in point.items()}}
            specs += [RunSpec(s, strat, seed, label=label, tags=tags) for label, strat in strategies for seed in seeds]
    return specs


def run_key(spec: RunSpec) -> str:
    """Identity of a run: resolved scenario, resolved levers of both countries, seed, model code version."""
    return run_keys(spec.scenario, spec.strategy, [spec.seed])[0]


def run_keys(scenario: Any, strategy: Any, seeds: list[int]) -> list[str]:
    """run_key of each seed for one scenario and strategy: the sha256 of the JSON of {code, levers, rules (only
    for a rule-based strategy), scenario, seed} (sorted keys), with the part before the seed hashed once."""
    def dump(obj: Any) -> str:
        return json.dumps(obj, sort_keys=True, default=str)

    levers = parse_strategy(strategy, scenario.data)
    rules = parse_rules(strategy, scenario.data)
    rules_part = f'"rules": {dump(rules)}, ' if any(rules.values()) else ""  # fixed strategies keep their keys
    head = hashlib.sha256((f'{{"code": {dump(code_version())}, "levers": {dump(levers)}, {rules_part}'
                           f'"scenario": {dump(scenario.data)}, "seed": ').encode())
    out = []
    for seed in seeds:
        h = head.copy()
        h.update(f"{dump(seed)}}}".encode())
        out.append(h.hexdigest()[:20])
    return out


MAX_SEED = 2**63 - 1
MAX_RUNS = 200_000  # runs in one experiment (sim.config.limits has the per-run limits); `limits=False` lifts it


class _Where:
    """Error reporting with the experiment file's line numbers."""

    def __init__(self, file: str, lines: dict) -> None:
        self.file, self.lines = file, lines

    def line(self, path: tuple) -> int | None:
        """The line of the field at `path`, else of the nearest mapping or list holding it (None: not known)."""
        return nearest(self.lines, path)

    def fail(self, problem: str, path: tuple, given: Any = None, allowed: str = "", kind: type = ScenarioError
             ) -> None:
        raise kind(problem, file=self.file, line=self.line(path), path=".".join(map(str, path)), given=given,
                   allowed=allowed)


def load_experiment(source: str | Path | dict, base_dir: str | Path | None = None, limits: bool = True
                    ) -> Experiment:
    """Read (a file path) or take (a dict) an experiment, validate it and expand it into run specs.

    limits=False lifts the limit on the number of runs (MAX_RUNS), which is checked before anything is expanded.
    """
    if isinstance(source, dict):
        data, lines, file = copy.deepcopy(source), {}, "<experiment>"
        base = Path(base_dir or ".")
    else:
        path = Path(source)
        try:
            data, lines = read_yaml(path, "experiment file")
        except InputError as e:
            raise ScenarioError(e.problem, file=e.file, line=e.line, given=e.given, allowed=e.allowed) from None
        data = {} if data is None else data
        file, base = str(path), path.parent
    w = _Where(file, lines)
    if not isinstance(data, dict):
        w.fail("the top level must be a mapping", (), type(data).__name__, "fields " + ", ".join(TOP_KEYS))
    for k in data:
        if k not in TOP_KEYS:
            import difflib

            close = difflib.get_close_matches(str(k), TOP_KEYS, n=1)
            w.fail("unknown field" + (f" (did you mean {close[0]!r}?)" if close else ""), (k,), k,
                   ", ".join(TOP_KEYS))
    for req in ("name", "scenarios", "strategies", "seeds"):
        if req not in data:
            w.fail(f"missing required field `{req}`", (), None, ", ".join(TOP_KEYS))
    name = check_component(data["name"], file=file, line=w.line(("name",)))
    description = data.get("description", "")
    if not isinstance(description, str) or len(description) > 10_000:
        w.fail("wrong type", ("description",), description, "a text of at most 10,000 characters")
    n_seeds = _seed_count(data["seeds"], w)
    overrides = data.get("overrides", {}) or {}
    if not isinstance(overrides, dict):
        w.fail("wrong type", ("overrides",), overrides, "a mapping dotted.path: value")
    for k in overrides:
        if not isinstance(k, str) or not k:
            w.fail("an override is named by a dotted path", ("overrides", k), k, "e.g. disputes.deterrence: 2")
    _analysis(data.get("analysis", {}), w)
    monthly = data.get("monthly", True)
    if not isinstance(monthly, bool):
        w.fail("wrong type", ("monthly",), monthly, "true or false")
    scenarios = _scenarios(data["scenarios"], base, overrides, w)
    strategies = _strategies(data["strategies"], scenarios, w)
    n_points, sweep_path = _sweep_size(data.get("sweep"), w)
    total = len(scenarios) * n_points * len(strategies) * n_seeds
    if limits and total > MAX_RUNS:
        w.fail(f"{total:,} runs ({len(scenarios)} scenarios x {n_points} sweep points x {len(strategies)} strategies"
               f" x {n_seeds} seeds) exceed the limit of {MAX_RUNS:,} runs in one experiment",
               sweep_path if n_points > n_seeds else ("seeds",), total,
               f"at most {MAX_RUNS:,} runs; split the experiment, or lift the limit with --no-limits "
               "(limits=False)", kind=LimitError)
    seeds = _seeds(data["seeds"], w)
    points, axes = _sweep(data.get("sweep"), scenarios, w)
    def bad_point(i: int, point: dict, e: ScenarioError) -> None:
        w.fail(f"a sweep value does not fit the scenario: {e.problem}", ("sweep", "axes", e.path), point, e.allowed)

    specs = expand_points(scenarios, points, strategies, seeds, bad_point)
    exp = make_experiment(name, specs, data, scenarios=scenarios, description=description,
                          path=None if isinstance(source, dict) else str(source), axes=axes, monthly=monthly)
    seen: dict[str, RunSpec] = {}
    for key, spec in zip(exp.keys, exp.specs, strict=True):
        if key in seen and seen[key].strategy_label != spec.strategy_label:
            w.fail(f"strategies {seen[key].strategy_label!r} and {spec.strategy_label!r} resolve to the same levers "
                   "(the same runs)", ("strategies",), [seen[key].strategy_label, spec.strategy_label],
                   "strategies that differ in some lever")
        if key in seen:
            w.fail("two sweep points give the same scenario (the same runs)", ("sweep", "axes"),
                   {k.removeprefix("sweep."): v for k, v in spec.tags.items() if k.startswith("sweep.")},
                   "distinct sweep values")
        seen[key] = spec
    return exp


def _analysis(value: Any, w: _Where) -> None:
    """`analysis:` settings for reports: reference strategy, practical margins per outcome, extra weightings of
    the health components, tie tolerance, the satisficing threshold on health and the interval width the
    precision check aims at."""
    if not isinstance(value, dict):
        w.fail("wrong type", ("analysis",), value, "a mapping with " + ", ".join(ANALYSIS_KEYS))
    for k, v in value.items():
        if k not in ANALYSIS_KEYS:
            w.fail("unknown field", ("analysis", k), k, ", ".join(ANALYSIS_KEYS))
        kind = ANALYSIS_KEYS[k]
        if k == "weightings":
            _weightings(v, w)
            continue
        if kind is float and not _finite_nonneg(v):
            w.fail("not a finite number >= 0", ("analysis", k), v, "a number >= 0")
        if kind is dict and (not isinstance(v, dict) or not all(_finite_nonneg(x) for x in v.values())):
            w.fail("wrong type", ("analysis", k), v, "a mapping outcome: margin, a finite number >= 0")
        if k == "margins":
            for name in v:
                if name not in OUTCOMES_BY_NAME:
                    w.fail("no such outcome", ("analysis", "margins", name), name, ", ".join(OUTCOMES_BY_NAME))
        if kind is str and (not isinstance(v, str) or len(v) > 200):
            w.fail("wrong type", ("analysis", k), v, "a strategy label")


def _weightings(value: Any, w: _Where) -> None:
    """`analysis: weightings:` NAME -> {cooperation: w, opinion: w, disputes: w}, weights >= 0, not all 0."""
    allowed = "NAME: {cooperation: w, opinion: w, disputes: w} with finite weights >= 0, not all 0"
    if not isinstance(value, dict):
        w.fail("wrong type", ("analysis", "weightings"), value, allowed)
    for name, ws in value.items():
        path = ("analysis", "weightings", name)
        if not isinstance(name, str) or not name or len(name) > 40:
            w.fail("a weighting needs a name of 1-40 characters", path, name, allowed)
        if not isinstance(ws, dict) or not ws or any(c not in HEALTH_COMPONENTS for c in ws) \
                or not all(_finite_nonneg(x) for x in ws.values()) or sum(ws.values()) <= 0:
            w.fail("not a weighting of the health components", path, ws, allowed)


def _finite_nonneg(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and v >= 0


def _seed_count(value: Any, w: _Where) -> int:
    """The number of seeds `seeds:` asks for, checked before any list is built."""
    allowed = f"a count N >= 1 (seeds 0..N-1) or a non-empty list of distinct integers in [0, {MAX_SEED}]"
    if isinstance(value, bool):
        w.fail("wrong type", ("seeds",), value, allowed)
    if isinstance(value, int):
        if value < 1:
            w.fail("need at least one seed", ("seeds",), value, allowed)
        return value
    if isinstance(value, list):
        if not value:
            w.fail("the seed list is empty", ("seeds",), value, allowed)
        if any(isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= MAX_SEED for s in value):
            w.fail("seeds must be integers in range", ("seeds",), value, allowed)
        if len(set(value)) != len(value):
            w.fail("a seed is listed twice", ("seeds",), value, allowed)
        return len(value)
    w.fail("wrong type", ("seeds",), value, allowed)
    return 0


def _seeds(value: Any, w: _Where) -> list[int]:
    _seed_count(value, w)
    return list(range(value)) if isinstance(value, int) else list(value)


def _scenarios(value: Any, base: Path, overrides: dict, w: _Where) -> list:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        w.fail("wrong type", ("scenarios",), value, "a non-empty list of scenario paths or globs")
    out, names = [], set()
    for i, pattern in enumerate(items):
        if not isinstance(pattern, str) or not pattern or "\x00" in pattern or len(pattern) > 1000:
            w.fail("wrong type", ("scenarios", i), pattern, "a path or glob (no NUL characters)")
        try:
            hits = sorted(glob.glob(str(base / pattern))) or sorted(glob.glob(pattern))
        except (OSError, ValueError):
            hits = []
        if not hits:
            w.fail("no scenario file matches", ("scenarios", i), pattern,
                   f"paths relative to the experiment file ({base}) or the current directory")
        files = [h for h in hits if not Path(h).is_dir()]
        if not files:
            w.fail("names only directories, not scenario files", ("scenarios", i), pattern,
                   "scenario files, or a glob such as scenarios/*.yaml")
        hits = files
        for h in hits:
            try:
                scen = load_scenario(h, overrides)
            except ScenarioError as e:
                if e.file == "<override>":
                    w.fail(f"an override does not fit: {e.problem}", ("overrides", e.path), e.given, e.allowed)
                raise e.led_from((w.file, w.line(("scenarios", i)), "uses")) from None
            if scen.name in names:
                w.fail("two scenarios share a name", ("scenarios", i), scen.name, "distinct scenario names")
            names.add(scen.name)
            out.append(scen)
    return out


def _strategies(value: Any, scenarios: list, w: _Where) -> list[tuple[str, Any]]:
    if not isinstance(value, list) or not value:
        w.fail("wrong type", ("strategies",), value, "a non-empty list of strategies")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, dict) and "name" in item:
            body = dict(item)
            label = body.pop("name")
            if not isinstance(label, str) or not label.strip() or len(label) > 100:
                w.fail("not a strategy label", ("strategies", i, "name"), label, "a text of 1-100 characters")
            spec: Any = body.pop("levers") if "levers" in body and len(body) == 1 else body
        elif isinstance(item, str):
            label, spec = strategy_label(item), item
        else:
            w.fail("wrong type", ("strategies", i), item,
                   "a name (two_track), 'kr=NAME,jp=NAME', or {name: LABEL, KR: ..., JP: ...} / "
                   "{name: LABEL, levers: {extends: PRESET, lever: value}}")
        for scen in scenarios:
            try:
                parse_strategy(spec, scen.data)
            except StrategyError as e:
                if "rules" in e.path:
                    w.fail(str(e), _rule_path(item, i, e.path), e.given, e.allowed)
                w.fail(str(e), _strategy_fault(item, i, scen.data), item, "presets two_track, linked, package_deal, "
                       "rule-based two_track_guarded, tit_for_tat, generous_tit_for_tat, grim_trigger, the "
                       "scenario's custom strategies, per-country pairs, or lever bundles")
        if isinstance(item, dict) and scenarios:
            _rule_warnings(spec, item, i, scenarios[0].data, w)
        if label in [lb for lb, _ in out]:
            w.fail("two strategies share a label", ("strategies", i), label, "distinct labels (`name:`)")
        out.append((label, spec))
    return out


def _rule_warnings(spec: Any, item: Any, i: int, data: dict, w: _Where) -> None:
    """InputWarning (with the experiment file's line) for each rule of strategy entry `i` that is probably not meant
    (sim.config.rules.rule_notes: never fires, always fires, changes nothing, contradicts another)."""
    levers, rules = parse_strategy(spec, data), parse_rules(spec, data)
    done = set()
    for c in rules:
        key = json.dumps(rules[c], sort_keys=True, default=str)
        if not rules[c] or key in done:
            continue
        done.add(key)
        for sub, text in rule_notes(rules[c], levers[c]):
            path = _rule_path(item, i, ((c,) if per_country(spec) else ()) + ("rules", *sub))
            line = w.line(path)
            warnings.warn(InputWarning(f"{w.file}{f':{line}' if line else ''}: {'.'.join(map(str, path))}: {text}"),
                          stacklevel=3)


def _rule_path(item: Any, i: int, path: tuple) -> tuple:
    """The path in the experiment file of a problem at `path` inside strategy entry `i` (a rule's field)."""
    base: tuple = ("strategies", i)
    if not isinstance(item, dict):
        return base
    if "levers" in item and isinstance(item["levers"], dict):
        base += ("levers",)
    if path and path[0] in ("KR", "JP"):
        key = next((k for k in item if isinstance(k, str) and k.upper() == path[0]), path[0])
        return base + (key, *path[1:])
    return base + path


def _strategy_fault(item: Any, i: int, data: dict) -> tuple:
    """The path of the part of strategy entry `i` that does not resolve: a lever, `extends`, a country."""
    base = ("strategies", i)
    if not isinstance(item, dict):
        return base
    body = {k: v for k, v in item.items() if k != "name"}
    if "levers" in body and len(body) > 1:  # {name, levers} takes nothing else
        return base + (next(k for k in body if k != "levers"),)
    if set(body) == {"levers"}:
        bundles = [(base + ("levers",), body["levers"])]
    elif any(isinstance(k, str) and k.upper() in ("KR", "JP") for k in body):
        bundles = [(base + (k,), v) for k, v in body.items()]
    else:
        bundles = [(base, body)]
    custom = {"strategies": data.get("strategies", {})}
    for path, bundle in bundles:
        if not isinstance(bundle, dict):
            try:
                resolve_levers(bundle, data)
            except StrategyError:
                return path
            continue
        for k, v in bundle.items():
            try:
                resolve_levers(v, custom) if k == "extends" else resolve_levers({k: v})
            except (StrategyError, TypeError):
                return path + (k,)
    return base


def _axis_num(spec: Any, path: tuple, w: _Where) -> int:
    num = spec.get("num")
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        w.fail("`num` must be a whole number of values >= 1", path + ("num",), num, "an integer >= 1")
    return num


def _sweep_size(value: Any, w: _Where) -> tuple[int, tuple]:
    """The number of sweep points `sweep:` asks for, checked before any point is built, and the path of the
    field that asks for the most of them."""
    if value is None:
        return 1, ("seeds",)
    if not isinstance(value, dict):
        w.fail("wrong type", ("sweep",), value, "a mapping with " + ", ".join(SWEEP_KEYS))
    for k in value:
        if k not in SWEEP_KEYS:
            w.fail("unknown field", ("sweep", k), k, ", ".join(SWEEP_KEYS))
    sampler = value.get("sampler", "grid")
    if not isinstance(sampler, str) or sampler not in SAMPLERS:
        w.fail("unknown sampler", ("sweep", "sampler"), sampler, ", ".join(SAMPLERS))
    axes = value.get("axes")
    if not isinstance(axes, dict) or not axes:
        w.fail("a sweep needs axes", ("sweep", "axes"), axes, "a mapping dotted.path: [values] or {low, high}")
    for name in axes:
        if not isinstance(name, str) or not name:
            w.fail("an axis is named by a dotted path", ("sweep", "axes", name), name, "e.g. disputes.deterrence")
    seed = value.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        w.fail("wrong type", ("sweep", "seed"), seed, f"an integer in [0, {MAX_SEED}]")
    if sampler != "grid":
        n = value.get("samples")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            w.fail(f"the {sampler} sampler needs a number of samples", ("sweep", "samples"), n, "an integer >= 1")
        return n, ("sweep", "samples")
    if "samples" in value:
        w.fail("`samples` is for the lhs and sobol samplers", ("sweep", "samples"), value["samples"],
               "values per axis (a list or {low, high, num}) for a grid")
    total, largest, where = 1, 0, ("sweep",)
    for name, spec in axes.items():
        path = ("sweep", "axes", name)
        if isinstance(spec, list) and spec:
            n = len(spec)
        elif isinstance(spec, dict) and {"low", "high", "num"} <= set(spec):
            n, path = _axis_num(spec, path, w), path + ("num",)
        else:
            w.fail("a grid axis needs a list of values or {low, high, num}", path, spec,
                   "[v1, v2, ...] or {low: a, high: b, num: n}")
        total *= n
        if n > largest:
            largest, where = n, path
    return total, where


def _sweep(value: Any, scenarios: list, w: _Where) -> tuple[list[dict], list[str]]:
    if value is None:
        return [{}], []
    _sweep_size(value, w)
    sampler = value.get("sampler", "grid")
    axes = value["axes"]
    names = list(axes)
    scen = scenarios[0]

    def fits(name: str, v: Any, path: tuple) -> None:
        try:
            scen.with_overrides(**{name: v})
        except ScenarioError as e:
            w.fail(f"a sweep value does not fit: {e.problem}", path, v, e.allowed)

    for name in names:  # the field must exist, and every value given must fit it
        path = ("sweep", "axes", name)
        if name in ("name", "description"):
            w.fail("a sweep over a label, not a parameter", path, name,
                   "a dotted path of a model parameter, e.g. disputes.deterrence")
        try:
            scen.get(name)
        except (KeyError, TypeError, AttributeError):
            w.fail("a sweep over a field that does not exist", path, name,
                   "a dotted path of a scenario field, e.g. disputes.deterrence")
        spec = axes[name]
        if isinstance(spec, list):
            for j, v in enumerate(spec):
                fits(name, v, path + (j,))
        elif isinstance(spec, dict):
            for bound in ("low", "high"):
                if bound in spec:
                    fits(name, spec[bound], path + (bound,))
    if sampler == "grid":
        lists = []
        for name in names:
            spec, path = axes[name], ("sweep", "axes", name)
            if isinstance(spec, list) and spec:
                values = [_typed_value(name, v, scen) for v in spec]
            else:  # {low, high, num}, checked by _sweep_size
                lo, hi = _bounds(spec, path, w)
                values = [_typed_value(name, v, scen) for v in np.linspace(lo, hi, _axis_num(spec, path, w))]
            if len({json.dumps(v, sort_keys=True, default=str) for v in values}) != len(values):
                w.fail("the axis repeats a value (the same runs twice)", path, spec,
                       "distinct values (low < high, and no more points than integers between them for an "
                       "integer field)")
            lists.append(values)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)], names
    n = value["samples"]
    bounds = [_bounds(axes[name], ("sweep", "axes", name), w) for name in names]
    for name, (lo, hi) in zip(names, bounds, strict=True):
        if not lo < hi:
            w.fail("a sampled axis needs low < high", ("sweep", "axes", name), axes[name], "{low: a, high: b}, a < b")
    seed = value.get("seed", 0)
    from scipy.stats import qmc  # here: scipy.stats takes a second to import, and workers never sample

    gen = qmc.LatinHypercube(d=len(names), seed=seed) if sampler == "lhs" else \
        qmc.Sobol(d=len(names), scramble=True, seed=seed)
    unit = gen.random(n)
    lo, hi = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    pts = qmc.scale(unit, lo, hi)
    return [{name: _typed_value(name, float(v), scen) for name, v in zip(names, row, strict=True)}
            for row in pts], names


def _typed_value(name: str, v: Any, scenario: Any) -> Any:
    """A sweep value as the field's type: rounded to an integer for integer fields, a plain float otherwise."""
    default = scenario.get(name)
    if isinstance(default, int) and not isinstance(default, bool) and isinstance(v, (float, np.floating)) \
            and math.isfinite(v):
        return int(round(float(v)))
    if isinstance(v, np.floating):
        return float(v)
    return v


def _bounds(spec: Any, path: tuple, w: _Where) -> tuple[float, float]:
    if not isinstance(spec, dict) or "low" not in spec or "high" not in spec:
        w.fail("a sampled axis needs bounds", path, spec, "{low: a, high: b}")
    lo, hi = spec["low"], spec["high"]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in (lo, hi)) \
            or lo > hi:
        w.fail("bounds must be numbers with low <= high", path, spec, "{low: a, high: b}, a <= b")
    return float(lo), float(hi)


def from_scenarios(name: str, scenarios: list, strategies: list[Any], seeds: list[int],
                   monthly: bool = True) -> Experiment:
    """An experiment built in code from loaded scenarios (as `sim compare` and notebooks do)."""
    labels = [strategy_label(s) for s in strategies]
    specs = expand_points(list(scenarios), [{}], list(zip(labels, strategies, strict=True)), list(seeds),
                          lambda i, point, e: None)
    data = {"name": name, "scenarios": [s.content_hash for s in scenarios], "strategies": labels, "seeds": seeds}
    return make_experiment(name, specs, data, scenarios=list(scenarios), monthly=monthly)


def with_draws(exp: Experiment, draws: list[dict]) -> Experiment:
    """The experiment over parameter draws: the run of the i-th seed (in the order of the experiment's seeds)
    uses draw i mod len(draws) of its scenario, under every strategy (so comparisons stay paired, and a verdict
    reflects parameter uncertainty as well as chance). Tagged `draw`; scenario names are kept."""
    if not draws:
        return exp
    seeds = list(dict.fromkeys(s.seed for s in exp.specs))
    index = {seed: i % len(draws) for i, seed in enumerate(seeds)}
    variants: dict[tuple[int, int], Any] = {}
    specs = []
    for spec in exp.specs:
        d = index[spec.seed]
        key = (id(spec.scenario), d)
        if key not in variants:
            variants[key] = spec.scenario.with_overrides(**draws[d])
        specs.append(RunSpec(variants[key], spec.strategy, spec.seed, spec.label, {**spec.tags, "draw": d}))
    data = {**exp.data, "parameter_draws": hashlib.sha256(json.dumps(draws, sort_keys=True).encode()).hexdigest()[:16],
            "draws": len(draws)}
    scenarios = list({id(s.scenario): s.scenario for s in specs}.values())
    return make_experiment(exp.name, specs, data, scenarios=scenarios, description=exp.description, path=exp.path,
                           axes=exp.axes, monthly=exp.monthly)
