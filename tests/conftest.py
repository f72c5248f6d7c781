"""Shared fixtures: the real baseline scenario at small sizes, and its runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openness.experiments import run_scenario
from openness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = {"simulation.developers": 3000, "simulation.enterprises": 600, "simulation.months": 24}

# A command given no --workers runs its runs in its own process: a pool of spawned workers
# costs each of them a fresh interpreter and the imports (about 2.6 s of CPU) for a few tiny
# runs. The tests of the pool itself ask for their workers by number.
os.environ.setdefault("OPENNESS_WORKERS", "1")


def small_scenario(**overrides):
    return load_scenario(BASELINE, {**SMALL, **overrides})


@pytest.fixture(scope="session")
def small_run():
    """One small baseline run shared by the read-only tests."""
    return run_scenario(small_scenario(), seed=11)


def undocumented_gaps(tables) -> list[str]:
    """Columns of a run's tables that hold an infinity, or a missing value where
    `reporters.MISSING` does not say what one means (empty when all is as documented)."""
    import numpy as np
    import pandas as pd

    from openness.model.reporters import MISSING

    out = []
    for name, df in tables.items():
        allowed = MISSING.get(name, {})
        for column in df.columns:
            values = df[column]
            numeric = pd.api.types.is_numeric_dtype(values) and values.dtype != bool
            if numeric and np.isinf(values.to_numpy(float)).any():
                out.append(f"{name}.{column}: inf")
            if values.isna().any() and column not in allowed:
                out.append(f"{name}.{column}: undocumented missing value")
    return out
