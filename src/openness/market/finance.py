"""Lab finance: runway and venture funding rounds.

A lab without a parent raises a round when its runway falls below a threshold. The chance of
closing one in a month is

    P = base_rate * condition * 2 * sigmoid(growth_weight * g + efficiency_weight * ln(R / B))

where `condition` is the market-wide capital condition (a scenario shock), g the lab's monthly
revenue growth and R / B its revenue over burn: tight markets punish inefficient spending.
"""

from __future__ import annotations

import math

from openness.scenario.schema import Funding

MAX_RUNWAY = 120.0  # months; a lab whose revenue covers its costs reports this


def runway_months(capital: float, revenue: float, costs: float) -> float:
    net_burn = costs - revenue
    if net_burn <= 0:
        return MAX_RUNWAY
    return float(min(MAX_RUNWAY, max(0.0, capital) / net_burn))


def monthly_discount(
    discount_rate: float, venture_discount_rate: float, venture: bool, condition: float
) -> float:
    """delta, a lab's discount factor per month: (1 + r)^(-1/12) with r the annual
    `discount_rate` for a lab with a parent, and `venture_discount_rate` over the capital
    market's condition for a venture-funded lab (a tight market prices its equity higher)."""
    rate = venture_discount_rate / max(condition, 0.05) if venture else discount_rate
    return float((1.0 + rate) ** (-1.0 / 12.0))


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
