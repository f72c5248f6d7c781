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
"""

from __future__ import annotations

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
