"""Plain-Python reference twins of every kernel: slow, scalar, obviously correct.

Each twin has its kernel's signature and performs the same floating-point operations in the
same order, so the tests can demand identical results (stumpy's `tests/naive.py` pattern).
"""

from __future__ import annotations

import math

import numpy as np

from openness.kernels.fastexp import py_exp_neg
from openness.kernels.rng import (
    SALT_USE_CASES,
    STREAM_CHOICE,
    STREAM_CHOICE2,
    STREAM_EVENT,
    STREAM_TASTE,
    py_stream_key,
    py_uniform,
)


def family_layout(exp_util, family_of):
    g_count, m = exp_util.shape
    n_fam = max(int(f) for f in family_of) + 1 if m else 0
    groups = [[o for o in range(m) if int(family_of[o]) == f] for f in range(n_fam)]
    order = np.array([o for group in groups for o in group], dtype=np.int64)
    start = np.cumsum([0] + [len(group) for group in groups]).astype(np.int64)
    cum = np.zeros((g_count, m + 1))
    for g in range(g_count):
        for k in range(m):
            cum[g, k + 1] = cum[g, k] + float(exp_util[g, order[k]])
    return cum, order, start


def own_taste(cum, g, start, family, k_taste, i) -> float:
    n_fam = len(start) - 1
    if not 0 <= family < n_fam:
        return 0.0
    w = float(cum[g, start[family + 1]]) - float(cum[g, start[family]])
    if not w > 0.0:
        return 0.0
    return w / -math.log(1.0 - py_uniform(k_taste, i * n_fam + family))


def best_rival(cum, g, start, family, k_taste, i, floor):
    n_fam = len(start) - 1
    best, best_score = -1, floor
    for f in range(n_fam):
        w = float(cum[g, start[f + 1]]) - float(cum[g, start[f]])
        if f == family or not w > 0.0:
            continue
        u = py_uniform(k_taste, i * n_fam + f)
        if w <= best_score * u:  # it cannot win: -log(1 - u) >= u
            continue
        score = w / -math.log(1.0 - u)
        if score > best_score:
            best, best_score = f, score
    return best, best_score


def lock_floor(own, damp):
    if not own > 0.0:
        return 0.0
    return own / damp if damp > 0.0 else math.inf


def taste_family(cum, g, start, family, damp, k_taste, i) -> int:
    own = own_taste(cum, g, start, family, k_taste, i)
    rival, _ = best_rival(cum, g, start, family, k_taste, i, lock_floor(own, damp))
    if rival >= 0:
        return rival
    return family if own > 0.0 else -1


def offer_in_family(cum, g, order, start, f, u) -> int:
    a = float(cum[g, start[f]])
    x = a + u * (float(cum[g, start[f + 1]]) - a)
    pick = -1
    for k in range(int(start[f]), int(start[f + 1])):
        if cum[g, k + 1] > cum[g, k]:
            pick = int(order[k])
            if cum[g, k + 1] > x:
                break
    return pick


def decay_tables(ft_keep, months):
    keep_pow = [[1.0] for _ in ft_keep]
    accrued = [[0.0] for _ in ft_keep]
    for g, keep in enumerate(ft_keep):
        for _ in range(months):
            keep_pow[g].append(keep_pow[g][-1] * float(keep))
            accrued[g].append(accrued[g][-1] * float(keep) + 1.0)
    return keep_pow, accrued


def developer_step(
    offer,
    finetune,
    ft_month,
    segment,
    adopt_prob,
    review_prob,
    exp_util,
    family_of,
    beta_switch,
    ft_add,
    ft_keep,
    seed_key,
    taste_key,
    month,
) -> None:
    k_event = py_stream_key(int(seed_key), int(month), STREAM_EVENT)
    k_choice = py_stream_key(int(seed_key), int(month), STREAM_CHOICE)
    k_taste = py_stream_key(int(taste_key), 0, STREAM_TASTE)
    cum, order, start = family_layout(exp_util, family_of)
    keep_pow, accrued = decay_tables(ft_keep, max(int(month), 0))
    for i in range(len(offer)):
        g = int(segment[i])
        o = int(offer[i])
        u = py_uniform(k_event, i)
        withdrawn = o >= 0 and exp_util[g, o] == 0.0  # an adopter must move off it
        if not (withdrawn or u < (adopt_prob[g] if o < 0 else review_prob[g])):
            continue  # the investment is brought up to date at the next choice
        family = -1
        damp = 1.0
        phi = 0.0
        if o >= 0:
            family = int(family_of[o])
            held = min(max(int(month) - 1 - int(ft_month[i]), 0), int(month))
            phi = float(finetune[i]) * keep_pow[g][held] + float(ft_add[g, o]) * accrued[g][held]
            damp = py_exp_neg(-float(beta_switch[g]) * phi)
        new = -1
        f = taste_family(cum, g, start, family, damp, k_taste, i)
        if f >= 0:
            new = offer_in_family(cum, g, order, start, f, py_uniform(k_choice, i))
        if new >= 0:
            if int(family_of[new]) != family:
                phi = 0.0
            o = new
            offer[i] = new
        if o >= 0:
            finetune[i] = np.float32(phi * float(ft_keep[g]) + float(ft_add[g, o]))
            ft_month[i] = month


def developer_tally(offer, volume, n_offers):
    counts = np.zeros(n_offers, dtype=np.int64)
    tokens = np.zeros(n_offers, dtype=np.int64)
    for i in range(len(offer)):
        o = int(offer[i])
        if o >= 0:
            counts[o] += 1
            tokens[o] += int(volume[i])
    return counts, tokens


def developer_trials(offer, second, segment, trial_prob, exp_util, family_of, trial_key, month):
    g_count, m = exp_util.shape
    trials = np.zeros(m, dtype=np.int64)
    fresh = [
        o
        for o in range(m)
        if any(trial_prob[g, o] > 0.0 and exp_util[g, o] > 0.0 for g in range(g_count))
    ]
    k_trial = py_stream_key(int(trial_key), int(month), STREAM_EVENT)
    for i in range(len(offer)):
        p = int(offer[i])
        if p < 0:
            continue
        g = int(segment[i])
        s = int(second[i])
        if s >= 0 and (exp_util[g, s] == 0.0 or int(family_of[s]) == int(family_of[p])):
            s = -1
            second[i] = -1
        if not fresh:
            continue
        u = py_uniform(k_trial, i)
        w_prod = float(exp_util[g, p])
        cum = 0.0
        for o in fresh:
            if o == s or int(family_of[o]) == int(family_of[p]):
                continue
            w = float(exp_util[g, o])
            if not w > 0.0:
                continue
            cum += float(trial_prob[g, o]) * (w / (w + w_prod))
            if u < cum:
                second[i] = o
                trials[o] += 1
                break
    return trials


def secondary_tally(offer, second, volume, segment, secondary_share, is_open, n_offers):
    counts = np.zeros(n_offers, dtype=np.int64)
    moved_in = np.zeros(n_offers, dtype=np.int64)
    moved_out = np.zeros(n_offers, dtype=np.int64)
    any_open = 0
    for i in range(len(offer)):
        p = int(offer[i])
        if p < 0:
            continue
        s = int(second[i])
        if s >= 0:
            moved = int(float(volume[i]) * float(secondary_share[int(segment[i])]))
            counts[s] += 1
            moved_in[s] += moved
            moved_out[p] += moved
            any_open += 1 if (is_open[p] or is_open[s]) else 0
        else:
            any_open += 1 if is_open[p] else 0
    return counts, moved_in, moved_out, any_open


def lockin_tally(
    offer,
    finetune,
    ft_month,
    segment,
    exp_util,
    family_of,
    beta_switch,
    ft_add,
    ft_keep,
    taste_key,
    month,
    stride,
):
    if exp_util.shape[1] == 0:
        return 0, 0
    k_taste = py_stream_key(int(taste_key), 0, STREAM_TASTE)
    cum, _, start = family_layout(exp_util, family_of)
    keep_pow, accrued = decay_tables(ft_keep, max(int(month), 0))
    free = locked = 0
    for i in range(0, len(offer), int(stride)):
        o = int(offer[i])
        if o < 0:
            continue
        g = int(segment[i])
        f = int(family_of[o])
        held = min(max(int(month) - int(ft_month[i]), 0), int(month))
        phi = float(finetune[i]) * keep_pow[g][held] + float(ft_add[g, o]) * accrued[g][held]
        damp = py_exp_neg(-float(beta_switch[g]) * phi)
        own = own_taste(cum, g, start, f, k_taste, i)
        rival, score = best_rival(cum, g, start, f, k_taste, i, own)
        if rival >= 0:
            free += 1
            locked += score > lock_floor(own, damp)
    return free, locked


def _unit_cost(api, host, fixed_usd, volume):
    selfhost = host + fixed_usd / volume
    return api if api < selfhost else selfhost


def use_case_key(seed_key: int, month: int, slot: int) -> int:
    if slot < 2:
        return py_stream_key(int(seed_key), int(month), (STREAM_CHOICE, STREAM_CHOICE2)[slot])
    salted = int(seed_key) ^ (int(SALT_USE_CASES) + slot)
    return py_stream_key(salted, int(month), STREAM_CHOICE)


def route_workload(
    base,
    api_cost,
    host_cost,
    is_open,
    fixed_usd,
    service_usd,
    volume_mtok,
    current,
    alpha,
    switch_cost,
    temperature,
    u,
) -> int:
    values = {}
    for o in range(len(base)):
        cost = _unit_cost(float(api_cost[o]), float(host_cost[o]), fixed_usd, float(volume_mtok))
        if cost < math.inf:
            if is_open[o]:
                cost = cost + service_usd / float(volume_mtok)
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
    slot_class,
    adopt_prob,
    review_prob,
    base_util,
    api_cost,
    host_cost,
    is_open,
    fixed_usd,
    service_usd,
    alpha,
    switch_cost,
    temperature,
    seed_key,
    month,
):
    slots = choice.shape[1]
    k_event = py_stream_key(int(seed_key), int(month), STREAM_EVENT)
    keys = [use_case_key(int(seed_key), int(month), s) for s in range(slots)]
    for i in range(len(cls)):
        c = int(cls[i])
        u = py_uniform(k_event, i)
        current = [int(choice[i, s]) for s in range(slots)]
        if all(o < 0 for o in current):
            decide = u < adopt_prob
        else:
            decide = u < review_prob
            for o in current:
                if o >= 0 and not (api_cost[c, o] < math.inf or host_cost[c, o] < math.inf):
                    decide = True
        if not decide:
            continue
        for s in range(slots):
            if volume[i, s] > 0.0:
                k = int(slot_class[s])
                choice[i, s] = route_workload(
                    base_util[c, k],
                    api_cost[c],
                    host_cost[c],
                    is_open,
                    float(fixed_usd[i]),
                    float(service_usd[s]),
                    volume[i, s],
                    current[s],
                    float(alpha[k]),
                    switch_cost,
                    temperature,
                    py_uniform(keys[s], i),
                )


def enterprise_tally(choice, volume, slot_class, is_open, family_of, n_offers, n_families):
    slots = choice.shape[1]
    tokens = np.zeros(n_offers, dtype=np.float64)
    users = np.zeros(n_offers, dtype=np.int64)
    modes = np.zeros(3, dtype=np.int64)
    families = np.zeros(slots + 1, dtype=np.int64)
    dual = np.zeros(2, dtype=np.int64)
    open_tokens = total_tokens = 0.0
    for i in range(len(choice)):
        kinds = set()
        fams = set()
        classes = set()
        for s in range(slots):
            o = int(choice[i, s])
            if o >= 0:
                tokens[o] += volume[i, s]
                users[o] += 1
                total_tokens += volume[i, s]
                kinds.add(bool(is_open[o]))
                fams.add(int(family_of[o]))
                classes.add(int(slot_class[s]))
                if is_open[o]:
                    open_tokens += volume[i, s]
        if kinds == {True, False}:
            modes[2] += 1
        elif kinds == {True}:
            modes[1] += 1
        elif kinds == {False}:
            modes[0] += 1
        if fams:
            families[len(fams)] += 1
        if len(classes) >= 2:
            dual[0] += 1
            dual[1] += kinds == {True, False}
    return tokens, users, modes, open_tokens, total_tokens, families, dual


def floor_step(offer, review_prob, seed_key, month, n_offers):
    key = py_stream_key(int(seed_key), int(month), STREAM_EVENT)
    counts = np.zeros(n_offers, dtype=np.int64)
    for i in range(len(offer)):
        o = int(offer[i])
        if o >= 0:
            counts[o] += py_uniform(key, i) < review_prob
    return counts


def pairwise_sum(a, lo, n):
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += float(a[i])
        return res
    if n <= 128:
        r = [float(a[lo + j]) for j in range(8)]
        i = 8
        while i < n - (n % 8):
            for j in range(8):
                r[j] += float(a[lo + i + j])
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += float(a[lo + i])
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return pairwise_sum(a, lo, n2) + pairwise_sum(a, lo + n2, n - n2)


def menu_demand(v, via_api, class_tokens, class_workloads, menus):
    c_count, k_count, m_all = v.shape
    m = m_all // menus
    api, tokens, workloads = [0.0] * m_all, [0.0] * m_all, [0.0] * m_all
    for c in range(c_count):
        for k in range(k_count):
            tok, work = float(class_tokens[c, k]), float(class_workloads[c, k])
            for b in range(menus):
                row = [float(x) for x in v[c, k, b * m : (b + 1) * m]]
                top = max(row) if row else -math.inf
                top = top if math.isfinite(top) else 0.0
                e = [math.exp(x - top) for x in row]
                total = pairwise_sum(e, 0, m)
                for j in range(m):
                    s = e[j] / total if total > 0 else 0.0
                    x = tok * s
                    o = b * m + j
                    tokens[o] += x
                    api[o] += x * float(via_api[c, k, o])
                    workloads[o] += work * s
    return np.array(api), np.array(tokens), np.array(workloads)
