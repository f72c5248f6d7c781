"""The parameter ensemble a history match leaves: points drawn at random from its final
non-implausible space, each confirmed by simulation.

A drawn point is confirmed when, over `ensemble.seeds` runs of its own, the second-largest of

    I_s = |z_s - m_s| / sqrt(V_obs,s + V_disc,s + v_s (1 + 1/n_s))

is within the cut-off, where m_s and v_s are the mean and variance of its n_s runs: the
world is one run (v_s) and m_s is a mean over n_s (v_s / n_s); no emulator is involved.
Confirmed points become members, in the order drawn, up to `ensemble.members`; the central
member is the one nearest (in the unit cube) to the members' coordinate-wise median.

    OUT/confirm/         the confirmation's batch directory (resumable, like any batch)
    OUT/confirm.parquet  per drawn point: position, values, summaries, implausibility
    OUT/ensemble.toml    the ensemble, also written to the calibration's ensemble file
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from openness import __version__
from openness.calibration.history import (
    CalibrationResult,
    calibration_hash,
    combined,
    point_table,
    run_summaries,
    wave_experiment,
)
from openness.calibration.spec import Calibration, LoadedCalibration
from openness.experiments.runner import scenario_model
from openness.files import atomic_write_text
from openness.provenance import git_commit, model_code_hash
from openness.scenario.ensemble import Member, ParameterEnsemble, ensemble_toml


def confirmed_implausibility(spec: Calibration, table: pd.DataFrame) -> np.ndarray:
    """I[point, summary] from each point's own runs (`point_table`); inf where a summary
    has no finite value."""
    out = np.empty((len(table), len(spec.summaries)))
    for j, s in enumerate(spec.summaries):
        mean = table[f"mean:{s.id}"].to_numpy(float)
        var = np.nan_to_num(table[f"var:{s.id}"].to_numpy(float))
        n = np.maximum(table[f"n:{s.id}"].to_numpy(float), 1.0)
        total = s.observation_sd**2 + s.discrepancy_sd**2 + var * (1.0 + 1.0 / n)
        with np.errstate(invalid="ignore"):
            i = np.abs(s.observed - mean) / np.sqrt(total)
        out[:, j] = np.where(np.isfinite(i), i, np.inf)
    return out


def draw_points(space: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n points of the space's sample at random, without replacement (all of them if fewer):
    uniform over the space, where a spread-out choice would favour its edges, which are where
    the emulators are least sure."""
    rng = np.random.default_rng(seed)
    return space[rng.permutation(len(space))[:n]]


def central_member(u: np.ndarray) -> int:
    """The row of u nearest its coordinate-wise median."""
    return int(np.argmin(np.linalg.norm(u - np.median(u, axis=0), axis=1)))


def ensemble_path(loaded: LoadedCalibration) -> Path:
    """Where the calibration's ensemble file goes."""
    base = loaded.path.parent if loaded.path is not None else Path.cwd()
    spec = loaded.spec
    return (base / (spec.ensemble.file or f"../scenarios/ensembles/{spec.name}.toml")).resolve()


def draw_ensemble(
    loaded: LoadedCalibration,
    result: CalibrationResult,
    out: str | Path,
    *,
    model: Callable = scenario_model,
    workers: int | None = None,
    executor: Any = None,
    progress: bool | None = None,
) -> ParameterEnsemble | None:
    """Draw, confirm and write the ensemble (None when nothing is non-implausible, or no
    drawn point is confirmed); resumes its confirmation batch like a wave."""
    spec = loaded.spec
    out = Path(out)
    if not result.keep.any():
        return None
    u = draw_points(result.pool[result.keep], spec.ensemble.draw, spec.seed)
    experiment = wave_experiment(
        loaded, 0, u, replications=spec.ensemble.seeds, name=f"{spec.name}-confirm"
    )
    runs = run_summaries(
        loaded,
        experiment,
        out / "confirm",
        "confirmation",
        model=model,
        workers=workers,
        executor=executor,
        progress=progress,
    )
    table = point_table(spec, u, runs)
    table["implausibility"] = combined(confirmed_implausibility(spec, table))
    table["confirmed"] = table["implausibility"] <= spec.waves.cutoff
    table.to_parquet(out / "confirm.parquet", index=False)
    kept = table[table["confirmed"]].head(spec.ensemble.members)
    if kept.empty:
        return None
    keys = [p.key for p in spec.parameters]
    position = kept[[f"u{j}" for j in range(len(keys))]].to_numpy()
    ensemble = ParameterEnsemble(
        name=spec.name,
        calibration=spec.name,
        calibration_hash=calibration_hash(spec),
        model_code_hash=model_code_hash(),
        package_version=__version__,
        git_commit=git_commit(),
        created=datetime.date.today().isoformat(),
        cutoff=spec.waves.cutoff,
        confirmed_seeds=spec.ensemble.seeds,
        central=central_member(position),
        parameters=keys,
        members=[
            Member(
                values=[float(v) for v in row[keys]],
                implausibility=round(float(row["implausibility"]), 6),
            )
            for _, row in kept.iterrows()
        ],
    )
    text = ensemble_toml(ensemble)
    atomic_write_text(out / "ensemble.toml", text)
    return ensemble
