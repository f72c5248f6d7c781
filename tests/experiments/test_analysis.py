"""Comparison and sensitivity against answers known in advance."""

import numpy as np
import pandas as pd
import pytest

from openness.cli import main
from openness.experiments import Experiment, LoadedExperiment, run_batch, sobol_indices
from openness.experiments.compare import compare_arms
from openness.experiments.design import RunSpec
from openness.experiments.store import load_results
from tests.experiments.helpers import write_experiment


def synthetic(effect, n=40, seed=0, noise=1.0):
    """Paired replications: a shared random level per replication plus independent noise."""
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 3, n)  # common random numbers make this cancel in differences
    rows = []
    for arm, shift in (("baseline", 0.0), ("policy", effect)):
        y = level + shift + rng.normal(0, noise, n)
        rows += [
            {"arm": arm, "point": 0, "replication": r, "seed": r, "y": v} for r, v in enumerate(y)
        ]
    return pd.DataFrame(rows)


def test_interval_covers_a_known_effect():
    row = compare_arms(synthetic(0.7), "baseline", ["y"]).iloc[0]
    assert row["arm"] == "policy" and row["pairs"] == 40
    assert row["ci_low"] < 0.7 < row["ci_high"]
    assert row["ci_high"] - row["ci_low"] < 1.0  # pairing removed the shared level (sd 3)
    assert row["same_sign_share"] > 0.55


def test_interval_coverage_is_close_to_95_percent():
    covered = [
        (lambda r: r.ci_low <= 0.5 <= r.ci_high)(
            compare_arms(synthetic(0.5, n=30, seed=s), "baseline", ["y"], seed=s).iloc[0]
        )
        for s in range(200)
    ]
    assert 0.88 <= np.mean(covered) <= 0.99


def test_compare_needs_the_baseline_arm():
    with pytest.raises(ValueError, match="no runs of the baseline arm 'nope'"):
        compare_arms(synthetic(0.1), "nope", ["y"])


def ishigami(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """The Ishigami function (a = 7, b = 0.1) as a model the runner can run."""
    x1, x2, x3 = (spec.params[k] for k in ("x1", "x2", "x3"))
    y = np.sin(x1) + 7.0 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)
    return {"world": pd.DataFrame({"y": [y]})}


def test_sobol_indices_of_the_ishigami_function(tmp_path):
    bounds = [-np.pi, np.pi]
    spec = Experiment.model_validate(
        {
            "name": "ishigami",
            "seed": 3,
            "replications": 1,
            "design": {"kind": "saltelli", "samples": 512},
            "factors": [{"name": n, "bounds": bounds} for n in ("x1", "x2", "x3")],
            "outputs": {"metrics": ["y"]},
        }
    )
    summary = run_batch(LoadedExperiment(spec=spec), tmp_path / "out", model=ishigami, workers=1)
    assert summary.ok and summary.total == 512 * 5
    table = sobol_indices(load_results(tmp_path / "out"), spec, ["y"]).set_index("factor")
    again = sobol_indices(load_results(tmp_path / "out"), spec, ["y"]).set_index("factor")
    pd.testing.assert_frame_equal(table, again)  # the bootstrap intervals too (seed 0)
    a, b = 7.0, 0.1  # analytic indices (Ishigami & Homma 1990; Saltelli et al. 2008)
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    exact_s1 = {"x1": v1 / var, "x2": v2 / var, "x3": 0.0}
    exact_st = {"x1": (v1 + v13) / var, "x2": v2 / var, "x3": v13 / var}
    for name in ("x1", "x2", "x3"):
        row = table.loc[name]
        assert abs(row["S1"] - exact_s1[name]) <= row["S1_conf"], name
        assert abs(row["ST"] - exact_st[name]) <= row["ST_conf"], name


def test_sensitivity_command_runs_on_the_model_itself(tmp_path, capsys):
    body = (
        '[design]\nkind = "saltelli"\nsamples = 4\n'
        '[[factors]]\nname = "world.spillover_open"\nbounds = [0.02, 0.2]\n'
        '[[factors]]\nname = "decision.value_volatility"\nbounds = [0.1, 1.0]\n'
    )
    path = write_experiment(tmp_path, body, replications=1, extra_arms=False)
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert main(["sensitivity", str(out), "--metrics", "open_share_dev_count"]) == 0
    table = pd.read_csv(out / "sensitivity.csv")
    assert len(table) == 2 * 2  # factors x kept months
    assert set(table["factor"]) == {"world.spillover_open", "decision.value_volatility"}
    assert np.isfinite(table[["S1", "ST", "S1_conf", "ST_conf"]].to_numpy()).all()
    assert "S1" in capsys.readouterr().out


def test_sensitivity_refuses_a_design_that_is_not_saltelli(tmp_path, capsys):
    path = write_experiment(tmp_path, "", replications=1, extra_arms=False)
    out = tmp_path / "out"
    main(["batch", str(path), "--out", str(out), "--workers", "1", "--quiet"])
    assert main(["sensitivity", str(out)]) == 2
    assert "saltelli" in capsys.readouterr().err
