"""The SPARQL constraints answer the same whether rdflib orders a group's patterns itself or
icskg joins them from what is bound (:mod:`icskg.validation.sparql_cache`): on every conformance
case and every example, row for row."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import pytest
from rdflib import Graph, URIRef, Variable
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from icskg import resources
from icskg.namespaces import sparql_prologue
from icskg.validation.check import prepared
from icskg.validation.inputs import Input, load
from icskg.validation.regimes import regimes, shapes_graph
from icskg.validation.sparql_cache import join_order, planned
from icskg.validation.targets import focus_nodes
from tests.test_shapes_cases import CASES, case_id, load_case


def constraints(regime_id: str) -> Iterator[tuple[URIRef, str]]:
    shapes = shapes_graph(regime_id)
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        yield shape, sparql_prologue() + str(shapes.value(constraint, SH.select))


@cache
def plain(text: str) -> Query:
    return prepareQuery(text)


def rows(graph: Graph, text: str, node: object, *, joined: bool) -> list[list[tuple[str, str]]]:
    if joined:
        found = list(planned(graph).query(text, initBindings={"this": node}))
    else:  # rdflib alone, in its own order of patterns
        found = list(graph.query(plain(text), initBindings={"this": node}))
    return sorted(sorted((k, str(v)) for k, v in row.asdict().items()) for row in found)  # type: ignore[union-attr]


def same_answers(graph: Graph, regime_ids: list[str]) -> int:
    """Compare every SPARQL constraint of the regimes on ``graph``; returns how many rows matched."""
    checked = 0
    for regime_id in regime_ids:
        for shape, text in constraints(regime_id):
            for node in focus_nodes(shapes_graph(regime_id), shape, graph):
                ours = rows(graph, text, node, joined=True)
                assert ours == rows(graph, text, node, joined=False), (shape, node)
                checked += len(ours)
    return checked


def test_join_order_starts_from_what_is_bound():
    this, system, value = Variable("this"), Variable("system"), Variable("value")
    has, kind, council = URIRef("urn:p:has"), URIRef("urn:p:type"), URIRef("urn:c:Council")
    patterns = [(value, kind, council), (value, has, system), (system, has, this)]
    assert join_order(patterns, {this}) == [(system, has, this), (value, has, system), (value, kind, council)]
    assert join_order(patterns, set()) == patterns  # nothing bound: as written


@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_every_case_gets_the_same_answers(path):
    case = load_case(path)
    same_answers(prepared(case.data, case.as_of), [case.regime])


def test_the_examples_get_the_same_answers_and_some_rows():
    found = 0
    for path in sorted(resources.EXAMPLES_DIR.iterdir()):
        found += same_answers(prepared(load([Input.from_path(path)]), None), list(regimes()))
    assert found > 0  # the examples break rules, so rows were compared, not only empty answers


def test_validations_at_the_same_time_leave_rdflib_as_it_was():
    """pySHACL's queries are planned through a view of the data, never by patching rdflib, so
    validations in several threads at once neither disturb each other nor leave rdflib changed."""
    import threading

    from rdflib.plugins.sparql import CUSTOM_EVALS
    from rdflib.plugins.sparql.processor import SPARQLProcessor

    from icskg.validation import validate

    before = (dict(CUSTOM_EVALS), SPARQLProcessor.query, Graph.query)
    board = Input.from_path(resources.EXAMPLES_DIR / "icb-breaches.ttl")

    def findings() -> list[tuple]:
        return sorted((f.rule, f.shape, f.severity, f.focus_label, f.message, f.path or "")
                      for f in validate([board], regime=["hca2022", "guidance"]).findings)

    alone = findings()
    assert alone, "the example breaks rules, so findings are compared, not two empty lists"
    together: list[list[tuple]] = []
    threads = [threading.Thread(target=lambda: together.append(findings())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert together == [alone] * 4
    assert (dict(CUSTOM_EVALS), SPARQLProcessor.query, Graph.query) == before


def test_quiet_literal_warnings_silences_only_its_own_thread(caplog):
    import logging
    import threading

    from icskg.validation.inputs import quiet_literal_warnings

    logger = logging.getLogger("rdflib.term")
    inside = threading.Event()
    leave = threading.Event()

    def quiet_validation() -> None:
        with quiet_literal_warnings():
            logger.warning("dropped: the validation's own ill-typed literal")
            inside.set()
            leave.wait(10)

    worker = threading.Thread(target=quiet_validation)
    with caplog.at_level(logging.WARNING, logger="rdflib.term"):
        worker.start()
        inside.wait(10)
        logger.warning("kept: another thread's warning")
        leave.set()
        worker.join()
    messages = [record.getMessage() for record in caplog.records]
    assert "kept: another thread's warning" in messages
    assert not any(m.startswith("dropped") for m in messages)
    assert not logger.filters and not logger.disabled
