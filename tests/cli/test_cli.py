"""The command line end to end (`python -m sim.cli`, as the `sim` script runs it), in a scratch directory."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from sim.config.scenario import load_scenario
from sim.runs.results import load_results
from sim.runs.runner import run
from tests.helpers import TESTS_DIR

ROOT = TESTS_DIR.parent
TINY = TESTS_DIR / "scenarios" / "tiny.yaml"
PNG = b"\x89PNG\r\n\x1a\n"


def sim(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run the CLI in `cwd` (not the repository, so nothing depends on the working directory)."""
    return subprocess.run([sys.executable, "-m", "sim.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def failed(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr
    return proc.stderr


def same_summary(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    assert_frame_equal(pd.DataFrame([a]), pd.DataFrame([b]), check_exact=True)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """One `sim run` with every output, shared by the tests that inspect them."""
    base = tmp_path_factory.mktemp("cli_run")
    proc = ok(sim("run", TINY, "--strategy", "two_track", "--seed", "7", "--out", base / "out", "--csv",
                  "--save-state", base / "state.pkl", cwd=base))
    return base, proc


def test_run_writes_every_output(run_dir):
    base, proc = run_dir
    out = base / "out"
    for name in ("monthly.parquet", "monthly.csv", "summary.csv", "summary.json", "events.csv",
                 "provenance.json", "run.png"):
        assert (out / name).stat().st_size > 0, name
    assert "tiny | two_track | seed 7" in proc.stdout
    png = (out / "run.png").read_bytes()
    assert png.startswith(PNG) and len(png) > 10_000


def test_run_outputs_match_the_library(run_dir, tiny_scenario):
    out = run_dir[0] / "out"
    res = run(tiny_scenario, "two_track", 7)
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert_frame_equal(monthly, res.monthly, check_exact=True)
    csv = pd.read_csv(out / "monthly.csv")
    assert_frame_equal(csv, res.monthly, check_dtype=False, check_exact=False, rtol=1e-12, atol=0)
    events = pd.read_csv(out / "events.csv")
    assert len(events) == len(res.events) > 0
    assert list(events["event"]) == list(res.events["event"])
    summary = json.loads((out / "summary.json").read_text())
    same_summary(summary, res.summary)
    row = pd.read_csv(out / "summary.csv").iloc[0]
    assert row["seed"] == 7 and row["strategy"] == "two_track" and row["scenario"] == "tiny"
    assert row["health_discounted"] == pytest.approx(summary["health_discounted"], rel=1e-12)


def test_run_provenance(run_dir, tiny_scenario):
    prov = json.loads((run_dir[0] / "out" / "provenance.json").read_text())
    assert prov["seeds"] == [7] and prov["strategies"] == ["two_track"]
    (scen,) = prov["scenarios"]
    assert scen["name"] == "tiny"
    assert scen["content_hash"] == tiny_scenario.content_hash == load_scenario(TINY).content_hash
    assert {Path(s).name for s in scen["sources"]} == {"tiny.yaml", "pinned.yaml"}
    assert isinstance(prov["git_commit"], str) and prov["git_commit"]
    assert prov["code_version"]
    for pkg in ("python", "mesa", "numpy", "pandas"):
        assert prov["versions"][pkg]


@pytest.mark.slow  # a CLI process or two: in the full suite (CI), not the quick subset
def test_run_per_country_strategy_from_saved_state(run_dir, tmp_path, tiny_scenario):
    """`--save-state` then `--from-state` continues the saved run, here under the 2x2 strategy."""
    state_file = run_dir[0] / "state.pkl"
    with open(state_file, "rb") as fh:
        state = pickle.load(fh)
    horizon = tiny_scenario.data["horizon"]
    assert state["month"] == horizon
    proc = ok(sim("run", TINY, "--strategy", "kr=linked,jp=two_track", "--seed", "7", "--from-state", state_file,
                  "--out", tmp_path / "warm", "--no-plot", cwd=tmp_path))
    assert "kr=linked,jp=two_track" in proc.stdout
    out = tmp_path / "warm"
    assert not (out / "run.png").exists()
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert list(monthly["month"]) == list(range(horizon, 2 * horizon))
    res = run(tiny_scenario, "kr=linked,jp=two_track", 7, state=state)
    assert_frame_equal(monthly, res.monthly, check_exact=True)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["strategy"] == "kr=linked,jp=two_track"
    same_summary(summary, res.summary)
    assert json.loads((out / "provenance.json").read_text())["from_state"] == str(state_file)


def test_compare(tmp_path):
    proc = ok(sim("compare", TINY, "--seeds", "4", "-j", "1", "--out", tmp_path / "cmp", cwd=tmp_path))
    assert "1 scenario x 2 strategies x 4 seeds = 8 runs" in proc.stdout
    assert "verdict (margin 0.005): Under " in proc.stdout
    assert "health_discounted" in proc.stdout and "cooperation_discounted" in proc.stdout
    assert "median two_track" in proc.stdout and "linked" in proc.stdout
    out = tmp_path / "cmp"
    summaries = load_results(out).summaries  # compare writes the batch results format
    assert len(summaries) == 8
    assert sorted(set(summaries["strategy"])) == ["linked", "two_track"]
    assert sorted(summaries["seed"].unique()) == [0, 1, 2, 3]
    table = pd.read_csv(out / "comparison.csv")
    assert {"health_discounted", "cooperation_discounted"} <= set(table["outcome"])
    assert (table["a"] == "two_track").all() and (table["b"] == "linked").all()
    png = (out / "distributions.png").read_bytes()
    assert png.startswith(PNG)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"]["seeds"] == [0, 1, 2, 3]
    assert manifest["experiment"]["strategies"] == ["two_track", "linked"]
    assert manifest["scenarios"][0]["content_hash"] == load_scenario(TINY).content_hash
    assert manifest["provenance"]["git_commit"] and manifest["provenance"]["versions"]["numpy"]


def test_bad_scenario_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad_noise.yaml"
    bad.write_text(f"extends: {TESTS_DIR / 'pinned.yaml'}\ncitizens:\n  noise: 0.9\n")
    err = failed(sim("run", bad, "--out", tmp_path / "o", cwd=tmp_path))
    assert "bad_noise.yaml:3" in err and "citizens.noise" in err and "0.9" in err and "[0.0, 0.5]" in err
    assert not (tmp_path / "o").exists()


def test_unsafe_yaml_exits_2_without_traceback(tmp_path):
    marker = tmp_path / "executed"
    bad = tmp_path / "tagged.yaml"
    bad.write_text(f'name: !!python/object/apply:os.system ["touch {marker}"]\n')
    err = failed(sim("validate", bad, cwd=tmp_path))
    assert "tagged.yaml:1" in err and "not valid YAML" in err
    assert not marker.exists()


def test_incompatible_saved_state_exits_2(run_dir, tmp_path):
    err = failed(sim("run", TINY, "--from-state", run_dir[0] / "state.pkl", "--set", "population.KR.n_youth=120",
                     "--out", tmp_path / "o", "--no-plot", cwd=tmp_path))
    assert "state.pkl" in err and "population" in err


def test_directory_as_scenario_exits_2(tmp_path):
    err = failed(sim("validate", tmp_path, cwd=tmp_path))
    assert str(tmp_path) in err


def test_unknown_strategy_exits_2(tmp_path):
    err = failed(sim("run", TINY, "--strategy", "bogus", "--out", tmp_path / "o", cwd=tmp_path))
    assert "--strategy" in err and "unknown strategy 'bogus'" in err
    assert not (tmp_path / "o").exists()


def test_validate_every_shipped_scenario(tmp_path):
    """`sim validate scenarios/*.yaml`, through the installed `sim` entry point when there is one."""
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert files
    script = Path(sys.executable).parent / "sim"
    if script.exists():  # pyproject [project.scripts]: the same CLI as `python -m sim.cli`
        proc = ok(subprocess.run([str(script), "validate", *map(str, files)], cwd=tmp_path, capture_output=True,
                                 text=True, timeout=120))
    else:
        proc = ok(sim("validate", *files, cwd=tmp_path))
    for f in files:
        assert f"ok  {f}" in proc.stdout
        assert f"hash={load_scenario(f).content_hash}" in proc.stdout



def test_dashboard_refuses_a_missing_path(capsys):
    from sim.cli import main

    assert main(["dashboard", "no/such/results"]) == 2
    err = capsys.readouterr().err
    assert "no/such/results" in err and "results directory" in err
