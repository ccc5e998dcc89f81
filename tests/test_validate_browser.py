"""/validate in a real headless chromium (Debian's, driven by Playwright; fixture in tests/browser.py)
against the real server (gunicorn on loopback): upload a file, paste data, and read the findings."""

from __future__ import annotations

import pytest

from icskg import resources

pytest_plugins = ["tests.browser"]
pytestmark = [pytest.mark.slow, pytest.mark.server]


def test_upload_a_file_and_see_the_findings(page, live_server):
    page.goto(live_server + "/validate")
    page.set_input_files("#file", str(resources.EXAMPLES_DIR / "icb-breaches.ttl"))
    page.select_option("#regime", "hca2022")
    page.fill("#as_of", "2024-01-01")
    page.click("button[type=submit]")
    page.wait_for_selector("#report")
    assert page.inner_text(".verdict") == "Does not conform"
    assert "8 Violations" in page.inner_text("[data-testid=summary]")
    section = page.locator("#rule-ICB-CEO-APPOINTMENT")
    assert section.is_visible()
    assert "Blake Sample: Chief executive" in section.inner_text()
    assert "appointed by the chair" in section.inner_text()
    link = section.locator("a").first
    assert link.get_attribute("href") == "https://www.legislation.gov.uk/ukpga/2006/41/schedule/1B/paragraph/7"
    assert page.locator(".rule").count() == 8
    assert page.input_value("#as_of") == "2024-01-01"
    assert page.problems == []  # no console errors, no blocked resources, no CSP violations


def test_paste_the_board_csv_and_see_it_conform(page, live_server):
    page.goto(live_server + "/validate")
    page.fill("#data", (resources.EXAMPLES_DIR / "icb-board.csv").read_text(encoding="utf-8"))
    page.select_option("#regime", "guidance")
    page.fill("#as_of", "2024-01-01")
    page.click("button[type=submit]")
    page.wait_for_selector("#report")
    assert page.inner_text(".verdict") == "Conforms"
    assert "0 Violations, 0 Warnings, 0 Info" in page.inner_text("[data-testid=summary]")
    assert page.problems == []


def test_bad_data_gets_the_form_back_with_what_to_fix(page, live_server):
    page.goto(live_server + "/validate")
    page.fill("#data", "@prefix ex: <http://example.org/> . ex:a ex:b")
    page.click("button[type=submit]")
    alert = page.wait_for_selector("[role=alert]")
    assert "not valid trig" in alert.inner_text()
    assert page.input_value("#data").startswith("@prefix ex:")  # what was pasted is kept
