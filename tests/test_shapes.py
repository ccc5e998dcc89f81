"""The shapes themselves: every rule cites its provision, speaks plainly, uses only declared terms,
has its conformance cases, and every rule of the catalogue is either encoded or explained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS
from rdflib.plugins.sparql import prepareQuery

from icskg import resources
from icskg.namespaces import BASE, PREFIXES
from icskg.validation.regimes import common_graph, regimes, shapes_graph
from icskg.validation.vocabulary import ontology

SHAPE_FILES = sorted(resources.SHAPES_DIR.glob("*.ttl"))
DOCS = resources.PROJECT_DIR / "docs" / "validation.md"
CATALOGUE = resources.PROJECT_DIR.parent / "shared" / "rules" / "RULES.md"  # beside the project, if at all
CASES_DIR = Path(__file__).parent / "cases"
SEVERITIES = {SH.Violation, SH.Warning, SH.Info}
FORBIDDEN_SPARQL = re.compile(r"\b(MINUS|VALUES|SERVICE|FROM|NOT\s+EXISTS)\b", re.IGNORECASE)
PREFIXED = re.compile(r"\b(ics|role|committeekind|expertise|arrangement|trusttype):([\w-]+)")
OUR_TERMS = re.compile(r"<(" + re.escape(BASE + "def/") + r"[^>]*)>")


def rule_shapes(graph: Graph) -> list[URIRef]:
    """Shapes that select focus nodes of their own: the ones that encode rules."""
    targets = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
    return sorted({s for t in targets for s in graph.subjects(t, None) if isinstance(s, URIRef)})


def doc_rules() -> dict[str, tuple[str, str]]:
    """rule id -> (status, shapes or reason), from the tables in docs/validation.md."""
    rows = re.findall(r"^\| ([A-Z0-9]+(?:-[A-Z0-9]+)+) \|(.*)\|$", DOCS.read_text(encoding="utf-8"), re.M)
    found = {}
    for rule, rest in rows:
        cells = [c.strip() for c in rest.split("|")]
        status, detail = (cells[1], cells[2]) if len(cells) == 3 else (cells[0], cells[1])
        found[rule] = (status, detail)
    return found


@pytest.fixture(scope="module", params=[p.stem for p in SHAPE_FILES if p.stem != "common"])
def regime_graph(request) -> tuple[str, Graph]:
    return request.param, shapes_graph(request.param)


def test_every_regime_file_is_a_regime():
    assert set(regimes()) == {p.stem for p in SHAPE_FILES} - {"common"}
    assert len(regimes()) == 7


def test_every_rule_shape_cites_its_provision_and_speaks_plainly(regime_graph):
    regime_id, graph = regime_graph
    shapes = [s for s in rule_shapes(graph) if (s, RDFS.isDefinedBy, regimes()[regime_id].iri) in graph]
    assert shapes
    families = set(common_graph().subjects(SKOS.inScheme, URIRef(BASE + "shapes/families")))
    for shape in shapes:
        name = str(shape).rsplit("/", 1)[-1]
        assert graph.value(shape, DCTERMS.identifier), f"{name}: no rule id"
        sources = list(graph.objects(shape, DCTERMS.source))
        assert sources and all(isinstance(s, URIRef) for s in sources), f"{name}: no dcterms:source IRI"
        for source in sources:
            assert (source, RDFS.label, None) in graph, f"{name}: {source} has no label in common.ttl"
        assert graph.value(shape, DCTERMS.bibliographicCitation), f"{name}: no citation in words"
        assert graph.value(shape, SH.severity) in SEVERITIES, f"{name}: no severity"
        assert graph.value(shape, RDFS.label), f"{name}: no label"
        assert graph.value(shape, DCTERMS.subject) in families, f"{name}: no family"
        constraints = [*graph.objects(shape, SH.property), *graph.objects(shape, SH.sparql)]
        messages = [graph.value(shape, SH.message)] + [graph.value(c, SH.message) for c in constraints]
        assert messages[0] or (constraints and all(messages[1:])), f"{name}: a result would have no message"
        for message in filter(None, messages):
            assert isinstance(message, Literal) and message.language == "en"
            assert len(str(message)) > 30, f"{name}: say more than {message!r}"


def test_property_shapes_inherit_their_rules_severity(regime_graph):
    """SHACL does not pass a node shape's severity to its property shapes: each must say it."""
    _, graph = regime_graph
    for parent, child in graph.subject_objects(SH.property):
        assert (graph.value(parent, SH.severity) or SH.Violation) == \
               (graph.value(child, SH.severity) or SH.Violation), parent


def test_sparql_constraints_parse_and_avoid_slow_or_risky_forms(regime_graph):
    _, graph = regime_graph
    declared = {str(graph.value(d, SH.prefix)): str(graph.value(d, SH.namespace))
                for d in graph.objects(None, SH.declare)}
    selects = list(graph.objects(None, SH.select))
    for select in selects:
        text = str(select)
        assert not FORBIDDEN_SPARQL.search(text), text  # OPTIONAL/!BOUND instead; no remote data
        assert "$this" in text
        prepareQuery(text.replace("$this", "?this"), initNs=declared)


def test_common_prefixes_are_the_registry():
    graph = common_graph()
    for declaration in graph.objects(None, SH.declare):
        prefix = str(graph.value(declaration, SH.prefix))
        assert PREFIXES.get(prefix) == str(graph.value(declaration, SH.namespace)), prefix


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.name)
def test_every_prefix_in_shapes_agrees_with_the_registry(path: Path):
    for prefix, iri in re.findall(r"@prefix\s+([\w-]*):\s*<([^>]*)>", path.read_text(encoding="utf-8")):
        if prefix in PREFIXES:
            assert PREFIXES[prefix] == iri, f"{path.name}: @prefix {prefix}: <{iri}>"
        else:
            assert iri not in PREFIXES.values(), f"{path.name}: {iri} bound to {prefix}:"


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.name)
def test_shapes_use_only_terms_the_ontology_declares(path: Path):
    declared = {str(s) for s in ontology().subjects() if isinstance(s, URIRef)}
    graph = Graph().parse(path, format="turtle")
    used = {str(t) for triple in graph for t in triple
            if isinstance(t, URIRef) and str(t).startswith(BASE + "def/")}
    for text in (str(o) for o in graph.objects(None, SH.select)):
        used |= set(OUR_TERMS.findall(text))
        for prefix, local in PREFIXED.findall(text):
            used.add(PREFIXES[prefix] + local)
    undeclared = sorted(used - declared)
    assert not undeclared, f"{path.name} uses terms no ontology module declares: {undeclared}"


def test_every_rule_shape_has_a_conforming_and_a_violating_case():
    from tests.test_shapes_cases import CASES, load_case

    conforming: set[str] = set()
    violating: set[str] = set()
    for path in CASES:
        case = load_case(path)
        if case.expected:
            violating |= {shape for _, shape, _ in case.expected}
        else:
            conforming |= case.shapes
    for regime_id in regimes():
        graph = shapes_graph(regime_id)
        for shape in rule_shapes(graph):
            if (shape, RDFS.isDefinedBy, regimes()[regime_id].iri) in graph:
                assert str(shape) in conforming, f"{shape}: no conforming case"
                assert str(shape) in violating, f"{shape}: no violating case"


def test_docs_account_for_every_rule_and_name_its_shapes():
    documented = doc_rules()
    encoded: dict[str, set[str]] = {}
    for regime_id in regimes():
        graph = shapes_graph(regime_id)
        for shape in rule_shapes(graph):
            rule = graph.value(shape, DCTERMS.identifier)
            if rule is not None and (shape, RDFS.isDefinedBy, regimes()[regime_id].iri) in graph:
                encoded.setdefault(str(rule), set()).add(str(shape).rsplit("/", 1)[-1])
    for rule, shapes in encoded.items():
        assert rule in documented, f"{rule} is encoded but not in docs/validation.md"
        status, detail = documented[rule]
        assert status in ("encoded", "partly"), rule
        for shape in shapes:
            assert shape in detail, f"docs/validation.md: {rule} does not name {shape}"
    for rule, (status, _) in documented.items():
        assert status in ("encoded", "partly", "left out"), rule
        assert (rule in encoded) == (status != "left out"), rule


@pytest.mark.skipif(not CATALOGUE.is_file(), reason="the shared rules catalogue is not on this machine")
def test_docs_list_exactly_the_catalogues_rules():
    catalogue = set(re.findall(r"^\*\*([A-Z0-9-]+)\*\*$", CATALOGUE.read_text(encoding="utf-8"), re.M))
    assert len(catalogue) == 60
    assert catalogue == {r for r in doc_rules() if not r.startswith("DQ-")}


def test_building_block_shapes_are_only_used_by_rules():
    """Shapes without targets (icsh:InSomeICBArea...) only matter through the rules that use them."""
    graph = shapes_graph("data-quality")
    for shape in graph.subjects(RDF.type, SH.NodeShape):
        if isinstance(shape, URIRef) and shape not in rule_shapes(graph):
            assert (None, SH.node, shape) in graph, shape
    assert not [s for s in graph.subjects(SH.property, None) if isinstance(s, BNode) and
                (None, SH.property, s) in graph]
