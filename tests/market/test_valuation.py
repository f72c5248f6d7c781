"""The labs' valuation (market.valuation): limit cases that reduce it to something known."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openness.market.offers import SLOT_OPEN_FRONTIER, STRATEGY_NAMES, offer_index
from openness.market.strategy import month_flows, option_offers, projected_offers
from openness.market.valuation import (
    TERMS,
    installed_base,
    monthly_discount,
    value_options,
    waiting_value,
)
from openness.model import OpennessModel, views
from openness.scenario import load_scenario
from tests.conftest import BASELINE, small_scenario


def views_at_first_month(scenario=None, seed=2):
    """(model, market view, {lab name: lab view}) after the first month."""
    model = OpennessModel(scenario or small_scenario(), seed=seed)
    model.step()
    offers = model._offers(0)
    policy = model._policy_state(0)
    market = views.market_view(model, 0, offers, policy)
    shared = views.ReviewContext.build(model, offers, policy)
    labs = {lab.name: views.lab_view(model, lab, 0, policy, shared) for lab in model.labs}
    return model, market, labs


@pytest.fixture(scope="module")
def first_month():
    return views_at_first_month()


def one_month_payoff(lab, market, world, steep):
    """The cash of one month with every buyer choosing afresh, term by term."""
    out = {name: np.zeros(3) for name in TERMS}
    for k, option in enumerate(STRATEGY_NAMES):
        f = month_flows(
            lab, market, world, option_offers(market.offers, lab, option, world), option, steep
        )
        dev = f["unit"] * f["dev_x"] * f["dev_total"]
        ent = f["unit"] * f["ent_x"] * f["ent_total"] * f["ent_via_api"]
        out["api_margin"][k] = dev[0] + ent[0]
        out["hosting"][k] = dev[1:].sum() + ent[1:].sum()
        out["market_access"][k] = -lab.restricted_share * dev.sum()
        for name in ("complement", "grants", "regulatory", "safety"):
            out[name][k] = f[name]
        out["costs"][k] = -lab.burn
    return out


@pytest.mark.parametrize("name", ["OpenAI", "Meta", "Mistral"])
def test_a_one_month_horizon_without_lock_in_or_irreversibility_is_the_months_payoff(
    first_month, name
):
    """Horizon 1, every buyer re-choosing each month (no lock-in), releases as if they could
    be undone: each term of the valuation is the one-period payoff of the same term."""
    model, market, labs = first_month
    decision = model.scenario.decision.model_copy(update={"horizon_months": 1})
    free = replace(market, dev_turnover=1.0, ent_turnover=1.0)
    value = value_options(labs[name], free, model.world, decision, irreversible=False)
    expected = one_month_payoff(labs[name], free, model.world, decision.safety_steepness)
    for term in TERMS:
        assert value.terms[term] == pytest.approx(expected[term], rel=1e-12, abs=1e-12), term
    assert value.total == pytest.approx(sum(expected.values()), rel=1e-12)


def twin_scenario():
    """Two labs alike in every attribute but the name, and two unlike them."""
    base = small_scenario()
    by_name = {lab.name: lab for lab in base.labs}
    twin = by_name["Mistral"].model_copy(update={"name": "Twin"})
    labs = [by_name["Mistral"], twin, by_name["OpenAI"], by_name["Anthropic"]]
    return base.model_copy(update={"labs": labs, "regulators": []})


def test_identical_labs_in_identical_positions_get_identical_values_and_probabilities():
    model, market, labs = views_at_first_month(twin_scenario())
    eco = market.eco_share.copy()
    eco[:2] = eco[:2].mean()
    market = replace(market, eco_share=eco)
    a, b = labs["Mistral"], labs["Twin"]
    dev = (a.dev_base + b.dev_base) / 2
    ent = (a.ent_base + b.ent_base) / 2
    # the same position: the same users (the sampled populations split them unevenly) and
    # the same books
    a = replace(a, dev_base=dev, ent_base=ent)
    b = replace(b, dev_base=dev, ent_base=ent, accounts=a.accounts)
    va = value_options(a, market, model.world, model.scenario.decision)
    vb = value_options(b, market, model.world, model.scenario.decision)
    for term in TERMS:
        assert va.terms[term] == pytest.approx(vb.terms[term], rel=1e-9, abs=1e-9), term
    assert va.probability == pytest.approx(vb.probability, rel=1e-9, abs=1e-12)


def test_a_lab_whose_open_weights_are_out_values_closed_with_them_on_offer(first_month):
    model, market, labs = first_month
    meta = labs["Meta"]  # open at the start
    closed = option_offers(market.offers, meta, "closed", model.world)
    big = offer_index(meta.index, SLOT_OPEN_FRONTIER)
    assert closed.available[big]
    assert closed.capability[big] == market.offers.capability[big]
    value = value_options(meta, market, model.world, model.scenario.decision)
    assert value.terms["hosting"][0] > 0.0  # its weights still earn hosting under "closed"


def test_an_open_release_ban_gives_the_barred_option_probability_zero(first_month):
    model, market, labs = first_month
    for name in ("Meta", "OpenAI"):
        lab = replace(labs[name], barred={"closed": False, "hybrid": False, "open": True})
        p = value_options(lab, market, model.world, model.scenario.decision).probability
        assert p[2] == 0.0 and p.sum() == pytest.approx(1.0)


def test_with_no_uncertainty_releasing_now_gains_only_its_first_review_over_waiting(
    first_month,
):
    """At zero volatility, an option that releases more than today is worth today's value
    plus the cash of its first review period, if releasing is worth it at all later."""
    model, market, labs = first_month
    decision = model.scenario.decision.model_copy(update={"value_volatility": 0.0})
    r = decision.review_months
    for name in ("OpenAI", "Google", "Anthropic"):
        lab = labs[name]  # parent-funded or long runways: every month survives
        v = value_options(lab, market, model.world, decision)
        now = STRATEGY_NAMES.index(lab.strategy)
        value = v.total - v.terms["waiting"]
        delta = monthly_discount(lab, market, decision) ** np.arange(r)
        for k in range(now + 1, 3):
            early = float(((v.flows[k] - v.flows[now])[:r] * delta).sum())
            later = value[k] - value[now] - early
            expected = value[now] + early if later > 0 else value[k]
            assert v.total[k] == pytest.approx(expected, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(gain=st.floats(-1e4, 1e4), sigma=st.floats(0.0, 1e4))
def test_keeping_the_choice_is_worth_at_least_its_best_sure_outcome(gain, sigma):
    value = waiting_value(gain, sigma)
    assert value >= max(gain, 0.0) - 1e-9 * (1.0 + abs(gain))
    assert waiting_value(gain, 0.0) == max(gain, 0.0)


def test_without_turnover_users_stay_and_the_users_of_a_withdrawn_offer_re_choose():
    base = np.array([0.2, 0.1, 0.05])
    fresh = np.tile(np.array([[0.3], [0.2], [0.1]]), 12)
    kept = installed_base(base, fresh, np.ones(3), 0.0)
    assert np.allclose(kept, base[:, None])
    # opening withdraws the API: its users re-choose at once, the lab keeps their fresh share
    opened = installed_base(base, fresh, np.array([0.0, 1.0, 1.0]), 0.0)
    assert np.all(opened[0] == 0.0)
    assert np.allclose(opened[1:, 0], base[1:] + 0.2 * fresh[1:, 0])
    # full turnover: everyone is a fresh chooser from the first month
    assert np.allclose(installed_base(base, fresh, np.ones(3), 1.0), fresh)


def test_rivals_absorb_the_best_open_weights_and_not_without_spillover(first_month):
    model, market, labs = first_month
    lab = labs["OpenAI"]
    opened = option_offers(market.offers, lab, "open", model.world)
    later = projected_offers(opened, lab, model.world, 18)
    rivals = (opened.lab != lab.index) & opened.available
    assert np.all(later.capability[rivals] >= opened.capability[rivals])
    assert np.any(later.capability[rivals] > opened.capability[rivals])
    still = model.world.model_copy(update={"spillover_open": 0.0})
    assert np.array_equal(projected_offers(opened, lab, still, 18).capability, opened.capability)


def test_values_are_read_against_the_labs_discounted_gross_cash_flow(first_month):
    """The scale is the lab's discounted gross cash flow under its current strategy: its
    spending, what serving its own sales costs, and the size of every cash term it takes in;
    utilities are values over it."""
    model, market, labs = first_month
    decision = model.scenario.decision
    h = np.arange(decision.horizon_months)
    cash_in = ("api_margin", "hosting", "complement", "grants")
    for name in ("Google", "DeepSeek"):
        lab = labs[name]
        v = value_options(lab, market, model.world, decision)
        current = STRATEGY_NAMES.index(lab.strategy)
        delta = monthly_discount(lab, market, decision) ** h
        spending = float(delta @ (lab.training_spend * (1 + lab.training_growth) ** h + lab.opex))
        taken_in = sum(abs(v.terms[term][current]) for term in cash_in)
        assert v.scale > spending + taken_in  # and it serves what it sells
        assert v.utility == pytest.approx(v.total / v.scale)


def test_baseline_decision_has_a_horizon_in_the_declared_range():
    d = load_scenario(BASELINE).decision
    assert 24 <= d.horizon_months <= 48
