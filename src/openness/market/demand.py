"""Developer demand: the systematic utility of each offer per segment, and logit shares.

One utility function serves three users, so that they all see the same demand: the developer
kernel (as exp-utilities), the labs' pricing rule and the labs' strategy valuation.

    V[g, o] = beta_cap[g] * (cap[o] - frontier) - alpha[g] * price[o] + beta_open[g] * open[o]
              + licence_fit[g, licence[o]] + beta_net[g] * eco_share[family(o)] + integration[o]

A family's offers (one lab's API, open frontier and smaller open weights) are closer
substitutes for each other than for other labs' offers: the choice is a nested logit with one
nest per family and nest parameter lambda (`world.family_nest`; 1 is the plain logit, in which
a family gains share merely by adding offers). Its shares are a plain logit over the adjusted
utilities

    U[g, o] = V[g, o] / lambda - (1 - lambda) IV[g, f(o)],   IV[g, f] = log sum_{o in f} exp(V / lambda),

since exp(U) = exp(V / lambda) / exp(IV)  x  exp(lambda IV): the share within the nest times the
nest's share. `developer_utility` returns U, so every user above sees the nested demand.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np

from openness.market.offers import LICENCE_CODES, SLOTS, Offers
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
    family_nest: float = 1.0  # nested-logit parameter of a family's offers (1 = plain logit)
    secondary_share: np.ndarray | None = None  # float64[G], tokens on a secondary model

    @classmethod
    def from_segments(cls, segments: list[DeveloperSegment], family_nest: float = 1.0) -> Tastes:
        w = np.array([s.weight for s in segments], dtype=float)
        w = w / w.sum()
        # mean of a log-normal volume: median * exp(sigma^2 / 2)
        vol = np.array([s.volume_median_ktok * np.exp(s.volume_sigma**2 / 2) for s in segments])
        tw = w * vol / np.sum(w * vol)
        fit = np.zeros((len(segments), len(LICENCE_CODES)))
        for g, s in enumerate(segments):
            for name, code in LICENCE_CODES.items():
                fit[g, code] = s.licence_fit.get(name, 0.0)  # type: ignore[call-overload]
        arr = lambda attr: np.array([getattr(s, attr) for s in segments], dtype=float)  # noqa: E731
        return cls(
            w,
            tw,
            arr("beta_capability"),
            arr("alpha_price"),
            arr("beta_open"),
            arr("beta_network"),
            fit,
            family_nest,
            arr("secondary_share"),
        )

    def with_price_scale(self, scale: float) -> Tastes:
        """The same tastes with every price coefficient times `scale`."""
        return self if scale == 1.0 else replace(self, alpha_price=self.alpha_price * scale)


def developer_utility(
    tastes: Tastes, offers: Offers, frontier: float | np.ndarray, eco_share: np.ndarray
) -> np.ndarray:
    """U[g, o] (V[g, o] when family_nest is 1); -inf where an offer is not available."""
    cap = offers.capability - frontier
    v = (
        tastes.beta_capability[:, None] * cap[None, :]
        - tastes.alpha_price[:, None] * offers.price[None, :]
        + tastes.beta_open[:, None] * offers.is_open[None, :]
        + tastes.licence_fit[:, offers.licence]
        + tastes.beta_network[:, None] * eco_share[offers.lab][None, :]
        + offers.integration[None, :]
    )
    return nest_by_family(np.where(offers.available[None, :], v, -np.inf), tastes.family_nest)


def nest_by_family(v: np.ndarray, nest: float) -> np.ndarray:
    """The adjusted utilities U of the module docstring from V[g, o], the offers laid out in
    families of SLOTS (offers.py). An unavailable offer stays at -inf."""
    if nest == 1.0:
        return v
    g_count, m = v.shape
    scaled = v.reshape(g_count, m // SLOTS, SLOTS) / nest
    top = np.max(scaled, axis=2, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)  # a family with nothing on offer
    with np.errstate(divide="ignore"):
        inclusive = top + np.log(np.exp(scaled - top).sum(axis=2, keepdims=True))
    inclusive = np.where(np.isfinite(inclusive), inclusive, 0.0)
    return (scaled - (1.0 - nest) * inclusive).reshape(g_count, m)


def own_price_slope(shares: np.ndarray, nest: float) -> np.ndarray:
    """-ds/dp / alpha of each offer's share under the nested logit with families of SLOTS:
    s (1 / lambda - (1 / lambda - 1) s_within - s), s_within its share of its family's
    share; s (1 - s) in the plain logit."""
    if nest == 1.0:
        return shares * (1.0 - shares)
    g_count, m = shares.shape
    family = np.repeat(shares.reshape(g_count, m // SLOTS, SLOTS).sum(axis=2), SLOTS, axis=1)
    within = np.divide(shares, family, out=np.zeros_like(shares), where=family > 0)
    return shares * (1.0 / nest - (1.0 / nest - 1.0) * within - shares)


def family_diversion(shares: np.ndarray, nest: float, value: np.ndarray) -> np.ndarray:
    """[G, M] sum over the other offers h of each offer j's family of value[g, h] times
    d s_h / d p_j / alpha, under the nested logit with families of SLOTS:
    s_j ((1 / lambda - 1) s_h_within + s_h) (s_j s_h in the plain logit)."""
    g_count, m = shares.shape
    s = shares.reshape(g_count, m // SLOTS, SLOTS)
    family = s.sum(axis=2, keepdims=True)
    within = np.divide(s, family, out=np.zeros_like(s), where=family > 0)
    term = value.reshape(g_count, m // SLOTS, SLOTS) * ((1.0 / nest - 1.0) * within + s)
    others = term.sum(axis=2, keepdims=True) - term
    return (s * others).reshape(g_count, m)


def exp_utility(v: np.ndarray) -> np.ndarray:
    """exp(V) scaled per segment by its best offer (choice probabilities are unchanged), over
    the last axis (offers)."""
    top = np.max(v, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.exp(v - top)


def logit_shares(v: np.ndarray) -> np.ndarray:
    """Multinomial-logit choice probabilities per segment over the last axis (offers; rows
    sum to 1, or 0 if empty)."""
    e = exp_utility(v)
    total = e.sum(axis=-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


@dataclass(frozen=True)
class DeveloperDemand:
    """Developers' demand per segment as the population makes it (ODD section 7.5): each
    adopter's production model by the logit, and, for the share `holding` of adopters that
    hold a secondary model, the segment's `secondary_share` of its tokens on a model of
    another family, picked as the trial rule picks it: offer o against production p with
    weight r = W_o / (W_o + W_p), normalised over the other families' offers."""

    production: np.ndarray  # [G, M] logit shares of production
    secondary: np.ndarray  # [G, M] share of the segment's tokens on each secondary
    moved: np.ndarray  # [G, M] share of the segment's tokens moved off each production
    secondary_slope: np.ndarray  # [G, M] -d secondary / d own price / alpha, production fixed

    @property
    def tokens(self) -> np.ndarray:
        """[G, M] share of each segment's tokens served by each offer (rows sum to 1)."""
        return self.production - self.moved + self.secondary

    def kept(self) -> np.ndarray:
        """[G, M] share of each production's tokens that stays on it (the rest goes to a
        secondary model)."""
        return np.divide(
            self.production - self.moved,
            self.production,
            out=np.ones_like(self.production),
            where=self.production > 0,
        )

    def slope(self, nest: float) -> np.ndarray:
        """[G, M] -d tokens / d own price / alpha: the production part by the (nested) logit,
        scaled by what stays on production, plus the secondary part."""
        return own_price_slope(self.production, nest) * self.kept() + self.secondary_slope

    def diversion(self, nest: float, margin: np.ndarray) -> np.ndarray:
        """[G, M] sum over the other offers h of each offer's family of margin[h] times
        d tokens_h / d own price / alpha, through production (what stays on it); a
        secondary model's response to a price of its holder's production family is left
        out."""
        return family_diversion(self.production, nest, margin[None, :] * self.kept())


def developer_demand(
    tastes: Tastes, offers: Offers, frontier: float, eco_share: np.ndarray, holding: float
) -> DeveloperDemand:
    """The developers' demand of `DeveloperDemand` at the offers; `holding` is the share of
    adopters holding a secondary model. With no secondary (holding or every secondary_share
    0) it is the production logit exactly."""
    v = developer_utility(tastes, offers, frontier, eco_share)
    return demand_from_utility(tastes, offers, v, holding)


def developer_demand_many(
    tastes: Tastes,
    sets: list[Offers],
    frontiers: np.ndarray,
    eco_share: np.ndarray,
    holding: float,
) -> list[DeveloperDemand]:
    """`developer_demand` under each of several menus of offers (laid out alike, family by
    family), each with its frontier: the utilities and the shares in one pass over the menus
    side by side."""
    m, n = sets[0].size, len(sets)
    joined = Offers.concat(sets)
    v = developer_utility(tastes, joined, np.repeat(frontiers, m), eco_share)
    by_menu = v.reshape(v.shape[0], n, m).transpose(1, 0, 2)  # [menu, G, M]
    return demands_from_utilities(tastes, sets[0].lab, by_menu, holding)


def demand_from_utility(
    tastes: Tastes, offers: Offers, v: np.ndarray, holding: float
) -> DeveloperDemand:
    """`DeveloperDemand` from the utilities U[g, o] of `developer_utility`."""
    return demands_from_utilities(tastes, offers.lab, v[None], holding)[0]


def demands_from_utilities(
    tastes: Tastes, family: np.ndarray, v: np.ndarray, holding: float
) -> list[DeveloperDemand]:
    """`DeveloperDemand` of each menu from its utilities v[menu, g, o] (the offers of every
    menu laid out alike: `family` is each offer's lab). Every operation is elementwise or
    reduces a menu's own rows, so a menu's demand does not depend on the others."""
    production = logit_shares(v)
    share = (
        np.zeros(len(tastes.weight)) if tastes.secondary_share is None else tastes.secondary_share
    )
    carried = share * holding  # [G]
    zero = np.zeros_like(production[0])
    if not np.any(carried > 0):
        return [DeveloperDemand(p, zero, zero, zero) for p in production]
    w = exp_utility(v)  # [menu, G, M]
    wo, wp = w[:, :, None, :], w[:, :, :, None]  # offer o, production p
    # r_po = W_o / (W_o + W_p) for offers of another family on offer (W_o > 0, so the sum is)
    valid = _rivals(family)[None, None] & (wo > 0)
    r = np.zeros(valid.shape)
    np.divide(wo, wo + wp, out=r, where=valid)
    z = r.sum(axis=3, keepdims=True)
    q = np.divide(r, z, out=np.zeros_like(r), where=z > 0)
    has_rival = z[..., 0] > 0  # [menu, G, p]: a production model with some other family on offer
    weight = production * carried[None, :, None]  # [menu, G, p] tokens that move, if they can
    spread = q * (1.0 - r) * (1.0 - q)
    secondary = np.einsum("ngp,ngpo->ngo", weight, q)
    slope = np.einsum("ngp,ngpo->ngo", weight, spread)
    moved = weight * has_rival
    return [
        DeveloperDemand(production[k], secondary[k], moved[k], slope[k]) for k in range(v.shape[0])
    ]


@functools.lru_cache(maxsize=8)
def _rival_mask(family: bytes, m: int) -> np.ndarray:
    lab = np.frombuffer(family, dtype=np.int16, count=m)
    mask = lab[:, None] != lab[None, :]
    mask.setflags(write=False)
    return mask


def _rivals(family: np.ndarray) -> np.ndarray:
    """[p, o]: whether offer o is of another family than offer p (cached: the layout of
    offers is the run's)."""
    lab = np.ascontiguousarray(family, dtype=np.int16)
    return _rival_mask(lab.tobytes(), lab.shape[0])
