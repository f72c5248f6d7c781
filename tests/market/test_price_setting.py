"""The labs' price setting as multi-product firms with an installed base (market.pricing's
firm condition, market.price_setting): its limits, and the condition at the solved prices."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from openness.market.demand import developer_demand
from openness.market.price_setting import PriceSetting
from openness.market.pricing import (
    base_weight,
    best_response_markup,
    firm_markup,
    solve_prices,
)
from openness.model.market_model import OpennessModel
from openness.scenario import load_scenario
from tests.conftest import ROOT

CASCADE = ROOT / "scenarios" / "deepseek_cascade.toml"
MONTH = 14  # after DeepSeek's release, with open and closed offers of several families


@pytest.fixture(scope="module")
def month():
    scenario = load_scenario(
        CASCADE,
        {
            "simulation.developers": 3000,
            "simulation.enterprises": 600,
            "simulation.months": 24,
            "decision.installed_base_pricing": True,
        },
    )
    model = OpennessModel(scenario, seed=3)
    model.run(MONTH)
    policy = model._policy_state(MONTH)
    offers = model._offers(MONTH)
    return model, policy, offers


def test_the_base_weight_is_one_without_lock_in_or_discounting_and_falls_with_both():
    assert base_weight(1.0, 0.95) == 1.0  # every buyer re-chooses every month
    assert base_weight(0.03, 1.0) == pytest.approx(1.0)  # a lab that does not discount
    patient, impatient = base_weight(0.03, 0.99), base_weight(0.03, 0.97)
    assert 0.0 < impatient < patient < 1.0
    assert base_weight(0.01, 0.99) < base_weight(0.05, 0.99)


def test_the_firm_condition_reduces_to_the_static_markup_with_kappa_one_and_no_own_weights():
    rng = np.random.default_rng(0)
    shares = rng.dirichlet(np.ones(6), size=4)
    weight, alpha = rng.uniform(0.1, 1.0, 4), rng.uniform(0.05, 0.5, 4)
    demand, slope = weight @ shares, (weight * alpha) @ (shares * (1.0 - shares))
    ones, zero = np.ones(6), np.zeros(6)
    np.testing.assert_array_equal(
        firm_markup([(demand, slope, zero, ones)]),
        best_response_markup(shares, weight, alpha),
    )


def test_price_setting_without_a_base_or_hosting_is_the_former_static_rule(month):
    """kappa 1 and no hosting margin give the static best response of both populations,
    to the bit."""
    model, policy, offers = month
    setting = model._price_setting(MONTH, policy)
    n = len(model.labs)
    static = replace(
        setting, hosting_margin=0.0, kappa_developers=np.ones(n), kappa_enterprises=np.ones(n)
    )
    frontier = model.frontier(offers)
    tastes = setting.tastes
    demand = developer_demand(tastes, offers, frontier, setting.eco_share, setting.holding)
    extra = setting.enterprises.api_demand_and_slope(offers, frontier)[:2]
    former = best_response_markup(
        demand.tokens,
        tastes.token_weight * setting.developer_mtok,
        tastes.alpha_price,
        extra,
        demand.slope(tastes.family_nest),
    )
    np.testing.assert_array_equal(static.markups(offers, frontier), former)
    closed = offers.available & ~offers.is_open
    assert np.all(setting.markups(offers, frontier)[closed] > former[closed])  # kappa < 1


def test_without_installed_base_pricing_every_buyer_counts_as_re_choosing():
    scenario = load_scenario(
        CASCADE, {"simulation.developers": 3000, "simulation.enterprises": 600}
    )
    assert not scenario.decision.installed_base_pricing  # the default
    model = OpennessModel(scenario, seed=3)
    model.run(2)
    setting = model._price_setting(2, model._policy_state(2))
    np.testing.assert_array_equal(setting.kappa_developers, 1.0)
    np.testing.assert_array_equal(setting.kappa_enterprises, 1.0)


def api_demand(setting: PriceSetting, offers, frontier) -> list[np.ndarray]:
    """Each population's token demand per offer at the offers' prices."""
    return [d for d, _, _, _ in setting.parts(offers, frontier)]


@pytest.mark.parametrize("nest", [1.0, 0.6])
def test_the_firm_condition_holds_at_the_solved_prices(month, nest):
    """Iterated best responses converge, and at the solved prices each closed API's
    first-order condition, sum_pop D_j + kappa ((p_j - c_j) dD_j/dp_j + sum_h mu_h dD_h/dp_j),
    is zero, with the derivatives taken by central differences of the demand itself (no
    secondary models, whose response to a rival family's price the rule leaves out)."""
    model, policy, offers = month
    setting = model._price_setting(MONTH, policy)
    setting = replace(setting, holding=0.0, tastes=replace(setting.tastes, family_nest=nest))
    frontier = model.frontier(offers)
    closed = offers.available & ~offers.is_open
    solved, iterations = solve_prices(
        lambda p: setting.markups(offers.with_changes(price=p), frontier),
        offers.serving_cost,
        offers.price,
        closed,
    )
    assert iterations < 2000
    at = offers.with_changes(price=solved)
    margin = setting.margins(at)
    kappas = [setting.kappa_developers[at.lab], setting.kappa_enterprises[at.lab]]
    checked = 0
    for j in np.flatnonzero(closed):
        h = 1e-4 * solved[j]
        up, down = solved.copy(), solved.copy()
        up[j] += h
        down[j] -= h
        d_up = api_demand(setting, at.with_changes(price=up), frontier)
        d_down = api_demand(setting, at.with_changes(price=down), frontier)
        d_now = api_demand(setting, at, frontier)
        family = at.lab == at.lab[j]
        condition = 0.0
        for now, hi, lo, kappa in zip(d_now, d_up, d_down, kappas, strict=True):
            derivative = (hi - lo) / (2 * h)
            own = (solved[j] - at.serving_cost[j]) * derivative[j]
            kept = float(margin[family] @ derivative[family])  # margin[j] is 0
            condition += now[j] + kappa[j] * (own + kept)
        total = sum(now[j] for now in d_now)
        assert abs(condition) <= 1e-5 * total, (j, condition, total)
        checked += 1
    assert checked >= 3


def test_the_solver_reports_when_best_responses_do_not_settle():
    with pytest.raises(RuntimeError, match="did not converge"):
        solve_prices(
            lambda p: 3.0 - p,  # full steps jump between 1 and 2 around the fixed point 1.5
            np.zeros(1),
            np.array([1.0]),
            np.array([True]),
            step=1.0,
            max_iterations=50,
        )


def test_a_lab_short_of_capital_prices_higher(month):
    """A tighter capital market raises a venture-funded lab's discount rate, lowers its
    base weight and so raises its markup at the same offers (Chevalier and Scharfstein)."""
    model, policy, offers = month
    frontier = model.frontier(offers)
    normal = model._price_setting(MONTH, policy).markups(offers, frontier)
    model.capital_condition = 0.5
    tight = model._price_setting(MONTH, policy).markups(offers, frontier)
    model.capital_condition = 1.0
    for lab in model.labs:
        j = lab.index * 3
        if not (offers.available[j] and not offers.is_open[j]):
            continue
        if lab.config.parent_funding > 0:
            assert tight[j] == normal[j]
        else:
            assert tight[j] > normal[j]
