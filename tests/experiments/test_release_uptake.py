"""The C5 diagnostic script reads the uptake of a lab's first open weights correctly."""

import numpy as np
import pandas as pd
import pytest

from openness.market.offers import SLOT_OPEN_FRONTIER, SLOT_OPEN_SMALL, SLOTS
from openness.model.market_model import OpennessModel
from openness.scenario import load_scenario
from tests.conftest import ROOT
from tests.experiments.helpers import experiment_script


@pytest.fixture(scope="module")
def uptake():
    return experiment_script("release_uptake")


def test_the_lags_count_from_the_first_month_with_open_users(uptake):
    months = pd.date_range("2025-01-01", periods=10, freq="MS")
    monthly = pd.DataFrame(
        {
            "t": range(10),
            "month": months,
            "open": [0, 0, 0, 0.01, 0.02, 0.03, 0.03, 0.04, 0.05, 0.06],
            "family": np.full(10, 0.2),
            "from_own_api": [0, 0, 0, 0.005, 0.004, 0.001, 0, 0, 0, 0],
        }
    )
    got = uptake.uptake_after_first_open(monthly)
    assert got["first"] == "2025-04"
    assert (got["open+0"], got["open+1"], got["open+2"], got["open+6"]) == (0.01, 0.02, 0.03, 0.06)
    assert got["from_own_api_first_3"] == pytest.approx(0.01)
    assert uptake.uptake_after_first_open(monthly.assign(open=0.0)) == {"first": "never"}


def test_monthly_uptake_follows_the_developers_offers(uptake):
    """Against a model run apart: the last month's open share is that of Meta's open slots."""
    scenario = load_scenario(
        ROOT / "scenarios" / "deepseek_cascade.toml",
        {"simulation.developers": 2000, "simulation.enterprises": 200, "simulation.months": 6},
    )
    monthly = uptake.monthly_uptake(scenario, 0, "Meta")  # Meta has open weights from the start
    assert len(monthly) == 6
    assert (monthly["open"] > 0).all() and (monthly["open"] <= monthly["family"]).all()
    assert (monthly["from_own_api"] <= monthly["open"]).all()
    model = OpennessModel(scenario, seed=0)
    model.run()
    meta = [lab.name for lab in model.labs].index("Meta") * SLOTS
    offer = model.developers.offer
    on_open = np.isin(offer, [meta + SLOT_OPEN_FRONTIER, meta + SLOT_OPEN_SMALL]).sum()
    assert monthly["open"].iloc[-1] == on_open / (offer >= 0).sum()
