"""Content hashes of the tables a run writes, to show that a change keeps results bit-identical.

    python -m tests.table_hashes record tests/data/table_hashes.json   # before the change
    python -m tests.table_hashes check tests/data/table_hashes.json    # after it
    python -m tests.table_hashes check tests/data/table_hashes.json --drop a,b   # new columns

It runs `scenarios/baseline.toml` and `scenarios/deepseek_cascade.toml` for seeds 0-4 at their
default sizes and hashes the contents of the world, labs and decisions tables (column names,
dtypes and every value, bit for bit), not the files, whose metadata carries the version.

The bits depend on the numeric stack as well as on the code (numpy's vectorised `exp` and
`log` differ in the last bit between builds and CPUs), so the file also records the
environment, and `check` says when it runs in another one: then record at the commit before
the change in this environment, and check against that.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from openness.experiments import run_scenario
from openness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("baseline", "deepseek_cascade")
SEEDS = range(5)
TABLES = ("world", "labs", "decisions")
#: the packages whose builds change the bits of a run
NUMERIC_STACK = ("numpy", "scipy", "numba", "llvmlite", "pandas", "pyarrow")


def environment() -> dict[str, str]:
    """What besides the code decides the bits: the interpreter, the numeric stack, the CPU."""
    cpu = platform.processor() or platform.machine()
    flags = Path("/proc/cpuinfo")
    if flags.exists():
        lines = flags.read_text().splitlines()
        model = next((x.split(":", 1)[1].strip() for x in lines if x.startswith("model name")), "")
        avx = sorted({f for x in lines if x.startswith("flags") for f in x.split() if "avx" in f})
        cpu = f"{model} ({' '.join(avx)})"
    return {
        "python": platform.python_version(),
        **{name: version(name) for name in NUMERIC_STACK},
        "cpu": cpu,
    }


def table_hash(df: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in df.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def hashes(drop: tuple[str, ...] = ()) -> dict[str, str]:
    """Every table's hash, without the columns `drop` names (columns a change adds, so that
    the ones there before can be checked unchanged)."""
    out = {}
    for name in SCENARIOS:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        for seed in SEEDS:
            tables = run_scenario(scenario, seed=seed).tables
            for table in TABLES:
                kept = tables[table].drop(columns=[c for c in drop if c in tables[table]])
                out[f"{name}/s{seed}/{table}"] = table_hash(kept)
            print(f"{name} seed {seed}", file=sys.stderr)
    return out


def main(argv: list[str]) -> int:
    drop: tuple[str, ...] = ()
    if len(argv) == 4 and argv[2] == "--drop":
        drop, argv = tuple(argv[3].split(",")), argv[:2]
    if len(argv) != 2 or argv[0] not in ("record", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[1])
    found = hashes(drop)
    if argv[0] == "record":
        record = {"environment": environment(), "hashes": found}
        path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        return 0
    record = json.loads(path.read_text())
    expected = record.get("hashes", record)  # a file of hashes alone: no environment known
    here, there = environment(), record.get("environment")
    if here != there:
        changed = sorted(k for k in here if there is None or there.get(k) != here[k])
        print(
            f"recorded in another environment ({', '.join(changed)} differ, or unknown): "
            "tables can differ for that alone; record at the commit before the change here"
        )
    differ = sorted(k for k in expected if expected[k] != found.get(k))
    for key in differ:
        print(f"differs: {key}")
    print(f"{len(expected) - len(differ)} of {len(expected)} tables identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
