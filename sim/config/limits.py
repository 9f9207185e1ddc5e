"""Resource estimates and limits, checked before anything runs.

The cost of a run grows with its citizens and months. The coefficients below were measured on the 2-core
reference machine (baseline scenario, medians; see docs/safety.md): about 0.4 ms per month plus 85 ns per
citizen-month, and about 600 bytes per citizen plus a fixed ~60 MiB per process. The estimate errs high.
A run or batch above a limit is refused with advice; every limit can be lifted (`--no-limits`, limits=False).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sim.errors import LimitError

SECONDS_PER_MONTH = 4e-4
SECONDS_PER_CITIZEN_MONTH = 8.5e-8
BYTES_PER_CITIZEN = 600
BYTES_PER_PROCESS = 60 * 2**20
BYTES_PER_MONTHLY_ROW = 180  # one month of one run in a compressed monthly part

MEMORY_SHARE = 0.6  # of physical memory, over all worker processes
MAX_RUN_HOURS = 2.0  # one run
MAX_BATCH_HOURS = 48.0  # one batch, on the given number of workers


def physical_memory() -> int:
    """Bytes of physical memory (16 GiB if it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 16 * 2**30


@dataclass(frozen=True)
class Estimate:
    """Estimated cost of a set of runs on `workers` processes."""

    runs: int
    workers: int
    seconds_per_run: float
    memory_per_run: int
    disk: int

    @property
    def hours(self) -> float:
        return self.runs * self.seconds_per_run / max(1, min(self.workers, max(self.runs, 1))) / 3600

    def text(self) -> str:
        minutes = self.hours * 60
        took = "under a minute" if minutes < 1 else f"about {minutes:.0f} min" if minutes < 120 else \
            f"about {self.hours:.1f} h"
        procs = f"{self.workers} process{'' if self.workers == 1 else 'es'}"
        return (f"estimate: {self.seconds_per_run:.2f} s per run -> {took} on {procs}; memory about "
                f"{self.memory_per_run / 2**20:.0f} MiB per process; monthly outputs about "
                f"{self.disk / 2**20:.0f} MiB on disk")


def run_cost(data: dict) -> tuple[float, int, int]:
    """(seconds, bytes of memory, bytes of monthly output) for one run of a resolved scenario dict."""
    citizens = sum(int(p["n_public"]) + int(p["n_youth"]) for p in data["population"].values())
    months = int(data["burn_in"]) + int(data["horizon"])
    seconds = months * (SECONDS_PER_MONTH + SECONDS_PER_CITIZEN_MONTH * citizens)
    memory = BYTES_PER_PROCESS + BYTES_PER_CITIZEN * citizens + int(data["horizon"]) * 1000
    return seconds, memory, int(data["horizon"]) * BYTES_PER_MONTHLY_ROW


def estimate(scenarios: list[dict], runs_per_scenario: list[int], workers: int, monthly: bool = True) -> Estimate:
    """The cost of running each scenario dict the given number of times on `workers` processes."""
    costs = [run_cost(d) for d in scenarios]
    runs = sum(runs_per_scenario)
    total = sum(c[0] * n for c, n in zip(costs, runs_per_scenario, strict=True))
    return Estimate(runs, max(1, workers), total / runs if runs else 0.0, max((c[1] for c in costs), default=0),
                    sum(c[2] * n for c, n in zip(costs, runs_per_scenario, strict=True)) if monthly else 0)


def check(est: Estimate, where: str, limits: bool = True) -> None:
    """Raise LimitError with advice if the estimate exceeds a limit (nothing happens with limits=False)."""
    if not limits:
        return
    lift = "or lift the limits with --no-limits (limits=False)"
    memory = physical_memory()
    parallel = max(1, min(est.workers, est.runs))
    if est.memory_per_run * parallel > MEMORY_SHARE * memory:
        raise LimitError(
            f"{parallel} processes would need about {est.memory_per_run * parallel / 2**30:.1f} GiB, more than "
            f"{MEMORY_SHARE:.0%} of this machine's {memory / 2**30:.1f} GiB", file=where,
            allowed=f"fewer citizens (population.*.n_public / n_youth) or fewer processes (-j), {lift}")
    if est.seconds_per_run > MAX_RUN_HOURS * 3600:
        raise LimitError(f"one run would take about {est.seconds_per_run / 3600:.1f} h", file=where,
                         allowed=f"at most {MAX_RUN_HOURS} h per run: fewer citizens or months, {lift}")
    if est.hours > MAX_BATCH_HOURS:
        raise LimitError(f"{est.runs:,} runs would take about {est.hours:.0f} h on {est.workers} processes",
                         file=where, allowed=f"at most {MAX_BATCH_HOURS:.0f} h: fewer seeds, points or scenarios, "
                         f"more workers (a Dask cluster), {lift}")
