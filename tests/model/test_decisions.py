"""Strategies come only from the labs' decision rule."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from openness.market.offers import STRATEGY_NAMES
from openness.model import OpennessModel
from openness.scenario import ScenarioError, load_scenario
from tests.conftest import BASELINE, small_scenario


def first_review(model, lab_name):
    """Run until `lab_name` reviews; return its decision rows."""
    while True:
        model.step()
        rows = [r for r in model.decision_rows if r["lab"] == lab_name]
        if rows:
            return {r["option"]: r for r in rows}


def first_view_of(monkeypatch, lab_name, seed=2):
    """(model, market view, lab view) at `lab_name`'s first strategy review, as the views
    module builds them for it (the seam between the model's state and a lab's review)."""
    from openness.model import views

    seen = {}
    build_market, build_lab = views.market_view, views.lab_view

    def market_view(model, t, offers, policy):
        seen["market"] = build_market(model, t, offers, policy)
        return seen["market"]

    def lab_view(model, lab, t, policy, shared):
        view = build_lab(model, lab, t, policy, shared)
        seen.setdefault(lab.name, (seen["market"], view))
        return view

    monkeypatch.setattr(views, "market_view", market_view)
    monkeypatch.setattr(views, "lab_view", lab_view)
    model = OpennessModel(small_scenario(), seed=seed)
    while lab_name not in seen:
        model.step()
    return (model, *seen[lab_name])


def test_every_switch_follows_an_announced_choice_of_the_rule(small_run):
    """A switch to s at month k: the rule chose s at or before k, and chose a move in the same
    direction (more or less published) at least the execution lag before k."""
    labs, decisions = small_run.tables["labs"], small_run.tables["decisions"]
    lag = small_scenario().decision.execution_lag_months
    rank = {name: i for i, name in enumerate(STRATEGY_NAMES)}  # closed < hybrid < open
    switches = 0
    for name, rows in labs.groupby("lab"):
        strategies = rows["strategy"].to_numpy()
        months = rows["month"].to_numpy()
        own = decisions[(decisions.lab == name) & decisions.chosen]
        for k in np.flatnonzero(strategies[1:] != strategies[:-1]) + 1:
            before, after = rank[strategies[k - 1]], rank[strategies[k]]
            announced_by = pd.Timestamp(months[k]) - pd.DateOffset(months=lag)
            same_way = own.option.map(rank).sub(before).mul(after - before) > 0
            assert (own[same_way].month <= announced_by).any(), (
                f"{name} switched to {strategies[k]} without announcing it {lag} months ahead"
            )
            assert ((own.option == strategies[k]) & (own.month <= months[k])).any(), (
                f"{name} switched to {strategies[k]} without choosing it"
            )
            switches += 1
    assert switches > 0  # the run does contain switches to check


def test_a_plan_revised_in_the_same_direction_keeps_its_date():
    lab = OpennessModel(small_scenario(), seed=0).labs[0]
    lab.strategy = "open"
    lab.announce(10, "closed", lag=4)
    assert (lab.pending_strategy, lab.switch_month) == ("closed", 14)
    lab.announce(13, "hybrid", lag=4)  # still publishing less: the date stands
    assert (lab.pending_strategy, lab.switch_month) == ("hybrid", 14)
    lab.announce(16, "open", lag=4)  # back to the current strategy: withdrawn
    assert lab.pending_strategy is None
    lab.strategy = "hybrid"
    lab.announce(20, "closed", lag=4)
    lab.announce(23, "open", lag=4)  # the other way: a new plan, a new date
    assert (lab.pending_strategy, lab.switch_month) == ("open", 27)


def test_scenarios_cannot_schedule_a_strategy(tmp_path):
    bad = tmp_path / "s.toml"
    bad.write_text(
        f'extends = "{BASELINE}"\nname = "x"\n[[events]]\nmonth = "2025-01"\n'
        'kind = "strategy"\nlab = "OpenAI"\n'
    )
    with pytest.raises(ScenarioError, match="events"):
        load_scenario(bad)


def test_a_framework_stance_weight_makes_anthropic_less_likely_to_release():
    """Anthropic's stance is a published framework; with that category's weight at zero its
    release options lose their safety cost and gain probability, and no other term moves."""
    base = first_review(OpennessModel(small_scenario(), seed=3), "Anthropic")
    scenario = load_scenario(
        BASELINE,
        {
            "simulation.developers": 3000,
            "simulation.enterprises": 600,
            "decision.stance_weights.framework": 0.0,
        },
    )
    changed = first_review(OpennessModel(scenario, seed=3), "Anthropic")
    assert base["open"]["safety"] < 0.0 and changed["open"]["safety"] == 0.0
    assert changed["closed"]["probability"] <= base["closed"]["probability"]
    assert changed["open"]["utility"] > base["open"]["utility"]
    for term in ("api_margin", "hosting", "complement", "regulatory", "costs"):
        assert changed["open"][term] == pytest.approx(base["open"][term])


def test_stance_weights_are_shared_by_every_lab_of_a_category():
    """Two labs of one stance pay the same safety cost per month of their spending for a
    release at the same distance from the frontier."""
    from openness.market.strategy import safety_cost

    model, market, view = first_view_of_any()
    weight = model.scenario.decision.stance_weights.framework
    a = replace(view, stance_weight=weight, training_spend=100.0, opex=50.0)
    b = replace(view, stance_weight=weight, training_spend=10.0, opex=5.0)
    steep = model.scenario.decision.safety_steepness
    ca, cb = safety_cost(a, 25.0, 25.5, steep), safety_cost(b, 25.0, 25.5, steep)
    assert ca / a.burn == pytest.approx(cb / b.burn)
    assert safety_cost(a, -np.inf, 25.5, steep) == 0.0  # releasing nothing risks nothing


def first_view_of_any(seed=2):
    """(model, market view, view of the first lab) at the first month's reviews."""
    from openness.model import views

    model = OpennessModel(small_scenario(), seed=seed)
    model.step()
    offers = model._offers(0)
    policy = model._policy_state(0)
    market = views.market_view(model, 0, offers, policy)
    shared = views.ReviewContext.build(model, offers, policy)
    return model, market, views.lab_view(model, model.labs[0], 0, policy, shared)


def test_value_terms_are_reported_separately_and_sum_to_total():
    from openness.market.valuation import TERMS

    model = OpennessModel(small_scenario(), seed=4)
    rows = first_review(model, model.labs[0].name)
    for row in rows.values():
        assert sum(row[t] for t in TERMS) == pytest.approx(row["total"], rel=1e-12, abs=1e-9)
        assert row["scale"] > 0
    assert sum(r["probability"] for r in rows.values()) == pytest.approx(1.0)


def test_exclusivity_is_worth_the_lead_over_the_best_open_weights_of_others(monkeypatch):
    """A closed model sets a lab's products apart only by as much as it leads what rivals can
    build on freely: nothing when open weights match it, in proportion to the lead beyond."""
    from openness.market.strategy import month_flows, option_offers
    from openness.scenario.schema import BusinessModelWeights

    model, market, view = first_view_of(monkeypatch, "Google")
    only = BusinessModelWeights(exclusivity=80.0)
    growth = view.frontier_growth
    steep = model.scenario.decision.safety_steepness

    def exclusivity(lead_months):
        lab = replace(view, weights=only, best_open_others=view.knowledge - lead_months * growth)
        return [
            month_flows(
                lab,
                market,
                model.world,
                option_offers(market.offers, lab, o, model.world),
                o,
                steep,
            )["complement"]
            for o in STRATEGY_NAMES
        ]

    assert exclusivity(0.0) == pytest.approx([0.0, 0.0, 0.0])
    year = exclusivity(12.0)
    assert year[2] == 0.0  # publishing the frontier gives the exclusivity up
    assert year[0] == pytest.approx(year[1])
    assert year[0] == pytest.approx(market.usage * market.price_level * 80.0 * view.integration)
    assert exclusivity(6.0)[0] == pytest.approx(year[0] / 2)
