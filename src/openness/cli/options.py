"""The command line's constants: exit codes, the flags that override a scenario, and what
each command writes (shown by its `--help`)."""

from __future__ import annotations

EXIT_BAD_INPUT = 2
EXIT_RUNS_FAILED = 3
EXIT_TARGETS_FAILED = 4
EXIT_WRITE_FAILED = 5
EXIT_INTERRUPTED = 130
OVERRIDE_FLAGS = {
    "months": "simulation.months",
    "developers": "simulation.developers",
    "enterprises": "simulation.enterprises",
}


#: per command: what it writes, and the exit codes it can give (shown by `--help`)
COMMAND_NOTES = {
    "run": (
        "DIR (default results/NAME-sSEED): world.parquet, labs.parquet, decisions.parquet, "
        "events.parquet, summary.json, adoption.png/.svg, .openness.json; with --report "
        "also report.html, report.md, figures/",
        (0, 1, 2, 5, 130),
    ),
    "describe": ("nothing (prints the resolved configuration as JSON)", (0, 1, 2)),
    "batch": (
        "DIR (default results/NAME): manifest.json, experiment.json, events.parquet, "
        "world/RUN_ID.parquet, labs/RUN_ID.parquet, .openness.json",
        (0, 1, 2, 3, 5, 130),
    ),
    "calibrate": (
        "DIR (default calibration/NAME): calibration.json, wave-K/ (each wave's batch), "
        "wave-K.parquet, wave-K.json, report.md",
        (0, 1, 2, 3, 5, 130),
    ),
    "compact": (
        "DIR/dataset/ (world/arm=NAME/, labs/arm=NAME/, runs.parquet, compacted.json) in "
        "place of DIR/world/ and DIR/labs/; with --out, a new batch directory of the merged "
        "shards, which are left as they are",
        (0, 1, 2, 5),
    ),
    "results": ("nothing, or the CSV file of --csv", (0, 1, 2, 5)),
    "compare": ("DIR/compare.csv (or --csv FILE)", (0, 1, 2, 5)),
    "sensitivity": ("DIR/sensitivity.csv (or --csv FILE)", (0, 1, 2, 5)),
    "validate": (
        "OUT/NAME/ per scenario (default OUT results/validation): validation.md, "
        "validation.csv, runs/ (the ensemble as a batch directory)",
        (0, 1, 2, 3, 4, 5, 130),
    ),
    "explore": ("nothing (serves the explorer page until Ctrl-C)", (0, 1, 2)),
    "report": (
        "DIR/report.html, DIR/report.md, DIR/figures/ (into a run, batch or validation "
        "directory openness wrote)",
        (0, 1, 2, 5),
    ),
}
EXIT_MEANINGS = {
    0: "success",
    1: "internal error (a bug; --debug shows the traceback)",
    2: "bad input: a file, an argument or an output openness may not write",
    3: "some runs failed (errors in manifest.json)",
    4: "some target failed",
    5: "results could not be written (disk full, permission)",
    130: "interrupted",
}
