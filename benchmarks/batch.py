"""Batch benchmarks: throughput with 1 and 2 workers, and peak memory of a large batch.

    python benchmarks/batch.py                 # 200-run throughput, 1,000-run memory
    python benchmarks/batch.py --quick         # tiny sizes (what the test suite runs)

Memory is the peak resident set of the batch process plus its workers, sampled every 0.2 s.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import psutil

from openness.experiments import load_experiment, run_batch

ROOT = Path(__file__).resolve().parents[1]


def experiment_file(directory: Path, runs: int, quick: bool) -> Path:
    sizes = (
        (
            '"simulation.developers" = 2000\n"simulation.enterprises" = 300\n'
            '"simulation.months" = 12\n'
        )
        if quick
        else ""
    )
    path = directory / f"bench_{runs}.toml"
    path.write_text(
        f'name = "bench_{runs}"\nscenario = "{ROOT}/scenarios/baseline.toml"\n'
        f"seed = 1\nreplications = {runs}\n[overrides]\n{sizes}"
        '[outputs]\nmonths = "all"\nlab_metrics = ["strategy", "capital"]\n'
    )
    return path


class PeakMemory:
    """Samples the RSS of this process and its children in a background thread."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.peak, self.peak_main = interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                main = me.memory_info().rss
                total = main + sum(c.memory_info().rss for c in me.children(recursive=True))
            except psutil.Error:
                continue
            self.peak, self.peak_main = max(self.peak, total), max(self.peak_main, main)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed_batch(path: Path, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, PeakMemory() as mem:
        t0 = time.perf_counter()
        summary = run_batch(
            load_experiment(path), Path(tmp) / "out", workers=workers, progress=False
        )
        seconds = time.perf_counter() - t0
    assert summary.ok, "benchmark runs failed"
    return {
        "runs": summary.total,
        "workers": workers,
        "seconds": seconds,
        "runs_per_second": summary.total / seconds,
        "peak_rss_mb": mem.peak / 2**20,
        "peak_rss_main_mb": mem.peak_main / 2**20,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--throughput-runs", type=int, default=200)
    parser.add_argument("--memory-runs", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "batch.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.throughput_runs, args.memory_runs = 4, 6
    with tempfile.TemporaryDirectory() as tmp:
        small = experiment_file(Path(tmp), args.throughput_runs, args.quick)
        large = experiment_file(Path(tmp), args.memory_runs, args.quick)
        throughput = [timed_batch(small, w) for w in (1, 2)]
        memory = timed_batch(large, 2)
    speedup = throughput[1]["runs_per_second"] / throughput[0]["runs_per_second"]
    report = {"throughput": throughput, "speedup_2_over_1": speedup, "memory": memory}
    for row in [*throughput, memory]:
        print(
            f"{row['runs']:>6} runs, {row['workers']} worker(s): {row['seconds']:7.1f} s, "
            f"{row['runs_per_second']:5.2f} runs/s, peak RSS {row['peak_rss_mb']:7.0f} MB "
            f"(main process {row['peak_rss_main_mb']:.0f} MB)"
        )
    print(f"throughput, 2 workers over 1: {speedup:.2f}x")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
