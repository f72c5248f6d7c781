"""Monthly developer update: Bass adoption, reviews, logit choice with lock-in; and its tally.

Pure functions over arrays (no Mesa, pandas or I/O). The twin in `kernels.reference` performs
the same floating-point operations in the same order, one agent at a time, in plain Python.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from openness.kernels.config import BLOCK, jit, jit_parallel
from openness.kernels.rng import STREAM_CHOICE, STREAM_EVENT, stream_key, uniform


@jit
def logit_pick(weights, family_of, family, damp, u):
    """Index drawn with probability proportional to `weights`, other families' scaled by `damp`.

    Returns -1 when nothing has positive weight. `u` is a uniform draw in [0, 1).
    """
    m = weights.shape[0]
    total = 0.0
    for o in range(m):
        w = weights[o]
        if family_of[o] != family:
            w = w * damp
        total += w
    if total <= 0.0:
        return -1
    target = u * total
    cum = 0.0
    last = -1
    for o in range(m):
        w = weights[o]
        if family_of[o] != family:
            w = w * damp
        if w > 0.0:
            cum += w
            last = o
            if cum > target:
                return o
    return last


@jit
def _developer_one(i, offer, finetune, segment, adopt_prob, review_prob, exp_util, family_of,
                   beta_switch, ft_add, ft_keep, k_event, k_choice):
    g = segment[i]
    o = offer[i]
    u = uniform(k_event, i)
    if o < 0:
        choose = u < adopt_prob[g]
        family = -1
    else:
        # An offer withdrawn by its lab forces a review.
        choose = exp_util[g, o] == 0.0 or u < review_prob[g]
        family = family_of[o]
    if choose:
        damp = 1.0 if o < 0 else math.exp(-beta_switch[g] * float(finetune[i]))
        new = logit_pick(exp_util[g], family_of, family, damp, uniform(k_choice, i))
        if new >= 0:
            if family_of[new] != family:
                finetune[i] = np.float32(0.0)
            offer[i] = new
    o = offer[i]
    if o >= 0:
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
    """
    n = offer.shape[0]
    k_event = stream_key(seed_key, month, STREAM_EVENT)
    k_choice = stream_key(seed_key, month, STREAM_CHOICE)
    nblocks = (n + BLOCK - 1) // BLOCK
    for b in prange(nblocks):
        hi = min(n, (b + 1) * BLOCK)
        for i in range(b * BLOCK, hi):
            _developer_one(i, offer, finetune, segment, adopt_prob, review_prob, exp_util,
                           family_of, beta_switch, ft_add, ft_keep, k_event, k_choice)


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
