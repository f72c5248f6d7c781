"""Figures from result tables (DataFrames in, matplotlib Figure out)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no display is needed or assumed

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

ADOPTION_SERIES = {
    "open_share_dev_count": ("Developers, open (by count)", "tab:blue", "-"),
    "open_share_dev_tokens": ("Developers, open (by tokens)", "tab:blue", "--"),
    "ent_open_share_count": ("Enterprises, open only (by count)", "tab:orange", "-"),
    "ent_open_share_tokens": ("Enterprises, open (by tokens)", "tab:orange", "--"),
    "ent_hybrid_share_count": ("Enterprises, hybrid (by count)", "tab:green", ":"),
}


def adoption_curves(world: pd.DataFrame, events: pd.DataFrame | None = None,
                    title: str = "") -> Figure:
    """Open-weight shares over calendar months, with dated events marked."""
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    for column, (label, color, style) in ADOPTION_SERIES.items():
        ax.plot(world["month"], 100 * world[column], color=color, linestyle=style, label=label)
    if events is not None:
        for i, ev in enumerate(events.itertuples()):
            ax.axvline(ev.month, color="grey", linewidth=0.8, alpha=0.7)
            ax.annotate(ev.label, (ev.month, 100), xytext=(2, -10 - 10 * (i % 4)),
                        textcoords="offset points", fontsize=7, color="dimgrey")
    ax.set_ylim(0, 100)
    ax.set_ylabel("Share (%)")
    ax.set_xlabel("Month")
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title or "Open-weight adoption")
    return fig


def save(fig: Figure, path_stem, formats: tuple[str, ...] = ("png",)) -> None:
    for fmt in formats:
        fig.savefig(f"{path_stem}.{fmt}", dpi=120)
    plt.close(fig)
