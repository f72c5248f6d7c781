"""Pattern targets: a condition on one seed's results and the share of seeds that must meet it."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    model_validator,
)

from openness.scenario.schema.base import Month, Name, Problems, Share, Strict, month_index
from openness.vocabulary import (
    Strategy,
)

LAB_TARGET_METRICS = {
    "first_open_month": "first month the lab has open weights on offer that it did not have "
    "at the start (a date; compared with `window`)",
    "frontier_closed_through": "1 if the lab's frontier was never open from the start to "
    "`month`, else 0",
    "strategy_is": "1 if the lab's strategy at `month` is `equals`, else 0",
    "labs_frontier_closed": "how many of `labs` keep their frontier closed (closed or hybrid) "
    "at `month`",
    "release_trial_share": "the share of adopting developers who have tried the lab's "
    "recent release by `month` (the lab table's column; NaN outside the trial window)",
}


class Target(Strict):
    """A pattern target: a condition on one seed's results, and the share of seeds that must
    meet it (or, for `median_between`, a condition on the ensemble's median).

    The metric is a world metric, or one of LAB_TARGET_METRICS (with `lab` or `labs`). It is
    read at `month`, over every month of `window`, less the world metric `minus` in the same
    run and month (how two groups of the same world differ), as the change since `since` (value at
    `month` minus value at `since`), or against the same seed of the scenario `versus`
    (paired: value here minus value there; with `first_open_month`, a lab that never opens
    counts as opening after any month, and one that opens in neither arm never passes).
    """

    id: Name
    metric: str
    pattern: str = Field("", description="pattern id of the seeds README, e.g. 'C3'")
    month: Month | None = None
    window: tuple[Month, Month] | None = None
    since: Month | None = None
    minus: str | None = Field(None, description="a world metric subtracted (same run, month)")
    versus: str | None = Field(None, description="scenario file, relative to this one")
    comparison: Literal["eq", "ge", "le", "gt", "lt", "between", "median_between"] = "between"
    value: float | None = None
    range: tuple[float, float] | None = None
    share_of_seeds: Share = 0.5
    lab: str | None = None
    labs: list[str] | None = None
    equals: Strategy | None = None
    calibration: bool = Field(True, description="used to calibrate (false: held out)")
    note: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Target:
        problems = Problems()
        if self.month is None and self.window is None:
            problems.add("month", "a target needs a 'month' or a 'window'")
        if self.window is not None and month_index(self.window[1], self.window[0]) < 0:
            problems.add("window", "must be [first, last] with first <= last")
        if self.range is not None and not self.range[0] <= self.range[1]:
            problems.add("range", "must be [low, high] with low <= high")
        if (
            self.comparison in ("between", "median_between")
            and self.range is None
            and not (self.metric == "first_open_month" and self.window is not None)
        ):
            problems.add("range", f"comparison '{self.comparison}' needs 'range'")
        if self.comparison in ("eq", "ge", "le", "gt", "lt") and self.value is None:
            problems.add("value", f"comparison '{self.comparison}' needs 'value'")
        if self.minus is not None and self.metric in LAB_TARGET_METRICS:
            problems.add("minus", f"'minus' works on world metrics, not on '{self.metric}'")
        if self.metric in LAB_TARGET_METRICS:
            if self.metric == "labs_frontier_closed" and not self.labs:
                problems.add("labs", f"metric '{self.metric}' needs 'labs'")
            if self.metric != "labs_frontier_closed" and self.lab is None:
                problems.add("lab", f"metric '{self.metric}' needs 'lab'")
            if self.metric == "strategy_is" and self.equals is None:
                problems.add("equals", "metric 'strategy_is' needs 'equals'")
        problems.raise_any()
        return self

    def months_read(self) -> list[tuple[str, str]]:
        """(field, month) of every month the target reads."""
        out = [("month", self.month)] if self.month else []
        if self.window:
            out += [("window", self.window[0]), ("window", self.window[1])]
        return out + ([("since", self.since)] if self.since else [])
