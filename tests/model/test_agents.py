"""The workaround for Mesa's class-level agent-id counters (`Agent._ids`, which keeps every
model alive): it must still be what Mesa reads, and it must let a finished model be freed."""

from __future__ import annotations

import gc
import itertools
import weakref

import mesa

from openness.model.agents import _Agent, _ModelCounters


class _Spy(_ModelCounters):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def __getitem__(self, model):
        self.reads += 1
        return super().__getitem__(model)


def test_mesa_still_numbers_agents_through_the_ids_attribute():
    """Fails when Mesa stops reading `Agent._ids`: then the workaround is dead code, and
    should go (or be replaced by whatever Mesa reads instead)."""

    class Probe(_Agent):
        _ids = _Spy()

    model = mesa.Model(rng=1)
    first, second = Probe(model), Probe(model)
    assert Probe._ids.reads == 2
    assert (first.unique_id, second.unique_id) == (1, 2)


def test_a_finished_model_is_freed():
    model = mesa.Model(rng=1)
    _Agent(model)
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None


def test_counters_are_per_model():
    counters = _ModelCounters()
    a, b = mesa.Model(rng=1), mesa.Model(rng=2)
    assert next(counters[a]) == 1 and next(counters[a]) == 2 and next(counters[b]) == 1
    assert isinstance(counters[a], itertools.count)
