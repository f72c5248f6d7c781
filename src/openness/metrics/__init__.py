"""Every metric the model reports, defined once: name, table, unit, type, a label for figures
and reports, its meaning, and what a missing value means where one may occur; and the columns
of the record tables (decisions, events).

The reporters compute these (`model/reporters.py`); the experiment spec, the validation
targets, the figures' axes and the docs read their names, labels and units from here. No
table holds an infinity, and only a metric with a `missing` meaning holds a missing value.
"""

from __future__ import annotations

from openness.metrics.catalogue import Metric
from openness.metrics.labs import LABS
from openness.metrics.records import DECISIONS, EVENTS
from openness.metrics.world import WORLD

__all__ = [
    "DECISIONS",
    "EVENTS",
    "LABS",
    "TABLES",
    "WORLD",
    "WORLD_OUTPUTS",
    "Metric",
    "display",
    "label",
    "metric",
    "missing_meanings",
    "short_label",
]

#: the world table's measured columns (every one but the month)
WORLD_OUTPUTS = [name for name in WORLD if name != "month"]

#: every table's catalogue, by table name (the schema of each: `metrics.schema`)
TABLES = {"world": WORLD, "labs": LABS, "decisions": DECISIONS, "events": EVENTS}


def metric(name: str, table: str = "world") -> Metric:
    """The catalogue entry of a metric (KeyError naming the table if there is none)."""
    try:
        return TABLES[table][name]
    except KeyError:
        raise KeyError(f"no metric {name!r} in the {table} table") from None


def label(name: str, table: str = "world") -> str:
    """An axis label with its unit; the name itself for a column the catalogue lacks (a
    factor of an experiment, say)."""
    found = TABLES.get(table, {}).get(name)
    return found.axis_label if found else name


def short_label(name: str, table: str = "world") -> str:
    """A label without its unit, for titles and table rows; the name itself for a column
    the catalogue lacks."""
    found = TABLES.get(table, {}).get(name)
    return found.label if found else name


def display(name: str, value: object, table: str = "world") -> str:
    """A value of a metric as a person reads it (`Metric.display`); as plain text for a
    column the catalogue lacks."""
    found = TABLES.get(table, {}).get(name)
    if found is not None:
        return found.display(value)
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def missing_meanings(table: str) -> dict[str, str]:
    """Metric -> what a missing value means, for the metrics of a table that may have one."""
    return {m.name: m.missing for m in TABLES.get(table, {}).values() if m.missing}
