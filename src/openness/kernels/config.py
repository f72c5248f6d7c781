"""Numba settings in one place, so that every kernel compiles the same way.

`cache=True` writes compiled code next to the sources so that worker processes and later runs
skip compilation. `fastmath` stays off: the kernels must be bit-identical to their plain-Python
reference twins, and fast-math lets LLVM reorder floating-point operations. `error_model =
"numpy"`: a float division by zero gives inf or nan as in numpy instead of raising, which
keeps exception checks out of the inner loops (no kernel divides by a quantity that can be 0
on a path whose result is used).
"""

from __future__ import annotations

from numba import njit

JIT_OPTIONS = {"cache": True, "fastmath": False, "nogil": True, "error_model": "numpy"}
PARALLEL_OPTIONS = {**JIT_OPTIONS, "parallel": True}

#: Agents handled by one parallel work item: a fixed block size makes integer tallies and the
#: work split independent of the thread count.
BLOCK = 4096


def jit(fn):
    """Compile a serial kernel."""
    return njit(**JIT_OPTIONS)(fn)


def jit_parallel(fn):
    """Compile a kernel whose outer loop is `prange` over blocks."""
    return njit(**PARALLEL_OPTIONS)(fn)
