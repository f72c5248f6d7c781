"""Calibrate the behavioural parameters the documents do not fix against the pattern targets.

    .venv/bin/python experiments/calibrate.py                    # the documented budget
    .venv/bin/python experiments/calibrate.py --generations 2 --popsize 4 --seeds 4   # quick
    .venv/bin/python experiments/calibrate.py --method compass --budget 80   # local search
    .venv/bin/python experiments/calibrate.py --write            # also write the fit back

Differential evolution (scipy, the default) or a compass search (`--method compass`: from the
committed values, try each parameter a step up and down, keep any strict improvement, halve
the step when a full sweep finds none) minimises the calibration loss: over the targets marked
`calibration = true` in the cascade, no-shock and consolidation scenarios, the sum of each
target's shortfall (required share of seeds minus the share that passes, or for a median
target the distance of the median from its range, scaled by the range's width), or with
`--loss distance` the sum of each target's distance from passing (validation's `distance`:
how far outside the required interval the required share of seeds lie, d / (1 + d) for d in
units of its width), which also falls as seeds come closer before they enter. Held-out
targets (`calibration = false`, in scenarios/heldout/) are never read. Every
candidate runs the same seeds (common random numbers; replications 90-97 by default, apart
from the validation's 0-29 and the confirmation's 30-89) at reduced population sizes.

Outputs: `docs/calibration.md` (parameters, bounds, start and fitted values, losses,
seeds, time taken) and, with --write, the fitted values in the scenario files.
"""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution

from openness.experiments.design import replication_seed, run_specs
from openness.experiments.executors import LocalPoolExecutor
from openness.experiments.runner import execute
from openness.experiments.spec import LoadedExperiment
from openness.experiments.validation import Ensemble, ensemble_experiment, evaluate, looked_at
from openness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["deepseek_cascade", "no_shock", "consolidation"]


@dataclass(frozen=True)
class Parameter:
    key: str  # dotted scenario key
    low: float
    high: float
    file: str = "baseline.toml"  # where its value is written


PARAMETERS = [
    # the labs' shared behavioural parameters (ODD section 8): no lab has one of its own
    Parameter("decision.temperature", 0.005, 0.1),
    Parameter("decision.price_adjustment", 0.1, 1.0),
    Parameter("decision.inertia", 0.0, 0.05),
    Parameter("decision.value_volatility", 0.1, 1.0),
    Parameter("decision.safety_steepness", 1.0, 8.0),
    Parameter("decision.stance_weights.framework", 0.0, 3.0),
    Parameter("decision.stance_weights.none", 0.0, 1.0),
    Parameter("world.spillover_open", 0.02, 0.25),
    Parameter("world.third_party_markup", 0.1, 2.0),
    Parameter("labs.Meta.efficiency", 0.1, 0.6),
    Parameter("labs.Zhipu.efficiency", 0.5, 3.0),
    Parameter("world.recipe_diffusion", 0.0, 0.3),
    Parameter("business_models.platform.exclusivity", 0.0, 300.0),
]
SIZES = {"simulation.developers": 20_000, "simulation.enterprises": 2_000}


def current_values() -> np.ndarray:
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").model_dump()
    values = []
    for p in PARAMETERS:
        parts = p.key.split(".")
        if parts[0] == "labs":  # labs.NAME.field
            lab = next(lab for lab in scenario["labs"] if lab["name"] == parts[1])
            values.append(float(lab[parts[2]]))
        else:  # section[.subsection].field
            node = scenario
            for part in parts:
                node = node[part]
            values.append(float(node))
    return np.array(values)


class Objective:
    """The calibration loss of a parameter vector, evaluated on a persistent worker pool."""

    def __init__(
        self,
        seeds: int,
        executor,
        label: str = "evaluation",
        first_replication: int = 0,
        loss: str = "shares",
        margin: float = 0.0,
    ) -> None:
        self.seeds, self.executor, self.calls, self.label = seeds, executor, 0, label
        self.loss, self.margin = loss, margin
        self.first = first_replication  # replications first .. first + seeds - 1
        self.best = np.inf

    def tables(self, x: np.ndarray) -> dict[str, pd.DataFrame]:
        overrides = {**SIZES, **{p.key: float(v) for p, v in zip(PARAMETERS, x, strict=True)}}
        out = {}
        for name in SCENARIOS:
            path = ROOT / "scenarios" / f"{name}.toml"
            loaded, versus = ensemble_experiment(path, self.seeds, overrides)
            loaded = from_replication(loaded, self.first)
            world, labs = [], []
            for outcome in self.executor.imap_unordered(execute, run_specs(loaded)):
                if outcome.status != "done":
                    raise RuntimeError(outcome.error)
                world.append(outcome.tables["world"])
                labs.append(outcome.tables["labs"])
            scenario = looked_at(with_margin(load_scenario(path, overrides), self.margin))
            ens = Ensemble(
                pd.concat(world), pd.concat(labs), "main", scenario.simulation.start, versus
            )
            out[name] = evaluate(scenario, ens)
        return out

    def __call__(self, x: np.ndarray) -> float:
        self.calls += 1
        loss = calibration_loss(self.tables(x), kind=self.loss)
        if loss < self.best:
            # a long search can be stopped and its best point read off the log
            values = ", ".join(f"{p.key}={v:.4g}" for p, v in zip(PARAMETERS, x, strict=True))
            print(f"{self.label} {self.calls}: new best loss {loss:.3f} at {values}", flush=True)
            self.best = loss
        return loss


def with_margin(scenario, margin: float):
    """The scenario with every target's required share of seeds raised by `margin` (at most
    1): a fit that passes only at the threshold on its seeds passes other seeds about half the
    time, so the search is asked for room."""
    if not margin:
        return scenario
    targets = [
        t.model_copy(update={"share_of_seeds": min(1.0, t.share_of_seeds + margin)})
        for t in scenario.targets
    ]
    return scenario.model_copy(update={"targets": targets})


def from_replication(loaded: LoadedExperiment, first: int) -> LoadedExperiment:
    """The same experiment on replications first, first + 1, ... (same count; every arm
    keeps the same seeds, so the pairing holds)."""
    if first == 0:
        return loaded
    spec = loaded.spec
    seeds = [replication_seed(spec.seed, r) for r in range(first, first + spec.n_replications)]
    return loaded.model_copy(
        update={"spec": spec.model_copy(update={"replications": None, "seeds": seeds})}
    )


def compass_search(
    fun,
    x0: np.ndarray,
    bounds: list[tuple[float, float]],
    step: float,
    budget: int,
    min_step: float = 1 / 64,
    f0: float | None = None,
    confirm=None,
    confirm0: float | None = None,
) -> tuple[np.ndarray, float]:
    """Minimise `fun` from `x0` by a compass (pattern) search in units of each bound's width.

    The loss is a step function of shares of seeds under common random numbers, so it is
    deterministic but flat almost everywhere: a local search that moves one parameter at a
    time from a good point finds improvements that random populations in ten dimensions miss.
    With `confirm` (the same loss on more seeds), a move that improves `fun` is kept only if it
    also improves `confirm`: a small ensemble's loss rewards moves that fit its own noise.
    Confirmations do not count toward the budget; `confirm0` is `confirm(x0)` if known.
    The search stops at a loss of 0, on `fun` or on `confirm`: a sum of shortfalls cannot go
    lower, and a move that cannot lower the confirmation loss would never be kept.
    """
    low = np.array([b[0] for b in bounds])
    width = np.array([b[1] - b[0] for b in bounds])
    best_x = np.array(x0, dtype=float)
    best, calls = (float(fun(x0)), 1) if f0 is None else (f0, 0)
    confirmed = (
        np.inf if confirm is None else (float(confirm(best_x)) if confirm0 is None else confirm0)
    )

    def can_improve() -> bool:
        return best > 0 and confirmed > 0

    while step >= min_step and calls < budget and can_improve():
        improved = False
        for i in range(len(best_x)):
            if not can_improve():  # reached mid-sweep: no other move can be kept
                break
            for sign in (1.0, -1.0):
                if calls >= budget:
                    break
                trial = best_x.copy()
                trial[i] = np.clip(trial[i] + sign * step * width[i], low[i], low[i] + width[i])
                if trial[i] == best_x[i]:
                    continue
                loss = float(fun(trial))
                calls += 1
                if loss >= best - 1e-9:
                    continue
                if confirm is not None:
                    wide = float(confirm(trial))
                    if wide >= confirmed - 1e-9:
                        print(
                            f"  not kept: loss {wide:.3f} on the confirmation seeds "
                            f"(best {confirmed:.3f})",
                            flush=True,
                        )
                        continue
                    confirmed = wide
                best_x, best, improved = trial, loss, True
                break
        if not improved:
            step /= 2
    return best_x, best


def shortfall(row) -> float:
    if row.verdict == "pass":
        return 0.0
    if np.isnan(row.share_passing):
        return 1.0
    return float(max(0.0, row.required_share - row.share_passing)) or 0.05


# what the loss sums over the calibration targets (both are 0 exactly when all pass): the
# share of seeds missing, a step function, or how far each target is from passing, which
# also moves while seeds come closer before they enter (validation.evaluate's `distance`)
LOSSES = {
    "shares": ("sum of shortfalls of the calibration targets", shortfall),
    "distance": ("sum of the calibration targets' distances from passing", lambda r: r.distance),
}


def calibration_loss(
    tables: dict[str, pd.DataFrame], held_out: bool = False, kind: str = "shares"
) -> float:
    rows = pd.concat(tables.values())
    rows = rows[rows["calibration"] != held_out]
    term = LOSSES[kind][1]
    return float(sum(term(r) for r in rows.itertuples()))


def write_back(x: np.ndarray) -> None:
    """Replace `key = value` in the section of each parameter the fit moved (an unmoved one
    keeps its line as written, so the diff shows only the fit)."""
    for p, value, now in zip(PARAMETERS, x, current_values(), strict=True):
        if value == now:
            continue
        path = ROOT / "scenarios" / p.file
        parts = p.key.split(".")
        text = path.read_text()
        if parts[0] == "labs":  # the [[labs]] table whose name is parts[1]
            header = rf"^\[\[labs\]\]\nname = \"{re.escape(parts[1])}\"\n"
            block = re.search(header + r"(.*?)(?=^\[)", text, flags=re.S | re.M)
        else:
            section = re.escape(".".join(parts[:-1]))
            block = re.search(rf"^\[{section}\]\n(.*?)(?=^\[)", text, flags=re.S | re.M)
        key = parts[-1]
        new_block, found = re.subn(
            rf"^{key} = .*$", f"{key} = {value:.4g}", block.group(1), flags=re.M
        )
        if found != 1:
            raise SystemExit(f"{path}: no single '{key} = ...' line in the section of {p.key}")
        path.write_text(text[: block.start(1)] + new_block + text[block.end(1) :])


def _stop_note(losses: dict, args) -> str:
    """Why a compass search from the committed values stopped at once, if it did."""
    if args.method != "compass":
        return ""
    if losses["before"] == 0:
        return (
            " The committed values already pass every calibration target on these seeds "
            "(loss 0), so the search stopped at once."
        )
    if losses.get("confirm_before") == 0:
        return (
            " The committed values pass every calibration target on the confirmation "
            "seeds (loss 0 there), so no move could be kept and the search stopped at "
            "once."
        )
    return ""


def report(
    start: np.ndarray, fit: np.ndarray, losses: dict, tables: dict, args, seconds: float, calls: int
) -> str:
    replications = f"{args.confirm_from}-{args.confirm_from + args.confirm_seeds - 1}"
    if args.method == "compass":
        search = f"--method compass --budget {args.budget} --step {args.step:g}"
        method = "Compass search from the committed values"
        if args.confirm_seeds:
            search += f" --confirm-seeds {args.confirm_seeds} --confirm-from {args.confirm_from}"
            method += (
                f" (a move kept only if it also lowers the loss on "
                f"{args.confirm_seeds} seeds, replications {replications})"
            )
    else:
        search = f"--generations {args.generations} --popsize {args.popsize} --seed {args.seed}"
        method = "Differential evolution (scipy)"
    if args.loss != "shares":
        search += f" --loss {args.loss}"
    margin_note = ""
    if args.margin:
        search += f" --margin {args.margin:g}"
        margin_note = (
            f" Every target's required share of seeds is raised by {args.margin:g} "
            "in the loss and in the tables below."
        )
    lines = [
        "# Calibration report",
        "",
        f"Command: `python experiments/calibrate.py {search} --seeds {args.seeds} "
        f"--search-from {args.search_from} "
        f"--developers {SIZES['simulation.developers']} --enterprises "
        f"{SIZES['simulation.enterprises']}`",
        "",
        f"{method}, {calls} loss evaluations in {seconds / 60:.1f} "
        f"minutes on this machine; {args.seeds} seeds per scenario (replications "
        f"{args.search_from}-{args.search_from + args.seeds - 1}); populations of "
        f"{SIZES['simulation.developers']:,} developers and "
        f"{SIZES['simulation.enterprises']:,} enterprises."
        + _stop_note(losses, args)
        + margin_note,
        "",
        "| parameter | bounds | before | fitted |",
        "|---|---|---:|---:|",
    ]
    for p, a, b in zip(PARAMETERS, start, fit, strict=True):
        lines.append(f"| `{p.key}` | [{p.low:g}, {p.high:g}] | {a:.4g} | {b:.4g} |")
    lines += [
        "",
        f"Calibration loss: {losses['before']:.3f} before, {losses['after']:.3f} "
        f"fitted ({LOSSES[args.loss][0]}; 0 = all pass).",
        "Held-out targets (scenarios/heldout/) are neither read nor reported here: "
        "`openness validate --spend-heldout` looks at them, once.",
        "",
    ]
    if "confirm_before" in losses:
        lines += [
            f"Calibration loss on the {args.confirm_seeds} confirmation seeds "
            f"(replications {replications}): "
            f"{losses['confirm_before']:.3f} before, {losses['confirm_after']:.3f} "
            "fitted.",
            "",
        ]
    lines += ["## Targets with the fitted parameters", ""]
    for name, table in tables.items():
        lines += [
            f"### {name}",
            "",
            "| id | used | target | median | share | distance | verdict |",
            "|---|---|---|---:|---:|---:|---|",
        ]
        for r in table.itertuples():
            used = "calibration" if r.calibration else "held out"
            lines.append(
                f"| {r.id} | {used} | {r.target} | {r.median:.3g} | "
                f"{100 * r.share_passing:.0f}% | {r.distance:.3g} | {r.verdict} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--method",
        choices=["de", "compass"],
        default="de",
        help="differential evolution or compass search (default de)",
    )
    parser.add_argument(
        "--budget", type=int, default=80, help="compass: most loss evaluations (default 80)"
    )
    parser.add_argument(
        "--step",
        type=float,
        default=0.25,
        help="compass: first step, as a share of each bound's width",
    )
    parser.add_argument("--generations", type=int, default=6)
    parser.add_argument("--popsize", type=int, default=5, help="per parameter (scipy's)")
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument(
        "--loss",
        choices=sorted(LOSSES),
        default="shares",
        help="what the loss sums over the calibration targets: the share of "
        "seeds each misses by (default), or its distance from passing",
    )
    parser.add_argument(
        "--confirm-seeds",
        type=int,
        default=0,
        help="compass: keep a move only if it also lowers the loss on this many "
        "seeds (0: no confirmation)",
    )
    parser.add_argument(
        "--confirm-from",
        type=int,
        default=30,
        help="compass: first replication of the confirmation seeds (default 30: "
        "apart from the validation's 0-29, so that a kept move is not "
        "selected on the seeds that validate it)",
    )
    parser.add_argument(
        "--search-from",
        type=int,
        default=90,
        help="first replication of the seeds every candidate runs (default 90: "
        "apart from the validation's 0-29 and the confirmation's 30-89)",
    )
    parser.add_argument(
        "--margin",
        type=float,
        default=0.0,
        help="raise every target's required share of seeds by this much in the "
        "loss (default 0), so that the fit passes with room",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--developers", type=int, help=f"default {SIZES['simulation.developers']}")
    parser.add_argument(
        "--enterprises", type=int, help=f"default {SIZES['simulation.enterprises']}"
    )
    parser.add_argument("--write", action="store_true", help="write the fit into the scenarios")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "calibration.md")
    args = parser.parse_args(argv)
    if args.confirm_seeds and args.method != "compass":
        parser.error("--confirm-seeds works with --method compass only")
    if not 0 <= args.margin < 1:
        parser.error(f"--margin must be at least 0 and below 1, got {args.margin}")
    if args.confirm_from < 0 or args.search_from < 0:
        parser.error(
            f"--confirm-from and --search-from must be 0 or more, got "
            f"{args.confirm_from} and {args.search_from}"
        )
    searched = range(args.search_from, args.search_from + args.seeds)
    confirming = range(args.confirm_from, args.confirm_from + args.confirm_seeds)
    if set(searched) & set(confirming):
        parser.error(
            f"the search seeds (replications {searched.start}-{searched.stop - 1}) and "
            f"the confirmation seeds ({confirming.start}-{confirming.stop - 1}) overlap: "
            "a confirmation on the seeds a move was found on confirms nothing"
        )
    if args.developers:
        SIZES["simulation.developers"] = args.developers
    if args.enterprises:
        SIZES["simulation.enterprises"] = args.enterprises
    started = time.perf_counter()
    start = current_values()
    with LocalPoolExecutor(args.workers) as executor:
        objective = Objective(
            args.seeds,
            executor,
            loss=args.loss,
            first_replication=args.search_from,
            margin=args.margin,
        )
        before_tables = objective.tables(start)
        start_loss = calibration_loss(before_tables, kind=args.loss)
        objective.best = start_loss  # log only what beats the start
        print(f"start: loss {start_loss:.3f}", flush=True)

        def progress(intermediate_result) -> None:
            print(
                f"generation done: {objective.calls} evaluations, best loss "
                f"{intermediate_result.fun:.3f}, {(time.perf_counter() - started) / 60:.1f} "
                "min",
                flush=True,
            )

        bounds = [(p.low, p.high) for p in PARAMETERS]
        confirm = confirm_start = None
        if args.method == "compass":
            if args.confirm_seeds:
                confirm = Objective(
                    args.confirm_seeds,
                    executor,
                    "confirmation",
                    loss=args.loss,
                    first_replication=args.confirm_from,
                    margin=args.margin,
                )
                confirm_start = confirm(start)
            best_x, best = compass_search(
                objective,
                start,
                bounds,
                args.step,
                args.budget,
                f0=start_loss,
                confirm=confirm,
                confirm0=confirm_start,
            )
        else:
            result = differential_evolution(
                objective,
                bounds,
                maxiter=args.generations,
                popsize=args.popsize,
                seed=args.seed,
                x0=start,
                polish=False,
                tol=0.0,
                updating="deferred",
                callback=progress,
            )
            best_x, best = result.x, result.fun
        fit = best_x if best < start_loss else start
        fit_tables = objective.tables(fit)
    losses = {
        "before": start_loss,
        "after": calibration_loss(fit_tables, kind=args.loss),
    }
    if confirm is not None:  # its lowest loss is that of the last move it confirmed
        losses.update(confirm_before=confirm_start, confirm_after=confirm.best)
    seconds = time.perf_counter() - started
    args.report.write_text(
        report(start, fit, losses, fit_tables, args, seconds, objective.calls) + "\n"
    )
    print(f"loss {losses['before']:.3f} -> {losses['after']:.3f}; report {args.report}")
    if args.write:
        write_back(fit)
        print("fitted values written to scenarios/")


if __name__ == "__main__":
    main()
