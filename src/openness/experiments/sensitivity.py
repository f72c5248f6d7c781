"""Sensitivity from a design's results (SALib): Sobol indices of a Saltelli design, and
Morris elementary effects of a Morris design, of an arm's outcomes or of its paired effect
against another arm."""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import morris, sobol

from openness.experiments.design import problem, sampling_matrix
from openness.experiments.spec import Experiment
from openness.scenario import month_start


def sobol_indices(
    df: pd.DataFrame,
    spec: Experiment,
    metrics: list[str],
    months: list[str] | None = None,
    arm: str | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order and total indices with 95% intervals, per metric and month.

    The outcome of a design point is its mean over replications; design points must all be
    present, in Saltelli order (as `design.design_points` makes them). The intervals come from
    SALib's bootstrap, drawn from `seed`: the same seed gives the same intervals.
    """
    if spec.design.kind != "saltelli":
        raise ValueError("Sobol indices need an experiment whose design.kind is 'saltelli'")
    arm = arm or spec.baseline
    prob = problem(spec)
    n_points = spec.design.samples * (
        2 * len(spec.factors) + 2 if spec.design.second_order else len(spec.factors) + 2
    )
    rows = []
    for month, g in by_month(df, months):
        for metric in metrics:
            y = point_outcomes(g, metric, arm, None, n_points)
            res = sobol.analyze(
                prob,
                y,
                calc_second_order=spec.design.second_order,
                conf_level=0.95,
                print_to_console=False,
                seed=_salib_seed(seed),
            )
            for i, name in enumerate(prob["names"]):
                rows.append(
                    {
                        "metric": metric,
                        "month": month,
                        "factor": name,
                        "S1": res["S1"][i],
                        "S1_conf": res["S1_conf"][i],
                        "ST": res["ST"][i],
                        "ST_conf": res["ST_conf"][i],
                    }
                )
    return pd.DataFrame(rows)


def by_month(df: pd.DataFrame, months: list[str] | None):
    """(month, rows) of the kept months ("YYYY-MM"; all if None), or (None, df) for results
    without a month column."""
    if "month" not in df.columns:
        return [(None, df)]
    if months is not None:
        df = df[df["month"].isin([month_start(m) for m in months])]
    return df.groupby("month", sort=True)


def point_outcomes(
    df: pd.DataFrame, metric: str, arm: str, versus: str | None, n_points: int
) -> np.ndarray:
    """Per design point, the mean over replications of `metric` in `arm`, or of its paired
    difference from `versus` (same point and replication: common random numbers)."""
    keys = ["point", "replication"]
    own = df[df["arm"] == arm].set_index(keys)[metric].astype(float)
    if versus is not None:
        own = own - df[df["arm"] == versus].set_index(keys)[metric].astype(float)
    y = own.groupby(level="point").mean().reindex(range(n_points)).to_numpy(float)
    if np.isnan(y).any():
        raise ValueError(
            f"{metric}: {int(np.isnan(y).sum())} of {n_points} design points have no result "
            "(failed or missing runs, or the metric has no value there)"
        )
    return y


def morris_indices(
    df: pd.DataFrame,
    spec: Experiment,
    metrics: list[str],
    months: list[str] | None = None,
    arm: str | None = None,
    versus: str | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris screening per metric and month: mu (mean elementary effect), mu* (mean absolute
    effect) with its 95% bootstrap interval, and sigma (their spread: interaction or
    non-linearity), in units of the outcome per the factor's whole range (on its sampling
    scale). With `versus`, the outcome is the arm's paired effect against that arm."""
    if spec.design.kind != "morris":
        raise ValueError("Morris screening needs an experiment whose design.kind is 'morris'")
    arm = arm or spec.baseline
    x = sampling_matrix(spec)
    prob = problem(spec)
    rows = []
    for month, g in by_month(df, months):
        for metric in metrics:
            y = point_outcomes(g, metric, arm, versus, len(x))
            res = morris.analyze(
                prob,
                x,
                y,
                num_levels=spec.design.levels,
                conf_level=0.95,
                print_to_console=False,
                seed=_salib_seed(seed),
            )
            for i, name in enumerate(prob["names"]):
                rows.append(
                    {
                        "metric": metric,
                        "month": month,
                        "arm": arm,
                        "versus": versus,
                        "factor": name,
                        "mu": float(res["mu"][i]),
                        "mu_star": float(res["mu_star"][i]),
                        "mu_star_conf": float(res["mu_star_conf"][i]),
                        "sigma": float(res["sigma"][i]),
                    }
                )
    return pd.DataFrame(rows)


def _salib_seed(seed: int) -> int:
    """A non-zero seed derived from `seed`: SALib seeds its bootstrap only when the seed is
    truthy, so 0 (our default) would give different intervals on every call."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) or 1
