"""The labs' books each month (ODD section 7.7): revenue, costs, funding and venture rounds,
as functions of the model's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from openness.kernels.rng import STREAM_EVENT, draw
from openness.market import finance
from openness.market.offers import SLOTS, Offers
from openness.model import policy as pol
from openness.model.state import MarketState
from openness.model.training import effective_spend

if TYPE_CHECKING:
    from openness.model.agents import Lab


def book(
    model: MarketState, t: int, offers: Offers, tokens: np.ndarray, policy: pol.PolicyState
) -> None:
    """Every lab books the month: API and hosting revenue, serving, training, operating and
    compliance costs, a parent's transfer, grants and any venture round."""
    w = model.world
    for lab in model.labs:
        i = lab.index * SLOTS
        api_tok = tokens[i]
        api_rev = offers.price[i] * api_tok / 1e6
        api_cost = offers.serving_cost[i] * api_tok / 1e6
        host_tok = w.first_party_hosting_share * np.array([tokens[i + 1], tokens[i + 2]])
        host_rev = float(offers.price[i + 1 : i + 3] @ host_tok) / 1e6
        host_cost = float(offers.serving_cost[i + 1 : i + 3] @ host_tok) / 1e6
        compliance = pol.compliance_costs(
            policy, lab.released_flops, lab.config.transparent_training
        )[lab.strategy]
        revenue = api_rev + host_rev + lab.other_revenue
        costs = api_cost + host_cost + effective_spend(model, lab) + lab.config.opex + compliance
        # a compute grant is received and spent in the month (in costs above)
        funding = lab.config.parent_funding + sum(model.grants[lab.index])
        recurring = funding
        funding += venture_round(model, t, lab, revenue, costs)
        # a lab cannot spend cash it does not have: what its capital, revenue and
        # funding do not cover, it does not spend (it shrinks to its means), so capital
        # never falls below zero; at zero it is insolvent (Lab.book)
        costs = min(costs, lab.capital + revenue + funding)
        lab.book(revenue, costs, funding, recurring)
        lab.training_spend *= 1.0 + lab.config.training_spend_growth
        lab.other_revenue *= 1.0 + lab.config.other_revenue_growth


def venture_round(model: MarketState, t: int, lab: Lab, revenue: float, costs: float) -> float:
    """$M raised this month by a lab without a parent that seeks a round (0 if none)."""
    f = model.scenario.funding
    if lab.config.parent_funding > 0 or lab.runway >= f.seek_below_runway:
        return 0.0
    p = finance.round_probability(
        f,
        model.capital_condition,
        model.efficiency_weight,
        lab.revenue_growth(),
        revenue,
        max(costs, 1e-3),
    )
    if draw(model.lab_key, t, STREAM_EVENT, lab.index) < p:
        return finance.round_size(f, model.capital_condition, lab.burn)
    return 0.0
