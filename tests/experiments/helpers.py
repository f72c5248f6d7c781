"""Small experiment files for the tests (tiny populations so that runs take ~0.1 s), and the
scripts of experiments/ as modules."""

import importlib
from pathlib import Path
from types import ModuleType

from tests.conftest import ROOT

SMALL_OVERRIDES = """[overrides]
"simulation.developers" = 2000
"simulation.enterprises" = 300
"simulation.months" = 14
"""


def write_experiment(
    directory: Path,
    body: str,
    name: str = "exp",
    replications: int = 4,
    extra_arms: bool = True,
    top: str = "",
    scenarios: Path = ROOT / "scenarios",
) -> Path:
    """`top` holds top-level keys; `body` comes after the arms (tables: design, factors);
    `scenarios` is the directory the scenario files are read from."""
    arms = ""
    if extra_arms:
        arms = (
            f'[[arms]]\nname = "baseline"\n\n[[arms]]\nname = "funding"\nscenario = '
            f'"{scenarios}/policies/open_funding.toml"\n\n[[arms]]\nname = "ban"\n'
            f'scenario = "{scenarios}/policies/open_release_ban.toml"\n\n'
        )
    path = directory / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nscenario = "{scenarios}/baseline.toml"\nseed = 99\n'
        f"replications = {replications}\n{top}\n{SMALL_OVERRIDES}\n{arms}{body}\n"
        '[outputs]\nmetrics = ["open_share_dev_count", "price_ratio", "n_frontier_open"]\n'
        'months = ["2024-06", "2025-02"]\nlab_metrics = ["strategy"]\n'
    )
    return path


def experiment_script(name: str) -> ModuleType:
    """experiments/<name>.py, imported as the ordinary module it also is."""
    return importlib.import_module(f"experiments.{name}")


def assert_same_dataset(a: Path, b: Path) -> None:
    """Two batch directories hold the same world and lab tables."""
    import pandas as pd

    from openness.experiments import load_results

    for table in ("world", "labs"):
        pd.testing.assert_frame_equal(load_results(a, table), load_results(b, table))
