"""``/compliance`` in a real chromium: the matrix fits a laptop screen, names lead to their pages,
and the CSV and JSON downloads hold the findings the page shows."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from icskg.validation.compliance_cache import ComplianceCache

pytest_plugins = ["tests.browser"]  # the `page` fixture: a tab of Debian's chromium
pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def compliance(data_dir, store) -> None:
    """What ``icskg build`` writes: the default day's matrix."""
    ComplianceCache(data_dir, store.info()["version"]).precompute(store, date.today())


def test_the_matrix_fits_a_laptop_screen_and_names_link_to_their_pages(page, live_server, compliance):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server + "/compliance")
    matrix = page.locator("#matrix")
    box = matrix.bounding_box()
    assert box["x"] + box["width"] <= 1366 and box["height"] <= 768 - 200  # with room for the page's head
    assert page.locator("#matrix tbody tr").count() == 42
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scrolling
    page.click("#matrix a:text-is('Cheshire and Merseyside')")
    page.wait_for_url(live_server + "/id/org/QYG")
    assert "Integrated Care Board" in page.inner_text("h1")
    assert page.problems == []


@pytest.mark.parametrize("link, suffix", [("#download-csv", "csv"), ("#download-json", "json")])
def test_the_downloads_hold_every_icb(page, live_server, compliance, link, suffix):
    page.goto(live_server + "/compliance")
    with page.expect_download() as download:
        page.click(link)
    saved = download.value
    assert saved.suggested_filename == f"icskg-compliance-{date.today().isoformat()}.{suffix}"
    text = Path(saved.path()).read_text(encoding="utf-8")
    if suffix == "csv":
        names = {row["icb_name"] for row in csv.DictReader(text.splitlines())}
    else:
        names = {row["name"] for row in json.loads(text)["rows"]}
    assert len(names) == 42 and "Cheshire and Merseyside" in names
    assert page.problems == []
