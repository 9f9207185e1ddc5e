"""Adaptive strategies (sim/config/rules.py, sim/model/rulebook.py): rules fire exactly when their condition holds,
rules that never fire change nothing, the bundled examples run, the exogenous log stays paired, and bad rules get
clear errors."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.config.experiment import load_experiment, run_keys
from sim.config.scenario import ScenarioError, load_scenario
from sim.config.strategies import StrategyError, parse_rules
from sim.errors import InputWarning
from sim.model import RelationsModel
from sim.params import ADAPTIVE
from sim.runs.runner import run
from tests.helpers import PINNED_PATH, ROOT, TINY_PATH


def quiet(**over):
    """The tiny scenario without endogenous provocations: only the scheduled ones below happen."""
    return load_scenario(TINY_PATH, {"provocation.scale": 0.0, **over})


def with_strategies(scen, strategies):
    return scen.with_overrides(strategies=strategies)


def switches(events: pd.DataFrame, actor: str = "KR") -> list[tuple[int, float]]:
    sw = events[(events["event"] == "strategy_switch") & (events["actor"] == actor)]
    return list(zip(sw["month"].astype(int), sw["magnitude"], strict=True))


def provoked(months: list[int], actor: str = "JP") -> list[dict]:
    return [{"kind": "provocation", "month": m, "actor": actor, "magnitude": 0.6, "issue": "shrine"}
            for m in months]


# ---- firing --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("rule", "expected"), [
    ({}, [(5, 1.0), (6, 0.0), (20, 1.0), (21, 0.0)]),                      # active while `when` holds
    ({"for": 3}, [(5, 1.0), (8, 0.0), (20, 1.0), (23, 0.0)]),              # three months from each firing
    ({"until": "calm_months >= 4"}, [(5, 1.0), (9, 0.0), (20, 1.0), (24, 0.0)]),
    ({"until": "false"}, [(5, 1.0)]),                                       # grim: never ends
])
def test_a_rule_fires_exactly_in_the_months_its_condition_holds(rule, expected):
    scen = quiet(shocks=provoked([5, 20]))
    scen = with_strategies(scen, {"watchful": {"rules": {"answer": {"when": "provocations(1) >= 1",
                                                                    "use": {"dialogue": 0.2}, **rule}}}})
    res = run(scen, "kr=watchful,jp=two_track", 1)
    assert switches(res.events, "KR") == expected
    assert switches(res.events, "JP") == []
    assert res.summary["n_rule_fired"] == sum(m == 1.0 for _, m in expected)
    assert res.summary["rule_fires"] == "KR.answer@" + ",".join(str(t) for t, m in expected if m == 1.0)


def test_a_level_rule_is_active_in_exactly_the_months_its_condition_holds():
    """Month by month: the levers in force are the rule's exactly when tension (at the rule point) exceeds 0.3."""
    scen = with_strategies(load_scenario(TINY_PATH), {"tense": {"rules": {"r": {"when": "tension > 0.3",
                                                                            "use": {"dialogue": 0.2}}}}})
    model = RelationsModel(scen, "tense", 3)
    seen = []
    while model.month < model.end_month:
        model.step()
        seen.append((model.tension > 0.3, model.governments[0].levers["dialogue"] == 0.2))
    holds, active = np.array(seen).T
    assert holds.any() and (~holds).any()  # the test covers both states
    np.testing.assert_array_equal(holds, active)


def test_a_window_counts_the_other_sides_moves_since_the_rule_point_n_months_ago():
    scen = with_strategies(quiet(shocks=provoked([10, 12])),
                           {"w": {"rules": {"r": {"when": "provocations(3) >= 2", "use": {"dialogue": 0.2}}}}})
    res = run(scen, "kr=w,jp=two_track", 0)
    assert switches(res.events) == [(12, 1.0), (13, 0.0)]  # 10 and 12 both fall in the window only at 12
    own = with_strategies(quiet(shocks=provoked([10], actor="KR")),
                          {"w": {"rules": {"r": {"when": "provocations(3) >= 1", "use": {"dialogue": 0.2}}}}})
    assert switches(run(own, "kr=w,jp=two_track", 0).events) == []  # its own provocations are not the other's


def test_priority_decides_which_rule_sets_a_shared_lever():
    rules = {"low": {"when": "provocations(1) >= 1", "use": {"dialogue": 0.1}, "for": 4},
             "high": {"when": "provocations(1) >= 1", "use": {"dialogue": 0.3}, "for": 2, "priority": 1}}
    scen = with_strategies(quiet(shocks=provoked([5])), {"p": {"rules": rules}})
    model = RelationsModel(scen, "kr=p,jp=two_track", 0)
    dialogue = {}
    while model.month < model.end_month:
        model.step()
        dialogue[model.month - 1] = model.governments[0].levers["dialogue"]
    base = dialogue[0]
    assert [dialogue[m] for m in range(4, 10)] == [base, 0.3, 0.3, 0.1, 0.1, base]


def test_a_switch_to_linkage_takes_up_the_open_dispute_and_coerces():
    scen = quiet(shocks=provoked([5]))
    ev = run(scen, "kr=two_track_guarded,jp=two_track", 0).events
    month5 = ev[ev["month"] == 5]["event"].tolist()
    assert month5.index("provocation") < month5.index("strategy_switch") < month5.index("dispute_linked")
    detail = ev[ev["event"] == "strategy_switch"]["detail"].iloc[0]
    assert detail.startswith("answer_provocation fired: linkage_mode none -> coercive")
    coerced = ev[(ev["event"] == "trade_coercion") & (ev["actor"] == "KR")]
    assert coerced["month"].tolist() == [5]


def test_tit_for_tat_answers_the_other_sides_coercion_next_month():
    """Korea links at month 5 after a provocation; Japan's tit-for-tat reads Korea's coercion at its next rule
    point (month 6), not in the same month: both sides' rules see the same observations."""
    scen = quiet(shocks=provoked([5]))
    ev = run(scen, "tit_for_tat", 0).events
    assert switches(ev, "KR")[:2] == [(5, 1.0), (6, 0.0)]
    assert switches(ev, "JP")[:1] == [(6, 1.0)]


def test_generous_tit_for_tat_forgives_some_moves_with_its_own_draws():
    scen = load_scenario(TINY_PATH)
    tft = run(scen, "tit_for_tat", 2).summary["n_rule_fired"]
    generous = run(scen, "generous_tit_for_tat", 2).summary["n_rule_fired"]
    assert 0 < generous < tft


def test_credibility_deters_only_while_the_switched_linkage_is_in_force():
    scen = quiet(shocks=provoked([5]), **{"disputes.credibility_init.KR": 0.6})
    model = RelationsModel(scen, "kr=grim_trigger,jp=two_track", 0)
    kr = model.governments[0]
    while model.month < 5:
        model.step()
    assert kr.threat_credibility == 0.0  # two-track base: no threat, whatever the reputation
    model.step()
    assert kr.levers["linkage_mode"] == "coercive" and kr.threat_credibility == kr.credibility > 0


# ---- pairing and identity --------------------------------------------------------------------------
def test_rules_that_never_fire_give_the_numbers_of_the_base_bundle(tiny_scenario):
    scen = with_strategies(tiny_scenario, {"never": {"extends": "linked", "rules": {
        "r": {"when": "provocations(1) >= 1000", "use": "two_track", "chance": 0.5}}}})
    a, b = run(scen, "linked", 4), run(scen, "never", 4)
    pd.testing.assert_frame_equal(a.monthly, b.monthly)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert b.summary["n_rule_fired"] == 0


def test_tit_for_tat_without_moves_is_two_track():
    scen = load_scenario(TINY_PATH, {"provocation.scale": 0.0})
    pd.testing.assert_frame_equal(run(scen, "two_track", 1).monthly, run(scen, "tit_for_tat", 1).monthly)


def test_the_exogenous_log_is_the_same_under_every_strategy(tiny_scenario):
    def exogenous(strategy):
        ev = run(tiny_scenario, strategy, 7).events
        return ev[ev["origin"].isin(["random", "scheduled"])].reset_index(drop=True)

    logs = [exogenous(s) for s in ("two_track", *ADAPTIVE)]
    for log in logs[1:]:
        pd.testing.assert_frame_equal(logs[0], log)
    assert len(logs[0])


def test_a_warm_start_continues_the_rules_exactly(tiny_scenario):
    whole = RelationsModel(tiny_scenario, "tit_for_tat", 5).run()
    half = RelationsModel(tiny_scenario, "tit_for_tat", 5)
    while half.month < 30:
        half.step()
    rest = RelationsModel(tiny_scenario, "tit_for_tat", 5, state=half.save_state()).run()
    tail = whole.recorder.frame().iloc[30:].reset_index(drop=True)  # the continuation runs a horizon further
    pd.testing.assert_frame_equal(tail, rest.recorder.frame().iloc[:30])
    fired = [e for e in whole.events if e["event"] == "strategy_switch" and e["month"] >= 30]
    assert fired and fired == [e for e in rest.events if e["event"] == "strategy_switch" and e["month"] < 60]


def test_rules_are_part_of_the_run_key(tiny_scenario):
    scen = with_strategies(tiny_scenario, {"r": {"extends": "two_track", "rules": {
        "x": {"when": "provocations(1) >= 1", "use": "linked"}}}})
    assert run_keys(scen, "r", [0]) != run_keys(scen, "two_track", [0])
    assert run_keys(scen, "tit_for_tat", [0]) != run_keys(scen, "generous_tit_for_tat", [0])


def test_a_scheduled_change_replaces_the_rules_of_a_country():
    scen = quiet(shocks=provoked([5, 20]), changes=[{"month": 10, "country": "KR", "strategy": "two_track"}])
    assert switches(run(scen, "kr=tit_for_tat,jp=two_track", 0).events) == [(5, 1.0), (6, 0.0)]
    later = quiet(shocks=provoked([5, 20]), changes=[{"month": 10, "country": "KR", "strategy": "tit_for_tat"}])
    assert switches(run(later, "two_track", 0).events) == [(20, 1.0), (21, 0.0)]


# ---- examples, sweeps, experiment ------------------------------------------------------------------
def test_the_bundled_rule_based_strategies_run_and_differ_from_two_track(tiny_scenario):
    base = run(tiny_scenario, "two_track", 0).summary["health_discounted"]
    for name in ADAPTIVE:
        s = run(tiny_scenario, name, 0).summary
        assert s["n_rule_fired"] > 0, name
        assert s["health_discounted"] != base, name


def test_a_sweep_varies_a_rule_of_a_bundled_strategy():
    scen = quiet(shocks=provoked([5]))
    path = "strategies.two_track_guarded.rules.answer_provocation.with.calm"
    months = []
    for calm in (3, 12):
        ev = run(scen.with_overrides(**{path: calm}), "kr=two_track_guarded,jp=two_track", 0).events
        months.append(switches(ev))
    assert months[0][0] == months[1][0] == (5, 1.0)
    assert months[0][1][0] < months[1][1][0]  # fewer calm months: returns earlier
    with pytest.raises(ScenarioError, match="unknown field"):
        scen.with_overrides(**{"strategies.two_track_guarded.rules.answer_provocation.with.clam": 3})


def test_the_adaptive_experiment_and_the_documented_examples_load():
    exp = load_experiment(ROOT / "experiments" / "adaptive.yaml")
    assert {"two_track_guarded", "tit_for_tat", "two_track", "linked"} <= {s.strategy_label for s in exp.specs}
    assert len(exp.specs) == 7 * 5 * 50
    text = (ROOT / "docs" / "scenarios.md").read_text()
    section = text.split("## Adaptive strategies: rules", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert len(blocks) >= 3
    for block in blocks:
        custom = yaml.safe_load(block)["strategies"]
        scen = load_scenario(TINY_PATH).with_overrides(strategies=custom)
        for name in custom:
            parse_rules(name, scen.data)
            run(scen, name, 0)


# ---- bad rules -----------------------------------------------------------------------------------
def write(tmp_path, body: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(f"extends: {PINNED_PATH}\nstrategies:\n  mine:\n    extends: two_track\n    rules:\n{body}")
    return path


@pytest.mark.parametrize(("body", "line", "field", "words"), [
    ("      r:\n        when: provocatons(12) >= 1\n        use: linked\n", 7, "rules.r.when",
     "did you mean 'provocations'"),
    ("      r:\n        when: tension > 0.5\n        use: {dialog: 0.1}\n", 8, "rules.r.use.dialog",
     "did you mean 'dialogue'"),
    ("      r:\n        when: tension > 0.5\n        use: linked\n        for: 3\n        until: tension < 0.2\n", 10,
     "rules.r.until", "not both"),
    ("      r:\n        when: provocations >= 1\n        use: linked\n", 7, "rules.r.when", "provocations(N)"),
    ("      r:\n        when: other_linkage > 1\n        use: linked\n", 7, "rules.r.when", "mode"),
    ("      r:\n        when: other_linkage == 'coercve'\n        use: linked\n", 7, "rules.r.when",
     "did you mean 'coercive'"),
    ("      r:\n        when: tension > 0.5\n        use: tit_for_tat\n", 8, "rules.r.use", "fixed bundle"),
    ("      r:\n        whne: tension > 0.5\n        use: linked\n", 7, "rules.r.whne", "did you mean 'when'"),
    ("      r:\n        when: __import__('os').system('true')\n        use: linked\n", 7, "rules.r.when",
     "window signal"),
    ("      r:\n        when: tension.real > 0\n        use: linked\n", 7, "rules.r.when", "not allowed"),
    ("      r:\n        when: tension > 0.5\n        use: linked\n        chance: 2\n", 9, "rules.r.chance", "[0, 1]"),
    ("      r:\n        when: provocations(0) > 0\n        use: linked\n", 7, "rules.r.when", "whole number"),
    ("      r:\n        when: tension >\n        use: linked\n", 7, "rules.r.when", "not a condition"),
])
def test_a_bad_rule_names_the_file_line_and_field(tmp_path, body, line, field, words):
    path = write(tmp_path, body)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert f"rules.yaml:{line}:" in msg, msg
    assert f"strategies.mine.{field}" in msg, msg
    assert words in msg, msg


@pytest.mark.parametrize(("body", "words"), [
    ("      r:\n        when: tension > 1.5\n        use: linked\n", "can never fire"),
    ("      r:\n        when: approval >= 0\n        use: linked\n", "always fires"),
    ("      r:\n        when: tension > 0.5\n        use: {dialogue: 0.04}\n", "changes no lever"),
    ("      a:\n        when: tension > 0.5\n        use: {dialogue: 0.1}\n      b:\n        when: standoff\n"
     "        use: {dialogue: 0.2}\n", "same priority"),
])
def test_a_rule_that_cannot_fire_or_contradicts_another_is_reported(tmp_path, body, words):
    path = write(tmp_path, body)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scen = load_scenario(path)
    notes = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert any(words in n and "rules.yaml:" in n for n in notes), notes
    assert any(words in n for n in scen.warnings)


def test_bad_rules_in_an_experiment_file_name_its_line(tmp_path):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: e\nscenarios: [{TINY_PATH}]\nseeds: 2\nstrategies:\n  - two_track\n"
                   "  - name: mine\n    extends: two_track\n    rules:\n      r: {when: tensoin > 0.2, use: linked}\n")
    with pytest.raises(ScenarioError) as err:
        load_experiment(exp)
    assert "e.yaml:9:" in str(err.value) and "did you mean 'tension'" in str(err.value)


def test_a_strategy_spec_with_bad_rules_is_a_strategy_error():
    with pytest.raises(StrategyError, match="rule r.for"):
        parse_rules({"extends": "two_track", "rules": {"r": {"when": "true", "use": "linked", "for": 0}}})


def test_calm_months_wait_for_the_standoff_to_end():
    scen = with_strategies(quiet(shocks=provoked([5])), {"g": {"rules": {"r": {
        "when": "provocations(1) >= 1", "use": "linked", "until": "calm_months >= 3"}}}})
    ev = run(scen, "kr=g,jp=two_track", 0).events
    ended = ev[ev["event"].isin(["target_conceded", "linker_backed_down"])]["month"].tolist()
    assert ended and ended[0] > 5 + 3  # the standoff outlasts three calm months
    assert switches(ev) == [(5, 1.0), (ended[0] + 3, 0.0)]


def test_a_warm_start_keeps_a_rule_active_until_its_end():
    scen = with_strategies(quiet(shocks=provoked([5])), {"f": {"rules": {"r": {
        "when": "provocations(1) >= 1", "use": {"dialogue": 0.2}, "for": 10}}}})
    half = RelationsModel(scen, "kr=f,jp=two_track", 0)
    while half.month < 8:
        half.step()
    rest = RelationsModel(scen, "kr=f,jp=two_track", 0, state=half.save_state()).run()
    assert [(e["month"], e["magnitude"]) for e in rest.events if e["event"] == "strategy_switch"] == [(15, 0.0)]


# ---- the rest of the tool ------------------------------------------------------------------------
@pytest.mark.slow
def test_compare_report_and_explain_accept_rule_based_strategies(tiny_scenario, tmp_path):
    from sim.analysis import rule_counts, rule_use
    from sim.present.report import build_report
    from sim.runs.results import load_results
    from sim.studies.compare import compare_strategies
    from sim.studies.explain import explain

    out = tmp_path / "cmp"
    compare_strategies([tiny_scenario], ["two_track", "tit_for_tat"], [0, 1, 2], out, jobs=1)
    summ = load_results(out, monthly=False).summaries
    tft = summ[summ["strategy"] == "tit_for_tat"].sort_values("seed")
    assert tft["rule_fires"].tolist() == [run(tiny_scenario, "tit_for_tat", s).summary["rule_fires"]
                                          for s in (0, 1, 2)]
    use = rule_use(summ)
    assert use["strategy"].tolist() == ["tit_for_tat"] and use.loc[0, "share_fired"] == 1.0
    counts = rule_counts(summ)
    assert set(counts["rule"]) == {"KR.answer_in_kind", "JP.answer_in_kind"}
    assert counts["firings"].sum() == pytest.approx(tft["n_rule_fired"].mean())
    html = build_report(out).read_text()
    assert "Adaptive strategies: when the rules fired" in html and "KR.answer_in_kind" in html
    assert (out / "report" / "figures" / "rule_timeline.png").stat().st_size > 0
    table = explain(tiny_scenario, ["two_track", "tit_for_tat"], [0, 1], ["deterrence"], out=tmp_path / "x", jobs=1)
    assert list(table["mechanism"]) == ["(full model)", "deterrence"]


@pytest.mark.slow
def test_sim_run_writes_the_switches_to_events_csv(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "r"
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(TINY_PATH), "--strategy", "tit_for_tat",
                           "--seed", "0", "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"rules fired \d+ times: JP answer_in_kind in months \d+", proc.stdout), proc.stdout
    ev = pd.read_csv(out / "events.csv")
    sw = ev[ev["event"] == "strategy_switch"]
    assert len(sw) and sw["detail"].str.contains("linkage_mode none -> coercive").any()
    assert set(sw["origin"]) == {"rule"}


def test_an_experiment_sweeps_a_rules_duration(tmp_path):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: e\nscenarios: [{TINY_PATH}]\nseeds: 2\nstrategies: [two_track, two_track_guarded]\n"
                   "sweep:\n  axes:\n    strategies.two_track_guarded.rules.answer_provocation.with.calm: [3, 24]\n")
    loaded = load_experiment(exp)
    assert len(loaded.specs) == 2 * 2 * 2
    calm = {s.scenario.get("strategies.two_track_guarded.rules.answer_provocation.with.calm")
            for s in loaded.specs}
    assert calm == {3, 24}
    fixed = {k for k, s in zip(loaded.keys, loaded.specs, strict=True) if s.strategy == "two_track"}
    assert len(fixed) == 4  # the sweep changes the scenario, so two-track runs once per point too
    bad = tmp_path / "b.yaml"
    bad.write_text(exp.read_text().replace("with.calm: [3, 24]", "for: [0]"))
    with pytest.raises(ScenarioError, match="b.yaml"):
        load_experiment(bad)


def test_a_rule_that_never_fires_in_an_experiment_file_is_reported_with_its_line(tmp_path):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: e\nscenarios: [{TINY_PATH}]\nseeds: 2\nstrategies:\n  - two_track\n"
                   "  - name: mine\n    extends: two_track\n    rules:\n      r: {when: approval > 2, use: linked}\n")
    with pytest.warns(InputWarning, match=r"e\.yaml:9: strategies\.1\.rules\.r\.when: rule r can never fire"):
        load_experiment(exp)


def test_the_rule_timeline_shows_each_rule_per_strategy():
    from sim.present.figures.time import rule_timeline

    fires = pd.DataFrame({"strategy": ["a", "a", "a", "b"], "rule": ["KR.x", "KR.x", "JP.y", "KR.z"],
                          "month": [0, 7, 3, 30]})
    fig = rule_timeline(fires, {"a": 2, "b": 1}, months=36)
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["a", "b"]
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["JP: y", "KR: x"]
    values = axes[0].patches[1].get_data()[0]  # KR.x: 2 firings in 2 runs, one per 6-month bin
    assert list(values[:2]) == [0.5, 0.5] and axes[0].get_ylim()[1] >= 1.0


def test_the_burn_in_strategy_must_be_a_fixed_bundle(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(f"extends: {PINNED_PATH}\nburn_in_strategy: tit_for_tat\n")
    with pytest.raises(ScenarioError, match=r"b\.yaml:2: burn_in_strategy: the burn-in strategy is a fixed bundle"):
        load_scenario(path)


def test_a_warm_start_keeps_rules_adopted_by_a_scheduled_change():
    scen = quiet(shocks=provoked([5, 20]), changes=[{"month": 10, "country": "KR", "strategy": "tit_for_tat"}])
    ev = run(scen, "two_track", 0).events
    sw = ev[ev["event"] == "strategy_switch"]
    whole = list(zip(sw["month"].astype(int), sw["actor"], strict=True))
    half = RelationsModel(scen, "two_track", 0)
    while half.month < 15:
        half.step()
    rest = RelationsModel(scen, "two_track", 0, state=half.save_state()).run()
    assert whole == [(20, "KR"), (21, "KR")]
    assert [(e["month"], e["actor"]) for e in rest.events if e["event"] == "strategy_switch"] == whole


def test_the_report_knows_the_base_of_bundled_and_inline_rule_based_strategies():
    from sim.present.report import rule_bases

    bases = rule_bases(["two_track", {"name": "g6", "extends": "linked", "rules": {"r": {}}},
                        {"name": "lv", "levers": {"extends": "package_deal", "rules": {"r": {}}}},
                        {"name": "fixed", "extends": "linked", "boycott": 0.0}])
    assert bases["two_track_guarded"] == "two_track" and bases["g6"] == "linked" and bases["lv"] == "package_deal"
    assert "fixed" not in bases and "two_track" not in bases
