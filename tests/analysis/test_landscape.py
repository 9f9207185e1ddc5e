"""sim.analysis.landscape and `sim landscape`: the verdict of every sweep cell under each weighting, on synthetic
summaries with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.landscape import landscape, landscape_counts
from sim.analysis.words import landscape_markdown
from tests.helpers import TINY_PATH

N = 60


def _cell(point: int, deterrence: float, coop_shift: float, disputes_shift: float, rng) -> pd.DataFrame:
    """Paired runs of one cell: A's cooperation and disputes components shifted from B's by known amounts."""
    base = {c: rng.uniform(0.4, 0.6, N) for c in ("cooperation", "opinion", "disputes")}
    rows = []
    for strategy, sign in (("two_track", 1.0), ("linked", 0.0)):
        comp = {"cooperation": base["cooperation"] + sign * coop_shift,
                "opinion": base["opinion"], "disputes": base["disputes"] + sign * disputes_shift}
        health = 0.5 * comp["cooperation"] + 0.25 * comp["opinion"] + 0.25 * comp["disputes"]
        rows.append(pd.DataFrame({"scenario": "s", "point": point, "sweep.disputes.deterrence": deterrence,
                                  "seed": np.arange(N), "strategy": strategy, "health_discounted": health,
                                  **{f"health_{c}_discounted": v for c, v in comp.items()}}))
    return pd.concat(rows)


@pytest.fixture
def summaries() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    # cell 0: A better on cooperation only; cell 1: B much better on disputes, A a little better on cooperation
    return pd.concat([_cell(0, 0.0, 0.05, 0.0, rng), _cell(1, 8.0, 0.02, -0.2, rng)], ignore_index=True)


def test_verdicts_per_cell_and_weighting(summaries):
    table = landscape(summaries, "two_track", "linked")
    assert list(table["sweep.disputes.deterrence"]) == [0.0, 8.0]
    first, second = table.iloc[0], table.iloc[1]
    assert first["weighting: default"] == "A" and first["component: cooperation"] == "A"
    assert first["component: disputes"] == "·"
    # default weights: 0.5*0.02 - 0.25*0.2 = -0.04 -> B; without the disputes term A wins
    assert second["weighting: default"] == "B" and second["weighting: no_disputes"] == "A"
    assert second["diff weighting: default"] == pytest.approx(-0.04)
    counts = landscape_counts(table).set_index("criterion")
    assert counts.loc["weighting: default", ["A wins", "B wins", "neither"]].tolist() == [1, 1, 0]
    assert counts.loc["weighting: no_disputes", "A wins"] == 2


def test_markdown_names_both_strategies_and_every_cell(summaries):
    text = landscape_markdown(landscape(summaries, "two_track", "linked"))
    assert "A = two-track, B = linked" in text
    assert "| weighting: no_disputes | 2 | 0 | 0 | 2 |" in text
    assert "| 8 | B | " in text and text.count("\n| 0 | ") == 1


def test_missing_strategy_is_a_clear_error(summaries):
    with pytest.raises(ValueError, match="package_deal"):
        landscape(summaries, "two_track", "package_deal")


def test_cli_writes_the_markdown_and_refuses_an_unknown_strategy(tmp_path, capsys):

    import yaml

    from sim import run_experiment
    from sim.cli import main

    tiny = TINY_PATH
    exp = tmp_path / "mini.yaml"
    exp.write_text(yaml.safe_dump({"name": "mini", "scenarios": [str(tiny)], "strategies": ["two_track", "linked"],
                                   "seeds": 3, "monthly": False, "overrides": {"horizon": 6, "burn_in": 3},
                                   "sweep": {"axes": {"disputes.deterrence": [0.0, 8.0]}}}))
    run_experiment(str(exp), tmp_path / "res", jobs=1)
    md = tmp_path / "landscape.md"
    assert main(["landscape", str(tmp_path / "res"), "--markdown", str(md)]) == 0
    assert "| disputes.deterrence |" in md.read_text() and md.read_text().count("\n| 8 | ") == 1
    assert main(["landscape", str(tmp_path / "res"), "--strategies", "two_track,package_deal"]) == 2
    assert "--strategies" in capsys.readouterr().err
