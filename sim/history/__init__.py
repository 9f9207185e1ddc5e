"""The recorded history 2012-2025 (ODD §7.14): the data of `data/` (data), the historical replays as scenarios
(replay) and scoring a replay against the polls (fit). Nothing here runs the model: running a replay and the
calibration are studies (sim.studies.replay, sim.studies.calibrate).

The names of the three modules are available here too (`from sim import history as H; H.rmse(...)`).
"""

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
           "read_table", "replay_scenario", "replay_shocks", "replay_specs", "rmse", "sort_rows",
           "targets"]

