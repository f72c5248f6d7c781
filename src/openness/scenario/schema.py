"""Pydantic schema of a scenario file: data only, every field with its unit and range.

Units used throughout: money in millions of US dollars ($M), prices in dollars per million
tokens ($/Mtok, blended 3:1 input:output), capability in log10 of effective training FLOPs
(the GPT-4 class is about 25.3), time in calendar months written "YYYY-MM".
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from openness import metrics
from openness.vocabulary import (  # noqa: F401  (re-exported: the schema's types)
    BUSINESS_MODELS,
    CLOSED,
    JURISDICTIONS,
    LICENCES,
    ORIGINS,
    SECTORS,
    STRATEGIES,
    BusinessModel,
    Jurisdiction,
    Licence,
    LicenceFit,
    Origin,
    Sector,
    Strategy,
)

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
#: calendar years a scenario may name (dates outside are typos, not scenarios)
YEARS = (1950, 2200)
#: names that may become file or directory names: letters, digits, '-', '_' and '.', with
#: no path separator and no '..'
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")

# Every float field is finite (the models forbid inf and NaN) and bounded on both sides, so
# that any value the schema accepts can be simulated. Money is in $M, so 1e6 is $1 trillion.
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Rate = Annotated[float, Field(ge=0.0, lt=1.0)]  # a yearly decline: 1 would divide by zero
NonNeg = Annotated[float, Field(ge=0.0, le=1e6)]
Positive = Annotated[float, Field(gt=0.0, le=1e6)]
Coef = Annotated[float, Field(ge=0.0, le=100.0)]  # a utility weight
SignedCoef = Annotated[float, Field(ge=-100.0, le=100.0)]
Capability = Annotated[float, Field(ge=20.0, le=35.0)]  # log10 effective FLOP
Months = Annotated[float, Field(gt=0.0, le=600.0)]
Flops = Annotated[float, Field(ge=1e20, le=1e32)]


def _check_name(value: str) -> str:
    if not NAME_PATTERN.match(value) or ".." in value or value in (".",):
        raise ValueError(
            "must be a name of letters, digits, '-', '_' or '.' (no spaces, no "
            f"path separator, no '..'), got {value!r}"
        )
    return value


Name = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_name)]


class Problems:
    """Every problem a model validator finds, raised together: one ValueError whose lines are
    FIELD<TAB>PROBLEM (the field relative to the model), which `load.explain` splits into
    separate problems, so that a user sees all of them at once."""

    SEP = "\t"

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, problem: str) -> None:
        self.items.append((field, problem))

    def raise_any(self) -> None:
        if self.items:
            raise ValueError("\n".join(f"{f}{self.SEP}{p}" for f, p in self.items))


def month_index(month: str, start: str) -> int:
    """Whole months from `start` to `month` (both "YYYY-MM")."""
    y, m = (int(x) for x in month.split("-"))
    y0, m0 = (int(x) for x in start.split("-"))
    return (y - y0) * 12 + (m - m0)


def month_start(month: str) -> pd.Timestamp:
    """The first day of a "YYYY-MM" month, as the tables date their rows."""
    return pd.Timestamp(month + "-01")


def _check_month(value: str) -> str:
    match = _MONTH.match(value) if isinstance(value, str) else None
    if match is None or not YEARS[0] <= int(match.group(1)) <= YEARS[1]:
        raise ValueError(
            f"must be a month written 'YYYY-MM' (e.g. '2025-01') in the years "
            f"{YEARS[0]}-{YEARS[1]}, got {value!r}"
        )
    return value


Month = Annotated[str, Field(description="calendar month, 'YYYY-MM'"), AfterValidator(_check_month)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Simulation(Strict):
    start: Month = "2024-01"
    months: int = Field(60, ge=1, le=600, description="number of monthly steps")
    developers: int = Field(100_000, ge=10, le=50_000_000, description="simulated developers")
    enterprises: int = Field(10_000, ge=10, le=5_000_000, description="simulated enterprises")
    seed: int = Field(0, ge=0, lt=2**63, description="default seed when none is given")


class World(Strict):
    """Exogenous technology, cost and capital environment."""

    real_developers: Annotated[float, Field(ge=1.0, le=1e10)] = Field(
        2.0e7, description="developers the population represents"
    )
    real_enterprises: Annotated[float, Field(ge=1.0, le=1e9)] = Field(
        3.0e5, description="enterprises the population represents"
    )
    frontier_prehistory_growth: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.09, description="OOM/month growth of the frontier before the start (for lags)"
    )
    flop_cost_usd: Annotated[float, Field(ge=1e-24, le=1e-12)] = Field(
        1.5e-18, description="$ per FLOP of training compute"
    )
    final_run_share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.1, description="share of training spend in the final run"
    )
    flop_cost_decline_per_year: Rate = Field(0.30, description="yearly fall of $/FLOP")
    algorithmic_progress_per_year: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.45, description="OOM/year of effective compute from public algorithmic progress"
    )
    training_window_months: Annotated[float, Field(ge=1.0, le=120.0)] = Field(
        6.0, description="months of spend in one run"
    )
    inference_cost_ref: Annotated[float, Field(gt=0.0, le=1e4)] = Field(
        4.0, description="$/Mtok to serve the reference model"
    )
    inference_cost_ref_capability: Capability = Field(25.3, description="capability of that model")
    inference_cost_exponent: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        0.5, description="d log10 cost / d capability"
    )
    inference_cost_decline_per_year: Rate = Field(0.45, description="yearly fall at fixed cap.")
    third_party_markup: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.25, description="markup of third-party open serving"
    )
    usage_growth_per_year: Annotated[float, Field(ge=0.1, le=100.0)] = Field(
        3.0, description="factor by which token volume per user grows in a year"
    )
    usage_price_elasticity: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.0,
        description="elasticity of token volume per user to the going rate over "
        "reference_price (1: users spend a constant budget on tokens)",
    )
    first_party_hosting_share: Share = Field(
        0.25, description="share of an open model's tokens its own lab serves"
    )
    spillover_open: Share = Field(0.10, description="monthly catch-up towards best open model")
    spillover_closed: Share = Field(0.01, description="monthly catch-up towards closed frontier")
    recipe_diffusion: Share = Field(
        0.0,
        description="monthly share of the log gap to a published method's training gain "
        "closed by each lab whose knowledge is below the publisher's",
    )
    serving_rebuild_months: Annotated[float, Field(ge=0.0, le=600.0)] | None = Field(
        None,
        description="months after a published serving architecture from which the labs "
        "ahead of its publisher build their releases on it (None: never)",
    )
    reference_price: Annotated[float, Field(ge=1e-3, le=1e4)] | None = Field(
        None,
        description="$/Mtok going rate of API tokens at which the price coefficients "
        "are stated; users weigh a price against last month's going rate "
        "(None: prices count in constant dollars)",
    )
    hybrid_small_gap: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.5, description="OOM below frontier of a hybrid's open model"
    )
    family_nest: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        1.0,
        description="nested-logit parameter of developers' choice, one nest per lab: how "
        "far a lab's own offers substitute for each other more than for "
        "rivals' (1: plain logit; towards 0: a family is worth its best offer)",
    )
    frontier_class_months: Months = Field(
        12.0, description="an open release within this lag is 'frontier-class'"
    )
    capital_condition: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        1.0, description="market-wide availability of venture capital (1 = normal)"
    )

    @model_validator(mode="after")
    def _elasticity_needs_a_reference(self) -> World:
        if self.usage_price_elasticity != 0 and self.reference_price is None:
            raise ValueError(
                "usage_price_elasticity answers the going rate over "
                "reference_price: set world.reference_price ($/Mtok) or leave the "
                "elasticity at 0"
            )
        return self


class Decision(Strict):
    """The labs' strategy-review rule (quantal response with inertia)."""

    temperature: Annotated[float, Field(ge=1e-3, le=1e3)] = Field(
        0.5, description="logit temperature on burn-scaled payoffs"
    )
    inertia: Annotated[float, Field(ge=0.0, le=1e3)] = Field(
        1.0, description="utility bonus of keeping the current strategy"
    )
    review_months: int = Field(3, ge=1, le=60, description="months between strategy reviews")
    execution_lag_months: int = Field(4, ge=0, le=36, description="announcement to effect")
    runway_target_months: Months = Field(24.0, description="runway below which pressure rises")
    capital_pressure: Coef = Field(2.0, description="extra weight on near-term revenue at 0 runway")
    price_adjustment: Share = Field(0.3, description="monthly step of price toward best response")
    ecosystem_value: Annotated[float, Field(ge=0.0, le=1e3)] = Field(
        0.5, description="$ per developer-month of mind-share on a family"
    )
    enterprise_ecosystem_weight: Annotated[float, Field(ge=0.0, le=1e4)] = Field(
        10.0, description="developer-equivalents of one enterprise workload on a family"
    )
    moat_value: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.04,
        description="share of what the lead earns closed (API margin, plus "
        "moat_ecosystem_weight x mind-share) lost per month of lead given away by open weights",
    )
    moat_ecosystem_weight: Share = Field(
        0.0,
        description="share of the closed option's mind-share value that the moat also puts "
        "at risk (0: the moat is the API margin alone)",
    )
    safety_steepness: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        2.0, description="growth of safety cost per OOM to frontier"
    )


class BusinessModelWeights(Strict):
    """Complement values of a business model ($M/month per unit of the driver)."""

    commoditisation: NonNeg = Field(0.0, description="value per unit open share of all tokens")
    compute_demand: NonNeg = Field(0.0, description="value per $M of open-ecosystem inference")
    exclusivity: NonNeg = Field(
        0.0,
        description="value of a closed frontier per unit of the lab's product integration "
        "and per year by which it leads the best open weights of other labs",
    )


def _default_business_models() -> dict[BusinessModel, BusinessModelWeights]:
    return {name: BusinessModelWeights() for name in BUSINESS_MODELS}


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
    safety_weight: Coef = Field(0.2, description="weight of safety/reputation cost")
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


class EnterpriseSector(Strict):
    sector: Sector
    weight: Positive
    residency_prob: Share = Field(description="share that cannot let data leave (Q1)")
    finetune_prob: Share = Field(description="share that must fine-tune on private data (Q2)")
    compliance_prob: Share = Field(description="share that needs compliance features (Q5)")


class Enterprises(Strict):
    sectors: list[EnterpriseSector]
    jurisdiction_weights: dict[Jurisdiction, NonNeg] = Field(
        default_factory=_default_jurisdiction_weights
    )
    initial_adoption: Share = Field(0.0, description="share already using AI at the start")
    bass_p: Share = 0.01
    bass_q: Annotated[float, Field(ge=0.0, le=10.0)] = 0.12
    review_rate: Share = 0.05
    complex_share_zero: Share = Field(0.2, description="share with no complex work")
    complex_volume_median_mtok: Annotated[float, Field(ge=1e-3, le=1e9)] = 50.0
    commodity_volume_median_mtok: Annotated[float, Field(ge=1e-3, le=1e9)] = 500.0
    volume_sigma: Annotated[float, Field(ge=0.0, le=4.0)] = 1.5
    beta_capability_complex: Coef = Field(4.0, description="utility per OOM, complex work (Q4)")
    beta_capability_commodity: Coef = Field(0.5, description="utility per OOM, commodity work")
    alpha_cost_complex: Annotated[float, Field(gt=0.0, le=100.0)] = Field(
        0.05, description="disutility per $/Mtok, complex work"
    )
    alpha_cost_commodity: Annotated[float, Field(gt=0.0, le=100.0)] = Field(
        0.3, description="disutility per $/Mtok, commodity"
    )
    finetune_bonus_open: Coef = Field(1.0, description="preference for open when tuning (Q2)")
    compliance_bonus_closed: Coef = Field(1.0, description="compliance features of APIs (Q5)")
    wrapper_cost: Annotated[float, Field(ge=0.0, le=1e4)] = Field(
        0.5, description="$/Mtok of an enterprise wrapper for open (Q5)"
    )
    selfhost_fixed: Annotated[float, Field(ge=0.0, le=1e4)] = Field(
        0.05, description="$M/month fixed cost of self-hosting"
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
        problems.raise_any()
        return self


class PolicyBase(Strict):
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


Policy = Annotated[
    GPAIObligations | ProcurementRestriction | OpenReleaseBan | OpenFunding | ExportControls,
    Field(discriminator="kind"),
]


class Regulator(Strict):
    name: Name
    jurisdiction: Jurisdiction
    policies: list[Policy] = Field(default_factory=list)


class EventBase(Strict):
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


LAB_TARGET_METRICS = {
    "first_open_month": "first month the lab has open weights on offer that it did not have "
    "at the start (a date; compared with `window`)",
    "frontier_closed_through": "1 if the lab's frontier was never open from the start to "
    "`month`, else 0",
    "strategy_is": "1 if the lab's strategy at `month` is `equals`, else 0",
    "labs_frontier_closed": "how many of `labs` keep their frontier closed (closed or hybrid) "
    "at `month`",
}


class Target(Strict):
    """A pattern target: a condition on one seed's results, and the share of seeds that must
    meet it (or, for `median_between`, a condition on the ensemble's median).

    The metric is a world metric, or one of LAB_TARGET_METRICS (with `lab` or `labs`). It is
    read at `month`, over every month of `window`, less the world metric `minus` in the same
    run and month (how two groups of the same world differ), as the change since `since` (value at
    `month` minus value at `since`), or against the same seed of the scenario `versus`
    (paired: value here minus value there; with `first_open_month`, a lab that never opens
    counts as opening after any month, and one that opens in neither arm never passes).
    """

    id: Name
    metric: str
    pattern: str = Field("", description="pattern id of the seeds README, e.g. 'C3'")
    month: Month | None = None
    window: tuple[Month, Month] | None = None
    since: Month | None = None
    minus: str | None = Field(None, description="a world metric subtracted (same run, month)")
    versus: str | None = Field(None, description="scenario file, relative to this one")
    comparison: Literal["eq", "ge", "le", "gt", "lt", "between", "median_between"] = "between"
    value: float | None = None
    range: tuple[float, float] | None = None
    share_of_seeds: Share = 0.5
    lab: str | None = None
    labs: list[str] | None = None
    equals: Strategy | None = None
    calibration: bool = Field(True, description="used to calibrate (false: held out)")
    note: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Target:
        problems = Problems()
        if self.month is None and self.window is None:
            problems.add("month", "a target needs a 'month' or a 'window'")
        if self.window is not None and month_index(self.window[1], self.window[0]) < 0:
            problems.add("window", "must be [first, last] with first <= last")
        if self.range is not None and not self.range[0] <= self.range[1]:
            problems.add("range", "must be [low, high] with low <= high")
        if (
            self.comparison in ("between", "median_between")
            and self.range is None
            and not (self.metric == "first_open_month" and self.window is not None)
        ):
            problems.add("range", f"comparison '{self.comparison}' needs 'range'")
        if self.comparison in ("eq", "ge", "le", "gt", "lt") and self.value is None:
            problems.add("value", f"comparison '{self.comparison}' needs 'value'")
        if self.minus is not None and self.metric in LAB_TARGET_METRICS:
            problems.add("minus", f"'minus' works on world metrics, not on '{self.metric}'")
        if self.metric in LAB_TARGET_METRICS:
            if self.metric == "labs_frontier_closed" and not self.labs:
                problems.add("labs", f"metric '{self.metric}' needs 'labs'")
            if self.metric != "labs_frontier_closed" and self.lab is None:
                problems.add("lab", f"metric '{self.metric}' needs 'lab'")
            if self.metric == "strategy_is" and self.equals is None:
                problems.add("equals", "metric 'strategy_is' needs 'equals'")
        problems.raise_any()
        return self

    def months_read(self) -> list[tuple[str, str]]:
        """(field, month) of every month the target reads."""
        out = [("month", self.month)] if self.month else []
        if self.window:
            out += [("window", self.window[0]), ("window", self.window[1])]
        return out + ([("since", self.since)] if self.since else [])


class Funding(Strict):
    """Venture funding rounds for labs without a parent."""

    round_months_of_burn: Months = Field(18.0, description="size of a round in months of burn")
    base_rate: Share = Field(0.25, description="monthly chance of closing a round when seeking")
    seek_below_runway: Months = Field(12.0, description="runway (months) that triggers a raise")
    growth_weight: Coef = Field(8.0, description="how revenue growth raises the chance")
    efficiency_weight: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        0.5, description="how revenue/burn raises the chance"
    )


#: The version of the scenario format this code reads. Fields removed or renamed in a later
#: version are listed in REMOVED_FIELDS, so that an old file gets an error that names what
#: replaces them instead of a bare "unknown key".
SCHEMA_VERSION = 1

#: dotted field path (list items written "[]", e.g. "labs[].safety_weight") ->
#: (the schema version that removed it, what replaces it)
REMOVED_FIELDS: dict[str, tuple[int, str]] = {}


class Scenario(Strict):
    schema_version: int = Field(
        SCHEMA_VERSION,
        ge=1,
        le=SCHEMA_VERSION,
        description="version of the scenario format the file is written for",
    )
    name: Name
    description: str = ""
    simulation: Simulation = Simulation()
    world: World = World()
    decision: Decision = Decision()
    funding: Funding = Funding()
    business_models: dict[BusinessModel, BusinessModelWeights] = Field(
        default_factory=_default_business_models
    )
    labs: list[Lab] = Field(min_length=1)
    developer_segments: list[DeveloperSegment] = Field(min_length=1)
    enterprises: Enterprises
    regulators: list[Regulator] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Scenario:
        problems = Problems()
        names = [lab.name for lab in self.labs]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            problems.add("labs", f"lab names must be unique; repeated: {', '.join(dupes)}")
        if len(self.labs) > 200:
            problems.add("labs", "at most 200 labs are supported")
        for i, ev in enumerate(self.events):
            lab = getattr(ev, "lab", None)
            if lab is not None and lab not in names:
                problems.add(
                    f"events[{i}].lab", f"unknown lab '{lab}'; known labs: {', '.join(names)}"
                )
        for i, t in enumerate(self.targets):
            for lab in [t.lab, *(t.labs or [])]:
                if lab is not None and lab not in names:
                    problems.add(f"targets[{i}].lab", f"unknown lab '{lab}' (target '{t.id}')")
        world = [m for m in metrics.WORLD if m != "month"]
        for i, t in enumerate(self.targets):
            if t.metric not in world and t.metric not in LAB_TARGET_METRICS:
                problems.add(
                    f"targets[{i}].metric",
                    f"unknown metric '{t.metric}'; allowed: "
                    f"the world metrics ({', '.join(world)}) or the lab metrics "
                    f"({', '.join(LAB_TARGET_METRICS)})",
                )
            if t.minus is not None and t.minus not in world:
                problems.add(
                    f"targets[{i}].minus",
                    f"unknown world metric '{t.minus}'; allowed: {', '.join(world)}",
                )
        ids = [t.id for t in self.targets]
        if len(set(ids)) != len(ids):
            problems.add("targets", "target ids must be unique")
        regs = [r.name for r in self.regulators]
        if len(set(regs)) != len(regs):
            problems.add("regulators", "regulator names must be unique")
        segs = [s.name for s in self.developer_segments]
        if len(set(segs)) != len(segs):
            problems.add("developer_segments", "developer segment names must be unique")
        for i, lab in enumerate(self.labs):
            if lab.release_phase >= lab.release_cadence:
                problems.add(
                    f"labs[{i}].release_phase",
                    f"must be below release_cadence ({lab.release_cadence}) (lab '{lab.name}')",
                )
        truncated = bool(info.context and info.context.get("truncated"))
        for field, problem, after_end in window_problems(self):
            if not (after_end and truncated):
                problems.add(field, problem)
        problems.raise_any()
        return self

    @property
    def last_month(self) -> str:
        """The last simulated month, "YYYY-MM"."""
        return add_months(self.simulation.start, self.simulation.months - 1)


def add_months(month: str, n: int) -> str:
    y, m = (int(x) for x in month.split("-"))
    k = y * 12 + (m - 1) + n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def window_problems(scenario: Scenario) -> list[tuple[str, str, bool]]:
    """(field, problem, lies after the end) for every dated item that the simulated window
    (simulation.start and simulation.months) does not hold: an event or a target month
    outside it, a policy that ends before it starts or is never in force in the window."""
    start, months = scenario.simulation.start, scenario.simulation.months
    first, last = start, add_months(start, months - 1)
    span = f"the simulated window is {first}..{last}"
    out: list[tuple[str, str, bool]] = []

    def place(field: str, month: str) -> None:
        k = month_index(month, start)
        if k < 0:
            out.append((field, f"{month} is before the start ({span})", False))
        elif k >= months:
            out.append((field, f"{month} is after the last simulated month ({span})", True))

    for i, ev in enumerate(scenario.events):
        place(f"events[{i}].month", ev.month)
    for i, t in enumerate(scenario.targets):
        for field, month in t.months_read():
            place(f"targets[{i}].{field}", month)
    for r, reg in enumerate(scenario.regulators):
        for p, policy in enumerate(reg.policies):
            field = f"regulators[{r}].policies[{p}]"
            lo = month_index(policy.start, start)
            hi = None if policy.end is None else month_index(policy.end, start)
            if hi is not None and hi <= lo:
                out.append(
                    (f"{field}.end", f"{policy.end} is not after its start {policy.start}", False)
                )
            elif hi is not None and hi <= 0:
                out.append(
                    (
                        f"{field}.end",
                        f"the policy ends ({policy.end}) before the "
                        f"simulated window begins; {span}",
                        False,
                    )
                )
            elif lo >= months:
                out.append(
                    (
                        f"{field}.start",
                        f"the policy starts ({policy.start}) after the "
                        f"last simulated month; {span}",
                        True,
                    )
                )
    return out
