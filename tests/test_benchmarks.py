"""The benchmark command runs (tiny sizes); its timings are never asserted."""

import importlib.util
import json

from tests.conftest import ROOT


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_command_runs_on_tiny_sizes(tmp_path):
    bench = load("run")
    out = tmp_path / "bench.json"
    report = bench.main(["--quick", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    assert report["developer_kernel"][0]["step_ns_per_agent"] > 0
    assert report["baseline_runs"][0]["months"] == 6


def test_batch_benchmark_runs_on_tiny_sizes(tmp_path):
    out = tmp_path / "batch.json"
    report = load("batch").main(["--quick", "--out", str(out)])
    assert json.loads(out.read_text())["memory"]["runs"] == 6
    assert [row["workers"] for row in report["throughput"]] == [1, 2]
    assert report["memory"]["peak_rss_mb"] > 0
