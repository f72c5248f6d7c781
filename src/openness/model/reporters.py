"""The formulas of the reported metrics; their names, units and meanings are in
`openness.metrics` (and in `docs/ODD.md`, section 7.9)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from openness import metrics
from openness.market.offers import ORIGIN_CODES, SLOTS, Offers
from openness.market.pricing import going_rate
from openness.market.technology import lag_months
from openness.model.state import MarketState
from openness.vocabulary import OPEN

if TYPE_CHECKING:
    from openness.model.agents import Lab
    from openness.model.populations import DeveloperTally, EnterpriseTally

#: the world table's columns, in order, with their meanings (defined in openness.metrics)
WORLD_METRICS = {name: m.meaning for name, m in metrics.WORLD.items()}
#: the lab table's columns, in order, with their meanings
LAB_METRICS = {name: m.meaning for name, m in metrics.LABS.items()}
#: what a missing value means, per table and metric (no other column holds one)
MISSING = {
    "world": metrics.missing_meanings("world"),
    "labs": metrics.missing_meanings("labs"),
    "decisions": {},
    "events": {},
}


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def _finite(x: float) -> float:
    return x if math.isfinite(x) else math.nan


def _lag(model: MarketState, capability: float) -> float:
    if not math.isfinite(capability):
        return math.nan
    return lag_months(
        capability, np.array(model.frontier_history), model.world.frontier_prehistory_growth
    )


def frontier_open(model: MarketState, lab: Lab) -> bool:
    lag = _lag(model, max(lab.open_capability, lab.small_capability))
    return bool(math.isfinite(lag) and lag <= model.world.frontier_class_months)


def _top(offers: Offers, is_open: bool) -> int | None:
    """The most capable available offer that is open (or closed), if any."""
    mask = offers.available & (offers.is_open == is_open)
    if not mask.any():
        return None
    idx = np.flatnonzero(mask)
    return int(idx[np.argmax(offers.capability[idx])])


def _at(values: np.ndarray, index: int | None) -> float:
    return math.nan if index is None else float(values[index])


def _open_token_share(
    model: MarketState,
    offers: Offers,
    group: tuple[np.ndarray, np.ndarray],
    origin: str | None = None,
) -> float:
    """Share of the tokens of a group of enterprises (`EnterprisePopulation.group`) routed to
    open weights (of labs of `origin`, if given); workloads not yet routed count for neither.
    Usage scales every volume alike, so the fixed volumes give the same share."""
    index, volume = group
    choice = model.enterprises.choice[index].astype(np.intp) + 1  # 0: not routed
    tokens = np.bincount(choice.ravel(), weights=volume.ravel(), minlength=offers.size + 1)[1:]
    wanted = offers.is_open.copy()
    if origin is not None:
        wanted &= offers.origin == ORIGIN_CODES[origin]
    return _share(float(tokens[wanted].sum()), float(tokens.sum()))


def world_record(
    model: MarketState,
    t: int,
    offers: Offers,
    dev: DeveloperTally,
    ent: EnterpriseTally,
    tokens: np.ndarray,
) -> dict:
    o = offers.is_open
    best_open = model.best_capability(offers, closed=False)
    top_closed, top_open = _top(offers, False), _top(offers, True)
    closed_price, open_price = _at(offers.price, top_closed), _at(offers.price, top_open)
    n_open = [frontier_open(model, lab) for lab in model.labs]
    return {
        "month": model.date(t),
        "dev_adoption": dev.adopted / model.developers.size,
        "open_share_dev_count": _share(dev.counts[o].sum(), dev.adopted),
        "open_share_dev_tokens": _share(dev.tokens_ktok[o].sum(), dev.tokens_ktok.sum()),
        "dev_any_open_share": _share(dev.any_open, dev.adopted),
        "dev_secondary_share": _share(dev.second_counts.sum(), dev.adopted),
        "ent_adoption": ent.adopted / model.enterprises.size,
        "ent_open_share_count": _share(ent.modes[1], ent.adopted),
        "ent_closed_share_count": _share(ent.modes[0], ent.adopted),
        "ent_hybrid_share_count": _share(ent.modes[2], ent.adopted),
        "ent_hybrid_share_dual": ent.hybrid_among_dual,
        "ent_three_family_share": _share(ent.families[3:].sum(), ent.adopted),
        "ent_open_share_tokens": _share(ent.open_tokens, ent.total_tokens),
        "n_frontier_open": int(sum(n_open)),
        "n_major_frontier_open": int(
            sum(f and lab.config.major for f, lab in zip(n_open, model.labs, strict=True))
        ),
        "n_open_frontier_labs": int(
            sum(f and lab.strategy == OPEN for f, lab in zip(n_open, model.labs, strict=True))
        ),
        "price_ratio": closed_price / open_price,
        "top_closed_price": closed_price,
        "top_open_price": open_price,
        "serving_cost_ratio": (
            _at(offers.serving_cost, top_closed) / _at(offers.serving_cost, top_open)
        ),
        "going_rate": going_rate(offers.price, tokens, offers.available & ~offers.is_open),
        "open_lag_months": _lag(model, best_open),
        "frontier_capability": _finite(model.frontier_history[-1]),
        "best_open_capability": _finite(best_open),
        "hhi_developers": float(np.sum(model.eco_share**2)),
        "dev_lockin_hold": (
            1.0 - dev.switch_locked / dev.switch_free if dev.switch_free > 0 else 0.0
        ),
        "total_tokens_mtok": float(tokens.sum()),
        "capital_condition": model.capital_condition,
        "strategy_switches": model.strategy_switches,
        "ent_open_share_tokens_eu_compliance": _open_token_share(
            model, offers, model.enterprises.group("EU", compliance=True)
        ),
        "ent_us_open_share_tokens_us_government": _open_token_share(
            model, offers, model.enterprises.group("US", "government"), origin="US"
        ),
        **_need_shares(model, offers),
    }


def _need_shares(model: MarketState, offers: Offers) -> dict:
    """The open share of tokens in the groups of the enterprise decision questions (E1)."""
    ents = model.enterprises
    open_, total = ents.open_token_shares_by_need(offers.is_open)
    g = {name: i for i, name in enumerate(ents.NEED_GROUPS)}
    none = [g["small"], g["mid"], g["large"]]
    groups: dict[str, Any] = {
        "residency": g["residency"],
        "finetune": g["finetune"],
        "compliance": g["compliance"],
        "no_needs": none,
        "large": g["large"],
        "small": g["small"],
    }
    shares = {
        f"ent_open_share_tokens_{name}": _share(open_[at].sum(), total[at].sum())
        for name, at in groups.items()
    }
    for work in ("complex", "commodity"):
        w = ents.use_cases.index(work)
        shares[f"ent_open_share_tokens_{work}"] = (
            math.nan if w is None else _share(open_[none, w].sum(), total[none, w].sum())
        )
    return shares


def _release_trial_share(
    model: MarketState, t: int, own: slice, offers: Offers, dev: DeveloperTally
) -> float:
    """The share of adopters who have tried the lab's most tried recent release since it
    came out; NaN if it released nothing within the trial window."""
    recent = model.recent_releases(t, offers)[own]
    if not recent.any() or dev.adopted == 0:
        return math.nan
    return float(model.trials_since_release[own][recent].max() / dev.adopted)


def lab_record(
    model: MarketState,
    t: int,
    lab: Lab,
    offers: Offers,
    dev: DeveloperTally,
    ent: EnterpriseTally,
    tokens: np.ndarray,
) -> dict:
    own = slice(lab.index * SLOTS, lab.index * SLOTS + SLOTS)
    api = lab.index * SLOTS
    return {
        "month": model.date(t),
        "lab": lab.name,
        "strategy": lab.strategy,
        "announced": lab.pending_strategy or "",
        "capability": lab.knowledge,
        "released_capability": lab.released_capability,
        "open_capability": _finite(max(lab.open_capability, lab.small_capability)),
        "lag_months": _lag(model, lab.released_capability),
        "frontier_open": frontier_open(model, lab),
        "price": float(offers.price[api]) if offers.available[api] else math.nan,
        "serving_cost": float(offers.serving_cost[own][offers.available[own]].max(initial=0.0)),
        "capital": lab.capital,
        "runway": lab.runway,
        "revenue": lab.revenue,
        "costs": lab.costs,
        "funding": lab.funding,
        "developer_share": _share(dev.counts[own].sum(), dev.adopted),
        "developer_token_share": _share(dev.tokens_ktok[own].sum(), dev.tokens_ktok.sum()),
        "release_trial_share": _release_trial_share(model, t, own, offers, dev),
        "enterprise_token_share": _share(ent.tokens_mtok[own].sum(), ent.tokens_mtok.sum()),
        "insolvent": lab.insolvent,
    }
