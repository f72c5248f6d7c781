"""The developer rule three ways, side by side in one run: classic Mesa (one Agent per
developer), mesa-frames (one Polars agent set) and the numba kernel (1 and 2 threads).

    make bench-peers                                 # its own environment, then this
    benchmarks/.peers/bin/python benchmarks/peers.py [--quick] [--out benchmarks/peers.json]

First the check: every developer choosing once from a fresh start, each implementation's
shares of the offers agree with the logit's within 5 standard errors, and a second review at
the same utilities leaves every developer's family as it was (persistent tastes). Then the
timing: ns per agent-step at 10k, 100k and 1M developers, the best of several steps after a
warm-up (one step for classic Mesa). Nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.classic_mesa import ClassicDevelopers  # noqa: E402
from benchmarks.kernels import KEY, best_seconds, developer_state  # noqa: E402
from benchmarks.mesa_frames_developers import FramesDevelopers  # noqa: E402
from openness.kernels import developer_step  # noqa: E402
from openness.kernels.rng import seed_key  # noqa: E402


def fresh_start(n: int) -> dict:
    state = developer_state(n)
    state["offer"][:] = -1
    state["adopt_prob"][:] = 1.0
    return state


def check(n: int = 20_000) -> dict:
    """Each implementation's choice shares against the logit, and persistence."""
    state = fresh_start(n)
    expected = state["exp_util"] / state["exp_util"].sum(axis=1, keepdims=True)
    expected = np.bincount(state["segment"], minlength=3) @ expected / n
    sigma = np.sqrt(expected * (1 - expected) / n)
    m = state["exp_util"].shape[1]
    families = state["family_of"]
    out = {}
    for name, make in (("classic_mesa", ClassicDevelopers), ("mesa_frames", FramesDevelopers)):
        model = make({k: v.copy() for k, v in state.items()}, seed=3)
        model.step()
        shares = np.bincount(model.offers(), minlength=m) / n
        before = families[model.offers()]
        model.review_prob[:] = 1.0
        model.step()
        out[name] = {
            "max_z": float(np.max(np.abs(shares - expected) / sigma)),
            "families_kept": bool((families[model.offers()] == before).all()),
        }
    fast = {k: v.copy() for k, v in state.items()}
    developer_step(*fast.values(), seed_key(3), seed_key(3), np.int64(0))
    shares = np.bincount(fast["offer"], minlength=m) / n
    out["numba"] = {"max_z": float(np.max(np.abs(shares - expected) / sigma))}
    return out


def _step_ns(model, n: int, steps: int) -> float:
    model.step()  # warm-up (Polars plans, caches)
    best = np.inf
    for _ in range(steps):
        t0 = time.perf_counter()
        model.step()
        best = min(best, time.perf_counter() - t0)
    return 1e9 * best / n


def timing(sizes: list[int], steps: int) -> list[dict]:
    rows = []
    for n in sizes:
        row: dict = {"agents": n}
        row["classic_mesa_ns"] = _step_ns(ClassicDevelopers(developer_state(n), seed=1), n, 1)
        row["mesa_frames_ns"] = _step_ns(FramesDevelopers(developer_state(n), seed=1), n, steps)
        for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(threads)
            s = developer_state(n)
            seconds = best_seconds(
                lambda t, s=s: developer_step(*s.values(), KEY, KEY, np.int64(t)), 5
            )
            row[f"numba_{threads}t_ns"] = 1e9 * seconds / n
        rows.append(row)
        print(_line(row), flush=True)
    return rows


def _line(r: dict) -> str:
    return (
        f"{r['agents']:>10,}{r['classic_mesa_ns']:>14.0f}{r['mesa_frames_ns']:>13.1f}"
        f"{r['numba_1t_ns']:>10.2f}{r.get('numba_2t_ns', float('nan')):>10.2f}"
        f"{r['mesa_frames_ns'] / r['numba_1t_ns']:>14.0f}"
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("peers.json"))
    args = parser.parse_args(argv)
    import mesa
    import mesa_frames
    import polars

    versions = {
        "mesa": mesa.__version__,
        "mesa_frames": getattr(mesa_frames, "__version__", "0.1.0a0"),
        "polars": polars.__version__,
        "numpy": np.__version__,
        "numba": numba.__version__,
    }
    print("versions:", ", ".join(f"{k} {v}" for k, v in versions.items()))
    checked = check(2_000 if args.quick else 20_000)
    print("check (largest |share - logit| in standard errors; tastes kept):", checked)
    failed = [k for k, v in checked.items() if v["max_z"] > 5 or not v.get("families_kept", True)]
    if failed:
        raise SystemExit(f"the check failed for {', '.join(failed)}: not the kernel's rule")
    sizes = [2_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000]
    print(
        f"\n{'agents':>10}{'classic Mesa':>14}{'mesa-frames':>13}{'numba 1t':>10}{'numba 2t':>10}"
        f"{'frames/numba':>14}   ns/agent-step"
    )
    rows = timing(sizes, 1 if args.quick else 3)
    report = {"versions": versions, "check": checked, "timing": rows}
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
