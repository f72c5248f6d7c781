"""History matching in waves (Vernon, Goldstein and Bower 2010; Andrianakis et al. 2015).

Each wave runs a space-filling design inside the space not yet ruled out, with replications
at every point, through the batch runner; fits one emulator per summary to the means over
seeds; and rules out the points x whose implausibility

    I_s(x) = |z_s - E[f_s(x)]| / sqrt(V_obs,s + V_disc,s + V_emul,s(x) + V_seed,s)

is above the cut-off for the second-largest s (the largest when there is one summary), where
V_seed,s is the variance of one run about the mean (the observed world is one run of it),
pooled over the wave's points. A point stays non-implausible only if every wave keeps it;
the space's size is the share of a fixed Latin-hypercube sample of the prior it holds. Waves
stop when one shrinks the space by less than `min_shrink`, when nothing is left, or after
`max_waves`.

    OUT/calibration.json     the calibration as validated, and its hash
    OUT/wave-K/              the wave's batch directory (resumable, like any batch)
    OUT/wave-K.parquet       per design point: unit position, values, each summary's mean,
                             run variance and number of runs
    OUT/wave-K.json          the wave's emulators (hyperparameters), their leave-one-out
                             check, the seed variances and the space's size after it

A wave's record is written only once it is complete, so an interrupted calibration resumes
where it stopped: the batch of the wave in progress resumes, and the waves recorded are not
rerun.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from openness.calibration.emulator import Emulator, fit_emulator
from openness.calibration.spec import Calibration, LoadedCalibration
from openness.experiments.runner import run_batch, scenario_model
from openness.experiments.spec import Experiment, LoadedExperiment, check_runs
from openness.experiments.store import load_results
from openness.files import atomic_write_text, write_marker
from openness.scenario import month_start
from openness.scenario.errors import RunsFailed

#: what a calibration directory holds
ENTRIES = ("calibration.json", "report.md", "confirm", "confirm.parquet", "ensemble.toml")


@dataclass
class Wave:
    """A completed wave: its design and summaries, and the emulators fitted to them."""

    number: int
    table: pd.DataFrame  # one row per design point (see the module's docstring)
    record: dict
    emulators: dict[str, Emulator]

    def seed_variance(self, summary: str) -> float:
        return float(self.record["seed_variance"][summary])


def calibration_hash(spec: Calibration) -> str:
    """What the waves depend on: everything but how the ensemble is drawn after them."""
    payload = spec.model_dump(mode="json", exclude={"ensemble"})
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def implausibility(spec: Calibration, wave: Wave, u: np.ndarray) -> np.ndarray:
    """I[point, summary] of unit-cube points u under one wave's emulators."""
    out = np.empty((len(u), len(spec.summaries)))
    for j, s in enumerate(spec.summaries):
        if s.id not in wave.emulators:  # no point gave this summary a value
            out[:, j] = 0.0
            continue
        mean, var = wave.emulators[s.id].predict(u)
        total = s.observation_sd**2 + s.discrepancy_sd**2 + var + wave.seed_variance(s.id)
        out[:, j] = np.abs(s.observed - mean) / np.sqrt(total)
    return out


def combined(i: np.ndarray) -> np.ndarray:
    """The second-largest implausibility over summaries (the largest, for one summary)."""
    if i.shape[1] == 1:
        return i[:, 0]
    return np.sort(i, axis=1)[:, -2]


def non_implausible(spec: Calibration, waves: list[Wave], u: np.ndarray) -> np.ndarray:
    """Whether each unit-cube point survives every wave."""
    keep = np.ones(len(u), dtype=bool)
    for wave in waves:
        if keep.any():
            keep[keep] = combined(implausibility(spec, wave, u[keep])) <= spec.waves.cutoff
    return keep


def candidate_pool(spec: Calibration) -> np.ndarray:
    """The fixed sample of the prior that measures the non-implausible space."""
    d = len(spec.parameters)
    return qmc.LatinHypercube(d=d, seed=spec.seed).random(spec.waves.candidates)


def spread_out(candidates: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n of the candidates, spread out: each next one the farthest from those chosen
    (greedy maximin over at most 5,000 of them)."""
    rng = np.random.default_rng(seed)
    if len(candidates) <= n:
        return candidates
    pool = candidates[rng.permutation(len(candidates))[:5_000]]
    chosen = [0]
    nearest = np.linalg.norm(pool - pool[0], axis=1)
    for _ in range(n - 1):
        nxt = int(np.argmax(nearest))
        chosen.append(nxt)
        nearest = np.minimum(nearest, np.linalg.norm(pool - pool[nxt], axis=1))
    return pool[chosen]


def wave_experiment(
    loaded: LoadedCalibration,
    number: int,
    u: np.ndarray,
    replications: int | None = None,
    name: str | None = None,
) -> LoadedExperiment:
    """The batch of a wave: the calibration's arms, its design points, its replications (or
    `replications`; `name` for a batch that is not a wave, such as the confirmation)."""
    spec = loaded.spec
    values = spec.from_unit(u)
    lows = np.array([p.low for p in spec.parameters])
    highs = np.array([p.high for p in spec.parameters])
    values = np.clip(values, lows, highs)
    world = sorted({s.metric for s in spec.summaries if s.lab is None})
    labs = sorted({s.metric for s in spec.summaries if s.lab is not None})
    experiment = Experiment.model_validate(
        {
            "name": name or f"{spec.name}-wave{number}",
            "scenario": spec.scenario,
            "seed": spec.seed + number,
            "replications": replications or spec.waves.replications,
            "overrides": spec.overrides,
            "arms": [a.model_dump() for a in spec.arms],
            "design": {"kind": "points", "points": values.tolist()},
            "factors": [{"name": p.key, "bounds": [p.low, p.high]} for p in spec.parameters],
            "outputs": {"metrics": world, "lab_metrics": labs},
            # seeds of each point's own: the seed variance pools independent draws
            "common_seeds": False,
        }
    )
    return LoadedExperiment(spec=experiment, path=loaded.path)


def summaries(spec: Calibration, world: pd.DataFrame, labs: pd.DataFrame) -> pd.DataFrame:
    """Each summary's value in each run: rows (point, replication), a column per summary.
    A run in which a summary has no value (its metric missing over the whole window) leaves
    it missing there."""
    columns = {}
    for s in spec.summaries:
        table = world if s.lab is None else labs[labs["lab"] == s.lab]
        table = table[table["arm"] == s.arm]
        if s.window is not None:
            first, last = (month_start(m) for m in s.window)
            table = table[(table["month"] >= first) & (table["month"] <= last)]
        runs = table.groupby(["point", "replication"])[s.metric]
        if s.transform == "present":
            columns[s.id] = runs.apply(lambda v: float(v.notna().mean()))
        else:
            value = runs.mean()
            columns[s.id] = np.log(value) if s.transform == "log" else value
    return pd.DataFrame(columns)


def fit_wave(
    spec: Calibration, number: int, u: np.ndarray, runs: pd.DataFrame, fraction_before: float
) -> Wave:
    """The wave's table, and an emulator per summary fitted to its means over seeds."""
    table = point_table(spec, u, runs)
    record: dict[str, Any] = {
        "wave": number,
        "points": len(u),
        "fraction_before": fraction_before,
        "seed_variance": {},
        "theta": {},
        "leave_one_out": {},
    }
    emulators = {}
    for k, s in enumerate(spec.summaries):
        ok, means, mean_variances = _fit_data(table, s.id)
        if ok.sum() < 3:
            continue
        seed_var = float(np.nanmean(table.loc[ok, f"var:{s.id}"]))
        emulator = fit_emulator(u[ok], means, mean_variances, seed=spec.seed + 97 * number + k)
        emulators[s.id] = emulator
        loo_mean, loo_var = emulator.leave_one_out()
        error = (means - loo_mean) / np.sqrt(loo_var)
        record["seed_variance"][s.id] = seed_var
        record["theta"][s.id] = emulator.theta
        record["leave_one_out"][s.id] = {
            "points": int(ok.sum()),
            "outside_3sd": float(np.mean(np.abs(error) > 3)),
            "rms_standardised_error": float(np.sqrt(np.mean(error**2))),
        }
    return Wave(number, table, record, emulators)


def point_table(spec: Calibration, u: np.ndarray, runs: pd.DataFrame) -> pd.DataFrame:
    """Per design point: its unit position and values, and each summary's mean, run
    variance and number of runs (from `summaries`' rows)."""
    table = pd.DataFrame({"point": np.arange(len(u))})
    for j, p in enumerate(spec.parameters):
        table[f"u{j}"] = u[:, j]
        table[p.key] = p.from_unit(u[:, j])
    for s in spec.summaries:
        by_point = runs[s.id].groupby(level="point")
        mean, var, n = by_point.mean(), by_point.var(ddof=1), by_point.count()
        table[f"mean:{s.id}"] = mean.reindex(table["point"]).to_numpy()
        table[f"var:{s.id}"] = var.reindex(table["point"]).to_numpy()
        table[f"n:{s.id}"] = n.reindex(table["point"]).fillna(0).astype(int).to_numpy()
    return table


def refit(spec: Calibration, table: pd.DataFrame, record: dict) -> Wave:
    """A recorded wave's emulators again, from its table and hyperparameters (no search)."""
    u = table[[f"u{j}" for j in range(len(spec.parameters))]].to_numpy()
    emulators = {}
    for s in spec.summaries:
        theta = record["theta"].get(s.id)
        if theta is None:
            continue
        ok, means, mean_variances = _fit_data(table, s.id)
        emulators[s.id] = fit_emulator(u[ok], means, mean_variances, theta=theta)
    return Wave(int(record["wave"]), table, record, emulators)


def _fit_data(table: pd.DataFrame, summary: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The design points with two or more runs of `summary` (a mask), their means and the
    sampling variance of each mean (run variance over runs): what an emulator is fitted to."""
    ok = (table[f"n:{summary}"] >= 2).to_numpy()
    means = table.loc[ok, f"mean:{summary}"].to_numpy()
    runs = table.loc[ok, f"n:{summary}"].to_numpy()
    return ok, means, table.loc[ok, f"var:{summary}"].to_numpy() / runs


def recorded_waves(spec: Calibration, out: Path) -> list[Wave]:
    """The waves completed in `out`, in order."""
    waves = []
    number = 1
    while (out / f"wave-{number}.json").is_file():
        record = json.loads((out / f"wave-{number}.json").read_text())
        table = pd.read_parquet(out / f"wave-{number}.parquet")
        waves.append(refit(spec, table, record))
        number += 1
    return waves


@dataclass
class CalibrationResult:
    waves: list[Wave]
    fractions: list[float]  # the non-implausible share of the prior after each wave
    stopped: str  # why the waves ended
    pool: np.ndarray  # the prior sample that measures the space
    keep: np.ndarray  # which of it is non-implausible after the last wave


def _design(spec: Calibration, waves: list[Wave], pool: np.ndarray, keep: np.ndarray, number: int):
    if not waves:  # the first wave fills the whole prior
        d = len(spec.parameters)
        return qmc.LatinHypercube(d=d, seed=spec.seed + number).random(spec.waves.points)
    return spread_out(pool[keep], spec.waves.points, spec.seed + number)


def _stop_reason(spec: Calibration, fractions: list[float]) -> str | None:
    if fractions[-1] == 0:
        return "nothing is left non-implausible"
    before = fractions[-2] if len(fractions) > 1 else 1.0
    if fractions[-1] > (1 - spec.waves.min_shrink) * before:
        return f"the last wave shrank the space by less than {spec.waves.min_shrink:.0%}"
    if len(fractions) >= spec.waves.max_waves:
        return f"{spec.waves.max_waves} waves (max_waves)"
    return None


def run_calibration(
    loaded: LoadedCalibration,
    out: str | Path,
    *,
    model: Callable = scenario_model,
    workers: int | None = None,
    executor: Any = None,
    progress: bool | None = None,
) -> CalibrationResult:
    """Run (or resume) the calibration's waves into `out`."""
    spec = loaded.spec
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    digest = calibration_hash(spec)
    _check_same(out, digest, loaded)
    write_marker(out, "calibration", [*ENTRIES, *_wave_entries(spec)], {"calibration_hash": digest})
    atomic_write_text(
        out / "calibration.json",
        json.dumps({"hash": digest, "calibration": spec.model_dump(mode="json")}, indent=2),
    )
    pool = candidate_pool(spec)
    waves = recorded_waves(spec, out)
    fractions = [float(w.record["fraction"]) for w in waves]
    keep = non_implausible(spec, waves, pool)
    stopped = _stop_reason(spec, fractions) if fractions else None
    while stopped is None:
        number = len(waves) + 1
        u = _design(spec, waves, pool, keep, number)
        runs = run_summaries(
            loaded,
            wave_experiment(loaded, number, u),
            out / f"wave-{number}",
            f"wave {number}",
            model=model,
            workers=workers,
            executor=executor,
            progress=progress,
        )
        wave = fit_wave(spec, number, u, runs, fractions[-1] if fractions else 1.0)
        keep = non_implausible(spec, [*waves, wave], pool)
        wave.record["fraction"] = float(keep.mean())
        wave.record["provenance"] = _provenance(out / f"wave-{number}")
        wave.table.to_parquet(out / f"wave-{number}.parquet", index=False)
        atomic_write_text(out / f"wave-{number}.json", json.dumps(wave.record, indent=2) + "\n")
        waves.append(wave)
        fractions.append(wave.record["fraction"])
        stopped = _stop_reason(spec, fractions)
    return CalibrationResult(waves, fractions, stopped, pool, keep)


def run_summaries(
    loaded: LoadedCalibration,
    experiment: LoadedExperiment,
    batch: Path,
    what: str,
    *,
    model: Callable = scenario_model,
    workers: int | None = None,
    executor: Any = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run (or resume) a batch of design points into `batch` and return each run's summaries
    (`summaries`, sorted by point and replication); RunsFailed names `what` if runs fail."""
    if model is scenario_model:
        check_runs(experiment, loaded.path or loaded.spec.name)
    summary = run_batch(
        experiment,
        batch,
        resume=True,
        model=model,
        workers=workers,
        executor=executor,
        progress=progress,
    )
    if summary.stopped or summary.failed:
        raise RunsFailed(
            f"{what}: {summary.failed} runs failed or the batch stopped; see "
            f"{batch}/manifest.json, then run the calibration again"
        )
    world, labs = load_results(batch, "world"), load_results(batch, "labs")
    return summaries(loaded.spec, world, labs).sort_index()


def _provenance(batch: Path) -> dict[str, Any]:
    """What made a wave's runs: the batch's experiment hash, package version and commit, and
    the hash of the model code."""
    from openness.experiments.store import read_manifest
    from openness.provenance import model_code_hash

    manifest = read_manifest(batch)
    return {
        "experiment_hash": manifest.get("experiment_hash"),
        "package_version": manifest.get("package_version"),
        "git_commit": manifest.get("git_commit"),
        "model_code_hash": model_code_hash(),
    }


def stale_waves(out: Path) -> list[int]:
    """The recorded waves of `out` whose runs were made by other model code than the
    installed one (their emulators describe that model; a rerun from scratch replaces them)."""
    from openness.provenance import model_code_hash

    stale, number = [], 1
    while (Path(out) / f"wave-{number}.json").is_file():
        record = json.loads((Path(out) / f"wave-{number}.json").read_text())
        made = record.get("provenance", {}).get("model_code_hash")
        if made != model_code_hash():
            stale.append(number)
        number += 1
    return stale


def _wave_entries(spec: Calibration) -> list[str]:
    return [
        name
        for k in range(1, spec.waves.max_waves + 1)
        for name in (f"wave-{k}", f"wave-{k}.parquet", f"wave-{k}.json")
    ]


def _check_same(out: Path, digest: str, loaded: LoadedCalibration) -> None:
    """A directory of another calibration is not resumed."""
    from openness.scenario import ExperimentError

    try:
        found = json.loads((out / "calibration.json").read_text())["hash"]
    except (OSError, ValueError, KeyError):
        return
    if found != digest:
        raise ExperimentError(
            loaded.path or loaded.spec.name,
            "",
            f"{out} holds another calibration (its hash differs); resume only the same "
            "calibration file, or choose another --out",
        )
