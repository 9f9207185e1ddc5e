"""Outputs (MODEL.md §6): the monthly record, relationship health and the per-run summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .params import COUNTRIES, FIELDS

if TYPE_CHECKING:
    from .model import RelationsModel

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
)
NEGATIVE_KINDS = ("provocation", "court_ruling", "trade_coercion", "security_incident",
                  "us_china_escalation", "pandemic")


class Recorder:
    """Preallocated monthly table, filled one row per month of the horizon."""

    def __init__(self, model: RelationsModel, months: int) -> None:
        self.model = model
        self.table = np.full((months, len(COLUMNS)), np.nan)
        hw = model.data["outputs"]["health_weights"]
        total = hw["cooperation"] + hw["opinion"] + hw["disputes"]
        self.hw = np.array([hw["cooperation"], hw["opinion"], hw["disputes"]]) / max(total, 1e-12)

    def record(self, i: int) -> None:
        m = self.model
        st, w = m._stats, m._w
        n = np.maximum(st["n"], 1)
        mean, good, bad = st["trust"] / n, st["good"] / n, st["bad"] / n
        sd = np.sqrt(np.maximum(st["trust2"] / n - mean**2, 0.0))
        row = [float(m.month)]
        for k in range(4):
            row += [mean[k], good[k], bad[k], sd[k]]
        wt = w.reshape(2, 2) / w.reshape(2, 2).sum(axis=1, keepdims=True)

        def pw(x: np.ndarray) -> np.ndarray:
            return (x.reshape(2, 2) * wt).sum(axis=1)

        c_mean, c_good, c_bad = pw(mean), pw(good), pw(bad)
        c_sd = np.sqrt(np.maximum(pw(st["trust2"] / n) - c_mean**2, 0.0))
        c_g, c_e, c_v = pw(st["grievance"] / n), pw(st["exposure"] / n), pw(st["visits"] / n) * m.contact
        size = m.data["outputs"]["poll_size"]
        payoff_w = m.data["government"]["payoff_approval_weight"]
        for c, gv in enumerate(m.governments):
            probs = np.clip([c_good[c], 1 - c_good[c] - c_bad[c], c_bad[c]], 0, 1)
            poll = m.poll_rng.multinomial(size, probs / probs.sum()) / size
            boy = gv.levers["boycott"] if m.disputes.standoff_active() else 0.0
            payoff = payoff_w * gv.approval + (1 - payoff_w) * gv.benefit(m.realised)
            row += [c_mean[c], c_good[c], 1 - c_good[c] - c_bad[c], c_bad[c], c_sd[c], c_g[c], c_e[c],
                    poll[0], poll[1], poll[2], gv.approval, gv.winset, gv.credibility, c_v[c], boy, payoff,
                    gv.leader]
        for gv in m.governments:
            row += list(gv.offered)
        coop = float(m.realised.mean())
        sev = m.disputes.total_severity()
        opinion = (1 + float(np.mean(c_good - c_bad))) / 2
        comps = np.array([coop, opinion, np.exp(-sev)])
        row += list(m.realised) + [coop, len(m.disputes.open()), sev,
                                   sum(d.standoff for d in m.disputes.open()), m.tension, m.us_pressure,
                                   m.contact, float(self.hw @ comps), *comps]
        self.table[i] = row

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.table, columns=COLUMNS)
        for col in ["month", "open_disputes", "standoffs", "leader_KR", "leader_JP"]:
            df[col] = df[col].astype("int32")
        return df


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


def summarise(frame: pd.DataFrame, events: pd.DataFrame, data: dict) -> dict:
    """Per-run outcomes of MODEL.md §6 (headline: discounted health and cooperation)."""
    o = data["outputs"]
    h = frame["health"].to_numpy()
    w = discount_weights(len(frame), o["discount_rate"])
    out: dict = {
        "health_discounted": float(w @ h),
        "cooperation_discounted": float(w @ frame["cooperation"].to_numpy()),
    }
    for comp in ("cooperation", "opinion", "disputes"):  # health is their weighted mean, so reweightable
        out[f"health_{comp}_discounted"] = float(w @ frame[f"health_{comp}"].to_numpy())
    for f in FIELDS:
        out[f"{f}_discounted"] = float(w @ frame[f"realised_{f}"].to_numpy())
    for c in COUNTRIES:
        out[f"trust_{c}_discounted"] = float(w @ frame[f"trust_{c}"].to_numpy())
        out[f"payoff_{c}"] = float(w @ frame[f"payoff_{c}"].to_numpy())
        out[f"approval_{c}_discounted"] = float(w @ frame[f"approval_{c}"].to_numpy())
        out[f"youth_gap_{c}"] = float((frame[f"good_{c}_youth"] - frame[f"good_{c}_public"]).mean())
        out[f"good_{c}_final"] = float(frame[f"good_{c}"].iloc[-1])
    out["health_mean"] = float(h.mean())
    out["health_final"] = float(h[-1])
    out["health_min"] = float(h.min())
    out["worst_drawdown"] = float((np.maximum.accumulate(h) - h).max())
    crisis = h < o["crisis_threshold"]
    out["crisis_months"] = int(crisis.sum())
    out["first_crisis_month"] = int(np.argmax(crisis)) if crisis.any() else -1
    low = (frame["realised_security"] < o["breakdown_level"]) & (frame["realised_economy"] < o["breakdown_level"])
    start = _run_length_start(low.to_numpy(), o["breakdown_months"])
    out["breakdown"] = bool(start >= 0)
    out["breakdown_month"] = int(start)
    ev = events
    major = ev[ev["event"].isin(NEGATIVE_KINDS) & (ev["magnitude"] >= o["major_shock_magnitude"])
               & (ev["month"] >= int(frame["month"].iloc[0]) + 1)] if len(ev) else ev
    if len(major):
        m0 = int(major["month"].iloc[0]) - int(frame["month"].iloc[0])
        rec, months = recovery(h, m0, o["recovery_share"])
        out.update(major_shock_month=m0, recovered=rec, recovery_months=months)
    else:
        out.update(major_shock_month=-1, recovered=False, recovery_months=-1)
    counts = ev["event"].value_counts() if len(ev) else pd.Series(dtype=int)
    for name in ("provocation", "dispute_opened", "dispute_linked", "dispute_settled", "dispute_closed",
                 "dispute_reopened", "target_conceded", "linker_backed_down", "package_agreed", "leader_fell",
                 "trade_coercion"):
        out[f"n_{name}"] = int(counts.get(name, 0))
    return out
