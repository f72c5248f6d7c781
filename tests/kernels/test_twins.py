"""Every numba kernel against its plain-Python reference twin, on generated inputs."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from openness.kernels import developers as dk
from openness.kernels import enterprises as ek
from openness.kernels import reference as ref
from openness.kernels.rng import STREAM_TASTE, seed_key

CASES = settings(max_examples=40, deadline=None)


def developer_inputs(seed, n, g, m, n_families):
    r = np.random.default_rng(seed)
    exp_util = r.random((g, m)) * r.choice([0.0, 1.0, 50.0], size=(g, m), p=[0.2, 0.6, 0.2])
    return dict(
        offer=r.integers(-1, m, n).astype(np.int16),
        finetune=(r.random(n) * 5).astype(np.float32),
        ft_month=r.integers(-3, 600, n).astype(np.int16),
        segment=r.integers(0, g, n).astype(np.int8),
        adopt_prob=r.random(g),
        review_prob=r.random(g),
        exp_util=exp_util,
        family_of=r.integers(0, n_families, m).astype(np.int16),
        beta_switch=r.random(g) * 2,
        ft_add=r.random((g, m)),
        ft_keep=1 - r.random(g) * 0.2,
    )


def copy(d):
    return {k: v.copy() for k, v in d.items()}


@CASES
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(1, 400),
    g=st.integers(1, 4),
    m=st.integers(1, 12),
    fam=st.integers(1, 5),
    month=st.integers(0, 500),
    run_seed=st.integers(0, 2**63 - 1),
)
def test_developer_step_matches_twin(seed, n, g, m, fam, month, run_seed):
    a = developer_inputs(seed, n, g, m, fam)
    b = copy(a)
    key, taste = seed_key(run_seed), seed_key(run_seed ^ 1)
    dk.developer_step(*a.values(), key, taste, np.int64(month))
    ref.developer_step(*b.values(), key, taste, month)
    np.testing.assert_array_equal(a["offer"], b["offer"])
    np.testing.assert_array_equal(a["finetune"], b["finetune"])  # bit-identical floats
    np.testing.assert_array_equal(a["ft_month"], b["ft_month"])
    volume = np.random.default_rng(seed).integers(1, 10**6, n).astype(np.int32)
    for x, y in zip(
        dk.developer_tally(a["offer"], volume, m),
        ref.developer_tally(b["offer"], volume, m),
        strict=True,
    ):
        np.testing.assert_array_equal(x, y)


def enterprise_inputs(seed, n, c, m, k=2, slots=None):
    """Generated inputs of enterprise_step: `k` workload classes over `slots` use cases."""
    r = np.random.default_rng(seed)
    slots = k if slots is None else slots
    volume = r.lognormal(2, 2, (n, slots))
    volume[r.random((n, slots)) < 0.2] = 0.0
    api = np.where(r.random((c, m)) < 0.3, np.inf, r.random((c, m)) * 20)
    host = np.where(r.random((c, m)) < 0.5, np.inf, r.random((c, m)) * 3)
    slot_class = np.sort(np.concatenate([np.arange(k), r.integers(0, k, slots - k)]))
    return dict(
        choice=r.integers(-1, m, (n, slots)).astype(np.int16),
        cls=r.integers(0, c, n).astype(np.int16),
        volume=volume,
        slot_class=slot_class.astype(np.int8),
        adopt_prob=float(r.random()),
        review_prob=float(r.random()),
        base_util=r.normal(0, 3, (c, k, m)),
        api_cost=api,
        host_cost=host,
        is_open=r.random(m) < 0.5,
        fixed_usd=r.random(n) * 1e5,
        service_usd=r.random(slots) * 300 * (r.random() < 0.8),
        alpha=r.random(k),
        switch_cost=float(r.random()),
        temperature=float(0.05 + r.random()),
    )


@CASES
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(1, 300),
    c=st.integers(1, 6),
    m=st.integers(1, 10),
    k=st.integers(1, 3),
    extra=st.integers(0, 5),
    month=st.integers(0, 500),
    run_seed=st.integers(0, 2**63 - 1),
)
def test_enterprise_step_matches_twin(seed, n, c, m, k, extra, month, run_seed):
    a = enterprise_inputs(seed, n, c, m, k, k + extra)
    b = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in a.items()}
    key = seed_key(run_seed)
    ek.enterprise_step(*a.values(), key, np.int64(month))
    ref.enterprise_step(*b.values(), key, month)
    np.testing.assert_array_equal(a["choice"], b["choice"])
    r = np.random.default_rng(seed)
    is_open, family_of = r.random(m) < 0.5, r.integers(0, 4, m).astype(np.int16)
    cls = a["slot_class"]
    fast = ek.enterprise_tally(a["choice"], a["volume"], cls, is_open, family_of, m, 4)
    slow = ref.enterprise_tally(b["choice"], b["volume"], cls, is_open, family_of, m, 4)
    for x, y in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(x, y)


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**32), month=st.integers(0, 500), run_seed=st.integers(0, 2**63 - 1))
def test_kernels_match_twins_across_several_blocks(seed, month, run_seed):
    """Populations larger than a block: the collect-then-choose passes run per block."""
    from openness.kernels.config import BLOCK

    n = 2 * BLOCK + 123
    key = seed_key(run_seed)
    a = developer_inputs(seed, n, 3, 12, 4)
    b = copy(a)
    dk.developer_step(*a.values(), key, key, np.int64(month))
    ref.developer_step(*b.values(), key, key, month)
    np.testing.assert_array_equal(a["offer"], b["offer"])
    np.testing.assert_array_equal(a["finetune"], b["finetune"])
    e = enterprise_inputs(seed, n, 5, 9, 3, 6)
    f = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in e.items()}
    ek.enterprise_step(*e.values(), key, np.int64(month))
    ref.enterprise_step(*f.values(), key, month)
    np.testing.assert_array_equal(e["choice"], f["choice"])


@CASES
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(1, 9000),
    m=st.integers(1, 12),
    p=st.floats(0, 1),
    month=st.integers(0, 500),
    run_seed=st.integers(0, 2**63 - 1),
)
def test_floor_kernel_matches_twin(seed, n, m, p, month, run_seed):
    from openness.kernels.floor import floor_step

    offer = np.random.default_rng(seed).integers(-1, m, n).astype(np.int16)
    key = seed_key(run_seed)
    np.testing.assert_array_equal(
        floor_step(offer, p, key, np.int64(month), m), ref.floor_step(offer, p, key, month, m)
    )


def family_weights(seed, m, n_families):
    r = np.random.default_rng(seed)
    weights = r.random(m) * (r.random(m) > 0.3)
    family_of = r.integers(0, n_families, m).astype(np.int16)
    return weights, family_of


@CASES
@given(
    seed=st.integers(0, 2**32),
    m=st.integers(1, 12),
    fam=st.integers(-1, 4),
    damp=st.floats(0.01, 1),
    run_seed=st.integers(0, 2**63 - 1),
)
def test_taste_family_draws_the_damped_logit_across_developers(seed, m, fam, damp, run_seed):
    """Over many developers, the persistent tastes pick each family with probability
    proportional to its exp-utility, other families' scaled by damp (the logit), and the kernel
    agrees with its twin."""
    weights, family_of = family_weights(seed, m, 5)
    cum, order, start = dk.family_layout(weights[None, :], family_of)
    w_fam = np.bincount(family_of, weights, minlength=len(start) - 1)
    scaled = np.where(np.arange(len(w_fam)) == fam, w_fam, w_fam * damp)
    key = np.uint64(dk.stream_key(seed_key(run_seed), 0, STREAM_TASTE))
    k = 4000
    picks = np.array([dk.taste_family(cum, 0, start, fam, damp, key, i) for i in range(k)])
    slow = [ref.taste_family(cum, 0, start, fam, damp, key, i) for i in range(0, k, 97)]
    assert slow == list(picks[::97])
    if scaled.sum() <= 0:
        assert (picks == -1).all()
        return
    freq = np.bincount(picks, minlength=len(w_fam)) / k
    p = scaled / scaled.sum()
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / k) + 1e-9)


@CASES
@given(
    seed=st.integers(0, 2**32),
    m=st.integers(2, 12),
    lift=st.floats(1.01, 20),
    run_seed=st.integers(0, 2**63 - 1),
)
def test_tastes_persist_a_better_family_draws_developers_only_to_itself(seed, m, lift, run_seed):
    """Tastes are the developer's own, not redrawn: when one family's utility rises, the only
    developers whose family changes are those who move to it; with no change, no one moves."""
    weights, family_of = family_weights(seed, m, 4)
    better = int(family_of[0])
    raised = np.where(family_of == better, weights * lift, weights)
    key = np.uint64(dk.stream_key(seed_key(run_seed), 0, STREAM_TASTE))

    def families(w):
        cum, _, start = dk.family_layout(w[None, :], family_of)
        return np.array([dk.taste_family(cum, 0, start, -1, 1.0, key, i) for i in range(2000)])

    before, after = families(weights), families(raised)
    assert (families(weights) == before).all()
    moved = before != after
    assert (after[moved] == better).all()


def test_full_lock_in_keeps_the_own_family_and_a_withdrawn_one_is_left():
    """damp 0 (an investment too large for exp): a developer stays with a family that is on
    offer, and one whose family has nothing on offer still moves; kernel and twin alike."""
    weights = np.array([1.0, 2.0, 3.0, 0.0])
    family_of = np.array([0, 1, 2, 3], dtype=np.int16)
    cum, _, start = dk.family_layout(weights[None, :], family_of)
    key = np.uint64(dk.stream_key(seed_key(4), 0, STREAM_TASTE))
    for impl in (dk, ref):
        assert all(impl.taste_family(cum, 0, start, 1, 0.0, key, i) == 1 for i in range(200))
        moved = [impl.taste_family(cum, 0, start, 3, 0.0, key, i) for i in range(200)]
        assert set(moved) == {0, 1, 2}


@CASES
@given(seed=st.integers(0, 2**32), m=st.integers(1, 12))
def test_offer_in_family_draws_in_proportion_to_exp_utility(seed, m):
    weights, family_of = family_weights(seed, m, 3)
    cum, order, start = dk.family_layout(weights[None, :], family_of)
    k = 2000
    for f in range(len(start) - 1):
        members = family_of == f
        picks = [dk.offer_in_family(cum, 0, order, start, f, (j + 0.5) / k) for j in range(k)]
        slow = [
            ref.offer_in_family(cum, 0, order, start, f, (j + 0.5) / k) for j in range(0, k, 97)
        ]
        assert slow == picks[::97]
        if not weights[members].sum() > 0:
            assert set(picks) == {-1}
            continue
        freq = np.bincount(picks, minlength=m) / k
        np.testing.assert_allclose(
            freq, np.where(members, weights, 0) / weights[members].sum(), atol=2.0 / k
        )


@CASES
@given(seed=st.integers(0, 2**32), months=st.integers(1, 120), run_seed=st.integers(0, 2**63 - 1))
def test_lazy_finetuning_equals_the_monthly_recurrence(seed, months, run_seed):
    """The kernel brings a developer's investment up to date only when it chooses; the value
    it then uses is phi <- phi * keep + add applied once a month since its last choice."""
    a = developer_inputs(seed, 300, 3, 6, 3)
    a["offer"][:] = np.maximum(a["offer"], 0)
    a["review_prob"][:] = 0.0  # nobody chooses until the last month
    a["exp_util"][:] = 1.0
    a["ft_month"][:] = 0
    start = a["finetune"].astype(float)
    g, o = a["segment"], a["offer"]
    monthly = start.copy()
    for _ in range(months - 1):  # months 1 .. months-1 pass without a choice
        monthly = monthly * a["ft_keep"][g] + a["ft_add"][g, o]
    keep_pow, accrued = dk.decay_tables(a["ft_keep"], months)
    lazy = start * keep_pow[g, months - 1] + a["ft_add"][g, o] * accrued[g, months - 1]
    np.testing.assert_allclose(lazy, monthly, rtol=1e-12)
    # a chooser in month `months` keeps its family with the lock-in of that value
    b = copy(a)
    b["review_prob"][:] = 1.0
    b["family_of"][:] = 0  # one family: the investment carries over
    dk.developer_step(*b.values(), seed_key(run_seed), seed_key(run_seed), np.int64(months))
    expected = (lazy * a["ft_keep"][g] + a["ft_add"][g, b["offer"]]).astype(np.float32)
    np.testing.assert_array_equal(b["finetune"], expected)
    assert (b["ft_month"] == months).all()


def test_developer_step_with_nothing_on_offer_moves_no_one():
    a = developer_inputs(3, 50, 2, 1, 1)
    a["offer"][:] = -1
    a["adopt_prob"][:] = 1.0
    a["exp_util"], a["ft_add"] = np.zeros((2, 0)), np.zeros((2, 0))
    a["family_of"] = np.zeros(0, dtype=np.int16)
    b = copy(a)
    dk.developer_step(*a.values(), seed_key(1), seed_key(1), np.int64(3))
    ref.developer_step(*b.values(), seed_key(1), seed_key(1), 3)
    for name in ("offer", "finetune", "ft_month"):
        np.testing.assert_array_equal(a[name], b[name])
    assert (a["offer"] == -1).all()


@CASES
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(1, 9000),
    g=st.integers(1, 4),
    m=st.integers(0, 12),
    fam=st.integers(1, 5),
    month=st.integers(0, 500),
    stride=st.sampled_from([1, 2, 7]),
)
def test_lockin_tally_matches_twin(seed, n, g, m, fam, month, stride):
    a = developer_inputs(seed, n, g, max(m, 1), fam)
    if m == 0:
        a["exp_util"] = a["exp_util"][:, :0]
    args = [
        a[k]
        for k in (
            "offer",
            "finetune",
            "ft_month",
            "segment",
            "exp_util",
            "family_of",
            "beta_switch",
            "ft_add",
            "ft_keep",
        )
    ]
    key = seed_key(seed)
    fast = dk.lockin_tally(*args, key, np.int64(month), np.int64(stride))
    slow = ref.lockin_tally(*args, key, month, stride)
    assert fast == slow


def test_lockin_holds_nobody_without_fine_tuning_and_more_with_more():
    r = developer_inputs(5, 2000, 2, 6, 3)
    r["offer"] = np.abs(r["offer"]).astype(np.int16)  # everyone adopted
    r["exp_util"] = r["exp_util"] + 1.0  # every offer on offer
    keys = (
        "offer",
        "finetune",
        "ft_month",
        "segment",
        "exp_util",
        "family_of",
        "beta_switch",
        "ft_add",
        "ft_keep",
    )

    def args(d):
        return [d[k] for k in keys]

    none = {**r, "beta_switch": np.zeros(2)}
    free, locked = dk.lockin_tally(*args(none), seed_key(2), np.int64(10), np.int64(1))
    assert free > 0 and locked == free
    weak, strong = ({**r, "beta_switch": np.full(2, b)} for b in (0.5, 5.0))
    _, locked_weak = dk.lockin_tally(*args(weak), seed_key(2), np.int64(10), np.int64(1))
    _, locked_strong = dk.lockin_tally(*args(strong), seed_key(2), np.int64(10), np.int64(1))
    assert locked_strong < locked_weak < free
