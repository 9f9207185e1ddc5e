"""The recorded history 2012-2025 as data (ODD §7.14): the calendar of the replays, the files of `data/` (polls,
checks, the timeline, the event mapping, leaders' declared strategies), read and checked with file, line and
field in every error, and the frozen hash a fit must not be tuned after.

Month 0 of a replay is August 2012; month 160 is December 2025. Every recorded event enters a replay through
one table, `data/event_mapping.csv` (event kind and actor -> shock kind and magnitude); leaders' declared
strategies come from `data/declared_strategies.csv`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.paths import DATA_DIR, EXPERIMENTS_DIR, SCENARIO_DIR
from sim.errors import InputError
from sim.params import COUNTRIES, ENTRY_SCHEMAS, ISSUES, PRESETS, SHOCK_KINDS

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


CALIBRATION_SETTINGS = EXPERIMENTS_DIR / "calibration" / "calibration.yaml"


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


# ---- the checks of the record -----------------------------------------------------------------------
def optional_number(r: dict, col: str, path: Path, line: int) -> float | None:
    """A numeric cell of a data-file row, None if empty (a value not found; the file says so)."""
    return None if r[col] == "" else number(r[col], path, line, col)


def relations_bad() -> pd.DataFrame:
    """data/relations_state_genron_eai_2015_2019.csv as country, year, month (middle of the poll's fieldwork),
    bad (share calling the state of relations bad)."""
    path = DATA_DIR / "relations_state_genron_eai_2015_2019.csv"
    months = poll_months()
    rows = []
    for line, r in read_table(path, ("year", "jp_relations_bad", "kr_relations_bad")):
        year = int(number(r["year"], path, line, "year"))
        for c in COUNTRIES:
            v = optional_number(r, f"{c.lower()}_relations_bad", path, line)
            if v is not None:
                m = float(np.mean(months[year])) if year in months else float(month_index(f"{year}-06"))
                rows.append((c, year, m, v / 100))
    return pd.DataFrame(rows, columns=["country", "year", "month", "bad"])


def visitors_monthly() -> pd.DataFrame:
    """data/visitors_monthly_2019.csv as month (replay month), change (year on year, a fraction), source."""
    path = DATA_DIR / "visitors_monthly_2019.csv"
    rows = []
    for line, r in read_table(path, ("month", "kr_to_jp_yoy_change", "source")):
        m = month_index(_date(r["month"], path, line, "month"))
        v = optional_number(r, "kr_to_jp_yoy_change", path, line)
        if v is not None:
            rows.append((m, v / 100, r["source"]))
    return pd.DataFrame(rows, columns=["month", "change", "source"])


def visitors_annual() -> pd.DataFrame:
    """data/visitors_2013_2019.csv as year, kr_to_jp, jp_to_kr (annual arrivals)."""
    path = DATA_DIR / "visitors_2013_2019.csv"
    rows = [(int(number(r["year"], path, line, "year")), number(r["kr_to_jp"], path, line, "kr_to_jp"),
             number(r["jp_to_kr"], path, line, "jp_to_kr"))
            for line, r in read_table(path, ("year", "kr_to_jp", "jp_to_kr"))]
    return pd.DataFrame(rows, columns=["year", "kr_to_jp", "jp_to_kr"])


def affinity() -> pd.DataFrame:
    """data/cabinet_office_affinity_2011_2019.csv as year, month (replay month of the fieldwork; negative before
    August 2012), affinity (share of Japanese who feel affinity toward the ROK, a fraction)."""
    path = DATA_DIR / "cabinet_office_affinity_2011_2019.csv"
    rows = [(int(number(r["year"], path, line, "year")), month_index(_date(r["fieldwork"], path, line, "fieldwork")),
             number(r["affinity"], path, line, "affinity") / 100)
            for line, r in read_table(path, ("year", "fieldwork", "affinity"))]
    return pd.DataFrame(rows, columns=["year", "month", "affinity"])


EPISODE_GAP = 12
"""Events of one kind less than this many months apart are one episode (the 2019 export controls and the
counter-measures; the 2015 agreement and the foundation that carried it out in 2016)."""


def episodes(kinds: tuple[str, ...], actor: str | None = None, events: list[Event] | None = None) -> list[int]:
    """The start months of the episodes of these event kinds in the timeline (events of them less than
    EPISODE_GAP months after the previous one belong to its episode); `actor` keeps one actor's events."""
    events = load_events() if events is None else events
    months = sorted(ev.month for ev in events if ev.kind in kinds and (actor is None or ev.actor == actor))
    return [m for i, m in enumerate(months) if i == 0 or m - months[i - 1] >= EPISODE_GAP]
