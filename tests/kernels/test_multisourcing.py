"""The enterprise kernel's multi-sourcing: limits that reduce it to known rules."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from openness.kernels import enterprises as ek
from openness.kernels.rng import seed_key
from tests.kernels import two_workload_rule as old
from tests.kernels.test_twins import enterprise_inputs


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(1, 3000),
    c=st.integers(1, 6),
    m=st.integers(1, 10),
    month=st.integers(0, 500),
    run_seed=st.integers(0, 2**63 - 1),
)
def test_two_classes_one_use_case_each_no_service_one_fixed_cost_is_the_former_rule(
    seed, n, c, m, month, run_seed
):
    """With two workload classes of one use case each, no service value and the same fixed
    cost for every enterprise, the kernel makes exactly the former two-workload choices."""
    a = enterprise_inputs(seed, n, c, m, 2, 2)
    fixed = float(a["fixed_usd"][0])
    a["fixed_usd"][:] = fixed
    a["service_usd"][:] = 0.0
    before = a["choice"].copy()
    key = seed_key(run_seed)
    ek.enterprise_step(*a.values(), key, np.int64(month))
    expected = before.copy()
    old.enterprise_step(
        expected,
        a["cls"],
        a["volume"],
        a["adopt_prob"],
        a["review_prob"],
        a["base_util"],
        a["api_cost"],
        a["host_cost"],
        fixed,
        a["alpha"],
        a["switch_cost"],
        a["temperature"],
        key,
        month,
    )
    np.testing.assert_array_equal(a["choice"], expected)


def test_service_cost_weighs_on_open_weights_in_proportion_to_one_over_volume():
    """Two offers with equal utility, one open: the service cost moves the logit share by
    exp(-alpha * service / volume / temperature), so small use cases go closed."""
    base = np.zeros(2)
    api = np.array([1.0, 1.0])
    host = np.array([math.inf, math.inf])
    is_open = np.array([False, True])
    draws = (np.arange(20000) + 0.5) / 20000
    for volume, service in [(1.0, 0.0), (1.0, 2.0), (10.0, 2.0)]:
        picks = np.array(
            [
                ek.route_workload(
                    base, api, host, is_open, 0.0, service, volume, -1, 1.0, 0.0, 1.0, u
                )
                for u in draws
            ]
        )
        open_share = np.mean(picks == 1)
        expected = 1.0 / (1.0 + math.exp(service / volume))
        assert abs(open_share - expected) < 1e-3


def test_self_hosting_pays_only_above_the_volume_where_its_fixed_cost_is_spread_thin():
    """One open model, by API at $5/Mtok or self-hosted at $1/Mtok plus $4,000 a month:
    self-hosting is the cheaper way above 1,000 Mtok a month."""
    assert ek.unit_cost(5.0, 1.0, 4000.0, 500.0) == 5.0
    assert ek.unit_cost(5.0, 1.0, 4000.0, 2000.0) == 3.0


def test_tally_counts_families_per_adopter():
    choice = np.array([[0, 3, 6, -1], [1, 2, -1, -1], [-1, -1, -1, -1], [0, 4, 8, 7]], np.int16)
    volume = np.ones(choice.shape)
    family_of = np.arange(9) // 3
    is_open = np.array([False, True, True] * 3)
    slot_class = np.array([0, 0, 1, 1], np.int8)
    *_, families, dual = ek.enterprise_tally(choice, volume, slot_class, is_open, family_of, 9, 3)
    # adopters with 1 family: row 1; with 3: rows 0 and 3; row 2 has not adopted
    np.testing.assert_array_equal(families, [0, 1, 0, 2, 0])
    # both classes routed: rows 0 and 3; only row 3 mixes closed (0) and open (4, 8, 7)
    np.testing.assert_array_equal(dual, [2, 1])
