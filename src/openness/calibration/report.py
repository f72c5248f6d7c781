"""The calibration's report, from its recorded waves: how the space shrank, each parameter's
non-implausible range, and how well each emulator predicts the points it was not fitted to."""

from __future__ import annotations

import numpy as np

from openness.calibration.history import CalibrationResult
from openness.calibration.spec import Calibration


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def markdown(spec: Calibration, result: CalibrationResult) -> str:
    """report.md of a calibration directory."""
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
