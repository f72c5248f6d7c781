"""experiments/policy_screening.py on a tiny Morris batch of the model."""

from openness.cli import main
from tests.conftest import ROOT
from tests.experiments.helpers import experiment_script

TINY = f"""
name = "tiny_screening"
scenario = "{ROOT}/scenarios/baseline.toml"
seed = 3
replications = 2
[overrides]
"simulation.developers" = 2000
"simulation.enterprises" = 300
"simulation.months" = 14
[design]
kind = "morris"
samples = 2
[[factors]]
name = "decision.temperature"
bounds = [0.005, 0.1]
scale = "log"
[[factors]]
name = "world.third_party_markup"
bounds = [0.2, 1.0]
[[arms]]
name = "baseline"
[[arms]]
name = "open_funding"
scenario = "{ROOT}/scenarios/policies/open_funding.toml"
[outputs]
metrics = ["n_frontier_open", "price_ratio"]
months = ["2024-12", "2025-02"]
"""


def test_the_screening_report_gives_signs_drivers_and_regions(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    script = experiment_script("policy_screening")
    assert script.main(["--results", str(out), "--out", str(tmp_path / "s.md")]) == 0
    text = (tmp_path / "s.md").read_text()
    assert "6 parameter sets of the prior" in text  # 2 trajectories x (2 factors + 1)
    assert "| policy | metric | month | baseline | effect |" in text
    assert "## What drives each effect (Morris)" in text and "## Where an effect holds" in text
    # effects are paired by point and replication, with the points as the outer level
    from openness.experiments import load_results

    table = script.effects(load_results(out), "baseline", ["price_ratio", "n_frontier_open"])
    assert set(table["members"]) == {6} and set(table["pairs"]) == {12}
