"""The views a reviewing lab sees (model/views.py), built from the model's state."""

import math

import numpy as np

from openness.market.offers import SLOTS, STRATEGY_NAMES
from openness.market.valuation import TERMS, Valuation
from openness.model import OpennessModel, views
from tests.conftest import small_scenario


def test_the_open_state_of_the_art_leaves_out_the_labs_own_weights():
    caps = np.full(3 * SLOTS, -np.inf)
    caps[0 * SLOTS + 1], caps[1 * SLOTS + 2], caps[2 * SLOTS + 1] = 26.0, 25.0, 24.0
    assert views.best_open_others(0, caps) == 25.0  # its own 26 does not count
    assert views.best_open_others(1, caps) == 26.0
    assert views.best_open_others(0, np.full(SLOTS, -np.inf)) == -math.inf


def test_a_lab_with_a_parent_has_no_accounts_for_survival():
    model = OpennessModel(small_scenario(), seed=1)
    model.step()
    for lab in model.labs:
        found = views.accounts(lab)
        assert (found is None) == (lab.config.parent_funding > 0)
        if found is not None:
            assert found.capital == lab.capital and found.revenue == lab.revenue


def test_decision_rows_hold_every_term_of_every_option():
    terms = {name: np.arange(3.0) for name in TERMS}
    valuation = Valuation(
        terms,
        np.array([1.0, 2.0, 3.0]),
        10.0,
        np.zeros(3),
        np.array([0.2, 0.3, 0.5]),
        np.zeros((3, 1)),
    )
    rows = views.decision_rows("2025-01", "X", "closed", valuation, "open")
    assert [r["option"] for r in rows] == list(STRATEGY_NAMES)
    assert [r["chosen"] for r in rows] == [False, False, True]
    assert all(r[name] == k for k, r in enumerate(rows) for name in TERMS)
    assert all(r["scale"] == 10.0 for r in rows)
