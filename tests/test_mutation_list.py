"""The curated mutation list (benchmarks/mutations.py) stays true to the code: every snippet it replaces occurs
exactly once in its file, so `benchmarks/mutation.py` tests every bug it lists (a renamed variable would
otherwise drop a mutation silently)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_mutation_snippet_occurs_once_in_its_file():
    spec = importlib.util.spec_from_file_location("mutations", ROOT / "benchmarks" / "mutations.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["mutations"] = mod  # its dataclass looks its module up there
    try:
        spec.loader.exec_module(mod)
    finally:
        del sys.modules["mutations"]
    assert len(mod.MUTATIONS) >= 100
    stale = [(m.id, m.file, (ROOT / m.file).read_text().count(m.old)) for m in mod.MUTATIONS
             if (ROOT / m.file).read_text().count(m.old) != 1]
    assert not stale, f"mutations whose snippet is not exactly once in its file (id, file, count): {stale}"
