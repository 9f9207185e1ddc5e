"""The results directory of an experiment: streamed Parquet parts, a manifest, failures; resume and repair.

Layout of OUT/:
  manifest.json            experiment name and hash, provenance, status counts, times ("format": FORMAT)
  runs.parquet             one row per run of the current experiment: key, labels, sweep values
  summaries/part-NNNNNN.parquet   per-run summaries, streamed as runs finish
  monthly/part-NNNNNN.parquet     monthly outputs of the same runs (float32), same part number
  failures/KEY.json        a run that raised: its parameters and traceback
  quarantine/              unreadable parts found at start-up (moved aside, never deleted; their runs recomputed)
  .sim-batch.lock          held (flock) by the batch writing into the directory

Every file is written atomically (temporary name, then rename); a summaries part is renamed into place only
after its monthly part, so a run counts as done exactly when its summary part exists.

Safety: a directory is this tool's only if its manifest.json says so (`owns`). `--overwrite` deletes only the
tool's own entries of such a directory (OWN_FILES and the matching files of OWN_DIRS, never anything else),
never through a symbolic link and never a directory that sim.config.paths.protected names (the working directory,
one above it, the home directory, the root).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.config.paths import protected
from sim.errors import LockError, ResultsError
from sim.runs.execution import alive
from sim.runs.store import write_error, write_frame, write_json

FORMAT = "sim-results/1"  # the manifest's marker of a results directory of this tool
LEGACY_KEYS = ("name", "experiment_hash", "runs")  # manifests written before FORMAT have all of these
LOCK_NAME = ".sim-batch.lock"
# The tool's own entries: files at the top of a results directory, and per subdirectory the names it writes
# there (with their temporary files `.NAME.XXXX.tmp`). Nothing else is ever deleted.
OWN_FILES = ("manifest.json", "runs.parquet", "comparison.csv", "recovery.csv", "distributions.png", "polls.csv",
             "replay.png", "replay.svg")
OWN_DIRS: dict[str, tuple[str, ...]] = {
    "summaries": ("part-*.parquet",),
    "monthly": ("part-*.parquet",),
    "failures": ("*.json",),
    "quarantine": ("summaries-part-*.parquet*", "monthly-part-*.parquet*"),
    "report/figures": ("*.png", "*.svg"),
    "report": ("report.html", "comparison.csv"),
}


class PartWarning(UserWarning):
    """A file of a results directory that cannot be read and is skipped (its runs count as not done)."""


def owns(manifest: object) -> bool:
    """Whether a parsed manifest.json is one this tool wrote."""
    return isinstance(manifest, dict) and (manifest.get("format") == FORMAT or all(k in manifest for k in LEGACY_KEYS))


def _own_name(name: str, patterns: tuple[str, ...]) -> bool:
    """A name the tool writes (one of `patterns`) or a temporary file of one."""
    return any(fnmatch(name, p) or fnmatch(name, f".{p}.*.tmp") for p in patterns)


@dataclass
class Results:
    """Frames of an experiment's results directory (as sim.load_results returns them)."""

    summaries: pd.DataFrame
    monthly: pd.DataFrame | None
    failures: pd.DataFrame
    manifest: dict
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def pending(self) -> int:
        return int(len(self.runs) - len(self.summaries) - len(self.failures))


class ResultStore:
    """Reads and writes one results directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(os.path.normpath(root))  # `results/..` is the directory it names, whether or not
        # `results` exists (as in sim.config.paths.protected)
        self.summ_dir, self.month_dir = self.root / "summaries", self.root / "monthly"
        self.fail_dir, self.quarantine = self.root / "failures", self.root / "quarantine"
        self._lock_fd: int | None = None

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_NAME

    def manifest(self) -> dict | None:
        """The manifest, None if there is none; ResultsError if it is unreadable or not this tool's."""
        try:
            text = self.manifest_path.read_text()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise ResultsError(f"manifest.json is unreadable ({e.strerror or e})", file=str(self.root),
                               allowed="a readable results directory, or another --out") from None
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ResultsError(f"manifest.json is not valid JSON ({e})", file=str(self.root),
                               allowed="move the directory aside (its parts are kept) or use another --out; "
                                       "--overwrite never deletes a directory it cannot recognise") from None
        if not owns(data):
            raise ResultsError("manifest.json is not the manifest of a results directory of this tool",
                               file=str(self.root),
                               allowed="a directory written by `sim batch` or `sim compare`, or another --out")
        return data

    # ------------------------------------------------------------------------------------------ checks
    def _check_path(self) -> None:
        """The root is a directory or can become one (no regular file on the way)."""
        if self.root.exists() and not self.root.is_dir():
            raise ResultsError("the results path is a file, not a directory", file=str(self.root),
                               allowed="a new or existing directory (--out)")
        for parent in Path(os.path.abspath(self.root)).parents:
            if parent.exists():
                if not parent.is_dir():
                    raise ResultsError(f"the results path is below {parent}, which is a file", file=str(self.root),
                                       allowed="a --out path whose every parent is a directory")
                return

    def _foreign(self) -> list[str]:
        """Entries of the root that are not the tool's (empty subdirectories, the lock and temporary files of
        the tool aside): a directory holding any is not the tool's to write into without a manifest."""
        out = []
        try:
            entries = sorted(os.scandir(self.root), key=lambda e: e.name)
        except OSError as e:
            raise ResultsError(f"cannot read the directory ({e.strerror or e})", file=str(self.root),
                               allowed="a directory you may read and write (--out)") from None
        for entry in entries:
            if entry.name == LOCK_NAME or (entry.name.endswith(".tmp") and _own_name(entry.name, OWN_FILES)):
                continue
            if entry.name in ("summaries", "monthly", "failures") and entry.is_dir(follow_symlinks=False) \
                    and not any(os.scandir(entry.path)):
                continue
            out.append(entry.name)
        return out

    def why_not_deletable(self) -> str | None:
        """Why --overwrite must not delete entries of this directory (None if it may)."""
        if self.root.is_symlink():
            return "it is a symbolic link (--overwrite never deletes through a link)"
        return protected(self.root)

    def check(self, name: str, overwrite: bool) -> dict | None:
        """Check, without writing anything, that a batch of experiment `name` may write here; returns the
        manifest there is. ResultsError if the path is unusable, the directory holds another experiment
        (without overwrite), is not empty and not one of ours, or may not be overwritten."""
        self._check_path()
        old = self.manifest() if self.root.is_dir() else None
        if old is not None:
            if old.get("name") != name and not overwrite:
                raise ResultsError(
                    f"this results directory holds experiment {old.get('name')!r}, not {name!r}",
                    file=str(self.root), allowed="another --out directory, or --overwrite to replace it")
            if overwrite and (why := self.why_not_deletable()):
                raise ResultsError(f"--overwrite refused: {why}", file=str(self.root),
                                   allowed="another --out directory, or remove the old results yourself")
        elif self.root.is_dir() and (foreign := self._foreign()):
            raise ResultsError(
                f"the directory is not empty and holds no experiment manifest (it holds {foreign[0]!r}"
                + (f" and {len(foreign) - 1} more" if len(foreign) > 1 else "") + ")", file=str(self.root),
                allowed="an empty or new directory; --overwrite never deletes a directory that is not a results "
                        "directory of this tool")
        return old

    # -------------------------------------------------------------------------------------------- lock
    def lock(self) -> None:
        """Hold the directory for this process (an OS file lock, released when the process ends, however it
        ends): LockError if another live batch holds it."""
        if self._lock_fd is not None:
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as e:
            raise write_error(e, self.lock_path) from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            os.close(fd)
            who = f"another batch (process {pid})" if pid else "another batch"
            raise LockError(f"{who} is writing into this directory",
                            file=str(self.root), allowed="wait for it to finish, or another --out") from None
        except OSError as e:
            os.close(fd)
            raise ResultsError(f"cannot lock {LOCK_NAME} ({e.strerror or e})", file=str(self.root),
                               allowed="a --out directory on a file system with file locks") from None
        with suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def unlock(self) -> None:
        """Release the directory (the lock file stays: deleting it could let two batches hold it)."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is None:
            return
        with suppress(OSError):
            os.ftruncate(fd, 0)
        with suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    # ---------------------------------------------------------------------------------- prepare, clear
    def prepare(self, name: str, overwrite: bool) -> list[str]:
        """Check the directory may hold this experiment (see check), clear the tool's own entries on
        overwrite, repair leftovers of an interrupted batch; returns notes on what was repaired."""
        old = self.check(name, overwrite)
        if old is not None and overwrite:
            self.clear()
        with self.writing(self.root):
            for d in (self.summ_dir, self.month_dir, self.fail_dir):
                d.mkdir(parents=True, exist_ok=True)
        return self.repair()

    def clear(self) -> None:
        """Delete the tool's own entries of this results directory: OWN_FILES at the top and the tool's files
        in OWN_DIRS (a subdirectory is removed only when nothing else is left in it). Other files, links and
        anything behind a link are kept."""
        if (why := self.why_not_deletable()) is not None:
            raise ResultsError(f"--overwrite refused: {why}", file=str(self.root),
                               allowed="another --out directory, or remove the old results yourself")
        with self.writing(self.root):
            for entry in os.scandir(self.root):
                if _own_name(entry.name, OWN_FILES) and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
            for sub, patterns in OWN_DIRS.items():
                d = self.root / sub
                if not d.is_dir() or any(p.is_symlink() for p in (d, *d.parents) if self.root in p.parents):
                    continue  # missing, or reached through a link
                for entry in os.scandir(d):
                    if _own_name(entry.name, patterns) and entry.is_file(follow_symlinks=False):
                        os.unlink(entry.path)
                if not any(os.scandir(d)):
                    d.rmdir()

    def repair(self) -> list[str]:
        """Remove temporary files of an interrupted write and orphan monthly parts; move unreadable parts (read
        in full, not only their footers) to quarantine/ so that their runs are recomputed."""
        notes = []
        with self.writing(self.root):
            for d, patterns in ((self.root, OWN_FILES), *((self.root / s, p) for s, p in OWN_DIRS.items()
                                                          if s in ("summaries", "monthly", "failures"))):
                if not d.is_dir() or d.is_symlink():
                    continue
                for entry in os.scandir(d):
                    if entry.name.endswith(".tmp") and _own_name(entry.name, patterns) \
                            and entry.is_file(follow_symlinks=False):
                        os.unlink(entry.path)
                        notes.append(f"removed an unfinished write: {entry.name}")
            summ = {p.name for p in self.summ_dir.glob("part-*.parquet")}
            for p in sorted(self.month_dir.glob("part-*.parquet")):
                if p.name not in summ:
                    p.unlink()
                    notes.append(f"removed monthly/{p.name} (its summaries part was never written)")
            for p in sorted(self.summ_dir.glob("part-*.parquet")):
                pair = [q for q in (p, self.month_dir / p.name) if q.exists()]
                bad = {q: why for q in pair if (why := _unreadable(q))}
                if bad:
                    moved = [self._quarantine(q) for q in pair]
                    notes.append("; ".join(f"moved unreadable part {q.parent.name}/{q.name} ({why})"
                                           for q, why in bad.items())
                                 + f" to quarantine/ ({', '.join(moved)}); its runs will be recomputed")
        return notes

    def _quarantine(self, path: Path) -> str:
        """Move a part into quarantine/ under a name no other quarantined file has; returns that name."""
        self.quarantine.mkdir(exist_ok=True)
        base = f"{path.parent.name}-{path.name}"
        target, n = self.quarantine / base, 0
        while target.exists():
            n += 1
            target = self.quarantine / f"{base}.{n}"
        path.rename(target)
        return target.name

    # ------------------------------------------------------------------------------------- read, write
    def done_keys(self, require_monthly: bool = False) -> set[str]:
        """Keys of finished runs (with monthly outputs too, if required); unreadable parts are skipped with a
        PartWarning."""
        keys: set[str] = set()
        for p in sorted(self.summ_dir.glob("part-*.parquet")):
            table = _read_part(p, ["key"])
            if table is not None:
                keys.update(table["key"].tolist())
        if require_monthly:
            monthly: set[str] = set()
            for p in sorted(self.month_dir.glob("part-*.parquet")):
                table = _read_part(p, ["key"])
                if table is not None:
                    monthly.update(table["key"].unique().tolist())
            keys &= monthly
        return keys

    def next_part(self) -> int:
        """The number of the next summaries/monthly part to write."""
        nums = [int(p.stem.split("-")[1]) for p in self.summ_dir.glob("part-*.parquet") if p.stem[5:].isdigit()]
        return max(nums, default=0) + 1

    @contextmanager
    def writing(self, path: Path) -> Iterator[None]:
        """OS errors while writing `path` become a ResultsError naming it and the problem."""
        try:
            yield
        except OSError as e:
            raise write_error(e, path) from e

    def write_manifest(self, manifest: dict) -> None:
        """Write manifest.json (with the FORMAT marker that makes the directory recognisably ours)."""
        with self.writing(self.manifest_path):
            write_json({"format": FORMAT, **manifest}, self.manifest_path)

    def write_runs(self, runs: pd.DataFrame) -> None:
        """Write runs.parquet, the table of the experiment's runs."""
        with self.writing(self.root / "runs.parquet"):
            write_frame(runs, self.root / "runs.parquet")

    def write_part(self, number: int, summaries: pd.DataFrame, monthly: pd.DataFrame | None) -> None:
        """Write a part: its monthly file first, then its summaries file (which makes its runs count as done)."""
        name = f"part-{number:06d}.parquet"
        if monthly is not None and len(monthly):
            with self.writing(self.month_dir / name):
                write_frame(monthly, self.month_dir / name)
        with self.writing(self.summ_dir / name):
            write_frame(summaries, self.summ_dir / name)

    def write_failure(self, key: str, record: dict) -> None:
        """Record a run that raised (failures/KEY.json)."""
        with self.writing(self.fail_dir / f"{key}.json"):
            write_json(record, self.fail_dir / f"{key}.json")

    def clear_failure(self, key: str) -> None:
        """Forget the failure of a run that has now finished."""
        with self.writing(self.fail_dir / f"{key}.json"):
            (self.fail_dir / f"{key}.json").unlink(missing_ok=True)


def _holder(fd: int) -> int | None:
    """The live process that holds a lock file, as it wrote its pid into it (the holder writes it just after
    taking the lock: until then the file is empty or names a process that has ended)."""
    for _ in range(50):
        try:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        except OSError:
            return None
        if text.isdigit() and alive(int(text)):
            return int(text)
        time.sleep(0.01)
    return None


def _unreadable(path: Path) -> str | None:
    """Why a part file cannot be used (None if it can): every page is read and decompressed, not only the
    footer, and it must hold the `key` column."""
    try:
        pf = pq.ParquetFile(path)
        if "key" not in pf.schema_arrow.names:
            return "no key column"
        for _ in pf.iter_batches(batch_size=65536):
            pass
        return None
    except Exception as e:  # noqa: BLE001 - any failure to parse or decompress means the file is damaged
        return " ".join(str(e).split())[:120] or type(e).__name__


def _read_part(path: Path, columns: list[str] | None = None) -> pd.DataFrame | None:
    """A part as a frame; None, with a PartWarning naming it, if it cannot be read (None without a warning if
    it has gone: a batch moved it aside meanwhile)."""
    try:
        df = pd.read_parquet(path, columns=columns)
    except FileNotFoundError:
        return None
    except Exception as e:  # noqa: BLE001 - a damaged part is skipped, never a crash of the reader
        warnings.warn(f"{path}: unreadable part skipped ({' '.join(str(e).split())[:120] or type(e).__name__}); "
                      "its runs count as not done and the next `sim batch` of this directory recomputes them",
                      PartWarning, stacklevel=3)
        return None
    if "key" not in df.columns:
        warnings.warn(f"{path}: part without a key column skipped", PartWarning, stacklevel=3)
        return None
    return df


def load_results(path: str | Path, monthly: bool = True, columns: list[str] | None = None,
                 all_runs: bool = False) -> Results:
    """Read a results directory (also while its batch is running) into pandas frames.

    Only runs of the experiment as it now stands are returned unless all_runs=True (results of runs whose
    key no longer belongs to the experiment stay on disk). columns: monthly columns to read.
    """
    store = ResultStore(path)
    if not store.root.is_dir():
        raise ResultsError("no results here (not a directory)", file=str(path),
                           allowed="a directory written by `sim batch` or `sim compare`")
    manifest = store.manifest()
    if manifest is None:
        raise ResultsError("no results here (manifest.json missing)", file=str(path),
                           allowed="a directory written by `sim batch` or `sim compare`")
    runs = pd.DataFrame()
    if (store.root / "runs.parquet").exists():
        runs = _read_part(store.root / "runs.parquet")
        runs = pd.DataFrame() if runs is None else runs
    order = {k: i for i, k in enumerate(runs["key"])} if len(runs) else {}

    def read(dir_: Path, cols: list[str] | None = None) -> pd.DataFrame:
        """The readable parts of a directory (an unreadable one is skipped with a PartWarning naming it)."""
        frames = [df for p in sorted(dir_.glob("part-*.parquet")) if (df := _read_part(p, cols)) is not None]
        frames = [df for df in frames if len(df)]
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True)
        if not all_runs and order:
            df = df[df["key"].isin(order)]
        return df

    def relabel(df: pd.DataFrame) -> pd.DataFrame:
        """Labels (strategy names, sweep point numbers) as the experiment now gives them."""
        if not len(df) or not len(runs):
            return df
        labels = runs.set_index("key")
        for col in labels.columns:
            if col in df.columns:
                df[col] = df["key"].map(labels[col]).fillna(df[col]) if all_runs else df["key"].map(labels[col])
        return df

    summaries = relabel(read(store.summ_dir))
    if len(summaries):
        summaries = summaries.drop_duplicates("key", keep="last")
        summaries = summaries.iloc[summaries["key"].map(order).fillna(len(order)).argsort(kind="stable")]
        summaries = summaries.reset_index(drop=True)
    frame = None
    if monthly:
        cols = None if columns is None else list(dict.fromkeys(["key", "month", *columns]))
        frame = relabel(read(store.month_dir, cols))
        if len(frame):
            frame = frame.drop_duplicates(["key", "month"], keep="last")
            idx = frame["key"].map(order).fillna(len(order))
            frame = frame.assign(_o=idx).sort_values(["_o", "month"], kind="stable").drop(columns="_o")
            frame = frame.reset_index(drop=True)
    fails = []
    for f in sorted(store.fail_dir.glob("*.json")):
        try:
            rec = json.loads(f.read_text())
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as e:
            warnings.warn(f"{f}: unreadable failure record skipped ({e})", PartWarning, stacklevel=2)
            continue
        if not isinstance(rec, dict):
            warnings.warn(f"{f}: failure record is not a JSON object, skipped", PartWarning, stacklevel=2)
            continue
        if all_runs or not order or rec.get("key") in order:
            fails.append(rec)
    failures = pd.DataFrame(fails)
    if len(failures) and len(summaries):
        failures = failures[~failures["key"].isin(summaries["key"])]
    return Results(summaries, frame, failures.reset_index(drop=True), manifest, runs)


def describe(res: Results) -> str:
    """A short text summary of a results directory (`sim results PATH`)."""
    m = res.manifest
    lines = [f"experiment {m.get('name')!r} ({m.get('status', '?')}); hash {m.get('experiment_hash')}; "
             f"code {m.get('provenance', {}).get('code_version')}",
             f"runs: {len(res.runs)} in the experiment, {len(res.summaries)} done, {len(res.failures)} failed, "
             f"{max(res.pending, 0)} pending"]
    if len(res.summaries):
        s = res.summaries
        g = s.groupby(["scenario", "strategy"], sort=False)
        table = g.agg(runs=("key", "size"), health=("health_discounted", "median"),
                      cooperation=("cooperation_discounted", "median"), crisis_months=("crisis_months", "median"))
        lines.append("median per scenario and strategy:")
        lines.append(table.round(3).to_string())
    if len(res.failures):
        lines.append("failed runs:")
        for _, f in res.failures.head(10).iterrows():
            lines.append(f"  {f['key']} {f.get('scenario')} {f.get('strategy')} seed {f.get('seed')}: "
                         f"{str(f.get('error', '')).strip().splitlines()[-1] if f.get('error') else ''}")
    return "\n".join(lines)
