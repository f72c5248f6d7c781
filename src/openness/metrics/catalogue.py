"""The catalogue entry of a metric."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    table: str  # "world" (one row a month) or "labs" (one row per lab a month)
    unit: str  # "" for dates, names, categories and flags
    label: str  # short, for axes and report tables
    meaning: str
    missing: str = ""  # what a missing value (NaN) means; "" if it never occurs

    @property
    def axis_label(self) -> str:
        """The label with its unit, for an axis."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


def _table(table: str, rows: list[tuple[str, str, str, str, str]]) -> dict[str, Metric]:
    return {
        name: Metric(name, table, unit, label, meaning, missing)
        for name, unit, label, meaning, missing in rows
    }
