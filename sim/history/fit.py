"""Scoring a replay against the polls (ODD §7.14): the simulated poll of a run (the mean over the fieldwork months),
the polls table over runs (quantiles, observed, scored), RMSE, and the calibration's loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.history.data import AGE_GROUP_NAMES, FIT_YEARS, observed, poll_months
from sim.params import COUNTRIES

POLL_N = 1000  # respondents per poll (data/README.md)
AGE_N = 200  # respondents of one age group (assumed: a fifth of a poll; the sources give no group sizes)
LOSS = "chi-square v1: poll variance (POLL_N, AGE_N) + variance of the seed mean"


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


def targets(years: Any = FIT_YEARS) -> pd.DataFrame:
    """The scored poll points: years (default FIT_YEARS) x country x group x measure with an observed share."""
    obs = observed()
    return obs[obs["year"].isin(list(years))].reset_index(drop=True)


def loss(sims: pd.DataFrame, target: pd.DataFrame | None = None) -> tuple[float, float]:
    """(chi-square, RMSE in points) of the seed mean against the scored points; the variance of a point is the
    poll's sampling variance (POLL_N respondents, AGE_N for an age group) plus the variance of the seed mean."""
    target = targets() if target is None else target
    keys = ["year", "country", "group", "measure"]
    g = sims.groupby(keys)["value"].agg(["mean", "var", "size"]).reset_index()
    m = target.merge(g, on=keys, how="left")
    if m["mean"].isna().any():
        raise ValueError("a scored poll point has no simulated value")
    n = np.where(m["group"] == "all", POLL_N, AGE_N)
    var = m["observed"] * (1 - m["observed"]) / n + m["var"].fillna(0.0) / m["size"]
    err = m["mean"] - m["observed"]
    return float((err**2 / var).sum()), float(np.sqrt((err**2).mean()) * 100)
