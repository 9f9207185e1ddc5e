"""Calibration: fit a handful of named parameters to the 2014-2019 polls by a forced replay (docs/ODD.md §7.15).

problem (experiments/calibration/calibration.yaml: parameters, bounds, seeds, budget) -> candidates
(optuna's TPE sampler, the prior first) -> evaluation (replays of every seed, common random numbers) -> loss
(chi-square against the polls' sampling error plus the model's seed spread) -> point estimate, profile
intervals and parameter draws (scenarios/history/calibrated.yaml and calibrated_draws.csv). A journal file
keeps every candidate, so an interrupted calibration resumes.
"""

from __future__ import annotations

import json
import math
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.config.scenario import ScenarioError, load_scenario
from sim.config.yamlio import read_yaml
from sim.errors import InputError
from sim.history.data import CALIBRATION_SETTINGS, FIT_YEARS, HISTORY_DIR, MODES, frozen_hash
from sim.history.fit import LOSS, loss, poll_shares, targets
from sim.history.replay import fitted_keys, initial_strategy, replay_scenario
from sim.params import defaults
from sim.runs.execution import Execution
from sim.runs.store import atomic_write, write_frame

SETTINGS = CALIBRATION_SETTINGS
CALIBRATED = HISTORY_DIR / "calibrated.yaml"
DRAWS = HISTORY_DIR / "calibrated_draws.csv"
INTERVALS = HISTORY_DIR / "calibrated_intervals.csv"


@dataclass
class Settings:
    """A calibration problem: which parameters, their bounds and priors (the model's defaults), the seeds, the
    mode and the budget."""

    parameters: dict[str, tuple[float, float]]
    prior: dict[str, float]
    seeds: list[int]
    budget: int
    sampler_seed: int
    mode: str = "forced"
    screen: dict[str, tuple[float, float]] = field(default_factory=dict)
    draws: int = 20
    path: str = ""
    years: tuple[int, ...] = tuple(FIT_YEARS)
    """The poll years fitted (a rolling-origin forecast fits the years up to its origin)."""

    @property
    def candidates(self) -> int:
        return max(1, self.budget // len(self.seeds))


def load_settings(path: Path | str | None = None) -> Settings:
    """The calibration settings file, validated (errors name the file, line and field)."""
    path = Path(path or SETTINGS)
    data, lines = read_yaml(path, "calibration settings")
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping", file=str(path), line=1)

    def fail(problem: str, key: tuple, given: Any, allowed: str) -> None:
        raise InputError(problem, file=str(path), line=lines.get(key), path=".".join(map(str, key)), given=given,
                         allowed=allowed)

    known = ("parameters", "screen", "seeds", "budget", "sampler_seed", "mode", "draws", "name", "description")
    for k in data:
        if k not in known:
            fail("unknown field", (k,), k, ", ".join(known))
    prior_scen = replay_scenario("forced")
    out: dict[str, dict] = {}
    for section in ("parameters", "screen"):
        node = data.get(section, {}) or {}
        if not isinstance(node, dict) or (section == "parameters" and not node):
            fail("wrong type", (section,), node, "a mapping dotted.parameter: [low, high]")
        out[section] = {}
        for name, bounds in node.items():
            key = (section, name)
            if not (isinstance(bounds, list) and len(bounds) == 2
                    and all(isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b)
                            for b in bounds) and bounds[0] < bounds[1]):
                fail("not a range", key, bounds, "[low, high] with low < high")
            try:
                prior = prior_scen.get(name)
                prior_scen.with_overrides(**{name: float(bounds[0])})
                prior_scen.with_overrides(**{name: float(bounds[1])})
            except (KeyError, TypeError):
                fail("not a parameter of the scenario", key, name, "a dotted parameter such as citizens.noise")
            except ScenarioError as e:
                fail(f"bounds outside the parameter's range ({e.problem})", key, bounds, e.allowed or "")
            if isinstance(prior, bool) or not isinstance(prior, (int, float)):
                fail("not a numeric parameter", key, name, "a number-valued parameter")
            out[section][name] = (float(bounds[0]), float(bounds[1]))
    seeds = data.get("seeds", 8)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= 1000:
        fail("not a seed count", ("seeds",), seeds, "an integer in [1, 1000]")
    budget = data.get("budget", 2400)
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < seeds:
        fail("not a budget", ("budget",), budget, f"an integer number of runs >= seeds ({seeds})")
    draws = data.get("draws", 20)
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= 1000:
        fail("not a number of draws", ("draws",), draws, "an integer in [1, 1000]")
    mode = data.get("mode", "forced")
    if mode not in MODES:
        fail("not a replay mode", ("mode",), mode, ", ".join(MODES))
    sampler_seed = data.get("sampler_seed", 0)
    if isinstance(sampler_seed, bool) or not isinstance(sampler_seed, int) or sampler_seed < 0:
        fail("not a seed", ("sampler_seed",), sampler_seed, "an integer >= 0")
    params = out["parameters"]
    prior = {k: float(default(k)) for k in params}
    for k, v in prior.items():
        lo, hi = params[k]
        if not lo <= v <= hi:
            fail("the prior (the model's default) lies outside the bounds", ("parameters", k), [lo, hi],
                 f"bounds around the prior {v}")
    return Settings(params, prior, list(range(seeds)), budget, sampler_seed, mode, out["screen"], draws, str(path))


def default(dotted: str) -> Any:
    """A parameter's default (sim.params), the prior of a calibration: it does not depend on an earlier fit."""
    node: Any = defaults()
    for part in dotted.split("."):
        node = node[part]
    return node


# ---- evaluation ------------------------------------------------------------------------------------
def replay_polls(overrides: dict, seed: int, mode: str = "forced", data_until: int = FIT_YEARS[-1]) -> pd.DataFrame:
    """One replay's simulated polls (sim.history.fit.poll_shares) under parameter overrides; the parameters of an
    earlier fit (calibrated.yaml) that the overrides do not set are at their defaults, so a calibration never
    depends on an earlier one. data_until: the last year of data the replay's inputs may use (its trips' trend)."""
    from sim.runs.runner import run

    earlier = {k: default(k) for k in fitted_keys() if k not in overrides}
    scen = replay_scenario(mode, {**earlier, **overrides}, data_until=data_until)
    return poll_shares(run(scen, initial_strategy(), seed, keep_model=False).monthly)


def _task(args: tuple) -> pd.DataFrame:
    overrides, seed, mode, data_until = args
    return replay_polls(overrides, seed, mode, data_until).assign(seed=seed)


class Evaluator:
    """Runs every seed of a candidate (in a worker pool when jobs > 1) and scores it."""

    def __init__(self, settings: Settings, jobs: int = 1) -> None:
        self.settings, self.jobs = settings, jobs
        self.target = targets(settings.years)
        self.pool: Executor | None = None
        if jobs > 1:
            from sim.runs.runner import worker_pool

            self.pool = worker_pool(jobs)

    def polls(self, overrides: dict) -> pd.DataFrame:
        tasks = [(overrides, s, self.settings.mode, max(self.settings.years)) for s in self.settings.seeds]
        parts = list(self.pool.map(_task, tasks) if self.pool else map(_task, tasks))
        return pd.concat(parts, ignore_index=True)

    def __call__(self, overrides: dict) -> tuple[float, float]:
        return loss(self.polls(overrides), self.target)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


# ---- screening -----------------------------------------------------------------------------------
def screen(settings: Settings, execution: Execution | None = None, **options: Any) -> pd.DataFrame:
    """One-at-a-time screening of the candidate parameters (settings.parameters and .screen): the loss with each
    parameter at its low and high bound, every other candidate at its default (the prior, whatever an earlier
    calibration found). Rows sorted by the larger change."""
    cands = {**settings.parameters, **settings.screen}
    prior = {k: float(default(k)) for k in cands}
    execution = Execution.of(execution, options, jobs=1)
    progress = execution.progress
    ev = Evaluator(settings, execution.workers)
    try:
        base, base_rmse = ev(prior)
        rows = []
        for i, (name, (lo, hi)) in enumerate(cands.items()):
            lo_loss, _ = ev({**prior, name: lo})
            hi_loss, _ = ev({**prior, name: hi})
            rows.append((name, lo, hi, lo_loss - base, hi_loss - base, max(abs(lo_loss - base), abs(hi_loss - base))))
            if progress:
                print(f"screen {i + 1}/{len(cands)} {name}: {rows[-1][-1]:.1f}", flush=True)
    finally:
        ev.close()
    out = pd.DataFrame(rows, columns=["parameter", "low", "high", "d_loss_low", "d_loss_high", "effect"])
    return out.sort_values("effect", ascending=False).reset_index(drop=True).assign(base_loss=base,
                                                                                    base_rmse=base_rmse)


# ---- calibration ---------------------------------------------------------------------------------
def study(settings: Settings, out: Path) -> Any:
    """The optuna study of a calibration, stored in OUT/journal.log (created or resumed)."""
    try:
        import optuna
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend
    except ImportError:
        raise InputError("calibration needs the optuna package", file="sim calibrate",
                         allowed="install it with: pip install -e '.[calibrate]'") from None

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    out.mkdir(parents=True, exist_ok=True)
    storage = JournalStorage(JournalFileBackend(str(out / "journal.log")))
    sampler = optuna.samplers.TPESampler(seed=settings.sampler_seed, n_startup_trials=min(20, settings.candidates))
    return optuna.create_study(study_name="calibration", storage=storage, sampler=sampler, load_if_exists=True,
                               direction="minimize")


def calibrate(settings: Settings, out: Path | str, execution: Execution | None = None, budget: int | None = None,
              **options: Any) -> pd.DataFrame:
    """Run (or resume) a calibration into OUT; returns every finished candidate (parameters, loss, rmse).

    budget: runs (candidates x seeds), default the settings'. The first candidate is the prior."""
    out = Path(out)
    meta = {"settings": settings.path, "frozen_hash": frozen_hash(), "seeds": settings.seeds,
            "parameters": {k: list(v) for k, v in settings.parameters.items()}, "mode": settings.mode,
            "sampler_seed": settings.sampler_seed, "loss": LOSS, "years": list(settings.years)}
    meta_path = out / "calibration.json"
    same = ("parameters", "seeds", "mode", "sampler_seed", "loss", "frozen_hash", "years")
    if meta_path.exists():
        old = json.loads(meta_path.read_text())
        old.setdefault("years", list(FIT_YEARS))  # written before the years were recorded: the default years
        if {k: old.get(k) for k in same} != {k: meta[k] for k in same}:
            raise InputError("this directory holds a calibration of other parameters, seeds, mode, loss or frozen "
                             "inputs (data, mapping, settings)", file=str(meta_path),
                             allowed="the same settings and data, or another --out directory")
    st = study(settings, out)
    import optuna  # available: study() checked

    atomic_write(meta_path, lambda p: p.write_text(json.dumps(meta, indent=1)))
    for t in st.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        st.tell(t.number, state=optuna.trial.TrialState.FAIL)  # interrupted before: evaluated again
    n = max(1, (budget or settings.budget) // len(settings.seeds))
    done = len(st.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))
    if done == 0:
        st.enqueue_trial(settings.prior)
    execution = Execution.of(execution, options, jobs=1)
    progress = execution.progress
    ev = Evaluator(settings, execution.workers)
    t0 = time.perf_counter()
    try:
        for i in range(done, n):
            trial = st.ask()
            params = {k: trial.suggest_float(k, lo, hi) for k, (lo, hi) in settings.parameters.items()}
            chi2, rmse = ev(params)
            trial.set_user_attr("rmse", rmse)
            st.tell(trial, chi2)
            if progress:
                per = (time.perf_counter() - t0) / (i - done + 1)
                print(f"\rcandidate {i + 1}/{n}: loss {chi2:9.1f} rmse {rmse:5.2f} pt | best {st.best_value:9.1f} "
                      f"| {per:.2f} s per candidate, ~{per * (n - i - 1) / 60:.1f} min left", end="", flush=True)
    finally:
        ev.close()
        if progress:
            print(flush=True)
    return trials_frame(st)


def trials_frame(st: Any) -> pd.DataFrame:
    """Finished candidates: number, each parameter, loss (chi-square), rmse (points)."""
    import optuna

    rows = [{"number": t.number, **t.params, "loss": t.value, "rmse": t.user_attrs.get("rmse", np.nan)}
            for t in st.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))]
    return pd.DataFrame(rows)


def intervals(trials: pd.DataFrame, names: list[str], bounds: dict, level: float = 0.95, bins: int = 12
              ) -> pd.DataFrame:
    """Profile intervals from the candidates: for each parameter, the range of bins (of its bounds) whose best
    loss lies within chi2(1)_level of the overall best. Approximate: the profile is only as fine as the
    candidates that fell in each bin."""
    best = trials.loc[trials["loss"].idxmin()]
    cut = float(stats.chi2.ppf(level, 1))
    rows = []
    for n in names:
        lo, hi = bounds[n]
        edges = np.linspace(lo, hi, bins + 1)
        which = np.clip(np.digitize(trials[n], edges) - 1, 0, bins - 1)
        prof = trials.groupby(which)["loss"].min()
        inside = [b for b, v in prof.items() if v <= best["loss"] + cut]
        rows.append((n, float(best[n]), float(edges[min(inside)]), float(edges[max(inside) + 1]), lo, hi,
                     int(len(prof))))
    return pd.DataFrame(rows, columns=["parameter", "estimate", "low", "high", "bound_low", "bound_high",
                                       "bins_seen"])


def draws(trials: pd.DataFrame, names: list[str], k: int, level: float = 0.95) -> pd.DataFrame:
    """Parameter draws: the candidates within chi2(p)_level of the best (an approximate joint confidence set),
    the k best of them (at least the best one)."""
    cut = float(stats.chi2.ppf(level, len(names)))
    ok = trials[trials["loss"] <= trials["loss"].min() + cut].sort_values(["loss", "number"])
    return ok.head(k)[["number"] + names + ["loss"]].reset_index(drop=True).rename_axis("draw").reset_index()


def write_calibrated(path: Path, estimate: dict[str, float], table: pd.DataFrame, note: str) -> None:
    """scenarios/calibrated.yaml: the point estimate as a nested scenario file, each value with its interval."""
    tree: dict = {}
    for name, v in estimate.items():
        node = tree
        parts = name.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    iv = table.set_index("parameter")
    lines = ["# Written by `sim calibrate` (parameters only): point estimates with 95% profile intervals.",
             *[f"# {ln}" for ln in note.splitlines()], "name: calibrated", "description: >",
             "  Parameters fitted to the 2014-2019 Genron NPO x EAI polls by a forced replay of 2012-2025",
             "  (see docs/calibration.md). Scenarios that should use the fitted model `extends` this file."]

    def emit(node: dict, prefix: str, depth: int) -> None:
        for k, v in node.items():
            name = f"{prefix}{k}"
            if isinstance(v, dict):
                lines.append("  " * depth + f"{k}:")
                emit(v, name + ".", depth + 1)
            else:
                r = iv.loc[name]
                lines.append("  " * depth + f"{k}: {v:.6g}   # 95% interval [{r['low']:.4g}, {r['high']:.4g}]")

    emit(tree, "", 0)
    atomic_write(path, lambda p: p.write_text("\n".join(lines) + "\n"))
    load_scenario(path)  # what was written is a valid scenario


def load_draws(path: Path | str | None = None) -> list[dict[str, float]]:
    """Parameter draws (calibrated_draws.csv): one dict of dotted overrides per draw, in draw order."""
    path = Path(path or DRAWS)
    try:
        df = pd.read_csv(path, comment="#")
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read the parameter draws ({e})", file=str(path)) from None
    cols = [c for c in df.columns if "." in c]
    if df.empty or not cols:
        raise InputError("no parameter draws", file=str(path), allowed="rows of dotted parameter columns")
    return [{c: float(r[c]) for c in cols} for _, r in df.iterrows()]


def finish(settings: Settings, out: Path | str, trials: pd.DataFrame, calibrated: Path | str | None = CALIBRATED,
           draws_path: Path | str | None = DRAWS) -> dict:
    """Write what a calibration found: OUT/trials.csv, OUT/intervals.csv, the point estimate with its intervals
    (calibrated.yaml) and the parameter draws (calibrated_draws.csv); returns the headline figures."""
    out = Path(out)
    names = list(settings.parameters)
    write_frame(trials, out / "trials.csv")
    iv = intervals(trials, names, settings.parameters)
    write_frame(iv, out / "intervals.csv")
    best = trials.loc[trials["loss"].idxmin()]
    start = trials.loc[trials["number"].idxmin()]
    dr = draws(trials, names, settings.draws)
    head = {"candidates": int(len(trials)), "runs": int(len(trials) * len(settings.seeds)),
            "start_loss": float(start["loss"]), "start_rmse": float(start["rmse"]),
            "best_loss": float(best["loss"]), "best_rmse": float(best["rmse"]), "fitted": len(names),
            "draws": int(len(dr)), "frozen_hash": frozen_hash(), "mode": settings.mode}
    atomic_write(out / "result.json", lambda p: p.write_text(json.dumps(head, indent=1)))
    note = (f"{head['candidates']} candidates x {len(settings.seeds)} seeds; loss {head['start_loss']:.1f} -> "
            f"{head['best_loss']:.1f} (RMSE {head['start_rmse']:.2f} -> {head['best_rmse']:.2f} points)\n"
            f"frozen inputs hash {head['frozen_hash']} (sim.history.frozen_hash: data/, historical scenario, settings)")
    if calibrated is not None:
        write_calibrated(Path(calibrated), {n: float(best[n]) for n in names}, iv, note)
        write_frame(iv, Path(calibrated).with_name(Path(calibrated).stem + "_intervals.csv"), float_format="%.6g")
    if draws_path is not None:
        text = (f"# Parameter draws of `sim calibrate`: candidates within the 95% chi-square region of the best "
                f"({note.splitlines()[0]})\n" + dr.to_csv(index=False))
        atomic_write(Path(draws_path), lambda p: p.write_text(text))
    return head


def calibrated_ranges(path: Path | str | None = None) -> dict[str, list[float]]:
    """The fitted parameters' 95% intervals ({dotted name: [low, high]}, from calibrated_intervals.csv): ranges
    for sweeps and sensitivity analyses that stay within what the 2014-2019 polls allow."""
    path = Path(path or INTERVALS)
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read the calibrated intervals ({e})", file=str(path)) from None
    if not {"parameter", "low", "high"} <= set(df.columns) or df.empty:
        raise InputError("not a table of intervals", file=str(path), allowed="columns parameter, low, high")
    return {str(r.parameter): [float(r.low), float(r.high)] for r in df.itertuples() if r.low < r.high}
