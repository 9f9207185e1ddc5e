"""The fit report (sim/present/fit_report.py, sim/present/figures/fit.py) on small real replays: every section is
there, the RMSE table is sim.history.rmse, missing replays are said so, text from files is escaped, figures have
their panels, and bad input fails with a message naming what is missing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim.history.data
from sim import history as H
from sim.errors import InputError
from sim.history.data import relations_bad, visitors_monthly
from sim.present.figures import fit as FF
from sim.present.fit_report import REQUIRED, write_fit_report
from sim.runs.results import load_results
from sim.studies.replay import run_replay

SEEDS = [0, 1]
SECTIONS = ["fitted", "polls", "rmse", "counterfactuals", "ages", "checks"]
REPLAYS = {"forced": ("forced", (), True), "free": ("free", (), True), "free-no_linkage": ("free", (), False),
           "free-no_pandemic": ("free", ("pandemic",), True)}


@pytest.fixture(scope="module")
def replays(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The four replays of the report, two seeds each."""
    root = tmp_path_factory.mktemp("replays")
    out = {}
    for name, (mode, drop, linkage) in REPLAYS.items():
        run_replay(mode, SEEDS, root / name, jobs=1, drop=drop, linkage=linkage, progress=False, overwrite=True)
        out[name] = load_results(root / name).monthly
    return out


def calibration(tmp_path: Path, frozen: str) -> Path:
    """A calibration directory as sim.studies.calibrate.finish writes it (two parameters, one interval at its bound)."""
    cal = tmp_path / "cal"
    cal.mkdir()
    pd.DataFrame({"parameter": ["citizens.noise", "disputes.<b>gain</b>"], "estimate": [0.1, 2.0],
                  "low": [0.05, 1.0], "high": [0.2, 3.0], "bound_low": [0.0, 1.0], "bound_high": [1.0, 5.0],
                  "bins_seen": [12, 9]}).to_csv(cal / "intervals.csv", index=False)
    (cal / "result.json").write_text(json.dumps({"candidates": 30, "runs": 60, "start_loss": 812.5, "start_rmse": 9.87,
                                                 "best_loss": 301.25, "best_rmse": 5.43, "fitted": 2, "draws": 5,
                                                 "frozen_hash": frozen, "mode": "forced"}))
    return cal


@pytest.mark.slow
def test_report_has_every_section(replays, tmp_path):
    note = 'seeds 0-1 <script>alert("x")</script> & no draws'
    path = write_fit_report(tmp_path / "out", replays, calibration(tmp_path, H.frozen_hash()), seeds_note=note)
    assert path == tmp_path / "out" / "fit_report.html"
    text = path.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'<h2 id="{section}">' in text
    assert text.count('src="data:image/png;base64,') == 5  # polls, counterfactuals, ages, relations, visitors
    assert "<script" not in text and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; no draws" in text
    assert "disputes.&lt;b&gt;gain&lt;/b&gt;" in text  # parameter names from intervals.csv are data
    assert "Cooperation is an index calibrated only through these checks" in text
    assert text.count(FF.COOPERATION) >= 2
    assert "2 parameters fitted" in text and "812.5" in text and "301.2" in text and "9.87" in text
    assert H.frozen_hash() in text and "they match" in text
    assert str(tmp_path) not in text and str(H.DATA_DIR) not in text  # no path of this machine
    assert "Not given" not in text and "No free replay" not in text
    assert (tmp_path / "out" / "fit_rmse.csv").is_file()


@pytest.mark.slow
def test_rmse_table_is_history_rmse(replays, tmp_path):
    write_fit_report(tmp_path, {"forced": replays["forced"], "free": replays["free"]})
    got = pd.read_csv(tmp_path / "fit_rmse.csv", keep_default_na=False)
    assert list(got.columns) == ["country", "group", "measure", "points", "rmse_forced", "rmse_free"]
    html = (tmp_path / "fit_report.html").read_text(encoding="utf-8")
    for name in ("forced", "free"):
        want = H.rmse(H.polls_table(replays[name]))
        m = want.merge(got, on=["country", "group", "measure"], validate="one_to_one")
        assert len(m) == len(want) == len(got)
        assert (m["points_x"] == m["points_y"]).all()
        np.testing.assert_allclose(m[f"rmse_{name}"], m["rmse"], rtol=1e-12)
        for v in want["rmse"]:
            assert f"<td>{v:.2f}</td>" in html
    assert "Not given" not in html and "No counterfactual replay given" in html


@pytest.mark.slow
def test_missing_replays_and_data_text(replays, tmp_path, monkeypatch):
    """Only forced and one counterfactual: the free sections say so in one line; a changed calibration hash is
    flagged; a source column of a data file reaches the page escaped."""
    data = tmp_path / "data"
    shutil.copytree(H.DATA_DIR, data)
    path = data / "visitors_monthly_2019.csv"
    path.write_text(path.read_text().replace('"Incheon Ilbo 1020626"', '"<i>Incheon</i> & Ilbo"'))
    monkeypatch.setattr(sim.history.data, "DATA_DIR", data)
    text = write_fit_report(tmp_path / "out", {"forced": replays["forced"], "free-no_pandemic":
                                               replays["free-no_pandemic"]},
                            calibration(tmp_path, "0123456789abcdef")).read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'<h2 id="{section}">' in text
    assert len(re.findall(r"No free replay given[^<]*</p>", text)) == 3  # polls, RMSE, counterfactuals
    assert "rmse_free" not in text
    assert "0123456789abcdef" in text and "DIFFER" in text
    assert "<td>yes</td>" in text  # the second interval, [1, 3], reaches its low bound
    assert "&lt;i&gt;Incheon&lt;/i&gt; &amp; Ilbo" in text and "<i>Incheon" not in text
    assert text.count('src="data:image/png;base64,') == 4


def test_figures_have_their_panels(replays):
    tables = {n: H.polls_table(replays[n]) for n in ("forced", "free")}
    monthly = {n: replays[n] for n in ("forced", "free")}
    visitors = visitors_monthly()
    changes = {n: FF.year_on_year(df, "visitors_KR", visitors["month"].tolist()) for n, df in monthly.items()}
    figs = {4: FF.poll_fit(tables), 2: FF.counterfactuals(replays), 1: FF.visitors_check(changes, visitors)}
    assert all(isinstance(f, Figure) and len(f.axes) == k for k, f in figs.items())
    assert len(FF.age_groups(tables).axes) == 2
    assert len(FF.relations_check(monthly, relations_bad()).axes) == 2


def test_year_on_year_is_value_over_value_a_year_earlier():
    rows = [("s", seed, m, v) for seed, (a, b) in enumerate([(2.0, 1.0), (4.0, 1.0), (1.0, 1.5)])
            for m, v in ((71, a), (83, b))]
    df = pd.DataFrame(rows, columns=["scenario", "seed", "month", "visitors_KR"])
    got = FF.year_on_year(df, "visitors_KR", [83, 84])  # month 84 has no value a year earlier: left out
    assert got["month"].tolist() == [83] and got["runs"].tolist() == [3]
    assert got.loc[0, "q50"] == pytest.approx(-0.5)  # changes -0.5, -0.75, +0.5


def test_bad_input_names_what_is_missing(replays, tmp_path):
    broken = replays["free"].drop(columns=["cooperation", "good_JP_60+"])
    with pytest.raises(ValueError, match=r"replay 'free'.*'cooperation', 'good_JP_60\+'"):
        write_fit_report(tmp_path, {"forced": replays["forced"], "free": broken})
    with pytest.raises(ValueError, match="must include 'forced'"):
        write_fit_report(tmp_path, {"free": replays["free"]})
    with pytest.raises(ValueError, match="unknown replay name.*'fre'"):
        write_fit_report(tmp_path, {"forced": replays["forced"], "fre": replays["free"]})
    with pytest.raises(ValueError, match="replay 'forced'.*empty"):
        write_fit_report(tmp_path, {"forced": replays["forced"].iloc[:0]})
    with pytest.raises(InputError, match="not a directory"):
        write_fit_report(tmp_path, {"forced": replays["forced"]}, calibration=tmp_path / "nowhere")
    table = H.polls_table(replays["forced"]).drop(columns=["q50"])
    with pytest.raises(ValueError, match="polls table of replay 'forced'.*'q50'"):
        FF.poll_fit({"forced": table})
    assert not (tmp_path / "fit_report.html").exists()
    assert "visitors_KR" in REQUIRED and "good_JP_under-20" in REQUIRED
