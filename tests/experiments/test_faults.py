"""Faults a batch survives: a worker killed, a full disk, damaged or missing run files, a
damaged manifest, two batches on one directory. Each ends with the dataset an uninterrupted
run gives, or with a clear refusal."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import Future

import pytest

from openness.cli import main
from openness.experiments import load_experiment, read_manifest, run_batch
from openness.experiments.executors import LocalPoolExecutor, LostRun
from tests.experiments import fault_models
from tests.experiments.helpers import assert_same_dataset


def consistent(out) -> None:
    """The manifest counts exactly the runs whose files are on disk, and no temporary file
    is left."""
    runs = read_manifest(out)["runs"]
    done = {k for k, v in runs.items() if v["status"] == "done"}
    for table in ("world", "labs"):
        names = {p.name for p in (out / table).iterdir()}
        assert not [n for n in names if n.startswith(".")], names
        assert {n.removesuffix(".parquet") for n in names} == done
    assert not list(out.glob(".*.tmp"))


def test_a_worker_killed_once_has_its_runs_retried_and_the_dataset_is_whole(
    experiment, reference, tmp_path, monkeypatch
):
    monkeypatch.setenv(fault_models.FLAG_DIR, str(tmp_path))
    summary = run_batch(
        load_experiment(experiment),
        tmp_path / "out",
        executor=LocalPoolExecutor(2),
        model=fault_models.killed_once,
    )
    assert list(tmp_path.glob("*.killed")), "the worker was never killed"
    assert summary.ok and summary.failed == 0
    assert_same_dataset(reference, tmp_path / "out")


def test_a_run_that_kills_its_worker_twice_is_failed_and_the_batch_goes_on(experiment, tmp_path):
    summary = run_batch(
        load_experiment(experiment),
        tmp_path / "out",
        executor=LocalPoolExecutor(2),
        model=fault_models.always_killed,
    )
    runs = read_manifest(tmp_path / "out")["runs"]
    failed = {k: v for k, v in runs.items() if v["status"] == "failed"}
    assert summary.failed == 3 == len(failed)  # replication 2 of each of the three arms
    assert all(v["replication"] == 2 and "died twice" in v["error"] for v in failed.values())
    assert summary.done == 9
    consistent(tmp_path / "out")


@pytest.mark.parametrize(
    "damage",
    ["truncate_world", "delete_labs", "truncate_manifest", "delete_manifest", "garbage_world"],
)
def test_resume_verifies_every_run_and_redoes_the_damaged(damage, experiment, reference, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    victim = sorted((out / "world").glob("*.parquet"))[5]
    if damage == "truncate_world":
        victim.write_bytes(victim.read_bytes()[:100])
    elif damage == "garbage_world":  # same size, other bytes: only the checksum sees it
        data = bytearray(victim.read_bytes())
        data[len(data) // 2] ^= 0xFF
        victim.write_bytes(bytes(data))
    elif damage == "delete_labs":
        (out / "labs" / victim.name).unlink()
    elif damage == "truncate_manifest":
        text = (out / "manifest.json").read_text()
        (out / "manifest.json").write_text(text[: len(text) // 2])
    elif damage == "delete_manifest":
        (out / "manifest.json").unlink()
    assert (
        main(["batch", str(experiment), "--out", str(out), "--resume", "--workers", "1", "--quiet"])
        == 0
    )
    assert_same_dataset(reference, out)
    consistent(out)
    manifest = read_manifest(out)
    assert manifest["counts"] == {"done": 12}
    if "manifest" in damage:
        assert "rebuilt" in manifest


def test_results_say_what_to_do_with_a_damaged_manifest(reference, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    (out / "manifest.json").write_text("{")
    assert main(["results", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err


def test_a_second_batch_on_the_same_directory_is_refused(experiment, tmp_path):
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "openness.cli",
        "batch",
        str(experiment),
        "--workers",
        "1",
        "--out",
        str(out),
        "--quiet",
    ]
    first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out / "manifest.json").exists():
        time.sleep(0.05)
    second = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=300)
    first.communicate(timeout=300)
    if first.returncode == 0 and second.returncode == 0:
        pytest.skip("the first batch finished before the second started")
    assert second.returncode == 2, second.stderr
    assert "another openness batch" in second.stderr
    assert first.returncode == 0
    assert read_manifest(out)["counts"] == {"done": 12}


@contextlib.contextmanager
def small_disk(path, size: str):
    path.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_a_full_disk_stops_the_batch_clearly_and_consistently(
    experiment, reference, tmp_path, capsys
):
    with small_disk(tmp_path / "disk", "96k") as disk:
        out = disk / "out"
        code = main(["batch", str(experiment), "--out", str(out), "--workers", "1", "--quiet"])
        err = capsys.readouterr().err
        assert code == 5, err
        assert "could not write the results" in err and "Traceback" not in err
        consistent(out)
        saved = tmp_path / "saved"
        shutil.copytree(out, saved)
    # on a disk with room, resume finishes the same dataset
    assert (
        main(
            ["batch", str(experiment), "--out", str(saved), "--resume", "--workers", "1", "--quiet"]
        )
        == 0
    )
    assert_same_dataset(reference, saved)
    assert json.loads((saved / "manifest.json").read_text())["counts"] == {"done": 12}


class _BreakingPool:
    """A stand-in for a process pool: runs each item at once, except "kill", which breaks
    the pool. In the big pool the break shows only when the next submit finds the pool
    broken (the race of a worker dying between a wait and a refill); in a one-worker pool
    (the retry alone) at once."""

    def __init__(self, alone: bool) -> None:
        self.alone = alone
        self.broken: Future | None = None

    def submit(self, fn, item):
        from concurrent.futures.process import BrokenProcessPool

        if self.broken is not None:
            if not self.broken.done():
                self.broken.set_exception(BrokenProcessPool("a worker died"))
            raise BrokenProcessPool("the pool is not usable anymore")
        future: Future = Future()
        if item == "kill":
            self.broken = future
            if self.alone:
                future.set_exception(BrokenProcessPool("a worker died"))
        else:
            future.set_result(fn(item))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def test_a_pool_found_broken_while_refilling_loses_no_run(monkeypatch):
    """A worker that dies after the pool's last wait makes the next submit fail: that run
    goes to the fresh pool, the dead worker's run is retried alone and given up."""
    monkeypatch.setattr(
        LocalPoolExecutor, "_new_pool", lambda self, workers: _BreakingPool(workers == 1)
    )
    items = ["a", "kill", "b", "c", "d"]
    with LocalPoolExecutor(2, window=2) as pool:
        out = list(pool.imap_unordered(str.upper, items))
    lost = [o for o in out if isinstance(o, LostRun)]
    assert sorted(o for o in out if not isinstance(o, LostRun)) == ["A", "B", "C", "D"]
    assert [o.item for o in lost] == ["kill"]
