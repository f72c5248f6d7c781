"""The vectorisable exp of the developer kernel: its stated error bound, and its twin."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from openness.kernels.fastexp import MIN_X, exp_neg, py_exp_neg

BOUND = 4e-15  # the relative error stated in openness.kernels.fastexp


def test_relative_error_is_within_the_stated_bound_over_the_whole_range():
    x = np.concatenate(
        [-np.logspace(-15, math.log10(-MIN_X), 100_000), np.linspace(MIN_X, 0.0, 100_001)]
    )
    fast = np.array([exp_neg(v) for v in x])
    rel = np.abs(fast - np.exp(x)) / np.exp(x)
    assert rel.max() <= BOUND
    assert exp_neg(0.0) == 1.0


def test_below_the_range_it_is_zero_or_the_value_at_the_edge():
    assert exp_neg(-1e6) == exp_neg(MIN_X) and exp_neg(MIN_X) < 4e-308


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e4, max_value=0.0))
def test_twin_is_bit_identical(x):
    assert exp_neg(x) == py_exp_neg(x)
    if x >= MIN_X:
        assert abs(exp_neg(x) - math.exp(x)) <= BOUND * math.exp(x)
