"""Parameter-ensemble files: the parameter sets a history match leaves, each confirmed by
simulation, with the provenance of the model code that made them.

    name = "cascade_history"
    calibration = "cascade_history"          # the calibration that drew it
    calibration_hash = "3f1c..."
    model_code_hash = "a9d2..."              # `openness.provenance.model_code_hash()`
    package_version = "0.9.0"
    git_commit = "eb10bc5..."
    created = "2026-12-04"
    cutoff = 3.0                             # the second-largest implausibility kept
    confirmed_seeds = 10                     # seeds each member was confirmed over
    central = 4                              # the member nearest the ensemble's centre
    parameters = ["decision.temperature", "world.spillover_open"]
    [[members]]
    values = [0.021, 0.034]
    implausibility = 1.7                     # its confirmed second-largest implausibility

An experiment that names an ensemble runs each replication with one member's values as
overrides. A run over an ensemble made by other model code warns; validation refuses it.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from openness.provenance import model_code_hash
from openness.scenario.errors import EnsembleError
from openness.scenario.load import explain, read_toml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Member(_Strict):
    values: list[float]
    #: its confirmed second-largest implausibility (written to 6 decimals)
    implausibility: float = Field(ge=0)


class ParameterEnsemble(_Strict):
    name: str = Field(min_length=1)
    calibration: str = Field(min_length=1)
    calibration_hash: str
    model_code_hash: str
    package_version: str
    git_commit: str | None = None
    created: str
    cutoff: float = Field(gt=0)
    confirmed_seeds: int = Field(ge=1)
    central: int = Field(ge=0)
    parameters: list[str] = Field(min_length=1)
    members: list[Member] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ParameterEnsemble:
        width = len(self.parameters)
        for i, m in enumerate(self.members):
            if len(m.values) != width:
                raise ValueError(f"members[{i}] has {len(m.values)} values for {width} parameters")
        if self.central >= len(self.members):
            raise ValueError(
                f"central = {self.central} is not a member (0..{len(self.members) - 1})"
            )
        return self

    def overrides(self, member: int) -> dict[str, float]:
        """The scenario overrides of one member."""
        return dict(zip(self.parameters, self.members[member].values, strict=True))

    @property
    def current(self) -> bool:
        """Whether the model code that made it is the code installed now."""
        return self.model_code_hash == model_code_hash()


def load_ensemble(path: str | Path) -> ParameterEnsemble:
    """Read and validate an ensemble file; EnsembleError lists every problem found."""
    path = Path(path)
    raw = read_toml(path, EnsembleError)
    try:
        return ParameterEnsemble.model_validate(raw)
    except ValidationError as exc:
        raise explain(exc, path, ParameterEnsemble, EnsembleError, raw=raw) from None


def stale_message(ensemble: ParameterEnsemble) -> str:
    """Why an ensemble made by other model code does not describe this model."""
    return (
        "the ensemble was made by other model code (model_code_hash "
        f"{ensemble.model_code_hash[:12]}, the installed model's is {model_code_hash()[:12]}); "
        "its members were confirmed for that model, not this one: rerun its calibration"
    )


def ensemble_toml(ensemble: ParameterEnsemble) -> str:
    """The ensemble as a TOML file (JSON strings and arrays are valid TOML values)."""
    lines = []
    for key, value in ensemble.model_dump(exclude={"members"}).items():
        if value is not None:
            lines.append(f"{key} = {json.dumps(value)}")
    for m in ensemble.members:
        lines += ["", "[[members]]", f"values = {json.dumps([float(v) for v in m.values])}"]
        lines.append(f"implausibility = {json.dumps(round(float(m.implausibility), 6))}")
    return "\n".join(lines) + "\n"
