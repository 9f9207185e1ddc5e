"""The pattern scoreboard (sim.history.patterns): the statistics pinned on constructed series, each scorer on a
constructed run that reproduces the record (it scores the record's own value) or misses it in a known way, the
record's targets read from data/, pass and fail at the edges of a band, and the scoreboard of real small runs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.stats import slope, slope_sd
from sim.history import patterns as P
from sim.history.data import FIT_YEARS, month_index, observed, poll_months, visitors_annual, visitors_monthly
from sim.history.fit import poll_shares


def test_slope_and_its_sampling_error():
    years = np.array([2013, 2014, 2015, 2016])
    assert slope(years, 2.0 * years + 7) == pytest.approx(2.0)
    assert slope(years, np.array([1.0, 1.0, 1.0, 1.0])) == 0.0
    # equal variances: var / sum (x - mean)^2
    assert slope_sd(years, np.full(4, 0.09)) == pytest.approx(math.sqrt(0.09 / 5.0))


def test_poisson_band_is_the_exact_interval():
    assert P.poisson_band(0) == pytest.approx((0.0, 2.9957), abs=1e-4)
    assert P.poisson_band(1) == pytest.approx((0.05129, 4.7439), abs=1e-4)
    lo, hi = P.poisson_band(10)
    assert lo < 10 < hi and hi - 10 > 10 - lo  # skewed to the right


def test_agreement_and_spells():
    assert P.agreement([1.0, -1.0, 2.0], [0.5, -3.0, -1.0]) == pytest.approx(2 / 3)
    assert P.agreement([1.0, -1.0], [np.nan, -1.0]) == 0.5  # a missing model value agrees with nothing
    assert P.starts(np.array([0, 1, 1, 0, 1], bool)) == 2
    assert P.starts(np.array([1, 1], bool)) == 1
    assert P.starts(np.array([], bool)) == 0


def test_the_record_targets_come_from_data():
    by_name = {p.name: p for p in P.patterns()}
    obs = observed()
    kr = obs[(obs.country == "KR") & (obs.group == "all") & (obs.measure == "good") & obs.year.isin(list(FIT_YEARS))]
    assert by_name["good_KR_level"].target == pytest.approx(kr["observed"].mean() * 100)
    assert by_name["trade_coercion_replay"].target == 1  # three 2019 events, one episode
    assert by_name["settlement_replay"].target == 2  # 2015-16 (agreement and foundation) and 2023
    assert by_name["boycott_JP_replay"].target == 0 and by_name["boycott_KR_replay"].target == 1
    vis = visitors_annual().set_index("year")
    assert by_name["visitors_KR_growth"].target == pytest.approx(vis.loc[2018, "kr_to_jp"] / vis.loc[2013, "kr_to_jp"])
    for p in by_name.values():
        assert p.lo <= p.target <= p.hi, p.name


def record_run() -> P.RunView:
    """A run whose simulated polls are the record's polls, whose visitor index follows the arrivals (and the 2019
    fall), whose cooperation moves against the share calling relations bad, with the record's one Korean boycott,
    trade coercion and two settlements."""
    months = np.arange(0, 170)
    vis = visitors_annual().set_index("year")
    kr = np.ones(len(months))
    jp = np.ones(len(months))
    for y in vis.index:
        sel = (months >= month_index(f"{y}-01")) & (months <= month_index(f"{y}-12"))
        kr[sel], jp[sel] = vis.loc[y, "kr_to_jp"], vis.loc[y, "jp_to_kr"]
    fall = visitors_monthly()
    for m, ch in zip(fall["month"], fall["change"], strict=True):
        kr[m] = kr[m - 12] * (1 + ch)
    rel = P.relations_bad().groupby("year")["bad"].mean()
    coop = np.full(len(months), 0.5)
    for y, bad in rel.items():
        coop[poll_months()[y]] = 1 - bad
    good_jp = np.full(len(months), 0.3)
    aff = P.affinity()
    for m, a in zip(aff["month"], aff["affinity"], strict=True):
        if m >= 0:
            good_jp[m] = a
    boycott = np.where((months >= month_index("2019-07")) & (months <= month_index("2019-12")), 0.6, 0.0)
    monthly = pd.DataFrame({"month": months, "trips_KR": kr, "trips_JP": jp, "cooperation": coop,
                            "good_JP": good_jp, "health": 0.5, "boycott_KR": boycott, "boycott_JP": 0.0,
                            "leader_KR": 0, "leader_JP": 0})
    obs = observed()
    polls = obs.rename(columns={"observed": "value"})[["year", "country", "group", "measure", "value"]]
    summary = {"n_trade_coercion": 1, "n_dispute_settled": 2}
    return P.RunView(monthly, summary, polls)


def test_a_run_that_is_the_record_scores_the_record():
    view = record_run()
    for p in P.patterns():
        if p.runs != "replay":
            continue
        value = p.score(view)
        assert p.passes(value), (p.name, value, p.lo, p.hi)
        if p.unit in ("%", "points a year", "points", "ratio"):
            assert value == pytest.approx(p.target, rel=1e-9, abs=1e-9), p.name


def test_a_run_that_misses_fails_in_the_known_direction():
    view = record_run()
    by_name = {p.name: p for p in P.patterns()}
    flat = view.polls.assign(value=0.2)  # no trend, no age gap
    miss = P.RunView(view.monthly.assign(trips_KR=1.0, cooperation=0.5), {"n_trade_coercion": 7,
                                                                               "n_dispute_settled": 0}, flat)
    assert by_name["good_KR_trend"].score(miss) == pytest.approx(0.0)
    assert by_name["age_gap_KR_2016"].score(miss) == pytest.approx(0.0)
    assert by_name["visitors_KR_growth"].score(miss) == pytest.approx(1.0)
    assert by_name["visitors_KR_2019"].score(miss) == pytest.approx(0.0)
    assert by_name["trade_coercion_replay"].score(miss) == 7.0
    for name in ("good_KR_trend", "age_gap_KR_2016", "visitors_KR_growth", "visitors_KR_2019",
                 "trade_coercion_replay", "settlement_replay"):
        assert not by_name[name].passes(by_name[name].score(miss)), name


def test_boycotts_are_spells_of_the_monthly_boycott():
    view = record_run()
    on = view.monthly["boycott_KR"].to_numpy().copy()  # the 2019 boycott, and another
    on[120:123] = 0.3
    run = P.RunView(view.monthly.assign(boycott_KR=on), view.summary, view.polls)
    assert {p.name: p for p in P.patterns()}["boycott_KR_replay"].score(run) == 2.0


def test_scoreboard_passes_at_the_edges_and_not_without_runs():
    p = P.Pattern("x", "x", "test", "replay", 1.0, 0.0, 2.0, "u", lambda v: 0.0, "test")
    q = P.Pattern("y", "y", "test", "replay", 1.0, 0.0, 2.0, "u", lambda v: 0.0, "test")
    none = P.Pattern("z", "z", "test", "baseline", 1.0, 0.0, 2.0, "u", lambda v: 0.0, "test")
    values = pd.DataFrame({"pattern": ["x"] * 3 + ["y"] * 3, "run": [0, 1, 2] * 2,
                           "value": [1.9, 2.0, 2.1, 2.0, 2.01, 2.02]})
    board = P.scoreboard([p, q, none], values).set_index("pattern")
    assert board.loc["x", "model_median"] == pytest.approx(2.0) and board.loc["x", "pass"]  # on the edge
    assert not board.loc["y", "pass"]  # just outside
    assert board.loc["z", "n"] == 0 and not board.loc["z", "pass"] and math.isnan(board.loc["z", "model_median"])


def test_poll_scorers_read_the_simulated_poll_of_a_replay_frame():
    months = np.arange(0, 161)
    frame = pd.DataFrame({"month": months, **{f"{m}_{c}": 0.25 for m in ("good", "bad") for c in ("KR", "JP")}})
    frame.loc[frame.month >= month_index("2016-01"), "good_KR"] = 0.35
    view = P.RunView.of(frame, {}, replay=True)
    assert view.poll("KR", "good").loc[2015] == pytest.approx(0.25)
    assert view.poll("KR", "good").loc[2017] == pytest.approx(0.35)
    level = {p.name: p for p in P.patterns()}["good_KR_level"].score(view)
    assert level == pytest.approx(100 * (0.25 * 2 + 0.35 * 4) / 6)  # 2014-2015 before, 2016-2019 after
    assert len(poll_shares(frame)) > 0


@pytest.mark.slow
def test_the_scoreboard_of_small_runs_scores_every_pattern(tmp_path):
    from sim.studies.patterns import run_patterns

    small = {f"population.{c}.{k}": n for c in ("KR", "JP") for k, n in (("n_public", 300), ("n_youth", 80))}
    import sim.studies.patterns as study
    from sim.config.scenario import load_scenario

    baseline = load_scenario(study.BASELINE, {**small, "horizon": 36, "burn_in": 24})
    board = run_patterns([0, 1], tmp_path / "p", baseline=baseline, jobs=1, progress=False)
    assert set(board["pattern"]) == {p.name for p in P.patterns()}
    assert (board["n"] == 2).all()
    assert board["pass"].dtype == bool and board["model_median"].notna().all()
