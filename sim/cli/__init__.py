"""The command line (`sim run`, `sim compare`, `sim batch`, `sim explain`, `sim replay`, `sim calibrate`,
`sim fit-report`, `sim report`, `sim dashboard`, `sim results`, `sim landscape`, `sim validate`): the parser and
`main` here, one `cmd_*` function per command in sim.cli.commands (parse, call one library function, print).
"""

from __future__ import annotations

import argparse
import sys
import warnings

from sim.errors import SimError
from sim.outcomes import DEFAULT_MARGIN


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one `error: ...` line (exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {self.prog}: {message}; see `{self.prog} --help`\n")


def replay_options(p: argparse.ArgumentParser, out_help: str) -> None:
    """Seeds, output, processes, overwrite, quiet and parameter draws of the replay commands."""
    p.add_argument("--seeds", default="20", help="N (seeds 0..N-1), A-B, or a list 1,2,3")
    p.add_argument("--out", help=out_help)
    p.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--overwrite", action="store_true", help="replace a results directory of another replay")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    draw_options(p)


def draw_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--parameter-draws", type=int, metavar="K", help="run over the first K parameter draws of the "
                   "calibration (seed i under draw i mod K, the same for every strategy)")
    p.add_argument("--draws", metavar="FILE", help="parameter draws file (default "
                   "scenarios/history/calibrated_draws.csv)")


def build_parser() -> argparse.ArgumentParser:
    ap = Parser(prog="sim", description="ROK-Japan relations: scenario simulation")
    ap.add_argument("--debug", action="store_true", help="show Python tracebacks of errors")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=Parser)
    lim = argparse.ArgumentParser(add_help=False)
    lim.add_argument("--no-limits", action="store_true",
                     help="lift the resource limits (runs, memory, time); see docs/safety.md")
    pool = argparse.ArgumentParser(add_help=False)  # how the runs of an experiment execute (sim.Execution)
    pool.add_argument("-j", "--jobs", type=int, default=None, help="local worker processes (default: all cores)")
    pool.add_argument("--scheduler", help="a Dask scheduler address tcp://HOST:PORT, a scheduler file, or 'local'")
    r = sub.add_parser("run", parents=[lim], help="run one simulation and write its outputs")
    r.add_argument("scenario")
    r.add_argument("--strategy", help="two_track, linked, package_deal, a custom name, or kr=NAME,jp=NAME")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--out", help="output directory (default results/run_SCENARIO_STRATEGY_seedN)")
    r.add_argument("--csv", action="store_true", help="also write monthly.csv")
    r.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a scenario field")
    r.add_argument("--save-state", metavar="FILE", help="save the final state for a warm start")
    r.add_argument("--from-state", metavar="FILE", help="warm-start from a saved state")
    r.add_argument("--no-plot", action="store_true")
    r.set_defaults(handler="cmd_run")
    c = sub.add_parser("compare", parents=[lim, pool],
                       help="compare strategies on scenarios with common random numbers")
    c.add_argument("scenarios", nargs="+")
    c.add_argument("--seeds", default="100", help="N (seeds 0..N-1), A-B, or a list 1,2,3")
    c.add_argument("--strategies", default="two_track,linked",
                   help="comma-separated; the first is the reference (A). Use ';' between kr=..,jp=.. pairs")
    c.add_argument("--out", help="output directory (default results/compare_TIMESTAMP)")
    c.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a field in every scenario")
    draw_options(c)
    c.set_defaults(handler="cmd_compare")
    x = sub.add_parser("explain", parents=[lim, pool],
                       help="trace a strategy difference to named mechanisms (ablations under common random numbers)")
    x.add_argument("scenario")
    x.add_argument("--strategies", default="two_track,linked", help="A,B (use ';' between kr=..,jp=.. pairs)")
    x.add_argument("--seeds", default="50", help="N (seeds 0..N-1), A-B, or a list 1,2,3")
    x.add_argument("--mechanisms", help="comma-separated names (default: all of sim.studies.explain.MECHANISMS)")
    x.add_argument("--outcome", default="health_discounted", help="the outcome to trace (default health_discounted)")
    x.add_argument("--out", help="results directory (default results/explain_TIMESTAMP)")
    x.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a scenario field")
    x.set_defaults(handler="cmd_explain")
    b = sub.add_parser("batch", parents=[lim, pool], help="run an experiment file: streamed results, resumable")
    b.add_argument("experiment")
    b.add_argument("--out", help="results directory (default results/NAME)")
    b.add_argument("--dry-run", action="store_true", help="print the number of runs and estimates, run nothing")
    b.add_argument("--overwrite", action="store_true", help="replace a results directory of another experiment")
    b.add_argument("--quiet", action="store_true", help="no progress output")
    draw_options(b)
    b.set_defaults(handler="cmd_batch")
    h = sub.add_parser("replay", help="replay 2012-2025 (forced: every recorded event; free: only what governments "
                       "do not control)")
    h.add_argument("--mode", choices=("forced", "free"), default="free")
    h.add_argument("--drop", help="shock kinds to leave out (counterfactual), e.g. pandemic")
    h.add_argument("--no-linkage", action="store_true", help="no government links disputes (counterfactual)")
    replay_options(h, "results directory (default results/replay_MODE)")
    h.set_defaults(handler="cmd_replay")
    pt = sub.add_parser("patterns", help="score the model against the patterns of the record (replay and baseline)")
    pt.add_argument("--mode", choices=("forced", "free"), default="free", help="the replay scored (default free)")
    replay_options(pt, "results directory (default results/patterns)")
    pt.set_defaults(handler="cmd_patterns")
    fc = sub.add_parser("forecast", help="rolling-origin forecasts of the polls: calibrate up to each origin, "
                        "forecast the later years, score against naive forecasts (resumable)")
    fc.add_argument("--origins", default="2016,2017", help="origin years, comma-separated (default 2016,2017)")
    fc.add_argument("--seeds", default="20", help="N (seeds 0..N-1), A-B, or a list 1,2,3")
    fc.add_argument("--settings", help="calibration settings (default experiments/calibration/calibration.yaml)")
    fc.add_argument("--budget", type=int, help="runs of each origin's calibration (default the settings')")
    fc.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    fc.add_argument("--out", help="results directory (default results/forecast)")
    fc.add_argument("--quiet", action="store_true", help="no progress output")
    fc.set_defaults(handler="cmd_forecast")
    cb = sub.add_parser("calibrate", help="fit the named parameters to the 2014-2019 polls (resumable)")
    cb.add_argument("--settings", help="calibration settings (default experiments/calibration/calibration.yaml)")
    cb.add_argument("--budget", type=int, help="runs (candidates x seeds; default the settings')")
    cb.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default 1)")
    cb.add_argument("--out", help="calibration directory (default results/calibration)")
    cb.add_argument("--write", metavar="FILE", help="write the estimate here, not scenarios/history/calibrated.yaml")
    cb.add_argument("--screen", action="store_true", help="only the one-at-a-time screening of the candidates")
    cb.add_argument("--quiet", action="store_true", help="no progress output")
    cb.set_defaults(handler="cmd_calibrate")
    fr = sub.add_parser("fit-report", help="replays (forced, free, counterfactuals) and the fit report (HTML)")
    fr.add_argument("--calibration", help="calibration directory (default results/calibration)")
    fr.add_argument("--forecast", help="rolling-origin forecasts of `sim forecast` (default results/forecast)")
    replay_options(fr, "directory (default results/fit)")
    fr.set_defaults(handler="cmd_fit_report")
    d = sub.add_parser("dashboard", help="the interactive comparison dashboard in a browser (localhost)")
    d.add_argument("path", nargs="?", help="an experiment or scenario file, a directory of scenarios, or a results "
                   "directory to open")
    d.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    d.add_argument("--port", type=int, default=8765)
    d.set_defaults(handler="cmd_dashboard")
    rp = sub.add_parser("report", help="write the workshop report (HTML, PNG, SVG) for a results directory")
    rp.add_argument("path")
    rp.add_argument("--out", help="report directory (default PATH/report)")
    rp.add_argument("--reference", help="the strategy others are compared with (default two_track)")
    rp.set_defaults(handler="cmd_report")
    rs = sub.add_parser("results", help="summarise a results directory (also while its batch runs)")
    rs.add_argument("path")
    rs.set_defaults(handler="cmd_results")
    ls = sub.add_parser("landscape", help="verdict of every sweep cell under each weighting of health (Markdown)")
    ls.add_argument("path", help="a results directory of a swept experiment, e.g. results/landscape")
    ls.add_argument("--strategies", default="two_track,linked", help="A,B (default two_track,linked)")
    ls.add_argument("--margin", type=float, default=DEFAULT_MARGIN,
                    help=f"practical margin of a verdict (default {DEFAULT_MARGIN})")
    ls.add_argument("--markdown", metavar="FILE", help="also write the Markdown to FILE")
    ls.set_defaults(handler="cmd_landscape")
    v = sub.add_parser("validate", parents=[lim], help="check scenario and experiment files (all problems of each)")
    v.add_argument("files", nargs="+")
    v.set_defaults(handler="cmd_validate")
    return ap


def main(argv: list[str] | None = None) -> int:
    """Parse, call, print. Every error this tool raises on purpose (bad input, a held lock, a results directory
    that cannot be used, a file that cannot be written) is one line on stderr and exit status 2; anything else
    is a bug, reported in one line with exit status 4 (`sim --debug ...` shows the traceback)."""
    args = build_parser().parse_args(argv)
    warnings.showwarning = show_warning
    try:
        from sim.cli import commands  # after parsing: `sim --help` and usage errors need no model

        return getattr(commands, args.handler)(args)
    except SimError as e:
        if args.debug:
            raise
        more = f" (and {len(e.others)} more problems: `sim validate` lists them)" if e.others else ""
        print(f"error: {e}{more}", file=sys.stderr)
        return 2
    except OSError as e:
        if args.debug:
            raise
        where = e.filename or "output"
        print(f"error: {where}: cannot read or write ({e.strerror or e}); nothing completed was lost",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("error: out of memory; use fewer citizens, seeds or processes", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - a bug: one line, the traceback with --debug
        if args.debug:
            raise
        print(f"error: internal error ({e.__class__.__name__}: {' '.join(str(e).split())[:300]}); please report "
              "it with the command; rerun with --debug for the traceback", file=sys.stderr)
        return 4


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """Warnings as one `warning: ...` line on stderr."""
    print(f"warning: {message}", file=sys.stderr)
