"""The query page in a real chromium against the real server: a large answer shows its first page
and its number of rows, a competency question's answer as a chart and a pivot, mistakes named at
their line, completion from icskg's vocabulary, examples found by a word, short share links."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from icskg.web import pages

pytest_plugins = ["tests.browser"]  # the `page` fixture: a tab of Debian's chromium
pytestmark = [pytest.mark.server, pytest.mark.slow]

WHOLE_GRAPH = "SELECT * WHERE { ?s ?p ?o }"
TRUSTS_BY_TYPE = "19-trusts-by-type-in-an-icb"


def answer(client, query: str) -> list[dict[str, str]]:
    response = client.post("/sparql", data={"query": pages.with_prefixes(query), "format": "csv"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def open_query(page, live_server, query: str) -> None:
    page.goto(live_server + "/query?query=" + query.replace(" ", "+"))
    page.wait_for_selector(".icskg-results tbody tr")


def editor_text(page, text: str) -> None:
    page.click(".yasqe .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def test_the_whole_graph_shows_its_first_page_and_how_many_rows_there_are(page, live_server, client):
    total = int(answer(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])
    assert total > 90_000
    open_query(page, live_server, WHOLE_GRAPH)
    page.wait_for_selector(f".icskg-count:text-is('{total:,} rows')")
    rows = page.locator(".icskg-results tbody tr")
    assert rows.count() == 50
    headers = page.locator(".icskg-results thead th").all_inner_texts()
    assert headers == ["#", "s", "p", "o"]  # the query's order, the row number in a column of its own
    assert rows.first.locator("td").first.inner_text() == "1"
    # The rest on demand: the next page, then a page past the first thousand rows fetched.
    page.click(".icskg-next")
    page.wait_for_selector(".icskg-range:text-is('showing 51\u2013100')")
    assert rows.first.locator("td").first.inner_text() == "51"
    for _ in range(20):
        page.click(".icskg-next")
    page.wait_for_selector(".icskg-range:text-is('showing 1,051\u20131,100')")
    assert rows.count() == 50 and rows.first.locator("td").first.inner_text() == "1051"
    assert page.problems == []


def test_values_are_plain_with_the_full_form_one_click_away(page, live_server, client):
    example = next(e for e in pages.load_examples() if e.name == TRUSTS_BY_TYPE)
    expected = answer(client, example.query)
    page.goto(live_server + f"/query?example={TRUSTS_BY_TYPE}")
    page.wait_for_selector(".icskg-results tbody tr")
    first = page.locator(".icskg-results tbody tr").first.locator("td").all_inner_texts()
    assert first == ["1", expected[0]["type"], expected[0]["trusts"]]  # "7", not "7"^^xsd:integer
    page.check(".icskg-full input")
    page.wait_for_selector(".icskg-results td:text-matches('\\\\^\\\\^xsd:integer$')")
    assert page.problems == []


def test_a_competency_questions_answer_draws_as_a_chart_and_a_pivot(page, live_server, client):
    example = next(e for e in pages.load_examples() if e.name == TRUSTS_BY_TYPE)
    expected = answer(client, example.query)
    page.goto(live_server + f"/query?example={TRUSTS_BY_TYPE}")
    page.wait_for_selector(".icskg-results tbody tr")
    page.click(".yasr .select_chart")
    page.wait_for_selector("#icskg-chart-canvas[data-chart='bar']")
    drawn = page.evaluate("""() => {
        const chart = Chart.getChart(document.getElementById('icskg-chart-canvas'));
        return {type: chart.config.type, labels: chart.data.labels, values: chart.data.datasets[0].data};
    }""")
    assert drawn == {"type": "bar", "labels": [r["type"] for r in expected],
                     "values": [int(r["trusts"]) for r in expected]}
    box = page.locator("#icskg-chart-canvas").bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    page.select_option(".icskg-chart select >> nth=0", "pie")
    page.wait_for_selector("#icskg-chart-canvas[data-chart='pie']")
    page.click(".yasr .select_pivot")
    total = page.wait_for_selector(".pvtTable .pvtGrandTotal")
    assert total.inner_text() == str(sum(int(r["trusts"]) for r in expected))
    assert page.problems == []


def test_an_undeclared_prefix_is_named_with_the_nearest_declared_one(page, live_server):
    page.goto(live_server + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    editor_text(page, "SELECT ?icb WHERE {\n  ?icb a icz:IntegratedCareBoard .\n}")
    page.click(".yasqe_queryButton")
    error = page.wait_for_selector(".yasr .errorResult")
    assert "Line 2: the prefix “icz:” is not declared; did you mean “ics:”?" in error.inner_text()
    assert "\\u{" not in error.inner_text()
    assert page.locator(".CodeMirror .icskg-error", has_text="icz:IntegratedCareBoard").count() == 1
    assert page.problems == []


def test_a_misspelt_keyword_and_a_missing_brace_are_named_at_their_line(page, live_server):
    page.goto(live_server + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    editor_text(page, "PREFX ex: <http://example.org/>\nSELECT * WHERE { ?s ?p ?o ")
    page.wait_for_selector("#lint .lint-error:text-matches('PREFX')")
    assert page.inner_text("#lint") == "Line 1: “PREFX” is not a SPARQL keyword here; did you mean PREFIX?"
    editor_text(page, "SELECT * WHERE {\n  ?s ?p ?o\n")
    page.wait_for_selector("#lint .lint-error:text-matches('never closed')")
    assert "Line 1: this “{” is never closed: a “}” is missing." in page.inner_text("#lint")
    assert page.locator(".CodeMirror .icskg-error").count() == 1  # the brace is marked in the editor


def test_a_term_not_in_the_vocabulary_is_a_warning_and_the_query_still_runs(page, live_server):
    page.goto(live_server + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    editor_text(page, "SELECT ?icb WHERE { ?icb a ics:IntegratedCareBord }")
    warning = page.wait_for_selector("#lint .lint-warning")
    assert "ics:IntegratedCareBord is neither in icskg's ontology nor used in its graph" in \
        warning.inner_text()
    assert "did you mean ics:IntegratedCareBoard?" in warning.inner_text()
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".icskg-count:text-is('0 rows')")
    assert page.problems == []


def test_classes_complete_from_icskgs_vocabulary(page, live_server):
    page.goto(live_server + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    editor_text(page, "SELECT ?x WHERE { ?x a ics:IntegratedCare")
    page.keyboard.press("Control+Space")
    hints = page.wait_for_selector(".CodeMirror-hints")
    assert "ics:IntegratedCareBoard" in hints.inner_text().split()


def test_examples_are_found_by_a_word_and_the_editor_is_on_the_first_screen(page, live_server):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server + "/query")
    editor = page.wait_for_selector(".yasqe .CodeMirror")
    assert editor.bounding_box()["y"] < 768 / 2
    page.click("#examples-box > summary")
    page.fill("#example-search", "wirral")
    shown = page.locator("#examples li:visible")
    assert shown.count() >= 2
    assert all("wirral" in text.lower() for text in shown.all_inner_texts())
    page.fill("#example-search", "no such question anywhere")
    assert page.is_visible("#no-example")


def test_a_short_share_link_opens_the_same_query(page, live_server):
    query = "SELECT ?name WHERE { ?icb a ics:IntegratedCareBoard ; rdfs:label ?name } ORDER BY ?name"
    open_query(page, live_server, query)
    page.click("#share-button")
    expect(page.locator("#share-link")).to_have_value(re.compile(r"\?q=[A-Za-z0-9_-]{12}$"))
    link = page.input_value("#share-link")
    assert len(link) < len(live_server) + 30
    page.goto(link)
    page.wait_for_selector(".icskg-count:text-is('42 rows')")
    assert query in page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert page.problems == []


def test_a_select_star_download_keeps_the_querys_column_order(page, live_server):
    open_query(page, live_server, "SELECT * WHERE { ?icb a ics:IntegratedCareBoard ; rdfs:label ?name }")
    with page.expect_download() as download:
        page.click("#downloads button[data-format='csv']")
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "icb,name" and len(lines) == 43
