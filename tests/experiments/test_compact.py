"""`openness compact` and `--shard`: one dataset partitioned by arm, the same rows as the run
files, a merge of every shard, and nothing lost to a kill at any point of a compaction."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pyarrow.dataset as ds
import pytest

from openness.cli import main
from openness.experiments import load_experiment, load_results, read_manifest, run_batch
from openness.experiments.compact import compact
from openness.experiments.store import compacted
from tests.experiments.helpers import assert_same_dataset


@pytest.fixture
def batch(reference, tmp_path):
    """A copy of the reference batch, to compact."""
    out = tmp_path / "batch"
    shutil.copytree(reference, out)
    return out


def test_compact_holds_the_same_rows_in_one_file_per_arm_and_table(batch, reference, capsys):
    assert main(["compact", str(batch)]) == 0
    assert "compacted 12 runs into 6 files" in capsys.readouterr().out
    assert_same_dataset(reference, batch)
    assert not (batch / "world").exists() and not (batch / "labs").exists()
    parts = sorted(p.relative_to(batch / "dataset") for p in batch.glob("dataset/*/*/*.parquet"))
    assert [str(p.parent) for p in parts[:3]] == [
        "labs/arm=ban",
        "labs/arm=baseline",
        "labs/arm=funding",
    ]
    # a partitioned dataset that pyarrow reads as one
    hive = ds.dataset(batch / "dataset" / "world", format="parquet", partitioning="hive")
    assert hive.to_table().num_rows == len(load_results(reference))
    runs = pd.read_parquet(batch / "dataset" / "runs.parquet")
    assert len(runs) == 12 and runs["scenario_hash"].str.len().eq(64).all()
    assert read_manifest(batch)["compacted"]["runs"] == 12
    assert main(["results", str(batch)]) == 0
    assert "(compacted)" in capsys.readouterr().out
    assert main(["compare", str(batch), "--months", "2025-02"]) == 0  # reads it as before
    assert (batch / "compare.csv").is_file()


def test_a_compacted_batch_is_not_resumed(batch, experiment, capsys):
    compact([batch])
    code = main(["batch", str(experiment), "--out", str(batch), "--resume", "--quiet"])
    assert code == 2 and "is compacted" in capsys.readouterr().err
    assert compacted(batch) is not None


def test_an_unfinished_batch_is_not_compacted(batch, capsys):
    manifest = read_manifest(batch)
    first = next(iter(manifest["runs"]))
    manifest["runs"][first]["status"] = "pending"
    (batch / "manifest.json").write_text(json.dumps(manifest))
    assert main(["compact", str(batch)]) == 2
    assert "not done" in capsys.readouterr().err
    assert compacted(batch) is None and (batch / "world").is_dir()


def test_shards_run_their_share_and_merge_into_the_whole_batch(
    experiment, reference, tmp_path, capsys
):
    loaded = load_experiment(experiment)
    shards = [tmp_path / f"shard{i}" for i in (1, 2, 3)]
    for i, out in enumerate(shards, start=1):
        summary = run_batch(loaded, out, workers=1, shard=(i, 3))
        assert summary.ok and summary.total == 4
        assert read_manifest(out)["shard"] == {"index": i, "count": 3, "experiment_runs": 12}
    # a shard resumes only as itself
    code = main(["batch", str(experiment), "--out", str(shards[0]), "--resume", "--shard", "2/3"])
    assert code == 2 and "shard 1/3, not shard 2/3" in capsys.readouterr().err
    # every shard is needed, once
    assert main(["compact", str(shards[0]), str(shards[2]), "--out", str(tmp_path / "m")]) == 2
    assert "shards 2/3 are missing" in capsys.readouterr().err
    merged = tmp_path / "merged"
    assert main(["compact", *map(str, shards), "--out", str(merged)]) == 0
    assert_same_dataset(reference, merged)
    assert read_manifest(merged)["counts"] == {"done": 12}
    for out in shards:  # the shards are left as they were
        assert (out / "world").is_dir() and compacted(out) is None


KILLER = """
import os, signal, sys
from pathlib import Path
from openness.experiments import compact as c

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

stage = sys.argv[2]
if stage == "building":  # after the first part of the dataset is written
    real, calls = c._write_part, []
    def part(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            die()
        return real(*args, **kwargs)
    c._write_part = part
elif stage == "published":  # the dataset in place, the manifest not yet told
    c._record = die
elif stage == "removing":  # some run files removed, not all
    def remove(out):
        for path in sorted((out / "world").glob("*.parquet"))[:5]:
            path.unlink()
        die()
    c._remove_run_files = remove
c.compact([Path(sys.argv[1])])
"""


@pytest.mark.parametrize("stage", ["building", "published", "removing"])
def test_a_kill_during_compact_loses_nothing_and_compact_again_finishes(batch, reference, stage):
    killed = subprocess.run([sys.executable, "-c", KILLER, str(batch), stage], check=False)
    assert killed.returncode == -9
    # whatever the kill left, a reader sees the whole batch
    assert_same_dataset(reference, batch)
    assert main(["compact", str(batch)]) == 0
    assert_same_dataset(reference, batch)
    assert not (batch / "world").exists() and not (batch / ".compact.tmp").exists()
    assert read_manifest(batch)["compacted"]["runs"] == 12
