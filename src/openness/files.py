"""The files openness writes, and the rules that keep it from destroying anyone else's.

Every directory openness writes carries a marker file, `.openness.json`, with its kind, the
package version, its provenance and the names of the entries openness put there. An existing
directory is replaced only if it carries that marker (or the provenance of an earlier
version: a `summary.json` or `manifest.json` that openness wrote) and holds nothing else;
otherwise the command refuses it, touching nothing. Paths that can never be an output (the
working directory or one of its ancestors, `/`, the home directory, a directory holding an
input file, a file) are refused before anything is written. Paths built from names are
checked to stay under their output root. Files are written under a temporary name and
renamed into place, so an interrupted command never leaves a file that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from openness import __version__
from openness.scenario.errors import OutputError

MARKER = ".openness.json"

#: entries earlier versions wrote, by the provenance file that marks their directories
LEGACY_ENTRIES = {
    "summary.json": {
        "summary.json",
        "world.parquet",
        "labs.parquet",
        "decisions.parquet",
        "events.parquet",
        "adoption.png",
        "adoption.svg",
        "report.html",
        "report.md",
        "figures",
    },
    "manifest.json": {
        "manifest.json",
        "experiment.json",
        "events.parquet",
        "world",
        "labs",
        "report.html",
        "report.md",
        "figures",
        "compare.csv",
        "sensitivity.csv",
    },
    "validation.md": {
        "validation.md",
        "validation.csv",
        "runs",
        "report.html",
        "report.md",
        "figures",
    },
}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def marker(directory: Path) -> dict | None:
    """The marker of a directory openness wrote (a legacy one is synthesised), else None."""
    directory = Path(directory)
    found = _read_json(directory / MARKER)
    if isinstance(found, dict) and found.get("openness"):
        return found
    summary = _read_json(directory / "summary.json")
    if isinstance(summary, dict) and "scenario_hash" in summary and "package_version" in summary:
        return {
            "openness": summary["package_version"],
            "kind": "run",
            "entries": sorted(LEGACY_ENTRIES["summary.json"]),
        }
    manifest = _read_json(directory / "manifest.json")
    if isinstance(manifest, dict) and "experiment_hash" in manifest:
        return {
            "openness": manifest.get("package_version", "?"),
            "kind": "batch",
            "entries": sorted(LEGACY_ENTRIES["manifest.json"]),
        }
    if (directory / "validation.md").is_file() and (directory / "runs" / "manifest.json").is_file():
        return {
            "openness": "?",
            "kind": "validation",
            "entries": sorted(LEGACY_ENTRIES["validation.md"]),
        }
    return None


def foreign_entries(directory: Path) -> list[str]:
    """Entries of an existing directory that openness did not write there (all of them if it
    carries no marker)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    names = sorted(p.name for p in directory.iterdir())
    found = marker(directory)
    if found is None:
        return names
    own = {MARKER, *found.get("entries", [])}
    return [n for n in names if n not in own and not n.startswith(".openness")]


def check_output(
    out: str | Path,
    *,
    inputs: Iterable[str | Path] = (),
    what: str = "--out",
    existing: str = "replace",
    hint: str = "",
) -> Path:
    """The resolved output directory `out`, or OutputError if openness may not write it.

    An existing directory must be empty or hold only what openness wrote (`existing` =
    "replace"), must be empty ("empty"), or may hold anything ("any": a root under which
    openness writes directories of its own, each checked in turn)."""
    text = str(out)
    if text.strip() == "":
        raise OutputError(
            "(empty)",
            what,
            "an output directory must be named; the empty path would mean the working directory",
        )
    path = Path(text).expanduser()
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        raise OutputError(
            text,
            what,
            "is the root or the home directory; name a directory of its own, such as results/NAME",
        )
    if cwd == resolved or cwd.is_relative_to(resolved):
        raise OutputError(
            text,
            what,
            "is the working directory or one of its parents, which "
            "openness never replaces; name a directory of its own, such as "
            "results/NAME",
        )
    for source in inputs:
        if Path(source).resolve().is_relative_to(resolved):
            raise OutputError(
                text,
                what,
                f"holds the input file {source}; write the results to a directory of their own",
            )
    if resolved.exists() and not resolved.is_dir():
        raise OutputError(
            text,
            what,
            "is a file, not a directory; openness writes a "
            "directory there and will not replace a file",
        )
    if existing != "any" and resolved.is_dir() and any(resolved.iterdir()):
        foreign = foreign_entries(resolved)
        if foreign or existing == "empty":
            shown = ", ".join(foreign[:8]) + (" ..." if len(foreign) > 8 else "")
            if foreign:
                raise OutputError(
                    text,
                    what,
                    f"holds files openness did not write ({shown}); "
                    "openness replaces only a directory it wrote itself: choose "
                    "another output directory or move those files",
                )
            raise OutputError(
                text,
                what,
                f"is not empty (it holds results openness wrote); "
                f"{hint or 'choose another output directory'}",
            )
    return resolved


def check_owned(directory: str | Path, writes: Iterable[str], what: str = "DIR") -> Path:
    """The resolved `directory`, or OutputError unless openness wrote it and the entries it
    is about to write there (`writes`) are its own or absent."""
    resolved = Path(directory).expanduser().resolve()
    if not resolved.is_dir():
        raise OutputError(str(directory), what, "is not a directory")
    if marker(resolved) is None:
        raise OutputError(
            str(directory),
            what,
            "is not a run directory, batch directory or "
            "validation directory that openness wrote (it holds no "
            f"{MARKER}, summary.json or manifest.json)",
        )
    clash = sorted(set(foreign_entries(resolved)) & set(writes))
    if clash:
        raise OutputError(
            str(directory),
            what,
            f"holds {', '.join(clash)}, which openness did not write; move them first",
        )
    return resolved


def under(root: str | Path, name: str) -> Path:
    """`root / name`, refused unless it stays under `root` once resolved."""
    base = Path(root).expanduser().resolve()
    path = (base / name).resolve()
    if path == base or not path.is_relative_to(base):
        raise OutputError(
            str(root),
            "name",
            f"the name {name!r} would write outside "
            f"{root}; names are letters, digits, '-', '_' and '.'",
        )
    return path


def write_marker(
    directory: Path, kind: str, entries: Iterable[str], provenance: dict | None = None
) -> None:
    """Mark `directory` as written by openness (kind, version, provenance, its entries)."""
    data = {
        "openness": __version__,
        "kind": kind,
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "entries": sorted(set(entries)),
        "provenance": provenance or {},
    }
    atomic_write_text(Path(directory) / MARKER, json.dumps(data, indent=2, sort_keys=True) + "\n")


def add_entries(directory: Path, names: Iterable[str]) -> None:
    """Record more entries that openness wrote into a directory it owns."""
    found = marker(directory) or {"kind": "unknown", "entries": []}
    write_marker(
        directory,
        found.get("kind", "unknown"),
        [*found.get("entries", []), *names],
        found.get("provenance"),
    )


def replace_directory(
    out: Path, build: Callable[[Path], None], kind: str, provenance: dict | None = None
) -> Path:
    """Build a directory with `build(tmp)` in a temporary sibling and put it at `out` once
    complete, replacing what was there (which `check_output` has cleared). A failure leaves
    `out` as it was and no temporary directory behind."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a result directory is not
    try:
        build(tmp)
        write_marker(tmp, kind, [p.name for p in tmp.iterdir()], provenance)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.rename(old / out.name)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def atomic_write_with(path: Path, write: Callable[[Path], object]) -> None:
    """`write(tmp)` to a temporary name beside `path`, then rename it into place."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(str(path), "path", "is a directory; name a file to write")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_with(path, lambda tmp: tmp.write_text(text))
