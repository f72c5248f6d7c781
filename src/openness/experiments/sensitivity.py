"""Variance-based sensitivity: Sobol indices (SALib) from a Saltelli design's results."""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import sobol

from openness.experiments.design import problem
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
    df = df[df["arm"] == arm]
    if "month" in df.columns:
        if months is not None:
            df = df[df["month"].isin([month_start(m) for m in months])]
        groups = df.groupby("month", sort=True)
    else:
        groups = [(None, df)]
    prob = problem(spec)
    n_points = spec.design.samples * (
        2 * len(spec.factors) + 2 if spec.design.second_order else len(spec.factors) + 2
    )
    rows = []
    for month, g in groups:
        for metric in metrics:
            y = g.groupby("point")[metric].mean().reindex(range(n_points)).to_numpy(float)
            if np.isnan(y).any():
                raise ValueError(
                    f"{metric}: {int(np.isnan(y).sum())} of {n_points} design "
                    "points have no result (failed or missing runs)"
                )
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


def _salib_seed(seed: int) -> int:
    """A non-zero seed derived from `seed`: SALib seeds its bootstrap only when the seed is
    truthy, so 0 (our default) would give different intervals on every call."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) or 1
