"""Scenario files: schema, loading (with `extends` and overrides) and the user-facing error."""

from openness.scenario.errors import ExperimentError, ScenarioError
from openness.scenario.load import content_hash, load_scenario
from openness.scenario.schema import Scenario, month_index, month_start

__all__ = [
    "ExperimentError",
    "Scenario",
    "ScenarioError",
    "content_hash",
    "load_scenario",
    "month_index",
    "month_start",
]
