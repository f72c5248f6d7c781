"""Tables as a person reads them: catalogue labels and units, dates, percentage points."""

from __future__ import annotations

import numpy as np
import pandas as pd

from openness import metrics
from openness.outputs import readable


def test_metric_columns_get_their_labels_and_displayed_values():
    table = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-03-01"]),
            "open_share_dev_count": [0.4321],
            "price_ratio": [7.5],
            "arm": ["x"],
        }
    )
    shown = readable.metric_table(table)
    assert list(shown.columns) == [
        "Month",
        metrics.WORLD["open_share_dev_count"].label,
        metrics.WORLD["price_ratio"].label,
        "arm",
    ]
    assert shown.iloc[0].tolist() == ["2025-03", "43.21%", "7.5x", "x"]


def test_effects_on_shares_are_in_percentage_points():
    table = pd.DataFrame(
        {
            "metric": ["open_share_dev_count", "n_frontier_open"],
            "month": pd.to_datetime(["2026-01-01", "2026-01-01"]),
            "arm": ["grant", "grant"],
            "baseline": ["base", "base"],
            "baseline_mean": [0.5, 3.0],
            "arm_mean": [0.52, 4.0],
            "effect": [0.02, 1.0],
            "ci_low": [0.01, 0.0],
            "ci_high": [0.03, 2.0],
            "same_sign_share": [0.9, 0.6],
            "pairs": [10, 10],
        }
    )
    shown = readable.effects_table(table)
    share, count = shown.iloc[0], shown.iloc[1]
    assert share["Effect"] == "+2.00 pp" and share["95% interval"] == "[+1.00 pp, +3.00 pp]"
    assert share["Baseline mean"] == "50.00%" and share["Month"] == "2026-01"
    assert (
        count["Effect"] == "+1 labs" and count["Metric"] == metrics.WORLD["n_frontier_open"].label
    )


def test_dated_targets_read_as_dates_in_the_validation_table():
    table = pd.DataFrame(
        {
            "id": ["C2-openai", "C6"],
            "pattern": ["C2", "C6"],
            "target": ["first_open_month [OpenAI] ...", "price_ratio ..."],
            "median": [22.0, 37.4],
            "p5": [14.4, 34.2],
            "p95": [np.nan, 40.5],
            "share_passing": [0.77, 0.97],
            "calibration": [True, False],
            "verdict": ["pass", "pass"],
            "months_from": ["2024-01", ""],
        }
    )
    shown = readable.validation_table(table)
    assert shown.loc[0, "Median"] == "2025-11"
    assert shown.loc[0, "5-95% of seeds"] == "2025-03 - never"
    assert shown.loc[1, "Median"] == "37.4" and "(held out)" in shown.loc[1, "Condition"]


def test_provenance_puts_what_identifies_the_results_first():
    table = readable.provenance_table(
        {
            "python": "3.11",
            "seed": 3,
            "scenario": "x",
            "final": {"price_ratio": 2.0},
            "counts": {"done": 4, "failed": 0},
            "not_simulated": [],
        }
    )
    assert table["Field"].tolist()[:2] == ["scenario", "seed"]
    assert "counts: done" in table["Field"].tolist()
    assert not any(f.startswith("final") for f in table["Field"])
    assert table.set_index("Field").loc["not_simulated", "Value"] == "none"
