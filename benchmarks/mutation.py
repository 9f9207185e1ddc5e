"""Mutation check: how many plausible one-line bugs in the model and statistics does the quick test subset catch?

Each mutation in benchmarks/mutations.py replaces one exact snippet of one module of `sim/` (a flipped sign,
swapped countries, a skipped update, ...). For each, a scratch copy of the project gets the mutation and the
quick subset (`pytest -m "not slow" -x`) runs there; the mutation is *killed* when a test fails (or the run
times out) and *survives* when every test passes. The script prints one line per mutation, the share killed
per group of modules (target: at least 90% on the model and on the statistics), and the survivors.

    python benchmarks/mutation.py              # every mutation, 2 at a time (about half an hour here)
    python benchmarks/mutation.py -k deterrence -k holm   # only mutations whose id contains a word
    python benchmarks/mutation.py --list       # the mutations, without running anything

It never touches the project's own files: mutations are applied in copies under a temporary directory,
which is removed at the end. Not part of CI (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutations import GROUPS, MUTATIONS, Mutation  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# Unit tests first, so that a killed mutation fails fast under -x.
FIRST = ["model/test_population.py", "model/test_agents.py", "model/test_disputes.py", "model/test_shocks.py",
         "model/test_environment.py", "model/test_outputs.py", "analysis/test_stats_pinned.py",
         "analysis/test_stats.py", "analysis/test_comparison.py", "guarantees/test_crn.py",
         "guarantees/test_regression.py", "guarantees/test_mechanisms.py", "guarantees/test_determinism.py",
         "model/test_model.py", "guarantees/test_patterns.py", "model/test_kernels.py"]
"""Test files run first (paths under tests/): the unit tests of the mechanisms and statistics kill most mutations."""
SELF_CHECK = "tests/guarantees/test_mutation_list.py"
"""The test that the list matches the code, left out of the runs on mutated copies (where it would always fail)."""


def scratch_from_ref(dest: Path, ref: str) -> Path:
    """A copy of the project as committed at `ref` (e.g. the commit a change starts from)."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def project_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files of the project (what a commit would hold)."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.split("\n")
    return [f for f in out if f and (ROOT / f).is_file()]


def scratch_copy(dest: Path) -> Path:
    for f in project_files():
        target = dest / f
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, target)
    return dest


def check(mutations: list[Mutation]) -> None:
    """Every mutation's snippet occurs exactly once in its file (so the list stays true to the code)."""
    bad = []
    for m in mutations:
        n = (ROOT / m.file).read_text().count(m.old)
        if n != 1:
            bad.append(f"{m.id}: {m.file} contains the snippet {n} times (expected once): {m.old!r}")
    if bad:
        sys.exit("mutation list out of date with the code:\n  " + "\n  ".join(bad))


def test_order(copy: Path) -> list[str]:
    files = sorted(p.relative_to(copy / "tests").as_posix() for p in (copy / "tests").rglob("test_*.py"))
    first = [f for f in FIRST if f in files]
    return [f"tests/{f}" for f in first + [f for f in files if f not in first] if f"tests/{f}" != SELF_CHECK]


def default_signals() -> None:
    """Tests that interrupt a batch need SIGINT live: a shell's background job (`cmd &`) ignores it, and a
    child inherits that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def run_tests(copy: Path, timeout: float, tests: list[str] | None, deselect: list[str] = ()) -> tuple[str, str, float]:
    """(outcome, first failing test, seconds) of the quick subset in a copy."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-m", "not slow", "-x", "-q", "-n", "0", "-p", "no:cacheprovider",
           "-p", "no:randomly", "--no-header", *(tests or test_order(copy))]
    cmd += [f"--deselect={t}" for t in deselect]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=default_signals)
    except subprocess.TimeoutExpired:
        return "killed", "(timeout)", time.perf_counter() - t0
    secs = time.perf_counter() - t0
    failed = [ln.split(" ", 1)[1].split(" - ")[0] for ln in proc.stdout.splitlines()
              if ln.startswith(("FAILED ", "ERROR "))]
    if proc.returncode == 0:
        return "survived", "", secs
    if proc.returncode in (1, 2) or failed:
        return "killed", failed[0] if failed else f"(pytest exit {proc.returncode})", secs
    return "error", proc.stdout[-500:] + proc.stderr[-500:], secs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", action="append", default=[], help="only mutations whose id contains this word")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="mutations tested at once (default 2)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds before a test run counts as killed")
    ap.add_argument("--tests", nargs="*", help="run only these test files (a quick look, not the measure)")
    ap.add_argument("--ref", help="test the project as committed at this git ref (default: the working tree)")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    a = ap.parse_args(argv)
    chosen = [m for m in MUTATIONS if not a.k or any(k in m.id for k in a.k)]
    check(chosen)
    if a.list:
        for m in chosen:
            print(f"{m.id:<34} {m.file:<18} {m.why}")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="mutation-"))
    try:
        copies = [scratch_from_ref(tmp / f"copy{i}", a.ref) if a.ref else scratch_copy(tmp / f"copy{i}")
                  for i in range(max(1, a.jobs))]
        env = {**os.environ, "PYTHONPATH": str(copies[0])}
        where = subprocess.run([sys.executable, "-c", "import sim; print(sim.__file__)"], cwd=copies[0], env=env,
                               capture_output=True, text=True, check=True).stdout.strip()
        if not Path(where).resolve().is_relative_to(copies[0].resolve()):
            sys.exit(f"the scratch copy imports sim from {where}, not from the copy: cannot test mutations")
        unstable: list[str] = []  # tests that fail in the subset on unmutated code but pass alone
        while True:
            base, detail, base_secs = run_tests(copies[0], a.timeout, a.tests, unstable)
            if base == "survived" or len(unstable) >= 3 or detail.startswith("(") \
                    or run_tests(copies[0], a.timeout, [detail])[0] != "survived":
                break
            unstable.append(detail)
        if base != "survived":
            sys.exit(f"the quick subset does not pass on the unmutated code ({detail}): fix that first")
        if unstable:
            print(f"deselected (fail in the subset on unmutated code, pass alone): {', '.join(unstable)}")
        print(f"unmutated quick subset passes in {base_secs:.0f} s; testing {len(chosen)} mutations, "
              f"{a.jobs} at a time", flush=True)
        free = list(copies)

        def one(m: Mutation) -> tuple[Mutation, str, str, float]:
            copy = free.pop()
            path = copy / m.file
            original = path.read_text()
            flaky: list[str] = list(unstable)
            try:
                while True:
                    path.write_text(original.replace(m.old, m.new, 1))
                    res = run_tests(copy, a.timeout, a.tests, flaky)
                    path.write_text(original)
                    if res[0] != "killed" or res[1].startswith("(") or len(flaky) >= 3:
                        break
                    # killed only if the failing test passes on the unmutated code (not a flaky test)
                    if run_tests(copy, a.timeout, [res[1]])[0] == "survived":
                        break
                    flaky.append(res[1])
            finally:
                path.write_text(original)
                free.append(copy)
            extra = flaky[len(unstable):]
            return (m, res[0], res[1] + (f" (flaky, deselected: {', '.join(extra)})" if extra else ""), res[2])

        results = []
        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            for m, outcome, test, secs in pool.map(one, chosen):
                results.append((m, outcome))
                print(f"{outcome:<9} {secs:5.0f} s  {m.id:<34} {test}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    for group, files in GROUPS.items():
        rs = [o for m, o in results if m.file in files]
        if rs:
            k = sum(o == "killed" for o in rs)
            print(f"{group:<11} killed {k} of {len(rs)} ({k / len(rs):.0%})")
    late = [o for m, o in results if m.id.startswith("late_")]
    if late:
        k = sum(o == "killed" for o in late)
        print(f"{'late_':<11} killed {k} of {len(late)} ({k / len(late):.0%}): written after the tests, unseen by them")
    k = sum(o == "killed" for _, o in results)
    print(f"{'all':<11} killed {k} of {len(results)} ({k / max(len(results), 1):.0%})")
    survivors = [m for m, o in results if o != "killed"]
    if survivors:
        print("\nsurvivors (a test should catch each of these):")
        for m in survivors:
            print(f"  {m.id}: {m.file}: {m.why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
