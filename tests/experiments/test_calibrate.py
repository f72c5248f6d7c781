"""The calibration script runs end to end on a tiny budget and never worsens the loss."""

import importlib.util
import sys

from tests.conftest import ROOT


def test_calibration_runs_and_keeps_the_better_parameters(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("calibrate", ROOT / "experiments" /
                                                  "calibrate.py")
    calibrate = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "calibrate", calibrate)  # dataclasses look it up
    spec.loader.exec_module(calibrate)
    monkeypatch.setattr(calibrate, "SIZES", {"simulation.developers": 1000,
                                             "simulation.enterprises": 200})
    report = tmp_path / "calibration.md"
    calibrate.main(["--generations", "1", "--popsize", "1", "--seeds", "1", "--report",
                    str(report)])
    text = report.read_text()
    assert "| `decision.temperature` |" in text and "Held-out loss" in text
    before, after = (float(x) for x in text.split("Calibration loss: ")[1]
                     .split(" fitted")[0].replace(" before,", "").split())
    assert after <= before
