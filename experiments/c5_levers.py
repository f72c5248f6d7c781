"""What the developer-side levers do to C5-demand, and what they cost the cascade (ODD 10).

    .venv/bin/python experiments/c5_levers.py             # 10 seeds, 30,000 developers, ~70 s

C5-demand asks that two months after the shock (2025-03) the share of adopting developers on
open weights be at least 5 points above the same seed without it. For each variant of the
developer segments (review rate, price coefficient and capability coefficient scaled in every
segment) this prints the median of that gap over paired seeds, the share of seeds at 5
points or more, and, in the cascade, the open share itself, the major families with
frontier-class open weights at 2026-02 (C3 asks for 6) and OpenAI's median first month off
`closed` (C2 asks for 2025-04..2025-12; blank: later than 2026-03 in half the seeds). A probe
for the planner, not a calibration: nothing here is fitted.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from openness.model.market_model import OpennessModel
from openness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("deepseek_cascade", "no_shock")
#: (review rate, price, capability) multipliers applied to every developer segment
VARIANTS = {
    "base": (1, 1, 1),
    "review x3": (3, 1, 1),
    "review x6": (6, 1, 1),
    "price x3": (1, 3, 1),
    "capability x0.5": (1, 1, 0.5),
    "review x3, price x3": (3, 3, 1),
    "review x6, price x3, capability x0.5": (6, 3, 0.5),
}
MONTHS = 27  # to 2026-03


@functools.cache
def base_segments() -> tuple:
    """The developer segments both scenarios share (loaded once per process)."""
    return tuple(load_scenario(ROOT / "scenarios" / "deepseek_cascade.toml").developer_segments)


def overrides(variant: str, developers: int) -> dict:
    review, price, capability = VARIANTS[variant]
    out = {"simulation.developers": developers, "simulation.enterprises": developers // 10}
    for seg in base_segments():
        key = f"developer_segments.{seg.name}"
        out[f"{key}.review_rate"] = min(seg.review_rate * review, 1.0)
        out[f"{key}.alpha_price"] = seg.alpha_price * price
        out[f"{key}.beta_capability"] = seg.beta_capability * capability
    return out


def one_run(job: tuple[str, str, int, int]) -> dict:
    variant, scenario, seed, developers = job
    model = OpennessModel(
        load_scenario(ROOT / "scenarios" / f"{scenario}.toml", overrides(variant, developers)),
        seed=seed,
    )
    model.run(MONTHS)
    world = pd.DataFrame(model.world_rows).set_index("month")
    opened = [
        r["month"] for r in model.lab_rows if r["lab"] == "OpenAI" and r["strategy"] != "closed"
    ]
    return {
        "variant": variant,
        "scenario": scenario,
        "seed": seed,
        "open": world.loc["2025-03-01", "open_share_dev_count"],
        "n_major": world.loc["2026-02-01", "n_major_frontier_open"],
        "openai_first": min(opened) if opened else pd.NaT,
    }


def summary(runs: pd.DataFrame) -> pd.DataFrame:
    share = runs.pivot_table(index=["variant", "seed"], columns="scenario", values="open")
    gap = (share["deepseek_cascade"] - share["no_shock"]).groupby(level="variant")
    cascade = runs[runs["scenario"] == "deepseek_cascade"].groupby("variant")
    return pd.DataFrame(
        {
            "gap median": gap.median().round(4),
            "seeds >= 5 points": gap.apply(lambda g: (g >= 0.05).mean()),
            "open share 2025-03": cascade["open"].median().round(3),
            "major open 2026-02": cascade["n_major"].median(),
            "OpenAI first open": cascade["openai_first"]
            .apply(
                lambda s: s.fillna(pd.Timestamp.max).median() if s.notna().mean() > 0.5 else pd.NaT
            )
            .dt.strftime("%Y-%m"),
        }
    ).reindex(list(VARIANTS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--developers", type=int, default=30_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    jobs = [
        (v, s, seed, args.developers)
        for v in VARIANTS
        for s in SCENARIOS
        for seed in range(args.seeds)
    ]
    context = multiprocessing.get_context("spawn")  # numba's threads do not survive a fork
    with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
        runs = pd.DataFrame(pool.map(one_run, jobs))
    pd.set_option("display.width", 200)
    print(summary(runs).to_string())


if __name__ == "__main__":
    main()
