"""Inputs and timers for the kernel benchmarks (developer, enterprise, floor)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numba
import numpy as np

from openness.kernels import (
    developer_step,
    developer_tally,
    developer_trials,
    enterprise_step,
    enterprise_tally,
    secondary_tally,
)
from openness.kernels.floor import floor_step
from openness.kernels.rng import seed_key
from openness.market.routing import N_CLASSES

OFFERS = 48  # 16 labs x 3 slots, as in the baseline scenario
KEY = seed_key(1)


def developer_state(n: int, m: int = OFFERS, g: int = 3, seed: int = 0) -> dict:
    """A realistic month: 80% adopted, 16 families of 3 offers, review rates 5-10%."""
    r = np.random.default_rng(seed)
    offer = np.where(r.random(n) < 0.8, r.integers(0, m, n), -1).astype(np.int16)
    return dict(
        offer=offer,
        finetune=(r.random(n) * 5).astype(np.float32),
        ft_month=np.zeros(n, dtype=np.int16),
        segment=r.integers(0, g, n).astype(np.int8),
        adopt_prob=np.full(g, 0.05),
        review_prob=np.array([0.10, 0.08, 0.05]),
        exp_util=r.random((g, m)),
        family_of=(np.arange(m) // 3).astype(np.int16),
        beta_switch=np.array([0.5, 0.8, 1.0]),
        ft_add=r.random((g, m)) * 0.3,
        ft_keep=np.full(g, 0.95),
    )


def trial_state(dev: dict, seed: int = 0) -> dict:
    """The multi-homing inputs of a realistic month: half the adopters hold a secondary, and
    a sixth of the offers are releases of the last three months (16 labs releasing every
    six months, three slots each), at the attention of a month-old release."""
    r = np.random.default_rng(seed + 1)
    n, (g, m) = dev["offer"].shape[0], dev["exp_util"].shape
    second = np.where(r.random(n) < 0.5, r.integers(0, m, n), -1).astype(np.int16)
    fresh = r.random(m) < 1 / 6
    rate = np.array([0.4, 0.3, 0.2])[:, None] * np.exp(-1.0)
    return dict(second=second, trial_prob=np.where(fresh[None, :], rate, 0.0) * np.ones((g, m)))


def enterprise_state(n: int, m: int = OFFERS, seed: int = 0) -> tuple:
    """70% adopted, 96 decision classes, a tenth of APIs barred, closed offers not hostable;
    three workload classes of two use cases each, as in the baseline."""
    r = np.random.default_rng(seed)
    slots = 6
    choice = np.where(r.random((n, slots)) < 0.7, r.integers(0, m, (n, slots)), -1)
    api = np.where(r.random((N_CLASSES, m)) < 0.9, r.uniform(0.5, 10, (N_CLASSES, m)), np.inf)
    host = np.where(np.arange(m) % 3 != 0, r.uniform(0.2, 3, (N_CLASSES, m)), np.inf)
    return (
        choice.astype(np.int16),
        r.integers(0, N_CLASSES, n).astype(np.int16),
        np.exp(r.normal(1.5, 1.5, (n, slots))),
        np.repeat(np.arange(3), 2).astype(np.int8),
        0.02,
        0.05,
        r.normal(0, 1, (N_CLASSES, 3, m)),
        api,
        host,
        np.arange(m) % 3 != 0,
        2e4 * np.exp(0.5 * r.normal(0, 1.5, n)),
        np.repeat([30.0, 95.0, 220.0], 2),
        np.array([0.035, 0.1, 0.21]),
        0.5,
        0.5,
    )


def best_seconds(step: Callable[[int], object], repeats: int) -> float:
    """Best of `repeats` timed calls step(month), after one untimed warm-up call."""
    step(0)
    times = []
    for month in range(1, repeats + 1):
        t0 = time.perf_counter()
        step(month)
        times.append(time.perf_counter() - t0)
    return min(times)


def time_kernels(n: int, threads: int, repeats: int) -> dict:
    """ns per agent-step of the floor, developer and enterprise kernels (and the tallies)."""
    numba.set_num_threads(threads)
    dev = developer_state(n)
    trials = trial_state(dev)
    volume = np.ones(n, dtype=np.int32)
    share = np.full(3, 0.25)
    ent = enterprise_state(n)
    is_open = np.arange(OFFERS) % 3 != 0
    row = {"agents": n, "threads": threads}
    timings = {
        "floor": lambda t: floor_step(dev["offer"], 0.08, KEY, np.int64(t), OFFERS),
        "developer_step": lambda t: developer_step(*dev.values(), KEY, KEY, np.int64(t)),
        "developer_tally": lambda t: developer_tally(dev["offer"], volume, OFFERS),
        "developer_trials": lambda t: developer_trials(
            dev["offer"],
            trials["second"],
            dev["segment"],
            trials["trial_prob"],
            dev["exp_util"],
            dev["family_of"],
            KEY,
            np.int64(t),
        ),
        "secondary_tally": lambda t: secondary_tally(
            dev["offer"], trials["second"], volume, dev["segment"], share, is_open, OFFERS
        ),
        "enterprise_step": lambda t: enterprise_step(*ent, KEY, np.int64(t)),
        "enterprise_tally": lambda t: enterprise_tally(
            ent[0], ent[2], ent[3], is_open, np.arange(OFFERS) // 3, OFFERS, OFFERS // 3
        ),
    }
    for name, step in timings.items():
        row[f"{name}_ns"] = 1e9 * best_seconds(step, repeats) / n
    row["developer_over_floor"] = row["developer_step_ns"] / row["floor_ns"]
    # the month of a multi-homing developer: its production step and its trials
    row["multihoming_ns"] = row["developer_step_ns"] + row["developer_trials_ns"]
    row["multihoming_over_floor"] = row["multihoming_ns"] / row["floor_ns"]
    row["enterprise_over_floor"] = row["enterprise_step_ns"] / row["floor_ns"]
    return row
