"""The month's training (model/training.py) and books (model/books.py)."""

import pytest

from openness.model import OpennessModel, books, training
from openness.model.state import MarketState
from tests.conftest import small_scenario


def test_only_open_labs_receive_open_funding():
    model = OpennessModel(small_scenario(), seed=1)
    model.step()
    grants = training.grants(model, model._policy_state(model.month))
    for lab, grant in zip(model.labs, grants, strict=True):
        if lab.strategy != "open":
            assert grant == (0.0, 0.0)


def test_training_spend_follows_the_plan_while_the_runway_is_long():
    model = OpennessModel(small_scenario(), seed=1)
    model.step()
    for lab in model.labs:
        spend = training.effective_spend(model, lab)
        if lab.active and lab.runway >= 6.0:
            assert spend == lab.training_spend + model.grants[lab.index][1]


def test_no_venture_round_without_investors():
    model = OpennessModel(small_scenario(**{"funding.base_rate": 0.0}), seed=1)
    for _ in range(6):
        model.step()
        for lab in model.labs:
            assert books.venture_round(model, model.month, lab, 1.0, 100.0) == 0.0


def test_the_model_is_the_state_the_months_functions_read():
    model: MarketState = OpennessModel(small_scenario(), seed=1)  # checked by mypy too
    for name in MarketState.__annotations__:
        assert hasattr(model, name), name


def test_export_controls_cap_the_compute_a_restricted_origin_can_buy():
    """A cap on the final run a CN lab can buy compute for (well under what its plan buys)
    holds its training compute at the cap, cuts its training spend to what buys it, and
    leaves the other origins as they were; with a zero growth rate the cap stays put."""

    def month_one(cap):
        overrides = {"regulators.US.policies.us-export-controls.compute_cap_flops": cap}
        model = OpennessModel(small_scenario(**overrides), seed=2)
        model.step()
        return model

    free, capped = month_one(None), month_one(1e23)
    for lab_free, lab_capped in zip(free.labs, capped.labs, strict=True):
        i = lab_free.index
        if lab_free.config.origin == "CN" and free.train_flops[i] > 23.0:
            assert capped.train_flops[i] == 23.0
            usable = 10.0 ** (23.0 - free.train_flops[i])
            assert capped.compute_usable[i] == pytest.approx(usable)
            assert training.effective_spend(capped, lab_capped) == pytest.approx(
                training.planned_spend(capped, lab_capped) * usable
            )
        elif lab_free.config.origin != "CN":
            assert capped.train_flops[i] == free.train_flops[i]
            assert capped.compute_usable[i] == 1.0
    assert any(
        lab.config.origin == "CN" and capped.compute_usable[lab.index] < 1 for lab in capped.labs
    )


def test_the_compute_cap_grows_by_its_rate_and_binds_only_its_targets():
    from openness.model import policy as pol
    from openness.scenario.schema import ExportControls

    controls = ExportControls(
        kind="export_controls",
        start="2024-01",
        target_origins=["CN"],
        compute_cap_flops=1e25,
        compute_cap_growth_per_year=0.5,
    )
    state = pol.policy_state([("US", controls)])
    assert pol.compute_cap(state, "CN", 0) == pytest.approx(25.0)
    assert pol.compute_cap(state, "CN", 24) == pytest.approx(26.0)
    assert pol.compute_cap(state, "US", 24) == float("inf")


def test_without_a_target_runway_no_lab_invests_cash_beyond_its_plan():
    model = OpennessModel(small_scenario(), seed=1)
    for _ in range(3):
        model.step()
        assert all(training.excess_investment(model, lab) == 0.0 for lab in model.labs)


def test_a_venture_lab_spends_its_capital_above_the_target_runway_over_that_runway():
    """(K - T b)^+ / T with b last month's costs less revenue and recurring funding; a lab
    with a parent trains to its plan."""
    model = OpennessModel(small_scenario(**{"funding.invest_above_runway_months": 24.0}), seed=1)
    model.step()
    for lab in model.labs:
        b = max(0.0, lab.costs - lab.revenue - lab.recurring)
        expected = 0.0 if lab.config.parent_funding > 0 else max(0.0, lab.capital - 24 * b) / 24
        assert training.excess_investment(model, lab) == pytest.approx(expected, rel=1e-12)
        if lab.config.parent_funding > 0:
            assert training.excess_investment(model, lab) == 0.0


def test_cash_buys_a_venture_lab_training_and_capability_under_a_target_runway():
    """Mistral (venture-funded) starting with $2,000M of capital in place of $500M: with a target runway
    it trains more and knows more a year on; without one the cash only lengthens its runway."""

    def after_a_year(extra, target):
        capital = {"labs.Mistral.capital": 2000.0} if extra else {}
        runway = {"funding.invest_above_runway_months": target} if target else {}
        model = OpennessModel(small_scenario(**capital, **runway), seed=4)
        lab = next(lab for lab in model.labs if lab.name == "Mistral")
        spent = 0.0
        for _ in range(12):
            spent += training.effective_spend(model, lab)
            model.step()
        return spent, lab.knowledge

    (poor, k_poor), (rich, k_rich) = after_a_year(False, 24.0), after_a_year(True, 24.0)
    assert rich > poor + 200 and k_rich > k_poor
    (plan_poor, _), (plan_rich, _) = after_a_year(False, None), after_a_year(True, None)
    assert plan_rich == pytest.approx(plan_poor, rel=0.05)
