"""Running the model: single runs, batches of experiments, comparison and sensitivity.

The names below are imported from their modules on first use (PEP 562), so that reading
results (`openness report`, `results`, `compare`) does not pay for importing the model,
numba and the samplers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openness.experiments.compare import compare_arms
    from openness.experiments.design import RunSpec, run_specs
    from openness.experiments.runner import BatchSummary, run_batch, scenario_model
    from openness.experiments.sensitivity import sobol_indices
    from openness.experiments.single import RunResult, run_scenario
    from openness.experiments.spec import Experiment, LoadedExperiment, load_experiment
    from openness.experiments.store import load_events, load_results, read_manifest

#: each public name -> the module that defines it
_HOMES = {
    "BatchSummary": "runner",
    "Experiment": "spec",
    "LoadedExperiment": "spec",
    "RunResult": "single",
    "RunSpec": "design",
    "compare_arms": "compare",
    "load_experiment": "spec",
    "load_events": "store",
    "load_results": "store",
    "read_manifest": "store",
    "run_batch": "runner",
    "run_scenario": "single",
    "run_specs": "design",
    "scenario_model": "runner",
    "sobol_indices": "sensitivity",
}
__all__ = [
    "BatchSummary",
    "Experiment",
    "LoadedExperiment",
    "RunResult",
    "RunSpec",
    "compare_arms",
    "load_events",
    "load_experiment",
    "load_results",
    "read_manifest",
    "run_batch",
    "run_scenario",
    "run_specs",
    "scenario_model",
    "sobol_indices",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'openness.experiments' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"openness.experiments.{home}"), name)
    globals()[name] = value  # once imported, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
