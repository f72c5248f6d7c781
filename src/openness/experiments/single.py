"""One run of one scenario with one seed, returning tables and their provenance."""

from __future__ import annotations

import platform
import sys
import time
from dataclasses import dataclass, field

import numba
import pandas as pd
from tqdm.auto import tqdm

from openness import __version__
from openness.experiments.store import EVENT_COLUMNS
from openness.model import OpennessModel
from openness.provenance import git_commit
from openness.scenario import Scenario, content_hash, month_start
from openness.scenario.load import scheduled_after_end


@dataclass
class RunResult:
    tables: dict[str, pd.DataFrame]
    provenance: dict = field(default_factory=dict)


def event_table(scenario: Scenario) -> pd.DataFrame:
    """Dated exogenous events and policies taking effect, for marking time axes: the month,
    the kind, a short name (the entry's `name`, else its kind) and a label that says what
    it is."""
    start = month_start(scenario.simulation.start)
    end = start + pd.DateOffset(months=scenario.simulation.months)
    rows = [
        {
            "month": month_start(ev.month),
            "kind": ev.kind,
            "name": ev.name or f"{ev.kind} shock",
            "label": ev.note or f"{ev.kind} shock" + (f" ({ev.lab})" if hasattr(ev, "lab") else ""),
        }
        for ev in scenario.events
        if start <= month_start(ev.month) < end
    ]
    for reg in scenario.regulators:
        for p in reg.policies:
            when = month_start(p.start)
            if start <= when < end:
                rows.append(
                    {
                        "month": when,
                        "kind": "policy",
                        "name": p.name or f"{reg.name} {p.kind}",
                        "label": f"{reg.name} {p.kind.replace('_', ' ')}",
                    }
                )
    return (
        pd.DataFrame(rows, columns=EVENT_COLUMNS)
        .sort_values("month", kind="stable")
        .reset_index(drop=True)
    )


def run_scenario(
    scenario: Scenario, seed: int | None = None, progress: bool = False, source: str = ""
) -> RunResult:
    """Build the model, run every month of the scenario, and collect the tables."""
    seed = scenario.simulation.seed if seed is None else seed
    started = time.perf_counter()
    model = OpennessModel(scenario, seed=seed)
    months = scenario.simulation.months
    for _ in tqdm(
        range(months), desc=scenario.name, unit="month", disable=not progress, leave=False
    ):
        model.step()
    tables = model.tables()
    tables["events"] = event_table(scenario)
    last = tables["world"].iloc[-1]
    provenance = {
        "scenario": scenario.name,
        "scenario_file": source,
        "scenario_hash": content_hash(scenario),
        "seed": int(seed),
        "package_version": __version__,
        "git_commit": git_commit(),
        "start": scenario.simulation.start,
        "end": str(last["month"].date())[:7],
        "months": months,
        "developers": scenario.simulation.developers,
        "enterprises": scenario.simulation.enterprises,
        "numba_threads": numba.get_num_threads(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "wall_seconds": round(time.perf_counter() - started, 3),
        # what the scenario schedules after the window that an override shortened
        "not_simulated": scheduled_after_end(scenario),
        "final": {k: (None if pd.isna(v) else float(v)) for k, v in last.items() if k != "month"},
    }
    return RunResult(tables, provenance)
