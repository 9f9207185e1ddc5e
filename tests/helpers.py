"""Helpers for the statistical tests: pinned versions of bundled scenarios and paired scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.config.scenario import Scenario, from_dict, load_scenario, merge, resolve_file
from sim.studies.compare import run_comparison

TESTS_DIR = Path(__file__).resolve().parent
PINNED = TESTS_DIR / "pinned.yaml"
SCENARIOS = sorted((TESTS_DIR.parent / "scenarios").glob("*.yaml"))


def pinned(**overrides) -> Scenario:
    return load_scenario(PINNED, overrides)


def bundled_on_pinned(path: Path, **overrides) -> Scenario:
    """A bundled scenario's own content (its `extends` chain) laid over the pinned parameters."""
    user, _ = resolve_file(Path(path))
    data = merge(load_scenario(PINNED).data, user)
    data["horizon"] = 120
    return from_dict(data, data["name"]).with_overrides(**overrides)


def two_track_scores(scenario: Scenario, seeds: list[int], outcome: str = "health_discounted",
                     tol: float = 1e-3) -> np.ndarray:
    """Per seed: 1 if two-track (both) beats linked (both), 0.5 for a tie, 0 otherwise."""
    df = run_comparison([scenario], ["two_track", "linked"], seeds, jobs=2)
    a = df[df.strategy == "two_track"].set_index("seed")[outcome]
    b = df[df.strategy == "linked"].set_index("seed")[outcome]
    d = (a - b).loc[seeds].to_numpy()
    return np.where(d > tol, 1.0, np.where(d < -tol, 0.0, 0.5))
