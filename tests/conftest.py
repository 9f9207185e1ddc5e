"""Fixtures of the most used test inputs (tests/helpers.py has the rest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.scenario import Scenario, load_scenario
from tests.helpers import PINNED_PATH, TINY_PATH


@pytest.fixture
def pinned() -> Path:
    """Path of the pinned parameter file (small populations, 60-month horizon, 36 burn-in)."""
    return PINNED_PATH


@pytest.fixture
def tiny_scenario() -> Scenario:
    """tests/scenarios/tiny.yaml: pinned parameters with frequent random shocks and provocations."""
    return load_scenario(TINY_PATH)
