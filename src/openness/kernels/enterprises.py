"""Monthly enterprise update: adoption, reviews and the routing of each use case.

An enterprise's work is split into classes (complex, customer-facing, commodity) and each
class into use cases; every use case is one slot of the enterprise's choice row, routed by a
logit choice of its own, so that one enterprise can use several families at once.

The decision framework of document 002 arrives here already folded into per-class arrays by
the model (`model.populations`): question 1 (data must stay in-house) as the mask `api_cost =
host_cost = inf` for anything that is not self-hosted open weights; questions 2, 4 and 5 as
terms of `base_util`; question 3 (cost at scale) as the cost of ownership computed here per
use case, because two costs are fixed per month and spread over the use case's own volume:
self-hosting's operations and staff (which grow with the enterprise's size), and the work a
closed API's platform does for its buyer (support, service levels, certifications, tools),
which an enterprise running open weights does itself.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from openness.kernels.config import BLOCK, jit, jit_parallel
from openness.kernels.rng import (
    SALT_USE_CASES,
    STREAM_CHOICE,
    STREAM_CHOICE2,
    STREAM_EVENT,
    stream_key,
    uniform,
)


@jit
def unit_cost(api_cost, host_cost, fixed_usd, volume_mtok):
    """$/Mtok of the cheaper way to run a workload: a paid API, or self-hosting."""
    selfhost = host_cost + fixed_usd / volume_mtok
    return api_cost if api_cost < selfhost else selfhost


@jit
def use_case_key(seed_key, month, slot):
    """The stream key of one use case's choice: the first two use the two choice streams (so
    that two use cases are routed as two workloads always were), the rest salted keys."""
    if slot == 0:
        return stream_key(seed_key, month, STREAM_CHOICE)
    if slot == 1:
        return stream_key(seed_key, month, STREAM_CHOICE2)
    salted = np.uint64(seed_key) ^ (SALT_USE_CASES + np.uint64(slot))
    return stream_key(salted, month, STREAM_CHOICE)


@jit
def _route(
    values,
    base,
    api_cost,
    host_cost,
    is_open,
    fixed_usd,
    service_usd,
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
            if is_open[o]:
                cost = cost + service_usd / volume_mtok
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
    base,
    api_cost,
    host_cost,
    is_open,
    fixed_usd,
    service_usd,
    volume_mtok,
    current,
    alpha,
    switch_cost,
    temperature,
    u,
):
    """Logit choice of the offer for one use case; -1 if no offer is allowed."""
    values = np.empty(base.shape[0])
    return _route(
        values,
        base,
        api_cost,
        host_cost,
        is_open,
        fixed_usd,
        service_usd,
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
    move a use case whose offer was withdrawn or newly barred."""
    count = 0
    slots = choice.shape[1]
    for i in range(lo, hi):
        c = cls[i]
        u = uniform(k_event, i)
        adopted = False
        for s in range(slots):
            adopted = adopted or choice[i, s] >= 0
        if not adopted:
            decide = u < adopt_prob
        else:
            decide = u < review_prob
            for s in range(slots):
                o = choice[i, s]
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
    slot_class,
    adopt_prob,
    review_prob,
    base_util,
    api_cost,
    host_cost,
    is_open,
    fixed_usd,
    service_usd,
    alpha,
    switch_cost,
    temperature,
    seed_key,
    month,
):
    """Advance every enterprise by one month, in place.

    choice      int16[E, S]    offer serving each use case; -1 = none
    cls         int16[E]       decision class (sector x jurisdiction x needs)
    volume      float64[E, S]  Mtok/month of each use case (0: the enterprise has none)
    slot_class  int8[S]        workload class of each use case
    base_util   float64[C, K, M] utility of each offer per decision and workload class,
                               before costs
    api_cost    float64[C, M]  $/Mtok through an API (inf: not allowed)
    host_cost   float64[C, M]  marginal $/Mtok self-hosted (inf: not allowed or closed weights)
    is_open     bool[M]        open weights (they carry the service cost)
    fixed_usd   float64[E]     $/month fixed cost of self-hosting one use case
    service_usd float64[S]     $/month per use case of a closed API's service, borne on open
    alpha       float64[K]     disutility per $/Mtok of each workload class
    """
    n = cls.shape[0]
    m = base_util.shape[2]
    slots = choice.shape[1]
    k_event = stream_key(seed_key, month, STREAM_EVENT)
    keys = np.empty(slots, dtype=np.uint64)
    for s in range(slots):
        keys[s] = use_case_key(seed_key, month, s)
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
            for s in range(slots):
                if volume[i, s] > 0.0:
                    k = slot_class[s]
                    choice[i, s] = _route(
                        values,
                        base_util[c, k],
                        api_cost[c],
                        host_cost[c],
                        is_open,
                        fixed_usd[i],
                        service_usd[s],
                        volume[i, s],
                        choice[i, s],
                        alpha[k],
                        switch_cost,
                        temperature,
                        uniform(keys[s], i),
                    )


@jit
def enterprise_tally(choice, volume, slot_class, is_open, family_of, n_offers, n_families):
    """Per-offer tokens and use cases, the closed / open / hybrid split, how many families
    each adopter uses, and how many adopters route work of two or more classes.

    Serial on purpose: float sums in a fixed order keep results identical for any thread count.
    Returns (tokens float64[M], users int64[M] use cases per offer, modes int64[3] = closed,
    open, hybrid, open_tokens float64, total_tokens float64, families int64[S + 1]: adopters
    by the number of distinct families their use cases run on, dual int64[2]: adopters routing
    two or more workload classes, and those of them that are hybrid).
    """
    slots = choice.shape[1]
    tokens = np.zeros(n_offers, dtype=np.float64)
    users = np.zeros(n_offers, dtype=np.int64)
    modes = np.zeros(3, dtype=np.int64)
    families = np.zeros(slots + 1, dtype=np.int64)
    dual = np.zeros(2, dtype=np.int64)
    seen = np.zeros(n_families, dtype=np.bool_)
    open_tokens = 0.0
    total_tokens = 0.0
    for i in range(choice.shape[0]):
        n_open = 0
        n_closed = 0
        n_fam = 0
        classes = 0  # bit k: a use case of class k is routed
        for s in range(slots):
            o = choice[i, s]
            if o >= 0:
                tokens[o] += volume[i, s]
                users[o] += 1
                total_tokens += volume[i, s]
                classes |= 1 << slot_class[s]
                if is_open[o]:
                    n_open += 1
                    open_tokens += volume[i, s]
                else:
                    n_closed += 1
                f = family_of[o]
                if not seen[f]:
                    seen[f] = True
                    n_fam += 1
        for s in range(slots):
            o = choice[i, s]
            if o >= 0:
                seen[family_of[o]] = False
        hybrid = n_open > 0 and n_closed > 0
        if hybrid:
            modes[2] += 1
        elif n_open > 0:
            modes[1] += 1
        elif n_closed > 0:
            modes[0] += 1
        if n_fam > 0:
            families[n_fam] += 1
        if classes & (classes - 1):  # two or more bits set
            dual[0] += 1
            dual[1] += hybrid
    return tokens, users, modes, open_tokens, total_tokens, families, dual
