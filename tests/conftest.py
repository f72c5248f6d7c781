"""Shared fixtures: the real baseline scenario at small sizes, and its runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from openness.experiments import run_scenario
from openness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = {"simulation.developers": 3000, "simulation.enterprises": 600, "simulation.months": 24}


def small_scenario(**overrides):
    return load_scenario(BASELINE, {**SMALL, **overrides})


@pytest.fixture(scope="session")
def small_run():
    """One small baseline run shared by the read-only tests."""
    return run_scenario(small_scenario(), seed=11)
