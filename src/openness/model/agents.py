"""Mesa agents: AI labs and regulators."""

from __future__ import annotations

import itertools
import math
import weakref

import mesa
import numpy as np

from openness.kernels.rng import STREAM_CHOICE, draw
from openness.market import finance
from openness.market.offers import STRATEGY_NAMES
from openness.market.strategy import LabView, MarketView
from openness.market.valuation import Valuation, value_options
from openness.scenario.schema import Decision, Policy, World, month_index
from openness.scenario.schema import Lab as LabConfig
from openness.scenario.schema import Regulator as RegulatorConfig
from openness.vocabulary import CLOSED, HYBRID, OPEN


class _ModelCounters:
    """Per-model id counters held through weak references.

    Mesa 3.3 keeps `Agent._ids`, a class-level dict keyed by model, so every model ever built
    stays alive for the life of the process (mesa#3179, fixed upstream in mesa#3180 for the
    Mesa releases that need Python 3.12). A batch worker runs thousands of models; this
    weakly keyed replacement lets each one be freed. Remove it once openness requires a Mesa
    release with that fix.
    """

    def __init__(self) -> None:
        self._counters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __getitem__(self, model: mesa.Model) -> itertools.count:
        counter = self._counters.get(model)
        if counter is None:
            counter = self._counters[model] = itertools.count(1)
        return counter


class _Agent(mesa.Agent):
    _ids = _ModelCounters()


class Lab(_Agent):
    """An AI lab: trains, releases on a cadence, prices its API, books cash, reviews strategy."""

    def __init__(self, model: mesa.Model, config: LabConfig, index: int, world: World) -> None:
        super().__init__(model)
        self.config = config
        self.index = index
        self.name = config.name
        self.strategy: str = config.strategy
        self.pending_strategy: str | None = None
        self.switch_month = -1
        self.knowledge = config.capability
        self.efficiency = config.efficiency
        self.inference_efficiency = config.inference_efficiency
        released = config.released_capability or config.capability
        self.released_capability = released
        self.released_flops = released  # actual compute of that run (log10), set on release
        self.open_capability = config.open_release_capability or (
            released if config.strategy == OPEN else -math.inf
        )
        self.open_model_gap = (
            config.open_model_gap if config.open_model_gap is not None else world.hybrid_small_gap
        )
        self.small_capability = (
            released - self.open_model_gap if config.strategy != CLOSED else -math.inf
        )
        self.price = config.price
        self.capital = config.capital
        self.training_spend = config.training_spend
        self.other_revenue = config.other_revenue
        self.revenue = self.costs = self.funding = self.recurring = 0.0
        self.last_revenue = config.other_revenue
        self.runway = finance.MAX_RUNWAY
        self.insolvent = False
        self.first_open_month: int | None = 0 if config.strategy == OPEN else None

    # ---- capability ----------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return not self.insolvent

    def releases_in(self, month: int) -> bool:
        return (month - self.config.release_phase) % self.config.release_cadence == 0

    def release(self, month: int, flops: float) -> None:
        """Publish the current knowledge as models of the current strategy."""
        if not self.active:
            return
        self.released_capability = self.knowledge
        self.released_flops = flops
        if self.strategy == OPEN:
            self.open_capability = self.knowledge
            if self.first_open_month is None:
                self.first_open_month = month
        if self.strategy in (HYBRID, OPEN):
            self.small_capability = self.knowledge - self.open_model_gap

    def apply_pending_switch(self, month: int) -> bool:
        if self.pending_strategy is not None and month >= self.switch_month:
            self.strategy = self.pending_strategy
            self.pending_strategy = None
            return True
        return False

    # ---- strategy review -------------------------------------------------------------------
    def review(
        self,
        month: int,
        market: MarketView,
        view: LabView,
        world: World,
        decision: Decision,
        key: int,
    ) -> tuple[Valuation, str]:
        """Value the three strategies on the views it is given and maybe announce a switch;
        returns the valuation and the choice. `key` is the run's key for the labs' draws."""
        valuation = value_options(view, market, world, decision)
        prob = valuation.probability
        # a draw keyed by (seed, month, lab), not the next one of a shared sequence: arms of an
        # experiment that differ elsewhere still give this lab the same draw (common numbers)
        u = draw(key, month, STREAM_CHOICE, self.index)
        pick = min(int(np.searchsorted(np.cumsum(prob), u, side="right")), len(prob) - 1)
        chosen = STRATEGY_NAMES[pick]
        self.announce(month, chosen, decision.execution_lag_months)
        return valuation, chosen

    def announce(self, month: int, chosen: str, lag: int) -> None:
        """Act on a review's choice: keep the plan, withdraw it, or announce a switch that takes
        effect `lag` months later. Revising an announced switch in the same direction (open ->
        closed, then open -> hybrid) keeps its date: the frontier stops being published (or
        starts to be) either way, and that work is already under way; without this a lab
        torn between two such options every review would never switch at all."""
        target = self.pending_strategy or self.strategy
        if chosen == target:
            return
        if chosen == self.strategy:
            self.pending_strategy = None  # withdraw an announced switch
            return
        if not same_direction(self.strategy, target, chosen):
            self.switch_month = month + lag
        self.pending_strategy = chosen

    # ---- finance --------------------------------------------------------------------------
    def book(self, revenue: float, costs: float, funding: float, recurring: float = 0.0) -> None:
        """Capital moves by exactly revenue - costs + funding. `recurring` is the part of the
        funding that comes every month (a parent's transfer, a grant): it counts toward the
        runway like revenue, while a one-off venture round does not."""
        self.last_revenue = self.revenue if self.revenue > 0 else self.last_revenue
        self.revenue, self.costs, self.funding = revenue, costs, funding
        self.recurring = recurring
        self.capital = self.capital + revenue - costs + funding
        self.runway = finance.runway_months(self.capital, revenue + recurring, costs)
        self.insolvent = self.capital <= 0.0

    @property
    def burn(self) -> float:
        return self.training_spend + self.config.opex

    def revenue_growth(self) -> float:
        if self.last_revenue <= 0:
            return 0.0
        return float(np.clip(self.revenue / self.last_revenue - 1.0, -1.0, 1.0))


def same_direction(current: str, announced: str, revised: str) -> bool:
    """Whether `revised` moves from `current` the same way as `announced` (on the order
    of STRATEGY_NAMES, closed < hybrid < open): both publish more, or both publish less."""
    rank = STRATEGY_NAMES.index
    step = rank(announced) - rank(current)
    return step != 0 and (rank(revised) - rank(current)) * step > 0


class Regulator(_Agent):
    """A jurisdiction's regulator: a list of dated policy instruments."""

    def __init__(self, model: mesa.Model, config: RegulatorConfig, start: str) -> None:
        super().__init__(model)
        self.config = config
        self.name = config.name
        self.jurisdiction = config.jurisdiction
        self._windows = [
            (
                p,
                month_index(p.start, start),
                math.inf if p.end is None else month_index(p.end, start),
            )
            for p in config.policies
        ]

    def in_force(self, month: int) -> list[Policy]:
        return [p for p, lo, hi in self._windows if lo <= month < hi]
