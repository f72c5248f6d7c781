"""Result tables as a person reads them: the metric catalogue's labels and units for
headers and values, months as dates, effects on shares in percentage points.

Used by `openness report` (HTML and Markdown) and by the explorer's results view; the
tables on disk keep their metric names and raw numbers.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from openness import metrics
from openness.experiments.targets import value_text


def _month(value: Any) -> str:
    return "" if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m}"


def metric_table(table: pd.DataFrame, kind: str = "world") -> pd.DataFrame:
    """Columns that are metrics get their label (with unit) as header and their values as
    displayed; the month is written YYYY-MM; other columns are left as they are."""
    out = pd.DataFrame(index=table.index)
    for column in table.columns:
        found = metrics.TABLES.get(kind, {}).get(column)
        if column == "month":
            out["Month"] = table[column].map(_month)
        elif found is not None:
            out[found.label] = table[column].map(found.display)
        else:
            out[column] = table[column]
    return out.reset_index(drop=True)


def _signed(metric: str, value: float) -> str:
    entry = metrics.WORLD.get(metric)
    if not np.isfinite(value):
        return "n/a"
    if entry is not None and entry.is_share:
        return f"{100 * value:+.2f} pp"
    unit = f" {entry.unit}" if entry is not None and entry.unit else ""
    return f"{value:+.4g}{unit}"


def effects_table(table: pd.DataFrame) -> pd.DataFrame:
    """A `compare_arms` table: each metric by its label, the arms' means as displayed,
    and the effect with its 95% interval (percentage points for a share)."""
    rows = []
    for r in table.itertuples():
        rows.append(
            {
                "Metric": metrics.short_label(r.metric),
                "Month": _month(getattr(r, "month", None)),
                "Arm": r.arm,
                "Baseline": r.baseline,
                "Baseline mean": metrics.display(r.metric, r.baseline_mean),
                "Arm mean": metrics.display(r.metric, r.arm_mean),
                "Effect": _signed(r.metric, r.effect),
                "95% interval": f"[{_signed(r.metric, r.ci_low)}, {_signed(r.metric, r.ci_high)}]",
                "Same sign": f"{100 * r.same_sign_share:.0f}% of pairs",
                "Pairs": int(r.pairs),
                **(
                    {
                        "Parameter sets": int(r.members),
                        "Sign holds in": "n/a (no effect)"
                        if pd.isna(r.robust_share)
                        else f"{100 * r.robust_share:.0f}% of sets"
                        + (" (robust)" if r.robust else "")
                        + f", reversed in {100 * r.reversed_share:.0f}%",
                    }
                    if hasattr(r, "robust_share")
                    else {}
                ),
            }
        )
    return pd.DataFrame(rows)


def validation_table(table: pd.DataFrame) -> pd.DataFrame:
    """An evaluated targets table: the target in words, its observed median and 5-95%
    range across seeds (dates for a dated target), the share of seeds passing, verdict."""
    rows = []
    for r in table.itertuples():
        dated = getattr(r, "months_from", "")
        dated = dated if isinstance(dated, str) else ""  # a CSV read back gives NaN for ''
        held = "" if getattr(r, "calibration", True) else " (held out)"
        share = r.share_passing
        rows.append(
            {
                "Target": r.id,
                "Pattern": r.pattern,
                "Condition": f"{r.target}{held}",
                "Median": value_text(r.median, dated),
                "5-95% of seeds": f"{value_text(r.p5, dated)} - {value_text(r.p95, dated)}",
                "Seeds passing": "" if pd.isna(share) else f"{100 * share:.0f}%",
                "Verdict": r.verdict,
            }
        )
    return pd.DataFrame(rows)


#: the fields that say what the results are, first in a provenance table
PROVENANCE_FIRST = [
    "scenario",
    "experiment",
    "scenario_file",
    "scenario_hash",
    "experiment_hash",
    "seed",
    "package_version",
    "git_commit",
    "start",
    "end",
    "months",
    "developers",
    "enterprises",
]


def provenance_table(provenance: dict[str, Any]) -> pd.DataFrame:
    """Where the results come from, one field a row, what identifies them first; nested
    fields (a batch's counts) flattened. A run's final values are left to its
    last-month table."""
    rows = []
    order = [k for k in PROVENANCE_FIRST if k in provenance]
    order += [k for k in provenance if k not in order and k != "final"]
    for key in order:
        value = provenance[key]
        if isinstance(value, dict):
            rows += [(f"{key}: {k}", _text(v)) for k, v in value.items()]
        else:
            rows.append((key, _text(value)))
    return pd.DataFrame(rows, columns=["Field", "Value"])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)
