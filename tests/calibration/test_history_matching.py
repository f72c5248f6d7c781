"""History matching recovers a known truth: the true parameters stay non-implausible while the
waves rule out most of the prior."""

from __future__ import annotations

import json

import numpy as np
import pytest

from openness.calibration import Calibration, LoadedCalibration, non_implausible, run_calibration
from openness.calibration.history import combined, recorded_waves
from tests.calibration.known_truth import NOISE, TRUTH, noisy_model, outputs


def known_truth_calibration(**waves) -> LoadedCalibration:
    observed = outputs(**TRUTH)
    spec = Calibration.model_validate(
        {
            "name": "known_truth",
            "seed": 11,
            "parameters": [
                {"key": k, "low": -np.pi, "high": np.pi, "source": "the test's prior"}
                for k in TRUTH
            ],
            "summaries": [
                {
                    "id": name,
                    "metric": name,
                    "observed": float(value),
                    "observation_sd": 0.1,
                    "discrepancy_sd": 0.05,
                    "source": "the model at the true parameters",
                }
                for name, value in observed.items()
            ],
            "waves": {"points": 40, "replications": 3, "max_waves": 4, **waves},
        }
    )
    return LoadedCalibration(spec=spec)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration") / "out"
    loaded = known_truth_calibration()
    return loaded, out, run_calibration(loaded, out, model=noisy_model, workers=1)


def test_the_truth_stays_and_most_of_the_prior_goes(calibrated):
    loaded, _, result = calibrated
    spec = loaded.spec
    truth = np.array([[(v + np.pi) / (2 * np.pi) for v in TRUTH.values()]])
    assert non_implausible(spec, result.waves, truth)[0]
    assert result.fractions[-1] < 0.2
    assert all(b <= a for a, b in zip(result.fractions, result.fractions[1:], strict=False))
    assert result.stopped


def test_the_emulators_pass_their_leave_one_out_check(calibrated):
    _, out, result = calibrated
    for wave in result.waves:
        for summary, check in wave.record["leave_one_out"].items():
            assert check["outside_3sd"] <= 0.1, (wave.number, summary, check)
        assert wave.seed_variance("tilt") == pytest.approx(NOISE**2, rel=0.6)


def test_a_calibration_resumes_from_its_recorded_waves(calibrated):
    loaded, out, result = calibrated
    again = run_calibration(loaded, out, model=noisy_model, workers=1)
    assert again.fractions == result.fractions
    np.testing.assert_array_equal(again.keep, result.keep)
    # the recorded waves give the same emulators again
    waves = recorded_waves(loaded.spec, out)
    u = result.pool[:200]
    for a, b in zip(waves, result.waves, strict=True):
        np.testing.assert_allclose(
            a.emulators["ishigami"].predict(u)[0], b.emulators["ishigami"].predict(u)[0]
        )
    assert json.loads((out / "calibration.json").read_text())["hash"]


def test_the_second_largest_implausibility_rules():
    i = np.array([[0.5, 4.0, 1.0], [3.5, 4.0, 1.0]])
    np.testing.assert_array_equal(combined(i), [1.0, 3.5])
    np.testing.assert_array_equal(combined(i[:, :1]), [0.5, 3.5])
