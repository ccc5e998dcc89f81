"""Regimes checked together share work (one graph with the ontology, one snapshot per day), and
must find exactly what each regime finds when checked alone: same findings, same order."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest
from rdflib import Graph

from icskg import resources
from icskg.validation.check import prepared, store_graph, validate_graph
from icskg.validation.inputs import Input, load
from icskg.validation.regimes import regimes
from icskg.validation.report import sort_key
from icskg.validation.snapshot import as_it_stood, out_of_force
from icskg.validation.vocabulary import ontology

EXAMPLES = sorted(resources.EXAMPLES_DIR.iterdir())
# A day on which the default days of the regimes differ: hca2022 checks 2024-01-01, df2021 and
# ltp2019 check 30 June 2022, data-quality the whole record.
TODAY = date(2024, 1, 1)


def alone_then_together(graph: Graph, as_of: date | None = None) -> tuple[list, list]:
    ids = list(regimes())
    alone = [f for r in ids for f in validate_graph(graph, r, as_of, today=TODAY).findings]
    together = validate_graph(graph, ids, as_of, today=TODAY).findings
    return sorted(alone, key=partial(sort_key, regimes=ids)), together


def test_the_examples_hold_things_out_of_force_on_some_days_only():
    """Else sharing a snapshot between days could not go wrong here, and the test below would prove
    nothing."""
    data = Graph().parse(resources.EXAMPLES_DIR / "icb-complete.ttl")
    early = out_of_force(prepared(data, None), date(2022, 6, 30))
    late = out_of_force(prepared(data, None), TODAY)
    assert early and early != late


def test_a_snapshot_is_taken_in_place_and_undone():
    data = prepared(Graph().parse(resources.EXAMPLES_DIR / "icb-complete.ttl"), None)
    before = set(data)
    gone = out_of_force(data, date(2022, 6, 30))
    with as_it_stood(data, date(2022, 6, 30)) as snapshot:
        assert snapshot is data  # no copy
        assert not any((node, None, None) in data for node in gone)
        assert len(data) < len(before)
    assert set(data) == before


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_regimes_together_find_what_each_finds_alone(path):
    # a board's records (the companion CSV templates) are checked with the board, as they are used
    board = [] if path.name in ("icb-board.csv",) or path.suffix != ".csv" \
        else [Input.from_path(resources.EXAMPLES_DIR / "icb-board.csv")]
    graph = load([Input.from_path(path), *board])
    alone, together = alone_then_together(graph)
    assert together == alone
    assert together  # every example breaks some regime's rules, so the comparison is not empty


def test_a_given_day_is_shared_by_every_regime():
    graph = Graph().parse(resources.EXAMPLES_DIR / "icb-complete.ttl")
    alone, together = alone_then_together(graph, date(2023, 3, 31))
    assert together == alone and together


def test_validation_adds_nothing_to_the_data_but_the_ontology():
    """pySHACL runs in place (no inference, no rules): the shared graph must come out as it went in."""
    graph = Graph().parse(resources.EXAMPLES_DIR / "icb-breaches.ttl")
    before = set(graph)
    validate_graph(graph, list(regimes()), today=TODAY)
    assert set(graph) == before  # a copy is validated by default
    validate_graph(graph, list(regimes()), today=TODAY, copy=False)
    assert set(graph) == before | set(ontology())


@pytest.mark.slow
def test_the_whole_graph_together_finds_what_each_regime_finds_alone(store):
    alone, together = alone_then_together(store_graph(store))
    assert together == alone
    assert len(together) > 1000
