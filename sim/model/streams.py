"""Random streams by purpose (docs/ODD.md §7.12).

One integer seed per run is split with numpy.random.SeedSequence into independent streams, one per
purpose. Month-keyed draws (the exogenous schedule, provocation, dispute and leadership uniforms)
come from generators keyed by (purpose, block of 12 months), so a run split at any month and
warm-started draws exactly what the whole run would have drawn, and nothing that happens under one
strategy shifts any other draw.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

PURPOSES = ("init", "citizens", "exogenous", "provocation", "disputes", "leadership", "poll",
            "government", "tension", "rules")
BLOCK = 12
MONTH_OFFSET = 100_000  # months may be negative (burn-in); keys must not be


def stream(seed: int, purpose: str, *key: int) -> np.random.Generator:
    """The generator for a purpose (and an optional integer key, such as a block or entry index)."""
    idx = PURPOSES.index(purpose)
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(idx, *key)))


@dataclass(frozen=True)
class Draws:
    """How one block of a month-keyed table is drawn, by value (so blocks can be remembered): `width` uniforms
    per month, or a standard normal (`kind="normal"`), or a Poisson count with mean `rate` followed by `width`
    uniforms (`kind="poisson"`)."""

    width: int
    kind: str = "uniform"
    rate: float = 0.0

    def __call__(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.kind == "normal":
            return rng.standard_normal((n, self.width))
        if self.kind == "poisson":
            counts = rng.poisson(self.rate, (n, 1)).astype(float)
            return np.concatenate([counts, rng.random((n, self.width))], axis=1)
        return rng.random((n, self.width))


@functools.lru_cache(maxsize=8192)
def block(seed: int, purpose: str, key: tuple[int, ...], b: int, draw: Draws) -> np.ndarray:
    """One block of BLOCK months of a table (read-only; remembered, since every strategy of a comparison, and
    every scenario with the same background, draws the same blocks for a seed)."""
    out = draw(stream(seed, purpose, *key, b), BLOCK)
    out.setflags(write=False)
    return out


def monthly_table(seed: int, purpose: str, start: int, months: int, width: int, *key: int,
                  draw: Draws | None = None) -> np.ndarray:
    """Draws of shape (months, width) for months [start, start+months), keyed by absolute month (read-only;
    remembered, as the strategies of a comparison ask for the same tables).

    draw: how a block is drawn; by default `width` uniforms per month.
    """
    return table(int(seed), purpose, int(start), int(months), int(width), tuple(int(k) for k in key),
                 draw or Draws(width))


@functools.lru_cache(maxsize=64)
def table(seed: int, purpose: str, start: int, months: int, width: int, key: tuple[int, ...],
          draw: Draws) -> np.ndarray:
    """monthly_table with every argument given (read-only, remembered)."""
    if months <= 0:
        out = np.empty((0, width))
    else:
        first, last = (start + MONTH_OFFSET) // BLOCK, (start + months - 1 + MONTH_OFFSET) // BLOCK
        blocks = [block(seed, purpose, key, b, draw) for b in range(first, last + 1)]
        off = (start + MONTH_OFFSET) - first * BLOCK
        out = np.concatenate(blocks)[off:off + months]
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=32)
def table_rows(seed: int, purpose: str, start: int, months: int, width: int, key: tuple[int, ...]) -> list[list[float]]:
    """monthly_table's uniforms as nested lists of Python floats (remembered; not to be changed)."""
    return table(int(seed), purpose, int(start), int(months), int(width), tuple(int(k) for k in key),
                 Draws(width)).tolist()


def forget() -> None:
    """Forget the remembered blocks and tables, so that the next runs draw them afresh."""
    block.cache_clear()
    table.cache_clear()
    table_rows.cache_clear()
