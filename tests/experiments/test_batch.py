"""The batch runner: same dataset on any executor, failures recorded, kills survived."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd

from openness.cli import main
from openness.experiments import load_experiment, load_results, read_manifest, run_batch
from openness.experiments.executors import DaskExecutor
from tests.experiments.helpers import assert_same_dataset, write_experiment


def test_dataset_is_tidy_and_complete(reference):
    df = load_results(reference)
    assert list(df.columns[:5]) == ["arm", "point", "replication", "seed", "month"]
    assert len(df) == 3 * 4 * 2  # arms x replications x kept months
    assert list(dict.fromkeys(df["arm"])) == ["baseline", "funding", "ban"]
    labs = load_results(reference, "labs")
    assert {"lab", "strategy"} <= set(labs.columns) and len(labs) == 3 * 4 * 2 * 16
    manifest = read_manifest(reference)
    assert manifest["counts"] == {"done": 12} and len(manifest["experiment_hash"]) == 64
    assert manifest["package_version"]


def test_two_worker_processes_give_the_identical_dataset(experiment, reference, tmp_path):
    summary = run_batch(load_experiment(experiment), tmp_path / "out", workers=2)
    assert summary.ok
    assert_same_dataset(reference, tmp_path / "out")


def test_dask_local_cluster_gives_the_identical_dataset(experiment, reference, tmp_path):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        # the same path as `openness batch --scheduler ADDRESS`
        summary = run_batch(
            load_experiment(experiment), tmp_path / "out", scheduler=cluster.scheduler_address
        )
    assert summary.ok
    assert_same_dataset(reference, tmp_path / "out")


def test_dask_executor_accepts_an_existing_client(experiment, reference, tmp_path):
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        summary = run_batch(
            load_experiment(experiment),
            tmp_path / "out",
            executor=DaskExecutor(client=client, window=3),
        )
    assert summary.ok
    assert_same_dataset(reference, tmp_path / "out")


def test_sigkill_then_resume_gives_the_identical_dataset(experiment, reference, tmp_path):
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "openness.cli",
        "batch",
        str(experiment),
        "--workers",
        "2",
        "--out",
        str(out),
        "--quiet",
    ]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = list((out / "world").glob("*.parquet")) if (out / "world").exists() else []
        if len(done) >= 3:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, as a crash would
    proc.wait()
    completed = len(list((out / "world").glob("*.parquet")))
    assert 3 <= completed < 12, "the kill should land part-way through"
    assert (
        main(["batch", str(experiment), "--workers", "2", "--out", str(out), "--resume", "--quiet"])
        == 0
    )
    assert_same_dataset(reference, out)
    files = sorted(p.name for p in (out / "world").iterdir())
    assert len(files) == 12 and not [f for f in files if f.startswith(".")]
    assert read_manifest(out)["counts"] == {"done": 12}


def test_workers_exit_when_the_batch_process_is_killed_alone(experiment, tmp_path):
    import psutil

    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "openness.cli",
        "batch",
        str(experiment),
        "--workers",
        "2",
        "--out",
        str(out),
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = [
            c
            for c in psutil.Process(proc.pid).children(recursive=True)
            if "spawn_main" in " ".join(c.cmdline())
        ]
        time.sleep(0.05)
    assert len(workers) == 2
    proc.kill()  # only the batch process, as `kill -9 PID` would
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=60)  # generous: a loaded machine is slow
    assert not alive, "orphaned workers kept running"


def test_ctrl_c_stops_cleanly_and_resume_finishes(experiment, reference, tmp_path):
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "openness.cli",
        "batch",
        str(experiment),
        "--workers",
        "2",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (out / "world").exists() and len(list((out / "world").glob("*.parquet"))) >= 2:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--resume" in err and "Traceback" not in err
    manifest = read_manifest(out)  # left valid, and it knows every run stored on disk
    stored = len(list((out / "world").glob("*.parquet")))
    assert stored >= 2 and manifest["counts"].get("done", 0) == stored
    assert (
        main(["batch", str(experiment), "--workers", "1", "--out", str(out), "--resume", "--quiet"])
        == 0
    )
    assert_same_dataset(reference, out)


def test_resume_refuses_a_directory_of_another_experiment(reference, tmp_path, capsys):
    other = write_experiment(tmp_path, "", name="other", replications=2)
    assert main(["batch", str(other), "--out", str(reference), "--resume"]) == 2
    assert "different experiment" in capsys.readouterr().err


def test_existing_directory_needs_resume(experiment, reference, capsys):
    assert main(["batch", str(experiment), "--out", str(reference)]) == 2
    assert "--resume" in capsys.readouterr().err


def test_resume_of_a_complete_batch_does_nothing(experiment, reference, capsys):
    before = {p.name: p.stat().st_mtime_ns for p in (reference / "world").iterdir()}
    assert main(["batch", str(experiment), "--out", str(reference), "--resume"]) == 0
    assert "0 runs done, 0 failed, 12 already complete" in capsys.readouterr().out
    assert before == {p.name: p.stat().st_mtime_ns for p in (reference / "world").iterdir()}


def test_failed_runs_are_recorded_and_the_rest_complete(tmp_path, capsys, monkeypatch):
    # every run is valid, but those of one design point raise inside the model
    from openness.experiments import runner

    real = runner.run_scenario

    def flaky(scenario, seed=None, **kw):
        if scenario.world.spillover_open == 0.09:
            raise FloatingPointError("a failure inside the model")
        return real(scenario, seed, **kw)

    monkeypatch.setattr(runner, "run_scenario", flaky)
    body = (
        '[design]\nkind = "grid"\n[[factors]]\nname = "world.spillover_open"\n'
        "levels = [0.08, 0.09]\n"
    )
    path = write_experiment(tmp_path, body, replications=2, extra_arms=False)
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out), "--workers", "1"]) == 3
    assert "2 run(s) failed" in capsys.readouterr().err
    runs = read_manifest(out)["runs"]
    failed = {k: v for k, v in runs.items() if v["status"] == "failed"}
    assert len(failed) == 2 and all(
        v["params"]["world.spillover_open"] == 0.09 for v in failed.values()
    )
    assert all("a failure inside the model" in v["error"] for v in failed.values())
    assert sum(v["status"] == "done" for v in runs.values()) == 2
    assert len(load_results(out)) == 2 * 2


def test_a_factor_level_the_schema_refuses_stops_the_batch_before_any_run(tmp_path, capsys):
    body = (
        '[design]\nkind = "grid"\n[[factors]]\nname = "world.spillover_open"\n'
        'levels = [0.08, 1.5]\n[[factors]]\nname = "world.spilover_closed"\n'
        "levels = [0.01]\n"
    )
    path = write_experiment(tmp_path, body, replications=2, extra_arms=False)
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "factors[0] (world.spillover_open)" in err and "less than or equal to 1" in err
    assert "factors[1] (world.spilover_closed)" in err and "unknown key" in err
    assert not out.exists()


def test_results_command_prints_and_exports(reference, tmp_path, capsys):
    assert main(["results", str(reference), "--csv", str(tmp_path / "r.csv")]) == 0
    assert "24 rows" in capsys.readouterr().out
    assert len(pd.read_csv(tmp_path / "r.csv")) == 24


def test_compare_command_prints_effects_with_intervals(reference, capsys):
    assert main(["compare", str(reference), "--metrics", "open_share_dev_count"]) == 0
    printed = capsys.readouterr().out
    assert "funding" in printed and "ban" in printed and "95% CI" in printed
    table = pd.read_csv(reference / "compare.csv")
    assert set(table["arm"]) == {"funding", "ban"} and (table["pairs"] == 4).all()
    assert (table["ci_low"] <= table["effect"]).all() and (
        table["effect"] <= table["ci_high"]
    ).all()
    json.loads((reference / "manifest.json").read_text())  # untouched and valid


def test_a_stop_request_ends_the_batch_and_resume_finishes_it(experiment, reference, tmp_path):
    import threading

    stop = threading.Event()
    calls = []

    def stopping_model(spec):
        from openness.experiments.runner import scenario_model

        calls.append(spec.run_id)
        if len(calls) == 3:
            stop.set()  # as a Ctrl-C handler would, while this run is in progress
        return scenario_model(spec)

    out = tmp_path / "out"
    summary = run_batch(
        load_experiment(experiment), out, workers=1, model=stopping_model, stop=stop
    )
    assert summary.stopped and summary.done == 3  # the run in progress is kept
    assert len(list((out / "world").glob("*.parquet"))) == 3
    assert run_batch(load_experiment(experiment), out, workers=2, resume=True).ok
    assert_same_dataset(reference, out)


def test_scheduler_without_dask_says_which_extra_to_install(
    experiment, tmp_path, capsys, monkeypatch
):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "distributed" else real(name, *a),
    )
    out = tmp_path / "out"
    assert (
        main(["batch", str(experiment), "--scheduler", "tcp://127.0.0.1:1", "--out", str(out)]) == 2
    )
    assert "openness[dask]" in capsys.readouterr().err
    assert not out.exists()


def test_replications_override_for_a_quick_trial(experiment, tmp_path):
    out = tmp_path / "out"
    assert (
        main(
            [
                "batch",
                str(experiment),
                "--replications",
                "1",
                "--workers",
                "1",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    manifest = read_manifest(out)
    assert manifest["counts"] == {"done": 3}  # three arms, one replication
    assert {e["replication"] for e in manifest["runs"].values()} == {0}


def _per_file(root, table):
    """The reader load_results replaced: one DataFrame per run file, then a concat."""
    manifest = read_manifest(root)
    done = {k for k, v in manifest["runs"].items() if v["status"] == "done"}
    files = sorted(p for p in (root / table).glob("*.parquet") if p.stem in done)
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    order = {arm: i for i, arm in enumerate(manifest["arms"])}
    keys = ["_arm", "point", "replication", "month"] + (["lab"] if table == "labs" else [])
    df["_arm"] = df["arm"].map(order)
    return df.sort_values(keys, kind="stable").drop(columns="_arm").reset_index(drop=True)


def test_the_dataset_scan_reads_the_same_frame_as_reading_each_file(reference):
    for table in ("world", "labs"):
        pd.testing.assert_frame_equal(load_results(reference, table), _per_file(reference, table))


def test_a_column_only_some_run_files_hold_is_kept(reference, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    last = sorted((copy / "world").glob("*.parquet"))[-1]
    pd.read_parquet(last).assign(extra=1.5).to_parquet(last, index=False)
    df = load_results(copy)
    assert "extra" in df.columns
    assert df["extra"].notna().sum() == len(pd.read_parquet(last))
