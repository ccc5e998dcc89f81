"""The curated policy knowledge (``data/policy/*.ttl``) as one graph, linked to the reference data.

A change event in the policy data gives its date and what it concerns, not the long lists of
bodies and areas it changed: those come from the reference tables and are linked here, so that
they cannot drift apart. For an ``org:ChangeEvent`` on day D:

- for each class it ``ics:concerns``: every member whose ``ics:endDate`` is D - 1 is an
  ``org:originalOrganization`` (and ``org:changedBy`` the event), every member whose
  ``ics:startDate`` is D an ``org:resultingOrganization`` (and ``org:resultedFrom`` the event);
- for each body it ``ics:concerns``: every area that the body or one of its units covers and that
  replaced, on D, an area ending on D - 1 is ``prov:generated``, the old area ``prov:used``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from icskg import resources
from icskg.links import ods_record
from icskg.namespaces import ICS, ODS_SYSTEM, bind_prefixes


class PolicyError(ValueError):
    """A policy data file is malformed; the message names the file."""


def policy_files(directory: Path | None = None) -> list[Path]:
    """The curated policy files, in a stable order."""
    return sorted((directory or resources.POLICY_DIR).glob("*.ttl"))


def _day(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _link_change_events(policy: Graph, reference: Graph, ontology: Graph) -> None:
    for event in set(policy.subjects(RDF.type, ORG.ChangeEvent)):
        on = policy.value(event, DCTERMS.date)
        if not isinstance(on, Literal) or on.datatype != XSD.date:
            continue
        day = on.toPython()
        before, first = _day(day - timedelta(days=1)), _day(day)
        for concerned in policy.objects(event, ICS.concerns):
            if (concerned, RDF.type, OWL.Class) in ontology:
                for body in reference.subjects(RDF.type, concerned):
                    if (body, ICS.endDate, before) in reference:
                        policy.add((event, ORG.originalOrganization, body))
                        policy.add((body, ORG.changedBy, event))
                    if (body, ICS.startDate, first) in reference:
                        policy.add((event, ORG.resultingOrganization, body))
                        policy.add((body, ORG.resultedFrom, event))
                continue
            bodies = [concerned, *reference.subjects(ORG.unitOf, concerned)]
            for body in bodies:
                for area in reference.objects(body, ICS.coversArea):
                    if (area, ICS.startDate, first) not in reference:
                        continue
                    for old in reference.objects(area, DCTERMS.replaces):
                        if (old, ICS.endDate, before) in reference:
                            policy.add((event, PROV.used, old))
                            policy.add((event, PROV.generated, area))


def build(reference: Iterable[Graph], ontology: Graph, directory: Path | None = None) -> Graph:
    """Parse the policy files and link their change events to the ``reference`` graphs.

    :raises PolicyError: if a file is not valid Turtle.
    """
    policy = bind_prefixes(Graph())
    for path in policy_files(directory):
        try:
            policy.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            raise PolicyError(f"{path}: not valid Turtle ({exc})") from exc
    reference_graph = ReadOnlyGraphAggregate(list(reference))
    _link_change_events(policy, reference_graph, ontology)
    _link_ods_records(policy, reference_graph)
    return policy


def _link_ods_records(policy: Graph, reference: Graph) -> None:
    """Link each body the policy data gives an ODS code (NHS England, X24) to its ODS record and
    type its code in the NHS ODS identifier system, as the table readers do for theirs, unless a
    table already does."""
    for body, code in list(policy.subject_objects(ICS.odsCode)):
        for fact in ((body, RDFS.seeAlso, ods_record(str(code))),
                     (body, SKOS.notation, Literal(str(code), datatype=ODS_SYSTEM))):
            if fact not in reference:
                policy.add(fact)


def sources(policy: Graph) -> set[URIRef]:
    """Every document the policy facts cite (the objects of ``dcterms:source``)."""
    return {o for o in policy.objects(None, DCTERMS.source) if isinstance(o, URIRef)}
