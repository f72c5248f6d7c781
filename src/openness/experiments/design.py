"""From an experiment to its runs: design points, replications and their seeds.

Runs are arms x design points x replications. With a parameter ensemble, replication r also
runs ensemble member r mod (number of members), the same member in every arm. A run's seed
depends only on the experiment seed and the replication index, so every arm and design point
sees the same random numbers in the same replication (common random numbers) and effects can
be measured as paired differences.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import qmc

from openness.experiments.spec import Experiment, LoadedExperiment
from openness.scenario.load import resolved_content


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs to do one run (small and picklable)."""

    run_id: str
    arm: str
    point: int
    replication: int
    seed: int
    #: the scenario's file name, for messages only: a worker reads no file
    source: str | None
    #: the scenario file with its `extends` chain merged (`resolved_content`), shared by the
    #: runs of an arm; None for a custom model without a scenario
    content: dict[str, Any] | None
    overrides: dict[str, Any] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=dict)
    months: tuple[str, ...] | None = None
    metrics: tuple[str, ...] = ()
    lab_metrics: tuple[str, ...] = ()
    #: the ensemble member whose parameters the run uses (None without an ensemble)
    member: int | None = None


def replication_seed(experiment_seed: int, replication: int) -> int:
    """A 63-bit seed from (experiment seed, replication index) alone."""
    state = np.random.SeedSequence(entropy=experiment_seed, spawn_key=(replication,))
    return int(state.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def problem(spec: Experiment) -> dict:
    """The SALib problem definition of the experiment's factors, on their sampling scales
    (log10 of the bounds for a log-scale factor)."""
    return {
        "num_vars": len(spec.factors),
        "names": [f.name for f in spec.factors],
        "bounds": [_sampling_bounds(f) for f in spec.factors],
    }


def _sampling_bounds(f) -> list[float]:
    lo, hi = f.bounds if f.bounds else (0.0, 1.0)
    return [float(np.log10(lo)), float(np.log10(hi))] if f.scale == "log" else [lo, hi]


def sampling_matrix(spec: Experiment) -> np.ndarray:
    """The design's points on the factors' sampling scales (lhs, saltelli, morris), one row per
    point: what SALib's analyses read."""
    kind, factors = spec.design.kind, spec.factors
    if kind == "lhs":
        unit = qmc.LatinHypercube(d=len(factors), seed=spec.seed).random(spec.design.samples)
        bounds = np.array([_sampling_bounds(f) for f in factors])
        return qmc.scale(unit, bounds[:, 0], bounds[:, 1])
    if kind == "morris":
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(
            problem(spec), spec.design.samples, num_levels=spec.design.levels, seed=spec.seed
        )
    if kind == "saltelli":
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(
            problem(spec),
            spec.design.samples,
            calc_second_order=spec.design.second_order,
            seed=spec.seed,
        )
    raise ValueError(f"a '{kind}' design has no sampling matrix")


def design_points(spec: Experiment) -> list[dict[str, float]]:
    """Factor values of every design point, in a fixed order (point index = position)."""
    kind, factors = spec.design.kind, spec.factors
    if kind == "none":
        return [{}]
    if kind == "grid":
        grid = itertools.product(*[f.levels or [] for f in factors])
        points = [dict(zip([f.name for f in factors], values, strict=True)) for values in grid]
    elif kind == "points":
        given = spec.design.points or []
        points = [{f.name: float(v) for f, v in zip(factors, row, strict=True)} for row in given]
    else:
        x = sampling_matrix(spec)
        for j, f in enumerate(factors):
            if f.scale == "log":  # back from log10, kept inside the bounds it rounds off
                assert f.bounds is not None  # the schema requires bounds for these designs
                x[:, j] = np.clip(10.0 ** x[:, j], f.bounds[0], f.bounds[1])
        points = [{f.name: float(v) for f, v in zip(factors, row, strict=True)} for row in x]
    for point in points:
        for f in factors:
            if f.integer:
                point[f.name] = float(round(point[f.name]))
    return points


def run_specs(loaded: LoadedExperiment) -> list[RunSpec]:
    """Every run of the experiment, ordered by arm, design point, replication."""
    spec = loaded.spec
    months = None if spec.outputs.months == "all" else tuple(spec.outputs.months)
    seeds = spec.seeds or [replication_seed(spec.seed, r) for r in range(spec.n_replications)]
    ensemble = loaded.ensemble()
    runs = []
    for arm in spec.arms:
        scenario = loaded.arm_scenario(arm)
        content = resolved_content(scenario) if scenario is not None else None
        for p, params in enumerate(design_points(spec)):
            if not spec.common_seeds:  # seeds of the point's own
                seeds = [
                    replication_seed(spec.seed, p * spec.n_replications + r)
                    for r in range(spec.n_replications)
                ]
            for r, seed in enumerate(seeds):
                member, overrides = None, loaded.arm_overrides(arm)
                if ensemble is not None:  # the same member in every arm: CRN
                    member = r % len(ensemble.members)
                    overrides = {**overrides, **ensemble.overrides(member)}
                runs.append(
                    RunSpec(
                        run_id=f"{arm.name}__p{p:05d}__r{r:05d}",
                        arm=arm.name,
                        point=p,
                        replication=r,
                        seed=int(seed),
                        source=scenario.name if scenario is not None else None,
                        content=content,
                        overrides=overrides,
                        params=params,
                        months=months,
                        metrics=tuple(spec.outputs.metrics),
                        lab_metrics=tuple(spec.outputs.lab_metrics),
                        member=member,
                    )
                )
    return runs
