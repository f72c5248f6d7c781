"""The explorer's controls: built from a scenario's own events and policies, and setting
exactly what they say (the page and `run_scenario` then run the same scenario)."""

from __future__ import annotations

import pytest

from openness.experiments import run_scenario
from openness.explore.controls import controls, defaults, settings_scenario, window_months
from openness.explore.live import ExploreModel
from openness.scenario import load_scenario
from tests.conftest import ROOT

CASCADE = ROOT / "scenarios" / "deepseek_cascade.toml"
FUNDED = ROOT / "scenarios" / "consolidation_open_funding.toml"


def test_controls_come_from_the_scenarios_own_events_and_policies():
    scenario = load_scenario(FUNDED)
    found = controls(scenario)
    for ev in scenario.events:
        assert f"event:{ev.name}:on" in found and f"event:{ev.name}:size" in found
    for reg in scenario.regulators:
        for p in reg.policies:
            key = f"policy:{reg.name}:{p.name}"
            assert found[f"{key}:on"]["value"] is True
            assert found[f"{key}:start"]["values"] == window_months(scenario)
            assert (f"{key}:budget" in found) == (p.kind == "open_funding")
    assert found["event:deepseek-r1-efficiency:size"]["value"] == 3.0
    assert found["policy:EU:consortium-funding:budget"]["value"] == 300.0
    # every drop-down offers the file's own value
    for spec in found.values():
        if spec["type"] == "Select":
            assert spec["value"] in spec["values"]


def test_the_files_own_settings_give_the_file_with_small_populations():
    scenario = load_scenario(FUNDED)
    same = settings_scenario(scenario, {})
    assert same.events == scenario.events and same.regulators == scenario.regulators
    assert same.simulation.developers == defaults(scenario)["developers"]


def test_each_control_sets_what_it_says():
    scenario = load_scenario(FUNDED)
    changed = settings_scenario(
        scenario,
        {
            "seed": "7",
            "developers": 2000,
            "event:deepseek-r1-efficiency:size": 5.0,
            "event:capital-squeeze:on": False,
            "policy:EU:eu-gpai-obligations:start": "2024-06",
            "policy:EU:consortium-funding:budget": 100.0,
            "policy:US:us-export-controls:on": False,
        },
    )
    assert changed.simulation.seed == 7 and changed.simulation.developers == 2000
    events = {ev.name: ev for ev in changed.events}
    assert events["deepseek-r1-efficiency"].factor == 5.0 and "capital-squeeze" not in events
    eu = {p.name: p for p in changed.regulators[0].policies}
    assert eu["eu-gpai-obligations"].start == "2024-06"
    assert eu["consortium-funding"].monthly_budget == 100.0
    us = {p.name for r in changed.regulators if r.name == "US" for p in r.policies}
    assert "us-export-controls" not in us and "us-procurement-cn" in us


def test_an_unknown_control_is_refused():
    with pytest.raises(KeyError, match="no such control"):
        settings_scenario(load_scenario(CASCADE), {"event:nothing:on": False})


def test_the_explorers_model_is_the_run_of_its_settings():
    """Stepped month by month, it gives what run_scenario gives for the same settings."""
    settings = {
        "seed": "3",
        "developers": 1000,
        "enterprises": 200,
        "policy:EU:eu-gpai-obligations:start": "2024-04",
    }
    model = ExploreModel(scenario_file=str(CASCADE), **settings)
    for _ in range(6):
        model.step()
    live = model.tables_so_far()["world"]
    run = run_scenario(settings_scenario(load_scenario(CASCADE), settings))
    assert live.equals(run.tables["world"].iloc[:6].reset_index(drop=True))
    assert model.tables_so_far() is model.tables_so_far()  # built once a month


def test_a_bad_setting_leaves_a_model_that_says_why_and_does_not_run():
    model = ExploreModel(scenario_file=str(CASCADE), seed="seven")
    assert model.problem and not model.running
    model.step()
    assert model.tables_so_far() is None


def test_the_model_stops_at_the_end_of_the_window():
    model = ExploreModel(scenario_file=str(CASCADE), developers=1000, enterprises=200)
    months = model.scenario.simulation.months
    for _ in range(months + 3):
        model.step()
    assert len(model.tables_so_far()["world"]) == months and not model.running


def test_the_page_says_what_the_run_changes_from_the_file():
    from openness.explore.live import settings_html

    model = ExploreModel(
        scenario_file=str(CASCADE), seed="3", **{"policy:EU:eu-gpai-obligations:start": "2024-04"}
    )
    assert model.changes == {"seed": "3", "policy:EU:eu-gpai-obligations:start": "2024-04"}
    text = settings_html(model)
    assert "data-run='seed=3;" in text and "eu-gpai-obligations:start = 2024-04" in text
    assert ExploreModel(scenario_file=str(CASCADE)).changes == {}
