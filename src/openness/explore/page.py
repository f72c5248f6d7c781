"""The explorer's page: Mesa's `SolaraViz` over `ExploreModel`, with a view of saved results.

Served by `openness explore` (`openness.explore.server`); solara imports this module and
renders `Page`. Every figure comes from `openness.outputs.plots`, the functions the static
reports use. Nothing here asks for solara's Markdown (it fetches KaTeX from a CDN), so the
page needs no network.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import solara
from matplotlib.figure import Figure

from openness.explore import RESULTS_ENV, SCENARIO_ENV
from openness.explore.controls import controls, defaults
from openness.explore.live import ExploreModel, month_values_html, settings_html
from openness.outputs import plots
from openness.scenario import ScenarioError, load_scenario
from openness.scenario.load import project_scenarios

with warnings.catch_warnings():
    # Mesa 3.3's own ComponentsView trips solara's rules-of-hooks check as it is imported;
    # the warning is about Mesa's code, not this page's, and would fill the server's log
    warnings.filterwarnings("ignore", message=r".*solara_viz\.py", category=UserWarning)
    from mesa.visualization import SolaraViz

FIGURE_DPI = 72


def _shown(path: Path) -> str:
    """A path relative to the working directory where it lies under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def scenario_files() -> list[str]:
    """The scenario files the page offers: the project's, and the one it was started on."""
    found = sorted(_shown(p) for p in project_scenarios().glob("*.toml"))
    chosen = os.environ.get(SCENARIO_ENV)
    chosen = _shown(Path(chosen)) if chosen else None
    if chosen and chosen not in found:
        found.insert(0, chosen)
    return found


_started_on = os.environ.get(SCENARIO_ENV)
scenario_file = solara.reactive(
    _shown(Path(_started_on)) if _started_on else next(iter(scenario_files()), "")
)
results_dir = solara.reactive(os.environ.get(RESULTS_ENV, ""))


# ---- live views of the run ----------------------------------------------------------------
def window(model: ExploreModel) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The scenario's simulated window, half a month either side: the live figures keep it
    as their time axis, so that it does not stretch as the months advance."""
    months = model.scenario.simulation.months
    half = pd.Timedelta(days=15)
    return model.date(0) - half, model.date(months - 1) + half


def _figure_view(title: str, draw: Callable[[dict[str, pd.DataFrame]], Figure]):
    def view(model: ExploreModel):
        with solara.Card(title, style={"width": "100%"}) as card:
            tables = model.tables_so_far()
            if model.problem:
                solara.Error(model.problem)
            elif tables is None:
                solara.Info("No month simulated yet: press Step or the play button.")
            else:
                fig = draw(tables)
                left, right = window(model)
                for ax in fig.axes:
                    if ax.get_label() != "<colorbar>":
                        ax.set_xlim(left, right)
                solara.FigureMatplotlib(fig, format="png", dpi=FIGURE_DPI)
        return card

    view.__name__ = title.replace(" ", "")
    return view


AdoptionView = _figure_view(
    "Adoption", lambda t: plots.adoption_curves(t["world"], t["events"], title=" ")
)
CascadeView = _figure_view("Strategy of each lab", lambda t: plots.cascade(t["labs"], title=" "))
GapsView = _figure_view("Price and capability gaps", lambda t: plots.gaps(t["world"], t["events"]))
SharesView = _figure_view("Market shares", lambda t: plots.market_shares(t["labs"], title=" "))
CapitalView = _figure_view("Capital and runway", lambda t: plots.capital_runway(t["labs"]))


def MonthView(model: ExploreModel):
    with solara.Card("This month", style={"width": "100%"}) as card:
        tables = model.tables_so_far()
        solara.HTML(tag="div", unsafe_innerHTML=settings_html(model))
        if tables is None:
            solara.Info("No month simulated yet.")
        else:
            solara.HTML(tag="div", unsafe_innerHTML=month_values_html(tables["world"]))
    return card


# ---- saved results ------------------------------------------------------------------------
@solara.component
def ResultsView(model: ExploreModel):
    """A batch or validation directory (or one run's): its figures and tables, as
    `openness report` draws them."""
    from openness.outputs.report import collect

    def read():
        if not results_dir.value:
            return None, ""
        try:
            return collect(Path(results_dir.value)), ""
        except (ScenarioError, OSError, ValueError) as exc:
            return None, str(exc)

    report, problem = solara.use_memo(read, [results_dir.value])
    with solara.Card("Saved results: a run, batch or validation directory") as card:
        solara.InputText("Directory", value=results_dir, continuous_update=False)
        if report is None:
            if problem:
                solara.Error(problem)
            else:
                solara.Info(
                    "Enter the path of a directory written by `openness run`, `batch` or "
                    "`validate` to see its bands across seeds, cascade share, policy "
                    "effects and validation ranges."
                )
            return card
        solara.Text(report.title)
        for note in report.notes:
            solara.Text(note)
        for title, table in report.tables:
            solara.Text(title)
            solara.HTML(tag="div", unsafe_innerHTML=table.to_html(index=False, na_rep="n/a"))
        for _, caption, draw in report.figures:
            solara.FigureMatplotlib(draw(), format="png", dpi=FIGURE_DPI)
            solara.Text(caption)
    return card


# ---- the page -----------------------------------------------------------------------------
COMPONENTS = [
    (AdoptionView, 0),
    (CascadeView, 0),
    (MonthView, 0),
    (GapsView, 0),
    (SharesView, 0),
    (CapitalView, 0),
    (ResultsView, 1),
]


def _load(path: str):
    try:
        return load_scenario(path), ""
    except ScenarioError as exc:
        return None, str(exc)


@solara.component
def Page():
    path = scenario_file.value
    scenario, problem = solara.use_memo(lambda: _load(path), [path])
    model = solara.use_memo(
        lambda: ExploreModel(scenario_file=path, **defaults(scenario)) if scenario else None,
        [path],
    )
    if scenario is None:
        with solara.Column():
            solara.Select("Scenario file", values=scenario_files(), value=scenario_file)
            solara.Error(problem)
        return
    params = {"scenario_file": path, **controls(scenario)}
    with solara.Sidebar():
        solara.Select("Scenario file", values=scenario_files(), value=scenario_file)
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=params,
        name=f"openness explorer: {scenario.name}",
        play_interval=50,
    ).key(path)
