"""Enterprise routing: the decision framework of document 002 folded into per-class arrays.

An enterprise's decision class is (sector, jurisdiction, residency need, fine-tuning need,
compliance need). For each class c, workload class w (complex, customer-facing, commodity:
`enterprises.workloads`) and offer o:

  Q1 data must stay in-house   -> only self-hosted open weights are allowed (api = host = inf
                                  for everything else)
  Q2 fine-tuning on private data -> open weights get `finetune_bonus_open`
  Q3 cost at scale             -> cost of ownership, per use case in the kernel:
                                  min(API price, self-host marginal + fixed / volume),
                                  plus service / volume on open weights (the work a closed
                                  API's platform does for its buyer)
  Q4 maximum capability        -> capability weight beta_w, large for complex work
  Q5 compliance features       -> closed APIs get `compliance_bonus_closed`; open weights need
                                  an enterprise wrapper that adds `wrapper_cost` $/Mtok
  law                          -> procurement restrictions bar origins for (jurisdiction,
                                  sector); GPAI transparency favours open transparent models
                                  for compliance-bound enterprises in that jurisdiction
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from openness.kernels.menus import menu_demand
from openness.market.demand import family_diversion
from openness.market.offers import JURISDICTION_CODES, SECTOR_CODES, Offers
from openness.market.pricing import demand_and_slope
from openness.scenario.schema import Enterprises
from openness.vocabulary import OPEN

N_SECTORS = len(SECTOR_CODES)
N_JURISDICTIONS = len(JURISDICTION_CODES)
N_CLASSES = N_SECTORS * N_JURISDICTIONS * 8


@dataclass(frozen=True)
class UseCases:
    """An enterprise's use cases: the slots of its choice row, each in a workload class."""

    names: tuple[str, ...]  # the workload classes, in scenario order
    per_class: np.ndarray  # int64[K] use cases of each class
    slot_class: np.ndarray  # int8[S] workload class of each use case
    service_usd: np.ndarray  # float64[K] $/month per use case of a closed API's service

    @classmethod
    def of(cls, ent: Enterprises) -> UseCases:
        per_class = np.array([w.use_cases for w in ent.workloads], dtype=np.int64)
        return cls(
            names=tuple(w.name for w in ent.workloads),
            per_class=per_class,
            slot_class=np.repeat(np.arange(len(per_class)), per_class).astype(np.int8),
            service_usd=np.array([w.closed_service_usd for w in ent.workloads], dtype=float),
        )

    @property
    def slots(self) -> int:
        return int(self.slot_class.shape[0])

    def index(self, name: str) -> int | None:
        """The position of workload class `name`, or None if the scenario has none."""
        return self.names.index(name) if name in self.names else None


@dataclass(frozen=True)
class ClassFeatures:
    sector: np.ndarray
    jurisdiction: np.ndarray
    residency: np.ndarray
    finetune: np.ndarray
    compliance: np.ndarray

    @classmethod
    def all_classes(cls) -> ClassFeatures:
        c = np.arange(N_CLASSES)
        return cls(
            sector=c // (N_JURISDICTIONS * 8),
            jurisdiction=(c // 8) % N_JURISDICTIONS,
            residency=((c // 4) % 2).astype(bool),
            finetune=((c // 2) % 2).astype(bool),
            compliance=(c % 2).astype(bool),
        )


def class_index(sector, jurisdiction, residency, finetune, compliance) -> np.ndarray:
    return (((sector * N_JURISDICTIONS + jurisdiction) * 2 + residency) * 2 + finetune) * 2 + (
        compliance
    )


@dataclass(frozen=True)
class InitialGroups:
    """`enterprises.initial_shares` laid over the offers: each offer's group and each
    group's share of the initial adopters' use cases (the last group holds the rest)."""

    of_offer: np.ndarray  # int64[M]
    share: np.ndarray  # float64[G]

    @classmethod
    def of(cls, shares: dict[str, float], lab_names: list[str], offers: Offers) -> InitialGroups:
        named = [g for g in shares if g != OPEN]
        rest = len(shares)
        of_offer = np.full(offers.size, rest, dtype=np.int64)
        if OPEN in shares:
            of_offer[offers.is_open] = list(shares).index(OPEN)
        for name in named:
            of_offer[offers.lab == lab_names.index(name)] = list(shares).index(name)
        share = np.array([*shares.values(), max(0.0, 1.0 - sum(shares.values()))])
        return cls(of_offer, share)


def routing_arrays(
    ent: Enterprises,
    offers: Offers,
    frontier: float | np.ndarray,
    barred: np.ndarray,
    transparency_bonus: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(base_util[C, K, M], api_cost[C, M], host_cost[C, M]) for the enterprise kernel.

    barred[j, s, origin]: procurement restriction; transparency_bonus[j]: utility for open,
    transparent models for compliance-bound enterprises in jurisdiction j.
    """
    f = ClassFeatures.all_classes()
    is_open = offers.is_open[None, :]
    cap = offers.capability[None, :] - frontier
    comp = f.compliance[:, None]
    shared = (
        ent.finetune_bonus_open * f.finetune[:, None] * is_open
        + ent.compliance_bonus_closed * comp * ~is_open
        + transparency_bonus[f.jurisdiction][:, None] * comp * is_open * offers.transparent[None, :]
    )
    base = np.stack([w.beta_capability * cap + shared for w in ent.workloads], axis=1)
    origin_barred = barred[f.jurisdiction[:, None], f.sector[:, None], offers.origin[None, :]]
    allowed = offers.available[None, :] & ~origin_barred
    wrapper = ent.wrapper_cost * comp * is_open
    api = np.where(allowed & ~f.residency[:, None], offers.price[None, :] + wrapper, np.inf)
    host = np.where(
        allowed & is_open, offers.serving_cost[None, :] * ent.selfhost_cost_factor + wrapper, np.inf
    )
    return base, api, host


def logit_by_menu(v: np.ndarray, menus: int) -> np.ndarray:
    """Logit shares over the last axis of v[C, K, M], within each of `menus` equal blocks."""
    c, k, m = v.shape
    v = v.reshape(c, k, menus, m // menus)
    top = v.max(axis=3, keepdims=True)
    e = np.exp(v - np.where(np.isfinite(top), top, 0.0))
    total = e.sum(axis=3, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0).reshape(c, k, m)


def use_case_cost(
    api: np.ndarray,
    host: np.ndarray,
    fixed_usd: np.ndarray,
    service_usd: np.ndarray,
    is_open: np.ndarray,
    volume: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(cost, via_api) of running use cases of `volume` Mtok/month on each offer, the numpy
    form of the kernel's rule (question 3): the cheaper of the API price and self-hosting's
    marginal cost plus its fixed cost spread over the volume, plus the service cost on open
    weights; and whether the API is the cheaper way. Arguments broadcast against each other
    (the offers on the last axis); inf where an offer is not allowed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        selfhost = host + fixed_usd / volume
        cost = np.minimum(api, selfhost) + is_open * (service_usd / volume)
    return cost, api <= selfhost


def price_coefficients(ent: Enterprises, scale: float = 1.0) -> np.ndarray:
    """Disutility per $/Mtok of each workload class, times this month's price scale (the
    going rate, ODD section 7.4): the same for the kernel and for the labs' view."""
    return scale * np.array([w.alpha_cost for w in ent.workloads])


@dataclass(frozen=True)
class EnterpriseMarket:
    """The enterprise demand labs see when they set prices and weigh strategies: the long-run
    logit of each decision class's typical member over the offers (no switching cost), one
    typical use case per workload class, scaled to the real token volume and number of
    workloads of the adopting enterprises. It prices a use case as the kernel does: the
    fixed cost of self-hosting and the service cost of open weights spread over its volume."""

    config: Enterprises
    barred: np.ndarray  # [J, S, origins] procurement restrictions in force
    transparency_bonus: np.ndarray  # [J]
    typical_volume: np.ndarray  # [C, K] Mtok/month of a typical member's use case
    typical_fixed: np.ndarray  # [C] $/month fixed cost of self-hosting for a typical member
    class_tokens: np.ndarray  # [C, K] real Mtok/month of adopters
    class_workloads: np.ndarray  # [C, K] real number of adopters with work of the class
    price_scale: float = 1.0  # factor on the price coefficients (the going rate)

    @property
    def alpha(self) -> np.ndarray:
        return price_coefficients(self.config, self.price_scale)

    def shares(
        self, offers: Offers, frontier: float | np.ndarray, menus: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """(shares[C, K, M], via_api[C, K, M]) at the offers' prices: logit shares, and
        whether the API is a typical member's cheaper way to run each offer. With `menus`
        > 1, `offers` holds that many menus side by side (`Offers.concat`, a frontier per
        offer) and the shares sum to 1 within each."""
        v, via_api = self.utilities(offers, frontier)
        return logit_by_menu(v, menus), via_api

    def utilities(
        self, offers: Offers, frontier: float | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(v[C, K, M], via_api[C, K, M]): a typical member's logit utility of each offer
        for each use case (-inf where it may not use it), and whether it buys it by API."""
        base, api, host = routing_arrays(
            self.config, offers, frontier, self.barred, self.transparency_bonus
        )
        cost, via_api = use_case_cost(
            api[:, None, :],
            host[:, None, :],
            self.typical_fixed[:, None, None],
            UseCases.of(self.config).service_usd[None, :, None],
            offers.is_open,
            np.maximum(self.typical_volume, 1e-12)[:, :, None],
        )
        with np.errstate(invalid="ignore"):
            v = (base - self.alpha[None, :, None] * cost) / self.config.temperature
        return np.where(np.isfinite(cost), v, -np.inf), via_api

    def demand_many(
        self,
        sets: list[Offers],
        frontiers: np.ndarray,
        lifts: list[np.ndarray] | None = None,
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Real (API tokens[M], self-hosted tokens[M], workloads[M]) per offer under each of
        several menus of offers, each with its frontier, in one pass over the menus side by
        side; with `lifts` (one lift[M] per menu), then under
        each menu with every offer's capability raised by its lift: a menu later on at
        today's prices, in which only the capability term of the utilities moves (a frontier
        common to all offers cancels out of the logit). Returns the menus' demands, then the
        lifted menus' demands."""
        m, n = sets[0].size, len(sets)
        v, via_api = self.utilities(Offers.concat(sets), np.repeat(frontiers, m))
        menus = [v]
        if lifts is not None:
            beta = np.array([w.beta_capability for w in self.config.workloads])  # [K]
            shift = beta[None, :, None] * np.concatenate(lifts)[None, None, :]
            menus.append(v + shift / self.config.temperature)
        out = []
        for u in menus:
            # the logit within each menu and the sums over classes, in one compiled pass
            api_tok, all_tok, workloads = menu_demand(
                u, via_api, self.class_tokens, self.class_workloads, n
            )
            out += [
                (
                    api_tok[j * m : (j + 1) * m],
                    all_tok[j * m : (j + 1) * m] - api_tok[j * m : (j + 1) * m],
                    workloads[j * m : (j + 1) * m],
                )
                for j in range(n)
            ]
        return out

    def api_demand_and_slope(
        self, offers: Offers, frontier: float, margin: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(demand[M], slope[M], diversion[M]) of tokens bought through APIs, for the pricing
        rule: a workload that self-hosts does not respond to the API price. The diversion is
        the sum over the other offers h of each offer's family of margin[h] times
        d API tokens_h / d own price (0 without `margin`)."""
        shares, via_api = self.shares(offers, frontier)
        rows = (shares * via_api).reshape(-1, shares.shape[2])  # (class, workload) rows
        alpha = np.tile(self.alpha / self.config.temperature, shares.shape[0])
        tokens = self.class_tokens.ravel()
        demand, slope = demand_and_slope(rows, tokens, alpha)
        if margin is None:
            return demand, slope, np.zeros_like(demand)
        # the routing logit is plain (one nest per offer): d s_h / d p_j = alpha s_j s_h
        diversion = (tokens * alpha) @ family_diversion(
            rows, 1.0, np.broadcast_to(margin, rows.shape)
        )
        return demand, slope, diversion
