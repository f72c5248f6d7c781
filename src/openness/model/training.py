"""Training, published methods and serving architectures (ODD section 7.1), as functions
of the model's state: the model calls them in its month."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from openness.market import technology
from openness.model import policy as pol
from openness.model.state import MarketState
from openness.vocabulary import OPEN

if TYPE_CHECKING:
    from openness.model.agents import Lab


def planned_spend(model: MarketState, lab: Lab) -> float:
    """Training spend the lab would make this month: its plan, cut back as the runway falls
    under six months, plus any compute grant it receives as an open lab, plus the cash it
    invests above its target runway (`excess_investment`)."""
    if not lab.active:
        return 0.0
    plan = lab.training_spend * min(1.0, lab.runway / 6.0)
    return plan + model.grants[lab.index][1] + excess_investment(model, lab)


def excess_investment(model: MarketState, lab: Lab) -> float:
    """$M a month of training that a venture-funded lab buys with the capital it holds above
    T = `funding.invest_above_runway_months` months of last month's net burn b (costs less
    revenue and recurring funding; its planned burn before its first month): (K - T b)^+ / T, so that the excess is drawn down over T
    months, as a start-up spends a round over the runway it was raised for. A lab with a parent
    trains to the budget the parent sets (0 here); with T unset, every lab trains to its plan."""
    target = model.scenario.funding.invest_above_runway_months
    if target is None or lab.config.parent_funding > 0 or not lab.active:
        return 0.0
    costs = lab.costs if lab.costs > 0 else lab.burn  # before its first books: its plan
    net_burn = max(0.0, costs - lab.revenue - lab.recurring)
    return max(0.0, lab.capital - target * net_burn) / target


def effective_spend(model: MarketState, lab: Lab) -> float:
    """Training spend this month: the plan, as far as export controls let the lab buy the
    compute (`compute_usable`, set by `train`); a grant is paid as it is spent."""
    return planned_spend(model, lab) * float(model.compute_usable[lab.index])


def grants(model: MarketState, policy: pol.PolicyState) -> list[tuple[float, float]]:
    """(cash, compute) $M/month of open funding each lab receives this month."""
    open_origins = [lab.config.origin for lab in model.labs if lab.strategy == OPEN]
    return [
        pol.grant_per_lab(policy, lab.config.origin, open_origins, True)
        if lab.strategy == OPEN
        else (0.0, 0.0)
        for lab in model.labs
    ]


def adopt_serving_methods(model: MarketState, lab: Lab, t: int) -> None:
    """A new model is built on every serving architecture (mixture of experts, latent
    attention) published by a lab it has fallen behind: adopted whole, not by degrees.
    The labs ahead of the publisher have serving stacks of their own: they rebuild on the
    architecture's gain for releases designed after it (`serving_rebuild_months` on)."""
    rebuild = model.world.serving_rebuild_months
    for method in model.methods:
        if method.learners[lab.index]:
            lab.inference_efficiency = max(lab.inference_efficiency, method.inference_efficiency)
        elif rebuild is not None and lab is not method.publisher and t - method.month >= rebuild:
            lab.inference_efficiency = max(
                lab.inference_efficiency, float(method.inference_gain[lab.index])
            )


def train(model: MarketState, t: int, policy: pol.PolicyState) -> None:
    """One month of training: published know-how spreads to the labs behind, spend buys
    compute, and knowledge grows towards its target and by spillover."""
    w = model.world
    knowledge = np.array([lab.knowledge for lab in model.labs])
    active = np.array([lab.active and lab.training_spend > 0 for lab in model.labs])
    eff = np.array([lab.efficiency for lab in model.labs])
    for method in model.methods:
        # the method is news to the labs behind its publisher (the labs ahead have
        # methods of their own); its training know-how pays only while they are behind
        behind = (knowledge < method.publisher.knowledge) & active
        method.learners |= behind
        eff = technology.recipe_adoption(w, eff, method.efficiency, behind)
    for lab, e in zip(model.labs, eff, strict=True):
        lab.efficiency = float(e)
    spend = np.array([planned_spend(model, lab) for lab in model.labs])
    mult = np.array(
        [
            model.flop_multiplier * pol.flop_cost_multiplier(policy, lab.config.origin)
            for lab in model.labs
        ]
    )
    wanted = technology.training_compute(w, t, spend, technology.flop_cost(w, t, mult))
    # export controls cap the compute a restricted origin can buy, not only its price: a
    # lab spends only what buys the compute it can get
    cap = np.array([pol.compute_cap(policy, lab.config.origin, t) for lab in model.labs])
    model.train_flops = np.minimum(wanted, cap)
    model.compute_usable = np.where(wanted > cap, 10.0 ** (cap - wanted), 1.0)
    target = model.train_flops + np.log10(eff) + technology.algorithmic_progress(w, t)
    best_open = max(
        [lab.open_capability for lab in model.labs] + [lab.small_capability for lab in model.labs]
    )
    closed = [lab.released_capability for lab in model.labs if lab.strategy != OPEN]
    best_closed = max(closed) if closed else -math.inf
    new = technology.knowledge_update(w, knowledge, target, best_open, best_closed, active)
    for lab, k in zip(model.labs, new, strict=True):
        lab.knowledge = float(k)
