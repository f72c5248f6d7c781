"""The error types a user sees for bad input files."""

from __future__ import annotations

import os


class ScenarioError(Exception):
    """A scenario file (or an override of it) is malformed or inconsistent.

    The message is one paragraph naming the file, the field and what is allowed, so that the
    command-line interface can print it as it is and exit with status 2.
    """

    kind = "Scenario file"

    def __init__(
        self,
        path: str | os.PathLike[str],
        field: str,
        problem: str,
        problems: list[tuple[str, str, str]] | None = None,
    ) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        #: every problem found, as (file, field, problem); the first is (path, field, problem)
        self.problems = problems or [(self.path, field, problem)]
        super().__init__(self._message())

    def _message(self) -> str:
        if len(self.problems) == 1:
            file, field, problem = self.problems[0]
            where = f", field '{field}'" if field else ""
            return f"{self.kind} {file}{where}: {problem}"
        lines = [f"{self.kind} {self.path}: {len(self.problems)} problems"]
        for file, field, problem in self.problems:
            where = f"field '{field}'" if field else "the file"
            parent = f" (in {file})" if file != self.path else ""
            lines.append(f"  - {where}{parent}: {problem}")
        return "\n".join(lines)


class ExperimentError(ScenarioError):
    """An experiment file is malformed or inconsistent (same contract as ScenarioError)."""

    kind = "Experiment file"


class CalibrationError(ScenarioError):
    """A calibration file is malformed or inconsistent (same contract as ScenarioError)."""

    kind = "Calibration file"


class EnsembleError(ScenarioError):
    """A parameter-ensemble file is malformed or was made by other model code (same contract
    as ScenarioError)."""

    kind = "Ensemble file"


class OutputError(ScenarioError):
    """An output path that openness refuses to write (same contract as ScenarioError)."""

    kind = "Output directory"


class RunsFailed(Exception):
    """Some runs of a batch or validation ensemble failed (their errors are in the
    manifest): the command exits with status 3."""
