"""icskg's prefixes and the IRIs they stand for, as plain strings.

What a query process needs of :mod:`icskg.namespaces` (the prefixes every query may use undeclared),
without rdflib, which that module's namespace objects need: a web worker's fork server imports the
query code before its first query process starts, and rdflib was half of it. ``test_namespaces``
checks that these strings are the namespaces' own.
"""

from __future__ import annotations

BASE = "https://w3id.org/icskg/"

PREFIXES: dict[str, str] = {
    "ics": BASE + "def/",
    "icsh": BASE + "shapes/",
    "nhsorg": BASE + "id/org/",
    "area": BASE + "id/area/",
    "system": BASE + "id/ics/",
    "icp": BASE + "id/icp/",
    "la": BASE + "id/la/",
    "ccg": BASE + "id/ccg/",
    "person": BASE + "id/person/",
    "source": BASE + "id/source/",
    "graph": BASE + "graph/",
    "trusttype": BASE + "def/trust-type/",
    "role": BASE + "def/role/",
    "committeekind": BASE + "def/committee-kind/",
    "expertise": BASE + "def/expertise/",
    "arrangement": BASE + "def/arrangement/",
    "regime": BASE + "def/regime/",
    "topic": BASE + "def/topic/",
    "evidence": BASE + "def/evidence/",
    "dutykind": BASE + "def/duty-kind/",
    "content": BASE + "def/content/",
    "interestkind": BASE + "def/interest-kind/",
    "decisionmethod": BASE + "def/decision-method/",
    "disqualification": BASE + "def/disqualification-ground/",
    "sector": BASE + "def/sector/",
    "office": BASE + "id/office/",
    "agent": BASE + "id/agent/",
    "doc": BASE + "id/doc/",
    "option": BASE + "id/option/",
    "feature": BASE + "id/option-feature/",
    "finance": BASE + "id/finance/",
    "duty": BASE + "id/duty/",
    "event": BASE + "id/event/",
    "list": BASE + "id/list/",
    "place": BASE + "id/place/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "onsgeo": "http://statistics.data.gov.uk/id/statistical-geography/",
    "leg": "http://www.legislation.gov.uk/id/",
    "odsrecord": "https://directory.spineservices.nhs.uk/ORD/2-0-0/organisations/",
    "govukorg": "https://www.gov.uk/government/organisations/",
    "cqc": "https://www.cqc.org.uk/provider/",
}
