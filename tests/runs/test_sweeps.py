"""sim.sweep from Python and the winner maps: a sweep gives the numbers of single runs, resumes, validates its
fields like a scenario file; the winner table and its figures show where the winner flips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from sim.analysis.landscape import winner_table
from sim.config.scenario import ScenarioError, load_scenario
from sim.present import figures as F
from sim.runs.runner import run
from sim.runs.sweeps import grid, sweep
from tests.helpers import ROOT, tiny_overrides

TINY = tiny_overrides("s")


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "s"
    scen = load_scenario(ROOT / "scenarios" / "baseline.yaml", TINY)
    res = sweep(scen, {"disputes.deterrence": [0.0, 6.0], "provocation.scale": [1.0, 3.0]}, seeds=3, out=out,
                jobs=1, progress=False)
    return scen, out, res


def test_a_sweep_gives_the_numbers_of_single_runs(swept):
    scen, _, res = swept
    s = res.summaries
    assert len(s) == 4 * 2 * 3 and sorted(s["point"].unique()) == [0, 1, 2, 3]
    row = s[(s["sweep.disputes.deterrence"] == 6.0) & (s["sweep.provocation.scale"] == 3.0)
            & (s["strategy"] == "linked") & (s["seed"] == 2)].iloc[0]
    one = run(scen.with_overrides(**{"disputes.deterrence": 6.0, "provocation.scale": 3.0}), "linked", 2,
              keep_model=False).summary
    assert row["health_discounted"] == one["health_discounted"]
    assert row["crisis_months"] == one["crisis_months"]


def test_a_sweep_resumes(swept):
    scen, out, res = swept
    again = sweep(scen, {"disputes.deterrence": [0.0, 6.0], "provocation.scale": [1.0, 3.0]}, seeds=3, out=out,
                  jobs=1, progress=False)
    pd.testing.assert_frame_equal(again.summaries.sort_values("key").reset_index(drop=True),
                                  res.summaries.sort_values("key").reset_index(drop=True))


@pytest.mark.parametrize("axes, where", [
    ({"disputes.deterrance": [1.0]}, "deterrance"),
    ({"disputes.deterrence": [1.0, 99.0]}, "disputes.deterrence"),
    ({"disputes.deterrence": []}, "<sweep>"),
])
def test_bad_sweeps_are_named(tmp_path, axes, where):
    with pytest.raises((ScenarioError, ValueError)) as e:
        sweep("scenarios/baseline.yaml", axes, seeds=1, out=tmp_path / "x", progress=False)
    assert where in str(e.value)


def test_grid_order():
    assert grid({"a": [1, 2], "b": ["x", "y"]}) == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"},
                                                    {"a": 2, "b": "y"}]


def test_winner_table_is_the_paired_difference(swept):
    _, _, res = swept
    t = winner_table(res.summaries, "two_track", "linked")
    default = t[t["criterion"] == "weighting: default"].set_index("point")
    s = res.summaries
    for point in range(4):
        a = s[(s.point == point) & (s.strategy == "two_track")].set_index("seed")["health_discounted"]
        b = s[(s.point == point) & (s.strategy == "linked")].set_index("seed")["health_discounted"]
        assert default.loc[point, "diff"] == pytest.approx((a - b).mean())
        assert default.loc[point, "diff_lo"] <= default.loc[point, "diff"] <= default.loc[point, "diff_hi"]
    assert {"sweep.disputes.deterrence", "sweep.provocation.scale", "verdict", "p_better_ties_half"} <= set(t.columns)


def _synthetic() -> pd.DataFrame:
    """A 3 x 3 winner table whose difference changes sign along x, with one unclear cell per row."""
    rows = []
    for crit in ("weighting: default", "weighting: equal"):
        for i, x in enumerate((0.0, 1.0, 2.0)):
            for y in (10.0, 20.0, 30.0):
                d = 0.02 * (1 - i)
                rows.append({"scenario": "s", "point": 0, "criterion": crit, "sweep.x": x, "sweep.y": y, "diff": d,
                             "diff_lo": d - 0.01, "diff_hi": d + 0.01, "margin": 0.005,
                             "verdict": "no clear difference" if i == 1 else ("A better" if d > 0 else "B better"),
                             "p_better_ties_half": 0.5 + d * 10})
    t = pd.DataFrame(rows)
    t.attrs.update(a="two_track", b="linked", margin=0.005)
    return t


def test_winner_map_hatches_unclear_cells_and_draws_the_flip():
    fig = F.winner_map(_synthetic(), "sweep.x", "sweep.y")
    panels = [ax for ax in fig.axes if ax.get_title().startswith("weighting")]
    assert len(panels) == 2
    for ax in panels:
        hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
        assert len(hatched) == 3  # the middle column
        assert ax.collections  # the zero contour: the winner flips
        texts = sorted(t.get_text() for t in ax.texts)
        assert texts.count("0.70") == 3 and texts.count("0.30") == 3


def test_winner_line_marks_clear_points():
    t = _synthetic()
    fig = F.winner_line(t[t["sweep.y"] == 10.0], "sweep.x")
    ax = fig.axes[0]
    hollow = [ln for ln in ax.lines if ln.get_marker() == "o" and ln.get_markerfacecolor() == "white"]
    assert sum(len(ln.get_xdata()) for ln in hollow) == 2  # one unclear point per criterion
    with pytest.raises(ValueError, match="criterion"):
        F.winner_line(t, "sweep.x", criteria=["weighting: nonesuch"])


@pytest.mark.slow
def test_report_of_a_sweep_shows_where_the_winner_flips(swept, tmp_path):
    from sim.present.report import build_report

    _, out, _ = swept
    path = build_report(out, tmp_path / "rep")
    assert "Where the winner flips" in path.read_text()
    assert (tmp_path / "rep" / "figures" / "flip_baseline_linked.png").exists()
    assert np.isfinite(winner_table(pd.read_parquet(next((out / "summaries").glob("*.parquet"))), "two_track",
                                    "linked")["diff"]).all()
