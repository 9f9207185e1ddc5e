"""Rolling-origin forecasts (sim.history.forecast): the naive forecasts, the discrepancy term and its cross-fitting,
coverage and skill pinned on constructed polls; slow: the study end to end at a tiny budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.history import forecast as F
from sim.history.fit import POLL_N


def polls(values: dict[tuple[str, str], dict[int, float]]) -> pd.DataFrame:
    """An observed-polls frame (group 'all') from {(country, measure): {year: share}}."""
    return pd.DataFrame([(y, c, "all", m, v) for (c, m), s in values.items() for y, v in s.items()],
                        columns=["year", "country", "group", "measure", "observed"])


def runs(values: dict[tuple[str, str], dict[int, list[float]]]) -> pd.DataFrame:
    """Simulated polls, one per run and year."""
    return pd.DataFrame([(y, c, "all", m, v, f"run{i}") for (c, m), s in values.items() for y, vs in s.items()
                         for i, v in enumerate(vs)], columns=["year", "country", "group", "measure", "value", "run"])


def test_naive_forecasts_use_the_polls_up_to_the_origin_only():
    obs = polls({("KR", "good"): {2013: 0.10, 2014: 0.12, 2015: 0.14, 2016: 0.16, 2017: 0.99}})
    f = F.naive_forecasts(obs, 2016, [2017, 2018]).set_index("year")
    assert f.loc[2017, "constant"] == pytest.approx(0.13)
    assert f.loc[2018, "persistence"] == pytest.approx(0.16)
    assert f.loc[2017, "trend"] == pytest.approx(0.18) and f.loc[2018, "trend"] == pytest.approx(0.20)


def test_discrepancy_is_the_error_beyond_runs_and_sampling():
    exact = pd.DataFrame({"observed": [0.3, 0.3], "median": [0.3, 0.3], "var": [0.0, 0.0]})
    assert F.discrepancy(exact) == 0.0
    off = pd.DataFrame({"observed": [0.3, 0.3], "median": [0.4, 0.2], "var": [0.001, 0.001]})
    expected = 0.01 - 0.001 - 0.3 * 0.7 / POLL_N
    assert F.discrepancy(off) == pytest.approx(expected)
    assert F.discrepancy(pd.DataFrame(columns=["observed", "median", "var"])) == 0.0


def test_each_origins_band_uses_the_discrepancy_of_the_others():
    obs = polls({("KR", "good"): {2013: 0.2, 2014: 0.2, 2015: 0.2, 2016: 0.2, 2017: 0.2, 2018: 0.2, 2019: 0.2}})
    good = runs({("KR", "good"): {2017: [0.2, 0.2], 2018: [0.2, 0.2], 2019: [0.2, 0.2]}})  # origin 2016: exact
    bad = runs({("KR", "good"): {2018: [0.5, 0.5], 2019: [0.5, 0.5]}})  # origin 2017: 30 points off
    t = F.forecast_table(obs, {2016: good, 2017: bad})
    d16 = t.loc[t["origin"] == 2016, "discrepancy_var"].iloc[0]
    d17 = t.loc[t["origin"] == 2017, "discrepancy_var"].iloc[0]
    assert d16 == pytest.approx(0.09 - 0.2 * 0.8 / POLL_N)  # from origin 2017's errors
    assert d17 == 0.0  # from origin 2016's, which were exact
    assert t.loc[t["origin"] == 2016, "covered"].all()
    assert not t.loc[t["origin"] == 2017, "covered"].any()  # its own error is not in its band
    width = t["hi"] - t["lo"]
    assert (width[t["origin"] == 2016] > 0.9).all() and (width[t["origin"] == 2017] < 0.1).all()


def test_skill_against_the_naive_forecasts_and_the_verdict():
    obs = polls({("KR", "good"): {2013: 0.10, 2014: 0.12, 2015: 0.14, 2016: 0.16, 2017: 0.18, 2018: 0.20,
                                  2019: 0.22}})
    perfect = runs({("KR", "good"): {y: [0.18 + 0.02 * (y - 2017)] * 3 for y in (2017, 2018, 2019)}})
    t = F.forecast_table(obs, {2016: perfect})
    s = F.skill(t).set_index("method")
    assert s.loc["model", "rmse"] == pytest.approx(0.0, abs=1e-9) and s.loc["model", "coverage"] == 1.0
    assert s.loc["trend", "rmse"] == pytest.approx(0.0, abs=1e-9)  # a straight line is the trend's own case
    assert s.loc["constant", "skill"] == pytest.approx(1.0)
    near = runs({("KR", "good"): {y: [0.19 + 0.02 * (y - 2017)] * 3 for y in (2017, 2018, 2019)}})  # 1 point off
    s = F.skill(F.forecast_table(obs, {2016: near})).set_index("method")
    assert s.loc["trend", "skill"] < 0 < s.loc["constant", "skill"]
    assert not F.beats_naive(s.reset_index())  # worse than the trend of a straight line
    edge = pd.DataFrame({"method": ["model", *F.NAIVE], "points": 5, "rmse": [1.0, 2.0, 2.0, 2.0],
                         "skill": [0.0, 0.5, 0.5, 0.5], "coverage": [0.8, np.nan, np.nan, np.nan]})
    assert F.beats_naive(edge)  # coverage exactly at 80% passes
    assert not F.beats_naive(edge.assign(coverage=[0.79, np.nan, np.nan, np.nan]))
    assert not F.beats_naive(edge.assign(skill=[0.0, 0.5, 0.0, 0.5]))  # no better than one naive forecast


@pytest.mark.slow
def test_the_study_calibrates_at_each_origin_and_scores_the_later_years(tmp_path):
    from sim.studies.calibrate import load_settings
    from sim.studies.forecast import run_forecasts

    settings = load_settings()
    table, scores = run_forecasts(tmp_path / "f", [0, 1], (2016, 2017), settings, budget=2 * len(settings.seeds),
                                  jobs=1, progress=False)
    assert set(table["origin"]) == {2016, 2017}
    assert table.loc[table["origin"] == 2016, "year"].min() == 2017
    assert table.loc[table["origin"] == 2017, "year"].min() == 2018
    assert len(table) == 18  # 4 series x (3 + 2) years, without the missing 2018 Korean bad share
    assert set(scores["method"]) == {"model", *F.NAIVE} and (tmp_path / "f" / "skill.csv").exists()
    assert (tmp_path / "f" / "origin-2016" / "draws.csv").exists()
