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


@pytest.mark.parametrize("name", ["chart.umd.min.js", "pivot.min.js", "jquery-ui.min.js"])
def test_the_chart_and_pivot_libraries_come_from_node_modules(client, name):
    with client.get(f"/query/editor/{name}") as script:
        assert script.status_code == 200 and "javascript" in script.mimetype
        assert script.data == (resources.NODE_MODULES_DIR / pages.EDITOR_FILES[name]).read_bytes()


@pytest.mark.parametrize("name", ["yasgui.esm.js", "..%2F..%2Fpackage.json", "x.js", "chart.js", "pivot.js"])
def test_only_the_listed_editor_files_are_served(client, name):
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


def test_examples_are_grouped_by_topic_with_other_questions_last(client):
    examples = pages.load_examples()
    grouped = pages.topics(examples)
    assert sum(len(items) for _, items in grouped) == len(examples)
    names = [topic for topic, _ in grouped]
    # A question without a '# Topic:' line is offered among the other questions, after the rest.
    assert pages.OTHER_TOPIC not in names[:-1]
    assert len(names) >= 5 and len(set(names)) == len(names)
    html = client.get("/query").get_data(as_text=True)
    for topic, items in grouped:
        assert f"<summary>{unescape(topic)} ({len(items)})</summary>" in unescape(html)
    assert html.index('id="example-search"') < html.index('id="editor"')


def test_a_topic_line_is_not_part_of_the_question(tmp_path: Path):
    (tmp_path / "a.rq").write_text("# Which trusts are there?\n# Topic: Trusts\n"
                                   "SELECT ?t WHERE { ?t a ics:NHSTrust }")
    (tmp_path / "b.rq").write_text("# Which ICBs?\nSELECT ?i WHERE { ?i a ics:IntegratedCareBoard }")
    first, second = pages.load_examples(tmp_path)
    assert (first.question, first.topic) == ("Which trusts are there?", "Trusts")
    assert second.topic == pages.OTHER_TOPIC
    assert [t for t, _ in pages.topics([second, first])] == ["Trusts", pages.OTHER_TOPIC]


def test_the_vocabulary_lists_icskgs_classes_and_properties(client):
    response = client.get("/query/vocabulary.json")
    assert response.status_code == 200
    vocabulary = response.get_json()
    classes = {t["iri"] for t in vocabulary["classes"]}
    properties = {t["iri"] for t in vocabulary["properties"]}
    assert PREFIXES["ics"] + "IntegratedCareBoard" in classes
    assert PREFIXES["ics"] + "odsCode" in properties
    assert PREFIXES["ics"] + "IntegratedCareBord" not in classes | properties | set(vocabulary["terms"])
    assert {t["label"] for t in vocabulary["classes"] if t["iri"].endswith("/IntegratedCareBoard")} != {""}


def test_a_shared_query_gets_a_short_link_that_opens_it(client):
    query = "SELECT ?icb WHERE { ?icb a ics:IntegratedCareBoard } # shared " + "x" * 3000
    response = client.post("/query/share", data=query.encode(), content_type="text/plain")
    assert response.status_code == 200
    link = response.get_json()["url"]
    assert re.fullmatch(r"/query\?q=[A-Za-z0-9_-]{12}", link)
    again = client.post("/query/share", data=query.encode(), content_type="text/plain")
    assert again.get_json()["url"] == link  # the same text, the same link
    assert textarea(client.get(link).get_data(as_text=True)).endswith(query)


@pytest.mark.parametrize("key", ["AAAAAAAAAAAA", "../../etc/pw", "x" * 40])
def test_an_unknown_share_id_is_a_404(client, key):
    response = client.get("/query", query_string={"q": key})
    assert response.status_code == 404
    assert "No shared query has that id" in response.get_data(as_text=True)


def test_shared_queries_are_bounded_in_size_and_number(client, settings, monkeypatch):
    from icskg.web import shared_queries

    assert client.post("/query/share", data=b"  ").status_code == 400
    big = client.post("/query/share", data=b"#" * (shared_queries.MAX_BYTES + 1))
    assert big.status_code == 400 and "at most" in big.get_data(as_text=True)
    monkeypatch.setattr(shared_queries, "MAX_QUERIES", 3)
    keys = [client.post("/query/share", data=f"SELECT * WHERE {{ ?s ?p {i} }}".encode()).get_json()["id"]
            for i in range(6)]
    kept = {p.stem for p in (settings.data_dir / "shared-queries").glob("*.rq")}
    assert len(kept) == 3 and set(keys[-3:]) <= kept
