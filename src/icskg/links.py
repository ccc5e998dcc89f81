"""The public sector's own identifiers icskg links to: one entry per publisher, in one place.

Each target says whose identifiers they are, the IRI prefix every link starts with, and the
publisher's page that documents the pattern (docs/ontology.md cites them with their dates). The
build counts the links into VoID link sets, one per target and predicate, and the linked-data
pages group links out by the same publishers. Links are data: nothing in icskg fetches them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from icskg.namespaces import (
    BASE,
    CQC_PROVIDER,
    GOVUK_ORGANISATION,
    ID,
    LEGISLATION,
    ODS_RECORD,
    ONS_GEOGRAPHY,
    bind_prefixes,
)


@dataclass(frozen=True)
class LinkTarget:
    slug: str
    publisher: str
    """The name shown to people, on pages and in VoID titles."""
    namespace: str
    """Every link to this target starts with it."""
    homepage: URIRef
    """The target dataset as VoID's ``objectsTarget``."""
    documentation: str | None
    """The publisher's page documenting the pattern (None: the pattern comes with the source data)."""

    def owns(self, iri: str) -> bool:
        return iri.startswith(self.namespace)


TARGETS: tuple[LinkTarget, ...] = (
    LinkTarget("ons", "ONS statistical geography", str(ONS_GEOGRAPHY),
               URIRef("http://statistics.data.gov.uk/"),
               "https://statistics.data.gov.uk/help?tab=api"),
    LinkTarget("ods", "NHS Organisation Data Service", str(ODS_RECORD),
               URIRef("https://directory.spineservices.nhs.uk/ORD/2-0-0/"),
               "https://digital.nhs.uk/services/organisation-data-service/organisation-data-service-apis/"
               "technical-guidance-ord/organisation-endpoint"),
    LinkTarget("legislation", "legislation.gov.uk", str(LEGISLATION),
               URIRef("http://www.legislation.gov.uk/"), None),
    LinkTarget("govuk", "GOV.UK", str(GOVUK_ORGANISATION),
               URIRef("https://www.gov.uk/government/organisations"),
               "https://docs.publishing.service.gov.uk/manual/organisations-api.html"),
    LinkTarget("cqc", "Care Quality Commission", str(CQC_PROVIDER),
               URIRef("https://www.cqc.org.uk/"), None),
)


def target_of(iri: str) -> LinkTarget | None:
    """The publisher whose identifier ``iri`` is, if it is one icskg links to."""
    return next((t for t in TARGETS if t.owns(iri)), None)


def ods_record(code: str) -> URIRef:
    """The address the ODS publishes for the organisation with ODS ``code``."""
    return ODS_RECORD[code]


def _local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1]


def describe_link_sets(graphs: Iterable[Graph], dataset: URIRef) -> Graph:
    """VoID for the links from icskg's resources in ``graphs`` to each target: the targets with
    their documentation, and one ``void:Linkset`` per target and predicate with its count.

    Counted here, over the built graphs, because counting on the store means a scan of every
    triple per target (seconds, not milliseconds, on each new dataset version).
    """
    counts: Counter[tuple[LinkTarget, URIRef]] = Counter()
    for graph in graphs:
        for s, p, o in graph:
            if isinstance(o, URIRef) and isinstance(s, URIRef) and s.startswith(BASE):
                target = target_of(o)
                if target is not None:
                    counts[target, p] += 1
    g = bind_prefixes(Graph())
    for target in TARGETS:
        g.add((target.homepage, RDF.type, VOID.Dataset))
        g.add((target.homepage, DCTERMS.title, Literal(target.publisher, lang="en")))
        g.add((target.homepage, VOID.uriSpace, Literal(target.namespace)))
        if target.documentation:
            g.add((target.homepage, RDFS.seeAlso, URIRef(target.documentation)))
    for (target, predicate), count in counts.items():
        name = _local_name(predicate)
        linkset = ID[f"dataset/icskg/linkset/{target.slug}-{name.lower()}"]
        g.add((dataset, VOID.subset, linkset))
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, DCTERMS.title, Literal(f"Links to {target.publisher} by {name}", lang="en")))
        g.add((linkset, VOID.linkPredicate, predicate))
        g.add((linkset, VOID.subjectsTarget, dataset))
        g.add((linkset, VOID.objectsTarget, target.homepage))
        g.add((linkset, VOID.triples, Literal(count, datatype=XSD.integer)))
    return g
