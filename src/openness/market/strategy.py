"""Expected payoff of the three strategies for one lab, from the current market state.

For each option s in (closed, hybrid, open) the lab rebuilds its own offers as they would be
under s, asks the developers' logit demand (`market.demand`) and the enterprises' routing
demand (`market.routing.EnterpriseMarket`) what they would buy, and values the result. The
payoff is a sum of separately reported terms ($M/month):

    api_margin      (p - c) x tokens on its closed API, from developers and enterprises
    hosting         first-party share of serving its open weights through APIs, at the
                    third-party markup (self-hosted enterprise tokens pay it nothing)
    grants          public or consortium funding paid only to open frontier labs
    ecosystem       value of developers (and enterprise deployments, counted as
                    `enterprise_ecosystem_weight` developers each) building on its family,
                    growing with usage per user
    complement      business-model value: commoditisation (platforms), compute demand of the
                    open ecosystem (hardware), exclusivity of a closed frontier in proportion to
                    how deeply the lab's own products integrate it and to its lead over the
                    best open weights of other labs (product cloud, platforms)
    moat            what the lead earns closed (API margin, and `moat_ecosystem_weight` of
                    its mind-share) lost as rivals absorb the weights it would publish: in
                    proportion to the months by which those weights would advance the open
                    state of the art (so a lab far behind, or one matched by an open rival,
                    gives nothing away)
    regulatory      compliance cost of the option (e.g. GPAI above the compute threshold)
    market_access   margin lost in markets closed to the lab's origin
    safety          safety / reputation cost of publishing weights close to the frontier
    capital_pressure extra weight on near-term revenue when the runway is short

The long-run terms (ecosystem, complement, moat) are scaled by the share of them the lab would
live to collect under the option (`finance.survival_chance`): a venture-funded lab with a short
runway that cannot expect a round collects them only while its cash lasts.

The choice is a quantal response: P(s) proportional to exp((payoff_s / burn + inertia 1[s =
current]) / temperature). Options barred by law (an open-release ban) get probability zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from openness.market import finance
from openness.market.demand import Tastes, developer_demand
from openness.market.offers import (
    SLOT_API,
    SLOT_OPEN_FRONTIER,
    SLOT_OPEN_SMALL,
    STRATEGY_NAMES,
    Offers,
    offer_index,
)
from openness.market.routing import EnterpriseMarket
from openness.scenario.schema import BusinessModelWeights, Decision, Funding, World
from openness.vocabulary import CLOSED, HYBRID, OPEN

# values a lab collects over years, only if it survives them; the safety cost is not among
# them (misuse and reputation follow the release at once)
LONG_RUN_TERMS = ("ecosystem", "complement", "moat")
TERMS = (
    "api_margin",
    "hosting",
    "grants",
    "ecosystem",
    "complement",
    "moat",
    "regulatory",
    "market_access",
    "safety",
    "capital_pressure",
)


@dataclass(frozen=True)
class Accounts:
    """A venture-funded lab's last month of books: what its survival depends on."""

    capital: float
    revenue: float
    costs: float
    recurring: float  # funding that comes every month (a grant)
    growth: float  # monthly revenue growth


@dataclass(frozen=True)
class CapitalMarket:
    """The venture market every lab without a parent raises from."""

    funding: Funding
    condition: float
    efficiency_weight: float


@dataclass(frozen=True)
class LabView:
    """What a reviewing lab knows about itself."""

    index: int
    strategy: str
    weights: BusinessModelWeights
    knowledge: float
    price: float
    serving_frontier: float
    serving_small: float
    safety_weight: float
    burn: float
    pressure: float  # capital-pressure multiplier >= 1 (market.finance.capital_pressure)
    best_open_others: float  # best open weights of *other* labs (log10 FLOP; -inf if none)
    frontier_growth: float  # OOM per month that converts a capability gap into months
    restricted_share: float  # share of demand in markets barred to its origin
    compliance: dict[str, float]  # $M/month per option
    barred: dict[str, bool]  # option forbidden by law
    grant_if_open: float
    integration: float = 0.0  # how deeply its own products use its frontier model
    open_model_gap: float = 0.5  # OOM below its frontier of its smaller open models
    accounts: Accounts | None = None  # None: a parent covers its losses, it cannot fail


@dataclass(frozen=True)
class MarketView:
    """The market state every lab sees in the same month."""

    offers: Offers
    tastes: Tastes
    frontier: float
    eco_share: np.ndarray
    developer_mtok: float  # real monthly tokens of adopting developers
    real_developers: float
    enterprises: EnterpriseMarket
    usage: float = 1.0  # usage per user relative to the start (world.usage_growth_per_year)
    price_level: float = 1.0  # going rate of API tokens over world.reference_price
    capital_market: CapitalMarket | None = None
    secondary_holding: float = 0.0  # share of adopting developers holding a secondary model


def option_offers(offers: Offers, lab: LabView, option: str, world: World) -> Offers:
    """The offers as they would be if `lab` followed `option` from its next release."""
    avail = offers.available.copy()
    cap = offers.capability.copy()
    price = offers.price.copy()
    cost = offers.serving_cost.copy()
    api = offer_index(lab.index, SLOT_API)
    big = offer_index(lab.index, SLOT_OPEN_FRONTIER)
    small = offer_index(lab.index, SLOT_OPEN_SMALL)
    markup = 1.0 + world.third_party_markup
    avail[api] = option != OPEN
    cap[api], price[api], cost[api] = lab.knowledge, lab.price, lab.serving_frontier
    if option == OPEN:
        avail[big] = True
        cap[big], cost[big] = lab.knowledge, lab.serving_frontier
        price[big] = lab.serving_frontier * markup
    if option != CLOSED:
        avail[small] = True
        cap[small], cost[small] = lab.knowledge - lab.open_model_gap, lab.serving_small
        price[small] = lab.serving_small * markup
    return offers.with_changes(available=avail, capability=cap, price=price, serving_cost=cost)


def payoff_terms(
    lab: LabView, market: MarketView, world: World, decision: Decision
) -> dict[str, np.ndarray]:
    """Every payoff term for the three options, as arrays indexed like STRATEGY_NAMES."""
    terms = {name: np.zeros(3) for name in TERMS}
    own = slice(lab.index * 3, lab.index * 3 + 3)
    api = offer_index(lab.index, SLOT_API)
    # an exclusive model sets the lab's products apart only by as much as it leads what any
    # rival could build on freely: years ahead of the best open weights of other labs
    lead = months_given_away(lab, lab.knowledge) / 12.0
    for k, option in enumerate(STRATEGY_NAMES):
        offers = option_offers(market.offers, lab, option, world)
        demand = developer_demand(
            market.tastes, offers, market.frontier, market.eco_share, market.secondary_holding
        )
        shares = demand.production  # mind-share follows the family a developer builds on
        dev_tok = (market.tastes.token_weight @ demand.tokens) * market.developer_mtok
        ent_api, ent_self, ent_workloads = market.enterprises.demand(offers, market.frontier)
        served = dev_tok + ent_api  # tokens bought through an API (the lab's or a host's)
        users = market.tastes.weight @ shares
        margin = offers.price[api] - offers.serving_cost[api]  # $/Mtok on its API
        hosting = (
            world.first_party_hosting_share * world.third_party_markup * lab.serving_frontier
        )  # $/Mtok of its open weights served through APIs
        terms["api_margin"][k] = margin * served[api] / 1e6
        terms["hosting"][k] = hosting * (served[own].sum() - served[api]) / 1e6
        terms["grants"][k] = lab.grant_if_open if option == OPEN else 0.0
        # mind-share and complements are worth what the users they steer spend, which grows
        # with usage per user and the going rate of tokens like API margins do
        spend = market.usage * market.price_level
        terms["ecosystem"][k] = (
            decision.ecosystem_value
            * spend
            * (
                users[own].sum() * market.real_developers
                + decision.enterprise_ecosystem_weight * ent_workloads[own].sum()
            )
            / 1e6
        )
        all_tok = served + ent_self
        open_tok = np.where(offers.is_open, all_tok, 0.0)
        open_share = float(open_tok.sum() / max(all_tok.sum(), 1e-12))
        open_spend = float(open_tok @ offers.serving_cost) / 1e6
        terms["complement"][k] = (
            spend
            * (
                lab.weights.commoditisation * open_share
                + lab.weights.exclusivity * lab.integration * lead * (option != OPEN)
            )
            + lab.weights.compute_demand * open_spend
        )
        terms["regulatory"][k] = -lab.compliance[option]
        # enterprise demand already obeys procurement restrictions; developers' does not
        dev_near = (margin * dev_tok[api] + hosting * (dev_tok[own].sum() - dev_tok[api])) / 1e6
        terms["market_access"][k] = -lab.restricted_share * dev_near
        released = {
            CLOSED: -np.inf,
            HYBRID: lab.knowledge - lab.open_model_gap,
            OPEN: lab.knowledge,
        }[option]
        # releasing nothing (closed) risks nothing, whatever the steepness
        terms["safety"][k] = (
            -lab.safety_weight
            * lab.burn
            * np.exp(decision.safety_steepness * (released - market.frontier))
            if np.isfinite(released)
            else -0.0
        )
        terms["moat"][k] = -decision.moat_value * months_given_away(lab, released)
    # the lead that publishing gives away earns the API margin and, in part, the mind-share
    # of the developers who build on the best models
    franchise = terms["api_margin"][0] + decision.moat_ecosystem_weight * terms["ecosystem"][0]
    terms["moat"] *= max(0.0, franchise)
    survival = survival_by_option(lab, market, decision, terms)
    for name in LONG_RUN_TERMS:
        terms[name] = terms[name] * survival
    near_term = terms["api_margin"] + terms["hosting"] + terms["grants"]
    terms["capital_pressure"] = (lab.pressure - 1.0) * near_term
    return terms


def survival_by_option(
    lab: LabView, market: MarketView, decision: Decision, terms: dict[str, np.ndarray]
) -> np.ndarray:
    """Share of the long-run values the lab lives to collect under each option: its books with
    revenue moved by the option's change in near-term cash (finance.survival_chance)."""
    if lab.accounts is None or market.capital_market is None:
        return np.ones(3)
    a, cm = lab.accounts, market.capital_market
    cash = terms["api_margin"] + terms["hosting"] + terms["grants"] + terms["regulatory"]
    change = cash - cash[STRATEGY_NAMES.index(lab.strategy)]
    return np.array(
        [
            finance.survival_chance(
                cm.funding,
                cm.condition,
                cm.efficiency_weight,
                decision.runway_target_months,
                a.capital,
                a.revenue + d,
                a.costs,
                a.recurring,
                a.growth,
            )
            for d in change
        ]
    )


def months_given_away(lab: LabView, released: float) -> float:
    """How many months of frontier growth publishing `released` adds to the open state of
    the art (0 for no release, or weights no better than an open rival's)."""
    if not np.isfinite(released):
        return 0.0
    base = lab.best_open_others if np.isfinite(lab.best_open_others) else released
    return max(0.0, released - base) / lab.frontier_growth


def choice_probabilities(
    lab: LabView, terms: dict[str, np.ndarray], decision: Decision
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(total payoff, utility, probability) per option under the quantal-response rule."""
    total = np.asarray(sum(terms[name] for name in TERMS))
    utility = total / max(lab.burn, 1.0)
    utility = utility + decision.inertia * (np.array(STRATEGY_NAMES) == lab.strategy)
    barred = np.array([lab.barred[s] for s in STRATEGY_NAMES])
    z = np.where(barred, -np.inf, utility / decision.temperature)
    if not np.isfinite(z).any():  # everything barred: keep the current strategy
        z = np.where(np.array(STRATEGY_NAMES) == lab.strategy, 0.0, -np.inf)
    z = z - z[np.isfinite(z)].max()
    p = np.exp(z)
    return total, utility, p / p.sum()
