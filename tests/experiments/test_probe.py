"""experiments/probe.py on a tiny Latin-hypercube batch of the model."""

from openness.cli import main
from tests.conftest import ROOT
from tests.experiments.helpers import experiment_script

TINY = f"""
name = "tiny_probe"
scenario = "{ROOT}/scenarios/deepseek_cascade.toml"
seed = 3
replications = 1
[overrides]
"simulation.developers" = 2000
"simulation.enterprises" = 300
"simulation.months" = 12
[design]
kind = "lhs"
samples = 4
[[factors]]
name = "enterprises.selfhost_fixed"
bounds = [0.002, 0.5]
scale = "log"
[[factors]]
name = "enterprises.switch_cost"
bounds = [0.0, 3.0]
[outputs]
metrics = ["ent_open_share_tokens"]
months = ["2024-09", "2024-10", "2024-11"]
"""


def test_a_probe_reports_the_range_the_closest_point_and_correlations(tmp_path, monkeypatch):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    script = experiment_script("probe")
    windows = [("2024-Q4", "2024-09", "2024-11", 0.19)]
    monkeypatch.setitem(script.PROBES, "tiny", ("ent_open_share_tokens", "{:.1%}", windows))
    text = script.render("tiny", out)
    assert "4 design points, 1 seed(s) each" in text
    assert "| 2024-Q4 | 19.0% |" in text and "Closest to the evidence in 2024-Q4" in text
    assert "| `enterprises.selfhost_fixed` |" in text and "| `enterprises.switch_cost` |" in text
