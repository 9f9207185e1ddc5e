"""The commands of `sim` (sim.cli parses): each parses its options, calls one library function and prints. The
model and the runners are imported by the commands that run them, so `sim validate` and option errors answer
without loading them."""

from __future__ import annotations

import argparse
import glob
import pickle
import signal
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

import yaml

from sim.config.experiment import MAX_RUNS, MAX_SEED, load_experiment
from sim.config.scenario import load_scenario
from sim.config.strategies import StrategyError, parse_strategy, strategy_label
from sim.errors import InputError, InputWarning, LimitError, SimError, StateError
from sim.outcomes import HEADLINE
from sim.runs.execution import Execution

RESULTS = Path("results")


def _overrides(items: list[str]) -> dict:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise InputError("an override is KEY=VALUE", file="--set", given=item,
                             allowed="dotted.path=value, e.g. disputes.deterrence=0")
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = yaml.safe_load(v)
        except yaml.YAMLError:
            raise InputError("the value is not valid YAML", file="--set", given=item,
                             allowed="a number, true/false, a string or a [list]") from None
    return out


def _seeds(text: str) -> list[int]:
    """'100' -> 0..99; '1,5,9' -> those; '10-19' -> 10..19."""
    allowed = f"N (seeds 0..N-1), A-B with 0 <= A <= B, or a comma-separated list of integers in [0, {MAX_SEED}]"
    text = text.strip()
    try:
        if "," in text:
            seeds = [int(s) for s in text.split(",") if s.strip()]
        elif "-" in text.lstrip("-"):
            a, b = text.split("-", 1)
            lo, hi = int(a), int(b)
            seeds = None
        else:
            lo, hi, seeds = 0, int(text) - 1, None
    except ValueError:
        raise InputError("not a seed count, range or list", file="--seeds", given=text, allowed=allowed) from None
    if seeds is None:
        if not 0 <= lo <= hi:
            raise InputError("the seeds asked for are none or negative", file="--seeds", given=text, allowed=allowed)
        if hi - lo + 1 > MAX_RUNS:
            raise LimitError("too many seeds", file="--seeds", given=text, allowed=f"at most {MAX_RUNS:,} seeds")
        seeds = list(range(lo, hi + 1))
    if not seeds or any(not 0 <= s <= MAX_SEED for s in seeds) or len(set(seeds)) != len(seeds):
        raise InputError("seeds must be distinct integers in range", file="--seeds", given=text, allowed=allowed)
    return seeds


def _execution(args: argparse.Namespace, **defaults: object) -> Execution:
    """How a command's runs execute, from its options (-j, --scheduler, --quiet, --no-limits, --overwrite)."""
    given = {"jobs": getattr(args, "jobs", None), "scheduler": getattr(args, "scheduler", None),
             "progress": not getattr(args, "quiet", False), "limits": not getattr(args, "no_limits", False),
             "overwrite": getattr(args, "overwrite", False)}
    return Execution(**{**given, **defaults})


def _strategy_names(scen) -> str:
    from sim.params import PRESETS

    return ", ".join(sorted(set(PRESETS) | set(scen.data["strategies"]))) + ", or kr=NAME,jp=NAME"


def _check_strategy(strategy: str, scen, option: str) -> None:
    try:
        parse_strategy(strategy, scen.data)
    except StrategyError as e:
        raise InputError(str(e), file=option, given=strategy, allowed=_strategy_names(scen)) from None


def cmd_run(args: argparse.Namespace) -> int:
    from sim.cli.rundir import default_run_dir, write_run_dir
    from sim.config.limits import check, estimate
    from sim.runs.runner import run
    from sim.runs.store import atomic_write

    if not 0 <= args.seed <= MAX_SEED:
        raise InputError("seed out of range", file="--seed", given=args.seed, allowed=f"an integer in [0, {MAX_SEED}]")
    scen = load_scenario(args.scenario, _overrides(args.set))
    strategy = args.strategy or scen.data["strategy"]
    _check_strategy(strategy, scen, "--strategy")
    check(estimate([scen.data], [1], 1), args.scenario, limits=not args.no_limits)
    state = None
    if args.from_state:
        try:
            with open(args.from_state, "rb") as fh:
                state = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as e:
            raise InputError(f"cannot read saved state ({e})", file=args.from_state,
                             allowed="a file written by --save-state") from None
    out = Path(args.out) if args.out else default_run_dir(scen, strategy, args.seed, RESULTS)
    t0 = time.perf_counter()
    try:
        res = run(scen, strategy, args.seed, state=state, save_state=bool(args.save_state))
    except StateError as e:
        raise InputError(str(e), file=args.from_state) from None
    elapsed = time.perf_counter() - t0
    write_run_dir(res, out, scen, strategy, args.seed, csv=args.csv, plot=not args.no_plot,
                  extra={"command": " ".join(sys.argv), "from_state": args.from_state, "seconds": round(elapsed, 3)})
    if args.save_state:
        atomic_write(Path(args.save_state), lambda p: p.write_bytes(pickle.dumps(res.state)))
    s = res.summary
    print(f"{scen.name} | {strategy_label(strategy)} | seed {args.seed} | {elapsed:.2f} s")
    print(f"  discounted health {s['health_discounted']:.3f}, cooperation {s['cooperation_discounted']:.3f}, "
          f"crisis months {s['crisis_months']}, settlements {s['n_dispute_settled']}, "
          f"standoffs {s['n_dispute_linked']}")
    if s["rule_fires"]:
        fired = "; ".join(f"{k.replace('.', ' ')} in month{'s' * (',' in v)} {v.replace(',', ', ')}"
                          for k, _, v in (p.partition("@") for p in s["rule_fires"].split(";")))
        print(f"  rules fired {s['n_rule_fired']} times: {fired} (strategy_switch in events.csv)")
    print(f"  wrote {out}/")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.analysis.words import format_recovery, format_robustness, format_rules, format_table
    from sim.present.figures.distributions import outcome_distributions
    from sim.runs.store import write_figure
    from sim.studies.compare import compare_strategies

    paths = []
    for pattern in args.scenarios:
        hits = sorted(glob.glob(pattern)) if "\x00" not in pattern else []
        if not hits:
            raise InputError("no scenario file matches", file=pattern, allowed="scenario files or a glob")
        paths += hits
    over = _overrides(args.set)
    scenarios = [load_scenario(p, over) for p in paths]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError("two scenario files share a name", file=", ".join(paths), given=names,
                         allowed="scenarios with distinct `name:` fields")
    sep = ";" if ";" in args.strategies else ","
    strategies = [s.strip() for s in args.strategies.split(sep) if s.strip()]
    for st in strategies:
        for sc in scenarios:
            _check_strategy(st, sc, "--strategies")
    seeds = _seeds(args.seeds)
    out = Path(args.out) if args.out else RESULTS / f"compare_{datetime.now():%Y%m%d-%H%M%S}"
    total = len(scenarios) * len(strategies) * len(seeds)
    procs = "1 process" if args.jobs == 1 else f"{args.jobs or 'all'} processes"
    print(f"{len(scenarios)} scenario{'' if len(scenarios) == 1 else 's'} x {len(strategies)} strategies x "
          f"{len(seeds)} seeds = {total} runs on {procs}", flush=True)
    draws = _draws(args)
    res = compare_strategies(scenarios, strategies, seeds, out, _execution(args), draws=draws)
    write_figure(outcome_distributions(res.summaries, HEADLINE, res.strategies, kind="box"), out / "distributions.png",
                 dpi=110)
    print(format_table(res.table))
    print("\n" + format_robustness(res.robustness))
    print("\n" + format_recovery(res.recovery))
    rules = format_rules(res.summaries)
    if rules:
        print("\n" + rules)
    print(f"\n{total} runs in {res.seconds:.1f} s; wrote {out}/ (manifest.json, runs.parquet, summaries/, monthly/, "
          f"comparison.csv, robustness.csv, recovery.csv, distributions.png); read it with sim.load_results")
    return 1 if len(res.failures) else 0


def _draws(args: argparse.Namespace) -> list[dict]:
    """The first K parameter draws of --draws (default the calibration's), or none without --parameter-draws."""
    k = getattr(args, "parameter_draws", None)
    if not k:
        return []
    from sim.studies.calibrate import DRAWS, load_draws

    path = Path(args.draws) if args.draws else DRAWS
    draws = load_draws(path)
    if not 1 <= k <= len(draws):
        raise InputError("more parameter draws asked for than the file holds", file="--parameter-draws", given=k,
                         allowed=f"1 to {len(draws)} (the draws in {path.name})")
    return draws[:k]


def cmd_replay(args: argparse.Namespace) -> int:
    from sim.studies.replay import run_replay

    seeds = _seeds(args.seeds)
    draws = _draws(args)
    drop = tuple(d for d in (args.drop or "").split(",") if d)
    out = Path(args.out) if args.out else RESULTS / f"replay_{args.mode}"
    print(f"replay 2012-08 to 2025-12 ({args.mode}): {len(seeds)} seeds"
          + (f" over {len(draws)} parameter draws" if draws else "") + f" -> {out}/", flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        table = run_replay(args.mode, seeds, out, _execution(args), draws=draws, drop=drop,
                           linkage=not args.no_linkage)
    except KeyboardInterrupt:
        print("\ninterrupted: completed runs are kept; run the same command again to resume", file=sys.stderr)
        return 130
    from sim.history.fit import rmse
    from sim.present.figures.fit import poll_fit
    from sim.runs.store import write_figure

    fig = poll_fit({args.mode: table})
    for ext in ("png", "svg"):
        write_figure(fig, out / f"replay.{ext}", dpi=110)
    err = rmse(table)
    print(err.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"wrote {out}/ (polls.csv, replay.png, replay.svg, monthly/, summaries/, manifest.json)")
    return 0


def cmd_patterns(args: argparse.Namespace) -> int:
    from sim.analysis.words import format_scoreboard
    from sim.studies.patterns import run_patterns

    seeds = _seeds(args.seeds)
    draws = _draws(args)
    out = Path(args.out) if args.out else RESULTS / "patterns"
    print(f"patterns of the record: the {args.mode} replay and the baseline, {len(seeds)} seeds"
          + (f" over {len(draws)} parameter draws" if draws else "") + f" -> {out}/", flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        board = run_patterns(seeds, out, args.mode, draws, execution=_execution(args))
    except KeyboardInterrupt:
        print("\ninterrupted: completed runs are kept; run the same command again to resume", file=sys.stderr)
        return 130
    print(format_scoreboard(board))
    print(f"wrote {out}/scoreboard.csv and scores.csv (and the runs: replay-{args.mode}/, declared/, baseline/)")
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    from sim.history.data import FIT_YEARS
    from sim.history.forecast import beats_naive
    from sim.studies.calibrate import load_settings
    from sim.studies.forecast import run_forecasts

    try:
        origins = tuple(int(o) for o in args.origins.split(",") if o.strip())
    except ValueError:
        origins = ()
    fit = list(FIT_YEARS)
    if not origins or any(not fit[0] <= o < fit[-1] for o in origins):
        raise InputError("not origin years", file="--origins", given=args.origins,
                         allowed=f"years from {fit[0]} to {fit[-1] - 1}, comma-separated (forecasts up to {fit[-1]})")
    seeds = _seeds(args.seeds)
    out = Path(args.out) if args.out else RESULTS / "forecast"
    print(f"rolling-origin forecasts: origins {', '.join(map(str, origins))}, {len(seeds)} seeds -> {out}/", flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        table, scores = run_forecasts(out, seeds, origins, load_settings(args.settings), args.budget,
                                      _execution(args))
    except KeyboardInterrupt:
        print("\ninterrupted: finished candidates and runs are kept; run the same command again to resume",
              file=sys.stderr)
        return 130
    print(scores.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    verdict = "beats" if beats_naive(scores) else "does not beat"
    print(f"the model {verdict} every naive forecast with at least 80% of the polls in its 90% bands "
          f"({len(table)} forecast points)")
    print(f"wrote {out}/forecast.csv and skill.csv (and each origin's calibration and replay)")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.runs.store import write_frame
    from sim.studies.calibrate import CALIBRATED, DRAWS, calibrate, finish, load_settings, screen

    settings = load_settings(args.settings)
    out = Path(args.out) if args.out else RESULTS / "calibration"
    if args.screen:
        table = screen(settings, _execution(args, jobs=args.jobs or 1))
        write_frame(table, out / "screening.csv", float_format="%.6g")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        print(f"wrote {out}/screening.csv")
        return 0
    budget = args.budget or settings.budget
    print(f"calibration: {len(settings.parameters)} parameters, {budget // len(settings.seeds)} candidates x "
          f"{len(settings.seeds)} seeds ({budget} runs) -> {out}/", flush=True)
    try:
        trials = calibrate(settings, out, _execution(args, jobs=args.jobs or 1), budget=budget)
    except KeyboardInterrupt:
        print("\ninterrupted: finished candidates are kept in the journal; run the same command again to resume",
              file=sys.stderr)
        return 130
    calibrated = Path(args.write) if args.write else CALIBRATED
    draws = calibrated.with_name(calibrated.stem + "_draws.csv") if args.write else DRAWS
    head = finish(settings, out, trials, calibrated, draws)
    print(f"loss {head['start_loss']:.1f} -> {head['best_loss']:.1f}; RMSE {head['start_rmse']:.2f} -> "
          f"{head['best_rmse']:.2f} points over the scored polls; {head['draws']} parameter draws")
    print(f"wrote {_shown(calibrated)} and {_shown(draws)}; {out}/ (trials.csv, intervals.csv, result.json, "
          "journal.log)")
    return 0


def _shown(path: Path) -> str:
    """A path as shown to the user: relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def cmd_fit_report(args: argparse.Namespace) -> int:
    import pandas as pd

    from sim.present.fit_report import write_fit_report
    from sim.runs.results import load_results
    from sim.studies.patterns import run_patterns
    from sim.studies.replay import run_replay

    seeds = _seeds(args.seeds)
    draws = _draws(args)
    out = Path(args.out) if args.out else RESULTS / "fit"
    replays = {"forced": ("forced", (), True), "free": ("free", (), True),
               "free-no_linkage": ("free", (), False), "free-no_pandemic": ("free", ("pandemic",), True)}
    frames = {}
    for name, (mode, drop, linkage) in replays.items():
        print(f"replay {name}: {len(seeds)} seeds", flush=True)
        run_replay(mode, seeds, out / name, _execution(args), draws=draws, drop=drop, linkage=linkage)
        frames[name] = load_results(out / name).monthly
    print(f"patterns of the record: {len(seeds)} seeds", flush=True)
    board = run_patterns(seeds, out / "patterns", "free", draws, replay=out / "free", execution=_execution(args))
    cal = Path(args.calibration) if args.calibration else RESULTS / "calibration"
    note = f"{len(seeds)} seeds" + (f" over {len(draws)} parameter draws" if draws else " at the point estimate")
    fc = Path(args.forecast) if args.forecast else RESULTS / "forecast"
    forecasts = (pd.read_csv(fc / "forecast.csv"), pd.read_csv(fc / "skill.csv")) \
        if (fc / "skill.csv").exists() and (fc / "forecast.csv").exists() else None
    path = write_fit_report(out, frames, cal if (cal / "result.json").exists() else None, note, board, forecasts)
    print(f"wrote {path}")
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    if args.path is not None and not Path(args.path).exists():
        raise InputError("no such file or directory", file=args.path,
                         allowed="an experiment or scenario file, a directory of scenarios, or a results directory")
    try:
        from sim.present.dashboard.app import serve
    except ImportError:
        raise InputError("the dashboard needs its extra", file="sim dashboard",
                         allowed='install it with: pip install -e ".[dashboard]"') from None
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {args.host}: anyone who can reach this machine can run the model", file=sys.stderr)
    print(f"dashboard on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    serve(args.path, args.host, args.port)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from sim.analysis.words import format_explain
    from sim.runs.store import write_frame
    from sim.studies.explain import explain

    scen = load_scenario(args.scenario, _overrides(args.set))
    strategies = [s.strip() for s in args.strategies.split(";" if ";" in args.strategies else ",") if s.strip()]
    for st in strategies:
        _check_strategy(st, scen, "--strategies")
    mechanisms = [m.strip() for m in args.mechanisms.split(",") if m.strip()] if args.mechanisms else None
    seeds = _seeds(args.seeds)
    out = Path(args.out) if args.out else RESULTS / f"explain_{datetime.now():%Y%m%d-%H%M%S}"
    table = explain(scen, strategies, seeds, mechanisms, outcome=args.outcome, out=out, execution=_execution(args))
    print(f"{scen.name}: {args.outcome}, {strategy_label(strategies[0])} (A) vs {strategy_label(strategies[1])} (B), "
          f"{len(seeds)} paired seeds; each mechanism switched off in turn for both strategies")
    print(format_explain(table))
    write_frame(table, out / "explain.csv")
    print(f"wrote {out}/explain.csv (and the runs: sim.load_results)")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from sim.config.experiment import with_draws
    from sim.runs.batch import plan, run_experiment
    from sim.runs.results import describe, load_results

    exp = with_draws(load_experiment(args.experiment, limits=not args.no_limits), _draws(args))
    out = Path(args.out) if args.out else RESULTS / exp.name
    if args.dry_run:
        print(plan(exp, out, _execution(args).workers))
        return 0
    print(f"experiment {exp.name!r}: {len(exp)} runs -> {out}/", flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill (TERM) stops as cleanly as Ctrl-C
    try:
        run_experiment(exp, out, _execution(args), load=False)
    except KeyboardInterrupt:
        print("\ninterrupted: completed runs are kept; run the same command again to resume", file=sys.stderr)
        return 130
    res = load_results(out, monthly=False)
    print(describe(res))
    if len(res.failures):
        print(f"{len(res.failures)} runs failed: see {out}/failures/ (tracebacks and parameters)", file=sys.stderr)
        return 1
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from sim.present.report import build_report

    try:
        path = build_report(args.path, args.out, reference=args.reference)
    except SimError:
        raise
    except ValueError as e:
        raise InputError(str(e), file=args.path) from None
    print(f"wrote {path} (self-contained; figures also as PNG and SVG in {path.parent / 'figures'}/)")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from sim.runs.results import describe, load_results

    print(describe(load_results(args.path, monthly=False)))
    return 0


def cmd_landscape(args: argparse.Namespace) -> int:
    from sim.analysis.landscape import landscape
    from sim.analysis.words import landscape_markdown
    from sim.outcomes import WEIGHTINGS
    from sim.runs.results import load_results
    from sim.runs.store import atomic_write

    res = load_results(args.path, monthly=False)
    a, b = (s.strip() for s in (args.strategies.split(";" if ";" in args.strategies else ",") + [""])[:2])
    have = set(res.summaries["strategy"]) if len(res.summaries) else set()
    for st in (a, b):
        if st not in have:
            raise InputError("strategy not in these results", file="--strategies", given=st,
                             allowed=", ".join(sorted(have)) or "(no finished runs)")
    settings = (res.manifest.get("experiment") or {}).get("analysis") or {}
    weightings = {**WEIGHTINGS, **(settings.get("weightings") or {})}
    table = landscape(res.summaries, a, b, weightings, args.margin)
    seeds = res.summaries.groupby(["scenario", "point", "strategy"]).size()
    text = (f"# Where each strategy wins: {res.manifest.get('name') or 'experiment'}\n\n"
            f"Generated by `sim landscape {args.path}` from {len(res.summaries)} runs ({seeds.min()}–{seeds.max()} "
            f"seeds a cell and strategy; code {(res.manifest.get('provenance') or {}).get('code_version')}).\n\n"
            + landscape_markdown(table))
    print(text)
    if args.markdown:
        atomic_write(Path(args.markdown), lambda p: p.write_text(text + "\n", encoding="utf-8"))
        print(f"wrote {args.markdown}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every file and print every problem of each; exit 2 if any file is bad."""
    bad = 0
    for p in args.files:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", InputWarning)
                if _is_experiment(p):
                    exp = load_experiment(p, limits=not args.no_limits)
                    line = f"ok  {p}  experiment={exp.name}  runs={len(exp)}  hash={exp.content_hash}"
                else:
                    s = load_scenario(p)
                    line = f"ok  {p}  name={s.name}  hash={s.content_hash}"
        except SimError as e:
            bad += 1
            for err in [e, *e.others]:
                print(f"error: {err}", file=sys.stderr)
            continue
        print(line)
        for w in caught:
            if issubclass(w.category, InputWarning):
                print(f"warning: {w.message}", file=sys.stderr)
    if bad and len(args.files) > 1:
        print(f"{bad} of {len(args.files)} files have problems", file=sys.stderr)
    return 2 if bad else 0


def _is_experiment(path: str) -> bool:
    """An experiment file names `scenarios:` and `strategies:` at its top level."""
    from sim.config.yamlio import read_yaml

    try:
        data, _ = read_yaml(Path(path))
    except InputError:
        return False  # load_scenario reports it
    return isinstance(data, dict) and "scenarios" in data and "strategies" in data
