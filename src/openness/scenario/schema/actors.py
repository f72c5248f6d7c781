"""The labs' initial state, and the developer segments and enterprises."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    Field,
    model_validator,
)

from openness.scenario.schema.base import (
    Capability,
    Coef,
    Name,
    NonNeg,
    Positive,
    Problems,
    Share,
    SignedCoef,
    Strict,
)
from openness.vocabulary import (
    CLOSED,
    BusinessModel,
    Jurisdiction,
    Licence,
    LicenceFit,
    Origin,
    Sector,
    Stance,
    Strategy,
    Workload,
)


def _default_licence_fit() -> dict[LicenceFit, float]:
    return {"permissive": 0.0, "community": -0.3, "research": -3.0, CLOSED: 0.0}


def _default_jurisdiction_weights() -> dict[Jurisdiction, float]:
    return {"US": 0.45, "EU": 0.25, "CN": 0.15, "other": 0.15}


class Lab(Strict):
    name: Name
    origin: Origin
    business_model: BusinessModel
    strategy: Strategy = Field(description="strategy in force at the start (initial state)")
    licence: Licence = "permissive"
    major: bool = Field(False, description="one of the eight major families of document 000")
    capital: Annotated[float, Field(ge=0.0, le=1e7)] = Field(description="$M at the start")
    training_spend: Annotated[float, Field(ge=0.0, le=1e5)] = Field(
        description="$M/month on training at the start"
    )
    training_spend_growth: Annotated[float, Field(ge=-0.2, le=0.2)] = 0.03
    opex: Annotated[float, Field(ge=0.0, le=1e5)] = Field(
        description="$M/month of other operating costs"
    )
    other_revenue: Annotated[float, Field(ge=0.0, le=1e5)] = Field(
        0.0, description="$M/month of non-API AI revenue at the start"
    )
    other_revenue_growth: Annotated[float, Field(ge=-0.2, le=0.2)] = 0.03
    parent_funding: Annotated[float, Field(ge=0.0, le=1e5)] = Field(
        0.0, description="$M/month a parent company transfers"
    )
    efficiency: Annotated[float, Field(ge=1e-3, le=1e3)] = Field(
        1.0, description="training-efficiency multiplier"
    )
    inference_efficiency: Annotated[float, Field(ge=1e-3, le=1e3)] = Field(
        1.0, description="inference-cost divisor"
    )
    capability: Capability = Field(description="knowledge stock, log10 eff. FLOP")
    released_capability: Capability | None = None
    open_release_capability: Capability | None = Field(
        None, description="capability of its latest open frontier release"
    )
    open_model_gap: Annotated[float, Field(ge=0.0, le=10.0)] | None = Field(
        None,
        description="OOM below its frontier of its smaller open models (default: "
        "world.hybrid_small_gap)",
    )
    stance: Stance = Field(
        description="public release policy at the start: a frontier-safety framework that "
        "restricts weight release, an open-release commitment, or neither"
    )
    transparent_training: bool = Field(False, description="publishes its training recipe")
    price: Annotated[float, Field(ge=1e-3, le=1e4)] = Field(
        description="$/Mtok of its closed API at the start"
    )
    release_cadence: int = Field(6, ge=1, le=36, description="months between releases")
    release_phase: int = Field(0, ge=0, le=35, description="month offset of its releases")
    integration: Coef = Field(0.0, description="developer utility of its product integration")


class DeveloperSegment(Strict):
    name: Name
    weight: Positive
    bass_p: Share = Field(0.01, description="Bass innovation rate per month")
    bass_q: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.15, description="Bass imitation rate per month"
    )
    initial_adoption: Share = Field(0.0, description="share already building at the start")
    review_rate: Share = Field(0.08, description="monthly probability an adopter reviews")
    beta_capability: Coef = Field(2.0, description="utility per OOM of capability")
    alpha_price: Coef = Field(0.05, description="disutility per $/Mtok")
    beta_open: SignedCoef = Field(
        0.5, description="utility of open weights (local, tuning, no lock-in)"
    )
    beta_network: Coef = Field(2.0, description="utility per unit ecosystem share of the family")
    beta_switch: Coef = Field(0.5, description="switching cost per unit fine-tuning investment")
    finetune_rate_open: Coef = Field(0.3, description="investment added per month on open")
    finetune_rate_closed: Coef = Field(0.05, description="investment added per month on closed")
    finetune_decay: Share = Field(0.05, description="monthly depreciation of the investment")
    volume_median_ktok: Annotated[float, Field(ge=1e-3, le=1e9)] = Field(
        2000.0, description="median monthly volume, k tokens"
    )
    volume_sigma: Annotated[float, Field(ge=0.0, le=4.0)] = Field(
        1.5, description="log-normal sigma of volume (heavy tail)"
    )
    licence_fit: dict[LicenceFit, SignedCoef] = Field(default_factory=_default_licence_fit)
    trial_rate: Share = Field(
        0.0,
        description="monthly chance that an adopter tries a release in the month it comes "
        "out, were it worth everything to it (scaled by the release's logit share against "
        "its production model and by the release's fading attention; 0: no trials)",
    )
    secondary_share: Share = Field(
        0.0,
        description="share of an adopter's tokens on its secondary model (premium or "
        "experimental work), when it holds one",
    )


class EnterpriseSector(Strict):
    sector: Sector
    weight: Positive
    residency_prob: Share = Field(description="share that cannot let data leave (Q1)")
    finetune_prob: Share = Field(description="share that must fine-tune on private data (Q2)")
    compliance_prob: Share = Field(description="share that needs compliance features (Q5)")


class EnterpriseWorkload(Strict):
    """One class of an enterprise's work, split into `use_cases` routed one by one."""

    name: Workload
    share_zero: Share = Field(0.0, description="share of enterprises with none of this work")
    volume_median_mtok: Annotated[float, Field(ge=1e-3, le=1e9)] = Field(
        description="median Mtok/month of an enterprise's work of this class (log-normal)"
    )
    beta_capability: Coef = Field(description="utility per OOM of capability (Q4)")
    alpha_cost: Annotated[float, Field(gt=0.0, le=100.0)] = Field(
        description="disutility per $/Mtok at the reference going rate"
    )
    use_cases: Annotated[int, Field(ge=1, le=4)] = Field(
        1, description="use cases the class's volume is split between, each routed by itself"
    )
    closed_service_usd: Annotated[float, Field(ge=0.0, le=1e7)] = Field(
        0.0,
        description="$/month per use case of the work a closed API's platform does for its "
        "buyer (support, service levels, certifications, tools), which open weights leave "
        "to the enterprise",
    )


#: the former two classes: what an `[enterprises]` table without `workloads` gets
def _default_workloads() -> list[EnterpriseWorkload]:
    return [
        EnterpriseWorkload(
            name="complex",
            share_zero=0.2,
            volume_median_mtok=50.0,
            beta_capability=4.0,
            alpha_cost=0.05,
        ),
        EnterpriseWorkload(
            name="commodity", volume_median_mtok=500.0, beta_capability=0.5, alpha_cost=0.3
        ),
    ]


#: most use cases one enterprise routes (the width of its choice array)
MAX_USE_CASES = 8


class Enterprises(Strict):
    sectors: list[EnterpriseSector]
    jurisdiction_weights: dict[Jurisdiction, NonNeg] = Field(
        default_factory=_default_jurisdiction_weights
    )
    initial_adoption: Share = Field(0.0, description="share already using AI at the start")
    bass_p: Share = 0.01
    bass_q: Annotated[float, Field(ge=0.0, le=10.0)] = 0.12
    review_rate: Share = 0.05
    workloads: list[EnterpriseWorkload] = Field(default_factory=_default_workloads)
    initial_shares: dict[str, Share] = Field(
        default_factory=dict,
        description="the initial adopters' use cases by group: a lab's name (its models) or "
        "'open' (open weights of the labs not named); the rest go to the other labs' closed "
        "models; each group's offer by the logit (empty: the logit over all offers)",
    )
    volume_sigma: Annotated[float, Field(ge=0.0, le=4.0)] = 1.5
    finetune_bonus_open: Coef = Field(1.0, description="preference for open when tuning (Q2)")
    compliance_bonus_closed: Coef = Field(1.0, description="compliance features of APIs (Q5)")
    wrapper_cost: Annotated[float, Field(ge=0.0, le=1e4)] = Field(
        0.5, description="$/Mtok of an enterprise wrapper for open (Q5)"
    )
    selfhost_fixed: Annotated[float, Field(ge=0.0, le=1e4)] = Field(
        0.05,
        description="$M/month fixed cost of a self-hosted use case, for an enterprise of "
        "median total volume",
    )
    selfhost_size_exponent: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        0.0,
        description="elasticity of the fixed cost of self-hosting to the enterprise's total "
        "volume (0: the same for every enterprise)",
    )
    selfhost_cost_factor: Annotated[float, Field(gt=0.0, le=100.0)] = Field(
        0.7, description="self-hosted marginal / serving cost"
    )
    switch_cost: Coef = Field(0.5, description="utility cost of moving a workload")
    temperature: Annotated[float, Field(ge=1e-3, le=1e3)] = Field(
        0.5, description="logit temperature of routing choices"
    )

    @model_validator(mode="after")
    def _sectors_unique(self) -> Enterprises:
        problems = Problems()
        names = [s.sector for s in self.sectors]
        if len(set(names)) != len(names):
            problems.add("sectors", "each sector may appear once")
        if not self.sectors:
            problems.add("sectors", "needs at least one sector")
        if sum(self.jurisdiction_weights.values()) <= 0:
            problems.add("jurisdiction_weights", "the weights must add up to more than 0")
        work = [w.name for w in self.workloads]
        if len(set(work)) != len(work):
            problems.add("workloads", "each workload class may appear once")
        if not work:
            problems.add("workloads", "needs at least one workload class")
        if sum(self.initial_shares.values()) > 1.0 + 1e-9:
            problems.add("initial_shares", "the shares must add up to at most 1")
        if sum(w.use_cases for w in self.workloads) > MAX_USE_CASES:
            problems.add("workloads", f"at most {MAX_USE_CASES} use cases in all")
        problems.raise_any()
        return self
