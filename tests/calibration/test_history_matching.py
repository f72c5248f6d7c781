"""History matching recovers a known truth: the true parameters stay non-implausible while the
waves rule out most of the prior."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
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


def test_summaries_average_a_window_and_present_counts_months_with_a_value():
    from openness.calibration.history import summaries

    spec = Calibration.model_validate(
        {
            "name": "s",
            "parameters": [
                {"key": "decision.temperature", "low": 0.01, "high": 0.1, "source": "t"}
            ],
            "summaries": [
                {
                    "id": "mean",
                    "metric": "y",
                    "window": ["2024-02", "2024-03"],
                    "observed": 0,
                    "observation_sd": 1,
                    "source": "t",
                },
                {
                    "id": "log",
                    "metric": "y",
                    "transform": "log",
                    "observed": 0,
                    "observation_sd": 1,
                    "source": "t",
                },
                {
                    "id": "open",
                    "metric": "cap",
                    "lab": "A",
                    "transform": "present",
                    "observed": 0,
                    "observation_sd": 1,
                    "source": "t",
                },
            ],
        }
    )
    months = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"])
    world = pd.DataFrame(
        {"arm": "baseline", "point": 0, "replication": 0, "month": months, "y": [1.0, 2, 4, 8]}
    )
    labs = pd.DataFrame(
        {
            "arm": "baseline",
            "point": 0,
            "replication": 0,
            "month": list(months) * 2,
            "lab": ["A"] * 4 + ["B"] * 4,
            "cap": [np.nan, 25.0, 25.5, np.nan, 1, 1, 1, 1],
        }
    )
    row = summaries(spec, world, labs).iloc[0]
    assert row["mean"] == 3.0  # 2024-02..03 only
    assert row["log"] == pytest.approx(np.log(3.75))
    assert row["open"] == 0.5  # A has open weights in two of four months; B is not read


def test_the_ensemble_is_drawn_from_the_final_space_and_confirmed(calibrated):
    from openness.calibration.members import draw_ensemble
    from openness.calibration.spec import EnsembleDraw
    from openness.scenario.ensemble import load_ensemble

    loaded, out, result = calibrated
    spec = loaded.spec.model_copy(update={"ensemble": EnsembleDraw(members=20, draw=60, seeds=10)})
    loaded = LoadedCalibration(spec=spec)
    ensemble = draw_ensemble(loaded, result, out, model=noisy_model, workers=1)
    assert ensemble is not None and ensemble.current
    assert load_ensemble(out / "ensemble.toml") == ensemble
    assert 10 <= len(ensemble.members) <= 20 and ensemble.confirmed_seeds == 10
    values = np.array([m.values for m in ensemble.members])
    assert all(m.implausibility <= 3.0 for m in ensemble.members)
    # every member survives the waves, and the members bracket the truth
    unit = (values + np.pi) / (2 * np.pi)
    assert non_implausible(spec, result.waves, unit).all()
    truth = np.array(list(TRUTH.values()))
    assert (values.min(axis=0) <= truth).all() and (truth <= values.max(axis=0)).all()
    centre = values[ensemble.central]
    assert np.abs(centre - np.median(values, axis=0)).max() < np.ptp(values, axis=0).max()
    # a second call resumes the confirmation and gives the same members
    assert draw_ensemble(loaded, result, out, model=noisy_model, workers=1) == ensemble


def test_nothing_is_drawn_from_an_empty_space():
    from openness.calibration.history import CalibrationResult
    from openness.calibration.members import draw_ensemble

    empty = CalibrationResult([], [0.0], "nothing", np.zeros((5, 3)), np.zeros(5, dtype=bool))
    assert draw_ensemble(known_truth_calibration(), empty, "/nonexistent") is None
