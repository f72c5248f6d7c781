"""What every figure shares: the data behind it (bands across runs), colours, time axes,
event marks, and saving."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import matplotlib
import matplotlib.colors
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from openness.vocabulary import CLOSED, HYBRID, OPEN

#: the four adoption panels: open-weight shares of developers and enterprises
ADOPTION_PANELS = [
    "open_share_dev_count",
    "open_share_dev_tokens",
    "ent_open_share_count",
    "ent_open_share_tokens",
]
STRATEGY_COLOURS = {CLOSED: "#b2182b", HYBRID: "#f4a582", OPEN: "#2166ac"}
STRATEGY_CODES = {name: i for i, name in enumerate(STRATEGY_COLOURS)}
BAND_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


# ---- data behind the figures ----------------------------------------------------------------


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


def _event_marks(events: pd.DataFrame | None) -> pd.DataFrame:
    """One row per month with an event: the month and the short names of its events."""
    if events is None or events.empty:
        return pd.DataFrame(columns=["month", "names"])
    named = events["name"] if "name" in events.columns else events["label"]
    marks = events.assign(names=named.astype(str))
    return (
        marks.groupby("month", sort=True)["names"]
        .agg(lambda names: ", ".join(dict.fromkeys(names)))
        .reset_index()
    )


def _mark_events(ax: Axes, events: pd.DataFrame | None, labelled: bool = True) -> None:
    """A dashed line at each month with a dated event; with `labelled`, the short names of
    its events written along the line (one label per line), inside the top of the axes: on
    the line's left, or on its right where the previous line is close."""
    transform = ax.get_xaxis_transform()  # x in data, y in axes fraction
    previous = None
    for mark in _event_marks(events).itertuples():
        month = pd.Timestamp(mark.month)
        ax.axvline(month, color="dimgrey", linewidth=0.8, linestyle="--", alpha=0.8)
        close = previous is not None and (month - previous).days < 100
        previous = month
        if labelled:
            ax.text(
                month,
                0.98,
                f" {mark.names} ",
                transform=transform,
                rotation=90,
                ha="left" if close else "right",
                va="top",
                fontsize=6.5,
                color="dimgrey",
                gid="event-label",
            )


def _event_footer(fig: Figure, events: pd.DataFrame | None) -> None:
    """List the dated events under the figure, with what each one is."""
    if events is None or events.empty:
        return
    items = []
    for ev in events.itertuples():
        name = getattr(ev, "name", "") or ""
        text = f"{name}: {ev.label}" if name and name != ev.label else ev.label
        items.append(f"{pd.Timestamp(ev.month):%Y-%m} {text}")
    lines, line = [], ""
    for item in items:
        if line and len(line) + len(item) > 150:
            lines.append(line)
            line = ""
        line = f"{line};  {item}" if line else item
    lines.append(line)
    fig.supxlabel("Dashed lines: " + "\n".join(lines), fontsize=7, color="dimgrey")


def runs_phrase(runs: int) -> str:
    """'one run' or 'N runs', for titles."""
    return "one run" if runs == 1 else f"{runs} runs"


def is_monthly(index: pd.Index) -> bool:
    """Whether the months of `index` follow each other with no gap (else the table kept
    only some months, and a figure draws points at them, not lines across the gaps)."""
    months = pd.DatetimeIndex(index)
    if len(months) < 2:
        return len(months) == 1
    steps = (months.year * 12 + months.month).to_numpy()
    return bool((steps[1:] - steps[:-1] == 1).all())


def _interval(
    ax: Axes, x, low, high, colour, alpha: float, monthly: bool, width: float = 6, label=None
) -> None:
    """A band between `low` and `high`: filled over consecutive months, else a bar at each
    kept month (no area across the gaps)."""
    if monthly:
        ax.fill_between(x, low, high, color=colour, alpha=alpha, linewidth=0, label=label)
    else:
        ax.vlines(x, low, high, color=colour, alpha=2 * alpha, linewidth=width, label=label)


def _band_plot(
    ax: Axes, q: pd.DataFrame, colour: str, runs: int, scale: float = 1.0, label: str = ""
) -> None:
    """What a metric did: one run as a line; several as the median with 50% and 90% bands
    across runs. Months kept with gaps between them are drawn as points with interval
    bars, not lines across the gaps."""
    x, median = q.index, scale * q["median"]
    monthly = is_monthly(x)
    line = {"linestyle": "-", "marker": None} if monthly else {"linestyle": "none", "marker": "o"}
    if runs == 1:
        ax.plot(x, median, color=colour, linewidth=1.8, label=label or "this run", **line)
        return
    for low, high, alpha, name in (("q05", "q95", 0.15, "90%"), ("q25", "q75", 0.3, "50%")):
        width = 6 if name == "50%" else 3
        _interval(
            ax, x, scale * q[low], scale * q[high], colour, alpha, monthly, width, f"{name} of runs"
        )
    ax.plot(x, median, color=colour, linewidth=1.8, label=label or "median", **line)


def lab_colours(labs: pd.DataFrame, highlighted: int = 8) -> dict[str, tuple]:
    """A colour per lab that a reader can tell apart: the `highlighted` largest families
    (by mean developer share, else mean capital) in distinct colours, the rest in muted
    greys. The same table gives the same colours in every figure."""
    size = "developer_share" if "developer_share" in labs.columns else "capital"
    if size in labs.columns:
        order = labs.groupby("lab")[size].mean().sort_values(ascending=False, kind="stable").index
    else:
        order = pd.Index(sorted(labs["lab"].unique()))
    # tab10 without its grey, which the muted labs use
    strong = list(matplotlib.colormaps.get_cmap("tab10")([0, 1, 2, 3, 4, 5, 6, 8, 9]))
    muted = [str(v) for v in np.linspace(0.55, 0.85, max(1, len(order) - highlighted))]
    colours: dict[str, tuple] = {}
    for i, lab in enumerate(order):
        colours[lab] = (
            tuple(strong[i][:3])
            if i < highlighted
            else matplotlib.colors.to_rgb(muted[i - highlighted])
        )
    return colours


def n_runs(df: pd.DataFrame) -> int:
    """How many runs (arm, design point, replication) a table holds."""
    keys = [k for k in ("arm", "point", "replication") if k in df.columns]
    return int(df.groupby(keys).ngroups) if keys else 1


def save(
    fig: Figure, path_stem, formats: Iterable[str] = ("png", "svg"), dpi: int = 110
) -> list[str]:
    """Write the figure as `path_stem.FORMAT` for each format; returns the paths.

    The layout is worked out once, for the first format, and kept for the others: the
    formats show the same figure, and a second layout pass costs as much as the drawing."""
    paths = []
    engine = fig.get_layout_engine()
    try:
        for fmt in formats:
            path = f"{path_stem}.{fmt}"
            fig.savefig(path, dpi=dpi)
            fig.set_layout_engine("none")
            paths.append(path)
    finally:
        fig.set_layout_engine(engine)
    return paths
