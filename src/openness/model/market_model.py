"""The Mesa model: it owns the state and orders one month of the market."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd

from openness.kernels import seed_key
from openness.kernels.rng import STREAM_EVENT, draw
from openness.market import finance, technology
from openness.market.demand import (
    Tastes,
    developer_utility,
    exp_utility,
    logit_shares,
    own_price_slope,
)
from openness.market.offers import (
    LICENCE_CODES,
    ORIGIN_CODES,
    SLOT_API,
    SLOTS,
    STRATEGY_NAMES,
    Offers,
)
from openness.market.pricing import adjust_prices, best_response_markup, going_rate
from openness.market.routing import EnterpriseMarket, routing_arrays
from openness.market.strategy import TERMS, Accounts, CapitalMarket, LabView, MarketView
from openness.model import policy as pol
from openness.model.agents import Lab, Regulator
from openness.model.populations import DeveloperPopulation, EnterprisePopulation
from openness.model.reporters import lab_record, world_record
from openness.scenario.schema import Scenario, month_index, month_start
from openness.vocabulary import CLOSED, OPEN


@dataclass
class PublishedMethod:
    """A method published with an efficiency shock (section 7.1 of the ODD)."""

    publisher: Lab
    efficiency: np.ndarray  # training efficiency it brings each lab (its own x the gain)
    inference_efficiency: float  # serving architecture it brings the labs behind
    inference_gain: np.ndarray  # what it brings the labs ahead (their own x the gain)
    month: int  # of publication
    learners: np.ndarray  # bool per lab: has been behind the publisher since publication


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
        self.lab_key = int(self.seed_key ^ np.uint64(0x1AB5))
        self.capital_condition = scenario.world.capital_condition
        self.efficiency_weight = scenario.funding.efficiency_weight
        self.inference_multiplier = 1.0
        self.flop_multiplier = 1.0
        self.labs = [Lab(self, cfg, i) for i, cfg in enumerate(scenario.labs)]
        for lab in self.labs:
            lab.released_flops = lab.released_capability - math.log10(lab.efficiency)
        self.regulators = [Regulator(self, cfg) for cfg in scenario.regulators]
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
        self.ent_adopted = 0.0
        self.frontier_history: list[float] = []
        self.strategy_switches = 0  # announced switches that have taken effect, all labs
        self.grants = [(0.0, 0.0)] * n_labs  # this month's open funding per lab: (cash, compute)
        self.methods: list[PublishedMethod] = []
        self.last_going_rate: float | None = None  # last month's mean closed API price, $/Mtok
        self.train_flops = np.zeros(n_labs)
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
        self.grants = self._grants(policy)
        self._train(t, policy)
        for lab, sw in zip(self.labs, switched, strict=True):
            if sw or lab.releases_in(t):
                lab.release(t, self.train_flops[lab.index])
                self._adopt_serving_methods(lab, t)
        offers = self._offers(t)
        self.frontier_history.append(self.best_capability(offers, closed=True))
        offers = self._set_prices(t, offers, policy)
        dev, ent = self._choose(t, offers, policy)
        tokens = self._tokens(t, dev, ent)
        self._book(t, offers, tokens, policy)
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
    def _effective_spend(self, lab: Lab) -> float:
        """Training spend this month: the lab's plan, cut back as the runway falls under six
        months, plus any compute grant it receives as an open lab (paid as it is spent)."""
        if not lab.active:
            return 0.0
        return lab.training_spend * min(1.0, lab.runway / 6.0) + self.grants[lab.index][1]

    def _grants(self, policy: pol.PolicyState) -> list[tuple[float, float]]:
        """(cash, compute) $M/month of open funding each lab receives this month."""
        open_origins = [lab.config.origin for lab in self.labs if lab.strategy == OPEN]
        return [
            pol.grant_per_lab(policy, lab.config.origin, open_origins, True)
            if lab.strategy == OPEN
            else (0.0, 0.0)
            for lab in self.labs
        ]

    def _adopt_serving_methods(self, lab: Lab, t: int) -> None:
        """A new model is built on every serving architecture (mixture of experts, latent
        attention) published by a lab it has fallen behind: adopted whole, not by degrees.
        The labs ahead of the publisher have serving stacks of their own: they rebuild on the
        architecture's gain for releases designed after it (`serving_rebuild_months` on)."""
        rebuild = self.world.serving_rebuild_months
        for method in self.methods:
            if method.learners[lab.index]:
                lab.inference_efficiency = max(
                    lab.inference_efficiency, method.inference_efficiency
                )
            elif (
                rebuild is not None and lab is not method.publisher and t - method.month >= rebuild
            ):
                lab.inference_efficiency = max(
                    lab.inference_efficiency, float(method.inference_gain[lab.index])
                )

    def _train(self, t: int, policy: pol.PolicyState) -> None:
        w = self.world
        knowledge = np.array([lab.knowledge for lab in self.labs])
        active = np.array([lab.active and lab.training_spend > 0 for lab in self.labs])
        eff = np.array([lab.efficiency for lab in self.labs])
        for method in self.methods:
            # the method is news to the labs behind its publisher (the labs ahead have
            # methods of their own); its training know-how pays only while they are behind
            behind = (knowledge < method.publisher.knowledge) & active
            method.learners |= behind
            eff = technology.recipe_adoption(w, eff, method.efficiency, behind)
        for lab, e in zip(self.labs, eff, strict=True):
            lab.efficiency = float(e)
        spend = np.array([self._effective_spend(lab) for lab in self.labs])
        mult = np.array(
            [
                self.flop_multiplier * pol.flop_cost_multiplier(policy, lab.config.origin)
                for lab in self.labs
            ]
        )
        self.train_flops = technology.training_compute(
            w, t, spend, technology.flop_cost(w, t, mult)
        )
        target = self.train_flops + np.log10(eff) + technology.algorithmic_progress(w, t)
        best_open = max(
            [lab.open_capability for lab in self.labs] + [lab.small_capability for lab in self.labs]
        )
        closed = [lab.released_capability for lab in self.labs if lab.strategy != OPEN]
        best_closed = max(closed) if closed else -math.inf
        new = technology.knowledge_update(w, knowledge, target, best_open, best_closed, active)
        for lab, k in zip(self.labs, new, strict=True):
            lab.knowledge = float(k)

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
        """Each closed lab moves its price toward its Bertrand-Nash best response against the
        token demand of developers and of enterprises bought through APIs."""
        tastes = self.tastes()
        frontier = self.frontier(offers)
        v = developer_utility(tastes, offers, frontier, self.eco_share)
        extra = self._enterprise_market(t, policy).api_demand_and_slope(offers, frontier)
        shares = logit_shares(v)
        markup = best_response_markup(
            shares,
            tastes.token_weight * self._developer_mtok(t),
            tastes.alpha_price,
            extra,
            own_price_slope(shares, tastes.family_nest),
        )
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

    def _choose(self, t: int, offers: Offers, policy: pol.PolicyState):
        frontier = self.frontier(offers)
        exp_util = exp_utility(developer_utility(self.tastes(), offers, frontier, self.eco_share))
        base, api, host = routing_arrays(
            self.scenario.enterprises, offers, frontier, policy.barred, policy.transparency_bonus
        )
        # each population and the start-up draw use their own key, so no two share a stream
        dev_key, ent_key = self.seed_key, self.seed_key ^ np.uint64(0x5EED_E17E)
        if t == 0:
            self.developers.seed_adoption(offers, exp_util, dev_key ^ np.uint64(0x1417), dev_key)
            self.enterprises.seed_adoption(base, api, host, ent_key ^ np.uint64(0x1417))
            self.dev_adopted = float(np.mean(self.developers.offer >= 0))
            self.ent_adopted = float(np.mean(self.enterprises.choice[:, 1] >= 0))
        dev = self.developers.step(offers, exp_util, self.dev_adopted, dev_key, t)
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
        self.ent_adopted = ent.adopted / self.enterprises.size
        family = dev.counts.reshape(len(self.labs), SLOTS).sum(axis=1)
        self.eco_share = family / max(1, dev.adopted)
        return dev, ent

    def _tokens(self, t: int, dev, ent) -> np.ndarray:
        """Real monthly tokens (Mtok) per offer from both populations."""
        dev_mtok = dev.tokens_ktok * 1e-3 * self.dev_weight * self.usage(t)
        return dev_mtok + ent.tokens_mtok * self.ent_weight

    # ---- finance -----------------------------------------------------------------------------
    def _book(self, t: int, offers: Offers, tokens: np.ndarray, policy: pol.PolicyState) -> None:
        w = self.world
        for lab in self.labs:
            i = lab.index * SLOTS
            api_tok = tokens[i]
            api_rev = offers.price[i] * api_tok / 1e6
            api_cost = offers.serving_cost[i] * api_tok / 1e6
            host_tok = w.first_party_hosting_share * np.array([tokens[i + 1], tokens[i + 2]])
            host_rev = float(offers.price[i + 1 : i + 3] @ host_tok) / 1e6
            host_cost = float(offers.serving_cost[i + 1 : i + 3] @ host_tok) / 1e6
            compliance = pol.compliance_costs(
                policy, lab.released_flops, lab.config.transparent_training
            )[lab.strategy]
            revenue = api_rev + host_rev + lab.other_revenue
            costs = api_cost + host_cost + self._effective_spend(lab) + lab.config.opex + compliance
            # a compute grant is received and spent in the month (in costs above)
            funding = lab.config.parent_funding + sum(self.grants[lab.index])
            recurring = funding
            funding += self._venture_round(t, lab, revenue, costs)
            # a lab cannot spend cash it does not have: what its capital, revenue and
            # funding do not cover, it does not spend (it shrinks to its means), so capital
            # never falls below zero; at zero it is insolvent (Lab.book)
            costs = min(costs, lab.capital + revenue + funding)
            lab.book(revenue, costs, funding, recurring)
            lab.training_spend *= 1.0 + lab.config.training_spend_growth
            lab.other_revenue *= 1.0 + lab.config.other_revenue_growth

    def _venture_round(self, t: int, lab: Lab, revenue: float, costs: float) -> float:
        f = self.scenario.funding
        if lab.config.parent_funding > 0 or lab.runway >= f.seek_below_runway:
            return 0.0
        p = finance.round_probability(
            f,
            self.capital_condition,
            self.efficiency_weight,
            lab.revenue_growth(),
            revenue,
            max(costs, 1e-3),
        )
        if draw(self.lab_key, t, STREAM_EVENT, lab.index) < p:
            return finance.round_size(f, self.capital_condition, lab.burn)
        return 0.0

    # ---- strategy reviews --------------------------------------------------------------------
    def _reviews(
        self, t: int, offers: Offers, tokens: np.ndarray, policy: pol.PolicyState
    ) -> list[dict]:
        d = self.scenario.decision
        market = MarketView(
            offers,
            self.tastes(),
            self.frontier(offers),
            self.eco_share,
            self._developer_mtok(t),
            self.world.real_developers,
            self._enterprise_market(t, policy),
            usage=self.usage(t),
            price_level=1.0 / self.price_sensitivity(),
            capital_market=CapitalMarket(
                self.scenario.funding, self.capital_condition, self.efficiency_weight
            ),
        )
        open_caps = np.where(offers.available & offers.is_open, offers.capability, -np.inf)
        open_origins = [lab.config.origin for lab in self.labs if lab.strategy == OPEN]
        share = self.enterprises.jurisdiction_sector_share
        restricted = {
            o: float((policy.barred[:, :, code] * share).sum()) for o, code in ORIGIN_CODES.items()
        }
        rows = []
        for lab in self.labs:
            if (t - lab.index) % d.review_months != 0:
                continue
            flops = float(self.train_flops[lab.index])
            view = LabView(
                index=lab.index,
                strategy=lab.strategy,
                weights=self.scenario.business_models[lab.config.business_model],
                knowledge=lab.knowledge,
                price=lab.price,
                serving_frontier=float(
                    technology.serving_cost(
                        self.world,
                        t,
                        lab.knowledge,
                        lab.inference_efficiency,
                        self.inference_multiplier,
                    )
                ),
                serving_small=float(
                    technology.serving_cost(
                        self.world,
                        t,
                        lab.knowledge - lab.open_model_gap,
                        lab.inference_efficiency,
                        self.inference_multiplier,
                    )
                ),
                safety_weight=lab.config.safety_weight,
                burn=lab.burn,
                pressure=finance.capital_pressure(d, lab.runway),
                best_open_others=self._best_open_others(lab, open_caps),
                frontier_growth=self.world.frontier_prehistory_growth,
                restricted_share=restricted[lab.config.origin],
                compliance=pol.compliance_costs(policy, flops, lab.config.transparent_training),
                barred=pol.barred_options(
                    policy, lab.config.origin, flops, flops - lab.open_model_gap
                ),
                # the cash part: a compute grant buys training beyond the lab's plan, which the
                # valuation of this month's demand does not see
                grant_if_open=pol.grant_per_lab(
                    policy, lab.config.origin, open_origins, lab.strategy == OPEN
                )[0],
                integration=lab.config.integration,
                open_model_gap=lab.open_model_gap,
                accounts=self._accounts(lab),
            )
            result = lab.review(t, market, view)
            for k, option in enumerate(STRATEGY_NAMES):
                row = {
                    "month": self.date(t),
                    "lab": lab.name,
                    "option": option,
                    "current": view.strategy,
                }
                row.update({name: float(result["terms"][name][k]) for name in TERMS})
                row.update(
                    total=float(result["total"][k]),
                    utility=float(result["utility"][k]),
                    probability=float(result["probability"][k]),
                    chosen=result["chosen"] == option,
                )
                rows.append(row)
        return rows

    @staticmethod
    def _accounts(lab: Lab) -> Accounts | None:
        if lab.config.parent_funding > 0:
            return None
        return Accounts(lab.capital, lab.revenue, lab.costs, lab.recurring, lab.revenue_growth())

    def _best_open_others(self, lab: Lab, open_caps: np.ndarray) -> float:
        """The open state of the art without the lab's own weights: what its release would
        be compared with (the lead it would give away)."""
        others = np.delete(open_caps, np.s_[lab.index * SLOTS : (lab.index + 1) * SLOTS])
        return float(others.max()) if others.size else -math.inf

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
                    "utility",
                    "probability",
                    "chosen",
                ],
            ),
        }
