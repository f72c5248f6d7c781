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
from openness.market.finance import MAX_RUNWAY
from openness.outputs.plots.common import (
    ADOPTION_PANELS,
    STRATEGY_CODES,
    STRATEGY_COLOURS,
    _band_plot,
    _event_footer,
    _interval,
    _mark_events,
    _subplots,
    _time_axis,
    bands,
    is_monthly,
    lab_colours,
    mean_shares,
    n_runs,
    open_share_by_lab,
    runs_phrase,
)


# ---- the figures --------------------------------------------------------------------------
def adoption_curves(
    world: pd.DataFrame, events: pd.DataFrame | None = None, title: str = ""
) -> Figure:
    """Open-weight shares of developers and enterprises (by count and by tokens), with
    dated events marked: one run as a line, several as the median and 50% / 90% bands."""
    runs = n_runs(world)
    fig, axes = _subplots(2, 2, figsize=(10, 6.5), sharex=True, layout="constrained")
    colours = ["tab:blue", "tab:blue", "tab:orange", "tab:orange"]
    for k, (ax, column, colour) in enumerate(zip(axes.flat, ADOPTION_PANELS, colours, strict=True)):
        ax.set_title(metrics.short_label(column), fontsize=10)
        if column not in world.columns:  # a batch that did not keep this metric
            ax.text(
                0.5,
                0.5,
                f"{metrics.short_label(column)}\nnot kept in this batch",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="dimgrey",
            )
            continue
        _band_plot(ax, bands(world, column), colour, runs, scale=100.0)
        ax.set_ylim(0, 100)
        ax.set_ylabel("Share (%)")
        _time_axis(ax)
        _mark_events(ax, events, labelled=k < 2)
    for ax in axes.flat:
        if ax.get_lines():
            ax.legend(loc="lower right", fontsize=8)
            break
    for ax in axes[1]:
        ax.set_xlabel("Month")
    _event_footer(fig, events)
    fig.suptitle(title or f"Open-weight adoption ({runs_phrase(runs)})")
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
    runs = n_runs(labs)
    ax.set_title(
        title
        or (
            "Strategy of each lab" + (" (one run)" if runs == 1 else f" (the first of {runs} runs)")
        )
    )
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
    ax.set_title(title or f"Open strategy by lab ({runs_phrase(n_runs(labs))})")
    return fig


def gaps(world: pd.DataFrame, events: pd.DataFrame | None = None, title: str = "") -> Figure:
    """Closed/open price ratio (log scale) with the serving-cost ratio beneath it, and the
    capability lag of the best open model."""
    runs = n_runs(world)
    fig, (top, bottom) = _subplots(2, 1, figsize=(9, 6.5), sharex=True, layout="constrained")
    _band_plot(top, bands(world, "price_ratio"), "tab:purple", runs)
    if "serving_cost_ratio" in world.columns:
        # the price ratio is the cost ratio times the two markups: where they part, prices do
        cost = bands(world, "serving_cost_ratio")
        top.plot(
            cost.index,
            cost["median"],
            color="tab:grey",
            linestyle=":" if is_monthly(cost.index) else "none",
            marker=None if is_monthly(cost.index) else "x",
            linewidth=1.5,
            label="serving-cost ratio" + (" (median)" if runs > 1 else ""),
        )
    top.set_yscale("log")
    top.set_ylabel(f"{metrics.short_label('price_ratio')}\n(x, log scale)", fontsize=9)
    top.set_title("Price of the most capable closed model / most capable open model", fontsize=10)
    top.legend(loc="upper left", fontsize=8)
    _band_plot(bottom, bands(world, "open_lag_months"), "tab:green", runs)
    bottom.set_ylabel(metrics.label("open_lag_months"), fontsize=9)
    bottom.set_title(
        "Capability lag of the best open model behind the closed frontier", fontsize=10
    )
    bottom.set_xlabel("Month")
    for ax, labelled in ((top, True), (bottom, False)):
        _time_axis(ax)
        _mark_events(ax, events, labelled=labelled)
    _event_footer(fig, events)
    fig.suptitle(title or f"Price and capability gaps ({runs_phrase(runs)})")
    return fig


def arm_bands(
    world: pd.DataFrame,
    column: str,
    events: pd.DataFrame | None = None,
    title: str = "",
    ylabel: str = "",
) -> Figure:
    """One metric for several arms (the `arm` column) on one time axis: each arm's median
    and 50% band across its runs (a line alone for an arm of one run); shares in %."""
    fig, ax = _subplots(figsize=(9, 4.5), layout="constrained")
    colours = list(matplotlib.colormaps.get_cmap("tab10")(np.arange(10)))
    entry = metrics.WORLD.get(column)
    scale = 100.0 if entry is not None and entry.is_share else 1.0
    for k, (arm, rows) in enumerate(world.groupby("arm", sort=False)):
        q, runs = bands(rows, column), n_runs(rows)
        monthly = is_monthly(q.index)
        if runs > 1:
            _interval(
                ax, q.index, scale * q["q25"], scale * q["q75"], colours[k % 10], 0.25, monthly
            )
        what = "median, 50% band" if runs > 1 else "one run"
        ax.plot(
            q.index,
            scale * q["median"],
            color=colours[k % 10],
            linewidth=2,
            linestyle="-" if monthly else "none",
            marker=None if monthly else "o",
            label=f"{arm} ({what})",
        )
    ax.set_ylabel(ylabel or metrics.label(column))
    ax.set_xlabel("Month")
    _time_axis(ax)
    _mark_events(ax, events)
    ax.legend(loc="best", fontsize=8)
    ax.set_title(title or f"{metrics.short_label(column)} by arm ({runs_phrase(n_runs(world))})")
    return fig


def market_shares(labs: pd.DataFrame, column: str = "developer_share", title: str = "") -> Figure:
    """Stacked areas of each lab family's share (the mean across runs if several); the
    largest families in distinct colours, the rest in muted greys, the legend outside."""
    table = mean_shares(labs, column)
    runs = n_runs(labs)
    colours = lab_colours(labs)
    fig, ax = _subplots(figsize=(10, 5.5), layout="constrained")
    ax.stackplot(
        table.index,
        100 * table.to_numpy(float).T,
        labels=table.columns,
        colors=[colours[lab] for lab in table.columns],
        edgecolor="white",
        linewidth=0.3,
    )
    ax.set_ylim(0, 100)
    ax.set_ylabel(metrics.label(column, "labs"))
    ax.set_xlabel("Month")
    _time_axis(ax)
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles[::-1], names[::-1], loc="outside right upper", fontsize=8)
    what = "one run" if runs == 1 else f"mean of {runs} runs"
    ax.set_title(title or f"{metrics.short_label(column, 'labs')} by lab family ({what})")
    return fig


def capital_runway(labs: pd.DataFrame, title: str = "") -> Figure:
    """Capital ($M, log scale) and runway (months, capped as the metric is) per lab, the
    median across runs if several; the largest families highlighted, the legend outside."""
    runs = n_runs(labs)
    fig, (top, bottom) = _subplots(2, 1, figsize=(10, 7), sharex=True, layout="constrained")
    capital = labs.pivot_table(index="month", columns="lab", values="capital", aggfunc="median")
    runway = labs.pivot_table(index="month", columns="lab", values="runway", aggfunc="median")
    colours = lab_colours(labs)
    for lab in sorted(capital.columns, key=list(colours).index):
        muted = list(colours).index(lab) >= 8
        style = {
            "color": colours[lab],
            "linewidth": 0.9 if muted else 1.6,
            "zorder": 1 if muted else 2,
        }
        top.plot(capital.index, capital[lab].clip(lower=1.0), label=lab, **style)
        bottom.plot(runway.index, runway[lab], label=lab, **style)
    top.set_yscale("log")
    top.set_ylabel("Capital ($M, log scale; floor 1)")
    cap = int(MAX_RUNWAY)
    bottom.axhline(cap, color="black", linewidth=0.8, linestyle=":")
    bottom.text(
        bottom.get_xlim()[0], cap, f" capped at {cap} months", va="bottom", ha="left", fontsize=7
    )
    bottom.set_ylim(0, cap * 1.08)
    bottom.set_ylabel(f"Runway (months, capped at {cap})")
    bottom.set_xlabel("Month")
    for ax in (top, bottom):
        _time_axis(ax)
    handles, names = top.get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right upper", fontsize=8)
    what = "one run" if runs == 1 else f"median of {runs} runs"
    fig.suptitle(title or f"Capital and runway per lab ({what})")
    return fig
