"""The developer rule written for mesa-frames (its Polars backend), as its users write a model:
one `AgentSetPolars` holding every developer as a row, stepped by column expressions.

Same rule as `openness.kernels.developers.developer_step` and `benchmarks/classic_mesa.py`: a
non-adopter adopts with its segment's Bass hazard; an adopter reviews at its segment's rate
(or must move off a withdrawn offer); a chooser takes the family with the largest family
exp-utility over its own persistent taste (an exponential per family, a column drawn when the
agents are added), other families damped by exp(-beta_switch * fine-tuning), then draws an
offer within it from the logit; fine-tuning is lost on moving to another family and
accumulates on the offer in use. It exists to be timed against the numba kernel and classic
Mesa (`benchmarks/peers.py`); the check there compares the distribution of choices, not the
random numbers.

mesa-frames 0.1.0a0 needs numpy 1.26, so this lives in its own environment
(`make bench-peers`), never in the project's dependencies or its tests.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from mesa_frames import AgentSetPolars, ModelDF


def _lookup(key: pl.Expr, table: np.ndarray, default: float = 0.0) -> pl.Expr:
    """table[key] for an integer key column, `default` outside the table (a gather from the
    table as a literal Series)."""
    size = len(table)
    inside = (key >= 0) & (key < size)
    values = pl.lit(pl.Series(np.asarray(table, dtype=np.float64))).gather(key.clip(0, size - 1))
    return pl.when(inside).then(values).otherwise(default)


class Developers(AgentSetPolars):
    def __init__(self, model: FramesDevelopers, state: dict) -> None:
        super().__init__(model)
        n = len(state["offer"])
        taste = model.random.exponential(size=(n, model.n_families))  # kept for the run
        self.add(
            pl.DataFrame(
                {
                    "unique_id": np.arange(n, dtype=np.int64),
                    "segment": np.asarray(state["segment"], dtype=np.int64),
                    "offer": np.asarray(state["offer"], dtype=np.int64),
                    "finetune": np.asarray(state["finetune"], dtype=np.float64),
                    **{f"taste_{f}": taste[:, f] for f in range(model.n_families)},
                }
            )
        )

    def step(self) -> None:
        m: FramesDevelopers = self.model  # type: ignore[assignment]
        n_offers = m.exp_util.shape[1]
        n_fam, width = m.n_families, m.family_width
        n = len(self.agents)
        seg, offer = pl.col("segment"), pl.col("offer")
        adopted = offer >= 0
        family = (
            pl.when(adopted).then(_lookup(offer, m.family_of.astype(float), -1.0)).otherwise(-1.0)
        )
        damp = (
            pl.when(adopted)
            .then((-_lookup(seg, m.beta_switch) * pl.col("finetune")).exp())
            .otherwise(1.0)
        )
        here = _lookup(seg * n_offers + offer, m.exp_util.ravel(), 0.0)
        choose = (
            pl.when(adopted)
            .then((here == 0.0) | (pl.col("u") < _lookup(seg, m.review_prob)))
            .otherwise(pl.col("u") < _lookup(seg, m.adopt_prob))
        )
        scores = [
            _lookup(seg, m.family_weight[:, f])
            * pl.when(pl.col("family") == f).then(1.0).otherwise(pl.col("damp"))
            / pl.col(f"taste_{f}")
            for f in range(n_fam)
        ]
        # the chosen family's offer: the first whose cumulative logit share passes u2
        key = seg * n_fam + pl.col("best")
        rank = sum(
            (pl.col("u2") > _lookup(key, m.cum_share[:, :, k].ravel(), 2.0)).cast(pl.Int64)
            for k in range(width - 1)
        )
        new_offer = _lookup(pl.col("best"), m.first_offer.astype(float)).cast(pl.Int64) + rank
        df = (
            self.agents.with_columns(
                u=pl.Series(m.random.random(n)),
                u2=pl.Series(m.random.random(n)),
                family=family,
                damp=damp,
            )
            .with_columns(choose=choose, best=pl.concat_list(scores).list.arg_max().cast(pl.Int64))
            .with_columns(
                new=pl.when(pl.col("choose")).then(new_offer).otherwise(offer),
            )
            .with_columns(
                finetune=pl.when(pl.col("choose") & (pl.col("best") != pl.col("family")))
                .then(0.0)
                .otherwise(pl.col("finetune")),
                offer=pl.col("new"),
            )
            .with_columns(
                finetune=pl.when(offer >= 0)
                .then(
                    pl.col("finetune") * _lookup(seg, m.ft_keep)
                    + _lookup(seg * n_offers + offer, m.ft_add.ravel())
                )
                .otherwise(pl.col("finetune"))
            )
        )
        self.agents = df.drop("u", "u2", "family", "damp", "choose", "best", "new")


class FramesDevelopers(ModelDF):
    """A population of developers as one Polars agent set, with the kernel's inputs."""

    def __init__(self, state: dict, seed: int = 0) -> None:
        super().__init__(seed)
        for name in ("adopt_prob", "review_prob", "exp_util", "beta_switch", "ft_add", "ft_keep"):
            setattr(self, name, np.asarray(state[name], dtype=np.float64))
        self.family_of = np.asarray(state["family_of"], dtype=np.int64)
        self.n_families = int(self.family_of.max()) + 1
        # the offers of each family (contiguous, as the benchmark lays them out) and their
        # cumulative logit shares by segment
        self.first_offer = np.array(
            [np.flatnonzero(self.family_of == f)[0] for f in range(self.n_families)]
        )
        self.family_width = int(np.bincount(self.family_of).max())
        g_count = self.exp_util.shape[0]
        self.cum_share = np.ones((g_count, self.n_families, self.family_width))
        self.family_weight = np.zeros((g_count, self.n_families))
        for f in range(self.n_families):
            w = self.exp_util[:, self.family_of == f]
            self.family_weight[:, f] = w.sum(axis=1)
            self.cum_share[:, f, : w.shape[1]] = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
        self.developers = Developers(self, state)
        self.agents += self.developers

    def step(self) -> None:
        self.agents.step()

    def offers(self) -> np.ndarray:
        return self.developers.agents["offer"].to_numpy()
