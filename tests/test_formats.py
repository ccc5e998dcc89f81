"""Serialisation details users notice: the endpoint's CSV and TSV carry values exactly (W3C),
downloads meant for spreadsheets cannot be turned into formulas, and an answer a format cannot
hold is a 406 that says so."""

from __future__ import annotations

import csv
import io

import pytest

from icskg.formats import spreadsheet_safe
from icskg.store import EmbeddedStore, GraphSource


@pytest.mark.parametrize("cell,safe", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("-2+3", "'-2+3"),
    (" =1+1", "' =1+1"),  # a leading space
    ("\u00a0=1+1", "'\u00a0=1+1"),  # a no-break space
    ("\ufeff=1+1", "'\ufeff=1+1"),  # a byte order mark
    ("\uff1d1+1", "'\uff1d1+1"),  # a fullwidth equals sign
    ("\n=1+1", "'\n=1+1"),  # a line break
    ("\tanything", "'\tanything"),
    ("x;=1+1", "x;'=1+1"),  # a spreadsheet that splits on ";" starts a cell at "="
    ("x\t@SUM(A1)", "x\t'@SUM(A1)"),
    ("x;-5", "x;-5"),
    ("-5", "-5"),
    ("+1.5E3", "+1.5E3"),
    ("3.5e-2", "3.5e-2"),
    ("-PT8H", "'-PT8H"),
    ("NHS Cheshire and Merseyside", "NHS Cheshire and Merseyside"),
    ("", ""),
])
def test_spreadsheet_safe(cell, safe):
    assert spreadsheet_safe(cell) == safe


def test_the_check_is_linear():
    """The pattern it replaced took quadratic time on '-', many digits and a letter: 65,536
    digits held a web worker until gunicorn killed it. This answers at once (or the suite hangs)."""
    cell = "-" + "1" * 65_536 + "x"
    assert spreadsheet_safe(cell) == "'" + cell
    assert spreadsheet_safe("-" + "1" * 65_536) == "-" + "1" * 65_536
    assert spreadsheet_safe(("a;" * 30_000) + "=x").endswith(";'=x")


@pytest.fixture()
def hostile_client(tmp_path, settings):
    from icskg.web import create_app

    hostile = ('<urn:x> <http://www.w3.org/2000/01/rdf-schema#label> "=cmd|\' /C calc\'!A0" .\n'
               '<urn:x> <urn:duration> "-PT8H"^^<http://www.w3.org/2001/XMLSchema#dayTimeDuration> .\n')
    store = EmbeddedStore(tmp_path, query_processes=1)
    store.replace_dataset([GraphSource("urn:g", hostile.encode())], {"version": "test"})
    return create_app(settings, store).test_client()


def test_sparql_csv_and_tsv_carry_values_exactly(hostile_client):
    query = ("SELECT ?label ?d WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label ; "
             "<urn:duration> ?d }")
    response = hostile_client.get("/sparql", query_string={"query": query, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [["label", "d"], ["=cmd|' /C calc'!A0", "-PT8H"]]
    tsv = hostile_client.get("/sparql", query_string={"query": query, "format": "tsv"}).get_data(as_text=True)
    assert tsv.splitlines()[1].split("\t") == [
        '"=cmd|\' /C calc\'!A0"', '"-PT8H"^^<http://www.w3.org/2001/XMLSchema#dayTimeDuration>']


def test_a_long_cell_as_csv_comes_back_whole(client):
    """Issue 17's attack: a 65,536-digit cell built with CONCAT, asked for as CSV."""
    query = ('SELECT ?x WHERE { BIND(CONCAT("-", STR(1000000000000000), "x") AS ?a) '
             'BIND(CONCAT(?a, ?a) AS ?b) BIND(CONCAT(?b, ?b, ?b, ?b) AS ?c) '
             'BIND(REPLACE(?c, "x", "") AS ?d) BIND(CONCAT("-", REPLACE(?d, "-", ""), '
             'REPLACE(?d, "-", ""), "x") AS ?e) BIND(CONCAT(?e, ?e, ?e, ?e, ?e, ?e, ?e, ?e) AS ?f) '
             'BIND(REPLACE(?f, "[^0-9]", "") AS ?g) '
             'BIND(CONCAT(?g, ?g, ?g, ?g, ?g, ?g, ?g, ?g, ?g, ?g, ?g, ?g, ?g, ?g, ?g, ?g) AS ?h) '
             'BIND(CONCAT(?h, ?h, ?h, ?h, ?h, ?h, ?h, ?h, ?h, ?h, ?h, ?h, ?h, ?h, ?h, ?h) AS ?i) '
             'BIND(CONCAT("-", SUBSTR(CONCAT(?i, ?i, ?i), 1, 65536), "x") AS ?x) }')
    response = client.get("/sparql", query_string={"query": query, "format": "csv", "timeout": "20"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    cell = response.get_data(as_text=True).split("\r\n")[1]
    assert cell[0] == "-" and cell[-1] == "x" and len(cell) == 65_538 and cell[1:-1].isdigit()


def test_an_answer_a_format_cannot_hold_is_406(client):
    query = "CONSTRUCT { <urn:a> <urn:b> <<( <urn:c> <urn:d> <urn:e> )>> } WHERE {}"
    response = client.get("/sparql", query_string={"query": query, "format": "jsonld"})
    assert response.status_code == 406
    body = response.get_data(as_text=True)
    assert "cannot be written as jsonld" in body and "turtle" in body
    turtle = client.get("/sparql", query_string={"query": query, "format": "turtle"})
    assert turtle.status_code == 200 and "<<( <urn:c> <urn:d> <urn:e> )>>" in turtle.get_data(as_text=True)
