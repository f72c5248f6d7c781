"""Any value the schema accepts can be simulated: every numeric field of every part of the
shipped scenarios, at each end of its range, either runs (a tiny run whose tables hold no
infinity and no undocumented missing value) or is refused with a clear error."""

from __future__ import annotations

import math
import typing
import warnings
from dataclasses import dataclass

import annotated_types as at
import pytest
from pydantic import BaseModel

from openness.experiments import run_scenario
from openness.scenario import ScenarioError, load_scenario
from tests.conftest import ROOT, undocumented_gaps

BASES = [
    "baseline.toml",
    "deepseek_cascade.toml",
    "consolidation.toml",
    "policies/eu_gpai.toml",
    "policies/open_funding.toml",
    "policies/open_release_ban.toml",
]
TINY = {"simulation.developers": 10, "simulation.enterprises": 10, "simulation.months": 2}
#: long enough for reviews, releases and the cascade's shock (2025-01) to happen
LONGER = {**TINY, "simulation.months": 13}
#: sizes are refused past their bounds, never run at their maximum
SIZES = ("developers", "enterprises", "months")


@dataclass(frozen=True)
class Case:
    base: str
    key: str  # dotted override key
    value: float
    where: str  # "low" or "high"

    def __str__(self) -> str:
        return f"{self.key}={self.value!r} ({self.where}, {self.base})"


def _bounds(annotation: typing.Any, metadata: list) -> tuple[type | None, list]:
    """The number type and the annotated_types bounds of a field's annotation."""
    found = list(metadata)
    kind = None
    stack = [annotation]
    while stack:
        a = stack.pop()
        if a in (int, float):
            kind = a
        origin = typing.get_origin(a)
        if origin is typing.Annotated:
            args = typing.get_args(a)
            stack.append(args[0])
            for m in args[1:]:
                found += list(getattr(m, "metadata", [])) + [m]
        elif origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
            stack += [x for x in typing.get_args(a) if x is not type(None)]
    return kind, found


def _ends(kind: type, metadata: list) -> list[tuple[str, float]]:
    lo = hi = None
    for m in metadata:
        if isinstance(m, at.Ge):
            lo = float(m.ge)
        elif isinstance(m, at.Gt):
            lo = float(m.gt) + (1 if kind is int else max(1e-9, abs(float(m.gt)) * 1e-6))
        elif isinstance(m, at.Le):
            hi = float(m.le)
        elif isinstance(m, at.Lt):
            hi = float(m.lt) - (1 if kind is int else max(1e-9, abs(float(m.lt)) * 1e-6))
    ends = []
    if lo is not None:
        ends.append(("low", int(lo) if kind is int else lo))
    if hi is not None:
        ends.append(("high", int(hi) if kind is int else hi))
    return ends


def _walk(obj: BaseModel, prefix: str):
    """(dotted key, number type, bounds) of every numeric field below `obj`."""
    for name, info in type(obj).model_fields.items():
        value = getattr(obj, name)
        key = f"{prefix}{name}"
        kind, meta = _bounds(info.annotation, info.metadata)
        if kind is not None and not isinstance(value, BaseModel | list | dict):
            yield key, type(obj).__name__ + "." + name, kind, meta
        if isinstance(value, BaseModel):
            yield from _walk(value, f"{key}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    label = (
                        getattr(item, "name", None)
                        if name in ("labs", "developer_segments", "regulators")
                        else None
                    )
                    yield from _walk(item, f"{key}.{label or i}.")
        elif isinstance(value, dict):
            kind, meta = _bounds(typing.get_args(info.annotation)[1], [])
            for k, v in value.items():
                if isinstance(v, BaseModel):
                    yield from _walk(v, f"{key}.{k}.")
                elif kind is not None:
                    yield f"{key}.{k}", f"{type(obj).__name__}.{name}[]", kind, meta


def cases() -> list[Case]:
    seen: set[str] = set()
    out = []
    for base in BASES:
        scenario = load_scenario(ROOT / "scenarios" / base, TINY)
        for key, field, kind, meta in _walk(scenario, ""):
            if field in seen or key.startswith("targets.") or key.split(".")[-1] in SIZES:
                continue
            seen.add(field)
            out += [Case(base, key, value, where) for where, value in _ends(kind, meta)]
    return out


CASES = cases()


def test_the_enumeration_covers_every_part_of_the_schema():
    keys = {c.key.split(".")[0] for c in CASES}
    assert {
        "world",
        "decision",
        "funding",
        "labs",
        "developer_segments",
        "enterprises",
        "regulators",
        "events",
        "business_models",
        "simulation",
    } <= keys
    assert len(CASES) > 200
    # every numeric field is bounded on both sides
    one_sided = {c.key for c in CASES} - {c.key for c in CASES if c.where == "high"}
    assert one_sided == set()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_end_of_each_range_runs_or_is_refused_clearly(case):
    overrides = {**LONGER, case.key: case.value}
    try:
        scenario = load_scenario(ROOT / "scenarios" / case.base, overrides)
    except ScenarioError as exc:  # another rule refuses it: with the file and the field
        assert str(ROOT / "scenarios") in str(exc) and "field" in str(exc)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = run_scenario(scenario, seed=1)
    assert undocumented_gaps(result.tables) == [], str(case)
    labs = result.tables["labs"]
    assert (labs["capital"] >= 0).all() and labs["capital"].map(math.isfinite).all()


@pytest.mark.parametrize(
    "field,value",
    [
        ("developers", 9),
        ("developers", 50_000_001),
        ("enterprises", 9),
        ("enterprises", 5_000_001),
        ("months", 0),
        ("months", 601),
    ],
)
def test_sizes_beyond_their_bounds_are_refused(field, value):
    with pytest.raises(ScenarioError, match=f"simulation.{field}"):
        load_scenario(ROOT / "scenarios" / "baseline.toml", {f"simulation.{field}": value})
