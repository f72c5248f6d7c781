"""Figures of analyses: value terms of a lab's review, policy effects, Sobol indices,
validation ranges."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from openness import metrics
from openness.experiments.targets import value_text
from openness.market.valuation import TERMS
from openness.outputs.plots.common import _mark_events, _subplots, _time_axis
from openness.vocabulary import CLOSED, OPEN

#: the value terms of a review, as the decisions table has them
VALUE_TERMS = TERMS


def value_differences(decisions: pd.DataFrame, lab: str, option: str) -> pd.DataFrame:
    """Median across runs of each value term of `option` minus the same term of `closed`,
    for one lab at each of its reviews (rows: months, columns: terms and `total`)."""
    rows = decisions[decisions["lab"] == lab]
    keys = ["month"] + [k for k in ("arm", "replication") if k in rows.columns]
    cols = [*VALUE_TERMS, "total"]
    chosen = rows[rows["option"] == option].set_index(keys)[cols]
    closed = rows[rows["option"] == CLOSED].set_index(keys)[cols]
    return (chosen - closed).groupby(level="month").median()


def value_terms(
    decisions: pd.DataFrame,
    lab: str,
    option: str = OPEN,
    events: pd.DataFrame | None = None,
    title: str = "",
) -> Figure:
    """Why a lab opens or stays closed: each discounted value term of `option` minus
    `closed` at its reviews ($M over the review's horizon, median across runs; `decisions`
    tables of one or more runs)."""
    diff = value_differences(decisions, lab, option)
    shown = [t for t in VALUE_TERMS if diff[t].abs().max() > 1e-9]
    fig, ax = _subplots(figsize=(9, 5), layout="constrained")
    colours = matplotlib.colormaps.get_cmap("tab10")(np.linspace(0, 1, 10))
    for term in shown:
        ax.plot(
            diff.index,
            diff[term],
            color=colours[VALUE_TERMS.index(term)],
            linewidth=1.3,
            label=term.replace("_", " "),
        )
    ax.plot(diff.index, diff["total"], color="black", linewidth=2.5, label="total")
    ax.axhline(0.0, color="grey", linewidth=1)
    ax.set_yscale("symlog", linthresh=10.0)
    ax.set_ylabel(f"'{option}' minus '{CLOSED}' ($M over the horizon, symlog)")
    ax.set_xlabel("Month of review")
    _time_axis(ax)
    _mark_events(ax, events)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    ax.set_title(title or f"{lab}: value of '{option}' over '{CLOSED}', by term")
    return fig


def effect_over_time(table: pd.DataFrame, metric: str, title: str = "") -> Figure:
    """Each arm's effect against the baseline month by month with its 95% interval (a
    `compare_arms` table over several months), so a reader sees whether it is stable; over
    a parameter ensemble the interval covers parameters and seeds."""
    rows = table[table["metric"] == metric].copy()
    rows["month"] = pd.to_datetime(rows["month"])
    entry = metrics.WORLD.get(metric)
    share = entry is not None and entry.is_share
    scale = 100.0 if share else 1.0
    fig, ax = _subplots(figsize=(9, 4.8), layout="constrained")
    colours = matplotlib.colormaps.get_cmap("tab10")(np.linspace(0, 1, 10))
    for k, (arm, g) in enumerate(rows.groupby("arm", sort=False)):
        g = g.sort_values("month")
        colour = colours[k % 10]
        ax.fill_between(
            g["month"], scale * g["ci_low"], scale * g["ci_high"], color=colour, alpha=0.2
        )
        ax.plot(g["month"], scale * g["effect"], color=colour, marker="o", markersize=3, label=arm)
    ax.axhline(0.0, color="grey", linewidth=1)
    unit = "percentage points" if share else (entry.unit if entry is not None else "")
    base = rows["baseline"].iloc[0] if len(rows) else "baseline"
    over = " (parameters x seeds)" if "robust_share" in rows else ""
    ax.set_ylabel(f"Change in {metrics.short_label(metric)}" + (f" ({unit})" if unit else ""))
    ax.set_xlabel(f"Month; band: 95% interval{over} against '{base}'")
    _time_axis(ax)
    ax.grid(alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    ax.set_title(title or f"Policy effects on {metrics.short_label(metric)} over time")
    return fig


def policy_effects(table: pd.DataFrame, metric: str, month=None, title: str = "") -> Figure:
    """Effect of each arm against the baseline with its 95% interval (`compare_arms` table);
    a share's effect in percentage points."""
    rows = table[table["metric"] == metric]
    if month is not None and "month" in rows:
        rows = rows[pd.to_datetime(rows["month"]) == pd.Timestamp(month)]
    elif "month" in rows and rows["month"].notna().any():
        rows = rows[rows["month"] == rows["month"].max()]
    rows = rows.reset_index(drop=True)
    entry = metrics.WORLD.get(metric)
    share = entry is not None and entry.is_share
    scale = 100.0 if share else 1.0
    effect, low, high = (scale * rows[c] for c in ("effect", "ci_low", "ci_high"))
    fig, ax = _subplots(figsize=(8, 0.45 * len(rows) + 1.8), layout="constrained")
    y = np.arange(len(rows))
    err = np.vstack([effect - low, high - effect])
    ax.errorbar(
        effect,
        y,
        xerr=err,
        fmt="o",
        color="black",
        ecolor="tab:blue",
        elinewidth=2,
        capsize=4,
        label="effect, 95% bootstrap interval",
    )
    ax.axvline(0.0, color="grey", linewidth=1)
    ax.set_yticks(y, rows["arm"])
    ax.invert_yaxis()
    when = ""
    if "month" in rows and len(rows) and pd.notna(rows["month"].iloc[0]):
        when = f" at {pd.Timestamp(rows['month'].iloc[0]):%Y-%m}"
    base = rows["baseline"].iloc[0] if len(rows) else "baseline"
    unit = "percentage points" if share else (entry.unit if entry is not None else "")
    ax.set_xlabel(
        f"Change in {metrics.short_label(metric)}"
        + (f" ({unit})" if unit else "")
        + f" vs '{base}' (paired runs)"
    )
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(title or f"Policy effects on {metrics.short_label(metric)}{when}")
    return fig


def sobol_bars(table: pd.DataFrame, metric: str | None = None, title: str = "") -> Figure:
    """First-order (S1) and total (ST) Sobol indices with 95% intervals (`sobol_indices`)."""
    metric = metric or table["metric"].iloc[0]
    rows = table[table["metric"] == metric]
    if "month" in rows and rows["month"].notna().any():
        rows = rows[rows["month"] == rows["month"].max()]
    fig, ax = _subplots(figsize=(8, 0.5 * len(rows) + 1.8), layout="constrained")
    y = np.arange(len(rows))
    ax.barh(
        y - 0.2,
        rows["S1"],
        height=0.4,
        xerr=rows["S1_conf"],
        color="tab:blue",
        capsize=3,
        label="first order S1",
    )
    ax.barh(
        y + 0.2,
        rows["ST"],
        height=0.4,
        xerr=rows["ST_conf"],
        color="tab:orange",
        capsize=3,
        label="total ST",
    )
    ax.set_yticks(y, rows["factor"])
    ax.invert_yaxis()
    ax.set_xlabel("Sobol index (share of output variance), 95% interval")
    ax.axvline(0.0, color="grey", linewidth=1)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(title or f"Sensitivity of {metrics.short_label(metric)}")
    return fig


def validation_ranges(table: pd.DataFrame, title: str = "") -> Figure:
    """Each target: observed 5-95% range and median across seeds, against what is required
    (a `validation.evaluate` table; targets on different scales get their own row)."""
    rows = table.reset_index(drop=True)
    fig, axes = _subplots(
        len(rows), 1, figsize=(9, 0.75 * len(rows) + 1.2), layout="constrained", squeeze=False
    )
    for ax, row in zip(axes[:, 0], rows.itertuples(), strict=True):
        colour = "tab:green" if row.verdict == "pass" else "tab:red"
        lo, hi = _required(row)
        span = [v for v in (lo, hi, row.p5, row.p95) if np.isfinite(v)] or [0.0, 1.0]
        pad = 0.15 * (max(span) - min(span) or 1.0)
        left, right = min(span) - pad, max(span) + pad
        ax.set_xlim(left, right)
        ax.axvspan(max(lo, left), min(hi, right), color="grey", alpha=0.25, label="required")
        if lo == hi:
            ax.axvline(lo, color="grey", linewidth=3, alpha=0.6)
        if np.isfinite(row.p5) and np.isfinite(row.p95):
            ax.hlines(0, row.p5, row.p95, color=colour, linewidth=5, label="observed 5-95%")
        if np.isfinite(row.median):
            ax.plot([row.median], [0], "o", color="black", label="observed median")
        ax.set_yticks([0], [f"{row.id} ({100 * row.share_passing:.0f}% pass)"])
        dated = getattr(row, "months_from", "")
        if isinstance(dated, str) and dated:  # months since the start, shown as dates
            ax.xaxis.set_major_formatter(
                FuncFormatter(lambda v, _pos, start=dated: value_text(v, start))
            )
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(alpha=0.3, axis="x")
    axes[0, 0].legend(loc="upper center", bbox_to_anchor=(0.5, 2.2), ncol=3, fontsize=8)
    fig.suptitle(title or "Pattern targets: observed across seeds vs required")
    return fig


def _required(row) -> tuple[float, float]:
    """The interval a target's value must fall in, read from its description."""
    lo, hi = getattr(row, "required_low", np.nan), getattr(row, "required_high", np.nan)
    lo = -np.inf if pd.isna(lo) else float(lo)
    hi = np.inf if pd.isna(hi) else float(hi)
    return lo, hi
