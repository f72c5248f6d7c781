"""The batch runner: runs an experiment's pending runs on an executor into a result store."""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from openness.experiments.design import RunSpec, run_specs
from openness.experiments.executors import (
    InlineExecutor,
    LostRun,
    as_executor,
    default_workers,
    make_executor,
)
from openness.experiments.memory import release_memory, unfreeze_memory  # noqa: F401
from openness.experiments.single import RunResult, event_table, run_scenario
from openness.experiments.spec import LoadedExperiment
from openness.experiments.store import EVENT_COLUMNS, ResultStore
from openness.scenario import Scenario, load_scenario, month_start
from openness.scenario.load import scenario_from_content

#: A model maps a run to its tables, or to a `RunResult` (tables and their provenance)
Model = Callable[[RunSpec], dict[str, pd.DataFrame] | RunResult]

#: what a run of the default model records of where its tables come from, in their files
RUN_PROVENANCE = ("scenario_hash", "package_version", "git_commit")

#: The manifest is rewritten at most this often while a batch runs (and always at its end):
#: files on disk, not the manifest, say which runs are complete, so a kill loses nothing.
MANIFEST_EVERY_SECONDS = 1.0


def run_scenario_of(spec: RunSpec) -> Scenario:
    """The scenario a run simulates: its arm's scenario content with the run's overrides and
    design parameters (a worker needs no scenario file)."""
    assert spec.content is not None  # a run of a scenario carries its content
    overrides = {**spec.overrides, **spec.params}
    return scenario_from_content(spec.content, overrides, spec.source or "scenario")


def scenario_model(spec: RunSpec) -> RunResult:
    """The default model: the openness simulation of the run's scenario (`run_scenario_of`),
    keeping the metrics the experiment asks for."""
    result = run_scenario(run_scenario_of(spec), seed=spec.seed)
    tables = result.tables
    keep = {"world": tables["world"][["month", *spec.metrics]]}
    if spec.lab_metrics:
        keep["labs"] = tables["labs"][["month", "lab", *spec.lab_metrics]]
    if spec.months is not None:
        wanted = [month_start(m) for m in spec.months]
        missing = sorted(set(wanted) - set(keep["world"]["month"]))
        if missing:
            raise ValueError(
                f"months outside the simulated window: "
                f"{', '.join(str(m.date())[:7] for m in missing)}"
            )
        keep = {k: v[v["month"].isin(wanted)] for k, v in keep.items()}
    return RunResult(keep, {k: result.provenance[k] for k in RUN_PROVENANCE})


@dataclass
class RunOutcome:
    run_id: str
    status: str  # "done" or "failed"
    tables: dict[str, pd.DataFrame] | None
    error: str | None
    seconds: float
    provenance: dict = field(default_factory=dict)


def execute(spec: RunSpec, model: Model = scenario_model) -> RunOutcome:
    """Do one run; never raises for the run's own failure (it is reported instead)."""
    started = time.perf_counter()
    try:
        found = model(spec)
    except Exception as exc:  # a failed run is data for the manifest, not a crash
        where = traceback.extract_tb(exc.__traceback__)[-1]
        error = f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
        return RunOutcome(spec.run_id, "failed", None, error, time.perf_counter() - started)
    finally:
        release_memory()
    tables, provenance = (
        (found.tables, found.provenance) if isinstance(found, RunResult) else (found, {})
    )
    ids = {
        "arm": spec.arm,
        "point": spec.point,
        "replication": spec.replication,
        "seed": spec.seed,
        **({} if spec.member is None else {"member": spec.member}),
        **spec.params,
    }
    tagged = {}
    for name, df in tables.items():
        df = df.reset_index(drop=True)
        front = pd.DataFrame({k: [v] * len(df) for k, v in ids.items()})
        tagged[name] = pd.concat([front, df], axis=1)
    seconds = time.perf_counter() - started
    return RunOutcome(spec.run_id, "done", tagged, None, seconds, provenance)


def _write(store: ResultStore, outcome: RunOutcome) -> None:
    assert outcome.tables is not None  # a done run has its tables
    try:
        store.write_run(outcome.run_id, outcome.tables, outcome.seconds, outcome.provenance)
    except OSError:
        store.settle_after_write_failure()
        raise


def _save(store: ResultStore) -> None:
    try:
        store.save_manifest()
    except OSError:
        store.settle_after_write_failure()
        raise


@dataclass
class BatchSummary:
    total: int
    done: int
    failed: int
    skipped: int  # already complete before this invocation
    seconds: float
    out: Path
    stopped: bool = False  # ended early on request

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.done + self.skipped == self.total


def arm_events(loaded: LoadedExperiment) -> pd.DataFrame:
    """Dated events and policies of every arm's scenario (arm and the `event_table`), so that
    figures of the batch can mark them without the scenario files."""
    frames = []
    for arm in loaded.spec.arms:
        path = loaded.arm_scenario(arm)
        if path is not None:
            events = event_table(load_scenario(path, loaded.arm_overrides(arm)))
            frames.append(events.assign(arm=arm.name))
    if not frames:
        return pd.DataFrame(columns=["arm", *EVENT_COLUMNS])
    return pd.concat(frames, ignore_index=True)[["arm", *EVENT_COLUMNS]]


def run_batch(
    loaded: LoadedExperiment,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    model: Model = scenario_model,
    executor=None,
    progress: bool | None = None,
    stop: threading.Event | None = None,
    shard: tuple[int, int] | None = None,
) -> BatchSummary:
    """Run every pending run of the experiment and store its results under `out`.

    `executor` may be one of `executors`' or any `concurrent.futures.Executor`. Setting
    `stop` (e.g. from a Ctrl-C handler) ends the batch once the runs in progress are stored;
    `--resume` finishes it later. `shard` = (i, N) runs only the i-th of N interleaved
    shares of the runs (1 <= i <= N), for a job array; `compact` merges the shards.
    """
    started = time.perf_counter()
    if executor is None and scheduler is None and workers is None:
        workers = default_workers()  # a bad OPENNESS_WORKERS is refused before any output
    specs = run_specs(loaded)
    shard_record = None
    if shard is not None:
        index, count = shard
        shard_record = {"index": index, "count": count, "experiment_runs": len(specs)}
        specs = specs[index - 1 :: count]
    store = ResultStore(Path(out))
    experiment_hash = loaded.content_hash()
    try:
        done_before = store.create_or_resume(
            loaded.spec.name,
            experiment_hash,
            loaded.spec.model_dump(mode="json"),
            specs,
            resume,
            str(loaded.path or loaded.spec.name),
            shard_record,
        )
        store.write_events(arm_events(loaded))
    except BaseException:
        store.close()
        raise
    pending = [s for s in specs if s.run_id not in done_before]
    if executor is not None:
        executor = as_executor(executor)
    else:
        executor = InlineExecutor() if not pending else make_executor(workers, scheduler)
    show = sys.stderr.isatty() if progress is None else progress
    done = failed = 0
    saved = time.monotonic()
    bar = tqdm(
        total=len(specs),
        initial=len(done_before),
        unit="run",
        disable=not show,
        desc=loaded.spec.name,
        dynamic_ncols=True,
    )
    try:
        with executor:
            for outcome in executor.imap_unordered(
                functools.partial(execute, model=model), pending, stop
            ):
                if isinstance(outcome, LostRun):
                    outcome = RunOutcome(outcome.item.run_id, "failed", None, outcome.reason, 0.0)
                if outcome.status == "done":
                    _write(store, outcome)
                    done += 1
                else:
                    store.mark_failed(outcome.run_id, outcome.error, outcome.seconds)
                    failed += 1
                if time.monotonic() - saved > MANIFEST_EVERY_SECONDS:
                    _save(store)
                    saved = time.monotonic()
                bar.update(1)
                bar.set_postfix(failed=failed, refresh=False)
        _save(store)
    finally:
        bar.close()
        with contextlib.suppress(OSError):
            store.save_manifest()
        store.close()
    return BatchSummary(
        len(specs),
        done,
        failed,
        len(done_before),
        time.perf_counter() - started,
        Path(out),
        stopped=done + failed < len(pending),
    )
