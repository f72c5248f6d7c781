"""Pattern targets: each kind of condition on synthetic results, and the command end to end."""

import tomllib

import numpy as np
import pandas as pd
import pytest

from openness.cli import main
from openness.experiments.validation import Ensemble, evaluate
from openness.scenario import load_scenario
from openness.scenario.schema import Target
from tests.conftest import BASELINE, ROOT

MONTHS = pd.date_range("2024-01-01", periods=6, freq="MS")


def ensemble(n_seeds=10):
    """World and lab tables of `n_seeds` replications with values set by hand."""
    world, labs = [], []
    for arm, offset in (("main", 0.0), ("versus0", 1.0)):
        for r in range(n_seeds):
            for t, month in enumerate(MONTHS):
                world.append(
                    {
                        "arm": arm,
                        "replication": r,
                        "month": month,
                        "price_ratio": 10.0 + t + r + offset,
                        "going_rate": 2.0 + r,
                    }
                )
                strategy = "hybrid" if (t >= 3 and r < 7) else "closed"
                labs.append(
                    {"arm": arm, "replication": r, "month": month, "lab": "A", "strategy": strategy}
                )
                labs.append(
                    {
                        "arm": arm,
                        "replication": r,
                        "month": month,
                        "lab": "B",
                        "strategy": "open" if t == 5 else "closed",
                    }
                )
    return Ensemble(
        pd.DataFrame(world), pd.DataFrame(labs), "main", "2024-01", {"other.toml": "versus0"}
    )


def verdicts(*targets):
    scenario = load_scenario(BASELINE).model_copy(update={"targets": list(targets)})
    return evaluate(scenario, ensemble()).set_index("id")


def target(**kw):
    return Target.model_validate(kw)


def test_each_kind_of_condition():
    table = verdicts(
        # price_ratio at 2024-03 = 12 + r: seeds 0..3 are in [12, 15]
        target(
            id="between", metric="price_ratio", month="2024-03", range=[12, 15], share_of_seeds=0.4
        ),
        target(
            id="between-strict",
            metric="price_ratio",
            month="2024-03",
            range=[12, 15],
            share_of_seeds=0.5,
        ),
        target(
            id="median",
            metric="price_ratio",
            month="2024-03",
            comparison="median_between",
            range=[16, 17],
        ),
        target(
            id="window",
            metric="price_ratio",
            window=["2024-01", "2024-06"],
            comparison="le",
            value=20,
            share_of_seeds=0.5,
        ),
        target(
            id="since",
            metric="price_ratio",
            month="2024-06",
            since="2024-01",
            comparison="eq",
            value=5,
            share_of_seeds=1.0,
        ),
        target(
            id="versus",
            metric="price_ratio",
            month="2024-02",
            versus="other.toml",
            comparison="lt",
            value=0,
            share_of_seeds=1.0,
        ),
        target(
            id="first-open",
            metric="first_open_month",
            lab="A",
            window=["2024-04", "2024-04"],
            share_of_seeds=0.7,
        ),
        target(
            id="closed-through",
            metric="frontier_closed_through",
            lab="B",
            month="2024-05",
            comparison="eq",
            value=1,
            share_of_seeds=1.0,
        ),
        target(
            id="closed-through-late",
            metric="frontier_closed_through",
            lab="B",
            month="2024-06",
            comparison="eq",
            value=1,
            share_of_seeds=0.1,
        ),
        target(
            id="strategy",
            metric="strategy_is",
            lab="A",
            equals="hybrid",
            month="2024-06",
            comparison="eq",
            value=1,
            share_of_seeds=0.7,
        ),
        target(
            id="count",
            metric="labs_frontier_closed",
            labs=["A", "B"],
            month="2024-06",
            comparison="ge",
            value=1,
            share_of_seeds=1.0,
        ),
    )
    assert table.loc["between", "share_passing"] == pytest.approx(0.4)
    assert table.loc["between", "verdict"] == "pass"
    assert table.loc["between-strict", "verdict"] == "FAIL"
    assert table.loc["median", "median"] == pytest.approx(16.5)
    assert table.loc["median", "verdict"] == "pass"
    assert table.loc["window", "share_passing"] == pytest.approx(0.6)  # 15 + r <= 20: r <= 5
    assert table.loc["since", "verdict"] == "pass"
    assert table.loc["versus", "median"] == pytest.approx(-1.0)
    assert table.loc["first-open", "share_passing"] == pytest.approx(0.7)
    assert table.loc["first-open", "never_observed"] == 3
    assert table.loc["closed-through", "verdict"] == "pass"
    assert table.loc["closed-through-late", "verdict"] == "FAIL"
    assert table.loc["strategy", "share_passing"] == pytest.approx(0.7)
    assert table.loc["count", "median"] == pytest.approx(1.0)  # A hybrid counts as closed frontier
    passed = table["verdict"] == "pass"
    assert (table.loc[passed, "distance"] == 0).all()
    assert (table.loc[~passed, "distance"] > 0).all()
    # seeds 4-9 lie (16..21 - 15) / 3 widths above [12, 15]; half the seeds are within d = 1/3
    # of it, reported as d / (1 + d)
    assert table.loc["between-strict", "distance"] == pytest.approx(0.25)
    assert table.loc["closed-through-late", "distance"] == pytest.approx(0.5)  # d = 1


def test_minus_subtracts_another_world_metric_of_the_same_run_and_month():
    table = verdicts(
        # price_ratio - going_rate at 2024-03 = (12 + r) - (2 + r) = 10 in every seed
        target(
            id="minus",
            metric="price_ratio",
            minus="going_rate",
            month="2024-03",
            comparison="eq",
            value=10,
            share_of_seeds=1.0,
        ),
        # and it composes with versus: (10 + 0) - (10 + 1) in the other arm's same seed
        target(
            id="minus-versus",
            metric="price_ratio",
            minus="going_rate",
            month="2024-03",
            versus="other.toml",
            comparison="eq",
            value=-1,
            share_of_seeds=1.0,
        ),
    )
    assert table.loc["minus", "verdict"] == "pass"
    assert table.loc["minus-versus", "median"] == pytest.approx(-1.0)
    assert "price_ratio - going_rate" in table.loc["minus", "target"]
    with pytest.raises(ValueError, match="'minus' works on world metrics"):
        target(
            id="x",
            metric="strategy_is",
            lab="A",
            equals="open",
            minus="going_rate",
            month="2024-01",
            comparison="eq",
            value=1,
        )


def test_an_unknown_target_metric_or_lab_is_refused_when_the_scenario_loads(tmp_path, capsys):
    for field, line, says in (
        ("metric", 'metric = "no_such_metric"', "field 'targets[0].metric'"),
        ("minus", 'metric = "price_ratio"\nminus = "nothing"', "field 'targets[0].minus'"),
        ("lab", 'metric = "strategy_is"\nlab = "Nobody"\nequals = "open"', "unknown lab 'Nobody'"),
    ):
        path = tmp_path / f"{field}.toml"
        path.write_text(
            f'extends = "{BASELINE.as_posix()}"\nname = "bad"\n[[targets]]\n'
            f'id = "X"\n{line}\nmonth = "2024-03"\ncomparison = "ge"\nvalue = 0\n'
        )
        out = tmp_path / f"out_{field}"
        assert main(["validate", str(path), "--seeds", "2", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert str(path) in err and says in err
        assert not out.exists()  # refused before any run: nothing left behind


def test_distance_moves_before_the_share_passing_does():
    """A seed coming closer to the interval without entering it lowers a failing target's
    distance and leaves its share unchanged: what a local search needs to see."""
    strict = target(
        id="t", metric="price_ratio", month="2024-03", range=[12, 15], share_of_seeds=0.5
    )
    scenario = load_scenario(BASELINE).model_copy(update={"targets": [strict]})
    rows = []
    for shift in (0.0, -0.5):
        ens = ensemble()
        above = ens.world["price_ratio"] > 15
        ens.world.loc[above, "price_ratio"] += shift  # the seeds above come closer
        rows.append(evaluate(scenario, ens).iloc[0])
    assert rows[0]["share_passing"] == rows[1]["share_passing"] == pytest.approx(0.4)
    assert rows[1]["distance"] == pytest.approx((1 / 6) / (1 + 1 / 6))
    assert rows[1]["distance"] < rows[0]["distance"]


def test_first_open_month_versus_counts_never_as_later():
    """Paired first-open months: a lab that never opens in the other arm opened later there
    (a pass for `gt 0`); one that opens in neither gives no evidence (NaN, never passes)."""
    ens = ensemble()
    labs = ens.labs.copy()
    never_there = (labs["arm"] == "versus0") & (labs["lab"] == "A") & (labs["replication"] < 3)
    labs.loc[never_there, "strategy"] = "closed"
    ens = Ensemble(ens.world, labs, "main", "2024-01", {"other.toml": "versus0"})
    scenario = load_scenario(BASELINE).model_copy(
        update={
            "targets": [
                target(
                    id="later",
                    metric="first_open_month",
                    lab="A",
                    month="2024-06",
                    versus="other.toml",
                    comparison="lt",
                    value=0,
                    share_of_seeds=0.3,
                )
            ]
        }
    )
    row = evaluate(scenario, ens).set_index("id").loc["later"]
    # seeds 0-2: opens here (month 3), never there: 3 - inf < 0; seeds 3-6 the same month;
    # seeds 7-9 open in neither arm
    assert row["share_passing"] == pytest.approx(0.3)
    assert row["verdict"] == "pass"


def test_targets_need_what_their_comparison_uses():
    with pytest.raises(ValueError, match="needs 'range'"):
        target(id="x", metric="price_ratio", month="2024-01", comparison="between")
    with pytest.raises(ValueError, match="needs 'lab'"):
        target(
            id="x", metric="strategy_is", month="2024-01", equals="open", value=1, comparison="eq"
        )
    with pytest.raises(ValueError, match="needs a 'month' or a 'window'"):
        target(id="x", metric="price_ratio", comparison="ge", value=1)


# every scenario file with targets, as `openness validate --all` finds them
WITH_TARGETS = sorted(
    str(p.relative_to(ROOT / "scenarios").with_suffix(""))
    for p in (ROOT / "scenarios").rglob("*.toml")
    if load_scenario(p).targets
)


def test_every_scenario_with_targets_is_validated_here():
    assert {
        "deepseek_cascade",
        "no_shock",
        "consolidation",
        "heldout/deepseek_cascade",
        "heldout/no_shock",
        "heldout/consolidation",
        "heldout/consolidation_open_funding",
        "heldout/eu_gpai",
        "heldout/us_procurement_cn",
    } <= set(WITH_TARGETS)


@pytest.mark.parametrize("name", WITH_TARGETS)
def test_reduced_validation_of_each_scenario_reports_every_target(name, tmp_path, capsys):
    path = ROOT / "scenarios" / f"{name}.toml"
    name = load_scenario(path).name  # the report's folder is named for the scenario
    # the held-out files run only to test the machinery (2 seeds at toy sizes say nothing)
    spend = ["--spend-heldout"] if path.parent.name == "heldout" else []
    code = main(
        [
            "validate",
            str(path),
            *spend,
            "--seeds",
            "2",
            "--developers",
            "2000",
            "--enterprises",
            "300",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    assert code in (0, 4)  # 4: some target failed (2 seeds at toy sizes prove nothing)
    table = pd.read_csv(tmp_path / name / "validation.csv")
    assert list(table["id"]) == [t.id for t in load_scenario(path).targets]
    assert set(table["verdict"]) <= {"pass", "FAIL"}
    assert np.isfinite(table["share_passing"]).all()
    assert (code == 4) == (table["verdict"] == "FAIL").any()
    assert "targets pass" in (tmp_path / name / "validation.md").read_text()
    assert "| id | pattern | target |" in capsys.readouterr().out


def test_validate_refuses_a_scenario_without_targets(capsys):
    assert main(["validate", str(BASELINE)]) == 2
    assert "has no [[targets]]" in capsys.readouterr().err


def test_validate_all_finds_the_projects_scenarios_from_anywhere(tmp_path, monkeypatch):
    from openness.scenario.load import project_scenarios

    monkeypatch.chdir(tmp_path)
    assert project_scenarios() == ROOT / "scenarios"


def test_validate_all_without_scenarios_is_an_error_not_a_pass(tmp_path, monkeypatch, capsys):
    import openness.scenario.load

    monkeypatch.setattr(openness.scenario.load, "project_scenarios", lambda: tmp_path / "scenarios")
    assert main(["validate", "--all"]) == 2
    assert "there is none here" in capsys.readouterr().err


def test_scenario_files_schedule_no_strategy():
    """Events only shock efficiency, capability, costs or capital conditions; no scenario file
    names a lab's strategy anywhere but in the labs' initial state."""
    for path in (ROOT / "scenarios").rglob("*.toml"):
        raw = tomllib.loads(path.read_text())
        for event in raw.get("events", []):
            assert event["kind"] in {"efficiency", "capability", "cost", "capital"}, path
            assert "strategy" not in event, path
        assert {e.kind for e in load_scenario(path).events} <= {
            "efficiency",
            "capability",
            "cost",
            "capital",
        }


# ---- the frozen hold-out ---------------------------------------------------------------------
def _all_targets():
    from openness.scenario import load_scenario

    for path in sorted((ROOT / "scenarios").rglob("*.toml")):
        for target in load_scenario(path).targets:
            yield path, target


def test_the_hold_out_lives_apart_and_spans_the_patterns():
    held = [(p, t) for p, t in _all_targets() if not t.calibration]
    assert all(p.parent.name == "heldout" for p, _ in held)
    assert all(t.calibration for p, t in _all_targets() if p.parent.name != "heldout")
    assert 3 * len(held) >= len(list(_all_targets()))  # at least a third
    patterns = {t.pattern[0] for _, t in held}
    assert {"C", "F", "R", "E"} <= patterns  # the cascade, consolidation, policies, enterprises


def test_looking_at_held_out_targets_needs_the_flag(capsys):
    held = ROOT / "scenarios" / "heldout" / "eu_gpai.toml"
    assert main(["validate", str(held), "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert "--spend-heldout" in err and "spends" in err


def test_validation_looks_only_at_calibration_targets_unless_told():
    from openness.experiments.validation import ensemble_experiment, looked_at
    from openness.scenario import load_scenario

    held = ROOT / "scenarios" / "heldout" / "deepseek_cascade.toml"
    scenario = load_scenario(held)
    assert looked_at(scenario).targets == []
    assert looked_at(scenario, spend_heldout=True).targets == scenario.targets
    # the comparison runs of held-out targets are not even planned without the flag
    loaded, versus = ensemble_experiment(held, 2)
    assert versus == {} and [a.name for a in loaded.spec.arms] == ["main"]
    loaded, versus = ensemble_experiment(held, 2, spend_heldout=True)
    assert list(versus) == ["../no_shock.toml"]


def test_a_target_on_a_lab_metric_the_results_did_not_keep_says_so():
    from openness.experiments.targets import Ensemble, evaluate
    from openness.scenario import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "deepseek_cascade.toml")
    labs = pd.DataFrame(columns=["arm", "replication", "month", "lab", "strategy"])
    world = pd.DataFrame(columns=["arm", "replication", "month"])
    with pytest.raises(ValueError, match="release_trial_share.*did not keep"):
        evaluate(scenario, Ensemble(world, labs, "main", "2024-01", {}))
