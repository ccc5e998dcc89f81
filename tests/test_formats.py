"""Serialisation details users notice: CSV that a spreadsheet cannot turn into a formula."""

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
    ("-5", "-5"),
    ("3.5e-2", "3.5e-2"),
    ("NHS Cheshire and Merseyside", "NHS Cheshire and Merseyside"),
    ("", ""),
])
def test_spreadsheet_safe(cell, safe):
    assert spreadsheet_safe(cell) == safe


def test_csv_results_are_safe_to_open(tmp_path, settings):
    from icskg.web import create_app

    hostile = '<urn:x> <http://www.w3.org/2000/01/rdf-schema#label> "=cmd|\' /C calc\'!A0" .\n'
    store = EmbeddedStore(tmp_path, query_processes=1)
    store.replace_dataset([GraphSource("urn:g", hostile.encode())], {"version": "test"})
    client = create_app(settings, store).test_client()
    response = client.get("/sparql", query_string={
        "query": "SELECT ?label WHERE { ?s ?p ?label }", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [["label"], ["'=cmd|' /C calc'!A0"]]
    tsv = client.get("/sparql", query_string={
        "query": "SELECT ?label WHERE { ?s ?p ?label }", "format": "tsv"}).get_data(as_text=True)
    assert tsv.splitlines()[1] == '"=cmd|\' /C calc\'!A0"'
