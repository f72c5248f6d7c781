"""Models for the executor and fault tests, importable by spawned worker processes."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from openness.experiments.design import RunSpec
from openness.experiments.runner import scenario_model

#: set by the tests through the environment, which spawned workers inherit
FLAG_DIR = "OPENNESS_TEST_FLAGS"


def killed_once(spec: RunSpec):
    """The first run of replication 1 to start kills its worker, once in the whole batch (as
    `kill -9` or the out-of-memory killer would); every other run, and its retry, runs."""
    flag = Path(os.environ[FLAG_DIR]) / "worker.killed"
    if spec.replication == 1 and not flag.exists():
        flag.write_text("")
        os.kill(os.getpid(), signal.SIGKILL)
    return scenario_model(spec)


def always_killed(spec: RunSpec):
    """Kills its worker every time it runs replication 2; the other runs are normal."""
    if spec.replication == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return scenario_model(spec)


def numba_threads(spec: RunSpec):
    """No simulation: one row saying how many numba threads the run had."""
    import numba
    import pandas as pd

    return {"world": pd.DataFrame({"month": [0], "threads": [numba.get_num_threads()]})}
