"""Global sensitivity analysis (sim/studies/sensitivity.py): SALib's Sobol and Morris on the Ishigami function through
the same sampling and analysis code as the model, a tiny model Morris run that resumes, the budget refusal,
and clear errors for a bad problem."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

pytest.importorskip("SALib")

from sim.config.scenario import ScenarioError, load_scenario  # noqa: E402
from sim.errors import InputError, LimitError  # noqa: E402
from sim.present.figures.sa import plot_morris, plot_sobol  # noqa: E402
from sim.studies import sensitivity as S  # noqa: E402
from tests.helpers import PINNED_PATH, tiny_overrides

ISHIGAMI = {"x1": [-np.pi, np.pi], "x2": [-np.pi, np.pi], "x3": [-np.pi, np.pi]}
S1 = [0.3139, 0.4424, 0.0]  # analytic, a=7, b=0.1
ST = [0.5576, 0.4424, 0.2437]
TWO = {"disputes.deterrence": [0, 10], "provocation.scale": [0.5, 2.0]}


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(PINNED_PATH, tiny_overrides("m"))


def test_sobol_ishigami_matches_the_analytic_indices():
    table = S.sobol(None, ISHIGAMI, n=2048, evaluate=ishigami)
    assert list(table.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert table["parameter"].tolist() == ["x1", "x2", "x3"]
    assert np.abs(table["S1"] - S1).max() < 0.03
    assert np.abs(table["ST"] - ST).max() < 0.03
    assert (table["S1_conf"] > 0).all() and (table["S1_conf"] < 0.1).all()
    assert table.attrs["points"] == 2048 * 5
    assert isinstance(plot_sobol(table), Figure)


def test_morris_ishigami_ranks_x1_and_x2_above_x3():
    table = S.morris(None, ISHIGAMI, evaluate=lambda X: {"f": ishigami(X), "g": -ishigami(X)})
    assert set(table["output"]) == {"f", "g"} and len(table) == 6
    mu = table[table["output"] == "f"].set_index("parameter")["mu_star"]
    assert min(mu["x1"], mu["x2"]) > mu["x3"] > 0
    assert isinstance(plot_morris(table), Figure)


def test_tiny_model_morris_table_and_resume(tiny, tmp_path, capsys):
    out = tmp_path / "morris"
    kw = dict(seeds=2, trajectories=3, out=out, jobs=1, progress=False)
    table = S.morris(tiny, TWO, **kw)
    assert "sensitivity budget:" in capsys.readouterr().out
    outputs = ["health_discounted: two_track - linked", "health_discounted: two_track", "health_discounted: linked"]
    assert list(table.columns) == ["output", "parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
    assert table["output"].unique().tolist() == outputs
    assert table["parameter"].tolist() == list(TWO) * 3
    assert np.isfinite(table[["mu_star", "mu_star_conf", "sigma", "mu"]].to_numpy()).all()
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == runs["point"].nunique() * 2 * 2 and runs["point"].nunique() <= 9  # repeated points run once
    again = S.morris(tiny, TWO, **kw)
    history = json.loads((out / "manifest.json").read_text())["history"]
    assert history[-1]["pending"] == 0  # resumed: nothing run again
    pd.testing.assert_frame_equal(table, again)


def test_budget_refuses_above_the_limit(tiny, tmp_path):
    with pytest.raises(LimitError, match="fewer trajectories"):
        S.budget(tiny, 10_000, seeds=50, seconds_per_run=1.0, jobs=2)
    b = S.budget(tiny, 10_000, seeds=50, seconds_per_run=1.0, jobs=2, limits=False)
    assert b["runs"] == 1_000_000 and b["hours"] == pytest.approx(1e6 / 2 / 3600)
    out = tmp_path / "refused"
    with pytest.raises(LimitError):
        S.sobol(tiny, TWO, n=64, seeds=10, seconds_per_run=10.0, out=out, jobs=1, progress=False)
    assert not out.exists()  # refused before anything ran


def test_bad_problems_are_refused_with_the_field_named(tiny):
    with pytest.raises(ScenarioError, match=r"disputes\.deterence.*did you mean 'deterrence'"):
        S.Problem.from_dict({"disputes.deterence": [0, 1]}, tiny)
    with pytest.raises(ScenarioError, match=r"disputes\.deterrence.*outside.*\[0\.0, 10\.0\]"):
        S.Problem.from_dict({"disputes.deterrence": [0, 20]}, tiny)
    with pytest.raises(ScenarioError, match="not a numeric parameter"):
        S.Problem.from_dict({"strategy": [0, 1]}, tiny)
    with pytest.raises(InputError, match="not a range"):
        S.Problem.from_dict({"disputes.deterrence": [5, 1]}, tiny)
    five = {f"x{i}": [0, 1] for i in range(5)}
    with pytest.raises(InputError, match="morris"):
        S.sobol(None, five, evaluate=lambda X: X.sum(axis=1))
    with pytest.raises(InputError, match="not an outcome"):
        S.morris(tiny, TWO, outcome="health", seconds_per_run=0.01)
