"""The pages as a person uses them, in a real headless chromium against the real server (gunicorn).

Open the home page, go to the query page, run an example, see the rows, download them, follow a
result to an ICB's page, see a wrong query's error, and look at a system's diagram.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from icskg.web import pages

pytest_plugins = ["tests.browser"]  # the `page` fixture: a tab of Debian's chromium
pytestmark = [pytest.mark.server, pytest.mark.slow]

ICB_QUERY = "SELECT ?icb ?name WHERE { ?icb a ics:IntegratedCareBoard ; rdfs:label ?name } ORDER BY ?name"
RESULT_COUNT = re.compile(r"^([\d,]+) rows?$")
SELECT = re.compile(r"^(\s*(PREFIX|BASE)\b[^\n]*\n)*\s*SELECT\b", re.IGNORECASE)


def expected_rows(client, query: str) -> list[dict[str, str]]:
    """The rows the endpoint gives for ``query``, as CSV, to compare with what the page shows."""
    answer = client.post("/sparql", data={"query": pages.with_prefixes(query), "format": "csv"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))


def shown_count(page) -> int:
    count = page.wait_for_selector(".icskg-count:text-matches('^[0-9,]+ rows?$')")
    return int(RESULT_COUNT.search(count.inner_text()).group(1).replace(",", ""))


def test_home_page_to_query_page_and_an_example_shows_its_rows(page, live_server, client):
    page.goto(live_server + "/")
    page.click("header nav >> text=Query")
    page.wait_for_selector(".yasqe .CodeMirror")
    assert page.url == live_server + "/query"
    example = next(e for e in pages.load_examples() if SELECT.match(e.query))
    page.click("#examples-box > summary")
    page.fill("#example-search", example.question[:40])
    page.click(f"#examples a[data-example='{example.name}']")
    rows = expected_rows(client, example.query)
    assert shown_count(page) == len(rows)
    table_rows = page.locator(".icskg-results tbody tr")
    assert table_rows.count() == min(len(rows), 50)  # the table's first page
    first_cell_values = list(rows[0].values())
    assert any(v and v in table_rows.first.inner_text() for v in first_cell_values)
    assert page.problems == []


def test_results_link_to_local_pages_and_an_icb_page_opens(page, live_server, client):
    page.goto(live_server + "/query?query=" + ICB_QUERY.replace(" ", "+"))
    assert shown_count(page) == len(expected_rows(client, ICB_QUERY)) == 42
    link = page.locator(".yasr a[href='/id/org/QYG']")
    assert link.inner_text() == "nhsorg:QYG"
    link.click()
    page.wait_for_url(live_server + "/id/org/QYG")
    assert page.inner_text("h1") == "NHS Cheshire and Merseyside Integrated Care Board"
    assert page.is_visible("#links-out >> text=ONS statistical geography")
    assert page.problems == []


def rows_in(fmt: str, text: str) -> int:
    if fmt == "csv":
        assert text.splitlines()[0] == "icb,name"
        return len(text.splitlines()) - 1
    return len(json.loads(text)["results"]["bindings"])


@pytest.mark.parametrize("fmt, extension", [("csv", "csv"), ("json", "srj")])
def test_download_buttons_save_the_results(page, live_server, fmt, extension):
    page.goto(live_server + "/query?query=" + ICB_QUERY.replace(" ", "+"))
    shown_count(page)
    with page.expect_download() as download:
        page.click(f"#downloads button[data-format='{fmt}']")
    saved = download.value
    assert saved.suggested_filename == f"icskg-results.{extension}"
    assert rows_in(fmt, Path(saved.path()).read_text(encoding="utf-8")) == 42
    assert page.problems == []


def test_a_wrong_query_shows_the_endpoints_message_in_plain_words(page, live_server):
    page.goto(live_server + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click(".yasqe .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.insert_text("SELECT ?x WHERE { ?x a ?y FILTER(?x = ) }")
    page.click(".yasqe_queryButton")
    error = page.wait_for_selector(".yasr .errorResult")
    # The endpoint's message, its place in words, and no dump of character ranges.
    assert "Line 1, column 42: the query is not valid SPARQL here" in error.inner_text()
    assert "\\u{" not in error.inner_text()


def test_ics_page_shows_the_diagram_and_its_boxes_link(page, live_server):
    page.goto(live_server + "/id/ics/E54000008")
    diagram = page.locator("#diagram svg")
    assert diagram.is_visible()
    box = diagram.bounding_box()
    assert box["width"] > 600 and box["height"] > 400  # a picture, not a sliver
    page.locator("#diagram svg a[href='/id/org/QYG']").first.click()
    page.wait_for_url(live_server + "/id/org/QYG")
    assert "Integrated Care Board" in page.inner_text("h1")
    assert page.problems == []


def test_a_trusts_links_out_are_grouped_by_publisher_and_nothing_is_fetched_from_them(page, live_server):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server + "/id/org/RBL")
    groups = page.locator("#links-out .publisher")
    names = [groups.nth(i).locator("dt").inner_text() for i in range(groups.count())]
    assert names[:2] == ["NHS Organisation Data Service", "Care Quality Commission"]
    ods = groups.nth(0).locator("a")
    assert ods.get_attribute("href") == "https://directory.spineservices.nhs.uk/ORD/2-0-0/organisations/RBL"
    assert "external" in ods.get_attribute("rel")
    assert groups.nth(1).locator("a").get_attribute("href") == "https://www.cqc.org.uk/provider/RBL"
    assert page.is_visible("#links-out >> text=NHS Organisation Data Service")
    assert requested and all(url.startswith(live_server) for url in requested), requested
    assert page.problems == []
