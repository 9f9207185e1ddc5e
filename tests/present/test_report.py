"""The workshop report from a small real batch: its data computed without HTML (report_data), self-contained HTML,
PNG and SVG figures, and a real headless browser (Debian's chromium) that renders the figures."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import colors
from matplotlib import image as mpimg

import sim
from sim.analysis import compare_table
from sim.outcomes import DEFAULT_MARGIN, SATISFICING_THRESHOLD, TIE_TOLERANCE, WEIGHTINGS, AnalysisSettings
from sim.present.report import ReportData, build_report, report_data
from tests.helpers import PINNED_PATH, TINY_PATH

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    shocks = TINY_PATH
    exp = {"name": "report-test", "description": "A tiny batch for the report test.",
           "scenarios": [str(PINNED_PATH), str(shocks)], "strategies": ["two_track", "linked"], "seeds": 8,
           "overrides": {"horizon": 24, "burn_in": 12}, "analysis": {"margins": {"health_discounted": 0.001}}}
    sim.run_experiment(exp, root / "results", jobs=2, progress=False)
    return build_report(root / "results", root / "report")


@pytest.fixture(scope="module")
def plain_results(tmp_path_factory) -> Path:
    """A tiny batch whose experiment sets no analysis settings."""
    root = tmp_path_factory.mktemp("plain") / "results"
    exp = {"name": "plain", "scenarios": [str(PINNED_PATH)], "strategies": ["linked", "two_track", "package_deal"],
           "seeds": 4, "overrides": {"horizon": 12, "burn_in": 6}}
    sim.run_experiment(exp, root, jobs=1, progress=False)
    return root


def test_report_data_is_computed_without_html(plain_results):
    """The pure step: the verdict table is sim.analysis.compare_table of the same summaries (the reference
    against every other strategy, Holm-adjusted), the settings are the defaults of sim.outcomes, the figures are
    specs not yet drawn; nothing is written."""
    before = sorted(p.name for p in plain_results.iterdir())
    data = report_data(plain_results)
    assert isinstance(data, ReportData) and sorted(p.name for p in plain_results.iterdir()) == before
    assert data.reference == "two_track" and data.others == ["linked", "package_deal"]
    summaries = sim.load_results(plain_results, monthly=False).summaries
    expected = compare_table(summaries, "two_track", ["linked", "package_deal"], TIE_TOLERANCE)
    pd.testing.assert_frame_equal(data.table, expected)
    assert data.settings == AnalysisSettings()
    assert (data.settings.default_margin, data.settings.tie_tolerance, data.settings.satisficing_threshold) == \
        (DEFAULT_MARGIN, TIE_TOLERANCE, SATISFICING_THRESHOLD)
    assert list(data.robust["b"].unique()) == ["linked", "package_deal"]
    assert set(data.robust["criterion"]) >= {f"weighting: {w}" for w in WEIGHTINGS}
    names = [s.name for s in data.figure_specs()]
    assert names[:2] == ["verdicts", "win_matrix"] and "fan_health_pinned" in names and len(set(names)) == len(names)
    assert data.game is None and data.rules is None and data.explain is None and not data.flips
    other = report_data(plain_results, reference="linked", margins={"health_discounted": 0.5})
    assert other.reference == "linked" and other.settings.margins["health_discounted"] == 0.5
    health = other.table[other.table["outcome"] == "health_discounted"]
    assert (health["margin"] == 0.5).all() and (health["verdict"] == "no clear difference").all()
    with pytest.raises(ValueError, match="reference strategy 'nope'"):
        report_data(plain_results, reference="nope")


def test_the_report_reads_the_experiments_analysis_settings(report):
    data = report_data(report.parent.parent / "results")
    assert data.settings.margins["health_discounted"] == 0.001 and data.settings.margins["crisis_months"] == 1.0
    health = data.table[data.table["outcome"] == "health_discounted"]
    assert (health["margin"] == 0.001).all()
    written = pd.read_csv(report.parent / "comparison.csv")
    assert len(written) == len(data.table) and list(written.columns) == list(data.table.columns)


def test_report_is_self_contained_with_findings(report):
    text = report.read_text()
    assert "Findings" in text and "Under " in text and "matched runs" in text
    assert "Wilcoxon" in text  # the analysts' table, folded away
    assert "Cooperation is an index calibrated only through the checks of the fit report" in text
    srcs = re.findall(r'src="([^"]+)"', text)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r'(src|href)="https?://', text)
    figures = list((report.parent / "figures").glob("*"))
    pngs = [f for f in figures if f.suffix == ".png"]
    assert len(pngs) == len(srcs) and all(f.with_suffix(".svg").exists() for f in pngs)
    assert all(f.stat().st_size > 5000 for f in figures)


def _colourful_pixels(html: Path, shot: Path) -> int:
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={shot.parent / ('profile-' + shot.stem)}",
                    "--window-size=1280,5000", f"--screenshot={shot}", html.as_uri()],
                   check=True, capture_output=True, timeout=120)
    img = mpimg.imread(shot)[..., :3]
    hsv = colors.rgb_to_hsv(img)
    return int(np.sum((hsv[..., 1] > 0.35) & (hsv[..., 2] > 0.3)))


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_renders_its_figures_in_a_headless_browser(report, tmp_path):
    with_figures = _colourful_pixels(report, tmp_path / "with.png")
    stripped = tmp_path / "stripped.html"
    stripped.write_text(re.sub(r'src="data:image/png;base64,[^"]+"', 'src=""', report.read_text()))
    without = _colourful_pixels(stripped, tmp_path / "without.png")
    # the screenshot with the embedded figures shows far more coloured plot pixels than the text alone
    assert with_figures > 4 * max(without, 1000), (with_figures, without)


@pytest.mark.slow  # a CLI process or two: in the full suite (CI), not the quick subset
def test_report_cli_and_bad_input(report, tmp_path):
    from sim.cli import main

    assert main(["report", str(report.parent.parent / "results"), "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "report.html").exists()
    assert main(["report", str(report.parent.parent / "results"), "--reference", "nope"]) == 2
    assert main(["report", str(tmp_path)]) == 2


@pytest.mark.slow
def test_report_shows_the_explain_table_when_the_directory_has_one(report, tmp_path):
    """`sim explain --out DIR` writes explain.csv; the report of DIR shows its sentences (escaped) and table;
    without it the report says how to get one."""
    assert "sim explain SCENARIO" in report.read_text()
    results = report.parent.parent / "results"
    row = {"mechanism": "deterrence", "outcome": "health_discounted", "a": "two_track", "b": "linked", "n": 8,
           "diff": 0.01, "diff_lo": 0.0, "diff_hi": 0.02, "change": 0.02, "change_lo": 0.01, "change_hi": 0.03,
           "sentence": "Without deterrence <b>x</b> the difference moves 0.0200 toward two-track."}
    pd.DataFrame([row]).to_csv(results / "explain.csv", index=False)
    try:
        text = build_report(results, tmp_path / "with_explain").read_text()
    finally:
        (results / "explain.csv").unlink()
    assert "Why: the mechanisms behind the difference" in text and "+0.0200" in text
    assert "Without deterrence &lt;b&gt;x&lt;/b&gt; the difference" in text and "<b>x</b>" not in text
