"""Scenario discovery: PRIM, the patient rule induction method (Friedman and Fisher 1999), as
EMA Workbench uses it (Kwakkel 2017) to find the parameter region where an outcome of interest
occurs.

Starting from the box that holds every point, PRIM peels off, at each step, the `alpha` share
of the points in the box along the one face (a factor's low or high end) whose removal leaves
the highest share of cases of interest, until fewer than `min_support` of the points remain.
Each box on that path has a *coverage* (the share of all cases of interest it holds) and a
*density* (the share of its points that are cases): a small, dense box that still covers most
cases is a region a reader can name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Box:
    limits: dict[str, tuple[float, float]]  # factor -> (low, high) of the box
    coverage: float
    density: float
    support: float  # the share of all points inside the box

    def restricted(self, x: pd.DataFrame) -> dict[str, tuple[float, float]]:
        """The limits that cut into the range of the points (the factors the box names)."""
        return {
            k: (lo, hi) for k, (lo, hi) in self.limits.items() if lo > x[k].min() or hi < x[k].max()
        }


def prim(
    x: pd.DataFrame, y: np.ndarray, alpha: float = 0.05, min_support: float = 0.05
) -> list[Box]:
    """The peeling trajectory of PRIM over points x (one column per factor) with cases of
    interest y (booleans): every box from the whole space to the last with at least
    `min_support` of the points."""
    y = np.asarray(y, dtype=bool)
    values = x.to_numpy(float)
    inside = np.ones(len(y), dtype=bool)
    limits = {c: (float(x[c].min()), float(x[c].max())) for c in x.columns}
    total = max(int(y.sum()), 1)
    path = [_box(limits, inside, y, total)]
    while inside.sum() * (1 - alpha) >= min_support * len(y) and y[inside].any():
        best = None
        for j, name in enumerate(x.columns):
            column = values[inside, j]
            for end in ("low", "high"):
                q = np.quantile(column, alpha if end == "low" else 1 - alpha)
                keep = inside & ((values[:, j] > q) if end == "low" else (values[:, j] < q))
                if keep.sum() == 0 or keep.sum() == inside.sum():
                    continue
                density = y[keep].mean()
                if best is None or density > best[0]:
                    best = (density, keep, name, end)
        if best is None or best[0] <= y[inside].mean():
            break  # no peel raises the density
        _, inside, name, _ = best
        # the box's limits are those of the points it keeps (inclusive)
        j = list(x.columns).index(name)
        kept = values[inside, j]
        limits = {**limits, name: (float(kept.min()), float(kept.max()))}
        path.append(_box(limits, inside, y, total))
    return path


def _box(limits, inside: np.ndarray, y: np.ndarray, total: int) -> Box:
    return Box(
        limits=dict(limits),
        coverage=float(y[inside].sum() / total),
        density=float(y[inside].mean()) if inside.any() else 0.0,
        support=float(inside.mean()),
    )


def chosen_box(path: list[Box], min_coverage: float = 0.5) -> Box:
    """The densest box on the path that still holds at least `min_coverage` of the cases."""
    eligible = [b for b in path if b.coverage >= min_coverage] or path[:1]
    return max(eligible, key=lambda b: (b.density, -b.support))
