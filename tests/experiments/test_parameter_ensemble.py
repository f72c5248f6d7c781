"""Experiments over a parameter ensemble: the file, the pairing of members with seeds, the
two-level interval and the refusal of an ensemble made by other model code."""

import numpy as np
import pandas as pd
import pytest

from openness import __version__
from openness.cli import main
from openness.experiments import load_experiment, load_results
from openness.experiments.compare import compare_arms, format_comparison
from openness.experiments.design import run_specs
from openness.provenance import model_code_hash
from openness.scenario.ensemble import Member, ParameterEnsemble, ensemble_toml, load_ensemble
from openness.scenario.errors import EnsembleError, ExperimentError
from tests.experiments.helpers import write_experiment

TEMPERATURES = [[0.01], [0.03], [0.06]]


def write_ensemble(path, rows=TEMPERATURES, parameters=("decision.temperature",), code=None):
    ensemble = ParameterEnsemble(
        name="synthetic",
        calibration="synthetic",
        calibration_hash="0" * 64,
        model_code_hash=code or model_code_hash(),
        package_version=__version__,
        created="2026-12-07",
        cutoff=3.0,
        confirmed_seeds=10,
        central=len(rows) // 2,
        parameters=list(parameters),
        members=[Member(values=r, implausibility=1.0) for r in rows],
    )
    path.write_text(ensemble_toml(ensemble))
    return ensemble


def test_an_ensemble_file_reads_back_as_written(tmp_path):
    written = write_ensemble(tmp_path / "e.toml")
    read = load_ensemble(tmp_path / "e.toml")
    assert read == written and read.current
    assert read.overrides(2) == {"decision.temperature": 0.06}


def test_a_malformed_ensemble_file_names_every_problem(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'name = "x"\ncalibration = "c"\nmodel_code_hash = "h"\npackage_version = "0"\n'
        'created = "2026-12-07"\ncutoff = -1\nconfirmed_seeds = 10\ncentral = 0\n'
        'parameters = ["decision.temperature"]\n[[members]]\nvalues = [0.1]\n'
        "implausibility = 1.0\n"
    )
    with pytest.raises(EnsembleError) as info:
        load_ensemble(path)
    fields = {field for _, field, _ in info.value.problems}
    assert {"calibration_hash", "cutoff"} <= fields
    assert str(path) in str(info.value) and "Ensemble file" in str(info.value)


def test_members_must_have_one_value_per_parameter(tmp_path):
    write_ensemble(tmp_path / "e.toml")
    text = (tmp_path / "e.toml").read_text().replace("values = [0.03]", "values = [0.03, 0.5]")
    (tmp_path / "e.toml").write_text(text)
    with pytest.raises(EnsembleError, match=r"members\[1\] has 2 values for 1 parameters"):
        load_ensemble(tmp_path / "e.toml")


def test_each_replication_runs_one_member_in_every_arm(tmp_path):
    write_ensemble(tmp_path / "e.toml")
    path = write_experiment(tmp_path, "", replications=6, top='ensemble = "e.toml"')
    runs = run_specs(load_experiment(path))
    assert len(runs) == 3 * 6
    for run in runs:
        assert run.member == run.replication % 3
        assert run.overrides["decision.temperature"] == TEMPERATURES[run.member][0]
        assert run.overrides["simulation.developers"] == 2000  # the experiment's own stay
    by_replication = pd.DataFrame(
        [(r.arm, r.replication, r.seed, r.member) for r in runs],
        columns=["arm", "replication", "seed", "member"],
    ).groupby("replication")
    assert (by_replication[["seed", "member"]].nunique() == 1).all().all()  # CRN


def test_the_ensemble_changes_the_experiment_hash(tmp_path):
    write_ensemble(tmp_path / "e.toml")
    path = write_experiment(tmp_path, "", top='ensemble = "e.toml"')
    before = load_experiment(path).content_hash()
    write_ensemble(tmp_path / "e.toml", rows=[[0.01], [0.03], [0.07]])
    assert load_experiment(path).content_hash() != before


def test_an_ensemble_cannot_be_combined_with_a_design(tmp_path):
    write_ensemble(tmp_path / "e.toml")
    body = (
        '[design]\nkind = "lhs"\nsamples = 2\n\n[[factors]]\nname = "decision.temperature"\n'
        "bounds = [0.01, 0.05]\n"
    )
    path = write_experiment(tmp_path, body, top='ensemble = "e.toml"')
    with pytest.raises(ExperimentError, match="drop the design"):
        load_experiment(path)


def test_parameters_that_do_not_fit_the_scenario_are_refused(tmp_path):
    write_ensemble(tmp_path / "e.toml", rows=[[-1.0]], parameters=("decision.inertia",))
    path = write_experiment(tmp_path, "", top='ensemble = "e.toml"')
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert "ensemble" in str(info.value) and "decision.inertia" in str(info.value)


# ---- the two-level interval ----------------------------------------------------------------
def synthetic(member_sd, members=20, per_member=5, effect=0.5, noise=1.0, seed=0):
    """Paired runs over an ensemble: member m's true effect is effect + N(0, member_sd)."""
    rng = np.random.default_rng(seed)
    own = effect + rng.normal(0, member_sd, members)
    rows = []
    for r in range(members * per_member):
        m = r % members
        level = rng.normal(0, 3)
        for arm, shift in (("baseline", 0.0), ("policy", own[m])):
            y = level + shift + rng.normal(0, noise)
            rows.append({"arm": arm, "point": 0, "replication": r, "seed": r, "member": m, "y": y})
    return pd.DataFrame(rows)


def width(row):
    return row["ci_high"] - row["ci_low"]


def test_the_interval_widens_when_parameter_uncertainty_is_added_to_seed_noise():
    seeds_only = compare_arms(synthetic(0.0), "baseline", ["y"]).iloc[0]
    with_parameters = compare_arms(synthetic(1.5), "baseline", ["y"]).iloc[0]
    assert width(with_parameters) > 1.5 * width(seeds_only)
    # ignoring the members (one level) understates it
    flat = compare_arms(synthetic(1.5).drop(columns="member"), "baseline", ["y"]).iloc[0]
    assert width(with_parameters) > 1.3 * width(flat)


def test_the_two_level_interval_covers_the_ensemble_mean_about_95_percent():
    covered = []
    for s in range(80):
        df = synthetic(1.0, members=15, per_member=4, seed=s)
        own = df[df.arm == "policy"].groupby("member")["y"].size()  # all members present
        assert len(own) == 15
        row = compare_arms(df, "baseline", ["y"], n_boot=1000, seed=s).iloc[0]
        covered.append(row.ci_low <= 0.5 <= row.ci_high)
    assert 0.82 <= np.mean(covered) <= 1.0  # the population of members has mean 0.5


def test_robust_share_counts_members_that_agree_on_the_sign():
    agree = compare_arms(synthetic(0.0, effect=3.0), "baseline", ["y"]).iloc[0]
    assert agree["robust_share"] == 1.0 and agree["robust"] and agree["members"] == 20
    split = compare_arms(synthetic(3.0, effect=0.0, noise=0.01), "baseline", ["y"]).iloc[0]
    assert 0.2 < split["robust_share"] < 0.8 and not split["robust"]
    assert "robust_share" in format_comparison(pd.DataFrame([agree]))


def test_unequal_members_weigh_by_their_pairs():
    df = synthetic(0.0, noise=0.0, effect=1.0)
    df = df[~((df["member"] == 0) & (df["replication"] >= 20))]  # member 0 keeps one pair
    row = compare_arms(df, "baseline", ["y"]).iloc[0]
    assert row["effect"] == pytest.approx(1.0) and width(row) == pytest.approx(0.0, abs=1e-9)


# ---- the commands --------------------------------------------------------------------------
def test_batch_over_an_ensemble_then_compare_prints_robustness(tmp_path, capsys):
    write_ensemble(tmp_path / "e.toml", rows=[[0.01], [0.05]])
    path = write_experiment(tmp_path, "", replications=4, top='ensemble = "e.toml"')
    assert main(["batch", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    df = load_results(tmp_path / "out")
    assert sorted(df.groupby("replication")["member"].first()) == [0, 0, 1, 1]
    assert main(["compare", str(tmp_path / "out"), "--metrics", "price_ratio"]) == 0
    printed = capsys.readouterr().out
    assert "robust_share" in printed and "members" in printed


def test_a_batch_over_a_stale_ensemble_warns(tmp_path, capsys):
    write_ensemble(tmp_path / "e.toml", code="f" * 64)
    path = write_experiment(
        tmp_path, "", replications=1, extra_arms=False, top='ensemble = "e.toml"'
    )
    assert main(["batch", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert "made by other model code" in capsys.readouterr().err


def test_validate_refuses_a_stale_ensemble(tmp_path, capsys):
    from tests.conftest import ROOT

    write_ensemble(tmp_path / "e.toml", code="f" * 64)
    out = tmp_path / "val"
    scenario = ROOT / "scenarios" / "deepseek_cascade.toml"
    code = main(
        ["validate", str(scenario), "--ensemble", str(tmp_path / "e.toml"), "--out", str(out)]
    )
    assert code != 0
    err = capsys.readouterr().err
    assert "model_code_hash" in err and "rerun its calibration" in err
    assert not out.exists()


def test_an_effect_of_exactly_zero_has_no_sign_to_hold():
    df = synthetic(1.0, effect=0.0, noise=0.0)
    # make the members' effects cancel exactly: member m and member m + 10 opposite
    policy = df["arm"] == "policy"
    base = df.loc[~policy, "y"].to_numpy()
    own = np.where(df.loc[policy, "member"] < 10, 1.0, -1.0)
    df.loc[policy, "y"] = base + own
    row = compare_arms(df, "baseline", ["y"]).iloc[0]
    assert row["effect"] == 0.0 and np.isnan(row["robust_share"]) and not row["robust"]
