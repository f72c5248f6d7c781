"""Writing and reading a run directory: Parquet tables, `summary.json`, all or nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from openness.files import replace_directory
from openness.metrics import TABLES
from openness.metrics.schema import arrow_schema

SUMMARY = "summary.json"


def _identity(provenance: dict) -> dict:
    """What identifies a run's results: scenario and its hash, seed, version, commit."""
    keys = ("scenario", "scenario_hash", "seed", "package_version", "git_commit")
    return {k: provenance.get(k) for k in keys}


def write_table(df: pd.DataFrame, path: Path, provenance: dict) -> None:
    """Parquet with the run's provenance (scenario hash, seed, version) in its metadata. A
    table of the catalogue is written with its typed schema (`metrics.schema`, docs/tables.md),
    whatever types the installed pandas gives its columns."""
    known = path.stem in TABLES
    schema = arrow_schema(path.stem) if known else None
    table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"openness"] = json.dumps(_identity(provenance)).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


def write_run(
    out: Path,
    tables: dict[str, pd.DataFrame],
    provenance: dict,
    extras: Callable[[Path], None] | None = None,
) -> Path:
    """Write every table, the summary and `extras(dir)` (e.g. figures) into `out`, atomically.

    Everything goes to a temporary sibling directory that replaces `out` only once complete,
    so an interrupted or failed run never leaves a directory that looks finished. The caller
    has checked `out` with `files.check_output`.
    """

    def build(tmp: Path) -> None:
        for name, df in tables.items():
            write_table(df, tmp / f"{name}.parquet", provenance)
        if extras is not None:
            extras(tmp)
        (tmp / SUMMARY).write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n")

    return replace_directory(Path(out), build, "run", _identity(provenance))


def read_run(path: Path) -> tuple[dict[str, pd.DataFrame], dict]:
    """The tables and summary of a run directory."""
    path = Path(path)
    tables = {p.stem: pd.read_parquet(p) for p in sorted(path.glob("*.parquet"))}
    return tables, json.loads((path / SUMMARY).read_text())
