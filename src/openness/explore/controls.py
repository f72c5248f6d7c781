"""The explorer's controls, built from a scenario's own content, and the scenario they set.

Pure functions over a validated `Scenario`: the page and the tests use the same two, so a
run on the page and `run_scenario(settings_scenario(...))` are the same run.

A control is a Mesa `SolaraViz` user parameter (a dict with `type`, `value`, `label` and
the type's own fields). Its key says what it sets:

- `seed`, `developers`, `enterprises`: the run's seed and population sizes;
- `event:NAME:on`, `event:NAME:size`: a dated event kept or dropped, and its size (the
  efficiency or cost factor, the capability jump, the capital condition);
- `policy:REGULATOR:NAME:on`, `policy:REGULATOR:NAME:start`, `policy:REGULATOR:NAME:budget`:
  a policy kept or dropped, the month it takes effect, and the money a funding policy pays.

Entries without a name are addressed by their position (`event:0:on`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from openness.scenario.schema import Scenario, month_start

#: small populations, so that a month on the page takes a fraction of a second
DEFAULT_DEVELOPERS = 5_000
DEFAULT_ENTERPRISES = 1_000

#: what an event's size is, per kind: (field, label, the sizes offered besides the file's)
EVENT_SIZE = {
    "efficiency": ("factor", "training-efficiency factor (x)", (1.0, 1.5, 2.0, 3.0, 5.0, 10.0)),
    "capability": ("delta", "capability jump (log10 FLOP)", (0.0, 0.1, 0.2, 0.35, 0.5, 1.0)),
    "cost": ("factor", "cost factor (x)", (0.25, 0.5, 0.75, 1.0, 1.5)),
    "capital": ("condition", "capital condition (1 = normal)", (0.2, 0.4, 0.6, 0.8, 1.0, 1.2)),
}
#: the choices offered for the populations and a funding policy's money (besides the file's)
DEVELOPER_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000)
ENTERPRISE_CHOICES = (200, 500, 1_000, 2_000, 5_000)
BUDGET_CHOICES = (0.0, 50.0, 100.0, 200.0, 300.0, 500.0, 1_000.0)


def _key(entry: Any, position: int) -> str:
    return entry.name if entry.name else str(position)


def window_months(scenario: Scenario) -> list[str]:
    """The simulated months, as YYYY-MM."""
    start = month_start(scenario.simulation.start)
    months = pd.date_range(start, periods=scenario.simulation.months, freq="MS")
    return [f"{m:%Y-%m}" for m in months]


def controls(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Every control the scenario offers, with its value as the file has it."""
    sim = scenario.simulation
    out: dict[str, dict[str, Any]] = {
        "seed": {"type": "InputText", "value": str(sim.seed), "label": "Seed"},
        "developers": _choice("Simulated developers", DEFAULT_DEVELOPERS, DEVELOPER_CHOICES),
        "enterprises": _choice("Simulated enterprises", DEFAULT_ENTERPRISES, ENTERPRISE_CHOICES),
    }
    for i, ev in enumerate(scenario.events):
        key = f"event:{_key(ev, i)}"
        title = ev.name or f"{ev.kind} event"
        out[f"{key}:on"] = _checkbox(f"{title} ({ev.month})", True)
        field, label, sizes = EVENT_SIZE[ev.kind]
        out[f"{key}:size"] = _choice(f"{title}: {label}", float(getattr(ev, field)), sizes)
    months = window_months(scenario)
    for reg in scenario.regulators:
        for i, policy in enumerate(reg.policies):
            key = f"policy:{reg.name}:{_key(policy, i)}"
            title = policy.name or f"{reg.name} {policy.kind}"
            out[f"{key}:on"] = _checkbox(title, True)
            start = max(policy.start, months[0])  # in force from the start: shown as the start
            out[f"{key}:start"] = {
                "type": "Select",
                "value": start,
                "values": months,
                "label": f"{title}: takes effect",
            }
            if policy.kind == "open_funding":
                out[f"{key}:budget"] = _choice(
                    f"{title}: funding ($M/month)", float(policy.monthly_budget), BUDGET_CHOICES
                )
    return out


def defaults(scenario: Scenario) -> dict[str, Any]:
    """Each control's value as the scenario file has it."""
    return {key: spec["value"] for key, spec in controls(scenario).items()}


def settings_scenario(scenario: Scenario, settings: Mapping[str, Any]) -> Scenario:
    """The scenario with the controls' `settings` applied (missing keys keep the file's
    values); validated again, so a setting outside the schema is refused like a file's."""
    file = defaults(scenario)
    values = {**file, **settings}
    unknown = sorted(set(settings) - set(file))
    if unknown:
        raise KeyError(f"no such control in scenario '{scenario.name}': {', '.join(unknown)}")
    raw = scenario.model_dump(mode="json")
    raw["simulation"].update(
        seed=int(values["seed"]),
        developers=int(values["developers"]),
        enterprises=int(values["enterprises"]),
    )
    keys = [f"event:{_key(ev, i)}" for i, ev in enumerate(scenario.events)]
    raw["events"] = [
        _event(ev, values, key)
        for ev, key in zip(raw["events"], keys, strict=True)
        if values[f"{key}:on"]
    ]
    for reg, parsed_reg in zip(raw["regulators"], scenario.regulators, strict=True):
        kept = []
        for i, (policy, parsed) in enumerate(
            zip(reg["policies"], parsed_reg.policies, strict=True)
        ):
            key = f"policy:{parsed_reg.name}:{_key(parsed, i)}"
            if not values[f"{key}:on"]:
                continue
            if values[f"{key}:start"] != file[f"{key}:start"]:  # the file's stays as written
                policy["start"] = values[f"{key}:start"]
            if f"{key}:budget" in values:
                policy["monthly_budget"] = float(values[f"{key}:budget"])
            kept.append(policy)
        reg["policies"] = kept
    return Scenario.model_validate(raw)


def _event(raw: dict[str, Any], values: Mapping[str, Any], key: str) -> dict[str, Any]:
    field = EVENT_SIZE[raw["kind"]][0]  # the size a control sets
    return {**raw, field: float(values[f"{key}:size"])}


def _choice(label: str, value: Any, choices: tuple) -> dict[str, Any]:
    """A drop-down of `choices` and the file's own `value` (a drop-down shows its value,
    where Mesa's sliders do not)."""
    return {"type": "Select", "value": value, "values": sorted({*choices, value}), "label": label}


def _checkbox(label: str, value: bool) -> dict[str, Any]:
    return {"type": "Checkbox", "value": value, "label": label}
