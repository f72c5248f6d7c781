"""Serving the explorer: what the server is told, and what `openness explore` refuses."""

from __future__ import annotations

from openness.cli import main
from openness.explore import RESULTS_ENV, SCENARIO_ENV
from openness.explore.server import command, environment, free_port, missing_packages
from tests.conftest import ROOT


def test_the_server_runs_offline_with_telemetry_off(tmp_path):
    env = environment(str(ROOT / "scenarios" / "baseline.toml"), str(tmp_path))
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env[SCENARIO_ENV] == str(ROOT / "scenarios" / "baseline.toml")
    assert env[RESULTS_ENV] == str(tmp_path)
    line = command("127.0.0.1", 8765)
    assert line[line.index("--host") + 1] == "127.0.0.1" and "--production" in line


def test_the_explore_extra_is_installed_by_the_projects_commands():
    assert missing_packages() == []


def test_a_free_port_is_free():
    import socket

    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_explore_without_the_extra_says_how_to_install_it(monkeypatch, capsys):
    import openness.explore.server

    monkeypatch.setattr(openness.explore.server, "missing_packages", lambda: ["solara"])
    assert main(["explore"]) == 2
    err = capsys.readouterr().err
    assert "openness[explore]" in err and "solara" in err and "Traceback" not in err


def test_explore_refuses_a_bad_scenario_before_serving(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[simulation]\nmonths = -1\n')
    assert main(["explore", str(bad), "--port", "0"]) == 2
    assert "simulation.months" in capsys.readouterr().err


def test_explore_refuses_a_results_path_that_is_no_directory(tmp_path, capsys):
    assert main(["explore", "--results", str(tmp_path / "none"), "--port", "0"]) == 2
    assert "is not a directory" in capsys.readouterr().err
