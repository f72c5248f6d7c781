import json

import pandas as pd

from openness.cli import main
from openness.outputs.tables import read_run
from tests.conftest import BASELINE

SMALL = ["--developers", "2000", "--enterprises", "400", "--months", "14"]


def test_run_writes_tables_summary_and_figure(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), "--seed", "3", "--out", str(out), *SMALL]) == 0
    printed = capsys.readouterr().out
    assert "scenario 'baseline' seed 3" in printed and "open share of developers" in printed
    tables, summary = read_run(out)
    assert set(tables) == {"world", "labs", "decisions", "events"}
    assert len(tables["world"]) == 14
    assert tables["world"]["month"].iloc[0] == pd.Timestamp("2024-01-01")
    assert tables["world"]["month"].iloc[-1] == pd.Timestamp("2025-02-01")
    assert summary["seed"] == 3 and len(summary["scenario_hash"]) == 64
    assert summary["package_version"] and summary["months"] == 14
    assert summary["final"]["dev_adoption"] == tables["world"]["dev_adoption"].iloc[-1]
    png = (out / "adoption.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_parquet_carries_provenance(tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "run"
    main(["run", str(BASELINE), "--seed", "4", "--out", str(out), "--quiet", *SMALL])
    meta = json.loads(pq.read_schema(out / "world.parquet").metadata[b"openness"])
    assert meta["seed"] == 4 and meta["scenario"] == "baseline" and meta["scenario_hash"]


def test_rerun_replaces_a_directory_openness_wrote_and_nothing_else(tmp_path, capsys):
    out = tmp_path / "run"
    main(["run", str(BASELINE), "--seed", "4", "--out", str(out), "--quiet", *SMALL])
    main(["run", str(BASELINE), "--seed", "5", "--out", str(out), "--quiet", *SMALL])
    assert json.loads((out / "summary.json").read_text())["seed"] == 5
    (out / "notes.txt").write_text("mine")  # a file of the user's, put in the results
    assert main(["run", str(BASELINE), "--seed", "6", "--out", str(out), "--quiet", *SMALL]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"
    assert json.loads((out / "summary.json").read_text())["seed"] == 5


def test_describe_prints_the_resolved_configuration(capsys):
    assert main(["describe", str(BASELINE)]) == 0
    resolved = json.loads(capsys.readouterr().out)
    assert resolved["name"] == "baseline" and len(resolved["content_hash"]) == 64
    assert resolved["simulation"]["start"] == "2024-01"
    assert any(lab["name"] == "Anthropic" for lab in resolved["labs"])


def test_the_experiments_package_names_each_public_name_once():
    import openness.experiments as experiments

    assert sorted(experiments.__all__) == sorted(experiments._HOMES)
    for name in experiments.__all__:
        assert getattr(experiments, name).__name__ == name
