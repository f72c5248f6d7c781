"""Monthly developer update: Bass adoption, reviews, logit choice with lock-in; and its tally.

Pure functions over arrays (no Mesa, pandas or I/O). The twin in `kernels.reference` performs
the same floating-point operations in the same order, one agent at a time, in plain Python.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from openness.kernels.config import BLOCK, jit, jit_parallel
from openness.kernels.fastexp import exp_neg
from openness.kernels.rng import STREAM_CHOICE, STREAM_EVENT, stream_key, uniform


@jit
def family_layout(exp_util, family_of):
    """The offers grouped by family, and per segment the cumulative exp-utility along them.

    Returns (cum float64[G, M+1], order int64[M], start int64[F+1], last int64[G]): family
    f's offers are order[start[f]:start[f+1]] (in their original order); offer order[k] holds
    the interval [cum[g, k], cum[g, k+1]) of segment g's total exp-utility cum[g, M]; last[g]
    is the position of the last offer with positive exp-utility.
    """
    g_count, m = exp_util.shape
    n_fam = 0
    for o in range(m):
        n_fam = max(n_fam, family_of[o] + 1)
    start = np.zeros(n_fam + 1, dtype=np.int64)
    for o in range(m):
        start[family_of[o] + 1] += 1
    for f in range(n_fam):
        start[f + 1] += start[f]
    fill = start[:n_fam].copy()
    order = np.empty(m, dtype=np.int64)
    for o in range(m):
        f = family_of[o]
        order[fill[f]] = o
        fill[f] += 1
    cum = np.zeros((g_count, m + 1))
    last = np.zeros(g_count, dtype=np.int64)
    for g in range(g_count):
        for k in range(m):
            w = exp_util[g, order[k]]
            cum[g, k + 1] = cum[g, k] + w
            if w > 0.0:
                last[g] = k
    return cum, order, start, last


@jit
def family_pick(cum, order, start, last, family, damp, u):
    """Draw an offer with probability proportional to its exp-utility, other families'
    scaled by `damp`, without a pass over scaled weights.

    The own family's interval [a, b) of the cumulative exp-utility `cum` keeps its weight and
    the rest shrinks by `damp`: the draw lands in the own family with probability
    (b - a) / ((b - a) + damp (T - (b - a))), otherwise at a point of the rest that no longer
    depends on damp. The offer is then the number of cumulative bounds at or below the point,
    a branch-free count over M values that the compiler vectorises; an offer without weight
    has an empty interval and is never drawn. Returns -1 when nothing has positive weight.
    """
    m = order.shape[0]
    has_own = family >= 0 and family < start.shape[0] - 1  # else every offer is "other"
    f = family if has_own else 0
    a = cum[start[f]]
    own = cum[start[f + 1]] - a
    if not has_own:
        own = 0.0
    others = cum[m] - own
    total = own + damp * others
    target = u * total
    if target < own or not damp * others > 0.0:
        x = a + target
    else:
        x = (target - own) / damp
        if x >= a:
            x = x + own  # step over the own family's interval (a no-op when it is empty)
    k = 0
    for j in range(1, m + 1):
        k += cum[j] <= x
    if not total > 0.0:
        return -1
    return order[min(k, last)]  # rounding may carry the point past the last interval


@jit
def _choose(i, offer, finetune, segment, family_of, cum, order, start, last, damp, u):
    """Logit choice of developer i, damped across families by its fine-tuning lock-in."""
    g = segment[i]
    o = offer[i]
    family = -1 if o < 0 else family_of[o]
    new = family_pick(cum[g], order, start, last[g], family, damp, u)
    if new >= 0:
        if family_of[new] != family:
            finetune[i] = np.float32(0.0)
        offer[i] = new


@jit
def _accumulate(i, offer, finetune, segment, ft_add, ft_keep):
    o = offer[i]
    if o >= 0:
        g = segment[i]
        finetune[i] = np.float32(float(finetune[i]) * ft_keep[g] + ft_add[g, o])


@jit_parallel
def developer_step(offer, finetune, segment, adopt_prob, review_prob, exp_util, family_of,
                   beta_switch, ft_add, ft_keep, seed_key, month):
    """Advance every developer by one month, in place.

    offer      int16[N]   model on offer each developer builds on (-1: not adopted yet)
    finetune   float32[N] accumulated fine-tuning investment on the current family
    segment    int8[N]    taste segment
    adopt_prob float64[G] probability a non-adopter adopts this month (Bass hazard)
    review_prob float64[G] probability an adopter reviews this month
    exp_util   float64[G, M] exp(systematic utility) of each offer; 0 = not on offer
    family_of  int16[M]   lab (family) of each offer
    beta_switch float64[G] switching cost per unit of fine-tuning investment
    ft_add     float64[G, M] investment added per month on each offer
    ft_keep    float64[G] share of the investment kept each month (1 - depreciation)

    A non-adopter adopts with its segment's hazard; an adopter reviews at its segment's rate,
    or must move when its offer is withdrawn (exp_util 0). Each block of BLOCK developers is
    done in two passes: draw every event, accumulating fine-tuning at once for those who do
    not choose and collecting those who do; then the logit choice for those few (about one in
    ten). Every developer's own operations keep their order, so the result equals the
    one-at-a-time reference twin bit for bit.
    """
    n = offer.shape[0]
    k_event = stream_key(seed_key, month, STREAM_EVENT)
    k_choice = stream_key(seed_key, month, STREAM_CHOICE)
    cum, order, start, last = family_layout(exp_util, family_of)
    nblocks = (n + BLOCK - 1) // BLOCK
    for b in prange(nblocks):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        idx = np.empty(BLOCK, dtype=np.int32)
        count = 0
        for i in range(lo, hi):
            g = segment[i]
            o = offer[i]
            u = uniform(k_event, i)
            # a non-adopter adopts; an adopter reviews, or must move off a withdrawn offer
            choose = u < adopt_prob[g] if o < 0 else (exp_util[g, o] == 0.0) | (
                u < review_prob[g])
            if choose:
                idx[count] = i
                count += 1
            elif o >= 0:
                finetune[i] = np.float32(float(finetune[i]) * ft_keep[g] + ft_add[g, o])
        # the choosers' lock-in damping and draws in one branch-free, vectorisable loop
        damp = np.empty(count)
        u = np.empty(count)
        for j in range(count):
            i = idx[j]
            lock_in = exp_neg(-beta_switch[segment[i]] * float(finetune[i]))
            damp[j] = 1.0 if offer[i] < 0 else lock_in
            u[j] = uniform(k_choice, i)
        for j in range(count):
            i = idx[j]
            _choose(i, offer, finetune, segment, family_of, cum, order, start, last, damp[j],
                    u[j])
            _accumulate(i, offer, finetune, segment, ft_add, ft_keep)


@jit_parallel
def developer_tally(offer, volume, n_offers):
    """Developers and their monthly token volume (k tokens) per offer, as exact integers.

    Returns (counts int64[M], tokens int64[M]); integer sums make the result independent of the
    order in which blocks are added, hence of the thread count.
    """
    n = offer.shape[0]
    nblocks = (n + BLOCK - 1) // BLOCK
    counts = np.zeros((nblocks, n_offers), dtype=np.int64)
    tokens = np.zeros((nblocks, n_offers), dtype=np.int64)
    for b in prange(nblocks):
        hi = min(n, (b + 1) * BLOCK)
        for i in range(b * BLOCK, hi):
            o = offer[i]
            if o >= 0:
                counts[b, o] += 1
                tokens[b, o] += volume[i]
    return counts.sum(axis=0), tokens.sum(axis=0)
