"""The benchmark command runs (tiny sizes); its timings are never asserted."""

import importlib.util
import json

from tests.conftest import ROOT


def test_benchmark_command_runs_on_tiny_sizes(tmp_path):
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "bench.json"
    report = bench.main(["--quick", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    assert report["developer_kernel"][0]["step_ns_per_agent"] > 0
    assert report["baseline_runs"][0]["months"] == 6
