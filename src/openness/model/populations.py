"""Developer and enterprise populations: columns of arrays with a whole-population step.

Per-agent values are drawn once, as vectors, from the model's `rng`; every monthly update
runs in the numba kernels (`openness.kernels`), which draw from the counter-based generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from openness.kernels import (
    developer_step,
    developer_tally,
    developer_trials,
    enterprise_step,
    enterprise_tally,
    lockin_tally,
    secondary_tally,
)
from openness.kernels.rng import SALT_TRIALS
from openness.market.demand import Tastes
from openness.market.offers import JURISDICTION_CODES, SECTOR_CODES, Offers
from openness.market.routing import (
    N_CLASSES,
    InitialGroups,
    UseCases,
    class_index,
    price_coefficients,
    use_case_cost,
)
from openness.scenario.schema import DeveloperSegment, Enterprises


def bass_hazard(p, q, adopted: float) -> np.ndarray:
    """Probability that a non-adopter adopts within the month, given the adopted fraction F0
    at its start: the exact one-month transition of the Bass equation dF/dt = (p+qF)(1-F).

    Solving from F0 gives (1 - F1)/(F1 + p/q) = D with D = (1 - F0)/(F0 + p/q) e^{-(p+q)},
    so F1 = (1 - D p/q)/(1 + D) and the hazard is (F1 - F0)/(1 - F0). With it the expected
    adoption path of a homogeneous population is the closed-form Bass curve, month by month.
    """
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    f0 = min(max(float(adopted), 0.0), 1.0)
    if f0 >= 1.0:
        return np.zeros(np.broadcast(p, q).shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(q > 0, p / np.where(q > 0, q, 1.0), np.inf)
        d = (1.0 - f0) / (f0 + r) * np.exp(-(p + q))
        f1 = (1.0 - d * r) / (1.0 + d)
        hazard = np.where(q > 0, (f1 - f0) / (1.0 - f0), 1.0 - np.exp(-p))
    hazard = np.where(np.isfinite(hazard), hazard, 0.0)  # p = 0 and F0 = 0: nobody starts
    return np.clip(hazard, 0.0, 1.0)


def bass_curve(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Closed-form cumulative Bass adoption F(t) from F(0) = 0."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)


@dataclass
class DeveloperTally:
    counts: np.ndarray  # int64[M] developers per offer in production
    tokens_ktok: np.ndarray  # int64[M] monthly k tokens per offer, production and secondary
    adopted: int
    #: adopters (in a sample) whom a review next month would move to another family without
    #: their lock-in and with it (kernels.lockin_tally; C5)
    switch_free: int
    switch_locked: int
    second_counts: np.ndarray  # int64[M] developers holding each offer as their secondary
    any_open: int  # adopters using open weights in production or as secondary
    trials: np.ndarray  # int64[M] developers who tried each offer this month


#: developers read by the lock-in statistic (a systematic sample above this size)
LOCKIN_SAMPLE = 100_000


class DeveloperPopulation:
    """Developers: model family (offer), fine-tuning investment, token volume, segment."""

    COLUMNS = {
        "offer": np.int16,
        "second": np.int16,
        "finetune": np.float32,
        "ft_month": np.int16,
        "segment": np.int8,
        "volume": np.int32,
    }

    def __init__(
        self,
        segments: list[DeveloperSegment],
        n: int,
        rng: np.random.Generator,
        family_nest: float = 1.0,
    ):
        self.segments = segments
        self.tastes = Tastes.from_segments(segments, family_nest)
        self.segment = rng.choice(len(segments), size=n, p=self.tastes.weight).astype(np.int8)
        median = np.array([s.volume_median_ktok for s in segments])[self.segment]
        sigma = np.array([s.volume_sigma for s in segments])[self.segment]
        volume = median * np.exp(sigma * rng.standard_normal(n))
        self.volume = np.clip(np.rint(volume), 1, 2**31 - 1).astype(np.int32)
        #: mean monthly volume (ktok, before usage growth): what labs expect a developer to buy
        self.mean_volume_ktok = float(self.volume.mean())
        self.offer = np.full(n, -1, dtype=np.int16)
        self.second = np.full(n, -1, dtype=np.int16)  # secondary model (-1: none)
        self.finetune = np.zeros(n, dtype=np.float32)
        self.ft_month = np.zeros(n, dtype=np.int16)  # month of the last choice
        self._check()
        arr = lambda attr: np.array([getattr(s, attr) for s in segments], dtype=float)  # noqa: E731
        self.bass_p, self.bass_q = arr("bass_p"), arr("bass_q")
        self.review_prob = arr("review_rate")
        self.initial_adoption = arr("initial_adoption")
        self.beta_switch = arr("beta_switch")
        self.ft_keep = 1.0 - arr("finetune_decay")
        self.trial_rate, self.secondary_share = arr("trial_rate"), arr("secondary_share")
        self._ft_open, self._ft_closed = arr("finetune_rate_open"), arr("finetune_rate_closed")

    def _check(self) -> None:
        for name, dtype in self.COLUMNS.items():
            col = getattr(self, name)
            if col.dtype != dtype or col.shape != self.offer.shape:
                raise TypeError(f"developer column {name} must be {np.dtype(dtype)}[n]")

    @property
    def size(self) -> int:
        return int(self.offer.shape[0])

    def seed_adoption(
        self, offers: Offers, exp_util: np.ndarray, seed_key: np.uint64, taste_key: np.uint64
    ) -> None:
        """Developers already building at the start choose from the logit over the offers.

        `taste_key` must be the key that `step` will be given: the developers' tastes are
        keyed by it alone, so that they are the same at the start and at every later choice."""
        self._advance(
            offers,
            exp_util,
            self._ft_add(offers),
            self.initial_adoption,
            np.zeros_like(self.review_prob),
            seed_key,
            taste_key,
            0,
        )

    def step(
        self,
        offers: Offers,
        exp_util: np.ndarray,
        adopted_fraction: float,
        seed_key: np.uint64,
        month: int,
        attention: np.ndarray | None = None,
    ) -> DeveloperTally:
        """One month of developers; the run's `seed_key` keys the month's draws and the tastes.

        Production choices first (`developer_step`), then trials of recent releases, whose
        `attention` (float64[M], 0 for an offer that is not recent) scales each segment's
        trial rate (`developer_trials`); then the tallies, with each secondary model's share
        of its holder's tokens moved to it (`secondary_tally`)."""
        adopt = bass_hazard(self.bass_p, self.bass_q, adopted_fraction)
        ft_add = self._ft_add(offers)
        self._advance(offers, exp_util, ft_add, adopt, self.review_prob, seed_key, seed_key, month)
        if attention is None:
            attention = np.zeros(offers.size)
        trials = developer_trials(
            self.offer,
            self.second,
            self.segment,
            self.trial_rate[:, None] * attention[None, :],
            exp_util,
            offers.lab,
            seed_key ^ SALT_TRIALS,
            np.int64(month),
        )
        counts, tokens = developer_tally(self.offer, self.volume, offers.size)
        second, moved_in, moved_out, any_open = secondary_tally(
            self.offer,
            self.second,
            self.volume,
            self.segment,
            self.secondary_share,
            offers.is_open,
            offers.size,
        )
        tokens = tokens - moved_out + moved_in
        free, locked = lockin_tally(
            self.offer,
            self.finetune,
            self.ft_month,
            self.segment,
            exp_util,
            offers.lab,
            self.beta_switch,
            ft_add,
            self.ft_keep,
            seed_key,
            np.int64(month),
            np.int64(max(1, self.size // LOCKIN_SAMPLE)),
        )
        return DeveloperTally(
            counts,
            tokens,
            int(counts.sum()),
            int(free),
            int(locked),
            second,
            int(any_open),
            trials,
        )

    def _ft_add(self, offers: Offers) -> np.ndarray:
        """Fine-tuning investment added per month, by segment and offer."""
        return np.where(offers.is_open[None, :], self._ft_open[:, None], self._ft_closed[:, None])

    def _advance(self, offers, exp_util, ft_add, adopt, review, seed_key, taste_key, month) -> None:
        developer_step(
            self.offer,
            self.finetune,
            self.ft_month,
            self.segment,
            adopt,
            review,
            exp_util,
            offers.lab,
            self.beta_switch,
            ft_add,
            self.ft_keep,
            seed_key,
            taste_key,
            np.int64(month),
        )


#: enterprises re-routed at once when seeding the observed shares (bounds the scratch arrays)
SEED_CHUNK = 20_000


@dataclass
class EnterpriseTally:
    tokens_mtok: np.ndarray  # float64[M] (simulated enterprises, this month's volumes)
    users: np.ndarray  # int64[M] use cases per offer
    modes: np.ndarray  # int64[3] closed, open, hybrid enterprises
    open_tokens: float
    total_tokens: float
    adopted: int
    hybrid_among_dual: float  # share hybrid among adopters routing two or more work classes
    families: np.ndarray  # int64[S + 1] adopters by the number of families they use


class EnterprisePopulation:
    """Enterprises: sector, jurisdiction, needs, the volume of each use case, routing."""

    def __init__(self, config: Enterprises, n: int, rng: np.random.Generator):
        self.config = config
        self.use_cases = UseCases.of(config)
        sectors = config.sectors
        w = np.array([s.weight for s in sectors])
        pick = rng.choice(len(sectors), size=n, p=w / w.sum())
        self.sector = np.array([SECTOR_CODES[s.sector] for s in sectors])[pick]
        jur_names = list(config.jurisdiction_weights)
        jw = np.array([config.jurisdiction_weights[j] for j in jur_names])
        self.jurisdiction = np.array([JURISDICTION_CODES[j] for j in jur_names])[
            rng.choice(len(jur_names), size=n, p=jw / jw.sum())
        ]
        need = lambda attr: rng.random(n) < np.array([getattr(s, attr) for s in sectors])[pick]  # noqa: E731
        self.residency = need("residency_prob")
        self.finetune_need = need("finetune_prob")
        self.compliance = need("compliance_prob")
        # (jurisdiction, sector) shares never change: what a procurement restriction bars
        shares = np.zeros((len(JURISDICTION_CODES), len(SECTOR_CODES)))
        np.add.at(shares, (self.jurisdiction, self.sector), 1.0 / n)
        self.jurisdiction_sector_share = shares
        self._groups: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self.cls = class_index(
            self.sector,
            self.jurisdiction,
            self.residency.astype(int),
            self.finetune_need.astype(int),
            self.compliance.astype(int),
        ).astype(np.int16)
        work = self._class_volumes(rng, n)  # [E, K]
        self.volume = (work / self.use_cases.per_class)[:, self.use_cases.slot_class]
        size = work.sum(axis=1)
        median = float(np.median(size))
        self._median_size = median if median > 0 else 1.0
        self.fixed_usd = self.fixed_cost(size)
        self.need_group = self._need_groups()
        # (group, workload class) of each entry of volume.ravel(): what E1 shares add up by
        k = len(self.use_cases.per_class)
        self._need_key = (
            self.need_group[:, None].astype(np.intp) * k + self.use_cases.slot_class
        ).ravel()
        self.choice = np.full((n, self.use_cases.slots), -1, dtype=np.int16)
        self._class_demand(work)

    def _class_volumes(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Mtok/month of each enterprise's work of each class: log-normal, none for the
        class's `share_zero` (drawn class by class, the volume first)."""
        c = self.config
        columns = []
        for w in c.workloads:
            v = w.volume_median_mtok * np.exp(c.volume_sigma * rng.standard_normal(n))
            if w.share_zero > 0:
                v[rng.random(n) < w.share_zero] = 0.0
            columns.append(v)
        return np.stack(columns, axis=1)

    def fixed_cost(self, size: np.ndarray) -> np.ndarray:
        """$/month fixed cost of self-hosting one use case for enterprises of total volume
        `size`: `selfhost_fixed` at the population's median, scaling to the power
        `selfhost_size_exponent` (0: the same for every enterprise)."""
        c = self.config
        return c.selfhost_fixed * 1e6 * np.power(size / self._median_size, c.selfhost_size_exponent)

    def _class_demand(self, work: np.ndarray) -> None:
        """Per decision class and workload class: total volume, the number of members with
        that work, the volume of a typical member's use case, and the fixed cost of
        self-hosting of the class's typical member (at its mean total volume): the demand
        the labs price against (`routing.EnterpriseMarket`)."""
        k = work.shape[1]
        total = np.zeros((N_CLASSES, k))
        with_work = np.zeros((N_CLASSES, k))
        np.add.at(total, self.cls, work)
        np.add.at(with_work, self.cls, (work > 0).astype(float))
        self.class_volume = total
        self.class_workloads = with_work
        per_member = np.divide(total, with_work, out=np.zeros_like(total), where=with_work > 0)
        self.class_typical_volume = per_member / self.use_cases.per_class
        members = np.bincount(self.cls, minlength=N_CLASSES).astype(float)
        size = np.bincount(self.cls, weights=work.sum(axis=1), minlength=N_CLASSES)
        mean_size = np.divide(size, members, out=np.zeros_like(size), where=members > 0)
        self.class_typical_fixed = self.fixed_cost(mean_size)

    #: the groups of document 002's decision questions (E1) that the reports compare
    NEED_GROUPS = ("residency", "finetune", "compliance", "small", "mid", "large", "other")

    def _need_groups(self) -> np.ndarray:
        """Each enterprise's E1 group (an index into NEED_GROUPS), fixed for the run.

        residency: data must stay in-house (Q1). Outside the EU, where the GPAI obligations pull
        compliance-bound work the other way (R1): fine-tuning need alone (Q2), compliance need
        alone (Q5), and no need at all, split by total volume into the bottom quartile
        (`small`), the middle half and the top quartile (`large`) (Q3)."""
        outside_eu = self.jurisdiction != JURISDICTION_CODES["EU"]
        res, ft, comp = self.residency, self.finetune_need, self.compliance
        none = outside_eu & ~res & ~ft & ~comp
        group = np.full(self.size, self.NEED_GROUPS.index("other"), dtype=np.int8)
        group[outside_eu & ~res & ft & ~comp] = self.NEED_GROUPS.index("finetune")
        group[outside_eu & ~res & ~ft & comp] = self.NEED_GROUPS.index("compliance")
        total = self.volume.sum(axis=1)
        if none.any():
            q1, q3 = np.quantile(total[none], [0.25, 0.75])
            group[none] = self.NEED_GROUPS.index("mid")
            group[none & (total <= q1)] = self.NEED_GROUPS.index("small")
            group[none & (total >= q3)] = self.NEED_GROUPS.index("large")
        group[res] = self.NEED_GROUPS.index("residency")
        return group

    def open_token_shares_by_need(self, is_open: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(open, routed) tokens per NEED_GROUPS entry and workload class, at the base volumes
        (usage scales all alike); use cases not yet routed count for neither."""
        routed = self.volume * (self.choice >= 0)
        opened = routed * is_open[np.maximum(self.choice, 0)]
        k = len(self.use_cases.per_class)
        size = len(self.NEED_GROUPS) * k
        total = np.bincount(self._need_key, weights=routed.ravel(), minlength=size)
        open_ = np.bincount(self._need_key, weights=opened.ravel(), minlength=size)
        return open_.reshape(-1, k), total.reshape(-1, k)

    @property
    def size(self) -> int:
        return int(self.cls.shape[0])

    def group(
        self, jurisdiction: str, sector: str | None = None, compliance: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Indices and use-case volumes of the enterprises of `jurisdiction` (and
        `sector`, and with compliance needs). Both are fixed for a run, so found once: a
        gather from a million enterprises every month is what a report must not pay."""
        key = (jurisdiction, sector, compliance)
        if key not in self._groups:
            mask = self.jurisdiction == JURISDICTION_CODES[jurisdiction]
            if sector is not None:
                mask &= self.sector == SECTOR_CODES[sector]
            if compliance:
                mask &= self.compliance
            index = np.flatnonzero(mask)
            self._groups[key] = (index, self.volume[index])
        return self._groups[key]

    def seed_adoption(
        self,
        offers: Offers,
        base_util: np.ndarray,
        api_cost: np.ndarray,
        host_cost: np.ndarray,
        seed_key: np.uint64,
    ) -> None:
        """Enterprises already using AI at the start route their work from the logit."""
        self._advance(
            offers.is_open,
            base_util,
            api_cost,
            host_cost,
            self.volume,
            self.config.initial_adoption,
            0.0,
            seed_key,
            0,
        )

    def seed_groups(
        self,
        offers: Offers,
        groups: InitialGroups,
        base_util: np.ndarray,
        api_cost: np.ndarray,
        host_cost: np.ndarray,
        seed_key: np.uint64,
    ) -> None:
        """Re-route the initial adopters' use cases to the observed shares: each draws a group
        with `groups.share` and takes an offer of that group by the logit of its class (the
        kernel's costs, no switching); one whose group offers it nothing allowed keeps its
        logit choice over everything. Draws from a generator keyed by `seed_key`."""
        rng = np.random.default_rng(int(seed_key))
        alpha = price_coefficients(self.config, 1.0)
        k = self.use_cases.slot_class
        service = self.use_cases.service_usd[k]
        for lo in range(0, self.size, SEED_CHUNK):
            hi = min(self.size, lo + SEED_CHUNK)
            group = rng.choice(len(groups.share), size=(hi - lo, k.size), p=groups.share)
            u = rng.random((hi - lo, k.size))
            c = self.cls[lo:hi]
            cost, _ = use_case_cost(
                api_cost[c][:, None, :],
                host_cost[c][:, None, :],
                self.fixed_usd[lo:hi, None, None],
                service[None, :, None],
                offers.is_open,
                self.volume[lo:hi][:, :, None],
            )
            with np.errstate(invalid="ignore"):
                v = base_util[c[:, None], k[None, :]] - alpha[k][None, :, None] * cost
            inside = np.isfinite(cost) & (groups.of_offer == group[:, :, None])
            v = np.where(inside, v / self.config.temperature, -np.inf)
            top = v.max(axis=2, keepdims=True)
            ok = np.isfinite(top[:, :, 0]) & (self.choice[lo:hi] >= 0)
            e = np.exp(v - np.where(np.isfinite(top), top, 0.0))
            cum = np.cumsum(e, axis=2)
            pick = (cum <= u[:, :, None] * cum[:, :, -1:]).sum(axis=2)
            pick = np.minimum(pick, offers.size - 1)
            self.choice[lo:hi][ok] = pick[ok].astype(np.int16)

    def step(
        self,
        offers: Offers,
        base_util: np.ndarray,
        api_cost: np.ndarray,
        host_cost: np.ndarray,
        usage: float,
        adopted_fraction: float,
        seed_key: np.uint64,
        month: int,
        price_scale: float = 1.0,
    ) -> EnterpriseTally:
        c = self.config
        volume = self.volume * usage
        adopt = float(bass_hazard(c.bass_p, c.bass_q, adopted_fraction))
        self._advance(
            offers.is_open,
            base_util,
            api_cost,
            host_cost,
            volume,
            adopt,
            c.review_rate,
            seed_key,
            month,
            price_scale,
        )
        tokens, users, modes, open_tok, total_tok, families, dual = enterprise_tally(
            self.choice,
            volume,
            self.use_cases.slot_class,
            offers.is_open,
            offers.lab,
            offers.size,
            int(offers.lab.max(initial=-1)) + 1,
        )
        return EnterpriseTally(
            tokens,
            users,
            modes,
            float(open_tok),
            float(total_tok),
            int(modes.sum()),
            float(dual[1] / dual[0]) if dual[0] > 0 else 0.0,
            families,
        )

    @property
    def adopted(self) -> np.ndarray:
        """Whether each enterprise routes any use case."""
        return np.asarray((self.choice >= 0).any(axis=1))

    def _advance(
        self,
        is_open,
        base_util,
        api_cost,
        host_cost,
        volume,
        adopt,
        review,
        seed_key,
        month,
        price_scale: float = 1.0,
    ) -> None:
        c = self.config
        enterprise_step(
            self.choice,
            self.cls,
            volume,
            self.use_cases.slot_class,
            adopt,
            review,
            base_util,
            api_cost,
            host_cost,
            is_open,
            self.fixed_usd,
            self.use_cases.service_usd[self.use_cases.slot_class],
            price_coefficients(c, price_scale),
            c.switch_cost,
            c.temperature,
            seed_key,
            np.int64(month),
        )
