"""The calibration's report, from its recorded waves: how the space shrank, each parameter's
non-implausible range, and how well each emulator predicts the points it was not fitted to."""

from __future__ import annotations

import numpy as np

from openness.calibration.history import CalibrationResult, implausibility
from openness.calibration.spec import Calibration
from openness.scenario.ensemble import ParameterEnsemble


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def markdown(
    spec: Calibration, result: CalibrationResult, ensemble: ParameterEnsemble | None = None
) -> str:
    """report.md of a calibration directory (with its ensemble, once drawn)."""
    lines = [
        f"# Calibration: {spec.name}",
        "",
        f"History matching over {len(spec.parameters)} parameters and {len(spec.summaries)} "
        f"summaries; cut-off {spec.waves.cutoff:g} on the second-largest implausibility; "
        f"{spec.waves.points} design points a wave, {spec.waves.replications} seeds each. "
        f"Stopped: {result.stopped}.",
        "",
        "## Waves",
        "",
        "| wave | points | runs | non-implausible share of the prior |",
        "|---:|---:|---:|---:|",
    ]
    for wave, fraction in zip(result.waves, result.fractions, strict=True):
        runs = wave.record["points"] * spec.waves.replications * len(spec.arms)
        lines.append(f"| {wave.number} | {wave.record['points']} | {runs} | {fraction:.2%} |")
    made = [
        f"wave {w.number}: commit `{(p.get('git_commit') or 'unknown')[:12]}`, openness "
        f"{p.get('package_version')}, model code `{(p.get('model_code_hash') or '')[:12]}`"
        for w in result.waves
        if (p := w.record.get("provenance"))
    ]
    if made:
        lines += ["", "Made by " + "; ".join(made) + "."]
    kept = spec.from_unit(result.pool[result.keep]) if result.keep.any() else None
    lines += [
        "",
        "## Non-implausible ranges",
        "",
        "| parameter | prior | 5% | median | 95% | source of the prior |",
        "|---|---|---:|---:|---:|---|",
    ]
    for j, p in enumerate(spec.parameters):
        if kept is None:
            q = ["n/a"] * 3
        else:
            q = [_fmt(v) for v in np.quantile(kept[:, j], [0.05, 0.5, 0.95])]
        prior = f"[{_fmt(p.low)}, {_fmt(p.high)}]" + (" (log)" if p.scale == "log" else "")
        lines.append(f"| `{p.key}` | {prior} | {' | '.join(q)} | {p.source} |")
    lines += _summary_section(spec, result)
    lines += _screening_section(spec, result)
    lines += _ensemble_section(spec, result, ensemble)
    lines += [
        "",
        "## Emulators: leave-one-out check",
        "",
        "Share of design points whose mean lies more than 3 standard deviations from the",
        "emulator fitted without it, and the root-mean-square standardised error (about 1 for",
        "an emulator whose variance is honest).",
        "",
        "| wave | summary | points | outside 3 sd | RMS standardised error | seed variance |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for wave in result.waves:
        for s in spec.summaries:
            check = wave.record["leave_one_out"].get(s.id)
            if check is None:
                lines.append(f"| {wave.number} | {s.id} | 0 | n/a | n/a | n/a |")
                continue
            lines.append(
                f"| {wave.number} | {s.id} | {check['points']} | {check['outside_3sd']:.0%} | "
                f"{check['rms_standardised_error']:.2f} | {_fmt(wave.seed_variance(s.id))} |"
            )
    return "\n".join(lines) + "\n"


def _summary_section(spec: Calibration, result: CalibrationResult) -> list[str]:
    """What each summary says on its own: the observation against what the first wave's
    design simulated, and the share of the prior its implausibility alone leaves (under the
    first wave's emulator): a summary that leaves nothing is one no parameter set reproduces."""
    if not result.waves:
        return []
    first = result.waves[0]
    alone = implausibility(spec, first, result.pool)
    lines = [
        "",
        "## What each summary says",
        "",
        f"The observation (with the standard deviation of observation error and discrepancy "
        f"together), the means simulated at wave 1's {first.record['points']} design points, "
        f"and over the prior: the share where this summary's own implausibility is at most "
        f"{spec.waves.cutoff:g}, and its smallest implausibility. A share of 0% marks a "
        "summary that no parameter set in the prior reproduces.",
        "",
        "| summary | observed | sd | simulated min | median | max | prior left by it alone | "
        "smallest I |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for j, s in enumerate(spec.summaries):
        sd = float(np.hypot(s.observation_sd, s.discrepancy_sd))
        means = first.table[f"mean:{s.id}"].dropna().to_numpy()
        q = [_fmt(v) for v in np.quantile(means, [0, 0.5, 1])] if len(means) else ["n/a"] * 3
        left = float(np.mean(alone[:, j] <= spec.waves.cutoff))
        lines.append(
            f"| {s.id} | {_fmt(s.observed)} | {_fmt(sd)} | {' | '.join(q)} | {left:.1%} | "
            f"{alone[:, j].min():.2f} |"
        )
    return lines


def _ensemble_section(
    spec: Calibration, result: CalibrationResult, ensemble: ParameterEnsemble | None
) -> list[str]:
    lines = ["", "## Ensemble", ""]
    if ensemble is None:
        why = (
            "nothing is left non-implausible to draw from"
            if not result.keep.any()
            else "no drawn parameter set was confirmed by simulation"
        )
        return [*lines, f"No ensemble: {why}."]
    central = ensemble.overrides(ensemble.central)
    lines += [
        f"{len(ensemble.members)} parameter sets drawn from the final space (of "
        f"{spec.ensemble.draw} drawn), each confirmed over {ensemble.confirmed_seeds} seeds "
        f"(second-largest implausibility from its own runs at most {ensemble.cutoff:g}). "
        f"Model code `{ensemble.model_code_hash[:12]}`, openness {ensemble.package_version}. "
        "The central member:",
        "",
        "| parameter | central | members' range |",
        "|---|---:|---|",
    ]
    for j, key in enumerate(ensemble.parameters):
        column = [m.values[j] for m in ensemble.members]
        lines.append(
            f"| `{key}` | {_fmt(central[key])} | {_fmt(min(column))} - {_fmt(max(column))} |"
        )
    return lines


def emulator_screening(spec: Calibration, result: CalibrationResult, trajectories: int = 200):
    """Morris screening of every parameter on every summary, run on wave 1's emulators over
    the prior: mu* per (summary, parameter), in units of the summary per the parameter's
    whole prior range (on its scale), as a table with a row per summary."""
    import pandas as pd
    from SALib.analyze import morris
    from SALib.sample import morris as morris_sample

    first = result.waves[0]
    names = [p.key for p in spec.parameters]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    u = morris_sample.sample(problem, trajectories, num_levels=4, seed=spec.seed + 1)
    rows = {}
    for s in spec.summaries:
        if s.id not in first.emulators:
            continue
        mean, _ = first.emulators[s.id].predict(u)
        res = morris.analyze(problem, u, mean, num_levels=4, seed=spec.seed + 2)
        rows[s.id] = dict(zip(names, np.asarray(res["mu_star"], float), strict=True))
    return pd.DataFrame.from_dict(rows, orient="index", columns=names)


def _screening_section(spec: Calibration, result: CalibrationResult) -> list[str]:
    if not result.waves:
        return []
    table = emulator_screening(spec, result)
    lines = [
        "",
        "## What drives each summary",
        "",
        "Morris screening on wave 1's emulators over the whole prior (200 trajectories, 4 "
        "levels): the three parameters with the largest mean absolute elementary effect mu*, "
        "in units of the summary per each parameter's whole prior range, and their share of "
        "the summary's total mu*. A summary its emulator finds flat (total mu* below 1% of "
        "its observation's sd) is marked so.",
        "",
        "| summary | first | second | third |",
        "|---|---|---|---|",
    ]
    sd = {s.id: float(np.hypot(s.observation_sd, s.discrepancy_sd)) for s in spec.summaries}
    for summary, row in table.iterrows():
        total = float(row.sum())
        if total < 0.01 * sd[str(summary)]:
            lines.append(f"| {summary} | flat over the prior | | |")
            continue
        top = row.sort_values(ascending=False).head(3)
        cells = [f"`{k}` {_fmt(v)} ({v / total:.0%})" for k, v in top.items()]
        lines.append(f"| {summary} | {' | '.join(cells)} |")
    return lines
