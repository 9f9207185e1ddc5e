"""Workshop figures (sim/present/figures/: time, distributions, verdicts, run) on a small real batch: they render to
PNG and SVG, draw what the data say (the fan chart's median is the median over seeds, the boxes' dots are the
seeds), fail with clear messages, leave pyplot alone, and share one style (sim/present/style.py)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.analysis.words import display_name  # noqa: E402
from sim.present import figures as F  # noqa: E402
from sim.present import style as P  # noqa: E402
from sim.runs.batch import run_experiment  # noqa: E402
from tests.helpers import TESTS_DIR

STRATEGIES = ["two_track", "linked"]
SHOCKS = "figure_shocks"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Two scenarios (pinned, pinned + random shocks) x two strategies x 6 seeds, 24 months after burn-in."""
    exp = {"name": "figures", "scenarios": [str(TESTS_DIR / "pinned.yaml"),
                                            str(TESTS_DIR / "scenarios" / "figure_shocks.yaml")],
           "strategies": STRATEGIES, "seeds": 6, "overrides": {"horizon": 24, "burn_in": 12}}
    res = run_experiment(exp, out=tmp_path_factory.mktemp("figures") / "out", jobs=2, progress=False)
    assert len(res.summaries) == 24 and len(res.failures) == 0
    assert len(res.monthly) == 24 * 24
    return res


def payoffs() -> pd.DataFrame:
    """A payoff table shaped like sim.analysis.payoff_game (2x2, one equilibrium)."""
    rows = [("two_track", "two_track", 0.55, 0.60), ("two_track", "linked", 0.50, 0.62),
            ("linked", "two_track", 0.57, 0.52), ("linked", "linked", 0.53, 0.54)]
    return pd.DataFrame([{"scenario": "pinned", "KR": kr, "JP": jp, "n": 6, "payoff_KR": a, "payoff_JP": b}
                         for kr, jp, a, b in rows])


def win_table(summaries: pd.DataFrame) -> pd.DataFrame:
    """Share of seeds in which each strategy has the higher discounted health (computed here, not by analysis)."""
    wide = summaries.pivot_table(index=["scenario", "seed"], columns="strategy", values="health_discounted")
    best = wide.eq(wide.max(axis=1), axis=0).astype(float)
    best = best.div(best.sum(axis=1), axis=0)
    return best.groupby(level="scenario").mean().reset_index().melt(id_vars="scenario", value_name="value")


def all_figures(res) -> dict[str, Figure]:
    m, s = res.monthly, res.summaries
    return {
        "fan": F.fan_chart(m, "health", SHOCKS, events=[3, 10, 10, -5]),
        "fan_subset": F.fan_chart(m, "trust_KR", "pinned", ["linked"], title="Korean trust in Japan"),
        "difference": F.difference_fan(m, "health", SHOCKS, "two_track", "linked"),
        "violin": F.outcome_distributions(s, "health_discounted"),
        "violin_counts": F.outcome_distributions(s, "crisis_months", STRATEGIES),
        "ecdf": F.outcome_distributions(s, "cooperation_discounted", kind="ecdf"),
        "box": F.outcome_distributions(s, ["health_discounted", "crisis_months"], kind="box"),
        "win": F.win_matrix_figure(win_table(s), "health_discounted"),
        "youth_public": F.youth_public_panels(m, SHOCKS, STRATEGIES),
        "payoff": F.payoff_table_figure(payoffs()),
    }


def median_line(fig: Figure, gid: str):
    lines = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_gid() == gid]
    assert len(lines) == 1, f"expected one line with gid {gid!r}, found {len(lines)}"
    return lines[0]


def test_every_figure_renders_to_png_and_svg_and_leaves_pyplot_alone(batch, tmp_path):
    before = plt.get_fignums()
    figs = all_figures(batch)
    assert plt.get_fignums() == before
    for name, fig in figs.items():
        assert isinstance(fig, Figure), name
        assert fig.get_suptitle(), f"{name} has no title"
        assert "_" not in fig.get_suptitle(), f"{name}: a code name in the title"
        plotted = [ax for ax in fig.axes if ax.get_lines() and ax.get_visible()]
        if plotted:  # panels that share an axis carry its label once
            assert any(ax.get_ylabel() for ax in plotted), f"{name}: no axis label"
        for ext in ("png", "svg"):
            path = tmp_path / f"{name}.{ext}"
            fig.savefig(path)
            assert path.stat().st_size > 1000, f"{name}.{ext} is (nearly) empty"
        assert path.read_text().lstrip().startswith("<?xml")
    assert plt.get_fignums() == before


def test_fan_chart_median_is_the_median_over_seeds(batch):
    m = batch.monthly
    fig = F.fan_chart(m, "health", SHOCKS, STRATEGIES)
    for s in STRATEGIES:
        line = median_line(fig, f"median:{s}")
        sub = m[(m["scenario"] == SHOCKS) & (m["strategy"] == s)]
        expected = sub.groupby("month")["health"].apply(lambda x: float(np.median(x.to_numpy(float))))
        np.testing.assert_array_equal(line.get_xdata(), expected.index.to_numpy())
        np.testing.assert_allclose(line.get_ydata(), expected.to_numpy(), rtol=0, atol=1e-6)
        assert to_hex(line.get_color()) == P.strategy_colours(STRATEGIES)[s].lower()
    assert to_hex(median_line(fig, "median:two_track").get_color()) == "#0072b2"
    assert to_hex(median_line(fig, "median:linked").get_color()) == "#d55e00"
    # the runs differ across seeds, so the bands have width
    bands = [c for c in fig.axes[0].collections]
    assert bands and any(np.ptp(p.vertices[:, 1]) > 0 for c in bands for p in c.get_paths())


def test_fan_chart_marks_each_event_month_once(batch):
    fig = F.fan_chart(batch.monthly, "health", SHOCKS, events=pd.Series([3, 10, 10, -5, np.nan]))
    vertical = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() is None and len(set(ln.get_xdata())) == 1
                and len(ln.get_xdata()) == 2]
    assert sorted(ln.get_xdata()[0] for ln in vertical) == [3, 10]


def test_difference_fan_is_the_paired_difference(batch):
    m = batch.monthly
    fig = F.difference_fan(m, "health", SHOCKS, "two_track", "linked")
    sub = m[m["scenario"] == SHOCKS].set_index(["seed", "month"])
    d = (sub[sub["strategy"] == "two_track"]["health"].astype(float)
         - sub[sub["strategy"] == "linked"]["health"].astype(float))
    expected = d.groupby(level="month").median()
    line = median_line(fig, "median:difference")
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy(), atol=1e-6)
    zero = [ln for ln in fig.axes[0].get_lines() if set(ln.get_ydata()) == {0}]
    assert zero, "no zero line"
    fig = F.difference_fan(m, "health", SHOCKS, "two_track", "linked", mean=True)
    np.testing.assert_allclose(median_line(fig, "mean:difference").get_ydata(),
                               d.groupby(level="month").mean().to_numpy(), atol=1e-6)


def test_youth_public_panels_show_each_cohort(batch):
    m = batch.monthly
    fig = F.youth_public_panels(m, "pinned")
    assert len(fig.axes) == 4
    sub = m[(m["scenario"] == "pinned") & (m["strategy"] == "linked")]
    for col in ("good_KR_youth", "good_KR_public", "good_JP_youth", "good_JP_public"):
        line = median_line(fig, f"median:linked:{col}")
        np.testing.assert_allclose(line.get_ydata(), sub.groupby("month")[col].median().to_numpy(float), atol=1e-6)


def test_win_matrix_annotates_the_values(batch):
    table = win_table(batch.summaries)
    fig = F.win_matrix_figure(table, title="Who wins")
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert {f"{v:.2f}" for v in table["value"]} <= texts
    assert [t.get_text() for t in ax.get_xticklabels()] == ["two-track", "linked"]
    assert fig.get_suptitle() == "Who wins"
    assert len(fig.axes) == 2  # the heatmap and its colour bar


def test_outcome_distributions_have_one_body_per_scenario_and_strategy(batch):
    fig = F.outcome_distributions(batch.summaries, "health_discounted")
    assert len(fig.axes[0].get_xticks()) == 2
    fig = F.outcome_distributions(batch.summaries, "health_discounted", kind="ecdf")
    assert sum(ax.get_visible() for ax in fig.axes) == 2


@pytest.mark.parametrize("call, message", [
    (lambda r: F.fan_chart(r.monthly, "health", "atlantis"), "scenario 'atlantis' is not in the results"),
    (lambda r: F.fan_chart(r.monthly, "health", SHOCKS, ["two_track", "package_deal"]),
     "strategy 'package_deal' not in the results"),
    (lambda r: F.fan_chart(r.monthly, "happiness", SHOCKS), "no column 'happiness'"),
    (lambda r: F.fan_chart(None, "health", SHOCKS), "monthly frame is empty or missing"),
    (lambda r: F.fan_chart(r.monthly, "health", SHOCKS, point=3), "sweep point 3"),
    (lambda r: F.difference_fan(r.monthly, "health", SHOCKS, "linked", "linked"), "two different strategies"),
    (lambda r: F.difference_fan(r.monthly, "health", SHOCKS, "linked", "package_deal"), "'package_deal'"),
    (lambda r: F.outcome_distributions(r.summaries, "health_discounted", kind="bar"), "kind must be"),
    (lambda r: F.outcome_distributions(r.summaries, ["health_discounted", "wellbeing"], kind="box"),
     "no column 'wellbeing'"),
    (lambda r: F.outcome_distributions(r.summaries, "wellbeing"), "no column 'wellbeing'"),
    (lambda r: F.outcome_distributions(r.summaries, "health_discounted", scenarios=["mars"]), "'mars'"),
    (lambda r: F.win_matrix_figure(pd.DataFrame({"scenario": ["a"], "strategy": ["linked"]})),
     "no column(s) 'value'"),
    (lambda r: F.win_matrix_figure(win_table(r.summaries).assign(outcome="health_discounted"), "crisis_months"),
     "outcome 'crisis_months' is not in the table"),
    (lambda r: F.youth_public_panels(r.monthly, SHOCKS, ["linked", "package_deal"]), "'package_deal'"),
    (lambda r: F.youth_public_panels(r.monthly.drop(columns="good_JP_youth"), SHOCKS), "'good_JP_youth'"),
    (lambda r: F.payoff_table_figure(pd.DataFrame({"KR": ["linked"]})), "payoff frame has no column"),
])
def test_invalid_input_raises_a_clear_value_error(batch, call, message):
    before = plt.get_fignums()
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(batch)
    assert plt.get_fignums() == before


def test_strategy_colours_are_fixed_for_named_and_distinct_for_others():
    c = P.strategy_colours(["kr=two_track,jp=linked", "linked", "two_track", "package_deal", "mine"])
    assert (c["two_track"], c["linked"], c["package_deal"]) == ("#0072B2", "#D55E00", "#009E73")
    assert len(set(c.values())) == len(c)
    assert not hasattr(P, "strategy_colour")  # one colour function


def test_figures_spell_a_strategy_as_the_tables_do():
    """The display name of sim.analysis.words, in figures as in the report's tables and sentences."""
    assert P.strategy_text("kr=two_track,jp=linked") == display_name("kr=two_track,jp=linked") \
        == "KR two-track / JP linked"
    assert P.strategy_text("kr=two_track,jp=linked", stacked=True) == "KR two-track\nJP linked"
    assert P.strategy_name("a$b") == "a\\$b"  # ready to draw: the dollar escaped


def test_box_distributions_have_one_box_per_strategy_and_scenario_and_a_dot_per_seed(batch):
    """kind='box' (sim compare's distributions.png): per outcome a panel, per scenario and strategy one box whose
    dots are that strategy's seeds (their values), and a black median."""
    s = batch.summaries
    outcomes = ["health_discounted", "cooperation_discounted"]
    fig = F.outcome_distributions(s, outcomes, STRATEGIES, kind="box")
    panels = [ax for ax in fig.axes if ax.get_ylabel()]
    assert len(panels) == 2
    for ax, outcome in zip(panels, outcomes, strict=True):
        boxes = [p for p in ax.patches if (p.get_gid() or "").startswith("box:")]
        dots = {c.get_gid(): c for c in ax.collections if (c.get_gid() or "").startswith("runs:")}
        assert len(boxes) == len(dots) == 2 * len(STRATEGIES)  # two scenarios
        for scen in ("pinned", SHOCKS):
            for st in STRATEGIES:
                runs = s[(s["scenario"] == scen) & (s["strategy"] == st)]
                values = dots[f"runs:{scen}:{st}"].get_offsets()[:, 1]
                assert len(values) == len(runs) == 6
                np.testing.assert_allclose(np.sort(values), np.sort(runs[outcome].to_numpy(float)))
        assert [t.get_text() for t in ax.get_xticklabels()] == ["Pinned", "Figure shocks"]
        medians = [ln for ln in ax.lines if (ln.get_gid() or "").startswith("median:")]
        assert len(medians) == 2 * len(STRATEGIES) and all(ln.get_color() == "black" for ln in medians)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["two-track", "linked"]


def test_no_module_of_present_uses_another_modules_private_name():
    import ast
    from pathlib import Path

    import sim.present

    root = Path(sim.present.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}"


def test_run_and_distribution_figures_read_on_a_slide(batch):
    """run.png: every panel has a y label, no legend inside a panel's data area, the events explained in a figure
    legend, a title in words; distributions.png: black medians (one colour, one meaning: the strategy)."""
    from sim.config.scenario import load_scenario
    from sim.runs.runner import run

    res = run(load_scenario(TESTS_DIR / "scenarios" / "figure_shocks.yaml", {"horizon": 24, "burn_in": 12}),
              "linked", 1)
    fig = F.plot_run(res.monthly, res.events, "Pinned, linked, seed 1")
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 4 and all(ax.get_ylabel() for ax in fig.axes)
    for ax in panels:
        leg = ax.get_legend()
        if leg is not None:
            assert leg.get_bbox_to_anchor().x0 >= ax.get_window_extent().x1 - 1  # outside, right of the data
    assert fig.legends and "endogenous event" in [t.get_text() for t in fig.legends[0].get_texts()][1]
    assert "_" not in fig.get_suptitle()
    dist = F.outcome_distributions(batch.summaries, ["health_discounted"],
                                   sorted(batch.summaries["strategy"].unique()), kind="box")
    medians = [ln for ln in dist.axes[0].lines if len(ln.get_xdata()) == 2 and ln.get_color() == "black"]
    assert len(medians) >= 2
    old = F.plot_distributions(batch.summaries, ["health_discounted"])  # the old name, for old notebooks
    assert len(old.axes[0].patches) == len(dist.axes[0].patches)


def test_verdict_grid_colours_and_words():
    """One cell per scenario and outcome: the winner's colour, the winner named with the size of its lead in the
    outcome's direction, grey for no clear difference; health says whether the verdict survives the weighting."""
    rows = [("s1", "health_discounted", 0.02, "A better"), ("s1", "crisis_months", 3.0, "B better"),
            ("s2", "health_discounted", -0.03, "B better"), ("s2", "crisis_months", 0.5, "no clear difference")]
    table = pd.DataFrame([{"scenario": s, "outcome": o, "a": "two_track", "b": "linked", "diff": d, "verdict": v}
                          for s, o, d, v in rows])
    robust = pd.DataFrame({"scenario": ["s1", "s2"], "b": ["linked", "linked"], "robust": [True, False]})
    fig = F.verdict_grid(table, ["health_discounted", "crisis_months"], robust)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["two-track\n0.02 higher\nsame under every\nweighting", "linked\n3 lower",
                     "linked\n0.03 higher\ndepends on the\nweighting", "no clear\ndifference"]
    faces = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert faces[0] == "#0072b2" and faces[1] == faces[2] == "#d55e00" and faces[3] == "#dddddd"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["S1", "S2"]
