"""The simulation window, the exogenous world, the labs' decision rule, business models and
funding."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    Field,
    model_validator,
)

from openness.scenario.schema.base import (
    Capability,
    Coef,
    Month,
    Months,
    NonNeg,
    Rate,
    Share,
    Strict,
)
from openness.vocabulary import (
    BUSINESS_MODELS,
    BusinessModel,
)


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
    release_attention_months: Months = Field(
        1.0,
        description="e-folding time of the attention a new release draws: developers try it "
        "at exp(-age / this) of their trial rate",
    )
    trial_window_months: int = Field(
        3, ge=1, le=24, description="months after a release during which developers try it"
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


class StanceWeights(Strict):
    """Safety and reputation cost of publishing weights at the frontier, per month, in months
    of the lab's own spending (training and operations), by release stance: one weight per
    category, the same for every lab."""

    framework: NonNeg = Field(1.0, description="a published framework restricting release")
    open_commitment: NonNeg = Field(0.0, description="a stated open-release commitment")
    none: NonNeg = Field(0.25, description="neither")


class Decision(Strict):
    """The labs' strategy-review rule: a discounted valuation of each option over a horizon
    and a quantal response over the values relative to the lab's discounted gross cash flow."""

    temperature: Annotated[float, Field(ge=1e-4, le=10.0)] = Field(
        0.02,
        description="logit temperature on option values over the lab's discounted gross "
        "cash flow: a difference of this share of it over the horizon multiplies the odds by e",
    )
    inertia: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.0, description="value of keeping the current strategy, as a share of gross cash flow"
    )
    review_months: int = Field(3, ge=1, le=60, description="months between strategy reviews")
    execution_lag_months: int = Field(4, ge=0, le=36, description="announcement to effect")
    horizon_months: int = Field(
        36, ge=1, le=120, description="months of cash flow a review projects and discounts"
    )
    discount_rate: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        0.12, description="annual discount rate of a lab with a parent (cost of equity)"
    )
    venture_discount_rate: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.15,
        description="annual discount rate of a venture-funded lab in a normal capital market "
        "(divided by the capital condition); its survival is counted apart",
    )
    value_volatility: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.45,
        description="annual standard deviation of an option's value change, as a share of "
        "the lab's discounted gross cash flow (prices the option to wait before releasing)",
    )
    price_adjustment: Share = Field(0.3, description="monthly step of price toward best response")
    installed_base_pricing: bool = Field(
        False,
        description="price for the installed base (buyers re-choose at their turnover, and "
        "the lab discounts the margins a buyer won brings later); off, a lab prices as if "
        "every buyer re-chose every month. Under relative prices (world.reference_price) it "
        "leaves the price level without an anchor (docs/decisions/0019)",
    )
    stance_weights: StanceWeights = StanceWeights()
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


class Funding(Strict):
    """Venture funding rounds for labs without a parent."""

    round_months_of_burn: Months = Field(18.0, description="size of a round in months of burn")
    base_rate: Share = Field(0.25, description="monthly chance of closing a round when seeking")
    seek_below_runway: Months = Field(12.0, description="runway (months) that triggers a raise")
    growth_weight: Coef = Field(8.0, description="how revenue growth raises the chance")
    efficiency_weight: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        0.5, description="how revenue/burn raises the chance"
    )
    invest_above_runway_months: Months | None = Field(
        None,
        description="a venture-funded lab spends the capital it holds above this many months "
        "of net burn on training, spread over as many months (none: it trains to its plan)",
    )
