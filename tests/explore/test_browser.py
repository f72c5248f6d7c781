"""The explorer in a real browser: `openness explore` served on a free local port, driven by
Playwright in the system's Chromium with every request off this machine refused.

Needs the `explore` extra (the README's commands install it) and a Chromium: Debian's
`/usr/bin/chromium`, or the one `OPENNESS_CHROMIUM` names. Without one the test is skipped,
saying why, unless `OPENNESS_REQUIRE_BROWSER=1` (set by CI), where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT

SCENARIO = ROOT / "scenarios" / "deepseek_cascade.toml"
POLICY = "policy:EU:eu-gpai-obligations:start"
SEED, POLICY_MONTH, MONTHS = "7", "2024-06", 12
#: the flags this machine's closed network needs (no background connections, no sandbox as root)
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    return os.environ.get("OPENNESS_CHROMIUM") or shutil.which("chromium") or None


def _unavailable() -> str:
    try:
        import playwright.sync_api  # noqa: F401
        import solara  # noqa: F401
    except ImportError as exc:
        return f"the explore extra is not installed ({exc.name})"
    if _chromium() is None:
        return "no Chromium (apt-get install chromium, or set OPENNESS_CHROMIUM)"
    return ""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`openness explore` on a free port; yields its address and stops it afterwards."""
    reason = _unavailable()
    if reason:
        if os.environ.get("OPENNESS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"the browser test must run here, but {reason}")
        pytest.skip(reason)
    from openness.explore.server import free_port

    port = free_port()
    log = tmp_path_factory.mktemp("explore") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "openness.cli", "explore", str(SCENARIO), "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://localhost:{port}/"
    try:
        _wait_until_serving(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_until_serving(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"openness explore exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"openness explore did not serve {url} in {timeout:.0f} s:\n{log.read_text()}")


def _expected(settings: dict) -> dict[str, str]:
    """What the page should show after MONTHS months: the same values from run_scenario."""
    from openness import metrics
    from openness.experiments import run_scenario
    from openness.explore.controls import settings_scenario
    from openness.explore.live import MONTH_METRICS
    from openness.scenario import load_scenario

    run = run_scenario(settings_scenario(load_scenario(SCENARIO), settings))
    row = run.tables["world"].iloc[MONTHS - 1]
    shown = {m: metrics.display(m, row[m]) for m in MONTH_METRICS}
    shown["month"] = f"{row['month']:%Y-%m}"
    return shown


def test_the_explorer_runs_the_scenario_in_a_browser_offline(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    refused: list[str] = []
    failed: list[str] = []

    def offline(route):  # the network is off: only this machine answers
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("localhost", "127.0.0.1"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1300})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.route("**/*", offline)
            page.goto(server)
            # the page renders over a websocket: wait for its controls, not for the load event
            step = page.get_by_role("button", name="Step")
            expect(step).to_be_visible(timeout=90_000)

            # the controls reach the server asynchronously, and an input the page has not yet
            # wired up drops what is typed: set whatever the run does not show yet, reset, and
            # step only once the page says that the run has both settings
            run = page.locator("[data-run]")
            text = ""
            for _ in range(30):
                if f"seed={SEED};" not in text:
                    seed = page.get_by_label("Seed")
                    seed.fill(SEED)
                    seed.press("Enter")
                if f"{POLICY} = {POLICY_MONTH}" not in text:
                    page.get_by_label("eu-gpai-obligations: takes effect").click(force=True)
                    page.locator(
                        ".v-menu__content .v-list-item", has_text=POLICY_MONTH
                    ).first.click()
                page.wait_for_timeout(500)
                page.get_by_role("button", name="Reset").click()
                page.wait_for_timeout(500)
                text = run.get_attribute("data-run", timeout=30_000) or ""
                if f"seed={SEED};" in text and f"{POLICY} = {POLICY_MONTH}" in text:
                    break
            else:
                pytest.fail(f"the page never ran the chosen settings: {text}")
            for month in range(1, MONTHS + 1):
                step.click()
                expect(page.locator("text=" + f"({month} simulated)")).to_be_visible(timeout=60_000)
            shown = {
                cell.get_attribute("data-metric"): cell.inner_text()
                for cell in page.locator("[data-metric]").all()
            }
            images = page.locator("img").evaluate_all(
                "imgs => imgs.filter(i => i.naturalWidth > 100).length"
            )
            page.screenshot(path=str(tmp_path / "explorer.png"), full_page=True)
        finally:
            browser.close()

    assert not errors, f"console errors: {errors}"
    assert not refused, f"the page asked the network for: {refused}"
    assert not failed, f"requests failed: {failed}"
    assert images >= 5, f"only {images} figures drawn (a blank page?)"
    assert shown == _expected({"seed": SEED, POLICY: POLICY_MONTH})
    assert (tmp_path / "explorer.png").stat().st_size > 10_000
