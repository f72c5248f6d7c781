"""`openness calibrate` on the project's model at a tiny size, and its refusals."""

from __future__ import annotations

import pandas as pd

from openness.cli import main
from tests.conftest import ROOT

TINY = f"""
name = "tiny"
scenario = "{ROOT}/scenarios/deepseek_cascade.toml"
seed = 5
[overrides]
"simulation.developers" = 2000
"simulation.enterprises" = 300
"simulation.months" = 14
[[arms]]
name = "cascade"
[[parameters]]
key = "world.spillover_open"
low = 0.02
high = 0.25
source = "the test's prior"
[[parameters]]
key = "decision.temperature"
low = 0.005
high = 0.1
scale = "log"
source = "the test's prior"
[[summaries]]
id = "price_ratio"
arm = "cascade"
metric = "price_ratio"
window = ["2024-10", "2025-02"]
transform = "log"
observed = 3.0
observation_sd = 0.3
discrepancy_sd = 0.1
source = "the test's observation"
[[summaries]]
id = "openai_open"
arm = "cascade"
metric = "open_capability"
lab = "Meta"
window = ["2024-06", "2024-12"]
observed = 25.5
observation_sd = 0.5
source = "the test's observation"
[waves]
points = 5
replications = 2
max_waves = 1
candidates = 500
[ensemble]
members = 2
draw = 3
seeds = 2
file = "tiny_ensemble.toml"
"""


def test_calibrate_runs_its_waves_on_the_model_and_writes_its_report(tmp_path, capsys):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "1 waves" in said and "report.md" in said
    table = pd.read_parquet(out / "wave-1.parquet")
    assert len(table) == 5 and table["n:price_ratio"].eq(2).all()
    assert table["world.spillover_open"].between(0.02, 0.25).all()
    assert table["mean:openai_open"].notna().all()
    report = (out / "report.md").read_text()
    assert "| 1 | 5 | 10 |" in report and "`decision.temperature`" in report
    assert "## What each summary says" in report and "## Ensemble" in report
    if "ensemble of" in said:  # something was left and confirmed: the file is written
        from openness.scenario.ensemble import load_ensemble

        ensemble = load_ensemble(tmp_path / "tiny_ensemble.toml")
        assert ensemble.current and 1 <= len(ensemble.members) <= 2
    # the same command again resumes: nothing is rerun, the report is the same
    assert main(["calibrate", str(path), "--out", str(out), "--quiet"]) == 0
    assert (out / "report.md").read_text() == report


def test_a_bad_calibration_file_is_refused_with_every_problem(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(
        TINY.replace("low = 0.02", "low = 0.3").replace('arm = "cascade"', 'arm = "nope"', 1)
        + "\nunknown = 1\n"
    )
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "unknown" in err
    assert not (tmp_path / "out").exists()


def test_waves_run_by_other_model_code_are_reported(tmp_path, capsys):
    import json

    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    record = json.loads((out / "wave-1.json").read_text())
    assert record["provenance"]["git_commit"] is None or record["provenance"]["git_commit"]
    record["provenance"]["model_code_hash"] = "0" * 64
    (out / "wave-1.json").write_text(json.dumps(record))
    assert main(["calibrate", str(path), "--out", str(out), "--quiet"]) == 0
    assert "wave(s) 1 were run by other model code" in capsys.readouterr().err


def test_the_committed_wave_state_renders_the_committed_report(tmp_path, capsys):
    """The project's calibration resumes from its committed state without a run."""
    import shutil

    state = ROOT / "calibration" / "cascade_history"
    out = tmp_path / "cascade_history"
    shutil.copytree(state, out, ignore=shutil.ignore_patterns("wave-*[0-9]"))  # no batches
    calibration = ROOT / "calibration" / "cascade_history.toml"
    assert main(["calibrate", str(calibration), "--out", str(out), "--workers", "1"]) == 0
    said = capsys.readouterr()
    assert "0.0%; nothing is left non-implausible" in said.out
    assert not (out / "wave-2").exists() and not (out / "confirm").exists()
    assert (out / "report.md").read_text() == (state / "report.md").read_text()
