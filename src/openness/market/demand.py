"""Developer demand: the systematic utility of each offer per segment, and logit shares.

One utility function serves three users, so that they all see the same demand: the developer
kernel (as exp-utilities), the labs' pricing rule and the labs' strategy payoffs.

    V[g, o] = beta_cap[g] * (cap[o] - frontier) - alpha[g] * price[o] + beta_open[g] * open[o]
              + licence_fit[g, licence[o]] + beta_net[g] * eco_share[family(o)] + integration[o]
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from openness.market.offers import LICENCE_CODES, Offers
from openness.scenario.schema import DeveloperSegment


@dataclass(frozen=True)
class Tastes:
    weight: np.ndarray  # float64[G], population shares
    token_weight: np.ndarray  # float64[G], shares of token volume
    beta_capability: np.ndarray
    alpha_price: np.ndarray
    beta_open: np.ndarray
    beta_network: np.ndarray
    licence_fit: np.ndarray  # float64[G, 4], by licence code

    @classmethod
    def from_segments(cls, segments: list[DeveloperSegment]) -> Tastes:
        w = np.array([s.weight for s in segments], dtype=float)
        w = w / w.sum()
        # mean of a log-normal volume: median * exp(sigma^2 / 2)
        vol = np.array([s.volume_median_ktok * np.exp(s.volume_sigma**2 / 2) for s in segments])
        tw = w * vol / np.sum(w * vol)
        fit = np.zeros((len(segments), len(LICENCE_CODES)))
        for g, s in enumerate(segments):
            for name, code in LICENCE_CODES.items():
                fit[g, code] = s.licence_fit.get(name, 0.0)
        arr = lambda attr: np.array([getattr(s, attr) for s in segments], dtype=float)  # noqa: E731
        return cls(w, tw, arr("beta_capability"), arr("alpha_price"), arr("beta_open"),
                   arr("beta_network"), fit)

    def with_price_scale(self, scale: float) -> Tastes:
        """The same tastes with every price coefficient times `scale`."""
        return self if scale == 1.0 else replace(self, alpha_price=self.alpha_price * scale)


def developer_utility(tastes: Tastes, offers: Offers, frontier: float,
                      eco_share: np.ndarray) -> np.ndarray:
    """V[g, o]; -inf where an offer is not available."""
    cap = offers.capability - frontier
    v = (
        tastes.beta_capability[:, None] * cap[None, :]
        - tastes.alpha_price[:, None] * offers.price[None, :]
        + tastes.beta_open[:, None] * offers.is_open[None, :]
        + tastes.licence_fit[:, offers.licence]
        + tastes.beta_network[:, None] * eco_share[offers.lab][None, :]
        + offers.integration[None, :]
    )
    return np.where(offers.available[None, :], v, -np.inf)


def exp_utility(v: np.ndarray) -> np.ndarray:
    """exp(V) scaled per segment by its best offer (choice probabilities are unchanged)."""
    top = np.max(v, axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.exp(v - top)


def logit_shares(v: np.ndarray) -> np.ndarray:
    """Multinomial-logit choice probabilities per segment (rows sum to 1, or 0 if empty)."""
    e = exp_utility(v)
    total = e.sum(axis=1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)
