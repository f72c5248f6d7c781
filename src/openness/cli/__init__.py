"""Command-line interface: a thin layer over `experiments` and `outputs`.

    openness run SCENARIO [--seed N] [--out DIR] [--months M] [--developers N] [--enterprises N]
    openness describe SCENARIO
    openness batch EXPERIMENT [--workers N] [--out DIR] [--resume] [--scheduler ADDRESS]
                   [--shard i/N]
    openness compact DIR [DIR ...] [--out DIR]
    openness calibrate CALIBRATION [--out DIR] [--workers N]
    openness results DIR [--table world|labs] [--csv FILE]
    openness compare DIR [--baseline ARM] [--metrics M ...] [--months YYYY-MM ...]
    openness sensitivity DIR [--metrics M ...] [--months YYYY-MM ...] [--arm ARM]
    openness validate SCENARIO ... | --all [--seeds N] [--out DIR] [--workers N]
    openness report DIR
    openness explore [SCENARIO] [--results DIR] [--host H] [--port P]

Exit status: 0 success; 1 an internal error (a bug: please report it); 2 bad input (a
scenario or experiment file, an argument, an output directory openness may not write); 3 a
batch or validation in which some runs failed; 4 a validation in which some target failed;
5 results could not be written (disk full, permission); 130 interrupted.
"""

from __future__ import annotations

import os
import sys

from openness.cli.options import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_RUNS_FAILED,
    EXIT_WRITE_FAILED,
)
from openness.cli.parser import build_parser


def main(argv: list[str] | None = None) -> int:
    from openness.scenario.errors import RunsFailed, ScenarioError

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ScenarioError as exc:
        print(f"openness: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RunsFailed as exc:
        print(f"openness: error: {exc}", file=sys.stderr)
        return EXIT_RUNS_FAILED
    except KeyboardInterrupt:
        print("openness: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into e.g. `head`, which has closed: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # the disk is full, a permission is missing: say so plainly
        if args.debug:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        print(
            f"openness: error: could not write the results{where}: {exc.strerror or exc}. "
            "Nothing written is left looking complete; free space or fix the permission, "
            "then run the command again (a batch: with --resume)",
            file=sys.stderr,
        )
        return EXIT_WRITE_FAILED
    except Exception as exc:  # an internal failure: one line, not a traceback
        if args.debug:
            raise
        print(
            f"openness: internal error: {type(exc).__name__}: {exc} "
            "(please report it with the scenario file; --debug shows the traceback)",
            file=sys.stderr,
        )
        return 1
