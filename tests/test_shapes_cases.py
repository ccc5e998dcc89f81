"""The conformance cases: for every shape, data that conforms and data that violates it.

Each file under tests/cases/<regime>/ is a W3C SHACL test-suite style entry (sht:Validate) with
the data after it: ``dcterms:subject`` names the shape(s) under test, ``mf:action`` the regime
(sht:shapesGraph) and the day checked (dcterms:date), ``mf:result`` the expected results of those
shapes (focus node, source shape, severity). A conforming case must really exercise its shapes:
each has at least one focus node in the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, SH

from icskg.validation.check import validate_graph
from icskg.validation.regimes import shapes_graph
from icskg.validation.targets import focus_nodes
from icskg.validation.vocabulary import ontology

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(CASES_DIR.glob("*/*.ttl"))
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")


@dataclass
class Case:
    path: Path
    data: Graph
    regime: str
    as_of: date | None
    shapes: set[str]
    expected: set[tuple[str, str, str]]


def _reachable(graph: Graph, node: object, seen: set) -> None:
    for _, _, value in graph.triples((node, None, None)):  # type: ignore[arg-type]
        if isinstance(value, BNode) and value not in seen:
            seen.add(value)
            _reachable(graph, value, seen)


def load_case(path: Path) -> Case:
    """Read a case file: the manifest entry, then the data with the entry taken out."""
    path = path.resolve()
    graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
    entry = URIRef(path.as_uri())
    action, result = graph.value(entry, MF.action), graph.value(entry, MF.result)
    regime = str(graph.value(action, SHT.shapesGraph)).rsplit("/", 1)[-1]
    day = graph.value(action, DCTERMS.date)
    shapes = {str(s) for s in graph.objects(entry, DCTERMS.subject)}
    expected = {
        (str(graph.value(r, SH.focusNode)), str(graph.value(r, SH.sourceShape)),
         str(graph.value(r, SH.resultSeverity)).rsplit("#", 1)[-1])
        for r in graph.objects(result, SH.result)
    }
    manifest = {entry}
    _reachable(graph, entry, manifest)
    data = Graph()
    for triple in graph:
        if triple[0] not in manifest:
            data.add(triple)
    return Case(path, data, regime, date.fromisoformat(str(day)) if day else None, shapes, expected)


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_case_gives_the_expected_results(path: Path):
    case = load_case(path)
    assert case.shapes, "a case names the shape(s) it tests with dcterms:subject"
    report = validate_graph(case.data, case.regime, case.as_of)
    actual = {(f.focus, f.shape, f.severity) for f in report.findings if f.shape in case.shapes}
    assert actual == case.expected
    if not case.expected:
        shapes = shapes_graph(case.regime)
        for shape in case.shapes:
            assert focus_nodes(shapes, URIRef(shape), case.data + ontology()), f"{shape} checks nothing here"
