"""Testing pattern targets on an ensemble's results: the quantity each target reads per seed,
whether it holds, how far it is from holding, and the table of verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from openness import metrics
from openness.scenario import Scenario
from openness.scenario.schema import Target, month_index, month_start
from openness.scenario.schema.targets import LAB_TARGET_METRICS
from openness.vocabulary import CLOSED, HYBRID, OPEN

LAB_COLUMNS = ["strategy", "open_capability", "frontier_open", "release_trial_share"]


@dataclass
class Ensemble:
    """Per-seed results of one scenario (and of the scenarios its targets compare with)."""

    world: pd.DataFrame  # arm, replication, month, world metrics
    labs: pd.DataFrame  # arm, replication, month, lab, LAB_COLUMNS
    arm: str
    start: str
    versus: dict[str, str]  # target's `versus` reference -> arm name


# ---- per-seed values -------------------------------------------------------------------------
def _at(frame: pd.DataFrame, month: str) -> pd.DataFrame:
    return frame[frame["month"] == month_start(month)]


def _lab_value(target: Target, labs: pd.DataFrame, month: str, start: str) -> pd.Series:
    """One value per replication of a lab-level metric."""
    if target.metric == "labs_frontier_closed":
        rows = _at(labs, month)
        rows = rows[rows["lab"].isin(target.labs)]
        return rows["strategy"].isin([CLOSED, HYBRID]).groupby(rows["replication"]).sum()
    own = labs[labs["lab"] == target.lab]
    if target.metric == "strategy_is":
        rows = _at(own, month)
        return (rows["strategy"] == target.equals).astype(float).set_axis(rows["replication"])
    if target.metric in metrics.LABS:  # a column of the lab table, read at the month
        rows = _at(own, month)
        return rows[target.metric].astype(float).set_axis(rows["replication"])
    if target.metric == "frontier_closed_through":
        upto = own[own["month"] <= month_start(month)]
        return (upto["strategy"] != OPEN).groupby(upto["replication"]).all().astype(float)
    assert target.lab is not None  # the schema requires it for this metric
    return first_open_months(labs, target.lab, start)


def first_open_months(labs: pd.DataFrame, lab: str, start: str) -> pd.Series:
    """Per replication, the month index (from `start`, "YYYY-MM") of the lab's first month off
    `closed`: 0 if it was not closed at the start, NaN if never (`first_open_month`)."""

    def first(rows: pd.DataFrame) -> float:
        rows = rows.sort_values("month")
        if rows["strategy"].iloc[0] != CLOSED:
            return 0.0
        opened = rows.index[rows["strategy"] != CLOSED]
        if len(opened) == 0:
            return np.nan
        when = rows.loc[opened[0], "month"]
        return float(month_index(when.strftime("%Y-%m"), start))

    own = labs[labs["lab"] == lab]
    return own.groupby("replication")[["month", "strategy"]].apply(first)


def _values(target: Target, ens: Ensemble, arm: str, month: str) -> pd.Series:
    if target.metric in LAB_TARGET_METRICS:
        return _lab_value(target, ens.labs[ens.labs["arm"] == arm], month, ens.start)
    rows = _at(ens.world[ens.world["arm"] == arm], month).set_index("replication")
    value = rows[target.metric].astype(float)
    return value if target.minus is None else value - rows[target.minus].astype(float)


def seed_values(target: Target, ens: Ensemble) -> pd.DataFrame:
    """Columns replication, month, value: the quantity the target's condition tests."""
    if target.window is not None and target.metric != "first_open_month":
        span = pd.date_range(
            month_start(target.window[0]), month_start(target.window[1]), freq="MS"
        )
        months = [m.strftime("%Y-%m") for m in span]
    else:
        month = target.month or (target.window[1] if target.window else None)
        assert month is not None  # the schema requires a month or a window
        months = [month]
    frames = []
    for month in months:
        v = _values(target, ens, ens.arm, month)
        if target.since is not None:
            v = v - _values(target, ens, ens.arm, target.since)
        if target.versus is not None:
            there = _values(target, ens, ens.versus[target.versus], month)
            if target.metric == "first_open_month":  # never (NaN) is later than any month
                v, there = v.fillna(np.inf), there.fillna(np.inf)
            v = v - there
        frames.append(
            pd.DataFrame({"replication": v.index, "month": month, "value": v.to_numpy(float)})
        )
    return pd.concat(frames, ignore_index=True)


def _bounds(target: Target, start: str) -> tuple[float, float]:
    if target.range is not None:
        return target.range
    assert target.window is not None  # first_open_month: a window of months
    lo, hi = target.window
    return float(month_index(lo, start)), float(month_index(hi, start))


def holds(target: Target, values: np.ndarray, start: str) -> np.ndarray:
    """Whether each value meets the target's condition (NaN never does)."""
    c = target.comparison
    with np.errstate(invalid="ignore"):
        if c in ("between", "median_between"):
            lo, hi = _bounds(target, start)
            ok = (values >= lo) & (values <= hi)
        else:
            v = target.value
            assert v is not None  # the schema requires it for these comparisons
            ok = {
                "eq": np.isclose(values, v),
                "ge": values >= v,
                "le": values <= v,
                "gt": values > v,
                "lt": values < v,
            }[c]
    return ok & ~np.isnan(values)


def describe(target: Target, start: str) -> str:
    """The target in words, for the report."""
    who = target.lab or (", ".join(target.labs) if target.labs else "")
    what = f"{target.metric}" + (f" ({target.equals})" if target.equals else "")
    what += f" [{who}]" if who else ""
    if target.minus:
        what = f"{what} - {target.minus}"
    window = target.window or ("", "")
    when = (
        f"at {target.month}"
        if target.month and not target.window
        else f"over {window[0]}..{window[1]}"
    )
    if target.metric == "first_open_month":
        when = ""
    if target.since:
        what = f"change of {what} since {target.since}"
    if target.versus:
        what = f"{what} minus {Path(target.versus).stem}"
    if target.comparison in ("between", "median_between"):
        lo, hi = target.range or window
        cond = f"in [{lo}, {hi}]"
        cond = f"median {cond}" if target.comparison == "median_between" else cond
    else:
        cond = {"eq": "=", "ge": ">=", "le": "<=", "gt": ">", "lt": "<"}[target.comparison]
        cond = f"{cond} {target.value:g}"
    share = (
        ""
        if target.comparison == "median_between"
        else (f" in >= {100 * target.share_of_seeds:.0f}% of seeds")
    )
    return " ".join(p for p in (what, when, cond) if p) + share


def required_interval(target: Target, start: str) -> tuple[float, float]:
    """The closed interval a value must lie in (inf-bounded for one-sided comparisons; an
    equality is a point)."""
    c = target.comparison
    if c in ("between", "median_between"):
        lo, hi = _bounds(target, start)
        return float(lo), float(hi)
    assert target.value is not None  # the schema requires it for these comparisons
    v = float(target.value)
    return {
        "eq": (v, v),
        "ge": (v, np.inf),
        "gt": (v, np.inf),
        "le": (-np.inf, v),
        "lt": (-np.inf, v),
    }[c]


# a value that fails a condition it lies on the bound of (a strict inequality, an integer
# count) is still this far from passing, in units of the required interval's width
MIN_MISS = 0.05


def miss_distance(target: Target, values: np.ndarray, start: str) -> np.ndarray:
    """How far each value lies outside the required interval: d / (1 + d) for a distance d in
    units of the interval's width (of 1 for a one-sided or a point interval), so 0 where the
    condition holds, about d when close, and below 1 however far (1 for a value never
    observed): no single target swamps a sum, and a far one still shows it coming closer."""
    lo, hi = required_interval(target, start)
    width = hi - lo if np.isfinite(hi - lo) and hi > lo else 1.0
    with np.errstate(invalid="ignore"):
        outside = np.maximum(lo - values, values - hi) / width
        missed = np.where(holds(target, values, start), 0.0, np.maximum(outside, MIN_MISS))
        saturated = np.where(np.isinf(missed), 1.0, missed / (1.0 + missed))
    return np.where(np.isnan(values), 1.0, saturated)


def evaluate(scenario: Scenario, ens: Ensemble) -> pd.DataFrame:
    """One row per target: observed median and 5-95% range, share of seeds passing, verdict,
    and how far it is from passing (`distance`: 0 when it passes, below 1).

    A share target's distance is the smallest distance (`miss_distance`, a seed's worst month)
    within which the required share of seeds lie; a median target's, that of the median. Unlike
    the share passing, it moves as seeds come closer to the interval before they enter it,
    which is what a local calibration search needs to see."""
    rows = []
    start = scenario.simulation.start
    needed = {t.metric for t in scenario.targets if t.metric in metrics.LABS}
    missing = sorted(needed - set(ens.labs.columns))
    if missing:
        raise ValueError(
            f"the targets of '{scenario.name}' read the lab metric(s) {', '.join(missing)}, "
            "which these results did not keep: keep them (outputs.lab_metrics, or "
            "experiments.targets.LAB_COLUMNS) and run again"
        )
    for t in scenario.targets:
        if not simulated(t, scenario):
            rows.append(_not_evaluated(t, start))
            continue
        sv = seed_values(t, ens)
        sv = sv.assign(miss=miss_distance(t, sv["value"].to_numpy(float), start))
        per_seed = sv.groupby("replication")["miss"].max()
        share = float((per_seed == 0).mean()) if len(per_seed) else 0.0
        values = sv["value"].to_numpy(float)
        finite = values[~np.isnan(values)]
        with np.errstate(invalid="ignore"):  # the middle pair may be -inf and inf
            median = float(np.median(finite)) if len(finite) else np.nan
        if t.comparison == "median_between":
            distance = float(miss_distance(t, np.array([median]), start)[0])
        elif len(per_seed):
            distance = float(
                np.quantile(per_seed.to_numpy(), t.share_of_seeds, method="inverted_cdf")
            )
        else:
            distance = 1.0
        passed = distance == 0.0
        # with a "never" (inf) among them, pick observed values rather than interpolate
        method: Literal["inverted_cdf", "linear"] = (
            "inverted_cdf" if np.isinf(finite).any() else "linear"
        )
        q5, q95 = (
            np.quantile(finite, [0.05, 0.95], method=method) if len(finite) else (np.nan, np.nan)
        )
        lo, hi = required_interval(t, start)
        rows.append(
            {
                "id": t.id,
                "pattern": t.pattern,
                "target": describe(t, start),
                "required_low": lo,
                "required_high": hi,
                "median": median,
                "p5": float(q5),
                "p95": float(q95),
                "never_observed": int(np.isnan(values).sum()),
                "share_passing": share,
                "required_share": t.share_of_seeds,
                "distance": distance,
                "calibration": t.calibration,
                "verdict": "pass" if passed else "FAIL",
                "months_from": months_from(t, start),
            }
        )
    return pd.DataFrame(rows)


def months_from(target: Target, start: str) -> str:
    """The month (YYYY-MM) a target's values count from, if they are dates (a lab's first
    open month, held as months since the start); '' for any other target."""
    dated = target.metric == "first_open_month" and not (target.versus or target.since)
    return start if dated else ""


def value_text(value: float, months_from: str = "") -> str:
    """A target's value as the report shows it: a date (YYYY-MM) for a dated target, to the
    nearest month ('never' where no seed reached it); else three significant figures."""
    if months_from:
        if not np.isfinite(value):
            return "never"
        return f"{month_start(months_from) + pd.DateOffset(months=round(float(value))):%Y-%m}"
    return f"{value:.3g}"


def simulated(target: Target, scenario: Scenario) -> bool:
    """Whether every month the target reads lies in the scenario's simulated window (a run
    shortened by an override may end before it)."""
    n = scenario.simulation.months
    return all(0 <= month_index(m, scenario.simulation.start) < n for _, m in target.months_read())


def _not_evaluated(target: Target, start: str) -> dict:
    lo, hi = required_interval(target, start)
    return {
        "id": target.id,
        "pattern": target.pattern,
        "target": describe(target, start),
        "required_low": lo,
        "required_high": hi,
        "median": np.nan,
        "p5": np.nan,
        "p95": np.nan,
        "never_observed": 0,
        "share_passing": np.nan,
        "required_share": target.share_of_seeds,
        "distance": np.nan,
        "calibration": target.calibration,
        "verdict": "not evaluated",
        "months_from": months_from(target, start),
    }
