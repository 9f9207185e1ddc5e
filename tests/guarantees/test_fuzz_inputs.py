"""Property-based hardening test (issue 7): mutated scenario and experiment files, checked through the CLI.

Each example copies the bundled scenarios and experiments into a fresh temporary sandbox, mutates one file
(or a file that another one extends) and runs `sim validate` (scenarios) or `sim batch --dry-run`
(experiments) in-process. The property: either the CLI exits 0 and a short run of what it accepted succeeds,
or it exits non-zero with exactly one `error: ` line that names the file (and the files that extend it or use
it) and the mutated field - never a traceback or an exception escaping `main`, never a hang or a runaway
allocation, never a file written outside the output directory.

Mutations work on the parsed document (then `yaml.safe_dump`): values of other types, out of range, NaN,
infinities, huge integers, unicode, control characters and long strings; deleted, renamed and unknown keys;
list entries (shocks, changes, random_shocks, ...) missing fields, extra or empty; shared objects (dumped as
`&id`/`*id` aliases, recursive when an object contains itself); `extends` to a missing file, "", NUL, a
300-character name, itself, a directory, a cycle. And on the raw text: duplicate keys, alias bombs, recursive
aliases, tags, truncation, inserted bytes and characters, BOM, CRLF, tabs, several documents, files over 1 MB.

The quick profile runs in the default subset; `-m slow` runs thousands of examples.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import os
import re
import signal
import tempfile
import traceback
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.config.experiment import load_experiment
from sim.config.scenario import load_scenario
from sim.runs.runner import run
from tests.helpers import ROOT

SCENARIOS = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "scenarios").glob("*.yaml"))}
EXPERIMENTS = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "experiments").glob("*.yaml"))}
# the experiments' base scenario is made small, so that a dry run that times one run (as it once did) stays fast
SMALL_BASELINE = SCENARIOS["baseline.yaml"] + (
    "horizon: 4\nburn_in: 2\npopulation: {KR: {n_public: 50, n_youth: 50}, JP: {n_public: 50, n_youth: 50}}\n")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # not in an error line: escape it
CALL_SECONDS = 15  # a CLI call or short run taking longer hangs
CALL_MEMORY = 3 * 2**30  # address space a call may add before it gets MemoryError

QUICK = settings(max_examples=50, derandomize=True, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LONG = settings(QUICK, max_examples=1500)  # each of two long tests (3,000 examples in all), so two workers share them


def _paths(node, prefix=()):
    """Every path (tuple of keys and indices) into a parsed document, the root excluded."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        yield prefix + (k,)
        yield from _paths(v, prefix + (k,))


# Known fields, present or not in a file: every parameter (tests/pinned.yaml pins them all) and the rest.
SCENARIO_FIELDS = [p for p in _paths(yaml.safe_load((ROOT / "tests" / "pinned.yaml").read_text()))
                   if p[0] not in ("name", "description")] + [
    ("name",), ("description",), ("extends",), ("strategy",), ("burn_in_strategy",), ("levers", "youth_exchange"),
    ("levers", "linked_fields"), ("strategies", "mine", "extends"), ("strategies", "mine", "dialogue"), ("shocks",),
    ("changes",), ("random_shocks",), ("disputes_initial",)]
AXIS = ("sweep", "axes", "disputes.deterrence")
EXPERIMENT_FIELDS = [
    ("name",), ("description",), ("scenarios",), ("scenarios", 0), ("strategies",), ("strategies", 0), ("seeds",),
    ("monthly",), ("overrides",), ("overrides", "horizon"), ("overrides", "disputes.deterrence"), ("sweep",),
    ("sweep", "sampler"), ("sweep", "samples"), ("sweep", "seed"), ("sweep", "axes"), AXIS, AXIS + ("num",),
    AXIS + ("low",), AXIS + ("high",), ("analysis",), ("analysis", "tie_tolerance"), ("analysis", "reference"),
    ("analysis", "margins", "health_discounted")]
# Valid additions, so that list entries, custom strategies, sweeps and analysis settings get mutated too.
ENRICH = {
    "scenario": {
        "shocks": [{"kind": "pandemic", "month": 2, "magnitude": 0.5, "duration": 3},
                   {"kind": "leadership_change", "month": 1, "actor": "KR", "strategy": "linked"}],
        "changes": [{"month": 1, "country": "JP", "strategy": "mine"},
                    {"month": 2, "contact_rate": 0.2, "levers": {"dialogue": 0.1}}],
        "disputes_initial": [{"issue": "territory", "aggrieved": "KR", "severity": 0.4}],
        "strategies": {"mine": {"extends": "linked", "dialogue": 0.1}}, "levers": {"youth_exchange": 0.5}},
    "experiment": {
        "seeds": [0, 1, 2], "overrides": {"disputes.deterrence": 2.0}, "monthly": False,
        "sweep": {"sampler": "grid", "axes": {"disputes.deterrence": {"low": 0, "high": 8, "num": 3}}},
        "analysis": {"reference": "two_track", "tie_tolerance": 0.001, "margins": {"health_discounted": 0.01}}}}
CHILD = {"extends": "baseline.yaml", "name": "child", "environment": {"tension_init": 0.5},
         "random_shocks": [{"kind": "summit", "rate": 0.1, "dist": "uniform", "a": 0.2, "b": 0.6}]}

VALUES = st.one_of(
    st.sampled_from([
        None, True, False, 0, 1, -1, -3, 7, 2.7, 0.5, -0.5, 1e-300, 1e308, -1e308, math.nan, math.inf, -math.inf,
        2**31, 2**63, 2**64, 10**8, 10**9, 10**30, -(10**9), "", " ", "x", "KR", "two_track", "linked", "mine",
        "kr=linked,jp=two_track", ".", "..", "../../../escaped", "a/b", "/", "~", "yes", "null", "1", "名前", "😀",
        "\u202e\x00", "\x1b[31mred", "tab\there", "two\nlines", "x" * 300, "y" * 100_000, b"\x00\xff",
        date(2024, 1, 1), {"economy"}, [], {}, [1, 2], [[]], [2**64], [-1], [1, 1], ["economy"], {"a": 1},
        {"kind": "summit"}, {"month": 3}, {"low": 0, "high": 8, "num": 0}]),
    st.integers(), st.floats(), st.text(max_size=12), st.lists(st.integers(-3, 3), max_size=3))
KEYS = st.one_of(st.sampled_from(["bogus", "Horizon", "horizon ", "名前", "k" * 300, "", "\x00", "extends", 1,
                                  True, None, 1.5]), st.text(max_size=8))
EXTENDS = ["nope.yaml", "", " ", "base\x00line.yaml", "a" * 300 + ".yaml", "a" * 300, ".", "..", "../scenarios",
           "/", "*.yaml", "child.yaml", "baseline.yaml", "../scenarios/baseline.yaml",
           "../experiments/first-look.yaml", 5, None, ["baseline.yaml"], {"a": 1}]
TAGS = ["!!python/object/apply:os.system ['touch pwned']", "!!python/name:os.system", "!!binary aGk=",
        "!!set {a: null}", "2024-01-01", "2024-01-01T00:00:00", "!!str 1", "!!int '7'", "!!float '.inf'",
        "!custom x", "!!null ''", "0x1F", "1_000", "+.inf", "-.nan", "~", "1e400", "=", "<<"]
TEXTUAL = [lambda t: "\ufeff" + t, lambda t: t.replace("\n", "\r\n"), lambda t: t.replace("\n  ", "\n\t"),
           lambda t: t + "\n---\nname: second\n", lambda t: "%YAML 1.1\n---\n" + t, lambda t: "%YAML 9.9\n---\n" + t,
           lambda t: "---\n" + t + "\n...\n", lambda t: t + "#" + "x" * 1_100_000 + "\n", lambda t: ""]
OPS = ["set", "set", "set", "delete", "rename", "add", "alias", "extends", "dup", "bomb", "recursive", "tag",
       "truncate", "bytes", "char", "textual"]


def _dump(doc) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _set(doc: dict, path: tuple, value) -> None:
    node = doc
    for k in path[:-1]:
        node = node[k] if isinstance(node, list) else node.setdefault(k, {})
    if isinstance(node, list) and not isinstance(path[-1], int):  # e.g. `num` of an axis given as a list
        return
    if isinstance(node, list) and path[-1] >= len(node):
        node.append(value)
    else:
        node[path[-1]] = value


def _has(doc, path: tuple) -> bool:
    try:
        _get(doc, path)
    except (KeyError, IndexError, TypeError):
        return False
    return True


def _get(doc, path: tuple):
    for k in path:
        doc = doc[k]
    return doc


@st.composite
def mutated(draw, text: str, kind: str, own: str):
    """(new content, field paths one of which an error must name, description) for one mutation of `text`."""
    doc = yaml.safe_load(text)
    if draw(st.booleans()):
        doc = {**doc, **{k: copy.deepcopy(v) for k, v in ENRICH[kind].items() if k not in doc}}
        text = _dump(doc)
    op = draw(st.sampled_from([o for o in OPS if o != "extends" or kind == "scenario"]))
    existing = list(_paths(doc))
    keyed = [p for p in existing if isinstance(_get(doc, p[:-1]), dict)]
    known = SCENARIO_FIELDS if kind == "scenario" else EXPERIMENT_FIELDS
    slots = existing + [p + (len(_get(doc, p)),) for p in existing if isinstance(_get(doc, p), list)]
    if op in ("set", "alias", "extends"):
        path = ("extends",) if op == "extends" else draw(st.sampled_from(slots) | st.sampled_from(known))
        if op == "alias":  # the same object twice: safe_dump writes an anchor and an alias (recursive if nested)
            src = draw(st.sampled_from([p for p in existing if isinstance(_get(doc, p), dict | list)] or [path]))
            value = _get(doc, src) if src != path else [1]
        else:
            src, value = (), copy.deepcopy(draw(VALUES if op == "set" else st.sampled_from(EXTENDS + [own])))
        created = next((path[:n] for n in range(1, len(path)) if not _has(doc, path[:n])), path)
        recursive = op == "alias" and path[:len(src)] == src  # an error about the alias need not name a field
        _set(doc, path, value)
        return _dump(doc), () if recursive else (path, created), f"{op} {path} = {value!r}"[:300]
    # a deletion may leave its parent wrong (empty); a deleted or renamed key may break a use of its name
    if op == "delete" and existing:
        path = draw(st.sampled_from(existing))
        del _get(doc, path[:-1])[path[-1]]
        return _dump(doc), (path, path[:-1], repr(path[-1])), f"delete {path}"
    if op == "rename" and keyed:
        path = draw(st.sampled_from([p for p in keyed if isinstance(p[-1], str)]))
        new = draw(st.sampled_from([path[-1].upper(), path[-1] + "_", path[-1][:-1], " " + path[-1]]))
        parent = _get(doc, path[:-1])
        parent[new] = parent.pop(path[-1])
        return _dump(doc), (path, path[:-1] + (new,), repr(path[-1])), f"rename {path} to {new!r}"
    if op == "add":
        parent = draw(st.sampled_from([()] + [p for p in existing if isinstance(_get(doc, p), dict)]))
        key, value = draw(KEYS), copy.deepcopy(draw(VALUES))
        if key in _get(doc, parent):
            return text, (), "nothing"
        _get(doc, parent)[key] = value
        return _dump(doc), (parent + (key,),), f"add {parent + (key,)} = {value!r}"[:300]
    if op in ("bomb", "recursive"):  # an alias bomb of up to a million values, or an alias inside its anchor
        key = draw(st.sampled_from(["description", "x_lol", *(("levers", "random_shocks") if kind == "scenario"
                                                                else ("strategies", "seeds"))]))
        doc.pop(key, None)
        if op == "bomb":
            width = draw(st.integers(2, 10))
            depth = draw(st.integers(2, min(12, int(math.log(10**6) / math.log(width)))))
            levels = ["&a0 [" + ", ".join(["lol"] * width) + "]"]
            levels += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, depth)]
            value = "[" + ", ".join(levels) + "]"
        else:
            value = "&r " + draw(st.sampled_from(["[*r]", "{a: *r}", "[[*r], 1]", "{a: [*r]}"]))
        return _dump(doc) + f"{key}: {value}\n", (), f"{op} at {key}"
    lines = text.split("\n")
    if op == "dup":  # the same key twice in one mapping: block lines and flow mappings
        keys = {k for p in existing for k in p if isinstance(k, str)}
        cands = [(i, m) for i, ln in enumerate(lines) if (m := re.match(r"(\s*)(- )?([\w.]+):(?: |$)", ln))
                 and m[3] in keys] + [(i, None) for i, ln in enumerate(lines) if re.search(r"\{\w+: ", ln)]
        if cands:
            i, m = draw(st.sampled_from(cands))
            if m is None:
                key = re.search(r"\{(\w+): ", lines[i])[1]
                lines[i] = re.sub(r"\{(\w+): ", r"{\1: null, \1: ", lines[i], count=1)
            elif m[2]:
                key = m[3]
                lines.insert(i + 1, f"{m[1]}  {key}: null")
            else:
                key = m[3]
                lines.insert(i, f"{m[1]}{key}: null")
            return "\n".join(lines), ((key,),), f"duplicate key {key!r} at line {i + 1}"
    if op == "tag":
        cands = [i for i, ln in enumerate(lines) if re.match(r"\s*(- )?[\w.]+: [^\s\[{>|&*!]", ln)]
        if cands:
            i, tag = draw(st.sampled_from(cands)), draw(st.sampled_from(TAGS))
            lines[i] = re.sub(r": .*$", ": " + tag, lines[i])
            return "\n".join(lines), (), f"tag {tag!r} at line {i + 1}"
    if op == "truncate":
        n = draw(st.integers(0, max(0, len(text) - 1)))
        return text[:n], (), f"truncated to {n} characters"
    if op == "bytes":
        n, junk = draw(st.integers(0, len(text))), draw(st.binary(min_size=1, max_size=6))
        data = text.encode()
        return data[:n] + junk + data[n:], (), f"bytes {junk!r} inserted at byte {n}"
    if op == "char":
        n, ch = draw(st.integers(0, len(text))), draw(st.characters(codec="utf-8"))
        return text[:n] + ch + text[n:], (), f"character {ch!r} inserted at {n}"
    if op == "textual":
        i = draw(st.integers(0, len(TEXTUAL) - 1))
        return TEXTUAL[i](text), (), f"textual change {i}"
    return text, (), "nothing"


@dataclass
class Case:
    kind: str  # "scenario": sim validate; "experiment": sim batch --dry-run
    target: str  # the file given to the CLI, relative to the sandbox
    files: dict  # every input file: sandbox path -> text or bytes
    changed: dict  # the mutated file
    blame: tuple  # files an error must name
    fields: tuple  # field paths, one of which an error must name (empty: no field was touched)
    what: str

    def __repr__(self) -> str:
        body = "".join(f"\n--- {name}\n{c[:1500]!r}" if isinstance(c, bytes) else f"\n--- {name}\n{c[:1500]}"
                       for name, c in self.changed.items())
        return f"Case({self.kind}: {self.what}; cli target {self.target}){body}"

    def _repr_pretty_(self, p, cycle) -> None:  # how hypothesis prints a falsifying example
        p.text(repr(self))


@st.composite
def scenario_cases(draw):
    name = draw(st.sampled_from(sorted(SCENARIOS)))
    files = {f"scenarios/{n}": t for n, t in SCENARIOS.items()}
    shape = draw(st.sampled_from(["file", "file", "parent", "child"]))  # which file of a chain is mutated
    own, text = ("child.yaml", _dump({**CHILD, "extends": name})) if shape == "child" else (name, SCENARIOS[name])
    content, fields, what = draw(mutated(text, "scenario", own))
    files[f"scenarios/{own}"] = content
    target, blame = f"scenarios/{own}", (f"scenarios/{own}",)
    if shape == "parent":
        files["scenarios/child.yaml"] = f"extends: {name}\nname: child\n"
        target, blame = "scenarios/child.yaml", ("scenarios/child.yaml", f"scenarios/{name}")
    return Case("scenario", target, files, {f"scenarios/{own}": content}, blame, fields, what)


@st.composite
def experiment_cases(draw):
    name = draw(st.sampled_from(sorted(EXPERIMENTS)))
    files = {**{f"scenarios/{n}": t for n, t in SCENARIOS.items()}, "scenarios/baseline.yaml": SMALL_BASELINE,
             **{f"experiments/{n}": t for n, t in EXPERIMENTS.items()}}
    target = f"experiments/{name}"
    if draw(st.integers(0, 3)) == 0:  # the error is in the scenario every experiment uses
        own, blame = "scenarios/baseline.yaml", (target, "scenarios/baseline.yaml")
        content, fields, what = draw(mutated(SMALL_BASELINE, "scenario", "baseline.yaml"))
    else:
        own, blame = target, (target,)
        content, fields, what = draw(mutated(EXPERIMENTS[name], "experiment", name))
    files[own] = content
    return Case("experiment", target, files, {own: content}, blame, fields, what)


class _Timeout(BaseException):  # not an Exception: code under test must not swallow it
    pass


@contextlib.contextmanager
def _bounded():
    """A hang becomes _Timeout and a runaway allocation MemoryError (Linux), instead of stalling the machine."""
    if not hasattr(signal, "SIGALRM") or not os.path.exists("/proc/self/statm"):
        yield
        return
    import resource

    def alarm(*_):
        raise _Timeout(f"took over {CALL_SECONDS} s")

    limits = resource.getrlimit(resource.RLIMIT_AS)
    used = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    cap = used + CALL_MEMORY if limits[1] == resource.RLIM_INFINITY else min(used + CALL_MEMORY, limits[1])
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(CALL_SECONDS)
    resource.setrlimit(resource.RLIMIT_AS, (cap, limits[1]))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, limits)


def _last(e: BaseException) -> str:
    """An exception's type, message and innermost frame, on one line."""
    frame = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    where = f" (at {Path(frame.filename).name}:{frame.lineno} in {frame.name})" if frame else ""
    return f"{type(e).__name__}: {' '.join(str(e).split())[:300]}{where}"


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _bounded():
            rc = main(argv)
    except SystemExit as e:
        rc = e.code
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001 - anything escaping main is the failure under test
        raise AssertionError(f"exception escaped main: {_last(e)}") from e
    return rc, out.getvalue(), err.getvalue()


def _small(scen) -> dict:
    """Overrides for a short run: 4 months after 2 of burn-in, at most 50 citizens per cohort."""
    pop = {f"population.{c}.{k}": min(scen.get(f"population.{c}.{k}"), 50) for c in ("KR", "JP")
           for k in ("n_public", "n_youth")}
    return {"horizon": min(scen.get("horizon"), 4), "burn_in": min(scen.get("burn_in"), 2), **pop}


def _short_run(case: Case, target: Path) -> None:
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), _bounded():
            if case.kind == "scenario":
                scen = load_scenario(target)
                run(scen.with_overrides(**_small(scen)), seed=0, keep_model=False)
            else:
                specs = load_experiment(target).specs
                for spec in {id(s): s for s in (specs[0], specs[-1])}.values():
                    run(spec.scenario.with_overrides(**_small(spec.scenario)), spec.strategy, spec.seed,
                        keep_model=False)
    except BaseException as e:  # noqa: BLE001
        if isinstance(e, KeyboardInterrupt):
            raise
        raise AssertionError(f"accepted, but a short run fails: {_last(e)}") from e


def _files_named(msg: str, cwd: Path) -> set[str]:
    """Normalised absolute paths of the .yaml files a message names (absolute or relative to cwd)."""
    tokens = re.findall(r"[^\s:;,'\"()]+\.yaml", msg)
    return {os.path.normpath(os.path.join(cwd, t)) for t in tokens}


def _names_field(msg: str, field) -> bool:
    """The message names the field: its dotted path, or its parent's and the key (`shocks.0: missing ... month`),
    or a leading part of a dotted key (`overrides.a: unknown` for `overrides: {a.b: 1}`). A string: a quoted name
    that must appear (a use of a renamed custom strategy, say)."""
    flat = " ".join(msg.split())
    if isinstance(field, str):
        return field in flat
    if not field:
        return True
    parent, leaf = ".".join(map(str, field[:-1])), str(field[-1]).split(".")

    def has(part: str) -> bool:  # as written or escaped (control characters), whitespace folded or not
        forms = [part, " ".join(part.split())]
        forms += [repr(f)[1:-1] for f in forms]
        return any(f[:50] in text for f in forms for text in (msg, flat))

    heads = [".".join(leaf[:n]) for n in range(1, len(leaf) + 1)]
    return any(has(f"{parent}.{h}" if parent else h) for h in heads) or (has(parent) and has(".".join(leaf)))


def check(case: Case) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        box = Path(os.path.realpath(tmp)) / "a" / "b" / "c"  # `..` escapes of three levels stay in the tmp dir
        for rel, content in case.files.items():
            (box / rel).parent.mkdir(parents=True, exist_ok=True)
            (box / rel).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        cwd, out_dir, target = box / "cwd", box / "out", box / case.target
        cwd.mkdir()
        before = set(Path(tmp).rglob("*"))
        argv = ["validate", str(target)] if case.kind == "scenario" else \
            ["batch", str(target), "--dry-run", "--out", str(out_dir), "-j", "1"]
        with contextlib.chdir(cwd):
            rc, out, err = _cli(argv)
            assert "Traceback" not in out + err, f"traceback in the output (exit {rc}):\n{err[-3000:]}"
            if rc == 0:
                _short_run(case, target)
            else:  # one line per error (a file with several mistakes may report each), no other output
                lines = [ln for ln in err.split("\n") if ln.strip() and not ln.lower().startswith("warning")]
                assert isinstance(rc, int) and lines and all(ln.startswith("error: ") for ln in lines), \
                    f"want exit != 0 and `error: ` lines, got exit {rc!r}, stderr {err[-3000:]!r}"
                assert not any(CONTROL.search(ln) for ln in lines), f"a raw control character in {err.strip()!r}"
                assert any({str(box / f) for f in case.blame} <= _files_named(ln, cwd) for ln in lines), \
                    f"no error names {' and '.join(case.blame)}: {err.strip()}"
                # a lever changed so that two strategies coincide: the error names the strategies list, rightly
                fields = [*case.fields, *[p[:1] for p in case.fields if p[:1] == ("strategies",)
                                          and any("resolve to the same levers" in ln for ln in lines)]]
                assert not fields or any(_names_field(ln, p) for ln in lines for p in fields), \
                    f"the error does not name the field {' or '.join(map(str, case.fields))}: {err.strip()}"
        written = {p for p in Path(tmp).rglob("*") if p not in before and not p.is_relative_to(out_dir)}
        assert not written, f"wrote outside its output directory: {sorted(map(str, written))[:5]}"


@pytest.mark.parametrize("case", [
    *(Case("scenario", f"scenarios/{n}", {f"scenarios/{m}": t for m, t in SCENARIOS.items()}, {}, (), (), "none")
      for n in SCENARIOS),
    *(Case("experiment", f"experiments/{n}", {**{f"scenarios/{m}": t for m, t in SCENARIOS.items()},
                                              "scenarios/baseline.yaml": SMALL_BASELINE,
                                              **{f"experiments/{m}": t for m, t in EXPERIMENTS.items()}},
           {}, (), (), "none") for n in EXPERIMENTS)], ids=repr)
def test_bundled_inputs_pass(case):
    """The harness itself: every bundled file, unmutated, validates and runs."""
    check(case)


@QUICK
@given(scenario_cases())
def test_mutated_scenarios(case):
    check(case)


@QUICK
@given(experiment_cases())
def test_mutated_experiments(case):
    check(case)


@pytest.mark.slow
@LONG
@given(scenario_cases())
def test_mutated_scenarios_long(case):
    check(case)


@pytest.mark.slow
@LONG
@given(experiment_cases())
def test_mutated_experiments_long(case):
    check(case)
