"""The policy-comparison statistics (sim.analysis) on synthetic cases with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import analysis as A
from tests.helpers import TINY_PATH


def _summaries(a: np.ndarray, b: np.ndarray, outcome: str = "health_discounted", scenario: str = "s") -> pd.DataFrame:
    n = len(a)
    return pd.DataFrame({"scenario": scenario, "point": 0, "seed": np.tile(np.arange(n), 2),
                         "strategy": ["two_track"] * n + ["linked"] * n, outcome: np.concatenate([a, b])})


def test_known_shift_is_recovered_within_its_interval():
    rng = np.random.default_rng(1)
    b = rng.normal(0.5, 0.1, 300)
    a = b + 0.02 + rng.normal(0, 0.01, 300)
    row = A.compare(_summaries(a, b), "two_track", "linked", ["health_discounted"]).iloc[0]
    assert row["diff_lo"] < 0.02 < row["diff_hi"]
    assert row["verdict"] == "A better" and row["p_better"] > 0.9
    assert row["effect"] == pytest.approx(np.mean(a - b) / np.std(a - b, ddof=1))
    exact = np.arange(10) / 8.0
    same = A.compare(_summaries(exact + 0.125, exact), "two_track", "linked", ["health_discounted"]).iloc[0]
    assert same["effect"] == np.inf  # every difference equal: no spread


@pytest.mark.slow  # statistical: coverage over many simulated data sets
def test_pure_noise_interval_covers_zero_about_95_percent():
    rng = np.random.default_rng(2)
    covered = []
    for _ in range(200):
        b = rng.normal(0.5, 0.1, 60)
        a = b + rng.normal(0, 0.02, 60)
        row = A.compare(_summaries(a, b), "two_track", "linked", ["health_discounted"]).iloc[0]
        covered.append(row["diff_lo"] <= 0 <= row["diff_hi"])
    assert 0.90 <= np.mean(covered) <= 0.99, np.mean(covered)


@pytest.mark.slow  # statistical: coverage over many simulated data sets
def test_wilcoxon_and_holm_flag_about_the_nominal_share_under_the_null():
    rng = np.random.default_rng(3)
    raw, family = [], []
    for _ in range(200):
        p = np.array([A.wilcoxon_p(rng.normal(0, 1, 40)) for _ in range(10)])
        raw.append(np.mean(p < 0.05))
        family.append(np.any(A.holm(p) < 0.05))
    assert 0.03 <= np.mean(raw) <= 0.07, np.mean(raw)
    assert np.mean(family) <= 0.09, np.mean(family)


def test_holm_matches_the_definition():
    p = np.array([0.01, 0.04, 0.03, 0.2])
    # sorted 0.01, 0.03, 0.04, 0.2 -> 4*0.01, max(.., 3*0.03), max(.., 2*0.04), max(.., 1*0.2)
    assert np.allclose(A.holm(p), [0.04, 0.09, 0.09, 0.2])


def test_exact_ties_are_ties_and_the_margin_decides_a_win():
    b = np.linspace(0.4, 0.6, 50)
    a = b.copy()
    a[:10] += 0.01
    row = A.compare(_summaries(a, b), "two_track", "linked", ["health_discounted"]).iloc[0]
    assert row["p_tie"] == pytest.approx(0.8) and row["p_better"] == pytest.approx(0.2) and row["p_worse"] == 0
    assert row["p_value"] <= 1
    wide = A.compare(_summaries(b + 0.005, b), "two_track", "linked", ["health_discounted"],
                     margins={"health_discounted": 0.01}).iloc[0]
    assert wide["verdict"] == "no clear difference"  # a sure difference smaller than the practical margin
    narrow = A.compare(_summaries(b + 0.005, b), "two_track", "linked", ["health_discounted"],
                       margins={"health_discounted": 0.0}).iloc[0]
    assert narrow["verdict"] == "A better"
    default = A.compare(_summaries(b + 0.004, b), "two_track", "linked", ["health_discounted"]).iloc[0]
    assert default["verdict"] == "no clear difference"  # the default practical margin is 0.005


def test_lower_is_better_outcomes_flip_the_direction():
    b = np.full(30, 10.0)
    a = b - 2.0
    row = A.compare(_summaries(a, b, "crisis_months"), "two_track", "linked", ["crisis_months"]).iloc[0]
    assert row["verdict"] == "A better" and row["p_better"] == 1.0
    text = A.sentence(row)
    assert "two-track keeps months in crisis 2" in text and "lower" in text and "p" not in text.split("runs")[-1]


def test_sentence_in_plain_words():
    rng = np.random.default_rng(4)
    b = rng.normal(0.5, 0.05, 200)
    a = b + 0.18 + rng.normal(0, 0.02, 200)
    row = A.compare(_summaries(a, b, "economy_discounted", "frequent_history_disputes"), "two_track", "linked",
                    ["economy_discounted"]).iloc[0]
    text = A.sentence(row)
    assert text.startswith("Under frequent history disputes, two-track keeps economic cooperation 0.1")
    assert "higher" in text and "than linked" in text and "of matched runs" in text
    assert "p-value" not in text and "p =" not in text


def test_regret_win_matrix_satisficing_precision():
    df = pd.concat([_summaries(np.full(10, 0.6), np.full(10, 0.5), scenario="calm"),
                    _summaries(np.full(10, 0.4), np.full(10, 0.45), scenario="crisis")])
    df["health_min"] = df["health_discounted"] - 0.1
    reg = A.regret(df).set_index(["scenario", "strategy"])
    assert reg.loc[("calm", "two_track"), "regret"] == 0
    assert reg.loc[("calm", "linked"), "regret"] == pytest.approx(0.1)
    assert reg.loc[("crisis", "two_track"), "max_regret"] == pytest.approx(0.05)
    win = A.win_matrix(df).set_index(["scenario", "strategy"])["value"]
    assert win[("calm", "two_track")] == 1 and win[("crisis", "linked")] == 1
    sat = A.satisficing(df, "health_min", 0.45).set_index(["scenario", "strategy"])["share"]
    assert sat[("calm", "two_track")] == 1 and sat[("calm", "linked")] == 0
    table = pd.DataFrame({"n": [100], "diff_lo": [0.0], "diff_hi": [0.04]})
    assert A.precision(table, 0.02).iloc[0]["n_needed"] == 400


def test_payoff_game_best_responses():
    rows = []
    pay = {("two_track", "two_track"): (0.6, 0.6), ("two_track", "linked"): (0.4, 0.7),
           ("linked", "two_track"): (0.7, 0.4), ("linked", "linked"): (0.5, 0.5)}
    for (kr, jp), (pk, pj) in pay.items():
        label = kr if kr == jp else f"kr={kr},jp={jp}"
        for seed in range(5):
            rows.append({"scenario": "s", "strategy": label, "seed": seed, "payoff_KR": pk, "payoff_JP": pj})
    game = A.payoff_game(pd.DataFrame(rows), "s").set_index(["KR", "JP"])
    assert game.loc[("linked", "linked"), "equilibrium"]  # a prisoner's dilemma
    assert not game.loc[("two_track", "two_track"), "equilibrium"]
    assert game.loc[("linked", "two_track"), "KR_best_response"]


def test_missing_strategy_is_a_clear_error():
    with pytest.raises(ValueError, match="package_deal"):
        A.compare(_summaries(np.ones(3), np.ones(3)), "two_track", "package_deal")


def test_pretty_labels_only_reads_country_pairs():
    from sim.analysis import pretty

    assert pretty("kr=two_track,jp=linked") == "KR two-track / JP linked"
    assert pretty("x=y,z") == "x=y,z" and pretty("a=b") == "a=b"
    assert pretty('"onmouseover=alert(1) x="') == '"onmouseover=alert(1) x="'


def test_reweighting_with_the_scenarios_weights_reproduces_health(tiny_scenario):
    """Health is the weighted mean of its components and discounting is linear: the summary's components,
    weighted as the scenario weighs them, give its discounted health exactly."""
    from sim.analysis import weighted_health
    from sim.runs.runner import run

    hw = tiny_scenario.data["outputs"]["health_weights"]
    rows = [run(tiny_scenario.with_overrides(**{"outputs.health_weights": w}), "linked", 3, keep_model=False).summary
            for w in (hw, {"cooperation": 0.2, "opinion": 0.0, "disputes": 0.8})]
    frame = weighted_health(pd.DataFrame(rows), {"own": dict(hw), "other": {"cooperation": 1, "disputes": 4}})
    assert frame["health[own]"].iloc[0] == pytest.approx(rows[0]["health_discounted"], abs=1e-12)
    assert frame["health[other]"].iloc[1] == pytest.approx(rows[1]["health_discounted"], abs=1e-12)
    assert abs(rows[0]["health_discounted"] - rows[1]["health_discounted"]) > 1e-3


def _components(n: int, coop: float, opinion: float, disputes: float) -> pd.DataFrame:
    """Summaries of A and B over n seeds whose components differ (A - B) by the given amounts, plus noise."""
    rng = np.random.default_rng(1)
    rows = []
    for seed in range(n):
        base = rng.uniform(0.3, 0.7, 3)
        for strat, sign in (("two_track", 1.0), ("linked", 0.0)):
            c, o, d = base + sign * np.array([coop, opinion, disputes]) + rng.normal(0, 0.001, 3)
            rows.append({"scenario": "s", "point": 0, "seed": seed, "strategy": strat,
                         "health_discounted": 0.5 * c + 0.25 * o + 0.25 * d, "health_cooperation_discounted": c,
                         "health_opinion_discounted": o, "health_disputes_discounted": d})
    return pd.DataFrame(rows)


def test_robustness_says_when_the_verdict_depends_on_the_weighting():
    from sim.analysis import robustness, robustness_sentence

    mixed = robustness(_components(40, 0.04, 0.0, -0.12), "two_track", "linked")
    verdicts = mixed.set_index("criterion")["verdict"]
    assert verdicts["weighting: default"] == "B better"  # 0.5*0.04 - 0.25*0.12 = -0.01
    assert verdicts["weighting: no_disputes"] == "A better"
    assert verdicts["component: cooperation"] == "A better" and verdicts["component: disputes"] == "B better"
    assert not mixed["robust"].any()
    assert "depends on how you weigh it" in robustness_sentence(mixed)
    clear = robustness(_components(40, 0.03, 0.03, 0.03), "two_track", "linked")
    assert clear["robust"].all() and (clear["verdict"] == "A better").all()
    assert "under every weighting (robust)" in robustness_sentence(clear)


@pytest.mark.parametrize("weightings", ["{x: {cooperation: -1}}", "{x: {trust: 1}}", "{x: {opinion: 0}}", "[1]",
                                        "{x: {disputes: .nan}}"])
def test_experiment_weightings_are_validated(tmp_path, weightings):
    from sim.config.experiment import load_experiment
    from sim.errors import InputError

    tiny = TINY_PATH
    path = tmp_path / "e.yaml"
    path.write_text(f"name: e\nscenarios: [{tiny}]\nstrategies: [two_track, linked]\nseeds: 1\n"
                    f"analysis:\n  weightings: {weightings}\n")
    with pytest.raises(InputError) as err:
        load_experiment(path)
    assert err.value.path.startswith("analysis.weightings") and err.value.line == 6
