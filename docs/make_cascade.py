"""Figures and numbers for docs/cascade.md, from a validation-size ensemble.

    .venv/bin/python docs/make_cascade.py      # about two minutes

Runs the DeepSeek cascade, its no-shock counterfactual and the consolidation scenario for 20
seeds each at the default sizes (100,000 developers, 10,000 enterprises), keeping every table
including the labs' strategy reviews, and writes docs/figures/cascade_*.png and
docs/figures/cascade_stats.json (the numbers quoted in docs/cascade.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from openness.experiments import run_scenario
from openness.outputs import plots
from openness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "docs" / "figures"
SEEDS = range(20)
MAJORS = ["OpenAI", "DeepSeek", "Alibaba", "Zhipu", "NVIDIA", "Meta", "Anthropic", "Google"]


def ensemble(name: str) -> dict[str, pd.DataFrame]:
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml")
    tables: dict[str, list[pd.DataFrame]] = {"world": [], "labs": [], "decisions": []}
    events = None
    for seed in SEEDS:
        result = run_scenario(scenario, seed=seed)
        events = result.tables["events"]
        for key in tables:
            tables[key].append(result.tables[key].assign(arm=name, replication=seed))
    out = {key: pd.concat(frames, ignore_index=True) for key, frames in tables.items()}
    out["events"] = events
    return out


def save(fig, name: str) -> None:
    plots.save(fig, FIGURES / name, ("png",), dpi=72)


def first_open(labs: pd.DataFrame, lab: str) -> pd.Series:
    """Month each seed first shows the lab's frontier-class open weights (NaT if never)."""
    rows = labs[(labs.lab == lab) & labs.frontier_open & (labs.month >= "2025-01-01")]
    return rows.groupby("replication")["month"].min().reindex(SEEDS)


def median_terms(decisions: pd.DataFrame, lab: str, option: str,
                 periods: dict[str, tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Median of each payoff term of `option` minus closed over the reviews in each period."""
    diff = plots.payoff_differences(decisions, lab, option)
    out = {}
    for period, (lo, hi) in periods.items():
        window = diff[(diff.index >= lo) & (diff.index <= hi)]
        out[period] = {term: round(float(window[term].median()), 1)
                       for term in [*plots.PAYOFF_TERMS, "total"]}
    return out


def main() -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    runs = {name: ensemble(name) for name in ("deepseek_cascade", "no_shock", "consolidation")}
    cascade = runs["deepseek_cascade"]
    ev = cascade["events"]
    save(plots.cascade_share(cascade["labs"], "DeepSeek cascade: share of 20 seeds in which "
                             "each lab is open"), "cascade_share_20")
    for lab, option in (("OpenAI", "hybrid"), ("NVIDIA", "open"), ("Zhipu", "open"),
                        ("Anthropic", "hybrid"), ("Google", "open")):
        save(plots.payoff_terms(cascade["decisions"], lab, option, ev),
             f"cascade_terms_{lab.lower()}")
    both = pd.concat([cascade["world"], runs["no_shock"]["world"]])
    save(plots.arm_bands(both, "n_major_frontier_open", ev, "Major families with "
                         "frontier-class open weights: cascade vs no shock (20 paired seeds)",
                         "families (of 8)"), "cascade_counterfactual")
    cons = runs["consolidation"]
    save(plots.cascade_share(cons["labs"], "Consolidation: share of 20 seeds in which each lab "
                             "is open"), "cascade_consolidation_share")
    save(plots.payoff_terms(cons["decisions"], "Moonshot", "open", cons["events"]),
         "cascade_terms_moonshot_consolidation")
    save(plots.payoff_terms(cons["decisions"], "Meta", "open", cons["events"]),
         "cascade_terms_meta_consolidation")

    feb26 = pd.Timestamp("2026-02-01")
    stats = {"seeds": len(SEEDS)}
    labs = cascade["labs"]
    at = labs[labs.month == feb26]
    stats["open_share_2026_02"] = {lab: float(at[at.lab == lab].frontier_open.mean())
                                   for lab in MAJORS}
    stats["strategy_2026_02"] = {lab: at[at.lab == lab].strategy.value_counts().to_dict()
                                 for lab in MAJORS}
    openai = first_open(labs, "OpenAI")
    stats["openai_first_frontier_open_median"] = str(openai.dropna().median())[:7] if (
        openai.notna().any()) else None
    stats["openai_opens_share"] = float(openai.notna().mean())
    pair = both[both.month == feb26].pivot_table(index="replication", columns="arm",
                                                 values="n_major_frontier_open")
    stats["n_major_2026_02_median"] = {arm: float(pair[arm].median()) for arm in pair}
    stats["counterfactual_fewer_share"] = float(np.mean(pair["no_shock"]
                                                        < pair["deepseek_cascade"]))
    dec = cascade["decisions"]
    stats["terms"] = {}
    for lab, option in (("OpenAI", "hybrid"), ("NVIDIA", "open"), ("Zhipu", "open"),
                        ("Anthropic", "hybrid"), ("Google", "open")):
        stats["terms"][f"{lab}:{option}"] = median_terms(
            dec, lab, option, {"2024": ("2024-01-01", "2024-12-01"),
                               "2025-26": ("2025-01-01", "2026-02-01")})
    cl = cons["labs"]
    end = cl[cl.month == cl.month.max()]
    watched = ["Moonshot", "MiniMax", "Zhipu", "Meta", "NVIDIA"]
    stats["consolidation_closed_end"] = {
        lab: float((end[end.lab == lab].strategy == "closed").mean()) for lab in watched}
    stats["consolidation_strategy_end"] = {
        lab: end[end.lab == lab].strategy.value_counts().to_dict() for lab in watched}
    meta = cl[(cl.lab == "Meta") & (cl.strategy != "open")]
    stats["consolidation_meta_first_not_open_median"] = (
        str(meta.groupby("replication").month.min().median())[:7] if len(meta) else None)
    for option in ("open", "hybrid"):
        stats["terms"][f"Meta:{option}:consolidation"] = median_terms(
            cons["decisions"], "Meta", option, {"2024": ("2024-01-01", "2024-12-01"),
                                                "2025-26": ("2025-01-01", "2026-12-01"),
                                                "2027-28": ("2027-01-01", "2028-12-01")})
    (FIGURES / "cascade_stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    print(json.dumps(stats, indent=2))


if __name__ == "__main__":
    main()
