"""The developers' demand the labs see: production by the logit, secondaries as the trial
rule picks them (market.demand.developer_demand)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openness.market.demand import Tastes, developer_demand, developer_utility, logit_shares
from openness.scenario.schema import DeveloperSegment
from tests.model.test_limits import offers


def tastes(secondary: float) -> Tastes:
    segments = [
        DeveloperSegment(name="a", weight=0.6, secondary_share=secondary, alpha_price=0.3),
        DeveloperSegment(name="b", weight=0.4, secondary_share=secondary / 2, alpha_price=0.1),
    ]
    return Tastes.from_segments(segments)


def menu(seed: int, m: int):
    r = np.random.default_rng(seed)
    o = offers(m, 25 + r.normal(0, 0.5, m), r.uniform(0.2, 15, m), r.random(m) < 0.5)
    o.lab[:] = np.arange(m) // 2  # two offers per family
    return o


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32), m=st.integers(1, 9), holding=st.floats(0, 1))
def test_token_shares_sum_to_one_and_reduce_to_the_logit_without_secondaries(seed, m, holding):
    o = menu(seed, m)
    with_second = developer_demand(tastes(0.25), o, 25.0, np.zeros(m), holding)
    np.testing.assert_allclose(with_second.tokens.sum(axis=1), 1.0, rtol=1e-12)
    assert (with_second.tokens >= 0).all()
    production = logit_shares(developer_utility(tastes(0.25), o, 25.0, np.zeros(m)))
    for none in (
        developer_demand(tastes(0.0), o, 25.0, np.zeros(m), holding),
        developer_demand(tastes(0.25), o, 25.0, np.zeros(m), 0.0),
    ):
        np.testing.assert_array_equal(none.tokens, production)


def test_secondaries_go_to_other_families_as_the_trial_rule_weighs_them():
    """A developer in production on family 0 (offers 0, 1) holds its secondary on offer 2
    or 3 (family 1) with weights W_o / (W_o + W_p), never on its own family's offers."""
    o = offers(4, [25.0, 24.0, 25.0, 24.5], [1.0, 1.0, 1.0, 1.0], [False, True, False, True])
    o.lab[:] = [0, 0, 1, 1]
    t = tastes(0.3)
    d = developer_demand(t, o, 25.0, np.zeros(4), 1.0)
    w = np.exp(developer_utility(t, o, 25.0, np.zeros(4)))
    for g, share in enumerate(t.secondary_share):
        expected = np.zeros(4)
        for p in range(4):
            rivals = [2, 3] if p < 2 else [0, 1]
            r = w[g, rivals] / (w[g, rivals] + w[g, p])
            expected[rivals] += d.production[g, p] * share * r / r.sum()
        np.testing.assert_allclose(d.secondary[g], expected, rtol=1e-12)
        np.testing.assert_allclose(d.moved[g], d.production[g] * share, rtol=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_secondary_slope_is_the_derivative_at_fixed_production(seed):
    """-d secondary / d own price / alpha, holding each developer's production fixed."""
    o = menu(seed, 6)
    t = tastes(0.25)
    base = developer_demand(t, o, 25.0, np.zeros(6), 0.8)
    h = 1e-6
    for k in range(6):
        bumped = o.with_changes(price=o.price + h * (np.arange(6) == k))
        fixed = _secondary_at(t, bumped, base.production, 0.8)[:, k]
        numeric = -(fixed - base.secondary[:, k]) / h / t.alpha_price
        np.testing.assert_allclose(base.secondary_slope[:, k], numeric, rtol=1e-4, atol=1e-9)


def _secondary_at(t, o, production, holding):
    """The secondary shares at offers `o` with production held at `production`."""
    w = np.exp(developer_utility(t, o, 25.0, np.zeros(o.size)))
    rival = o.lab[:, None] != o.lab[None, :]
    r = np.where(rival[None], w[:, None, :] / (w[:, None, :] + w[:, :, None]), 0.0)
    q = r / r.sum(axis=2, keepdims=True)
    return np.einsum("gp,gpo->go", production * (t.secondary_share * holding)[:, None], q)
