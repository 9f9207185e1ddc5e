"""The recorded history 2012-2025: the data of `data/`, the event mapping and the historical replays (MODEL.md §7).

Month 0 of a replay is August 2012; month 160 is December 2025. Every recorded event enters a replay through
one table, `data/event_mapping.csv` (event kind and actor -> shock kind and magnitude); leaders' declared
strategies come from `data/declared_strategies.csv`. A *forced* replay imposes every event; a *free* replay
imposes only what the two governments do not control and leaves the rest to the model.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .params import COUNTRIES, ENTRY_SCHEMAS, ISSUES, PRESETS, SHOCK_KINDS
from .scenario import SCENARIO_DIR, Scenario, load_scenario

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
HISTORY_DIR = SCENARIO_DIR / "history"
HISTORICAL = HISTORY_DIR / "historical_2012_2025.yaml"
START = (2012, 8)  # calendar month of month 0
END = "2025-12"
MODES = ("forced", "free")
FIT_YEARS = range(2014, 2020)  # scored years: the 2013 poll is the starting distribution
POLL_YEARS = range(2013, 2026)
MAPPING_COLUMNS = ("kind", "actor", "shock", "magnitude", "shock_actor", "issue", "duration", "free", "note")


class HistoryError(InputError):
    """A data file of `data/` that cannot be used (names the file, line and field)."""


def month_index(date: str) -> int:
    """Months since August 2012 of a date 'YYYY-MM' or 'YYYY-MM-DD'."""
    y, m = int(date[:4]), int(date[5:7])
    return (y - START[0]) * 12 + (m - START[1])


def month_label(month: int) -> str:
    """'YYYY-MM' of a replay month."""
    y, m = divmod(START[0] * 12 + START[1] - 1 + int(month), 12)
    return f"{y:04d}-{m + 1:02d}"


HORIZON = month_index(END) + 1


def read_table(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """Rows of a CSV file with '#' comment lines, as (line number, row); every required column present."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise HistoryError(f"cannot read the data file ({e})", file=str(path)) from None
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip() and not ln.startswith("#")]
    if not lines:
        raise HistoryError("no header row", file=str(path), allowed="a CSV header: " + ", ".join(required))
    reader = csv.reader(io.StringIO("\n".join(ln for _, ln in lines)))
    rows = list(reader)
    header = [h.strip() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise HistoryError("missing columns", file=str(path), line=lines[0][0], given=", ".join(header),
                           allowed="columns " + ", ".join(required))
    out = []
    for (lineno, _), row in zip(lines[1:], rows[1:], strict=True):
        if len(row) != len(header):
            raise HistoryError(f"{len(row)} fields where the header has {len(header)}", file=str(path), line=lineno,
                               given=",".join(row), allowed="one value per column (quote values with commas)")
        out.append((lineno, dict(zip(header, (v.strip() for v in row), strict=True))))
    return out


def _date(value: str, path: Path, line: int, col: str) -> str:
    ok = len(value) in (7, 10) and value[4] == "-" and value[:4].isdigit() and value[5:7].isdigit() \
        and 1 <= int(value[5:7]) <= 12 and (len(value) == 7 or (value[7] == "-" and value[8:].isdigit()))
    if not ok:
        raise HistoryError("not a date", file=str(path), line=line, path=col, given=value,
                           allowed="YYYY-MM or YYYY-MM-DD")
    return value


@dataclass(frozen=True)
class Mapping:
    """One row of the event mapping: how events of a kind (and actor) enter a replay."""

    kind: str
    actor: str
    shock: str
    magnitude: float
    shock_actor: str
    issue: str
    duration: int
    free: str
    line: int


def load_mapping(path: Path | None = None) -> dict[tuple[str, str], Mapping]:
    """The event mapping table, validated: (kind, actor or '*') -> Mapping."""
    path = Path(path or DATA_DIR / "event_mapping.csv")
    out: dict[tuple[str, str], Mapping] = {}
    for line, r in read_table(path, MAPPING_COLUMNS):
        def bad(col: str, allowed: str, r: dict = r, line: int = line) -> HistoryError:
            return HistoryError("not an allowed value", file=str(path), line=line, path=col, given=r[col],
                                allowed=allowed)
        kinds = ("none",) + tuple(SHOCK_KINDS)
        if r["shock"] not in kinds:
            raise bad("shock", ", ".join(kinds))
        if r["free"] not in ("imposed", "model"):
            raise bad("free", "imposed, model")
        if r["issue"] not in ISSUES + ("",):
            raise bad("issue", ", ".join(ISSUES) + " or empty")
        actors = ("same", "none", "both") + COUNTRIES
        if r["shock"] != "none" and r["shock_actor"] not in actors:
            raise bad("shock_actor", ", ".join(actors))
        try:
            mag = float(r["magnitude"]) if r["shock"] != "none" else 0.0
            dur = int(r["duration"]) if r["duration"] else ENTRY_SCHEMAS["shocks"]["duration"].default
        except ValueError:
            raise bad("magnitude" if r["shock"] != "none" else "duration", "a number") from None
        if not 0.0 <= mag <= 1.0:
            raise bad("magnitude", "a number in [0, 1]")
        key = (r["kind"], r["actor"] or "*")
        if key in out:
            raise HistoryError("a second row for the same kind and actor", file=str(path), line=line, path="kind",
                               given=f"{key[0]}, {key[1]}", allowed=f"one row per kind and actor (first at line "
                               f"{out[key].line})")
        out[key] = Mapping(r["kind"], key[1], r["shock"], mag, r["shock_actor"], r["issue"], dur, r["free"], line)
    return out


@dataclass(frozen=True)
class Event:
    """One recorded event of the timeline."""

    date: str
    kind: str
    actor: str
    title: str
    line: int

    @property
    def month(self) -> int:
        return month_index(self.date)


def load_events(path: Path | None = None, mapping: dict | None = None) -> list[Event]:
    """The dated timeline; an event whose kind (and actor) the mapping does not cover is an error."""
    path = Path(path or DATA_DIR / "events_2012_2025.csv")
    mapping = load_mapping() if mapping is None else mapping
    kinds = sorted({k for k, _ in mapping})
    out = []
    for line, r in read_table(path, ("date", "kind", "actor", "title")):
        ev = Event(_date(r["date"], path, line, "date"), r["kind"], r["actor"], r["title"], line)
        if not 0 <= ev.month < HORIZON:
            raise HistoryError("date outside the replay", file=str(path), line=line, path="date", given=r["date"],
                               allowed=f"{month_label(0)} to {END}")
        if (ev.kind, ev.actor) not in mapping and (ev.kind, "*") not in mapping:
            raise HistoryError("event kind not in the event mapping (add a row to data/event_mapping.csv)",
                               file=str(path), line=line, path="kind", given=f"{ev.kind} (actor {ev.actor})",
                               allowed=", ".join(kinds))
        out.append(ev)
    return out


def lookup(mapping: dict, ev: Event) -> Mapping:
    """The mapping row of an event: its kind and actor, else its kind for any actor."""
    return mapping.get((ev.kind, ev.actor)) or mapping[(ev.kind, "*")]


def load_declared(path: Path | None = None) -> list[tuple[int, str, str, str]]:
    """Leaders' declared strategies: (month, country, leader, strategy), in date order."""
    path = Path(path or DATA_DIR / "declared_strategies.csv")
    out = []
    for line, r in read_table(path, ("date", "country", "leader", "strategy", "basis")):
        if r["country"] not in COUNTRIES:
            raise HistoryError("not a country", file=str(path), line=line, path="country", given=r["country"],
                               allowed=", ".join(COUNTRIES))
        if r["strategy"] not in PRESETS:
            raise HistoryError("not a strategy preset", file=str(path), line=line, path="strategy",
                               given=r["strategy"], allowed=", ".join(PRESETS))
        out.append((month_index(_date(r["date"], path, line, "date")), r["country"], r["leader"], r["strategy"]))
    return sorted(out)


def initial_strategy(declared: list | None = None) -> str:
    """The replay's starting strategy spec: the leaders in office at month 0."""
    declared = load_declared() if declared is None else declared
    first = {c: s for m, c, _, s in declared if m <= 0}
    missing = [c for c in COUNTRIES if c not in first]
    if missing:
        raise HistoryError(f"no leader in office at {month_label(0)} for {', '.join(missing)}",
                           file=str(DATA_DIR / "declared_strategies.csv"), path="date",
                           allowed=f"a row dated {month_label(0)} or earlier for each country")
    return f"kr={first['KR']},jp={first['JP']}"


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


def replay_scenario(mode: str, overrides: dict | None = None, base: Path | str | None = None,
                    drop: tuple[str, ...] = (), linkage: bool = True) -> Scenario:
    """The historical scenario with the timeline's shocks for a mode (overrides: dotted parameters, as a
    parameter draw gives). linkage=False: no government links disputes (a counterfactual replay)."""
    scen = load_scenario(base or HISTORICAL, overrides or {})
    name = scen.name + "-" + mode + "".join(f"-no_{d}" for d in drop) + ("" if linkage else "-no_linkage")
    extra: dict[str, Any] = {"shocks": replay_shocks(mode, drop=drop), "name": name}
    if not linkage:
        extra["levers"] = {**scen.data["levers"], "linkage_mode": "none"}
        extra["shocks"] = [dict(s, strategy="") if s["kind"] == "leadership_change" else s for s in extra["shocks"]]
    return scen.with_overrides(**extra)


CALIBRATION_SETTINGS = SCENARIO_DIR.parent / "experiments" / "calibration" / "calibration.yaml"


def frozen_hash() -> str:
    """sha256 (16 hex) of what a fit must not be tuned after: every file of `data/` (the polls, the checks, the
    timeline, the event mapping and the declared strategies), the historical scenario and the calibration
    settings."""
    h = hashlib.sha256()
    for p in sorted(DATA_DIR.glob("*.csv")) + [HISTORICAL, CALIBRATION_SETTINGS]:
        try:
            h.update(p.name.encode() + b"\0" + p.read_bytes())
        except OSError as e:
            raise HistoryError(f"cannot read a frozen input ({e.strerror})", file=str(p)) from None
    return h.hexdigest()[:16]


# ---- poll data ----------------------------------------------------------------------------------
def fieldwork_months(value: str) -> list[int]:
    """Months of a fieldwork range 'YYYY-MM/YYYY-MM' (or one month)."""
    parts = value.split("/")
    a, b = month_index(parts[0]), month_index(parts[-1])
    return list(range(a, b + 1))


def poll_months() -> dict[int, list[int]]:
    """Replay months of each poll year 2013-2025: the fieldwork months; after the data, the last known months."""
    rows = read_table(DATA_DIR / "poll_genron_eai_2013_2019.csv", ("year", "fieldwork"))
    out = {int(r["year"]): fieldwork_months(r["fieldwork"]) for _, r in rows}
    last = max(out)
    for y in POLL_YEARS:
        if y not in out:
            out[y] = [m + 12 * (y - last) for m in out[last]]
    return {y: out[y] for y in POLL_YEARS}


AGE_GROUP_NAMES = {"KR": ("20-29", "60+"), "JP": ("under-20", "20-29", "60+")}


def observed() -> pd.DataFrame:
    """Every poll point of `data/` as shares: year, country, group ('all' or an age group), measure, observed."""
    rows = []
    path = DATA_DIR / "poll_genron_eai_2013_2019.csv"
    for line, r in read_table(path, ("year", "kr_good_of_jp", "kr_bad_of_jp", "jp_good_of_kr", "jp_bad_of_kr")):
        for c, col in (("KR", "kr_{}_of_jp"), ("JP", "jp_{}_of_kr")):
            for measure in ("good", "bad"):
                name = col.format(measure)
                if r[name]:  # an empty cell: not found (documented in the file)
                    rows.append((int(number(r["year"], path, line, "year")), c, "all", measure,
                                 number(r[name], path, line, name) / 100))
    path = DATA_DIR / "poll_age_breakdown_2016.csv"
    for line, r in read_table(path, ("year", "country", "age_group", "good")):
        if r["country"] not in AGE_GROUP_NAMES or r["age_group"] not in AGE_GROUP_NAMES[r["country"]]:
            raise HistoryError("not an age group of the model's outputs", file=str(path), line=line,
                               path="age_group", given=f"{r['country']} {r['age_group']}",
                               allowed="; ".join(f"{c}: {', '.join(g)}" for c, g in AGE_GROUP_NAMES.items()))
        rows.append((int(number(r["year"], path, line, "year")), r["country"], r["age_group"], "good",
                     number(r["good"], path, line, "good") / 100))
    return pd.DataFrame(rows, columns=["year", "country", "group", "measure", "observed"])


def number(value: str, path: Path, line: int, col: str) -> float:
    """A numeric cell of a data file, or a HistoryError naming it."""
    try:
        v = float(value)
    except ValueError:
        raise HistoryError("not a number", file=str(path), line=line, path=col, given=value,
                           allowed="a number") from None
    if not np.isfinite(v):
        raise HistoryError("not a finite number", file=str(path), line=line, path=col, given=value,
                           allowed="a finite number")
    return v


def poll_shares(monthly: pd.DataFrame) -> pd.DataFrame:
    """One run's simulated poll per year, country, group and measure: the mean share over the fieldwork months
    (monthly: one run's table with `month`, population-weighted good_/bad_ columns and the age columns)."""
    missing = [c for c in (f"{m}_{c}" for m in ("good", "bad") for c in COUNTRIES) if c not in monthly]
    if missing or "month" not in monthly:
        raise ValueError(f"a replay's monthly table lacks {', '.join(missing or ['month'])}")
    by_month = monthly.set_index("month")
    rows = []
    for year, months in poll_months().items():
        sel = by_month.loc[[m for m in months if m in by_month.index]]
        if not len(sel):
            continue
        for c in COUNTRIES:
            for group in ("all",) + AGE_GROUP_NAMES[c]:
                for measure in ("good", "bad"):
                    col = f"{measure}_{c}" if group == "all" else f"{measure}_{c}_{group}"
                    if col in sel:
                        rows.append((year, c, group, measure, float(sel[col].mean())))
    return pd.DataFrame(rows, columns=["year", "country", "group", "measure", "value"])


def polls_table(monthly: pd.DataFrame, by: tuple[str, ...] = ("scenario", "seed")) -> pd.DataFrame:
    """polls.csv: q05, q25, q50, q75, q95 over runs (seed x parameter draw) of each year x country x group x
    measure, with `observed` where data/ has the value, and `scored` for the fitted points."""
    if monthly.empty:
        raise ValueError("no replay runs to summarise (the monthly table is empty)")
    sims = pd.concat([poll_shares(run) for _, run in monthly.groupby(list(by), sort=False)])
    keys = ["year", "country", "group", "measure"]
    g = sims.groupby(keys)["value"]
    q = g.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    q.columns = ["q05", "q25", "q50", "q75", "q95"]
    q["runs"] = g.size()
    out = q.reset_index().merge(observed(), on=keys, how="left")
    out["scored"] = out["year"].isin(list(FIT_YEARS)) & out["observed"].notna()
    return sort_rows(out[keys + ["q05", "q25", "q50", "q75", "q95", "observed", "scored", "runs"]])


def sort_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows in reading order: year (if present), country KR then JP, group `all` first, then measure good, bad."""
    rank = {"KR": 0, "JP": 1, "all": -1, "good": 0, "bad": 1}
    cols = [c for c in ("year", "country", "group", "measure") if c in table]
    return table.sort_values(cols, key=lambda s: s.map(lambda v: (rank.get(v, 0), str(v))) if s.dtype == object
                             else s).reset_index(drop=True)


def rmse(table: pd.DataFrame, years: Any = FIT_YEARS) -> pd.DataFrame:
    """RMSE in percentage points of the median against the data, per country, group and measure."""
    t = table[table["observed"].notna() & table["year"].isin(list(years))]
    err = (t["q50"] - t["observed"]) * 100
    g = t.assign(sq=err**2).groupby(["country", "group", "measure"])
    return sort_rows(g.agg(points=("sq", "size"), rmse=("sq", lambda s: float(np.sqrt(s.mean())))).reset_index())


# ---- running replays ----------------------------------------------------------------------------------
def replay_specs(mode: str, draws: list[dict] | None = None, drop: tuple[str, ...] = (),
                 linkage: bool = True) -> tuple[str, list[Scenario]]:
    """(experiment name, scenarios) of a replay: one scenario per parameter draw (or the point estimate)."""
    name = f"replay-{mode}" + "".join(f"-no_{d}" for d in drop) + ("" if linkage else "-no_linkage")
    scens = [replay_scenario(mode, d, drop=drop, linkage=linkage) for d in (draws or [None])]
    if draws:
        scens = [s.with_overrides(name=f"{s.name}-draw{i:03d}") for i, s in enumerate(scens)]
    return name + (f"-draws{len(draws)}" if draws else ""), scens


def run_replay(mode: str, seeds: list[int], out: Path | str, jobs: int | None = None, draws: list[dict] | None = None,
               drop: tuple[str, ...] = (), linkage: bool = True, progress: bool = True,
               overwrite: bool = False) -> pd.DataFrame:
    """Run a replay through the batch runner into OUT (resumable, with provenance) and write OUT/polls.csv;
    returns the polls table. With parameter draws, seed i runs under draw i mod len(draws) (paired)."""
    from .batch import run_experiment
    from .experiment import Experiment, run_key
    from .runner import RunSpec

    name, scens = replay_specs(mode, draws, drop, linkage)
    strategy = initial_strategy()
    specs = [RunSpec(scens[i % len(scens)], strategy, seed, label="declared", tags={"point": i % len(scens)})
             for i, seed in enumerate(seeds)]
    data = {"name": name, "scenarios": [s.content_hash for s in scens], "seeds": list(seeds),
            "frozen_hash": frozen_hash()}
    exp = Experiment(name, f"historical replay ({mode})", specs, [run_key(s) for s in specs], data, None, scens)
    res = run_experiment(exp, out, jobs=jobs, overwrite=overwrite, progress=progress)
    if res is None or res.monthly is None or res.monthly.empty:
        raise RuntimeError(f"the replay in {out} has no completed runs")
    table = polls_table(res.monthly)
    table.to_csv(Path(out) / "polls.csv", index=False, float_format="%.5g")
    return table


def fitted_keys(path: Path | None = None) -> list[str]:
    """Dotted names of the parameters a calibrated file sets (its point estimates)."""
    from .scenario import resolve_file

    user, _ = resolve_file(Path(path or HISTORY_DIR / "calibrated.yaml"))

    def flat(node: dict, prefix: str) -> list[str]:
        out = []
        for k, v in node.items():
            out += flat(v, f"{prefix}{k}.") if isinstance(v, dict) else [f"{prefix}{k}"]
        return out

    return [k for k in flat(user, "") if k not in ("name", "description")]
