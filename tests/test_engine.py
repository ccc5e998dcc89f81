"""icskg's SHACL engine (icskg.validation.engine, over pyoxigraph) against pySHACL: the same
findings, field by field (rule, shape, severity, focus and its name, message, path, value,
component), on every conformance case and on the whole built graph against every regime."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from icskg.validation import engine
from icskg.validation.check import store_data, store_graph, validate_graph
from icskg.validation.regimes import regimes, shapes_graph
from tests.test_shapes_cases import CASES, case_id, load_case


def _same(ours, theirs) -> None:
    assert ours.findings == theirs.findings
    assert ours.as_of == theirs.as_of and ours.triples == theirs.triples
    assert len(set(ours.graph.objects(None, SH.result))) == len(ours.findings)


@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_the_engine_finds_what_pyshacl_finds_on_every_case(path: Path):
    case = load_case(path)
    ours = validate_graph(case.data, case.regime, case.as_of)
    theirs = validate_graph(case.data, case.regime, case.as_of, engine="pyshacl")
    _same(ours, theirs)


def test_every_regime_is_compiled_not_handed_to_pyshacl():
    """The engine implements all the SHACL icskg's shapes use: no regime falls back to pySHACL."""
    for regime_id in regimes():
        assert engine.Shapes(shapes_graph(regime_id)).targeted


def test_shapes_the_engine_does_not_implement_are_refused():
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:xone ( [ sh:class <urn:A> ] [ sh:class <urn:B> ] ) .
    """, format="turtle")
    with pytest.raises(engine.Unsupported, match="xone"):
        engine.Shapes(shapes)


@pytest.mark.slow
def test_the_engine_finds_what_pyshacl_finds_on_the_whole_graph(store):
    ids = list(regimes())
    ours = validate_graph(store_data(store), ids, copy=False)
    theirs = validate_graph(store_graph(store), ids, copy=False, engine="pyshacl")
    _same(ours, theirs)
    assert len(ours.findings) > 1000


@pytest.mark.slow
def test_the_built_graph_is_read_once_per_dataset_version(store, select):
    """The union of the store's graphs is kept as N-Triples per dataset version and read back
    whole: the copy holds every distinct triple, and copies of other versions are removed."""
    kept = Path(store.data_dir) / "validation" / f"{store.info()['version']}.nt"
    first = store_data(store)
    assert kept.is_file()
    distinct = select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    assert len(first) == int(distinct[0]["n"])
    stale = kept.with_name("0ld-version.nt")
    stale.write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    kept.unlink()
    again = store_data(store)
    assert kept.is_file() and not stale.exists()
    assert len(again) == len(first)

    def named(data) -> set:  # blank nodes get new labels on each parse
        return {q for q in data.store if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}

    assert named(again) == named(first)
