"""Limit cases with known closed-form answers."""

import numpy as np

from openness.market.demand import Tastes, developer_utility, exp_utility, logit_shares
from openness.market.offers import Offers
from openness.model.populations import DeveloperPopulation, bass_curve, bass_hazard
from openness.scenario.schema import DeveloperSegment

N = 200_000


def offers(m, capability, price, is_open):
    return Offers(
        lab=np.arange(m, dtype=np.int16),
        available=np.ones(m, bool),
        is_open=np.asarray(is_open, bool),
        capability=np.asarray(capability, float),
        price=np.asarray(price, float),
        serving_cost=np.ones(m),
        licence=np.zeros(m, np.int8),
        origin=np.zeros(m, np.int8),
        transparent=np.zeros(m, bool),
        integration=np.zeros(m),
    )


def population(**segment):
    seg = DeveloperSegment(name="all", weight=1.0, **segment)
    return DeveloperPopulation([seg], N, np.random.default_rng(0))


def test_bass_limit_one_model_no_switching():
    p, q = 0.01, 0.3
    pop = population(bass_p=p, bass_q=q, review_rate=0.0, beta_switch=0.0, beta_network=0.0)
    single = offers(1, [25.0], [1.0], [False])
    exp_util = exp_utility(developer_utility(pop.tastes, single, 25.0, np.zeros(1)))
    adopted, path = 0.0, []
    for month in range(48):
        tally = pop.step(single, exp_util, adopted, np.uint64(42), month)
        adopted = tally.adopted / N
        path.append(adopted)
    expected = bass_curve(p, q, np.arange(1, 49))
    # binomial sampling error of the cumulative share, with a 4-sigma margin
    tolerance = 4 * np.sqrt(expected * (1 - expected) / N) + 1e-4
    assert np.all(np.abs(np.array(path) - expected) <= tolerance)


def test_bass_hazard_reproduces_the_closed_form_exactly():
    f, path = 0.0, []
    for _ in range(60):
        f += (1 - f) * float(bass_hazard(0.02, 0.4, f))
        path.append(f)
    np.testing.assert_allclose(path, bass_curve(0.02, 0.4, np.arange(1, 61)), atol=1e-12)


def test_logit_limit_homogeneous_no_switching_cost_no_network():
    pop = population(
        bass_p=0.5,
        bass_q=0.0,
        review_rate=0.3,
        beta_switch=0.0,
        beta_network=0.0,
        beta_capability=2.0,
        alpha_price=0.2,
        beta_open=0.4,
    )
    menu = offers(4, [25.0, 24.6, 24.2, 25.2], [10.0, 1.0, 0.5, 20.0], [False, True, True, False])
    v = developer_utility(pop.tastes, menu, 25.2, np.zeros(4))
    exp_util = exp_utility(v)
    adopted = 0.0
    for month in range(60):
        tally = pop.step(menu, exp_util, adopted, np.uint64(7), month)
        adopted = tally.adopted / N
    shares = tally.counts / tally.counts.sum()
    expected = logit_shares(v)[0]
    tolerance = 4 * np.sqrt(expected * (1 - expected) / N)
    np.testing.assert_array_less(np.abs(shares - expected), tolerance)


def test_tastes_weight_tokens_by_mean_volume():
    segs = [
        DeveloperSegment(name="a", weight=1.0, volume_median_ktok=10.0, volume_sigma=0.0),
        DeveloperSegment(name="b", weight=1.0, volume_median_ktok=30.0, volume_sigma=0.0),
    ]
    t = Tastes.from_segments(segs)
    np.testing.assert_allclose(t.weight, [0.5, 0.5])
    np.testing.assert_allclose(t.token_weight, [0.25, 0.75])
