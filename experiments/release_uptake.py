"""How fast developers take up a lab's first open weights (a diagnostic for C5, ODD section 10).

    .venv/bin/python experiments/release_uptake.py                 # OpenAI, seeds 0-19, ~20 s
    .venv/bin/python experiments/release_uptake.py --lab Meta --seeds 5

Document 000's evidence for C5 ("developer demand for open weights is large and fast") is
GPT-oss's downloads within weeks of its release. The model has no downloads; this reads the
nearest thing it has: for each seed, the share of adopting developers on the lab's open weights
(frontier or smaller) in the month they first have any, and one, two and six months later,
beside the family's share (API and open weights together) and how many of the open-weight
users came from the lab's own API in the first three months. It is not a target.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from openness.market.offers import SLOT_API, SLOT_OPEN_FRONTIER, SLOT_OPEN_SMALL, SLOTS
from openness.model.market_model import OpennessModel
from openness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
LAGS = (0, 1, 2, 6)


def monthly_uptake(scenario, seed: int, lab: str) -> pd.DataFrame:
    """Per month: shares of adopting developers on the lab's open weights and on its family,
    and the share that moved onto its open weights from its own API that month."""
    model = OpennessModel(scenario, seed=seed)
    index = [x.name for x in model.labs].index(lab)
    base = index * SLOTS
    open_offers = [base + SLOT_OPEN_FRONTIER, base + SLOT_OPEN_SMALL]
    rows, before = [], None
    for t in range(scenario.simulation.months):
        model.step()
        offer = model.developers.offer
        adopted = max(int((offer >= 0).sum()), 1)
        on_open = np.isin(offer, open_offers)
        from_api = 0 if before is None else int((on_open & (before == base + SLOT_API)).sum())
        rows.append(
            {
                "t": t,
                "month": model.date(t),
                "open": on_open.sum() / adopted,
                "family": ((offer >= base) & (offer < base + SLOTS)).sum() / adopted,
                "from_own_api": from_api / adopted,
            }
        )
        before = offer.copy()
    return pd.DataFrame(rows)


def uptake_after_first_open(monthly: pd.DataFrame) -> dict:
    """The shares at LAGS months after the first month with any developer on open weights."""
    used = monthly[monthly["open"] > 0]
    if used.empty:
        return {"first": "never"}
    t0 = int(used["t"].min())
    at = monthly.set_index("t")
    out = {"first": str(at.loc[t0, "month"])[:7]}
    for lag in LAGS:
        if t0 + lag in at.index:
            out[f"open+{lag}"] = round(float(at.loc[t0 + lag, "open"]), 4)
            out[f"family+{lag}"] = round(float(at.loc[t0 + lag, "family"]), 4)
    out["from_own_api_first_3"] = round(float(at.loc[t0 : t0 + 2, "from_own_api"].sum()), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario", type=Path, default=ROOT / "scenarios" / "deepseek_cascade.toml"
    )
    parser.add_argument("--lab", default="OpenAI")
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    labs = [lab.name for lab in scenario.labs]
    if args.lab not in labs:
        parser.error(
            f"--lab {args.lab!r} is not a lab of {args.scenario}; allowed: {', '.join(labs)}"
        )
    table = pd.DataFrame(
        [
            {"seed": seed, **uptake_after_first_open(monthly_uptake(scenario, seed, args.lab))}
            for seed in range(args.seeds)
        ]
    )
    pd.set_option("display.width", 200)
    print(table.to_string(index=False))
    print("\nmedians:", table.drop(columns=["seed", "first"]).median().round(4).to_dict())


if __name__ == "__main__":
    main()
