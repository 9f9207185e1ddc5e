"""The example notebook's code runs as written (cells executed in order, from experiments/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "experiments" / "notebook_example.ipynb"


@pytest.mark.slow
def test_example_notebook_runs(tmp_path):
    cells = [c for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"]
    source = "\n\n".join("".join(c["source"]) for c in cells)
    source = source.replace("SEEDS = 20", "SEEDS = 4").replace("../results/", f"{tmp_path}/")
    code = "import matplotlib\nmatplotlib.use('Agg')\n" + source + "\nprint('notebook ok')\n"
    # run with -c, like a notebook kernel's code: __main__ has no file for the workers to re-import
    proc = subprocess.run([sys.executable, "-c", code], cwd=NOTEBOOK.parent, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "notebook ok" in proc.stdout
