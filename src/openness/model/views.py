"""What a reviewing lab sees, built from the model's state by plain functions.

The Mesa model owns the state; a lab's strategy review receives only these views (the market
it faces and its own position), never the model. Tests build or inspect the same views.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from openness.market import technology
from openness.market.offers import ORIGIN_CODES, SLOTS, STRATEGY_NAMES, Offers
from openness.market.strategy import Accounts, CapitalMarket, LabView, MarketView
from openness.market.valuation import TERMS, Valuation
from openness.model import policy as pol
from openness.model.state import MarketState
from openness.vocabulary import OPEN

if TYPE_CHECKING:
    from openness.model.agents import Lab


def turnovers(model: MarketState) -> tuple[float, float]:
    """(developers, enterprises): the monthly share of a family's buyers that re-choose it.
    Reviewing developers move only as far as their lock-in lets them (the share of would-be
    movers that it does not hold, measured in the population this month); enterprises
    re-route at their review rate times exp(-switch cost)."""
    segments = model.scenario.developer_segments
    tw = model.developers.tastes.token_weight
    review = float(tw @ np.array([s.review_rate for s in segments]))
    ent = model.scenario.enterprises
    return review * model.dev_lockin_release, ent.review_rate * math.exp(-ent.switch_cost)


def market_view(model: MarketState, t: int, offers: Offers, policy: pol.PolicyState) -> MarketView:
    """The market every lab faces this month: offers, demand, prices, the capital market,
    and how fast buyers turn over and adopt."""
    segments = model.scenario.developer_segments
    tw = model.developers.tastes.token_weight
    bass_p = float(tw @ np.array([s.bass_p for s in segments]))
    bass_q = float(tw @ np.array([s.bass_q for s in segments]))
    ent = model.scenario.enterprises
    dev_turnover, ent_turnover = turnovers(model)
    return MarketView(
        offers,
        model.tastes(),
        model.frontier(offers),
        model.eco_share,
        model._developer_mtok(t),
        model.world.real_developers,
        model._enterprise_market(t, policy),
        usage=model.usage(t),
        price_level=1.0 / model.price_sensitivity(),
        capital_market=CapitalMarket(
            model.scenario.funding, model.capital_condition, model.efficiency_weight
        ),
        secondary_holding=model.dev_secondary_holding,
        dev_turnover=dev_turnover,
        ent_turnover=ent_turnover,
        dev_adopted=model.dev_adopted,
        ent_adopted=model.ent_adopted,
        dev_bass=(bass_p, bass_q),
        ent_bass=(ent.bass_p, ent.bass_q),
    )


@dataclass(frozen=True)
class ReviewContext:
    """What every review of the month shares: the open weights on offer, the origins of the
    open labs, and the share of enterprise demand closed to each origin."""

    open_caps: np.ndarray
    open_origins: Sequence[str]
    restricted: dict[str, float]

    @classmethod
    def build(cls, model: MarketState, offers: Offers, policy: pol.PolicyState) -> ReviewContext:
        open_caps = np.where(offers.available & offers.is_open, offers.capability, -np.inf)
        open_origins = [lab.config.origin for lab in model.labs if lab.strategy == OPEN]
        share = model.enterprises.jurisdiction_sector_share
        restricted = {
            o: float((policy.barred[:, :, code] * share).sum()) for o, code in ORIGIN_CODES.items()
        }
        return cls(open_caps, open_origins, restricted)


def lab_view(
    model: MarketState, lab: Lab, t: int, policy: pol.PolicyState, shared: ReviewContext
) -> LabView:
    """A lab's own position as its review sees it."""
    d = model.scenario.decision
    flops = float(model.train_flops[lab.index])
    own = slice(lab.index * SLOTS, (lab.index + 1) * SLOTS)
    dev_tok, ent_tok = model.dev_tokens_mtok, model.ent_tokens_mtok
    return LabView(
        index=lab.index,
        strategy=lab.strategy,
        weights=model.scenario.business_models[lab.config.business_model],
        knowledge=lab.knowledge,
        price=lab.price,
        serving_frontier=float(
            technology.serving_cost(
                model.world,
                t,
                lab.knowledge,
                lab.inference_efficiency,
                model.inference_multiplier,
            )
        ),
        serving_small=float(
            technology.serving_cost(
                model.world,
                t,
                lab.knowledge - lab.open_model_gap,
                lab.inference_efficiency,
                model.inference_multiplier,
            )
        ),
        stance_weight=getattr(d.stance_weights, lab.config.stance),
        training_spend=lab.training_spend,
        training_growth=lab.config.training_spend_growth,
        opex=lab.config.opex,
        best_open_others=best_open_others(lab.index, shared.open_caps),
        frontier_growth=model.world.frontier_prehistory_growth,
        restricted_share=shared.restricted[lab.config.origin],
        compliance=pol.compliance_costs(policy, flops, lab.config.transparent_training),
        barred=pol.barred_options(policy, lab.config.origin, flops, flops - lab.open_model_gap),
        # the cash part: a compute grant buys training beyond the lab's plan, which the
        # valuation of this month's demand does not see
        grant_if_open=pol.grant_per_lab(
            policy, lab.config.origin, shared.open_origins, lab.strategy == OPEN
        )[0],
        integration=lab.config.integration,
        open_model_gap=lab.open_model_gap,
        accounts=accounts(lab),
        dev_base=dev_tok[own] / max(dev_tok.sum(), 1e-12),
        ent_base=ent_tok[own] / max(ent_tok.sum(), 1e-12),
    )


def accounts(lab: Lab) -> Accounts | None:
    """A lab's books for its survival valuation (None for a lab with a parent)."""
    if lab.config.parent_funding > 0:
        return None
    return Accounts(lab.capital, lab.revenue, lab.costs, lab.recurring, lab.revenue_growth())


def best_open_others(index: int, open_caps: np.ndarray) -> float:
    """The open state of the art without lab `index`'s own weights: what its release would be
    compared with (the lead it would give away)."""
    others = np.delete(open_caps, np.s_[index * SLOTS : (index + 1) * SLOTS])
    return float(others.max()) if others.size else -math.inf


def decision_rows(
    month: pd.Timestamp, lab: str, current: str, valuation: Valuation, chosen: str
) -> list[dict]:
    """One row per option of a review: every discounted term ($M), their total, the lab's
    discounted spending that values are read against, utility, probability."""
    rows = []
    for k, option in enumerate(STRATEGY_NAMES):
        row = {"month": month, "lab": lab, "option": option, "current": current}
        row.update({name: float(valuation.terms[name][k]) for name in TERMS})
        row.update(
            total=float(valuation.total[k]),
            scale=valuation.scale,
            utility=float(valuation.utility[k]),
            probability=float(valuation.probability[k]),
            chosen=chosen == option,
        )
        rows.append(row)
    return rows
