"""Calibration by history matching: prior ranges and evidence summaries in a calibration file
(`spec`), Gaussian-process emulators of each summary (`emulator`), and waves that rule out the
implausible parameter space (`history`)."""

from openness.calibration.history import CalibrationResult, non_implausible, run_calibration
from openness.calibration.spec import Calibration, LoadedCalibration, load_calibration

__all__ = [
    "Calibration",
    "CalibrationResult",
    "LoadedCalibration",
    "load_calibration",
    "non_implausible",
    "run_calibration",
]
