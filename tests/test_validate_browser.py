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
    page.click(".validate-form button[type=submit]")
    page.wait_for_selector("#report")
    assert page.inner_text(".verdict") == "Does not conform"
    assert "8 Violations" in page.inner_text("[data-testid=summary]")
    section = page.locator("#rule-ICB-CEO-APPOINTMENT")
    assert section.is_visible()
    assert "Blake Sample: Chief executive" in section.inner_text()
    assert "appointed by the chair" in section.inner_text()
    link = section.locator("td a").first
    assert link.get_attribute("href") == "https://www.legislation.gov.uk/ukpga/2006/41/schedule/1B/paragraph/7"
    assert page.locator(".rule").count() == 8
    assert page.input_value("#as_of") == "2024-01-01"
    assert page.problems == []  # no console errors, no blocked resources, no CSP violations


def test_paste_the_board_csv_and_see_it_conform(page, live_server):
    page.goto(live_server + "/validate")
    page.fill("#data", (resources.EXAMPLES_DIR / "icb-board.csv").read_text(encoding="utf-8"))
    page.select_option("#regime", "guidance")
    page.fill("#as_of", "2024-01-01")
    page.click(".validate-form button[type=submit]")
    page.wait_for_selector("#report")
    assert page.inner_text(".verdict") == "Conforms"
    assert "0 Violations, 0 Warnings, 0 Info" in page.inner_text("[data-testid=summary]")
    assert page.problems == []


def test_bad_data_gets_the_form_back_with_what_to_fix(page, live_server):
    page.goto(live_server + "/validate")
    page.fill("#data", "@prefix ex: <http://example.org/> . ex:a ex:b")
    page.click(".validate-form button[type=submit]")
    alert = page.wait_for_selector("[role=alert]")
    assert "not valid trig" in alert.inner_text()
    assert page.input_value("#data").startswith("@prefix ex:")  # what was pasted is kept


def test_two_files_on_the_regimes_own_day_then_download_and_read_a_rule(page, live_server, tmp_path):
    """The day left empty is the regime's own; both files are checked; the findings download; a
    finding's rule links to its page, which shows data that breaks it."""
    extra = tmp_path / "more.ttl"
    extra.write_text('@prefix ics: <https://w3id.org/icskg/def/> .\n'
                     '<https://example.org/x> ics:odsCode "not a code" .\n', encoding="utf-8")
    page.goto(live_server + "/validate")
    assert page.input_value("#as_of") == ""
    page.set_input_files("#file", [str(resources.EXAMPLES_DIR / "icb-complete.ttl"), str(extra)])
    page.select_option("#regime", "df2021")
    page.click(".validate-form button[type=submit]")
    page.wait_for_selector("#report")
    assert "2022-06-30" in page.inner_text(".regimes .as-of")
    # On 2022-06-30 the example board has no one yet (its seats start on 2022-07-01): 11 Warnings,
    # and 2 Info for a partnership with no voluntary sector or Healthwatch member yet.
    assert "11 Warnings, 2 Info" in page.inner_text("[data-testid=summary]")
    with page.expect_download() as info:
        page.click("#downloads a[data-format=csv]")
    download = info.value
    assert download.suggested_filename == "icskg-findings.csv"
    text = download.path().read_text(encoding="utf-8").replace("\r\n", "\n")
    assert text.startswith("severity,rule,") and text.count("\n") == 14
    page.locator("a.rule-link").first.click()
    page.wait_for_selector("#rule-example")
    assert page.url.startswith(live_server + "/def/rule/")
    assert "@prefix" in page.inner_text("#rule-example")
    assert page.locator("#rule-provisions a").count() >= 1
    assert page.problems == []
