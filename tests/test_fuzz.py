"""Fuzzing the command line with mutated real scenario and experiment files.

Each generated case deletes a key, gives one a wrong type, a boundary or non-finite number, a
bad date, or a name that is a path, and runs it through the CLI's entry point in this
process. Every case must end in exit 0 (a tiny run whose tables hold no infinity and no
undocumented missing value) or exit 2 (one message naming the file, and the field where
there is one), never an internal error, and never touch a file outside its output
directory: a sentinel directory of user files beside it is checked after each case.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import warnings
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openness.cli import main
from openness.outputs.tables import read_run
from tests.conftest import ROOT, undocumented_gaps

SCENARIOS = [
    "baseline.toml",
    "deepseek_cascade.toml",
    "policies/eu_gpai.toml",
    "consolidation_open_funding.toml",
]
EXPERIMENTS = ["policy_interventions.toml", "sensitivity_spillover.toml"]
TINY = ["--months", "2", "--developers", "10", "--enterprises", "10", "--quiet"]
CASES = int(os.environ.get("OPENNESS_FUZZ_CASES", "320"))
#: half the cases mutate scenario files, half experiment files; the same cases every run
FUZZ = settings(
    max_examples=CASES // 2,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NUMBERS = [math.inf, -math.inf, math.nan, 0, -1, 1, 0.5, 1e308, -1e308, 2**70, 1e-320]
DATES = ["2025-13", "0000-01", "9999-12", "2025-1", "1900-01", "2100-01", "2024-00", "soon"]
NAMES = ["../../victim", "/tmp/victim", "a b", "", "..", "x/y", "ok-name", "../", "~"]
WRONG = ["text", True, [1, 2], {"a": 1}, 3]


def _raw(path: Path) -> dict:
    """A file's TOML with its relative paths made absolute, so that it can live anywhere."""
    data = tomllib.loads(path.read_text())
    if isinstance(data.get("extends"), str):
        data["extends"] = str((path.parent / data["extends"]).resolve())
    for key in ("scenario",):
        if isinstance(data.get(key), str):
            data[key] = str((path.parent / data[key]).resolve())
    for arm in data.get("arms", []):
        if isinstance(arm, dict) and isinstance(arm.get("scenario"), str):
            arm["scenario"] = str((path.parent / arm["scenario"]).resolve())
    return data


BASE_SCENARIOS = {name: _raw(ROOT / "scenarios" / name) for name in SCENARIOS}
BASE_EXPERIMENTS = {name: _raw(ROOT / "experiments" / name) for name in EXPERIMENTS}


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    """Paths to every value in a nested dict/list."""
    out = [path] if path else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _leaves(v, (*path, i))
    return out


def _parent(node: Any, path: tuple) -> Any:
    for part in path[:-1]:
        node = node[part]
    return node


@st.composite
def mutations(draw, bases: dict[str, dict]) -> tuple[str, dict, str]:
    name = draw(st.sampled_from(sorted(bases)))
    data = copy.deepcopy(bases[name])
    for _ in range(draw(st.integers(1, 3))):
        paths = _leaves(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(data, path), path[-1]
        old = parent[key]
        kind = draw(st.sampled_from(["delete", "wrong", "number", "date", "name", "extra"]))
        if kind == "delete":
            del parent[key]
        elif kind == "wrong":
            parent[key] = draw(st.sampled_from(WRONG))
        elif kind == "number":
            parent[key] = draw(st.sampled_from(NUMBERS)) if not isinstance(old, bool) else 0
        elif kind == "date":
            parent[key] = draw(st.sampled_from(DATES))
        elif kind == "name":
            parent[key] = draw(st.sampled_from(NAMES))
        elif isinstance(parent, dict):
            parent["unknown_" + str(key)] = 1
    return name, data, kind


def _snapshot(root: Path, skip: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path == skip or skip in path.parents:
            continue
        out[str(path.relative_to(root))] = (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        )
    return out


def _workspace() -> tuple[Path, Path]:
    work = Path(tempfile.mkdtemp(prefix="fuzz."))
    user = work / "user"
    user.mkdir()
    (user / "thesis.txt").write_text("a user's work\n")
    (user / "victim").mkdir()
    (user / "victim" / "data.csv").write_text("1,2\n")
    return work, work / "out"


@pytest.fixture(autouse=True)
def _quick_figures(monkeypatch):
    """The figures' drawing is not what is fuzzed here (the subprocess cases draw them):
    write placeholder files, in the same places, so that a case takes milliseconds."""
    from openness.outputs import plots

    def save(fig, path_stem, formats=("png", "svg"), dpi=110):
        for fmt in formats:
            Path(f"{path_stem}.{fmt}").write_bytes(b"figure")
        return []

    monkeypatch.setattr(plots, "save", save)


def _check(code: int, err: str, file: Path, work: Path, out: Path, before: dict) -> None:
    assert code in (0, 2), f"exit {code}: {err}"
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert str(file) in err or "Output directory" in err, err
    assert _snapshot(work, out) == before, "a file outside the output directory changed"


def _run_case(args: list[str], file: Path, work: Path, out: Path, capsys) -> int:
    before = _snapshot(work, out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(args)
    err = capsys.readouterr().err
    _check(code, err, file, work, out, before)
    if os.environ.get("OPENNESS_FUZZ_LOG"):  # to see what the cases exercise
        with open(os.environ["OPENNESS_FUZZ_LOG"], "a") as log:
            log.write(f"{args[0]} {code} {err.strip().splitlines()[:1]}\n")
    return code


@FUZZ
@given(case=mutations(BASE_SCENARIOS))
def test_mutated_scenarios_run_or_are_refused(case, capsys):
    name, data, _ = case
    work, out = _workspace()
    try:
        file = work / "scenario.toml"
        file.write_text(tomli_w.dumps(data))
        code = _run_case(["run", str(file), "--out", str(out), *TINY], file, work, out, capsys)
        if code == 0:
            tables, _ = read_run(out)
            assert undocumented_gaps(tables) == []
    finally:
        shutil.rmtree(work, ignore_errors=True)


@FUZZ
@given(case=mutations(BASE_EXPERIMENTS))
def test_mutated_experiments_run_or_are_refused(case, capsys):
    name, data, _ = case
    data = copy.deepcopy(data)
    # tiny and quick: one replication, two months, ten agents, a design of at most 4 points
    data["replications"] = 1
    data.pop("seeds", None)
    if isinstance(data.setdefault("overrides", {}), dict):
        data["overrides"].update(
            {"simulation.months": 2, "simulation.developers": 10, "simulation.enterprises": 10}
        )
    if isinstance(data.get("design"), dict):
        data["design"]["samples"] = 1
    if isinstance(data.get("outputs"), dict):
        data["outputs"]["months"] = "all"
    work, out = _workspace()
    try:
        file = work / "experiment.toml"
        file.write_text(tomli_w.dumps(data))
        _run_case(
            ["batch", str(file), "--out", str(out), "--workers", "1", "--quiet"],
            file,
            work,
            out,
            capsys,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _set_lab(data: dict, lab: str, key: str, value: Any) -> None:
    next(x for x in data["labs"] if x.get("name") == lab)[key] = value


REAL_PROCESS_CASES = {
    "traversing name": lambda d: d.update(name="../../victim"),
    "infinite capital": lambda d: _set_lab(d, "OpenAI", "capital", math.inf),
    "year zero": lambda d: d["simulation"].update(start="0000-01"),
    "decline of 1": lambda d: d["world"].update(flop_cost_decline_per_year=1.0),
}


@pytest.mark.parametrize("case", sorted(REAL_PROCESS_CASES))
def test_a_few_cases_as_real_processes(case, tmp_path):
    data = copy.deepcopy(BASE_SCENARIOS["baseline.toml"])
    REAL_PROCESS_CASES[case](data)
    user = tmp_path / "user"
    user.mkdir()
    (user / "keep.txt").write_text("keep")
    file = tmp_path / "scenario.toml"
    file.write_text(tomli_w.dumps(data))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "openness.cli",
            "run",
            str(file),
            "--out",
            str(tmp_path / "out"),
            *TINY,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert str(file) in proc.stderr and "Traceback" not in proc.stderr
    assert (user / "keep.txt").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.toml", "user"]
