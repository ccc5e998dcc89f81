"""A real headless browser for page tests: Debian's chromium, driven by Playwright.

Use it from a test module with ``pytest_plugins = ["tests.browser"]``.
``page`` is a fresh tab that records console errors, failed requests and Content-Security-Policy
violations in ``page.problems``; assert it is empty to catch what a person would see go wrong.

Chromium comes from Debian (``apt-get install chromium``, done by .ci/run); Playwright never
downloads a browser of its own here. Without chromium the tests are skipped, except in CI
(``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One chromium per session with its own fresh profile (``--user-data-dir``)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="icskg-chromium-", ignore_cleanup_errors=True) as profile, \
            sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 1000}, accept_downloads=True,
        )
        context.set_default_timeout(15000)
        yield context
        context.close()


@pytest.fixture()
def page(browser) -> Iterator[object]:
    """A new tab; ``page.problems`` lists console errors, page errors and failed requests."""
    tab = browser.new_page()  # type: ignore[attr-defined]
    tab.problems = []
    tab.on("console", lambda m: m.type == "error" and tab.problems.append(f"console: {m.text}"))
    tab.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
    tab.on("requestfailed", lambda r: tab.problems.append(f"failed: {r.url} {r.failure}"))
    yield tab
    tab.close()
