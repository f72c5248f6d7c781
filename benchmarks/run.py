"""Benchmarks of the hot paths. Prints a table and writes JSON; never asserts a time.

    python benchmarks/run.py                 # full: 1M developers, default baseline run
    python benchmarks/run.py --quick         # tiny sizes (what the test suite runs)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numba
import numpy as np

from openness import __version__
from openness.experiments import run_scenario
from openness.kernels import developer_step, developer_tally
from openness.kernels.rng import seed_key
from openness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def developer_state(n: int, m: int = 48, g: int = 3, seed: int = 0):
    """A realistic month: 80% adopted, a dozen families, segment review rates 5-10%."""
    r = np.random.default_rng(seed)
    offer = np.where(r.random(n) < 0.8, r.integers(0, m, n), -1).astype(np.int16)
    return dict(
        offer=offer, finetune=(r.random(n) * 5).astype(np.float32),
        segment=r.integers(0, g, n).astype(np.int8), adopt_prob=np.full(g, 0.05),
        review_prob=np.array([0.10, 0.08, 0.05]), exp_util=r.random((g, m)),
        family_of=(np.arange(m) // 3).astype(np.int16), beta_switch=np.array([0.5, 0.8, 1.0]),
        ft_add=r.random((g, m)) * 0.3, ft_keep=np.full(g, 0.95))


def time_developer_kernel(n: int, threads: int, repeats: int) -> dict:
    numba.set_num_threads(threads)
    state = developer_state(n)
    volume = np.ones(n, dtype=np.int32)
    key = seed_key(1)
    developer_step(*state.values(), key, 0)  # compile and warm
    step, tally = [], []
    for month in range(1, repeats + 1):
        t0 = time.perf_counter()
        developer_step(*state.values(), key, month)
        t1 = time.perf_counter()
        developer_tally(state["offer"], volume, 48)
        step.append(t1 - t0)
        tally.append(time.perf_counter() - t1)
    return {"agents": n, "threads": threads,
            "step_ns_per_agent": 1e9 * min(step) / n,
            "tally_ns_per_agent": 1e9 * min(tally) / n}


def time_baseline(developers: int | None, enterprises: int | None, months: int | None) -> dict:
    overrides = {}
    if developers:
        overrides["simulation.developers"] = developers
    if enterprises:
        overrides["simulation.enterprises"] = enterprises
    if months:
        overrides["simulation.months"] = months
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml", overrides)
    run_scenario(scenario, seed=1)  # compile
    t0 = time.perf_counter()
    run_scenario(scenario, seed=2)
    return {"developers": scenario.simulation.developers,
            "enterprises": scenario.simulation.enterprises,
            "months": scenario.simulation.months, "seconds": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for smoke tests")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args(argv)
    n, repeats = (20_000, 2) if args.quick else (1_000_000, 5)
    threads = sorted({1, numba.config.NUMBA_NUM_THREADS})
    kernels = [time_developer_kernel(n, t, repeats) for t in threads]
    sizes = [(2000, 400, 6)] if args.quick else [(None, None, None), (1_000_000, 100_000, None)]
    runs = [time_baseline(*size) for size in sizes]
    report = {"package_version": __version__, "machine": platform.machine(),
              "cpus": os.cpu_count(), "python": platform.python_version(),
              "numba": numba.__version__, "developer_kernel": kernels, "baseline_runs": runs}
    print(f"{'kernel':<22}{'agents':>10}{'threads':>9}{'ns/agent-step':>15}{'tally ns':>10}")
    for k in kernels:
        print(f"{'developer_step':<22}{k['agents']:>10,}{k['threads']:>9}"
              f"{k['step_ns_per_agent']:>15.2f}{k['tally_ns_per_agent']:>10.2f}")
    for base in runs:
        print(f"baseline run: {base['developers']:,} developers, {base['enterprises']:,} "
              f"enterprises, {base['months']} months: {base['seconds']:.2f} s after compilation")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
