"""What every figure shares: the data behind it (bands across runs), colours, time axes,
event marks, and saving."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

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
