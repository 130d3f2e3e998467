"""End to end: ``cellvigil serve`` on a built registry, every page loaded in headless Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.fixture import build_fixture_registry

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CELLVIGIL = str(Path(sys.executable).with_name("cellvigil"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# (url path, a text the loaded page must show)
PAGES = [
    ("", "Documents by source kind"),
    ("products", "Cases of one product type"),
    ("regulation", "Timeline of regulator actions"),
    ("cases", "Evidence of the selected"),
    ("trials", "Results adverse events by arm"),
    ("signals", "Reporting odds ratio"),
    ("sql", "Example queries"),
]
ARTIFACTS = (
    Path(os.environ.get("CELLVIGIL_ARTIFACTS") or Path(tempfile.gettempdir()) / "artifacts")
    / "dashboard"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _settle(page, seconds: float = 30) -> None:
    """Wait until the script run is over: no running indicator and no placeholder left."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-testid="stSkeleton"]')""",
        timeout=seconds * 1000,
    )
    page.wait_for_timeout(700)  # let charts draw


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"cellvigil serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the dashboard at {url} did not answer within {seconds} s")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium, "
            "as ./dev.sh test does) to run the browser tests"
        )
    db = build_fixture_registry(tmp_path_factory.mktemp("browser") / "fixture.duckdb")
    port = _free_port()
    proc = subprocess.Popen(
        [CELLVIGIL, "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:  # `cellvigil serve` runs streamlit as a child: end the whole process group
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser(served: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_browser_deep_link_as_first_request_keeps_navigation_and_filters(
    served: str, browser
) -> None:
    # Runs first: a page URL opened before any other request must still go through app.py.
    page = browser.new_page()
    try:
        page.goto(f"{served}/products?tissue=adipose")
        page.get_by_text("Cases of one product type").first.wait_for(timeout=30_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Adipose / SVF").first.wait_for(timeout=10_000)
        assert sidebar.get_by_text("Case reports & evidence").count() == 1
    finally:
        page.close()


@pytest.mark.parametrize(("path", "expected"), PAGES)
def test_browser_page_loads_without_exception(
    served: str, browser, path: str, expected: str
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 2600})  # whole page in the shot
    try:
        page.goto(f"{served}/{path}", wait_until="domcontentloaded")
        page.get_by_text(expected).first.wait_for(timeout=20_000)
        _settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator("text=Traceback").count() == 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{path or 'overview'}.png"), full_page=True)
    finally:
        page.close()


def test_browser_hostile_text_stays_inert(served: str, browser) -> None:
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{served}/cases?kind=clinic_ad&event=pulmonary_embolism")
        page.get_by_text("Evidence of the selected").first.wait_for(timeout=20_000)
        page.wait_for_timeout(1000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('a[href*="evil.example"]').count() == 0
        assert page.locator("mark").first.inner_text().startswith("[pulmonary embolism]")
        assert page.locator("script:text('xss')").count() == 0
        assert dialogs == []
    finally:
        page.close()


def test_browser_filters_live_in_the_link(served: str, browser) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{served}/regulation?setting=regulated_trial")
        page.get_by_text("Timeline of regulator actions").first.wait_for(timeout=20_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Regulated trial").first.wait_for(timeout=10_000)
        page.get_by_role("link", name="Trials").first.click()
        page.get_by_text("Results adverse events by arm").first.wait_for(timeout=20_000)
        page.wait_for_timeout(500)
        assert "setting=regulated_trial" in page.url
    finally:
        page.close()


def test_browser_table_downloads_as_csv(served: str, browser) -> None:
    page = browser.new_page(accept_downloads=True)
    try:
        page.goto(f"{served}/")
        page.get_by_text("Documents by source kind").first.wait_for(timeout=20_000)
        button = page.locator(".st-key-overview_kinds_csv button")  # the widget's key
        button.wait_for(timeout=20_000)
        with page.expect_download(timeout=20_000) as download:
            button.click()
        path = download.value.path()
        assert Path(path).read_text("utf-8").startswith("source_kind,documents")
    finally:
        page.close()
