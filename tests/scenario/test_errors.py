"""Bad input: one paragraph naming file, field and what is allowed; exit 2; nothing written."""

import pytest

from openness.cli import main
from tests.conftest import BASELINE

CASES = {
    "toml_syntax": ('name = "x"\n[simulation\nmonths = 3\n', "not valid TOML", None),
    "unknown_key": (
        'extends = "{base}"\nname = "x"\n[simulation]\nmonthz = 3\n',
        "unknown key; allowed keys here:",
        "simulation.monthz",
    ),
    "wrong_type": (
        'extends = "{base}"\nname = "x"\n[decision]\nreview_months = "often"\n',
        "valid integer",
        "decision.review_months",
    ),
    "out_of_range": (
        'extends = "{base}"\nname = "x"\n[world]\nspillover_open = 1.5\n',
        "less than or equal to 1",
        "world.spillover_open",
    ),
    "unknown_lab": (
        'extends = "{base}"\nname = "x"\n[[events]]\nmonth = "2025-01"\n'
        'kind = "efficiency"\nlab = "Nobody"\nfactor = 10\n',
        "unknown lab 'Nobody'",
        None,
    ),
    "bad_month": (
        'extends = "{base}"\nname = "x"\n[simulation]\nstart = "2024-13"\n',
        "YYYY-MM",
        "simulation.start",
    ),
    "bad_strategy": (
        'extends = "{base}"\nname = "x"\n[[labs]]\nname = "OpenAI"\nstrategy = "secret"\n',
        "'closed', 'hybrid' or 'open'",
        "labs[0].strategy",
    ),
    "missing_parent": ('extends = "nowhere.toml"\nname = "x"\n', "does not exist", "extends"),
    "elasticity_without_reference": (
        'name = "x"\n[world]\nusage_price_elasticity = 1\n',
        "set world.reference_price",
        "world",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_scenario_exits_2_with_one_paragraph(case, tmp_path, capsys):
    text, message, field = CASES[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text.replace("{base}", str(BASELINE)))
    out = tmp_path / "out"
    code = main(["run", str(path), "--out", str(out), "--months", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("openness: error: Scenario file ")
    if "{base}" in text:  # one problem: one line
        assert err.count("\n") == 1
    assert str(path) in err and message in err
    if field:
        assert f"field '{field}'" in err
    assert not out.exists()
    assert not any(p.name.startswith(".out") for p in tmp_path.iterdir())


def test_extends_cycle_is_reported(tmp_path, capsys):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\nname = "a"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\nname = "b"\n')
    assert main(["describe", str(tmp_path / "a.toml")]) == 2
    err = capsys.readouterr().err
    assert "field 'extends'" in err and "cycle" in err and "a.toml -> b.toml -> a.toml" in err


def test_unknown_key_lists_the_allowed_keys(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "x"\n[[labs]]\nname = "Meta"\ncapitl = 1\n')
    assert main(["describe", str(path)]) == 2
    err = capsys.readouterr().err
    assert "labs[3].capitl" in err and "capital" in err and "stance" in err


@pytest.mark.parametrize(
    "args,flag",
    [
        (["--months", "0"], "--months"),
        (["--developers", "many"], "--developers"),
        (["--seed", "-3"], "--seed"),
    ],
)
def test_bad_cli_arguments_exit_2(args, flag, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", str(BASELINE), "--out", str(tmp_path / "o"), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert flag in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_override_out_of_range_names_the_flag(tmp_path, capsys):
    assert main(["run", str(BASELINE), "--developers", "5", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "simulation.developers" in err and "--developers" in err


def test_every_problem_is_listed_with_its_full_field_path(tmp_path):
    from openness.scenario import ScenarioError, load_scenario

    path = tmp_path / "many.toml"
    path.write_text(
        f'extends = "{BASELINE}"\nname = "x"\n[world]\nspilover_open = 0.2\n'
        'flop_cost_decline_per_year = 1.0\n[[labs]]\nname = "OpenAI"\n'
        "capital = -1\ncapability = 19\nefficiency = inf\n[[labs]]\n"
        'name = "Google"\ncost = 3\n'
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    fields = [field for _, field, _ in info.value.problems]
    # 'capital', 'capability', 'efficiency' and 'cost' are also union tags: never dropped
    assert sorted(fields) == sorted(
        [
            "world.spilover_open",
            "world.flop_cost_decline_per_year",
            "labs[0].capital",
            "labs[0].capability",
            "labs[0].efficiency",
            "labs[2].cost",
        ]
    )
    text = str(info.value)
    assert "6 problems" in text and "finite number" in text and "unknown key" in text


def test_at_most_twenty_problems_are_listed(tmp_path):
    from openness.scenario import ScenarioError, load_scenario

    body = "".join(f"unknown_{i} = 1\n" for i in range(30))
    path = tmp_path / "lots.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "x"\n[world]\n{body}')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.problems) == 21 and "10 more problem(s)" in str(info.value)


def test_an_error_inherited_from_a_parent_names_the_parent(tmp_path):
    from openness.scenario import ScenarioError, load_scenario

    parent = tmp_path / "parent.toml"
    parent.write_text(f'extends = "{BASELINE}"\nname = "parent"\n[decision]\ninertia = -1\n')
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\nname = "child"\n[world]\nspillover_open = 2\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    owners = {field: file for file, field, _ in info.value.problems}
    assert owners == {"decision.inertia": str(parent.resolve()), "world.spillover_open": str(child)}
    assert f"(in {parent.resolve()})" in str(info.value)


@pytest.mark.parametrize(
    "text,says",
    [
        ('[simulation]\nstart = "0000-01"', "years 1950-2200"),
        (
            '[[events]]\nmonth = "2031-01"\nkind = "capital"\ncondition = 1.0',
            "after the last simulated month",
        ),
        ('[[events]]\nmonth = "2023-06"\nkind = "capital"\ncondition = 1.0', "before the start"),
        (
            '[[regulators]]\nname = "EU"\n[[regulators.policies]]\nkind = "open_funding"\n'
            'monthly_budget = 1\nstart = "2026-01"\nend = "2025-01"',
            "is not after its start",
        ),
        (
            '[[regulators]]\nname = "EU"\n[[regulators.policies]]\nkind = "open_funding"\n'
            'monthly_budget = 1\nstart = "2020-01"\nend = "2021-01"',
            "before the simulated window",
        ),
        (
            "[enterprises.jurisdiction_weights]\nUS = 0\nEU = 0\nCN = 0\nother = 0",
            "add up to more than 0",
        ),
        ("[world]\ninference_cost_decline_per_year = 1.0", "less than 1"),
        ('[[labs]]\nname = "OpenAI"\ncapital = nan', "finite number"),
    ],
)
def test_what_cannot_be_simulated_is_refused(text, says, tmp_path):
    from openness.scenario import ScenarioError, load_scenario

    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "x"\n{text}\n')
    with pytest.raises(ScenarioError, match=says):
        load_scenario(path)


def test_a_shortened_run_warns_and_records_what_it_leaves_out(tmp_path, capsys):
    import json

    cascade = BASELINE.parent / "deepseek_cascade.toml"
    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                str(cascade),
                "--months",
                "6",
                "--developers",
                "100",
                "--enterprises",
                "20",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "warning: not simulated" in err and "events[" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["not_simulated"] and all("after the last" in s for s in summary["not_simulated"])
    import pandas as pd

    events = pd.read_parquet(out / "events.parquet")
    assert (events["month"] < pd.Timestamp("2024-07-01")).all()


def test_extends_chains_are_bounded(tmp_path):
    from openness.scenario import ScenarioError, load_scenario

    previous = BASELINE
    for i in range(10):
        path = tmp_path / f"s{i}.toml"
        path.write_text(f'extends = "{previous}"\nname = "s{i}"\n')
        previous = path
    with pytest.raises(ScenarioError, match="deeper than 8"):
        load_scenario(previous)


def test_a_removed_field_names_its_version_and_its_replacement(tmp_path, monkeypatch):
    from openness.scenario import ScenarioError, load_scenario, schema

    monkeypatch.setitem(
        schema.REMOVED_FIELDS,
        "decision.old_weight",
        (2, "use decision.new_weight ($ per developer-month)"),
    )
    monkeypatch.setitem(
        schema.REMOVED_FIELDS, "labs[].old_stance", (2, "use labs[].stance (a category)")
    )
    path = tmp_path / "old.toml"
    path.write_text(
        f'extends = "{BASELINE}"\nname = "x"\n[decision]\nold_weight = 1\n'
        '[[labs]]\nname = "OpenAI"\nold_stance = 3\n'
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "field 'decision.old_weight'" in text and "removed in schema version 2" in text
    assert "use decision.new_weight" in text and "use labs[].stance" in text
    assert "unknown key" not in text


def test_the_former_two_workload_keys_name_the_workloads_table(tmp_path):
    from openness.scenario import ScenarioError, load_scenario

    path = tmp_path / "old.toml"
    path.write_text(
        f'extends = "{BASELINE}"\nname = "x"\n[enterprises]\ncomplex_share_zero = 0.1\n'
        "alpha_cost_commodity = 0.2\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert (
        "'enterprises.complex_share_zero'" in text and "'enterprises.alpha_cost_commodity'" in text
    )
    assert text.count("[[enterprises.workloads]]") == 2 and "unknown key" not in text


def test_the_former_lab_payoff_keys_name_the_valuation_and_the_stance(tmp_path):
    from openness.scenario import ScenarioError, load_scenario

    path = tmp_path / "old.toml"
    path.write_text(
        f'extends = "{BASELINE}"\nname = "x"\n[decision]\necosystem_value = 149.3\n'
        'capital_pressure = 7.0\n[[labs]]\nname = "Anthropic"\nsafety_weight = 4.2\n'
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "'decision.ecosystem_value'" in text and "horizon_months" in text
    assert "'decision.capital_pressure'" in text and "discount_rate" in text
    assert "safety_weight" in text and "labs[].stance" in text
    assert "removed in schema version 3" in text and "unknown key" not in text


def test_a_file_for_a_newer_schema_is_refused(tmp_path):
    from openness.scenario import ScenarioError, load_scenario
    from openness.scenario.schema import SCHEMA_VERSION

    path = tmp_path / "new.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "x"\nschema_version = {SCHEMA_VERSION + 1}\n')
    with pytest.raises(ScenarioError, match="schema_version"):
        load_scenario(path)
