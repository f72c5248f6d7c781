"""The developer rule written the classic Mesa way: one `mesa.Agent` per developer.

Same rule as `openness.kernels.developers.developer_step`: a non-adopter adopts with its
segment's Bass hazard, an adopter reviews at its segment's rate (or must move off a withdrawn
offer), a chooser draws an offer from the logit over exp-utilities with other families damped
by exp(-beta_switch * fine-tuning), and fine-tuning accumulates on the offer in use. The agents
are stepped with `model.agents.do("step")` and draw from `model.rng`, as a Mesa model would.
It exists only to be timed against the numba kernel (benchmarks/run.py); a test checks that it
follows the same rule (the same distribution of choices), not the same random numbers.
"""

from __future__ import annotations

import math

import mesa
import numpy as np


class Developer(mesa.Agent):
    def __init__(self, model: ClassicDevelopers, segment: int, offer: int, finetune: float):
        super().__init__(model)
        self.segment, self.offer, self.finetune = segment, offer, finetune

    def step(self) -> None:
        m = self.model
        g, o = self.segment, self.offer
        u = m.rng.random()
        choose = (u < m.adopt_prob[g]) if o < 0 else (
            m.exp_util[g, o] == 0.0 or u < m.review_prob[g])
        if choose:
            family = -1 if o < 0 else m.family_of[o]
            damp = 1.0 if o < 0 else math.exp(-m.beta_switch[g] * self.finetune)
            weights = m.exp_util[g] * np.where(m.family_of == family, 1.0, damp)
            total = weights.sum()
            if total > 0.0:
                new = int(m.rng.choice(len(weights), p=weights / total))
                if m.family_of[new] != family:
                    self.finetune = 0.0
                self.offer = new
        if self.offer >= 0:
            self.finetune = (self.finetune * m.ft_keep[g]
                             + m.ft_add[g, self.offer])


class ClassicDevelopers(mesa.Model):
    """A population of Developer agents with the kernel's inputs as model attributes."""

    def __init__(self, state: dict, seed: int = 0) -> None:
        super().__init__(rng=seed)
        for name in ("adopt_prob", "review_prob", "exp_util", "family_of", "beta_switch",
                     "ft_add", "ft_keep"):
            setattr(self, name, np.asarray(state[name]))
        for g, o, f in zip(state["segment"], state["offer"], state["finetune"], strict=True):
            Developer(self, int(g), int(o), float(f))

    def step(self) -> None:
        self.agents.do("step")

    def offers(self) -> np.ndarray:
        return np.array([a.offer for a in self.agents])
