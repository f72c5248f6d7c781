"""Command-line interface: a thin layer over `experiments` and `outputs`.

    openness run SCENARIO [--seed N] [--out DIR] [--months M] [--developers N] [--enterprises N]
    openness describe SCENARIO
    openness batch EXPERIMENT [--workers N] [--out DIR] [--resume] [--scheduler ADDRESS]
    openness results DIR [--table world|labs] [--csv FILE]
    openness compare DIR [--baseline ARM] [--metrics M ...] [--months YYYY-MM ...]
    openness sensitivity DIR [--metrics M ...] [--months YYYY-MM ...] [--arm ARM]
    openness validate SCENARIO ... | --all [--seeds N] [--out DIR] [--workers N]

Exit status: 0 success; 1 an internal error (a bug: please report it); 2 bad input (a
scenario or experiment file, an argument, an output directory openness may not write); 3 a
batch or validation in which some runs failed; 4 a validation in which some target failed;
5 results could not be written (disk full, permission); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from openness import __version__

EXIT_BAD_INPUT = 2
EXIT_RUNS_FAILED = 3
EXIT_TARGETS_FAILED = 4
EXIT_WRITE_FAILED = 5
EXIT_INTERRUPTED = 130
OVERRIDE_FLAGS = {
    "months": "simulation.months",
    "developers": "simulation.developers",
    "enterprises": "simulation.enterprises",
}


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63 - 1, got {value}")
    return value


#: per command: what it writes, and the exit codes it can give (shown by `--help`)
COMMAND_NOTES = {
    "run": (
        "DIR (default results/NAME-sSEED): world.parquet, labs.parquet, decisions.parquet, "
        "events.parquet, summary.json, adoption.png/.svg, .openness.json; with --report "
        "also report.html, report.md, figures/",
        (0, 1, 2, 5, 130),
    ),
    "describe": ("nothing (prints the resolved configuration as JSON)", (0, 1, 2)),
    "batch": (
        "DIR (default results/NAME): manifest.json, experiment.json, events.parquet, "
        "world/RUN_ID.parquet, labs/RUN_ID.parquet, .openness.json",
        (0, 1, 2, 3, 5, 130),
    ),
    "results": ("nothing, or the CSV file of --csv", (0, 1, 2, 5)),
    "compare": ("DIR/compare.csv (or --csv FILE)", (0, 1, 2, 5)),
    "sensitivity": ("DIR/sensitivity.csv (or --csv FILE)", (0, 1, 2, 5)),
    "validate": (
        "OUT/NAME/ per scenario (default OUT results/validation): validation.md, "
        "validation.csv, runs/ (the ensemble as a batch directory)",
        (0, 1, 2, 3, 4, 5, 130),
    ),
    "report": (
        "DIR/report.html, DIR/report.md, DIR/figures/ (into a run, batch or validation "
        "directory openness wrote)",
        (0, 1, 2, 5),
    ),
}
EXIT_MEANINGS = {
    0: "success",
    1: "internal error (a bug; --debug shows the traceback)",
    2: "bad input: a file, an argument or an output openness may not write",
    3: "some runs failed (errors in manifest.json)",
    4: "some target failed",
    5: "results could not be written (disk full, permission)",
    130: "interrupted",
}


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
    batch.add_argument("--workers", type=_count, help="local worker processes (default: cores)")
    batch.add_argument(
        "--out",
        help="result directory (default: results/NAME); it must be "
        "new or empty, or an interrupted batch of the same experiment with "
        "--resume",
    )
    batch.add_argument("--resume", action="store_true", help="finish an interrupted batch")
    batch.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on this dask.distributed scheduler instead of locally",
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

    compare = _command(sub, "compare", "effects of each arm against a baseline arm")
    compare.add_argument("directory", type=Path, help="batch result directory")
    compare.add_argument("--baseline", help="baseline arm (default: the experiment's)")
    compare.add_argument("--metrics", nargs="+", help="metrics (default: all kept)")
    compare.add_argument("--months", nargs="+", metavar="YYYY-MM", help="months (default: all)")
    compare.add_argument("--csv", type=Path, help="CSV path (default: DIR/compare.csv)")
    compare.set_defaults(handler=_cmd_compare)

    sens = _command(sub, "sensitivity", "Sobol indices of a Saltelli-design batch")
    sens.add_argument("directory", type=Path, help="batch result directory")
    sens.add_argument("--metrics", nargs="+", help="outcomes (default: all kept)")
    sens.add_argument("--months", nargs="+", metavar="YYYY-MM", help="months (default: all)")
    sens.add_argument("--arm", help="arm to analyse (default: the baseline arm)")
    sens.add_argument("--csv", type=Path, help="CSV path (default: DIR/sensitivity.csv)")
    sens.set_defaults(handler=_cmd_sensitivity)

    val = _command(sub, "validate", "test a scenario's pattern targets over many seeds")
    val.add_argument("scenarios", type=Path, nargs="*", help="scenario TOML files")
    val.add_argument(
        "--all", action="store_true", help="every scenario with targets under scenarios/"
    )
    val.add_argument("--seeds", type=_count, default=30, help="replications (default 30)")
    val.add_argument(
        "--out",
        default=str(Path("results") / "validation"),
        help="where reports go, one directory per scenario (default "
        "results/validation); a scenario's directory is replaced only if "
        "openness wrote it",
    )
    val.add_argument("--workers", type=_count, help="local worker processes (default: cores)")
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
    return parser


def _load(args: argparse.Namespace):
    from openness.scenario import ScenarioError, load_scenario

    overrides = {
        key: getattr(args, flag)
        for flag, key in OVERRIDE_FLAGS.items()
        if getattr(args, flag, None) is not None
    }
    try:
        return load_scenario(args.scenario, overrides)
    except ScenarioError as exc:
        raise _name_flags(exc, overrides) from None


def _name_flags(exc, overrides: dict):
    """The same error, saying which problems a command-line flag set."""
    from openness.scenario import ScenarioError

    flags = {k: f for f, k in OVERRIDE_FLAGS.items() if k in overrides}
    problems = [
        (file, field, f"{problem} (set by --{flags[field]})" if field in flags else problem)
        for file, field, problem in exc.problems
    ]
    if problems == exc.problems:
        return exc
    return ScenarioError(problems[0][0], problems[0][1], problems[0][2], problems=problems)


def _cmd_describe(args: argparse.Namespace) -> int:
    from openness.scenario import content_hash

    scenario = _load(args)
    print(
        json.dumps(
            {"content_hash": content_hash(scenario), **scenario.model_dump(mode="json")}, indent=2
        )
    )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from openness.experiments import run_scenario
    from openness.files import check_output, under
    from openness.outputs import plots
    from openness.outputs.tables import write_run
    from openness.scenario.load import chain_files, scheduled_after_end

    scenario = _load(args)
    seed = scenario.simulation.seed if args.seed is None else args.seed
    out = args.out if args.out is not None else under("results", f"{scenario.name}-s{seed}")
    out = check_output(out, inputs=chain_files(args.scenario))
    for item in scheduled_after_end(scenario):
        print(f"openness: warning: not simulated in this shortened run: {item}", file=sys.stderr)
    result = run_scenario(
        scenario, seed, progress=not args.quiet and sys.stderr.isatty(), source=str(args.scenario)
    )

    def figures(directory: Path) -> None:
        fig = plots.adoption_curves(
            result.tables["world"],
            result.tables["events"],
            title=f"{scenario.name}: open-weight adoption (seed {seed})",
        )
        plots.save(fig, directory / "adoption")

    write_run(out, result.tables, result.provenance, extras=figures)
    if not args.quiet:
        _print_summary(result.provenance, out)
    if args.report:
        _report(out, args.quiet)
    return 0


def _report(directory: Path, quiet: bool = False) -> None:
    from openness.outputs.report import write_report

    html_path, md_path = write_report(directory)
    if not quiet:
        print(f"wrote {html_path} and {md_path}")


def _cmd_report(args: argparse.Namespace) -> int:
    _report(args.directory)
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from openness.experiments import load_experiment, run_batch
    from openness.files import check_output, under

    loaded = load_experiment(args.experiment)
    if args.scheduler:
        from openness.experiments.executors import require_dask

        require_dask(str(args.experiment))
    out = args.out if args.out is not None else under("results", loaded.spec.name)
    # a new batch needs a new or empty directory; --resume one that openness wrote
    out = check_output(
        out,
        inputs=[args.experiment, *loaded.input_files()],
        existing="replace" if args.resume else "empty",
        hint="pass --resume to finish that batch, or choose another --out",
    )
    stop = threading.Event()

    def on_ctrl_c(signum, frame):
        if stop.is_set():  # a second Ctrl-C aborts the runs in progress
            raise KeyboardInterrupt
        stop.set()
        print(
            "\nopenness: stopping after the runs in progress (Ctrl-C again to abort)",
            file=sys.stderr,
        )

    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        summary = run_batch(
            loaded,
            out,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            stop=stop,
        )
    except KeyboardInterrupt:
        summary = None
    finally:
        signal.signal(signal.SIGINT, previous)
    if summary is None or summary.stopped:
        print(
            f"openness: interrupted; completed runs are kept in {out}/; run the same command "
            "with --resume to finish",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if not args.quiet:
        print(
            f"batch '{loaded.spec.name}': {summary.done} runs done, {summary.failed} failed, "
            f"{summary.skipped} already complete, of {summary.total}, in "
            f"{summary.seconds:.1f} s -> {out}/"
        )
    if summary.failed:
        print(
            f"openness: {summary.failed} run(s) failed; their errors are in "
            f"{out}/manifest.json; rerun with --resume to retry them",
            file=sys.stderr,
        )
        return EXIT_RUNS_FAILED
    if args.report:
        _report(out, args.quiet)
    return 0


def _cmd_results(args: argparse.Namespace) -> int:
    from openness.experiments import load_results, read_manifest

    manifest = read_manifest(args.directory)
    df = load_results(args.directory, args.table)
    print(
        f"{manifest['experiment']}: {manifest.get('counts', {})}; {args.table} table "
        f"{df.shape[0]} rows x {df.shape[1]} columns"
    )
    if not df.empty:
        print(df.head(10).to_string(index=False))
    if args.csv:
        _write_csv(df, args.csv)
        print(f"wrote {args.csv}")
    return 0


def _write_csv(df, path: Path | None, directory: Path | None = None, default: str = "") -> Path:
    """Write a CSV atomically: to `path`, or to `directory/default` (recorded as openness's)."""
    from openness.files import add_entries, atomic_write_with, check_owned

    if path is None:
        assert directory is not None
        directory = check_owned(directory, [default])
        path = directory / default
        atomic_write_with(path, lambda tmp: df.to_csv(tmp, index=False))
        add_entries(directory, [default])
        return path
    atomic_write_with(Path(path), lambda tmp: df.to_csv(tmp, index=False))
    return Path(path)


def _stored_experiment(directory: Path):
    from openness.experiments import Experiment, read_manifest

    read_manifest(directory)  # a clear error if this is not a batch directory
    return Experiment.model_validate_json((directory / "experiment.json").read_text())


def _cmd_compare(args: argparse.Namespace) -> int:
    from openness.experiments import compare_arms, load_results
    from openness.experiments.compare import format_comparison
    from openness.scenario import ExperimentError

    spec = _stored_experiment(args.directory)
    df = load_results(args.directory)
    baseline = args.baseline or spec.baseline
    try:
        table = compare_arms(df, baseline, args.metrics, args.months, seed=spec.seed)
    except (ValueError, KeyError) as exc:
        raise ExperimentError(args.directory, "--baseline/--metrics", str(exc)) from None
    print(format_comparison(table))
    path = _write_csv(table, args.csv, args.directory, "compare.csv")
    print(f"wrote {path}")
    return 0


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from openness.experiments import load_results, sobol_indices
    from openness.experiments.compare import with_month_labels
    from openness.scenario import ExperimentError

    spec = _stored_experiment(args.directory)
    df = load_results(args.directory)
    metrics = args.metrics or list(spec.outputs.metrics)
    try:
        table = sobol_indices(df, spec, metrics, args.months, args.arm, seed=spec.seed)
    except (ValueError, KeyError) as exc:
        raise ExperimentError(args.directory, "design", str(exc)) from None
    print(with_month_labels(table).to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    path = _write_csv(table, args.csv, args.directory, "sensitivity.csv")
    print(f"wrote {path}")
    return 0


def project_scenarios() -> Path:
    """The project's scenarios/ directory: beside src/ in a checkout (wherever the command
    runs from), else ./scenarios."""
    import openness

    beside = Path(openness.__file__).resolve().parents[2] / "scenarios"
    return beside if beside.is_dir() else Path("scenarios")


def _scenarios_with_targets(args: argparse.Namespace) -> list[Path]:
    from openness.scenario import ScenarioError, load_scenario

    if args.all:
        root = project_scenarios()
        paths = sorted(p for p in root.rglob("*.toml")) if root.is_dir() else []
        found = [p for p in paths if load_scenario(p).targets]
        if not found:  # an installed package outside its project: say so, do not pass
            raise ScenarioError(
                root,
                "",
                "--all validates every scenario file with "
                "[[targets]] in the project's scenarios/, and there is none "
                "here; name the scenario files instead",
            )
        return found
    if not args.scenarios:
        raise ScenarioError("(none)", "", "name at least one scenario file, or pass --all")
    for path in args.scenarios:
        if not load_scenario(path).targets:
            raise ScenarioError(path, "targets", "has no [[targets]] to validate")
    return list(args.scenarios)


def _cmd_validate(args: argparse.Namespace) -> int:
    from openness.experiments.validation import ensemble_experiment, validate_scenario
    from openness.files import check_output, replace_directory, under
    from openness.scenario import ScenarioError, load_scenario
    from openness.scenario.load import chain_files

    overrides = {
        key: getattr(args, flag)
        for flag, key in OVERRIDE_FLAGS.items()
        if getattr(args, flag, None) is not None
    }
    paths = _scenarios_with_targets(args)
    inputs = [f for p in paths for f in chain_files(p)]
    root = check_output(args.out, inputs=inputs, existing="any")
    plans = []
    for path in paths:  # refuse every output before the first run
        try:
            scenario = load_scenario(path, overrides)
        except ScenarioError as exc:
            raise _name_flags(exc, overrides) from None
        ensemble_experiment(path, args.seeds, overrides)  # its targets and comparisons
        out = check_output(under(root, scenario.name), inputs=inputs, what=f"--out/{scenario.name}")
        plans.append((path, scenario, out))
    failed = 0
    for path, scenario, out in plans:
        outcome: dict = {}

        def build(tmp: Path, path=path, scenario=scenario, outcome=outcome) -> None:
            outcome.update(
                validate_scenario(path, scenario, args.seeds, tmp, overrides, args.workers)
            )

        replace_directory(out, build, "validation", {"scenario": scenario.name})
        print(outcome["markdown"])
        print(f"wrote {out}/validation.md and validation.csv")
        if args.report:
            _report(out)
        verdicts = outcome["table"]["verdict"]
        failed += int((verdicts == "FAIL").sum())
        skipped = int((verdicts == "not evaluated").sum())
        if skipped:
            print(
                f"openness: warning: {skipped} target(s) of {scenario.name} read months "
                "that were not simulated: not evaluated",
                file=sys.stderr,
            )
    if failed:
        print(f"openness: {failed} target(s) failed", file=sys.stderr)
        return EXIT_TARGETS_FAILED
    return 0


def _print_summary(p: dict, out: Path) -> None:
    f = p["final"]
    print(
        f"openness {p['package_version']}: scenario '{p['scenario']}' seed {p['seed']}, "
        f"{p['start']} to {p['end']} ({p['months']} months, {p['developers']:,} developers, "
        f"{p['enterprises']:,} enterprises) in {p['wall_seconds']:.1f} s"
    )
    print(
        f"  open share of developers      {100 * f['open_share_dev_count']:5.1f}% by count, "
        f"{100 * f['open_share_dev_tokens']:5.1f}% by tokens"
    )
    print(
        f"  enterprises open / hybrid     {100 * f['ent_open_share_count']:5.1f}% / "
        f"{100 * f['ent_hybrid_share_count']:5.1f}%  (open tokens "
        f"{100 * f['ent_open_share_tokens']:.1f}%)"
    )
    print(
        f"  labs with frontier-class open {f['n_frontier_open']:.0f} "
        f"({f['n_major_frontier_open']:.0f} of the 8 major families)"
    )
    print(
        f"  closed/open price ratio       {f['price_ratio']:.1f}x; open lag "
        f"{f['open_lag_months']:.1f} months; developer HHI {f['hhi_developers']:.3f}"
    )
    print(f"  wrote {out}/ (world, labs, decisions, events .parquet; summary.json; adoption.png)")


def main(argv: list[str] | None = None) -> int:
    from openness.experiments.validation import RunsFailed
    from openness.scenario import ScenarioError

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ScenarioError as exc:
        print(f"openness: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RunsFailed as exc:
        print(f"openness: error: {exc}", file=sys.stderr)
        return EXIT_RUNS_FAILED
    except KeyboardInterrupt:
        print("openness: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into e.g. `head`, which has closed: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # the disk is full, a permission is missing: say so plainly
        if args.debug:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        print(
            f"openness: error: could not write the results{where}: {exc.strerror or exc}. "
            "Nothing written is left looking complete; free space or fix the permission, "
            "then run the command again (a batch: with --resume)",
            file=sys.stderr,
        )
        return EXIT_WRITE_FAILED
    except Exception as exc:  # an internal failure: one line, not a traceback
        if args.debug:
            raise
        print(
            f"openness: internal error: {type(exc).__name__}: {exc} "
            "(please report it with the scenario file; --debug shows the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
