"""The first month against the outside evidence it is set from, within each figure's
observation error (docs/sources.md, "Demand-side evidence"). Developers' shares by family
and openness in 2024-01 have no public source (the router statistics begin later), so only
their adoption is tested."""

from __future__ import annotations

import pytest

from openness.experiments import run_scenario
from openness.scenario import load_scenario
from tests.conftest import ROOT

SIZES = {"simulation.developers": 30_000, "simulation.enterprises": 3_000, "simulation.months": 1}


@pytest.fixture(scope="module")
def first_month_run():
    scenario = load_scenario(ROOT / "scenarios" / "deepseek_cascade.toml", SIZES)
    return run_scenario(scenario, seed=0)


@pytest.fixture(scope="module")
def first_month(first_month_run):
    return first_month_run.tables["world"].iloc[0]


def test_developer_adoption_in_2024_01_is_the_surveys(first_month):
    """Stack Overflow: 44% (2023) and 62% (2024) used AI in their work; 56% +- 10 points."""
    assert 0.46 <= first_month["dev_adoption"] <= 0.66


def test_enterprise_adoption_in_2024_01_is_the_surveys(first_month):
    """McKinsey: 33% (2023) and 65% (early 2024) of organisations; 60% +- 15 points."""
    assert 0.45 <= first_month["ent_adoption"] <= 0.75


@pytest.mark.xfail(
    strict=True,
    reason="a documented failure: seeded with the survey's 20% of use cases on open weights, "
    "about 41% of enterprise tokens go to them in 2024-01, since use cases whose data must "
    "stay in-house (a fifth of enterprises) can only self-host open weights and large "
    "commodity work leans open",
)
def test_enterprise_open_share_in_2024_01_is_the_surveys(first_month):
    """Menlo Ventures: open models about 20% of enterprise use in 2023, 19% in 2024;
    within a factor of 1.6."""
    assert 0.125 <= first_month["ent_open_share_tokens"] <= 0.32


@pytest.fixture(scope="module")
def first_month_labs(first_month_run):
    labs = first_month_run.tables["labs"]
    return labs.set_index("lab")["enterprise_token_share"]


def test_openai_share_of_enterprise_tokens_in_2024_01_is_the_survey(first_month_labs):
    """Menlo Ventures: OpenAI about 50% of enterprise model use in 2023; x/1.6. The initial
    adopters are seeded with this share of their use cases (`enterprises.initial_shares`);
    the test reads tokens, after the first month's reviews and adoptions."""
    assert 0.31 <= first_month_labs["OpenAI"] <= 0.80


def test_anthropic_share_of_enterprise_tokens_in_2024_01_is_the_survey(first_month_labs):
    """Menlo Ventures: Anthropic about 12% of enterprise model use in 2023; x/1.6."""
    assert 0.075 <= first_month_labs["Anthropic"] <= 0.19
