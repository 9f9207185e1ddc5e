"""Outputs (docs/ODD.md §7.13): the monthly record, relationship health and the per-run summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.model.population import Population
from sim.params import COUNTRIES, FIELDS

if TYPE_CHECKING:
    from sim.model.model import RelationsModel

GROUPS = [(c, h) for c in COUNTRIES for h in ("youth", "public")]
COLUMNS: list[str] = (
    ["month"]
    + [f"{v}_{c}_{h}" for c, h in GROUPS for v in ("trust", "good", "bad", "sd")]
    + [f"{v}_{c}" for c in COUNTRIES for v in (
        "trust", "good", "neither", "bad", "sd", "grievance", "exposure", "poll_good", "poll_neither",
        "poll_bad", "approval", "winset", "credibility", "visitors", "boycott", "payoff", "leader")]
    + [f"offered_{c}_{f}" for c in COUNTRIES for f in FIELDS]
    + [f"realised_{f}" for f in FIELDS]
    + ["cooperation", "open_disputes", "severity", "standoffs", "tension", "us_pressure", "contact",
       "health", "health_cooperation", "health_opinion", "health_disputes"]
    + [f"trips_{c}" for c in COUNTRIES]
)
NEGATIVE_KINDS = ("provocation", "court_ruling", "trade_coercion", "security_incident",
                  "us_china_escalation", "pandemic")


AGE_GROUPS = {"under-20": (18.0, 20.0), "20-29": (20.0, 30.0), "60+": (60.0, 1000.0)}
"""The polls' age groups (years, [lo, hi)), recorded per country when `outputs.age_groups` is true."""
AGE_COLUMNS = [f"{v}_{c}_{g}" for c in COUNTRIES for g in AGE_GROUPS for v in ("good", "bad")]

STAT_ROWS = ("n", "trust", "trust2", "good", "bad", "grievance", "exposure", "visits")
"""The population statistics (per group) a month's record keeps; its columns are built from them at the end."""
STAT_INDEX = [Population.STAT_NAMES.index(name) for name in STAT_ROWS]
"""Their rows in the group sums (Population.STAT_NAMES)."""


class Recorder:
    """Preallocated monthly table of the horizon. Each month keeps the raw group sums and what the governments,
    disputes and environment show; the opinion columns, polls and health are built for all months in one pass
    when the table is read (`table`, `frame`, or `flush` before a saved state)."""

    def __init__(self, model: RelationsModel, months: int) -> None:
        self.model = model
        self._table = np.full((months, len(COLUMNS)), np.nan)
        self.raw = np.zeros((months, len(STAT_ROWS) + 1, 4))  # group sums, then the groups' weights
        self.filled = self.done = 0  # months recorded; months whose columns are built
        hw = model.data["outputs"]["health_weights"]
        total = hw["cooperation"] + hw["opinion"] + hw["disputes"]
        self.hw = np.array([hw["cooperation"], hw["opinion"], hw["disputes"]]) / max(total, 1e-12)
        self.col = {c: i for i, c in enumerate(COLUMNS)}
        self.approval_cols = [self.col[f"approval_{c}"] for c in COUNTRIES]
        self.ages = np.full((months, len(AGE_COLUMNS)), np.nan) if model.data["outputs"]["age_groups"] else None

    def record(self, i: int) -> None:
        """Keep month i: the citizens' group sums as of the last update, and the state of the rest."""
        m, col, row = self.model, self.col, self._table[i]
        raw = self.raw[i]
        raw[:-1] = m.group_sums[STAT_INDEX]
        raw[-1] = m.group_weights
        row[0] = m.month
        payoff_w = m.data["government"]["payoff_approval_weight"]
        open_now = m.disputes.open()
        standoffs = sum(d.standoff for d in open_now)
        for j, gv in zip(self.approval_cols, m.governments, strict=True):
            boy = gv.levers["boycott"] if standoffs else 0.0
            payoff = payoff_w * gv.approval + (1 - payoff_w) * gv.benefit(m.realised)
            row[j:j + 7] = gv.approval, gv.winset, gv.credibility, np.nan, boy, payoff, gv.leader
        j = col["offered_KR_security"]
        row[j:j + 4] = m.governments[0].offered
        row[j + 4:j + 8] = m.governments[1].offered
        r = m.realised.tolist()
        coop = (((r[0] + r[1]) + r[2]) + r[3]) / 4  # numpy's mean of 4, in its order
        sev = float(sum(d.severity for d in open_now))
        j = col["realised_security"]
        row[j:j + 4] = m.realised
        row[j + 4:j + 11] = (coop, len(open_now), sev, standoffs, m.tension, m.us_pressure, m.contact)
        row[col["health_cooperation"]] = coop
        row[col["trips_KR"]], row[col["trips_JP"]] = m.travel_flow
        row[col["health_disputes"]] = np.exp(-sev)
        if self.ages is not None:
            self.ages[i] = age_group_shares(m.population, m.data["citizens"])
        self.filled = i + 1

    def flush(self) -> None:
        """Build the opinion columns, polls and health of the months recorded since the last flush (polls are
        drawn month by month, KR then JP, as they were recorded)."""
        a, b = self.done, self.filled
        if b <= a:
            return
        m, col, t = self.model, self.col, self._table[a:b]
        raw = self.raw[a:b]
        st = dict(zip(STAT_ROWS, np.moveaxis(raw[:, :-1], 1, 0), strict=True))
        w = raw[:, -1]
        n = np.maximum(st["n"], 1)
        mean, good, bad = st["trust"] / n, st["good"] / n, st["bad"] / n
        sd = np.sqrt(np.maximum(st["trust2"] / n - mean**2, 0.0))
        for k in range(4):
            t[:, 1 + 4 * k:5 + 4 * k] = np.stack([mean[:, k], good[:, k], bad[:, k], sd[:, k]], axis=1)
        w2 = w.reshape(-1, 2, 2)
        wt = w2 / w2.sum(axis=2, keepdims=True)

        def pw(x: np.ndarray) -> np.ndarray:
            return (x.reshape(-1, 2, 2) * wt).sum(axis=2)

        c_mean, c_good, c_bad = pw(mean), pw(good), pw(bad)
        c_sd = np.sqrt(np.maximum(pw(st["trust2"] / n) - c_mean**2, 0.0))
        contact = t[:, col["contact"]]
        c_g, c_e, c_v = pw(st["grievance"] / n), pw(st["exposure"] / n), pw(st["visits"] / n) * contact[:, None]
        for c, name in enumerate(COUNTRIES):
            j = col[f"trust_{name}"]
            t[:, j:j + 7] = np.stack([c_mean[:, c], c_good[:, c], 1 - c_good[:, c] - c_bad[:, c], c_bad[:, c],
                                      c_sd[:, c], c_g[:, c], c_e[:, c]], axis=1)
            t[:, col[f"visitors_{name}"]] = c_v[:, c]
        size = m.data["outputs"]["poll_size"]
        probs = np.clip(np.stack([c_good, 1 - c_good - c_bad, c_bad], axis=2), 0, 1)  # (months, country, category)
        polls = m.poll_rng.multinomial(size, probs / probs.sum(axis=2, keepdims=True)) / size
        for c, name in enumerate(COUNTRIES):
            j = col[f"poll_good_{name}"]
            t[:, j:j + 3] = polls[:, c]
        opinion = (1 + (c_good - c_bad).mean(axis=1)) / 2
        t[:, col["health_opinion"]] = opinion
        comps = t[:, [col["health_cooperation"], col["health_opinion"], col["health_disputes"]]]
        t[:, col["health"]] = [float(self.hw @ comp) for comp in comps]
        self.done = b

    @property
    def table(self) -> np.ndarray:
        """The monthly table (months x COLUMNS), every recorded month built."""
        self.flush()
        return self._table

    def frame(self) -> pd.DataFrame:
        """The monthly table as a frame (integer columns as int32; AGE_COLUMNS appended if recorded)."""
        return monthly_frame(self.table, self.ages)


INT_COLUMNS = ("month", "open_disputes", "standoffs", "leader_KR", "leader_JP")
"""Columns of the monthly table that hold whole numbers (int32 in its frame)."""


def monthly_frame(table: np.ndarray, ages: np.ndarray | None = None) -> pd.DataFrame:
    """A Recorder's table (months x COLUMNS, and AGE_COLUMNS if recorded) as the monthly frame."""
    df = pd.DataFrame(table, columns=COLUMNS)
    if ages is not None:
        df = pd.concat([df, pd.DataFrame(ages, columns=AGE_COLUMNS)], axis=1)
    for col in INT_COLUMNS:
        df[col] = df[col].astype("int32")
    return df


class TableColumns:
    """Columns of a Recorder's table by name, each a contiguous array (what `summarise` reads instead of a
    frame, without building one)."""

    def __init__(self, table: np.ndarray) -> None:
        self.rows = np.ascontiguousarray(table.T)
        self.index = {c: i for i, c in enumerate(COLUMNS)}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.rows[self.index[name]]

    def __len__(self) -> int:
        return self.rows.shape[1]


def age_group_shares(pop: Population, citizens: dict) -> list[float]:
    """Good and bad shares of each country's AGE_GROUPS now, in the order of AGE_COLUMNS (nan if empty)."""
    out = []
    for c in range(len(COUNTRIES)):
        for lo, hi in AGE_GROUPS.values():
            t = pop.trust[(pop.country == c) & (pop.age >= lo) & (pop.age < hi)]
            n = t.size or np.nan
            out += [np.count_nonzero(t > citizens["good_threshold"]) / n,
                    np.count_nonzero(t < citizens["bad_threshold"]) / n]
    return out


def discount_weights(months: int, annual_rate: float) -> np.ndarray:
    beta = (1.0 + annual_rate) ** (-1.0 / 12.0)
    w = beta ** np.arange(months)
    return w / w.sum()


def _run_length_start(mask: np.ndarray, length: int) -> int:
    run = 0
    for i, v in enumerate(mask):
        run = run + 1 if v else 0
        if run >= length:
            return i - length + 1
    return -1


def recovery(health: np.ndarray, shock_month: int, share: float) -> tuple[bool, int]:
    """(recovered, months): first month the 3-month mean regains `share` of the 6-month mean before
    the shock; if it never does, (False, months observed after the shock) — a censored time."""
    pre = health[max(0, shock_month - 6):shock_month]
    if pre.size == 0:
        pre = health[shock_month:shock_month + 1]
    goal = share * pre.mean()
    for m in range(shock_month + 1, len(health)):
        if health[max(shock_month + 1, m - 2):m + 1].mean() >= goal:
            return True, m - shock_month
    return False, len(health) - 1 - shock_month


def summarise(frame: pd.DataFrame | TableColumns, events: pd.DataFrame | list[dict], data: dict) -> dict:
    """Per-run outcomes of ODD §7.13 (headline: discounted health and cooperation) from the monthly frame (or
    the columns of a Recorder's table) and the event log (a frame, or the model's list of events)."""
    o = data["outputs"]

    def col(name: str) -> np.ndarray:
        c = frame[name]
        return c if isinstance(c, np.ndarray) else c.to_numpy()

    h = col("health")
    w = discount_weights(len(frame), o["discount_rate"])
    out: dict = {
        "health_discounted": float(w @ h),
        "cooperation_discounted": float(w @ col("cooperation")),
    }
    for comp in ("cooperation", "opinion", "disputes"):  # health is their weighted mean, so reweightable
        out[f"health_{comp}_discounted"] = float(w @ col(f"health_{comp}"))
    for f in FIELDS:
        out[f"{f}_discounted"] = float(w @ col(f"realised_{f}"))
    for c in COUNTRIES:
        out[f"trust_{c}_discounted"] = float(w @ col(f"trust_{c}"))
        out[f"payoff_{c}"] = float(w @ col(f"payoff_{c}"))
        out[f"approval_{c}_discounted"] = float(w @ col(f"approval_{c}"))
        out[f"youth_gap_{c}"] = float((col(f"good_{c}_youth") - col(f"good_{c}_public")).mean())
        out[f"good_{c}_final"] = float(col(f"good_{c}")[-1])
    out["health_mean"] = float(h.mean())
    out["health_final"] = float(h[-1])
    out["health_min"] = float(h.min())
    out["worst_drawdown"] = float((np.maximum.accumulate(h) - h).max())
    crisis = h < o["crisis_threshold"]
    out["crisis_months"] = int(crisis.sum())
    out["first_crisis_month"] = int(np.argmax(crisis)) if crisis.any() else -1
    low = (col("realised_security") < o["breakdown_level"]) & (col("realised_economy") < o["breakdown_level"])
    start = _run_length_start(low, o["breakdown_months"])
    out["breakdown"] = bool(start >= 0)
    out["breakdown_month"] = int(start)
    ev = event_columns(events)
    first = int(col("month")[0])
    negative = np.array([k in NEGATIVE_KINDS for k in ev["event"].tolist()], bool)
    major = np.flatnonzero(negative & (ev["magnitude"] >= o["major_shock_magnitude"]) & (ev["month"] >= first + 1))
    if major.size:
        m0 = int(ev["month"][major[0]]) - first
        rec, months = recovery(h, m0, o["recovery_share"])
        out.update(major_shock_month=m0, recovered=rec, recovery_months=months)
    else:
        out.update(major_shock_month=-1, recovered=False, recovery_months=-1)
    out.update(rule_summary(ev, first, len(frame)))
    kinds = ev["event"].tolist()
    for name in ("provocation", "dispute_opened", "dispute_linked", "dispute_settled", "dispute_closed",
                 "dispute_reopened", "target_conceded", "linker_backed_down", "package_agreed", "leader_fell",
                 "trade_coercion"):
        out[f"n_{name}"] = kinds.count(name)
    return out


EVENT_FIELDS = ("month", "event", "actor", "magnitude", "issue")
"""The fields of the event log that the summary reads."""


def event_columns(events: pd.DataFrame | list[dict]) -> dict[str, np.ndarray]:
    """EVENT_FIELDS of an event log (a frame or a list of event dicts) as arrays; a field it lacks is NaN (month,
    magnitude) or empty."""
    rows = events.to_dict("records") if isinstance(events, pd.DataFrame) else events
    out = {}
    for k in EVENT_FIELDS:
        number = k in ("month", "magnitude")
        out[k] = np.array([e.get(k, np.nan if number else "") for e in rows], dtype=float if number else object)
    return out


def rule_summary(events: pd.DataFrame | dict[str, np.ndarray], first_month: int, months: int) -> dict:
    """How the rules of a rule-based strategy acted in a run: how often they fired (`n_rule_fired`), the first month
    one fired (-1 if none), the months in which at least one rule was active, and which rule fired when
    (`rule_fires`: `KR.rule@month,month;JP.rule@month`, months counted from the start of the horizon).
    events: the event log, or its event_columns."""
    ev = events if isinstance(events, dict) else event_columns(events)
    hit = np.flatnonzero(ev["event"] == "strategy_switch")
    if not hit.size:
        return {"n_rule_fired": 0, "first_rule_month": -1, "rule_months": 0, "rule_fires": ""}
    active = np.zeros(months, bool)
    fires: dict[str, list[int]] = {}
    start: dict[str, int] = {}
    for i in hit.tolist():
        key, m = f"{ev['actor'][i]}.{ev['issue'][i]}", int(ev["month"][i]) - first_month
        if ev["magnitude"][i] == 1.0:
            fires.setdefault(key, []).append(m)
            start[key] = m
        elif key in start:
            active[start.pop(key):m] = True
    for m in start.values():
        active[m:] = True
    firsts = [m for ms in fires.values() for m in ms]
    return {"n_rule_fired": len(firsts), "first_rule_month": min(firsts) if firsts else -1,
            "rule_months": int(active.sum()),
            "rule_fires": ";".join(f"{k}@{','.join(map(str, v))}" for k, v in sorted(fires.items()))}
