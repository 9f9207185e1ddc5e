"""The recorded history 2012-2025 (ODD §7.14), layered inside: the data of `data/` (data), the historical replays
as scenarios (replay), scoring against the polls (fit), running replays (runs) and the calibration (calibrate).

The names of the data, replay and fit modules are available here too (`from sim import history as H;
H.rmse(...)`); `run_replay` is imported on first use, as it runs the model.
"""

from __future__ import annotations

import importlib
from typing import Any

from sim.history.data import (
    AGE_GROUP_NAMES,
    CALIBRATION_SETTINGS,
    DATA_DIR,
    END,
    FIT_YEARS,
    HISTORICAL,
    HISTORY_DIR,
    HORIZON,
    MODES,
    POLL_YEARS,
    START,
    Event,
    HistoryError,
    Mapping,
    fieldwork_months,
    frozen_hash,
    load_declared,
    load_events,
    load_mapping,
    lookup,
    month_index,
    month_label,
    number,
    observed,
    poll_months,
    read_table,
)
from sim.history.fit import loss, poll_shares, polls_table, rmse, sort_rows, targets
from sim.history.replay import fitted_keys, initial_strategy, replay_scenario, replay_shocks, replay_specs

__all__ = ["AGE_GROUP_NAMES", "CALIBRATION_SETTINGS", "DATA_DIR", "END", "FIT_YEARS", "HISTORICAL", "HISTORY_DIR",
           "HORIZON", "MODES", "POLL_YEARS", "START", "Event", "HistoryError", "Mapping", "fieldwork_months",
           "fitted_keys", "frozen_hash", "initial_strategy", "load_declared", "load_events", "load_mapping", "lookup",
           "loss", "month_index", "month_label", "number", "observed", "poll_months", "poll_shares", "polls_table",
           "read_table", "replay_scenario", "replay_shocks", "replay_specs", "rmse", "run_replay", "sort_rows",
           "targets"]


def __getattr__(name: str) -> Any:
    if name == "run_replay":
        return importlib.import_module("sim.history.runs").run_replay
    raise AttributeError(f"module 'sim.history' has no attribute {name!r}")
