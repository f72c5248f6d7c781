"""Every closed lab's best-response markup under the demand of both populations: the firm's
condition of `market.pricing` with the developers' demand (`market.demand`) and the
enterprises' routing demand (`market.routing.EnterpriseMarket`), each population's buyers
weighted by the lab's installed-base weight kappa, and the lab's hosting margin on its own
open weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from openness.market.demand import Tastes, developer_demand
from openness.market.offers import Offers
from openness.market.pricing import firm_markup
from openness.market.routing import EnterpriseMarket


@dataclass(frozen=True)
class PriceSetting:
    """What a month's price setting sees: both populations' demand and, per lab, the
    installed-base weight of each (`pricing.base_weight`)."""

    tastes: Tastes
    developer_mtok: float  # real monthly tokens of adopting developers
    eco_share: np.ndarray  # [labs] families' shares of adopting developers
    holding: float  # share of adopting developers holding a secondary model
    enterprises: EnterpriseMarket
    hosting_margin: float  # $ margin per $ of serving cost on a lab's own open weights
    kappa_developers: np.ndarray  # [labs]
    kappa_enterprises: np.ndarray  # [labs]

    def margins(self, offers: Offers) -> np.ndarray:
        """[M] $/Mtok the lab earns hosting each offer: its first-party share of its open
        weights' tokens at the third-party markup; nothing on an API (its margin is priced)."""
        return np.where(
            offers.is_open & offers.available, self.hosting_margin * offers.serving_cost, 0.0
        )

    def parts(
        self, offers: Offers, frontier: float
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Each population's (demand, slope, diversion, kappa) per offer ($ and Mtok)."""
        margin = self.margins(offers)
        demand = developer_demand(self.tastes, offers, frontier, self.eco_share, self.holding)
        weight = self.tastes.token_weight * self.developer_mtok
        responsive = weight * self.tastes.alpha_price
        nest = self.tastes.family_nest
        developers = (
            weight @ demand.tokens,
            responsive @ demand.slope(nest),
            responsive @ demand.diversion(nest, margin),
            self.kappa_developers[offers.lab],
        )
        ent = self.enterprises.api_demand_and_slope(offers, frontier, margin)
        return [developers, (*ent, self.kappa_enterprises[offers.lab])]

    def markups(self, offers: Offers, frontier: float) -> np.ndarray:
        """[M] every offer's best-response markup p - c at the offers' current prices."""
        return firm_markup(self.parts(offers, frontier))
