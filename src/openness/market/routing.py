"""Enterprise routing: the decision framework of document 002 folded into per-class arrays.

An enterprise's decision class is (sector, jurisdiction, residency need, fine-tuning need,
compliance need). For each class c, workload w (complex, commodity) and offer o:

  Q1 data must stay in-house   -> only self-hosted open weights are allowed (api = host = inf
                                  for everything else)
  Q2 fine-tuning on private data -> open weights get `finetune_bonus_open`
  Q3 cost at scale             -> cost of ownership, per enterprise in the kernel:
                                  min(API price, self-host marginal + fixed / volume)
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

from openness.market.offers import JURISDICTION_CODES, SECTOR_CODES, Offers
from openness.scenario.schema import Enterprises

N_SECTORS = len(SECTOR_CODES)
N_JURISDICTIONS = len(JURISDICTION_CODES)
N_CLASSES = N_SECTORS * N_JURISDICTIONS * 8


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
        compliance)


def routing_arrays(ent: Enterprises, offers: Offers, frontier: float, barred: np.ndarray,
                   transparency_bonus: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(base_util[C, 2, M], api_cost[C, M], host_cost[C, M]) for the enterprise kernel.

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
    base = np.stack([ent.beta_capability_complex * cap + shared,
                     ent.beta_capability_commodity * cap + shared], axis=1)
    origin_barred = barred[f.jurisdiction[:, None], f.sector[:, None], offers.origin[None, :]]
    allowed = offers.available[None, :] & ~origin_barred
    wrapper = ent.wrapper_cost * comp * is_open
    api = np.where(allowed & ~f.residency[:, None], offers.price[None, :] + wrapper, np.inf)
    host = np.where(allowed & is_open,
                    offers.serving_cost[None, :] * ent.selfhost_cost_factor + wrapper, np.inf)
    return base, api, host


def enterprise_shares(base: np.ndarray, api: np.ndarray, host: np.ndarray, fixed_usd: float,
                      volume: np.ndarray, alpha: np.ndarray, temperature: float) -> np.ndarray:
    """Long-run logit shares[C, 2, M] of a class's typical enterprise (volume[C, 2] Mtok/month)
    over the offers, without switching costs: the demand labs price against.

    Same utility as the enterprise kernel: base - alpha_w * min(API price, self-host marginal +
    fixed / volume), divided by the temperature.
    """
    vol = np.maximum(volume, 1e-12)[:, :, None]
    selfhost = host[:, None, :] + fixed_usd / vol
    cost = np.minimum(api[:, None, :], selfhost)
    with np.errstate(invalid="ignore"):
        v = (base - alpha[None, :, None] * cost) / temperature
    v = np.where(np.isfinite(cost), v, -np.inf)
    top = v.max(axis=2, keepdims=True)
    e = np.exp(v - np.where(np.isfinite(top), top, 0.0))
    total = e.sum(axis=2, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def enterprise_api_demand(shares: np.ndarray, api: np.ndarray, host: np.ndarray,
                          fixed_usd: float, volume: np.ndarray, class_tokens: np.ndarray,
                          alpha: np.ndarray, temperature: float
                          ) -> tuple[np.ndarray, np.ndarray]:
    """(demand[M], slope[M]) of enterprise tokens bought through APIs, for the pricing rule:
    a workload that self-hosts does not respond to the API price."""
    vol = np.maximum(volume, 1e-12)[:, :, None]
    via_api = api[:, None, :] <= host[:, None, :] + fixed_usd / vol
    s = shares * via_api
    w = class_tokens[:, :, None]
    a = (alpha / temperature)[None, :, None]
    demand = (w * s).sum(axis=(0, 1))
    slope = (w * a * s * (1.0 - s)).sum(axis=(0, 1))
    return demand, slope
