"""The floor kernel: the least a monthly review kernel over N agents must do.

One counter-based draw per agent and a tally, by current offer, of the agents whose draw falls
under the review rate; nothing else. The benchmarks report each real kernel's cost as a ratio
to this one, measured in the same run on the same machine, so that the figure says how close
the kernel is to the limit set by random numbers rather than to a clock speed.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from openness.kernels.config import BLOCK, jit_parallel
from openness.kernels.rng import STREAM_EVENT, stream_key, uniform


@jit_parallel
def floor_step(offer, review_prob, seed_key, month, n_offers):
    """Counts int64[M] of agents on each offer whose draw this month is under review_prob."""
    n = offer.shape[0]
    key = stream_key(seed_key, month, STREAM_EVENT)
    nblocks = (n + BLOCK - 1) // BLOCK
    counts = np.zeros((nblocks, n_offers), dtype=np.int64)
    for b in prange(nblocks):
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            o = offer[i]
            if o >= 0:
                counts[b, o] += uniform(key, i) < review_prob
    return counts.sum(axis=0)
