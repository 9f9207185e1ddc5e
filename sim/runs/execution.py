"""How runs execute, as one value (the EMA Workbench's evaluator): local processes or a Dask scheduler, runs per
task, progress output, the resource limits, whether a results directory of another experiment may be replaced,
and how often finished runs are written. Every function that runs an experiment takes an `Execution`; a call may
also give its fields as keywords (`sim.run_experiment("x.yaml", jobs=2)`), laid over the given or default one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from sim.errors import InputError

MAX_DEFAULT_WORKERS = 8  # processes used by default (the memory per process adds up; see docs/safety.md)


def alive(pid: int) -> bool:
    """Whether a process of this machine is alive (also one of another user; a pid out of range is not ours to
    judge, so it counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def default_workers() -> int:
    """Worker processes when none are asked for: all cores, at most MAX_DEFAULT_WORKERS."""
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


@dataclass(frozen=True, kw_only=True)
class Execution:
    """How to run an experiment's runs (never what to run: that is the Experiment)."""

    jobs: int | None = None
    """Local worker processes (None: all cores, at most 8); 1 runs in this process."""
    scheduler: str | None = None
    """A Dask scheduler: 'local', an address tcp://HOST:PORT or a scheduler file (None: local processes)."""
    chunk: int | None = None
    """Runs per task (None: 8 on local processes, 20 on Dask)."""
    progress: bool = True
    """A progress bar on a terminal, or a line about every 10% of the runs."""
    limits: bool = True
    """Refuse experiments whose runs, memory or time exceed the limits of sim.config.limits (False lifts them)."""
    overwrite: bool = False
    """Replace a results directory of another experiment (only this tool's own files are deleted)."""
    flush_runs: int = 200
    """Finished runs written together (a kill loses at most the unwritten ones)."""
    flush_seconds: float = 10.0
    """... or every this many seconds."""

    @property
    def workers(self) -> int:
        """Local worker processes this execution uses."""
        return default_workers() if self.jobs is None else max(1, self.jobs)

    @classmethod
    def of(cls, execution: Execution | None = None, options: dict[str, Any] | None = None,
           **defaults: Any) -> Execution:
        """The execution of a call: `execution` (else one with these defaults) with `options`, fields given as
        keywords (jobs=2), laid over it. An unknown option is an InputError naming the allowed ones."""
        names = [f.name for f in fields(cls)]
        for name in [*(options or {}), *defaults]:
            if name not in names:
                raise InputError("not an option of how runs execute", file="<execution>", path=name,
                                 allowed=", ".join(names))
        if execution is not None and not isinstance(execution, Execution):
            raise InputError("wrong type", file="<execution>", given=execution, allowed="a sim.Execution")
        return replace(execution or cls(**defaults), **(options or {}))


@contextmanager
def results_dir(out: str | Path | None, name: str) -> Iterator[Path]:
    """`out` if given (kept, resumable); else a temporary directory named `name`, deleted afterwards."""
    if out is not None:
        yield Path(out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp) / name
