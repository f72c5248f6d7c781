"""The error types a user sees for bad input files."""

from __future__ import annotations


class ScenarioError(Exception):
    """A scenario file (or an override of it) is malformed or inconsistent.

    The message is one paragraph naming the file, the field and what is allowed, so that the
    command-line interface can print it as it is and exit with status 2.
    """

    kind = "Scenario file"

    def __init__(self, path: str, field: str, problem: str) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        where = f", field '{field}'" if field else ""
        super().__init__(f"{self.kind} {self.path}{where}: {problem}")


class ExperimentError(ScenarioError):
    """An experiment file is malformed or inconsistent (same contract as ScenarioError)."""

    kind = "Experiment file"
