"""Closed-model prices: the Bertrand-Nash best response under the developers' logit demand.

With token demand D_j(p) = sum_g W_g s_gj(p) from a mixed logit with price coefficients
alpha_g, a single-product firm's first-order condition gives

    p_j = c_j + sum_g W_g s_gj / sum_g W_g alpha_g s_gj (1 - s_gj),

which reduces to p = c + 1/(alpha (1 - s)) with one segment. Prices fall as open
alternatives take share. Labs move a fraction of the way to their best response each month.
"""

from __future__ import annotations

import numpy as np

PRICE_CAP = 500.0  # $/Mtok; guards the best response when demand is nearly price-inelastic


def best_response_markup(shares: np.ndarray, token_weight: np.ndarray,
                         alpha: np.ndarray) -> np.ndarray:
    """Markup p - c of every offer given segment shares[G, M] at current prices."""
    demand = token_weight @ shares
    slope = (token_weight * alpha) @ (shares * (1.0 - shares))
    with np.errstate(divide="ignore", invalid="ignore"):
        markup = np.where(slope > 0, demand / slope, PRICE_CAP)
    return np.minimum(markup, PRICE_CAP)


def adjust_prices(price: np.ndarray, cost: np.ndarray, markup: np.ndarray,
                  speed: float) -> np.ndarray:
    """Move prices `speed` of the way to cost + markup, never below cost."""
    target = np.minimum(cost + markup, PRICE_CAP)
    return np.maximum(cost, price + speed * (target - price))
