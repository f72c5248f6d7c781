"""A user's files survive every command that writes, wherever its output is pointed, and
whatever names the input files give."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from openness.cli import main
from tests.conftest import BASELINE
from tests.experiments.helpers import write_experiment

TINY = ["--developers", "10", "--enterprises", "10"]


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A working directory holding the inputs and a directory of the user's own files."""
    work = tmp_path / "work"
    user = work / "user"
    (user / "nested").mkdir(parents=True)
    (user / "thesis.txt").write_text("years of work\n")
    (user / "nested" / "data.csv").write_text("1,2,3\n")
    (work / "notes.txt").write_text("a file\n")
    scenario = work / "tiny.toml"
    scenario.write_text(
        f'extends = "{BASELINE}"\nname = "tiny"\n[simulation]\nmonths = 3\n'
        '[[targets]]\nid = "adoption"\nmetric = "dev_adoption"\n'
        'month = "2024-03"\ncomparison = "ge"\nvalue = 0.0\n'
    )
    experiment = write_experiment(work, "", name="exp", replications=1, extra_arms=False)
    monkeypatch.chdir(work)
    return {
        "work": work,
        "user": user,
        "scenario": scenario,
        "experiment": experiment,
        "before": tree(tmp_path),
    }


def commands(w: dict, out: str) -> dict[str, list[str]]:
    return {
        "run": ["run", str(w["scenario"]), "--out", out, "--months", "2", *TINY, "--quiet"],
        "batch": ["batch", str(w["experiment"]), "--out", out, "--workers", "1", "--quiet"],
        "validate": [
            "validate",
            str(w["scenario"]),
            "--seeds",
            "1",
            "--workers",
            "1",
            "--out",
            out,
            *TINY,
        ],
        "report": ["report", out],
    }


TARGETS = {
    "the user's directory": "user",
    "its parent": ".",
    "the working directory": "{work}",
    "dot": ".",
    "the empty path": "",
    "a file": "notes.txt",
    "a file inside it": "user/thesis.txt",
    "the root": "/",
    "the home directory": "~",
}


@pytest.mark.parametrize("command", ["run", "batch", "validate", "report"])
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_user_files_survive_every_output_target(command, target, world, tmp_path, capsys):
    out = TARGETS[target].replace("{work}", str(world["work"]))
    if command == "validate" and target == "the user's directory":
        # validate's --out is a root under which it writes NAME/: the user's files stay
        assert main(commands(world, out)[command]) == 0
        assert (world["user"] / "tiny" / "validation.md").is_file()
        before = {
            k.removeprefix("work/user/"): v
            for k, v in world["before"].items()
            if k.startswith("work/user/")
        }
        assert {k: v for k, v in tree(world["user"]).items() if k in before} == before
        return
    code = main(commands(world, out)[command])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "error" in err
    assert tree(tmp_path) == world["before"]


@pytest.mark.parametrize(
    "where,text",
    [
        ("scenario name", 'name = "../../victim"'),
        ("scenario name", 'name = "/tmp/victim"'),
        (
            "target id",
            'name = "ok"\n[[targets]]\nid = "../../victim"\nmetric = "dev_adoption"\n'
            'month = "2024-02"\ncomparison = "ge"\nvalue = 0.0',
        ),
        (
            "lab name",
            'name = "ok"\n[[labs]]\nname = "../x"\norigin = "US"\nbusiness_model = "api"\n'
            'strategy = "closed"\ncapital = 1\ntraining_spend = 1\nopex = 1\n'
            "capability = 25\nprice = 1",
        ),
    ],
)
def test_names_that_are_paths_are_refused(where, text, world, tmp_path, capsys):
    path = world["work"] / "bad.toml"
    path.write_text(f'extends = "{BASELINE}"\n{text}\n')
    before = tree(tmp_path)
    for args in (
        ["run", str(path), "--months", "2", *TINY, "--quiet"],
        ["validate", str(path), "--seeds", "1", *TINY],
    ):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert str(path) in err and "name of letters" in err
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    "field,value", [("name", "../../victim"), ("name", "/abs"), ("arm", "../up")]
)
def test_experiment_and_arm_names_that_are_paths_are_refused(field, value, world, tmp_path, capsys):
    path = world["experiment"]
    text = path.read_text()
    text = (
        text.replace('name = "exp"', f'name = "{value}"')
        if field == "name"
        else text + f'\n[[arms]]\nname = "{value}"\n'
    )
    path.write_text(text)
    before = tree(tmp_path)
    assert main(["batch", str(path), "--workers", "1", "--quiet"]) == 2
    assert "name of letters" in capsys.readouterr().err
    assert tree(tmp_path) == before


def test_csv_outputs_are_written_atomically_and_only_into_openness_directories(
    world, tmp_path, capsys
):
    out = world["work"] / "results" / "exp"
    assert main(commands(world, str(out))["batch"]) == 0
    assert main(["results", str(out), "--csv", str(world["work"] / "r.csv")]) == 0
    assert (world["work"] / "r.csv").read_text().startswith("arm,")
    assert not list(world["work"].glob(".r.csv*"))
    # compare writes DIR/compare.csv only into a batch directory openness wrote
    assert main(["compare", str(world["user"])]) == 2
    assert "not a batch directory" in capsys.readouterr().err


def test_validate_never_replaces_a_scenario_directory_openness_did_not_write(
    world, tmp_path, capsys
):
    out = world["work"] / "vout"
    (out / "tiny" / "runs").mkdir(parents=True)
    (out / "tiny" / "runs" / "mine.txt").write_text("not openness's")
    before = tree(tmp_path)
    assert main(commands(world, str(out))["validate"]) == 2
    assert "did not write" in capsys.readouterr().err
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    "body,says",
    [
        ("seeds = []", "at least one seed"),
        ("seeds = [1, 1]", "must not repeat"),
        (
            '[design]\nkind = "grid"\n[[factors]]\nname = "world.spillover_open"\nlevels = [0.1]\n'
            '[[factors]]\nname = "world.spillover_open"\nlevels = [0.2]',
            "more than once",
        ),
    ],
)
def test_a_batch_is_checked_before_its_first_run(body, says, world, tmp_path, capsys):
    path = world["experiment"]
    text = path.read_text().replace(
        "replications = 1\n", "" if "seeds" in body else "replications = 1\n"
    )
    top, rest = (body, "") if body.startswith("seeds") else ("", body)
    lines = text.split("\n")
    lines.insert(3, top)
    path.write_text("\n".join(lines) + "\n" + rest + "\n")
    out = world["work"] / "out"
    assert main(["batch", str(path), "--out", str(out), "--quiet"]) == 2
    assert says in capsys.readouterr().err
    assert not out.exists()


def test_kept_months_outside_the_window_stop_the_batch_before_its_first_run(world, capsys):
    path = world["experiment"]
    path.write_text(
        path.read_text().replace(
            'months = ["2024-06", "2025-02"]', 'months = ["2024-06", "2031-02"]'
        )
    )
    out = world["work"] / "out"
    assert main(["batch", str(path), "--out", str(out), "--quiet"]) == 2
    assert "2031-02 is not simulated" in capsys.readouterr().err
    assert not out.exists()
