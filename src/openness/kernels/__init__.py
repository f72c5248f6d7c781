"""Numba kernels: pure functions over arrays, each with a plain-Python twin in `reference`."""

from openness.kernels.developers import (
    developer_step,
    developer_tally,
    developer_trials,
    lockin_tally,
    secondary_tally,
    taste_family,
)
from openness.kernels.enterprises import enterprise_step, enterprise_tally, route_workload
from openness.kernels.rng import seed_key

__all__ = [
    "developer_step",
    "developer_tally",
    "developer_trials",
    "enterprise_step",
    "enterprise_tally",
    "lockin_tally",
    "route_workload",
    "secondary_tally",
    "seed_key",
    "taste_family",
]
