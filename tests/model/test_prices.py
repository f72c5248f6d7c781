"""Closed prices against the going rate of API tokens (`world.reference_price`) and the
frontier labs' rebuild on a published serving architecture (`world.serving_rebuild_months`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openness.market.demand import Tastes, developer_utility
from openness.market.pricing import best_response_markup
from openness.model.market_model import OpennessModel
from openness.scenario import load_scenario
from tests.conftest import BASELINE, ROOT
from tests.model.test_limits import offers

CASCADE = ROOT / "scenarios" / "deepseek_cascade.toml"
SMALL = {"simulation.developers": 3000, "simulation.enterprises": 600}
FRONTIER_LABS = ("OpenAI", "Anthropic", "Google")  # ahead of DeepSeek throughout


def test_scaling_every_price_and_the_going_rate_leaves_utilities_unchanged_and_scales_markups():
    """Users weigh p / going rate: a market in which every price (and so the going rate) is
    lambda times higher has the same shares, and the best response is lambda times the markup."""
    scenario = load_scenario(BASELINE)
    tastes = Tastes.from_segments(scenario.developer_segments)
    market = offers(3, [25.0, 24.8, 24.5], [10.0, 1.0, 0.3], [False, True, True])
    eco = np.full(3, 1 / 3)
    reference, rate, lam = scenario.world.reference_price, 9.0, 0.2
    v = developer_utility(tastes.with_price_scale(reference / rate), market, 25.0, eco)
    cheap = market.with_changes(price=market.price * lam)
    v_cheap = developer_utility(tastes.with_price_scale(reference / (lam * rate)), cheap, 25.0, eco)
    np.testing.assert_allclose(v_cheap, v, rtol=1e-12)
    shares, weight = np.array([[0.3, 0.2, 0.5]]), np.array([1.0])
    alpha = tastes.alpha_price[:1] * reference
    np.testing.assert_allclose(
        best_response_markup(shares, weight, alpha / (lam * rate)),
        lam * best_response_markup(shares, weight, alpha / rate),
    )


def serving_efficiency(months: int, **overrides) -> tuple[dict, dict]:
    scenario = load_scenario(CASCADE, {**SMALL, "simulation.months": months, **overrides})
    model = OpennessModel(scenario, seed=5)
    start = {lab.name: (lab.efficiency, lab.inference_efficiency) for lab in model.labs}
    model.run()
    return start, {lab.name: (lab.efficiency, lab.inference_efficiency) for lab in model.labs}


def test_the_frontier_labs_rebuild_on_the_published_serving_architecture_after_the_lag():
    scenario = load_scenario(CASCADE)
    shock = next(ev for ev in scenario.events if ev.kind == "efficiency")
    lag = scenario.world.serving_rebuild_months
    # releases on a six-month cadence: every lab releases within six months after the lag
    published = 12  # 2025-01
    before, after = int(published + lag), int(published + lag + 7)
    start, early = serving_efficiency(before)
    _, late = serving_efficiency(after)
    for name in FRONTIER_LABS:
        assert early[name] == start[name]  # nothing before the lag
        assert late[name][0] == start[name][0]  # training know-how: not news to them
        # the architecture's gain on their own serving stack, not DeepSeek's level
        assert late[name][1] == pytest.approx(start[name][1] * shock.inference_factor)
        assert late[name][1] < late["DeepSeek"][1]


def test_without_a_rebuild_lag_the_frontier_labs_keep_their_serving_stacks():
    start, end = serving_efficiency(36, **{"world.serving_rebuild_months": None})
    for name in FRONTIER_LABS:
        assert end[name] == start[name]


def anthropic_prices(reference: bool) -> pd.DataFrame:
    """Anthropic's API price and serving cost in the cascade to 2027-04 (it keeps its API)."""
    overrides = {**SMALL, "simulation.months": 40}
    if not reference:  # constant dollars, and usage that does not answer prices
        overrides.update({"world.reference_price": None, "world.usage_price_elasticity": 0.0})
    model = OpennessModel(load_scenario(CASCADE, overrides), seed=2)
    model.run()
    labs = pd.DataFrame(model.lab_rows)
    return labs[labs.lab == "Anthropic"].set_index("month")[["price", "serving_cost"]]


def test_with_relative_prices_a_closed_price_follows_its_serving_cost_down():
    """After the rebuild Anthropic's serving cost falls fivefold. Against the going rate its
    price falls with it and stays a few times cost; in constant dollars the markup stays a
    fixed number of $/Mtok and the price ends many times cost."""
    before, end = "2025-12-01", "2027-04-01"
    relative, constant = anthropic_prices(True), anthropic_prices(False)
    for path in (relative, constant):
        assert path.serving_cost[end] < path.serving_cost[before] / 4
    assert relative.price[end] < relative.price[before] / 4
    assert relative.price[end] / relative.serving_cost[end] < 4
    assert constant.price[end] / constant.serving_cost[end] > 8
