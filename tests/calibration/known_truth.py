"""A model with known parameters for the calibration tests, importable by worker processes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from openness.experiments.design import RunSpec

#: the parameters the calibration must find, in the prior [-pi, pi]^3
TRUTH = {"x1": 0.8, "x2": -1.2, "x3": 2.0}
NOISE = 0.05


def outputs(x1: float, x2: float, x3: float) -> dict[str, float]:
    """Three summaries: the Ishigami function (a = 7, b = 0.1) and two simpler views."""
    return {
        "ishigami": np.sin(x1) + 7.0 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1),
        "tilt": x1 + 0.5 * x2,
        "wave": np.cos(x3) + 0.3 * x2,
    }


def noisy_model(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """The three summaries with seed noise of sd NOISE."""
    x = outputs(*(spec.params[k] for k in ("x1", "x2", "x3")))
    rng = np.random.default_rng(spec.seed)
    row = {k: [v + NOISE * rng.normal()] for k, v in x.items()}
    return {"world": pd.DataFrame(row)}
