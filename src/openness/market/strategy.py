"""What a reviewing lab sees, and one month of cash under each of its three options.

For each option s in (closed, hybrid, open) the lab rebuilds its own offers as they would be
under s (`option_offers`: weights it has released stay on offer under every option, since
they cannot be withdrawn), asks the developers' demand (`market.demand`) and the enterprises'
routing demand (`market.routing.EnterpriseMarket`) what they would buy if every buyer chose
afresh, and books one month of cash ($M/month, `month_flows`):

    api_margin   (p - c) x tokens on its closed API, developers' and enterprises' apart
    hosting      first-party share of serving its open weights through APIs, at the
                 third-party markup (self-hosted enterprise tokens pay it nothing)
    complement   business-model cash outside token sales: a platform's AI cost saved as open
                 weights commoditise the models its products run on, a hardware seller's
                 margin on the compute the open ecosystem's inference runs on, and a product
                 cloud's or app's revenue from an exclusive frontier integrated in its
                 products, in proportion to how far it leads the best open weights of others
    grants       public or consortium funding paid only to open frontier labs
    regulatory   compliance cost of the option (e.g. GPAI above the compute threshold)
    market_access margin lost in markets closed to the lab's origin
    safety       misuse and reputation cost of publishing weights near the frontier, in
                 months of the lab's spending by its release stance (one weight per stance)
    costs        training and operating spending (the same under every option)

`projected_offers` moves the market forward under an option: rivals (held at their current
strategies) absorb the best open weights by spillover, so that giving away a lead costs the
lab demand later. `market.valuation` turns these months into discounted values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from openness.market.demand import DeveloperDemand, Tastes, developer_demand_many
from openness.market.offers import (
    SLOT_API,
    SLOT_OPEN_FRONTIER,
    SLOT_OPEN_SMALL,
    SLOTS,
    Offers,
    offer_index,
)
from openness.market.routing import EnterpriseMarket
from openness.scenario.schema import BusinessModelWeights, Funding, World
from openness.vocabulary import CLOSED, HYBRID, OPEN

#: the month's cash of an option, in the order of the decisions table
FLOW_TERMS = (
    "api_margin",
    "hosting",
    "complement",
    "grants",
    "regulatory",
    "market_access",
    "safety",
    "costs",
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
    stance_weight: float  # months of spending per month of a frontier-level release
    training_spend: float  # $M/month
    training_growth: float  # monthly growth of its training spend
    opex: float  # $M/month
    best_open_others: float  # best open weights of *other* labs (log10 FLOP; -inf if none)
    frontier_growth: float  # OOM per month that converts a capability gap into months
    restricted_share: float  # share of demand in markets barred to its origin
    compliance: dict[str, float]  # $M/month per option
    barred: dict[str, bool]  # option forbidden by law
    grant_if_open: float
    integration: float = 0.0  # how deeply its own products use its frontier model
    open_model_gap: float = 0.5  # OOM below its frontier of its smaller open models
    accounts: Accounts | None = None  # None: a parent covers its losses, it cannot fail
    #: its own three offers' shares of developers' and of enterprises' tokens this month
    dev_base: np.ndarray = field(default_factory=lambda: np.zeros(3))
    ent_base: np.ndarray = field(default_factory=lambda: np.zeros(3))

    @property
    def burn(self) -> float:
        return self.training_spend + self.opex


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
    dev_turnover: float = 1.0  # monthly share of a family's developers that re-choose
    ent_turnover: float = 1.0  # monthly share of a family's enterprise work that re-routes
    dev_adopted: float = 1.0  # share of developers who have adopted
    ent_adopted: float = 1.0
    dev_bass: tuple[float, float] = (0.0, 0.0)  # token-weighted (p, q) per month
    ent_bass: tuple[float, float] = (0.0, 0.0)


def option_offers(offers: Offers, lab: LabView, option: str, world: World) -> Offers:
    """The offers as they would be if `lab` followed `option` from its next release. Weights
    it has released stay on offer under every option: they cannot be withdrawn."""
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


def spillover_share(world: World, months: int) -> float:
    """Share of a gap to the best open weights that a lab closes by spillover in `months`."""
    return 1.0 - (1.0 - world.spillover_open) ** months


def projected_offers(offers: Offers, lab: LabView, world: World, months: int) -> Offers:
    """The offers `months` on, as the lab expects them: every lab's models improve alike
    (which the utilities, relative to the frontier, do not see), and each lab's next models
    close `spillover_share` of its gap to the best open weights it can learn from (the lab's
    own open weights for its rivals; the best of the others' for itself)."""
    if months <= 0:
        return offers
    share = spillover_share(world, months)
    open_caps = np.where(offers.available & offers.is_open, offers.capability, -np.inf)
    best_open = float(open_caps.max())
    # each lab's knowledge: the best model it has on offer (-inf for a lab with none)
    knowledge = np.where(offers.available, offers.capability, -np.inf).reshape(-1, SLOTS).max(1)
    source = np.full(knowledge.shape, best_open)
    source[lab.index] = lab.best_open_others
    with np.errstate(invalid="ignore"):
        gap = np.where(np.isfinite(source) & np.isfinite(knowledge), source - knowledge, 0.0)
    gain = np.repeat(share * np.maximum(0.0, gap), SLOTS)
    cap = np.where(offers.available, offers.capability + gain, offers.capability)
    return offers.with_changes(capability=cap)


def month_flows(
    lab: LabView,
    market: MarketView,
    world: World,
    offers: Offers,
    option: str,
    steepness: float,
) -> dict[str, np.ndarray | float]:
    """One month under `option` at `offers` if every buyer chose afresh (`months_of`)."""
    return months_of(lab, market, world, [(offers, option)], steepness)[0]


def months_of(
    lab: LabView,
    market: MarketView,
    world: World,
    menus: list[tuple[Offers, str]],
    steepness: float,
    later: int = 0,
) -> list[dict[str, np.ndarray | float]]:
    """One month under each (offers, option) if every buyer chose afresh: for the lab's own
    three offers (API, open frontier, smaller open) their shares of developers' and of
    enterprises' tokens, the share of the enterprises' tokens bought through an API, the $
    the lab earns per Mtok (its API margin; its hosting margin on open weights) and what it
    pays per Mtok to serve them; the market's token totals; and the option's other cash
    ($M). With `later` > 0, then the same for each menu `later` months on
    (`projected_offers`). The demand under every menu is computed in one pass."""
    sets = [offers for offers, _ in menus]
    options = [option for _, option in menus]
    if later > 0:
        ahead = [projected_offers(o, lab, world, later) for o in sets]
        lifts = [a.capability - o.capability for a, o in zip(ahead, sets, strict=True)]
        sets_all, options = sets + ahead, options + options
    else:
        sets_all, lifts = sets, None
    frontiers = np.array([float(o.capability[o.available].max()) for o in sets_all])
    devs = developer_demand_many(
        market.tastes, sets_all, frontiers, market.eco_share, market.secondary_holding
    )
    ents = market.enterprises.demand_many(sets, frontiers[: len(sets)], lifts)
    return [
        _month(lab, market, world, offers, option, steepness, frontier, dev, ent)
        for offers, option, frontier, dev, ent in zip(
            sets_all, options, frontiers, devs, ents, strict=True
        )
    ]


def _month(
    lab: LabView,
    market: MarketView,
    world: World,
    offers: Offers,
    option: str,
    steepness: float,
    frontier: float,
    demand: DeveloperDemand,
    enterprise: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> dict[str, np.ndarray | float]:
    own = slice(lab.index * SLOTS, (lab.index + 1) * SLOTS)
    api = offer_index(lab.index, SLOT_API)
    dev_tok = (market.tastes.token_weight @ demand.tokens) * market.developer_mtok
    ent_api, ent_self, _ = enterprise
    ent_tok = ent_api + ent_self
    first_party = world.first_party_hosting_share
    hosting = first_party * world.third_party_markup * lab.serving_frontier
    unit = np.full(3, hosting)
    serve = np.full(3, first_party * lab.serving_frontier)
    unit[0] = offers.price[api] - offers.serving_cost[api] if offers.available[api] else 0.0
    serve[0] = offers.serving_cost[api] if offers.available[api] else 0.0
    all_tok = dev_tok + ent_tok
    open_tok = np.where(offers.is_open, all_tok, 0.0)
    open_share = float(open_tok.sum() / max(all_tok.sum(), 1e-12))
    open_spend = float(open_tok @ offers.serving_cost) / 1e6
    # complements are worth what the users they steer spend, which grows with usage per user
    # and the going rate of tokens as API margins do
    spend = market.usage * market.price_level
    lead = months_given_away(lab, lab.knowledge) / 12.0
    released = {CLOSED: -np.inf, HYBRID: lab.knowledge - lab.open_model_gap, OPEN: lab.knowledge}
    return {
        "available": offers.available[own].astype(float),
        "dev_x": dev_tok[own] / max(dev_tok.sum(), 1e-12),
        "ent_x": ent_tok[own] / max(ent_tok.sum(), 1e-12),
        "ent_via_api": np.divide(
            ent_api[own], ent_tok[own], out=np.zeros(3), where=ent_tok[own] > 0
        ),
        "unit": unit / 1e6,  # $M per Mtok
        "serve": serve / 1e6,
        "dev_total": float(dev_tok.sum()),
        "ent_total": float(ent_tok.sum()),
        "complement": spend
        * (
            lab.weights.commoditisation * open_share
            + lab.weights.exclusivity * lab.integration * lead * (option != OPEN)
        )
        + lab.weights.compute_demand * open_spend,
        "grants": lab.grant_if_open if option == OPEN else 0.0,
        "regulatory": -lab.compliance[option],
        "safety": safety_cost(lab, released[option], frontier, steepness),
    }


def safety_cost(lab: LabView, released: float, frontier: float, steepness: float) -> float:
    """$M/month of misuse and reputation cost of releasing weights of capability `released`:
    the stance's weight in months of the lab's spending, falling e-fold every 1/steepness OOM
    below the frontier. Releasing nothing (closed) risks nothing."""
    if not np.isfinite(released):
        return -0.0
    return -lab.stance_weight * lab.burn * float(np.exp(steepness * (released - frontier)))


def months_given_away(lab: LabView, released: float) -> float:
    """How many months of frontier growth publishing `released` adds to the open state of
    the art (0 for no release, or weights no better than an open rival's)."""
    if not np.isfinite(released):
        return 0.0
    base = lab.best_open_others if np.isfinite(lab.best_open_others) else released
    return max(0.0, released - base) / lab.frontier_growth
