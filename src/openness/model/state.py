"""What the month's functions (training, books, views, reporters) read of the model: a
protocol that the Mesa model satisfies, so that they depend on this module, not on the model
that calls them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from openness.market.demand import Tastes
from openness.market.offers import Offers
from openness.market.routing import EnterpriseMarket
from openness.model import policy as pol
from openness.model.agents import Lab
from openness.model.populations import DeveloperPopulation, EnterprisePopulation
from openness.scenario.schema import Scenario, World


@dataclass
class PublishedMethod:
    """A method published with an efficiency shock (section 7.1 of the ODD)."""

    publisher: Lab
    efficiency: np.ndarray  # training efficiency it brings each lab (its own x the gain)
    inference_efficiency: float  # serving architecture it brings the labs behind
    inference_gain: np.ndarray  # what it brings the labs ahead (their own x the gain)
    month: int  # of publication
    learners: np.ndarray  # bool per lab: has been behind the publisher since publication


class MarketState(Protocol):
    """The model's state and queries that the month's functions use."""

    scenario: Scenario
    world: World
    labs: list[Lab]
    developers: DeveloperPopulation
    enterprises: EnterprisePopulation
    methods: list[PublishedMethod]
    grants: list[tuple[float, float]]
    train_flops: np.ndarray
    compute_usable: np.ndarray  # float64[labs]: share of planned training spend it can buy
    eco_share: np.ndarray
    dev_secondary_holding: float
    dev_lockin_release: float
    dev_adopted: float
    ent_adopted: float
    dev_tokens_mtok: np.ndarray  # float64[M] real monthly tokens of developers per offer
    ent_tokens_mtok: np.ndarray  # float64[M] and of enterprises
    frontier_history: list[float]
    lab_key: int
    capital_condition: float
    efficiency_weight: float
    inference_multiplier: float
    flop_multiplier: float
    strategy_switches: int
    trials_since_release: np.ndarray  # int64[M]: developers who have tried it since

    def date(self, month: int) -> pd.Timestamp: ...

    @staticmethod
    def best_capability(offers: Offers, closed: bool) -> float: ...

    def frontier(self, offers: Offers) -> float: ...

    def tastes(self) -> Tastes: ...

    def recent_releases(self, t: int, offers: Offers) -> np.ndarray: ...

    def usage(self, t: int) -> float: ...

    def price_sensitivity(self) -> float: ...

    def _developer_mtok(self, t: int) -> float: ...

    def _enterprise_market(self, t: int, policy: pol.PolicyState) -> EnterpriseMarket: ...
