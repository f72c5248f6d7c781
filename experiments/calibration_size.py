"""The size test of a calibration: do its summaries at the reduced population it runs at agree
with those at the scenario's own (default) size?

    .venv/bin/python experiments/calibration_size.py                       # 10 seeds, ~3 min
    .venv/bin/python experiments/calibration_size.py --seeds 4 --out /tmp/size

Both sizes run the calibration's scenario at its own parameter values, with the same seeds
(common random numbers). For each summary it prints the mean at each size, their difference
with a 95% interval over paired seeds, and the scale it is judged against: the square root
of the wave-1 emulator's median predictive variance plus one run's seed variance over the
calibration's seeds a point, as recorded in the calibration directory. The size is fit for
calibration where every difference is within that scale.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from openness.calibration import load_calibration
from openness.calibration.history import candidate_pool, recorded_waves, summaries
from openness.experiments import LoadedExperiment, load_results, run_batch
from openness.experiments.spec import Arm, Experiment, Outputs

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "calibration" / "cascade_history.toml"
SIZE_KEYS = ("simulation.developers", "simulation.enterprises")


def size_experiment(calibration: Path, seeds: int) -> tuple[LoadedExperiment, dict]:
    """Two arms: the calibration's reduced size and the scenario's own size."""
    loaded = load_calibration(calibration)
    spec = loaded.spec
    if spec.scenario is None:
        raise SystemExit(f"{calibration}: the size test needs the calibration's base scenario")
    scenario = (calibration.parent / spec.scenario).resolve()
    reduced = {k: v for k, v in spec.overrides.items() if k in SIZE_KEYS}
    others = {k: v for k, v in spec.overrides.items() if k not in SIZE_KEYS}
    experiment = Experiment(
        name=f"size_test_{spec.name}",
        scenario=str(scenario),
        seed=spec.seed,
        replications=seeds,
        overrides=others,
        arms=[Arm(name="reduced", overrides=reduced), Arm(name="default")],
        outputs=Outputs(lab_metrics=["open_capability", "strategy", "frontier_open"]),
    )
    return LoadedExperiment(spec=experiment), reduced


def compare_sizes(calibration: Path, seeds: int, out: Path, workers: int | None) -> pd.DataFrame:
    loaded, reduced = size_experiment(calibration, seeds)
    summary = run_batch(loaded, out, workers=workers)
    if summary.failed:
        raise SystemExit(f"{summary.failed} run(s) failed: see {out}/manifest.json")
    spec = load_calibration(calibration).spec
    world, labs = load_results(out, "world"), load_results(out, "labs")
    values = {}
    for arm in ("reduced", "default"):
        relabel = {"arm": spec.arms[0].name}
        values[arm] = summaries(
            spec, world[world.arm == arm].assign(**relabel), labs[labs.arm == arm].assign(**relabel)
        )
    scale = _judging_scale(calibration, spec)
    rows = []
    for s in spec.summaries:
        a, b = values["reduced"][s.id], values["default"][s.id]
        d = (a - b).dropna().to_numpy()
        half = 1.96 * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
        rows.append(
            {
                "summary": s.id,
                "reduced": a.mean(),
                "default": b.mean(),
                "difference": d.mean() if len(d) else np.nan,
                "ci_half_width": half,
                "scale": scale.get(s.id, np.nan),
            }
        )
    table = pd.DataFrame(rows)
    table["within"] = table["difference"].abs() <= table["scale"]
    table.attrs["reduced"] = reduced
    return table


def _judging_scale(calibration: Path, spec) -> dict[str, float]:
    """sqrt(median emulator variance over the prior + seed variance / seeds a point)."""
    directory = calibration.parent / spec.name
    waves = recorded_waves(spec, directory) if directory.is_dir() else []
    if not waves:
        return {}
    pool = candidate_pool(spec)[:5000]
    out = {}
    for s in spec.summaries:
        if s.id not in waves[0].emulators:
            continue
        _, var = waves[0].emulators[s.id].predict(pool)
        seed = waves[0].seed_variance(s.id) / spec.waves.replications
        out[s.id] = float(np.sqrt(np.median(var) + seed))
    return out


def markdown(table: pd.DataFrame, seeds: int) -> str:
    sizes = ", ".join(f"{k} = {v:,}" for k, v in table.attrs["reduced"].items())
    lines = [
        f"Reduced size ({sizes}) against the scenario's own, {seeds} paired seeds:",
        "",
        "| summary | reduced | default | difference | 95% half-width | scale | within |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.summary} | {r.reduced:.4g} | {r.default:.4g} | {r.difference:+.3g} | "
            f"{r.ci_half_width:.2g} | {r.scale:.2g} | {'yes' if r.within else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration", type=Path, default=CALIBRATION)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--out", type=Path, help="batch directory (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "runs"
        table = compare_sizes(args.calibration, args.seeds, out, args.workers)
    print(markdown(table, args.seeds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
