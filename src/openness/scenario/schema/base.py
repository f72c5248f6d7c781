"""The schema's building blocks: bounded number types, months, names, the strict base
model, and the collector of validation problems."""

from __future__ import annotations

import re
from typing import Annotated

import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
)

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
#: calendar years a scenario may name (dates outside are typos, not scenarios)
YEARS = (1950, 2200)
#: names that may become file or directory names: letters, digits, '-', '_' and '.', with
#: no path separator and no '..'
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")

# Every float field is finite (the models forbid inf and NaN) and bounded on both sides, so
# that any value the schema accepts can be simulated. Money is in $M, so 1e6 is $1 trillion.
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Rate = Annotated[float, Field(ge=0.0, lt=1.0)]  # a yearly decline: 1 would divide by zero
NonNeg = Annotated[float, Field(ge=0.0, le=1e6)]
Positive = Annotated[float, Field(gt=0.0, le=1e6)]
Coef = Annotated[float, Field(ge=0.0, le=100.0)]  # a utility weight
SignedCoef = Annotated[float, Field(ge=-100.0, le=100.0)]
Capability = Annotated[float, Field(ge=20.0, le=35.0)]  # log10 effective FLOP
Months = Annotated[float, Field(gt=0.0, le=600.0)]
Flops = Annotated[float, Field(ge=1e20, le=1e32)]


def _check_name(value: str) -> str:
    if not NAME_PATTERN.match(value) or ".." in value or value in (".",):
        raise ValueError(
            "must be a name of letters, digits, '-', '_' or '.' (no spaces, no "
            f"path separator, no '..'), got {value!r}"
        )
    return value


Name = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_name)]


class Problems:
    """Every problem a model validator finds, raised together: one ValueError whose lines are
    FIELD<TAB>PROBLEM (the field relative to the model), which `load.explain` splits into
    separate problems, so that a user sees all of them at once."""

    SEP = "\t"

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, problem: str) -> None:
        self.items.append((field, problem))

    def raise_any(self) -> None:
        if self.items:
            raise ValueError("\n".join(f"{f}{self.SEP}{p}" for f, p in self.items))


def month_index(month: str, start: str) -> int:
    """Whole months from `start` to `month` (both "YYYY-MM")."""
    y, m = (int(x) for x in month.split("-"))
    y0, m0 = (int(x) for x in start.split("-"))
    return (y - y0) * 12 + (m - m0)


def month_start(month: str) -> pd.Timestamp:
    """The first day of a "YYYY-MM" month, as the tables date their rows."""
    return pd.Timestamp(month + "-01")


def _check_month(value: str) -> str:
    match = _MONTH.match(value) if isinstance(value, str) else None
    if match is None or not YEARS[0] <= int(match.group(1)) <= YEARS[1]:
        raise ValueError(
            f"must be a month written 'YYYY-MM' (e.g. '2025-01') in the years "
            f"{YEARS[0]}-{YEARS[1]}, got {value!r}"
        )
    return value


Month = Annotated[str, Field(description="calendar month, 'YYYY-MM'"), AfterValidator(_check_month)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
