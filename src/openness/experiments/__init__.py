"""Running the model: single runs now; batches, sweeps and sensitivity build on `run_scenario`."""

from openness.experiments.single import RunResult, run_scenario

__all__ = ["RunResult", "run_scenario"]
