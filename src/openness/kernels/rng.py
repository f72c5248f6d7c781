"""Counter-based random numbers keyed by (seed, month, stream, agent index).

A draw is the SplitMix64 output function applied to a counter: the month and stream pick a
64-bit starting state `h = mix(seed_key + G * (month * STREAMS + stream + 1))`, and agent `i`
gets `mix(h + G * (i + 1))`, which is exactly the i-th output of a SplitMix64 sequence started
at `h` (SplitMix64 passes BigCrush; Steele, Lea & Flood 2014). Because a draw depends only on
its key, results do not depend on thread count, block order or process.
"""

from __future__ import annotations

import numpy as np

from openness.kernels.config import jit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
S30 = np.uint64(30)
S27 = np.uint64(27)
S31 = np.uint64(31)
S11 = np.uint64(11)
TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53

#: Streams of draws an agent can use in one month.
STREAMS = 4
STREAM_EVENT = 0  # adopt / review / funding events
STREAM_CHOICE = 1  # the logit choice
STREAM_CHOICE2 = 2  # a second choice in the same month (enterprise commodity work)
STREAM_TASTE = 3  # run-long draws, keyed with month 0: developers' tastes for the families

#: Salts that give each user of the run's key a key of its own, so that no two share a stream:
#: the developers use the run's key itself; the enterprises, the labs and the start-up
#: seeding of each population xor theirs into it.
SALT_ENTERPRISES = np.uint64(0x5EED_E17E)
SALT_LABS = np.uint64(0x1AB5)
SALT_SEEDING = np.uint64(0x1417)
SALT_TRIALS = np.uint64(0x7E1A15)  # developers trying new releases (developer_trials)
SALT_GROUPS = np.uint64(0x6E0_0950)  # enterprises' initial use cases by observed shares
#: an enterprise's third and later use cases: their choice streams are keyed with this salt
#: plus the use case's position (the first two use the two choice streams)
SALT_USE_CASES = np.uint64(0x05E_CA5E_0000)

_MASK = (1 << 64) - 1


@jit
def mix64(z: np.uint64) -> np.uint64:
    z = np.uint64(z)
    z = (z ^ (z >> S30)) * M1
    z = (z ^ (z >> S27)) * M2
    return z ^ (z >> S31)


@jit
def stream_key(seed_key: np.uint64, month: np.int64, stream: np.int64) -> np.uint64:
    """Starting state for one (month, stream); computed once per month, outside agent loops."""
    counter = np.uint64(month) * np.uint64(STREAMS) + np.uint64(stream) + np.uint64(1)
    return mix64(np.uint64(seed_key) + GOLDEN * counter)


@jit
def uniform(key: np.uint64, index: np.int64) -> float:
    """A draw in [0, 1) for agent `index` under a stream key."""
    z = mix64(np.uint64(key) + GOLDEN * (np.uint64(index) + np.uint64(1)))
    return float(z >> S11) * TO_UNIT


def seed_key(seed: int) -> np.uint64:
    """Spread a user seed over 64 bits so that neighbouring seeds give unrelated streams."""
    return np.uint64(py_mix64((int(seed) * 0xD1B54A32D192ED03 + 0x632BE59BD9B4E019) & _MASK))


# ---- plain-Python twins (same arithmetic on Python ints, masked to 64 bits) ----


def py_mix64(z: int) -> int:
    z &= _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def py_stream_key(seed_key: int, month: int, stream: int) -> int:
    counter = month * STREAMS + stream + 1
    return py_mix64(int(seed_key) + 0x9E3779B97F4A7C15 * counter)


def py_uniform(key: int, index: int) -> float:
    z = py_mix64(int(key) + 0x9E3779B97F4A7C15 * (index + 1))
    return float(z >> 11) * TO_UNIT


def draw(seed_key: int, month: int, stream: int, index: int) -> float:
    """One draw in [0, 1) for (month, stream, agent): for the few agents stepped in Python."""
    return py_uniform(py_stream_key(int(seed_key), month, stream), index)
