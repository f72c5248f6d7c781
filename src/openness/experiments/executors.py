"""Where runs execute: in this process, in a local process pool, or on a dask cluster.

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
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any


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

        from openness.experiments.runner import unfreeze_memory

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
        self.pool = ProcessPoolExecutor(self.workers, initializer=_init_worker,
                                        initargs=(os.getpid(),),
                                        mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        assert self.pool is not None
        # queued work is dropped (a stopped batch); runs in progress finish unless aborted
        self.pool.shutdown(wait=exc_type is None, cancel_futures=True)

    def imap_unordered(self, fn: Callable, items: Iterable, stop=None) -> Iterator[Any]:
        assert self.pool is not None
        source = iter(items)
        pending = {self.pool.submit(fn, item) for item in itertools.islice(source, self.window)}
        while pending:
            if stop is not None and stop.is_set():
                pending = {f for f in pending if not f.cancel()}  # keep those already running
                source = iter(())
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                if future.cancelled():
                    continue
                yield future.result()
                nxt = next(source, None)
                if nxt is not None:
                    pending.add(self.pool.submit(fn, nxt))


class DaskExecutor:
    """Runs on an existing dask.distributed cluster (`address`) or a given `Client`."""

    def __init__(self, address: str | None = None, client: Any = None,
                 window: int | None = None) -> None:
        self.address = address
        self.client = client
        self._own_client = client is None
        self.window = window

    def __enter__(self) -> DaskExecutor:
        if self.client is None:
            from distributed import Client

            self.client = Client(self.address, timeout="30s")
        if self.window is None:
            self.window = 4 * max(1, sum(self.client.nthreads().values()))
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        from openness.experiments.runner import unfreeze_memory

        if self._own_client and self.client is not None:
            self.client.close()
        unfreeze_memory()  # in case workers were threads of this process

    def imap_unordered(self, fn: Callable, items: Iterable, stop=None) -> Iterator[Any]:
        from distributed import as_completed

        source = iter(items)
        first = [self.client.submit(fn, item, pure=False)
                 for item in itertools.islice(source, self.window)]
        queue = as_completed(first)
        for future in queue:
            result = future.result()
            future.release()
            nxt = None if stop is not None and stop.is_set() else next(source, None)
            if nxt is not None:
                queue.add(self.client.submit(fn, nxt, pure=False))
            yield result


def make_executor(workers: int | None = None, scheduler: str | None = None):
    """The executor the CLI options ask for; workers defaults to all cores."""
    if scheduler:
        return DaskExecutor(scheduler)
    workers = workers or os.cpu_count() or 1
    return InlineExecutor() if workers == 1 else LocalPoolExecutor(workers)
