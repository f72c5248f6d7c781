"""The model the explorer steps: `OpennessModel` built from a scenario file and the page's
control settings, keyword arguments only (as Mesa's `SolaraViz` creates it), with its
tables so far."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from openness import metrics
from openness.experiments.single import event_table
from openness.explore.controls import defaults, settings_scenario
from openness.model import OpennessModel
from openness.scenario import ScenarioError, load_scenario

#: the month's values shown in the table under the figures
MONTH_METRICS = [
    "dev_adoption",
    "open_share_dev_count",
    "open_share_dev_tokens",
    "ent_adoption",
    "ent_open_share_count",
    "ent_open_share_tokens",
    "n_frontier_open",
    "n_major_frontier_open",
    "price_ratio",
    "open_lag_months",
    "going_rate",
    "hhi_developers",
    "strategy_switches",
]


class ExploreModel(OpennessModel):
    """One run of `scenario_file` under the page's `settings` (see `controls`), stepped a
    month at a time; it stops at the end of the scenario's window.

    A setting the schema refuses (a seed that is not a whole number, say) leaves a model
    that does not run and says why in `problem`.
    """

    def __init__(self, scenario_file: str = "", **kwargs: Any) -> None:
        # `kwargs` by that name: Mesa's page checks its parameters against the signature
        base = load_scenario(scenario_file)
        self.problem = ""
        #: the settings that differ from the file's (what this run changes)
        file = defaults(base)
        self.changes = {k: v for k, v in kwargs.items() if file.get(k, v) != v}
        try:
            scenario = settings_scenario(base, kwargs)
        except (ValueError, KeyError, ScenarioError) as exc:
            scenario, self.problem = base, _reason(exc)
        super().__init__(scenario)
        self.scenario_file = scenario_file
        self.event_marks = event_table(scenario)
        self.running = not self.problem
        self._tables: tuple[int, dict[str, pd.DataFrame] | None] = (-1, None)

    def step(self) -> None:
        if not self.running:
            return
        super().step()
        self.running = self.steps < self.scenario.simulation.months

    def tables_so_far(self) -> dict[str, pd.DataFrame] | None:
        """The tables of the months simulated so far (None before the first); built once
        a month, however many views read them."""
        steps, tables = self._tables
        if steps != self.steps:
            tables = self.tables() if self.world_rows else None
            if tables is not None:
                tables["events"] = self.event_marks
            self._tables = (self.steps, tables)
        return tables


def _reason(exc: Exception) -> str:
    if isinstance(exc, ScenarioError):
        return "; ".join(f"{field}: {problem}" for _, field, problem in exc.problems)
    return str(exc.args[0]) if exc.args else str(exc)


def month_values_html(world: pd.DataFrame) -> str:
    """The table of the latest month's values: label, value as displayed (one row per
    metric; each value cell carries its metric name in `data-metric`)."""
    last = world.iloc[-1]
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(metrics.WORLD[m].label)}"
        f"</th><td data-metric='{m}'>{html.escape(metrics.display(m, last[m]))}</td></tr>"
        for m in MONTH_METRICS
        if m in world.columns
    )
    month = f"{pd.Timestamp(last['month']):%Y-%m}"
    return (
        f"<p>Month <b data-metric='month'>{month}</b> "
        f"({len(world)} simulated)</p><table class='openness-month'>{rows}</table>"
    )


def settings_html(model: ExploreModel) -> str:
    """What the run on the page is: its scenario, seed, sizes and the settings it changes
    from the file (`data-run` holds them as key=value; the browser test waits for it)."""
    sim = model.scenario.simulation
    changed = "; ".join(f"{k} = {v}" for k, v in sorted(model.changes.items()))
    run = f"seed={sim.seed};" + changed
    return (
        f"<p data-run='{html.escape(run, quote=True)}'>{html.escape(model.scenario.name)}, "
        f"seed {sim.seed}, {sim.developers:,} developers, {sim.enterprises:,} enterprises"
        + (f"; changed from the file: {html.escape(changed)}" if changed else "")
        + "</p>"
    )
