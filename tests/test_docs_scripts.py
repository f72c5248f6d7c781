"""The scripts that regenerate docs/ keep up with the runner they drive (their full runs take
minutes, so these check the piece that talks to the runner, on one tiny run)."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_cascade_runs_a_run_of_the_batch_runner_from_its_scenario_content():
    """The batch runner sends workers a scenario's content, not its path: the cascade note's
    model builds its run from that and keeps the world, labs and decisions tables whole."""
    from openness.experiments.design import run_specs
    from openness.experiments.spec import Arm, Experiment, LoadedExperiment

    cascade = load_script("make_cascade")
    experiment = Experiment(
        name="tiny",
        seeds=[1],
        overrides={
            "simulation.developers": 500,
            "simulation.enterprises": 100,
            "simulation.months": 3,
        },
        arms=[Arm(name="cascade", scenario=str(ROOT / "scenarios" / "deepseek_cascade.toml"))],
    )
    (spec,) = run_specs(LoadedExperiment(spec=experiment))
    tables = cascade.all_tables(spec)
    assert set(tables) == {"world", "labs", "decisions"}
    assert len(tables["world"]) == 3 and {"lab", "option"} <= set(tables["decisions"].columns)
