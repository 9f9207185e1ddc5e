"""The comparison dashboard: what it computes (sim.present.dashboard.logic, importable without Solara), and one
browser test of the whole page (sim.present.dashboard.app)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from sim.analysis.words import display_name
from sim.present.dashboard.logic import (
    analyse,
    custom_strategy,
    export,
    run_live,
    scenario_choices,
    verdict_lines,
    view_at,
    with_strategies,
)
from tests.helpers import PINNED_PATH

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def tiny_scenarios(folder: Path) -> Path:
    """Two tiny scenarios (the pinned test parameters, 24 months) in a folder of their own."""
    for name in ("tiny_a", "tiny_b"):
        (folder / f"{name}.yaml").write_text(f"extends: {PINNED_PATH}\nname: {name}\nhorizon: 24\n")
    return folder


def test_custom_strategy_names_and_levers():
    assert custom_strategy("two_track") == ("two_track", {})
    name, body = custom_strategy("linked", dialogue=0.1, youth_exchange=0.5)
    assert name == "linked+dialogue0.10+youth0.50"
    assert body == {"extends": "linked", "dialogue": 0.1, "youth_exchange": 0.5}
    with pytest.raises(ValueError, match="unknown preset"):
        custom_strategy("appeasement")


def test_a_rule_based_strategy_with_moved_levers_keeps_its_rules(tmp_path):
    from sim.config.strategies import parse_rules, parse_strategy

    scen = scenario_choices(tiny_scenarios(tmp_path))["tiny_a"]
    name, body = custom_strategy("two_track_guarded", dialogue=0.1)
    scen = with_strategies(scen, {name: body})
    assert parse_strategy(name, scen.data)["KR"]["dialogue"] == 0.1
    assert list(parse_rules(name, scen.data)["JP"]) == ["answer_provocation"]


def test_live_run_verdicts_export_and_cancel(tmp_path):
    scen = scenario_choices(tiny_scenarios(tmp_path))["tiny_a"]
    name, body = custom_strategy("linked", dialogue=0.1)
    scen = with_strategies(scen, {name: body})
    assert scen.data["strategies"][name] == body
    steps = list(run_live(scen, ["two_track", name], 2, tmp_path / "out", jobs=1))
    assert [s[:2] for s in steps] == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4), (4, 4)]
    view = steps[-1][2]
    assert view.strategies == ["two_track", name]
    lines = verdict_lines(view, "tiny_a")
    assert lines[0].startswith("Verdict (margin 0.005): Under tiny a, two-track")
    assert "By component:" in lines[-1]
    paths = export(view, "tiny_a", "crisis_months")
    names = {p.name for p in paths}
    assert {"verdict_grid.png", "fan_chart.svg", "difference_fan.png", "youth_public.png", "distributions.svg",
            "comparison.csv"} <= names
    assert all(p.stat().st_size > 0 for p in paths)
    cancel = threading.Event()
    steps = []
    for step in run_live(scen, ["two_track", "linked"], 3, tmp_path / "cancelled", jobs=1, cancel=cancel):
        steps.append(step)
        cancel.set()
    assert steps == [(0, 6, None)]  # nothing after the cancel: no view, nothing written
    assert not (tmp_path / "cancelled").exists()


def test_partial_views_while_seeds_finish_and_sweep_points(tmp_path):
    """A quarter, half and three quarters of the seeds in: a partial view (complete pairs only); at the end the
    full one. A swept results directory is browsed one point at a time."""
    scen = scenario_choices(tiny_scenarios(tmp_path))["tiny_a"]
    steps = list(run_live(scen, ["two_track", "linked"], 8, tmp_path / "out", jobs=1))
    notes = [(done, v.note) for done, _, v in steps if v is not None and v.note]
    firsts = {}
    for done, note in notes:
        firsts.setdefault(note, done)
    assert [n.split(";")[0] for n in firsts] == ["partial: 2 of 8 seeds", "partial: 4 of 8 seeds",
                                               "partial: 6 of 8 seeds"]
    first = next(v for _, _, v in steps if v is not None)
    assert set(first.summaries["seed"]) == {0, 1} and first.table["n"].max() == 2
    final = steps[-1][2]
    assert not final.note and final.table["n"].max() == 8
    swept = final.summaries.assign(point=final.summaries["seed"] % 2)
    view = view_at(analyse(swept, None, ["two_track", "linked"], tmp_path / "x"), 1)
    assert set(view.summaries["point"]) == {1} and set(view.table["point"]) == {1}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium at /usr/bin/chromium")
def test_dashboard_in_a_browser(tmp_path):
    pytest.importorskip("solara")
    sync_api = pytest.importorskip("playwright.sync_api")
    folder = tmp_path / "scenarios"
    folder.mkdir()
    tiny_scenarios(folder)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    serve = f"from sim.present.dashboard.app import serve; serve({str(folder)!r}, port={port})"
    server = subprocess.Popen([sys.executable, "-c", serve], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(120):  # ready in ~5 s
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                time.sleep(0.25)
        with sync_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            ctx = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=FLAGS)
            try:
                page = ctx.new_page()
                page.set_default_timeout(30_000)
                page.goto(url)
                page.get_by_text("Run comparison").wait_for()
                page.locator(".v-select", has_text="tiny_a").locator(".v-select__slot").click()  # choose the other
                page.locator(".v-menu__content .v-list-item", has_text="tiny_b").click()
                page.locator(".v-select", has_text="tiny_b").wait_for()
                page.get_by_role("button", name="package_deal").first.click()  # A: package deal, B: linked
                page.get_by_label("Seeds").fill("2")
                page.get_by_label("Seeds").press("Enter")
                page.get_by_label("Worker processes").fill("1")
                page.get_by_label("Worker processes").press("Enter")
                page.get_by_role("button", name="Run comparison").click()
                page.get_by_text("Runs done: 4 / 4 (finished)").wait_for()
                page.get_by_text("Verdict (margin 0.005): Under tiny b").first.wait_for()
                assert display_name("package_deal") in page.inner_text("body")  # the one spelling of words.py
                page.locator("img").first.wait_for()
                page.get_by_role("button", name="Export figures and table").click()
                page.get_by_text("Exported:").wait_for()
                written = page.get_by_text("Exported:").inner_text().removeprefix("Exported: ").split(", ")
            finally:
                ctx.close()
        paths = [tmp_path / w for w in written]
        assert any(p.name == "comparison.csv" for p in paths) and any(p.name == "fan_chart.png" for p in paths)
        assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
        assert all(p.parent.parent == tmp_path / "results" for p in paths)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and its worker processes
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
