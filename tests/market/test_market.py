import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openness.market import finance, technology
from openness.market.demand import logit_shares, nest_by_family, own_price_slope
from openness.market.offers import SLOTS
from openness.market.pricing import adjust_prices, best_response_markup
from openness.market.routing import N_CLASSES, ClassFeatures, class_index, routing_arrays
from openness.scenario import load_scenario
from tests.conftest import BASELINE
from tests.model.test_limits import offers


def test_bertrand_nash_markup_reduces_to_one_over_alpha_one_minus_share():
    shares = np.array([[0.2, 0.5, 0.3]])
    markup = best_response_markup(shares, np.array([1.0]), np.array([0.4]))
    np.testing.assert_allclose(markup, 1 / (0.4 * (1 - shares[0])))


def test_markup_is_a_best_response_under_logit_demand():
    """At p = c + markup no small price change raises profit (one segment, one rival)."""
    alpha, c, rival = 0.5, 1.0, 0.0

    def profit(p):
        s = math.exp(-alpha * p) / (math.exp(-alpha * p) + math.exp(rival))
        return (p - c) * s

    p = 3.0
    for _ in range(200):  # fixed point of p = c + 1/(alpha (1 - s(p)))
        s = math.exp(-alpha * p) / (math.exp(-alpha * p) + math.exp(rival))
        p = c + best_response_markup(np.array([[s, 1 - s]]), np.ones(1), np.array([alpha]))[0]
    assert profit(p) >= max(profit(p - 0.01), profit(p + 0.01))


def test_prices_move_partially_and_never_below_cost():
    new = adjust_prices(np.array([10.0, 2.0]), np.array([1.0, 3.0]), np.array([5.0, 1.0]), 0.5)
    np.testing.assert_allclose(new, [8.0, 3.0])


def test_lag_months_counts_back_along_the_frontier_history():
    history = np.array([25.0, 25.1, 25.2, 25.3])
    assert technology.lag_months(25.3, history, 0.1) == 0.0
    assert technology.lag_months(25.15, history, 0.1) == pytest.approx(1.5)
    assert technology.lag_months(24.8, history, 0.1) == pytest.approx(5.0)  # prehistory


def test_knowledge_grows_with_training_and_spillover_only_when_behind():
    world = load_scenario(BASELINE).world
    k = np.array([25.0, 24.0])
    new = technology.knowledge_update(
        world, k, np.array([26.0, 24.0]), 25.0, 25.0, np.array([True, True])
    )
    assert new[0] == pytest.approx(25.0 + 1.0 / world.training_window_months)
    assert new[1] == pytest.approx(24.0 + world.spillover_open + world.spillover_closed)


def test_a_published_method_spreads_only_to_the_labs_behind_and_never_beyond_itself():
    world = load_scenario(BASELINE, {"world.recipe_diffusion": 0.25}).world
    eff = np.array([1.0, 1.0, 20.0])
    brings = np.array([16.0, 16.0, 16.0])
    learners = np.array([True, False, True])  # the second lab leads the publisher
    new = technology.recipe_adoption(world, eff, brings, learners)
    assert new[0] == pytest.approx(16.0**0.25)  # a quarter of the log gap
    assert new[1] == 1.0 and new[2] == 20.0  # ahead of the publisher, or better already
    for _ in range(200):
        eff = technology.recipe_adoption(world, eff, brings, learners)
    assert eff[0] == pytest.approx(16.0) and eff[0] <= 16.0


def test_serving_cost_falls_over_time_at_fixed_capability():
    world = load_scenario(BASELINE).world
    now = technology.serving_cost(world, 0, 25.3, 1.0)
    later = technology.serving_cost(world, 12, 25.3, 1.0)
    assert now == pytest.approx(world.inference_cost_ref) and later < now


def test_routing_question_one_allows_only_self_hosted_open_weights():
    ent = load_scenario(BASELINE).enterprises
    menu = offers(3, [25.0, 24.5, 24.0], [10.0, 1.0, 0.5], [False, True, True])
    barred = np.zeros((4, 3, 4), bool)
    base, api, host = routing_arrays(ent, menu, 25.0, barred, np.zeros(4))
    f = ClassFeatures.all_classes()
    assert base.shape == (N_CLASSES, len(ent.workloads), 3)
    assert np.isinf(api[f.residency]).all()
    assert np.isinf(host[:, 0]).all() and np.isfinite(host[:, 1:]).all()
    assert np.isfinite(api[~f.residency]).all()
    c = class_index(np.array([2]), np.array([0]), np.array([0]), np.array([1]), np.array([1]))[0]
    assert base[c, 0, 1] - base[c, 0, 0] == pytest.approx(
        ent.workloads[0].beta_capability * -0.5
        + ent.finetune_bonus_open
        - ent.compliance_bonus_closed
    )
    assert api[c, 1] == pytest.approx(1.0 + ent.wrapper_cost)


def test_procurement_restriction_bars_an_origin_for_a_sector():
    ent = load_scenario(BASELINE).enterprises
    menu = offers(2, [25.0, 25.0], [10.0, 1.0], [False, True])
    menu = menu.with_changes(origin=np.array([0, 1], np.int8))
    barred = np.zeros((4, 3, 4), bool)
    barred[0, 0, 1] = True  # US government may not buy CN-origin models
    _, api, host = routing_arrays(ent, menu, 25.0, barred, np.zeros(4))
    f = ClassFeatures.all_classes()
    us_gov = (f.jurisdiction == 0) & (f.sector == 0)
    assert np.isinf(api[us_gov, 1]).all() and np.isinf(host[us_gov, 1]).all()
    assert np.isfinite(host[~us_gov, 1]).all()


def test_funding_gets_harder_in_tight_markets_and_for_inefficient_labs():
    f = load_scenario(BASELINE).funding
    normal = finance.round_probability(f, 1.0, 0.5, 0.05, 10.0, 20.0)
    tight = finance.round_probability(f, 0.3, 0.5, 0.05, 10.0, 20.0)
    wasteful = finance.round_probability(f, 1.0, 0.5, 0.05, 1.0, 20.0)
    assert tight < normal and wasteful < normal
    assert finance.runway_months(100.0, 5.0, 15.0) == pytest.approx(10.0)
    assert finance.runway_months(100.0, 20.0, 15.0) == finance.MAX_RUNWAY


def survival(condition, revenue, capital=120.0, weight=0.5, growth=0.0, costs=20.0):
    """S(h) over 24 months of a venture-funded lab with these books (costs 20 a month)."""
    from types import SimpleNamespace

    from openness.market.strategy import Accounts, CapitalMarket
    from openness.market.valuation import survival_path

    f = load_scenario(BASELINE).funding
    lab = SimpleNamespace(accounts=Accounts(capital, revenue, costs, 0.0, growth))
    market = SimpleNamespace(capital_market=CapitalMarket(f, condition, weight))
    return survival_path(lab, market, 24, 0.0)


def test_a_lab_collects_its_far_cash_only_if_it_lasts_or_can_refinance():
    assert np.all(survival(1.0, 25.0) == 1.0)  # profitable: it lasts
    assert np.all(survival(1.0, 0.0, capital=600.0) == 1.0)  # 30 months of cash
    # no venture market: it collects the months its cash lasts (6 of 24) and nothing after
    s = survival(0.0, 0.0)
    assert np.all(s[:6] == 1.0) and np.all(s[6:] == 0.0)
    # a market that can refinance it raises the far months; one that punishes waste less so
    far = lambda **kw: survival(**kw)[-1]  # noqa: E731
    assert far(condition=0.0, revenue=0.0) < far(condition=0.4, revenue=0.0, weight=3.0)
    assert far(condition=0.4, revenue=0.0, weight=3.0) < far(condition=1.0, revenue=0.0)
    # under investors who punish inefficient spending, revenue is what keeps a lab alive
    assert far(condition=0.4, revenue=15.0, weight=3.0) > far(
        condition=0.4, revenue=1.0, weight=3.0
    )


@settings(max_examples=200, deadline=None)
@given(
    condition=st.floats(0.0, 2.0),
    weight=st.floats(0.0, 5.0),
    capital=st.floats(-100.0, 5000.0),
    revenue=st.floats(0.0, 200.0),
    extra=st.floats(0.0, 100.0),
    costs=st.floats(1.0, 200.0),
    growth=st.floats(-1.0, 1.0),
)
def test_survival_is_a_share_and_never_falls_with_revenue(
    condition, weight, capital, revenue, extra, costs, growth
):
    low = survival(condition, revenue, capital, weight, growth, costs)
    high = survival(condition, revenue + extra, capital, weight, growth, costs)
    assert np.all((low >= 0.0) & (low <= 1.0)) and np.all((high >= 0.0) & (high <= 1.0))
    assert np.all(high >= low - 1e-12)


# ---- developers' nested logit (market.demand) ------------------------------------------------
def direct_nested_logit(v: np.ndarray, nest: float) -> np.ndarray:
    """Textbook nested logit, one nest per family of SLOTS offers: P(f) P(o | f)."""
    g, m = v.shape
    e = np.exp(v / nest).reshape(g, m // SLOTS, SLOTS)
    inclusive = e.sum(axis=2)
    p_family = inclusive**nest / (inclusive**nest).sum(axis=1, keepdims=True)
    within = np.divide(
        e, inclusive[..., None], out=np.zeros_like(e), where=inclusive[..., None] > 0
    )
    return (within * p_family[..., None]).reshape(g, m)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.05, 1.0), st.integers(1, 5))
def test_nested_utilities_give_the_textbook_nested_logit_shares(seed, nest, families):
    rng = np.random.default_rng(seed)
    v = rng.normal(0.0, 2.0, size=(3, families * SLOTS))
    v[rng.random(v.shape) < 0.3] = -np.inf  # offers not on offer, whole families at times
    v[:, 0] = 0.0  # one offer always available
    np.testing.assert_allclose(
        logit_shares(nest_by_family(v, nest)), direct_nested_logit(v, nest), atol=1e-12
    )


def test_plain_logit_is_the_nest_of_one():
    v = np.array([[0.3, -np.inf, 1.0, 2.0, 0.0, -1.0]])
    assert nest_by_family(v, 1.0) is v


def test_a_family_gains_little_share_by_adding_a_copy_of_its_offer():
    """Red bus, blue bus: a second offer just like a family's first draws its users from that
    family under a low nest parameter; the plain logit hands the family a third more share."""
    one = np.array([[0.0, -np.inf, -np.inf, 0.0, -np.inf, -np.inf]])
    two = np.array([[0.0, 0.0, -np.inf, 0.0, -np.inf, -np.inf]])
    family_share = {
        nest: logit_shares(nest_by_family(two, nest))[0, :SLOTS].sum() for nest in (1.0, 0.5, 0.1)
    }
    assert logit_shares(nest_by_family(one, 0.5))[0, :SLOTS].sum() == pytest.approx(0.5)
    assert family_share[1.0] == pytest.approx(2 / 3)
    assert family_share[0.5] == pytest.approx(2**0.5 / (2**0.5 + 1))
    assert 0.5 < family_share[0.1] < 0.52


@pytest.mark.parametrize("nest", [1.0, 0.6, 0.25])
def test_own_price_slope_is_the_derivative_of_the_nested_share(nest):
    rng = np.random.default_rng(3)
    v = rng.normal(size=(2, 3 * SLOTS))
    v[1, 4] = -np.inf
    h = 1e-7
    shares = logit_shares(nest_by_family(v, nest))
    for o in range(v.shape[1]):
        cheaper = v.copy()
        cheaper[:, o] += h  # a price cut of h / alpha
        numeric = (logit_shares(nest_by_family(cheaper, nest))[:, o] - shares[:, o]) / h
        np.testing.assert_allclose(own_price_slope(shares, nest)[:, o], numeric, atol=1e-6)
