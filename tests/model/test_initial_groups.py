"""Seeding the initial enterprises with observed shares (`enterprises.initial_shares`)."""

from __future__ import annotations

import numpy as np
import pytest

from openness.experiments import run_scenario
from openness.market.offers import JURISDICTION_CODES
from openness.market.routing import InitialGroups
from openness.model.market_model import OpennessModel
from openness.scenario import ScenarioError, load_scenario
from tests.conftest import BASELINE

SIZES = {"simulation.developers": 2_000, "simulation.enterprises": 20_000, "simulation.months": 1}


def first_choices(shares: dict[str, float]):
    scenario = load_scenario(BASELINE, {**SIZES, "enterprises.initial_shares": shares})
    scenario = scenario.model_copy(
        update={"enterprises": scenario.enterprises.model_copy(update={"review_rate": 0.0})}
    )
    model = OpennessModel(scenario, seed=3)
    model.step()
    return model


def test_groups_follow_the_names_and_the_rest():
    scenario = load_scenario(BASELINE, SIZES)
    model = OpennessModel(scenario, seed=0)
    offers = model._offers(0)
    names = [lab.name for lab in model.labs]
    groups = InitialGroups.of({"OpenAI": 0.5, "open": 0.2}, names, offers)
    openai = offers.lab == names.index("OpenAI")
    assert (groups.of_offer[openai] == 0).all()
    assert (groups.of_offer[~openai & offers.is_open] == 1).all()
    assert (groups.of_offer[~openai & ~offers.is_open] == 2).all()
    np.testing.assert_allclose(groups.share, [0.5, 0.2, 0.3])


def test_seeded_use_cases_take_the_observed_shares_where_every_group_is_allowed():
    model = first_choices({"OpenAI": 0.5, "Anthropic": 0.12, "open": 0.2})
    ent = model.enterprises
    offers = model._offers(0)
    # data may leave, and not in CN (which bars US-origin models for two sectors)
    free = ~ent.residency & (ent.jurisdiction != JURISDICTION_CODES["CN"])
    picks = ent.choice[free][ent.choice[free] >= 0]
    names = [lab.name for lab in model.labs]
    lab = offers.lab[picks]
    assert abs(np.mean(lab == names.index("OpenAI")) - 0.5) < 0.02
    assert abs(np.mean(lab == names.index("Anthropic")) - 0.12) < 0.015
    others = (lab != names.index("OpenAI")) & (lab != names.index("Anthropic"))
    assert abs(np.mean(offers.is_open[picks] & others) - 0.2) < 0.02


def test_use_cases_whose_group_is_barred_keep_what_they_may_use():
    model = first_choices({"OpenAI": 1.0})
    ent = model.enterprises
    offers = model._offers(0)
    routed = ent.choice[ent.residency][ent.choice[ent.residency] >= 0]
    assert offers.is_open[routed].all()  # data that must stay in-house: self-hosted open


def test_seeding_is_the_same_for_the_same_seed():
    a = run_scenario(load_scenario(BASELINE, SIZES), seed=5).tables["world"]
    b = run_scenario(load_scenario(BASELINE, SIZES), seed=5).tables["world"]
    assert a.equals(b)


@pytest.mark.parametrize(
    ("shares", "problem"),
    [({"Nobody": 0.2}, "unknown group 'Nobody'"), ({"OpenAI": 0.7, "open": 0.5}, "at most 1")],
)
def test_bad_initial_shares_are_refused(shares, problem):
    with pytest.raises(ScenarioError, match=problem):
        load_scenario(BASELINE, {"enterprises.initial_shares": shares})
