"""Random streams by purpose (MODEL.md §4.7).

One integer seed per run is split with numpy.random.SeedSequence into independent streams, one per
purpose. Month-keyed draws (the exogenous schedule, provocation, dispute and leadership uniforms)
come from generators keyed by (purpose, block of 12 months), so a run split at any month and
warm-started draws exactly what the whole run would have drawn, and nothing that happens under one
strategy shifts any other draw.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PURPOSES = ("init", "citizens", "exogenous", "provocation", "disputes", "leadership", "poll",
            "government", "tension")
BLOCK = 12
MONTH_OFFSET = 100_000  # months may be negative (burn-in); keys must not be


def stream(seed: int, purpose: str, *key: int) -> np.random.Generator:
    """The generator for a purpose (and an optional integer key, such as a block or entry index)."""
    idx = PURPOSES.index(purpose)
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(idx, *key)))


def monthly_table(seed: int, purpose: str, start: int, months: int, width: int, *key: int,
                  draw: Callable[[np.random.Generator, int], np.ndarray] | None = None) -> np.ndarray:
    """Draws of shape (months, width) for months [start, start+months), keyed by absolute month.

    `draw(rng, n)` returns n rows for one block; by default uniforms of the given width.
    """
    if months <= 0:
        return np.empty((0, width))
    draw = draw or (lambda rng, n: rng.random((n, width)))
    first, last = (start + MONTH_OFFSET) // BLOCK, (start + months - 1 + MONTH_OFFSET) // BLOCK
    blocks = [draw(stream(seed, purpose, *key, b), BLOCK) for b in range(first, last + 1)]
    table = np.concatenate(blocks)
    off = (start + MONTH_OFFSET) - first * BLOCK
    return table[off:off + months]
