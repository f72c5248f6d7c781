"""The argument parser: every command with its options, description, files and exit codes."""

from __future__ import annotations

import argparse
from pathlib import Path

from openness import __version__
from openness.cli.commands import (  # noqa: F401
    _cmd_batch,
    _cmd_calibrate,
    _cmd_compact,
    _cmd_compare,
    _cmd_describe,
    _cmd_explore,
    _cmd_report,
    _cmd_results,
    _cmd_run,
    _cmd_sensitivity,
    _cmd_validate,
)
from openness.cli.options import COMMAND_NOTES, EXIT_MEANINGS  # noqa: F401

WORKERS_HELP = "local worker processes (default: $OPENNESS_WORKERS if set, else every core)"


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _shard(text: str) -> tuple[int, int]:
    """`i/N`: the i-th of N shares of a batch's runs."""
    index, _, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected i/N such as 2/8, got {text!r}") from None
    if not 1 <= i <= n:
        raise argparse.ArgumentTypeError(f"needs 1 <= i <= N, got {text!r}")
    return i, n


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63 - 1, got {value}")
    return value


def _epilog(command: str) -> str:
    writes, codes = COMMAND_NOTES[command]
    lines = [f"writes: {writes}", "exit status:"]
    lines += [f"  {code}  {EXIT_MEANINGS[code]}" for code in codes]
    return "\n".join(lines)


def _command(sub, name: str, summary: str) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=_epilog(name),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openness", description="Simulate the open- vs closed-weight AI model market."
    )
    parser.add_argument("--version", action="version", version=f"openness {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an internal error"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = _command(sub, "run", "run one scenario and write its tables and figure")
    run.add_argument("scenario", type=Path, help="scenario TOML file")
    run.add_argument("--seed", type=_seed, help="random seed (default: the scenario's)")
    run.add_argument(
        "--out",
        help="output directory (default: results/NAME-sSEED); an "
        "existing one is replaced only if openness wrote it",
    )
    run.add_argument("--months", type=_count, help="override simulation.months")
    run.add_argument("--developers", type=_count, help="override simulation.developers")
    run.add_argument("--enterprises", type=_count, help="override simulation.enterprises")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.add_argument(
        "--report",
        action="store_true",
        help="also write report.html (self-contained) and report.md",
    )
    run.set_defaults(handler=_cmd_run)

    describe = _command(sub, "describe", "print the fully resolved configuration")
    describe.add_argument("scenario", type=Path, help="scenario TOML file")
    describe.set_defaults(handler=_cmd_describe)

    batch = _command(sub, "batch", "run an experiment: arms x design x replications")
    batch.add_argument("experiment", type=Path, help="experiment TOML file")
    batch.add_argument("--workers", type=_count, help=WORKERS_HELP)
    batch.add_argument(
        "--out",
        help="result directory (default: results/NAME); it must be "
        "new or empty, or an interrupted batch of the same experiment with "
        "--resume",
    )
    batch.add_argument("--resume", action="store_true", help="finish an interrupted batch")
    batch.add_argument(
        "--replications",
        type=_count,
        help="override the experiment's replications (seeds 0..N-1 of its design), for a "
        "quick trial",
    )
    batch.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on this dask.distributed scheduler instead of locally",
    )
    batch.add_argument(
        "--shard",
        type=_shard,
        metavar="i/N",
        help="run only the i-th of N interleaved shares of the runs (a job array's task); "
        "each shard needs its own --out, and `openness compact` merges them",
    )
    batch.add_argument("--quiet", action="store_true", help="print nothing but errors")
    batch.add_argument(
        "--report",
        action="store_true",
        help="also write report.html (self-contained) and report.md",
    )
    batch.set_defaults(handler=_cmd_batch)

    results = _command(sub, "results", "load a batch's results as one table")
    results.add_argument("directory", type=Path, help="batch result directory")
    results.add_argument("--table", choices=("world", "labs"), default="world")
    results.add_argument("--csv", type=Path, help="also write the table as CSV")
    results.set_defaults(handler=_cmd_results)

    calibrate = _command(
        sub, "calibrate", "history matching: rule out the parameters the evidence makes implausible"
    )
    calibrate.add_argument("calibration", type=Path, help="calibration TOML file")
    calibrate.add_argument(
        "--out",
        type=Path,
        help="wave state directory (default: calibration/NAME); an interrupted calibration "
        "in it resumes",
    )
    calibrate.add_argument("--workers", type=_count, help=WORKERS_HELP)
    calibrate.add_argument("--quiet", action="store_true", help="print nothing but errors")
    calibrate.set_defaults(handler=_cmd_calibrate)

    compact = _command(
        sub,
        "compact",
        "merge a finished batch (or all the shards of one) into one dataset partitioned by arm",
    )
    compact.add_argument(
        "directories", type=Path, nargs="+", metavar="DIR", help="batch directory, or shards"
    )
    compact.add_argument(
        "--out",
        type=Path,
        help="new directory for the merged shards (default, for one batch: compact it in place)",
    )
    compact.set_defaults(handler=_cmd_compact)

    compare = _command(sub, "compare", "effects of each arm against a baseline arm")
    compare.add_argument("directory", type=Path, help="batch result directory")
    compare.add_argument("--baseline", help="baseline arm (default: the experiment's)")
    compare.add_argument("--metrics", nargs="+", help="metrics (default: all kept)")
    compare.add_argument("--months", nargs="+", metavar="YYYY-MM", help="months (default: all)")
    compare.add_argument("--csv", type=Path, help="CSV path (default: DIR/compare.csv)")
    compare.set_defaults(handler=_cmd_compare)

    sens = _command(
        sub,
        "sensitivity",
        "Sobol indices of a Saltelli-design batch, or Morris screening of a Morris-design one",
    )
    sens.add_argument("directory", type=Path, help="batch result directory")
    sens.add_argument("--metrics", nargs="+", help="outcomes (default: all kept)")
    sens.add_argument("--months", nargs="+", metavar="YYYY-MM", help="months (default: all)")
    sens.add_argument("--arm", help="arm to analyse (default: the baseline arm)")
    sens.add_argument(
        "--versus",
        metavar="ARM",
        help="Morris: screen the arm's paired effect against this arm (a policy effect)",
    )
    sens.add_argument("--csv", type=Path, help="CSV path (default: DIR/sensitivity.csv)")
    sens.set_defaults(handler=_cmd_sensitivity)

    val = _command(sub, "validate", "test a scenario's pattern targets over many seeds")
    val.add_argument("scenarios", type=Path, nargs="*", help="scenario TOML files")
    val.add_argument(
        "--all", action="store_true", help="every scenario with targets under scenarios/"
    )
    val.add_argument("--seeds", type=_count, default=30, help="replications (default 30)")
    val.add_argument(
        "--spend-heldout",
        action="store_true",
        help="also evaluate the held-out targets (calibration = false; "
        "scenarios/heldout/). Looking spends them: a held-out target seen once no longer "
        "tests a rule or value chosen after, so look once, at the end of a calibration",
    )
    val.add_argument(
        "--out",
        default=str(Path("results") / "validation"),
        help="where reports go, one directory per scenario (default "
        "results/validation); a scenario's directory is replaced only if "
        "openness wrote it",
    )
    val.add_argument(
        "--ensemble",
        type=Path,
        help="a parameter-ensemble file (scenarios/ensembles/): replication r runs parameter "
        "set r mod K, and shares passing are over parameter sets x seeds; refused if the "
        "ensemble was made by other model code",
    )
    val.add_argument("--workers", type=_count, help=WORKERS_HELP)
    val.add_argument("--developers", type=_count, help="override simulation.developers")
    val.add_argument("--enterprises", type=_count, help="override simulation.enterprises")
    val.add_argument(
        "--report",
        action="store_true",
        help="also write report.html and report.md for each scenario",
    )

    rep = _command(
        sub, "report", "HTML and Markdown report of a run, batch or validation directory"
    )
    rep.add_argument("directory", type=Path, help="run, batch or validation directory")
    rep.set_defaults(handler=_cmd_report)
    val.set_defaults(handler=_cmd_validate)

    exp = _command(sub, "explore", "serve the interactive explorer in the browser")
    exp.add_argument("scenario", type=Path, nargs="?", help="scenario TOML file to open first")
    exp.add_argument("--results", type=Path, help="run, batch or validation directory to show")
    exp.add_argument("--host", default="127.0.0.1", help="address to listen on (default local)")
    exp.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free)")
    exp.set_defaults(handler=_cmd_explore)
    return parser
