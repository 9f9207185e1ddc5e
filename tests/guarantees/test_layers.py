"""The package's layers (pyproject.toml, [tool.importlinter]): the stages import only downwards, analysis stays pure,
no package has an import cycle; and the contracts catch what they are meant to, shown by planting an upward import,
a cycle and a figure in analysis into a copy of the package. Also: every old module path of the flat layout
answers with its new home (sim.moved)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.helpers import ROOT


def lint(root: Path) -> subprocess.CompletedProcess:
    """lint-imports on the package under `root` (its pyproject.toml), without a cache."""
    return subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                           "sys.exit(lint_imports_command())", "--no-cache"], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)})


def planted(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package with `line` added to `module` (a path under sim/) after its __future__ import."""
    root = tmp_path / "copy"
    shutil.copytree(ROOT / "sim", root / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root)
    path = root / "sim" / module
    text = path.read_text()
    head = "from __future__ import annotations\n"
    path.write_text(text.replace(head, f"{head}\n{line}\n", 1))
    return root


def test_the_layer_contracts_hold():
    out = lint(ROOT)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "4 kept, 0 broken" in out.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("model/agents.py", "import sim.cli", "sim.model.agents -> sim.cli"),  # the model reaching up to the CLI
    ("config/scenario.py", "from sim.runs import runner", "sim.config.scenario -> sim.runs.runner"),
    ("runs/store.py", "import sim.runs.batch", "No import cycle"),  # batch imports store: a cycle inside runs
    ("analysis/stats.py", "import matplotlib", "sim.analysis.stats -> matplotlib"),  # analysis never draws
    ("history/fit.py", "from sim.present.style import plain", "sim.history.fit -> sim.present.style"),
    ("present/dashboard/logic.py", "import solara", "sim.present.dashboard.logic -> solara"),  # no UI in the logic
])
def test_a_planted_import_breaks_a_contract(tmp_path, module, line, broken):
    out = lint(planted(tmp_path, module, line))
    assert out.returncode == 1, out.stdout[-3000:]
    assert broken in out.stdout and "BROKEN" in out.stdout


OLD_PATHS = {"sim.scenario": "load_scenario", "sim.figures": "fan_chart", "sim.plots": "plot_run",
             "sim.runner": "run", "sim.batch": "run_experiment", "sim.results": "load_results",
             "sim.sensitivity": "morris", "sim.discovery": "prim", "sim.compare": "compare_table",
             "sim.history": "rmse", "sim.analysis": "compare", "sim.model": "RelationsModel"}


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_old_module_paths_keep_working_and_name_the_new_home(old):
    import importlib

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
        value = getattr(module, OLD_PATHS[old])
    assert callable(value)
    moved = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    if old not in ("sim.history", "sim.analysis", "sim.model"):  # these are packages of the new layout too
        assert moved and old in moved[0] and "sim." in moved[0].split("import from", 1)[1]


def test_a_name_that_left_an_old_path_says_where_its_module_went():
    import sim.plots

    with pytest.raises(AttributeError, match="sim.present"):
        sim.plots.no_such_thing  # noqa: B018 - the attribute access is the test
