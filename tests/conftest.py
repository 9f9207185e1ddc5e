"""Shared fixtures: the pinned parameter file, and a small eventful scenario that extends it.

Tests never use the defaults in sim/params.py directly (they are being recalibrated): every scenario a
test loads extends tests/pinned.yaml.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.scenario import Scenario, load_scenario

TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture
def pinned() -> Path:
    """Path of the pinned parameter file (small populations, 60-month horizon, 36 burn-in)."""
    return TESTS_DIR / "pinned.yaml"


@pytest.fixture
def tiny_scenario() -> Scenario:
    """tests/scenarios/tiny.yaml: pinned parameters with frequent random shocks and provocations."""
    return load_scenario(TESTS_DIR / "scenarios" / "tiny.yaml")
