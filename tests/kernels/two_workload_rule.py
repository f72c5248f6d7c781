"""The enterprise rule with two workloads (complex, commodity), one use case each, one fixed
cost of self-hosting for every enterprise and no service value of closed APIs: a frozen copy
of the rule the multi-sourcing kernel generalises, kept so that a limit test can show the new
kernel reduces to it exactly."""

from __future__ import annotations

import math

from openness.kernels.rng import (
    STREAM_CHOICE,
    STREAM_CHOICE2,
    STREAM_EVENT,
    py_stream_key,
    py_uniform,
)


def _unit_cost(api, host, fixed_usd, volume):
    selfhost = host + fixed_usd / volume
    return api if api < selfhost else selfhost


def route_workload(
    base, api_cost, host_cost, fixed_usd, volume_mtok, current, alpha, switch_cost, temperature, u
) -> int:
    values = {}
    for o in range(len(base)):
        cost = _unit_cost(float(api_cost[o]), float(host_cost[o]), fixed_usd, float(volume_mtok))
        if cost < math.inf:
            v = float(base[o]) - alpha * cost
            if o != current:
                v = v - switch_cost
            values[o] = v
    if not values:
        return -1
    best = -math.inf
    for v in values.values():
        if v > best:
            best = v
    total = 0.0
    for v in values.values():
        total += math.exp((v - best) / temperature)
    target = u * total
    cum, last = 0.0, -1
    for o, v in values.items():
        cum += math.exp((v - best) / temperature)
        last = o
        if cum > target:
            return o
    return last


def enterprise_step(
    choice,
    cls,
    volume,
    adopt_prob,
    review_prob,
    base_util,
    api_cost,
    host_cost,
    fixed_usd,
    alpha,
    switch_cost,
    temperature,
    seed_key,
    month,
):
    k_event = py_stream_key(int(seed_key), int(month), STREAM_EVENT)
    keys = (
        py_stream_key(int(seed_key), int(month), STREAM_CHOICE),
        py_stream_key(int(seed_key), int(month), STREAM_CHOICE2),
    )
    for i in range(len(cls)):
        c = int(cls[i])
        u = py_uniform(k_event, i)
        current = [int(choice[i, 0]), int(choice[i, 1])]
        if current[0] < 0 and current[1] < 0:
            decide = u < adopt_prob
        else:
            decide = u < review_prob
            for o in current:
                if o >= 0 and not (api_cost[c, o] < math.inf or host_cost[c, o] < math.inf):
                    decide = True
        if not decide:
            continue
        for w in range(2):
            if volume[i, w] > 0.0:
                choice[i, w] = route_workload(
                    base_util[c, w],
                    api_cost[c],
                    host_cost[c],
                    fixed_usd,
                    volume[i, w],
                    current[w],
                    float(alpha[w]),
                    switch_cost,
                    temperature,
                    py_uniform(keys[w], i),
                )
