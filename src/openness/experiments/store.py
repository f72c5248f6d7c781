"""The result store of a batch: one Parquet file per run and table, and a manifest.

    OUT/.openness.json       the marker that says openness wrote this directory
    OUT/manifest.json        experiment name and hash, package version, per-run status, and
                             for each completed run the SHA-256 and row count of its files
    OUT/experiment.json      the experiment as validated
    OUT/events.parquet       dated events and policies of each arm (for figures)
    OUT/world/RUN_ID.parquet one file per completed run (written under a temporary name and
    OUT/labs/RUN_ID.parquet  renamed when complete; the world file last)
    OUT/.lock                held by the batch that is writing the directory
    OUT/dataset/             once compacted (`openness compact`), the run files merged into
                             one dataset partitioned by arm, in place of world/ and labs/

Every file carries the experiment hash and its run id in its Parquet metadata. On resume,
every completed run is verified: all its tables present, with the checksum the manifest
recorded, or, where the manifest does not know the file (a kill between the file and the
manifest), readable, of this experiment and run. Damaged or partial runs are redone, and a
manifest that cannot be read is rebuilt from the verified files.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from openness import __version__
from openness.files import atomic_write_text, atomic_write_with, marker, write_marker
from openness.provenance import git_commit
from openness.scenario import ExperimentError

if TYPE_CHECKING:  # the store reads run specs; importing their design would pull in scipy
    from openness.experiments.design import RunSpec

MANIFEST = "manifest.json"
TABLES = ("world", "labs")
EVENTS = "events.parquet"
LOCK = ".lock"
#: a compacted batch's dataset, the directory it is built in, and its record (written last)
DATASET = "dataset"
COMPACTING = ".compact.tmp"
COMPACTED = "compacted.json"
ENTRIES = (MANIFEST, "experiment.json", EVENTS, *TABLES, LOCK, DATASET, COMPACTING)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expected_tables(run: RunSpec) -> tuple[str, ...]:
    """The tables a completed run has: world, and labs if lab metrics are kept."""
    return ("labs", "world") if run.lab_metrics else ("world",)


class ResultStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.manifest: dict[str, Any] = {}
        self.experiment_hash = ""
        self._lock: Any = None
        self._saved = ""  # the manifest text on disk

    # ---- opening -------------------------------------------------------------------------
    def create_or_resume(
        self,
        name: str,
        experiment_hash: str,
        experiment: dict,
        runs: list[RunSpec],
        resume: bool,
        source: str,
        shard: dict | None = None,
    ) -> set[str]:
        """Prepare the directory; returns the ids of runs already complete and verified.
        `shard` ({index, count, experiment_runs}) marks a directory that holds one shard of
        the experiment's runs (`--shard i/N`)."""
        self.experiment_hash = experiment_hash
        exists = self.root.exists() and any(self.root.iterdir())
        if exists and not resume:
            raise ExperimentError(
                source,
                "",
                f"the output directory {self.root} is not "
                "empty; pass --resume to continue that batch or choose "
                "another --out",
            )
        if exists and not ((self.root / MANIFEST).exists() or (self.root / "world").is_dir()):
            raise ExperimentError(
                source,
                "",
                f"{self.root} holds no {MANIFEST}: it is not "
                "a batch directory, so it cannot be resumed",
            )
        if exists and compacted(self.root) is not None:
            raise ExperimentError(
                source,
                "",
                f"{self.root} is compacted: every run of it is complete and merged, so there "
                "is nothing to resume",
            )
        self.root.mkdir(parents=True, exist_ok=True)
        self.take_lock(source)
        previous = self._read_manifest() if exists else None
        if exists:
            self._check_same_experiment(previous, source)
            self._check_same_shard(previous, shard, source)
        self.manifest = {
            "experiment": name,
            "experiment_hash": experiment_hash,
            "package_version": (previous or {}).get("package_version", __version__),
            "created": (previous or {}).get("created", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
            "runs": {},
        }
        if shard is not None:
            self.manifest["shard"] = shard
        if exists and previous is None:
            self.manifest["rebuilt"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        write_marker(
            self.root, "batch", ENTRIES, {"experiment": name, "experiment_hash": experiment_hash}
        )
        for table in TABLES:
            (self.root / table).mkdir(parents=True, exist_ok=True)
            for stale in (self.root / table).glob(".*.tmp"):
                stale.unlink()  # a write interrupted by a kill
        with contextlib.suppress(FileNotFoundError):
            (self.root / f".{MANIFEST}.tmp").unlink()
        atomic_write_text(self.root / "experiment.json", json.dumps(experiment, indent=2))
        old_runs = (previous or {}).get("runs", {})
        done = set()
        for run in runs:
            entry = {
                "arm": run.arm,
                "point": run.point,
                "replication": run.replication,
                "seed": run.seed,
                "params": run.params,
                "status": "pending",
            }
            files = self._verified(run, old_runs.get(run.run_id, {}))
            if files is not None:
                entry.update(status="done", files=files)
                if "seconds" in old_runs.get(run.run_id, {}):
                    entry["seconds"] = old_runs[run.run_id]["seconds"]
                done.add(run.run_id)
            else:
                self._remove_files(run.run_id)
            self.manifest["runs"][run.run_id] = entry
        self._remove_unknown({r.run_id for r in runs})
        self.manifest["arms"] = list(dict.fromkeys(r.arm for r in runs))
        self.manifest["last_package_version"] = __version__
        self.manifest["git_commit"] = git_commit()
        self.save_manifest()
        return done

    def take_lock(self, source: str) -> None:
        fh = (self.root / LOCK).open("a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise ExperimentError(
                source,
                "",
                f"{self.root} is being written by another "
                "openness batch; wait for it to finish or choose another "
                "--out",
            ) from None
        self._lock = fh

    def close(self) -> None:
        """Release the directory for other batches."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _read_manifest(self) -> dict | None:
        """The manifest on disk, or None if it is missing or damaged (it is then rebuilt)."""
        try:
            found = json.loads((self.root / MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) and isinstance(found.get("runs"), dict) else None

    def _check_same_experiment(self, previous: dict | None, source: str) -> None:
        theirs = previous.get("experiment_hash") if previous else self._hash_in_files()
        if theirs is not None and theirs != self.experiment_hash:
            raise ExperimentError(
                source,
                "",
                f"{self.root} was made by a different "
                "experiment (its hash differs); resume only the same "
                "experiment, or choose another --out",
            )

    def _check_same_shard(self, previous: dict | None, shard: dict | None, source: str) -> None:
        if previous is None or previous.get("shard") == shard:
            return

        def said(found: dict | None) -> str:
            return (
                "the whole experiment"
                if found is None
                else (f"shard {found['index']}/{found['count']}")
            )

        raise ExperimentError(
            source,
            "--shard",
            f"{self.root} holds {said(previous.get('shard'))}, not {said(shard)}; resume it "
            "with the same --shard, or choose another --out",
        )

    def _hash_in_files(self) -> str | None:
        found = (marker(self.root) or {}).get("provenance", {}).get("experiment_hash")
        if found is not None:
            return found
        for path in sorted((self.root / "world").glob("*.parquet"))[:1]:
            meta = self.file_meta(path)
            if meta is not None:
                return meta.get("experiment_hash")
        return None

    # ---- verifying ------------------------------------------------------------------------
    @staticmethod
    def file_meta(path: Path) -> dict | None:
        try:
            raw = pq.read_schema(path).metadata or {}
            return json.loads(raw.get(b"openness_run", b"{}"))
        except (OSError, ValueError, pa.ArrowException):
            return None

    def _verified(self, run: RunSpec, entry: dict) -> dict | None:
        """The files record of a run whose every table is present and sound, else None."""
        recorded = entry.get("files", {}) if entry.get("status") == "done" else {}
        files = {}
        for table in expected_tables(run):
            path = self.root / table / f"{run.run_id}.parquet"
            if not path.is_file():
                return None
            digest = file_sha256(path)
            known = recorded.get(table)
            if known is not None:
                if known.get("sha256") != digest:
                    return None
                files[table] = known
                continue
            try:  # not in the manifest: read it whole, and check whose it is
                rows = pq.read_table(path).num_rows
            except (OSError, pa.ArrowException):
                return None
            meta = self.file_meta(path) or {}
            if (
                meta.get("run_id") != run.run_id
                or meta.get("experiment_hash") != self.experiment_hash
            ):
                return None
            files[table] = {"sha256": digest, "rows": rows}
        return files

    def _remove_files(self, run_id: str) -> None:
        for table in TABLES:
            with contextlib.suppress(FileNotFoundError):
                (self.root / table / f"{run_id}.parquet").unlink()

    def _remove_unknown(self, run_ids: set[str]) -> None:
        """Files of runs this experiment does not have (left by a damaged write)."""
        for table in TABLES:
            for path in (self.root / table).glob("*.parquet"):
                if path.stem not in run_ids:
                    path.unlink()

    # ---- writing --------------------------------------------------------------------------
    def write_events(self, events: pd.DataFrame) -> None:
        """The arms' dated events (`events.parquet`), for marking time axes."""
        table = pa.Table.from_pandas(events, preserve_index=False)
        atomic_write_with(self.root / EVENTS, lambda tmp: pq.write_table(table, tmp))

    def write_run(
        self,
        run_id: str,
        tables: dict[str, pd.DataFrame],
        seconds: float,
        provenance: dict | None = None,
    ) -> None:
        """Write every table of a run; the world table is renamed into place last, so that its
        file marks a run whose every table is complete. On a failure (a full disk) nothing
        of the run is left. Each file's metadata says where it comes from (`run_provenance`):
        the run's `provenance` as its worker reported it (the scenario's hash, the package
        version and commit that ran it), over this process's version and commit."""
        entry = self.manifest["runs"][run_id]
        found = self.run_provenance(run_id, provenance or {})
        meta = json.dumps(found).encode()
        files = {}
        try:
            for name in sorted(tables, key=lambda n: n == "world"):
                path = self.root / name / f"{run_id}.parquet"
                path.parent.mkdir(exist_ok=True)  # a custom model may keep other tables
                tmp = path.with_name(f".{path.name}.tmp")
                table = pa.Table.from_pandas(tables[name], preserve_index=False)
                schema_meta = {**(table.schema.metadata or {}), b"openness_run": meta}
                pq.write_table(table.replace_schema_metadata(schema_meta), tmp)
                files[name] = {"sha256": file_sha256(tmp), "rows": table.num_rows}
                os.replace(tmp, path)
        except BaseException:
            for name in tables:
                (self.root / name / f".{run_id}.parquet.tmp").unlink(missing_ok=True)
            self._remove_files(run_id)
            raise
        entry.update(status="done", seconds=round(seconds, 3), files=files)
        if "scenario_hash" in found:
            entry["scenario_hash"] = found["scenario_hash"]
        entry.pop("error", None)

    def run_provenance(self, run_id: str, reported: dict) -> dict:
        """What a run's files say of their origin: run id, experiment hash, seed, and the
        scenario hash, package version and git commit (None outside a checkout)."""
        return {
            "run_id": run_id,
            "experiment_hash": self.experiment_hash,
            "seed": self.manifest["runs"][run_id]["seed"],
            "package_version": __version__,
            "git_commit": git_commit(),
            **reported,
        }

    def mark_failed(self, run_id: str, error: str, seconds: float) -> None:
        self.manifest["runs"][run_id].update(
            status="failed", error=error, seconds=round(seconds, 3)
        )

    def save_manifest(self) -> None:
        counts: dict[str, int] = {}
        for entry in self.manifest["runs"].values():
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        self.manifest["counts"] = counts
        text = json.dumps(self.manifest, indent=2) + "\n"
        atomic_write_text(self.root / MANIFEST, text)
        self._saved = text

    def settle_after_write_failure(self) -> None:
        """After a failed write (a full disk): make the files agree with a manifest. Save the
        manifest if it can be written; if not, remove the files of runs that the manifest on
        disk does not count as done, so that the two still agree."""
        try:
            self.save_manifest()
            return
        except OSError:
            (self.root / f".{MANIFEST}.tmp").unlink(missing_ok=True)
        on_disk = self._read_manifest() or {"runs": {}}
        for run_id, entry in self.manifest["runs"].items():
            if on_disk["runs"].get(run_id, {}).get("status") != "done" and (
                entry.get("status") == "done"
            ):
                self._remove_files(run_id)
                entry["status"] = "pending"  # so that a later save says the same
                entry.pop("files", None)


def load_results(root: str | Path, table: str = "world") -> pd.DataFrame:
    """All completed runs of a batch as one tidy DataFrame, in arm, point, replication order.

    Columns: arm, point, replication, seed, the factor values, month (for model runs) and the
    kept metrics; one row per run and month (and lab, for table="labs").
    """
    root = Path(root)
    manifest = read_manifest(root)
    record = compacted(root)
    if record is not None:
        df = _read_compacted(root, record, table)
    else:
        done = {k for k, v in manifest.get("runs", {}).items() if v.get("status") == "done"}
        files = sorted(p for p in (root / table).glob("*.parquet") if p.stem in done)
        df = read_run_files(files) if files else pd.DataFrame()
    if df.empty:
        return df
    order = {arm: i for i, arm in enumerate(manifest.get("arms", []))}
    keys = ["_arm", "point", "replication"] + [c for c in ("month", "lab") if c in df.columns]
    df["_arm"] = df["arm"].map(order)
    return df.sort_values(keys, kind="stable").drop(columns="_arm").reset_index(drop=True)


def read_run_files(files: list[Path]) -> pd.DataFrame:
    """The run files as one DataFrame: one dataset scan, several times faster on thousands
    of small files than a DataFrame per file and a concat, with the same rows and dtypes.
    A column some files lack is missing (null) in their rows; files whose schemas cannot be
    reconciled (a column typed differently in one of them) are read one by one instead."""
    paths = [str(f) for f in files]
    try:
        # a scan takes its schema from one file: unify them all, so that no column is lost
        schema = pa.unify_schemas([pq.read_schema(p) for p in paths])
        # serial: on many small files the threads' overhead outweighs their work
        table = ds.dataset(paths, schema=schema, format="parquet").to_table(use_threads=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return table.to_pandas(ignore_metadata=True)


def compacted(root: str | Path) -> dict | None:
    """The record of a compacted batch's dataset, or None if the batch is not compacted (a
    dataset exists only whole: it is built elsewhere and renamed into place with its
    record)."""
    try:
        found = json.loads((Path(root) / DATASET / COMPACTED).read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and isinstance(found.get("tables"), dict) else None


def _read_compacted(root: Path, record: dict, table: str) -> pd.DataFrame:
    """A compacted table: its parts, one per arm, with the arm (the partition) put back as a
    column where the run files had it."""
    parts = record["tables"].get(table)
    if not parts:
        return pd.DataFrame()
    frames = []
    for part in parts:
        df = pq.read_table(root / DATASET / part["path"]).to_pandas(ignore_metadata=True)
        df.insert(part.get("arm_column", 0), "arm", part["arm"])
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


#: the columns of a run's events table (a batch's adds `arm` before them)
EVENT_COLUMNS = ["month", "kind", "name", "label"]


def load_events(root: str | Path) -> pd.DataFrame:
    """The arms' dated events of a batch (empty if the batch predates them)."""
    path = Path(root) / EVENTS
    if not path.is_file():
        return pd.DataFrame(columns=["arm", *EVENT_COLUMNS])
    return pd.read_parquet(path)


def read_manifest(root: str | Path) -> dict:
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise ExperimentError(root, "", f"holds no {MANIFEST}: not a batch directory")
    try:
        found = json.loads(path.read_text())
    except ValueError:
        raise ExperimentError(
            root,
            MANIFEST,
            "is damaged (not valid JSON); run the batch "
            "again with --resume to verify its files and rebuild it",
        ) from None
    if not isinstance(found, dict):
        raise ExperimentError(root, MANIFEST, "is damaged; run the batch again with --resume")
    return found
