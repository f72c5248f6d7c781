"""What the regulators' instruments in force mean for labs and enterprises this month."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from openness.market.offers import JURISDICTION_CODES, ORIGIN_CODES, SECTOR_CODES
from openness.scenario.schema import (
    ExportControls,
    GPAIObligations,
    OpenFunding,
    OpenReleaseBan,
    Policy,
    ProcurementRestriction,
)
from openness.vocabulary import CLOSED, HYBRID, OPEN


@dataclass
class PolicyState:
    barred: np.ndarray  # bool[J, S, O]: procurement restrictions
    transparency_bonus: np.ndarray  # float[J]
    gpai: list[GPAIObligations] = field(default_factory=list)
    bans: list[tuple[int, float]] = field(default_factory=list)  # (origin code, log10 FLOP)
    funding: list[OpenFunding] = field(default_factory=list)
    export_controls: list[ExportControls] = field(default_factory=list)


def policy_state(instruments: list[tuple[str, Policy]]) -> PolicyState:
    """Fold (jurisdiction, policy) pairs in force into arrays and lists."""
    state = PolicyState(
        barred=np.zeros((len(JURISDICTION_CODES), len(SECTOR_CODES), len(ORIGIN_CODES)), bool),
        transparency_bonus=np.zeros(len(JURISDICTION_CODES)),
    )
    for jurisdiction, p in instruments:
        j = JURISDICTION_CODES[jurisdiction]
        if isinstance(p, ProcurementRestriction):
            for sector in p.sectors:
                for origin in p.origins:
                    state.barred[j, SECTOR_CODES[sector], ORIGIN_CODES[origin]] = True
        elif isinstance(p, GPAIObligations):
            state.gpai.append(p)
            state.transparency_bonus[j] += p.transparency_bonus
        elif isinstance(p, OpenReleaseBan):
            # a jurisdiction's ban binds the labs of the same origin
            state.bans.append((ORIGIN_CODES[jurisdiction], math.log10(p.threshold_flops)))
        elif isinstance(p, OpenFunding):
            state.funding.append(p)
        elif isinstance(p, ExportControls):
            state.export_controls.append(p)
    return state


def compliance_costs(state: PolicyState, flops: float, transparent: bool) -> dict[str, float]:
    """$M/month of GPAI obligations per option for a frontier run of `flops` (log10)."""
    cost = {CLOSED: 0.0, HYBRID: 0.0, OPEN: 0.0}
    for p in state.gpai:
        if flops < math.log10(p.threshold_flops):
            continue
        cost[CLOSED] += p.monthly_cost_closed
        cost[HYBRID] += p.monthly_cost_closed
        if transparent:
            cost[OPEN] += 0.0 if p.open_exemption else p.monthly_cost_open
        else:
            cost[OPEN] += p.monthly_cost_closed
    return cost


def barred_options(
    state: PolicyState, origin: str, flops: float, small_flops: float
) -> dict[str, bool]:
    code = ORIGIN_CODES[origin]
    over = [threshold for o, threshold in state.bans if o == code]
    return {
        CLOSED: False,
        HYBRID: any(small_flops >= t for t in over),
        OPEN: any(flops >= t for t in over),
    }


def flop_cost_multiplier(state: PolicyState, origin: str) -> float:
    m = 1.0
    for p in state.export_controls:
        if origin in p.target_origins:
            m *= p.compute_cost_multiplier
    return m


def compute_cap(state: PolicyState, origin: str, month: int) -> float:
    """log10 of the largest final training run a lab of `origin` can buy compute for in
    `month` under the export controls in force (inf if none caps it)."""
    caps = [
        math.log10(p.compute_cap_flops) + p.compute_cap_growth_per_year * month / 12.0
        for p in state.export_controls
        if origin in p.target_origins and p.compute_cap_flops is not None
    ]
    return min(caps, default=math.inf)


def grant_per_lab(
    state: PolicyState, origin: str, open_origins: Sequence[str], is_open: bool
) -> tuple[float, float]:
    """($M/month in cash, $M/month in training compute) that an open lab of `origin` receives
    from funds shared equally among eligible open labs (`open_origins`: origins of the labs
    open now); a lab not open asks what it would get."""
    cash = compute = 0.0
    for p in state.funding:
        if origin in p.eligible_origins:
            n = sum(o in p.eligible_origins for o in open_origins) + (0 if is_open else 1)
            share = p.monthly_budget / max(1, n)
            cash += share * (1.0 - p.training_share)
            compute += share * p.training_share
    return cash, compute
