"""A published method (the DeepSeek shock) spreads its training know-how to the labs behind
its publisher and to no one ahead of it, multiplying each learner's own training efficiency
by the method's gain (not lifting it to the publisher's); without publication nobody's
efficiency moves."""

from __future__ import annotations

from openness.model.market_model import OpennessModel
from openness.scenario import load_scenario
from tests.conftest import ROOT

CASCADE = ROOT / "scenarios" / "deepseek_cascade.toml"
SIZE = {"simulation.developers": 3000, "simulation.enterprises": 600, "simulation.months": 27}


def efficiencies_after(published: bool) -> tuple[dict, dict]:
    scenario = load_scenario(CASCADE, SIZE)
    events = [
        ev.model_copy(update={"published": published}) if ev.kind == "efficiency" else ev
        for ev in scenario.events
    ]
    model = OpennessModel(scenario.model_copy(update={"events": events}), seed=3)
    start = {lab.name: (lab.efficiency, lab.inference_efficiency) for lab in model.labs}
    model.run()
    return start, {lab.name: (lab.efficiency, lab.inference_efficiency) for lab in model.labs}


def shock_factor() -> float:
    return next(ev.factor for ev in load_scenario(CASCADE).events if ev.kind == "efficiency")


def test_followers_adopt_the_published_method_and_the_frontier_labs_do_not():
    start, end = efficiencies_after(published=True)
    deepseek = end["DeepSeek"]
    gain = shock_factor()
    for name in ("OpenAI", "Anthropic", "Google"):  # ahead of DeepSeek throughout
        assert end[name][0] == start[name][0]  # (their serving rebuild: test_prices.py)
    for name in ("Zhipu", "Moonshot", "MiniMax", "Meta"):  # behind it: their own efficiency
        # times at most the method's gain, whatever DeepSeek's own (tacit) lead
        assert start[name][0] < end[name][0] <= start[name][0] * gain * (1 + 1e-12)
        assert end[name][1] == deepseek[1]  # the serving architecture, adopted whole
    # Meta, the least efficient lab, does not catch up with DeepSeek's training efficiency
    assert end["Meta"][0] < deepseek[0] / 10


def test_an_unpublished_shock_spreads_nothing():
    start, end = efficiencies_after(published=False)
    assert all(end[name] == start[name] for name in end if name != "DeepSeek")
