"""Read a probe: how far an outcome the calibration cannot reach moves when parameters set from
sources move far beyond their sources (docs/decisions/0021). Probes are not calibrations.

    .venv/bin/openness batch experiments/enterprise_probe.toml --out results/enterprise_probe
    .venv/bin/python experiments/probe.py enterprise [--results results/enterprise_probe]
    .venv/bin/openness batch experiments/labs_probe.toml --out results/labs_probe
    .venv/bin/python experiments/probe.py labs [--results results/labs_probe]

Prints the outcome's range over the design points in each window against the evidence, the
point where it comes closest, and each parameter's Spearman rank correlation with it in the
last window.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from openness.experiments import Experiment, load_results

ROOT = Path(__file__).resolve().parents[1]
#: probe -> (metric, format, [(label, first month, last month, evidence)])
PROBES = {
    "enterprise": (
        "ent_open_share_tokens",
        "{:.1%}",
        [("2024-Q4", "2024-09", "2024-11", 0.19), ("2025-Q2", "2025-04", "2025-06", 0.13)],
    ),
    "labs": ("n_major_frontier_open", "{:.2f}", [("2026-Q1", "2026-01", "2026-03", 6.0)]),
}


def window_means(df: pd.DataFrame, metric: str, windows) -> pd.DataFrame:
    """Per design point, the metric's mean over each window."""
    out = {}
    for label, first, last, _ in windows:
        rows = df[(df["month"] >= f"{first}-01") & (df["month"] <= f"{last}-01")]
        out[label] = rows.groupby("point")[metric].mean()
    return pd.DataFrame(out)


def render(probe: str, directory: Path) -> str:
    metric, fmt, windows = PROBES[probe]
    spec = Experiment.model_validate_json((directory / "experiment.json").read_text())
    df = load_results(directory)
    factors = [f.name for f in spec.factors]
    values = df.groupby("point")[factors].first()
    outcome = window_means(df, metric, windows)
    lines = [
        f"Probe '{probe}' ({metric}): {len(values)} design points, {spec.n_replications} "
        "seed(s) each.",
        "",
        "| window | evidence | min | median | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, _, _, evidence in windows:
        q = outcome[label].quantile([0, 0.5, 1]).to_numpy()
        cells = " | ".join(fmt.format(v) for v in (evidence, *q))
        lines.append(f"| {label} | {cells} |")
    last, evidence = windows[-1][0], windows[-1][3]
    closest = (outcome[last] - evidence).abs().idxmin()
    setting = ", ".join(f"{k.split('.', 1)[-1]} = {values.loc[closest, k]:.3g}" for k in factors)
    lines += [
        "",
        f"Closest to the evidence in {last} ({fmt.format(outcome.loc[closest, last])}): {setting}.",
        "",
        f"| parameter | rank correlation with {metric}, {last} |",
        "|---|---:|",
    ]
    for k in factors:
        rho = values[k].corr(outcome[last], method="spearman")
        lines.append(f"| `{k}` | {rho:+.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probe", choices=sorted(PROBES))
    parser.add_argument(
        "--results", type=Path, help="batch directory (default results/PROBE_probe)"
    )
    args = parser.parse_args(argv)
    print(render(args.probe, args.results or ROOT / "results" / f"{args.probe}_probe"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
