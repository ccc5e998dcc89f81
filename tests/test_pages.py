"""The query page: prefixes filled in, example questions, the editor from npm or a plain form."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from icskg import resources
from icskg.namespaces import PREFIXES, sparql_prologue
from icskg.web import pages

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def textarea(html: str) -> str:
    return unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.DOTALL).group(1))


def test_home_page_links_to_the_query_page(client):
    assert 'href="/query"' in client.get("/").get_data(as_text=True)


def test_a_browser_asking_the_endpoint_without_a_query_lands_on_the_query_page(client):
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert response.status_code in (302, 303) and response.location.endswith("/query")


def test_query_page_has_the_prefixes_and_the_examples(client):
    response = client.get("/query")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert textarea(html).startswith(sparql_prologue())
    for example in pages.load_examples():
        assert f'data-example="{example.name}"' in html
        assert str(example.question).replace("'", "&#39;") in html


def test_an_example_or_a_query_from_the_address_fills_the_editor(client):
    second = pages.load_examples()[1]
    assert second.query in textarea(client.get(f"/query?example={second.name}").get_data(as_text=True))
    query = "SELECT ?s WHERE { ?s a ics:IntegratedCareBoard }"
    filled = textarea(client.get("/query", query_string={"query": query}).get_data(as_text=True))
    assert filled.endswith(query) and "PREFIX ics: <https://w3id.org/icskg/def/>" in filled


def test_every_offered_example_runs_and_answers(client):
    for example in pages.load_examples():
        response = client.post("/sparql", data={"query": pages.with_prefixes(example.query)},
                               headers={"Accept": "*/*"})
        assert response.status_code == 200, (example.name, response.get_data(as_text=True))
        assert response.data.strip(), example.name


def test_examples_come_from_rq_files_with_the_question_in_the_leading_comment(tmp_path: Path):
    (tmp_path / "b-trusts.rq").write_text(
        "# Which trusts are there?\n# (all of them)\n\nSELECT ?t WHERE { ?t a ics:NHSTrust }\n")
    (tmp_path / "a-empty.rq").write_text("# nothing but a comment\n")
    (tmp_path / "notes.txt").write_text("SELECT * {}")
    [example] = pages.load_examples(tmp_path)
    assert example.name == "b-trusts"
    assert example.question == "Which trusts are there? (all of them)"
    assert example.query == "SELECT ?t WHERE { ?t a ics:NHSTrust }"


def test_without_rq_files_the_built_in_examples_are_offered(tmp_path: Path):
    assert pages.load_examples(tmp_path / "missing") == list(pages.BUILT_IN_EXAMPLES)
    assert pages.load_examples(tmp_path) == list(pages.BUILT_IN_EXAMPLES)


def test_with_prefixes_adds_only_undeclared_prefixes():
    query = "PREFIX ics: <urn:mine#>\nSELECT * WHERE { ?s ics:p ?o }"
    completed = pages.with_prefixes(query)
    assert completed.endswith(query)
    assert "PREFIX ics: <https://w3id.org" not in completed
    assert f"PREFIX rdfs: <{PREFIXES['rdfs']}>" in completed


def test_editor_files_come_from_node_modules(client):
    assert pages.editor_installed(), "run `npm ci` in the project directory (README's commands do)"
    html = client.get("/query").get_data(as_text=True)
    assert '<script src="/query/editor/yasgui.min.js" defer></script>' in html
    with client.get("/query/editor/yasgui.min.js") as script:
        assert script.status_code == 200 and "javascript" in script.mimetype
        assert script.data == (pages.editor_dir() / "yasgui.min.js").read_bytes()
    with client.get("/query/editor/yasgui.min.css") as style:
        assert style.mimetype == "text/css"


@pytest.mark.parametrize("name", ["yasgui.esm.js", "..%2F..%2Fpackage.json", "x.js"])
def test_only_the_two_editor_files_are_served(client, name):
    assert client.get(f"/query/editor/{name}").status_code == 404


def test_without_npm_packages_the_page_is_a_plain_form_saying_how_to_get_the_editor(
    client, monkeypatch, tmp_path
):
    monkeypatch.setattr(resources, "NODE_MODULES_DIR", tmp_path)
    html = client.get("/query").get_data(as_text=True)
    assert "yasgui.min.js" not in html
    assert "npm ci" in html
    form = html.split('<form id="plain-form"', 1)[1].split("</form>")[0]
    assert 'method="post" action="/sparql"' in form and 'name="query"' in form and 'name="format"' in form
    assert client.get("/query/editor/yasgui.min.js").status_code == 404


def test_the_plain_form_gets_an_answer(client):
    query = textarea(client.get("/query").get_data(as_text=True))
    response = client.post("/sparql", data={"query": query, "format": "csv"},
                           headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/csv"


def test_only_the_query_page_allows_inline_styles_and_never_inline_scripts(client):
    csp = client.get("/query").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "script-src" not in csp and "unsafe-eval" not in csp and "default-src 'self'" in csp
    assert "unsafe-inline" not in client.get("/").headers["Content-Security-Policy"]
