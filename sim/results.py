"""The results directory of an experiment: streamed Parquet parts, a manifest, failures; resume and repair.

Layout of OUT/:
  manifest.json            experiment name and hash, provenance, status counts, times
  runs.parquet             one row per run of the current experiment: key, labels, sweep values
  summaries/part-NNNNNN.parquet   per-run summaries, streamed as runs finish
  monthly/part-NNNNNN.parquet     monthly outputs of the same runs (float32), same part number
  failures/KEY.json        a run that raised: its parameters and traceback
  quarantine/              unreadable parts found at start-up (moved aside, their runs recomputed)

Every file is written atomically (temporary name, then rename); a summaries part is renamed into place only
after its monthly part, so a run counts as done exactly when its summary part exists.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from .scenario import ScenarioError
from .store import write_frame, write_json


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
        self.root = Path(root)
        self.summ_dir, self.month_dir = self.root / "summaries", self.root / "monthly"
        self.fail_dir, self.quarantine = self.root / "failures", self.root / "quarantine"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def manifest(self) -> dict | None:
        if not self.manifest_path.exists():
            return None
        try:
            return json.loads(self.manifest_path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise ScenarioError(f"the manifest is unreadable ({e}); move the directory aside or use --overwrite",
                                file=str(self.manifest_path)) from None

    @property
    def lock_path(self) -> Path:
        return self.root.parent / f".{self.root.name}.lock"

    def lock(self) -> None:
        """Refuse a second batch writing into the same directory while the first one lives."""
        self.root.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(self.lock_path.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid):
                raise ScenarioError(f"another batch (process {pid}) is writing into this directory",
                                    file=str(self.root), allowed="wait for it, or another --out") from None
            self.lock_path.unlink(missing_ok=True)  # a stale lock of a process that died
            fd = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)

    def unlock(self) -> None:
        self.lock_path.unlink(missing_ok=True)

    def prepare(self, name: str, overwrite: bool) -> list[str]:
        """Check the directory belongs to this experiment (or clear it), repair leftovers; returns notes."""
        old = self.manifest()
        if old is not None and old.get("name") != name:
            if not overwrite:
                raise ScenarioError(
                    f"this results directory holds experiment {old.get('name')!r}, not {name!r}",
                    file=str(self.root), allowed="another --out directory, or --overwrite to replace it")
            shutil.rmtree(self.root)
        elif old is None and self.root.exists() and any(self.root.iterdir()) and not overwrite:
            raise ScenarioError("the directory is not empty and holds no experiment manifest", file=str(self.root),
                                allowed="an empty or new directory, or --overwrite to replace it")
        elif overwrite and self.root.exists():
            shutil.rmtree(self.root)
        for d in (self.summ_dir, self.month_dir, self.fail_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self.repair()

    def repair(self) -> list[str]:
        """Remove temporary files of an interrupted write, orphan monthly parts and unreadable parts."""
        notes = []
        for tmp in self.root.rglob(".*.tmp"):
            tmp.unlink()
            notes.append(f"removed an unfinished write: {tmp.name}")
        summ = {p.name for p in self.summ_dir.glob("part-*.parquet")}
        for p in self.month_dir.glob("part-*.parquet"):
            if p.name not in summ:
                p.unlink()
                notes.append(f"removed monthly/{p.name} (its summaries part was never written)")
        for p in sorted(self.summ_dir.glob("part-*.parquet")):
            bad = [q for q in (p, self.month_dir / p.name) if q.exists() and not _readable(q)]
            if bad:
                self.quarantine.mkdir(exist_ok=True)
                for q in (p, self.month_dir / p.name):
                    if q.exists():
                        q.rename(self.quarantine / f"{q.parent.name}-{q.name}")
                notes.append(f"moved unreadable part {p.name} to quarantine/; its runs will be recomputed")
        return notes

    def done_keys(self, require_monthly: bool = False) -> set[str]:
        """Keys of finished runs (with monthly outputs too, if required)."""
        keys: set[str] = set()
        for p in self.summ_dir.glob("part-*.parquet"):
            keys.update(pq.read_table(p, columns=["key"]).column("key").to_pylist())
        if require_monthly:
            monthly: set[str] = set()
            for p in self.month_dir.glob("part-*.parquet"):
                monthly.update(pq.read_table(p, columns=["key"]).column("key").unique().to_pylist())
            keys &= monthly
        return keys

    def next_part(self) -> int:
        nums = [int(p.stem.split("-")[1]) for p in self.summ_dir.glob("part-*.parquet")]
        return max(nums, default=0) + 1

    def write_part(self, number: int, summaries: pd.DataFrame, monthly: pd.DataFrame | None) -> None:
        name = f"part-{number:06d}.parquet"
        if monthly is not None and len(monthly):
            write_frame(monthly, self.month_dir / name)
        write_frame(summaries, self.summ_dir / name)

    def write_failure(self, key: str, record: dict) -> None:
        write_json(record, self.fail_dir / f"{key}.json")

    def clear_failure(self, key: str) -> None:
        (self.fail_dir / f"{key}.json").unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _readable(path: Path) -> bool:
    try:
        pq.read_metadata(path)
        return True
    except Exception:  # noqa: BLE001 - any parse failure means the file is damaged
        return False


def load_results(path: str | Path, monthly: bool = True, columns: list[str] | None = None,
                 all_runs: bool = False) -> Results:
    """Read a results directory (also while its batch is running) into pandas frames.

    Only runs of the experiment as it now stands are returned unless all_runs=True (results of runs whose
    key no longer belongs to the experiment stay on disk). columns: monthly columns to read.
    """
    store = ResultStore(path)
    manifest = store.manifest()
    if manifest is None:
        raise ScenarioError("no results here (manifest.json missing)", file=str(path),
                            allowed="a directory written by `sim batch` or `sim compare`")
    runs = pd.read_parquet(store.root / "runs.parquet") if (store.root / "runs.parquet").exists() else pd.DataFrame()
    order = {k: i for i, k in enumerate(runs["key"])} if len(runs) else {}

    def read(dir_: Path, cols: list[str] | None = None) -> pd.DataFrame:
        parts = sorted(dir_.glob("part-*.parquet"))
        frames = [pd.read_parquet(p, columns=cols) for p in parts if p.exists()]
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
        except (OSError, json.JSONDecodeError):
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
