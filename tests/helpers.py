"""The one set of test helpers: where the test inputs are, small scenarios and experiments of the pinned parameters,
pinned versions of the bundled scenarios, and paired scores for the statistical tests. (conftest.py turns the
most used ones into fixtures.)

Tests never use the defaults in sim/params.py directly (they are being recalibrated): every scenario a test loads
extends tests/pinned.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.config.scenario import Scenario, from_dict, load_scenario, merge, resolve_file
from sim.outcomes import TIE_TOLERANCE
from sim.studies.compare import run_comparison

ROOT = Path(__file__).resolve().parents[1]
"""The project's checkout."""
TESTS_DIR = ROOT / "tests"
PINNED_PATH = TESTS_DIR / "pinned.yaml"
"""All parameters and presets pinned, small populations, a 60-month horizon after a 36-month burn-in."""
TEST_SCENARIOS = TESTS_DIR / "scenarios"
TINY_PATH = TEST_SCENARIOS / "tiny.yaml"
"""Pinned parameters with frequent random shocks and provocations."""
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
"""The bundled scenarios of scenarios/ (not the history ones)."""

RUN_SIZES: dict[str, dict[str, Any]] = {
    "xs": {"horizon": 6, "burn_in": 3},
    "s": {"horizon": 8, "burn_in": 6, **{f"population.{c}.{k}": n for c in ("KR", "JP")
                                         for k, n in (("n_public", 80), ("n_youth", 20))}},
    "m": {"horizon": 12, "burn_in": 12, **{f"population.{c}.{k}": n for c in ("KR", "JP")
                                           for k, n in (("n_public", 200), ("n_youth", 50))}},
}
"""Overrides that make the pinned scenario's runs short: xs (storage and batch mechanics: a few months), s (sweeps),
m (sensitivity: enough citizens and months that parameters move outcomes)."""


def tiny_overrides(size: str = "xs") -> dict[str, Any]:
    """A copy of the overrides of one of RUN_SIZES."""
    return dict(RUN_SIZES[size])


def tiny_experiment(name: str = "safety", seeds: int = 2, strategies: tuple[str, ...] = ("two_track", "linked"),
                    size: str = "xs") -> dict:
    """An experiment (as a dict) of the pinned scenario, short runs, two strategies by default."""
    return {"name": name, "scenarios": [str(PINNED_PATH)], "strategies": list(strategies), "seeds": seeds,
            "overrides": tiny_overrides(size)}


def pinned_scenario(**overrides: Any) -> Scenario:
    """The pinned scenario with dotted overrides."""
    return load_scenario(PINNED_PATH, overrides)


def bundled_on_pinned(path: Path, **overrides: Any) -> Scenario:
    """A bundled scenario's own content (its `extends` chain) laid over the pinned parameters."""
    user, _ = resolve_file(Path(path))
    data = merge(load_scenario(PINNED_PATH).data, user)
    data["horizon"] = 120
    return from_dict(data, data["name"]).with_overrides(**overrides)


def two_track_scores(scenario: Scenario, seeds: list[int], outcome: str = "health_discounted",
                     tol: float = TIE_TOLERANCE) -> np.ndarray:
    """Per seed: 1 if two-track (both) beats linked (both), 0.5 for a tie, 0 otherwise."""
    df = run_comparison([scenario], ["two_track", "linked"], seeds, jobs=2)
    a = df[df.strategy == "two_track"].set_index("seed")[outcome]
    b = df[df.strategy == "linked"].set_index("seed")[outcome]
    d = (a - b).loc[seeds].to_numpy()
    return np.where(d > tol, 1.0, np.where(d < -tol, 0.0, 0.5))
