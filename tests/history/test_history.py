"""Historical replays (sim.history): the data, the one event mapping, forced and free replays, the poll table,
the poll-matched start and the warm start of forward scenarios from the free replay's end."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import sim.history.data
from sim import history
from sim.config.scenario import ScenarioError, load_scenario
from sim.history import HistoryError
from sim.model import RelationsModel
from sim.runs.runner import run
from sim.runs.starts import BurnInCache

SMALL = {f"population.{c}.{k}": n for c in ("KR", "JP") for k, n in (("n_public", 160), ("n_youth", 40))}


def test_calendar():
    assert history.month_index("2012-08-10") == 0
    assert history.month_index("2019-07") == 83
    assert history.month_label(160) == "2025-12" and history.HORIZON == 161
    assert all(history.month_label(history.month_index(f"20{y}-{m:02d}")) == f"20{y}-{m:02d}"
               for y in (13, 19, 25) for m in (1, 6, 12))
    months = history.poll_months()
    assert months[2013] == [history.month_index("2013-03"), history.month_index("2013-04")]
    assert months[2025] == [m + 72 for m in months[2019]]  # after the data: the last known fieldwork months


def test_the_mapping_covers_every_event_kind_of_the_timeline():
    mapping = history.load_mapping()
    events = history.load_events(mapping=mapping)
    assert len(events) == 47
    for ev in events:
        history.lookup(mapping, ev)  # raises KeyError if a kind were skipped


def test_a_new_event_kind_is_an_error_naming_the_line(tmp_path):
    text = (history.DATA_DIR / "events_2012_2025.csv").read_text()
    path = tmp_path / "events.csv"
    path.write_text(text + "2024-01-01,cyber_attack,JP,A new kind,somewhere\n")
    with pytest.raises(HistoryError) as e:
        history.load_events(path)
    msg = str(e.value)
    assert "events.csv" in msg and f":{len(text.splitlines()) + 1}" in msg and "cyber_attack" in msg
    assert "event_mapping" in msg and "kind" in msg


@pytest.mark.parametrize("edit, field", [
    (lambda t: t.replace("territorial,*,provocation", "territorial,*,invasion"), "shock"),
    (lambda t: t.replace("territorial,*,provocation,0.6", "territorial,*,provocation,1.6"), "magnitude"),
    (lambda t: t + "summit,*,summit,0.5,both,,,model,twice\n", "kind"),
    (lambda t: t.replace(",imposed,a territorial", ",sometimes,a territorial"), "free"),
])
def test_a_bad_mapping_row_is_an_error_naming_the_field(tmp_path, edit, field):
    path = tmp_path / "mapping.csv"
    path.write_text(edit((history.DATA_DIR / "event_mapping.csv").read_text()))
    with pytest.raises(HistoryError) as e:
        history.load_mapping(path)
    assert "mapping.csv:" in str(e.value) and field in str(e.value)


def test_free_replay_leaves_the_governments_choices_to_the_model():
    forced, free = history.replay_shocks("forced"), history.replay_shocks("free")
    kinds = lambda shocks: sorted({s["kind"] for s in shocks})  # noqa: E731
    assert {"trade_coercion", "boycott", "agreement", "summit"} <= set(kinds(forced))
    assert not {"trade_coercion", "boycott", "agreement"} & set(kinds(free))
    for kind in ("provocation", "us_china_escalation", "pandemic", "leadership_change"):
        assert [s for s in forced if s["kind"] == kind] == [s for s in free if s["kind"] == kind]
    rulings = [s for s in free if s["kind"] == "court_ruling"]
    assert len(rulings) == 6 and all(s in forced for s in rulings)  # the settlement's reversal is the model's
    moon = [s for s in free if s["kind"] == "leadership_change" and s["month"] == history.month_index("2017-05")]
    assert moon == [{"kind": "leadership_change", "month": 57, "magnitude": 0.5, "actor": "KR",
                     "strategy": "two_track"}]
    assert history.initial_strategy() == "kr=two_track,jp=two_track"


@pytest.mark.parametrize("mode", history.MODES)
def test_both_replays_load_and_run_at_small_size(mode):
    scen = history.replay_scenario(mode, SMALL)
    res = run(scen, history.initial_strategy(), 1, keep_model=False)
    assert len(res.monthly) == 161 and res.monthly["month"].iloc[-1] == 160
    ev = res.events
    assert (ev[ev["event"] == "court_ruling"]["month"] == history.month_index("2018-10")).any()
    coerced = ev[(ev["event"] == "trade_coercion") & (ev["origin"] == "scheduled")]
    assert len(coerced) == (4 if mode == "forced" else 0)
    assert {"good_KR_60+", "bad_JP_under-20"} <= set(res.monthly.columns)


def test_the_replay_starts_from_the_2013_poll():
    scen = history.replay_scenario("forced")
    pop = RelationsModel(scen, history.initial_strategy(), 3, start=False).population
    obs = history.observed().set_index(["year", "country", "group", "measure"])["observed"]
    for c, name in enumerate(("KR", "JP")):
        t = pop.trust[pop.country == c]
        assert abs((t > 0.6).mean() - obs[(2013, name, "all", "good")]) < 0.02
        assert abs((t < 0.4).mean() - obs[(2013, name, "all", "bad")]) < 0.02


@pytest.mark.parametrize("over, field", [
    ({"population.KR.init_good": 0.3}, "population.KR.init_bad"),
    ({"population.JP.init_good": 0.7, "population.JP.init_bad": 0.5}, "population.JP.init_bad"),
    ({"population.JP.init_good": -0.5, "population.JP.init_bad": 0.5}, "population.JP.init_good"),
])
def test_poll_matched_start_needs_both_shares(over, field):
    with pytest.raises(ScenarioError) as e:
        load_scenario("scenarios/baseline.yaml", over)
    assert field in str(e.value)


def test_polls_table_quantiles_and_scored_points():
    scen = history.replay_scenario("free", SMALL)
    frames = [run(scen, history.initial_strategy(), s, keep_model=False).monthly.assign(scenario="h", seed=s)
              for s in (1, 2, 3)]
    table = history.polls_table(pd.concat(frames))
    assert set(table["year"]) == set(history.POLL_YEARS)
    assert (table["runs"] == 3).all()
    q = table[["q05", "q25", "q50", "q75", "q95"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    assert table["scored"].sum() == 6 * 4 - 1 + 5  # 2014-2019 x 4 series (no 2018 KR bad), 2016 age groups
    one = history.poll_shares(frames[0])
    kr16 = one[(one.year == 2016) & (one.country == "KR") & (one.group == "all") & (one.measure == "good")]
    months = history.poll_months()[2016]
    expect = frames[0].set_index("month").loc[months, "good_KR"].mean()
    assert kr16["value"].iloc[0] == pytest.approx(expect)
    err = history.rmse(table)
    assert set(err["measure"]) == {"good", "bad"} and (err["rmse"] >= 0).all()


def test_forward_scenario_starts_from_the_end_of_the_free_replay():
    fwd = load_scenario("scenarios/history/from_2026.yaml", {**SMALL, "horizon": 6})
    cache = BurnInCache()
    state = cache.get(fwd, 4)
    replay = RelationsModel(history.replay_scenario("free", SMALL), history.initial_strategy(), 4).run()
    np.testing.assert_array_equal(state["population"]["trust"], replay.population.trust)
    assert state["month"] == 161  # the replay's last month (2025-12) is done
    a = run(fwd, "two_track", 4, state=state)
    b = run(fwd, "linked", 4, state=state)
    assert list(a.monthly["month"]) == list(range(161, 167))
    assert a.summary["health_discounted"] != b.summary["health_discounted"]
    again = run(fwd, "two_track", 4, share_burn_in=False)  # without the cache: the same numbers
    pd.testing.assert_frame_equal(a.monthly, again.monthly)


def test_forward_scenarios_reject_initial_disputes():
    with pytest.raises(ScenarioError) as e:
        load_scenario("scenarios/history/from_2026.yaml",
                      {"disputes_initial": [{"issue": "territory", "aggrieved": "JP"}]})
    assert "disputes_initial" in str(e.value)


def test_frozen_hash_follows_the_mapping(tmp_path, monkeypatch):
    before = history.frozen_hash()
    data = tmp_path / "data"
    shutil.copytree(history.DATA_DIR, data)
    monkeypatch.setattr(sim.history.data, "DATA_DIR", data)
    assert history.frozen_hash() == before
    (data / "event_mapping.csv").write_text((data / "event_mapping.csv").read_text().replace("0.6", "0.7", 1))
    assert history.frozen_hash() != before


@pytest.mark.slow
def test_cli_replay_writes_polls_and_figure(tmp_path, capsys):
    from sim.cli import main

    out = tmp_path / "r"
    rc = main(["replay", "--mode", "forced", "--seeds", "2", "-j", "1", "--out", str(out), "--quiet"])
    assert rc == 0, capsys.readouterr().err
    polls = pd.read_csv(out / "polls.csv")
    assert list(polls.columns) == ["year", "country", "group", "measure", "q05", "q25", "q50", "q75", "q95",
                                   "observed", "scored", "runs"]
    assert polls["year"].min() == 2013 and polls["year"].max() == 2025
    assert (out / "replay.png").stat().st_size > 10_000
    assert "rmse" in capsys.readouterr().out
    again = main(["replay", "--mode", "forced", "--seeds", "2", "-j", "1", "--out", str(out), "--quiet"])
    assert again == 0 and pd.read_csv(out / "polls.csv").equals(polls)  # resumed: nothing rerun, same table
