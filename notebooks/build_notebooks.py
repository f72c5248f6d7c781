"""Write the three tutorial notebooks (cells as source, no outputs).

    .venv/bin/python notebooks/build_notebooks.py

The notebooks are committed; this script is how they are kept tidy and reviewable. The test
suite executes them (tests/test_notebooks.py).
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
from pathlib import Path

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
SCENARIOS = ROOT / "scenarios"
%matplotlib inline"""

QUICKSTART = [
    new_markdown_cell("""\
# 1. Quick start: run the baseline, plot adoption

`openness` simulates the market for AI models in which labs choose to publish their weights
(open), keep them behind an API (closed), or both (hybrid). This notebook runs the 2024-01
baseline scenario once and reads its results. Sizes are reduced so that it runs in seconds;
the command-line equivalent is `openness run scenarios/baseline.toml --report`."""),
    new_code_cell(SETUP),
    new_markdown_cell("""\
A scenario is a TOML file, validated into a typed configuration. Overrides use dotted keys;
here a smaller population than the default 100,000 developers."""),
    new_code_cell("""\
from openness.scenario import content_hash, load_scenario

scenario = load_scenario(SCENARIOS / "baseline.toml",
                         {"simulation.developers": 20_000, "simulation.enterprises": 2_000})
print(scenario.name, scenario.simulation.start, scenario.simulation.months, "months,",
      len(scenario.labs), "labs; hash", content_hash(scenario)[:12])"""),
    new_code_cell("""\
from openness.experiments import run_scenario

result = run_scenario(scenario, seed=1)
world, labs = result.tables["world"], result.tables["labs"]
print(result.provenance["wall_seconds"], "s;", world.shape, labs.shape)
world[["month", "open_share_dev_count", "ent_open_share_tokens", "n_frontier_open",
       "price_ratio", "open_lag_months"]].iloc[::12]"""),
    new_markdown_cell("""\
Each figure function takes the result tables (never a model). A single run is an ensemble of
one, so the bands collapse onto the line."""),
    new_code_cell("""\
from openness.outputs import plots

fig = plots.adoption_curves(world, result.tables["events"])
fig"""),
    new_code_cell("""\
plots.cascade(labs, title="Baseline: strategy of each lab")"""),
    new_markdown_cell("""\
The decisions table explains every strategy review. A lab values each option (closed, hybrid,
open) by the cash it expects over its horizon, discounted: each column is one term of that
value in $M (API margin, hosting of its open weights, business-model complements, grants,
compliance, market access, the safety cost of its release stance, its spending, and the option
to wait that an irreversible release gives up). The terms add up to `total`; `utility` is the
total over the lab's discounted gross cash flow (`scale`), and the choice is a logit over utilities
(ODD section 7.8)."""),
    new_code_cell("""\
from openness.market.valuation import TERMS

decisions = result.tables["decisions"]
first = decisions[decisions.lab == "OpenAI"].head(3)
first[["month", "option", *TERMS, "total", "scale", "utility", "probability"]].round(3)"""),
    new_code_cell("""\
import numpy as np

assert np.allclose(first[list(TERMS)].sum(axis=1), first["total"])"""),
    new_code_cell("""\
assert world["open_share_dev_count"].between(0, 1).all()
assert result.provenance["seed"] == 1"""),
]

CASCADE = [
    new_markdown_cell("""\
# 2. The DeepSeek cascade and its counterfactual

`scenarios/deepseek_cascade.toml` adds one exogenous shock to the 2025 world: in 2025-01
DeepSeek's training and inference efficiency jump and it releases. Every lab's response comes
from its own decision rule. `scenarios/no_shock.toml` is the same world without the shock.
Here both run for 8 paired seeds (common random numbers) at reduced size; the full check is
`openness validate --all` (30 seeds)."""),
    new_code_cell(SETUP),
    new_code_cell("""\
import tempfile

from openness.experiments import load_events, load_experiment, load_results, run_batch

work = Path(tempfile.mkdtemp())
(work / "cascade.toml").write_text(f'''
name = "cascade"
scenario = "{SCENARIOS / 'deepseek_cascade.toml'}"
seed = 7
replications = 8
baseline_arm = "cascade"
[overrides]
"simulation.developers" = 10000
"simulation.enterprises" = 1000
[[arms]]
name = "cascade"
[[arms]]
name = "no_shock"
scenario = "{SCENARIOS / 'no_shock.toml'}"
[outputs]
lab_metrics = ["strategy", "developer_share", "open_capability", "frontier_open", "release_trial_share"]
''')
summary = run_batch(load_experiment(work / "cascade.toml"), work / "out", workers=2,
                    progress=False)
print(summary)"""),
    new_code_cell("""\
world, labs = load_results(work / "out"), load_results(work / "out", "labs")
events = load_events(work / "out")
cascade = world[world.arm == "cascade"]
cascade_labs = labs[labs.arm == "cascade"]"""),
    new_code_cell("""\
from openness.outputs import plots

plots.cascade(cascade_labs, title="DeepSeek cascade: one seed")"""),
    new_code_cell("""\
plots.cascade_share(cascade_labs)"""),
    new_code_cell("""\
plots.gaps(cascade, events[events.arm == "cascade"])"""),
    new_markdown_cell("""\
**The counterfactual.** Paired by seed, how many of the eight major families have
frontier-class open weights in 2026-02 with and without the shock?"""),
    new_code_cell("""\
from openness.experiments import compare_arms

feb26 = world[world.month == "2026-02-01"]
effect = compare_arms(feb26, "cascade", ["n_major_frontier_open", "open_share_dev_count"])
effect[["metric", "arm", "baseline_mean", "arm_mean", "effect", "ci_low", "ci_high"]]"""),
    new_markdown_cell("""\
**The targets.** The scenario's `[[targets]]` are evaluated on every seed; the same code
drives `openness validate`."""),
    new_code_cell("""\
from openness.experiments.validation import Ensemble, evaluate
from openness.scenario import load_scenario

scenario = load_scenario(SCENARIOS / "deepseek_cascade.toml")
# a target read against another scenario (`versus`) takes that scenario's arm, same seed
ensemble = Ensemble(world=world, labs=labs, arm="cascade", versus={"no_shock.toml": "no_shock"},
                    start=scenario.simulation.start)
table = evaluate(scenario, ensemble)
table[["id", "target", "median", "share_passing", "verdict"]]"""),
    new_code_cell("""\
plots.validation_ranges(table)"""),
]

POLICY = [
    new_markdown_cell("""\
# 3. Policy interventions: effects and their uncertainty

`experiments/policy_interventions.toml` runs every policy scenario of `scenarios/policies/`
against the 2024-01 baseline with paired seeds. `openness batch` runs it and `openness
compare` reports each arm's effect with a 95% bootstrap interval. Here the same with 8
replications per arm at reduced size."""),
    new_code_cell(SETUP),
    new_code_cell("""\
import tempfile

from openness.experiments import load_experiment, load_results, run_batch

loaded = load_experiment(ROOT / "experiments" / "policy_interventions.toml")
spec = loaded.spec.model_copy(update={"replications": 8, "overrides": {
    "simulation.developers": 8000, "simulation.enterprises": 800}})
loaded = loaded.model_copy(update={"spec": spec})
print([arm.name for arm in spec.arms])
out = Path(tempfile.mkdtemp()) / "policy"
summary = run_batch(loaded, out, workers=2, progress=False)
print(summary.done, "runs in", round(summary.seconds, 1), "s")"""),
    new_code_cell("""\
from openness.experiments import compare_arms

world = load_results(out)
last = world[world.month == world.month.max()]
effects = compare_arms(last, "baseline", ["n_frontier_open", "open_share_dev_count",
                                          "ent_open_share_tokens"], seed=spec.seed)
effects[["metric", "arm", "effect", "ci_low", "ci_high", "same_sign_share", "pairs"]]"""),
    new_markdown_cell("""\
**Reading an effect.** `effect` is the mean paired difference (arm minus baseline, same seed)
in the last month; `ci_low`/`ci_high` a 95% bootstrap interval over the pairs;
`same_sign_share` the share of pairs whose difference has the sign of the mean. An interval
that excludes 0 is an effect the replications resolve; with 8 replications many do not, and
the answer is more replications, not a smaller interval."""),
    new_code_cell("""\
from openness.outputs import plots

plots.policy_effects(effects, "n_frontier_open")"""),
    new_code_cell("""\
resolved = effects[(effects.ci_low > 0) | (effects.ci_high < 0)]
resolved[["metric", "arm", "effect", "ci_low", "ci_high"]]"""),
    new_code_cell("""\
plots.adoption_curves(world[world.arm == "open_release_ban"],
                      title="Open-release ban: adoption (8 seeds)")"""),
]


def main() -> None:
    for name, cells in (
        ("01_quickstart", QUICKSTART),
        ("02_deepseek_cascade", CASCADE),
        ("03_policy_interventions", POLICY),
    ):
        nb = new_notebook(
            cells=cells,
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"},
            },
        )
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print("wrote", HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
