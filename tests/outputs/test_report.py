"""`openness report` and the --report flags: one self-contained HTML file and a Markdown
summary, for a run, a batch and a validation directory."""

from __future__ import annotations

import base64
import re

import pandas as pd

from openness.cli import main
from tests.conftest import ROOT

SIZES = ["--developers", "2000", "--enterprises", "300"]


def _images(html: str) -> list[str]:
    return re.findall(r"<img [^>]*src='([^']*)'", html)


def _assert_self_contained(html: str, n_figures: int) -> None:
    images = _images(html)
    assert len(images) == n_figures
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r"(src|href)=['\"](?!data:)", html)  # nothing outside the file


def test_report_of_a_batch_embeds_every_figure(tmp_path, capsys):
    exp = tmp_path / "exp.toml"
    exp.write_text(
        f'name = "exp"\nscenario = "{ROOT}/scenarios/baseline.toml"\nseed = 1\nreplications = 3\n'
        '[overrides]\n"simulation.developers" = 2000\n"simulation.enterprises" = 300\n'
        '"simulation.months" = 14\n'
        f'[[arms]]\nname = "baseline"\n[[arms]]\nname = "funding"\n'
        f'scenario = "{ROOT}/scenarios/policies/open_funding.toml"\n'
        '[outputs]\nlab_metrics = ["strategy", "developer_share", "capital", "runway"]\n'
    )
    out = tmp_path / "out"
    assert (
        main(["batch", str(exp), "--out", str(out), "--workers", "1", "--quiet", "--report"]) == 0
    )
    html = (out / "report.html").read_text()
    figures = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert {
        "adoption",
        "gaps",
        "cascade",
        "cascade_share",
        "market_shares",
        "capital_runway",
    } <= set(figures)
    assert any(f.startswith("effect_") for f in figures)
    assert any(f.startswith("effect_over_time_") for f in figures)  # 14 months kept
    _assert_self_contained(html, len(figures))
    assert "experiment_hash" in html and "Effects against" in html
    md = (out / "report.md").read_text()
    assert md.startswith("# Batch: exp") and "![adoption](figures/adoption.png)" in md
    assert sorted(p.stem for p in (out / "figures").glob("*.svg")) == figures


def test_report_of_a_run_and_the_run_flag(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(ROOT / "scenarios" / "baseline.toml"),
                "--out",
                str(out),
                "--months",
                "12",
                *SIZES,
                "--quiet",
                "--report",
            ]
        )
        == 0
    )
    html = (out / "report.html").read_text()
    _assert_self_contained(html, len(list((out / "figures").glob("*.png"))))
    assert "scenario_hash" in html and "Last month" in html
    assert main(["report", str(out)]) == 0  # regenerating replaces it in place
    assert "wrote" in capsys.readouterr().out


def test_validate_report_shows_each_target_against_its_range(tmp_path):
    out = tmp_path / "val"
    code = main(
        [
            "validate",
            str(ROOT / "scenarios" / "consolidation.toml"),
            "--seeds",
            "3",
            *SIZES,
            "--out",
            str(out),
            "--workers",
            "1",
            "--report",
        ]
    )
    assert code in (0, 4)
    directory = out / "consolidation"
    table = pd.read_csv(directory / "validation.csv")
    html = (directory / "report.html").read_text()
    assert "Pattern targets" in html and all(t in html for t in table["id"])
    assert (directory / "figures" / "validation.png").is_file()
    from openness.outputs import plots

    fig = plots.validation_ranges(table)
    for ax, row in zip(fig.axes, table.itertuples(), strict=True):
        segment = ax.collections[0].get_segments()[0]
        assert segment[0, 0] == row.p5 and segment[1, 0] == row.p95


def test_report_refuses_a_directory_it_cannot_read(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a run directory" in err and "Traceback" not in err
