"""A lab's value of each option: the discounted cash flow over the review's horizon.

For option s the lab projects H = `decision.horizon_months` months h = 0..H-1 of the cash of
`market.strategy.month_flows` and discounts them:

    V_s = sum_h delta^h S_s(h) CF_s(h),    delta = (1 + r)^(-1/12)

**Installed base.** Buyers do not all choose afresh each month. A share m of the developers
on a family re-choose it each month (their review rate times the share of them that lock-in
lets go, both measured in the population), so the family's share of developers' tokens moves
from today's x0 to the option's x*_s as

    x_s(h) = x*_s(h) + (x0 - x*_s(h)) (1 - m)^(h + 1),

and likewise for enterprises' work (their review rate times exp(-switch cost)). The family's
cash (API margin, hosting, market access) is the option's, scaled by x_s(h) / x*_s(h): the
developers on the family are worth the margin they bring while lock-in retains them, which
is their customer lifetime value; there is no other ecosystem value. The market-wide
complements move from the current strategy's value to the option's at the developers' rate.

**The market over time.** x*_s(h) and the complements are interpolated between the market
now and the market `H // 2` months on (`strategy.projected_offers`: rivals absorb the best
open weights by spillover), then held. Cash grows with usage per user, the developers' and
enterprises' adoption (Bass, at their own p and q) and the going rate (prices follow serving
costs down; usage answers them at `usage_price_elasticity`). Training spend grows at the
lab's own rate.

**Capital.** r is `decision.discount_rate` for a lab with a parent and
`decision.venture_discount_rate / capital condition` for a venture-funded lab. A
venture-funded lab survives month h for sure while its cash lasts (its runway under the
option) and, beyond, only if it raises a round first: S_s(h) is 1 before the runway and the
chance of refinancing (`finance.round_probability`) after it.

**Irreversibility.** Released weights stay on offer under every later option. Releasing
more than today (closed -> hybrid -> open) cannot be undone, so the lab compares releasing
now with waiting one review of R months and deciding then. With D_s = V_s - V_now and
E_s its first R months, waiting keeps the choice of the later part D_s - E_s, which by the
next review will have moved by a normal error of standard deviation
sigma = value_volatility sqrt(R / 12) x scale. Releasing now is worth

    U_s = V_s + waiting_s,    waiting_s = -E[max(D_s - E_s + e, 0)],   e ~ N(0, sigma^2),

so that a lab releases only when the gain is clear of the noise of the next review, and
then because its first R months are worth having now (Dixit and Pindyck 1994).

**The choice.** scale = sum_h delta^h G(h), the lab's discounted gross cash flow under its
current strategy (everything it takes in plus everything it pays out, `gross_cash`), and
P(s) proportional to exp((U_s / scale + inertia 1[s = current]) / temperature). A value
difference is rarely more than the gross flow, so the ratio does not drift upward as the
market outgrows the lab's costs.
Options barred by law get probability zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from openness.market import finance
from openness.market.offers import STRATEGY_NAMES
from openness.market.strategy import (
    FLOW_TERMS,
    LabView,
    MarketView,
    months_of,
    option_offers,
)
from openness.scenario.schema import Decision, World

#: the decisions table's value columns ($M, discounted over the horizon): each month's cash
#: term, and the option value of waiting that releasing now gives up; they sum to `total`
TERMS = (*FLOW_TERMS, "waiting")


@dataclass(frozen=True)
class Valuation:
    """A review's values: terms[name][option] ($M), their sum, the scale and the choice."""

    terms: dict[str, np.ndarray]
    total: np.ndarray
    scale: float
    utility: np.ndarray
    probability: np.ndarray
    flows: np.ndarray  # [option, month] undiscounted cash ($M), for reading a projection


def monthly_discount(lab: LabView, market: MarketView, decision: Decision) -> float:
    """delta: the lab's discount factor per month (`finance.monthly_discount`)."""
    venture = lab.accounts is not None and market.capital_market is not None
    condition = market.capital_market.condition if market.capital_market is not None else 1.0
    return finance.monthly_discount(
        decision.discount_rate, decision.venture_discount_rate, venture, condition
    )


def bass_path(adopted: float, bass: tuple[float, float], months: int) -> np.ndarray:
    """Adopted share in months 0..months-1 from `adopted` now, by Bass's rule."""
    p, q = bass
    path = np.empty(months)
    a = adopted
    for h in range(months):
        path[h] = a
        a = a + (1.0 - a) * (p + q * a)
    return path


def growth_paths(market: MarketView, world: World, months: int) -> tuple[np.ndarray, np.ndarray]:
    """(developers' cash, enterprises' cash) in months 0..months-1 relative to month 0."""
    h = np.arange(months) / 12.0
    per_user = world.usage_growth_per_year**h * (
        (1.0 - world.inference_cost_decline_per_year) ** ((1.0 - world.usage_price_elasticity) * h)
    )
    dev = bass_path(market.dev_adopted, market.dev_bass, months) / max(market.dev_adopted, 1e-9)
    ent = bass_path(market.ent_adopted, market.ent_bass, months) / max(market.ent_adopted, 1e-9)
    return per_user * dev, per_user * ent


def spending_path(lab: LabView, months: int) -> np.ndarray:
    """Training and operating spending ($M) in months 0..months-1."""
    h = np.arange(months)
    return lab.training_spend * (1.0 + lab.training_growth) ** h + lab.opex


def survival_path(lab: LabView, market: MarketView, months: int, cash_change: float) -> np.ndarray:
    """S(h): the chance a lab is alive to collect month h's cash, its revenue moved by
    `cash_change` under the option. 1 throughout for a lab with a parent."""
    if lab.accounts is None or market.capital_market is None:
        return np.ones(months)
    a, cm = lab.accounts, market.capital_market
    revenue = max(0.0, a.revenue + cash_change)
    runway = finance.runway_months(a.capital, revenue + a.recurring, a.costs)
    p = finance.round_probability(
        cm.funding, cm.condition, cm.efficiency_weight, a.growth, revenue, max(a.costs, 1e-3)
    )
    refinanced = 1.0 - (1.0 - p) ** min(runway, cm.funding.seek_below_runway)
    return np.where(np.arange(months) < runway, 1.0, refinanced)


def toward(now: np.ndarray | float, target: np.ndarray, turnover: float) -> np.ndarray:
    """x(h) = target(h) + (now - target(h)) (1 - turnover)^(h + 1), h on the last axis."""
    keep = (1.0 - turnover) ** np.arange(1, target.shape[-1] + 1)
    now = np.asarray(now, dtype=float)
    if now.ndim:
        now = now[:, None]
    return target + (now - target) * keep


def ramp(now: np.ndarray | float, later: np.ndarray | float, months: int, mid: int) -> np.ndarray:
    """A value moving linearly from `now` (h = 0) to `later` (h = mid), then held; h on the
    last axis."""
    w = np.minimum(np.arange(months) / max(mid, 1), 1.0)
    now, later = np.asarray(now, dtype=float), np.asarray(later, dtype=float)
    if now.ndim:
        now, later = now[:, None], later[:, None]
    return now + (later - now) * w


def installed_base(
    base: np.ndarray, fresh: np.ndarray, available: np.ndarray, turnover: float
) -> np.ndarray:
    """[3, H] shares of the market's tokens on the lab's own offers: today's users stay on
    their offer until they re-choose (`turnover` a month) and re-choosers take the fresh
    shares `fresh` [3, H]. Users of an offer the option withdraws (its API, if it opens)
    re-choose at once."""
    lost = float(base[available == 0].sum())
    start = np.where(available > 0, base + lost * fresh[:, 0], 0.0)
    return np.where(available[:, None] > 0, toward(start, fresh, turnover), 0.0)


def projected_flows(
    lab: LabView, market: MarketView, world: World, decision: Decision
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Each cash term per option and month ($M, undiscounted): {term: [3, H]}, and the lab's
    gross cash flow under its current strategy [H] (`gross_cash`)."""
    months = decision.horizon_months
    mid = months // 2
    dev_growth, ent_growth = growth_paths(market, world, months)
    spending = spending_path(lab, months)
    menus = [(option_offers(market.offers, lab, s, world), s) for s in STRATEGY_NAMES]
    found = months_of(lab, market, world, menus, decision.safety_steepness, later=mid)
    # per option: (the month now, the month mid-horizon), every buyer choosing afresh
    eq = [(found[k], found[k + 3] if mid > 0 else found[k]) for k in range(3)]
    current = STRATEGY_NAMES.index(lab.strategy)
    cur = eq[current]
    comp_now = ramp(cur[0]["complement"], cur[1]["complement"], months, mid)
    out = {name: np.zeros((3, months)) for name in FLOW_TERMS}
    serving = np.zeros((3, months))  # $M the lab pays to serve its own sales
    for k, (now, later) in enumerate(eq):
        path = {key: ramp(now[key], later[key], months, mid) for key in now if key != "available"}
        avail = np.asarray(now["available"])
        dev = installed_base(lab.dev_base, path["dev_x"], avail, market.dev_turnover)
        ent = installed_base(lab.ent_base, path["ent_x"], avail, market.ent_turnover)
        dev_tok = dev * path["dev_total"] * dev_growth  # [3, H] Mtok
        api_tok = ent * path["ent_total"] * ent_growth * path["ent_via_api"]
        cash_dev, cash_ent = path["unit"] * dev_tok, path["unit"] * api_tok
        serving[k] = (path["serve"] * (dev_tok + api_tok)).sum(axis=0)
        out["api_margin"][k] = cash_dev[0] + cash_ent[0]
        out["hosting"][k] = cash_dev[1:].sum(axis=0) + cash_ent[1:].sum(axis=0)
        out["market_access"][k] = -lab.restricted_share * cash_dev.sum(axis=0)
        # the market-wide complements move to the option's as the developers turn over
        out["complement"][k] = toward(0.0, path["complement"] - comp_now, market.dev_turnover)
        out["complement"][k] = (out["complement"][k] + comp_now) * dev_growth
        out["grants"][k] = path["grants"]
        out["regulatory"][k] = path["regulatory"]
        out["safety"][k] = path["safety"] * spending / lab.burn if lab.burn > 0 else 0.0
        out["costs"][k] = -spending
    return out, gross_cash(out, current, spending, serving[current])


def gross_cash(
    flows: dict[str, np.ndarray], current: int, spending: np.ndarray, serving: np.ndarray
) -> np.ndarray:
    """$M a month that pass through the lab's books under its current strategy: what it takes
    in (its sales, the margins plus the serving they pay for; complements; grants; revenue
    lost to market access counted by its size) and what it pays out (training, operations,
    serving, compliance). Safety is a valuation, not a cash flow, and does not count."""
    cash = ("api_margin", "hosting", "complement", "grants", "regulatory", "market_access")
    moved = sum(np.abs(flows[name][current]) for name in cash)
    return np.asarray(moved + serving + spending + serving)


def waiting_value(gain_later: float, sigma: float) -> float:
    """E[max(gain_later + e, 0)], e ~ N(0, sigma^2): what keeping the choice is worth."""
    if sigma <= 0.0:
        return max(gain_later, 0.0)
    z = gain_later / sigma
    cdf = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return gain_later * cdf + sigma * pdf


def value_options(
    lab: LabView,
    market: MarketView,
    world: World,
    decision: Decision,
    irreversible: bool = True,
) -> Valuation:
    """Every term of every option's discounted value, and the quantal response over them.
    `irreversible=False` values releasing as if it could be undone (no option to wait)."""
    months = decision.horizon_months
    flows, gross = projected_flows(lab, market, world, decision)
    delta = monthly_discount(lab, market, decision) ** np.arange(months)
    current = STRATEGY_NAMES.index(lab.strategy)
    cash = flows["api_margin"] + flows["hosting"] + flows["grants"] + flows["regulatory"]
    survival = np.array(
        [survival_path(lab, market, months, cash[k, 0] - cash[current, 0]) for k in range(3)]
    )
    weight = delta[None, :] * survival  # [option, month]
    terms = {name: (flows[name] * weight).sum(axis=1) for name in FLOW_TERMS}
    value = np.asarray(sum(terms[name] for name in FLOW_TERMS))
    scale = max(float(delta @ gross), 1.0)
    total_flow = np.asarray(sum(flows[name] for name in FLOW_TERMS))
    terms["waiting"] = np.zeros(3)
    if irreversible:
        r = min(decision.review_months, months)
        sigma = decision.value_volatility * math.sqrt(decision.review_months / 12.0) * scale
        for k in range(current + 1, 3):  # options that release more than today
            early = float(((total_flow[k] - total_flow[current]) * weight[k])[:r].sum())
            terms["waiting"][k] = -waiting_value(value[k] - value[current] - early, sigma)
    total = value + terms["waiting"]
    utility, probability = choice(lab, total, scale, decision)
    return Valuation(terms, total, scale, utility, probability, total_flow)


def choice(
    lab: LabView, total: np.ndarray, scale: float, decision: Decision
) -> tuple[np.ndarray, np.ndarray]:
    """(utility, probability) per option under the quantal response."""
    names = np.array(STRATEGY_NAMES)
    utility = total / scale + decision.inertia * (names == lab.strategy)
    barred = np.array([lab.barred[s] for s in STRATEGY_NAMES])
    z = np.where(barred, -np.inf, utility / decision.temperature)
    if not np.isfinite(z).any():  # everything barred: keep the current strategy
        z = np.where(names == lab.strategy, 0.0, -np.inf)
    z = z - z[np.isfinite(z)].max()
    p = np.exp(z)
    return utility, p / p.sum()
