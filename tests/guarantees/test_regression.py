"""Regression pins: exact summaries of every bundled scenario under both presets for fixed seeds
(tests/regression.yaml). Any change of the model's behaviour shows here; when the change is on purpose, re-pin
with `python -m tests.make_regression --reason "..."`, which keeps the reason in the file's history."""

from __future__ import annotations

import pytest
import yaml

from sim import run
from tests.helpers import BUNDLED, TESTS_DIR, bundled_on_pinned

PINS = yaml.safe_load((TESTS_DIR / "regression.yaml").read_text())
BY_STEM = {p.stem: p for p in BUNDLED}


def test_every_bundled_scenario_and_preset_is_pinned():
    """A bundled scenario added or renamed gets pins too (the file is regenerated, not edited)."""
    pinned = {(p["scenario"], p["strategy"]) for p in PINS["pins"]}
    assert pinned == {(s, k) for s in BY_STEM for k in ("two_track", "linked")}
    assert all(h["reason"].strip() for h in PINS["history"])


@pytest.mark.parametrize("pin", PINS["pins"], ids=lambda p: f"{p['scenario']}-{p['strategy']}-{p['seed']}")
def test_summary_matches_its_pin(pin):
    """The run's summary equals the pinned numbers (floats to 1e-9 relative, counts exactly)."""
    scen = bundled_on_pinned(BY_STEM[pin["scenario"]], **PINS["run"])
    got = run(scen, pin["strategy"], pin["seed"], keep_model=False).summary
    for key, want in pin.items():
        if key in ("scenario", "strategy", "seed"):
            continue
        if isinstance(want, int):
            assert int(got[key]) == want, key
        else:
            assert got[key] == pytest.approx(want, rel=1e-9, abs=1e-12), key
