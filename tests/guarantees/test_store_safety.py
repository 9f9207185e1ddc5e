"""The results store under faults and hostile paths: --overwrite never destroys user data, the directory lock
is atomic, damaged part files are skipped by readers and recomputed by a resume, a batch's processes never
outlive it, and disk full, read-only output, bad paths and bad schedulers end in one clear error, with
nothing completed lost (a rerun resumes and equals a clean run).

Runs are tiny (tests/pinned.yaml, horizon 6, burn-in 3). Process tests start batches in their own session
and find every process of it through /proc (Linux).
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

import sim.runs.batch
import sim.runs.store
from sim import cli
from sim.config.experiment import load_experiment
from sim.errors import InputError, ResultsError
from sim.runs.batch import run_experiment
from sim.runs.results import LOCK_NAME, PartWarning, ResultStore, load_results
from tests.helpers import tiny_experiment

LINUX = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def values(res) -> pd.DataFrame:
    """Summaries without the per-run timing, in the experiment's order."""
    return res.summaries.drop(columns="seconds").reset_index(drop=True)


def tree(root: Path) -> dict[str, bytes]:
    """Every file below root (links not followed): its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------ 1. --overwrite is safe
def test_overwrite_never_deletes_the_working_directory(tmp_path, monkeypatch):
    """`--out . --overwrite` (or an experiment named `..` under results/): the working directory is kept."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "thesis.tex").write_text("years of work")
    monkeypatch.chdir(work)
    with pytest.raises(ResultsError, match="no experiment manifest") as err:
        run_experiment(tiny_experiment(), ".", jobs=1, progress=False, overwrite=True)
    assert "--overwrite never deletes" in str(err.value)
    assert sorted(os.listdir(work)) == ["thesis.tex"]

    # the working directory is a results directory of ours (with a user file): still never deleted
    ours = tmp_path / "ours"
    ours.mkdir()
    monkeypatch.chdir(ours)
    run_experiment(tiny_experiment("alpha"), ".", jobs=1, progress=False, load=False)
    (ours / "notes.txt").write_text("mine")
    before = tree(ours)
    with pytest.raises(ResultsError, match="--overwrite refused: it is the working directory") as err:
        run_experiment(tiny_experiment("beta"), ".", jobs=1, progress=False, overwrite=True)
    assert err.value.file == "."
    assert tree(ours) == before
    with pytest.raises(ResultsError, match="--overwrite refused"):
        run_experiment(tiny_experiment("beta"), Path("results") / "..", jobs=1, progress=False, overwrite=True)
    assert tree(ours) == before and not (ours / "results").exists()


def test_overwrite_never_deletes_a_parent_of_the_working_directory(tmp_path, monkeypatch):
    parent = tmp_path / "parent"
    run_experiment(tiny_experiment("alpha"), parent, jobs=1, progress=False, load=False)
    (parent / "sub").mkdir()
    (parent / "sub" / "draft.md").write_text("mine")
    before = tree(parent)
    monkeypatch.chdir(parent / "sub")
    with pytest.raises(ResultsError, match="--overwrite refused: it is the working directory or one above it"):
        run_experiment(tiny_experiment("beta"), "..", jobs=1, progress=False, overwrite=True)
    assert tree(parent) == before


def test_overwrite_deletes_only_the_tools_own_files(tmp_path):
    out = tmp_path / "out"
    run_experiment(tiny_experiment("alpha"), out, jobs=1, progress=False, load=False, flush_runs=2)
    (out / "quarantine").mkdir()  # a part a resume moved aside
    (out / "quarantine" / "summaries-part-000001.parquet").write_bytes((out / "runs.parquet").read_bytes())
    mine = {"notes.txt": "mine", "summaries/my-table.csv": "a,b", "failures/README": "kept",
            "quarantine/why.txt": "kept", "part-000001.parquet": "not in a parts directory"}
    for name, text in mine.items():
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text(text)
    elsewhere = tmp_path / "elsewhere"  # a user's directory that a link inside the results points to
    (elsewhere / "figures").mkdir(parents=True)
    (elsewhere / "report.html").write_text("their report")
    (elsewhere / "figures" / "fig.png").write_text("their figure")
    (out / "report").symlink_to(elsewhere, target_is_directory=True)
    theirs = tree(elsewhere)
    res = run_experiment(tiny_experiment("beta", seeds=1), out, jobs=1, progress=False, overwrite=True)
    assert tree(elsewhere) == theirs and (out / "report").is_symlink()
    assert res.manifest["name"] == "beta" and len(res.manifest["history"]) == 1
    assert set(load_results(out, all_runs=True).summaries["seed"]) == {0}  # alpha's parts are gone
    for name, text in mine.items():
        assert (out / name).read_text() == text, name
    assert sorted(p.name for p in (out / "quarantine").iterdir()) == ["why.txt"]


def test_overwrite_never_goes_through_a_symlinked_root(tmp_path):
    real = tmp_path / "real"
    run_experiment(tiny_experiment("alpha"), real, jobs=1, progress=False, load=False)
    before = tree(real)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    with pytest.raises(ResultsError, match="symbolic link"):
        run_experiment(tiny_experiment("beta"), link, jobs=1, progress=False, overwrite=True)
    assert tree(real) == before and link.is_symlink()


def test_only_our_manifest_makes_a_directory_ours(tmp_path):
    """A manifest.json of another tool is not ours (refused even with --overwrite); a manifest of this tool
    written before the format marker (name, experiment_hash, runs) still is."""
    other = tmp_path / "webapp"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"name": "webapp", "version": 3}))
    (other / "index.html").write_text("<p>")
    before = tree(other)
    with pytest.raises(ResultsError, match="not the manifest of a results directory of this tool"):
        run_experiment(tiny_experiment(), other, jobs=1, progress=False, overwrite=True)
    assert tree(other) == before
    (other / "manifest.json").write_text("{not json")
    with pytest.raises(ResultsError, match="not valid JSON"):
        run_experiment(tiny_experiment(), other, jobs=1, progress=False, overwrite=True)

    legacy = tmp_path / "legacy"
    first = run_experiment(tiny_experiment(), legacy, jobs=1, progress=False)
    man = json.loads((legacy / "manifest.json").read_text())
    assert man["format"] == "sim-results/1"
    del man["format"]
    (legacy / "manifest.json").write_text(json.dumps(man))
    again = run_experiment(tiny_experiment(), legacy, jobs=1, progress=False)
    assert again.manifest["history"][-1]["pending"] == 0
    pd.testing.assert_frame_equal(values(again), values(first))


def test_out_below_a_file_or_on_a_file_is_refused(tmp_path):
    afile = tmp_path / "data.csv"
    afile.write_text("x")
    for out, problem in ((afile / "results", f"below {afile}, which is a file"),
                         (afile / "a" / "b", f"below {afile}, which is a file"),
                         (afile, "the results path is a file, not a directory")):
        with pytest.raises(ResultsError) as err:
            run_experiment(tiny_experiment(), out, jobs=1, progress=False)
        assert str(err.value).startswith(f"{out}: ") and problem in str(err.value), str(err.value)
    assert afile.read_text() == "x" and sorted(os.listdir(tmp_path)) == ["data.csv"]


# ------------------------------------------------------------------------------------ 2. atomic lock
LOCKER = """
import json, os, sys, time
from pathlib import Path
from sim.errors import LockError
from sim.runs.results import LOCK_NAME, ResultStore
out, rounds, slot = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
print("ready", flush=True)
t0 = float(sys.stdin.readline())
log = []
for i in range(rounds):
    time.sleep(max(0.0, t0 + i * slot - time.time()))
    store = ResultStore(out)
    try:
        store.lock()
    except LockError as e:
        log.append(["lost", str(e)])
    else:
        held = time.time()
        time.sleep(slot * 0.5)
        log.append(["won", held, time.time()])
        store.unlock()
        Path(out, LOCK_NAME).write_text("999999999\\n")  # as if it had crashed: a stale lock file for the next round
print(json.dumps(log), flush=True)
"""


@pytest.mark.slow
def test_a_stale_lock_contended_by_processes_has_one_holder(tmp_path):
    """Batches starting together after a crash (a stale lock file of a dead process), 3 processes x 30 rounds,
    each round starting from a stale lock file: never do two hold the directory at the same time, and each
    one turned away gets the one-line LockError naming the holder."""
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).write_text("999999999\n")  # left by a batch that was killed
    rounds, slot = 30, 0.1
    procs = [subprocess.Popen([sys.executable, "-c", LOCKER, str(out), str(rounds), str(slot)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready", p.stderr.read()
        t0 = time.time() + 0.3
        for p in procs:
            p.stdin.write(f"{t0}\n")
            p.stdin.flush()
        logs = {}
        for p in procs:
            stdout, stderr = p.communicate(timeout=60)
            assert p.returncode == 0, stderr
            logs[p.pid] = json.loads(stdout)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    held = sorted((e[1], e[2], pid) for pid, log in logs.items() for e in log if e[0] == "won")
    for (_, end, a), (start, _, b) in itertools.pairwise(held):
        assert start >= end, f"processes {a} and {b} held the directory at the same time"
    lost = [e[1] for log in logs.values() for e in log if e[0] == "lost"]
    assert len(lost) >= rounds, "the processes hardly contended"
    for msg in lost:
        pid = int(msg.split("(process ", 1)[1].split(")")[0])
        assert pid in logs, msg
        assert msg == (f"{out}: another batch (process {pid}) is writing into this directory; "
                       "allowed: wait for it to finish, or another --out"), msg


# ------------------------------------------------------------------------------ 3. damaged part files
def _damage_middle(path: Path) -> None:
    """Overwrite bytes in the middle of a Parquet file: the footer stays intact, a data page does not."""
    data = bytearray(path.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little") + 8
    for i in range(8, len(data) - footer - 8, 7):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def test_damaged_parts_are_skipped_by_readers_and_recomputed_by_resume(tmp_path, capsys):
    exp = tiny_experiment("parts", seeds=5)
    clean = run_experiment(exp, tmp_path / "clean", jobs=1, progress=False)
    out = tmp_path / "out"
    run_experiment(exp, out, jobs=1, progress=False, flush_runs=2, load=False)
    summ, month = out / "summaries", out / "monthly"
    assert sorted(p.name for p in summ.iterdir()) == [f"part-00000{i}.parquet" for i in range(1, 6)]
    _damage_middle(summ / "part-000001.parquet")  # ZSTD decompression fails, the footer reads fine
    _damage_middle(month / "part-000002.parquet")
    pq.read_metadata(summ / "part-000001.parquet")
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever pyarrow raises for the damaged page
        pq.read_table(summ / "part-000001.parquet")
    data = (summ / "part-000003.parquet").read_bytes()
    (summ / "part-000003.parquet").write_bytes(data[: len(data) // 2])  # truncated
    (summ / "part-000004.parquet").write_bytes(b"")  # empty
    bad = {"summaries/part-000001", "monthly/part-000002", "summaries/part-000003", "summaries/part-000004"}

    with pytest.warns(PartWarning) as caught:
        res = load_results(out)
    named = {m for m in bad for w in caught if m in str(w.message)}
    assert named == bad
    ok_keys = set(pq.read_table(summ / "part-000002.parquet")["key"].to_pylist()) | \
        set(pq.read_table(summ / "part-000005.parquet")["key"].to_pylist())
    assert set(res.summaries["key"]) == ok_keys and len(ok_keys) == 4
    with pytest.warns(PartWarning):
        assert ResultStore(out).done_keys() == ok_keys

    capsys.readouterr()
    assert cli.main(["results", str(out)]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and all(m in err for m in bad if m.startswith("summaries"))
    from sim.present.report import build_report

    with pytest.warns(PartWarning):
        assert build_report(out).exists()

    before = {f"{d.name}-{p.name}": p.read_bytes() for d in (summ, month) for p in d.iterdir()}
    res = run_experiment(exp, out, jobs=1, progress=False)
    quarantined = {p.name: p.read_bytes() for p in (out / "quarantine").iterdir()}
    assert sorted(quarantined) == sorted(f"{d}-part-00000{i}.parquet" for d in ("summaries", "monthly")
                                         for i in range(1, 5))
    assert quarantined == {k: before[k] for k in quarantined}  # moved aside as they were, never deleted
    assert len(res.manifest["repairs"]) == 4
    assert res.manifest["history"][-1]["pending"] == 8  # parts 1-4 (2 runs each) recomputed, part 5 kept
    pd.testing.assert_frame_equal(values(res), values(clean))
    pd.testing.assert_frame_equal(res.monthly, clean.monthly)


def test_unreadable_runs_table_and_failure_records_are_skipped(tmp_path):
    out = tmp_path / "out"
    run_experiment(tiny_experiment(), out, jobs=1, progress=False, load=False)
    (out / "runs.parquet").write_bytes(b"PAR1 garbage")
    (out / "failures" / "abc.json").write_text("{")
    with pytest.warns(PartWarning) as caught:
        res = load_results(out)
    assert len(res.summaries) == 4
    assert {Path(str(w.message).split(":")[0]).name for w in caught} == {"runs.parquet", "abc.json"}


# ----------------------------------------------------------------- 5. disk full, read-only, scheduler
def _failing_writes(monkeypatch, err: int, after: int) -> list[str]:
    """From the (after+1)-th summaries part on, every write fails with OSError(err), as on a full disk."""
    real = sim.runs.store.atomic_write
    written: list[str] = []

    def writer(path: Path, write) -> None:  # noqa: ANN001
        if len([w for w in written if "summaries" in w]) >= after:
            raise OSError(err, os.strerror(err), str(path))
        real(path, write)
        written.append(f"{path.parent.name}/{path.name}")

    monkeypatch.setattr(sim.runs.store, "atomic_write", writer)
    return written


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS])
def test_disk_full_or_read_only_stops_cleanly_and_resumes(err, tmp_path, monkeypatch):
    exp = tiny_experiment("full", seeds=4)
    clean = run_experiment(exp, tmp_path / "clean", jobs=1, progress=False)
    out = tmp_path / "out"
    written = _failing_writes(monkeypatch, err, after=2)
    with pytest.raises(ResultsError) as e:
        run_experiment(exp, out, jobs=1, progress=False, flush_runs=2)
    assert str(out) in str(e.value) and os.strerror(err) in str(e.value)
    assert e.value.allowed and "\n" not in str(e.value)
    assert sum("summaries" in w for w in written) == 2
    monkeypatch.undo()

    assert not [p for p in out.rglob("*.tmp")]
    json.loads((out / "manifest.json").read_text())  # intact (the last successful write)
    kept = load_results(out)  # no warning: every part on disk is whole
    assert len(kept.summaries) == 4
    res = run_experiment(exp, out, jobs=1, progress=False)
    assert res.manifest["history"][-1]["pending"] == 4 and res.manifest["status"] == "complete"
    pd.testing.assert_frame_equal(values(res), values(clean))


def test_read_only_output_from_the_start(tmp_path, monkeypatch):
    _failing_writes(monkeypatch, errno.EROFS, after=0)
    with pytest.raises(ResultsError, match="Read-only file system") as e:
        run_experiment(tiny_experiment(), tmp_path / "out", jobs=1, progress=False)
    assert "writable --out" in str(e.value)


def test_atomic_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    sim.runs.store.write_json({"v": 1}, target)

    def full(src, dst):  # noqa: ANN001
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sim.runs.store.os, "replace", full)
    with pytest.raises(ResultsError, match="No space left on device") as e:
        sim.runs.store.write_json({"v": 2}, target)
    assert e.value.file == str(tmp_path) and "manifest.json" in str(e.value)
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"v": 1} and os.listdir(tmp_path) == ["manifest.json"]


def test_bad_scheduler_fails_fast_naming_the_option(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    with pytest.raises(InputError, match="no such scheduler file") as e:
        run_experiment(tiny_experiment(), out, jobs=2, scheduler=str(tmp_path / "scheduler.json"), progress=False)
    assert e.value.file == "--scheduler" and not out.exists()

    monkeypatch.setattr(sim.runs.batch, "SCHEDULER_TIMEOUT", 1.0)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="cannot reach the Dask scheduler") as e:
        run_experiment(tiny_experiment(), out, jobs=2, scheduler="tcp://127.0.0.1:9", progress=False)
    assert time.perf_counter() - t0 < 10
    assert str(e.value).startswith("--scheduler: ") and "tcp://127.0.0.1:9" in str(e.value)
    assert len(run_experiment(tiny_experiment(), out, jobs=1, progress=False).summaries) == 4  # and it resumes


# ------------------------------------------------------------- 4, 6. kills, signals, orphan processes
BATCH = """
import sys
from sim import run_experiment
exp = {exp!r}
run_experiment(exp, sys.argv[1], jobs=2, chunk=2, progress=False, flush_runs=4, flush_seconds=0.3, load=False)
"""
KILL_SEEDS = 25  # 50 runs: a few seconds on two workers


def session(sid: int) -> list[int]:
    """Live (non-zombie) processes of a session."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(d))
    return pids


def wait_gone(sid: int, seconds: float = 10.0) -> list[int]:
    """The processes of a session still alive after `seconds` (empty when all have gone)."""
    deadline = time.monotonic() + seconds
    while (left := session(sid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def kill_session(sid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(sid, signal.SIGKILL)


@pytest.fixture(scope="module")
def kill_clean(tmp_path_factory) -> pd.DataFrame:
    """A clean run of the kill tests' experiment (in this process)."""
    out = tmp_path_factory.mktemp("clean") / "out"
    return values(run_experiment(tiny_experiment("kills", KILL_SEEDS), out, jobs=1, progress=False))


def _killed_batch(out: Path, rng: random.Random, group: bool, seeds: int = KILL_SEEDS) -> None:
    """Start a batch, SIGKILL it (its main process, or its whole process group) at a random moment after it stored
    a new part of runs (observed progress, so that on a slow or loaded machine too every kill interrupts work
    under way); then no process of it may remain."""
    parts = out / "summaries"
    before = len(list(parts.glob("part-*.parquet")))
    proc = subprocess.Popen([sys.executable, "-c", BATCH.format(exp=tiny_experiment("kills", seeds)), str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(list(parts.glob("part-*.parquet"))) <= before and proc.poll() is None:
            assert time.monotonic() < deadline, "the batch stored no runs in two minutes"
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.3))
        with suppress(ProcessLookupError):  # (a batch with little left to do may have finished)
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        left = wait_gone(proc.pid)
        assert not left, f"processes outlived the killed batch: {left}"
    finally:
        kill_session(proc.pid)
        proc.wait()
        proc.stderr.close()


def _check_final(out: Path, clean: pd.DataFrame, source: dict | Path | None = None) -> None:
    """Resume to the end: every run stored exactly once, the numbers those of a clean run."""
    source = tiny_experiment("kills", KILL_SEEDS) if source is None else source
    res = run_experiment(source, out, jobs=1, progress=False)
    exp = load_experiment(source)
    assert list(res.summaries["key"]) == exp.keys
    stored = pd.concat([pd.read_parquet(p, columns=["key"]) for p in (out / "summaries").glob("part-*.parquet")])
    stored = stored[stored["key"].isin(exp.keys)]  # (runs of an older code version, if any, stay on disk)
    assert stored["key"].is_unique and len(stored) == len(exp), "a completed run was lost or stored twice"
    assert not res.monthly.duplicated(["key", "month"]).any()
    pd.testing.assert_frame_equal(values(res).drop(columns="key"), clean.drop(columns="key"))


@pytest.mark.slow  # a process-level test of 8-30 s: in the full suite (CI), not the quick subset
@LINUX
def test_sigkill_of_main_or_group_leaves_no_process_and_loses_nothing(tmp_path, kill_clean):
    """SIGKILL of the main process: the workers, the forkserver and the resource tracker exit too (they used to
    run on for ever); SIGKILL of the whole group likewise. The rerun resumes and equals a clean run."""
    out = tmp_path / "out"
    rng = random.Random(7)
    _killed_batch(out, rng, group=False)
    _killed_batch(out, rng, group=True)
    _check_final(out, kill_clean)


@LINUX
@pytest.mark.slow
def test_repeated_sigkill_at_random_moments_loses_nothing(tmp_path):
    """Eight SIGKILLs at random moments (seeded) of a longer batch, every third one of the whole process group.
    Each kill lands after the batch stored new runs, so every resume after the first is interrupted with work
    left, however fast or loaded the machine."""
    seeds = 100
    clean = values(run_experiment(tiny_experiment("kills", seeds), tmp_path / "clean", jobs=1, progress=False))
    out = tmp_path / "out"
    rng = random.Random(2024)
    for i in range(8):
        _killed_batch(out, rng, group=i % 3 == 2, seeds=seeds)
    pending = [h["pending"] for h in json.loads((out / "manifest.json").read_text())["history"]]
    assert len([p for p in pending if 0 < p < 2 * seeds]) >= 3, pending  # kills interrupted resumes
    _check_final(out, clean, tiny_experiment("kills", seeds))


class _Lines:
    """Lines of a stream, collected by a thread."""

    def __init__(self, stream) -> None:  # noqa: ANN001
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:  # noqa: ANN001
        for line in stream:
            self.lines.append(line)

    def done_runs(self) -> int:
        """Runs finished according to the last progress line (`  N/M runs, ...`)."""
        for line in reversed(self.lines):
            head = line.strip().split(" ", 1)[0]
            if "/" in head and head.split("/")[0].isdigit():
                return int(head.split("/")[0])
        return 0


def _signalled_cli(exp_file: Path, out: Path, sig: int, group: bool) -> int:
    """Run `sim batch` until it reports finished runs, send `sig`; returns the runs it had reported."""
    cmd = [sys.executable, "-m", "sim.cli", "batch", str(exp_file), "--out", str(out), "-j", "2"]
    # Ctrl-C as in a terminal: a suite run as a background job (`cmd &` in a script) has SIGINT ignored, children
    # inherit that, and Python then never turns SIGINT into KeyboardInterrupt; so not ignored while it starts
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    finally:
        signal.signal(signal.SIGINT, before)
    try:
        lines = _Lines(proc.stderr)
        deadline = time.monotonic() + 60
        while lines.done_runs() == 0:
            assert proc.poll() is None, "".join(lines.lines)
            assert time.monotonic() < deadline, "no progress reported"
            time.sleep(0.02)
        reported = lines.done_runs()
        (os.killpg if group else os.kill)(proc.pid, sig)
        assert proc.wait(timeout=60) == 130, "".join(lines.lines)
        lines.thread.join(timeout=10)
        text = "".join(lines.lines)
        assert "interrupted: completed runs are kept" in text and "Traceback" not in text, text
        assert not wait_gone(proc.pid), "processes outlived the interrupted batch"
        return reported
    finally:
        kill_session(proc.pid)
        proc.wait()


SIGNAL_SEEDS = 150  # 300 runs: the resumed batch is still running when its signal arrives, however fast runs get


@pytest.mark.slow  # a process-level test of 8-30 s: in the full suite (CI), not the quick subset
@LINUX
def test_sigterm_and_ctrl_c_keep_completed_runs(tmp_path):
    """`sim batch` stopped by SIGTERM (to its main process) or Ctrl-C (SIGINT to its process group): exit 130,
    every run it reported finished is kept, no process remains, and the rerun completes as a clean run."""
    source = tiny_experiment("kills", SIGNAL_SEEDS)
    clean = values(run_experiment(source, tmp_path / "clean", jobs=1, progress=False))
    exp_file = tmp_path / "kills.yaml"
    exp_file.write_text(yaml.safe_dump(source))
    out = tmp_path / "out"
    total = 2 * SIGNAL_SEEDS
    reported = _signalled_cli(exp_file, out, signal.SIGTERM, group=False)
    done = len(ResultStore(out).done_keys())
    assert reported <= done
    reported = _signalled_cli(exp_file, out, signal.SIGINT, group=True)
    later = len(ResultStore(out).done_keys())
    assert later >= max(done, reported) and json.loads((out / "manifest.json").read_text())["status"] == \
        ("interrupted" if later < total else "complete")
    assert later < total, "the resumed batch finished before Ctrl-C: the test no longer interrupts it"
    _check_final(out, clean, exp_file)
