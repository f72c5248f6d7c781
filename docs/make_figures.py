"""Regenerate the figures shown in docs/figures.md from real (reduced-size) runs.

    .venv/bin/python docs/make_figures.py        # or: make figures   (about two minutes)

Runs the DeepSeek cascade and its counterfactual (20 paired seeds, 20,000 developers and
2,000 enterprises), the policy interventions (10 seeds), a small Saltelli design and the
cascade's validation, then writes every figure of `openness.outputs.plots` as a small PNG
into docs/figures/.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from openness.experiments import (
    compare_arms,
    load_events,
    load_experiment,
    load_results,
    run_batch,
    sobol_indices,
)
from openness.experiments.validation import evaluate, run_ensemble
from openness.outputs import plots
from openness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "docs" / "figures"
SIZES = '"simulation.developers" = 20000\n"simulation.enterprises" = 2000\n'


def _experiment(directory: Path, name: str, body: str) -> Path:
    path = directory / f"{name}.toml"
    path.write_text(f'name = "{name}"\n{body}')
    return path


def _save(fig, name: str) -> None:
    plots.save(fig, FIGURES / name, ("png",), dpi=72)


def main() -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="openness-figures-"))
    scen = ROOT / "scenarios"
    cascade = _experiment(
        work,
        "cascade",
        (
            f'scenario = "{scen}/deepseek_cascade.toml"\nseed = 1\nreplications = 20\n'
            f'baseline_arm = "cascade"\n[overrides]\n{SIZES}'
            f'[[arms]]\nname = "cascade"\n[[arms]]\nname = "no_shock"\n'
            f'scenario = "{scen}/no_shock.toml"\n'
            '[outputs]\nlab_metrics = ["strategy", "developer_share", "capital", "runway"]\n'
        ),
    )
    run_batch(load_experiment(cascade), work / "cascade", progress=True)
    world, labs = load_results(work / "cascade"), load_results(work / "cascade", "labs")
    events = load_events(work / "cascade")
    arm = {
        name: (world[world.arm == name], labs[labs.arm == name], events[events.arm == name])
        for name in ("cascade", "no_shock")
    }
    w, la, ev = arm["cascade"]
    _save(
        plots.adoption_curves(w, ev, "DeepSeek cascade: open-weight adoption (20 seeds)"),
        "adoption",
    )
    _save(
        plots.cascade(
            la,
            "DeepSeek cascade: strategy of each lab (seed 1)",
            observed=(
                pd.DataFrame(
                    {
                        "lab": ["OpenAI", "NVIDIA", "DeepSeek", "Zhipu", "Alibaba"],
                        "month": pd.to_datetime(
                            ["2025-08-01", "2026-01-01", "2026-02-01", "2026-02-01", "2026-02-01"]
                        ),
                    }
                )
            ),
        ),
        "cascade",
    )
    _save(
        plots.cascade_share(la, "DeepSeek cascade: share of seeds in which each lab is open"),
        "cascade_share",
    )
    _save(plots.gaps(w, ev, "DeepSeek cascade: price and capability gaps (20 seeds)"), "gaps")
    _save(
        plots.market_shares(la, title="DeepSeek cascade: developers by lab family"), "market_shares"
    )
    _save(plots.capital_runway(la, "DeepSeek cascade: capital and runway"), "capital_runway")

    policy = load_experiment(ROOT / "experiments" / "policy_interventions.toml")
    spec = policy.spec.model_copy(
        update={
            "replications": 10,
            "overrides": {"simulation.developers": 20000, "simulation.enterprises": 2000},
        }
    )
    policy = policy.model_copy(update={"spec": spec})
    run_batch(policy, work / "policy", progress=True)
    pw = load_results(work / "policy")
    table = compare_arms(pw[pw.month == pw.month.max()], "baseline", ["n_frontier_open"])
    _save(plots.policy_effects(table, "n_frontier_open"), "policy_effects")

    sobol = _experiment(
        work,
        "sobol",
        (
            f'scenario = "{scen}/baseline.toml"\nseed = 2\nreplications = 1\n[overrides]\n'
            '"simulation.developers" = 5000\n"simulation.enterprises" = 500\n'
            '"simulation.months" = 36\n[design]\nkind = "saltelli"\nsamples = 32\n'
            '[[factors]]\nname = "world.spillover_open"\nbounds = [0.02, 0.25]\n'
            '[[factors]]\nname = "decision.value_volatility"\nbounds = [0.1, 1.0]\n'
            '[[factors]]\nname = "decision.temperature"\nbounds = [0.05, 0.3]\n'
            '[outputs]\nmetrics = ["open_share_dev_count"]\nmonths = ["2026-12"]\n'
        ),
    )
    loaded = load_experiment(sobol)
    run_batch(loaded, work / "sobol", progress=True)
    table = sobol_indices(load_results(work / "sobol"), loaded.spec, ["open_share_dev_count"])
    _save(plots.sobol_bars(table), "sobol")

    path = scen / "deepseek_cascade.toml"
    sizes = {"simulation.developers": 20000, "simulation.enterprises": 2000}
    ens = run_ensemble(path, 20, work / "validation", sizes, progress=True)
    _save(plots.validation_ranges(evaluate(load_scenario(path, sizes), ens)), "validation")
    print(f"wrote {len(list(FIGURES.glob('*.png')))} figures to {FIGURES}")


if __name__ == "__main__":
    main()
