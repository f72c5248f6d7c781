"""Runs on executors the caller brings, and without the scenario files: the same dataset, and
every run file names its origin."""

from __future__ import annotations

import json
import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor

import pyarrow.parquet as pq

from openness.experiments import load_experiment, load_results, read_manifest, run_batch
from openness.experiments.design import run_specs
from openness.experiments.executors import DaskExecutor
from openness.scenario import content_hash, load_scenario
from tests.conftest import ROOT
from tests.experiments import fault_models
from tests.experiments.helpers import assert_same_dataset, write_experiment


class FilesGoneFirst:
    """An executor that moves the scenario files away before its first run starts."""

    def __init__(self, inner, scenarios, elsewhere):
        self.inner, self.scenarios, self.elsewhere = inner, scenarios, elsewhere

    def __enter__(self):
        self.scenarios.rename(self.elsewhere)
        self.inner.__enter__()
        return self

    def __exit__(self, *exc):
        self.inner.__exit__(*exc)

    def imap_unordered(self, fn, items, stop=None):
        return self.inner.imap_unordered(fn, items, stop)


def test_a_dask_worker_runs_from_the_scenario_content_with_no_file_to_read(reference, tmp_path):
    from distributed import Client, LocalCluster

    scenarios = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", scenarios)
    loaded = load_experiment(write_experiment(tmp_path, "", scenarios=scenarios))
    # what a worker is sent names no file: the file's name, for messages, and its content
    spec = run_specs(loaded)[-1]
    assert spec.source == "open_release_ban.toml" and "extends" not in spec.content
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        executor = FilesGoneFirst(DaskExecutor(client=client), scenarios, tmp_path / "gone")
        summary = run_batch(loaded, tmp_path / "out", executor=executor)
    assert not scenarios.exists()
    assert summary.ok
    assert_same_dataset(reference, tmp_path / "out")


def test_every_run_file_names_its_experiment_scenario_seed_version_and_commit(
    experiment, reference
):
    loaded = load_experiment(experiment)
    runs = read_manifest(reference)["runs"]
    for arm in loaded.spec.arms:
        expected = content_hash(load_scenario(loaded.arm_scenario(arm), loaded.arm_overrides(arm)))
        for run_id, entry in runs.items():
            if entry["arm"] != arm.name:
                continue
            for table in ("world", "labs"):
                meta = pq.read_schema(reference / table / f"{run_id}.parquet").metadata
                found = json.loads(meta[b"openness_run"])
                assert found["run_id"] == run_id
                assert found["experiment_hash"] == loaded.content_hash()
                assert found["seed"] == entry["seed"]
                assert found["scenario_hash"] == expected == entry["scenario_hash"]
                assert found["package_version"] and "git_commit" in found


def _spawn_pool(workers):
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def test_a_process_pool_passed_in_from_python_gives_the_identical_dataset(
    experiment, reference, tmp_path
):
    with _spawn_pool(2) as pool:
        summary = run_batch(load_experiment(experiment), tmp_path / "out", executor=pool)
    assert summary.ok
    assert_same_dataset(reference, tmp_path / "out")


def test_a_passed_in_executor_that_breaks_gives_its_runs_up_and_resume_redoes_them(
    experiment, reference, tmp_path, monkeypatch
):
    """A plain pool cannot be renewed from the runner: the runs it loses are failed, the
    batch ends, and `--resume` on a fresh pool completes the same dataset."""
    monkeypatch.setenv(fault_models.FLAG_DIR, str(tmp_path))
    out = tmp_path / "out"
    with _spawn_pool(2) as pool:
        first = run_batch(
            load_experiment(experiment), out, executor=pool, model=fault_models.killed_once
        )
    assert list(tmp_path.glob("*.killed")), "the worker was never killed"
    assert first.failed > 0 and not first.ok
    failed = [v for v in read_manifest(out)["runs"].values() if v["status"] == "failed"]
    assert all("resume the batch" in v["error"] for v in failed)
    with _spawn_pool(2) as pool:
        second = run_batch(load_experiment(experiment), out, executor=pool, resume=True)
    assert second.ok and second.done == 12 - first.done
    assert_same_dataset(reference, out)


def test_every_executor_runs_with_one_numba_thread(experiment, tmp_path):
    from distributed import LocalCluster

    from openness.experiments.cluster import run_on_cluster

    loaded = load_experiment(experiment)
    with _spawn_pool(1) as pool:
        run_batch(loaded, tmp_path / "pool", executor=pool, model=fault_models.numba_threads)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = run_on_cluster(
            loaded, tmp_path / "dask", cluster, model=fault_models.numba_threads
        )
    assert summary.ok
    for out in ("pool", "dask"):
        assert set(load_results(tmp_path / out)["threads"]) == {1}


def test_the_slurm_recipe_asks_for_one_core_and_one_numba_thread_per_worker_job():
    from openness.experiments.cluster import slurm_cluster

    with slurm_cluster(
        memory="2GB",
        walltime="00:30:00",
        account="proj",
        scheduler_options={"dashboard_address": None},
    ) as cluster:
        script = cluster.job_script()
    assert "--cpus-per-task=1" in script and "--nthreads 1" in script
    assert "#SBATCH -A proj" in script and "-t 00:30:00" in script
    assert "export NUMBA_NUM_THREADS=1" in script and "NUMBA_CACHE_DIR" in script


def test_the_default_worker_count_comes_from_the_environment_or_the_cores(monkeypatch):
    """No --workers: OPENNESS_WORKERS if set, else every core; a bad value is refused by
    name, with what is allowed."""
    import os

    import pytest

    from openness.experiments.executors import (
        InlineExecutor,
        LocalPoolExecutor,
        default_workers,
        make_executor,
    )
    from openness.scenario import ExperimentError

    monkeypatch.delenv("OPENNESS_WORKERS", raising=False)
    assert default_workers() == (os.cpu_count() or 1)
    monkeypatch.setenv("OPENNESS_WORKERS", "3")
    assert default_workers() == 3
    assert isinstance(make_executor(), LocalPoolExecutor)
    assert isinstance(make_executor(1), InlineExecutor)  # --workers wins
    monkeypatch.setenv("OPENNESS_WORKERS", "1")
    assert isinstance(make_executor(), InlineExecutor)
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("OPENNESS_WORKERS", bad)
        with pytest.raises(ExperimentError, match="OPENNESS_WORKERS.*at least 1"):
            default_workers()


def test_a_bad_worker_count_in_the_environment_exits_2_without_a_traceback(
    experiment, tmp_path, monkeypatch, capsys
):
    from openness.cli import main

    monkeypatch.setenv("OPENNESS_WORKERS", "many")
    assert main(["batch", str(experiment), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "OPENNESS_WORKERS" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "world").exists()
