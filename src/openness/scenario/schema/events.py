"""Regulators with their dated policies, and the dated exogenous events."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from openness.scenario.schema.base import (
    Coef,
    Flops,
    Month,
    Name,
    Share,
    Strict,
)
from openness.vocabulary import (
    Jurisdiction,
    Origin,
    Sector,
)


class PolicyBase(Strict):
    name: Name | None = Field(
        None,
        description="unique within its regulator; a file that "
        "extends another changes the entry of the same name",
    )
    start: Month = Field("2000-01", description="month the instrument takes effect")
    end: Month | None = Field(None, description="month it stops (exclusive); none = never")


class GPAIObligations(PolicyBase):
    kind: Literal["gpai"]
    threshold_flops: Flops = Field(1e25, description="training-compute threshold, FLOPs")
    monthly_cost_closed: Annotated[float, Field(ge=0.0, le=1e5)] = Field(
        description="$M/month for a closed model above it"
    )
    monthly_cost_open: Annotated[float, Field(ge=0.0, le=1e5)] = Field(
        description="$M/month for open with transparent training"
    )
    open_exemption: bool = Field(False, description="open + transparent models are exempt")
    transparency_bonus: Coef = Field(
        0.5, description="enterprise utility of certified-transparent open models (compliance)"
    )


class ProcurementRestriction(PolicyBase):
    kind: Literal["procurement_restriction"]
    origins: list[Origin] = Field(min_length=1)
    sectors: list[Sector] = Field(default_factory=lambda: list[Sector](["government"]))


class OpenReleaseBan(PolicyBase):
    kind: Literal["open_release_ban"]
    threshold_flops: Flops = 1e26


class OpenFunding(PolicyBase):
    kind: Literal["open_funding"]
    monthly_budget: Annotated[float, Field(ge=0.0, le=1e5)] = Field(
        description="$M/month shared among eligible open labs"
    )
    eligible_origins: list[Origin] = Field(
        default_factory=lambda: list[Origin](["US", "CN", "EU", "other"])
    )
    training_share: Share = Field(
        0.0,
        description="share of each grant given as training compute, spent on top of the "
        "lab's own training plan (a compute grant, as public AI compute "
        "programmes give); the rest is cash",
    )


class ExportControls(PolicyBase):
    kind: Literal["export_controls"]
    target_origins: list[Origin] = Field(min_length=1)
    compute_cost_multiplier: Annotated[float, Field(ge=1.0, le=100.0)] = 1.5
    compute_cap_flops: Annotated[float, Field(gt=0.0, le=1e35)] | None = Field(
        None,
        description="largest final training run (FLOP) a lab of a target origin can buy "
        "compute for in the scenario's first month (None: the controls only price compute)",
    )
    compute_cap_growth_per_year: Annotated[float, Field(ge=0.0, le=3.0)] = Field(
        0.0, description="orders of magnitude a year by which that cap grows"
    )


Policy = Annotated[
    GPAIObligations | ProcurementRestriction | OpenReleaseBan | OpenFunding | ExportControls,
    Field(discriminator="kind"),
]


class Regulator(Strict):
    name: Name
    jurisdiction: Jurisdiction
    policies: list[Policy] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_policy_names(self) -> Regulator:
        names = [p.name for p in self.policies if p.name is not None]
        if len(set(names)) != len(names):
            raise ValueError(f"policy names must be unique within a regulator ({self.name})")
        return self


class EventBase(Strict):
    name: Name | None = Field(
        None,
        description="unique among the events; a file that extends "
        "another changes the event of the same name",
    )
    month: Month
    note: str = ""


class EfficiencyShock(EventBase):
    kind: Literal["efficiency"]
    lab: str
    factor: Annotated[float, Field(gt=0.0, le=1000.0)]
    inference_factor: Annotated[float, Field(gt=0.0, le=1000.0)] = 1.0
    published: bool = Field(
        False,
        description="the method is published: labs behind the lab multiply their "
        "training efficiency by `factor` (at world.recipe_diffusion of the "
        "log gap a month) and adopt its inference efficiency at their next "
        "release",
    )


class CapabilityShock(EventBase):
    kind: Literal["capability"]
    lab: str
    delta: Annotated[float, Field(ge=-5.0, le=5.0)] = Field(description="OOM added to knowledge")
    release: bool = Field(True, description="the lab releases at once on its current strategy")


class CostShock(EventBase):
    kind: Literal["cost"]
    target: Literal["inference", "flop"]
    factor: Annotated[float, Field(gt=0.0, le=100.0)]


class CapitalShock(EventBase):
    kind: Literal["capital"]
    condition: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description="new market-wide capital condition (1 = normal)"
    )
    efficiency_weight: Annotated[float, Field(ge=0.0, le=20.0)] | None = Field(
        None, description="how hard investors punish burn not covered by revenue"
    )


Event = Annotated[
    EfficiencyShock | CapabilityShock | CostShock | CapitalShock, Field(discriminator="kind")
]
