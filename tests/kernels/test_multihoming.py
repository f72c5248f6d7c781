"""The developers' trial and secondary-model kernels against their twins, across blocks and
threads, and their limits: no trial, no secondary, and a release tried in proportion to its
value."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openness.kernels import developers as dk
from openness.kernels import reference as ref
from openness.kernels.config import BLOCK
from openness.kernels.rng import seed_key

CASES = settings(max_examples=40, deadline=None)


def trial_inputs(seed, n, g, m, n_families, fresh_share=0.4):
    r = np.random.default_rng(seed)
    exp_util = r.random((g, m)) * r.choice([0.0, 1.0, 50.0], size=(g, m), p=[0.2, 0.6, 0.2])
    fresh = r.random(m) < fresh_share
    return dict(
        offer=r.integers(-1, m, n).astype(np.int16),
        second=r.integers(-1, m, n).astype(np.int16),
        segment=r.integers(0, g, n).astype(np.int8),
        trial_prob=np.where(fresh[None, :], r.random((g, m)), 0.0),
        exp_util=exp_util,
        family_of=r.integers(0, n_families, m).astype(np.int16),
    )


def copy(d):
    return {k: v.copy() for k, v in d.items()}


def run_both(a, key, month):
    b = copy(a)
    fast = dk.developer_trials(*a.values(), key, np.int64(month))
    slow = ref.developer_trials(*b.values(), key, month)
    return a, b, fast, slow


@CASES
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(1, 500),
    g=st.integers(1, 4),
    m=st.integers(1, 12),
    fam=st.integers(1, 5),
    month=st.integers(0, 500),
    run_seed=st.integers(0, 2**63 - 1),
)
def test_developer_trials_match_twin(seed, n, g, m, fam, month, run_seed):
    a, b, fast, slow = run_both(trial_inputs(seed, n, g, m, fam), seed_key(run_seed), month)
    np.testing.assert_array_equal(a["second"], b["second"])
    np.testing.assert_array_equal(fast, slow)
    r = np.random.default_rng(seed + 1)
    volume = r.integers(1, 10**6, n).astype(np.int32)
    share = r.random(g)
    is_open = r.random(m) < 0.5
    x = dk.secondary_tally(a["offer"], a["second"], volume, a["segment"], share, is_open, m)
    y = ref.secondary_tally(b["offer"], b["second"], volume, b["segment"], share, is_open, m)
    for u, v in zip(x[:3], y[:3], strict=True):
        np.testing.assert_array_equal(u, v)
    assert int(x[3]) == int(y[3])


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**32), month=st.integers(0, 500), run_seed=st.integers(0, 2**63 - 1))
def test_trials_match_twin_across_several_blocks(seed, month, run_seed):
    a, b, fast, slow = run_both(
        trial_inputs(seed, 2 * BLOCK + 77, 3, 12, 4), seed_key(run_seed), month
    )
    np.testing.assert_array_equal(a["second"], b["second"])
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="one core only")
def test_trials_are_bit_identical_on_one_and_two_threads():
    out = []
    for threads in (1, 2):
        before = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            a = trial_inputs(5, 200_000, 3, 30, 10)
            trials = dk.developer_trials(*a.values(), seed_key(4), np.int64(7))
            volume = np.arange(1, 200_001, dtype=np.int32)
            tally = dk.secondary_tally(
                a["offer"],
                a["second"],
                volume,
                a["segment"],
                np.array([0.2, 0.3, 0.1]),
                np.arange(30) % 2 == 0,
                30,
            )
        finally:
            numba.set_num_threads(before)
        out.append((a["second"], trials, tally))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])
    for u, v in zip(out[0][2][:3], out[1][2][:3], strict=True):
        np.testing.assert_array_equal(u, v)
    assert out[0][2][3] == out[1][2][3]


def test_without_trials_only_lapsed_secondaries_change():
    """Limit: a trial rate of zero tries nothing; a secondary is kept unless its offer went
    or its family became production, and with no secondary the tally moves nothing."""
    a = trial_inputs(3, 5000, 3, 12, 4)
    a["trial_prob"][:] = 0.0
    before = a["second"].copy()
    trials = dk.developer_trials(*a.values(), seed_key(1), np.int64(2))
    assert trials.sum() == 0
    g, p, s = a["segment"].astype(int), a["offer"].astype(int), before.astype(int)
    lapsed = (
        (p >= 0)
        & (s >= 0)
        & (
            (a["exp_util"][g, np.maximum(s, 0)] == 0.0)
            | (a["family_of"][np.maximum(s, 0)] == a["family_of"][np.maximum(p, 0)])
        )
    )
    np.testing.assert_array_equal(a["second"], np.where(lapsed, -1, before))
    none = np.full_like(a["offer"], -1)
    volume = np.full(5000, 100, dtype=np.int32)
    is_open = np.arange(12) % 2 == 1
    counts, moved_in, moved_out, any_open = dk.secondary_tally(
        a["offer"], none, volume, a["segment"], np.full(3, 0.3), is_open, 12
    )
    assert counts.sum() == moved_in.sum() == moved_out.sum() == 0
    assert any_open == int(((a["offer"] >= 0) & is_open[np.maximum(a["offer"], 0)]).sum())


def test_a_release_is_tried_in_proportion_to_its_share_against_production():
    """Limit: one recent release, every developer on another family: the share that tries
    it is trial_prob x W_new / (W_new + W_prod)."""
    n = 400_000
    exp_util = np.array([[1.0, 3.0]])
    a = dict(
        offer=np.zeros(n, dtype=np.int16),
        second=np.full(n, -1, dtype=np.int16),
        segment=np.zeros(n, dtype=np.int8),
        trial_prob=np.array([[0.0, 0.4]]),
        exp_util=exp_util,
        family_of=np.array([0, 1], dtype=np.int16),
    )
    trials = dk.developer_trials(*a.values(), seed_key(8), np.int64(3))
    expected = 0.4 * 3.0 / (3.0 + 1.0)
    assert trials[1] / n == pytest.approx(expected, abs=4 * np.sqrt(expected / n))
    assert trials[0] == 0 and (a["second"][a["second"] >= 0] == 1).all()
    # a release of the developer's own production family is not a second model
    a["family_of"] = np.array([0, 0], dtype=np.int16)
    a["second"][:] = -1
    assert dk.developer_trials(*a.values(), seed_key(8), np.int64(3)).sum() == 0
