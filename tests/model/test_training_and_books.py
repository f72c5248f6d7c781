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
