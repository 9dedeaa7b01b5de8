"""One real-browser check: Debian chromium, driven by Playwright, against `streamlit run`."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
FORREST_GUMP = "tt0109830"

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
              pytest.mark.timeout(180)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{server.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {seconds}s")


@pytest.fixture
def app_url(tmp_path):
    port = free_port()
    env = {**os.environ, "REELPULSE_DATA_DIR": str(tmp_path / "store")}
    server = subprocess.Popen([sys.executable, "-m", "tests.browser_app", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_review_submitted_in_the_browser_moves_the_rating(app_url):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{app_url}/movie?id={FORREST_GUMP}")
            rating = page.locator('[data-testid="stMetricValue"]', has_text="/ 10")
            expect(rating).to_be_visible(timeout=60_000)
            before = float(rating.inner_text().split("/")[0])
            page.get_by_role("textbox", name="Your review").fill("A wonderful, moving film. Loved it.")
            started = time.perf_counter()
            page.get_by_role("button", name="Submit review").click()
            expect(page.get_by_text("Your review is stored.")).to_be_visible(timeout=30_000)
            expect(rating).not_to_have_text(f"{before:.2f} / 10", timeout=30_000)
            print(f"submit → new rating on screen: {1000 * (time.perf_counter() - started):.0f} ms")
            assert float(rating.inner_text().split("/")[0]) > before
            expect(page.get_by_text("A wonderful, moving film. Loved it.")).to_be_visible()
        finally:
            browser.close()
