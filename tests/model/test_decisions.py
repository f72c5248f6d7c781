"""Strategies come only from the labs' decision rule."""

import numpy as np
import pandas as pd
import pytest

from openness.market.offers import STRATEGY_NAMES
from openness.market.strategy import choice_probabilities, payoff_terms
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


def test_lower_safety_weight_makes_anthropic_less_likely_to_stay_closed():
    base = first_review(OpennessModel(small_scenario(), seed=3), "Anthropic")
    scenario = load_scenario(
        BASELINE,
        {
            "simulation.developers": 3000,
            "simulation.enterprises": 600,
            "labs.Anthropic.safety_weight": 0.0,
        },
    )
    changed = first_review(OpennessModel(scenario, seed=3), "Anthropic")
    assert changed["closed"]["probability"] < base["closed"]["probability"]
    assert changed["open"]["safety"] > base["open"]["safety"]
    # every other payoff term is untouched by the safety weight
    for term in ("api_margin", "ecosystem", "complement", "regulatory"):
        assert changed["open"][term] == pytest.approx(base["open"][term])


def test_safety_weight_changes_metas_choice_over_an_ensemble():
    """Meta keeps its frontier open for fewer months the more it weighs safety: the same
    seeds, so the difference comes from the parameter alone."""

    def open_months(weight):
        scenario = load_scenario(
            BASELINE,
            {
                "simulation.developers": 2000,
                "simulation.enterprises": 400,
                "labs.Meta.safety_weight": weight,
            },
        )
        months = 0
        for seed in range(6):
            model = OpennessModel(scenario, seed=seed)
            model.run(36)
            months += sum(r["strategy"] == "open" for r in model.lab_rows if r["lab"] == "Meta")
        return months

    none, some, high = open_months(0.0), open_months(1.0), open_months(4.0)
    assert none >= some >= high and none > high


def test_payoff_terms_are_reported_separately_and_sum_to_total():
    model = OpennessModel(small_scenario(), seed=4)
    rows = first_review(model, model.labs[0].name)
    for row in rows.values():
        terms = [
            "api_margin",
            "hosting",
            "grants",
            "ecosystem",
            "complement",
            "moat",
            "regulatory",
            "market_access",
            "safety",
            "capital_pressure",
        ]
        assert sum(row[t] for t in terms) == pytest.approx(row["total"])
    assert sum(r["probability"] for r in rows.values()) == pytest.approx(1.0)
    assert callable(payoff_terms) and callable(choice_probabilities)


def test_exclusivity_is_worth_the_lead_over_the_best_open_weights_of_others(monkeypatch):
    """A closed model sets a lab's products apart only by as much as it leads what rivals can
    build on freely: nothing when open weights match it, in proportion to the lead beyond."""
    from dataclasses import replace

    from openness.scenario.schema import BusinessModelWeights

    model, market, view = first_view_of(monkeypatch, "Google")
    only = BusinessModelWeights(exclusivity=80.0)
    growth = view.frontier_growth

    def exclusivity(lead_months):
        lab = replace(view, weights=only, best_open_others=view.knowledge - lead_months * growth)
        terms = payoff_terms(lab, market, model.world, model.scenario.decision)
        return terms["complement"]

    assert exclusivity(0.0) == pytest.approx([0.0, 0.0, 0.0])
    year = exclusivity(12.0)
    assert year[2] == 0.0  # publishing the frontier gives the exclusivity up
    assert year[0] == pytest.approx(year[1])
    assert year[0] == pytest.approx(market.usage * market.price_level * 80.0 * view.integration)
    assert exclusivity(6.0)[0] == pytest.approx(year[0] / 2)


def test_a_lab_that_may_not_survive_values_long_run_terms_less_under_each_option():
    """The mind-share, complement and moat values of each option are scaled by the chance the
    lab lives to collect them at the option's revenue; a parent-funded lab (no accounts) and a
    lab with a long runway collect them in full."""
    from types import SimpleNamespace

    from openness.market import finance
    from openness.market.strategy import Accounts, CapitalMarket, survival_by_option

    scenario = small_scenario()
    terms = {name: np.zeros(3) for name in ("api_margin", "hosting", "grants", "regulatory")}
    terms["api_margin"] = np.array([10.0, 8.0, 0.0])  # closed, hybrid, open
    market = SimpleNamespace(capital_market=CapitalMarket(scenario.funding, 0.4, 3.0))

    def survival(accounts):
        lab = SimpleNamespace(strategy="closed", accounts=accounts)
        return survival_by_option(lab, market, scenario.decision, terms)

    assert np.all(survival(None) == 1.0)  # a parent covers its losses
    short = Accounts(capital=60.0, revenue=12.0, costs=20.0, recurring=0.0, growth=0.0)
    s = survival(short)
    assert s[0] > s[1] > s[2] and s[2] < 1.0  # less revenue, less chance to collect
    assert np.all(survival(Accounts(1e5, 12.0, 20.0, 0.0, 0.0)) == 1.0)  # ample cash
    # open: revenue 12 - 10 = 2 a month against costs of 20; no round likely in a tight market
    expected = finance.survival_chance(
        scenario.funding,
        0.4,
        3.0,
        scenario.decision.runway_target_months,
        60.0,
        2.0,
        20.0,
        0.0,
        0.0,
    )
    assert s[2] == pytest.approx(expected)


def test_the_moat_puts_the_closed_options_margin_and_mind_share_at_risk(monkeypatch):
    """Publishing weights that lead the open state of the art by m months costs `moat_value`
    x m of what the lead earns closed: its API margin plus `moat_ecosystem_weight` of its
    mind-share; nothing for `closed`, and nothing for weights an open rival already matches."""
    from dataclasses import replace

    # a parent covers Google's losses: no survival scaling
    model, market, view = first_view_of(monkeypatch, "Google")
    lab = replace(view, best_open_others=view.knowledge - 6.0 * view.frontier_growth)

    def terms(weight, moat=0.1, lab=lab):
        decision = model.scenario.decision.model_copy(
            update={"moat_value": moat, "moat_ecosystem_weight": weight}
        )
        return payoff_terms(lab, market, model.world, decision)

    api_only, franchise = terms(0.0), terms(1.0)
    closed_api, closed_eco = api_only["api_margin"][0], api_only["ecosystem"][0]
    assert closed_api > 0 and closed_eco > 0
    assert api_only["moat"][0] == franchise["moat"][0] == 0.0
    assert api_only["moat"][2] == pytest.approx(-0.1 * 6.0 * closed_api)
    assert franchise["moat"][2] == pytest.approx(-0.1 * 6.0 * (closed_api + closed_eco))
    assert terms(0.5)["moat"][2] == pytest.approx(-0.6 * (closed_api + 0.5 * closed_eco))
    matched = replace(view, best_open_others=view.knowledge)
    assert np.all(terms(1.0, lab=matched)["moat"] == 0.0)
