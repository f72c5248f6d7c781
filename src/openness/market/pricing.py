"""Closed-model prices: the Bertrand-Nash best response under the logit demand of every
segment that buys tokens (developer segments, and enterprise classes and workloads).

With token demand D_j(p) = sum_g W_g s_gj(p) from a mixed logit with price coefficients
alpha_g (per $/Mtok, in logit units), a single-product firm's first-order condition gives

    p_j = c_j + sum_g W_g s_gj / sum_g W_g alpha_g s_gj (1 - s_gj),

which reduces to p = c + 1/(alpha (1 - s)) with one segment. The markup is a demand-weighted
harmonic mean over segments: a lab whose tokens come from price-inelastic complex enterprise
work (a capability leader) charges a premium; as open alternatives take that work, its
demand mix shifts to elastic segments and its price falls. Labs move a fraction of the way to
their best response each month.

Under the developers' nested logit (market.demand) s (1 - s) becomes
s (1/lambda - (1/lambda - 1) s_within - s): an API that competes with its own lab's open
weights loses more share to them per dollar.

**The firm's condition** (`firm_markup`). A lab prices its API as a multi-product firm with an
installed base (Beggs and Klemperer 1992; Farrell and Klemperer 2007). Buyers of a population
re-choose at a rate m a month (developers: their review rate times the share lock-in lets
go; enterprises: their review rate times exp(-switch cost)), so a price change this month
moves only the choosers, m times the flow response, while every buyer on the offer pays it;
a buyer won stays (1 - m) a month and is worth the margin again in each month it stays,
discounted by the lab's delta. With the lab's future prices held at today's, the
first-order condition for the API price p_j summed over populations is

    sum_pop [ D_j + kappa ((p_j - c_j) dD_j/dp_j + sum_h mu_h dD_h/dp_j) ] = 0,
    kappa = m / (1 - delta (1 - m)),

where h runs over the lab's own open weights and mu_h is its hosting margin on them per
Mtok (the first-party share of their tokens at the third-party markup): a buyer the API
loses to the lab's own weights is not all lost. So

    p_j - c_j = (sum_pop D_j + kappa X_j) / sum_pop kappa S_j,

with S_j = -dD_j/dp_j and X_j = sum_h mu_h dD_h/dp_j. kappa is 1 without lock-in (m = 1) or
for a lab that does not discount (delta = 1), where the condition is the static one above;
below 1, the base it harvests outweighs the buyers it would win, more so the more steeply
it discounts: a lab short of capital prices higher (Chevalier and Scharfstein 1996).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PRICE_CAP = 500.0  # $/Mtok; guards the best response when demand is nearly price-inelastic


def demand_and_slope(
    shares: np.ndarray,
    token_weight: np.ndarray,
    alpha: np.ndarray,
    share_slope: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Token demand D[M] and minus its own-price slope -dD/dp [M] from segment shares[G, M],
    segment token volumes token_weight[G] and price coefficients alpha[G]; `share_slope` is
    -ds/dp / alpha per segment and offer (the plain logit's s (1 - s) if None)."""
    demand = token_weight @ shares
    if share_slope is None:
        share_slope = shares * (1.0 - shares)
    slope = (token_weight * alpha) @ share_slope
    return demand, slope


def best_response_markup(
    shares: np.ndarray,
    token_weight: np.ndarray,
    alpha: np.ndarray,
    extra: tuple[np.ndarray, np.ndarray] | None = None,
    share_slope: np.ndarray | None = None,
) -> np.ndarray:
    """Markup p - c of every offer given segment shares[G, M] at current prices; `extra`
    adds the (demand, slope) of other segments (enterprises) in the same units."""
    demand, slope = demand_and_slope(shares, token_weight, alpha, share_slope)
    if extra is not None:
        demand, slope = demand + extra[0], slope + extra[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        markup = np.where(slope > 0, demand / slope, PRICE_CAP)
    return np.minimum(markup, PRICE_CAP)


def base_weight(turnover: float, discount: float) -> float:
    """kappa = m / (1 - delta (1 - m)) of the module docstring, for buyers who re-choose at
    rate m = `turnover` a month and a seller who discounts by delta = `discount` a month."""
    denominator = 1.0 - discount * (1.0 - turnover)
    return float(turnover / denominator) if denominator > 0 else 1.0


def firm_markup(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Markup p - c of every offer by the firm's condition of the module docstring, from each
    population's (demand D[M], slope S[M] = -dD/dp, diversion X[M] to the lab's own other
    offers in $ of their margin, kappa[M] of the offer's lab)."""
    demand = sum(d for d, _, _, _ in parts)
    kept = sum(k * x for _, _, x, k in parts)
    slope = sum(k * s for _, s, _, k in parts)
    with np.errstate(divide="ignore", invalid="ignore"):
        markup = np.where(slope > 0, (demand + kept) / slope, PRICE_CAP)
    return np.minimum(markup, PRICE_CAP)


def solve_prices(
    markup_at: Callable[[np.ndarray], np.ndarray],
    cost: np.ndarray,
    price: np.ndarray,
    priced: np.ndarray,
    step: float = 0.3,
    tolerance: float = 1e-10,
    max_iterations: int = 2000,
) -> tuple[np.ndarray, int]:
    """The Nash prices: move every `priced` offer `step` of the way to its best response
    c + markup(p) (`markup_at` gives the markups at a price vector) from `price`, as the
    model's labs do month by month (`adjust_prices`), until no price moves by more than
    `tolerance` relative; returns the prices and the iterations taken. Full steps (1) can
    cycle: a leader's best response falls steeply in its own price. Raises RuntimeError if
    it does not converge."""
    p = price.copy()
    for iteration in range(1, max_iterations + 1):
        new = np.where(priced, adjust_prices(p, cost, markup_at(p), step), p)
        moved = np.max(np.abs(new - p) / np.maximum(np.abs(p), 1e-12), initial=0.0)
        p = new
        if moved <= tolerance:
            return p, iteration
    raise RuntimeError(f"best responses did not converge in {max_iterations} iterations")


def going_rate(price: np.ndarray, tokens: np.ndarray, closed_api: np.ndarray) -> float:
    """The token-weighted mean price of the closed APIs ($/Mtok; NaN if none sold any)."""
    sold = float(tokens[closed_api].sum())
    return float(price[closed_api] @ tokens[closed_api]) / sold if sold > 0 else float("nan")


def adjust_prices(
    price: np.ndarray, cost: np.ndarray, markup: np.ndarray, speed: float
) -> np.ndarray:
    """Move prices `speed` of the way to cost + markup, never below cost."""
    target = np.minimum(cost + markup, PRICE_CAP)
    return np.maximum(cost, price + speed * (target - price))
