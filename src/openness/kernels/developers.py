"""Monthly developer update: Bass adoption, reviews, logit choice with lock-in; and its tally.

Pure functions over arrays (no Mesa, pandas or I/O). The twin in `kernels.reference` performs
the same floating-point operations in the same order, one agent at a time, in plain Python.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from openness.kernels.config import BLOCK, jit, jit_parallel
from openness.kernels.fastexp import exp_neg
from openness.kernels.rng import STREAM_CHOICE, STREAM_EVENT, STREAM_TASTE, stream_key, uniform


@jit
def family_layout(exp_util, family_of):
    """The offers grouped by family, and per segment the cumulative exp-utility along them.

    Returns (cum float64[G, M+1], order int64[M], start int64[F+1]): family f's offers are
    order[start[f]:start[f+1]] (in their original order); offer order[k] holds the interval
    [cum[g, k], cum[g, k+1]) of segment g's total exp-utility cum[g, M], so a family's
    exp-utility is one difference.
    """
    g_count, m = exp_util.shape
    n_fam = 0
    for o in range(m):
        n_fam = max(n_fam, family_of[o] + 1)
    start = np.zeros(n_fam + 1, dtype=np.int64)
    for o in range(m):
        start[family_of[o] + 1] += 1
    for f in range(n_fam):
        start[f + 1] += start[f]
    fill = start[:n_fam].copy()
    order = np.empty(m, dtype=np.int64)
    for o in range(m):
        f = family_of[o]
        order[fill[f]] = o
        fill[f] += 1
    cum = np.zeros((g_count, m + 1))
    for g in range(g_count):
        for k in range(m):
            cum[g, k + 1] = cum[g, k] + exp_util[g, order[k]]
    return cum, order, start


@jit
def own_taste(cum, g, start, family, k_taste, i):
    """Developer i's taste score W_gf / E_if for its own family f (0 if none or no weight).

    W_gf is segment g's exp-utility of the family's offers and E_if = -log(1 - u) a standard
    exponential keyed by (developer, family) on the run-long stream k_taste: the developer's
    own, persistent taste for the family."""
    n_fam = start.shape[0] - 1
    if family < 0 or family >= n_fam:
        return 0.0
    w = cum[g, start[family + 1]] - cum[g, start[family]]
    if not w > 0.0:
        return 0.0
    return w / -math.log(1.0 - uniform(k_taste, i * n_fam + family))


@jit
def best_rival(cum, g, start, family, k_taste, i, floor):
    """The family other than `family` with the largest taste score above `floor`, and that
    score; (-1, floor) if none. Since E = -log(1 - u) >= u, a family with W / u <= the best
    so far cannot beat it, and its logarithm is skipped (most of them, once one rival is in)."""
    n_fam = start.shape[0] - 1
    best = -1
    best_score = floor
    for f in range(n_fam):
        if f == family:
            continue
        w = cum[g, start[f + 1]] - cum[g, start[f]]
        if not w > 0.0:
            continue
        u = uniform(k_taste, i * n_fam + f)
        if w <= best_score * u:
            continue
        score = w / -math.log(1.0 - u)
        if score > best_score:
            best_score = score
            best = f
    return best, best_score


@jit
def lock_floor(own, damp):
    """The taste score a rival must beat to draw a developer whose own family scores `own`
    under lock-in `damp`: own / damp (infinite at damp 0), or 0 with no own family."""
    if not own > 0.0:
        return 0.0
    return own / damp if damp > 0.0 else math.inf


@jit
def taste_family(cum, g, start, family, damp, k_taste, i):
    """The family developer i of segment g takes at a choice: the largest W_f d_f / E_if.

    d_f = damp for every family but the developer's own (the lock-in). At any one choice the
    family is therefore drawn with probability W_f d_f / sum(W d), the logit (an exponential
    race), but the developer's taste for each family persists from one choice to the next: it
    moves only when the families' utilities move. Returns -1 when no family has positive
    weight.
    """
    own = own_taste(cum, g, start, family, k_taste, i)
    rival, _ = best_rival(cum, g, start, family, k_taste, i, lock_floor(own, damp))
    if rival >= 0:
        return rival
    return family if own > 0.0 else -1


@jit
def offer_in_family(cum, g, order, start, f, u):
    """An offer of family f drawn with probability proportional to segment g's exp-utility:
    the first offer whose cumulative bound passes the point u of the family's interval (the
    family's newest model usually takes it all; the draw is fresh at every choice)."""
    a = cum[g, start[f]]
    x = a + u * (cum[g, start[f + 1]] - a)
    pick = -1
    for k in range(start[f], start[f + 1]):
        if cum[g, k + 1] > cum[g, k]:
            pick = order[k]
            if cum[g, k + 1] > x:
                break
    return pick


@jit
def choice_probability(adopt_prob, review_prob, exp_util):
    """prob[g, o + 1]: the chance that a developer of segment g on offer o chooses this month.

    Column 0 is a non-adopter's (adoption); an adopter reviews at its segment's rate and must
    move when its offer is withdrawn (exp-utility 0), which the value 2 makes certain for a
    draw in [0, 1). One table lookup then decides every developer without a branch.
    """
    g_count, m = exp_util.shape
    prob = np.empty((g_count, m + 1))
    for g in range(g_count):
        prob[g, 0] = adopt_prob[g]
        for o in range(m):
            prob[g, o + 1] = 2.0 if exp_util[g, o] == 0.0 else review_prob[g]
    return prob


@jit
def decay_tables(ft_keep, months):
    """keep_pow[g, n] = keep**n and accrued[g, n] = 1 + keep + ... + keep**(n-1), n <= months.

    Built by the recurrences themselves, so that the twin, which builds them the same way,
    agrees bit for bit: n months of phi <- phi * keep + add on one offer give
    phi * keep_pow[n] + add * accrued[n].
    """
    g_count = ft_keep.shape[0]
    keep_pow = np.empty((g_count, months + 1))
    accrued = np.empty((g_count, months + 1))
    for g in range(g_count):
        keep_pow[g, 0] = 1.0
        accrued[g, 0] = 0.0
        for n in range(1, months + 1):
            keep_pow[g, n] = keep_pow[g, n - 1] * ft_keep[g]
            accrued[g, n] = accrued[g, n - 1] * ft_keep[g] + 1.0
    return keep_pow, accrued


@jit_parallel
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
):
    """Advance every developer by one month, in place.

    offer      int16[N]   model on offer each developer builds on (-1: not adopted yet)
    finetune   float32[N] fine-tuning investment on the current family after month ft_month
    ft_month   int16[N]   the month of the developer's last choice
    segment    int8[N]    taste segment
    adopt_prob float64[G] probability a non-adopter adopts this month (Bass hazard)
    review_prob float64[G] probability an adopter reviews this month
    exp_util   float64[G, M] exp(systematic utility) of each offer; 0 = not on offer
    family_of  int16[M]   lab (family) of each offer
    beta_switch float64[G] switching cost per unit of fine-tuning investment
    ft_add     float64[G, M] investment added per month on each offer
    ft_keep    float64[G] share of the investment kept each month (1 - depreciation)
    seed_key, taste_key: keys of this month's draws and of the run-long tastes (taste_family)

    A non-adopter adopts with its segment's hazard; an adopter reviews at its segment's rate,
    or must move when its offer is withdrawn (exp_util 0). The investment follows
    phi <- phi * keep + add[offer] every month, but is brought up to date only when a
    developer chooses, in closed form from its value after the last choice (decay_tables):
    the monthly pass touches nobody's investment, and the rate of an offer does not change
    while a developer stays on it. Each block of BLOCK developers is done in two passes:
    draw every event and collect the choosers, without a branch; then bring the choosers'
    investment up to date, damp other families by the lock-in, take the family of the largest
    damped utility over the developer's persistent tastes (taste_family) and draw the offer
    within it. Every developer's own operations keep their order, so the result equals the
    one-at-a-time reference twin bit for bit.
    """
    n = offer.shape[0]
    if exp_util.shape[1] == 0:
        return  # nothing on offer: no one can adopt or move (and ft_add has no column to read)
    k_event = stream_key(seed_key, month, STREAM_EVENT)
    k_choice = stream_key(seed_key, month, STREAM_CHOICE)
    k_taste = stream_key(taste_key, 0, STREAM_TASTE)  # no month: tastes last the run
    cum, order, start = family_layout(exp_util, family_of)
    prob = choice_probability(adopt_prob, review_prob, exp_util)
    keep_pow, accrued = decay_tables(ft_keep, max(month, 0))
    nblocks = (n + BLOCK - 1) // BLOCK
    for b in prange(nblocks):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        idx = np.empty(BLOCK, dtype=np.int32)
        count = 0
        for i in range(lo, hi):
            idx[count] = i
            count += uniform(k_event, i) < prob[segment[i], offer[i] + 1]
        # the choosers' investment and lock-in damping in one branch-free loop
        phi = np.empty(count)
        damp = np.empty(count)
        for j in range(count):
            i = idx[j]
            g = segment[i]
            o = max(offer[i], 0)
            held = min(max(month - 1 - ft_month[i], 0), month)  # months since the last choice
            value = float(finetune[i]) * keep_pow[g, held] + ft_add[g, o] * accrued[g, held]
            phi[j] = value if offer[i] >= 0 else 0.0
            damp[j] = 1.0 if offer[i] < 0 else exp_neg(-beta_switch[g] * phi[j])
        for j in range(count):
            i = idx[j]
            g = segment[i]
            o = offer[i]
            family = -1 if o < 0 else family_of[o]
            new = -1
            f = taste_family(cum, g, start, family, damp[j], k_taste, i)
            if f >= 0:
                new = offer_in_family(cum, g, order, start, f, uniform(k_choice, i))
            invested = phi[j]
            if new >= 0:
                if family_of[new] != family:
                    invested = 0.0  # lock-in does not carry over to another family
                o = new
                offer[i] = new
            if o >= 0:
                finetune[i] = np.float32(invested * ft_keep[g] + ft_add[g, o])
                ft_month[i] = month


@jit_parallel
def developer_tally(offer, volume, n_offers):
    """Developers and their monthly token volume (k tokens) per offer, as exact integers.

    Returns (counts int64[M], tokens int64[M]); integer sums make the result independent of the
    order in which blocks are added, hence of the thread count.
    """
    n = offer.shape[0]
    nblocks = (n + BLOCK - 1) // BLOCK
    counts = np.zeros((nblocks, n_offers), dtype=np.int64)
    tokens = np.zeros((nblocks, n_offers), dtype=np.int64)
    for b in prange(nblocks):
        hi = min(n, (b + 1) * BLOCK)
        for i in range(b * BLOCK, hi):
            o = offer[i]
            if o >= 0:
                counts[b, o] += 1
                tokens[b, o] += volume[i]
    return counts.sum(axis=0), tokens.sum(axis=0)


@jit_parallel
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
    """How much the adopters' fine-tuning holds them, after the step of `month` (C5).

    For each adopter, whether a review next month would take it to another family without
    lock-in (its best rival's taste score beats its own) and with it (beats own / damp, damp =
    exp(-beta * phi) at the investment a review would find, by the arithmetic of
    developer_step): taste_family at damp 1 and at damp. Returns the two counts (free,
    locked) among developers 0, stride, 2 stride, ... (a systematic sample: a statistic need
    not read every agent); integer counts do not depend on the thread count.
    """
    n = (offer.shape[0] + stride - 1) // stride  # developers in the sample
    nblocks = (n + BLOCK - 1) // BLOCK
    free = np.zeros(nblocks, dtype=np.int64)
    locked = np.zeros(nblocks, dtype=np.int64)
    if exp_util.shape[1] == 0:
        return 0, 0
    k_taste = stream_key(taste_key, 0, STREAM_TASTE)
    cum, _, start = family_layout(exp_util, family_of)
    keep_pow, accrued = decay_tables(ft_keep, max(month, 0))
    for b in prange(nblocks):
        for j in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            i = j * stride
            o = offer[i]
            if o < 0:
                continue
            g = segment[i]
            f = family_of[o]
            held = min(max(month - ft_month[i], 0), month)
            phi = float(finetune[i]) * keep_pow[g, held] + ft_add[g, o] * accrued[g, held]
            damp = exp_neg(-beta_switch[g] * phi)
            own = own_taste(cum, g, start, f, k_taste, i)
            rival, score = best_rival(cum, g, start, f, k_taste, i, own)
            if rival >= 0:  # would move without lock-in; with it, if it still beats the floor
                free[b] += 1
                locked[b] += score > lock_floor(own, damp)
    return free.sum(), locked.sum()


@jit_parallel
def developer_trials(offer, second, segment, trial_prob, exp_util, family_of, trial_key, month):
    """Adopters try new releases without moving production, in place; returns this month's
    trials per offer (int64[M], exact integers).

    offer      int16[N]   production offer (-1: not adopted)
    second     int16[N]   secondary model, for premium or experimental work (-1: none)
    segment    int8[N]    taste segment
    trial_prob float64[G, M] the chance this month that a developer of segment g tries offer o
                          if it were worth everything to it: the segment's trial rate times the
                          release's attention (0 for an offer that is not a recent release)
    exp_util   float64[G, M] exp(systematic utility) of each offer; 0 = not on offer
    trial_key: the key of the trial draws (one per developer and month)

    First a secondary lapses if its offer is withdrawn or its family is now the developer's
    production family. Then an adopter tries offer o with probability trial_prob[g, o] x
    W_go / (W_go + W_gp), the release's logit share against its production model p (one half
    at parity; rising with the release's value to it), for every recent release outside its
    production family other than its secondary. One draw decides whether it tries one and
    which: the first whose cumulative probability passes the draw. The tried release becomes
    its secondary. Production is left to `developer_step`, where a tried family competes at
    the developer's next review like any other.
    """
    n = offer.shape[0]
    g_count, m = exp_util.shape
    nblocks = (n + BLOCK - 1) // BLOCK
    trials = np.zeros((nblocks, max(m, 1)), dtype=np.int64)
    fresh = np.empty(m, dtype=np.int64)
    n_fresh = 0
    for o in range(m):
        for g in range(g_count):
            if trial_prob[g, o] > 0.0 and exp_util[g, o] > 0.0:
                fresh[n_fresh] = o
                n_fresh += 1
                break
    # each (segment, production offer) pair's trial probabilities of the recent releases,
    # and their sum: a developer whose draw passes the sum tries nothing (its own sum, which
    # leaves out its secondary, is no larger: rounding is monotone), so most skip the loop
    term = np.zeros((g_count, m, max(n_fresh, 1)))
    total = np.zeros((g_count, m))
    for g in range(g_count):
        for p in range(m):
            w_prod = exp_util[g, p]
            cum = 0.0
            for k in range(n_fresh):
                o = fresh[k]
                w = exp_util[g, o]
                if family_of[o] == family_of[p] or not w > 0.0:
                    continue
                term[g, p, k] = trial_prob[g, o] * (w / (w + w_prod))
                cum += term[g, p, k]
            total[g, p] = cum
    k_trial = stream_key(trial_key, month, STREAM_EVENT)
    for b in prange(nblocks):
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            p = offer[i]
            if p < 0:
                continue
            g = segment[i]
            s = second[i]
            if s >= 0 and (exp_util[g, s] == 0.0 or family_of[s] == family_of[p]):
                s = -1
                second[i] = -1
            if n_fresh == 0:
                continue
            u = uniform(k_trial, i)
            if not u < total[g, p]:
                continue
            cum = 0.0
            for k in range(n_fresh):
                o = fresh[k]
                if o == s:
                    continue
                cum += term[g, p, k]  # 0 for its own family's releases: cum unchanged
                if u < cum:
                    second[i] = o
                    trials[b, o] += 1
                    break
    return trials.sum(axis=0)[:m]


@jit_parallel
def secondary_tally(offer, second, volume, segment, secondary_share, is_open, n_offers):
    """What the secondary models carry: per offer the developers holding it as secondary and
    the k tokens they move to it, per offer the k tokens moved off it as production, and how
    many adopters use open weights in production or as secondary. A developer with a
    secondary moves int(volume x secondary_share[g]) of its volume to it. Exact integers, so
    independent of the thread count; with no secondary anywhere everything is zero but the
    open count, which is then the production count.
    """
    n = offer.shape[0]
    nblocks = (n + BLOCK - 1) // BLOCK
    counts = np.zeros((nblocks, n_offers), dtype=np.int64)
    moved_in = np.zeros((nblocks, n_offers), dtype=np.int64)
    moved_out = np.zeros((nblocks, n_offers), dtype=np.int64)
    any_open = np.zeros(nblocks, dtype=np.int64)
    for b in prange(nblocks):
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            p = offer[i]
            if p < 0:
                continue
            s = second[i]
            if s >= 0:
                moved = np.int64(volume[i] * secondary_share[segment[i]])
                counts[b, s] += 1
                moved_in[b, s] += moved
                moved_out[b, p] += moved
                any_open[b] += 1 if (is_open[p] or is_open[s]) else 0
            else:
                any_open[b] += 1 if is_open[p] else 0
    return counts.sum(axis=0), moved_in.sum(axis=0), moved_out.sum(axis=0), any_open.sum()
