import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from openness.kernels import rng


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**63 - 1),
    month=st.integers(0, 10_000),
    stream=st.integers(0, rng.STREAMS - 1),
    index=st.integers(0, 2**40),
)
def test_counter_draws_equal_their_python_twin(seed, month, stream, index):
    key = rng.seed_key(seed)
    k = np.uint64(rng.stream_key(key, month, stream))  # numba boxes uint64 as a Python int
    assert int(k) == rng.py_stream_key(int(key), month, stream)
    u = rng.uniform(k, index)
    assert u == rng.py_uniform(int(k), index)
    assert 0.0 <= u < 1.0


def test_draws_look_uniform_and_streams_differ():
    key = np.uint64(rng.stream_key(rng.seed_key(3), 5, rng.STREAM_EVENT))
    other = np.uint64(rng.stream_key(rng.seed_key(3), 5, rng.STREAM_CHOICE))
    u = np.array([rng.uniform(key, i) for i in range(20_000)])
    v = np.array([rng.uniform(other, i) for i in range(20_000)])
    assert abs(u.mean() - 0.5) < 0.01
    assert abs(u.var() - 1 / 12) < 0.003
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.03
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    assert counts.min() > 1800 and counts.max() < 2200


def test_neighbouring_seeds_give_unrelated_streams():
    a = [rng.uniform(np.uint64(rng.stream_key(rng.seed_key(1), 0, 0)), i) for i in range(1000)]
    b = [rng.uniform(np.uint64(rng.stream_key(rng.seed_key(2), 0, 0)), i) for i in range(1000)]
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.1


@settings(deadline=None)
@given(
    seed=st.integers(0, 2**31),
    month=st.integers(0, 600),
    stream=st.integers(0, rng.STREAMS - 1),
    index=st.integers(0, 100),
)
def test_a_single_keyed_draw_is_the_kernels_draw(seed, month, stream, index):
    key = rng.seed_key(seed)
    assert rng.draw(int(key), month, stream, index) == rng.uniform(
        np.uint64(rng.stream_key(key, month, stream)), index
    )
