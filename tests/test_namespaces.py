"""One registry of IRIs: the closed namespace, the ontology and every @prefix agree."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from icskg import __version__, resources
from icskg.namespaces import ICS, ONTOLOGY, PREFIXES, bind_prefixes

DECLARATIONS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDFS.Datatype)
PREFIX_LINE = re.compile(r"@prefix\s+([\w-]*):\s*<([^>]*)>", re.IGNORECASE)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in resources.ontology_files():
        graph.parse(path, format="turtle")
    return graph


def test_a_misspelt_term_fails_instead_of_minting_an_iri():
    with pytest.raises(AttributeError):
        _ = ICS.IntegratedCareBord


def test_python_terms_and_ontology_terms_are_the_same_set(ontology):
    namespace = str(ICS._NS)
    declared = {
        str(s)[len(namespace):]
        for kind in DECLARATIONS
        for s in ontology.subjects(RDF.type, kind)
        if str(s).startswith(namespace) and "/" not in str(s)[len(namespace):]
    }
    assert declared == set(ICS.__annotations__)


def test_every_prefix_in_the_project_agrees_with_the_registry():
    files = [*resources.ONTOLOGY_DIR.rglob("*.ttl"), *resources.DATA_DIR.rglob("*.ttl")]
    assert files
    for path in files:
        for prefix, iri in PREFIX_LINE.findall(path.read_text(encoding="utf-8")):
            if prefix in PREFIXES:
                assert PREFIXES[prefix] == iri, f"{path.name}: @prefix {prefix}: <{iri}>"
            else:
                assert iri not in PREFIXES.values(), f"{path.name}: {iri} bound to {prefix}:"


def test_ontology_version_is_the_package_version(ontology):
    assert {str(v) for v in ontology.objects(ONTOLOGY, OWL.versionInfo)} == {__version__}


def test_bind_prefixes_replaces_rdflib_defaults():
    graph = bind_prefixes(Graph())
    bound = {prefix: str(iri) for prefix, iri in graph.namespaces()}
    assert bound["schema"] == "https://schema.org/"
    assert bound["ics"] == str(ICS._NS)


def test_the_plain_prefixes_are_the_namespaces_own():
    """icskg.prefixes spells the prefixes as strings for the query code, which does not load rdflib;
    each must be the IRI of the namespace object the rest of icskg uses."""
    from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, PROV, SDO, SKOS, TIME, VANN, XSD

    from icskg import namespaces as ns

    expected = {
        "ics": ICS._NS, "icsh": ns.ICSH, "nhsorg": ns.ORG_ID, "area": ns.AREA, "system": ns.ICS_ID,
        "icp": ns.ICP_ID, "la": ns.LA, "ccg": ns.CCG, "person": ns.PERSON, "source": ns.SOURCE,
        "graph": ns.GRAPH, "trusttype": ns.TRUST_TYPE, "role": ns.ROLE,
        "committeekind": ns.COMMITTEE_KIND, "expertise": ns.EXPERTISE, "arrangement": ns.ARRANGEMENT,
        "regime": ns.REGIME, "topic": ns.TOPIC, "evidence": ns.EVIDENCE, "dutykind": ns.DUTY_KIND,
        "content": ns.CONTENT, "interestkind": ns.INTEREST_KIND, "decisionmethod": ns.DECISION_METHOD,
        "disqualification": ns.DISQUALIFICATION, "sector": ns.SECTOR, "office": ns.OFFICE,
        "agent": ns.AGENT, "doc": ns.DOC, "option": ns.OPTION, "feature": ns.FEATURE,
        "finance": ns.FINANCE, "duty": ns.DUTY, "event": ns.EVENT, "list": ns.LIST, "place": ns.PLACE,
        "org": ORG, "prov": PROV, "dcterms": DCTERMS, "dcat": DCAT, "skos": SKOS, "owl": OWL,
        "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "schema": SDO, "foaf": FOAF, "time": TIME, "vann": VANN,
        "onsgeo": ns.ONS_GEOGRAPHY, "leg": ns.LEGISLATION, "odsrecord": ns.ODS_RECORD,
        "govukorg": ns.GOVUK_ORGANISATION, "cqc": ns.CQC_PROVIDER,
    }
    assert PREFIXES == {prefix: str(iri) for prefix, iri in expected.items()}
