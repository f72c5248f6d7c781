"""Fixtures of the batch tests: a small three-arm experiment and its reference dataset, run in
this process one run after another (one of each per test module)."""

import pytest

from openness.experiments import load_experiment, run_batch
from tests.experiments.helpers import write_experiment


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    return write_experiment(tmp_path_factory.mktemp("exp"), "", replications=4)


@pytest.fixture(scope="module")
def reference(experiment, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "out"
    summary = run_batch(load_experiment(experiment), out, workers=1)
    assert summary.ok and summary.done == 12
    return out
