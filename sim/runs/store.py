"""Writing results: atomic files (a crash never leaves a half-written file in place) and provenance."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ResultsError
from sim.provenance import provenance

_ADVICE = {
    errno.ENOSPC: "free disk space (or another --out on a disk with room), then run the same command again",
    errno.EDQUOT: "free space within your quota (or another --out), then run the same command again",
    errno.EROFS: "a writable --out directory (this file system is read-only)",
    errno.EACCES: "a --out directory you may write into",
    errno.EPERM: "a --out directory you may write into",
    errno.ENOTDIR: "a --out path whose every parent is a directory",
}


def write_error(err: OSError, path: str | Path) -> ResultsError:
    """The one-line error for an OS error `err` met while writing `path`: names the directory and the
    OS problem, says what is allowed."""
    path = Path(path)
    what = err.strerror or str(err) or type(err).__name__
    return ResultsError(f"cannot write {path.name} ({what})", file=str(path.parent),
                        allowed=_ADVICE.get(err.errno or 0, "a writable --out directory with free space"))


def atomic_write(path: Path, writer: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same directory, then rename over the target: the target is either
    the old file or the new one, never a partial one. An OS error (disk full, read-only) raises ResultsError."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; results are meant to be shared
        writer(Path(tmp))
        os.replace(tmp, path)
    except OSError as e:
        raise write_error(e, path) from e
    finally:
        if tmp is not None and os.path.exists(tmp):
            with suppress(OSError):  # the original error matters, not a failed clean-up
                os.remove(tmp)


def write_frame(df: pd.DataFrame, path: Path, float_format: str | None = None) -> None:
    """Parquet (zstd; floats byte-stream-split, which compresses model outputs ~25% better) or CSV (floats as
    `float_format`, e.g. "%.5g", if given), written atomically."""
    if path.suffix == ".parquet":
        table = pa.Table.from_pandas(df, preserve_index=False)
        floats = [f.name for f in table.schema if pa.types.is_floating(f.type)]
        others = [f.name for f in table.schema if f.name not in floats]
        atomic_write(path, lambda p: pq.write_table(table, p, compression="zstd", use_dictionary=others or False,
                                                    use_byte_stream_split=floats or False))
    else:
        atomic_write(path, lambda p: df.to_csv(p, index=False, float_format=float_format))


def write_figure(fig: Any, path: Path, **savefig: Any) -> None:
    """A matplotlib figure, in the format of the path's suffix (png, svg, pdf), written atomically."""
    atomic_write(path, lambda p: fig.savefig(p, format=path.suffix.lstrip("."), **savefig))


def write_json(obj: Any, path: Path) -> None:
    """JSON, indented, written atomically."""
    atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2, default=str) + "\n"))


def run_provenance(scenarios: list, seeds: list[int], strategies: list[str], extra: dict | None = None) -> dict:
    """What a result depends on: scenario files and content hashes, seeds, strategies, code and versions."""
    return {
        "scenarios": [{"name": s.name, "path": s.path, "sources": s.sources, "content_hash": s.content_hash}
                      for s in scenarios],
        "seeds": seeds, "strategies": strategies, **provenance(), **(extra or {}),
    }
