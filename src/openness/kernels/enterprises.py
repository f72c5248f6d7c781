"""Monthly enterprise update: adoption, reviews and the routing of complex and commodity work.

The decision framework of document 002 arrives here already folded into per-class arrays by
the model (`model.populations`): question 1 (data must stay in-house) as the mask `api_cost =
host_cost = inf` for anything that is not self-hosted open weights; questions 2, 4 and 5 as
terms of `base_util`; question 3 (cost at scale) as the cost-of-ownership term computed here
per enterprise, because the fixed cost of self-hosting is spread over its own volume.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from openness.kernels.config import BLOCK, jit, jit_parallel
from openness.kernels.rng import STREAM_CHOICE, STREAM_CHOICE2, STREAM_EVENT, stream_key, uniform

WORK_COMPLEX = 0
WORK_COMMODITY = 1


@jit
def unit_cost(api_cost, host_cost, fixed_usd, volume_mtok):
    """$/Mtok of the cheaper way to run a workload: a paid API, or self-hosting."""
    selfhost = host_cost + fixed_usd / volume_mtok
    return api_cost if api_cost < selfhost else selfhost


@jit
def _route(
    values,
    base,
    api_cost,
    host_cost,
    fixed_usd,
    volume_mtok,
    current,
    alpha,
    switch_cost,
    temperature,
    u,
):
    """route_workload with a scratch array `values[M]`: each offer's cost and utility is
    computed once, its exp once (the reference twin computes them twice; same numbers)."""
    m = base.shape[0]
    best = -math.inf
    for o in range(m):
        cost = unit_cost(api_cost[o], host_cost[o], fixed_usd, volume_mtok)
        v = -math.inf
        if cost < math.inf:
            v = base[o] - alpha * cost
            if o != current:
                v = v - switch_cost
            if v > best:
                best = v
        values[o] = v
    if best == -math.inf:
        return -1
    total = 0.0
    for o in range(m):
        if values[o] > -math.inf:
            e = math.exp((values[o] - best) / temperature)
            values[o] = e
            total += e
        else:
            values[o] = -1.0  # not allowed
    target = u * total
    cum = 0.0
    last = -1
    for o in range(m):
        e = values[o]
        if e >= 0.0:
            cum += e
            last = o
            if cum > target:
                return o
    return last


@jit
def route_workload(
    base, api_cost, host_cost, fixed_usd, volume_mtok, current, alpha, switch_cost, temperature, u
):
    """Logit choice of the offer for one workload; -1 if no offer is allowed."""
    values = np.empty(base.shape[0])
    return _route(
        values,
        base,
        api_cost,
        host_cost,
        fixed_usd,
        volume_mtok,
        current,
        alpha,
        switch_cost,
        temperature,
        u,
    )


@jit
def _allowed(api_cost, host_cost, o):
    return api_cost[o] < math.inf or host_cost[o] < math.inf


@jit
def _deciders(lo, hi, choice, cls, adopt_prob, review_prob, api_cost, host_cost, k_event, idx):
    """Collect into idx the enterprises of [lo, hi) that route work this month; returns how
    many: a non-adopter adopts with the Bass hazard, an adopter reviews at its rate or must
    move a workload whose offer was withdrawn or newly barred."""
    count = 0
    for i in range(lo, hi):
        c = cls[i]
        u = uniform(k_event, i)
        adopted = choice[i, WORK_COMMODITY] >= 0 or choice[i, WORK_COMPLEX] >= 0
        if not adopted:
            decide = u < adopt_prob
        else:
            decide = u < review_prob
            for w in range(2):
                o = choice[i, w]
                if o >= 0 and not _allowed(api_cost[c], host_cost[c], o):
                    decide = True
        idx[count] = i
        count += decide
    return count


@jit_parallel
def enterprise_step(
    choice,
    cls,
    volume,
    adopt_prob,
    review_prob,
    base_util,
    api_cost,
    host_cost,
    fixed_usd,
    alpha,
    switch_cost,
    temperature,
    seed_key,
    month,
):
    """Advance every enterprise by one month, in place.

    choice    int16[E, 2]    offer serving complex (0) and commodity (1) work; -1 = none
    cls       int16[E]       decision class (sector x jurisdiction x needs)
    volume    float64[E, 2]  Mtok/month of complex and commodity work
    base_util float64[C, 2, M] utility of each offer per class and workload, before costs
    api_cost  float64[C, M]  $/Mtok through an API (inf: not allowed)
    host_cost float64[C, M]  marginal $/Mtok self-hosted (inf: not allowed or closed weights)
    fixed_usd float          $/month fixed cost of self-hosting a workload
    alpha     float64[2]     disutility per $/Mtok for complex and commodity work
    """
    n = cls.shape[0]
    m = base_util.shape[2]
    k_event = stream_key(seed_key, month, STREAM_EVENT)
    k_c = stream_key(seed_key, month, STREAM_CHOICE)
    k_m = stream_key(seed_key, month, STREAM_CHOICE2)
    nblocks = (n + BLOCK - 1) // BLOCK
    for b in prange(nblocks):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        idx = np.empty(BLOCK, dtype=np.int32)
        values = np.empty(m)
        count = _deciders(
            lo, hi, choice, cls, adopt_prob, review_prob, api_cost, host_cost, k_event, idx
        )
        for j in range(count):
            i = idx[j]
            c = cls[i]
            for w in range(2):
                if volume[i, w] > 0.0:
                    uw = uniform(k_c, i) if w == WORK_COMPLEX else uniform(k_m, i)
                    choice[i, w] = _route(
                        values,
                        base_util[c, w],
                        api_cost[c],
                        host_cost[c],
                        fixed_usd,
                        volume[i, w],
                        choice[i, w],
                        alpha[w],
                        switch_cost,
                        temperature,
                        uw,
                    )


@jit
def enterprise_tally(choice, volume, is_open, n_offers):
    """Per-offer tokens and enterprise counts, and the closed / open / hybrid split.

    Serial on purpose: float sums in a fixed order keep results identical for any thread count.
    Returns (tokens float64[M], users int64[M], modes int64[3] = closed, open, hybrid,
    open_tokens float64, total_tokens float64).
    """
    tokens = np.zeros(n_offers, dtype=np.float64)
    users = np.zeros(n_offers, dtype=np.int64)
    modes = np.zeros(3, dtype=np.int64)
    open_tokens = 0.0
    total_tokens = 0.0
    for i in range(choice.shape[0]):
        n_open = 0
        n_closed = 0
        for w in range(2):
            o = choice[i, w]
            if o >= 0:
                tokens[o] += volume[i, w]
                users[o] += 1
                total_tokens += volume[i, w]
                if is_open[o]:
                    n_open += 1
                    open_tokens += volume[i, w]
                else:
                    n_closed += 1
        if n_open > 0 and n_closed > 0:
            modes[2] += 1
        elif n_open > 0:
            modes[1] += 1
        elif n_closed > 0:
            modes[0] += 1
    return tokens, users, modes, open_tokens, total_tokens
