"""Validation against pattern targets: run a scenario's ensemble, test every target on every
seed, and say plainly which targets hold.

A target (`scenario.schema.Target`) is a condition on one seed's results plus the share of
seeds that must meet it; `median_between` is a condition on the ensemble median instead.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from openness import __version__
from openness.experiments.runner import run_batch
from openness.experiments.spec import Arm, Experiment, LoadedExperiment, Outputs
from openness.experiments.store import load_results, read_manifest
from openness.experiments.targets import (  # noqa: F401  (the targets' API, re-exported)
    LAB_COLUMNS,
    MIN_MISS,
    Ensemble,
    describe,
    evaluate,
    first_open_months,
    holds,
    miss_distance,
    required_interval,
    seed_values,
    simulated,
    value_text,
)
from openness.files import atomic_write_text, atomic_write_with, check_output
from openness.provenance import git_commit
from openness.scenario import Scenario, ScenarioError, content_hash, load_scenario
from openness.scenario.ensemble import load_ensemble
from openness.scenario.errors import RunsFailed


def looked_at(scenario: Scenario, spend_heldout: bool = False) -> Scenario:
    """The scenario with the targets a validation may look at: its calibration targets,
    and its held-out ones (`calibration = false`) only when `spend_heldout` says to."""
    if spend_heldout:
        return scenario
    return scenario.model_copy(update={"targets": [t for t in scenario.targets if t.calibration]})


def versus_paths(scenario_path: Path, scenario: Scenario) -> dict[str, Path]:
    return {
        t.versus: (scenario_path.parent / t.versus).resolve()
        for t in scenario.targets
        if t.versus is not None
    }


def ensemble_experiment(
    scenario_path: Path,
    seeds: int,
    overrides: dict | None = None,
    spend_heldout: bool = False,
    parameter_ensemble: Path | None = None,
) -> tuple[LoadedExperiment, dict[str, str]]:
    """The experiment that runs a scenario (arm `main`) and the scenarios its targets compare
    with (arms `versus0`, ...) for `seeds` paired replications (over `parameter_ensemble`'s
    members when given); and the arm of each `versus` (of the targets `looked_at` gives)."""
    scenario_path = Path(scenario_path).resolve()
    scenario = looked_at(load_scenario(scenario_path, overrides), spend_heldout)
    others = versus_paths(scenario_path, scenario)
    for other in others.values():
        if not other.is_file():
            raise ScenarioError(
                scenario_path, "targets.versus", f"names {other}, which does not exist"
            )
        load_scenario(other, overrides)
    arms = [Arm(name="main", scenario=str(scenario_path))]
    arms += [Arm(name=f"versus{i}", scenario=str(p)) for i, p in enumerate(others.values())]
    spec = Experiment(
        name=f"validate_{scenario.name}",
        seed=scenario.simulation.seed,
        replications=seeds,
        overrides=overrides or {},
        arms=arms,
        outputs=Outputs(lab_metrics=LAB_COLUMNS),
        ensemble=None if parameter_ensemble is None else str(Path(parameter_ensemble).resolve()),
    )
    return LoadedExperiment(spec=spec), {ref: f"versus{i}" for i, ref in enumerate(others)}


def run_ensemble(
    scenario_path: Path,
    seeds: int,
    out: Path,
    overrides: dict | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    spend_heldout: bool = False,
    parameter_ensemble: Path | None = None,
) -> Ensemble:
    """Run the scenario and its comparison scenarios for `seeds` paired replications into
    the new or empty directory `out`."""
    loaded, versus = ensemble_experiment(
        scenario_path, seeds, overrides, spend_heldout, parameter_ensemble
    )
    out = check_output(out, existing="empty", what="runs")
    summary = run_batch(loaded, out, workers=workers, progress=progress)
    if summary.failed:
        raise RunsFailed(
            f"{summary.failed} validation run(s) of {scenario_path} failed: {first_error(out)}"
        )
    start = load_scenario(scenario_path, overrides).simulation.start
    return Ensemble(load_results(out, "world"), load_results(out, "labs"), "main", start, versus)


def first_error(out: Path) -> str:
    runs = read_manifest(out).get("runs", {})
    errors = [e.get("error") for e in runs.values() if e.get("status") == "failed"]
    return errors[0] if errors else "no error recorded"


def validate_scenario(
    path: Path,
    scenario: Scenario,
    seeds: int,
    out: Path,
    overrides: dict | None = None,
    workers: int | None = None,
    spend_heldout: bool = False,
    parameter_ensemble: Path | None = None,
) -> dict:
    """Run a scenario's validation ensemble into `out/runs`, test the targets it may look
    at (`looked_at`) and write `out/validation.md` and `out/validation.csv`; returns the
    table and the Markdown."""
    ens = run_ensemble(
        Path(path),
        seeds,
        Path(out) / "runs",
        overrides,
        workers,
        spend_heldout=spend_heldout,
        parameter_ensemble=parameter_ensemble,
    )
    table = evaluate(looked_at(scenario, spend_heldout), ens)
    provenance = {
        "scenario_hash": content_hash(scenario),
        "package_version": __version__,
        "git_commit": git_commit(),
    }
    if parameter_ensemble is not None:
        members = load_ensemble(parameter_ensemble)
        provenance["parameter_ensemble"] = (
            f"{members.name} ({len(members.members)} parameter sets; replication r runs "
            f"set r mod {len(members.members)}: shares are over parameter sets x seeds)"
        )
    text = report_markdown(scenario.name, table, seeds, provenance)
    atomic_write_text(Path(out) / "validation.md", text)
    atomic_write_with(Path(out) / "validation.csv", lambda tmp: table.to_csv(tmp, index=False))
    return {"table": table, "markdown": text}


def report_markdown(name: str, table: pd.DataFrame, seeds: int, provenance: dict) -> str:
    lines = [
        f"# Validation of `{name}`",
        "",
        f"{seeds} seeds; scenario hash `{provenance.get('scenario_hash', '')}`; "
        f"openness {provenance.get('package_version', '')}.",
        *(
            ["", f"Over the parameter ensemble {provenance['parameter_ensemble']}."]
            if "parameter_ensemble" in provenance
            else []
        ),
        "",
        "| id | pattern | target | median | 5-95% | share passing | distance | verdict |",
        "|---|---|---|---:|---|---:|---:|---|",
    ]
    for r in table.itertuples():
        held = "" if r.calibration else " (held out)"
        dated = getattr(r, "months_from", "") or ""
        if not isinstance(dated, str):  # a CSV read back gives NaN for ''
            dated = ""
        median, p5, p95 = (value_text(v, dated) for v in (r.median, r.p5, r.p95))
        lines.append(
            f"| {r.id} | {r.pattern} | {r.target}{held} | {median} | "
            f"{p5} - {p95} | {100 * r.share_passing:.0f}% | "
            f"{r.distance:.2g} | {r.verdict} |"
        )
    passed = int((table["verdict"] == "pass").sum())
    skipped = int((table["verdict"] == "not evaluated").sum())
    if skipped:
        lines += ["", f"{skipped} target(s) read months that were not simulated: not evaluated."]
    lines += [
        "",
        f"{passed} of {len(table) - skipped} evaluated targets pass. Distance: how far outside the "
        "required interval the required share of seeds lie, as d / (1 + d) for d in "
        "units of the interval's width (1 for a one-sided bound); 0 when it passes.",
    ]
    return "\n".join(lines) + "\n"
