"""The typed schema of every table a run writes, from the catalogue: the Arrow schema of each
table's Parquet file, a check that a table holds it, and the reference page docs/tables.md.

    python -m openness.metrics.schema > docs/tables.md
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from openness.metrics import TABLES
from openness.metrics.catalogue import DTYPES, Metric

#: the Arrow type of each catalogue type, as the Parquet files hold it
ARROW = {
    "float64": pa.float64(),
    "int64": pa.int64(),
    "bool": pa.bool_(),
    "string": pa.string(),
    "date": pa.timestamp("us"),
}

#: what each table holds, one row of it
ROWS = {
    "world": "one row a month",
    "labs": "one row per lab a month",
    "decisions": "one row per lab review and option (three rows a review)",
    "events": "one row per dated event or policy of the scenario inside the simulated window",
}


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of `table`'s Parquet file (its columns in the catalogue's order)."""
    return pa.schema([pa.field(m.name, ARROW[m.dtype]) for m in TABLES[table].values()])


def _holds(series: pd.Series, dtype: str) -> bool:
    kind = series.dtype
    if dtype == "date":
        return pd.api.types.is_datetime64_dtype(kind)
    if dtype == "string":
        return pd.api.types.is_string_dtype(kind) or pd.api.types.is_object_dtype(kind)
    return str(kind) == dtype


def problems(df: pd.DataFrame, table: str) -> list[str]:
    """How `df` departs from `table`'s schema: columns missing, extra or out of order, and
    columns of another type ([] if it holds the schema)."""
    expected = list(TABLES[table])
    found = list(df.columns)
    out = []
    if found != expected:
        missing = [c for c in expected if c not in found]
        extra = [c for c in found if c not in expected]
        out.append(f"{table}: columns differ (missing {missing}, extra {extra}, or reordered)")
    for name in (c for c in expected if c in found):
        dtype = TABLES[table][name].dtype
        if not _holds(df[name], dtype):
            out.append(f"{table}.{name}: {df[name].dtype}, expected {dtype}")
    return out


def _row(m: Metric) -> str:
    cells = [f"`{m.name}`", m.dtype, m.unit or "", m.meaning, m.missing or ""]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def markdown() -> str:
    """docs/tables.md: every table's columns with their type, unit, meaning and what a
    missing value means."""
    lines = [
        "# Tables",
        "",
        "Generated from the metric catalogue (`src/openness/metrics/`) by",
        "`python -m openness.metrics.schema > docs/tables.md`; a test fails when it is stale.",
        "A run writes each table as `TABLE.parquet` (a batch keeps the world and labs tables'",
        "chosen columns, after its own `arm`, `point`, `replication`, `seed` and factor",
        "columns). Every file's metadata holds its provenance. No table holds an infinity; only",
        "a column with a meaning for a missing value holds one (NaN).",
        "",
        "Types:",
        "",
        *(f"- **{k}**: {v}" for k, v in DTYPES.items()),
    ]
    for table, catalogue in TABLES.items():
        lines += [
            "",
            f"## {table}",
            "",
            f"{ROWS[table].capitalize()}.",
            "",
            "| column | type | unit | meaning | missing means |",
            "|---|---|---|---|---|",
            *(_row(m) for m in catalogue.values()),
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
