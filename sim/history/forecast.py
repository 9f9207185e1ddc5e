"""Out-of-sample forecasts inside the record (rolling origin): fit the polls up to an origin year, forecast the
years after it, and score the model against three naive forecasts made from the same data.

For each origin (2016: fit 2014-2016, forecast 2017-2019; 2017: fit 2014-2017, forecast 2018-2019) and each series
(good and bad share of all adults, per country) the model's forecast is the distribution of the simulated poll
over its runs (seeds x the origin's parameter draws). Its 90% band adds what the runs do not contain: the poll's
sampling error (the observed value is a sample of 1,000) and a model-discrepancy term (Kennedy & O'Hagan 2001),
the variance of the errors that remains beyond the runs' spread and the sampling error, estimated on the *other*
origins' forecasts (cross-fitting), so that the band of a forecast never uses its own error.

The naive forecasts use the polls up to the origin only: the constant mean (of 2013 to the origin), persistence
(the origin year's value) and the linear trend (least squares on 2013 to the origin, extrapolated). Skill is
1 - RMSE(model) / RMSE(naive); positive skill beats the naive forecast. Pure: frames in, frames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.stats import slope
from sim.history.fit import POLL_N
from sim.history.patterns import Z90

NAIVE = ("constant", "persistence", "trend")
SERIES = ["country", "measure"]


def naive_forecasts(observed: pd.DataFrame, origin: int, years: list[int]) -> pd.DataFrame:
    """The three naive forecasts of every series for `years`, from the observed polls up to `origin` (group 'all';
    columns country, measure, year, constant, persistence, trend)."""
    obs = observed[(observed["group"] == "all") & (observed["year"] <= origin)]
    rows = []
    for (c, m), s in obs.groupby(SERIES, sort=False):
        s = s.set_index("year")["observed"].sort_index()
        b = slope(s.index.to_numpy(), s.to_numpy())
        level = s.mean() - b * s.index.to_numpy().mean()
        for y in years:
            rows.append((c, m, y, float(s.mean()), float(s.iloc[-1]), float(level + b * y)))
    return pd.DataFrame(rows, columns=[*SERIES, "year", *NAIVE])


def model_forecasts(polls: pd.DataFrame, origin: int) -> pd.DataFrame:
    """The model's forecast of every series for the years after `origin`, from one simulated poll per run and
    year (columns country, group, measure, year, value and a run identifier): median, mean and variance over the
    runs (group 'all')."""
    sims = polls[(polls["group"] == "all") & (polls["year"] > origin)]
    g = sims.groupby([*SERIES, "year"])["value"]
    return g.agg(median="median", mean="mean", var="var", runs="size").reset_index()


def discrepancy(table: pd.DataFrame) -> float:
    """The model-discrepancy variance of a set of forecasts (columns observed, median, var): the mean squared
    error beyond the runs' variance and the poll's sampling variance (method of moments, at least 0)."""
    if not len(table):
        return 0.0
    err = (table["observed"] - table["median"]) ** 2
    poll = table["observed"] * (1 - table["observed"]) / POLL_N
    return float(max(0.0, (err - table["var"].fillna(0.0) - poll).mean()))


def forecast_table(observed: pd.DataFrame, polls: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Every forecast point of every origin (polls: origin -> one simulated poll per run and year): origin, series,
    year, observed, the model's median and 90% band (runs + poll sampling error + the discrepancy estimated on the
    other origins), and the naive forecasts."""
    obs = observed[observed["group"] == "all"][[*SERIES, "year", "observed"]]
    parts = []
    for origin, p in polls.items():
        model = model_forecasts(p, origin)
        years = sorted(model["year"].unique())
        t = model.merge(obs, on=[*SERIES, "year"], how="inner")
        t = t.merge(naive_forecasts(observed, origin, years), on=[*SERIES, "year"], how="left")
        parts.append(t.assign(origin=origin))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not len(table):
        return table
    disc = {o: discrepancy(table[table["origin"] != o]) for o in table["origin"].unique()}
    table["discrepancy_var"] = table["origin"].map(disc)
    sd = np.sqrt(table["var"].fillna(0.0) + table["median"] * (1 - table["median"]) / POLL_N
                 + table["discrepancy_var"])
    table["lo"], table["hi"] = table["median"] - Z90 * sd, table["median"] + Z90 * sd
    table["covered"] = (table["observed"] >= table["lo"]) & (table["observed"] <= table["hi"])
    cols = ["origin", *SERIES, "year", "observed", "median", "lo", "hi", "covered", "var", "discrepancy_var", "runs",
            *NAIVE]
    return table[cols].sort_values(["origin", *SERIES, "year"]).reset_index(drop=True)


def rmse(errors: pd.Series) -> float:
    """Root mean squared error in points."""
    return float(np.sqrt(np.mean(np.square(errors))) * 100) if len(errors) else float("nan")


def skill(table: pd.DataFrame) -> pd.DataFrame:
    """Per forecast method (the model and each naive one): RMSE in points over every forecast point, the model's
    skill against it (1 - RMSE(model) / RMSE(method)), and the model's 90% coverage."""
    model = rmse(table["median"] - table["observed"])
    rows = [{"method": "model", "points": len(table), "rmse": model, "skill": 0.0,
             "coverage": float(table["covered"].mean()) if len(table) else float("nan")}]
    for name in NAIVE:
        r = rmse(table[name] - table["observed"])
        rows.append({"method": name, "points": len(table), "rmse": r, "skill": 1 - model / r if r > 0 else np.nan,
                     "coverage": np.nan})
    return pd.DataFrame(rows)


def beats_naive(scores: pd.DataFrame, coverage: float = 0.8) -> bool:
    """The model beats every naive forecast (positive skill against each) with at least `coverage` of the points in
    its 90% band."""
    naive = scores[scores["method"] != "model"]
    model = scores[scores["method"] == "model"].iloc[0]
    return bool((naive["skill"] > 0).all() and model["coverage"] >= coverage)
