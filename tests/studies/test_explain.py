"""`sim explain`: each named mechanism is one override that validates and changes the scenario, the ablation
table is built from paired runs (common random numbers), and its sentences read the direction right."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.cli import main
from sim.runs.runner import run
from sim.studies.explain import MECHANISMS, ablated, explain, explain_table
from tests.helpers import BUNDLED


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_mechanism_is_a_valid_override_that_changes_the_scenario(path):
    from sim.config.scenario import load_scenario

    scen = load_scenario(path)
    for m in MECHANISMS:
        off = ablated(scen, m)
        assert off.name == f"{scen.name}~no_{m.name}"
        changed = {k: v for k, v in off.data.items() if k != "name" and scen.data.get(k) != v}
        assert changed, f"{m.name} changes nothing in {path.name}"
        for dotted, value in m.off.items():
            assert off.get(dotted) == value


def test_explain_pairs_runs_and_traces_the_difference(tiny_scenario, tmp_path):
    seeds = [0, 1, 2, 3]
    table = explain(tiny_scenario, ["two_track", "linked"], seeds, ["deterrence", "boycott"], out=tmp_path / "x",
                    jobs=1)
    assert list(table["mechanism"]) == ["(full model)", "deterrence", "boycott"]
    full = [run(tiny_scenario, s, seed, keep_model=False).summary["health_discounted"]
            for seed in seeds for s in ("two_track", "linked")]
    diffs = [full[i] - full[i + 1] for i in range(0, len(full), 2)]
    assert table.loc[0, "diff"] == pytest.approx(sum(diffs) / len(diffs), abs=1e-12)
    off = ablated(tiny_scenario, MECHANISMS[0])
    d_off = [run(off, "two_track", s, keep_model=False).summary["health_discounted"]
             - run(off, "linked", s, keep_model=False).summary["health_discounted"] for s in seeds]
    assert table.loc[1, "diff"] == pytest.approx(sum(d_off) / len(d_off), abs=1e-12)
    assert table.loc[1, "change"] == pytest.approx(table.loc[1, "diff"] - table.loc[0, "diff"], abs=1e-12)
    assert table.loc[0, "change"] == 0.0
    again = explain(tiny_scenario, ["two_track", "linked"], seeds, mechanisms=["deterrence", "boycott"],
                    out=tmp_path / "x", jobs=1)  # resumes: every run is already there
    pd.testing.assert_frame_equal(again, table)


def test_sentences_read_the_direction():
    rows = []
    for seed in range(30):
        noise = 0.0001 * (seed % 5)
        for scen, gap in (("s", 0.00), ("s~no_deterrence", 0.02), ("s~no_boycott", noise)):
            rows += [{"scenario": scen, "seed": seed, "strategy": "two_track", "health_discounted": 0.5 + gap},
                     {"scenario": scen, "seed": seed, "strategy": "linked", "health_discounted": 0.5}]
    table = explain_table(pd.DataFrame(rows), "s", ["two_track", "linked"], ["deterrence", "boycott"])
    det, boy = table.iloc[1], table.iloc[2]
    assert det["change"] == pytest.approx(0.02) and det["change_lo"] > 0
    assert "toward two-track" in det["sentence"] and "in favour of linked" in det["sentence"]
    assert "does not change measurably" in boy["sentence"] or boy["change_lo"] > 0


@pytest.mark.parametrize("args,where", [(["--mechanisms", "nope"], "--mechanisms"),
                                        (["--strategies", "two_track"], "--strategies"),
                                        (["--outcome", "nope"], "--outcome")])
def test_explain_cli_errors_are_one_line(tmp_path, capsys, args, where):
    rc = main(["explain", str(BUNDLED[0]), "--seeds", "2", "--out", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: ") and err.count("\n") == 1 and where in err
