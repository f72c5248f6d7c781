"""The enterprises' demand under several menus (kernels/menus.py): the kernel against its
plain-Python twin and against the array form it replaced, to the bit, on generated inputs."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from openness.kernels import menus as mk
from openness.kernels import reference as ref

CASES = settings(max_examples=60, deadline=None)


def array_form(v, via_api, class_tokens, class_workloads, menus):
    """The numpy form the kernel replaces (logit by menu, then sums over classes)."""
    c, k, m = v.shape
    blocks = v.reshape(c, k, menus, m // menus)
    top = blocks.max(axis=3, keepdims=True)
    e = np.exp(blocks - np.where(np.isfinite(top), top, 0.0))
    total = e.sum(axis=3, keepdims=True)
    shares = np.divide(e, total, out=np.zeros_like(e), where=total > 0).reshape(c, k, m)
    tok = class_tokens[:, :, None] * shares
    api = (tok * via_api).sum(axis=(0, 1))
    return api, tok.sum(axis=(0, 1)), (class_workloads[:, :, None] * shares).sum(axis=(0, 1))


def inputs(seed, c, k, m, menus):
    r = np.random.default_rng(seed)
    v = r.normal(0.0, 20.0, (c, k, m * menus))
    v[r.random(v.shape) < 0.3] = -np.inf  # barred or not allowed
    if c > 1:
        v[0, 0] = -np.inf  # a row with nothing on offer
    via = r.random(v.shape) < 0.6
    return v, via, r.random((c, k)) * 1e6, r.random((c, k)) * 1e3


@CASES
@given(
    seed=st.integers(0, 2**32),
    c=st.integers(1, 6),
    k=st.integers(1, 4),
    m=st.integers(2, 300),
    menus=st.integers(1, 4),
)
def test_menu_demand_matches_its_twin_to_the_bit_and_the_array_form_to_1e_12(seed, c, k, m, menus):
    """The kernel and its twin take the C library's exp and add in the same order: the same
    bits. The array form adds in that order too (with two or more offers numpy adds the
    classes' rows in order; with one, the sum over classes is a contiguous pairwise sum, never
    a menu of the model's), but numpy's vectorised exp (AVX-512 here) can differ from the C
    library's in the last bit, so it agrees within 1e-12 relative."""
    args = (*inputs(seed, c, k, m, menus), menus)
    kernel, twin, arrays = mk.menu_demand(*args), ref.menu_demand(*args), array_form(*args)
    for a, b, x in zip(kernel, twin, arrays, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, x, rtol=1e-12, atol=1e-300)


@given(n=st.integers(0, 1000), seed=st.integers(0, 2**32))
@settings(max_examples=80, deadline=None)
def test_pairwise_sum_is_numpys(n, seed):
    a = np.random.default_rng(seed).normal(0.0, 1e3, n)
    assert mk.pairwise_sum(a, 0, n) == np.add.reduce(a) == ref.pairwise_sum(a, 0, n)
