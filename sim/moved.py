"""Module paths of the flat layout (before the stages became subpackages), so that notebooks and scripts written
against them keep working: `import sim.figures`, `from sim.scenario import load_scenario`, `from sim import
sensitivity`. Each old path is a read-only view of its new home(s), and the first use warns once
(DeprecationWarning) with the new home to import instead. sim/__init__.py installs the finder.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

OLD_HOMES: dict[str, tuple[str, ...]] = {
    "sim.yamlio": ("sim.config.yamlio",), "sim.paths": ("sim.config.paths",), "sim.limits": ("sim.config.limits",),
    "sim.rules": ("sim.config.rules", "sim.model.rulebook"), "sim.strategies": ("sim.config.strategies",),
    "sim.scenario": ("sim.config.scenario",), "sim.experiment": ("sim.config.experiment",),
    "sim.agents": ("sim.model.agents",), "sim.population": ("sim.model.population",),
    "sim.kernels": ("sim.model.kernels",), "sim.disputes": ("sim.model.disputes",), "sim.shocks": ("sim.model.shocks",),
    "sim.outputs": ("sim.model.outputs",), "sim.streams": ("sim.model.streams",),
    "sim.runner": ("sim.runs.runner", "sim.runs.starts", "sim.config.experiment"), "sim.batch": ("sim.runs.batch",),
    "sim.store": ("sim.runs.store",), "sim.results": ("sim.runs.results",), "sim.sweeps": ("sim.runs.sweeps",),
    "sim.stats": ("sim.analysis.stats",), "sim.landscape": ("sim.analysis.landscape",),
    "sim.discovery": ("sim.analysis.prim", "sim.present.figures.sa"), "sim.calibrate": ("sim.studies.calibrate",),
    "sim.compare": ("sim.studies.compare", "sim.analysis.comparison", "sim.analysis.words"),
    "sim.sensitivity": ("sim.studies.sensitivity", "sim.present.figures.sa"),
    "sim.plots": ("sim.present.figures", "sim.present.style"),
    "sim.figures": ("sim.present.figures", "sim.present.style"),
    "sim.fitfigures": ("sim.present.figures.fit",), "sim.report": ("sim.present.report",),
    "sim.fitreport": ("sim.present.fit_report",), "sim.dashboard": ("sim.present.dashboard.app",),
    "sim.rundir": ("sim.cli.rundir",),
}
"""Old module path -> the modules its names now live in (searched in order)."""


class MovedModule(types.ModuleType):
    """An old module path: attribute look-ups go to the new homes, with one DeprecationWarning naming them."""

    def __init__(self, name: str, homes: tuple[str, ...]) -> None:
        super().__init__(name, f"moved: import from {' or '.join(homes)}")
        self.__homes = homes
        self.__warned = False

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        homes = self.__homes
        if not self.__warned:
            self.__warned = True
            warnings.warn(f"{self.__name__} has moved: import from {' or '.join(homes)}", DeprecationWarning,
                          stacklevel=2)
        for home in homes:
            module = importlib.import_module(home)
            if hasattr(module, attr):
                return getattr(module, attr)
        raise AttributeError(f"{self.__name__}.{attr} is gone; the names of {self.__name__} now live in "
                             f"{', '.join(homes)} (see the README's 'Layout')")


class MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the old module paths of OLD_HOMES (after the real finders have found nothing)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in OLD_HOMES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return MovedModule(spec.name, OLD_HOMES[spec.name])

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the names are looked up in the new homes on first use."""


def install() -> None:
    """Put the finder at the end of sys.meta_path (once)."""
    if not any(isinstance(f, MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(MovedFinder())
