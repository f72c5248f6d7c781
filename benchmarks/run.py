"""The benchmark suite: one command, a table per section on stdout, everything in JSON.

    .venv/bin/python benchmarks/run.py                  # full suite, about 6 minutes
    .venv/bin/python benchmarks/run.py --quick          # tiny sizes (what the test suite runs)
    .venv/bin/python benchmarks/run.py --sections kernels classic

Sections:
  kernels  ns per agent-step of the floor, developer and enterprise kernels (and tallies) at
           100k, 1M and 10M agents on 1 and 2 threads, and each kernel's ratio to the floor
  classic  the developer rule as classic Mesa (one Agent per developer) at 10k and 100k, and
           the numba kernel's speedup over it at the same size, measured in the same run
  runs     wall time of the baseline scenario (60 months) after compilation at 100k/10k,
           1M/100k and 10M/1M developers/enterprises, and the time ratio per 10x agents
  startup  first run in a fresh process: compilation with an empty numba cache, and with the
           cache warm (what every batch worker pays)
  memory   peak resident memory of a run at two population sizes, and bytes per developer
  batch    throughput of a 200-run batch with 1 and 2 worker processes
  results  reading a batch of 2,000 run files (load_results), against a per-file read and concat
Timings are the best of several repetitions; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numba
import numpy as np

# run as a script (python benchmarks/run.py), the repository's root must be importable too
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import batch as batch_bench  # noqa: E402
from benchmarks.classic_mesa import ClassicDevelopers  # noqa: E402
from benchmarks.kernels import KEY, best_seconds, developer_state, time_kernels  # noqa: E402
from openness import __version__  # noqa: E402
from openness.experiments import run_scenario  # noqa: E402
from openness.kernels import developer_step  # noqa: E402
from openness.scenario import load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("kernels", "classic", "runs", "startup", "memory", "batch", "results")
MAX_THREADS = numba.config.NUMBA_NUM_THREADS


def kernels(quick: bool) -> list[dict]:
    sizes = [20_000] if quick else [100_000, 1_000_000, 10_000_000]
    rows = [
        time_kernels(n, t, 2 if quick else 5)
        for n in sizes
        for t in sorted({1, min(2, MAX_THREADS)})
    ]
    print(
        f"\n{'agents':>11}{'threads':>8}{'floor':>8}{'developer':>11}{'x floor':>9}"
        f"{'enterprise':>12}{'x floor':>9}{'dev tally':>11}{'ent tally':>11}"
        f"{'trials':>9}{'2nd tally':>11}{'dev+trials':>12}{'x floor':>9}   ns/agent-step"
    )
    for r in rows:
        print(
            f"{r['agents']:>11,}{r['threads']:>8}{r['floor_ns']:>8.2f}"
            f"{r['developer_step_ns']:>11.2f}{r['developer_over_floor']:>9.2f}"
            f"{r['enterprise_step_ns']:>12.2f}{r['enterprise_over_floor']:>9.2f}"
            f"{r['developer_tally_ns']:>11.2f}{r['enterprise_tally_ns']:>11.2f}"
            f"{r['developer_trials_ns']:>9.2f}{r['secondary_tally_ns']:>11.2f}"
            f"{r['multihoming_ns']:>12.2f}{r['multihoming_over_floor']:>9.2f}"
        )
    numba.set_num_threads(MAX_THREADS)
    return rows


def classic(quick: bool) -> list[dict]:
    rows = []
    for n in [2_000] if quick else [10_000, 100_000]:
        state = developer_state(n)
        model = ClassicDevelopers(state, seed=1)
        steps = 1 if quick else 3
        t0 = time.perf_counter()
        for _ in range(steps):
            model.step()
        mesa_ns = 1e9 * (time.perf_counter() - t0) / (steps * n)
        row = {"agents": n, "classic_mesa_ns": mesa_ns}
        for threads in sorted({1, min(2, MAX_THREADS)}):
            numba.set_num_threads(threads)
            fast = developer_state(n)
            seconds = best_seconds(
                lambda t, s=fast: developer_step(*s.values(), KEY, KEY, np.int64(t)), 5
            )
            row[f"numba_{threads}t_ns"] = 1e9 * seconds / n
            row[f"speedup_{threads}t"] = mesa_ns / row[f"numba_{threads}t_ns"]
        rows.append(row)
    numba.set_num_threads(MAX_THREADS)
    print(
        f"\n{'agents':>9}{'classic Mesa':>14}{'numba 1t':>10}{'numba 2t':>10}"
        f"{'speedup 1t':>12}{'speedup 2t':>12}   ns/agent-step"
    )
    for r in rows:
        print(
            f"{r['agents']:>9,}{r['classic_mesa_ns']:>14.0f}{r['numba_1t_ns']:>10.2f}"
            f"{r.get('numba_2t_ns', float('nan')):>10.2f}{r['speedup_1t']:>12.0f}"
            f"{r.get('speedup_2t', float('nan')):>12.0f}"
        )
    return rows


def _baseline(developers: int, enterprises: int, months: int | None = None):
    overrides = {"simulation.developers": developers, "simulation.enterprises": enterprises}
    if months:
        overrides["simulation.months"] = months
    return load_scenario(ROOT / "scenarios" / "baseline.toml", overrides)


def runs(quick: bool) -> list[dict]:
    sizes = (
        [(2_000, 400), (20_000, 4_000)]
        if quick
        else [(100_000, 10_000), (1_000_000, 100_000), (10_000_000, 1_000_000)]
    )
    months = 6 if quick else None
    run_scenario(_baseline(2_000, 400, 2), seed=1)  # compile
    rows = []
    for dev, ent in sizes:
        scenario = _baseline(dev, ent, months)
        best = min(_timed_run(scenario, seed) for seed in range(1 if dev >= 10**7 else 2))
        rows.append(
            {
                "developers": dev,
                "enterprises": ent,
                "months": scenario.simulation.months,
                "seconds": best,
            }
        )
    for small, large in zip(rows, rows[1:], strict=False):
        large["ratio_to_previous"] = large["seconds"] / small["seconds"]
    print(
        f"\n{'developers':>12}{'enterprises':>13}{'months':>8}{'seconds':>9}"
        f"{'x previous (10x agents)':>25}"
    )
    for r in rows:
        ratio = r.get("ratio_to_previous")
        print(
            f"{r['developers']:>12,}{r['enterprises']:>13,}{r['months']:>8}"
            f"{r['seconds']:>9.2f}{'' if ratio is None else f'{ratio:.2f}':>25}"
        )
    return rows


def _timed_run(scenario, seed: int) -> float:
    t0 = time.perf_counter()
    run_scenario(scenario, seed=seed)
    return time.perf_counter() - t0


STARTUP_SCRIPT = textwrap.dedent("""
    import json, time
    t0 = time.perf_counter()
    from openness.experiments import run_scenario
    from openness.scenario import load_scenario
    scenario = load_scenario({path!r}, {{"simulation.developers": 2000,
                                        "simulation.enterprises": 400,
                                        "simulation.months": 12}})
    t1 = time.perf_counter()
    run_scenario(scenario, seed=1)
    t2 = time.perf_counter()
    run_scenario(scenario, seed=2)
    t3 = time.perf_counter()
    print(json.dumps({{"import_s": t1 - t0, "first_run_s": t2 - t1, "second_run_s": t3 - t2}}))
""")


def startup(quick: bool) -> list[dict]:
    """Fresh processes: one with an empty compiled-code cache, then one that finds it warm."""
    script = STARTUP_SCRIPT.format(path=str(ROOT / "scenarios" / "baseline.toml"))
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("cold cache", "warm cache"):
            out = subprocess.run(
                [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
            ).stdout
            row = {"cache": label, **json.loads(out.strip().splitlines()[-1])}
            row["compile_s"] = row["first_run_s"] - row["second_run_s"]
            rows.append(row)
    print(
        f"\n{'fresh process':<14}{'import':>9}{'first run':>11}{'second run':>12}"
        f"{'compilation':>13}   seconds (2,000 developers, 12 months)"
    )
    for r in rows:
        print(
            f"{r['cache']:<14}{r['import_s']:>9.2f}{r['first_run_s']:>11.2f}"
            f"{r['second_run_s']:>12.2f}{r['compile_s']:>13.2f}"
        )
    return rows


MEMORY_SCRIPT = textwrap.dedent("""
    import json
    from openness.experiments import run_scenario
    from openness.scenario import load_scenario
    scenario = load_scenario({path!r}, {{"simulation.developers": {dev},
                                        "simulation.enterprises": {ent},
                                        "simulation.months": 12}})
    run_scenario(scenario, seed=1)
    # VmHWM, not getrusage: ru_maxrss survives exec and would report the parent's peak
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(json.dumps({{"peak_rss_mb": int(hwm.split()[1]) / 1024}}))
""")


def memory(quick: bool) -> dict:
    sizes = [(2_000, 200), (50_000, 5_000)] if quick else [(100_000, 10_000), (2_000_000, 200_000)]
    rows = []
    for dev, ent in sizes:
        script = MEMORY_SCRIPT.format(
            path=str(ROOT / "scenarios" / "baseline.toml"), dev=dev, ent=ent
        )
        out = subprocess.run(
            [sys.executable, "-c", script], check=True, capture_output=True, text=True
        ).stdout
        rows.append(
            {"developers": dev, "enterprises": ent, **json.loads(out.strip().splitlines()[-1])}
        )
    (d0, r0), (d1, r1) = [(r["developers"], r["peak_rss_mb"]) for r in rows]
    per_dev = (r1 - r0) * 2**20 / (d1 - d0)
    print(f"\n{'developers':>12}{'enterprises':>13}{'peak RSS MB':>13}")
    for r in rows:
        print(f"{r['developers']:>12,}{r['enterprises']:>13,}{r['peak_rss_mb']:>13.0f}")
    print(f"peak memory per developer (with one enterprise per ten): {per_dev:.0f} bytes")
    return {"runs": rows, "bytes_per_developer": per_dev}


def batch(quick: bool) -> dict:
    runs_n = 4 if quick else 200
    with tempfile.TemporaryDirectory() as tmp:
        path = batch_bench.experiment_file(Path(tmp), runs_n, quick)
        rows = [batch_bench.timed_batch(path, workers) for workers in (1, 2)]
    speedup = rows[1]["runs_per_second"] / rows[0]["runs_per_second"]
    print(f"\n{'runs':>6}{'workers':>9}{'seconds':>10}{'runs/s':>9}{'peak RSS MB':>13}")
    for r in rows:
        print(
            f"{r['runs']:>6}{r['workers']:>9}{r['seconds']:>10.1f}"
            f"{r['runs_per_second']:>9.2f}{r['peak_rss_mb']:>13.0f}"
        )
    print(f"throughput, 2 workers over 1: {speedup:.2f}x")
    return {"throughput": rows, "speedup_2_over_1": speedup}


def results(quick: bool) -> dict:
    from benchmarks.results_io import time_reads

    row = time_reads(20 if quick else 2_000, 1 if quick else 3)
    print(
        f"{row['files']:,} run files: load_results {row['load_results_s']:.2f} s, per-file "
        f"read and concat {row['per_file_concat_s']:.2f} s ({row['speedup']:.1f}x); "
        f"same frame: {row['same_frame']}; compact {row['compact_s']:.2f} s, then "
        f"load_results {row['compacted_load_results_s']:.3f} s "
        f"({row['compacted_speedup']:.0f}x); same frame: {row['same_frame_compacted']}"
    )
    return row


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for smoke tests")
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args(argv)
    report = {
        "package_version": __version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numba": numba.__version__,
        "numpy": np.__version__,
        "numba_threads": MAX_THREADS,
        "quick": args.quick,
    }
    sections = {
        "kernels": kernels,
        "classic": classic,
        "runs": runs,
        "startup": startup,
        "memory": memory,
        "batch": batch,
        "results": results,
    }
    for name in args.sections:
        print(f"== {name}", flush=True)
        report[name] = sections[name](args.quick)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return report


if __name__ == "__main__":
    main()
