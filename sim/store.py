"""Writing results: atomic files (a crash never leaves a half-written file in place) and provenance."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .provenance import provenance


def atomic_write(path: Path, writer: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same directory, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; results are meant to be shared
    try:
        writer(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_frame(df: pd.DataFrame, path: Path) -> None:
    """Parquet (zstd; floats byte-stream-split, which compresses model outputs ~25% better) or CSV."""
    if path.suffix == ".parquet":
        table = pa.Table.from_pandas(df, preserve_index=False)
        floats = [f.name for f in table.schema if pa.types.is_floating(f.type)]
        others = [f.name for f in table.schema if f.name not in floats]
        atomic_write(path, lambda p: pq.write_table(table, p, compression="zstd", use_dictionary=others or False,
                                                    use_byte_stream_split=floats or False))
    else:
        atomic_write(path, lambda p: df.to_csv(p, index=False))


def write_json(obj: Any, path: Path) -> None:
    atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2, default=str) + "\n"))


def run_provenance(scenarios: list, seeds: list[int], strategies: list[str], extra: dict | None = None) -> dict:
    """What a result depends on: scenario files and content hashes, seeds, strategies, code and versions."""
    return {
        "scenarios": [{"name": s.name, "path": s.path, "sources": s.sources, "content_hash": s.content_hash}
                      for s in scenarios],
        "seeds": seeds, "strategies": strategies, **provenance(), **(extra or {}),
    }
