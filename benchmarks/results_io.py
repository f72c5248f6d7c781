"""Reading a batch's results: `load_results` over many small run files, and over the same
batch compacted.

A synthetic batch of N run files (one real run's world table, relabelled with arm, point and
replication per file) and its manifest; `load_results` is timed against the per-file read
and concat it replaced, which is kept here as the reference, and again once `compact` has
merged the files (the compaction is timed too)."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from openness.experiments import load_results, run_scenario
from openness.experiments.compact import compact
from openness.experiments.store import file_sha256
from openness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def synthetic_batch(directory: Path, files: int) -> None:
    scenario = load_scenario(
        ROOT / "scenarios" / "baseline.toml",
        {"simulation.developers": 2_000, "simulation.enterprises": 200},
    )
    world = run_scenario(scenario, seed=0).tables["world"]
    (directory / "world").mkdir(parents=True)
    runs = {}
    for i in range(files):
        run_id = f"a-{i // 10:05d}-{i % 10:03d}"
        table = world.assign(arm="a", point=i // 10, replication=i % 10, seed=i)
        path = directory / "world" / f"{run_id}.parquet"
        table.to_parquet(path, index=False)
        runs[run_id] = {
            "status": "done",
            "arm": "a",
            "point": i // 10,
            "replication": i % 10,
            "seed": i,
            "files": {"world": {"sha256": file_sha256(path), "rows": len(table)}},
        }
    manifest = {"experiment": "synthetic", "experiment_hash": "0" * 64, "arms": ["a"], "runs": runs}
    (directory / "manifest.json").write_text(json.dumps(manifest))


def per_file_concat(directory: Path) -> pd.DataFrame:
    """The former reader: one DataFrame per file, then a concat (sorted the same way)."""
    files = sorted((directory / "world").glob("*.parquet"))
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return df.sort_values(["point", "replication", "month"], kind="stable").reset_index(drop=True)


def best_of(repeats: int, read) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        read()
        times.append(time.perf_counter() - t0)
    return min(times)


def time_reads(files: int, repeats: int = 3) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        synthetic_batch(directory, files)
        new = best_of(repeats, lambda: load_results(directory))
        old = best_of(repeats, lambda: per_file_concat(directory))
        before = load_results(directory)
        same = before.equals(per_file_concat(directory))
        t0 = time.perf_counter()
        compact([directory])
        compacting = time.perf_counter() - t0
        merged = best_of(repeats, lambda: load_results(directory))
        same_compacted = load_results(directory).equals(before)
    return {
        "files": files,
        "load_results_s": new,
        "per_file_concat_s": old,
        "speedup": old / new,
        "same_frame": bool(same),
        "compact_s": compacting,
        "compacted_load_results_s": merged,
        "compacted_speedup": old / merged,
        "same_frame_compacted": bool(same_compacted),
    }
