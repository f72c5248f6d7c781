"""Running the model: single runs, batches of experiments, comparison and sensitivity."""

from openness.experiments.compare import compare_arms
from openness.experiments.design import RunSpec, run_specs
from openness.experiments.runner import BatchSummary, run_batch, scenario_model
from openness.experiments.sensitivity import sobol_indices
from openness.experiments.single import RunResult, run_scenario
from openness.experiments.spec import Experiment, LoadedExperiment, load_experiment
from openness.experiments.store import load_events, load_results, read_manifest

__all__ = [
    "BatchSummary",
    "Experiment",
    "LoadedExperiment",
    "RunResult",
    "RunSpec",
    "compare_arms",
    "load_experiment",
    "load_events",
    "load_results",
    "read_manifest",
    "run_batch",
    "run_scenario",
    "run_specs",
    "scenario_model",
    "sobol_indices",
]
