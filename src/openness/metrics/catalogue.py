"""The catalogue entry of a metric."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

#: units that count things, in the singular (for a count of one)
SINGULAR = {"labs": "lab", "families": "family", "switches": "switch"}


@dataclass(frozen=True)
class Metric:
    name: str
    table: str  # "world" (one row a month) or "labs" (one row per lab a month)
    unit: str  # "" for dates, names, categories and flags
    label: str  # short, for axes and report tables
    meaning: str
    missing: str = ""  # what a missing value (NaN) means; "" if it never occurs
    dtype: str = "float64"  # one of DTYPES

    @property
    def axis_label(self) -> str:
        """The label with its unit, for an axis."""
        unit = "%" if self.unit == "share" else self.unit
        return f"{self.label} ({unit})" if unit else self.label

    @property
    def is_share(self) -> bool:
        """A share in [0, 1], shown as a percentage (and its changes in percentage points)."""
        return self.unit == "share"

    def display(self, value: object) -> str:
        """The value as a person reads it: shares as percentages, numbers to four
        significant figures with their unit, a missing value as 'n/a'."""
        if isinstance(value, bool | str) or not isinstance(value, numbers.Real):
            return "n/a" if value is None else str(value)
        number = float(value)
        if math.isnan(number):
            return "n/a"
        if self.is_share:
            return f"{100 * number:.2f}%"
        if self.unit == "$/Mtok":
            return f"${number:.4g}/Mtok"
        if self.unit == "ratio":
            return f"{number:.4g}x"
        text = f"{number:.4g}"
        if not self.unit or self.unit.startswith("index"):
            return text
        unit = SINGULAR.get(self.unit, self.unit) if number == 1 else self.unit
        return f"{text} {unit}"


#: a column's type: what it holds, and the Arrow type of its Parquet column
DTYPES = {
    "float64": "a 64-bit float (double)",
    "int64": "a 64-bit integer",
    "bool": "true or false",
    "string": "text (UTF-8)",
    "date": "the first day of a calendar month (a timestamp, no time zone)",
}


def _table(
    table: str, rows: list[tuple[str, str, str, str, str]], types: dict[str, str] | None = None
) -> dict[str, Metric]:
    """A table's catalogue from its rows (name, unit, label, meaning, missing); `types` gives
    each column that is not a float its type (DTYPES)."""
    types = types or {}
    unknown = {n for n in types if n not in {row[0] for row in rows}} | {
        t for t in types.values() if t not in DTYPES
    }
    if unknown:
        raise ValueError(f"{table}: types name unknown columns or types: {sorted(unknown)}")
    return {
        name: Metric(name, table, unit, label, meaning, missing, types.get(name, "float64"))
        for name, unit, label, meaning, missing in rows
    }
