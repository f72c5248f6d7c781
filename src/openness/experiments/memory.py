"""Keeping a worker's memory flat over thousands of runs."""

from __future__ import annotations

import gc

_gc_frozen = False


def release_memory() -> None:
    """Free the finished model now. Mesa agents and their model reference each other, so
    only the cycle collector frees them; collecting after every run keeps a worker's memory
    flat over thousands of runs. After the first run everything alive (modules, compiled
    kernels) is frozen out of the collector's sight, so later collections take ~1 ms."""
    global _gc_frozen
    gc.collect()
    if not _gc_frozen:
        gc.freeze()
        _gc_frozen = True


def unfreeze_memory() -> None:
    """Undo `release_memory`'s freeze (for batches run inside a user's own process)."""
    global _gc_frozen
    if _gc_frozen:
        gc.unfreeze()
        _gc_frozen = False
