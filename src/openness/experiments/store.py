"""The result store of a batch: one Parquet file per run, and a manifest.

    OUT/manifest.json        experiment name and hash, package version, per-run status
    OUT/experiment.json      the experiment as validated
    OUT/events.parquet       dated events and policies of each arm (for figures)
    OUT/world/RUN_ID.parquet one file per completed run (written under a temporary name and
    OUT/labs/RUN_ID.parquet  renamed when complete; the world file last)

A run counts as done exactly when its world file exists; the manifest is rewritten atomically after
every run, and on resume files win over a manifest that a kill left behind.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from openness import __version__
from openness.experiments.design import RunSpec
from openness.scenario import ExperimentError

MANIFEST = "manifest.json"
TABLES = ("world", "labs")
EVENTS = "events.parquet"


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class ResultStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.manifest: dict[str, Any] = {}

    # ---- opening -------------------------------------------------------------------------
    def create_or_resume(self, name: str, experiment_hash: str, experiment: dict,
                         runs: list[RunSpec], resume: bool, source: str) -> set[str]:
        """Prepare the directory; returns the ids of runs already complete."""
        if self.root.exists() and any(self.root.iterdir()):
            if not resume:
                raise ExperimentError(source, "", f"the output directory {self.root} is not "
                                      "empty; pass --resume to continue that batch or choose "
                                      "another --out")
            if not (self.root / MANIFEST).is_file():
                raise ExperimentError(source, "", f"{self.root} holds no {MANIFEST}: it is not "
                                      "a batch directory, so it cannot be resumed")
            self.manifest = json.loads((self.root / MANIFEST).read_text())
            if self.manifest.get("experiment_hash") != experiment_hash:
                raise ExperimentError(source, "", f"{self.root} was made by a different "
                                      "experiment (its hash differs); resume only the same "
                                      "experiment, or choose another --out")
        else:
            self.manifest = {"experiment": name, "experiment_hash": experiment_hash,
                             "package_version": __version__, "created": time.strftime(
                                 "%Y-%m-%dT%H:%M:%S%z"), "runs": {}}
        for table in TABLES:
            (self.root / table).mkdir(parents=True, exist_ok=True)
            for stale in (self.root / table).glob(".*.tmp"):
                stale.unlink()  # a write interrupted by a kill
        _atomic_write_text(self.root / "experiment.json", json.dumps(experiment, indent=2))
        done = {p.stem for p in (self.root / "world").glob("*.parquet")}
        entries = self.manifest.setdefault("runs", {})
        for run in runs:
            entry = entries.setdefault(run.run_id, {
                "arm": run.arm, "point": run.point, "replication": run.replication,
                "seed": run.seed, "params": run.params})
            if run.run_id in done:
                entry["status"] = "done"
                entry.pop("error", None)
            else:
                entry["status"] = "pending"
        self.manifest["arms"] = list(dict.fromkeys(r.arm for r in runs))
        self.manifest["last_package_version"] = __version__
        self.save_manifest()
        return done

    # ---- writing --------------------------------------------------------------------------
    def write_events(self, events: pd.DataFrame) -> None:
        """The arms' dated events (`events.parquet`), for marking time axes."""
        tmp = self.root / f".{EVENTS}.tmp"
        pq.write_table(pa.Table.from_pandas(events, preserve_index=False), tmp)
        os.replace(tmp, self.root / EVENTS)

    def write_run(self, run_id: str, tables: dict[str, pd.DataFrame], seconds: float) -> None:
        """Write every table of a run; the world table is renamed into place last, so that its
        file marks a run whose every table is complete."""
        for name in sorted(tables, key=lambda n: n == "world"):
            path = self.root / name / f"{run_id}.parquet"
            tmp = path.with_name(f".{path.name}.tmp")
            pq.write_table(pa.Table.from_pandas(tables[name], preserve_index=False), tmp)
            os.replace(tmp, path)
        entry = self.manifest["runs"][run_id]
        entry.update(status="done", seconds=round(seconds, 3))
        entry.pop("error", None)

    def mark_failed(self, run_id: str, error: str, seconds: float) -> None:
        self.manifest["runs"][run_id].update(status="failed", error=error,
                                             seconds=round(seconds, 3))

    def save_manifest(self) -> None:
        counts: dict[str, int] = {}
        for entry in self.manifest["runs"].values():
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        self.manifest["counts"] = counts
        _atomic_write_text(self.root / MANIFEST, json.dumps(self.manifest, indent=2) + "\n")


def load_results(root: str | Path, table: str = "world") -> pd.DataFrame:
    """All completed runs of a batch as one tidy DataFrame, in arm, point, replication order.

    Columns: arm, point, replication, seed, the factor values, month (for model runs) and the
    kept metrics; one row per run and month (and lab, for table="labs").
    """
    root = Path(root)
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise ExperimentError(root, "", f"holds no {MANIFEST}: not a batch directory")
    manifest = json.loads(manifest_path.read_text())
    files = sorted((root / table).glob("*.parquet"))
    if not files:
        return pd.DataFrame()
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    order = {arm: i for i, arm in enumerate(manifest.get("arms", []))}
    keys = ["_arm", "point", "replication"] + [c for c in ("month", "lab") if c in df.columns]
    df["_arm"] = df["arm"].map(order)
    return df.sort_values(keys, kind="stable").drop(columns="_arm").reset_index(drop=True)


def load_events(root: str | Path) -> pd.DataFrame:
    """The arms' dated events of a batch (empty if the batch predates them)."""
    path = Path(root) / EVENTS
    if not path.is_file():
        return pd.DataFrame(columns=["arm", "month", "kind", "label"])
    return pd.read_parquet(path)


def read_manifest(root: str | Path) -> dict:
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise ExperimentError(root, "", f"holds no {MANIFEST}: not a batch directory")
    return json.loads(path.read_text())
