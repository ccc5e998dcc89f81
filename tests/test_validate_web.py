"""``/validate`` over HTTP: every request form, content negotiation, the same
findings as the library, every value escaped, and a clear 4xx or 503 for what cannot be done."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from icskg import resources
from icskg.validation import validate
from icskg.web import create_app
from tests.test_validate import Canary

EXAMPLES = resources.EXAMPLES_DIR
BREACHES = EXAMPLES / "icb-breaches.ttl"
QUERY = "?regime=hca2022&as_of=2024-01-01"


@pytest.fixture(scope="module")
def library() -> set[tuple[str, str, str]]:
    report = validate(BREACHES, "hca2022", "2024-01-01")
    return {(f.rule, f.focus, f.severity) for f in report.findings}


def found(response) -> set[tuple[str, str, str]]:
    assert response.status_code == 200, response.data[:300]
    return {(f["rule"], f["focus"], f["severity"]) for f in response.get_json()["findings"]}


def test_the_form(client):
    page = client.get("/validate")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    fields = ('name="file"', 'name="data"', 'name="regime"', 'name="as_of"', 'enctype="multipart/form-data"')
    for field in fields:
        assert field in html
    for regime in ("hca2022", "guidance", "df2021", "opt1", "opt2", "ltp2019", "data-quality"):
        assert f'value="{regime}"' in html
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_every_request_form_gives_the_librarys_findings(client, library):
    raw = client.post("/validate" + QUERY, data=BREACHES.read_bytes(), content_type="text/turtle")
    assert found(raw) == library
    upload = client.post("/validate", data={"file": (BREACHES.open("rb"), "board.ttl"), "regime": "hca2022",
                                            "as_of": "2024-01-01"}, content_type="multipart/form-data")
    assert found(upload) == library
    pasted = client.post("/validate", data={"data": BREACHES.read_text(encoding="utf-8"), "regime": "hca2022",
                                            "as_of": "2024-01-01"})
    assert found(pasted) == library
    pasted_in_multipart = client.post("/validate", data={"data": BREACHES.read_text(encoding="utf-8"),
                                                          "regime": "hca2022", "as_of": "2024-01-01"},
                                      content_type="multipart/form-data")
    assert found(pasted_in_multipart) == library


def test_the_board_csv_template_over_http(client):
    response = client.post("/validate?regime=hca2022&regime=guidance&as_of=2024-01-01",
                           data=(EXAMPLES / "icb-board.csv").read_bytes(), content_type="text/csv")
    body = response.get_json()
    assert body["conforms"] is True and body["findings"] == []
    assert [r["id"] for r in body["regimes"]] == ["hca2022", "guidance"]


@pytest.mark.parametrize(("accept", "fmt", "mimetype"), [
    ("application/json", None, "application/json"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", None, "text/html"),
    ("text/turtle", None, "text/turtle"),
    ("application/ld+json", None, "application/ld+json"),
    ("text/csv", None, "text/csv"),
    ("text/plain", None, "text/plain"),
    ("application/xml", None, "application/xml"),
    ("*/*", None, "application/json"),
    ("text/html", "junit", "application/xml"),
])
def test_content_negotiation(client, accept, fmt, mimetype):
    query = QUERY + (f"&format={fmt}" if fmt else "")
    response = client.post("/validate" + query, data=BREACHES.read_bytes(), content_type="text/turtle",
                           headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == mimetype
    assert "Accept" in response.headers.get("Vary", "") or mimetype == "text/html"


def test_html_report_groups_by_rule_with_a_summary(client):
    response = client.post("/validate" + QUERY, data=BREACHES.read_bytes(), content_type="text/turtle",
                           headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert html.index('data-testid="summary"') < html.index('id="rule-ICB-CEO-APPOINTMENT"')
    assert "8 Violations" in html and "Does not conform" in html
    assert 'href="https://www.legislation.gov.uk/ukpga/2006/41/schedule/1B/paragraph/7"' in html


def test_turtle_report_is_the_shacl_report(client):
    response = client.post("/validate" + QUERY + "&format=turtle", data=BREACHES.read_bytes(),
                           content_type="text/turtle")
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert len(set(graph.objects(None, SH.result))) == 8


def test_every_value_is_escaped(client):
    hostile = ('@prefix ics: <https://w3id.org/icskg/def/> .\n'
               '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
               '<https://example.org/x> a ics:IntegratedCareSystem ; '
               'rdfs:label "<script>alert(1)</script><img src=x onerror=alert(2)>"@en .\n')
    response = client.post("/validate?regime=hca2022", data=hostile.encode(), content_type="text/turtle",
                           headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    failed = client.post("/validate", data={"data": "<script>alert(3)</script>", "regime": "hca2022"},
                         headers={"Accept": "text/html"})
    assert failed.status_code == 400
    assert "<script>alert(3)" not in failed.get_data(as_text=True)


@pytest.mark.parametrize(("kwargs", "status", "message"), [
    ({"data": b"%PDF-1.4", "content_type": "application/pdf"}, 415, "Unsupported request body type"),
    ({"data": b"@prefix x", "content_type": "text/turtle"}, 400, "not valid turtle"),
    ({"data": b"", "content_type": "text/turtle"}, 400, "No data"),
    ({"data": {"data": "", "regime": "hca2022"}}, 400, "No data"),
])
def test_bad_requests_say_what_to_fix(client, kwargs, status, message):
    response = client.post("/validate", **kwargs)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_bad_parameters(client):
    body = BREACHES.read_bytes()
    for query, message in (("?regime=hca2099", "Unknown regime"), ("?as_of=31/12/2023", "YYYY-MM-DD"),
                           ("?format=pdf", "format=pdf is not offered"),
                           ("?input_format=docx", "input_format=docx is not known")):
        response = client.post("/validate" + query, data=body, content_type="text/turtle")
        assert response.status_code == 400 and message in response.get_data(as_text=True), query
    refused = client.post("/validate", data=body, content_type="text/turtle", headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_body_limit_covers_every_request_form(settings):
    small = create_app(replace(settings, max_body_bytes=2000)).test_client()
    body = BREACHES.read_bytes()
    assert small.post("/validate", data=body, content_type="text/turtle").status_code == 413
    upload = small.post("/validate", data={"file": (BREACHES.open("rb"), "board.ttl")},
                        content_type="multipart/form-data")
    assert upload.status_code == 413
    chunked = small.post("/validate", input_stream=io.BytesIO(body), content_type="text/turtle",
                         headers={"Transfer-Encoding": "chunked"},
                         environ_base={"wsgi.input_terminated": True})
    assert chunked.status_code == 413


def test_a_validation_past_its_time_limit_is_stopped(settings):
    hurried = create_app(replace(settings, query_timeout=0.05)).test_client()
    response = hurried.post("/validate" + QUERY, data=BREACHES.read_bytes(), content_type="text/turtle")
    assert response.status_code == 503
    assert "longer than the limit of 0.05 s" in response.get_data(as_text=True)


def test_nothing_is_fetched_through_the_web(client):
    canary = Canary()
    try:
        document = json.dumps({"@context": canary.url + "/ctx", "@id": "http://example.org/a"})
        response = client.post("/validate", data=document.encode(), content_type="application/ld+json")
        assert response.status_code == 400 and "inline" in response.get_data(as_text=True)
        xml = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "{canary.url}/e">]>'
               '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
        response = client.post("/validate", data=xml.encode(), content_type="application/rdf+xml")
        assert response.status_code == 400
        assert canary.hits == []
    finally:
        canary.server.shutdown()
        canary.server.server_close()


def test_the_report_is_written_by_the_bounded_child():
    """The report is written inside the validation's own child process, under its time limit, and
    only the text crosses back: a report of a large upload can take longer to write than to find."""
    from rdflib.compare import isomorphic

    from icskg.validation.bounded import validate_bounded
    from icskg.validation.inputs import Input
    from icskg.validation.render import render

    upload = Input(BREACHES.read_bytes(), BREACHES.name, "turtle")
    report, written = validate_bounded([upload], ["hca2022"], date(2024, 1, 1),
                                       formats=["turtle", "csv"])
    assert len(report.graph) == 0, "the report's graph stayed in the child"
    assert set(written) == {"turtle", "csv"}
    library = validate(BREACHES, "hca2022", "2024-01-01")
    assert isomorphic(Graph().parse(data=written["turtle"], format="turtle"),
                      Graph().parse(data=render(library, "turtle"), format="turtle"))
    assert written["csv"] == render(library, "csv")
