"""Where a result comes from: the package version and, when known, the source commit."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The git commit of the package's source tree ('+dirty' if its files differ from it), or
    None for an installed package outside a checkout or a machine without git."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty.strip() else head or None


#: the subpackages whose code decides what a run simulates (not how it is run or shown)
MODEL_CODE = ("kernels", "market", "metrics", "model", "scenario")
NOT_MODEL_CODE = ("scenario/ensemble.py", "scenario/errors.py")


@functools.lru_cache(maxsize=1)
def model_code_hash() -> str:
    """SHA-256 of the source of the modules that decide a run's results (`MODEL_CODE` and
    the vocabulary), so that a parameter ensemble can tell whether the model it was
    calibrated on is the one about to run."""
    import hashlib

    here = Path(__file__).resolve().parent
    files = [here / "vocabulary.py"]
    for package in MODEL_CODE:
        files += sorted((here / package).rglob("*.py"))
    # the ensemble file's reader and the error messages do not change what a run simulates
    files = [f for f in files if f.relative_to(here).as_posix() not in NOT_MODEL_CODE]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(here).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
