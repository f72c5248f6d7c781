"""The Mesa model: it owns the state and orders one month of the market."""

from __future__ import annotations

import math
from collections import defaultdict

import mesa
import numpy as np
import pandas as pd

from openness.kernels import seed_key
from openness.kernels.rng import SALT_ENTERPRISES, SALT_GROUPS, SALT_LABS, SALT_SEEDING
from openness.market import finance, technology
from openness.market.demand import (
    Tastes,
    developer_utility,
    exp_utility,
)
from openness.market.offers import (
    LICENCE_CODES,
    ORIGIN_CODES,
    SLOT_API,
    SLOTS,
    Offers,
)
from openness.market.price_setting import PriceSetting
from openness.market.pricing import adjust_prices, base_weight, going_rate
from openness.market.routing import EnterpriseMarket, InitialGroups, routing_arrays
from openness.market.valuation import TERMS
from openness.model import books, training, views
from openness.model import policy as pol
from openness.model.agents import Lab, Regulator
from openness.model.populations import DeveloperPopulation, EnterprisePopulation
from openness.model.reporters import lab_record, world_record
from openness.model.state import PublishedMethod
from openness.scenario.schema import Scenario, month_index, month_start
from openness.vocabulary import CLOSED, OPEN


class OpennessModel(mesa.Model):
    """Labs and regulators as Mesa agents; developers and enterprises as array populations.

    A month (`step`): exogenous events -> policies in force -> announced switches take effect
    -> labs train -> labs release -> offers -> labs set prices -> developers and enterprises
    choose (numba kernels) -> labs book revenue, costs and funding -> labs on their review
    cadence reconsider their strategy -> the month is recorded -> its going rate of API tokens
    becomes the reference for the next month's prices.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.seed = scenario.simulation.seed if seed is None else int(seed)
        super().__init__(rng=self.seed)
        self.scenario = scenario
        self.world = scenario.world
        sim = scenario.simulation
        self.start = month_start(sim.start)
        self._dates: dict[int, pd.Timestamp] = {}
        self.seed_key = seed_key(self.seed)
        # labs' draws (reviews, funding rounds) are keyed like the populations': see ODD 4
        self.lab_key = int(self.seed_key ^ SALT_LABS)
        self.capital_condition = scenario.world.capital_condition
        self.efficiency_weight = scenario.funding.efficiency_weight
        self.inference_multiplier = 1.0
        self.flop_multiplier = 1.0
        self.labs = [Lab(self, cfg, i, scenario.world) for i, cfg in enumerate(scenario.labs)]
        for lab in self.labs:
            lab.released_flops = lab.released_capability - math.log10(lab.efficiency)
        self.regulators = [
            Regulator(self, cfg, scenario.simulation.start) for cfg in scenario.regulators
        ]
        self.developers = DeveloperPopulation(
            scenario.developer_segments, sim.developers, self.rng, scenario.world.family_nest
        )
        self.enterprises = EnterprisePopulation(scenario.enterprises, sim.enterprises, self.rng)
        self.dev_weight = scenario.world.real_developers / sim.developers
        self.ent_weight = scenario.world.real_enterprises / sim.enterprises
        self.events = defaultdict(list)
        for ev in scenario.events:
            self.events[month_index(ev.month, sim.start)].append(ev)
        n_labs = len(self.labs)
        self.eco_share = np.zeros(n_labs)
        self.dev_adopted = 0.0
        self.dev_secondary_holding = 0.0  # share of adopters holding a secondary model
        self.dev_lockin_release = 1.0
        self.dev_tokens_mtok = self.ent_tokens_mtok = np.zeros(n_labs * SLOTS)
        self.ent_adopted = 0.0
        self.frontier_history: list[float] = []
        self.strategy_switches = 0  # announced switches that have taken effect, all labs
        self.grants = [(0.0, 0.0)] * n_labs  # this month's open funding per lab: (cash, compute)
        self.methods: list[PublishedMethod] = []
        self.last_going_rate: float | None = None  # last month's mean closed API price, $/Mtok
        self.train_flops = np.zeros(n_labs)
        self.compute_usable = np.ones(n_labs)
        # each offer's last release (month; far past for what was on offer at the start) and
        # the developers who have tried it since
        self.release_month = np.full(n_labs * SLOTS, -(10**6), dtype=np.int64)
        self.trials_since_release = np.zeros(n_labs * SLOTS, dtype=np.int64)
        self._released: tuple[np.ndarray, np.ndarray] | None = None
        self.lab_rows: list[dict] = []
        self.world_rows: list[dict] = []
        self.decision_rows: list[dict] = []

    # ---- the month ---------------------------------------------------------------------------
    @property
    def month(self) -> int:
        """Index of the month being simulated (0 = the scenario's start month)."""
        return self.steps - 1

    def date(self, month: int) -> pd.Timestamp:
        """The first day of month `month` (cached: DateOffset arithmetic is slow)."""
        date = self._dates.get(month)
        if date is None:
            date = self._dates[month] = self.start + pd.DateOffset(months=month)
        return date

    def step(self) -> None:
        t = self.month
        self._apply_events(t)
        policy = self._policy_state(t)
        switched = [lab.apply_pending_switch(t) for lab in self.labs]
        self.strategy_switches += sum(switched)
        self.grants = training.grants(self, policy)
        training.train(self, t, policy)
        for lab, sw in zip(self.labs, switched, strict=True):
            if sw or lab.releases_in(t):
                lab.release(t, self.train_flops[lab.index])
                training.adopt_serving_methods(self, lab, t)
        offers = self._offers(t)
        self.frontier_history.append(self.best_capability(offers, closed=True))
        offers = self._set_prices(t, offers, policy)
        self._note_releases(t, offers)
        dev, ent = self._choose(t, offers, policy)
        self.trials_since_release += dev.trials
        tokens = self._tokens(t, dev, ent)
        books.book(self, t, offers, tokens, policy)
        reviews = self._reviews(t, offers, tokens, policy)
        self.world_rows.append(world_record(self, t, offers, dev, ent, tokens))
        for lab in self.labs:
            self.lab_rows.append(lab_record(self, t, lab, offers, dev, ent, tokens))
        self.decision_rows.extend(reviews)
        self._update_going_rate(offers, tokens)

    def run(self, months: int | None = None) -> None:
        for _ in range(months or self.scenario.simulation.months):
            self.step()

    # ---- exogenous shocks and policies -----------------------------------------------------
    def _apply_events(self, t: int) -> None:
        by_name = {lab.name: lab for lab in self.labs}
        for ev in self.events.get(t, []):
            if ev.kind == "efficiency":
                by_name[ev.lab].efficiency *= ev.factor
                by_name[ev.lab].inference_efficiency *= ev.inference_factor
                if ev.published:
                    lab = by_name[ev.lab]
                    # the paper carries the method's gain, not the publisher's tacit lead
                    brings = np.array([x.efficiency for x in self.labs]) * ev.factor
                    serving = np.array([x.inference_efficiency for x in self.labs])
                    self.methods.append(
                        PublishedMethod(
                            lab,
                            brings,
                            lab.inference_efficiency,
                            serving * ev.inference_factor,
                            t,
                            np.zeros(len(self.labs), dtype=bool),
                        )
                    )
            elif ev.kind == "capability":
                lab = by_name[ev.lab]
                lab.knowledge += ev.delta
                if ev.release:
                    lab.release(t, lab.knowledge - math.log10(lab.efficiency))
            elif ev.kind == "cost":
                if ev.target == "inference":
                    self.inference_multiplier *= ev.factor
                else:
                    self.flop_multiplier *= ev.factor
            elif ev.kind == "capital":
                self.capital_condition = ev.condition
                if ev.efficiency_weight is not None:
                    self.efficiency_weight = ev.efficiency_weight

    def _policy_state(self, t: int) -> pol.PolicyState:
        return pol.policy_state(
            [(r.jurisdiction, p) for r in self.regulators for p in r.in_force(t)]
        )

    # ---- labs: training and offers ---------------------------------------------------------
    def _offers(self, t: int) -> Offers:
        n = len(self.labs) * SLOTS
        cap = np.full(n, -np.inf)
        price = np.zeros(n)
        licence = np.full(n, LICENCE_CODES[CLOSED], dtype=np.int8)
        origin = np.zeros(n, dtype=np.int8)
        transparent = np.zeros(n, dtype=bool)
        integration = np.zeros(n)
        ineff = np.ones(n)
        for lab in self.labs:
            i = lab.index * SLOTS
            api_on = lab.strategy != OPEN and math.isfinite(lab.released_capability)
            cap[i : i + 3] = [
                lab.released_capability if api_on else -np.inf,
                lab.open_capability,
                lab.small_capability,
            ]
            price[i] = lab.price
            licence[i + 1 : i + 3] = LICENCE_CODES[lab.config.licence]
            origin[i : i + 3] = ORIGIN_CODES[lab.config.origin]
            transparent[i + 1 : i + 3] = lab.config.transparent_training
            integration[i] = lab.config.integration
            ineff[i : i + 3] = lab.inference_efficiency
        available = np.isfinite(cap)
        safe_cap = np.where(available, cap, 0.0)
        cost = np.where(
            available,
            technology.serving_cost(self.world, t, safe_cap, ineff, self.inference_multiplier),
            0.0,
        )
        is_open = np.arange(n) % SLOTS != SLOT_API
        price = np.where(is_open, cost * (1.0 + self.world.third_party_markup), price)
        return Offers(
            lab=np.repeat(np.arange(len(self.labs), dtype=np.int16), SLOTS),
            available=available,
            is_open=is_open,
            capability=safe_cap,
            price=price,
            serving_cost=cost,
            licence=licence,
            origin=origin,
            transparent=transparent,
            integration=integration,
        )

    @staticmethod
    def best_capability(offers: Offers, closed: bool) -> float:
        mask = offers.available & (offers.is_open != closed)
        return float(offers.capability[mask].max()) if mask.any() else -math.inf

    def frontier(self, offers: Offers) -> float:
        """The best available capability, open or closed: the reference of utilities."""
        return float(offers.capability[offers.available].max())

    def _set_prices(self, t: int, offers: Offers, policy: pol.PolicyState) -> Offers:
        """Each closed lab moves its price toward its best response as a multi-product firm
        with an installed base (`market.price_setting`) against the token demand of
        developers and of enterprises bought through APIs."""
        frontier = self.frontier(offers)
        markup = self._price_setting(t, policy).markups(offers, frontier)
        closed = offers.available & ~offers.is_open
        new = np.where(
            closed,
            adjust_prices(
                offers.price, offers.serving_cost, markup, self.scenario.decision.price_adjustment
            ),
            offers.price,
        )
        for lab in self.labs:
            if closed[lab.index * SLOTS]:
                lab.price = float(new[lab.index * SLOTS])
        return offers.with_changes(price=new)

    def _price_setting(self, t: int, policy: pol.PolicyState) -> PriceSetting:
        """The month's price setting: both populations' demand, and each lab's installed-base
        weight of each from the populations' turnover and the lab's discount factor."""
        d = self.scenario.decision
        # without installed-base pricing every buyer counts as re-choosing each month (m = 1)
        dev_turnover, ent_turnover = (
            views.turnovers(self) if d.installed_base_pricing else (1.0, 1.0)
        )
        delta = [
            finance.monthly_discount(
                d.discount_rate,
                d.venture_discount_rate,
                lab.config.parent_funding <= 0,
                self.capital_condition,
            )
            for lab in self.labs
        ]
        return PriceSetting(
            self.tastes(),
            self._developer_mtok(t),
            self.eco_share,
            self.dev_secondary_holding,
            self._enterprise_market(t, policy),
            self.world.first_party_hosting_share * self.world.third_party_markup,
            np.array([base_weight(dev_turnover, x) for x in delta]),
            np.array([base_weight(ent_turnover, x) for x in delta]),
        )

    # ---- demand as the labs see it -------------------------------------------------------------
    def _developer_mtok(self, t: int) -> float:
        """Real monthly tokens of adopting developers (expected, from the mean volume)."""
        return (
            self.world.real_developers
            * max(self.dev_adopted, 1e-6)
            * self.developers.mean_volume_ktok
            * 1e-3
            * self.usage(t)
        )

    def _enterprise_market(self, t: int, policy: pol.PolicyState) -> EnterpriseMarket:
        ent = self.enterprises
        adopted = max(self.ent_adopted, 1e-6)
        return EnterpriseMarket(
            self.scenario.enterprises,
            policy.barred,
            policy.transparency_bonus,
            typical_volume=ent.class_typical_volume * self.usage(t),
            typical_fixed=ent.class_typical_fixed,
            class_tokens=ent.class_volume * self.usage(t) * self.ent_weight * adopted,
            class_workloads=ent.class_workloads * self.ent_weight * adopted,
            price_scale=self.price_sensitivity(),
        )

    # ---- the going rate of API tokens ----------------------------------------------------------
    def price_sensitivity(self) -> float:
        """Factor on every price coefficient: `world.reference_price` over last month's going
        rate (1 without a reference price, and in the first month), so that users weigh a
        price against what API tokens cost at the time rather than in constant dollars."""
        if self.world.reference_price is None or self.last_going_rate is None:
            return 1.0
        return self.world.reference_price / self.last_going_rate

    def tastes(self) -> Tastes:
        """The developers' tastes with this month's price sensitivity."""
        return self.developers.tastes.with_price_scale(self.price_sensitivity())

    def _update_going_rate(self, offers: Offers, tokens: np.ndarray) -> None:
        """This month's going rate becomes next month's reference (kept if no API sold).

        A lab without an API keeps its last price relative to the going rate: it is the price
        its strategy review values a return to an API at, and a price of years ago would
        misstate that option once prices have fallen."""
        rate = going_rate(offers.price, tokens, offers.available & ~offers.is_open)
        if not math.isfinite(rate):
            return
        if self.world.reference_price is not None and self.last_going_rate is not None:
            for lab in self.labs:
                if not offers.available[lab.index * SLOTS + SLOT_API]:
                    lab.price *= rate / self.last_going_rate
        self.last_going_rate = rate

    # ---- populations -------------------------------------------------------------------------
    def usage(self, t: int) -> float:
        """Token volume per user relative to the start: exogenous growth, and more tokens
        when they are cheaper (`usage_price_elasticity` against the going rate)."""
        w = self.world
        return (
            w.usage_growth_per_year ** (t / 12.0)
            * self.price_sensitivity() ** w.usage_price_elasticity
        )

    def _note_releases(self, t: int, offers: Offers) -> None:
        """An offer is released this month when it appears or its model changes; what was
        on offer in the first month counts as released long before."""
        if self._released is not None and t > 0:
            was_on, was_cap = self._released
            new = offers.available & (~was_on | (offers.capability != was_cap))
            self.release_month[new] = t
            self.trials_since_release[new] = 0
        self._released = (offers.available.copy(), offers.capability.copy())

    def recent_releases(self, t: int, offers: Offers) -> np.ndarray:
        """Offers released within the trial window (bool[M])."""
        age = t - self.release_month
        return offers.available & (age >= 0) & (age < self.world.trial_window_months)

    def release_attention(self, t: int, offers: Offers) -> np.ndarray:
        """Attention to each offer: exp(-age / release_attention_months) for a recent release,
        else 0 (float64[M])."""
        age = t - self.release_month
        attention = np.exp(-age / self.world.release_attention_months)
        return np.where(self.recent_releases(t, offers), attention, 0.0)

    def _choose(self, t: int, offers: Offers, policy: pol.PolicyState):
        frontier = self.frontier(offers)
        exp_util = exp_utility(developer_utility(self.tastes(), offers, frontier, self.eco_share))
        base, api, host = routing_arrays(
            self.scenario.enterprises, offers, frontier, policy.barred, policy.transparency_bonus
        )
        # each population and the start-up draw use their own key, so no two share a stream
        dev_key, ent_key = self.seed_key, self.seed_key ^ SALT_ENTERPRISES
        if t == 0:
            self.developers.seed_adoption(offers, exp_util, dev_key ^ SALT_SEEDING, dev_key)
            self.enterprises.seed_adoption(offers, base, api, host, ent_key ^ SALT_SEEDING)
            shares = self.scenario.enterprises.initial_shares
            if shares:
                groups = InitialGroups.of(shares, [lab.name for lab in self.labs], offers)
                self.enterprises.seed_groups(
                    offers, groups, base, api, host, ent_key ^ SALT_SEEDING ^ SALT_GROUPS
                )
            self.dev_adopted = float(np.mean(self.developers.offer >= 0))
            self.ent_adopted = float(np.mean(self.enterprises.adopted))
        dev = self.developers.step(
            offers, exp_util, self.dev_adopted, dev_key, t, self.release_attention(t, offers)
        )
        ent = self.enterprises.step(
            offers,
            base,
            api,
            host,
            self.usage(t),
            self.ent_adopted,
            ent_key,
            t,
            self.price_sensitivity(),
        )
        self.dev_adopted = dev.adopted / self.developers.size
        self.dev_secondary_holding = float(dev.second_counts.sum()) / max(dev.adopted, 1)
        # the share of would-be movers that lock-in lets go (1 where no one would move)
        self.dev_lockin_release = (
            dev.switch_locked / dev.switch_free if dev.switch_free > 0 else 1.0
        )
        self.ent_adopted = ent.adopted / self.enterprises.size
        family = dev.counts.reshape(len(self.labs), SLOTS).sum(axis=1)
        self.eco_share = family / max(1, dev.adopted)
        return dev, ent

    def _tokens(self, t: int, dev, ent) -> np.ndarray:
        """Real monthly tokens (Mtok) per offer from both populations."""
        self.dev_tokens_mtok = dev.tokens_ktok * 1e-3 * self.dev_weight * self.usage(t)
        self.ent_tokens_mtok = ent.tokens_mtok * self.ent_weight
        return self.dev_tokens_mtok + self.ent_tokens_mtok

    # ---- strategy reviews --------------------------------------------------------------------
    def _reviews(
        self, t: int, offers: Offers, tokens: np.ndarray, policy: pol.PolicyState
    ) -> list[dict]:
        """Each lab due for review values its options on the views built for it
        (`model/views.py`) and may announce a switch; returns the decision rows."""
        d = self.scenario.decision
        market = views.market_view(self, t, offers, policy)
        shared = views.ReviewContext.build(self, offers, policy)
        rows = []
        for lab in self.labs:
            if (t - lab.index) % d.review_months != 0:
                continue
            view = views.lab_view(self, lab, t, policy, shared)
            valuation, chosen = lab.review(t, market, view, self.world, d, self.lab_key)
            rows += views.decision_rows(self.date(t), lab.name, view.strategy, valuation, chosen)
        return rows

    # ---- results -----------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """The collected tables: world (one row a month), labs, decisions."""
        return {
            "world": pd.DataFrame(self.world_rows),
            "labs": pd.DataFrame(self.lab_rows),
            "decisions": pd.DataFrame(
                self.decision_rows,
                columns=[
                    "month",
                    "lab",
                    "option",
                    "current",
                    *TERMS,
                    "total",
                    "scale",
                    "utility",
                    "probability",
                    "chosen",
                ],
            ),
        }
