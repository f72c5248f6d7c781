"""Calibration files: the parameters not set from a source, with prior ranges and the argument
for each; the summaries of the evidence, with their observation error and model discrepancy;
and how the waves of history matching run.

    name = "cascade_history"
    scenario = "../scenarios/deepseek_cascade.toml"   # relative to this file
    seed = 7
    [overrides]                                       # for every run (population sizes)
    "simulation.developers" = 20000
    [[arms]]                                          # the scenarios summaries read
    name = "cascade"
    [[arms]]
    name = "no_shock"
    scenario = "../scenarios/no_shock.toml"
    [[parameters]]
    key = "decision.temperature"
    low = 0.005
    high = 0.1
    scale = "log"                                     # sampled uniformly in log(value)
    source = "2% of discounted gross cash flow multiplies the odds by e; an order of magnitude either way"
    [[summaries]]
    id = "price_ratio_2026"
    arm = "cascade"
    metric = "price_ratio"                            # a world metric, or a labs one with `lab`
    window = ["2026-01", "2026-03"]                   # averaged over these months
    transform = "log"
    observed = 3.9
    observation_sd = 0.2                              # in the transformed units
    discrepancy_sd = 0.1
    source = "document 002: closed prices 30-70 times open in early 2026"
    [waves]
    points = 40                                       # design points a wave runs
    replications = 4                                  # seeds at each point
    cutoff = 3.0
    max_waves = 5
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from openness.experiments.spec import Arm
from openness.scenario.errors import CalibrationError
from openness.scenario.load import explain, read_toml
from openness.scenario.schema import Month, Name, Problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Parameter(_Strict):
    key: str = Field(description="dotted scenario key, e.g. 'decision.temperature'")
    low: float
    high: float
    scale: Literal["linear", "log"] = Field("linear", description="how the prior spreads")
    source: str = Field(min_length=1, description="the source of the range, or the argument")

    @model_validator(mode="after")
    def _range(self) -> Parameter:
        if not self.low < self.high:
            raise ValueError(f"'{self.key}' needs low < high")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"'{self.key}' on a log scale needs low > 0")
        return self

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Values at positions u in [0, 1] of the prior range (uniform in its scale)."""
        if self.scale == "log":
            return np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        return self.low + u * (self.high - self.low)

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        """Positions in [0, 1] of values x (the inverse of `from_unit`)."""
        x = np.asarray(x, dtype=float)
        if self.scale == "log":
            return (np.log(x) - np.log(self.low)) / (np.log(self.high) - np.log(self.low))
        return (x - self.low) / (self.high - self.low)


class Summary(_Strict):
    id: Name
    arm: str = Field("baseline", description="the arm (scenario) it is read from")
    metric: str = Field(description="a column of the world table, or of the labs table")
    lab: str | None = Field(None, description="for a labs-table metric: whose")
    window: tuple[Month, Month] | None = Field(
        None, description="first and last month averaged (every row if not given)"
    )
    transform: Literal["none", "log", "present"] = Field(
        "none",
        description="none; log (of the window's mean); present (the share of the window's "
        "months in which the metric has a value, e.g. a lab's open weights are on offer)",
    )
    observed: float = Field(description="the observation, in the transformed units")
    observation_sd: Annotated[float, Field(gt=0)]
    discrepancy_sd: Annotated[float, Field(ge=0)] = 0.0
    source: str = Field(min_length=1)


class Waves(_Strict):
    points: Annotated[int, Field(ge=4, le=100_000)] = 40
    replications: Annotated[int, Field(ge=2, le=1_000)] = 4
    cutoff: Annotated[float, Field(gt=0)] = 3.0
    max_waves: Annotated[int, Field(ge=1, le=50)] = 5
    min_shrink: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.1, description="stop once a wave shrinks the space by less than this share"
    )
    candidates: Annotated[int, Field(ge=100, le=10_000_000)] = Field(
        20_000, description="points of the prior that measure the non-implausible space"
    )


class EnsembleDraw(_Strict):
    """How the parameter ensemble is drawn from the final non-implausible space."""

    members: Annotated[int, Field(ge=1, le=100_000)] = Field(
        100, description="the parameter sets the ensemble needs, each confirmed by simulation"
    )
    draw: Annotated[int, Field(ge=1, le=100_000)] = Field(
        300, description="points drawn at random from the space, to confirm"
    )
    seeds: Annotated[int, Field(ge=2, le=1_000)] = Field(
        10, description="seeds each drawn point is confirmed over"
    )
    file: str | None = Field(
        None,
        description="where the ensemble is written (relative to this file; default "
        "../scenarios/ensembles/NAME.toml)",
    )


class Calibration(_Strict):
    name: Name
    description: str = ""
    scenario: str | None = Field(None, description="base scenario file (relative to this file)")
    seed: int = Field(0, ge=0, lt=2**63)
    overrides: dict[str, object] = Field(default_factory=dict)
    arms: list[Arm] = Field(default_factory=lambda: [Arm(name="baseline")])
    parameters: list[Parameter]
    summaries: list[Summary]
    waves: Waves = Waves()
    ensemble: EnsembleDraw = EnsembleDraw()

    @model_validator(mode="after")
    def _consistent(self) -> Calibration:
        problems = Problems()
        if self.ensemble.draw < self.ensemble.members:
            problems.add(
                "ensemble.draw",
                f"{self.ensemble.draw} drawn points cannot give {self.ensemble.members} members",
            )
        keys = [p.key for p in self.parameters]
        if not keys:
            problems.add("parameters", "name at least one parameter to calibrate")
        for i, key in enumerate(keys):
            if keys.index(key) != i:
                problems.add(f"parameters[{i}].key", f"'{key}' is given more than once")
        ids = [s.id for s in self.summaries]
        if not ids:
            problems.add("summaries", "name at least one summary of the evidence")
        arms = [a.name for a in self.arms]
        for i, s in enumerate(self.summaries):
            if ids.index(s.id) != i:
                problems.add(f"summaries[{i}].id", f"'{s.id}' is given more than once")
            if s.arm not in arms:
                problems.add(
                    f"summaries[{i}].arm", f"'{s.arm}' is not one of the arms: {', '.join(arms)}"
                )
        problems.raise_any()
        return self

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Parameter values of unit-cube points u[n, d]."""
        return np.column_stack([p.from_unit(u[:, j]) for j, p in enumerate(self.parameters)])


class LoadedCalibration(BaseModel):
    """A calibration with its file's location, so that relative paths resolve."""

    model_config = ConfigDict(frozen=True)
    spec: Calibration
    path: Path | None = None


def load_calibration(path: str | Path) -> LoadedCalibration:
    """Read and validate a calibration file; CalibrationError lists every problem found."""
    path = Path(path)
    raw = read_toml(path, CalibrationError)
    try:
        spec = Calibration.model_validate(raw)
    except ValidationError as exc:
        raise explain(exc, path, Calibration, CalibrationError, raw=raw) from None
    return LoadedCalibration(spec=spec, path=path.resolve())
