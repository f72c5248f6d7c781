"""The cascade responds to the shock's size: a larger efficiency gain brings OpenAI's first
open weights no later (median over seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from openness.model.market_model import OpennessModel
from openness.scenario import load_scenario
from tests.conftest import ROOT

CASCADE = ROOT / "scenarios" / "deepseek_cascade.toml"
# 20 seeds, not 10: with 10, one seed moving by a single review flips a median (the model with
# xAI's year-old open weights, monotone over 30 seeds of 100,000 developers, failed here at 10).
# 20,000 developers, not 4,000: at 4,000 one review of sampling noise flipped a median. With
# the committed values 10 of 20 seeds keep OpenAI closed to 2026-12 at the smallest gain, so
# that median is "never"; 2025-11 and 2025-11 at the others; the fivefold gain opens OpenAI
# earlier in 17 paired seeds, later in 1.
SEEDS = range(20)
NEVER = 10_000.0  # a seed in which OpenAI never opens counts as "later than any month"


def with_shock(factor: float):
    scenario = load_scenario(
        CASCADE,
        {"simulation.developers": 20_000, "simulation.enterprises": 2000, "simulation.months": 36},
    )
    events = [
        ev.model_copy(update={"factor": factor, "inference_factor": factor})
        if ev.kind == "efficiency"
        else ev
        for ev in scenario.events
    ]
    return scenario.model_copy(update={"events": events})


def openai_first_open_months(factor: float) -> np.ndarray:
    months = []
    for seed in SEEDS:
        model = OpennessModel(with_shock(factor), seed=seed)
        model.run()
        opened = [
            r["month"] for r in model.lab_rows if r["lab"] == "OpenAI" and r["strategy"] != "closed"
        ]
        months.append(min(opened).to_period("M").ordinal if opened else NEVER)
    return np.array(months, dtype=float)


@pytest.mark.xfail(
    strict=True,
    reason="under the labs' discounted-cash valuation OpenAI keeps its API at every shock "
    "size: the shock's pull on OpenAI does not emerge from cash flows alone "
    "(docs/decisions/0018-labs-value-options-in-cash.md)",
)
def test_a_larger_shock_brings_openais_switch_no_later():
    """The criterion (medians no later), and that the size matters at all: with the
    largest gain OpenAI opens earlier than with none in more of the same seeds than it opens
    later (a paired sign count: a seed that never opens makes a mean meaningless).

    Factors 1, 3 and 5 on top of the baseline progress are 13x, 39x and 65x cheaper
    GPT-4-class training (ODD section 6): the documents' 10-50x and a little beyond. At 9x
    (117x) the criterion fails: DeepSeek's published method then lifts Meta's open weights
    to the frontier and OpenAI keeps out of open weights in most seeds."""
    factors = (1.0, 3.0, 5.0)
    months = {f: openai_first_open_months(f) for f in factors}
    medians = [float(np.median(months[f])) for f in factors]
    assert medians[0] >= medians[1] >= medians[2], medians
    earlier = int(np.sum(months[5.0] < months[1.0]))
    later = int(np.sum(months[5.0] > months[1.0]))
    assert earlier > later, {f: m.tolist() for f, m in months.items()}
