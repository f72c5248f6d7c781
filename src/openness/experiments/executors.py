"""Where runs execute: in this process, in a local process pool, on a dask cluster, or on any
`concurrent.futures.Executor` (MPI through `mpi4py.futures`).

Each executor is a context manager with one method, `imap_unordered(fn, items, stop)`, which
yields results as they complete while keeping at most a small window of work in flight, so
that memory stays bounded. Once `stop` is set it starts nothing new, drops work not yet
started, and still yields the results of work in progress.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

LOST_WITH_EXECUTOR = (
    "its executor broke (a worker process died) before it finished; resume the batch on a "
    "fresh executor to redo it"
)
LOST_TWICE = (
    "its worker process died twice (killed by a signal or out of memory), the "
    "second time running this run alone"
)


@dataclass
class LostRun:
    """A run given up because its worker died under it, after one retry on a fresh worker."""

    item: Any
    reason: str


def _init_worker(parent: int | None = None) -> None:
    """One numba thread per worker process: the pool already uses every core. Ctrl-C is the
    batch process's to handle: a worker finishes its run and is then shut down. A worker
    whose batch process has died (killed on its own, not with its process group) exits
    within a second instead of running on as an orphan."""
    import signal
    import threading

    import numba

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    numba.set_num_threads(1)
    parent = os.getppid() if parent is None else parent  # given: the parent may already be gone

    def exit_with_parent() -> None:
        while os.getppid() == parent:
            threading.Event().wait(0.5)
        os._exit(1)

    threading.Thread(target=exit_with_parent, daemon=True, name="exit-with-parent").start()


def in_one_thread(fn: Callable, item: Any) -> Any:
    """`fn(item)` with one numba thread (numba's thread count belongs to the calling thread):
    the executors' workers already use every core they are given."""
    import numba

    numba.set_num_threads(1)
    return fn(item)


class InlineExecutor:
    """Runs in the calling process, one after another (workers = 1).

    Like every worker it uses one numba thread: a batch is parallel across runs, and
    `--workers 1` means one core.
    """

    def __enter__(self) -> InlineExecutor:
        import numba

        self._threads = numba.get_num_threads()
        numba.set_num_threads(1)
        return self

    def __exit__(self, *exc: object) -> None:
        import numba

        from openness.experiments.memory import unfreeze_memory

        numba.set_num_threads(self._threads)
        unfreeze_memory()  # the runs shared this process with its caller

    def imap_unordered(self, fn: Callable, items: Iterable, stop=None) -> Iterator[Any]:
        for item in items:
            if stop is not None and stop.is_set():
                return
            yield fn(item)


class LocalPoolExecutor:
    """A process pool of `workers` processes started with 'spawn'.

    'spawn' rather than 'fork': forking a process that has started numba's or BLAS's threads
    can deadlock the child, the usual cause of batch runs that stall on some platforms.
    """

    def __init__(self, workers: int, window: int | None = None) -> None:
        self.workers = workers
        self.window = window or 4 * workers
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalPoolExecutor:
        self.pool = self._new_pool(self.workers)
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        assert self.pool is not None
        # queued work is dropped (a stopped batch); runs in progress finish unless aborted
        self.pool.shutdown(wait=exc_type is None, cancel_futures=True)

    def imap_unordered(self, fn: Callable, items: Iterable, stop=None) -> Iterator[Any]:
        """Results as they complete. When a worker process dies (killed, out of memory), the
        pool breaks and every run in it is lost: each lost run is tried once more, alone in a
        one-process pool, so that a run that kills its worker again is known for certain
        and given up (`LostRun`) while the others go on."""
        assert self.pool is not None
        source = iter(items)
        pending: dict[Future, Any] = {}
        suspects: list[Any] = []  # runs lost once, to retry alone
        retrying: dict[Future, Any] = {}  # at most one
        alone: ProcessPoolExecutor | None = None

        held: list[Any] = []  # taken from the source, not yet in a pool

        def refill() -> None:
            while len(pending) < self.window:
                nxt = held.pop(0) if held else next(source, None)
                if nxt is None:
                    return
                assert self.pool is not None
                try:
                    pending[self.pool.submit(fn, nxt)] = nxt
                except BrokenProcessPool:
                    # a worker died since the last wait, and the future that reports it is
                    # still pending: keep the run for the fresh pool the break brings
                    held.insert(0, nxt)
                    if pending:
                        return
                    self.pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = self._new_pool(self.workers)

        refill()
        try:
            while pending or suspects or retrying:
                if stop is not None and stop.is_set():
                    for f in [f for f in pending if f.cancel()]:
                        del pending[f]  # keep those already running
                    source, suspects = iter(()), []
                    held.clear()
                if suspects and not retrying:
                    if alone is None:
                        alone = self._new_pool(1)
                    item = suspects.pop(0)
                    retrying[alone.submit(fn, item)] = item
                if not pending and not retrying:
                    continue
                done, _ = wait([*pending, *retrying], return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    if future in retrying:
                        item = retrying.pop(future)
                        if isinstance(future.exception(), BrokenProcessPool):
                            assert alone is not None
                            alone.shutdown(wait=False, cancel_futures=True)
                            alone = None
                            yield LostRun(item, LOST_TWICE)
                        else:
                            yield future.result()
                        continue
                    item = pending.pop(future)
                    if future.cancelled():
                        continue
                    if isinstance(future.exception(), BrokenProcessPool):
                        suspects.append(item)
                        broken = True
                        continue
                    yield future.result()
                if broken:  # every other run of the broken pool is lost with it
                    for future, item in list(pending.items()):
                        del pending[future]
                        if future.done() and not future.cancelled() and future.exception() is None:
                            yield future.result()
                        else:
                            suspects.append(item)
                    self.pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = self._new_pool(self.workers)
                refill()
        finally:
            if alone is not None:
                alone.shutdown(wait=False, cancel_futures=True)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            workers,
            initializer=_init_worker,
            initargs=(os.getpid(),),
            mp_context=multiprocessing.get_context("spawn"),
        )


#: runs a dask cluster is given at least, in flight or queued
DASK_MIN_WINDOW = 512


class DaskExecutor:
    """Runs on an existing dask.distributed cluster (`address`) or a given `Client`."""

    def __init__(
        self, address: str | None = None, client: Any = None, window: int | None = None
    ) -> None:
        self.address = address
        self.client = client
        self._own_client = client is None
        self.window = window

    def __enter__(self) -> DaskExecutor:
        if self.client is None:
            from distributed import Client

            self.client = Client(self.address, timeout="30s")
        if self.window is None:
            # enough work queued for an adaptive cluster (SLURM jobs started on demand) to
            # see the demand and scale up, yet bounded: runs' results are small
            threads = sum(self.client.nthreads().values())
            self.window = max(4 * threads, DASK_MIN_WINDOW)
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        from openness.experiments.memory import unfreeze_memory

        if self._own_client and self.client is not None:
            self.client.close()
        unfreeze_memory()  # in case workers were threads of this process

    def imap_unordered(self, fn: Callable, items: Iterable, stop=None) -> Iterator[Any]:
        from distributed import as_completed

        source = iter(items)
        items_of: dict[str, Any] = {}

        def submit(item: Any):
            future = self.client.submit(in_one_thread, fn, item, pure=False)
            items_of[future.key] = item
            return future

        queue = as_completed([submit(item) for item in itertools.islice(source, self.window)])
        for future in queue:
            item = items_of.pop(future.key, None)
            try:
                result = future.result()
            except Exception as exc:  # the scheduler gave the run up after its retries
                if type(exc).__name__ != "KilledWorker":
                    raise
                result = LostRun(item, f"its dask workers died running it: {exc}")
            future.release()
            nxt = None if stop is not None and stop.is_set() else next(source, None)
            if nxt is not None:
                queue.add(submit(nxt))
            yield result


class FuturesExecutor:
    """Runs on a `concurrent.futures.Executor` that the caller made and shuts down: a
    `ProcessPoolExecutor`, `mpi4py.futures.MPIPoolExecutor`, or any other.

    Such an executor cannot be renewed from here, so a run whose worker dies (the executor
    breaks) is given up (`LostRun`) with every run not yet finished, and the batch ends:
    `--resume` on a fresh executor redoes them. The local pool, which can renew itself,
    retries instead.
    """

    def __init__(self, executor: Executor, window: int | None = None) -> None:
        self.executor = executor
        self.window = window or 4 * (getattr(executor, "_max_workers", None) or os.cpu_count() or 1)

    def __enter__(self) -> FuturesExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass  # the caller owns the executor

    def imap_unordered(self, fn: Callable, items: Iterable, stop=None) -> Iterator[Any]:
        source = iter(items)
        pending: dict[Future, Any] = {}
        broken = False

        def refill() -> None:
            while not broken and len(pending) < self.window:
                if stop is not None and stop.is_set():
                    return
                item = next(source, None)
                if item is None:
                    return
                pending[self.executor.submit(in_one_thread, fn, item)] = item

        refill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                item = pending.pop(future)
                if future.cancelled():
                    continue
                if isinstance(future.exception(), BrokenExecutor):
                    broken = True
                    yield LostRun(item, LOST_WITH_EXECUTOR)
                    continue
                yield future.result()
            if broken:
                for future, item in list(pending.items()):
                    if not future.done() or future.exception() is not None:
                        del pending[future]
                        yield LostRun(item, LOST_WITH_EXECUTOR)
            refill()


def as_executor(executor: Any) -> Any:
    """The runner's executor for `executor`: a `concurrent.futures.Executor` is wrapped in a
    `FuturesExecutor`; one of this module's executors is returned as it is."""
    return FuturesExecutor(executor) if isinstance(executor, Executor) else executor


def require_dask(source: str = "--scheduler", module: str = "distributed") -> None:
    """A clear error, before anything runs, when dask.distributed (or the dask extra's other
    `module`, dask_jobqueue) is not installed."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        from openness.scenario import ExperimentError

        raise ExperimentError(
            source,
            "--scheduler",
            f"running on a dask cluster needs the dask extra ({module} is missing): "
            "pip install 'openness[dask]'",
        )


#: the environment variable that sets the default number of local worker processes
WORKERS_VARIABLE = "OPENNESS_WORKERS"


def default_workers() -> int:
    """Local worker processes when none are asked for: `OPENNESS_WORKERS` if set (for a
    shared machine, or a job given fewer cores than the node has), else every core."""
    text = os.environ.get(WORKERS_VARIABLE, "").strip()
    if not text:
        return os.cpu_count() or 1
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        from openness.scenario import ExperimentError

        raise ExperimentError(
            "the environment",
            WORKERS_VARIABLE,
            f"must be a whole number of worker processes, at least 1 (got {text!r}); "
            "unset it to use every core",
        )
    return value


def make_executor(workers: int | None = None, scheduler: str | None = None):
    """The executor the CLI options ask for; workers defaults to `default_workers()`."""
    if scheduler:
        require_dask()
        return DaskExecutor(scheduler)
    workers = workers or default_workers()
    return InlineExecutor() if workers == 1 else LocalPoolExecutor(workers)
