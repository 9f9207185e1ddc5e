"""Helpers shared by the benchmark scripts: machine load, section headers, the code being measured."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average n/a"


def header(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 76 - len(title)))
    print(f"  ({load()} at start; other processes on the machine skew the timings)", flush=True)


def source_hash() -> str:
    """Short hash of sim/**/*.py as they are on disk (spawned workers import them afresh)."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "sim").rglob("*.py")):
        h.update(path.relative_to(ROOT / "sim").as_posix().encode() + path.read_bytes())
    return h.hexdigest()[:10]


def code_version() -> str:
    """Git commit of the code measured, uncommitted edits to sim/, and a hash of its sources."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sim"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        head, dirty = "no git", []
    changed = [line[3:] for line in dirty if line.strip()]
    edits = f"uncommitted edits to {', '.join(changed)}" if changed else "sim/ clean"
    return f"{head} ({edits}); sim/**/*.py hash {source_hash()}"


def processor() -> str:
    """The processor, AVX-512 or not, and the BLAS kernel (sim.provenance.machine): figures depend on them."""
    from sim.provenance import machine

    m = machine()
    return f"{m['cpu']} ({'AVX-512' if m['avx512f'] else 'no AVX-512'}; BLAS {m['blas']})"
