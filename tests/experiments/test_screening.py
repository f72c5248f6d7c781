"""Morris screening, log-scale factors and PRIM against answers known in advance."""

import numpy as np
import pandas as pd
import pytest

from openness.experiments import Experiment, LoadedExperiment, load_results, run_batch
from openness.experiments.design import RunSpec, design_points
from openness.experiments.discovery import chosen_box, prim
from openness.experiments.sensitivity import morris_indices


def linear_model(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """y = 5 x1 + x3^2, and the policy arm adds 2 x2: known elementary effects."""
    x1, x2, x3 = (spec.params[k] for k in ("x1", "x2", "x3"))
    y = 5.0 * x1 + x3**2 + (2.0 * x2 if spec.arm == "policy" else 0.0)
    return {"world": pd.DataFrame({"y": [y]})}


def morris_experiment(**design) -> Experiment:
    return Experiment.model_validate(
        {
            "name": "screen",
            "seed": 4,
            "replications": 1,
            "arms": [{"name": "baseline"}, {"name": "policy"}],
            "design": {"kind": "morris", "samples": 20, **design},
            "factors": [{"name": n, "bounds": [0.0, 1.0]} for n in ("x1", "x2", "x3")],
            "outputs": {"metrics": ["y"]},
        }
    )


def test_morris_finds_the_known_elementary_effects(tmp_path):
    spec = morris_experiment()
    summary = run_batch(
        LoadedExperiment(spec=spec), tmp_path / "out", model=linear_model, workers=1
    )
    assert summary.ok and summary.total == 2 * 20 * 4  # arms x trajectories x (factors + 1)
    df = load_results(tmp_path / "out")
    level = morris_indices(df, spec, ["y"]).set_index("factor")
    assert level.loc["x1", "mu_star"] == pytest.approx(5.0)  # per the factor's whole range
    assert level.loc["x1", "sigma"] == pytest.approx(0.0, abs=1e-9)  # linear: no spread
    assert level.loc["x2", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert level.loc["x3", "mu_star"] > 0.1 and level.loc["x3", "sigma"] > 0  # non-linear
    effect = morris_indices(df, spec, ["y"], arm="policy", versus="baseline").set_index("factor")
    assert effect.loc["x2", "mu"] == pytest.approx(2.0)
    assert effect.loc[["x1", "x3"], "mu_star"].abs().max() == pytest.approx(0.0, abs=1e-12)


def test_morris_refuses_another_design(tmp_path):
    spec = morris_experiment().model_dump()
    spec["design"] = {"kind": "lhs"}
    with pytest.raises(ValueError, match="morris"):
        morris_indices(pd.DataFrame(), Experiment.model_validate(spec), ["y"])


def test_a_log_scale_factor_is_sampled_evenly_in_its_logarithm():
    spec = Experiment.model_validate(
        {
            "name": "log",
            "replications": 1,
            "design": {"kind": "lhs", "samples": 200},
            "factors": [{"name": "t", "bounds": [0.001, 0.1], "scale": "log"}],
        }
    )
    values = np.array([p["t"] for p in design_points(spec)])
    assert values.min() >= 0.001 and values.max() <= 0.1
    assert np.median(values) == pytest.approx(0.01, rel=0.15)  # the geometric middle
    assert np.mean(values < 0.01) == pytest.approx(0.5, abs=0.02)


def test_a_log_scale_factor_needs_positive_bounds():
    with pytest.raises(ValueError, match="positive bounds"):
        Experiment.model_validate(
            {
                "name": "log",
                "replications": 1,
                "design": {"kind": "lhs"},
                "factors": [{"name": "t", "bounds": [0.0, 0.1], "scale": "log"}],
            }
        )


def test_new_fields_at_their_defaults_leave_the_experiment_hash_alone():
    base = {
        "name": "h",
        "replications": 1,
        "design": {"kind": "lhs"},
        "factors": [{"name": "t", "bounds": [1, 2]}],
    }
    plain = LoadedExperiment(spec=Experiment.model_validate(base))
    explicit = {
        **base,
        "design": {"kind": "lhs", "levels": 4},
        "factors": [{"name": "t", "bounds": [1, 2], "scale": "linear"}],
    }
    same = LoadedExperiment(spec=Experiment.model_validate(explicit))
    assert plain.content_hash() == same.content_hash()
    logged = {**base, "factors": [{"name": "t", "bounds": [1, 2], "scale": "log"}]}
    assert LoadedExperiment(spec=Experiment.model_validate(logged)).content_hash() != (
        plain.content_hash()
    )


def test_prim_finds_the_box_that_holds_the_cases():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((2000, 3)), columns=["a", "b", "c"])
    y = (x["a"] > 0.6) & (x["c"] < 0.3)
    path = prim(x, y.to_numpy())
    assert path[0].coverage == 1.0 and path[0].support == 1.0
    box = chosen_box(path, min_coverage=0.8)
    named = box.restricted(x)
    assert set(named) == {"a", "c"}
    assert named["a"][0] == pytest.approx(0.6, abs=0.05) and named["c"][1] == pytest.approx(
        0.3, abs=0.05
    )
    assert box.density > 0.85 and box.coverage >= 0.8


def test_prim_with_no_cases_keeps_the_whole_space():
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    path = prim(x, np.zeros(50, dtype=bool))
    assert len(path) == 1 and chosen_box(path).coverage == 0.0
