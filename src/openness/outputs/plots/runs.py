"""Figures of runs and ensembles over time: adoption, the cascade, gaps, arms, shares,
capital."""

from __future__ import annotations

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from openness import metrics
from openness.outputs.plots.common import (
    ADOPTION_PANELS,
    STRATEGY_CODES,
    STRATEGY_COLOURS,
    _band_plot,
    _event_footer,
    _mark_events,
    _subplots,
    _time_axis,
    bands,
    mean_shares,
    n_runs,
    open_share_by_lab,
)


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
