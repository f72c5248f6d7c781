"""Capability, training compute, inference cost and the capability lag.

Capability is log10 of effective training compute (FLOP): actual compute times a lab's
efficiency times public algorithmic progress. The lag of a model is how many months ago the
closed frontier first reached its capability (Epoch AI's definition of the open-closed gap).
"""

from __future__ import annotations

import math

import numpy as np

from openness.scenario.schema import World


def flop_cost(world: World, month: int, multiplier: np.ndarray | float = 1.0) -> np.ndarray:
    """$ per training FLOP in `month`, times a per-lab multiplier (export controls, shocks)."""
    return (
        world.flop_cost_usd
        * (1.0 - world.flop_cost_decline_per_year) ** (month / 12.0)
        * (np.asarray(multiplier, dtype=float))
    )


def algorithmic_progress(world: World, month: int) -> float:
    """OOM of effective compute gained from public algorithmic progress since the start."""
    return world.algorithmic_progress_per_year * month / 12.0


def training_compute(
    world: World, month: int, spend_musd: np.ndarray, cost_per_flop: np.ndarray
) -> np.ndarray:
    """log10 of the actual FLOP a final run gets from `spend_musd` a month over the window."""
    spend = np.maximum(np.asarray(spend_musd, dtype=float), 1e-9)
    flops = world.final_run_share * spend * 1e6 * world.training_window_months / cost_per_flop
    return np.log10(flops)


def knowledge_update(
    world: World,
    knowledge: np.ndarray,
    target: np.ndarray,
    best_open: float,
    best_closed: float,
    active: np.ndarray,
) -> np.ndarray:
    """One month of capability growth: own training closes 1/W of the gap to the target
    each month, plus spillover from the best open weights and (less) from closed models."""
    own = np.maximum(0.0, target - knowledge) / world.training_window_months
    from_open = world.spillover_open * np.maximum(0.0, best_open - knowledge)
    from_closed = world.spillover_closed * np.maximum(0.0, best_closed - knowledge)
    return knowledge + np.where(active, own + from_open + from_closed, 0.0)


def recipe_adoption(
    world: World, efficiency: np.ndarray, recipe_efficiency: np.ndarray, learners: np.ndarray
) -> np.ndarray:
    """One month of adopting a published training method: each learner (a lab still behind
    the publisher, to which the method is news) closes `recipe_diffusion` of the log gap
    between its efficiency and what the method brings it (`recipe_efficiency`, per lab: its
    own efficiency at publication times the method's gain), and never goes beyond it."""
    log_gap = np.maximum(0.0, np.log10(recipe_efficiency) - np.log10(efficiency))
    return efficiency * 10.0 ** np.where(learners, world.recipe_diffusion * log_gap, 0.0)


def serving_cost(
    world: World,
    month: int,
    capability: np.ndarray | float,
    inference_efficiency: np.ndarray | float,
    multiplier: float = 1.0,
) -> np.ndarray:
    """$/Mtok to serve a model: rises with its size (capability net of algorithmic progress)
    and falls with hardware and software progress at fixed size."""
    size = np.asarray(capability, dtype=float) - algorithmic_progress(world, month)
    scale = 10.0 ** (world.inference_cost_exponent * (size - world.inference_cost_ref_capability))
    decline = (1.0 - world.inference_cost_decline_per_year) ** (month / 12.0)
    return world.inference_cost_ref * scale * decline * multiplier / inference_efficiency


def lag_months(capability: float, frontier_history: np.ndarray, prehistory_growth: float) -> float:
    """Months since the closed frontier first reached `capability` (0 if it is at or above).

    `frontier_history[s]` is the best closed capability in month s = 0..t; before month 0 the
    frontier is extrapolated backwards at `prehistory_growth` OOM/month.
    """
    if not math.isfinite(capability):
        return math.nan
    running = np.maximum.accumulate(frontier_history)
    t = len(running) - 1
    if capability >= running[t]:
        return 0.0
    s = int(np.searchsorted(running, capability, side="left"))
    if s == 0:
        return t + (running[0] - capability) / prehistory_growth
    lo, hi = running[s - 1], running[s]
    # a frontier that appears in month s (none before: -inf) reached the capability then
    frac = (capability - lo) / (hi - lo) if hi > lo and math.isfinite(lo) else 1.0
    return float(t - (s - 1 + frac))
