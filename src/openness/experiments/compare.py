"""Policy comparison: paired differences against a baseline arm with bootstrap intervals.

Runs of different arms with the same design point and replication share their random numbers
(common random numbers), so the effect of an arm is estimated from paired differences
d_r = Y_arm,r - Y_baseline,r: their mean, a 95% percentile-bootstrap interval, and the share of
replications whose difference has the sign of the mean.

Over a parameter ensemble (results with a `member` column) the uncertainty has two levels,
and so does the bootstrap: it resamples members, then paired replications within each
resampled member, so the interval covers what we do not know about the parameters as well as
seed noise. `robust_share` is the share of members whose mean effect has the overall sign
(a member with no effect does not hold it), `reversed_share` the share with the opposite
sign; an effect is `robust` when `robust_share` is at least `ROBUST_SHARE`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from openness.scenario import month_start

PAIR = ["point", "replication"]

#: the share of ensemble members that must agree on an effect's sign for it to be robust
ROBUST_SHARE = 0.9


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


def two_level_interval(
    diffs: np.ndarray,
    members: np.ndarray,
    rng: np.random.Generator,
    n_boot: int = 2000,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of the mean of `diffs` from a two-level bootstrap: members with
    replacement, then each resampled member's pairs with replacement."""
    labels, inverse, counts = np.unique(members, return_inverse=True, return_counts=True)
    if len(labels) < 2:
        return bootstrap_interval(diffs, rng, n_boot, level)
    # members' pairs as rows of a NaN-padded matrix, so both levels draw in one array
    order = np.argsort(inverse, kind="stable")
    width = int(counts.max())
    table = np.full((len(labels), width), np.nan)
    column = np.arange(len(diffs)) - np.repeat(np.cumsum(counts) - counts, counts)
    table[inverse[order], column] = diffs[order]
    picked = rng.integers(0, len(labels), (n_boot, len(labels)))
    within = (rng.random((n_boot, len(labels), width)) * counts[picked][..., None]).astype(int)
    drawn = table[picked[..., None], within]
    drawn[np.arange(width) >= counts[picked][..., None]] = np.nan  # a member's own count
    means = np.nanmean(drawn.reshape(n_boot, -1), axis=1)
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(means, [tail, 1.0 - tail])
    return float(lo), float(hi)


def _member_shares(diffs: np.ndarray, members: np.ndarray, effect: float) -> tuple[float, float]:
    """The shares of members whose mean difference has the sign of `effect` (a member with
    no effect does not hold it) and the opposite sign; NaN for an effect of exactly zero."""
    by_member = np.sign(pd.Series(diffs).groupby(members).mean().to_numpy())
    sign = np.sign(effect)
    if not len(by_member) or not sign:
        return np.nan, np.nan
    return float(np.mean(by_member == sign)), float(np.mean(by_member == -sign))


def compare_arms(
    df: pd.DataFrame,
    baseline: str,
    metrics: list[str] | None = None,
    months: list[str] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (metric, month, arm): effect vs `baseline` with its interval (over
    parameters x seeds when the runs carry an ensemble `member`)."""
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
        if c not in {"arm", "seed", "member", *keys} and pd.api.types.is_numeric_dtype(df[c])
    ]
    over_members = "member" in df.columns and df["member"].notna().any()
    base = df[df["arm"] == baseline].set_index(keys)
    rng = np.random.default_rng(seed)
    rows = []
    for arm in [a for a in dict.fromkeys(df["arm"]) if a != baseline]:
        other = df[df["arm"] == arm].set_index(keys)
        joined = other.join(base.add_suffix("_base"), how="inner")
        groups = joined.groupby(level="month", sort=True) if "month" in keys else [(None, joined)]
        for month, g in groups:
            for metric in metrics:
                both = g[[metric, f"{metric}_base"]].astype(float)
                kept = both.notna().all(axis=1).to_numpy()
                pairs = both[kept]
                d = (pairs[metric] - pairs[f"{metric}_base"]).to_numpy()
                effect = float(d.mean()) if len(d) else float("nan")
                sign = np.sign(effect)
                extra = {}
                if over_members:
                    members = g["member"].to_numpy()[kept]
                    lo, hi = two_level_interval(d, members, rng, n_boot)
                    share, against = _member_shares(d, members, effect)
                    extra = {
                        "members": len(np.unique(members)),
                        "robust_share": share,
                        "reversed_share": against,
                        "robust": bool(share >= ROBUST_SHARE),
                    }
                else:
                    lo, hi = bootstrap_interval(d, rng, n_boot)
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
                        **extra,
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
    if "robust_share" in shown:
        cols += ["members", "robust_share", "reversed_share", "robust"]
    return shown[cols].to_string(index=False, float_format=lambda x: f"{x:.4g}")
