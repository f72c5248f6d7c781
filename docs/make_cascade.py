"""Figures and numbers for docs/cascade.md, from a validation-size ensemble.

    make cascade                               # both steps below, 4-8 minutes
    .venv/bin/openness validate --all --seeds 30 --out results/validation   # about 6 minutes
    .venv/bin/python docs/make_cascade.py --validation results/validation  # about a minute

Runs the DeepSeek cascade, its no-shock counterfactual and the consolidation scenario for 20
seeds each at the default sizes (100,000 developers, 10,000 enterprises) through the batch
runner, on every core, keeping every table including the labs' strategy reviews, and writes docs/figures/cascade_*.png and
docs/figures/cascade_stats.json (the numbers quoted in docs/cascade.md). With `--validation`
it also reads the runs of a validation ensemble (`openness validate --all`) and adds the
numbers docs/cascade.md quotes from those seeds (`validation` in the JSON).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from openness.experiments import load_results, run_batch, run_scenario
from openness.experiments.design import RunSpec
from openness.experiments.runner import run_scenario_of
from openness.experiments.single import event_table
from openness.experiments.spec import Arm, Experiment, LoadedExperiment
from openness.experiments.validation import first_open_months
from openness.outputs import plots
from openness.scenario import load_scenario
from openness.scenario.schema import month_index

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "docs" / "figures"
SEEDS = range(20)
#: the eight major families of document 000, as the scenario marks them (`major = true`)
MAJORS = [lab.name for lab in load_scenario(ROOT / "scenarios" / "baseline.toml").labs if lab.major]


def all_tables(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """A run of the batch runner that keeps the world, lab and decision tables whole."""
    tables = run_scenario(run_scenario_of(spec), seed=spec.seed).tables
    return {key: tables[key] for key in ("world", "labs", "decisions")}


def ensemble(name: str, overrides: dict | None = None) -> dict[str, pd.DataFrame]:
    """The scenario's runs for SEEDS, through the batch runner (all cores)."""
    path = ROOT / "scenarios" / f"{name}.toml"
    spec = Experiment(
        name=f"cascade_{name}",
        seeds=list(SEEDS),
        overrides=overrides or {},
        arms=[Arm(name=name, scenario=str(path))],
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "runs"
        summary = run_batch(LoadedExperiment(spec=spec), out, model=all_tables, progress=False)
        if not summary.ok:
            raise RuntimeError(f"{summary.failed} run(s) of {name} failed")
        tables = {key: load_results(out, key) for key in ("world", "labs", "decisions")}
    tables = {key: df.drop(columns=["point", "seed"]) for key, df in tables.items()}
    tables["events"] = event_table(load_scenario(path, overrides))
    return tables


def save(fig, name: str) -> None:
    plots.save(fig, FIGURES / name, ("png",), dpi=72)


def first_open(labs: pd.DataFrame, lab: str) -> pd.Series:
    """Month each seed first shows the lab's frontier-class open weights (NaT if never)."""
    rows = labs[(labs.lab == lab) & labs.frontier_open & (labs.month >= "2025-01-01")]
    return rows.groupby("replication")["month"].min().reindex(SEEDS)


def median_terms(
    decisions: pd.DataFrame, lab: str, option: str, periods: dict[str, tuple[str, str]]
) -> dict[str, dict[str, float]]:
    """Median of each value term of `option` minus closed over the reviews in each period."""
    diff = plots.value_differences(decisions, lab, option)
    out = {}
    for period, (lo, hi) in periods.items():
        window = diff[(diff.index >= lo) & (diff.index <= hi)]
        out[period] = {
            term: round(float(window[term].median()), 1) for term in [*plots.VALUE_TERMS, "total"]
        }
    return out


def month_label(index: float, start: str) -> str | None:
    """ "YYYY-MM" of a month index from `start` (None for NaN)."""
    if np.isnan(index):
        return None
    return str(pd.Timestamp(start) + pd.DateOffset(months=int(index)))[:7]


def month_counts(first: pd.Series, start: str) -> dict[str, int]:
    """How many seeds have each first month ("never" for NaN)."""
    return (
        first.map(lambda m: month_label(m, start) or "never").value_counts().sort_index().to_dict()
    )


def openai_stats(cascade: pd.DataFrame, counter: pd.DataFrame, start: str) -> dict:
    """OpenAI's first month off `closed` with and without the shock, against C2's window."""
    with_shock = first_open_months(cascade, "OpenAI", start)
    without = first_open_months(counter, "OpenAI", start)
    lo, hi, y2026 = (month_index(m, start) for m in ("2025-04", "2025-12", "2026-01"))
    a, b = with_shock.fillna(np.inf), without.fillna(np.inf)  # never: later than any month
    return {
        "openai_first_open": {
            "median": month_label(with_shock.median(), start),
            "before_window": int((with_shock < lo).sum()),
            "in_window": int(with_shock.between(lo, hi).sum()),
            "after_window": int((with_shock > hi).sum()),
            "never": int(with_shock.isna().sum()),
        },
        "openai_first_open_months_deepseek_cascade": month_counts(with_shock, start),
        "openai_first_open_months_no_shock": month_counts(without, start),
        "openai_no_shock": {
            "median_never_latest": month_label(b.median(), start)
            if np.isfinite(b.median())
            else "never",
            "later": int((b > a).sum()),
            "same": int((b == a).sum()),
            "earlier": int((b < a).sum()),
            "never": int(without.isna().sum()),
            "from_2026": int((b >= y2026).sum()),
            "from_2026_with_shock": int((a >= y2026).sum()),
        },
    }


def anthropic_stats(cascade: pd.DataFrame, start: str) -> dict:
    anth = cascade[cascade.lab == "Anthropic"]
    by_seed = anth.groupby("replication").strategy
    return {
        "first_not_closed": month_counts(first_open_months(cascade, "Anthropic", start), start),
        "months_not_closed_median": float(by_seed.apply(lambda s: (s != "closed").sum()).median()),
        "strategy_2027_12": anth[anth.month == anth.month.max()].strategy.value_counts().to_dict(),
        "seeds_frontier_open_ever": int(by_seed.apply(lambda s: (s == "open").any()).sum()),
    }


def lag_stats(world: pd.DataFrame, labs: pd.DataFrame) -> dict:
    """C7's months outside 3-18 months, and whose open weights are the best in those below 3."""
    lag = world[(world.month >= "2025-01-01") & (world.month <= "2027-12-01")]
    short = lag[lag.open_lag_months < 3]
    best = labs[labs.open_capability.notna()]
    best = best.loc[best.groupby(["replication", "month"]).open_capability.idxmax()]
    holders = short.merge(best[["replication", "month", "lab"]], on=["replication", "month"])
    return {
        "c7_seeds_below_3_months": int(short.replication.nunique()),
        "c7_seeds_above_18_months": int(lag[lag.open_lag_months > 18].replication.nunique()),
        "c7_seeds_below_3_months_by_year": {
            int(y): int(n)
            for y, n in short.groupby(short.month.dt.year).replication.nunique().items()
        },
        "c7_best_open_lab_below_3_months": holders.groupby("lab")
        .replication.nunique()
        .sort_values(ascending=False)
        .to_dict(),
    }


def validation_stats(root: Path) -> dict:
    """Numbers docs/cascade.md quotes from the runs of `openness validate --all` under root."""

    def runs(name: str, table: str) -> pd.DataFrame:
        return pd.read_parquet(root / name / "runs" / table)

    labs, world = runs("deepseek_cascade", "labs"), runs("deepseek_cascade", "world")
    no_shock = runs("no_shock", "labs")
    start = labs.month.min().strftime("%Y-%m")
    cascade, main_world = labs[labs.arm == "main"], world[world.arm == "main"]
    prices = [
        "price_ratio",
        "serving_cost_ratio",
        "top_closed_price",
        "top_open_price",
        "going_rate",
    ]
    cons = runs("consolidation", "world")
    cons = cons[cons.arm == "main"]
    end = cons[cons.month == cons.month.max()].open_share_dev_count
    return {
        "seeds": int(cascade.replication.nunique()),
        # the counterfactual on the same seeds: the no-shock scenario's own validation runs
        **openai_stats(cascade, no_shock[no_shock.arm == "main"], start),
        "anthropic": anthropic_stats(cascade, start),
        "prices_median": {
            month: {
                k: round(float(v), 2)
                for k, v in main_world[main_world.month == f"{month}-01"][prices].median().items()
            }
            for month in ("2025-01", "2026-02", "2026-04", "2026-07", "2027-02")
        },
        **lag_stats(main_world, cascade),
        "consolidation_open_share_dev_end": {
            "median": round(float(end.median()), 3),
            "q05": round(float(end.quantile(0.05)), 3),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--validation",
        type=Path,
        help="directory of `openness validate --all --out DIR` whose runs to read as well",
    )
    args = parser.parse_args()
    FIGURES.mkdir(parents=True, exist_ok=True)
    runs = {name: ensemble(name) for name in ("deepseek_cascade", "no_shock", "consolidation")}
    cascade = runs["deepseek_cascade"]
    ev = cascade["events"]
    save(
        plots.cascade_share(
            cascade["labs"], "DeepSeek cascade: share of 20 seeds in which each lab is open"
        ),
        "cascade_share_20",
    )
    for lab, option in (
        ("OpenAI", "hybrid"),
        ("NVIDIA", "open"),
        ("Zhipu", "open"),
        ("Anthropic", "hybrid"),
        ("Google", "open"),
    ):
        save(
            plots.value_terms(cascade["decisions"], lab, option, ev),
            f"cascade_terms_{lab.lower()}",
        )
    both = pd.concat([cascade["world"], runs["no_shock"]["world"]])
    save(
        plots.arm_bands(
            both,
            "n_major_frontier_open",
            ev,
            "Major families with "
            "frontier-class open weights: cascade vs no shock (20 paired seeds)",
            "families (of 8)",
        ),
        "cascade_counterfactual",
    )
    cons = runs["consolidation"]
    save(
        plots.cascade_share(
            cons["labs"], "Consolidation: share of 20 seeds in which each lab is open"
        ),
        "cascade_consolidation_share",
    )
    save(
        plots.value_terms(cons["decisions"], "Moonshot", "open", cons["events"]),
        "cascade_terms_moonshot_consolidation",
    )
    save(
        plots.value_terms(cons["decisions"], "Meta", "open", cons["events"]),
        "cascade_terms_meta_consolidation",
    )

    feb26 = pd.Timestamp("2026-02-01")
    stats = {"seeds": len(SEEDS)}
    labs = cascade["labs"]
    at = labs[labs.month == feb26]
    stats["open_share_2026_02"] = {
        lab: float(at[at.lab == lab].frontier_open.mean()) for lab in MAJORS
    }
    stats["strategy_2026_02"] = {
        lab: at[at.lab == lab].strategy.value_counts().to_dict() for lab in MAJORS
    }
    openai = first_open(labs, "OpenAI")
    stats["openai_first_frontier_open_median"] = (
        str(openai.dropna().median())[:7] if (openai.notna().any()) else None
    )
    stats["openai_opens_share"] = float(openai.notna().mean())
    pair = both[both.month == feb26].pivot_table(
        index="replication", columns="arm", values="n_major_frontier_open"
    )
    stats["n_major_2026_02_median"] = {arm: float(pair[arm].median()) for arm in pair}
    stats["counterfactual_fewer_share"] = float(
        np.mean(pair["no_shock"] < pair["deepseek_cascade"])
    )
    dec = cascade["decisions"]
    stats["terms"] = {}
    for lab, option in (
        ("OpenAI", "hybrid"),
        ("NVIDIA", "open"),
        ("Zhipu", "open"),
        ("Anthropic", "hybrid"),
        ("Google", "open"),
    ):
        stats["terms"][f"{lab}:{option}"] = median_terms(
            dec,
            lab,
            option,
            {"2024": ("2024-01-01", "2024-12-01"), "2025-26": ("2025-01-01", "2026-02-01")},
        )
    stats["lag_months_2026_02_median"] = {
        lab: round(float(at[at.lab == lab].lag_months.median()), 1) for lab in MAJORS
    }
    stats["openai_hybrid_at_reviews"] = {
        name: {
            month: {
                k: round(float(v), 1)
                for k, v in plots.value_differences(runs[name]["decisions"], "OpenAI", "hybrid")
                .loc[month, ["api_margin", "waiting", "total"]]
                .items()
            }
            for month in ("2024-10-01", "2025-01-01", "2025-10-01")
        }
        for name in ("deepseek_cascade", "no_shock")
    }
    cl = cons["labs"]
    end = cl[cl.month == cl.month.max()]
    watched = ["Moonshot", "MiniMax", "Zhipu", "Meta", "NVIDIA"]
    stats["consolidation_closed_end"] = {
        lab: float((end[end.lab == lab].strategy == "closed").mean()) for lab in watched
    }
    stats["consolidation_strategy_end"] = {
        lab: end[end.lab == lab].strategy.value_counts().to_dict() for lab in watched
    }
    meta = cl[(cl.lab == "Meta") & (cl.strategy != "open")]
    stats["consolidation_meta_first_not_open_median"] = (
        str(meta.groupby("replication").month.min().median())[:7] if len(meta) else None
    )
    for option in ("open", "hybrid"):
        stats["terms"][f"Meta:{option}:consolidation"] = median_terms(
            cons["decisions"],
            "Meta",
            option,
            {
                "2024": ("2024-01-01", "2024-12-01"),
                "2025-26": ("2025-01-01", "2026-12-01"),
                "2027-28": ("2027-01-01", "2028-12-01"),
            },
        )
    if args.validation is not None:
        stats["validation"] = validation_stats(args.validation)
    (FIGURES / "cascade_stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    print(json.dumps(stats, indent=2))


if __name__ == "__main__":
    main()
