"""A whole scenario: its parts, their consistency, and its simulated window."""

from __future__ import annotations

from pydantic import (
    Field,
    ValidationInfo,
    model_validator,
)

from openness import metrics
from openness.scenario.schema.actors import DeveloperSegment, Enterprises, Lab
from openness.scenario.schema.base import Name, Problems, Strict, month_index
from openness.scenario.schema.events import Event, Regulator
from openness.scenario.schema.targets import LAB_TARGET_METRICS, Target
from openness.scenario.schema.world import (
    BusinessModelWeights,
    Decision,
    Funding,
    Simulation,
    World,
    _default_business_models,
)
from openness.vocabulary import (
    OPEN,
    BusinessModel,
)

#: The version of the scenario format this code reads. Fields removed or renamed in a later
#: version are listed in REMOVED_FIELDS, so that an old file gets an error that names what
#: replaces them instead of a bare "unknown key".
SCHEMA_VERSION = 3

#: dotted field path (list items written "[]", e.g. "labs[].safety_weight") ->
#: (the schema version that removed it, what replaces it)
_WORKLOADS = (
    "now one [[enterprises.workloads]] entry per workload class (name 'complex', 'customer' "
    "or 'commodity', with share_zero, volume_median_mtok, beta_capability and alpha_cost)"
)
_VALUATION = (
    "the labs value each option by its discounted cash flow (ODD section 7.3): the installed "
    "base is worth what it pays while lock-in retains it, and the lead given away is in the "
    "projected demand; set decision.horizon_months and the discount rates instead"
)
_CAPITAL = (
    "capital pressure now follows from the discount rate and the chance of surviving the "
    "horizon: set decision.discount_rate and decision.venture_discount_rate"
)
REMOVED_FIELDS: dict[str, tuple[int, str]] = {
    "enterprises.complex_share_zero": (2, _WORKLOADS),
    "enterprises.complex_volume_median_mtok": (2, _WORKLOADS),
    "enterprises.commodity_volume_median_mtok": (2, _WORKLOADS),
    "enterprises.beta_capability_complex": (2, _WORKLOADS),
    "enterprises.beta_capability_commodity": (2, _WORKLOADS),
    "enterprises.alpha_cost_complex": (2, _WORKLOADS),
    "enterprises.alpha_cost_commodity": (2, _WORKLOADS),
    "decision.ecosystem_value": (3, _VALUATION),
    "decision.enterprise_ecosystem_weight": (3, _VALUATION),
    "decision.moat_value": (3, _VALUATION),
    "decision.moat_ecosystem_weight": (3, _VALUATION),
    "decision.capital_pressure": (3, _CAPITAL),
    "decision.runway_target_months": (3, _CAPITAL),
    "labs[].safety_weight": (
        3,
        "a lab's safety cost now follows its release stance: set labs[].stance to "
        "'framework', 'open_commitment' or 'none'; the weights are decision.stance_weights, "
        "shared by every lab",
    ),
}


class Scenario(Strict):
    schema_version: int = Field(
        SCHEMA_VERSION,
        ge=1,
        le=SCHEMA_VERSION,
        description="version of the scenario format the file is written for",
    )
    name: Name
    description: str = ""
    simulation: Simulation = Simulation()
    world: World = World()
    decision: Decision = Decision()
    funding: Funding = Funding()
    business_models: dict[BusinessModel, BusinessModelWeights] = Field(
        default_factory=_default_business_models
    )
    labs: list[Lab] = Field(min_length=1)
    developer_segments: list[DeveloperSegment] = Field(min_length=1)
    enterprises: Enterprises
    regulators: list[Regulator] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Scenario:
        problems = Problems()
        names = [lab.name for lab in self.labs]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            problems.add("labs", f"lab names must be unique; repeated: {', '.join(dupes)}")
        if len(self.labs) > 200:
            problems.add("labs", "at most 200 labs are supported")
        for i, ev in enumerate(self.events):
            lab = getattr(ev, "lab", None)
            if lab is not None and lab not in names:
                problems.add(
                    f"events[{i}].lab", f"unknown lab '{lab}'; known labs: {', '.join(names)}"
                )
        for i, t in enumerate(self.targets):
            for lab in [t.lab, *(t.labs or [])]:
                if lab is not None and lab not in names:
                    problems.add(f"targets[{i}].lab", f"unknown lab '{lab}' (target '{t.id}')")
        for group in self.enterprises.initial_shares:
            if group != OPEN and group not in names:
                problems.add(
                    f"enterprises.initial_shares.{group}",
                    f"unknown group '{group}'; allowed: 'open' or a lab ({', '.join(names)})",
                )
        world = metrics.WORLD_OUTPUTS
        for i, t in enumerate(self.targets):
            if t.metric not in world and t.metric not in LAB_TARGET_METRICS:
                problems.add(
                    f"targets[{i}].metric",
                    f"unknown metric '{t.metric}'; allowed: "
                    f"the world metrics ({', '.join(world)}) or the lab metrics "
                    f"({', '.join(LAB_TARGET_METRICS)})",
                )
            if t.minus is not None and t.minus not in world:
                problems.add(
                    f"targets[{i}].minus",
                    f"unknown world metric '{t.minus}'; allowed: {', '.join(world)}",
                )
        events = [e.name for e in self.events if e.name is not None]
        if len(set(events)) != len(events):
            problems.add("events", "event names must be unique")
        ids = [t.id for t in self.targets]
        if len(set(ids)) != len(ids):
            problems.add("targets", "target ids must be unique")
        regs = [r.name for r in self.regulators]
        if len(set(regs)) != len(regs):
            problems.add("regulators", "regulator names must be unique")
        segs = [s.name for s in self.developer_segments]
        if len(set(segs)) != len(segs):
            problems.add("developer_segments", "developer segment names must be unique")
        for i, lab in enumerate(self.labs):
            if lab.release_phase >= lab.release_cadence:
                problems.add(
                    f"labs[{i}].release_phase",
                    f"must be below release_cadence ({lab.release_cadence}) (lab '{lab.name}')",
                )
        truncated = bool(info.context and info.context.get("truncated"))
        for field, problem, after_end in window_problems(self):
            if not (after_end and truncated):
                problems.add(field, problem)
        problems.raise_any()
        return self

    @property
    def last_month(self) -> str:
        """The last simulated month, "YYYY-MM"."""
        return add_months(self.simulation.start, self.simulation.months - 1)


def add_months(month: str, n: int) -> str:
    y, m = (int(x) for x in month.split("-"))
    k = y * 12 + (m - 1) + n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def window_problems(scenario: Scenario) -> list[tuple[str, str, bool]]:
    """(field, problem, lies after the end) for every dated item that the simulated window
    (simulation.start and simulation.months) does not hold: an event or a target month
    outside it, a policy that ends before it starts or is never in force in the window."""
    start, months = scenario.simulation.start, scenario.simulation.months
    first, last = start, scenario.last_month
    span = f"the simulated window is {first}..{last}"
    out: list[tuple[str, str, bool]] = []

    def place(field: str, month: str) -> None:
        k = month_index(month, start)
        if k < 0:
            out.append((field, f"{month} is before the start ({span})", False))
        elif k >= months:
            out.append((field, f"{month} is after the last simulated month ({span})", True))

    for i, ev in enumerate(scenario.events):
        place(f"events[{i}].month", ev.month)
    for i, t in enumerate(scenario.targets):
        for field, month in t.months_read():
            place(f"targets[{i}].{field}", month)
    for r, reg in enumerate(scenario.regulators):
        for p, policy in enumerate(reg.policies):
            field = f"regulators[{r}].policies[{p}]"
            lo = month_index(policy.start, start)
            hi = None if policy.end is None else month_index(policy.end, start)
            if hi is not None and hi <= lo:
                out.append(
                    (f"{field}.end", f"{policy.end} is not after its start {policy.start}", False)
                )
            elif hi is not None and hi <= 0:
                out.append(
                    (
                        f"{field}.end",
                        f"the policy ends ({policy.end}) before the "
                        f"simulated window begins; {span}",
                        False,
                    )
                )
            elif lo >= months:
                out.append(
                    (
                        f"{field}.start",
                        f"the policy starts ({policy.start}) after the "
                        f"last simulated month; {span}",
                        True,
                    )
                )
    return out
