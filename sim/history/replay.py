"""The historical replays (ODD §7.14): the timeline's events as scenario shocks through the event mapping, the
historical scenario of a mode, and the replay's starting strategy. A *forced* replay imposes every event; a *free*
replay imposes only what the two governments do not control and leaves the rest to the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.stats import slope
from sim.config.scenario import Scenario, load_scenario, resolve_file
from sim.history.data import (
    DATA_DIR,
    FIT_YEARS,
    HISTORICAL,
    HISTORY_DIR,
    MODES,
    Event,
    HistoryError,
    load_declared,
    load_events,
    load_mapping,
    lookup,
    month_index,
    month_label,
    visitors_annual,
)
from sim.params import COUNTRIES

TRAVEL_LAST = 2018  # the last year of arrivals the travel trend uses: 2019 is the year of the boycott


def declared_strategy(month: int, declared: list | None = None) -> str:
    """The strategy spec of the leaders in office at a replay month (their declared strategies)."""
    declared = load_declared() if declared is None else declared
    now = {c: s for m, c, _, s in declared if m <= month}
    missing = [c for c in COUNTRIES if c not in now]
    if missing:
        raise HistoryError(f"no leader in office at {month_label(month)} for {', '.join(missing)}",
                           file=str(DATA_DIR / "declared_strategies.csv"), path="date",
                           allowed=f"a row dated {month_label(month)} or earlier for each country")
    return f"kr={now['KR']},jp={now['JP']}"


def declared_changes(declared: list | None = None) -> list[dict]:
    """The declared strategies after month 0 as scheduled changes of a scenario (`changes` entries: month,
    country, strategy), so that a forward scenario can run the record's sequence of strategies."""
    declared = load_declared() if declared is None else declared
    return [{"month": m, "country": c, "strategy": s} for m, c, _, s in declared if m > 0]


def initial_strategy(declared: list | None = None) -> str:
    """The replay's starting strategy spec: the leaders in office at month 0."""
    return declared_strategy(0, declared)


def replay_shocks(mode: str, events: list[Event] | None = None, mapping: dict | None = None,
                  declared: list | None = None, drop: tuple[str, ...] = ()) -> list[dict]:
    """The scheduled shocks of a replay (scenario `shocks` entries), from the timeline through the mapping.

    drop: shock kinds left out (counterfactual replays, e.g. ('pandemic',))."""
    if mode not in MODES:
        raise ValueError(f"replay mode {mode!r}: allowed {', '.join(MODES)}")
    mapping = load_mapping() if mapping is None else mapping
    events = load_events(mapping=mapping) if events is None else events
    declared = load_declared() if declared is None else declared
    leaders = {(m, c): s for m, c, _, s in declared}
    out = []
    for ev in events:
        mp = lookup(mapping, ev)
        if mp.shock == "none" or mp.shock in drop or (mode == "free" and mp.free == "model"):
            continue
        actor = ev.actor if mp.shock_actor == "same" else mp.shock_actor
        entry: dict[str, Any] = {"kind": mp.shock, "month": ev.month, "magnitude": mp.magnitude, "actor": actor}
        if mp.issue:
            entry["issue"] = mp.issue
        if mp.shock == "pandemic":
            entry["duration"] = mp.duration
        if mp.shock == "leadership_change":
            match = [s for (m, c), s in leaders.items() if c == ev.actor and m == ev.month]
            if match:
                entry["strategy"] = match[0]
        out.append(entry)
    return out


def travel_trend(data_until: int = FIT_YEARS[-1]) -> dict[str, float]:
    """Each country's secular growth of trips to the other, per year on a log scale: the least-squares slope of the
    log arrivals (data/visitors_2013_2019.csv) from 2013 to `data_until`, at most to 2018 (2019 is the year of the
    boycott), and at least 0."""
    vis = visitors_annual()
    use = vis[vis["year"] <= min(data_until, TRAVEL_LAST)]
    if len(use) < 2:
        return {c: 0.0 for c in COUNTRIES}
    return {c: max(0.0, slope(use["year"].to_numpy(), np.log(use[col].to_numpy())))
            for c, col in (("KR", "kr_to_jp"), ("JP", "jp_to_kr"))}


def replay_scenario(mode: str, overrides: dict | None = None, base: Path | str | None = None,
                    drop: tuple[str, ...] = (), linkage: bool = True, data_until: int = FIT_YEARS[-1]) -> Scenario:
    """The historical scenario with the timeline's shocks for a mode (overrides: dotted parameters, as a
    parameter draw gives). linkage=False: no government links disputes (a counterfactual replay). The trips grow at
    the trend of the arrivals up to `data_until` (travel_trend), through the last poll year fitted (FIT_YEARS);
    a rolling-origin forecast passes its origin, so no later arrival enters it."""
    scen = load_scenario(base or HISTORICAL, overrides or {})
    name = scen.name + "-" + mode + "".join(f"-no_{d}" for d in drop) + ("" if linkage else "-no_linkage")
    extra: dict[str, Any] = {"shocks": replay_shocks(mode, drop=drop), "name": name,
                             "travel": {**scen.data["travel"], "trend": travel_trend(data_until),
                                        "until": month_index(f"{FIT_YEARS[-1]}-12")}}
    if not linkage:
        extra["levers"] = {**scen.data["levers"], "linkage_mode": "none"}
        extra["shocks"] = [dict(s, strategy="") if s["kind"] == "leadership_change" else s for s in extra["shocks"]]
    return scen.with_overrides(**extra)


def replay_specs(mode: str, draws: list[dict] | None = None, drop: tuple[str, ...] = (),
                 linkage: bool = True, data_until: int = FIT_YEARS[-1]) -> tuple[str, list[Scenario]]:
    """(experiment name, scenarios) of a replay: one scenario per parameter draw (or the point estimate)."""
    name = f"replay-{mode}" + "".join(f"-no_{d}" for d in drop) + ("" if linkage else "-no_linkage")
    scens = [replay_scenario(mode, d, drop=drop, linkage=linkage, data_until=data_until) for d in (draws or [None])]
    if draws:
        scens = [s.with_overrides(name=f"{s.name}-draw{i:03d}") for i, s in enumerate(scens)]
    return name + (f"-draws{len(draws)}" if draws else ""), scens


def fitted_keys(path: Path | None = None) -> list[str]:
    """Dotted names of the parameters a calibrated file sets (its point estimates)."""
    user, _ = resolve_file(Path(path or HISTORY_DIR / "calibrated.yaml"))

    def flat(node: dict, prefix: str) -> list[str]:
        out = []
        for k, v in node.items():
            out += flat(v, f"{prefix}{k}.") if isinstance(v, dict) else [f"{prefix}{k}"]
        return out

    return [k for k in flat(user, "") if k not in ("name", "description")]
