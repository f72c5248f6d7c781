"""The developer rule written the classic Mesa way: one `mesa.Agent` per developer.

Same rule as `openness.kernels.developers.developer_step`: a non-adopter adopts with its
segment's Bass hazard, an adopter reviews at its segment's rate (or must move off a withdrawn
offer), a chooser takes the family with the largest exp-utility over its own persistent taste
(an exponential per family, drawn when the agent is created), other families damped by
exp(-beta_switch * fine-tuning), then draws an offer within it from the logit, and
fine-tuning accumulates on the offer in use. The agents
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
        self.taste = model.rng.exponential(size=model.n_families)  # kept for the run

    def step(self) -> None:
        m = self.model
        g, o = self.segment, self.offer
        u = m.rng.random()
        choose = (
            (u < m.adopt_prob[g]) if o < 0 else (m.exp_util[g, o] == 0.0 or u < m.review_prob[g])
        )
        if choose:
            family = -1 if o < 0 else m.family_of[o]
            damp = 1.0 if o < 0 else math.exp(-m.beta_switch[g] * self.finetune)
            family_weight = m.family_weight[g]
            scores = family_weight * np.where(m.families == family, 1.0, damp) / self.taste
            best = int(np.argmax(scores))
            if scores[best] > 0.0:
                weights = np.where(m.family_of == best, m.exp_util[g], 0.0)
                new = int(m.rng.choice(len(weights), p=weights / weights.sum()))
                if m.family_of[new] != family:
                    self.finetune = 0.0
                self.offer = new
        if self.offer >= 0:
            self.finetune = self.finetune * m.ft_keep[g] + m.ft_add[g, self.offer]


class ClassicDevelopers(mesa.Model):
    """A population of Developer agents with the kernel's inputs as model attributes."""

    def __init__(self, state: dict, seed: int = 0) -> None:
        super().__init__(rng=seed)
        for name in (
            "adopt_prob",
            "review_prob",
            "exp_util",
            "family_of",
            "beta_switch",
            "ft_add",
            "ft_keep",
        ):
            setattr(self, name, np.asarray(state[name]))
        self.n_families = int(self.family_of.max()) + 1
        self.families = np.arange(self.n_families)
        for g, o, f in zip(state["segment"], state["offer"], state["finetune"], strict=True):
            Developer(self, int(g), int(o), float(f))

    def step(self) -> None:
        # each family's exp-utility by segment, once a month as the kernel's layout
        self.family_weight = np.array(
            [np.bincount(self.family_of, row, minlength=self.n_families) for row in self.exp_util]
        )
        self.agents.do("step")

    def offers(self) -> np.ndarray:
        return np.array([a.offer for a in self.agents])
