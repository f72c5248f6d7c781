"""Figures from result tables: DataFrames in, matplotlib Figure out, never a model.

Every function takes the tidy tables of a run (`run_scenario(...).tables`) or of a batch
(`load_results`), where ensemble columns (`arm`, `replication`) may be present; a single run
is an ensemble of one. Bands are quantiles across replications, month by month, computed by
`bands` (so what is drawn is what a test can recompute). `save` writes PNG and SVG.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from openness import metrics
from openness.vocabulary import CLOSED, HYBRID, OPEN

ADOPTION_PANELS = {
    "open_share_dev_count": "Developers building on open weights (by count)",
    "open_share_dev_tokens": "Developers' tokens on open weights",
    "ent_open_share_count": "Enterprises running only open weights (by count)",
    "ent_open_share_tokens": "Enterprise tokens on open weights",
}
STRATEGY_COLOURS = {CLOSED: "#b2182b", HYBRID: "#f4a582", OPEN: "#2166ac"}
STRATEGY_CODES = {name: i for i, name in enumerate(STRATEGY_COLOURS)}
BAND_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


# ---- data behind the figures ----------------------------------------------------------------


def _short(metric: str) -> str:
    """A metric's label without its unit (its name if the catalogue lacks it)."""
    return metrics.WORLD[metric].label if metric in metrics.WORLD else metric


def _subplots(
    *grid: int, figsize: tuple[float, float], layout: Literal["constrained"] = "constrained", **kw
) -> tuple[Figure, Any]:
    """A Figure of its own with its axes, as `pyplot.subplots` makes them, but outside
    pyplot's global state: nothing to close, no backend chosen at import."""
    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(*grid, **kw)


def bands(df: pd.DataFrame, column: str, by: str | list[str] = "month") -> pd.DataFrame:
    """Quantiles q05, q25, median, q75, q95 of `column` across runs, per `by` value."""
    q = df.groupby(by, sort=True)[column].quantile(list(BAND_QUANTILES)).unstack()
    q.columns = ["q05", "q25", "median", "q75", "q95"]
    return q


def open_share_by_lab(labs: pd.DataFrame) -> pd.DataFrame:
    """Share of runs in which each lab's strategy is `open` (rows: labs, columns: months)."""
    is_open = labs.assign(open=(labs["strategy"] == OPEN).astype(float))
    return is_open.pivot_table(index="lab", columns="month", values=OPEN, aggfunc="mean")


def mean_shares(labs: pd.DataFrame, column: str = "developer_share") -> pd.DataFrame:
    """Mean across runs of a per-lab share (rows: months, columns: labs, largest last)."""
    table = labs.pivot_table(index="month", columns="lab", values=column, aggfunc="mean")
    return table[table.mean().sort_values().index]


# ---- shared axis styling ------------------------------------------------------------------
def _time_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)


def _mark_events(ax: Axes, events: pd.DataFrame | None) -> None:
    if events is None or events.empty:
        return
    for month in events["month"].drop_duplicates():
        ax.axvline(month, color="dimgrey", linewidth=0.8, linestyle="--", alpha=0.8)


def _event_footer(fig: Figure, events: pd.DataFrame | None) -> None:
    """List the dated events under the figure (the dashed lines on its time axes)."""
    if events is None or events.empty:
        return
    items = [f"{pd.Timestamp(ev.month):%Y-%m} {ev.label}" for ev in events.itertuples()]
    lines, line = [], ""
    for item in items:
        if line and len(line) + len(item) > 150:
            lines.append(line)
            line = ""
        line = f"{line};  {item}" if line else item
    lines.append(line)
    fig.supxlabel("Dashed lines: " + "\n".join(lines), fontsize=7, color="dimgrey")


def _band_plot(
    ax: Axes, q: pd.DataFrame, colour: str, scale: float = 1.0, label: str = "median"
) -> None:
    x = q.index
    ax.fill_between(
        x,
        scale * q["q05"],
        scale * q["q95"],
        color=colour,
        alpha=0.15,
        linewidth=0,
        label="90% of runs",
    )
    ax.fill_between(
        x,
        scale * q["q25"],
        scale * q["q75"],
        color=colour,
        alpha=0.3,
        linewidth=0,
        label="50% of runs",
    )
    ax.plot(x, scale * q["median"], color=colour, linewidth=1.8, label=label)


def n_runs(df: pd.DataFrame) -> int:
    """How many runs (arm, design point, replication) a table holds."""
    keys = [k for k in ("arm", "point", "replication") if k in df.columns]
    return int(df.groupby(keys).ngroups) if keys else 1


# ---- the figures --------------------------------------------------------------------------
def adoption_curves(
    world: pd.DataFrame, events: pd.DataFrame | None = None, title: str = ""
) -> Figure:
    """Open-weight shares of developers and enterprises (by count and by tokens): median
    and 50% / 90% bands across runs, with dated events marked."""
    fig, axes = _subplots(2, 2, figsize=(10, 6.5), sharex=True, layout="constrained")
    colours = ["tab:blue", "tab:blue", "tab:orange", "tab:orange"]
    for ax, (column, name), colour in zip(axes.flat, ADOPTION_PANELS.items(), colours, strict=True):
        ax.set_title(name, fontsize=10)
        if column not in world.columns:  # a batch that did not keep this metric
            ax.text(
                0.5,
                0.5,
                f"{column}\nnot kept in this batch",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="dimgrey",
            )
            continue
        _band_plot(ax, bands(world, column), colour, scale=100.0)
        ax.set_ylim(0, 100)
        ax.set_ylabel("Share (%)")
        _time_axis(ax)
        _mark_events(ax, events)
    for ax in axes.flat:
        if ax.get_lines():
            ax.legend(loc="lower right", fontsize=8)
            break
    for ax in axes[1]:
        ax.set_xlabel("Month")
    _event_footer(fig, events)
    fig.suptitle(title or f"Open-weight adoption ({n_runs(world)} runs)")
    return fig


def cascade(labs: pd.DataFrame, title: str = "", observed: pd.DataFrame | None = None) -> Figure:
    """Labs (rows) x months (columns) coloured by strategy, for one run (the first in the
    table). `observed` (columns lab, month) marks dated real releases, if given."""
    keys = [k for k in ("arm", "point", "replication") if k in labs.columns]
    run = labs.merge(labs[keys].drop_duplicates().head(1), on=keys) if keys else labs
    grid = run.pivot(index="lab", columns="month", values="strategy")
    codes = grid.apply(lambda col: col.map(STRATEGY_CODES)).to_numpy(float)
    fig, ax = _subplots(figsize=(10, 0.32 * len(grid) + 1.6), layout="constrained")
    x = mdates.date2num(grid.columns)
    step = (x[1] - x[0]) if len(x) > 1 else 30.0
    ax.imshow(
        codes,
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap(list(STRATEGY_COLOURS.values())),
        vmin=0,
        vmax=2,
        extent=(x[0] - step / 2, x[-1] + step / 2, len(grid) - 0.5, -0.5),
    )
    ax.set_yticks(range(len(grid)), grid.index)
    if observed is not None and not observed.empty:
        row = {lab: i for i, lab in enumerate(grid.index)}
        obs = observed[observed["lab"].isin(row)]
        ax.scatter(
            obs["month"],
            obs["lab"].map(row),
            marker="*",
            s=60,
            color="gold",
            edgecolor="black",
            linewidth=0.5,
            zorder=3,
            label="observed release",
        )
    ax.xaxis_date()
    _time_axis(ax)
    ax.grid(False)
    ax.set_xlabel("Month")
    handles = [Patch(color=c, label=s) for s, c in STRATEGY_COLOURS.items()]
    fig.legend(
        handles=handles + ax.get_legend_handles_labels()[0],
        loc="outside lower center",
        ncol=4,
        fontsize=8,
    )
    ax.set_title(title or "Strategy of each lab (one run)")
    return fig


def cascade_share(labs: pd.DataFrame, title: str = "") -> Figure:
    """Share of runs in which each lab is open, month by month."""
    share = open_share_by_lab(labs)
    fig, ax = _subplots(figsize=(10, 0.32 * len(share) + 1.6), layout="constrained")
    x = mdates.date2num(share.columns)
    step = (x[1] - x[0]) if len(x) > 1 else 30.0
    image = ax.imshow(
        100 * share.to_numpy(float),
        aspect="auto",
        interpolation="nearest",
        cmap="Blues",
        vmin=0,
        vmax=100,
        extent=(x[0] - step / 2, x[-1] + step / 2, len(share) - 0.5, -0.5),
    )
    ax.set_yticks(range(len(share)), share.index)
    ax.xaxis_date()
    _time_axis(ax)
    ax.grid(False)
    ax.set_xlabel("Month")
    fig.colorbar(image, ax=ax, label="Runs in which the lab is open (%)", shrink=0.8)
    ax.set_title(title or f"Open strategy by lab ({n_runs(labs)} runs)")
    return fig


def gaps(world: pd.DataFrame, events: pd.DataFrame | None = None, title: str = "") -> Figure:
    """Closed/open price ratio (log scale) with the serving-cost ratio beneath it, and the
    capability lag of the best open model."""
    fig, (top, bottom) = _subplots(2, 1, figsize=(9, 6.5), sharex=True, layout="constrained")
    _band_plot(top, bands(world, "price_ratio"), "tab:purple")
    if "serving_cost_ratio" in world.columns:
        # the price ratio is the cost ratio times the two markups: where they part, prices do
        cost = bands(world, "serving_cost_ratio")
        top.plot(
            cost.index,
            cost["median"],
            color="tab:grey",
            linestyle=":",
            linewidth=1.5,
            label="serving-cost ratio (median)",
        )
    top.set_yscale("log")
    top.set_ylabel("Price ratio (x, log scale)")
    top.set_title("Price of the most capable closed model / most capable open model", fontsize=10)
    top.legend(loc="upper left", fontsize=8)
    _band_plot(bottom, bands(world, "open_lag_months"), "tab:green")
    bottom.set_ylabel("Lag (months)")
    bottom.set_title(
        "Capability lag of the best open model behind the closed frontier", fontsize=10
    )
    bottom.set_xlabel("Month")
    for ax in (top, bottom):
        _time_axis(ax)
        _mark_events(ax, events)
    _event_footer(fig, events)
    fig.suptitle(title or f"Price and capability gaps ({n_runs(world)} runs)")
    return fig


def arm_bands(
    world: pd.DataFrame,
    column: str,
    events: pd.DataFrame | None = None,
    title: str = "",
    ylabel: str = "",
) -> Figure:
    """One metric for several arms (the `arm` column) on one time axis: median and 50% band
    across runs for each arm."""
    fig, ax = _subplots(figsize=(9, 4.5), layout="constrained")
    colours = matplotlib.colormaps.get_cmap("tab10")(np.linspace(0, 1, 10))
    for k, (arm, rows) in enumerate(world.groupby("arm", sort=False)):
        q = bands(rows, column)
        ax.fill_between(q.index, q["q25"], q["q75"], color=colours[k], alpha=0.25, linewidth=0)
        ax.plot(
            q.index, q["median"], color=colours[k], linewidth=2, label=f"{arm} (median, 50% band)"
        )
    ax.set_ylabel(ylabel or metrics.label(column))
    ax.set_xlabel("Month")
    _time_axis(ax)
    _mark_events(ax, events)
    ax.legend(loc="best", fontsize=8)
    ax.set_title(
        title
        or f"{metrics.metric(column).label if column in metrics.WORLD else column} "
        f"by arm ({n_runs(world)} runs)"
    )
    return fig


def market_shares(labs: pd.DataFrame, column: str = "developer_share", title: str = "") -> Figure:
    """Stacked areas of each lab family's share, mean across runs."""
    table = mean_shares(labs, column)
    fig, ax = _subplots(figsize=(10, 5.5), layout="constrained")
    colours = matplotlib.colormaps.get_cmap("tab20")(np.linspace(0, 1, table.shape[1]))
    ax.stackplot(table.index, 100 * table.to_numpy(float).T, labels=table.columns, colors=colours)
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"{metrics.LABS[column].label if column in metrics.LABS else column} (%)")
    ax.set_xlabel("Month")
    _time_axis(ax)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    ax.set_title(title or f"Shares by lab family, mean of {n_runs(labs)} runs")
    return fig


def capital_runway(labs: pd.DataFrame, title: str = "") -> Figure:
    """Capital ($M, log scale) and runway (months) per lab, median across runs."""
    fig, (top, bottom) = _subplots(2, 1, figsize=(10, 7), sharex=True, layout="constrained")
    capital = labs.pivot_table(index="month", columns="lab", values="capital", aggfunc="median")
    runway = labs.pivot_table(index="month", columns="lab", values="runway", aggfunc="median")
    colours = dict(
        zip(
            capital.columns,
            matplotlib.colormaps.get_cmap("tab20")(np.linspace(0, 1, capital.shape[1])),
            strict=True,
        )
    )
    for lab in capital.columns:
        top.plot(capital.index, capital[lab].clip(lower=1.0), color=colours[lab], label=lab)
        bottom.plot(runway.index, runway[lab], color=colours[lab])
    top.set_yscale("log")
    top.set_ylabel("Capital ($M, log scale)")
    bottom.set_ylabel("Runway (months)")
    bottom.set_xlabel("Month")
    for ax in (top, bottom):
        _time_axis(ax)
    top.legend(loc="center left", bbox_to_anchor=(1.01, 0.0), fontsize=8)
    fig.suptitle(title or f"Capital and runway per lab (median of {n_runs(labs)} runs)")
    return fig


PAYOFF_TERMS = (
    "api_margin",
    "hosting",
    "grants",
    "ecosystem",
    "complement",
    "moat",
    "regulatory",
    "market_access",
    "safety",
    "capital_pressure",
)


def payoff_differences(decisions: pd.DataFrame, lab: str, option: str) -> pd.DataFrame:
    """Median across runs of each payoff term of `option` minus the same term of `closed`,
    for one lab at each of its reviews (rows: months, columns: terms and `total`)."""
    rows = decisions[decisions["lab"] == lab]
    keys = ["month"] + [k for k in ("arm", "replication") if k in rows.columns]
    cols = [*PAYOFF_TERMS, "total"]
    chosen = rows[rows["option"] == option].set_index(keys)[cols]
    closed = rows[rows["option"] == CLOSED].set_index(keys)[cols]
    return (chosen - closed).groupby(level="month").median()


def payoff_terms(
    decisions: pd.DataFrame,
    lab: str,
    option: str = OPEN,
    events: pd.DataFrame | None = None,
    title: str = "",
) -> Figure:
    """Why a lab opens or stays closed: each payoff term of `option` minus `closed` at its
    reviews ($M/month, median across runs; `decisions` tables of one or more runs)."""
    diff = payoff_differences(decisions, lab, option)
    shown = [t for t in PAYOFF_TERMS if diff[t].abs().max() > 1e-9]
    fig, ax = _subplots(figsize=(9, 5), layout="constrained")
    colours = matplotlib.colormaps.get_cmap("tab10")(np.linspace(0, 1, 10))
    for term in shown:
        ax.plot(
            diff.index,
            diff[term],
            color=colours[PAYOFF_TERMS.index(term)],
            linewidth=1.3,
            label=term.replace("_", " "),
        )
    ax.plot(diff.index, diff["total"], color="black", linewidth=2.5, label="total")
    ax.axhline(0.0, color="grey", linewidth=1)
    ax.set_yscale("symlog", linthresh=10.0)
    ax.set_ylabel(f"'{option}' minus '{CLOSED}' ($M/month, symlog)")
    ax.set_xlabel("Month of review")
    _time_axis(ax)
    _mark_events(ax, events)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    ax.set_title(title or f"{lab}: payoff of '{option}' over '{CLOSED}', by term")
    return fig


def policy_effects(table: pd.DataFrame, metric: str, month=None, title: str = "") -> Figure:
    """Effect of each arm against the baseline with its 95% interval (`compare_arms` table)."""
    rows = table[table["metric"] == metric]
    if month is not None and "month" in rows:
        rows = rows[pd.to_datetime(rows["month"]) == pd.Timestamp(month)]
    elif "month" in rows and rows["month"].notna().any():
        rows = rows[rows["month"] == rows["month"].max()]
    rows = rows.reset_index(drop=True)
    fig, ax = _subplots(figsize=(8, 0.45 * len(rows) + 1.8), layout="constrained")
    y = np.arange(len(rows))
    err = np.vstack([rows["effect"] - rows["ci_low"], rows["ci_high"] - rows["effect"]])
    ax.errorbar(
        rows["effect"],
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
    ax.set_xlabel(f"Change in {metrics.label(metric)} vs '{base}' (paired runs)")
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(title or f"Policy effects on {_short(metric)}{when}")
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
    ax.set_title(title or f"Sensitivity of {_short(metric)}")
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


def save(
    fig: Figure, path_stem, formats: Iterable[str] = ("png", "svg"), dpi: int = 110
) -> list[str]:
    """Write the figure as `path_stem.FORMAT` for each format; returns the paths."""
    paths = []
    for fmt in formats:
        path = f"{path_stem}.{fmt}"
        fig.savefig(path, dpi=dpi)
        paths.append(path)
    return paths
