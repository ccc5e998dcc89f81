"""icskg.validation.validate: every input syntax gives the same findings, nothing is ever fetched, bad input
gets a message saying what to fix, the day checked matters, and the built reference data passes
the data-quality shapes."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from datetime import date

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import DCTERMS, SH

from icskg import resources
from icskg.validation import validate, validate_store
from icskg.validation.inputs import Input, InputError
from icskg.validation.regimes import regimes

BREACHES = resources.EXAMPLES_DIR / "icb-breaches.ttl"
DAY = "2024-01-01"


def findings(report) -> set[tuple[str, str, str]]:
    return {(f.rule, f.focus, f.severity) for f in report.findings}


@pytest.fixture(scope="module")
def expected():
    return findings(validate(BREACHES, "hca2022", DAY))


@pytest.mark.parametrize(("syntax", "name"), [
    ("turtle", "board.ttl"), ("trig", "board.trig"), ("nt", "board.nt"), ("nquads", "board.nq"),
    ("xml", "board.rdf"), ("json-ld", "board.jsonld"),
])
def test_every_rdf_syntax_gives_the_same_findings(syntax, name, expected):
    if syntax == "nquads":  # in a named graph
        graph = ox.NamedNode("urn:example:graph")
        quads = (ox.Quad(q.subject, q.predicate, q.object, graph)
                 for q in ox.parse(BREACHES.read_bytes(), ox.RdfFormat.TURTLE))
        data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    else:
        data = Graph().parse(BREACHES).serialize(format=syntax, encoding="utf-8")
    assert findings(validate(Input(data, name), "hca2022", DAY)) == expected


def test_pasted_text_is_recognised_without_a_name(expected):
    data = Graph().parse(BREACHES).serialize(format="json-ld", encoding="utf-8")
    assert findings(validate(Input(data), "hca2022", DAY)) == expected
    turtle = BREACHES.read_bytes()
    assert findings(validate(Input(turtle), "hca2022", DAY)) == expected


def test_named_graphs_are_validated_together(expected):
    text = BREACHES.read_text(encoding="utf-8")
    prefixes = "".join(line + "\n" for line in text.splitlines() if line.startswith("@prefix"))
    body = "".join(line + "\n" for line in text.splitlines() if not line.startswith("@prefix"))
    half = body.index("# ---- The board")
    trig = f"{prefixes}<urn:g:1> {{\n{body[:half]}\n}}\n<urn:g:2> {{\n{body[half:]}\n}}\n"
    assert findings(validate(Input(trig.encode(), "split.trig"), "hca2022", DAY)) == expected


def test_the_report_carries_rule_provision_and_words():
    report = validate(BREACHES, "hca2022", DAY)
    assert not report.conforms and report.counts()["Violation"] == 8
    graph = report.graph
    assert (None, SH.conforms, None) in graph
    for shape in set(graph.objects(None, SH.sourceShape)):
        assert graph.value(shape, DCTERMS.identifier), shape
        assert graph.value(shape, DCTERMS.source), shape
    as_json = json.loads(graph.serialize(format="json-ld"))
    assert any("http://www.w3.org/ns/shacl#ValidationReport" in node.get("@type", []) for node in as_json)


def test_validate_never_prints(capsys):
    validate(BREACHES, ["hca2022", "guidance", "data-quality"], DAY)
    validate(Input(b"<http://x/a> <https://w3id.org/icskg/def/startDate> "
                         b"\"2023-02-30\"^^<http://www.w3.org/2001/XMLSchema#date> .", "x.nt"),
                   "data-quality")
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_text_is_never_taken_for_a_path_or_url():
    with pytest.raises(TypeError, match="Input"):
        validate(str(BREACHES), "hca2022")  # type: ignore[arg-type]


@pytest.mark.parametrize(("data", "message"), [
    (b"@prefix ex: <http://example.org/> . ex:a ex:b", "not valid trig"),
    (b"{\"@id\": ", "not valid JSON"),
    (b"name,role\nAvery,Chair\n", "needs the column"),
])
def test_bad_input_says_what_to_fix(data, message):
    with pytest.raises(InputError, match=message):
        validate(Input(data, "upload"), "hca2022")


def test_unknown_regime_and_bad_date_are_refused():
    with pytest.raises(ValueError, match="use one of: hca2022"):
        validate(BREACHES, "hca2023")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        validate(BREACHES, "hca2022", "1 April 2023")


def test_size_limit():
    with pytest.raises(InputError, match="over the limit of 100"):
        validate(Input(BREACHES.read_bytes(), "big.ttl"), "hca2022", max_bytes=100)


def test_default_day_is_today_kept_inside_the_regime():
    known = regimes()
    assert known["hca2022"].default_as_of(date(2025, 5, 1)) == date(2025, 5, 1)
    assert known["df2021"].default_as_of(date(2025, 5, 1)) == date(2022, 6, 30)
    assert known["ltp2019"].default_as_of(date(2018, 1, 1)) == date(2019, 1, 7)
    assert known["data-quality"].default_as_of(date(2025, 5, 1)) is None
    report = validate(BREACHES, "df2021", today=date(2025, 5, 1))
    assert report.as_of == {"df2021": date(2022, 6, 30)}


def test_the_day_checked_decides_who_is_on_the_board():
    """The complete example's partner members joined on 2023-04-01."""
    complete = resources.EXAMPLES_DIR / "icb-complete.ttl"
    before = {f.rule for f in validate(complete, "hca2022", "2023-03-31").findings}
    after = {f.rule for f in validate(complete, "hca2022", "2023-04-01").findings}
    assert "ICB-PM-TRUST" in before and after == set()


# ---- nothing is ever fetched ---------------------------------------------------------------

class Canary:
    """A loopback HTTP server that counts every request made to it."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                body = b'{"@context": {"name": "http://xmlns.com/foaf/0.1/name"}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture()
def canary() -> Iterator[Canary]:
    server = Canary()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_the_canary_counts_requests(canary):
    import urllib.request

    with urllib.request.urlopen(canary.url + "/check") as response:
        response.read()
    assert canary.hits == ["/check"]


@pytest.mark.parametrize("context", ["{url}/context.jsonld", ["{url}/a.jsonld", {"x": "http://x/"}],
                                     {"@import": "{url}/import.jsonld"}])
def test_remote_jsonld_contexts_are_refused_unfetched(canary, context):
    document = json.dumps({"@context": context, "@id": "http://example.org/a", "name": "A"})
    document = document.replace("{url}", canary.url)
    with pytest.raises(InputError, match="inline"):
        validate(Input(document.encode(), "remote.jsonld"), "data-quality")
    assert canary.hits == []


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE r [<!ENTITY e SYSTEM "{url}/entity">]>',
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
])
def test_rdfxml_with_a_doctype_is_refused_unfetched(canary, doctype):
    document = ('<?xml version="1.0"?>' + doctype.replace("{url}", canary.url) +
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="http://x/">'
                '<rdf:Description rdf:about="http://x/a"><x:p>&e;</x:p></rdf:Description></rdf:RDF>')
    with pytest.raises(InputError, match="DOCTYPE"):
        validate(Input(document.encode(), "bomb.rdf"), "data-quality")
    assert canary.hits == []


def test_owl_imports_in_the_data_are_not_followed(canary):
    data = (f"<http://example.org/data> <http://www.w3.org/2002/07/owl#imports> <{canary.url}/more.ttl> .\n"
            f"<{canary.url}/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
            "<https://w3id.org/icskg/def/IntegratedCareSystem> .\n")
    report = validate(Input(data.encode(), "imports.nt"), ["hca2022", "guidance", "data-quality"])
    assert report.findings  # it really validated (the system has no ICB, no label...)
    assert canary.hits == []


# ---- the built reference data -----------------------------------------------------------------

SPLIT_UPPER_TIER = {"Buckinghamshire", "Cumberland", "Westmorland and Furness", "North Yorkshire", "Essex",
                    "Hampshire", "Hertfordshire", "Oxfordshire", "Suffolk", "Surrey"}


@pytest.mark.slow
def test_the_reference_data_passes_the_data_quality_shapes(store):
    report = validate_store(store, "data-quality")
    assert report.conforms, [f"{f.rule} {f.focus_label}: {f.message}" for f in report.findings
                             if f.severity == "Violation"][:10]
    assert report.as_of == {"data-quality": None}
    upper = {f.focus_label for f in report.findings if f.rule == "DQ-UTLA-IN-ONE-ICB"}
    assert upper == SPLIT_UPPER_TIER  # SOURCES.md: the 10 upper-tier authorities in more than one ICB
    districts = {f.focus_label for f in report.findings if f.rule == "DQ-LTLA-IN-ONE-ICB"}
    assert len(districts) == 8  # 12 split districts, 4 of them single-tier (reported as upper tier)
    assert {f.severity for f in report.findings} == {"Warning"}


@pytest.mark.slow
def test_the_reference_areas_meet_the_act(store):
    report = validate_store(store, "hca2022", DAY)
    rules = {f.rule for f in report.findings}
    assert "ICS-ICB-AREAS-PARTITION-ENGLAND" not in rules
    assert "ICP-ESTABLISHED-JOINTLY" not in rules
    assert "ICS-ONE-ICB-ONE-ICP" not in rules
    assert "ICS-CCG-ABOLISHED" not in rules
