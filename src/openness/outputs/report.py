"""`openness report DIR`: one self-contained HTML file and a Markdown summary of a run, a
batch or a validation directory.

The HTML embeds every figure as a base64 PNG, so it can be mailed or opened anywhere; the
Markdown summary links the same figures, written as PNG and SVG under DIR/figures/.
"""

from __future__ import annotations

import base64
import html
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from openness import __version__
from openness import metrics as catalogue
from openness.experiments.compare import compare_arms, with_month_labels
from openness.experiments.spec import Experiment
from openness.experiments.store import load_events, load_results, read_manifest
from openness.files import add_entries, check_owned
from openness.outputs import plots, readable
from openness.outputs.tables import SUMMARY, read_run
from openness.scenario import ExperimentError

HEADLINE_METRICS = [
    "open_share_dev_count",
    "open_share_dev_tokens",
    "ent_open_share_tokens",
    "ent_hybrid_share_count",
    "n_frontier_open",
    "n_major_frontier_open",
    "price_ratio",
    "open_lag_months",
    "hhi_developers",
]
EFFECT_METRICS = ["open_share_dev_count", "ent_open_share_tokens", "n_frontier_open", "price_ratio"]


@dataclass
class Report:
    """What a report shows: a title, provenance, tables and captioned figures."""

    title: str
    kind: str
    provenance: dict
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    # name, caption and what draws the figure: drawn one at a time as the report is written,
    # so that a large batch never holds dozens of open figures
    figures: list[tuple[str, str, Callable[[], Figure]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---- what goes into a report ------------------------------------------------------------
def collect(directory: Path) -> Report:
    """Read a run, batch or validation directory and build its figures and tables."""
    directory = Path(directory)
    if (directory / SUMMARY).is_file():
        return _run_report(directory)
    if (directory / "validation.csv").is_file() and (directory / "runs").is_dir():
        return _validation_report(directory)
    if (directory / "manifest.json").is_file():
        return _batch_report(directory)
    raise ExperimentError(
        directory,
        "",
        "is not a run directory (summary.json), a batch "
        "directory (manifest.json) or a validation directory "
        "(validation.csv and runs/); pass one of those",
    )


def _run_report(directory: Path) -> Report:
    tables, summary = read_run(directory)
    world, labs, events = tables["world"], tables["labs"], tables.get("events")
    name = f"{summary.get('scenario', directory.name)} (seed {summary.get('seed')})"
    report = Report(f"Run: {name}", "run", summary)
    final = readable.metric_table(world.iloc[[-1]][HEADLINE_METRICS])
    month = f"{pd.Timestamp(world['month'].iloc[-1]):%Y-%m}"
    report.tables.append(
        (f"Last month ({month})", final.T.reset_index().set_axis(["Metric", "Value"], axis=1))
    )
    _trajectory_figures(report, world, labs, events)
    return report


def _batch_report(directory: Path, title: str | None = None) -> Report:
    manifest = read_manifest(directory)
    spec = Experiment.model_validate_json((directory / "experiment.json").read_text())
    world = load_results(directory, "world")
    if world.empty:
        raise ExperimentError(directory, "", "holds no completed runs to report on")
    labs = load_results(directory, "labs")
    events = load_events(directory)
    provenance = {
        k: manifest.get(k)
        for k in ("experiment", "experiment_hash", "package_version", "created", "counts")
    }
    report = Report(title or f"Batch: {manifest['experiment']}", "batch", provenance)
    baseline = spec.baseline if spec.baseline in set(world["arm"]) else world["arm"].iloc[0]
    report.notes.append(
        f"Figures of trajectories show arm '{baseline}' "
        f"({world.loc[world['arm'] == baseline, 'replication'].nunique()} "
        "replications); bands are across replications."
    )
    metrics = [m for m in HEADLINE_METRICS if m in world.columns]
    if "month" in world.columns and metrics:
        last = world[world["month"] == world["month"].max()]
        summary = last.groupby("arm", sort=False)[metrics].median().reset_index()
        report.tables.append(
            (
                f"Median across runs, {world['month'].max():%Y-%m}",
                readable.metric_table(summary).rename(columns={"arm": "Arm"}),
            )
        )
        arm_events = events[events["arm"] == baseline] if not events.empty else None
        _trajectory_figures(
            report,
            world[world["arm"] == baseline],
            labs[labs["arm"] == baseline] if not labs.empty else labs,
            arm_events,
        )
    if world["arm"].nunique() > 1:
        _effect_figures(report, world, baseline, spec.seed)
    if spec.design.kind == "saltelli":
        _sensitivity_figure(report, world, spec, baseline)
    return report


def _validation_report(directory: Path) -> Report:
    table = pd.read_csv(directory / "validation.csv")
    report = _batch_report(directory / "runs", title=f"Validation: {directory.name}")
    report.kind = "validation"
    passed = int((table["verdict"] == "pass").sum())
    report.notes.insert(0, f"{passed} of {len(table)} pattern targets pass.")
    report.tables.insert(0, ("Pattern targets", readable.validation_table(table)))
    report.figures.insert(
        0,
        (
            "validation",
            "Each target: the observed 5-95% range across "
            "seeds (green: passes, red: fails) and median (dot) against the "
            "required interval (grey).",
            partial(plots.validation_ranges, table),
        ),
    )
    return report


def _trajectory_figures(
    report: Report, world: pd.DataFrame, labs: pd.DataFrame, events: pd.DataFrame | None
) -> None:
    add = report.figures.append
    runs = plots.n_runs(world)
    across = "one run" if runs == 1 else f"median across {runs} runs with 50% and 90% bands"
    add(
        (
            "adoption",
            "Open-weight shares of developers and enterprises, by count and by "
            f"tokens ({across}); dashed lines mark dated events.",
            partial(plots.adoption_curves, world, events),
        )
    )
    if {"price_ratio", "open_lag_months"} <= set(world.columns):
        add(
            (
                "gaps",
                "Price ratio of the most capable closed to the most capable open model "
                "(log scale; dotted: the ratio of their serving costs) and the capability lag of "
                "the best open model.",
                partial(plots.gaps, world, events),
            )
        )
    if labs is None or labs.empty:
        report.notes.append(
            "No per-lab table was kept, so there are no lab figures "
            "(set outputs.lab_metrics in the experiment)."
        )
        return
    if "strategy" in labs.columns:
        add(
            (
                "cascade",
                "Each lab's strategy month by month in one run"
                + (f" (the first of {runs})." if runs > 1 else "."),
                partial(plots.cascade, labs),
            )
        )
        if plots.n_runs(labs) > 1:
            add(
                (
                    "cascade_share",
                    "Share of runs in which each lab is open.",
                    partial(plots.cascade_share, labs),
                )
            )
    if "developer_share" in labs.columns:
        add(
            (
                "market_shares",
                "Developers' shares by lab family"
                + (f" (mean across {runs} runs)." if runs > 1 else " (one run)."),
                partial(plots.market_shares, labs),
            )
        )
    if {"capital", "runway"} <= set(labs.columns):
        add(
            (
                "capital_runway",
                "Capital and runway of each lab"
                + (f" (median across {runs} runs)" if runs > 1 else " (one run)")
                + "; runway is capped as the metric is.",
                partial(plots.capital_runway, labs),
            )
        )


def _effect_figures(report: Report, world: pd.DataFrame, baseline: str, seed: int) -> None:
    metrics = [m for m in EFFECT_METRICS if m in world.columns]
    last = world[world["month"] == world["month"].max()] if "month" in world else world
    table = compare_arms(last, baseline, metrics, seed=seed)
    if table.empty:
        return
    report.tables.append(
        (
            f"Effects against '{baseline}' (paired runs, 95% bootstrap intervals)",
            readable.effects_table(table),
        )
    )
    months = world["month"].nunique() if "month" in world else 1
    over_time = compare_arms(world, baseline, metrics, seed=seed) if months > 1 else None
    for metric in metrics:
        if over_time is not None:
            report.figures.append(
                (
                    f"effect_over_time_{metric}",
                    f"Effect of each arm on {catalogue.short_label(metric)} in every kept "
                    "month, with its 95% interval: whether it is stable.",
                    partial(plots.effect_over_time, over_time, metric),
                )
            )
        report.figures.append(
            (
                f"effect_{metric}",
                f"Effect of each arm on {catalogue.short_label(metric)} in the last month, with its 95% "
                "interval (percentage points for a share).",
                partial(plots.policy_effects, table, metric),
            )
        )


def _sensitivity_figure(report: Report, world: pd.DataFrame, spec: Experiment, arm: str) -> None:
    from openness.experiments.sensitivity import sobol_indices  # SALib: only for this

    metric = next((m for m in EFFECT_METRICS if m in world.columns), None)
    if metric is None:
        return
    last = world[world["month"] == world["month"].max()] if "month" in world else world
    try:
        table = sobol_indices(last, spec, [metric], arm=arm, seed=spec.seed)
    except ValueError as exc:
        report.notes.append(f"No Sobol indices: {exc}")
        return
    report.tables.append(
        (f"Sobol indices of {catalogue.short_label(metric)}", with_month_labels(table))
    )
    report.figures.append(
        (
            "sobol",
            f"First-order and total Sobol indices of {catalogue.short_label(metric)} in the "
            "last month, with 95% intervals.",
            partial(plots.sobol_bars, table),
        )
    )


# ---- writing ------------------------------------------------------------------------------
REPORT_ENTRIES = ("report.html", "report.md", "figures")


#: the figures a report's worker processes draw (inherited by fork, not pickled)
_PENDING: list[tuple[str, str, Callable[[], Figure]]] = []
FIGURE_DPI = 100


def _draw_one(index: int, out: Path) -> None:
    name, _, draw = _PENDING[index]
    plots.save(draw(), out / name, ("png", "svg"), dpi=FIGURE_DPI)  # laid out once for both


def draw_figures(figures: list[tuple[str, str, Callable[[], Figure]]], out: Path) -> None:
    """Draw each figure once and write it as PNG and SVG under `out`: in two forked worker
    processes where the machine has the cores (drawing is most of a report's time), else
    here."""
    workers = min(len(figures), os.cpu_count() or 1, 2)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for name, _, draw in figures:
            plots.save(draw(), out / name, ("png", "svg"), dpi=FIGURE_DPI)
        return
    _PENDING[:] = figures
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for done in [pool.submit(_draw_one, i, out) for i in range(len(figures))]:
                done.result()  # a figure that fails fails the report, with its error
    finally:
        _PENDING.clear()


def write_report(directory: str | Path) -> tuple[Path, Path]:
    """Write DIR/report.html (self-contained), DIR/report.md and DIR/figures/; returns the
    paths of the HTML and Markdown files. Nothing is replaced unless all of it is written."""
    directory = check_owned(directory, REPORT_ENTRIES)
    report = collect(directory)
    tmp = Path(tempfile.mkdtemp(prefix=".report.", dir=directory))
    try:
        figures = tmp / "figures"
        figures.mkdir()
        draw_figures(report.figures, figures)
        images = {
            name: base64.b64encode((figures / f"{name}.png").read_bytes()).decode()
            for name, _, _ in report.figures
        }
        (tmp / "report.html").write_text(_html(report, images))
        (tmp / "report.md").write_text(_markdown(report))
        if (directory / "figures").exists():
            shutil.rmtree(directory / "figures")
        os.replace(figures, directory / "figures")
        for name in ("report.html", "report.md"):
            os.replace(tmp / name, directory / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    add_entries(directory, REPORT_ENTRIES)
    return directory / "report.html", directory / "report.md"


def _fmt(value) -> str:
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{value:.4g}"
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m}"
    return str(value)


def _html_table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
        for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html(report: Report, images: dict[str, str]) -> str:
    parts = [
        f"<h1>{html.escape(report.title)}</h1>",
        f"<p class='meta'>openness {__version__}; report of a {report.kind} directory</p>",
    ]
    parts += [f"<p>{html.escape(n)}</p>" for n in report.notes]
    parts.append("<h2>Provenance</h2>" + _html_table(readable.provenance_table(report.provenance)))
    for title, df in report.tables:
        parts.append(f"<h2>{html.escape(title)}</h2>" + _html_table(df))
    parts.append("<h2>Figures</h2>")
    for name, caption, _ in report.figures:
        parts.append(
            f"<figure><img alt='{name}' src='data:image/png;base64,{images[name]}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;font-size:12px;margin-bottom:1em}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
        "th{background:#f0f0f0}img{max-width:100%}figure{margin:1.5em 0}"
        "figcaption{font-size:13px;color:#444}.meta{color:#666}"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
        f"{html.escape(report.title)}</title><style>{style}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>\n"
    )


def _md_table(df: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(str(c) for c in df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += [
        "| " + " | ".join(_fmt(v).replace("|", "/") for v in row) + " |"
        for row in df.itertuples(index=False)
    ]
    return "\n".join(lines)


def _markdown(report: Report) -> str:
    parts = [f"# {report.title}", "", *report.notes, "", "## Provenance", ""]
    parts.append(_md_table(readable.provenance_table(report.provenance)))
    for title, df in report.tables:
        parts += ["", f"## {title}", "", _md_table(df)]
    parts += ["", "## Figures", ""]
    for name, caption, _ in report.figures:
        parts += [f"![{name}](figures/{name}.png)", "", caption, ""]
    return "\n".join(parts) + "\n"
