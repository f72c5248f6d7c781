"""Accounting and probability invariants that must hold every month."""

import numpy as np
import pandas as pd
import pytest

from openness.experiments import run_scenario
from openness.model import OpennessModel
from openness.model.reporters import LAB_METRICS, WORLD_METRICS
from openness.scenario import load_scenario
from tests.conftest import ROOT, SMALL, small_scenario, undocumented_gaps

SHARES = [
    "dev_adoption",
    "open_share_dev_count",
    "open_share_dev_tokens",
    "ent_adoption",
    "ent_open_share_count",
    "ent_closed_share_count",
    "ent_hybrid_share_count",
    "ent_hybrid_share_dual",
    "ent_open_share_tokens",
    "hhi_developers",
    "ent_open_share_tokens_eu_compliance",
    "ent_us_open_share_tokens_us_government",
]


def test_tables_have_exactly_the_documented_columns(small_run):
    assert list(small_run.tables["world"].columns) == list(WORLD_METRICS)
    assert list(small_run.tables["labs"].columns) == list(LAB_METRICS)


def test_shares_are_probabilities_and_sum_to_one(small_run):
    world, labs = small_run.tables["world"], small_run.tables["labs"]
    assert ((world[SHARES] >= 0) & (world[SHARES] <= 1)).all().all()
    modes = world[["ent_open_share_count", "ent_closed_share_count", "ent_hybrid_share_count"]]
    np.testing.assert_allclose(modes.sum(axis=1), 1.0, rtol=1e-12)
    for col in ("developer_share", "developer_token_share", "enterprise_token_share"):
        assert labs[col].between(0, 1).all()
        np.testing.assert_allclose(labs.groupby("month")[col].sum(), 1.0, rtol=1e-9)


def test_price_ratio_is_the_cost_ratio_times_the_markup_ratio(small_run):
    world, labs = small_run.tables["world"], small_run.tables["labs"]
    np.testing.assert_allclose(world.price_ratio, world.top_closed_price / world.top_open_price)
    # a closed price is never below its cost, and hosts charge cost times (1 + markup)
    hosts = 1 + small_scenario().world.third_party_markup
    assert (world.price_ratio / world.serving_cost_ratio * hosts >= 1 - 1e-9).all()
    assert world.top_closed_price.isin(labs.price).all()
    # the going rate is a token-weighted mean of the month's closed API prices
    by_month = labs.groupby("month").price
    rate = world.set_index("month").going_rate
    assert (rate >= by_month.min() - 1e-9).all() and (rate <= by_month.max() + 1e-9).all()


def test_no_infinity_and_missing_values_only_where_documented(small_run):
    assert undocumented_gaps(small_run.tables) == []


@pytest.mark.parametrize("strategy", ["closed", "open"])
def test_a_world_without_open_or_closed_models_reports_gaps_as_documented(strategy):
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    overrides = {**SMALL, "simulation.months": 6}
    for lab in base.labs:
        overrides[f"labs.{lab.name}.strategy"] = strategy
        overrides[f"labs.{lab.name}.open_release_capability"] = None
    result = run_scenario(load_scenario(ROOT / "scenarios" / "baseline.toml", overrides), 1)
    assert undocumented_gaps(result.tables) == []
    world = result.tables["world"]
    gone = "best_open_capability" if strategy == "closed" else "frontier_capability"
    assert np.isnan(world[gone].iloc[0])  # at the start no lab has one


def test_an_insolvent_lab_spends_only_what_it_has():
    """A lab whose costs outrun its cash shrinks to its means: capital stays at zero, it
    trains nothing while insolvent, and capital still moves exactly by the books."""
    overrides = {
        **SMALL,
        "labs.Cohere.capital": 5.0,
        "labs.Cohere.opex": 200.0,
        "labs.Cohere.training_spend": 100.0,
        "labs.Cohere.parent_funding": 0.0,
        "funding.base_rate": 0.0,
    }
    model = OpennessModel(load_scenario(ROOT / "scenarios" / "baseline.toml", overrides), seed=3)
    cohere = next(lab for lab in model.labs if lab.name == "Cohere")
    for _ in range(6):
        before = cohere.capital
        model.step()
        assert cohere.capital >= 0.0
        assert cohere.capital == before + cohere.revenue - cohere.costs + cohere.funding
    assert cohere.insolvent and cohere.capital == 0.0
    from openness.model.training import effective_spend

    assert effective_spend(model, cohere) == 0.0
    assert cohere.costs <= cohere.revenue + cohere.funding + 1e-9


@pytest.mark.parametrize("seed", [1, 2])
def test_capital_moves_exactly_by_revenue_minus_costs_plus_funding(seed):
    model = OpennessModel(small_scenario(), seed=seed)
    before = {lab.name: lab.capital for lab in model.labs}
    for _ in range(18):
        model.step()
        for lab in model.labs:
            assert lab.capital == before[lab.name] + lab.revenue - lab.costs + lab.funding
            before[lab.name] = lab.capital
    labs = pd.DataFrame(model.lab_rows)
    assert (labs["funding"] >= 0).all() and (labs["costs"] >= 0).all()


def test_strategies_are_valid_and_counts_bounded(small_run):
    labs, world = small_run.tables["labs"], small_run.tables["world"]
    assert set(labs["strategy"]) <= {"closed", "hybrid", "open"}
    assert set(labs["announced"]) <= {"", "closed", "hybrid", "open"}
    assert (world["n_major_frontier_open"] <= world["n_frontier_open"]).all()
    assert (world["n_open_frontier_labs"] <= world["n_frontier_open"]).all()
    assert (world["n_major_frontier_open"] <= 8).all()
    assert (world["month"].diff().dropna().dt.days.between(28, 31)).all()


def test_strategy_switches_count_the_changes_in_the_lab_table(small_run):
    labs, world = small_run.tables["labs"], small_run.tables["world"]
    changed = labs.groupby("lab").strategy.transform(lambda s: s != s.shift()).astype(int)
    first = labs.month == labs.month.min()  # a switch in the first month has no prior row
    per_month = changed[~first].groupby(labs.month[~first]).sum()
    later = world.strategy_switches.diff().iloc[1:].to_numpy()
    np.testing.assert_array_equal(later, per_month.reindex(world.month.iloc[1:]).to_numpy())
    assert world.strategy_switches.iloc[-1] > 0  # labs do switch in two years


def test_group_open_shares_are_the_groups_routed_tokens_on_open_weights(monkeypatch):
    """The R1/R2 metrics against the plain formula: members by mask, tokens by workload."""
    from openness.market.offers import JURISDICTION_CODES, ORIGIN_CODES, SECTOR_CODES
    from openness.model import market_model

    seen = []
    record = market_model.world_record

    def spy(model, t, offers, *rest):
        seen.append(offers)
        return record(model, t, offers, *rest)

    monkeypatch.setattr(market_model, "world_record", spy)
    model = OpennessModel(small_scenario(), seed=3)
    for _ in range(14):
        model.step()
    ent, offers, row = model.enterprises, seen[-1], model.world_rows[-1]

    def direct(mask, wanted):
        choice, volume = ent.choice[mask], ent.volume[mask] * 7.0  # usage scales all alike
        routed = choice >= 0
        hit = routed & wanted[np.where(routed, choice, 0)]
        return volume[hit].sum() / volume[routed].sum()

    eu = (ent.jurisdiction == JURISDICTION_CODES["EU"]) & ent.compliance
    us_gov = (ent.jurisdiction == JURISDICTION_CODES["US"]) & (
        ent.sector == SECTOR_CODES["government"]
    )
    us_open = offers.is_open & (offers.origin == ORIGIN_CODES["US"])
    assert row["ent_open_share_tokens_eu_compliance"] == pytest.approx(direct(eu, offers.is_open))
    assert row["ent_us_open_share_tokens_us_government"] == pytest.approx(direct(us_gov, us_open))


def test_a_compute_grant_is_spent_on_training_and_a_cash_grant_is_kept():
    """Meta (open, US, a parent covers it: no venture round) under $300M/month of open
    funding from the first month: given as compute, the grant raises its training spend and
    knowledge and leaves its capital where it would be without the grant."""

    def first_month(training_share):
        scenario = load_scenario(
            ROOT / "scenarios" / "policies" / "open_funding.toml",
            {
                **SMALL,
                "regulators.EU.policies.open_funding.start": "2024-01",
                "regulators.EU.policies.open_funding.training_share": training_share,
            },
        )
        model = OpennessModel(scenario, seed=3)
        model.step()
        return next(lab for lab in model.labs if lab.name == "Meta")

    cash, compute = first_month(0.0), first_month(1.0)
    grant = cash.funding - cash.config.parent_funding
    assert grant > 0 and compute.funding == cash.funding
    assert compute.costs - cash.costs == pytest.approx(grant)
    assert compute.capital == pytest.approx(cash.capital - grant)
    assert compute.knowledge > cash.knowledge
