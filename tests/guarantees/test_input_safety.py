"""Hostile and mistaken input (issue 7): names never become paths outside the results directory, YAML tricks
are refused cheaply, limits are checked before anything is expanded or run, and every problem is reported
as one line naming the file (and the files leading to it), the field, what was given and what is allowed."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.config.experiment import MAX_RUNS, load_experiment
from sim.config.paths import check_component, protected, safe_component
from sim.config.scenario import ScenarioError, load_scenario
from sim.errors import InputError, LimitError
from tests.helpers import TESTS_DIR

TINY = TESTS_DIR / "scenarios" / "tiny.yaml"


def cli(capsys, *args: str | Path) -> tuple[int, str, str]:
    """Run the CLI in this process; returns (exit code, stdout, stderr)."""
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out
    return rc, out, err


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def experiment(tmp_path: Path, body: str, name: str = "exp") -> Path:
    scenarios = "" if "scenarios:" in body else f"scenarios: [{TINY}]\n"
    strategies = "" if "strategies:" in body else "strategies: [two_track, linked]\n"
    return write(tmp_path / "exp.yaml", f"name: {name}\n{scenarios}{strategies}" + body)


# ---- names and paths ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["..", ".", "../x", "a/b", ".hidden", "", "x" * 300, "a\x00b", "ü/..", 5])
def test_unsafe_experiment_names_are_refused(tmp_path, name):
    path = experiment(tmp_path, "seeds: 1\n", name=json.dumps(name))
    with pytest.raises(InputError) as err:
        load_experiment(path)
    assert err.value.path == "name" and err.value.line == 1 and str(path) in str(err.value)


def test_batch_with_dotdot_name_and_overwrite_deletes_nothing(tmp_path, capsys, monkeypatch):
    """The defect: `name: ..` with --overwrite deleted the working directory."""
    monkeypatch.chdir(tmp_path)
    keep = write(tmp_path / "precious.txt", "user data")
    (tmp_path / "results").mkdir()
    other = write(tmp_path / "results" / "other.txt", "other experiment")
    path = experiment(tmp_path, "seeds: 1\n", name="..")
    rc, _, err = cli(capsys, "batch", path, "--overwrite", "--quiet")
    assert rc == 2 and err.startswith("error: ") and "exp.yaml:1: name:" in err
    assert keep.read_text() == "user data" and other.read_text() == "other experiment"


def test_scenario_name_cannot_escape_results(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    scen = write(work / "esc.yaml", f"extends: {TINY}\nname: ../../../escaped\nhorizon: 3\nburn_in: 1\n")
    rc, out, _ = cli(capsys, "run", scen, "--no-plot")
    assert rc == 0
    (made,) = list((work / "results").iterdir())
    assert made.parent == work / "results" and ".." not in made.name and "/" not in made.name
    assert (made / "summary.json").exists()
    assert not list(tmp_path.glob("escaped*")) and not list(work.glob("escaped*"))


def test_safe_component_and_protected_dirs(tmp_path, monkeypatch):
    assert safe_component("../../../etc/passwd") == "etc_passwd"
    assert safe_component("..") == "unnamed" and safe_component("日本") == "unnamed"
    assert len(safe_component("x" * 1000)) <= 100
    assert check_component("deterrence-sweep_2") == "deterrence-sweep_2"
    monkeypatch.chdir(tmp_path)
    assert protected(".") and protected("..") and protected(tmp_path) and protected(Path.home())
    assert protected("/") and protected(tmp_path / "sub" / "..")
    assert protected(tmp_path / "results") is None


# ---- YAML tricks ----------------------------------------------------------------------------------------------
LAUGHS = "name: lol\n" + "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else ', '.join(['lol'] * 9)}]\n" for i in range(9))


@pytest.mark.parametrize("kind", ["scenario", "experiment"])
def test_billion_laughs_is_refused_fast(tmp_path, kind):
    path = write(tmp_path / f"{kind}.yaml", LAUGHS)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="expands to more than") as err:
        (load_scenario if kind == "scenario" else load_experiment)(path)
    assert time.perf_counter() - t0 < 2.0
    assert str(path) in str(err.value)


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "name: x\nenvironment: &e {x: [*e]}\n"])
def test_recursive_alias_is_refused(tmp_path, text):
    path = write(tmp_path / "rec.yaml", text)
    with pytest.raises(InputError, match="recursive alias") as err:
        load_scenario(path)
    assert err.value.line == 1 or err.value.line == 2


def test_harmless_aliases_still_work(tmp_path):
    path = write(tmp_path / "alias.yaml", f"extends: {TINY}\nname: alias\nshocks:\n"
                 "  - &s {kind: summit, month: 2, actor: both}\n  - *s\n")
    assert len(load_scenario(path).data["shocks"]) == 2


def test_duplicate_keys_name_both_lines(tmp_path):
    path = write(tmp_path / "dup.yaml", f"extends: {TINY}\nenvironment:\n  tension_mean: 0.5\n"
                 "  tension_mean: 0.7\n")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert "'tension_mean' appears twice (lines 3 and 4)" in str(err.value) and err.value.line == 4
    exp = experiment(tmp_path, "seeds: 1\nseeds: 2\n")
    with pytest.raises(InputError, match="appears twice"):
        load_experiment(exp)


def test_oversized_and_binary_files_are_refused(tmp_path):
    big = write(tmp_path / "big.yaml", "name: big\ndescription: '" + "x" * 1_100_000 + "'\n")
    with pytest.raises(InputError, match="too large"):
        load_scenario(big)
    nul = tmp_path / "nul.yaml"
    nul.write_bytes(b"name: a\x00b\n")
    with pytest.raises(InputError, match="NUL"):
        load_scenario(nul)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        load_scenario(latin)


# ---- validation guarantees a valid file runs -----------------------------------------------------------------
@pytest.mark.parametrize("section,entry", [("shocks", "{kind: summit, actor: both}"), ("changes", "{country: KR}")])
def test_entries_without_month_are_refused(tmp_path, section, entry):
    path = write(tmp_path / "m.yaml", f"extends: {TINY}\n{section}:\n  - {entry}\n")
    with pytest.raises(ScenarioError, match="missing required field `month`") as err:
        load_scenario(path)
    assert err.value.path == f"{section}.0" and err.value.line == 3


def test_shocks_outside_the_run_warn(tmp_path, capsys):
    path = write(tmp_path / "h.yaml", f"extends: {TINY}\nshocks:\n  - {{kind: summit, month: 500, actor: both}}\n"
                 "  - {kind: summit, month: -300, actor: both}\n  - {kind: summit, month: 3, actor: both}\n")
    with pytest.warns(UserWarning, match="outside the simulated months") as rec:
        scen = load_scenario(path)
    assert len(rec) == 2 and len(scen.warnings) == 2
    rc, out, err = cli(capsys, "validate", path)
    assert rc == 0 and "ok  " in out and err.count("warning: ") == 2 and "h.yaml:3: shocks.0.month" in err


@pytest.mark.parametrize("text,path", [
    ("analysis: {tie_tolerance: .nan}\nseeds: 1\n", "analysis.tie_tolerance"),
    ("analysis: {margins: {health_discounted: .inf}}\nseeds: 1\n", "analysis.margins"),
    ("description: [1, 2]\nseeds: 1\n", "description"),
    ("seeds: [18446744073709551616]\n", "seeds"),
    ("seeds: [1, 1]\n", "seeds"),
    ("seeds: 1\nsweep: {axes: {disputes.deterrence: {low: 0, high: 1, num: 2.7}}}\n",
     "sweep.axes.disputes.deterrence.num"),
    ("seeds: 1\nsweep: {axes: {disputes.deterrence: {low: 0, high: 1, num: 0}}}\n",
     "sweep.axes.disputes.deterrence.num"),
    ("seeds: 1\nsweep: {axes: {disputes.deterrence: {low: 0, high: 1, num: -3}}}\n",
     "sweep.axes.disputes.deterrence.num"),
    ("seeds: 1\nsweep: {axes: {disputes.deterrence: {low: 0, high: 1, num: x}}}\n",
     "sweep.axes.disputes.deterrence.num"),
    ("seeds: 1\nsweep: {sampler: lhs, samples: 4, seed: x, axes: {disputes.deterrence: {low: 0, high: 1}}}\n",
     "sweep.seed"),
    ("seeds: 1\nsweep: {sampler: lhs, samples: 4, seed: -1, axes: {disputes.deterrence: {low: 0, high: 1}}}\n",
     "sweep.seed"),
    ("seeds: 1\nsweep: {sampler: lhs, samples: 4, seed: 1.5, axes: {disputes.deterrence: {low: 0, high: 1}}}\n",
     "sweep.seed"),
    ("seeds: 1\nsweep: {sampler: lhs, samples: 4, axes: {disputes.deterrence: {low: 0, high: .inf}}}\n",
     "sweep.axes.disputes.deterrence.high"),
    ("seeds: 1\nsweep: {axes: {disputes.deterrence: {low: 0, high: 300, num: 3}}}\n",
     "sweep.axes.disputes.deterrence.high"),
    ("seeds: 1\nsweep: {axes: {disputes.deterrence: [1, 2, 99]}}\n", "sweep.axes.disputes.deterrence.2"),
    ("seeds: 1\nsweep: {axes: {disputes.deterrence: {low: 1, high: 1, num: 3}}}\n", "sweep.axes.disputes.deterrence"),
    ("seeds: 1\nsweep: {sampler: lhs, samples: 4, axes: {disputes.deterrence: {low: 1, high: 1}}}\n",
     "sweep.axes.disputes.deterrence"),
    ("seeds: 1\noverrides: {true: 1}\n", "overrides.True"),
    ("seeds: 1\nsweep: {axes: {name: [a, b]}}\n", "sweep.axes.name"),
    ("seeds: 1\nstrategies: [two_track, {name: x, levers: {extends: two_track, EXTENDS: linked}}]\n",
     "strategies.1.levers.EXTENDS"),
    ("seeds: 1\nstrategies: [two_track, {name: x, levers: {extends: [1]}}]\n", "strategies.1.levers.extends"),
    ("seeds: 1\nstrategies: [two_track, {name: x, KR: linked, JP: {boycott: 7}}]\n", "strategies.1.JP.boycott"),
    ("seeds: 1\nstrategies: [two_track, {name: x, KR: nope, JP: linked}]\n", "strategies.1.KR"),
    ("seeds: 1\nstrategies: [two_track, {name: x, levers: {extends: linked}, 1: null}]\n", "strategies.1.1"),
    ("seeds: 1\nstrategies: [two_track, {name: x, KR: linked, JP: linked, 1: null}]\n", "strategies.1.1"),
    ("seeds: 1\nscenarios: '..'\n", "scenarios.0"),
])
def test_experiment_values_accepted_but_wrong_are_refused(tmp_path, text, path):
    exp = experiment(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_experiment(exp)
    assert err.value.path == path and str(exp) in str(err.value) and err.value.allowed


# ---- limits before expansion ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["seeds: 1000000000\n",
                                  "seeds: 2\nsweep: {axes: {disputes.deterrence: {low: 0, high: 1, num: 100000000}}}\n",
                                  "seeds: 2\nsweep: {sampler: sobol, samples: 100000000, "
                                  "axes: {disputes.deterrence: {low: 0, high: 1}}}\n"])
def test_huge_experiments_are_refused_before_expansion(tmp_path, text):
    exp = experiment(tmp_path, text)
    t0 = time.perf_counter()
    with pytest.raises(LimitError, match=f"exceed the limit of {MAX_RUNS:,} runs"):
        load_experiment(exp)
    assert time.perf_counter() - t0 < 3.0


def test_huge_population_is_refused_before_running(tmp_path, capsys):
    scen = write(tmp_path / "pop.yaml", f"extends: {TINY}\npopulation:\n" + "".join(
        f"  {c}: {{n_public: 10000000, n_youth: 10000000}}\n" for c in ("KR", "JP")))
    t0 = time.perf_counter()
    rc, _, err = cli(capsys, "run", scen, "--out", tmp_path / "o")
    assert rc == 2 and "GiB" in err and "--no-limits" in err and time.perf_counter() - t0 < 5
    assert not (tmp_path / "o").exists()


def test_dry_run_runs_nothing(tmp_path, capsys, monkeypatch):
    import sim.runs.runner

    def boom(*a, **k):
        raise AssertionError("dry-run must not run the model")

    monkeypatch.setattr(sim.runs.runner, "run", boom)
    monkeypatch.setattr(sim.runs.runner.RelationsModel, "run", boom)
    exp = experiment(tmp_path, "seeds: 3\n")
    rc, out, _ = cli(capsys, "batch", exp, "--dry-run", "--out", tmp_path / "r")
    assert rc == 0 and "6 runs" in out and "6 to run" in out and "s per run" in out and "MiB per process" in out
    assert not (tmp_path / "r").exists()


# ---- error locations ----------------------------------------------------------------------------------------
def test_error_in_parent_names_the_extends_chain(tmp_path):
    parent = write(tmp_path / "parent.yaml", f"extends: {TINY}\nname: parent\ncitizens:\n  noise: 0.9\n")
    child = write(tmp_path / "child.yaml", "# a child\nextends: parent.yaml\nname: child\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    msg = str(err.value)
    assert msg.startswith(f"{child}:2 extends {parent}:4: citizens.noise: out of range")
    bad_yaml = write(tmp_path / "broken.yaml", "name: [\n")
    grand = write(tmp_path / "grand.yaml", "extends: broken.yaml\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(grand)
    assert str(err.value).startswith(f"{grand}:1 extends {bad_yaml}") and "not valid YAML" in str(err.value)


@pytest.mark.parametrize("target", ['""', '"a\\0b"', '"' + "x" * 300 + '.yaml"', "'.'", "[a]"])
def test_bad_extends_targets(tmp_path, target):
    path = write(tmp_path / "e.yaml", f"name: e\nextends: {target}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.path == "extends" and err.value.line == 2 and err.value.file == str(path)


def test_non_string_keys_are_located(tmp_path):
    parent = write(tmp_path / "p.yaml", f"extends: {TINY}\nname: p\n1: x\n")
    child = write(tmp_path / "c.yaml", "extends: p.yaml\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    assert str(err.value).startswith(f"{child}:1 extends {parent}:3: 1: unknown field")


def test_run_keys_are_those_of_the_full_json(tiny_scenario):
    """The incremental key hashing gives exactly the documented key (resumed results keep their keys)."""
    import hashlib

    from sim.config.experiment import RunSpec, run_key, run_keys
    from sim.config.strategies import parse_strategy
    from sim.provenance import code_version

    blob = json.dumps({"scenario": tiny_scenario.data, "levers": parse_strategy("linked", tiny_scenario.data),
                       "seed": 7, "code": code_version()}, sort_keys=True, default=str)
    expected = hashlib.sha256(blob.encode()).hexdigest()[:20]
    assert run_key(RunSpec(tiny_scenario, "linked", 7)) == expected == run_keys(tiny_scenario, "linked", [3, 7])[1]


def test_replaced_list_blames_the_child(tmp_path):
    child = write(tmp_path / "c.yaml", f"extends: {TINY}\nname: c\nrandom_shocks:\n  - {{rate: 0.1}}\n")
    with pytest.raises(ScenarioError, match="missing required field `kind`") as err:
        load_scenario(child)
    assert err.value.file == str(child) and err.value.line == 4 and not err.value.chain


def test_scenario_error_inside_experiment_names_the_experiment(tmp_path):
    bad = write(tmp_path / "bad.yaml", f"extends: {TINY}\nname: bad\nhorizon: -1\n")
    exp = write(tmp_path / "exp.yaml", "name: e\nstrategies: [two_track, linked]\nseeds: 1\nscenarios:\n"
                "  - bad.yaml\n")
    with pytest.raises(ScenarioError) as err:
        load_experiment(exp)
    assert str(err.value).startswith(f"{exp}:5 uses {bad}:3: horizon: out of range")


def test_validate_reports_every_problem_of_every_file(tmp_path, capsys):
    bad = write(tmp_path / "four.yaml", f"extends: {TINY}\nhorizon: x\nburn_in: -5\ncitizens:\n  noise: 2\n"
                "shocks:\n  - {kind: nope, month: 1}\n")
    good = TINY
    bad2 = write(tmp_path / "other.yaml", "name: [\n")
    rc, out, err = cli(capsys, "validate", bad, good, bad2)
    assert rc == 2 and f"ok  {good}" in out
    lines = err.strip().splitlines()
    for field in ("horizon", "burn_in", "citizens.noise", "shocks.0.kind"):
        assert any("four.yaml:" in ln and f": {field}: " in ln for ln in lines), (field, lines)
    assert any("other.yaml:" in ln for ln in lines) and "2 of 3 files have problems" in err
    assert all(ln.startswith("error: ") for ln in lines[:-1])


# ---- the CLI: one line, never a traceback -------------------------------------------------------------------
@pytest.mark.parametrize("args,where", [
    (["run", TINY, "--seed", "-1"], "--seed"),
    (["compare", TINY, "--seeds", "5-2"], "--seeds"),
    (["compare", TINY, "--seeds", "x"], "--seeds"),
    (["compare", TINY, "--seeds", "0"], "--seeds"),
    (["compare", TINY, "--strategies", "two_track,two_track"], "--strategies"),
    (["run", TINY, "--set", "horizon"], "--set"),
    (["run", TINY, "--set", "horizon=[1"], "--set"),
    (["run", TINY, "--set", "nothing.here=1"], "nothing"),
    (["validate", "missing.yaml"], "missing.yaml"),
    (["results", "nowhere"], "nowhere"),
])
def test_cli_errors_are_one_line(tmp_path, capsys, monkeypatch, args, where):
    monkeypatch.chdir(tmp_path)
    rc, _, err = cli(capsys, *args)
    assert rc == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and where in err


def test_out_below_a_file(tmp_path, capsys):
    blocker = write(tmp_path / "file", "x")
    rc, _, err = cli(capsys, "run", TINY, "--out", blocker / "sub", "--no-plot", "--set", "horizon=3")
    assert rc != 0 and err.startswith("error: ") and str(blocker) in err and err.count("\n") == 1
    assert blocker.read_text() == "x"


def test_internal_errors_are_one_line_and_debug_shows_them(tmp_path, capsys, monkeypatch):
    import sim.cli.commands

    def bug(args):
        raise KeyError("p_value")

    monkeypatch.setattr(sim.cli.commands, "cmd_validate", bug)
    monkeypatch.setitem(os.environ, "COLUMNS", "200")
    rc, _, err = cli(capsys, "validate", TINY)
    assert rc == 4 and err.startswith("error: internal error (KeyError") and "--debug" in err
    with pytest.raises(KeyError):
        main(["--debug", "validate", str(TINY)])


@pytest.mark.parametrize("args", [["run"], ["run", "x", "--seed", "q"], ["bogus"], ["batch", "e.yaml", "-j", "two"]])
def test_usage_errors_are_one_line(capsys, args):
    with pytest.raises(SystemExit) as ex:
        main(args)
    out, err = capsys.readouterr()
    assert ex.value.code == 2 and err.startswith("error: sim") and err.count("\n") == 1 and "--help" in err


def test_control_characters_in_keys_stay_escaped_on_one_line(tmp_path, capsys):
    path = tmp_path / "ctl.yaml"
    path.write_text(f'extends: {TINY}\n"\\x1f\\nx": 1\n')
    rc, _, err = cli(capsys, "validate", path)
    assert rc == 2 and err.count("\n") == 1 and "\\x1f\\nx: unknown field" in err and "\x1f" not in err
