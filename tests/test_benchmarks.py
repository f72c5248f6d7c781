"""The benchmark command runs (tiny sizes); its timings are never asserted."""

import importlib
import json


def load(name):
    """A benchmark script, imported as the ordinary module it also is."""
    return importlib.import_module(f"benchmarks.{name}")


def test_benchmark_suite_runs_on_tiny_sizes(tmp_path):
    bench = load("run")
    out = tmp_path / "bench.json"
    report = bench.main(["--quick", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    assert set(bench.SECTIONS) <= set(report)
    kernel = report["kernels"][0]
    assert kernel["developer_step_ns"] > 0 and kernel["floor_ns"] > 0
    assert kernel["developer_over_floor"] == kernel["developer_step_ns"] / kernel["floor_ns"]
    assert report["classic"][0]["speedup_1t"] > 0
    assert report["runs"][0]["months"] == 6
    assert [r["cache"] for r in report["startup"]] == ["cold cache", "warm cache"]
    assert [r["workers"] for r in report["batch"]["throughput"]] == [1, 2]


def test_classic_mesa_model_follows_the_kernel_rule():
    """The classic-Mesa developers choose from the same distribution as the kernel: with every
    developer choosing once from a fresh start, the shares of each offer agree."""
    import numpy as np

    from openness.kernels import developer_step
    from openness.kernels.rng import seed_key

    kernels, classic = load("kernels"), load("classic_mesa")
    n = 20_000
    state = kernels.developer_state(n)
    state["offer"][:] = -1
    state["adopt_prob"][:] = 1.0
    mesa_model = classic.ClassicDevelopers(state, seed=3)
    mesa_model.step()
    fast = {k: v.copy() for k, v in state.items()}
    developer_step(*fast.values(), seed_key(3), seed_key(3), np.int64(0))
    m = state["exp_util"].shape[1]
    a = np.bincount(mesa_model.offers(), minlength=m) / n
    b = np.bincount(fast["offer"], minlength=m) / n
    expected = state["exp_util"] / state["exp_util"].sum(axis=1, keepdims=True)
    expected = np.bincount(state["segment"], minlength=3) @ expected / n
    sigma = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(a - expected) < 5 * sigma + 1e-12)
    assert np.all(np.abs(b - expected) < 5 * sigma + 1e-12)
    # both keep their tastes: at the same utilities a second review leaves every family
    mesa_model.review_prob[:] = 1.0
    fast["review_prob"][:] = 1.0
    families = state["family_of"]
    before_mesa, before_fast = families[mesa_model.offers()], families[fast["offer"]]
    mesa_model.step()
    developer_step(*fast.values(), seed_key(3), seed_key(3), np.int64(1))
    assert (families[mesa_model.offers()] == before_mesa).all()
    assert (families[fast["offer"]] == before_fast).all()


def test_batch_benchmark_runs_on_tiny_sizes(tmp_path):
    out = tmp_path / "batch.json"
    report = load("batch").main(["--quick", "--out", str(out)])
    assert json.loads(out.read_text())["memory"]["runs"] == 6
    assert [row["workers"] for row in report["throughput"]] == [1, 2]
    assert report["memory"]["peak_rss_mb"] > 0
