"""Lab finance: runway, venture funding rounds and capital pressure.

A lab without a parent raises a round when its runway falls below a threshold. The chance of
closing one in a month is

    P = base_rate * condition * 2 * sigmoid(growth_weight * g + efficiency_weight * ln(R / B))

where `condition` is the market-wide capital condition (a scenario shock), g the lab's monthly
revenue growth and R / B its revenue over burn: tight markets punish inefficient spending.
"""

from __future__ import annotations

import math

from openness.scenario.schema import Decision, Funding

MAX_RUNWAY = 120.0  # months; a lab whose revenue covers its costs reports this


def runway_months(capital: float, revenue: float, costs: float) -> float:
    net_burn = costs - revenue
    if net_burn <= 0:
        return MAX_RUNWAY
    return float(min(MAX_RUNWAY, max(0.0, capital) / net_burn))


def round_probability(
    funding: Funding,
    condition: float,
    efficiency_weight: float,
    growth: float,
    revenue: float,
    burn: float,
) -> float:
    ratio = max(revenue, 1e-3) / max(burn, 1e-3)
    x = funding.growth_weight * growth + efficiency_weight * math.log(ratio)
    return float(min(1.0, funding.base_rate * condition * 2.0 / (1.0 + math.exp(-x))))


def round_size(funding: Funding, condition: float, burn: float) -> float:
    """$M raised in a round: months of burn, scaled down in a tight market."""
    return float(funding.round_months_of_burn * burn * min(1.0, condition))


def runway_shortfall(runway: float, target: float) -> float:
    """How far a runway falls short of a target, as a share of the target (0 to 1)."""
    return max(0.0, 1.0 - runway / target)


def survival_chance(
    funding: Funding,
    condition: float,
    efficiency_weight: float,
    horizon: float,
    capital: float,
    revenue: float,
    costs: float,
    recurring: float,
    growth: float,
) -> float:
    """Expected share of a `horizon`-month stream of long-run value that a lab without a
    parent lives to collect, at the given monthly revenue and costs.

    With a runway of `horizon` months or more it collects all of it. Otherwise it collects it
    all if it raises a round before its cash runs out (it tries each month once its runway is
    under `seek_below_runway`, at today's market and its own revenue over costs), and the
    share runway / horizon if it does not.
    """
    runway = runway_months(capital, revenue + recurring, costs)
    shortfall = runway_shortfall(runway, horizon)
    if shortfall == 0.0:
        return 1.0
    p = round_probability(funding, condition, efficiency_weight, growth, revenue, max(costs, 1e-3))
    refinanced = 1.0 - (1.0 - p) ** min(runway, funding.seek_below_runway)
    return 1.0 - shortfall * (1.0 - refinanced)


def capital_pressure(decision: Decision, runway: float) -> float:
    """Weight on near-term revenue: 1 with a long runway, up to 1 + pressure at zero runway."""
    return 1.0 + decision.capital_pressure * runway_shortfall(runway, decision.runway_target_months)
