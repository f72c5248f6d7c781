"""The month's training (model/training.py) and books (model/books.py)."""

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
