"""The enterprises' demand under several menus of offers at once (the labs' strategy reviews).

For utilities v[C, K, M] of the typical member of each decision class c for each workload
class k over `menus` menus of m = M / menus offers side by side, every (c, k, menu) row's
logit shares s, and per offer the sums over (c, k) of class_tokens[c, k] s (all tokens), of
the same where the member buys the offer through an API, and of class_workloads[c, k] s.

The sums are numpy's in the order numpy does them, so that the kernel stays as close as it
can to the array form it replaces: each row's total is numpy's pairwise sum (`pairwise_sum`),
and the sums over (c, k) add the rows in order, as numpy does when M is 2 or more (every menu
of the model has SLOTS offers per lab). The exponential is the C library's, which numpy's
vectorised one (AVX-512) can miss by the last bit, so the tests hold the kernel to its twin
(`reference.menu_demand`) bit for bit and to the array form within 1e-12 relative.
"""

from __future__ import annotations

import math

import numpy as np

from openness.kernels.config import jit

#: numpy's block for pairwise summation (`PW_BLOCKSIZE` in its loops)
PAIRWISE_BLOCK = 128


@jit
def _block_sum(a, lo, n):
    """numpy's sum of at most PAIRWISE_BLOCK elements: in order below eight, else eight
    running sums combined in a tree and the rest added in order."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@jit
def _half(n):
    n2 = n // 2
    return n2 - n2 % 8


@jit
def pairwise_sum(a, lo, n):
    """sum(a[lo:lo + n]) as numpy's add.reduce computes it on a contiguous row: blocks of
    PAIRWISE_BLOCK summed by `_block_sum`, longer rows split in halves (a multiple of eight
    to the left) and the halves added. The halving is walked with an explicit stack, not by
    recursion: numba's cache does not keep recursive functions safely."""
    if n <= PAIRWISE_BLOCK:
        return _block_sum(a, lo, n)
    los = np.empty(64, dtype=np.int64)
    ns = np.empty(64, dtype=np.int64)
    right = np.zeros(64, dtype=np.bool_)  # the left half is summed, the right one is next
    left = np.empty(64)
    depth = 0
    los[0], ns[0], right[0] = lo, n, False
    while True:
        if ns[depth] > PAIRWISE_BLOCK:  # descend into the left half
            n2 = _half(ns[depth])
            los[depth + 1], ns[depth + 1], right[depth + 1] = los[depth], n2, False
            depth += 1
            continue
        value = _block_sum(a, los[depth], ns[depth])
        depth -= 1
        while depth >= 0 and right[depth]:  # both halves done: add them and go up
            value = left[depth] + value
            depth -= 1
        if depth < 0:
            return value
        left[depth], right[depth] = value, True  # now the right half
        n2 = _half(ns[depth])
        los[depth + 1], ns[depth + 1], right[depth + 1] = los[depth] + n2, ns[depth] - n2, False
        depth += 1


@jit
def menu_demand(v, via_api, class_tokens, class_workloads, menus):
    """(api tokens[M], all tokens[M], workloads[M]) of the module docstring."""
    c_count, k_count, m_all = v.shape
    m = m_all // menus
    api = np.zeros(m_all)
    tokens = np.zeros(m_all)
    workloads = np.zeros(m_all)
    e = np.empty(m)
    for c in range(c_count):
        for k in range(k_count):
            tok, work = class_tokens[c, k], class_workloads[c, k]
            for b in range(menus):
                lo = b * m
                top = -np.inf
                for j in range(m):
                    top = max(top, v[c, k, lo + j])
                if not math.isfinite(top):
                    top = 0.0
                for j in range(m):
                    e[j] = math.exp(v[c, k, lo + j] - top)
                total = pairwise_sum(e, 0, m)
                for j in range(m):
                    s = e[j] / total if total > 0 else 0.0
                    x = tok * s
                    tokens[lo + j] += x
                    api[lo + j] += x * via_api[c, k, lo + j]
                    workloads[lo + j] += work * s
    return api, tokens, workloads
