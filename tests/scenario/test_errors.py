"""Bad input: one paragraph naming file, field and what is allowed; exit 2; nothing written."""

import pytest

from openness.cli import main
from tests.conftest import BASELINE

CASES = {
    "toml_syntax": ('name = "x"\n[simulation\nmonths = 3\n', "not valid TOML", None),
    "unknown_key": ('extends = "{base}"\nname = "x"\n[simulation]\nmonthz = 3\n',
                    "unknown key; allowed keys here:", "simulation.monthz"),
    "wrong_type": ('extends = "{base}"\nname = "x"\n[decision]\nreview_months = "often"\n',
                   "valid integer", "decision.review_months"),
    "out_of_range": ('extends = "{base}"\nname = "x"\n[world]\nspillover_open = 1.5\n',
                     "less than or equal to 1", "world.spillover_open"),
    "unknown_lab": ('extends = "{base}"\nname = "x"\n[[events]]\nmonth = "2025-01"\n'
                    'kind = "efficiency"\nlab = "Nobody"\nfactor = 10\n',
                    "unknown lab 'Nobody'", None),
    "bad_month": ('extends = "{base}"\nname = "x"\n[simulation]\nstart = "2024-13"\n',
                  "YYYY-MM", "simulation.start"),
    "bad_strategy": ('extends = "{base}"\nname = "x"\n[[labs]]\nname = "OpenAI"\n'
                     'strategy = "secret"\n', "'closed', 'hybrid' or 'open'",
                     "labs[0].strategy"),
    "missing_parent": ('extends = "nowhere.toml"\nname = "x"\n', "does not exist", "extends"),
    "elasticity_without_reference": ('name = "x"\n[world]\nusage_price_elasticity = 1\n',
                                     "set world.reference_price", "world"),
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
    assert "labs[3].capitl" in err and "capital" in err and "safety_weight" in err


@pytest.mark.parametrize("args,flag", [(["--months", "0"], "--months"),
                                       (["--developers", "many"], "--developers"),
                                       (["--seed", "-3"], "--seed")])
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
