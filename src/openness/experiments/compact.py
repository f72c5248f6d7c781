"""Merge a finished batch, or the shards of one, into one Parquet dataset partitioned by arm.

    OUT/dataset/world/arm=NAME/part-0.parquet   the world table of the arm's runs
    OUT/dataset/labs/arm=NAME/part-0.parquet    the labs table, if the batch kept one
    OUT/dataset/runs.parquet                    one row per run: where it comes from (run id,
                                                arm, point, replication, seed, experiment and
                                                scenario hash, package version, git commit)
    OUT/dataset/compacted.json                  the parts, their SHA-256 and row counts

Thousands of small run files are what shared filesystems bear worst; the dataset holds one
file per arm and table. Its directories follow the hive convention (`arm=NAME`), so pyarrow,
polars or DuckDB read it as a partitioned dataset.

Nothing is lost to a kill at any point: the dataset is built under OUT/.compact.tmp and renamed
into place whole, with its record, so it exists only complete; until then readers use the run
files, which are verified against their checksums before they are read and removed only once
the dataset is in place. Running `compact` again finishes what a kill interrupted.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from openness import __version__
from openness.experiments.store import (
    COMPACTED,
    COMPACTING,
    DATASET,
    ENTRIES,
    EVENTS,
    MANIFEST,
    TABLES,
    ResultStore,
    compacted,
    file_sha256,
    read_manifest,
    read_run_files,
)
from openness.files import atomic_write_text, marker, write_marker
from openness.scenario import ExperimentError

#: the provenance a run file's metadata holds, as columns of runs.parquet
RUN_COLUMNS = ("run_id", "arm", "point", "replication", "seed")
FILE_PROVENANCE = ("experiment_hash", "scenario_hash", "package_version", "git_commit")


def compact(sources: list[Path], out: Path | None = None) -> dict:
    """Compact the batch directory `sources[0]` in place (`out` None or the same), or merge
    the shard directories `sources` (every shard of one experiment) into the new directory
    `out`, leaving the shards as they are. Returns the dataset's record."""
    sources = [Path(s) for s in sources]
    out = Path(out) if out is not None else sources[0]
    in_place = len(sources) == 1 and out.resolve() == sources[0].resolve()
    if not in_place and any(s.resolve() == out.resolve() for s in sources):
        raise ExperimentError(out, "--out", "is one of the directories to merge; name a new one")
    if in_place and compacted(out) is not None:
        _finish_in_place(out, read_manifest(out))
        record = compacted(out)
        assert record is not None
        return record
    manifests = [_complete_manifest(s) for s in sources]
    manifest = _merged_manifest(sources, manifests)
    if not in_place:
        _prepare_new(out, sources[0], manifest)
    lock = _lock(out)
    try:
        if compacted(out) is None:
            shutil.rmtree(out / COMPACTING, ignore_errors=True)  # a kill while building
            where = {
                run: src for src, m in zip(sources, manifests, strict=True) for run in m["runs"]
            }
            _build(out / COMPACTING, where, manifest)
            os.replace(out / COMPACTING, out / DATASET)
        _record(out, manifest)
        if in_place:
            _remove_run_files(out)
    finally:
        lock.close()
    record = compacted(out)
    assert record is not None
    return record


def _complete_manifest(source: Path) -> dict:
    """The manifest of a batch whose every run is done, or a clear refusal."""
    manifest = read_manifest(source)
    if compacted(source) is not None:
        raise ExperimentError(
            source, "", "is already compacted; merge shards before compacting them"
        )
    runs = manifest.get("runs", {})
    waiting = sorted(k for k, v in runs.items() if v.get("status") != "done")
    if waiting:
        raise ExperimentError(
            source,
            MANIFEST,
            f"has {len(waiting)} of {len(runs)} runs not done (first: {waiting[0]}); finish "
            "them with `openness batch ... --resume` before compacting",
        )
    return manifest


def _merged_manifest(sources: list[Path], manifests: list[dict]) -> dict:
    """One manifest for all `sources`: the same experiment, and, for several, every shard of
    it once."""
    hashes = {m.get("experiment_hash") for m in manifests}
    if len(hashes) > 1:
        raise ExperimentError(
            sources[0], "", "the directories hold different experiments (their hashes differ)"
        )
    first = manifests[0]
    if len(sources) > 1 or "shard" in first:
        shards = [m.get("shard") for m in manifests]
        problems = _shard_problems(sources, shards)
        if problems:
            raise ExperimentError(sources[0], "--shard", "; ".join(problems))
    merged = {k: v for k, v in first.items() if k not in ("runs", "counts", "shard")}
    merged["runs"] = {}
    for m in manifests:
        merged["runs"].update(m["runs"])
    merged["counts"] = {"done": len(merged["runs"])}
    if "shard" in first:
        merged["merged_shards"] = first["shard"]["count"]
    return merged


def _shard_problems(sources: list[Path], shards: list[dict | None]) -> list[str]:
    """What keeps the shard directories `sources` from making the whole experiment."""
    if any(s is None for s in shards):
        unsharded = [str(src) for src, s in zip(sources, shards, strict=True) if s is None]
        return [f"{', '.join(unsharded)} is not a shard (written without --shard)"]
    counts = {s["count"] for s in shards if s is not None}
    if len(counts) > 1:
        return [f"the shards split the runs in different ways (N = {sorted(counts)})"]
    count = counts.pop()
    seen = sorted(s["index"] for s in shards if s is not None)
    missing = sorted(set(range(1, count + 1)) - set(seen))
    twice = sorted({i for i in seen if seen.count(i) > 1})
    problems = []
    if missing:
        problems.append(f"shards {', '.join(f'{i}/{count}' for i in missing)} are missing")
    if twice:
        problems.append(f"shards {', '.join(f'{i}/{count}' for i in twice)} are given twice")
    return problems


def _prepare_new(out: Path, first: Path, manifest: dict) -> None:
    """A new directory for merged shards: marked, with the experiment and its events. An
    interrupted merge of the same experiment may be redone into it."""
    if out.exists() and any(out.iterdir()):
        mine = (marker(out) or {}).get("provenance", {}).get("experiment_hash")
        if mine != manifest["experiment_hash"] or (out / MANIFEST).exists():
            raise ExperimentError(
                out, "--out", "is not empty; merge the shards into a new directory"
            )
    out.mkdir(parents=True, exist_ok=True)
    write_marker(
        out,
        "batch",
        ENTRIES,
        {"experiment": manifest["experiment"], "experiment_hash": manifest["experiment_hash"]},
    )
    for name in ("experiment.json", EVENTS):
        if (first / name).is_file():
            shutil.copyfile(first / name, out / f".{name}.tmp")
            os.replace(out / f".{name}.tmp", out / name)


def _lock(out: Path):
    """The directory's batch lock: no batch writes it while it is compacted."""
    store = ResultStore(out)
    store.take_lock(str(out))
    return store


def _build(tmp: Path, where: dict[str, Path], manifest: dict) -> None:
    """The dataset, under `tmp`, of the runs in the directories `where` names for each: a
    part per arm and table, runs.parquet, then its record."""
    tmp.mkdir(parents=True)
    located = _run_files(where, manifest)
    arms = manifest.get("arms") or list(dict.fromkeys(v["arm"] for v in manifest["runs"].values()))
    record: dict = {
        "experiment": manifest["experiment"],
        "experiment_hash": manifest["experiment_hash"],
        "runs": len(manifest["runs"]),
        "compacted": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "package_version": __version__,
        "tables": {},
    }
    for table in TABLES:
        parts = []
        for arm in arms:
            files = [
                path
                for run_id, entry in manifest["runs"].items()
                if entry["arm"] == arm and (path := located[run_id].get(table)) is not None
            ]
            if files:
                parts.append(_write_part(tmp, table, arm, files))
        if parts:
            record["tables"][table] = parts
    _write_runs_table(tmp, manifest, located)
    atomic_write_text(tmp / COMPACTED, json.dumps(record, indent=2) + "\n")


def _run_files(where: dict[str, Path], manifest: dict) -> dict[str, dict[str, Path]]:
    """Every run's files by table, each checked against the checksum its manifest recorded."""
    located: dict[str, dict[str, Path]] = {}
    damaged = []
    for run_id, entry in manifest["runs"].items():
        located[run_id] = {}
        for table, known in entry.get("files", {}).items():
            path = where[run_id] / table / f"{run_id}.parquet"
            if not path.is_file() or file_sha256(path) != known.get("sha256"):
                damaged.append(f"{table}/{run_id}.parquet")
            located[run_id][table] = path
    if damaged:
        raise ExperimentError(
            where[next(iter(manifest["runs"]))],
            "",
            f"{len(damaged)} run file(s) are missing or damaged (first: {damaged[0]}); run "
            "the batch again with --resume to redo them, then compact",
        )
    return located


def _write_part(tmp: Path, table: str, arm: str, files: list[Path]) -> dict:
    """One arm's runs of one table as one file; the arm is its directory's name."""
    df = read_run_files(files)
    at = list(df.columns).index("arm")  # where the run files hold it (first, from the runner)
    df = df.drop(columns="arm")
    keys = ["point", "replication"] + [c for c in ("month", "lab") if c in df.columns]
    df = df.sort_values(keys, kind="stable").reset_index(drop=True)
    relative = Path(table) / f"arm={arm}" / "part-0.parquet"
    path = tmp / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
    return {
        "arm": arm,
        "arm_column": at,
        "path": str(relative),
        "rows": len(df),
        "sha256": file_sha256(path),
    }


def _write_runs_table(tmp: Path, manifest: dict, located: dict[str, dict[str, Path]]) -> None:
    """runs.parquet: each run's place in the design and the provenance its files carried."""
    rows = []
    for run_id, entry in manifest["runs"].items():
        meta = ResultStore.file_meta(located[run_id]["world"]) or {}
        row = {"run_id": run_id, **{k: entry[k] for k in RUN_COLUMNS[1:]}}
        row.update({k: meta.get(k) for k in FILE_PROVENANCE})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*RUN_COLUMNS, *FILE_PROVENANCE])
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp / "runs.parquet")


def _record(out: Path, manifest: dict) -> None:
    """The manifest says the batch is compacted, and which runs the dataset holds."""
    manifest = {**manifest, "compacted": {"dataset": DATASET, "runs": len(manifest["runs"])}}
    atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=2) + "\n")


def _finish_in_place(out: Path, manifest: dict) -> None:
    """What a kill after the dataset was in place left undone: the manifest, the run files."""
    lock = _lock(out)
    try:
        if "compacted" not in manifest:
            _record(out, manifest)
        _remove_run_files(out)
    finally:
        lock.close()


def _remove_run_files(out: Path) -> None:
    """The run files, now merged into the dataset (the directories hold nothing else)."""
    for table in TABLES:
        for path in sorted((out / table).glob("*.parquet")) if (out / table).is_dir() else []:
            path.unlink()
        with contextlib.suppress(OSError):
            (out / table).rmdir()
