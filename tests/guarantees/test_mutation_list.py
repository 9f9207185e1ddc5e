"""The curated mutation list (benchmarks/mutations.py) stays true to the code: every snippet it replaces occurs
exactly once in its file, so `benchmarks/mutation.py` tests every bug it lists (a renamed variable would
otherwise drop a mutation silently). The check is the script's own (`mutation.check`)."""

from __future__ import annotations

import importlib.util

from tests.helpers import ROOT


def test_every_mutation_snippet_occurs_once_in_its_file():
    spec = importlib.util.spec_from_file_location("mutation_script", ROOT / "benchmarks" / "mutation.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)  # puts benchmarks/ on sys.path and imports the list
    assert len(script.MUTATIONS) >= 100
    script.check(script.MUTATIONS)  # exits with the stale ids if a snippet is missing or repeated
