"""The commands: each a thin layer over `experiments` and `outputs`."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from openness.cli.options import (
    EXIT_INTERRUPTED,
    EXIT_RUNS_FAILED,
    EXIT_TARGETS_FAILED,
    OVERRIDE_FLAGS,
)


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
    if args.replications is not None:  # a quick trial: another experiment, with its own hash
        spec = loaded.spec.model_copy(update={"replications": args.replications, "seeds": None})
        loaded = type(loaded)(spec=spec, path=loaded.path)
    members = loaded.ensemble()
    if members is not None and not members.current:
        from openness.scenario.ensemble import stale_message

        print(
            f"openness: warning: {loaded.spec.ensemble}: {stale_message(members)}", file=sys.stderr
        )
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
            shard=args.shard,
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


def _cmd_compact(args: argparse.Namespace) -> int:
    from openness.experiments.compact import compact
    from openness.files import check_output
    from openness.scenario.errors import OutputError

    if len(args.directories) > 1 and args.out is None:
        raise OutputError(
            str(args.directories[0]),
            "--out",
            "merging several shards needs --out, a new directory for the whole batch",
        )
    out = args.out
    if out is not None and out.resolve() != args.directories[0].resolve():
        out = check_output(out, existing="any")
    record = compact(args.directories, out)
    where = out or args.directories[0]
    parts = sum(len(p) for p in record["tables"].values())
    print(f"compacted {record['runs']} runs into {parts} files -> {where}/dataset/")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from openness.calibration import load_calibration, run_calibration
    from openness.calibration.history import stale_waves
    from openness.calibration.members import draw_ensemble, ensemble_path
    from openness.calibration.report import markdown
    from openness.files import atomic_write_text, check_output, under

    loaded = load_calibration(args.calibration)
    out = args.out if args.out is not None else under("calibration", loaded.spec.name)
    out = check_output(out, inputs=[args.calibration], existing="replace")
    target = ensemble_path(loaded)
    _check_ensemble_target(target)
    progress = None if not args.quiet else False
    stale = stale_waves(out)
    if stale:
        print(
            f"openness: warning: {out}: wave(s) {', '.join(map(str, stale))} were run by other "
            "model code; their emulators describe that model, not this one: remove the "
            "directory to rerun the calibration",
            file=sys.stderr,
        )
    result = run_calibration(loaded, out, workers=args.workers, progress=progress)
    ensemble = draw_ensemble(loaded, result, out, workers=args.workers, progress=progress)
    if ensemble is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, (out / "ensemble.toml").read_text())
    report = markdown(loaded.spec, result, ensemble)
    atomic_write_text(out / "report.md", report)
    if not args.quiet:
        shares = ", ".join(f"{f:.1%}" for f in result.fractions)
        print(
            f"calibration '{loaded.spec.name}': {len(result.waves)} waves, non-implausible "
            f"share of the prior after each: {shares}; {result.stopped} -> {out}/report.md"
        )
        if ensemble is None:
            why = "nothing to draw from" if not result.keep.any() else "no drawn set confirmed"
            print(f"  no ensemble: {why}")
        else:
            print(f"  ensemble of {len(ensemble.members)} confirmed parameter sets -> {target}")
    return 0


def _check_ensemble_target(path: Path) -> None:
    """The ensemble file replaces only an ensemble file."""
    from openness.scenario import ScenarioError
    from openness.scenario.ensemble import load_ensemble
    from openness.scenario.errors import OutputError

    if not path.exists():
        return
    try:
        load_ensemble(path)
    except ScenarioError:
        raise OutputError(
            path,
            "ensemble.file",
            "exists and is not an ensemble file, so openness will not replace it: move it, "
            "or set [ensemble] file in the calibration to another path",
        ) from None


def _cmd_results(args: argparse.Namespace) -> int:
    from openness.experiments import load_results, read_manifest
    from openness.experiments.store import compacted

    manifest = read_manifest(args.directory)
    df = load_results(args.directory, args.table)
    form = "compacted" if compacted(args.directory) is not None else "per-run files"
    print(
        f"{manifest['experiment']}: {manifest.get('counts', {})}; {args.table} table "
        f"{df.shape[0]} rows x {df.shape[1]} columns; written by openness "
        f"{manifest.get('package_version', '(unknown version)')} ({form})"
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
    from openness.experiments.sensitivity import morris_indices
    from openness.scenario import ExperimentError

    spec = _stored_experiment(args.directory)
    df = load_results(args.directory)
    metrics = args.metrics or list(spec.outputs.metrics)
    try:
        if spec.design.kind == "morris":
            table = morris_indices(
                df, spec, metrics, args.months, args.arm, args.versus, seed=spec.seed
            )
        elif args.versus is not None:
            raise ValueError("--versus (effects against an arm) needs a 'morris' design")
        else:
            table = sobol_indices(df, spec, metrics, args.months, args.arm, seed=spec.seed)
    except (ValueError, KeyError) as exc:
        raise ExperimentError(args.directory, "design", str(exc)) from None
    print(with_month_labels(table).to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    path = _write_csv(table, args.csv, args.directory, "sensitivity.csv")
    print(f"wrote {path}")
    return 0


def _scenarios_with_targets(args: argparse.Namespace) -> list[Path]:
    from openness.experiments.validation import looked_at
    from openness.scenario import ScenarioError, load_scenario
    from openness.scenario.load import project_scenarios

    def targets(path: Path) -> tuple[bool, bool]:
        """Whether the file has targets, and whether validation may look at any of them."""
        scenario = load_scenario(path)
        return bool(scenario.targets), bool(looked_at(scenario, args.spend_heldout).targets)

    if args.all:
        root = project_scenarios()
        paths = sorted(p for p in root.rglob("*.toml")) if root.is_dir() else []
        seen = {p: targets(p) for p in paths}
        found = [p for p, (_, visible) in seen.items() if visible]
        held = [p for p, (has, visible) in seen.items() if has and not visible]
        if held:
            print(
                f"openness: {len(held)} file(s) with only held-out targets left unlooked at "
                "(--spend-heldout evaluates them)",
                file=sys.stderr,
            )
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
        has, visible = targets(path)
        if not has:
            raise ScenarioError(path, "targets", "has no [[targets]] to validate")
        if not visible:
            raise ScenarioError(
                path,
                "targets",
                "holds only held-out targets (calibration = false): looking at them spends "
                "them, so validate evaluates them only with --spend-heldout",
            )
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
    members = args.ensemble
    if members is not None:
        _current_ensemble(members)
        inputs.append(members)
    root = check_output(args.out, inputs=inputs, existing="any")
    plans = []
    for path in paths:  # refuse every output before the first run
        try:
            scenario = load_scenario(path, overrides)
        except ScenarioError as exc:
            raise _name_flags(exc, overrides) from None
        ensemble_experiment(path, args.seeds, overrides, args.spend_heldout, members)  # checks
        out = check_output(under(root, scenario.name), inputs=inputs, what=f"--out/{scenario.name}")
        plans.append((path, scenario, out))
    failed = 0
    for path, scenario, out in plans:
        outcome: dict = {}

        def build(tmp: Path, path=path, scenario=scenario, outcome=outcome) -> None:
            outcome.update(
                validate_scenario(
                    path,
                    scenario,
                    args.seeds,
                    tmp,
                    overrides,
                    args.workers,
                    spend_heldout=args.spend_heldout,
                    parameter_ensemble=members,
                )
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


def _current_ensemble(path: Path) -> None:
    """Refuse a parameter ensemble made by other model code: its members were confirmed
    against that model, so a verdict over them would test nothing."""
    from openness.scenario.ensemble import load_ensemble, stale_message
    from openness.scenario.errors import EnsembleError

    ensemble = load_ensemble(path)
    if not ensemble.current:
        raise EnsembleError(path, "model_code_hash", stale_message(ensemble))


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


def _cmd_explore(args: argparse.Namespace) -> int:
    from openness.explore.server import free_port, missing_packages, serve
    from openness.scenario import ScenarioError

    missing = missing_packages()
    if missing:
        raise ScenarioError(
            "explore",
            "",
            f"needs the explore extra, which is not installed ({', '.join(missing)} "
            "missing): pip install 'openness[explore]' (make run and make test install it)",
        )
    port = args.port or free_port(args.host)
    return serve(
        str(args.scenario) if args.scenario else None,
        str(args.results) if args.results else None,
        host=args.host,
        port=port,
    )
