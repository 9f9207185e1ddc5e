"""Batch experiments: experiment files, streamed results, resume and repair, failures, sweeps, the CLI.

Every scenario used here extends tests/scenarios/tiny.yaml (and so tests/pinned.yaml); experiments shorten
the runs with `overrides` (horizon 24, burn-in 12). No model output is hard-coded: results are compared
with other computations of the same runs (direct `sim.runs.runner.run` calls, other executors, clean runs).
"""

from __future__ import annotations

import itertools
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal

import sim.config.experiment
import sim.runs.batch
from sim import cli
from sim.config.experiment import load_experiment
from sim.config.scenario import ScenarioError, load_scenario
from sim.errors import ResultsError
from sim.provenance import code_version
from sim.runs.batch import run_experiment
from sim.runs.results import ResultStore, describe, load_results
from sim.runs.runner import run
from tests.helpers import TESTS_DIR

TINY = TESTS_DIR / "scenarios" / "tiny.yaml"
SMALL = {"horizon": 24, "burn_in": 12}
LABELS = ("scenario", "strategy", "seed")


# ----------------------------------------------------------------------------------------- helpers
def scenario_file(directory: Path, name: str, body: str = "", extends: Path | str = TINY) -> Path:
    """A scenario file `name`.yaml extending tiny.yaml (the pinned parameters) unless told otherwise."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yaml"
    path.write_text(f"extends: {extends}\nname: {name}\n{body}")
    return path


def experiment_file(path: Path, **fields) -> Path:
    """An experiment file; short runs through `overrides` unless the caller gives its own."""
    data = {"name": "exp", "scenarios": ["scen/*.yaml"], "strategies": ["two_track", "linked"], "seeds": 2,
            "overrides": dict(SMALL)}
    data.update(fields)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def scen_dir(tmp_path) -> Path:
    """Two scenarios under tmp/scen/: tiny itself and a calmer variant."""
    d = tmp_path / "scen"
    scenario_file(d, "eventful")
    scenario_file(d, "calm", "provocation:\n  rate: {KR: 0.01, JP: 0.01}\n")
    return d


def one_scenario(tmp_path: Path) -> Path:
    return scenario_file(tmp_path / "scen", "eventful")


def drop_timing(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns="seconds")


def assert_same_results(a, b) -> None:
    """Two Results hold the same numbers (the per-run timing aside)."""
    assert_frame_equal(drop_timing(a.summaries), drop_timing(b.summaries), check_exact=True)
    if a.monthly is None or b.monthly is None:
        assert a.monthly is None and b.monthly is None
    else:
        assert_frame_equal(a.monthly, b.monthly, check_exact=True)


def part_files(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every summaries/monthly part: its bytes and modification time."""
    parts = {}
    for p in sorted(out.glob("*/part-*.parquet")):
        parts[f"{p.parent.name}/{p.name}"] = (p.read_bytes(), p.stat().st_mtime_ns)
    return parts


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def sim_cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def direct(spec) -> tuple[dict, pd.DataFrame]:
    """The same run done directly with sim.runs.runner.run: (model outputs of the summary, monthly as float32)."""
    res = run(spec.scenario, spec.strategy, spec.seed, keep_model=False)
    summary = {k: v for k, v in res.summary.items() if k not in LABELS}
    f = res.monthly
    floats = f.columns[(f.dtypes == np.float64).to_numpy()]
    return summary, f.astype({c: np.float32 for c in floats})


def assert_matches_direct_runs(res, exp, which=None) -> None:
    """Rows of the results equal direct runs of the experiment's specs (`which`: indices to check)."""
    by_key = res.summaries.set_index("key")
    for i in which if which is not None else range(len(exp.specs)):
        spec, key = exp.specs[i], exp.keys[i]
        summary, monthly = direct(spec)
        row = by_key.loc[key]
        assert row["scenario"] == spec.scenario.name and row["strategy"] == spec.strategy_label
        assert row["seed"] == spec.seed
        got = {k: row[k] for k in summary}
        assert_frame_equal(pd.DataFrame([got]), pd.DataFrame([summary]), check_dtype=False, check_exact=True)
        if res.monthly is not None:
            m = res.monthly[res.monthly["key"] == key].reset_index(drop=True)
            assert_frame_equal(m[list(monthly.columns)], monthly, check_exact=True)


# ------------------------------------------------------------------------- 1. expansion and dry run
def test_experiment_expands_and_dry_run_writes_nothing(tmp_path, scen_dir):
    path = experiment_file(tmp_path / "exp.yaml", seeds=[3, 5, 8],
                           sweep={"sampler": "grid", "axes": {"disputes.deterrence": [2.0, 4.0]}})
    exp = load_experiment(path)
    scenarios = sorted(p.stem for p in scen_dir.glob("*.yaml"))
    expected = set(itertools.product(scenarios, [0, 1], ["two_track", "linked"], [3, 5, 8]))
    got = [(s.scenario.name, s.tags["point"], s.strategy_label, s.seed) for s in exp.specs]
    assert len(exp) == len(exp.keys) == len(expected) == 2 * 2 * 2 * 3
    assert set(got) == expected and len(set(got)) == len(got)
    assert len(set(exp.keys)) == len(exp.keys)

    elsewhere = tmp_path / "elsewhere"  # scenario globs resolve against the experiment file, not the cwd
    elsewhere.mkdir()
    out = tmp_path / "out"
    proc = sim_cli("batch", path, "--out", out, "--dry-run", "-j", "2", cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert f"{len(exp)} runs (2 scenarios, sweep points 2, strategies 2, seeds 3)" in proc.stdout
    assert f"{len(exp)} to run, 0 already in" in proc.stdout
    assert "estimate:" in proc.stdout and "s per run" in proc.stdout and "MiB" in proc.stdout
    assert not out.exists()
    assert list(elsewhere.iterdir()) == []

    # after a complete batch the dry run counts the finished runs and still writes nothing
    run_experiment(exp, out, jobs=1, progress=False, load=False)
    before = part_files(out)
    man = manifest(out)
    rc = cli.main(["batch", str(path), "--out", str(out), "--dry-run", "-j", "1"])
    assert rc == 0
    assert part_files(out) == before and manifest(out) == man


# ------------------------------------------------------------------------------ 2. results stream
def test_results_directory_layout_and_frames(tmp_path, scen_dir):
    path = experiment_file(tmp_path / "exp.yaml", name="layout",
                           sweep={"axes": {"disputes.deterrence": [2.0, 4.0]}})
    exp = load_experiment(path)
    out = tmp_path / "out"
    res = run_experiment(path, out, jobs=2, progress=False)

    man = manifest(out)
    assert man["name"] == "layout" and man["status"] == "complete"
    assert man["experiment_hash"] == exp.content_hash
    assert man["runs"] == man["done"] == len(exp) and man["failed"] == 0
    assert man["experiment_path"] == str(path)
    assert man["axes"] == ["disputes.deterrence"]
    hashes = {s["name"]: s["content_hash"] for s in man["scenarios"]}
    assert hashes == {p.stem: load_scenario(p, SMALL).content_hash for p in scen_dir.glob("*.yaml")}
    prov = man["provenance"]
    assert prov["code_version"] == code_version()
    assert isinstance(prov["git_commit"], str) and prov["git_commit"]
    for pkg in ("python", "numpy", "pandas", "pyarrow", "mesa"):
        assert prov["versions"][pkg]
    assert prov["machine"]["cpu"] and prov["machine"]["blas"] and isinstance(prov["machine"]["avx512f"], bool)
    assert [h["pending"] for h in man["history"]] == [len(exp)]

    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs["key"]) == exp.keys
    assert list(runs["strategy"]) == [s.strategy_label for s in exp.specs]

    summ_parts = sorted(p.name for p in (out / "summaries").glob("part-*.parquet"))
    month_parts = sorted(p.name for p in (out / "monthly").glob("part-*.parquet"))
    assert summ_parts and summ_parts == month_parts
    tidy = ["key", "scenario", "strategy", "seed", "point", "sweep.disputes.deterrence", "month"]
    for name in month_parts:
        part = pd.read_parquet(out / "monthly" / name)
        assert list(part.columns[:len(tidy)]) == tidy
        variables = part.columns[len(tidy):]
        assert "health" in variables
        floats = [c for c in variables if pd.api.types.is_float_dtype(part[c])]
        assert floats and all(part[c].dtype == np.float32 for c in floats)
    summ = pd.read_parquet(out / "summaries" / summ_parts[0])
    assert list(summ.columns[:6]) == tidy[:6]

    # load_results: one row per run of the experiment, in its order, with the right labels and values
    assert res.pending == 0 and len(res.failures) == 0
    assert list(res.summaries["key"]) == exp.keys
    for (_, row), spec in zip(res.summaries.iterrows(), exp.specs, strict=True):
        assert (row["scenario"], row["strategy"], row["seed"], row["point"]) == \
            (spec.scenario.name, spec.strategy_label, spec.seed, spec.tags["point"])
        assert row["sweep.disputes.deterrence"] == spec.tags["sweep.disputes.deterrence"] \
            == spec.scenario.get("disputes.deterrence")
    months = len(direct(exp.specs[0])[1])
    assert len(res.monthly) == len(exp) * months
    assert list(res.monthly.groupby("key", sort=False).size().index) == exp.keys
    assert (res.monthly.groupby("key").size() == months).all()
    assert_matches_direct_runs(res, exp, which=[0, len(exp) - 1])
    again = load_results(out)
    assert_same_results(again, res)


# -------------------------------------------------------------------- 3. executors give the same numbers
def small_sweep_experiment(tmp_path: Path) -> Path:
    one_scenario(tmp_path)
    return experiment_file(tmp_path / "exp.yaml", name="same", seeds=3,
                           sweep={"axes": {"disputes.deterrence": [2.0, 4.0]}})


def test_serial_and_process_pool_give_identical_results(tmp_path):
    path = small_sweep_experiment(tmp_path)
    serial = run_experiment(path, tmp_path / "serial", jobs=1, progress=False)
    pool = run_experiment(path, tmp_path / "pool", jobs=2, chunk=2, progress=False)
    assert len(serial.summaries) == len(load_experiment(path)) == 12
    assert_same_results(serial, pool)
    assert manifest(tmp_path / "pool")["history"][-1]["jobs"] == 2


def _close_leaked_dask_client() -> None:
    from distributed import default_client

    try:
        client = default_client()
    except ValueError:
        return
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


@pytest.mark.slow  # a process-level test of 8-30 s: in the full suite (CI), not the quick subset
def test_dask_local_cluster_gives_identical_results(tmp_path):
    pytest.importorskip("distributed")
    path = small_sweep_experiment(tmp_path)
    serial = run_experiment(path, tmp_path / "serial", jobs=1, progress=False)
    try:
        dask = run_experiment(path, tmp_path / "dask", jobs=2, scheduler="local", chunk=3, progress=False)
    finally:
        _close_leaked_dask_client()
    assert_same_results(serial, dask)
    assert manifest(tmp_path / "dask")["status"] == "complete"


# ------------------------------------------------------------------------------ 4. resume after a kill
@pytest.mark.slow
def test_resume_after_kill(tmp_path):
    """A killed `sim batch` resumes: finished parts are kept, each run is done once, as in a clean run.
    run_experiment flushes every 200 runs, so the experiment has 240 and the first part is flushed well
    before the end; the process is SIGKILLed as soon as that part appears."""
    one_scenario(tmp_path)
    path = experiment_file(tmp_path / "exp.yaml", name="resume", seeds=120)
    exp = load_experiment(path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "batch", str(path), "--out", str(out), "-j", "1", "--quiet"]
    first = out / "summaries" / "part-000001.parquet"
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while not first.exists():
            assert proc.poll() is None, f"the batch ended before a part was flushed: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "no part flushed in time"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert manifest(out)["status"] == "running"  # killed mid-batch, before the final manifest
    done = ResultStore(out).done_keys()
    assert 0 < len(done) < len(exp)
    kept = part_files(out)

    second = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    man = manifest(out)
    assert man["status"] == "complete" and man["done"] == len(exp)
    assert [h["pending"] for h in man["history"]] == [len(exp), len(exp) - len(done)]
    now = part_files(out)
    assert {k: now[k] for k in kept} == kept  # the finished parts were not rewritten

    res = load_results(out)
    assert res.summaries["key"].is_unique and list(res.summaries["key"]) == exp.keys
    assert not res.monthly.duplicated(["key", "month"]).any()
    assert res.pending == 0
    clean = run_experiment(path, tmp_path / "clean", jobs=2, progress=False)
    assert_same_results(res, clean)


# ------------------------------------------------------------------- 5. what a change recomputes
def test_changed_experiment_recomputes_only_new_runs(tmp_path):
    one_scenario(tmp_path)
    path = experiment_file(tmp_path / "exp.yaml", name="change", seeds=[0, 1])
    out = tmp_path / "out"
    first = load_experiment(path)
    run_experiment(path, out, jobs=1, progress=False, load=False)
    seen = set(first.keys)

    for change in ({"seeds": [0, 1, 2]}, {"seeds": [0, 1, 2], "strategies": ["two_track", "package_deal"]}):
        experiment_file(path, name="change", **change)
        exp = load_experiment(path)
        new = set(exp.keys) - seen
        assert new and len(new) < len(exp)
        before = part_files(out)
        res = run_experiment(path, out, jobs=1, progress=False)
        after = part_files(out)
        assert {k: after[k] for k in before} == before
        assert len(after) == len(before) + 2  # one new summaries and one new monthly part
        assert manifest(out)["history"][-1]["pending"] == len(new)
        assert list(res.summaries["key"]) == exp.keys
        seen |= set(exp.keys)

    assert set(res.summaries["strategy"]) == {"two_track", "package_deal"}
    assert len(load_results(out, all_runs=True).summaries) == len(seen)
    assert_same_results(res, run_experiment(path, tmp_path / "clean", jobs=1, progress=False))


def test_edited_base_scenario_changes_keys(tmp_path):
    base = scenario_file(tmp_path, "base", "disputes:\n  deterrence: 4.0\n")
    scenario_file(tmp_path / "scen", "child", extends="../base.yaml")
    path = experiment_file(tmp_path / "exp.yaml", name="edit", seeds=2)
    out = tmp_path / "out"
    old = load_experiment(path)
    run_experiment(path, out, jobs=1, progress=False, load=False)
    assert str(base.resolve()) in manifest(out)["scenarios"][0]["sources"]

    base.write_text(base.read_text().replace("deterrence: 4.0", "deterrence: 5.0"))
    new = load_experiment(path)
    assert new.scenarios[0].get("disputes.deterrence") == 5.0
    assert not set(new.keys) & set(old.keys)
    res = run_experiment(path, out, jobs=1, progress=False)
    man = manifest(out)
    assert man["history"][-1]["pending"] == len(new)
    assert man["scenarios"][0]["content_hash"] == new.scenarios[0].content_hash != old.scenarios[0].content_hash
    assert set(res.summaries["scenario_hash"]) == {new.scenarios[0].content_hash}
    assert_matches_direct_runs(res, new, which=[0])


def test_changed_code_version_changes_every_key(tmp_path, monkeypatch):
    one_scenario(tmp_path)
    path = experiment_file(tmp_path / "exp.yaml", name="code", seeds=2)
    out = tmp_path / "out"
    old = load_experiment(path)
    run_experiment(path, out, jobs=1, progress=False, load=False)

    monkeypatch.setattr(sim.config.experiment, "code_version", lambda: "f" * 16)  # run_key reads it from here
    new = load_experiment(path)
    assert not set(new.keys) & set(old.keys)
    res = run_experiment(path, out, jobs=1, progress=False)
    assert manifest(out)["history"][-1]["pending"] == len(new)
    assert list(res.summaries["key"]) == new.keys


# ------------------------------------------------------------------------------------ 6. a failing run
def test_failing_run_is_recorded_and_recomputed(tmp_path, monkeypatch, capsys):
    one_scenario(tmp_path)
    path = experiment_file(tmp_path / "exp.yaml", name="faulty", seeds=3)
    exp = load_experiment(path)
    real = sim.runs.batch.run

    def flaky(scenario, strategy=None, seed=0, **kw):
        if seed == 1 and strategy == "linked":
            raise RuntimeError("injected fault")
        return real(scenario, strategy, seed, **kw)

    monkeypatch.setattr(sim.runs.batch, "run", flaky)
    bad = [i for i, s in enumerate(exp.specs) if s.seed == 1 and s.strategy_label == "linked"]
    assert len(bad) == 1
    bad_key, bad_spec = exp.keys[bad[0]], exp.specs[bad[0]]
    out = tmp_path / "out"
    res = run_experiment(path, out, jobs=1, progress=False)

    rec = json.loads((out / "failures" / f"{bad_key}.json").read_text())
    assert rec["key"] == bad_key
    assert (rec["scenario"], rec["strategy"], rec["seed"], rec["point"]) == ("eventful", "linked", 1, 0)
    assert rec["scenario_hash"] == bad_spec.scenario.content_hash
    assert "Traceback" in rec["error"] and "RuntimeError: injected fault" in rec["error"]
    assert list(res.failures["key"]) == [bad_key]
    assert len(res.summaries) == len(exp) - 1 and bad_key not in set(res.summaries["key"])
    assert res.pending == 0
    man = manifest(out)
    assert man["status"] == "complete with failures" and man["failed"] == 1 and man["done"] == len(exp) - 1
    assert "1 failed" in describe(res) and "injected fault" in describe(res)

    capsys.readouterr()
    rc = cli.main(["batch", str(path), "--out", str(tmp_path / "cli"), "-j", "1", "--quiet"])
    assert rc == 1
    assert "1 runs failed" in capsys.readouterr().err

    monkeypatch.undo()
    res = run_experiment(path, out, jobs=1, progress=False)
    assert not (out / "failures" / f"{bad_key}.json").exists()
    assert len(res.failures) == 0 and list(res.summaries["key"]) == exp.keys
    man = manifest(out)
    assert man["status"] == "complete" and man["failed"] == 0
    assert man["history"][-1]["pending"] == 1
    assert_matches_direct_runs(res, exp, which=bad)
    rc = cli.main(["batch", str(path), "--out", str(tmp_path / "cli"), "-j", "1", "--quiet"])
    assert rc == 0


# --------------------------------------------------------------------------------------- 7. repair
@pytest.fixture
def parted(tmp_path):
    """A finished batch of 6 runs in 3 parts of 2 runs: (experiment path, out, results)."""
    one_scenario(tmp_path)
    path = experiment_file(tmp_path / "exp.yaml", name="parts", strategies=["two_track"], seeds=6)
    out = tmp_path / "out"
    res = run_experiment(path, out, jobs=1, progress=False, flush_runs=2)
    assert sorted(p.name for p in (out / "summaries").glob("part-*")) == \
        [f"part-{i:06d}.parquet" for i in (1, 2, 3)]
    return path, out, res


def test_repair_removes_unfinished_write(parted):
    path, out, res = parted
    tmp = out / "summaries" / ".part-000009.parquet.xyz.tmp"
    tmp.write_bytes(b"half a parquet file")
    again = run_experiment(path, out, jobs=1, progress=False)
    assert not tmp.exists()
    man = manifest(out)
    assert any(".part-000009.parquet.xyz.tmp" in n for n in man["repairs"])
    assert man["history"][-1]["pending"] == 0
    assert_same_results(again, res)


def test_repair_quarantines_corrupt_part_and_recomputes_its_runs(parted):
    path, out, res = parted
    part = out / "summaries" / "part-000002.parquet"
    lost = set(pd.read_parquet(part)["key"])
    assert len(lost) == 2
    part.write_bytes(b"\x00garbage, not parquet\xff" * 50)
    again = run_experiment(path, out, jobs=1, progress=False)
    assert (out / "quarantine" / "summaries-part-000002.parquet").exists()
    assert (out / "quarantine" / "monthly-part-000002.parquet").exists()
    assert not part.exists() or set(pd.read_parquet(part)["key"]) <= lost
    man = manifest(out)
    assert man["history"][-1]["pending"] == len(lost)
    assert any("part-000002.parquet" in n and "quarantine" in n for n in man["repairs"])
    assert_same_results(again, res)


def test_repair_removes_monthly_part_without_summaries(parted):
    path, out, res = parted
    orphan = out / "monthly" / "part-000007.parquet"
    shutil.copy(out / "monthly" / "part-000001.parquet", orphan)
    again = run_experiment(path, out, jobs=1, progress=False)
    assert not orphan.exists()
    man = manifest(out)
    assert any("monthly/part-000007.parquet" in n for n in man["repairs"])
    assert man["history"][-1]["pending"] == 0
    assert_same_results(again, res)


# ----------------------------------------------------------------------------- 8. whose directory
def test_directory_of_another_experiment_is_refused(tmp_path, capsys):
    one_scenario(tmp_path)
    alpha = experiment_file(tmp_path / "alpha.yaml", name="alpha", strategies=["two_track"], seeds=1)
    beta = experiment_file(tmp_path / "beta.yaml", name="beta", strategies=["linked"], seeds=1)
    out = tmp_path / "out"
    run_experiment(alpha, out, jobs=1, progress=False, load=False)
    kept = part_files(out)

    with pytest.raises(ResultsError) as err:
        run_experiment(beta, out, jobs=1, progress=False)
    assert err.value.file == str(out)
    assert str(out) in str(err.value) and "'alpha'" in str(err.value) and "--overwrite" in str(err.value)
    capsys.readouterr()
    assert cli.main(["batch", str(beta), "--out", str(out), "-j", "1", "--quiet"]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: ") and str(out) in stderr and "'alpha'" in stderr
    assert manifest(out)["name"] == "alpha" and part_files(out) == kept

    res = run_experiment(beta, out, jobs=1, progress=False, overwrite=True)
    assert res.manifest["name"] == "beta" and len(res.manifest["history"]) == 1
    assert set(load_results(out, all_runs=True).summaries["strategy"]) == {"linked"}
    assert cli.main(["batch", str(alpha), "--out", str(out), "-j", "1", "--quiet", "--overwrite"]) == 0
    assert set(load_results(out, all_runs=True).summaries["strategy"]) == {"two_track"}


def test_non_empty_directory_without_manifest_is_refused(tmp_path, capsys):
    one_scenario(tmp_path)
    path = experiment_file(tmp_path / "exp.yaml", strategies=["two_track"], seeds=1)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("someone else's file")
    with pytest.raises(ResultsError, match="no experiment manifest") as err:
        run_experiment(path, out, jobs=1, progress=False)
    assert err.value.file == str(out)
    capsys.readouterr()
    assert cli.main(["batch", str(path), "--out", str(out), "-j", "1", "--quiet"]) == 2
    assert str(out) in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


# --------------------------------------------------------------------------------- 9. validation
HEAD = "name: exp\ndescription: validation\n"
STRATS = "strategies: [two_track, linked]\n"
SCENS = "scenarios: [scen/*.yaml]\n"
OVER = "overrides: {horizon: 24, burn_in: 12}\n"
MARK = "  # <- error"

VALIDATION = {
    # case: (experiment text with the error line marked, dotted path, given, problem, allowed)
    "unknown top-level key": (HEAD + SCENS + STRATS + "seeds: 2\nseed: 3" + MARK + "\n" + OVER,
                              "seed", "seed", "did you mean 'seeds'?", "seeds"),
    "missing required field": ("name: exp" + MARK + "\n" + SCENS + STRATS + OVER,
                               "", None, "missing required field `seeds`", "seeds"),
    "sweep over a missing field": (HEAD + SCENS + STRATS + "seeds: 2\nsweep:\n  axes:\n"
                                   "    disputes.deterence: [1.0, 2.0]" + MARK + "\n",
                                   "sweep.axes.disputes.deterence", "disputes.deterence", "does not exist",
                                   "dotted path"),
    "empty seed list": (HEAD + SCENS + STRATS + "seeds: []" + MARK + "\n", "seeds", [], "empty", "non-empty"),
    "zero seeds": (HEAD + SCENS + STRATS + "seeds: 0" + MARK + "\n", "seeds", 0, "at least one seed", ">= 1"),
    "lhs axis as a list": (HEAD + SCENS + STRATS + "seeds: 2\nsweep:\n  sampler: lhs\n  samples: 4\n  axes:\n"
                           "    disputes.deterrence: [1.0, 2.0]" + MARK + "\n",
                           "sweep.axes.disputes.deterrence", [1.0, 2.0], "needs bounds", "{low: a, high: b}"),
    "sobol axis without high": (HEAD + SCENS + STRATS + "seeds: 2\nsweep:\n  sampler: sobol\n  samples: 4\n"
                                "  axes:\n    disputes.deterrence: {low: 1.0}" + MARK + "\n",
                                "sweep.axes.disputes.deterrence", {"low": 1.0}, "needs bounds", "high"),
    "grid range without num": (HEAD + SCENS + STRATS + "seeds: 2\nsweep:\n  axes:\n"
                               "    disputes.deterrence: {low: 1.0, high: 2.0}" + MARK + "\n",
                               "sweep.axes.disputes.deterrence", {"low": 1.0, "high": 2.0}, "grid axis",
                               "num"),
    "unknown sampler": (HEAD + SCENS + STRATS + "seeds: 2\nsweep:\n  sampler: random" + MARK + "\n  axes:\n"
                        "    disputes.deterrence: [1.0, 2.0]\n",
                        "sweep.sampler", "random", "unknown sampler", "grid, lhs, sobol"),
    "glob matching nothing": (HEAD + "scenarios:\n  - scen/*.yaml\n  - nowhere/*.yaml" + MARK + "\n" + STRATS
                              + "seeds: 2\n", "scenarios.1", "nowhere/*.yaml", "no scenario file matches",
                              "relative to the experiment file"),
    "unknown strategy": (HEAD + SCENS + "strategies:\n  - two_track\n  - lnked" + MARK + "\nseeds: 2\n",
                         "strategies.1", "lnked", "unknown strategy", "two_track, linked, package_deal"),
    "duplicate strategy labels": (HEAD + SCENS + "strategies:\n  - linked\n"
                                  "  - {name: linked, levers: {extends: linked, dialogue: 0.1}}" + MARK
                                  + "\nseeds: 2\n", "strategies.1", "linked", "share a label", "distinct"),
}


@pytest.mark.parametrize("case", list(VALIDATION))
def test_experiment_validation_errors(case, tmp_path):
    text, dotted, given, problem, allowed = VALIDATION[case]
    one_scenario(tmp_path)
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.endswith(MARK))
    with pytest.raises(ScenarioError) as err:
        load_experiment(path)
    e = err.value
    assert (e.file, e.line, e.path) == (str(path), line, dotted), str(e)
    assert e.given == given, str(e)
    assert problem in str(e) and allowed in e.allowed, str(e)
    assert str(e).startswith(f"{path}:{line}: ")


def test_invalid_experiment_exits_2(tmp_path, capsys):
    one_scenario(tmp_path)
    path = tmp_path / "exp.yaml"
    path.write_text(VALIDATION["unknown strategy"][0])
    capsys.readouterr()
    assert cli.main(["batch", str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}:") and "strategies.1" in err and "Traceback" not in err


# --------------------------------------------------------------------------------------- 10. sweeps
def test_grid_sweep_is_the_cartesian_product(tmp_path):
    one_scenario(tmp_path)
    axes = {"disputes.deterrence": [1.0, 3.0], "provocation.rate.JP": [0.02, 0.1, 0.2]}
    path = experiment_file(tmp_path / "exp.yaml", name="grid", strategies=["two_track"], seeds=1,
                           sweep={"sampler": "grid", "axes": axes})
    exp = load_experiment(path)
    assert exp.axes == list(axes)
    product = list(itertools.product(*axes.values()))
    assert len(exp) == len(product)
    for spec, values in zip(exp.specs, product, strict=True):
        assert tuple(spec.scenario.get(a) for a in axes) == values
    res = run_experiment(path, tmp_path / "out", jobs=1, progress=False)
    cols = [f"sweep.{a}" for a in axes]
    assert list(res.summaries[cols].itertuples(index=False, name=None)) == product
    assert list(res.summaries["point"]) == list(range(len(product)))
    assert res.summaries["scenario_hash"].is_unique  # each point ran its own parameters
    assert_matches_direct_runs(res, exp, which=[len(exp) - 1])

    ranged = experiment_file(tmp_path / "ranged.yaml", name="grid", strategies=["two_track"], seeds=1,
                             sweep={"axes": {"disputes.deterrence": {"low": 1.0, "high": 3.0, "num": 5}}})
    values = [s.scenario.get("disputes.deterrence") for s in load_experiment(ranged).specs]
    np.testing.assert_allclose(values, np.linspace(1.0, 3.0, 5), rtol=0, atol=0)


@pytest.mark.parametrize("sampler,samples", [("lhs", 5), ("sobol", 4)])
def test_sampled_sweeps_are_in_bounds_and_reproducible(sampler, samples, tmp_path):
    one_scenario(tmp_path)
    bounds = {"disputes.deterrence": (1.0, 5.0), "provocation.rate.JP": (0.0, 0.2)}

    def points(seed: int) -> np.ndarray:
        path = experiment_file(tmp_path / f"exp{seed}.yaml", name=sampler, strategies=["two_track"], seeds=1,
                               sweep={"sampler": sampler, "samples": samples, "seed": seed,
                                      "axes": {a: {"low": lo, "high": hi} for a, (lo, hi) in bounds.items()}})
        exp = load_experiment(path)
        assert [s.tags["point"] for s in exp.specs] == list(range(samples))
        for spec in exp.specs:
            for a in bounds:
                assert spec.scenario.get(a) == spec.tags[f"sweep.{a}"]
        return np.array([[s.scenario.get(a) for a in bounds] for s in exp.specs])

    p = points(3)
    assert p.shape == (samples, len(bounds)) and len({tuple(r) for r in p}) == samples
    for j, (lo, hi) in enumerate(bounds.values()):
        assert ((p[:, j] >= lo) & (p[:, j] <= hi)).all()
        if sampler == "lhs":  # one sample in each of the `samples` strata of every axis
            strata = np.floor((p[:, j] - lo) / (hi - lo) * samples).astype(int)
            assert sorted(strata) == list(range(samples))
    np.testing.assert_array_equal(points(3), p)
    assert not np.array_equal(points(4), p)


def test_sampled_sweep_values_reach_the_summaries(tmp_path):
    one_scenario(tmp_path)
    path = experiment_file(tmp_path / "exp.yaml", name="lhs", strategies=["two_track"], seeds=1,
                           sweep={"sampler": "lhs", "samples": 3, "seed": 1,
                                  "axes": {"disputes.deterrence": {"low": 0.0, "high": 8.0}}})
    exp = load_experiment(path)
    res = run_experiment(path, tmp_path / "out", jobs=1, progress=False)
    assert list(res.summaries["sweep.disputes.deterrence"]) == \
        [s.scenario.get("disputes.deterrence") for s in exp.specs]
    assert set(res.monthly.groupby("key")["sweep.disputes.deterrence"].nunique()) == {1}


# ------------------------------------------------------------------------------- 11. notebook API
def test_notebook_api_with_dict_experiment(tmp_path, capsys):
    scen = one_scenario(tmp_path)
    experiment = {"name": "notebook", "scenarios": [str(scen.resolve())],
                  "strategies": ["two_track", {"name": "bold", "levers": {"extends": "linked", "dialogue": 0.1}}],
                  "seeds": [4, 9], "overrides": dict(SMALL)}
    out = tmp_path / "out"
    res = run_experiment(experiment, out=out, jobs=2, progress=False)
    exp = load_experiment(experiment)
    assert list(res.summaries["key"]) == exp.keys and len(exp) == 4
    assert set(res.summaries["strategy"]) == {"two_track", "bold"}
    assert len(res.monthly) and set(res.monthly["key"]) == set(exp.keys)
    assert res.manifest["experiment_path"] is None and res.manifest["status"] == "complete"
    assert_matches_direct_runs(res, exp, which=[3])

    capsys.readouterr()
    assert cli.main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    assert "experiment 'notebook' (complete)" in text
    assert "runs: 4 in the experiment, 4 done, 0 failed, 0 pending" in text


def test_results_of_a_batch_with_nothing_finished(tmp_path, monkeypatch, capsys):
    """Interrupted before any run finished (Ctrl-C: exit 130): only manifest.json and runs.parquet."""
    one_scenario(tmp_path)
    path = experiment_file(tmp_path / "exp.yaml", name="empty", seeds=3)
    exp = load_experiment(path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
        yield  # pragma: no cover

    monkeypatch.setattr(sim.runs.batch, "run_pending", interrupted)
    out = tmp_path / "out"
    assert cli.main(["batch", str(path), "--out", str(out), "-j", "1", "--quiet"]) == 130
    assert manifest(out)["status"] == "interrupted"
    for d in ("summaries", "monthly", "failures"):
        assert not any((out / d).iterdir())
        (out / d).rmdir()
    assert sorted(p.name for p in out.iterdir()) == [".sim-batch.lock", "manifest.json", "runs.parquet"]

    res = load_results(out)
    assert len(res.summaries) == 0 and len(res.failures) == 0 and len(res.monthly) == 0
    assert list(res.runs["key"]) == exp.keys
    assert res.pending == len(exp)
    capsys.readouterr()
    assert cli.main(["results", str(out)]) == 0
    assert f"runs: {len(exp)} in the experiment, 0 done, 0 failed, {len(exp)} pending" in capsys.readouterr().out


# ------------------------------------------------------------------------ 12. lever bundles and 2x2
def test_lever_bundles_and_per_country_strategies(tmp_path):
    one_scenario(tmp_path)
    mixed = {"KR": "linked", "JP": {"extends": "two_track", "dialogue": 0.1}}
    strategies = ["linked", {"name": "bold", "levers": {"extends": "linked", "dialogue": 0.1}},
                  "kr=linked,jp=two_track", {"name": "mixed", **mixed}]
    path = experiment_file(tmp_path / "exp.yaml", name="levers", strategies=strategies, seeds=[2])
    exp = load_experiment(path)
    res = run_experiment(path, tmp_path / "out", jobs=2, progress=False)
    labels = ["linked", "bold", "kr=linked,jp=two_track", "mixed"]
    assert list(res.summaries["strategy"]) == labels
    assert list(pd.read_parquet(tmp_path / "out" / "runs.parquet")["strategy"]) == labels
    assert set(res.monthly["strategy"]) == set(labels)
    assert len(set(exp.keys)) == len(labels)
    bold = exp.specs[labels.index("bold")]
    assert bold.strategy == {"extends": "linked", "dialogue": 0.1}
    assert exp.specs[labels.index("mixed")].strategy == mixed
    assert_matches_direct_runs(res, exp)


def test_renamed_strategy_is_labelled_as_given(tmp_path):
    one_scenario(tmp_path)
    bundle = {"extends": "linked", "dialogue": 0.1}
    path = experiment_file(tmp_path / "exp.yaml", name="rename", seeds=1,
                           strategies=[{"name": "bold", "levers": bundle}])
    out = tmp_path / "out"
    run_experiment(path, out, jobs=1, progress=False, load=False)
    experiment_file(path, name="rename", seeds=1, strategies=[{"name": "brave", "levers": bundle}])
    res = run_experiment(path, out, jobs=1, progress=False)
    assert list(res.runs["strategy"]) == ["brave"]
    assert list(res.summaries["strategy"]) == ["brave"]
    assert set(res.monthly["strategy"]) == {"brave"}


def test_strategies_with_identical_levers_are_refused_or_kept_apart(tmp_path):
    one_scenario(tmp_path)
    path = experiment_file(tmp_path / "exp.yaml", name="twins", seeds=1,
                           strategies=["two_track", "kr=two_track,jp=two_track"])
    try:
        exp = load_experiment(path)
    except ScenarioError as e:  # refusing the experiment is a fine answer
        assert e.path.startswith("strategies")
        return
    res = run_experiment(exp, tmp_path / "out", jobs=1, progress=False)
    assert res.pending == 0
    assert sorted(res.summaries["strategy"]) == sorted(["two_track", "kr=two_track,jp=two_track"])


def test_switching_monthly_on_gives_monthly_outputs(tmp_path):
    one_scenario(tmp_path)
    path = experiment_file(tmp_path / "exp.yaml", name="monthly", strategies=["two_track"], seeds=1, monthly=False)
    out = tmp_path / "out"
    assert run_experiment(path, out, jobs=1, progress=False).monthly is None
    experiment_file(path, name="monthly", strategies=["two_track"], seeds=1, monthly=True)
    res = run_experiment(path, out, jobs=1, progress=False)
    assert len(res.monthly) > 0 and set(res.monthly["key"]) == set(res.runs["key"])


def test_grid_range_over_an_integer_field(tmp_path):
    one_scenario(tmp_path)
    path = experiment_file(tmp_path / "exp.yaml", name="ints", strategies=["two_track"], seeds=1,
                           sweep={"axes": {"population.KR.n_youth": {"low": 50, "high": 100, "num": 3}}})
    exp = load_experiment(path)
    assert [s.scenario.get("population.KR.n_youth") for s in exp.specs] == [50, 75, 100]
