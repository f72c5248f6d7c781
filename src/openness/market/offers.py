"""The models on offer in a month, as parallel arrays (three slots per lab).

Slot 0 is the lab's closed API, slot 1 its open frontier weights, slot 2 its smaller open
weights. Released open weights never disappear (they cannot be recalled); a closed API exists
only while the lab's strategy is closed or hybrid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

# the names and codes live in openness.vocabulary; these are re-exported for the market's use
from openness.vocabulary import (  # noqa: F401
    JURISDICTION_CODES,
    LICENCE_CODES,
    ORIGIN_CODES,
    SECTOR_CODES,
    SLOT_API,
    SLOT_OPEN_FRONTIER,
    SLOT_OPEN_SMALL,
    SLOTS,
)
from openness.vocabulary import STRATEGIES as STRATEGY_NAMES  # noqa: F401


@dataclass(frozen=True)
class Offers:
    lab: np.ndarray  # int16[M]
    available: np.ndarray  # bool[M]
    is_open: np.ndarray  # bool[M]
    capability: np.ndarray  # float64[M], log10 effective FLOP
    price: np.ndarray  # float64[M], $/Mtok paid by users
    serving_cost: np.ndarray  # float64[M], $/Mtok to serve
    licence: np.ndarray  # int8[M]
    origin: np.ndarray  # int8[M]
    transparent: np.ndarray  # bool[M]
    integration: np.ndarray  # float64[M], developer utility of product integration

    @property
    def size(self) -> int:
        return int(self.lab.shape[0])

    def with_changes(self, **arrays: np.ndarray) -> Offers:
        return replace(self, **arrays)

    @classmethod
    def concat(cls, sets: list[Offers]) -> Offers:
        """Several menus side by side (one array of len(sets) x M offers), so that demand
        under each can be computed in one pass and split (`market.demand`, `routing`)."""
        return cls(**{f: np.concatenate([getattr(o, f) for o in sets]) for f in _FIELDS})


_FIELDS = tuple(Offers.__dataclass_fields__)


def offer_index(lab: int, slot: int) -> int:
    return lab * SLOTS + slot
