"""Do labs settle, or cycle between strategies? The labs' rule at three temperatures.

    .venv/bin/python experiments/strategy_cycles.py                  # 30 seeds, default sizes
    .venv/bin/python experiments/strategy_cycles.py --seeds 4 --developers 20000   # quick

Runs `scenarios/deepseek_cascade.toml` over seeds 0-29 (the validation's) with inertia 0 at the
low end, the middle and the high end of the temperature range the calibration may search (ODD
section 8), and reports for each temperature, over 2024-01..2028-12:
- the median number of strategy switches per lab (over labs and seeds);
- for each lab, the share of seeds in which it alternates between two strategies on
  consecutive reviews (its strategy in force at three consecutive reviews reads X, Y, X);
- the share of reviews whose best option has a probability above 0.99, in 2024 and in 2027.

Writes `docs/strategy_cycles.md` (or `--out`) and the per-run figures beside it (`.json`).
About 4 minutes on 2 cores at default sizes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from openness.experiments.design import replication_seed
from openness.model import OpennessModel
from openness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "deepseek_cascade.toml"
#: low, middle (geometric) and high end of the declared calibration range (ODD section 8)
TEMPERATURES = (0.005, 0.022, 0.1)


def one_run(args: tuple[float, int, int, int]) -> dict:
    temperature, replication, developers, enterprises = args
    overrides = {"decision.temperature": temperature, "decision.inertia": 0.0}
    if developers:
        overrides["simulation.developers"] = developers
    if enterprises:
        overrides["simulation.enterprises"] = enterprises
    scenario = load_scenario(SCENARIO, overrides)
    model = OpennessModel(scenario, seed=replication_seed(scenario.simulation.seed, replication))
    model.run()
    tables = model.tables()
    return {
        "temperature": temperature,
        "replication": replication,
        **run_statistics(tables["labs"], tables["decisions"]),
    }


def run_statistics(labs: pd.DataFrame, decisions: pd.DataFrame) -> dict:
    """Switches and alternations per lab, and the share of near-certain reviews by year."""
    switches, alternates = {}, {}
    reviews = decisions.drop_duplicates(["month", "lab"])[["month", "lab"]]
    in_force = labs.set_index(["month", "lab"])["strategy"]
    for name, rows in labs.groupby("lab"):
        s = rows.sort_values("month")["strategy"].to_numpy()
        switches[name] = int((s[1:] != s[:-1]).sum())
        months = reviews[reviews["lab"] == name]["month"].sort_values()
        seq = [in_force[(m, name)] for m in months]
        alternates[name] = any(seq[k] == seq[k + 2] != seq[k + 1] for k in range(len(seq) - 2))
    top = decisions.groupby(["month", "lab"])["probability"].max().reset_index()
    year = pd.to_datetime(top["month"]).dt.year
    sure = {int(y): float((g["probability"] > 0.99).mean()) for y, g in top.groupby(year)}
    return {"switches": switches, "alternates": alternates, "sure": sure}


def summarise(results: list[dict]) -> pd.DataFrame:
    rows = []
    for temperature in sorted({r["temperature"] for r in results}):
        runs = [r for r in results if r["temperature"] == temperature]
        switches = [n for r in runs for n in r["switches"].values()]
        labs = sorted(runs[0]["alternates"])
        alternating = {lab: np.mean([r["alternates"][lab] for r in runs]) for lab in labs}
        worst = max(alternating, key=alternating.get)
        rows.append(
            {
                "temperature": temperature,
                "seeds": len(runs),
                "median switches per lab": float(np.median(switches)),
                "mean switches per lab": float(np.mean(switches)),
                "labs alternating in >10% of seeds": sum(v > 0.1 for v in alternating.values()),
                "most alternating lab (share of seeds)": f"{worst} ({alternating[worst]:.2f})",
                "top option > 0.99, 2024": float(
                    np.mean([r["sure"].get(2024, np.nan) for r in runs])
                ),
                "top option > 0.99, 2027": float(
                    np.mean([r["sure"].get(2027, np.nan) for r in runs])
                ),
            }
        )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """A plain Markdown table (numbers to three significant figures)."""

    def cell(v) -> str:
        return f"{v:.3g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines) + "\n"


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--developers", type=int, default=0, help="0: the scenario's size")
    parser.add_argument("--enterprises", type=int, default=0, help="0: the scenario's size")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "strategy_cycles.md")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    jobs = [
        (t, r, args.developers, args.enterprises) for t in TEMPERATURES for r in range(args.seeds)
    ]
    start = time.time()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(one_run, jobs))
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1))
    table = summarise(results)
    size = (
        "default sizes"
        if not (args.developers or args.enterprises)
        else f"{args.developers or 'default'} developers, {args.enterprises or 'default'} enterprises"
    )
    text = (
        "# Do labs settle? Strategy switches at three temperatures\n\n"
        "Generated by `experiments/strategy_cycles.py`: `scenarios/deepseek_cascade.toml`, "
        f"seeds 0-{args.seeds - 1} (the validation's replications), {size}, inertia 0, "
        f"2024-01..2028-12; {date.today().isoformat()}, commit {commit()}, "
        f"{(time.time() - start) / 60:.1f} min on {args.workers} workers.\n\n"
        "The temperatures are the low end, the geometric middle and the high end of the range "
        "the calibration may search (ODD section 8). A lab *alternates* in a seed when its "
        "strategy in force at three consecutive reviews reads X, Y, X. The last two columns "
        "are the share of reviews whose best option has a probability above 0.99.\n\n"
        + markdown(table)
    )
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
