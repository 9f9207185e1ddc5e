"""Command line: `sim run`, `sim compare`, `sim validate`."""

from __future__ import annotations

import argparse
import glob
import pickle
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import yaml

from .batch import run_experiment
from .experiment import from_scenarios, load_experiment
from .model import StateError
from .results import describe, load_results
from .scenario import ScenarioError, load_scenario
from .strategies import StrategyError, parse_strategy, strategy_label

RESULTS = Path("results")


def _overrides(items: list[str]) -> dict:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise ScenarioError("an override is KEY=VALUE", file="--set", given=item,
                                allowed="dotted.path=value, e.g. disputes.deterrence=0")
        k, v = item.split("=", 1)
        out[k.strip()] = yaml.safe_load(v)
    return out


def _seeds(text: str) -> list[int]:
    """'100' -> 0..99; '1,5,9' -> those; '10-19' -> 10..19."""
    try:
        if "," in text:
            return [int(s) for s in text.split(",") if s.strip()]
        if "-" in text.strip("-"):
            a, b = text.split("-", 1)
            return list(range(int(a), int(b) + 1))
        n = int(text)
    except ValueError:
        raise ScenarioError("not a seed count or list", file="--seeds", given=text,
                            allowed="N (seeds 0..N-1), A-B, or a comma-separated list") from None
    if n < 1:
        raise ScenarioError("need at least one seed", file="--seeds", given=text, allowed="N >= 1")
    return list(range(n))


def _strategy_names(scen) -> str:
    from .params import PRESETS

    return ", ".join(sorted(set(PRESETS) | set(scen.data["strategies"]))) + ", or kr=NAME,jp=NAME"


def cmd_run(args: argparse.Namespace) -> int:
    from .plots import plot_run
    from .runner import run
    from .store import run_provenance, write_frame, write_json

    scen = load_scenario(args.scenario, _overrides(args.set))
    strategy = args.strategy or scen.data["strategy"]
    try:
        parse_strategy(strategy, scen.data)
    except StrategyError as e:
        raise ScenarioError(str(e), file="--strategy", given=strategy, allowed=_strategy_names(scen)) from None
    state = None
    if args.from_state:
        try:
            with open(args.from_state, "rb") as fh:
                state = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as e:
            raise ScenarioError(f"cannot read saved state ({e})", file=args.from_state) from None
    label = strategy_label(strategy).replace(",", "_").replace("=", "-")
    out = Path(args.out) if args.out else RESULTS / f"run_{scen.name}_{label}_seed{args.seed}"
    t0 = time.perf_counter()
    try:
        res = run(scen, strategy, args.seed, state=state, save_state=bool(args.save_state))
    except StateError as e:
        raise ScenarioError(str(e), file=args.from_state) from None
    elapsed = time.perf_counter() - t0
    write_frame(res.monthly, out / "monthly.parquet")
    if args.csv:
        write_frame(res.monthly, out / "monthly.csv")
    write_frame(res.events, out / "events.csv")
    write_frame(pd.DataFrame([res.summary]), out / "summary.csv")
    write_json(res.summary, out / "summary.json")
    write_json(run_provenance([scen], [args.seed], [strategy_label(strategy)],
                              {"command": " ".join(sys.argv), "from_state": args.from_state,
                               "seconds": round(elapsed, 3)}), out / "provenance.json")
    if args.save_state:
        with open(args.save_state, "wb") as fh:
            pickle.dump(res.state, fh)
    if not args.no_plot:
        fig = plot_run(res.monthly, res.events, f"{scen.name} - {strategy_label(strategy)} - seed {args.seed}")
        fig.savefig(out / "run.png", dpi=110)
    s = res.summary
    print(f"{scen.name} | {strategy_label(strategy)} | seed {args.seed} | {elapsed:.2f} s")
    print(f"  discounted health {s['health_discounted']:.3f}, cooperation {s['cooperation_discounted']:.3f}, "
          f"crisis months {s['crisis_months']}, settlements {s['n_dispute_settled']}, "
          f"standoffs {s['n_dispute_linked']}")
    print(f"  wrote {out}/")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare_table, format_table, recovery_table
    from .plots import plot_distributions
    from .store import write_frame

    paths = []
    for pattern in args.scenarios:
        hits = sorted(glob.glob(pattern))
        if not hits:
            raise ScenarioError("no scenario file matches", file=pattern)
        paths += hits
    over = _overrides(args.set)
    scenarios = [load_scenario(p, over) for p in paths]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ScenarioError("two scenario files share a name", file=", ".join(paths), given=names)
    sep = ";" if ";" in args.strategies else ","
    strategies = [s.strip() for s in args.strategies.split(sep) if s.strip()]
    for st in strategies:
        for sc in scenarios:
            try:
                parse_strategy(st, sc.data)
            except StrategyError as e:
                raise ScenarioError(str(e), file="--strategies", given=st, allowed=_strategy_names(sc)) from None
    if len(strategies) < 2:
        raise ScenarioError("compare needs at least two strategies", file="--strategies", given=args.strategies)
    seeds = _seeds(args.seeds)
    out = Path(args.out) if args.out else RESULTS / f"compare_{datetime.now():%Y%m%d-%H%M%S}"
    total = len(scenarios) * len(strategies) * len(seeds)
    print(f"{len(scenarios)} scenarios x {len(strategies)} strategies x {len(seeds)} seeds = {total} runs "
          f"on {args.jobs or 'all'} processes", flush=True)
    t0 = time.perf_counter()
    exp = from_scenarios("compare", scenarios, strategies, seeds, monthly=True)
    run_experiment(exp, out, jobs=args.jobs, scheduler=args.scheduler, progress=True, load=False)
    res = load_results(out, monthly=False)
    elapsed = time.perf_counter() - t0
    summaries = res.summaries
    labels = [strategy_label(s) for s in strategies]
    tol = scenarios[0].data["outputs"]["tie_tolerance"]
    table = compare_table(summaries, labels[0], labels[1:], tol)
    print(format_table(table))
    recovery = recovery_table(summaries)
    print("\nRecovery after the first major shock (Kaplan-Meier median, censored at the run's end):")
    for _, r in recovery.iterrows():
        print(f"  {r['scenario']:<26} {r['strategy']:<12} recovered {r['share_recovered']:.0%} of "
              f"{r['major_shock_runs']} runs, median {r['km_median_recovery_months']:.0f} months, "
              f"breakdown in {r['share_breakdown']:.0%}")
    write_frame(table, out / "comparison.csv")
    write_frame(recovery, out / "recovery.csv")
    fig = plot_distributions(summaries, ["health_discounted", "cooperation_discounted"], labels)
    fig.savefig(out / "distributions.png", dpi=110)
    print(f"\n{total} runs in {elapsed:.1f} s; wrote {out}/ (manifest.json, runs.parquet, summaries/, monthly/, "
          f"comparison.csv, recovery.csv, distributions.png); read it with sim.load_results")
    return 1 if len(res.failures) else 0


def cmd_batch(args: argparse.Namespace) -> int:
    exp = load_experiment(args.experiment)
    out = Path(args.out) if args.out else RESULTS / exp.name
    if args.dry_run:
        print(dry_run(exp, out, args.jobs))
        return 0
    print(f"experiment {exp.name!r}: {len(exp)} runs -> {out}/", flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill (TERM) stops as cleanly as Ctrl-C
    try:
        run_experiment(exp, out, jobs=args.jobs, scheduler=args.scheduler, overwrite=args.overwrite,
                       progress=not args.quiet, load=False)
    except KeyboardInterrupt:
        print("\ninterrupted: completed runs are kept; run the same command again to resume", file=sys.stderr)
        return 130
    res = load_results(out, monthly=False)
    print(describe(res))
    if len(res.failures):
        print(f"{len(res.failures)} runs failed: see {out}/failures/ (tracebacks and parameters)", file=sys.stderr)
        return 1
    return 0


def dry_run(exp, out: Path, jobs: int | None) -> str:
    """Runs to do, and an estimate of time and disk from one timed run of the first spec."""
    from .batch import execute_runs
    from .results import ResultStore
    from .runner import default_workers

    store = ResultStore(out)
    done = store.done_keys() if (store.summ_dir.exists() and store.manifest() and
                                 store.manifest().get("name") == exp.name) else set()
    pending = [k for k in exp.keys if k not in done]
    t0 = time.perf_counter()
    rec = execute_runs([(exp.keys[0], exp.specs[0])], exp.monthly)[0]
    one = time.perf_counter() - t0
    size = 0
    if rec["ok"] and rec["monthly"] is not None:
        import tempfile

        from .store import write_frame

        with tempfile.TemporaryDirectory() as tmp:  # the same encoding as the batch's parts
            part = Path(tmp) / "one.parquet"
            write_frame(rec["monthly"], part)
            size = part.stat().st_size
    workers = jobs or default_workers()
    return (f"experiment {exp.name!r}: {len(exp)} runs ({len(exp.scenarios)} scenarios, sweep points "
            f"{len({s.tags.get('point') for s in exp.specs})}, strategies "
            f"{len({s.strategy_label for s in exp.specs})}, seeds {len({s.seed for s in exp.specs})}); "
            f"{len(pending)} to run, {len(exp) - len(pending)} already in {out}/\n"
            f"estimate: {one:.2f} s per run -> about {len(pending) * one / workers / 60:.1f} min on {workers} "
            f"processes; monthly outputs at most about {len(pending) * size / 2**20:.0f} MiB on disk (parts "
            f"of many runs compress better)")


def cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report

    try:
        path = build_report(args.path, args.out, reference=args.reference)
    except ValueError as e:
        raise ScenarioError(str(e), file=args.path) from None
    print(f"wrote {path} (self-contained; figures also as PNG and SVG in {path.parent / 'figures'}/)")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    print(describe(load_results(args.path, monthly=False)))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    for p in args.scenarios:
        s = load_scenario(p)
        print(f"ok  {p}  name={s.name}  hash={s.content_hash}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="sim", description="ROK-Japan relations: scenario simulation")
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run one simulation and write its outputs")
    r.add_argument("scenario")
    r.add_argument("--strategy", help="two_track, linked, package_deal, a custom name, or kr=NAME,jp=NAME")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--out", help="output directory (default results/run_SCENARIO_STRATEGY_seedN)")
    r.add_argument("--csv", action="store_true", help="also write monthly.csv")
    r.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a scenario field")
    r.add_argument("--save-state", metavar="FILE", help="save the final state for a warm start")
    r.add_argument("--from-state", metavar="FILE", help="warm-start from a saved state")
    r.add_argument("--no-plot", action="store_true")
    r.set_defaults(func=cmd_run)
    c = sub.add_parser("compare", help="compare strategies on scenarios with common random numbers")
    c.add_argument("scenarios", nargs="+")
    c.add_argument("--seeds", default="100", help="N (seeds 0..N-1), A-B, or a list 1,2,3")
    c.add_argument("--strategies", default="two_track,linked",
                   help="comma-separated; the first is the reference (A). Use ';' between kr=..,jp=.. pairs")
    c.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    c.add_argument("--out", help="output directory (default results/compare_TIMESTAMP)")
    c.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a field in every scenario")
    c.add_argument("--scheduler", help="a Dask scheduler address tcp://HOST:PORT, a scheduler file, or 'local'")
    c.set_defaults(func=cmd_compare)
    b = sub.add_parser("batch", help="run an experiment file: streamed results, resumable")
    b.add_argument("experiment")
    b.add_argument("--out", help="results directory (default results/NAME)")
    b.add_argument("-j", "--jobs", type=int, default=None, help="local worker processes (default: all cores)")
    b.add_argument("--scheduler", help="a Dask scheduler address tcp://HOST:PORT, a scheduler file, or 'local'")
    b.add_argument("--dry-run", action="store_true", help="print the number of runs and estimates, run nothing")
    b.add_argument("--overwrite", action="store_true", help="replace a results directory of another experiment")
    b.add_argument("--quiet", action="store_true", help="no progress output")
    b.set_defaults(func=cmd_batch)
    rp = sub.add_parser("report", help="write the workshop report (HTML, PNG, SVG) for a results directory")
    rp.add_argument("path")
    rp.add_argument("--out", help="report directory (default PATH/report)")
    rp.add_argument("--reference", help="the strategy others are compared with (default two_track)")
    rp.set_defaults(func=cmd_report)
    rs = sub.add_parser("results", help="summarise a results directory (also while its batch runs)")
    rs.add_argument("path")
    rs.set_defaults(func=cmd_results)
    v = sub.add_parser("validate", help="check scenario files")
    v.add_argument("scenarios", nargs="+")
    v.set_defaults(func=cmd_validate)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
