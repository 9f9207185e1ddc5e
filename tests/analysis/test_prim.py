"""sim.analysis.prim: PRIM finds a planted box, keeps the whole space on noise, handles sweep grids; the cases of
interest of hand-made summaries; clear errors on bad input; the figures."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.analysis.prim import cases_of_interest, prim
from sim.errors import InputError
from sim.present.figures.sa import plot_box, plot_tradeoff

PLANTED = {"a": (0.2, 0.6), "c": (0.5, 0.9)}


@pytest.fixture(scope="module")
def planted():
    """2,000 uniform points in 4 dims; y inside [0.2, 0.6] x [0.5, 0.9] on a and c; 5% of labels redrawn at
    random. (Flipping 5% instead would cap the true box's coverage at 0.152 / 0.194 = 0.78.)"""
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.uniform(size=(2000, 4)), columns=list("abcd"))
    y = np.logical_and.reduce([x[k].between(*b) for k, b in PLANTED.items()])
    redraw = rng.uniform(size=len(x)) < 0.05
    return x, np.where(redraw, rng.uniform(size=len(x)) < 0.5, y)


def test_finds_planted_box(planted):
    x, y = planted
    res = prim(x, y)
    box = res.box
    assert res.restricted == ["a", "c"]
    for k, (lo, hi) in PLANTED.items():
        assert box.loc[k, "low"] == pytest.approx(lo, abs=0.07) and box.loc[k, "high"] == pytest.approx(hi, abs=0.07)
    assert not box.loc[["b", "d"], "restricted"].any()
    assert res.coverage > 0.8 and res.density > 0.8
    t = res.trajectory
    assert list(t.columns) == ["step", "coverage", "density", "mass", "restricted_dims"]
    assert t["mass"].is_monotonic_decreasing and t["coverage"].is_monotonic_decreasing
    assert t["mass"].iloc[-1] >= 0.05 and t.iloc[0][["coverage", "mass"]].tolist() == [1.0, 1.0]
    assert res.mass == pytest.approx(res.inside(x).mean()) and res.density == pytest.approx(y[res.inside(x)].mean())
    text = res.describe()
    assert re.fullmatch(r"0\.\d+ ≤ a ≤ 0\.\d+ and 0\.\d+ ≤ c ≤ 0\.\d+: coverage \d+%, density \d+%, \d+% of cases "
                        r"\(base rate \d+%\)", text), text


def test_threshold_and_paste(planted):
    x, y = planted
    res = prim(x, y, threshold=0.8)
    dens = res.trajectory["density"]
    assert res.density >= 0.8 and (dens.iloc[: res.step] < 0.8).all()  # the first (widest) box reaching 0.8
    deep = prim(x, y, threshold=0.99)  # over-peeled: pasting only widens it and never lowers its density
    pasted = prim(x, y, threshold=0.99, paste=True)
    assert (pasted.box_low <= deep.box_low).all() and (pasted.box_high >= deep.box_high).all()
    assert pasted.density >= deep.density and pasted.coverage >= deep.coverage
    assert res.select(0).describe().startswith("anywhere (no restriction)")


def test_noise_keeps_base_rate():
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.uniform(size=(2000, 4)), columns=list("abcd"))
    y = rng.uniform(size=len(x)) < 0.3
    res = prim(x, y)
    assert res.density == pytest.approx(res.base_rate, abs=0.05) and res.base_rate == pytest.approx(0.3, abs=0.03)
    deepest = res.select(len(res.trajectory) - 1)  # any box is spurious: on fresh data its density is the base rate
    fresh = pd.DataFrame(rng.uniform(size=(20000, 4)), columns=list("abcd"))
    assert (rng.uniform(size=len(fresh)) < 0.3)[deepest.inside(fresh)].mean() == pytest.approx(0.3, abs=0.04)


def test_sweep_grid_with_ties():
    g = pd.DataFrame(list(itertools.product(range(5), [0, 0.5, 1, 1.5, 2], [1, 2, 3, 4])),
                     columns=["sweep.disputes.deterrence", "sweep.provocation.scale", "sweep.other"])
    y = (g["sweep.disputes.deterrence"] >= 3) & (g["sweep.provocation.scale"] <= 1)
    res = prim(g, y)
    assert res.coverage == 1.0 and res.density == 1.0
    assert res.describe().startswith("disputes.deterrence ≥ 3 and provocation.scale ≤ 1: coverage 100%")


def _summaries() -> pd.DataFrame:
    """3 points x 2 strategies x 4 seeds; mean health of A 0.50, 0.44, 0.40 and A − B +0.02, −0.001, −0.06, so B
    has 0.48, 0.441, 0.46; crisis months are 10 x health."""
    rows, a_mean, diffs = [], {0: 0.50, 1: 0.44, 2: 0.40}, {0: 0.02, 1: -0.001, 2: -0.06}
    for p, det in enumerate((0.0, 4.0, 8.0)):
        for seed in range(4):
            wobble = 0.01 * (seed - 1.5)
            for strat, val in (("two_track", a_mean[p] + wobble), ("linked", a_mean[p] + wobble - diffs[p])):
                rows.append({"scenario": "s", "point": p, "sweep.disputes.deterrence": det, "strategy": strat,
                             "seed": seed, "health_discounted": val, "crisis_months": 10 * val})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("rule", "outcome", "expected"), [
    ("b_better", "health_discounted", [False, False, True]),
    ("a_better", "health_discounted", [True, False, False]),
    ("a_fails", "health_discounted", [False, True, True]),    # threshold 0.45
    ("b_fails", "health_discounted", [False, True, False]),
    ("b_better", "crisis_months", [True, False, False]),      # fewer is better: B has 0.2 fewer at point 0
])
def test_cases_of_interest(rule, outcome, expected):
    out = cases_of_interest(_summaries(), "two_track", "linked", outcome=outcome, rule=rule)
    assert list(out["point"]) == [0, 1, 2] and list(out["sweep.disputes.deterrence"]) == [0.0, 4.0, 8.0]
    assert list(out["n"]) == [4, 4, 4] and out["y"].tolist() == expected
    if outcome == "health_discounted":
        assert out["diff"].tolist() == pytest.approx([0.02, -0.001, -0.06])


@pytest.mark.parametrize(("call", "words"), [
    (lambda x, y: prim(x.assign(b=["u"] * len(x)), y), "column 'b' is not numeric"),
    (lambda x, y: prim(x, y[:-1]), "one value per row"),
    (lambda x, y: prim(x, np.zeros(len(x), bool)), "marks no case"),
    (lambda x, y: prim(x, np.ones(len(x), bool)), "marks every case"),
    (lambda x, y: prim(x.assign(a=np.nan), y), "column 'a' has missing or infinite values"),
    (lambda x, y: prim(x.assign(b=np.inf), y), "column 'b' has missing or infinite values"),
    (lambda x, y: prim(x, y, alpha=0.7), "alpha"),
    (lambda x, y: cases_of_interest(_summaries(), "two_track", "linked", rule="worse"), "unknown rule 'worse'"),
    (lambda x, y: cases_of_interest(_summaries().drop(columns="sweep.disputes.deterrence"), "two_track", "linked"),
     "no sweep.<field> columns"),
])
def test_bad_inputs(call, words):
    x = pd.DataFrame({"a": np.linspace(0, 1, 50), "b": np.linspace(1, 2, 50)})
    with pytest.raises(InputError, match=words.replace("(", r"\(")) as err:
        call(x, x["a"].to_numpy() > 0.5)
    assert isinstance(err.value, ValueError)


def test_figures(planted):
    x, y = planted
    res = prim(x, y)
    fig = plot_tradeoff(res)
    ax = fig.axes[0]
    assert isinstance(fig, Figure) and (ax.get_xlabel(), ax.get_ylabel()) == ("coverage", "density")
    assert any(t.get_text().startswith("chosen box") for t in ax.get_legend().get_texts())
    fig = plot_box(res, x, y)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a", "c") and len(ax.patches) == 1  # the box
    one = res.select(int((res.trajectory["restricted_dims"] == 1).idxmax()))
    ax = plot_box(one, x, y).axes[0]  # one restricted dimension: its range against the data's
    assert [t.get_text() for t in ax.get_yticklabels()] == one.restricted and len(one.restricted) == 1
    with pytest.raises(ValueError, match="dims must be two"):
        plot_box(res, x, y, dims=("a", "zz"))
