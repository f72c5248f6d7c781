"""Policy comparison: paired differences against a baseline arm with bootstrap intervals.

Runs of different arms with the same design point and replication share their random numbers
(common random numbers), so the effect of an arm is estimated from paired differences
d_r = Y_arm,r - Y_baseline,r: their mean, a 95% percentile-bootstrap interval, and the share of
replications whose difference has the sign of the mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from openness.scenario import month_start

PAIR = ["point", "replication"]


def bootstrap_interval(
    diffs: np.ndarray, rng: np.random.Generator, n_boot: int = 2000, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of `diffs`."""
    if len(diffs) < 2:
        return (float("nan"), float("nan"))
    means = diffs[rng.integers(0, len(diffs), (n_boot, len(diffs)))].mean(axis=1)
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(means, [tail, 1.0 - tail])
    return float(lo), float(hi)


def compare_arms(
    df: pd.DataFrame,
    baseline: str,
    metrics: list[str] | None = None,
    months: list[str] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (metric, month, arm): effect vs `baseline` with its interval."""
    if baseline not in set(df["arm"]):
        raise ValueError(
            f"no runs of the baseline arm '{baseline}'; arms: {', '.join(dict.fromkeys(df['arm']))}"
        )
    keys = PAIR + (["month"] if "month" in df.columns else [])
    if months is not None and "month" in df.columns:
        df = df[df["month"].isin([month_start(m) for m in months])]
    metrics = metrics or [
        c
        for c in df.columns
        if c not in {"arm", "seed", *keys} and pd.api.types.is_numeric_dtype(df[c])
    ]
    base = df[df["arm"] == baseline].set_index(keys)
    rng = np.random.default_rng(seed)
    rows = []
    for arm in [a for a in dict.fromkeys(df["arm"]) if a != baseline]:
        other = df[df["arm"] == arm].set_index(keys)
        joined = other.join(base.add_suffix("_base"), how="inner")
        groups = joined.groupby(level="month", sort=True) if "month" in keys else [(None, joined)]
        for month, g in groups:
            for metric in metrics:
                pairs = g[[metric, f"{metric}_base"]].astype(float).dropna()
                d = (pairs[metric] - pairs[f"{metric}_base"]).to_numpy()
                effect = float(d.mean()) if len(d) else float("nan")
                lo, hi = bootstrap_interval(d, rng, n_boot)
                sign = np.sign(effect)
                rows.append(
                    {
                        "metric": metric,
                        "month": month,
                        "arm": arm,
                        "baseline": baseline,
                        "baseline_mean": float(pairs[f"{metric}_base"].mean()),
                        "arm_mean": float(pairs[metric].mean()),
                        "effect": effect,
                        "ci_low": lo,
                        "ci_high": hi,
                        "same_sign_share": float(np.mean(np.sign(d) == sign)) if len(d) else np.nan,
                        "pairs": len(d),
                    }
                )
    return pd.DataFrame(rows)


def with_month_labels(table: pd.DataFrame) -> pd.DataFrame:
    """A copy with its month column written 'YYYY-MM', for printing."""
    shown = table.copy()
    if "month" in shown and shown["month"].notna().any():
        shown["month"] = pd.to_datetime(shown["month"]).dt.strftime("%Y-%m")
    return shown


def format_comparison(table: pd.DataFrame) -> str:
    """A plain-text table of effects for the terminal."""
    if table.empty:
        return "(no paired runs to compare)"
    shown = with_month_labels(table)
    shown["95% CI"] = [
        f"[{lo:+.4g}, {hi:+.4g}]" for lo, hi in zip(shown.ci_low, shown.ci_high, strict=True)
    ]
    cols = [
        "metric",
        "month",
        "arm",
        "baseline_mean",
        "effect",
        "95% CI",
        "same_sign_share",
        "pairs",
    ]
    return shown[cols].to_string(index=False, float_format=lambda x: f"{x:.4g}")
