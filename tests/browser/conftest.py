"""Browser tests: Debian's Chromium driven by Playwright for Python, at a phone
viewport, against the real app served on loopback (same database, simulator).

No browser is downloaded: Playwright launches /usr/bin/chromium by path. A
failing test leaves a screenshot under test-results/."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from anju.config import REPO_ROOT

PHONE = {"width": 360, "height": 640}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS = REPO_ROOT / "test-results"


def chromium_path() -> str:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.fail("Debian's chromium is missing: scripts/test installs it")
    return found


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    if not (REPO_ROOT / "pwa" / "dist" / "index.html").exists():
        pytest.fail("the web app is not built: scripts/test builds it")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, live_server, request) -> Iterator:
    context = browser.new_context(
        viewport=PHONE,
        base_url=live_server,
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        service_workers="allow",
        # Only where a test injects axe-core: the app's own CSP stays on elsewhere.
        bypass_csp=getattr(request.module, "INJECTS_SCRIPTS", False),
    )
    page = context.new_page()
    yield page

    failed = getattr(request.node, "failed_call", False)
    if failed:
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.failed_call = True
    return report
