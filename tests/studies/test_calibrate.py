"""Calibration (sim.studies.calibrate): settings are validated, a tiny budget lowers the error from its start, an
interrupted calibration resumes, and what it writes (estimate with intervals, draws) is usable."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import history
from sim.cli import main
from sim.config.experiment import from_scenarios, with_draws
from sim.config.scenario import load_scenario
from sim.errors import InputError
from sim.studies import calibrate as cal

TINY = """name: tiny-calibration
mode: forced
seeds: 2
budget: 16
sampler_seed: 7
draws: 3
parameters:
  citizens.anchor_rate: [0.0, 0.1]
  citizens.grievance_relax: [0.005, 0.1]
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "calibration.yaml"
    path.write_text(TINY)
    return cal.load_settings(path)


@pytest.mark.parametrize("edit, field", [
    (lambda t: t.replace("citizens.anchor_rate", "citizens.anchor_rat"), "parameters.citizens.anchor_rat"),
    (lambda t: t.replace("[0.0, 0.1]", "[0.1, 0.0]"), "parameters.citizens.anchor_rate"),
    (lambda t: t.replace("[0.0, 0.1]", "[0.0, 1.6]"), "parameters.citizens.anchor_rate"),
    (lambda t: t.replace("[0.0, 0.1]", "[0.05, 0.1]"), "parameters.citizens.anchor_rate"),  # the prior outside
    (lambda t: t.replace("seeds: 2", "seeds: 0"), "seeds"),
    (lambda t: t.replace("mode: forced", "mode: dreamy"), "mode"),
    (lambda t: t + "optimiser: magic\n", "optimiser"),
])
def test_bad_settings_name_the_file_line_and_field(tmp_path, edit, field):
    path = tmp_path / "bad.yaml"
    path.write_text(edit(TINY))
    with pytest.raises(InputError) as e:
        cal.load_settings(path)
    msg = str(e.value)
    assert "bad.yaml:" in msg and field in msg


def test_the_bundled_settings_load_and_fit_a_handful_of_parameters():
    s = cal.load_settings()
    assert 3 <= len(s.parameters) <= 10 and s.mode == "forced"
    assert not set(s.parameters) & set(s.screen)


@pytest.mark.slow
def test_a_tiny_calibration_lowers_the_error_and_resumes(tiny, tmp_path):
    out = tmp_path / "cal"
    first = cal.calibrate(tiny, out, budget=10, progress=False)  # 5 candidates
    assert len(first) == 5
    start = first.loc[first["number"] == 0].iloc[0]
    assert start["citizens.anchor_rate"] == pytest.approx(tiny.prior["citizens.anchor_rate"])  # the prior first
    assert tiny.prior == {"citizens.anchor_rate": 0.02, "citizens.grievance_relax": 0.03}  # the defaults
    more = cal.calibrate(tiny, out, progress=False)  # resumes up to the budget: 8 candidates
    assert len(more) == 8
    pd.testing.assert_frame_equal(more.iloc[:5].reset_index(drop=True), first.reset_index(drop=True))
    assert more["loss"].min() < start["loss"]
    assert more["rmse"].min() < start["rmse"]
    head = cal.finish(tiny, out, more, tmp_path / "calibrated.yaml", tmp_path / "calibrated_draws.csv")
    assert head["best_loss"] < head["start_loss"] and head["fitted"] == 2
    scen = load_scenario(tmp_path / "calibrated.yaml")
    best = more.loc[more["loss"].idxmin()]
    assert scen.get("citizens.anchor_rate") == pytest.approx(best["citizens.anchor_rate"], rel=1e-5)
    text = (tmp_path / "calibrated.yaml").read_text()
    assert text.count("95% interval") == 2 and "hash " + history.frozen_hash() in text
    iv = pd.read_csv(out / "intervals.csv")
    assert ((iv["low"] <= iv["estimate"]) & (iv["estimate"] <= iv["high"])).all()
    ranges = cal.calibrated_ranges(tmp_path / "calibrated_intervals.csv")  # for sweeps and sensitivity analyses
    assert set(ranges) <= set(tiny.parameters) and all(lo < hi for lo, hi in ranges.values())
    assert ranges == {r.parameter: [pytest.approx(r.low, rel=1e-5), pytest.approx(r.high, rel=1e-5)]
                      for r in iv.itertuples() if r.low < r.high}
    draws = cal.load_draws(tmp_path / "calibrated_draws.csv")
    assert 1 <= len(draws) <= 3 and draws[0]["citizens.anchor_rate"] == pytest.approx(best["citizens.anchor_rate"])


def test_another_calibration_in_the_same_directory_is_refused(tiny, tmp_path):
    out = tmp_path / "cal"
    cal.calibrate(tiny, out, budget=2, progress=False)
    other = cal.Settings({"citizens.noise": (0.05, 0.45)}, {"citizens.noise": 0.24}, [0, 1], 4, 7)
    with pytest.raises(InputError, match="other parameters"):
        cal.calibrate(other, out, progress=False)


def test_loss_is_chi_square_against_the_poll_error():
    target = pd.DataFrame({"year": [2014], "country": ["KR"], "group": ["all"], "measure": ["good"],
                           "observed": [0.2]})
    sims = pd.DataFrame({"year": [2014] * 2, "country": ["KR"] * 2, "group": ["all"] * 2, "measure": ["good"] * 2,
                         "value": [0.22, 0.24]})
    chi2, rmse = cal.loss(sims, target)
    var = 0.2 * 0.8 / 1000 + 0.0002 / 2
    assert chi2 == pytest.approx(0.03**2 / var) and rmse == pytest.approx(3.0)


def test_parameter_draws_pair_the_strategies(tmp_path):
    scen = load_scenario("scenarios/baseline.yaml")
    draws = [{"citizens.noise": 0.2}, {"citizens.noise": 0.3}]
    exp = with_draws(from_scenarios("x", [scen], ["two_track", "linked"], [5, 6, 7]), draws)
    by = {(s.strategy_label, s.seed): s for s in exp.specs}
    for seed, d in ((5, 0), (6, 1), (7, 0)):
        a, b = by[("two_track", seed)], by[("linked", seed)]
        assert a.tags["draw"] == b.tags["draw"] == d
        assert a.scenario is b.scenario and a.scenario.get("citizens.noise") == draws[d]["citizens.noise"]
        assert a.scenario.name == "baseline"
    assert len(set(exp.keys)) == 6


def test_cli_compare_over_parameter_draws(tmp_path, capsys):
    draws = tmp_path / "draws.csv"
    draws.write_text("# test draws\ndraw,number,citizens.noise,loss\n0,3,0.2,1.0\n1,4,0.3,2.0\n")
    rc = main(["compare", "scenarios/baseline.yaml", "--seeds", "2", "-j", "1", "--out", str(tmp_path / "c"),
               "--set", "horizon=6", "--set", "burn_in=0", "--parameter-draws", "2", "--draws", str(draws)])
    assert rc == 0
    runs = pd.read_parquet(tmp_path / "c" / "runs.parquet")
    assert sorted(runs["draw"]) == [0, 0, 1, 1]
    rc = main(["compare", "scenarios/baseline.yaml", "--seeds", "2", "--parameter-draws", "3", "--draws", str(draws)])
    assert rc == 2 and "1 to 2" in capsys.readouterr().err


@pytest.mark.slow
def test_candidates_do_not_depend_on_the_number_of_processes(tiny, tmp_path):
    one = cal.calibrate(tiny, tmp_path / "one", budget=6, progress=False)
    two = cal.calibrate(tiny, tmp_path / "two", jobs=2, budget=6, progress=False)
    pd.testing.assert_frame_equal(one, two)


def test_cli_calibrate_writes_the_estimate_and_draws(tmp_path, capsys):
    settings = tmp_path / "calibration.yaml"
    settings.write_text(TINY)
    target = tmp_path / "fitted.yaml"
    rc = main(["calibrate", "--settings", str(settings), "--budget", "6", "--out", str(tmp_path / "c"),
               "--write", str(target), "--quiet"])
    assert rc == 0, capsys.readouterr().err
    assert load_scenario(target).get("citizens.anchor_rate") >= 0
    assert len(cal.load_draws(tmp_path / "fitted_draws.csv")) >= 1
    assert {"trials.csv", "intervals.csv", "result.json", "journal.log"} <= {p.name for p in (tmp_path / "c").iterdir()}
    settings.write_text(TINY.replace("budget: 16", "budget: sixteen"))
    rc = main(["calibrate", "--settings", str(settings), "--out", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert rc == 2 and "calibration.yaml:" in err and "budget" in err


@pytest.mark.slow
def test_screening_finds_that_the_record_does_not_identify_deterrence(tmp_path):
    path = tmp_path / "screen.yaml"
    path.write_text(TINY.replace("  citizens.grievance_relax: [0.005, 0.1]\n", "") +
                    "screen:\n  disputes.deterrence: [0.0, 10.0]\n  disputes.credibility_init.JP: [0.0, 1.0]\n")
    table = cal.screen(cal.load_settings(path), progress=False)
    assert list(table["parameter"])[0] == "citizens.anchor_rate" and table["effect"].iloc[0] > 1.0
    by = table.set_index("parameter")
    assert by.loc["disputes.deterrence", "effect"] == 0.0  # recorded provocations are imposed in a replay
    assert by.loc["disputes.credibility_init.JP", "effect"] == 0.0


def test_a_calibration_does_not_depend_on_an_earlier_fit():
    """The parameters of scenarios/history/calibrated.yaml are at their defaults unless the candidate sets them."""
    from sim.runs.runner import run

    keys = history.fitted_keys()
    assert keys  # the bundled file holds an earlier fit
    prior = {k: cal.default(k) for k in keys}
    assert any(history.replay_scenario("forced").get(k) != v for k, v in prior.items())
    scen = history.replay_scenario("forced", prior)
    expect = history.poll_shares(run(scen, history.initial_strategy(), 2, keep_model=False).monthly)
    pd.testing.assert_frame_equal(cal.replay_polls({}, 2), expect)
