import numpy as np
import pytest

from openness.experiments import load_experiment, run_specs
from openness.experiments.design import design_points, replication_seed
from openness.experiments.spec import Experiment
from openness.scenario import ExperimentError
from tests.conftest import ROOT
from tests.experiments.helpers import write_experiment


def test_policy_interventions_file_loads_with_every_policy_arm():
    loaded = load_experiment(ROOT / "experiments" / "policy_interventions.toml")
    arms = [a.name for a in loaded.spec.arms]
    assert arms[0] == "baseline" and len(arms) == 8 and loaded.spec.n_replications == 40
    assert len(run_specs(loaded)) == 8 * 40


@pytest.mark.parametrize(
    "path", sorted((ROOT / "experiments").glob("*.toml")), ids=lambda p: p.name
)
def test_every_experiment_file_loads_and_plans_its_runs(path):
    loaded = load_experiment(path)
    assert len(run_specs(loaded)) >= loaded.spec.n_replications


def test_common_random_numbers_seed_depends_only_on_replication(tmp_path):
    specs = run_specs(load_experiment(write_experiment(tmp_path, "")))
    by_rep = {}
    for s in specs:
        by_rep.setdefault(s.replication, set()).add(s.seed)
    assert all(len(seeds) == 1 for seeds in by_rep.values())
    assert len({next(iter(v)) for v in by_rep.values()}) == len(by_rep)
    assert by_rep[2] == {replication_seed(99, 2)}
    assert len({s.run_id for s in specs}) == len(specs) == 3 * 4


def test_designs_have_the_expected_points():
    def spec(kind, **factor):
        return Experiment.model_validate(
            {
                "name": "d",
                "replications": 1,
                "design": {"kind": kind, "samples": 8},
                "factors": [{"name": "a", **factor}, {"name": "b", **factor}],
            }
        )

    grid = design_points(spec("grid", levels=[1.0, 2.0, 3.0]))
    assert len(grid) == 9 and grid[0] == {"a": 1.0, "b": 1.0} and grid[-1] == {"a": 3, "b": 3}
    lhs = np.array([[p["a"], p["b"]] for p in design_points(spec("lhs", bounds=[2.0, 4.0]))])
    assert lhs.shape == (8, 2) and lhs.min() >= 2 and lhs.max() <= 4
    assert sorted(np.floor((lhs[:, 0] - 2) / 0.25).astype(int)) == list(range(8))  # one per stratum
    assert len(design_points(spec("saltelli", bounds=[0.0, 1.0]))) == 8 * (2 + 2)


@pytest.mark.parametrize(
    "body,message",
    [
        ("", "exactly one of 'replications'"),
        ('[[arms]]\nname = "bad name"\n', "letters, digits"),
        ('[design]\nkind = "grid"\n', "needs at least one [[factors]]"),
        (
            '[design]\nkind = "lhs"\n[[factors]]\nname = "world.spillover_open"\nlevels = [1.0]\n',
            "needs 'bounds'",
        ),
    ],
)
def test_malformed_experiments_are_explained(tmp_path, body, message):
    top = "seeds = [1, 2]\n" if not body else ""
    path = write_experiment(tmp_path, body, extra_arms=False, top=top)
    with pytest.raises(ExperimentError, match="Experiment file") as exc:
        load_experiment(path)
    assert message in str(exc.value) and str(path) in str(exc.value)


def test_unknown_metric_and_bad_arm_scenario_are_explained(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text(
        f'name = "e"\nscenario = "{ROOT}/scenarios/baseline.toml"\nreplications = 2\n'
        '[outputs]\nmetrics = ["happiness"]\n'
    )
    with pytest.raises(ExperimentError, match="outputs.metrics.*happiness.*allowed"):
        load_experiment(path)
    path.write_text(
        f'name = "e"\nscenario = "{ROOT}/scenarios/baseline.toml"\nreplications = 2\n'
        '[[arms]]\nname = "x"\noverrides = { "world.spillover_open" = 7 }\n'
    )
    with pytest.raises(ExperimentError, match=r"arms\[0\] \(x\).*world.spillover_open"):
        load_experiment(path)


def test_a_points_design_runs_its_points_and_refuses_one_outside_the_bounds():
    from openness.experiments import Experiment
    from openness.experiments.design import design_points

    base = {
        "name": "p",
        "replications": 2,
        "factors": [{"name": "a", "bounds": [0.0, 1.0]}, {"name": "b", "bounds": [1.0, 2.0]}],
    }
    spec = Experiment.model_validate(
        {**base, "design": {"kind": "points", "points": [[0.5, 1.5], [0.0, 2.0]]}}
    )
    assert design_points(spec) == [{"a": 0.5, "b": 1.5}, {"a": 0.0, "b": 2.0}]
    with pytest.raises(ValueError, match="outside its bounds"):
        Experiment.model_validate({**base, "design": {"kind": "points", "points": [[1.5, 1.5]]}})
    with pytest.raises(ValueError, match="has 1 values for 2 factors"):
        Experiment.model_validate({**base, "design": {"kind": "points", "points": [[0.5]]}})


def test_common_seeds_off_gives_every_design_point_seeds_of_its_own():
    from openness.experiments import Experiment, LoadedExperiment

    spec = {
        "name": "p",
        "replications": 3,
        "design": {"kind": "points", "points": [[0.1], [0.2]]},
        "factors": [{"name": "a", "bounds": [0.0, 1.0]}],
    }
    shared = run_specs(LoadedExperiment(spec=Experiment.model_validate(spec)))
    own = run_specs(
        LoadedExperiment(spec=Experiment.model_validate({**spec, "common_seeds": False}))
    )
    assert [r.seed for r in shared[:3]] == [r.seed for r in shared[3:]]
    assert len({r.seed for r in own}) == 6
