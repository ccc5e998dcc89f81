"""The validation report: what pySHACL found, with each finding's rule, citation and words.

A :class:`Finding` is one result of one shape; the shape says which rule of RULES.md it encodes
(``dcterms:identifier``), which provision it comes from (``dcterms:source``, and the citation in
words in ``dcterms:bibliographicCitation``) and the family of rules it belongs to
(``dcterms:subject``). The :class:`ValidationReport` keeps the findings and the SHACL report graph,
enriched with those facts about the shapes so it can be read on its own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS, SH, SKOS

from icskg.namespaces import ICS, bind_prefixes

SEVERITIES = ("Violation", "Warning", "Info")
SEVERITY_OF = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
LABELS = (RDFS.label, FOAF.name, SKOS.prefLabel, DCTERMS.title)
SHAPE_FACTS = (DCTERMS.identifier, DCTERMS.source, DCTERMS.bibliographicCitation, RDFS.label,
               DCTERMS.subject, RDFS.isDefinedBy, ICS.regime, ICS.evidenceStatus)


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from: the provision or document IRI and how to cite it in words."""

    iri: str
    label: str

    @property
    def url(self) -> str:
        """A page a browser can open: legislation.gov.uk ``/id/`` IRIs become their page."""
        return self.iri.replace("http://www.legislation.gov.uk/id/", "https://www.legislation.gov.uk/")


@dataclass(frozen=True)
class Finding:
    """One shape's result on one focus node."""

    rule: str
    shape: str
    severity: str
    focus: str
    focus_label: str
    message: str
    regime: str
    family: str
    family_label: str
    citations: tuple[Citation, ...] = ()
    citation_text: str = ""
    path: str | None = None
    value: str | None = None
    component: str | None = None
    evidence: str = ""
    """How well the rule itself is backed: verified (primary text), corroborated or inferred."""


@dataclass
class ValidationReport:
    """The outcome of :func:`icskg.validation.validate`: conforms unless a Violation was found."""

    regimes: tuple[str, ...]
    as_of: dict[str, date | None]
    findings: list[Finding]
    graph: Graph
    triples: int = 0
    shapes: dict[str, list[str]] = field(default_factory=dict)
    """Regime id -> the rule ids of its shapes (every rule checked, found wanting or not)."""

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" for f in self.findings)

    def counts(self) -> dict[str, int]:
        found = Counter(f.severity for f in self.findings)
        return {severity: found.get(severity, 0) for severity in SEVERITIES}

    def by_rule(self) -> dict[str, list[Finding]]:
        """Findings grouped by rule id, worst rule first."""
        groups: dict[str, list[Finding]] = {}
        for finding in self.findings:
            groups.setdefault(finding.rule, []).append(finding)
        return dict(sorted(groups.items(), key=lambda kv: (
            min(SEVERITIES.index(f.severity) for f in kv[1]), kv[0])))


def _name(graph: Graph, node: object) -> str:
    """The node's own label, or the last segment of its IRI."""
    for prop in LABELS:
        value = graph.value(node, prop)  # type: ignore[arg-type]
        if value is not None:
            return str(value)
    if isinstance(node, URIRef):
        return str(node).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or str(node)
    return str(node)


def label_of(graph: Graph, node: object) -> str:
    """A name a person recognises: the node's label, or for a membership who held which role.

    The member and roles are named by their own labels only, one level deep, so data that loops
    (a membership that is its own member) or chains memberships deeply is named in linear time.
    """
    member = graph.value(node, ORG.member)  # type: ignore[arg-type]
    if member is None or any(graph.value(node, prop) is not None for prop in LABELS):  # type: ignore[arg-type]
        return _name(graph, node)
    roles = sorted(_name(graph, r) for r in graph.objects(node, ORG.role))  # type: ignore[arg-type]
    return f"{_name(graph, member)}: {', '.join(roles) or 'member'}"


IRI_IN_TEXT = re.compile(r"(?:https?://|urn:)[^\s\"<>]*[^\s\"<>.,;:)]")


def readable(message: str, data: Graph) -> str:
    """Replace the IRIs pySHACL put into a message with the names the data gives them."""
    return IRI_IN_TEXT.sub(lambda m: label_of(data, URIRef(m.group(0))), message)


def _rule_shape(shapes: Graph, shape: object) -> object:
    """The named shape a result belongs to: itself, or the node shape holding this property shape."""
    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parent = shapes.value(None, SH.property, shape)
        if parent is None:
            break
        shape = parent
    return shape


def _text(graph: Graph, node: object, prop: URIRef) -> str:
    values = list(graph.objects(node, prop))  # type: ignore[arg-type]
    english = [v for v in values if isinstance(v, Literal) and v.language in (None, "en")]
    return str((english or values or [""])[0])


def findings_from(results: Graph, shapes: Graph, data: Graph, regime: str) -> list[Finding]:
    """Turn pySHACL's results graph into findings, looking each shape up in ``shapes``."""
    found = []
    # Only the report's own results: pySHACL also types the nested results it gives as sh:detail.
    for result in results.objects(None, SH.result):
        shape = _rule_shape(shapes, results.value(result, SH.sourceShape))
        focus = results.value(result, SH.focusNode)
        family = shapes.value(shape, DCTERMS.subject)  # type: ignore[arg-type]
        citations = tuple(
            Citation(str(source), _text(shapes, source, RDFS.label) or str(source))
            for source in sorted(shapes.objects(shape, DCTERMS.source))  # type: ignore[arg-type]
        )
        path, value = results.value(result, SH.resultPath), results.value(result, SH.value)
        component = results.value(result, SH.sourceConstraintComponent)
        found.append(Finding(
            rule=_text(shapes, shape, DCTERMS.identifier) or label_of(shapes, shape),
            shape=str(shape),
            severity=SEVERITY_OF.get(results.value(result, SH.resultSeverity), "Violation"),
            focus=str(focus),
            focus_label=label_of(data, focus),
            message=readable(_text(results, result, SH.resultMessage) or _text(shapes, shape, SH.message),
                             data),
            regime=regime,
            family=str(family or ""),
            family_label=_text(shapes, family, SKOS.prefLabel) if family else "",
            citations=citations,
            citation_text=_text(shapes, shape, DCTERMS.bibliographicCitation),
            path=None if path is None or isinstance(path, BNode) else str(path),
            value=None if value is None else str(value),
            component=None if component is None else str(component).rsplit("#", 1)[-1],
            evidence=str(shapes.value(shape, ICS.evidenceStatus) or "").rsplit("/", 1)[-1],  # type: ignore[arg-type]
        ))
    return found


def sort_key(finding: Finding, regimes: Sequence[str] = ()) -> tuple:
    """Worst first, then by rule, place and words, then by regime in ``regimes``' order. The last
    ties are broken too, so the order never depends on the order of the triples in the data."""
    rank = regimes.index(finding.regime) if finding.regime in regimes else len(regimes)
    return (SEVERITIES.index(finding.severity), finding.rule, finding.focus_label, finding.message, rank,
            finding.focus, finding.shape, finding.path or "", finding.value or "", finding.component or "")


def enrich(report_graph: Graph, shapes: Graph) -> None:
    """Copy into the report graph what each cited shape says about its rule and provision."""
    for shape in set(report_graph.objects(None, SH.sourceShape)):
        named = _rule_shape(shapes, shape)
        for prop in SHAPE_FACTS:
            for value in shapes.objects(named, prop):  # type: ignore[arg-type]
                # on the shape the result names, even an unnamed property shape of the rule
                report_graph.add((shape, prop, value))
                report_graph.add((named, prop, value))  # type: ignore[arg-type]
                if prop == DCTERMS.source:
                    for label in shapes.objects(value, RDFS.label):
                        report_graph.add((value, RDFS.label, label))


def merged_graph(parts: list[Graph], regimes: list[URIRef]) -> Graph:
    """One sh:ValidationReport holding the results of every regime run.

    Its ``sh:conforms`` follows SHACL: false whenever it holds a result, Warnings and Info included.
    icskg's own verdict (:attr:`ValidationReport.conforms`, the exit status, the summaries) asks
    only for no Violation.
    """
    graph = bind_prefixes(Graph())
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    results = 0
    for iri in regimes:
        graph.add((report, DCTERMS.conformsTo, iri))
    for part in parts:
        for old in list(part.subjects(RDF.type, SH.ValidationReport)):
            for result in part.objects(old, SH.result):
                graph.add((report, SH.result, result))
                results += 1
            part.remove((old, None, None))
        graph += part
    graph.add((report, SH.conforms, Literal(results == 0)))
    return graph
