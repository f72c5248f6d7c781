"""Results do not depend on the number of threads."""

import numba
import numpy as np
import pandas as pd
import pytest

from openness.experiments import run_scenario
from openness.kernels import developers as dk
from openness.kernels import enterprises as ek
from openness.kernels.rng import seed_key
from tests.conftest import small_scenario
from tests.kernels.test_twins import developer_inputs, enterprise_inputs

needs_two = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="one core only")


def with_threads(n, fn):
    before = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        return fn()
    finally:
        numba.set_num_threads(before)


@needs_two
def test_developer_kernel_is_bit_identical_on_one_and_two_threads():
    runs = []
    for threads in (1, 2):
        a = developer_inputs(7, 200_000, 3, 30, 10)
        with_threads(
            threads, lambda a=a: dk.developer_step(*a.values(), seed_key(9), seed_key(9), 4)
        )
        runs.append(a)
    np.testing.assert_array_equal(runs[0]["offer"], runs[1]["offer"])
    np.testing.assert_array_equal(runs[0]["finetune"], runs[1]["finetune"])
    np.testing.assert_array_equal(runs[0]["ft_month"], runs[1]["ft_month"])


@needs_two
def test_enterprise_kernel_is_bit_identical_on_one_and_two_threads():
    runs = []
    for threads in (1, 2):
        a = enterprise_inputs(3, 50_000, 8, 20, 3, 6)
        with_threads(threads, lambda a=a: ek.enterprise_step(*a.values(), seed_key(9), 4))
        runs.append(a["choice"])
    np.testing.assert_array_equal(runs[0], runs[1])


@needs_two
def test_whole_run_is_identical_on_one_and_two_threads():
    scenario = small_scenario(**{"simulation.months": 12, "simulation.developers": 20_000})
    one = with_threads(1, lambda: run_scenario(scenario, seed=5).tables)
    two = with_threads(2, lambda: run_scenario(scenario, seed=5).tables)
    for name in one:
        pd.testing.assert_frame_equal(one[name], two[name])
