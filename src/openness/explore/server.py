"""Serving the explorer: solara's server on a local port, offline, with telemetry off."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import NoReturn

from openness.explore import RESULTS_ENV, SCENARIO_ENV
from openness.scenario import ScenarioError

#: what the page needs beyond the core package (the `explore` extra)
REQUIRED = ("solara", "solara_assets", "ipyvuetify", "ipyvue", "mesa.visualization", "networkx")
PAGE = "openness.explore.page"


def missing_packages() -> list[str]:
    """The packages of the `explore` extra that cannot be imported."""
    import importlib.util

    missing = []
    for name in REQUIRED:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` now (the server binds it a moment later)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def environment(scenario: str | None, results: str | None) -> dict[str, str]:
    """The server's environment: what the page opens, solara's telemetry off, and its
    front-end files served from the `solara-assets` package, not a CDN."""
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env["SOLARA_THEME_SHOW_BANNER"] = "False"
    env["MPLBACKEND"] = "Agg"
    if scenario:
        env[SCENARIO_ENV] = str(Path(scenario).resolve())
    if results:
        env[RESULTS_ENV] = str(Path(results).resolve())
    return env


def command(host: str, port: int) -> list[str]:
    """The command line that serves the page."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        PAGE,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--log-level",
        "warning",
    ]


def check(scenario: str | None, results: str | None) -> None:
    """Refuse what the page cannot open, before the server starts."""
    from openness.scenario import load_scenario

    if scenario:
        load_scenario(scenario)  # raises ScenarioError listing every problem
    if results and not Path(results).is_dir():
        raise ScenarioError(results, "", "is not a directory: pass a run, batch or validation one")


def serve(
    scenario: str | None = None,
    results: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
) -> NoReturn:
    """Serve the page until interrupted. This process becomes solara's server (exec), so
    that a signal that stops `openness explore` stops the server, leaving no orphan."""
    check(scenario, results)
    shown = "localhost" if host in ("127.0.0.1", "localhost") else host
    print(f"openness explorer at http://{shown}:{port}/ (Ctrl-C stops it)", flush=True)
    line = command(host, port)
    os.execve(line[0], line, environment(scenario, results))
