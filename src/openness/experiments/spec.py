"""Experiment files: a base scenario, arms, factors with a design, replications, outputs.

    name = "policy_interventions"
    scenario = "../scenarios/baseline.toml"     # relative to this file
    seed = 2024
    replications = 40                           # or: seeds = [1, 2, 3]
    baseline_arm = "baseline"                   # what `compare` measures against
    [overrides]                                 # dotted scenario keys, for every arm
    "simulation.developers" = 50000
    [[arms]]
    name = "baseline"
    [[arms]]
    name = "open_funding"
    scenario = "../scenarios/policies/open_funding.toml"
    overrides = { "world.spillover_open" = 0.1 }
    [design]
    kind = "saltelli"                   # none | grid | lhs | saltelli | morris | points
    samples = 64                        # lhs points, Saltelli's N, Morris trajectories
    levels = 4                          # a Morris design's grid levels
    [[factors]]
    name = "world.spillover_open"
    bounds = [0.02, 0.2]                # lhs, saltelli, morris; `levels = [...]` for grid
    scale = "log"                       # sampled evenly in its logarithm (default linear)
    [outputs]
    metrics = ["open_share_dev_count", "price_ratio"]
    months = ["2026-02", "2027-12"]             # or "all"
    lab_metrics = ["strategy"]                  # optional per-lab table

Without a design, `ensemble = "../scenarios/ensembles/NAME.toml"` runs replication r with
parameter set r mod K of a parameter ensemble, the same set and seed in every arm.

A dotted key reaches into lists by an item's name (`labs.Anthropic.stance`), by its
kind when it is the only one of that kind (`regulators.EU.policies.open_funding.
monthly_budget`), or by position (`regulators.EU.policies.1.monthly_budget`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from openness import metrics
from openness.scenario import ExperimentError, ScenarioError, content_hash, load_scenario
from openness.scenario.ensemble import ParameterEnsemble, load_ensemble
from openness.scenario.load import MAX_PROBLEMS, explain, read_toml
from openness.scenario.schema import Month, Name, Problems, month_index


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Arm(_Strict):
    name: Name = Field(description="letters, digits, '-', '_' or '.'")
    scenario: str | None = Field(None, description="another scenario file for this arm")
    overrides: dict[str, Any] = Field(default_factory=dict)


class Factor(_Strict):
    name: str = Field(description="dotted scenario key, e.g. 'world.spillover_open'")
    levels: list[float] | None = Field(None, description="values for a grid design")
    bounds: tuple[float, float] | None = Field(
        None, description="[low, high] for lhs/saltelli/morris"
    )
    scale: Literal["linear", "log"] = Field(
        "linear", description="sample on this scale between the bounds (log: both positive)"
    )
    integer: bool = Field(False, description="round sampled values to whole numbers")

    @model_validator(mode="after")
    def _range(self) -> Factor:
        if self.bounds is not None and not self.bounds[0] < self.bounds[1]:
            raise ValueError(f"bounds of '{self.name}' must be [low, high] with low < high")
        if self.scale == "log" and self.bounds is not None and not self.bounds[0] > 0:
            raise ValueError(f"a log-scale factor '{self.name}' needs positive bounds")
        return self


class Design(_Strict):
    kind: Literal["none", "grid", "lhs", "saltelli", "morris", "points"] = "none"
    samples: int = Field(
        16, ge=1, le=1_000_000, description="lhs points, Saltelli's N or Morris trajectories"
    )
    levels: int = Field(4, ge=2, le=100, description="grid levels of a Morris design")
    second_order: bool = Field(False, description="Saltelli design for second-order indices")
    points: list[list[float]] | None = Field(
        None, description="for kind 'points': each design point's factor values, in order"
    )


#: the world table's measured columns (every one but the month)
WORLD_OUTPUTS = metrics.WORLD_OUTPUTS


class Outputs(_Strict):
    metrics: list[str] = Field(default_factory=lambda: list(WORLD_OUTPUTS))
    months: list[Month] | Literal["all"] = "all"
    lab_metrics: list[str] = Field(default_factory=list)


class Experiment(_Strict):
    name: Name
    description: str = ""
    scenario: str | None = Field(None, description="base scenario file (relative to this file)")
    seed: int = Field(0, ge=0, lt=2**63)
    replications: Annotated[int, Field(ge=1, le=100_000)] | None = None
    seeds: list[Annotated[int, Field(ge=0, lt=2**63)]] | None = None
    baseline_arm: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    arms: list[Arm] = Field(default_factory=lambda: [Arm(name="baseline")])
    design: Design = Design()
    factors: list[Factor] = Field(default_factory=list)
    outputs: Outputs = Outputs()
    ensemble: str | None = Field(
        None,
        description="a parameter-ensemble file (relative to this file): replication r runs "
        "member r mod (number of members) with seed r, the same in every arm",
    )
    common_seeds: bool = Field(
        True,
        description="every arm and design point runs the same seeds (common random numbers); "
        "false gives each design point seeds of its own (arms still share them)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        problems = Problems()
        if (self.replications is None) == (self.seeds is None):
            problems.add(
                "replications", "give exactly one of 'replications' (a count) or 'seeds' (a list)"
            )
        if self.seeds is not None and not self.seeds:
            problems.add("seeds", "must list at least one seed")
        if self.seeds is not None and len(set(self.seeds)) != len(self.seeds):
            problems.add("seeds", "must not repeat a seed")
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names) or not names:
            problems.add("arms", "arms need unique names (at least one arm)")
        if self.baseline_arm is not None and self.baseline_arm not in names:
            problems.add(
                "baseline_arm", f"'{self.baseline_arm}' is not one of the arms: {', '.join(names)}"
            )
        kind = self.design.kind
        if kind == "none" and self.factors:
            problems.add(
                "design.kind",
                "factors need a design: set it to grid, lhs, saltelli, morris or points",
            )
        if (kind == "points") != (self.design.points is not None):
            problems.add("design.points", "a 'points' design, and only it, lists its points")
        for i, point in enumerate(self.design.points or []):
            if len(point) != len(self.factors):
                problems.add(
                    f"design.points[{i}]",
                    f"has {len(point)} values for {len(self.factors)} factors",
                )
                continue
            for f, value in zip(self.factors, point, strict=True):
                if f.bounds is not None and not f.bounds[0] <= value <= f.bounds[1]:
                    problems.add(
                        f"design.points[{i}]",
                        f"{f.name} = {value} lies outside its bounds {list(f.bounds)}",
                    )
        if self.ensemble is not None and kind != "none":
            problems.add(
                "ensemble", "an ensemble gives each replication its parameters: drop the design"
            )
        if kind != "none" and not self.factors:
            problems.add("factors", f"design '{kind}' needs at least one [[factors]] entry")
        factor_names = [f.name for f in self.factors]
        for i, f in enumerate(self.factors):
            if factor_names.count(f.name) > 1 and factor_names.index(f.name) == i:
                problems.add(f"factors[{i}].name", f"'{f.name}' is given more than once")
            if kind == "grid" and not f.levels:
                problems.add(
                    f"factors[{i}].levels", f"factor '{f.name}' needs 'levels' for a grid design"
                )
            if kind in ("lhs", "saltelli", "morris") and f.bounds is None:
                problems.add(
                    f"factors[{i}].bounds", f"factor '{f.name}' needs 'bounds' for a {kind} design"
                )
        problems.raise_any()
        return self

    @property
    def n_replications(self) -> int:
        if self.seeds is not None:
            return len(self.seeds)
        assert self.replications is not None  # the validator requires one of the two
        return int(self.replications)

    @property
    def baseline(self) -> str:
        return self.baseline_arm or self.arms[0].name


class LoadedExperiment(BaseModel):
    """An experiment with its file's location, so that relative paths resolve."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)
    spec: Experiment
    path: Path | None = None

    def resolve(self, ref: str | None) -> Path | None:
        if ref is None:
            return None
        base = self.path.parent if self.path is not None else Path.cwd()
        return (base / ref).resolve()

    def arm_scenario(self, arm: Arm) -> Path | None:
        return self.resolve(arm.scenario or self.spec.scenario)

    def arm_overrides(self, arm: Arm) -> dict[str, Any]:
        return {**self.spec.overrides, **arm.overrides}

    def ensemble(self) -> ParameterEnsemble | None:
        """The parameter ensemble the replications run over, if the experiment names one."""
        path = self.resolve(self.spec.ensemble)
        return None if path is None else load_ensemble(path)

    def input_files(self) -> list[Path]:
        """Every scenario file the arms read (with their `extends` chains)."""
        from openness.scenario.load import chain_files

        paths = [self.arm_scenario(arm) for arm in self.spec.arms]
        return sorted({f for p in paths if p is not None for f in chain_files(p)})

    def content_hash(self) -> str:
        """SHA-256 of the experiment and of every arm's fully resolved scenario."""
        payload = _hashed(self.spec.model_dump(mode="json"))
        payload["arm_scenarios"] = {}
        for arm in self.spec.arms:
            path = self.arm_scenario(arm)
            if path is not None:
                scenario = load_scenario(path, self.arm_overrides(arm))
                payload["arm_scenarios"][arm.name] = content_hash(scenario)
        ensemble = self.ensemble()
        if ensemble is not None:
            payload["ensemble_content"] = ensemble.model_dump(mode="json")
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _hashed(payload: dict[str, Any]) -> dict[str, Any]:
    """The experiment as hashed: fields added since 0.3.0 enter only when they differ from
    their defaults, so a batch written before them keeps its hash and can be resumed."""
    if payload.get("ensemble") is None:
        payload.pop("ensemble", None)
    if payload.get("design", {}).get("levels") == 4:
        payload["design"].pop("levels")
    for factor in payload.get("factors", []):
        if factor.get("scale") == "linear":
            factor.pop("scale")
    return payload


def load_experiment(path: str | Path) -> LoadedExperiment:
    """Read and validate an experiment file, and check before anything runs that every run it
    describes can run: its arms' scenarios load, every factor is a field of them whose
    schema admits the factor's levels or bounds, and the kept months are simulated. Raises
    ExperimentError listing every problem found."""
    path = Path(path)
    raw = read_toml(path, ExperimentError)
    try:
        spec = Experiment.model_validate(raw)
    except ValidationError as exc:
        raise explain(exc, path, Experiment, ExperimentError, raw=raw) from None
    loaded = LoadedExperiment(spec=spec, path=path.resolve())
    check_runs(loaded, path)
    return loaded


def check_runs(loaded: LoadedExperiment, source: str | Path) -> None:
    """ExperimentError naming `source` and every problem that would make a run of the
    experiment fail: an arm without a scenario, one that does not load, a factor value its
    scenario refuses, a kept month outside its window, an unknown metric."""
    spec = loaded.spec
    if spec.scenario is None and any(a.scenario is None for a in spec.arms):
        raise ExperimentError(source, "scenario", "is required (or give every arm a scenario)")
    problems = _metric_problems(spec.outputs)
    ensemble = None
    if spec.ensemble is not None:
        try:
            ensemble = loaded.ensemble()
        except ScenarioError as exc:
            problems.append(("ensemble", str(exc)))
    for i, arm in enumerate(spec.arms):
        problems += _arm_problems(loaded, i, arm, ensemble)
    if problems:
        problems = problems[:MAX_PROBLEMS]
        raise ExperimentError(
            source,
            problems[0][0],
            problems[0][1],
            problems=[(str(source), f, p) for f, p in problems],
        )


def _arm_problems(
    loaded: LoadedExperiment, i: int, arm: Arm, ensemble: ParameterEnsemble | None = None
) -> list[tuple[str, str]]:
    """(field, problem) for everything that would make a run of this arm fail."""
    where = f"arms[{i}] ({arm.name})"
    scenario_path = loaded.arm_scenario(arm)
    assert scenario_path is not None  # load_experiment has checked that every arm has one
    try:
        scenario = load_scenario(scenario_path, loaded.arm_overrides(arm))
    except ScenarioError as exc:
        return [(where, str(exc))]
    out = []
    if ensemble is not None:
        try:
            load_scenario(
                scenario_path, {**loaded.arm_overrides(arm), **ensemble.overrides(ensemble.central)}
            )
        except ScenarioError as exc:
            problem = "; ".join(f"{field}: {p}" for _, field, p in exc.problems)
            out.append(("ensemble", f"its parameters do not fit arm '{arm.name}': {problem}"))
    months = loaded.spec.outputs.months
    if months != "all":
        last = scenario.last_month
        for m in months:
            if not 0 <= month_index(m, scenario.simulation.start) < scenario.simulation.months:
                out.append(
                    (
                        "outputs.months",
                        f"{m} is not simulated by arm '{arm.name}' "
                        f"({scenario.simulation.start}..{last})",
                    )
                )
    for j, factor in enumerate(loaded.spec.factors):
        values = factor.levels or list(factor.bounds or ())
        for value in values:
            value = round(value) if factor.integer else value
            try:
                load_scenario(scenario_path, {**loaded.arm_overrides(arm), factor.name: value})
            except ScenarioError as exc:
                problem = "; ".join(f"{field}: {p}" for _, field, p in exc.problems)
                out.append(
                    (
                        f"factors[{j}] ({factor.name})",
                        f"the value {value!r} does not fit arm '{arm.name}': {problem}",
                    )
                )
                break
    return out


def _metric_problems(outputs: Outputs) -> list[tuple[str, str]]:
    """Metrics of the simulation's tables (a custom model may keep others)."""
    out = []
    unknown = [m for m in outputs.metrics if m not in WORLD_OUTPUTS]
    if unknown:
        out.append(
            (
                "outputs.metrics",
                f"unknown metric(s) {', '.join(unknown)}; allowed: {', '.join(WORLD_OUTPUTS)}",
            )
        )
    labs = [m for m in metrics.LABS if m not in ("month", "lab")]
    unknown = [m for m in outputs.lab_metrics if m not in labs]
    if unknown:
        out.append(
            (
                "outputs.lab_metrics",
                f"unknown lab metric(s) {', '.join(unknown)}; allowed: {', '.join(labs)}",
            )
        )
    return out
